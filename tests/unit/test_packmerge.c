/* test_packmerge.c - keeping the number of packs small. */
#include "core_fixtures.h"
#include "objbatch.h"
#include "upkeep.h"

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

static int deltas_after_bases(ws_store *s);

/* Packs git wrote hold deltas: of blobs (and commits) they are written
 * whole, REF_DELTAs (git pack-objects' default) and OFS_DELTAs (which
 * name their base by its place in the pack) alike. */
static void merge_git_pack(const char *options)
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
		 "git --git-dir=. pack-objects -q %s objects/pack/pack <ids >/dev/null && "
		 "git --git-dir=. prune-packed && "
		 "git --git-dir=. verify-pack -v objects/pack/*.idx >out && "
		 "grep -q 'chain length = 1' out",
		 ws_store_root(s), options);
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
	ASSERT(deltas_after_bases(s) == 0);
	ws_store_free(s);
}

TEST(test_packmerge__merges_packs_with_deltas)
{
	merge_git_pack("");
}

TEST(test_packmerge__merges_packs_with_offset_deltas)
{
	merge_git_pack("--delta-base-offset");
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

/* ---- trees stored as deltas ---- */

/* Merges now, once the merges adds asked for in the background are done
 * (one merging at a time: a merge in progress would make this return 0). */
static int merge_now(ws_store *s, unsigned max_packs)
{
	ws_upkeep__drain();
	return ws_store__pack_consolidate(s, max_packs);
}

/* A distinct valid module for each n < 65536 (14 bytes). */
static size_t module_n(unsigned char out[16], unsigned n)
{
	static const unsigned char head[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
					      0, 4, 1, 'x' };

	memcpy(out, head, sizeof(head));
	out[12] = (unsigned char)(n >> 8);
	out[13] = (unsigned char)n;
	return 14;
}

/* Adds modules from..to-1, most into lib/, every seventh into bin/:
 * each add changes the root tree and one of two directories. */
static int add_modules(ws_store *s, unsigned from, unsigned to)
{
	unsigned char buf[16];
	char path[64], hash[WS_HASH_HEXSIZE + 1];

	for (unsigned i = from; i < to; i++) {
		snprintf(path, sizeof(path), "%s/m%04u.wasm",
			 i % 7 ? "lib" : "bin", i);
		if (ws_module_add_buffer(hash, s, NULL, path, buf,
					 module_n(buf, i)) < 0)
			return -1;
	}
	return 0;
}

/* The first number git prints for `args`, summed over its lines. */
static long long git_sum(ws_store *s, const char *args)
{
	char cmd[8400], line[256];
	long long sum = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' %s", ws_store_root(s),
		 args);
	if (!(p = popen(cmd, "r")))
		return -1;
	while (fgets(line, sizeof(line), p))
		sum += atoll(line);
	return pclose(p) == 0 ? sum : -1;
}

/* What every object takes whole and uncompressed. */
static long long object_bytes(ws_store *s)
{
	return git_sum(s, "cat-file --batch-all-objects "
			  "--batch-check='%(objectsize)'");
}

/* What the .pack files take. */
static long long pack_bytes(ws_store *s)
{
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(pack_dir(s));
	long long sum = 0;

	while (d && (de = readdir(d))) {
		char path[8400];
		size_t len = strlen(de->d_name);
		snprintf(path, sizeof(path), "%s/%s", pack_dir(s), de->d_name);
		if (len > 5 && !strcmp(de->d_name + len - 5, ".pack") &&
		    stat(path, &st) == 0)
			sum += st.st_size;
	}
	if (d)
		closedir(d);
	return sum;
}

/*
 * How many deltas the store's one pack holds (git verify-pack -v: "<id>
 * <type> <size> <size in pack> <offset> [<depth> <base id>]"), or -1 if
 * a delta comes before its base, is deeper than 16 or git fails.
 */
