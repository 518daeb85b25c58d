/* export.c - every module of a branch written out as a file. */
#include "core_fixtures.h"

#include <stdlib.h>
#include <sys/stat.h>

/* 1 if the file at <tmpdir>/<rel> holds exactly module variant n. */
static int holds_module(const char *rel, unsigned char n)
{
	unsigned char want[16], got[32];
	char path[4200];
	size_t len = fixture_module(want, n), got_len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), rel);
	if (!(f = fopen(path, "rb")))
		return 0;
	got_len = fread(got, 1, sizeof(got), f);
	fclose(f);
	return got_len == len && memcmp(got, want, len) == 0;
}

static int exists(const char *rel)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), rel);
	return stat(path, &st) == 0;
}

TEST(test_export__writes_every_module_at_its_path)
{
	ws_store *s = NULL;
	char out[4200];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, NULL, "dir/sub/b.wasm", 2, NULL));
	ASSERT_OK(fixture_add(s, NULL, "dir/c.wasm", 1, NULL));
	ASSERT_OK(fixture_add(s, "other", "only-other.wasm", 3, NULL));
	snprintf(out, sizeof(out), "%s/out/nested", unit_tmpdir());
	ASSERT_OK(ws_export(s, NULL, out));
	ASSERT(holds_module("out/nested/a.wasm", 1));
	ASSERT(holds_module("out/nested/dir/sub/b.wasm", 2));
	ASSERT(holds_module("out/nested/dir/c.wasm", 1));
	ASSERT(!exists("out/nested/only-other.wasm"));

	/* again over the same files, from another branch */
	ASSERT_OK(ws_export(s, "other", out));
	ASSERT(holds_module("out/nested/only-other.wasm", 3));
	ws_store_free(s);
}

TEST(test_export__of_an_empty_branch_makes_only_the_directory)
{
	ws_store *s = NULL;
	char out[4200];

	ASSERT_OK(fixture_open(&s, "store"));
	snprintf(out, sizeof(out), "%s/empty", unit_tmpdir());
	ASSERT_OK(ws_export(s, NULL, out));
	ASSERT(exists("empty"));
	ASSERT_CODE(WS_EINPUT, ws_export(s, NULL, ""));
	ws_store_free(s);
}

TEST(test_export__fails_when_a_directory_is_in_the_way)
{
	ws_store *s = NULL;
	char out[4200];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(fixture_add(s, NULL, "a.wasm", 1, NULL));
	snprintf(out, sizeof(out), "%s/out", unit_tmpdir());
	ASSERT(mkdir(out, 0755) == 0);
	snprintf(out, sizeof(out), "%s/out/a.wasm", unit_tmpdir());
	ASSERT(mkdir(out, 0755) == 0);
	snprintf(out, sizeof(out), "%s/out", unit_tmpdir());
	ASSERT_CODE(WS_ERROR, ws_export(s, NULL, out));
	ASSERT(strstr(ws_error_last(), "a.wasm") != NULL);
	ws_store_free(s);
}
