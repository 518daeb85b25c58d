/* Unit tests: the commits we write byte by byte are the ones libgit2's
 * git_commit_create_buffer writes from the same parts. */
#include "core_fixtures.h"
#include "store.h"

#include <stdlib.h>
#include <time.h>

/* 1 if libgit2, given the head commit's tree, parents, signatures and
 * message, writes exactly that commit. */
static int libgit2_agrees(ws_store *s)
{
	char hex[WS_COMMIT_HEXSIZE + 1];
	git_commit *c = NULL, *parents[2] = { NULL, NULL };
	git_tree *tree = NULL;
	git_buf buf = GIT_BUF_INIT;
	git_oid id, again;
	unsigned n = 0;
	int same = 0;

	if (ws_snapshot(hex, s, NULL) < 0 || git_oid_fromstr(&id, hex) < 0 ||
	    git_commit_lookup(&c, s->repo, &id) < 0 ||
	    git_commit_tree(&tree, c) < 0)
		goto done;
	n = git_commit_parentcount(c);
	for (unsigned i = 0; i < n && i < 2; i++)
		if (git_commit_parent(&parents[i], c, i) < 0)
			goto done;
	if (git_commit_create_buffer(&buf, s->repo, git_commit_author(c),
				     git_commit_committer(c), NULL,
				     git_commit_message_raw(c), tree, n,
				     (const git_commit **)parents) < 0 ||
	    git_odb_hash(&again, buf.ptr, buf.size, GIT_OBJECT_COMMIT) < 0)
		goto done;
	same = git_oid_equal(&id, &again);
done:
	git_buf_dispose(&buf);
	for (unsigned i = 0; i < 2; i++)
		git_commit_free(parents[i]);
	git_tree_free(tree);
	git_commit_free(c);
	return same;
}

static unsigned log_parents_of_head(ws_store *s)
{
	char hex[WS_COMMIT_HEXSIZE + 1];
	git_commit *c = NULL;
	git_oid id;
	unsigned n = 0;

	if (ws_snapshot(hex, s, NULL) == 0 && git_oid_fromstr(&id, hex) == 0 &&
	    git_commit_lookup(&c, s->repo, &id) == 0)
		n = git_commit_parentcount(c);
	git_commit_free(c);
	return n;
}

TEST(test_commitbuf__matches_libgit2_in_any_time_zone)
{
	/* POSIX zones (no tz database needed): UTC, UTC-3:30, UTC+5:45,
	 * UTC+12:45 */
	static const char *zones[] = { "UTC0", "NST3:30", "NPT-5:45",
				       "CHA-12:45" };
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	ws_store *s = NULL;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(ws_store_set_author(s, "Zoë Q. Writer"));
	for (unsigned i = 0; i < 4; i++) {
		char path[32];
		setenv("TZ", zones[i], 1);
		tzset();
		snprintf(path, sizeof(path), "m%u.wasm", i);
		ASSERT_OK(fixture_add(s, NULL, path, (unsigned char)i, NULL));
		ASSERT(libgit2_agrees(s));
	}
	/* a merge commit has two parents */
	ASSERT_OK(ws_branch_create(s, "dev", NULL));
	ASSERT_OK(fixture_add(s, "dev", "d.wasm", 9, NULL));
	ASSERT_OK(fixture_add(s, NULL, "e.wasm", 10, NULL));
	ASSERT_OK(ws_merge(s, NULL, "dev", NULL, NULL));
	ASSERT(log_parents_of_head(s) == 2);
	ASSERT(libgit2_agrees(s));
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	ws_store_free(s);
}
