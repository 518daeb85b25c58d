/* Unit tests of the store basics: open, add, stat, read, list, remove, set. */
#include "unit.h"
#include "wasmstore.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The smallest valid module, and one with a custom section to vary it. */
static const unsigned char empty_module[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };

static size_t module_with(unsigned char *out, unsigned char tag)
{
	memcpy(out, empty_module, 8);
	out[8] = 0;    /* custom section */
	out[9] = 3;    /* size */
	out[10] = 1;   /* name length */
	out[11] = 'x'; /* name */
	out[12] = tag; /* payload */
	return 13;
}

static ws_store *open_store(void)
{
	char root[4200];
	ws_store *store = NULL;

	snprintf(root, sizeof(root), "%s/root", unit_tmpdir());
	if (ws_store_open(&store, root) < 0)
		return NULL;
	return store;
}

static int count_cb(const char *path, const char *hash, void *payload)
{
	(void)path;
	(void)hash;
	(*(int *)payload)++;
	return 0;
}

TEST(test_store__add_then_find_by_path_and_hash)
{
	ws_store *store = open_store();
	char hash[65];
	ws_module_info info;
	void *data = NULL;
	size_t len = 0;

	ASSERT(store);
	ASSERT_OK(ws_module_add_buffer(hash, store, NULL, "/dir//a.wasm",
				       empty_module, 8));
	/* sha256 of the 8-byte empty module */
	ASSERT_STR("93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476", hash);
	ASSERT_OK(ws_module_stat(&info, store, NULL, "dir/a.wasm"));
	ASSERT_STR(hash, info.hash);
	ASSERT(info.size == 8);
	ASSERT_OK(ws_module_read(&data, &len, NULL, store, "main", hash));
	ASSERT(len == 8 && memcmp(data, empty_module, 8) == 0);
	free(data);
	ASSERT(ws_module_contains(store, NULL, "dir/a.wasm") == 1);
	ASSERT(ws_module_contains(store, NULL, "dir/b.wasm") == 0);
	ws_store_free(store);
}

TEST(test_store__invalid_module_changes_nothing)
{
	ws_store *store = open_store();
	char hash[65];
	int n = 0;

	ASSERT(store);
	ASSERT_CODE(WS_EINVALID, ws_module_add_buffer(hash, store, NULL, "x.wasm",
						      empty_module, 5));
	ASSERT_STR("invalid module: unexpected end-of-file", ws_error_last());
	ASSERT_OK(ws_module_list(store, NULL, NULL, count_cb, &n));
	ASSERT(n == 0);
	ws_store_free(store);
}

TEST(test_store__bad_paths_are_refused)
{
	ws_store *store = open_store();
	const char *bad[] = { "../x.wasm", "a/./b", "", "/", ".git/config",
			      "a/.GIT/x", "a\x01" "b", NULL };
	char hash[65];

	ASSERT(store);
	for (int i = 0; bad[i]; i++)
		ASSERT_CODE(WS_EINPUT, ws_module_add_buffer(hash, store, NULL, bad[i],
							    empty_module, 8));
	ASSERT_CODE(WS_EINPUT, ws_module_add_buffer(hash, store, "a..b", "x",
						    empty_module, 8));
	ws_store_free(store);
}

TEST(test_store__remove_by_hash_removes_every_path)
{
	ws_store *store = open_store();
	unsigned char m[16];
	char ha[65], hb[65];
	int n = 0;

	ASSERT(store);
	ASSERT_OK(ws_module_add_buffer(ha, store, NULL, "a.wasm", m, module_with(m, 1)));
	ASSERT_OK(ws_module_add_buffer(ha, store, NULL, "sub/a2.wasm", m, module_with(m, 1)));
	ASSERT_OK(ws_module_add_buffer(hb, store, NULL, "b.wasm", m, module_with(m, 2)));
	ASSERT_OK(ws_module_remove(store, NULL, ha));
	ASSERT_OK(ws_module_list(store, NULL, NULL, count_cb, &n));
	ASSERT(n == 1);
	ASSERT(ws_module_contains(store, NULL, ha) == 0);
	ASSERT_CODE(WS_ENOTFOUND, ws_module_remove(store, NULL, "a.wasm"));
	/* set points a path at a stored module, even one no path holds now */
	ASSERT_OK(ws_module_set(store, NULL, ha, "c.wasm"));
	ASSERT(ws_module_contains(store, NULL, ha) == 1);
	ASSERT_CODE(WS_EINPUT, ws_module_set(store, NULL, "abc", "d.wasm"));
	ASSERT_CODE(WS_ENOTFOUND, ws_module_set(store, NULL,
		"0000000000000000000000000000000000000000000000000000000000000000", "d.wasm"));
	ws_store_free(store);
}

