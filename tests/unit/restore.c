/* restore.c - restore and rollback record new commits with old states. */
#include "core_fixtures.h"

#include <stdlib.h>

/* The first parent of `commit` ("" if none). */
static const char *first_parent(ws_store *s, const char *commit)
{
	static char parent[WS_COMMIT_HEXSIZE + 1];
	ws_commit_info *info = NULL;

	parent[0] = '\0';
	if (ws_commit_lookup(&info, s, commit) == 0 && info->parent_count)
		strcpy(parent, info->parents[0]);
	ws_commit_info_free(info);
	return parent;
}

static int count_module(const char *path, const char *hash, void *payload)
{
	(void)path, (void)hash;
	++*(int *)payload;
	return 0;
}

static int module_count(ws_store *s, const char *branch)
{
	int n = 0;

	return ws_module_list(s, branch, NULL, count_module, &n) < 0 ? -1 : n;
}

TEST(test_restore__whole_tree_is_a_new_commit)
{
	ws_store *s = NULL;
	char m[3][WS_HASH_HEXSIZE + 1], snap1[WS_COMMIT_HEXSIZE + 1],
		snap2[WS_COMMIT_HEXSIZE + 1], head[WS_COMMIT_HEXSIZE + 1],
		want[128];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, m[1]));
	ASSERT_OK(ws_snapshot(snap1, s, NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "a.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "c.wasm", 3, m[2]));
	ASSERT_OK(ws_snapshot(snap2, s, NULL));

	ASSERT_OK(ws_restore(s, NULL, snap1, NULL));
	ASSERT_OK(ws_snapshot(head, s, NULL));
	ASSERT(strcmp(head, snap1) != 0);
	ASSERT_STR(snap2, first_parent(s, head));
	snprintf(want, sizeof(want), "restore %s", snap1);
	ASSERT_STR(want, fixture_head_message(s, NULL));
	ASSERT_STR(m[0], fixture_hash(s, NULL, "a.wasm"));
	ASSERT_STR(m[1], fixture_hash(s, NULL, "b.wasm"));
	ASSERT_STR("", fixture_hash(s, NULL, "c.wasm"));

	/* forward again: the later state is still reachable */
	ASSERT_OK(ws_restore(s, NULL, snap2, NULL));
	ASSERT_STR("", fixture_hash(s, NULL, "a.wasm"));
	ASSERT_STR(m[2], fixture_hash(s, NULL, "c.wasm"));
	ASSERT(module_count(s, NULL) == 2);

	/* restoring the state we are in makes no commit */
	ASSERT_OK(ws_snapshot(head, s, NULL));
	ASSERT_OK(ws_restore(s, NULL, snap2, "/"));
	ASSERT_OK(ws_snapshot(want, s, NULL));
	ASSERT_STR(head, want);
	ws_store_free(s);
}

TEST(test_restore__one_path_only)
{
	ws_store *s = NULL;
	char m[3][WS_HASH_HEXSIZE + 1], snap1[WS_COMMIT_HEXSIZE + 1],
		head[WS_COMMIT_HEXSIZE + 1], after[WS_COMMIT_HEXSIZE + 1],
		want[128];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(ws_snapshot(snap1, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 2, m[1]));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 3, m[2]));

	ASSERT_OK(ws_restore(s, NULL, snap1, "//a.wasm"));
	snprintf(want, sizeof(want), "restore a.wasm from %s", snap1);
	ASSERT_STR(want, fixture_head_message(s, NULL));
	ASSERT_STR(m[0], fixture_hash(s, NULL, "a.wasm"));
	ASSERT_STR(m[2], fixture_hash(s, NULL, "b.wasm"));

	/* absent at that commit: removed */
	ASSERT_OK(ws_restore(s, NULL, snap1, "b.wasm"));
	ASSERT_STR("", fixture_hash(s, NULL, "b.wasm"));
	ASSERT_STR(m[0], fixture_hash(s, NULL, "a.wasm"));

	/* already in that state: no commit */
	ASSERT_OK(ws_snapshot(head, s, NULL));
	ASSERT_OK(ws_restore(s, NULL, snap1, "b.wasm"));
	ASSERT_OK(ws_restore(s, NULL, snap1, "a.wasm"));
	ASSERT_OK(ws_snapshot(after, s, NULL));
	ASSERT_STR(head, after);
	ws_store_free(s);
}

