/* test_packmerge.c - keeping the number of packs small. */
#include "core_fixtures.h"
#include "objbatch.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_IDS 256

/* Runs git on the store; 1 if it exits 0. */
static int git_ok(ws_store *s, const char *args)
{
	char cmd[17000];

	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' %s >/dev/null 2>&1",
		 ws_store_root(s), args);
	return system(cmd) == 0;
}

static const char *pack_dir(ws_store *s)
{
	static char dir[4200];

	snprintf(dir, sizeof(dir), "%s/objects/pack", ws_store_root(s));
	return dir;
}

static int exists_in_packs(ws_store *s, const char *name)
{
	char path[8400];

	snprintf(path, sizeof(path), "%s/%s", pack_dir(s), name);
	return access(path, F_OK) == 0;
}

/* How many entries of objects/pack end with `ext`. */
static int count_ext(ws_store *s, const char *ext)
{
	struct dirent *de;
	DIR *d = opendir(pack_dir(s));
	int n = 0;

	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name), m = strlen(ext);
		n += len > m && !strcmp(de->d_name + len - m, ext);
	}
	if (d)
		closedir(d);
	return n;
}

/* Flushes a pack of `n` new blobs (their ids appended to ids[*count]);
 * `name` (optional) gets "pack-<hex>" of the new pack. */
static int make_pack(ws_store *s, ws_objbatch *b, int n, git_oid *ids,
		     int *count, char name[64])
{
	static int serial;
	char before[64][64];
	int nbefore = 0;
	struct dirent *de;
	DIR *d;

	for (int i = 0; i < n; i++) {
		char content[64];
		int len = snprintf(content, sizeof(content), "blob %d", serial++);
		if (git_blob_create_from_buffer(&ids[(*count)++], s->repo,
						content, (size_t)len) < 0)
			return -1;
	}
	if (name && (d = opendir(pack_dir(s)))) {
		while ((de = readdir(d)) && nbefore < 64)
			if (strstr(de->d_name, ".idx"))
				snprintf(before[nbefore++], 64, "%.60s", de->d_name);
		closedir(d);
	}
	if (ws_objbatch_flush(b) < 0)
		return -1;
	if (name && (d = opendir(pack_dir(s)))) {
		while ((de = readdir(d))) {
			int seen = 0;
			if (!strstr(de->d_name, ".idx"))
				continue;
			for (int i = 0; i < nbefore; i++)
				seen |= !strcmp(before[i], de->d_name);
			if (!seen)
				snprintf(name, 64, "%.45s", de->d_name);
		}
		closedir(d);
	}
	return 0;
}

static int attach(ws_objbatch **b, ws_store *s)
{
	char objects[4200];

	snprintf(objects, sizeof(objects), "%s/objects", ws_store_root(s));
	return ws_objbatch_attach(b, s->repo, objects);
}

/* Every id is readable through `repo`, through a freshly opened
 * repository, and by git. */
static int all_readable(ws_store *s, const git_oid *ids, int count)
{
	git_repository *fresh = NULL;
	git_odb *odb = NULL, *fodb = NULL;
	int ok = git_repository_open_bare(&fresh, ws_store_root(s)) == 0 &&
		 git_repository_odb(&fodb, fresh) == 0 &&
		 git_repository_odb(&odb, s->repo) == 0;

	for (int i = 0; ok && i < count; i++) {
		git_odb_object *a = NULL, *b = NULL;
		char hex[GIT_OID_HEXSZ + 1], args[64];
		ok = git_odb_read(&a, odb, &ids[i]) == 0 &&
		     git_odb_read(&b, fodb, &ids[i]) == 0 &&
		     git_odb_object_size(a) == git_odb_object_size(b);
		git_odb_object_free(a);
		git_odb_object_free(b);
		git_oid_tostr(hex, sizeof(hex), &ids[i]);
		snprintf(args, sizeof(args), "cat-file -e %s", hex);
		ok = ok && git_ok(s, args);
	}
	git_odb_free(odb);
	git_odb_free(fodb);
	git_repository_free(fresh);
	return ok;
}

