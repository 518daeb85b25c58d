/* watch.c - diffs between commits, their JSON, and watching a branch. */
#include "core_fixtures.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
	size_t count;
	char json[8][256];
} changes;

static int collect_change(const ws_change *change, void *payload)
{
	changes *c = payload;
	char *json = ws_change_json(change);

	if (c->count < 8 && json)
		snprintf(c->json[c->count++], sizeof(c->json[0]), "%s", json);
	free(json);
	return 0;
}

static const char *added(const char *path, const char *hash)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "{\"/%s\":{\"action\":\"added\",\"hash\":\"%s\"}}",
		 path, hash);
	return buf;
}

static const char *removed(const char *path, const char *hash)
{
	static char buf[256];
	snprintf(buf, sizeof(buf),
		 "{\"/%s\":{\"action\":\"removed\",\"hash\":\"%s\"}}", path, hash);
	return buf;
}

static const char *updated(const char *path, const char *from, const char *to)
{
	static char buf[300];
	snprintf(buf, sizeof(buf),
		 "{\"/%s\":{\"action\":\"updated\",\"hash\":{\"old\":\"%s\","
		 "\"new\":\"%s\"}}}",
		 path, from, to);
	return buf;
}

TEST(test_watch__change_json_matches_the_reference)
{
	ws_change add = { "a.wasm", WS_ADDED, NULL, "h1" };
	ws_change upd = { "dir/a.wasm", WS_UPDATED, "h1", "h2" };
	ws_change rem = { "a.wasm", WS_REMOVED, "h1", NULL };
	char *json;

	ASSERT_STR("{\"/a.wasm\":{\"action\":\"added\",\"hash\":\"h1\"}}",
		   json = ws_change_json(&add));
	free(json);
	ASSERT_STR("{\"/dir/a.wasm\":{\"action\":\"updated\",\"hash\":"
		   "{\"old\":\"h1\",\"new\":\"h2\"}}}",
		   json = ws_change_json(&upd));
	free(json);
	ASSERT_STR("{\"/a.wasm\":{\"action\":\"removed\",\"hash\":\"h1\"}}",
		   json = ws_change_json(&rem));
	free(json);
}

TEST(test_watch__diff_between_commits)
{
	ws_store *s = NULL;
	changes c = { 0 };
	char m[5][WS_HASH_HEXSIZE + 1], c1[WS_COMMIT_HEXSIZE + 1],
		c2[WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, m[1]));
	ASSERT_OK(fixture_add(s, NULL, "d/x.wasm", 5, m[4]));
	ASSERT_OK(ws_snapshot(c1, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 3, m[2]));
	ASSERT_OK(ws_module_remove(s, NULL, "b.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "c.wasm", 4, m[3]));
	ASSERT_OK(ws_snapshot(c2, s, NULL));

	ASSERT_OK(ws_diff(s, c1, c2, collect_change, &c));
	ASSERT(c.count == 3);
	ASSERT_STR(updated("a.wasm", m[0], m[2]), c.json[0]);
	ASSERT_STR(removed("b.wasm", m[1]), c.json[1]);
	ASSERT_STR(added("c.wasm", m[3]), c.json[2]);

	memset(&c, 0, sizeof(c));
	ASSERT_OK(ws_diff(s, NULL, c1, collect_change, &c));
	ASSERT(c.count == 3);
	ASSERT_STR(added("a.wasm", m[0]), c.json[0]);
	ASSERT_STR(added("b.wasm", m[1]), c.json[1]);
	ASSERT_STR(added("d/x.wasm", m[4]), c.json[2]);

	memset(&c, 0, sizeof(c));
	ASSERT_OK(ws_diff(s, c2, c2, collect_change, &c));
	ASSERT(c.count == 0);
	ASSERT_CODE(WS_EINPUT, ws_diff(s, "nope", c2, collect_change, &c));
	ASSERT_CODE(WS_ENOTFOUND,
		    ws_diff(s, c1, "0123456789012345678901234567890123456789",
			    collect_change, &c));
	ws_store_free(s);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST(test_watch__times_out_when_nothing_changes)
{
	ws_store *s = NULL;
	ws_watch *w = NULL;
	changes c = { 0 };
	int64_t start;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_watch_new(&w, s, NULL));
	start = now_ms();
	ASSERT_OK(ws_watch_next(w, 300, collect_change, &c));
	ASSERT(now_ms() - start >= 300);
	ASSERT(c.count == 0);
	ASSERT_OK(ws_watch_next(w, 0, collect_change, &c));
	ASSERT(c.count == 0);
	ws_watch_free(w);
	ws_store_free(s);
}

TEST(test_watch__sees_a_commit_made_by_another_process)
{
	ws_store *s = NULL;
	ws_watch *w = NULL;
	changes c = { 0 };
	char hash[WS_HASH_HEXSIZE + 1];
	int status;
	pid_t pid;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_watch_new(&w, s, "main"));
	fflush(stdout);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		ws_store *child = NULL;
		usleep(100 * 1000); /* let the parent block first */
		_exit(fixture_open(&child, "store") ||
		      fixture_add(child, "main", "dir/x.wasm", 7, NULL));
	}
	ASSERT_OK(ws_watch_next(w, 10000, collect_change, &c));
	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT(c.count == 1);
	ASSERT_STR(added("dir/x.wasm", strcpy(hash, fixture_hash(s, NULL,
								 "dir/x.wasm"))),
		   c.json[0]);
	ws_watch_free(w);
	ws_store_free(s);
}