TEST(test_store__rename_is_one_commit)
{
	ws_store *store = open_store();
	char h[65];
	ASSERT(store);
	ASSERT_OK(ws_module_add_buffer(h, store, NULL, "a.wasm", empty_module, 8));
	ASSERT_OK(ws_module_rename(store, NULL, "a.wasm", "d/b.wasm"));
	ASSERT(ws_module_contains(store, NULL, "a.wasm") == 0);
	ASSERT(ws_module_contains(store, NULL, "d/b.wasm") == 1);
	ws_store_free(store);
}

TEST(test_store__raw_file_holds_the_bytes)
{
	ws_store *store = open_store();
	char h[65], *fname = NULL, buf[16];
	int fd;

	ASSERT(store);
	ASSERT_OK(ws_module_add_buffer(h, store, NULL, "a.wasm", empty_module, 8));
	ASSERT_OK(ws_module_filename(&fname, store, NULL, "a.wasm"));
	fd = open(fname, O_RDONLY);
	ASSERT(fd >= 0);
	ASSERT(read(fd, buf, sizeof(buf)) == 8 && memcmp(buf, empty_module, 8) == 0);
	close(fd);
	/* a lost cache file is rewritten from git */
	ASSERT(unlink(fname) == 0);
	free(fname);
	ASSERT_OK(ws_module_open_raw(&fd, NULL, store, NULL, h));
	ASSERT(read(fd, buf, sizeof(buf)) == 8);
	close(fd);
	ws_store_free(store);
}

TEST(test_store__branches)
{
	ws_store *store = open_store();
	char h[65], *def = NULL;
	ASSERT(store);
	ASSERT_OK(ws_branch_default(&def, store));
	ASSERT_STR("main", def);
	free(def);
	ASSERT_OK(ws_module_add_buffer(h, store, NULL, "a.wasm", empty_module, 8));
	ASSERT_OK(ws_branch_create(store, "dev", NULL));
	ASSERT_CODE(WS_EEXISTS, ws_branch_create(store, "dev", NULL));
	ASSERT_STR("Branch already exists", ws_error_last());
	ASSERT(ws_module_contains(store, "dev", "a.wasm") == 1);
	ASSERT_OK(ws_branch_set_default(store, "dev"));
	ASSERT_OK(ws_branch_default(&def, store));
	ASSERT_STR("dev", def);
	free(def);
	ASSERT_CODE(WS_EINPUT, ws_branch_delete(store, "dev"));
	ASSERT_OK(ws_branch_delete(store, "main"));
	ASSERT_CODE(WS_ENOTFOUND, ws_branch_delete(store, "main"));
	ws_store_free(store);
}

TEST(test_store__rename_moves_a_directory_whole)
{
	ws_store *store = open_store();
	unsigned char m[16];
	char h[65];
	int n = 0;

	ASSERT(store);
	ASSERT_OK(ws_module_add_buffer(h, store, NULL, "d/a.wasm", m, module_with(m, 1)));
	ASSERT_OK(ws_module_add_buffer(h, store, NULL, "d/e/b.wasm", m, module_with(m, 2)));
	ASSERT_OK(ws_module_add_buffer(h, store, NULL, "x.wasm", m, module_with(m, 3)));
	ASSERT_OK(ws_module_rename(store, NULL, "d", "f/g"));
	ASSERT(ws_module_contains(store, NULL, "f/g/a.wasm") == 1);
	ASSERT(ws_module_contains(store, NULL, "f/g/e/b.wasm") == 1);
	ASSERT(ws_module_contains(store, NULL, "d/a.wasm") == 0);
	ASSERT_OK(ws_module_list(store, NULL, NULL, count_cb, &n));
	ASSERT(n == 3);
	ASSERT_CODE(WS_EEXISTS, ws_module_rename(store, NULL, "x.wasm", "f"));
	/* a module may replace a module, as rename(2) does */
	ASSERT_OK(ws_module_rename(store, NULL, "x.wasm", "f/g/a.wasm"));
	/* and, as rename(2), a directory cannot move into itself */
	ASSERT_CODE(WS_EINPUT, ws_module_rename(store, NULL, "f", "f/g/h"));
	ASSERT_STR("cannot move 'f' into itself", ws_error_last());
	ASSERT(ws_module_contains(store, NULL, "f/g/e/b.wasm") == 1);
	ASSERT(ws_module_contains(store, NULL, "f/g/h/g/a.wasm") == 0);
	ws_store_free(store);
}

TEST(test_store__branch_name_check_needs_no_open_store)
{
	ASSERT_OK(ws_branch_name_check("feature/x"));
	ASSERT_CODE(WS_EINPUT, ws_branch_name_check("a..b"));
}

TEST(test_store__hash_lookup_on_an_emptied_branch)
{
	ws_store *store = open_store();
	char h[65];

	ASSERT(store);
	ASSERT_OK(ws_module_add_buffer(h, store, NULL, "a.wasm", empty_module, 8));
	ASSERT_OK(ws_module_remove(store, NULL, "a.wasm"));
	ASSERT(ws_module_contains(store, NULL, h) == 0);
	ws_store_free(store);
}
