/* test_objbatch.c - objects held in memory, then written as one pack. */
#include "core_fixtures.h"
#include "objbatch.h"

#include <dirent.h>
#include <git2/sys/odb_backend.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs git on the store; 1 if it exits 0. Output goes to <tmp>/git.out. */
static int git_ok(ws_store *s, const char *args)
{
	char cmd[17000];

	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' %s >'%s/git.out' 2>&1",
		 ws_store_root(s), args, unit_tmpdir());
	return system(cmd) == 0;
}

/* What the last git_ok printed. */
static const char *git_out(void)
{
	static char buf[4096];
	char path[4200];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/git.out", unit_tmpdir());
	if ((f = fopen(path, "r"))) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int attach(ws_objbatch **b, ws_store *s)
{
	char objects[4200];

	snprintf(objects, sizeof(objects), "%s/objects", ws_store_root(s));
	return ws_objbatch_attach(b, s->repo, objects);
}

/* The names of the entries of objects/pack ("" when none), sorted,
 * space-separated; `count` gets how many .idx files there are. */
static const char *pack_dir_entries(ws_store *s, int *count)
{
	static char out[8192];
	char dir[4200], *names[256];
	struct dirent *de;
	int n = 0;
	DIR *d;

	out[0] = '\0';
	*count = 0;
	snprintf(dir, sizeof(dir), "%s/objects/pack", ws_store_root(s));
	if (!(d = opendir(dir)))
		return out;
	while ((de = readdir(d)) && n < 256)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		*count += len > 4 && !strcmp(names[i] + len - 4, ".idx");
		if (strlen(out) + len + 2 < sizeof(out)) {
			if (i)
				strcat(out, " ");
			strcat(out, names[i]);
		}
		free(names[i]);
	}
	return out;
}

/* 1 if the object is readable through the store's handle. */
static int repo_has(ws_store *s, const git_oid *id)
{
	git_odb *odb = NULL;
	int found = git_repository_odb(&odb, s->repo) == 0 &&
		    git_odb_exists(odb, id);

	git_odb_free(odb);
	return found;
}

/* 1 if the object is a loose file. */
static int is_loose(ws_store *s, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1], path[4200];

	git_oid_tostr(hex, sizeof(hex), id);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", ws_store_root(s),
		 hex, hex + 2);
	return access(path, F_OK) == 0;
}

/* Reads `id` through a freshly opened repository; its size or -1. */
static long fresh_read_size(ws_store *s, const git_oid *id)
{
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	long size = -1;

	if (git_repository_open_bare(&repo, ws_store_root(s)) == 0 &&
	    git_repository_odb(&odb, repo) == 0 &&
	    git_odb_read(&obj, odb, id) == 0)
		size = (long)git_odb_object_size(obj);
	git_odb_object_free(obj);
	git_odb_free(odb);
	git_repository_free(repo);
	return size;
}

static int count_object(const git_oid *id, void *payload)
{
	(void)id;
	++*(size_t *)payload;
	return 0;
}

/* A commit of "dir/a.wasm" holding `content`: a blob, two trees and a
 * commit. */
static int write_commit(git_oid *commit, git_oid *blob, ws_store *s,
			const char *content)
{
	git_tree_update up = { GIT_TREE_UPDATE_UPSERT, { { 0 } },
			       GIT_FILEMODE_BLOB, "dir/a.wasm" };
	git_oid tree_id;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	int rc = -1;

	if (git_blob_create_from_buffer(blob, s->repo, content,
					strlen(content)) < 0)
		return -1;
	git_oid_cpy(&up.id, blob);
	if (git_tree_create_updated(&tree_id, s->repo, NULL, 1, &up) == 0 &&
	    git_tree_lookup(&tree, s->repo, &tree_id) == 0 &&
	    git_signature_new(&sig, "t", "t@example.com", 1700000000, 0) == 0)
		rc = git_commit_create(commit, s->repo, NULL, sig, sig, NULL,
				       "batched\n", tree, 0, NULL);
	git_signature_free(sig);
	git_tree_free(tree);
	return rc;
}