TEST(test_watch__fd_is_readable_after_a_change)
{
	ws_store *s = NULL;
	ws_watch *w = NULL;
	changes c = { 0 };
	struct pollfd p;
	char m[WS_HASH_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(ws_watch_new(&w, s, NULL)); /* empty branch at first */
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m));
	p.fd = ws_watch_fd(w);
	p.events = POLLIN;
	ASSERT(poll(&p, 1, 2000) == 1);
	ASSERT_OK(ws_watch_next(w, 0, collect_change, &c));
	ASSERT(c.count == 1);
	ASSERT_STR(added("a.wasm", m), c.json[0]);
	ws_watch_free(w);
	ws_store_free(s);
}

TEST(test_watch__reports_everything_since_the_last_call)
{
	ws_store *s = NULL;
	ws_watch *w = NULL;
	changes c = { 0 };
	char m[3][WS_HASH_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, m[1]));
	ASSERT_OK(ws_watch_new(&w, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 3, m[2]));
	ASSERT_OK(ws_module_remove(s, NULL, "b.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "c.wasm", 1, NULL));
	ASSERT_OK(ws_watch_next(w, -1, collect_change, &c));
	ASSERT(c.count == 3);
	ASSERT_STR(updated("a.wasm", m[0], m[2]), c.json[0]);
	ASSERT_STR(removed("b.wasm", m[1]), c.json[1]);
	ASSERT_STR(added("c.wasm", m[0]), c.json[2]);
	ws_watch_free(w);
	ws_store_free(s);
}

TEST(test_watch__plain_git_and_branch_deletion)
{
	ws_store *s = NULL;
	ws_watch *w = NULL;
	changes c = { 0 };
	char m[2][WS_HASH_HEXSIZE + 1], first[WS_COMMIT_HEXSIZE + 1], cmd[8400];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(ws_snapshot(first, s, NULL));
	ASSERT_OK(ws_branch_create(s, "team/dev", NULL));
	ASSERT_OK(fixture_add(s, "team/dev", "b.wasm", 2, m[1]));
	ASSERT_OK(ws_watch_new(&w, s, "team/dev"));

	/* a plain git ref update, by another process */
	snprintf(cmd, sizeof(cmd),
		 "git --git-dir='%s' update-ref refs/heads/team/dev %s",
		 ws_store_root(s), first);
	ASSERT(system(cmd) == 0);
	ASSERT_OK(ws_watch_next(w, 10000, collect_change, &c));
	ASSERT(c.count == 1);
	ASSERT_STR(removed("b.wasm", m[1]), c.json[0]);

	/* deleted: nothing to report; back again: reported against the last
	 * state seen */
	ASSERT_OK(ws_branch_delete(s, "team/dev"));
	memset(&c, 0, sizeof(c));
	ASSERT_OK(ws_watch_next(w, 300, collect_change, &c));
	ASSERT(c.count == 0);
	ASSERT_OK(fixture_add(s, "team/dev", "c.wasm", 2, NULL));
	ASSERT_OK(ws_watch_next(w, 10000, collect_change, &c));
	ASSERT(c.count == 2);
	ASSERT_STR(removed("a.wasm", m[0]), c.json[0]);
	ASSERT_STR(added("c.wasm", m[1]), c.json[1]);
	ws_watch_free(w);
	ws_store_free(s);
}

TEST(test_watch__follows_the_default_branch_when_it_switches)
{
	ws_store *s = NULL;
	ws_watch *w = NULL;
	changes c = { 0 };
	char m[WS_HASH_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_branch_create(s, "other", NULL));
	ASSERT_OK(fixture_add(s, "other", "b.wasm", 2, m));
	ASSERT_OK(ws_watch_new(&w, s, NULL));
	ASSERT_OK(ws_branch_set_default(s, "other"));
	ASSERT_OK(ws_watch_next(w, 10000, collect_change, &c));
	ASSERT(c.count == 1);
	ASSERT_STR(added("b.wasm", m), c.json[0]);
	ws_watch_free(w);
	ws_store_free(s);
}

TEST(test_watch__a_commit_without_module_changes_is_not_reported)
{
	ws_store *s = NULL;
	ws_watch *w = NULL;
	changes c = { 0 };
	char head[WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(head, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 1, NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "b.wasm"));
	ASSERT_OK(ws_watch_new(&w, s, NULL));
	/* same tree as the watched head, new commit: nothing to report */
	ASSERT_OK(ws_restore(s, NULL, head, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 1, NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "b.wasm"));
	ASSERT_OK(ws_watch_next(w, 300, collect_change, &c));
	ASSERT(c.count == 0);
	ws_watch_free(w);
	ws_store_free(s);
}