/* Every pack passes git verify-pack. */
static int packs_verify(ws_store *s)
{
	char args[8400];

	snprintf(args, sizeof(args),
		 "verify-pack '%s'/*.idx", pack_dir(s));
	return git_ok(s, args);
}

TEST(test_packmerge__merges_forty_small_packs_and_leaves_kept_ones)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid ids[MAX_IDS];
	char kept[64], path[8400];
	int count = 0, fd;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	ASSERT(make_pack(s, b, 1, ids, &count, kept) == 0);
	snprintf(path, sizeof(path), "%s/%s.keep", pack_dir(s), kept);
	ASSERT((fd = open(path, O_CREAT | O_WRONLY, 0644)) >= 0);
	close(fd);
	for (int i = 0; i < 40; i++)
		ASSERT(make_pack(s, b, 1 + i % 3, ids, &count, NULL) == 0);
	ASSERT(count_ext(s, ".pack") == 41);

	ASSERT_CODE(1, ws_store__pack_consolidate(s, 8));
	ASSERT(count_ext(s, ".pack") <= 8 + 1);
	ASSERT(count_ext(s, ".idx") == count_ext(s, ".pack"));
	snprintf(path, sizeof(path), "%s.pack", kept);
	ASSERT(exists_in_packs(s, path));
	snprintf(path, sizeof(path), "%s.idx", kept);
	ASSERT(exists_in_packs(s, path));
	ASSERT(all_readable(s, ids, count));
	ASSERT(packs_verify(s));
	ASSERT(git_ok(s, "fsck --full --strict"));
	ws_store_free(s);
}

TEST(test_packmerge__merges_only_the_small_packs)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid ids[MAX_IDS];
	char big[64], path[8400];
	int count = 0;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	ASSERT(make_pack(s, b, 100, ids, &count, big) == 0);
	for (int i = 0; i < 9; i++)
		ASSERT(make_pack(s, b, 1, ids, &count, NULL) == 0);
	ASSERT_CODE(1, ws_store__pack_consolidate(s, 8));
	/* 9 small ones hold far less than half the big one: merged alone */
	ASSERT(count_ext(s, ".pack") == 2);
	snprintf(path, sizeof(path), "%s.pack", big);
	ASSERT(exists_in_packs(s, path));
	ASSERT(all_readable(s, ids, count));
	ASSERT(git_ok(s, "fsck --full --strict"));
	ws_store_free(s);
}

TEST(test_packmerge__leaves_few_packs_alone)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid ids[MAX_IDS];
	int count = 0;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	for (int i = 0; i < 8; i++)
		ASSERT(make_pack(s, b, 1, ids, &count, NULL) == 0);
	ASSERT_OK(ws_store__pack_consolidate(s, 8));
	ASSERT(count_ext(s, ".pack") == 8);
	/* no packs at all is fine too */
	ws_store_free(s);
	ASSERT_OK(fixture_open(&s, "empty"));
	ASSERT_OK(ws_store__pack_consolidate(s, 0));
	ws_store_free(s);
}

/* Two packs with the same objects (two writers raced): one is left, and
 * it may be byte for byte the merged pack. */
TEST(test_packmerge__merges_packs_holding_the_same_objects)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid ids[MAX_IDS];
	char name[64], cmd[17000];
	int count = 0;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	ASSERT(make_pack(s, b, 1, ids, &count, name) == 0);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && cp %s.pack pack-%040d.pack && cp %s.idx pack-%040d.idx",
		 pack_dir(s), name, 0, name, 0);
	ASSERT(system(cmd) == 0);
	ASSERT(count_ext(s, ".pack") == 2);
	ASSERT_CODE(1, ws_store__pack_consolidate(s, 1));
	ASSERT(count_ext(s, ".pack") == 1);
	ASSERT(count_ext(s, ".idx") == 1);
	snprintf(cmd, sizeof(cmd), "%s.idx", name); /* same bytes, kept */
	ASSERT(exists_in_packs(s, cmd));
	ASSERT(all_readable(s, ids, count));
	ASSERT(git_ok(s, "fsck --full --strict"));
	ws_store_free(s);
}

