/* history.c - snapshot, commit info, log, audit and versions. */
#include "core_fixtures.h"

#include <stdlib.h>
#include <time.h>

/* Collects commit hashes and messages, newest first as reported. */
typedef struct {
	size_t count;
	char hash[16][WS_COMMIT_HEXSIZE + 1];
	char message[16][64];
	char author[16][32];
} commits;

static int collect_commit(const ws_commit_info *info, void *payload)
{
	commits *c = payload;

	if (c->count == 16)
		return 1;
	strcpy(c->hash[c->count], info->hash);
	snprintf(c->message[c->count], sizeof(c->message[0]), "%s",
		 info->message);
	snprintf(c->author[c->count], sizeof(c->author[0]), "%s", info->author);
	c->count++;
	return 0;
}

typedef struct {
	size_t count;
	char hash[8][WS_HASH_HEXSIZE + 1];
	char commit[8][WS_COMMIT_HEXSIZE + 1];
	size_t index[8];
} versions;

static int collect_version(size_t index, const char *hash, const char *commit,
			   void *payload)
{
	versions *v = payload;

	if (v->count == 8)
		return 1;
	v->index[v->count] = index;
	strcpy(v->hash[v->count], hash);
	strcpy(v->commit[v->count], commit);
	v->count++;
	return 0;
}

TEST(test_history__snapshot_of_empty_branch_is_not_found)
{
	ws_store *s = NULL;
	char head[WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_CODE(WS_ENOTFOUND, ws_snapshot(head, s, NULL));
	ASSERT_CODE(WS_ENOTFOUND, ws_snapshot(head, s, "nope"));
	ws_store_free(s);
}

TEST(test_history__snapshot_and_commit_info)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;
	char first[WS_COMMIT_HEXSIZE + 1], second[WS_COMMIT_HEXSIZE + 1];
	int64_t now = (int64_t)time(NULL);

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(first, s, NULL));
	ASSERT_OK(ws_store_set_author(s, "alice"));
	ASSERT_OK(fixture_add(s, NULL, "/dir//b.wasm", 2, NULL));
	ASSERT_OK(ws_snapshot(second, s, "main"));
	ASSERT(strcmp(first, second) != 0);

	ASSERT_OK(ws_commit_lookup(&info, s, first));
	ASSERT_STR(first, info->hash);
	ASSERT(info->parent_count == 0);
	ASSERT_STR("wasmstore", info->author);
	ASSERT_STR("add a.wasm", info->message);
	ASSERT(info->date >= now - 5 && info->date <= now + 5);
	ws_commit_info_free(info);

	ASSERT_OK(ws_commit_lookup(&info, s, second));
	ASSERT(info->parent_count == 1);
	ASSERT_STR(first, info->parents[0]);
	ASSERT_STR("alice", info->author);
	ASSERT_STR("add dir/b.wasm", info->message);
	ws_commit_info_free(info);
	ws_store_free(s);
}

TEST(test_history__commit_lookup_rejects_bad_and_unknown_hashes)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_CODE(WS_EINPUT, ws_commit_lookup(&info, s, "abc"));
	ASSERT_STR("invalid hash", ws_error_last());
	ASSERT_CODE(WS_EINPUT, ws_commit_lookup(
		       &info, s, "zz00000000000000000000000000000000000000"));
	ASSERT_CODE(WS_EINPUT, ws_commit_lookup(
		       &info, s, "00000000000000000000000000000000000000001"));
	ASSERT_CODE(WS_ENOTFOUND, ws_commit_lookup(
		       &info, s, "0123456789012345678901234567890123456789"));
	ASSERT_STR("commit not found", ws_error_last());
	ASSERT(info == NULL);
	ws_store_free(s);
}

TEST(test_history__commit_info_json)
{
	char parents[2][WS_COMMIT_HEXSIZE + 1] = {
		"1111111111111111111111111111111111111111",
		"2222222222222222222222222222222222222222"
	};
	ws_commit_info info = { "0123456789abcdef0123456789abcdef01234567", 2,
				parents, "alice", 1700000000, "merge x into \"y\"" };
	ws_commit_info root = { "0123456789abcdef0123456789abcdef01234567", 0,
				NULL, "wasmstore", 1, "add a.wasm" };
	char *json;

	json = ws_commit_info_json(&info, 0);
	ASSERT_STR("{\"hash\":\"0123456789abcdef0123456789abcdef01234567\","
		   "\"parents\":[\"1111111111111111111111111111111111111111\","
		   "\"2222222222222222222222222222222222222222\"],"
		   "\"author\":\"alice\",\"date\":1700000000,"
		   "\"message\":\"merge x into \\\"y\\\"\"}",
		   json);
	free(json);
	json = ws_commit_info_json(&root, 1);
	ASSERT_STR("{\n"
		   "\t\"hash\":\t\"0123456789abcdef0123456789abcdef01234567\",\n"
		   "\t\"parents\":\t[],\n"
		   "\t\"author\":\t\"wasmstore\",\n"
		   "\t\"date\":\t1,\n"
		   "\t\"message\":\t\"add a.wasm\"\n"
		   "}",
		   json);
	free(json);
}