TEST(test_restore__directories_and_kind_changes)
{
	ws_store *s = NULL;
	char m[3][WS_HASH_HEXSIZE + 1], snap1[WS_COMMIT_HEXSIZE + 1],
		snap2[WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "dir/x.wasm", 1, m[0]));
	ASSERT_OK(fixture_add(s, NULL, "dir/y.wasm", 2, m[1]));
	ASSERT_OK(fixture_add(s, NULL, "k", 3, m[2]));
	ASSERT_OK(ws_snapshot(snap1, s, NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "dir/x.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "dir/y.wasm", 4, NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "k"));
	ASSERT_OK(fixture_add(s, NULL, "k/inner.wasm", 5, NULL));
	ASSERT_OK(ws_snapshot(snap2, s, NULL));

	ASSERT_OK(ws_restore(s, NULL, snap1, "dir"));
	ASSERT_STR(m[0], fixture_hash(s, NULL, "dir/x.wasm"));
	ASSERT_STR(m[1], fixture_hash(s, NULL, "dir/y.wasm"));

	/* a module where a directory is now, and back */
	ASSERT_OK(ws_restore(s, NULL, snap1, "k"));
	ASSERT_STR(m[2], fixture_hash(s, NULL, "k"));
	ASSERT_STR("", fixture_hash(s, NULL, "k/inner.wasm"));
	ASSERT_OK(ws_restore(s, NULL, snap2, "k"));
	ASSERT_STR("", fixture_hash(s, NULL, "k"));
	ASSERT(strlen(fixture_hash(s, NULL, "k/inner.wasm")) == 64);
	ws_store_free(s);
}

TEST(test_restore__rejects_bad_commits)
{
	ws_store *s = NULL;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_CODE(WS_EINPUT, ws_restore(s, NULL, "1234", NULL));
	ASSERT_STR("invalid hash", ws_error_last());
	ASSERT_CODE(WS_ENOTFOUND,
		    ws_restore(s, NULL, "0123456789012345678901234567890123456789",
			       "a.wasm"));
	ASSERT_STR("commit not found", ws_error_last());
	ws_store_free(s);
}

TEST(test_restore__onto_another_branch_and_an_empty_one)
{
	ws_store *s = NULL;
	char m[WS_HASH_HEXSIZE + 1], snap[WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m));
	ASSERT_OK(ws_snapshot(snap, s, NULL));
	ASSERT_OK(ws_restore(s, "empty", snap, "a.wasm"));
	ASSERT_STR(m, fixture_hash(s, "empty", "a.wasm"));
	ASSERT_OK(ws_restore(s, "other", snap, NULL));
	ASSERT_STR(m, fixture_hash(s, "other", "a.wasm"));
	ws_store_free(s);
}

TEST(test_rollback__whole_tree_goes_back_to_the_parent)
{
	ws_store *s = NULL;
	char m[2][WS_HASH_HEXSIZE + 1], head[WS_COMMIT_HEXSIZE + 1],
		now[WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(ws_rollback(s, NULL, NULL)); /* nothing to undo */
	ASSERT_CODE(WS_ENOTFOUND, ws_snapshot(head, s, NULL));

	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, m[1]));
	ASSERT_OK(ws_snapshot(head, s, NULL));
	ASSERT_OK(ws_rollback(s, NULL, NULL));
	ASSERT_STR("rollback", fixture_head_message(s, NULL));
	ASSERT_OK(ws_snapshot(now, s, NULL));
	ASSERT_STR(head, first_parent(s, now));
	ASSERT_STR(m[0], fixture_hash(s, NULL, "a.wasm"));
	ASSERT_STR("", fixture_hash(s, NULL, "b.wasm"));
	ws_store_free(s);
}

TEST(test_rollback__of_the_first_commit_empties_the_tree)
{
	ws_store *s = NULL;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_rollback(s, NULL, ""));
	ASSERT(module_count(s, NULL) == 0);
	ASSERT_STR("rollback", fixture_head_message(s, NULL));
	ws_store_free(s);
}

TEST(test_rollback__path_goes_back_before_its_last_change)
{
	ws_store *s = NULL;
	char m[4][WS_HASH_HEXSIZE + 1], head[WS_COMMIT_HEXSIZE + 1],
		after[WS_COMMIT_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, m[1]));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 3, m[2]));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 4, m[3]));

	ASSERT_OK(ws_rollback(s, NULL, "a.wasm"));
	ASSERT_STR("rollback a.wasm", fixture_head_message(s, NULL));
	ASSERT_STR(m[0], fixture_hash(s, NULL, "a.wasm"));
	ASSERT_STR(m[3], fixture_hash(s, NULL, "b.wasm"));

	/* b's first version was its first change: rolling back twice
	 * removes it (the reference's worked example) */
	ASSERT_OK(ws_rollback(s, NULL, "/b.wasm"));
	ASSERT_STR(m[1], fixture_hash(s, NULL, "b.wasm"));
	ASSERT_OK(ws_module_remove(s, NULL, "b.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "c.wasm", 5, NULL));
	ASSERT_OK(ws_rollback(s, NULL, "c.wasm"));
	ASSERT(ws_module_contains(s, NULL, "c.wasm") == 0);

	/* a path that never changed: nothing to do */
	ASSERT_OK(ws_snapshot(head, s, NULL));
	ASSERT_OK(ws_rollback(s, NULL, "never.wasm"));
	ASSERT_OK(ws_snapshot(after, s, NULL));
	ASSERT_STR(head, after);
	ASSERT_CODE(WS_EINPUT, ws_rollback(s, NULL, "a/../b"));
	ws_store_free(s);
}