/* Packs git wrote hold deltas: merged, they become whole objects. */
TEST(test_packmerge__merges_packs_with_deltas)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid ids[8];
	char cmd[17000], *data = malloc(20000);
	int count = 4;

	ASSERT(data);
	ASSERT_OK(fixture_open(&s, "store"));
	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < 20000; j++)
			data[j] = (char)('a' + (j * 7 + j / 13) % 26);
		data[i * 1000] = '!';
		ASSERT(git_blob_create_from_buffer(&ids[i], s->repo, data,
						   20000) == 0);
	}
	free(data);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git --git-dir=. cat-file --batch-all-objects "
		 "--batch-check='%%(objectname)' >ids && "
		 "git --git-dir=. pack-objects -q objects/pack/pack <ids >/dev/null && "
		 "git --git-dir=. prune-packed && "
		 "git --git-dir=. verify-pack -v objects/pack/*.idx >out && "
		 "grep -q 'chain length = 1' out",
		 ws_store_root(s));
	ASSERT(system(cmd) == 0);
	ASSERT_OK(attach(&b, s));
	ASSERT(make_pack(s, b, 1, ids, &count, NULL) == 0);
	ASSERT(make_pack(s, b, 1, ids, &count, NULL) == 0);
	ASSERT(count_ext(s, ".idx") == 3);
	ASSERT_CODE(1, ws_store__pack_consolidate(s, 1));
	ASSERT(count_ext(s, ".idx") == 1);
	ASSERT(all_readable(s, ids, count));
	ASSERT(packs_verify(s));
	ASSERT(git_ok(s, "fsck --full --strict"));
	ws_store_free(s);
}

/* Sets a file's times `age` seconds into the past. */
static int age_file(ws_store *s, const char *name, int age)
{
	char path[8400];

	snprintf(path, sizeof(path), "%s/%s", pack_dir(s), name);
	return fixture_age(path, age);
}

static int touch(ws_store *s, const char *name)
{
	char path[8400];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pack_dir(s), name);
	if ((fd = open(path, O_CREAT | O_WRONLY, 0644)) < 0)
		return -1;
	return close(fd);
}

TEST(test_packmerge__removes_what_crashed_writers_left_long_ago)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid ids[MAX_IDS];
	char name[64], path[128];
	const char *stale = "pack-1111111111111111111111111111111111111111.pack";
	const char *fresh = "pack-2222222222222222222222222222222222222222.pack";
	int count = 0;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	ASSERT(make_pack(s, b, 2, ids, &count, name) == 0);
	ASSERT(touch(s, stale) == 0 && age_file(s, stale, 11 * 60) == 0);
	ASSERT(touch(s, fresh) == 0 && age_file(s, fresh, 9 * 60) == 0);
	ASSERT(touch(s, "tmp_pack_old") == 0 &&
	       age_file(s, "tmp_pack_old", 11 * 60) == 0);
	ASSERT(touch(s, "tmp_idx_new") == 0);
	ASSERT(touch(s, "pack_git2_old") == 0 &&
	       age_file(s, "pack_git2_old", 3600) == 0);
	/* an old pack with its index is no leftover */
	snprintf(path, sizeof(path), "%s.pack", name);
	ASSERT(age_file(s, path, 3600) == 0);
	snprintf(path, sizeof(path), "%s.idx", name);
	ASSERT(age_file(s, path, 3600) == 0);

	ASSERT_OK(ws_store__pack_consolidate(s, 8));
	ASSERT(!exists_in_packs(s, stale));
	ASSERT(exists_in_packs(s, fresh));
	ASSERT(!exists_in_packs(s, "tmp_pack_old"));
	ASSERT(exists_in_packs(s, "tmp_idx_new"));
	ASSERT(!exists_in_packs(s, "pack_git2_old"));
	ASSERT(exists_in_packs(s, path));
	snprintf(path, sizeof(path), "%s.pack", name);
	ASSERT(exists_in_packs(s, path));
	ASSERT(all_readable(s, ids, count));

	/* the next look comes 10 minutes after this one */
	ASSERT(touch(s, "tmp_pack_later") == 0 &&
	       age_file(s, "tmp_pack_later", 11 * 60) == 0);
	ASSERT_OK(ws_store__pack_consolidate(s, 8));
	ASSERT(exists_in_packs(s, "tmp_pack_later"));
	ASSERT(age_file(s, "../../wasmstore/pack.lock", 11 * 60) == 0);
	ASSERT_OK(ws_store__pack_consolidate(s, 8));
	ASSERT(!exists_in_packs(s, "tmp_pack_later"));
	ws_store_free(s);
}