TEST(test_objbatch__holds_a_commit_in_memory_then_writes_one_pack)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid commit, blob;
	git_blob *read = NULL;
	git_reference *ref = NULL;
	git_odb *pack = NULL;
	git_odb_backend *one = NULL;
	char hex[GIT_OID_HEXSZ + 1], args[8500], idx[8400], want[128];
	const char *entries;
	int packs;
	size_t in_pack = 0;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	ASSERT(write_commit(&commit, &blob, s, "module bytes") == 0);
	ASSERT(ws_objbatch_count(b) == 4);
	ASSERT(!is_loose(s, &blob) && !is_loose(s, &commit));
	ASSERT_STR("", pack_dir_entries(s, &packs));
	ASSERT(git_blob_lookup(&read, s->repo, &blob) == 0);
	ASSERT(git_blob_rawsize(read) == 12);
	git_blob_free(read);
	ASSERT(fresh_read_size(s, &blob) == -1); /* not on disk yet */

	ASSERT_OK(ws_objbatch_flush(b));
	ASSERT(ws_objbatch_count(b) == 0);
	entries = pack_dir_entries(s, &packs);
	ASSERT(packs == 1);
	ASSERT(strlen(entries) == 49 + 1 + 50); /* pack-<40>.idx pack-<40>.pack */
	ASSERT(!is_loose(s, &blob) && !is_loose(s, &commit));
	ASSERT(fresh_read_size(s, &blob) == 12);
	ASSERT(git_blob_lookup(&read, s->repo, &blob) == 0);
	ASSERT(!memcmp(git_blob_rawcontent(read), "module bytes", 12));
	git_blob_free(read);

	/* exactly the four objects, in that one pack */
	snprintf(idx, sizeof(idx), "%s/objects/pack/%.45s.idx",
		 ws_store_root(s), entries);
	ASSERT(git_odb_new(&pack) == 0);
	ASSERT(git_odb_backend_one_pack(&one, idx) == 0);
	ASSERT(git_odb_add_backend(pack, one, 1) == 0);
	ASSERT(git_odb_exists(pack, &commit) && git_odb_exists(pack, &blob));
	ASSERT(git_odb_foreach(pack, count_object, &in_pack) == 0);
	ASSERT(in_pack == 4);
	git_odb_free(pack);

	snprintf(args, sizeof(args), "verify-pack -v '%s'", idx);
	ASSERT(git_ok(s, args));
	ASSERT(strstr(git_out(), "non delta: 4 objects"));
	ASSERT(git_ok(s, "fsck --full --strict"));
	git_oid_tostr(hex, sizeof(hex), &blob);
	snprintf(args, sizeof(args), "cat-file -p %s", hex);
	ASSERT(git_ok(s, args));
	ASSERT_STR("module bytes", git_out());

	/* once a ref names the commit, git shows the branch */
	ASSERT(git_reference_create(&ref, s->repo, "refs/heads/main", &commit,
				    1, "test") == 0);
	git_reference_free(ref);
	ASSERT(git_ok(s, "log --format=%s main"));
	ASSERT_STR("batched\n", git_out());
	ASSERT(git_ok(s, "ls-tree -r main"));
	snprintf(want, sizeof(want), "100644 blob %s\tdir/a.wasm\n", hex);
	ASSERT_STR(want, git_out());
	ASSERT(git_ok(s, "fsck --full --strict --no-dangling"));
	ASSERT_STR("", git_out());
	ws_store_free(s);
}

TEST(test_objbatch__empty_flush_writes_nothing)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	int packs;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	ASSERT(ws_objbatch_count(b) == 0);
	ASSERT_OK(ws_objbatch_flush(b));
	ASSERT_STR("", pack_dir_entries(s, &packs));
	ws_store_free(s);
}

TEST(test_objbatch__clear_forgets_the_objects)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid id;
	int packs;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	ASSERT(git_blob_create_from_buffer(&id, s->repo, "x", 1) == 0);
	ASSERT(ws_objbatch_count(b) == 1);
	ASSERT(repo_has(s, &id));
	ws_objbatch_clear(b);
	ASSERT(ws_objbatch_count(b) == 0);
	ASSERT(!repo_has(s, &id));
	ASSERT_OK(ws_objbatch_flush(b));
	ASSERT_STR("", pack_dir_entries(s, &packs));
	/* the batch goes on working after a clear */
	ASSERT(git_blob_create_from_buffer(&id, s->repo, "y", 1) == 0);
	ASSERT(ws_objbatch_count(b) == 1);
	ASSERT_OK(ws_objbatch_flush(b));
	pack_dir_entries(s, &packs);
	ASSERT(packs == 1);
	ASSERT(fresh_read_size(s, &id) == 1);
	ws_store_free(s);
}