static int deltas_after_bases(ws_store *s)
{
	char cmd[8400], line[256];
	static char ids[20000][41], bases[20000][41];
	static long long offs[20000], delta_offs[20000];
	int n = 0, d = 0, bad = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "git verify-pack -v '%s'/pack-*.idx",
		 pack_dir(s));
	if (!(p = popen(cmd, "r")))
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char id[64], type[16], base[64];
		long long size, in_pack, off;
		int depth, f = sscanf(line, "%63s %15s %lld %lld %lld %d %63s",
				      id, type, &size, &in_pack, &off, &depth,
				      base);
		if (f < 5 || strlen(id) != 40 || n == 20000)
			continue;
		memcpy(ids[n], id, 41);
		offs[n++] = off;
		if (f == 7) {
			bad |= depth > 16;
			memcpy(bases[d], base, 41);
			delta_offs[d++] = off;
		}
	}
	if (pclose(p) != 0)
		return -1;
	for (int i = 0; i < d && !bad; i++) {
		int found = 0;
		for (int j = 0; j < n && !found; j++)
			found = !strcmp(ids[j], bases[i]) &&
				offs[j] < delta_offs[i];
		bad |= !found;
	}
	return bad ? -1 : d;
}

/* 1 if the object `rev` names is whole in the store's one pack (git
 * verify-pack -v shows no depth and base for it). */
static int whole_in_pack(ws_store *s, const char *rev)
{
	char cmd[17000], line[256];
	int whole = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "git verify-pack -v '%s'/pack-*.idx | "
		 "grep \"^$(git --git-dir='%s' rev-parse '%s') \"",
		 pack_dir(s), ws_store_root(s), rev);
	if (!(p = popen(cmd, "r")))
		return 0;
	while (fgets(line, sizeof(line), p)) {
		char id[64], type[16], base[64];
		long long size, in_pack, off;
		int depth;
		whole = sscanf(line, "%63s %15s %lld %lld %lld %d %63s", id,
			       type, &size, &in_pack, &off, &depth, base) == 5;
	}
	return pclose(p) == 0 && whole;
}

/* Every tree reads back through a fresh repository (libgit2 checks each
 * object's id against its content) with the size git reads. */
static int trees_readable(ws_store *s)
{
	char cmd[8400], line[256];
	git_repository *fresh = NULL;
	git_odb *odb = NULL;
	int ok, trees = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "git --git-dir='%s' cat-file --batch-all-objects "
		 "--batch-check='%%(objecttype) %%(objectname) %%(objectsize)'",
		 ws_store_root(s));
	ok = git_repository_open_bare(&fresh, ws_store_root(s)) == 0 &&
	     git_repository_odb(&odb, fresh) == 0 && (p = popen(cmd, "r"));
	while (ok && fgets(line, sizeof(line), p)) {
		char type[16], hex[64];
		unsigned long long size;
		git_oid id;
		git_odb_object *obj = NULL;
		if (sscanf(line, "%15s %63s %llu", type, hex, &size) != 3 ||
		    strcmp(type, "tree"))
			continue;
		ok = git_oid_fromstr(&id, hex) == 0 &&
		     git_odb_read(&obj, odb, &id) == 0 &&
		     git_odb_object_size(obj) == size;
		git_odb_object_free(obj);
		trees++;
	}
	if (ok)
		ok = pclose(p) == 0 && trees > 0;
	git_odb_free(odb);
	git_repository_free(fresh);
	return ok;
}

/* Writes every object as git reads it to <tmpdir>/<name>. */
static int dump_objects(ws_store *s, const char *name)
{
	char cmd[17000];

	snprintf(cmd, sizeof(cmd),
		 "git --git-dir='%s' cat-file --batch-all-objects --batch "
		 ">'%s/%s'",
		 ws_store_root(s), unit_tmpdir(), name);
	return system(cmd) == 0 ? 0 : -1;
}

static int same_files(const char *a, const char *b)
{
	char cmd[17000];

	snprintf(cmd, sizeof(cmd), "cmp -s '%s/%s' '%s/%s'", unit_tmpdir(), a,
		 unit_tmpdir(), b);
	return system(cmd) == 0;
}

/* 300 adds into two directories: merged into one pack, the trees are
 * deltas against their previous versions, and read back the same. */