TEST(test_packmerge__returns_at_once_while_another_process_merges)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid ids[MAX_IDS];
	char path[4200];
	int count = 0, fd;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(attach(&b, s));
	for (int i = 0; i < 5; i++)
		ASSERT(make_pack(s, b, 1, ids, &count, NULL) == 0);
	/* a lock on its own open file acts as another process's */
	snprintf(path, sizeof(path), "%s/wasmstore/pack.lock", ws_store_root(s));
	ASSERT((fd = open(path, O_CREAT | O_RDWR, 0644)) >= 0);
	ASSERT(flock(fd, LOCK_EX) == 0);
	ASSERT_OK(ws_store__pack_consolidate(s, 2));
	ASSERT(count_ext(s, ".pack") == 5);
	close(fd);
	ASSERT_CODE(1, ws_store__pack_consolidate(s, 2));
	ASSERT(count_ext(s, ".pack") <= 2);
	ASSERT(all_readable(s, ids, count));
	ws_store_free(s);
}

/* Entries larger than the writer's buffer are copied as they are; an old
 * v1 index is read through libgit2. */
TEST(test_packmerge__merges_large_objects_and_old_indexes)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	git_oid ids[8];
	unsigned char *data = malloc(3 << 20);
	unsigned x = 7;
	char cmd[17000];
	int count = 0;

	ASSERT(data);
	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT(git_blob_create_from_buffer(&ids[count++], s->repo, "old", 3) == 0);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git --git-dir=. cat-file --batch-all-objects "
		 "--batch-check='%%(objectname)' >ids && "
		 "git --git-dir=. pack-objects -q --index-version=1 "
		 "objects/pack/pack <ids >/dev/null && "
		 "git --git-dir=. prune-packed",
		 ws_store_root(s));
	ASSERT(system(cmd) == 0);
	ASSERT_OK(attach(&b, s));
	for (size_t i = 0; i < (size_t)(3 << 20); i++)
		data[i] = (unsigned char)((x = x * 1103515245 + 12345) >> 23);
	ASSERT(git_blob_create_from_buffer(&ids[count++], s->repo, data,
					   3 << 20) == 0);
	free(data);
	ASSERT_OK(ws_objbatch_flush(b));
	ASSERT(make_pack(s, b, 2, ids, &count, NULL) == 0);
	ASSERT(count_ext(s, ".idx") == 3);
	ASSERT_CODE(1, ws_store__pack_consolidate(s, 1));
	ASSERT(count_ext(s, ".idx") == 1);
	ASSERT(all_readable(s, ids, count));
	ASSERT(packs_verify(s));
	ASSERT(git_ok(s, "fsck --full --strict"));
	ws_store_free(s);
}
