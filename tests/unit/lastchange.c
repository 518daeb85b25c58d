/* lastchange.c - ws_last_changes: the last commit of each child of a
 * directory, from one first-parent walk. */
#include "core_fixtures.h"

#include <stdlib.h>
#include <unistd.h>

typedef char commit_hex[WS_COMMIT_HEXSIZE + 1];

/* Collects what is reported, in order. */
typedef struct {
	size_t count;
	char name[16][32];
	int is_dir[16];
	char hash[16][WS_HASH_HEXSIZE + 1];
	commit_hex commit[16];
	int64_t date[16];
	size_t stop_after; /* 0: never stop */
} changes;

static int collect(const ws_lastchange *c, void *payload)
{
	changes *ch = payload;
	size_t i = ch->count;

	if (i == 16)
		return -100;
	snprintf(ch->name[i], sizeof(ch->name[i]), "%s", c->name);
	ch->is_dir[i] = c->is_dir;
	snprintf(ch->hash[i], sizeof(ch->hash[i]), "%s", c->hash ? c->hash : "");
	snprintf(ch->commit[i], sizeof(ch->commit[i]), "%s", c->commit);
	ch->date[i] = c->date;
	ch->count++;
	return ch->stop_after && ch->count == ch->stop_after ? 42 : 0;
}

TEST(test_lastchange__each_child_gets_the_commit_that_last_changed_it)
{
	ws_store *s = NULL;
	ws_commit_info *info = NULL;
	changes ch = { 0 };
	commit_hex c[5];
	char a2[WS_HASH_HEXSIZE + 1], b[WS_HASH_HEXSIZE + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(c[0], s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "d/x.wasm", 2, NULL));
	ASSERT_OK(ws_snapshot(c[1], s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 3, b));
	ASSERT_OK(ws_snapshot(c[2], s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 4, a2));
	ASSERT_OK(ws_snapshot(c[3], s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "d/e/y.wasm", 5, NULL));
	ASSERT_OK(ws_snapshot(c[4], s, NULL));

	ASSERT_OK(ws_last_changes(s, NULL, "", NULL, collect, &ch));
	ASSERT(ch.count == 3);
	ASSERT_STR("d", ch.name[0]);
	ASSERT(ch.is_dir[0] == 1);
	ASSERT_STR("", ch.hash[0]);
	ASSERT_STR(c[4], ch.commit[0]);
	ASSERT_STR("a.wasm", ch.name[1]);
	ASSERT(ch.is_dir[1] == 0);
	ASSERT_STR(a2, ch.hash[1]);
	ASSERT_STR(c[3], ch.commit[1]);
	ASSERT_STR("b.wasm", ch.name[2]);
	ASSERT_STR(b, ch.hash[2]);
	ASSERT_STR(c[2], ch.commit[2]);

	ASSERT_OK(ws_commit_lookup(&info, s, c[3]));
	ASSERT(ch.date[1] == info->date);
	ws_commit_info_free(info);

	/* NULL is the top too */
	memset(&ch, 0, sizeof(ch));
	ASSERT_OK(ws_last_changes(s, NULL, NULL, NULL, collect, &ch));
	ASSERT(ch.count == 3);
	ws_store_free(s);
}

TEST(test_lastchange__inside_a_directory)
{
	ws_store *s = NULL;
	changes ch = { 0 };
	commit_hex c[3];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "d/x.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(c[0], s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "top.wasm", 2, NULL));
	ASSERT_OK(fixture_add(s, NULL, "d/e/y.wasm", 3, NULL));
	ASSERT_OK(ws_snapshot(c[1], s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "other/z.wasm", 4, NULL));
	ASSERT_OK(fixture_add(s, NULL, "d/e/z.wasm", 5, NULL));
	ASSERT_OK(ws_snapshot(c[2], s, NULL));

	ASSERT_OK(ws_last_changes(s, NULL, "/d//", NULL, collect, &ch));
	ASSERT(ch.count == 2);
	ASSERT_STR("e", ch.name[0]);
	ASSERT_STR(c[2], ch.commit[0]);
	ASSERT_STR("x.wasm", ch.name[1]);
	ASSERT_STR(c[0], ch.commit[1]);

	memset(&ch, 0, sizeof(ch));
	ASSERT_OK(ws_last_changes(s, NULL, "d/e", NULL, collect, &ch));
	ASSERT(ch.count == 2);
	ASSERT_STR("z.wasm", ch.name[0]);
	ASSERT_STR(c[2], ch.commit[0]);
	ASSERT_STR("y.wasm", ch.name[1]);
	ASSERT_STR(c[1], ch.commit[1]);
	ws_store_free(s);
}

TEST(test_lastchange__changed_back_or_removed_and_added_again_is_a_change)
{
	ws_store *s = NULL;
	changes ch = { 0 };
	commit_hex back, again;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 2, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(back, s, NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "b.wasm"));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(again, s, NULL));

	ASSERT_OK(ws_last_changes(s, NULL, "", NULL, collect, &ch));
	ASSERT(ch.count == 2);
	ASSERT_STR("b.wasm", ch.name[0]);
	ASSERT_STR(again, ch.commit[0]);
	ASSERT_STR("a.wasm", ch.name[1]);
	ASSERT_STR(back, ch.commit[1]);
	ws_store_free(s);
}

/* Deletes `commit`'s object, so that reading it fails: its loose file,
 * or the pack holding it (each write packs its own objects). */
static int drop_object(ws_store *s, const char *commit)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s/objects' && { rm %.2s/%s 2>/dev/null || "
		 "for i in pack/*.idx; do git show-index <$i | grep -q %s && "
		 "rm $i ${i%%.idx}.pack && break; done; }",
		 ws_store_root(s), commit, commit + 2, commit);
	return system(cmd) == 0 ? 0 : -1;
}