TEST(test_packmerge__stores_changed_trees_as_deltas)
{
	ws_store *s = NULL;
	long long whole, packed;
	int deltas;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(add_modules(s, 0, 300));
	ASSERT_OK(dump_objects(s, "before"));
	ASSERT_CODE(1, merge_now(s, 1));
	ASSERT(count_ext(s, ".pack") == 1);
	ASSERT(git_ok(s, "fsck --full --strict"));
	ASSERT(packs_verify(s));
	ASSERT_OK(dump_objects(s, "after"));
	ASSERT(same_files("before", "after"));
	ASSERT(trees_readable(s));
	/* lib/ and bin/ change by one entry per add: nearly all deltas (one
	 * in 17 stays whole: the chains' limit) */
	deltas = deltas_after_bases(s);
	ASSERT(deltas >= 250);
	/* the head's trees stay whole: reading them applies no delta */
	ASSERT(whole_in_pack(s, "HEAD^{tree}"));
	ASSERT(whole_in_pack(s, "HEAD:lib"));
	ASSERT(!whole_in_pack(s, "HEAD~3:lib"));
	whole = object_bytes(s);
	packed = pack_bytes(s);
	printf("# 300 adds: objects %lld bytes, pack %lld bytes, %d deltas\n",
	       whole, packed, deltas);
	ASSERT(whole > 0 && packed > 0 && packed < whole / 5);

	/* merged again with newer packs: the deltas are copied as they are,
	 * the new trees become deltas against the old ones */
	ASSERT_OK(add_modules(s, 300, 320));
	ASSERT_CODE(1, merge_now(s, 1));
	ASSERT(count_ext(s, ".pack") == 1);
	ASSERT(git_ok(s, "fsck --full --strict"));
	ASSERT(packs_verify(s));
	ASSERT(trees_readable(s));
	ASSERT(deltas_after_bases(s) >= deltas + 15);
	ASSERT(pack_bytes(s) < object_bytes(s) / 5);
	ASSERT(whole_in_pack(s, "HEAD:lib"));
	ASSERT(!whole_in_pack(s, "HEAD~1:lib")); /* the old head's, now */
	ws_store_free(s);
}

/* Trees that come back to an earlier version (a module added, then
 * removed) never become deltas of their own deltas. */
TEST(test_packmerge__trees_that_come_back_make_no_cycle)
{
	ws_store *s = NULL;
	unsigned char buf[16];
	char hash[WS_HASH_HEXSIZE + 1];
	size_t len = module_n(buf, 9999);

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(add_modules(s, 0, 40));
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 3; i++) {
			ASSERT_OK(ws_module_add_buffer(hash, s, NULL,
						       "lib/back.wasm", buf,
						       len));
			ASSERT_OK(ws_module_remove(s, NULL, "lib/back.wasm"));
		}
		ASSERT_OK(add_modules(s, 40 + (unsigned)round, 41 + (unsigned)round));
		ASSERT(merge_now(s, 1) >= 0);
		ASSERT(count_ext(s, ".pack") == 1);
		ASSERT(git_ok(s, "fsck --full --strict"));
		ASSERT(packs_verify(s));
		ASSERT(trees_readable(s));
		ASSERT(deltas_after_bases(s) > 0);
	}
	ws_store_free(s);
}

/* The newest packs merged alone: their first commit's parent is in the
 * old pack, so its trees are first met as bases; when a later commit
 * brings them back they must not become deltas against their own
 * deltas. */
TEST(test_packmerge__a_tree_met_as_a_base_first_makes_no_cycle)
{
	ws_store *s = NULL;
	unsigned char buf[16];
	char hash[WS_HASH_HEXSIZE + 1];
	size_t len = module_n(buf, 9999);

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(add_modules(s, 0, 60));
	ASSERT_CODE(1, merge_now(s, 1));
	ASSERT_OK(add_modules(s, 60, 61)); /* lib/ as it comes back */
	ASSERT_OK(ws_module_add_buffer(hash, s, NULL, "lib/back.wasm", buf,
				       len));
	ASSERT_OK(ws_module_remove(s, NULL, "lib/back.wasm"));
	ASSERT(count_ext(s, ".pack") >= 3);
	/* the old pack is far larger: the new ones are merged alone */
	ASSERT_CODE(1, merge_now(s, 2));
	ASSERT(count_ext(s, ".pack") == 2);
	ASSERT(git_ok(s, "fsck --full --strict"));
	ASSERT(packs_verify(s));
	ASSERT(trees_readable(s));
	ASSERT_CODE(1, merge_now(s, 1));
	ASSERT(git_ok(s, "fsck --full --strict"));
	ASSERT(trees_readable(s));
	ASSERT(deltas_after_bases(s) > 50);
	ws_store_free(s);
}

