/* gc.c - squashing a branch and deleting what no ref reaches. */
#include "core_fixtures.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

typedef char commit_hex[WS_COMMIT_HEXSIZE + 1];

/* Runs git on the store; 1 if it exits 0. */
static int git_ok(ws_store *s, const char *args)
{
	char cmd[8400];

	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' %s >/dev/null 2>&1",
		 ws_store_root(s), args);
	return system(cmd) == 0;
}

/* How many objects git sees in the store (loose and packed). */
static long object_count(ws_store *s)
{
	char cmd[8400], line[64];
	long n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "git --git-dir='%s' cat-file --batch-all-objects "
		 "--batch-check='%%(objectname)' | wc -l",
		 ws_store_root(s));
	if ((p = popen(cmd, "r")) && fgets(line, sizeof(line), p))
		n = atol(line);
	if (p)
		pclose(p);
	return n;
}

static int count_commit(const ws_commit_info *info, void *payload)
{
	(void)info;
	++*(int *)payload;
	return 0;
}

static int log_length(ws_store *s, const char *branch)
{
	int n = 0;

	return ws_log(s, branch, count_commit, &n) < 0 ? -1 : n;
}

static int count_packs(ws_store *s)
{
	char dir[4200];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/objects/pack", ws_store_root(s));
	if (!(d = opendir(dir)))
		return 0;
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".pack") != NULL;
	closedir(d);
	return n;
}

TEST(test_gc__squashes_history_and_deletes_the_old_commits)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;
	commit_hex c1, c2, head;
	char m[2][WS_HASH_HEXSIZE + 1];
	size_t deleted = 99;
	long before;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(ws_snapshot(c1, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "dir/b.wasm", 2, m[1]));
	ASSERT_OK(ws_snapshot(c2, s, NULL));
	before = object_count(s);

	ASSERT_OK(ws_gc(&deleted, s, NULL));
	/* the two commits and the first root tree (the first add starts
	 * from no tree: no empty tree is written); the squash commit is new */
	ASSERT(deleted == 3);
	ASSERT(object_count(s) == before - 3 + 1);
	ASSERT(log_length(s, NULL) == 1);
	ASSERT_OK(ws_snapshot(head, s, NULL));
	ASSERT_OK(ws_commit_lookup(&info, s, head));
	ASSERT(info->parent_count == 0);
	ASSERT_STR("gc", info->message);
	ws_commit_info_free(info);
	ASSERT_STR(m[0], fixture_hash(s, NULL, "a.wasm"));
	ASSERT_STR(m[1], fixture_hash(s, NULL, "dir/b.wasm"));
	ASSERT_CODE(WS_ENOTFOUND, ws_commit_lookup(&info, s, c1));
	ASSERT_CODE(WS_ENOTFOUND, ws_restore(s, NULL, c2, NULL));
	ASSERT(git_ok(s, "fsck --no-dangling"));
	ws_store_free(s);
}

TEST(test_gc__keeps_what_other_branches_reach)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;
	commit_hex dev_head, old;
	char m[3][WS_HASH_HEXSIZE + 1];
	size_t deleted = 99;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(fixture_add(s, "dev", "x.wasm", 3, m[2]));
	ASSERT_OK(ws_snapshot(dev_head, s, "dev"));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, m[1]));
	ASSERT_OK(ws_snapshot(old, s, NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "b.wasm"));

	ASSERT_OK(ws_gc(&deleted, s, "main"));
	/* main's two later commits, the tree with b and b's blob; a's commit
	 * and tree survive through dev */
	ASSERT(deleted == 4);
	ASSERT(log_length(s, "main") == 1);
	ASSERT(log_length(s, "dev") == 2);
	ASSERT_OK(ws_commit_lookup(&info, s, dev_head));
	ws_commit_info_free(info);
	ASSERT_STR(m[0], fixture_hash(s, "dev", "a.wasm"));
	ASSERT_STR(m[2], fixture_hash(s, "dev", "x.wasm"));
	ASSERT_STR(m[0], fixture_hash(s, "main", "a.wasm"));
	ASSERT_CODE(WS_ENOTFOUND, ws_commit_lookup(&info, s, old));
	/* b is gone from the store entirely */
	ASSERT_CODE(WS_ENOTFOUND, ws_module_set(s, NULL, m[1], "b.wasm"));
	ASSERT(git_ok(s, "fsck --no-dangling"));
	ws_store_free(s);
}

TEST(test_gc__again_deletes_nothing)
{
	ws_store *s = NULL;
	commit_hex first, second;
	size_t deleted = 99;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(ws_gc(&deleted, s, NULL)); /* an empty store */
	ASSERT(deleted == 0);
	ASSERT_CODE(WS_ENOTFOUND, ws_snapshot(first, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, NULL));
	ASSERT_OK(ws_gc(&deleted, s, NULL));
	ASSERT(deleted > 0);
	ASSERT_OK(ws_snapshot(first, s, NULL));
	ASSERT_OK(ws_gc(&deleted, s, NULL));
	ASSERT(deleted == 0);
	ASSERT_OK(ws_snapshot(second, s, NULL));
	ASSERT_STR(first, second);
	ws_store_free(s);
}

