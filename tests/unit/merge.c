/* merge.c - fast-forward, three-way merge commits and conflicts. */
#include "core_fixtures.h"

#include <stdlib.h>

typedef struct {
	size_t count;
	char path[8][64];
} names;

static int collect_name(const char *name, void *payload)
{
	names *n = payload;

	if (n->count < 8)
		snprintf(n->path[n->count++], sizeof(n->path[0]), "%s", name);
	return 0;
}

typedef char commit_hex[WS_COMMIT_HEXSIZE + 1];

TEST(test_merge__fast_forward_moves_the_branch_without_a_commit)
{
	ws_store *s = NULL;
	commit_hex main_head, dev_head;
	char m[WS_HASH_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(fixture_add(s, "dev", "b.wasm", 2, m));
	ASSERT_OK(fixture_add(s, "dev", "c.wasm", 3, NULL));
	ASSERT_OK(ws_merge(s, NULL, "dev", NULL, NULL));
	ASSERT_OK(ws_snapshot(main_head, s, "main"));
	ASSERT_OK(ws_snapshot(dev_head, s, "dev"));
	ASSERT_STR(dev_head, main_head);
	ASSERT_STR(m, fixture_hash(s, "main", "b.wasm"));
	ASSERT_STR("add c.wasm", fixture_head_message(s, "main"));
	ws_store_free(s);
}

TEST(test_merge__up_to_date_changes_nothing)
{
	ws_store *s = NULL;
	commit_hex before, after, dev_head;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(ws_snapshot(before, s, NULL));
	ASSERT_OK(ws_merge(s, NULL, "dev", NULL, NULL));
	ASSERT_OK(ws_merge(s, "main", "main", NULL, NULL));
	ASSERT_OK(ws_snapshot(after, s, NULL));
	ASSERT_STR(before, after);

	/* main ahead of dev: merging dev in changes nothing either */
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, NULL));
	ASSERT_OK(ws_snapshot(before, s, NULL));
	ASSERT_OK(ws_merge(s, "main", "dev", NULL, NULL));
	ASSERT_OK(ws_snapshot(after, s, NULL));
	ASSERT_STR(before, after);
	ASSERT_OK(ws_snapshot(dev_head, s, "dev"));
	ASSERT(strcmp(dev_head, after) != 0);
	ws_store_free(s);
}

TEST(test_merge__diverged_branches_get_a_merge_commit)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;
	commit_hex main_before, dev_head, head, again;
	char m[3][WS_HASH_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, m[0]));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, m[1]));
	ASSERT_OK(fixture_add(s, "dev", "sub/c.wasm", 3, m[2]));
	ASSERT_OK(ws_snapshot(main_before, s, NULL));
	ASSERT_OK(ws_snapshot(dev_head, s, "dev"));

	ASSERT_OK(ws_merge(s, NULL, "dev", NULL, NULL));
	ASSERT_OK(ws_snapshot(head, s, NULL));
	ASSERT_OK(ws_commit_lookup(&info, s, head));
	ASSERT_STR("merge dev into main", info->message);
	ASSERT(info->parent_count == 2);
	ASSERT_STR(main_before, info->parents[0]);
	ASSERT_STR(dev_head, info->parents[1]);
	ws_commit_info_free(info);
	ASSERT_STR(m[0], fixture_hash(s, NULL, "a.wasm"));
	ASSERT_STR(m[1], fixture_hash(s, NULL, "b.wasm"));
	ASSERT_STR(m[2], fixture_hash(s, NULL, "sub/c.wasm"));
	/* the source branch is untouched */
	ASSERT_STR("", fixture_hash(s, "dev", "b.wasm"));

	/* merged already: nothing to do */
	ASSERT_OK(ws_merge(s, NULL, "dev", NULL, NULL));
	ASSERT_OK(ws_snapshot(again, s, NULL));
	ASSERT_STR(head, again);

	/* and dev can now fast-forward to main */
	ASSERT_OK(ws_merge(s, "dev", "main", NULL, NULL));
	ASSERT_OK(ws_snapshot(dev_head, s, "dev"));
	ASSERT_STR(head, dev_head);
	ws_store_free(s);
}