/* How many deltas in the store's packs are not trees. */
static long long other_deltas(ws_store *s)
{
	char args[8400];

	snprintf(args, sizeof(args),
		 "verify-pack -v '%s'/pack-*.idx | "
		 "awk 'NF == 7 && $2 != \"tree\" { n++ } END { print n + 0 }'",
		 pack_dir(s));
	return git_sum(s, args);
}

/* gc rewrites what history keeps with libgit2's pack builder (deltas of
 * every kind, 50 deep), then merges all into one pack: the trees' deltas
 * are copied as they are, blobs and commits are written whole. */
TEST(test_packmerge__after_gc_trees_are_deltas_and_the_rest_whole)
{
	ws_store *s = NULL;
	size_t deleted = 0;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(add_modules(s, 0, 150));
	ASSERT_OK(ws_branch_create(s, "keep", NULL));
	ASSERT_OK(ws_module_remove(s, NULL, "lib/m0001.wasm"));
	ASSERT_OK(add_modules(s, 150, 160));
	ws_upkeep__drain(); /* a merge made after gc's start hides garbage */
	ASSERT_OK(ws_gc(&deleted, s, "main"));
	ASSERT(deleted > 0);
	ASSERT(count_ext(s, ".pack") == 1);
	ASSERT(git_ok(s, "fsck --full --strict"));
	ASSERT(packs_verify(s));
	ASSERT(trees_readable(s));
	ASSERT(deltas_after_bases(s) > 100);
	ASSERT(other_deltas(s) == 0);
	ws_store_free(s);
}

/* Objects in several packs, deltas in some and whole in another: merged,
 * one copy each (a whole one where there is one), as readable and as
 * small. */
TEST(test_packmerge__keeps_whole_copies_of_objects_in_several_packs)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	char name[64] = "", cmd[17000];
	FILE *p;
	struct dirent *de;
	DIR *d;
	int deltas;

	ASSERT_OK(fixture_open(&s, "store"));
	ASSERT_OK(add_modules(s, 0, 100));
	ASSERT_CODE(1, merge_now(s, 1));
	ASSERT((deltas = deltas_after_bases(s)) > 50);
	ASSERT((d = opendir(pack_dir(s))));
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".idx"))
			snprintf(name, sizeof(name), "%.45s", de->d_name);
	closedir(d);
	/* the same pack under another name, and every tree again whole */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && cp %s.pack pack-%040d.pack && cp %s.idx pack-%040d.idx",
		 pack_dir(s), name, 0, name, 0);
	ASSERT(system(cmd) == 0);
	ASSERT_OK(attach(&b, s));
	snprintf(cmd, sizeof(cmd),
		 "git --git-dir='%s' cat-file --batch-all-objects "
		 "--batch-check='%%(objecttype) %%(objectname)'",
		 ws_store_root(s));
	ASSERT((p = popen(cmd, "r")));
	while (fgets(cmd, sizeof(cmd), p)) {
		git_oid id, again;
		git_odb_object *obj = NULL;
		git_odb *odb = NULL;
		if (strncmp(cmd, "tree ", 5) || git_oid_fromstrn(&id, cmd + 5, 40))
			continue;
		ASSERT(git_repository_odb(&odb, s->repo) == 0);
		ASSERT(git_odb_read(&obj, odb, &id) == 0);
		ASSERT_OK(ws_objbatch_put(b, &again, GIT_OBJECT_TREE,
					  git_odb_object_data(obj),
					  git_odb_object_size(obj)));
		ASSERT(git_oid_equal(&id, &again));
		git_odb_object_free(obj);
		git_odb_free(odb);
	}
	ASSERT(pclose(p) == 0);
	ASSERT_OK(ws_objbatch_flush(b));
	ASSERT(count_ext(s, ".pack") == 3);
	ASSERT_CODE(1, merge_now(s, 1));
	ASSERT(count_ext(s, ".pack") == 1);
	ASSERT(git_ok(s, "fsck --full --strict"));
	ASSERT(packs_verify(s));
	ASSERT(trees_readable(s));
	/* the whole copies were kept, then paired again as before */
	ASSERT(deltas_after_bases(s) == deltas);
	ws_store_free(s);
}