TEST(test_lastchange__stops_once_every_child_is_accounted_for)
{
	ws_store *s = NULL;
	changes ch = { 0 };
	commit_hex first, a_last, b_last;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(first, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 3, NULL));
	ASSERT_OK(ws_snapshot(a_last, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 4, NULL));
	ASSERT_OK(ws_snapshot(b_last, s, NULL));

	/* the oldest commit is beyond what the answer needs: never read
	 * (a fresh handle, so that nothing comes from its memory) */
	ASSERT(drop_object(s, first) == 0);
	ws_store_free(s);
	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(ws_last_changes(s, NULL, "", NULL, collect, &ch));
	ASSERT(ch.count == 2);
	ASSERT_STR("b.wasm", ch.name[0]);
	ASSERT_STR(b_last, ch.commit[0]);
	ASSERT_STR("a.wasm", ch.name[1]);
	ASSERT_STR(a_last, ch.commit[1]);
	ws_store_free(s);
}

TEST(test_lastchange__since_reports_only_what_changed_after_it)
{
	ws_store *s = NULL;
	changes ch = { 0 };
	commit_hex mid, head, other;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, NULL, "b.wasm", 2, NULL));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(ws_snapshot(mid, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "c.wasm", 3, NULL));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 4, NULL));
	ASSERT_OK(ws_snapshot(head, s, NULL));

	ASSERT_OK(ws_last_changes(s, NULL, "", mid, collect, &ch));
	ASSERT(ch.count == 2);
	ASSERT_STR("a.wasm", ch.name[0]);
	ASSERT_STR(head, ch.commit[0]);
	ASSERT_STR("c.wasm", ch.name[1]);

	/* since the head itself: nothing is new */
	memset(&ch, 0, sizeof(ch));
	ASSERT_OK(ws_last_changes(s, NULL, "", head, collect, &ch));
	ASSERT(ch.count == 0);

	/* a commit off the history: everything is reported */
	ASSERT_OK(fixture_add(s, "dev", "d.wasm", 5, NULL));
	ASSERT_OK(ws_snapshot(other, s, "dev"));
	memset(&ch, 0, sizeof(ch));
	ASSERT_OK(ws_last_changes(s, NULL, "", other, collect, &ch));
	ASSERT(ch.count == 3);
	ws_store_free(s);
}

TEST(test_lastchange__merged_changes_belong_to_the_merge)
{
	ws_store *s = NULL;
	changes ch = { 0 };
	commit_hex main_change, merge;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(fixture_add(s, "dev", "f.wasm", 2, NULL));
	ASSERT_OK(fixture_add(s, NULL, "m.wasm", 3, NULL));
	ASSERT_OK(ws_snapshot(main_change, s, NULL));
	ASSERT_OK(ws_merge(s, NULL, "dev", NULL, NULL));
	ASSERT_OK(ws_snapshot(merge, s, NULL));

	ASSERT_OK(ws_last_changes(s, NULL, "", NULL, collect, &ch));
	ASSERT(ch.count == 3);
	ASSERT_STR("f.wasm", ch.name[0]);
	ASSERT_STR(merge, ch.commit[0]);
	ASSERT_STR("m.wasm", ch.name[1]);
	ASSERT_STR(main_change, ch.commit[1]);
	ASSERT_STR("a.wasm", ch.name[2]);
	ws_store_free(s);
}

TEST(test_lastchange__commits_empty_branches_and_errors)
{
	ws_store *s = NULL;
	changes ch = { 0 };
	commit_hex first;

	ASSERT_OK(fixture_open(&s, "store"));
	/* an unborn branch: an empty top, nothing else */
	ASSERT_OK(ws_last_changes(s, NULL, "", NULL, collect, &ch));
	ASSERT(ch.count == 0);
	ASSERT_CODE(WS_ENOTFOUND,
		    ws_last_changes(s, NULL, "d", NULL, collect, &ch));

	ASSERT_OK(fixture_add(s, NULL, "d/a.wasm", 1, NULL));
	ASSERT_OK(ws_snapshot(first, s, NULL));
	ASSERT_OK(fixture_add(s, NULL, "d/b.wasm", 2, NULL));

	/* a commit instead of a branch: its tree, its history */
	ASSERT_OK(ws_last_changes(s, first, "d", NULL, collect, &ch));
	ASSERT(ch.count == 1);
	ASSERT_STR("a.wasm", ch.name[0]);
	ASSERT_STR(first, ch.commit[0]);

	/* a non-zero return stops the walk and comes back */
	memset(&ch, 0, sizeof(ch));
	ch.stop_after = 1;
	ASSERT_CODE(42, ws_last_changes(s, NULL, "d", NULL, collect, &ch));
	ASSERT(ch.count == 1);

	ASSERT_CODE(WS_ENOTFOUND,
		    ws_last_changes(s, NULL, "d/a.wasm", NULL, collect, &ch));
	ASSERT_CODE(WS_ENOTFOUND,
		    ws_last_changes(s, NULL, "nope", NULL, collect, &ch));
	ASSERT_CODE(WS_EINPUT,
		    ws_last_changes(s, NULL, "../x", NULL, collect, &ch));
	ASSERT_CODE(WS_EINPUT,
		    ws_last_changes(s, NULL, "", "xyz", collect, &ch));
	ASSERT_CODE(WS_EINPUT, ws_last_changes(s, NULL, "", "ABCDEF0123456789"
						"ABCDEF0123456789ABCDEF01",
					       collect, &ch));
	ws_store_free(s);
}