TEST(test_history__log_is_newest_first)
{
	ws_store *s = NULL;
	commits c = { 0 };

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(ws_log(s, NULL, collect_commit, &c));
	ASSERT(c.count == 0);
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, NULL));
	ASSERT_OK(ws_store_set_author(s, "bob"));
	ASSERT_OK(ws_module_remove(s, NULL, "a.wasm"));
	ASSERT_OK(ws_log(s, NULL, collect_commit, &c));
	ASSERT(c.count == 3);
	ASSERT_STR("remove a.wasm", c.message[0]);
	ASSERT_STR("bob", c.author[0]);
	ASSERT_STR("add b.wasm", c.message[1]);
	ASSERT_STR("wasmstore", c.author[1]);
	ASSERT_STR("add a.wasm", c.message[2]);
	ws_store_free(s);
}

TEST(test_history__log_stops_when_callback_says_so)
{
	ws_store *s = NULL;
	commits c = { 0 };

	ASSERT_OK(fixture_open(&s, "store"));
	for (unsigned char i = 0; i < 20; i++)
		ASSERT_OK(fixture_add(s, NULL, "a.wasm", i, NULL));
	ASSERT_CODE(1, ws_log(s, NULL, collect_commit, &c));
	ASSERT(c.count == 16);
	ws_store_free(s);
}

TEST(test_history__audit_lists_the_commits_that_changed_a_path)
{
	ws_store *s = NULL;
	commits c = { 0 };
	char h[5][WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(h[0], s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 3, NULL));
	ASSERT_OK(ws_snapshot(h[1], s, NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "b.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 3, NULL)); /* no change */
	ASSERT_OK(ws_module_remove(s, NULL, "a.wasm"));
	ASSERT_OK(ws_snapshot(h[2], s, NULL));

	ASSERT_OK(ws_audit(s, NULL, "/a.wasm", collect_commit, &c));
	ASSERT(c.count == 3);
	ASSERT_STR(h[2], c.hash[0]);
	ASSERT_STR("remove a.wasm", c.message[0]);
	ASSERT_STR(h[1], c.hash[1]);
	ASSERT_STR(h[0], c.hash[2]);

	memset(&c, 0, sizeof(c));
	ASSERT_OK(ws_audit(s, NULL, "b.wasm", collect_commit, &c));
	ASSERT(c.count == 2);
	ASSERT_STR("remove b.wasm", c.message[0]);
	ASSERT_STR("add b.wasm", c.message[1]);

	memset(&c, 0, sizeof(c));
	ASSERT_OK(ws_audit(s, NULL, "never.wasm", collect_commit, &c));
	ASSERT(c.count == 0);
	ASSERT_CODE(WS_EINPUT, ws_audit(s, NULL, "../x", collect_commit, &c));
	ws_store_free(s);
}

TEST(test_history__versions_are_oldest_first_without_repeats)
{
	ws_store *s = NULL;
	versions v = { 0 };
	char m[3][WS_HASH_HEXSIZE + 1], c[3][WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(ws_versions(s, NULL, "a.wasm", collect_version, &v));
	ASSERT(v.count == 0);
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(ws_snapshot(c[0], s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "other.wasm", 9, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 2, m[1]));
	ASSERT_OK(ws_snapshot(c[1], s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL)); /* back to m0 */
	ASSERT_OK(ws_module_remove(s, NULL, "a.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 2, NULL)); /* m1 again */
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 3, m[2]));
	ASSERT_OK(ws_snapshot(c[2], s, NULL));

	ASSERT_OK(ws_versions(s, NULL, "a.wasm", collect_version, &v));
	ASSERT(v.count == 3);
	for (size_t i = 0; i < 3; i++) {
		ASSERT(v.index[i] == i);
		ASSERT_STR(m[i], v.hash[i]);
		ASSERT_STR(c[i], v.commit[i]);
	}
	ws_store_free(s);
}

TEST(test_history__versions_follow_the_branch_asked_for)
{
	ws_store *s = NULL;
	versions v = { 0 };
	char m[2][WS_HASH_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(fixture_add(s, "dev", "a.wasm", 2, m[1]));
	ASSERT_OK(ws_versions(s, "main", "a.wasm", collect_version, &v));
	ASSERT(v.count == 1);
	ASSERT_STR(m[0], v.hash[0]);
	memset(&v, 0, sizeof(v));
	ASSERT_OK(ws_versions(s, "dev", "a.wasm", collect_version, &v));
	ASSERT(v.count == 2);
	ASSERT_STR(m[0], v.hash[0]);
	ASSERT_STR(m[1], v.hash[1]);
	ws_store_free(s);
}

TEST(test_history__snapshot_error_names_the_branch)
{
	ws_store *s = NULL;
	char head[WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_CODE(WS_ENOTFOUND, ws_snapshot(head, s, NULL));
	ASSERT_STR("branch 'main' has no commits", ws_error_last());
	ASSERT_CODE(WS_ENOTFOUND, ws_snapshot(head, s, "dev"));
	ASSERT_STR("branch 'dev' has no commits", ws_error_last());
	ws_store_free(s);
}