TEST(test_gc__refs_and_tags_keep_their_objects)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;
	commit_hex tagged;
	char args[200];
	size_t deleted;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(tagged, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, NULL));
	snprintf(args, sizeof(args),
		 "-c user.name=t -c user.email=t@t tag -a -m keep v1 %s", tagged);
	ASSERT(git_ok(s, args));
	ASSERT_OK(ws_gc(&deleted, s, NULL));
	ASSERT_OK(ws_commit_lookup(&info, s, tagged));
	ws_commit_info_free(info);
	ASSERT(git_ok(s, "fsck --no-dangling"));
	ws_store_free(s);
}

TEST(test_gc__prunes_raw_copies_of_deleted_modules)
{
	ws_store *s = NULL;
	char m[2][WS_HASH_HEXSIZE + 1], *name = NULL;
	uint64_t size;
	size_t deleted;
	int fd = -1;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(ws_module_filename(&name, s, NULL, "a.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 2, m[1]));
	ASSERT(access(name, F_OK) == 0);
	ASSERT_OK(ws_gc(&deleted, s, NULL));
	ASSERT(access(name, F_OK) != 0);
	ASSERT_CODE(WS_ENOTFOUND, ws_module_open_raw_by_hash(&fd, &size, s, m[0]));
	ASSERT_OK(ws_module_open_raw_by_hash(&fd, &size, s, m[1]));
	ASSERT(size == 13);
	close(fd);
	free(name);
	ws_store_free(s);
}

TEST(test_gc__rewrites_packs_without_the_garbage)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;
	commit_hex old;
	char m[3][WS_HASH_HEXSIZE + 1];
	size_t deleted;
	long before;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, m[1]));
	ASSERT_OK(ws_snapshot(old, s, NULL));
	ASSERT(git_ok(s, "repack -a -d -q"));
	ASSERT(count_packs(s) == 1);
	ASSERT_OK(ws_module_remove(s, NULL, "b.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "c.wasm", 3, m[2]));
	before = object_count(s);

	ASSERT_OK(ws_gc(&deleted, s, NULL));
	ASSERT(deleted > 0);
	ASSERT(object_count(s) == before - (long)deleted + 1);
	ASSERT(count_packs(s) == 1);
	ASSERT_CODE(WS_ENOTFOUND, ws_commit_lookup(&info, s, old));
	ASSERT_STR(m[0], fixture_hash(s, NULL, "a.wasm"));
	ASSERT_STR(m[2], fixture_hash(s, NULL, "c.wasm"));
	ASSERT_STR("", fixture_hash(s, NULL, "b.wasm"));
	ASSERT(git_ok(s, "fsck --no-dangling"));

	/* everything left is reachable: a second gc keeps the pack */
	ASSERT_OK(ws_gc(&deleted, s, NULL));
	ASSERT(deleted == 0);
	ASSERT(count_packs(s) == 1);
	ws_store_free(s);
}

typedef struct {
	int count;
} change_count;

static int count_change(const ws_change *change, void *payload)
{
	(void)change;
	((change_count *)payload)->count++;
	return 0;
}

TEST(test_gc__a_squash_is_no_change_to_watchers)
{
	ws_store *s = NULL;
	ws_watch *w = NULL;
	change_count c = { 0 };
	size_t deleted;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, NULL));
	ASSERT_OK(ws_watch_new(&w, s, NULL));
	ASSERT_OK(ws_gc(&deleted, s, NULL));
	ASSERT_OK(ws_watch_next(w, 300, count_change, &c));
	ASSERT(c.count == 0);
	ASSERT_OK(ws_module_remove(s, NULL, "a.wasm"));
	ASSERT_OK(ws_watch_next(w, 5000, count_change, &c));
	ASSERT(c.count == 1);
	ws_watch_free(w);
	ws_store_free(s);
}

TEST(test_gc__by_another_process_then_restore_here_is_refused)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;
	commit_hex old, head, after;
	int status;
	pid_t pid;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(old, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 2, NULL));
	ASSERT_OK(ws_commit_lookup(&info, s, old)); /* cached in this handle */
	ws_commit_info_free(info);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		ws_store *child = NULL;
		size_t deleted = 0;
		_exit(fixture_open(&child, "store") ||
		      ws_gc(&deleted, child, NULL) || deleted != 4);
	}
	ASSERT(pid > 0 && waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_OK(ws_snapshot(head, s, NULL));
	ASSERT_CODE(WS_ENOTFOUND, ws_restore(s, NULL, old, NULL));
	ASSERT_CODE(WS_ENOTFOUND, ws_restore(s, NULL, old, "a.wasm"));
	ASSERT_OK(ws_snapshot(after, s, NULL));
	ASSERT_STR(head, after);
	ASSERT(git_ok(s, "fsck --no-dangling"));
	ws_store_free(s);
}

/* A staging file with the given age in seconds; 0 when made. */
static int stage_file(ws_store *s, const char *name, long age)
{
	char path[4300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/wasmstore/tmp/%s", ws_store_root(s), name);
	if (!(f = fopen(path, "w")))
		return -1;
	fputs("partial upload", f);
	fclose(f);
	return fixture_age(path, age);
}

static int staged(ws_store *s, const char *name)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/wasmstore/tmp/%s", ws_store_root(s), name);
	return access(path, F_OK) == 0;
}

TEST(test_gc__removes_day_old_staging_files_only)
{
	ws_store *s = NULL;
	size_t deleted;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT(stage_file(s, "up.crashed", 2 * 24 * 3600) == 0);
	ASSERT(stage_file(s, "up.running", 60) == 0);
	ASSERT_OK(ws_gc(&deleted, s, NULL));
	ASSERT(!staged(s, "up.crashed"));
	ASSERT(staged(s, "up.running"));
	ws_store_free(s);
}