TEST(test_merge__same_change_on_both_sides_is_no_conflict)
{
	ws_store *s = NULL;
	char m[WS_HASH_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, NULL, "gone.wasm", 9, NULL));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	/* in another order, so the commits differ */
	ASSERT_OK(ws_module_remove(s, NULL, "gone.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 2, m));
	ASSERT_OK(fixture_add(s, "dev", "a.wasm", 2, NULL));
	ASSERT_OK(ws_module_remove(s, "dev", "gone.wasm"));
	ASSERT_OK(fixture_add(s, "dev", "new.wasm", 4, NULL));
	ASSERT_OK(ws_merge(s, NULL, "dev", NULL, NULL));
	ASSERT_STR(m, fixture_hash(s, NULL, "a.wasm"));
	ASSERT_STR("", fixture_hash(s, NULL, "gone.wasm"));
	ASSERT(ws_module_contains(s, NULL, "new.wasm") == 1);
	ASSERT_STR("merge dev into main", fixture_head_message(s, NULL));
	ws_store_free(s);
}

TEST(test_merge__conflict_leaves_both_heads_unchanged)
{
	ws_store *s = NULL;
	names n = { 0 };
	commit_hex main_before, dev_before, main_after, dev_after;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, NULL, "d.wasm", 7, NULL));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 2, NULL));   /* both modify */
	ASSERT_OK(fixture_add(s, "dev", "a.wasm", 3, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 4, NULL));   /* both add */
	ASSERT_OK(fixture_add(s, "dev", "b.wasm", 5, NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "d.wasm"));       /* delete/modify */
	ASSERT_OK(fixture_add(s, "dev", "d.wasm", 8, NULL));
	ASSERT_OK(fixture_add(s, "dev", "fine.wasm", 6, NULL));
	ASSERT_OK(ws_snapshot(main_before, s, NULL));
	ASSERT_OK(ws_snapshot(dev_before, s, "dev"));

	ASSERT_CODE(WS_ECONFLICT, ws_merge(s, "main", "dev", collect_name, &n));
	ASSERT_STR("merge conflict: a.wasm, b.wasm, d.wasm", ws_error_last());
	ASSERT(n.count == 3);
	ASSERT_STR("a.wasm", n.path[0]);
	ASSERT_STR("b.wasm", n.path[1]);
	ASSERT_STR("d.wasm", n.path[2]);
	ASSERT_OK(ws_snapshot(main_after, s, NULL));
	ASSERT_OK(ws_snapshot(dev_after, s, "dev"));
	ASSERT_STR(main_before, main_after);
	ASSERT_STR(dev_before, dev_after);
	ASSERT(ws_module_contains(s, NULL, "fine.wasm") == 0);

	/* no callback: same result */
	ASSERT_CODE(WS_ECONFLICT, ws_merge(s, NULL, "dev", NULL, NULL));
	ws_store_free(s);
}

TEST(test_merge__unknown_or_bad_source_branch)
{
	ws_store *s = NULL;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_CODE(WS_ENOTFOUND, ws_merge(s, NULL, "nope", NULL, NULL));
	ASSERT_STR("branch 'nope' not found", ws_error_last());
	ASSERT_CODE(WS_EINPUT, ws_merge(s, NULL, "bad..name", NULL, NULL));
	ASSERT_CODE(WS_EINPUT, ws_merge(s, NULL, NULL, NULL, NULL));
	ws_store_free(s);
}

TEST(test_merge__into_an_empty_branch_creates_it)
{
	ws_store *s = NULL;
	commit_hex main_head, fresh_head;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_merge(s, "fresh", "main", NULL, NULL));
	ASSERT_OK(ws_snapshot(main_head, s, "main"));
	ASSERT_OK(ws_snapshot(fresh_head, s, "fresh"));
	ASSERT_STR(main_head, fresh_head);
	ws_store_free(s);
}

TEST(test_merge__unrelated_histories_merge_against_nothing)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;
	commit_hex head;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, "one", "a.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, "two", "b.wasm", 2, NULL));
	ASSERT_OK(ws_merge(s, "one", "two", NULL, NULL));
	ASSERT_OK(ws_snapshot(head, s, "one"));
	ASSERT_OK(ws_commit_lookup(&info, s, head));
	ASSERT(info->parent_count == 2);
	ws_commit_info_free(info);
	ASSERT(ws_module_contains(s, "one", "a.wasm") == 1);
	ASSERT(ws_module_contains(s, "one", "b.wasm") == 1);
	ws_store_free(s);
}

typedef struct {
	size_t count;
	char commit[4][WS_COMMIT_HEXSIZE + 1];
} version_commits;

static int collect_version_commit(size_t index, const char *hash,
				  const char *commit, void *payload)
{
	version_commits *v = payload;

	(void)index, (void)hash;
	if (v->count < 4)
		strcpy(v->commit[v->count++], commit);
	return 0;
}

TEST(test_merge__versions_credit_the_side_branch_commit)
{
	ws_store *s = NULL;
	version_commits v = { 0 };
	commit_hex first, side;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(first, s, NULL));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(fixture_add(s, "dev", "a.wasm", 2, NULL));
	ASSERT_OK(ws_snapshot(side, s, "dev"));
	ASSERT_OK(fixture_add(s, NULL, "other.wasm", 3, NULL));
	ASSERT_OK(ws_merge(s, NULL, "dev", NULL, NULL));
	ASSERT_OK(ws_versions(s, NULL, "a.wasm", collect_version_commit, &v));
	ASSERT(v.count == 2);
	ASSERT_STR(first, v.commit[0]);
	ASSERT_STR(side, v.commit[1]);
	ws_store_free(s);
}

/* A module whose custom section holds the 5 bytes of `text`. */
static int add_text_module(ws_store *s, const char *branch, const char *text)
{
	unsigned char buf[32] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 0, 7, 1, 'x' };
	char hash[WS_HASH_HEXSIZE + 1];

	memcpy(buf + 12, text, 5);
	return ws_module_add_buffer(hash, s, branch, "t.wasm", buf, 17);
}

TEST(test_merge__modules_are_never_merged_line_by_line)
{
	ws_store *s = NULL;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(add_text_module(s, NULL, "A\nB\nC"));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(add_text_module(s, NULL, "X\nB\nC"));
	ASSERT_OK(add_text_module(s, "dev", "A\nB\nY"));
	ASSERT_CODE(WS_ECONFLICT, ws_merge(s, NULL, "dev", NULL, NULL));
	ASSERT_STR("merge conflict: t.wasm", ws_error_last());
	ws_store_free(s);
}