TEST(test_objbatch__holds_each_object_once_and_not_what_is_on_disk)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid id, again;
	int packs;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	ASSERT(git_blob_create_from_buffer(&id, s->repo, "same", 4) == 0);
	ASSERT(git_blob_create_from_buffer(&again, s->repo, "same", 4) == 0);
	ASSERT(git_oid_equal(&id, &again));
	ASSERT(ws_objbatch_count(b) == 1);
	ASSERT_OK(ws_objbatch_flush(b));
	/* now in a pack the repository has not loaded yet */
	ASSERT(git_blob_create_from_buffer(&again, s->repo, "same", 4) == 0);
	ASSERT(ws_objbatch_count(b) == 0);
	ASSERT_OK(ws_objbatch_flush(b));
	pack_dir_entries(s, &packs);
	ASSERT(packs == 1);
	ws_store_free(s);
}

TEST(test_objbatch__failed_flush_keeps_the_objects)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid id;
	char objects[4200];

	ASSERT_OK(fixture_open(&s, "store"));
	snprintf(objects, sizeof(objects), "%s/missing/objects", unit_tmpdir());
	ASSERT_OK(ws_objbatch_attach(&b, s->repo, objects));
	ASSERT(git_blob_create_from_buffer(&id, s->repo, "kept", 4) == 0);
	ASSERT_CODE(WS_ERROR, ws_objbatch_flush(b));
	ASSERT(strstr(ws_error_last(), "missing/objects/pack"));
	ASSERT(ws_objbatch_count(b) == 1);
	ASSERT(repo_has(s, &id));
	ws_store_free(s);
}

TEST(test_objbatch__finds_held_objects_by_prefix)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_object *obj = NULL;
	git_oid id, prefix;
	char hex[GIT_OID_HEXSZ + 1];

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	ASSERT(git_blob_create_from_buffer(&id, s->repo, "abc", 3) == 0);
	git_oid_tostr(hex, sizeof(hex), &id);
	ASSERT(git_oid_fromstrn(&prefix, hex, 7) == 0);
	ASSERT(git_object_lookup_prefix(&obj, s->repo, &prefix, 7,
					GIT_OBJECT_BLOB) == 0);
	ASSERT(git_oid_equal(git_object_id(obj), &id));
	git_object_free(obj);
	ws_store_free(s);
}

/* Blobs larger than the writer's buffer, one of them barely compressible,
 * and a stream write (as uploads do). */
TEST(test_objbatch__writes_large_objects)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_writestream *ws = NULL;
	git_oid big, noise, streamed;
	unsigned char *data = malloc(3 << 20);
	unsigned x = 12345;
	char args[128], hex[GIT_OID_HEXSZ + 1];

	ASSERT(data);
	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	memset(data, 'w', 3 << 20);
	ASSERT(git_blob_create_from_buffer(&big, s->repo, data, 3 << 20) == 0);
	for (size_t i = 0; i < (size_t)(3 << 20); i++)
		data[i] = (unsigned char)((x = x * 1103515245 + 12345) >> 23);
	ASSERT(git_blob_create_from_buffer(&noise, s->repo, data, 3 << 20) == 0);
	ASSERT(git_blob_create_from_stream(&ws, s->repo, NULL) == 0);
	ASSERT(ws->write(ws, (const char *)data, 100000) == 0);
	ASSERT(git_blob_create_from_stream_commit(&streamed, ws) == 0);
	free(data);
	ASSERT(ws_objbatch_count(b) == 3);
	ASSERT_OK(ws_objbatch_flush(b));
	ASSERT(fresh_read_size(s, &big) == 3 << 20);
	ASSERT(fresh_read_size(s, &noise) == 3 << 20);
	ASSERT(fresh_read_size(s, &streamed) == 100000);
	git_oid_tostr(hex, sizeof(hex), &noise);
	snprintf(args, sizeof(args), "cat-file -s %s", hex);
	ASSERT(git_ok(s, args));
	ASSERT_STR("3145728\n", git_out());
	ASSERT(git_ok(s, "fsck --full --strict"));
	ws_store_free(s);
}
