/* Unit tests: ws_store__ref_cas moves refs as git's lock protocol does. */
#include "core_fixtures.h"
#include "store.h"

#include <stdlib.h>
#include <unistd.h>

/* The ref file's content as written, or "" when absent. */
static const char *ref_file(ws_store *s, const char *refname)
{
	static char buf[128];
	char path[4300];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", s->root, refname);
	buf[0] = '\0';
	if (!(f = fopen(path, "r")))
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int git_in(ws_store *s, const char *args)
{
	char cmd[4600];

	snprintf(cmd, sizeof(cmd), "git -C '%s' %s >/dev/null 2>&1", s->root,
		 args);
	return system(cmd);
}

/* Two commits on main: *first and *second (the head). */
static int two_commits(ws_store *s, git_oid *first, git_oid *second)
{
	char hex[WS_COMMIT_HEXSIZE + 1];

	if (fixture_add(s, NULL, "a.wasm", 1, NULL) < 0 ||
	    ws_snapshot(hex, s, NULL) < 0 || git_oid_fromstr(first, hex) < 0 ||
	    fixture_add(s, NULL, "b.wasm", 2, NULL) < 0 ||
	    ws_snapshot(hex, s, NULL) < 0 || git_oid_fromstr(second, hex) < 0)
		return -1;
	return 0;
}

static const char *line_of(const git_oid *id)
{
	static char line[GIT_OID_HEXSZ + 2];

	git_oid_tostr(line, GIT_OID_HEXSZ + 1, id);
	strcat(line, "\n");
	return line;
}

TEST(test_refcas__moves_a_loose_ref_that_holds_the_old_value)
{
	ws_store *s;
	git_oid a, b;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(two_commits(s, &a, &b));
	ASSERT_CODE(1, ws_store__ref_cas(s, "refs/heads/main", &a, &b, "back"));
	ASSERT_STR(line_of(&a), ref_file(s, "refs/heads/main"));
	ASSERT_STR("", ref_file(s, "refs/heads/main.lock"));
	ASSERT(git_in(s, "fsck") == 0);
	ws_store_free(s);
}

TEST(test_refcas__refuses_when_the_ref_moved_and_leaves_no_lock)
{
	char lock[4300];
	ws_store *s;
	git_oid a, b;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(two_commits(s, &a, &b));
	/* expects `a`, but main holds `b` */
	ASSERT_CODE(0, ws_store__ref_cas(s, "refs/heads/main", &b, &a, "x"));
	ASSERT_STR(line_of(&b), ref_file(s, "refs/heads/main"));
	snprintf(lock, sizeof(lock), "%s/refs/heads/main.lock", s->root);
	ASSERT(access(lock, F_OK) < 0);
	ws_store_free(s);
}

TEST(test_refcas__says_locked_while_another_writer_holds_the_lock)
{
	char lock[4300];
	ws_store *s;
	git_oid a, b;
	FILE *f;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(two_commits(s, &a, &b));
	snprintf(lock, sizeof(lock), "%s/refs/heads/main.lock", s->root);
	ASSERT((f = fopen(lock, "w")) != NULL);
	fclose(f);
	ASSERT_CODE(2, ws_store__ref_cas(s, "refs/heads/main", &a, &b, "x"));
	/* the other writer's lock and the ref are untouched */
	ASSERT(access(lock, F_OK) == 0);
	ASSERT_STR(line_of(&b), ref_file(s, "refs/heads/main"));
	ws_store_free(s);
}

TEST(test_refcas__moves_a_packed_ref_through_libgit2)
{
	ws_store *s;
	git_oid a, b;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(two_commits(s, &a, &b));
	ASSERT(git_in(s, "pack-refs --all") == 0);
	ASSERT_STR("", ref_file(s, "refs/heads/main"));
	ASSERT_CODE(0, ws_store__ref_cas(s, "refs/heads/main", &b, &a, "x"));
	ASSERT_CODE(1, ws_store__ref_cas(s, "refs/heads/main", &a, &b, "back"));
	ASSERT_STR(line_of(&a), ref_file(s, "refs/heads/main"));
	ws_store_free(s);
}

TEST(test_refcas__writes_reflogs_when_the_config_asks)
{
	char log[4300], line[512] = "";
	ws_store *s;
	git_oid a, b;
	FILE *f;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(two_commits(s, &a, &b));
	ASSERT(git_in(s, "config core.logAllRefUpdates true") == 0);
	ws_store_free(s); /* read per handle */
	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_CODE(1, ws_store__ref_cas(s, "refs/heads/main", &a, &b, "rewound"));
	snprintf(log, sizeof(log), "%s/logs/refs/heads/main", s->root);
	ASSERT((f = fopen(log, "r")) != NULL);
	while (fgets(line, sizeof(line), f)) {
	}
	fclose(f);
	ASSERT(strstr(line, "\trewound\n") != NULL);
	ASSERT_STR(line_of(&a), ref_file(s, "refs/heads/main"));
	ws_store_free(s);
}
