/*
 * packmerge.c - keeps objects/pack small in count: merges packs
 * geometrically (as `git repack --geometric=2` does) and removes what
 * crashed writers left behind. See ws_store__pack_consolidate in objbatch.h.
 */
#include "objbatch.h"

#include "packwrite.h"

#include <git2/sys/odb_backend.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A crashed writer's files are this old before we remove them: a live
 * writer touches its files far more often. */
#define LEFTOVER_AGE (10 * 60)

typedef struct {
	char name[64]; /* "pack-<hex>", no extension */
	uint32_t count; /* objects */
} pack_info;

typedef struct {
	pack_info *packs;
	size_t count, cap;
} pack_list;

typedef struct {
	git_oid id;
	uint32_t src; /* index of the pack it comes from */
} merge_object;

typedef struct {
	merge_object *objs;
	size_t count, cap;
	uint32_t src;
} merge_list;

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* 1 if "<dir>/<base><ext>" exists. */
static int sibling_exists(int dirfd, const char *base, size_t base_len,
			  const char *ext)
{
	char path[NAME_MAX + 16];

	snprintf(path, sizeof(path), "%.*s%s", (int)base_len, base, ext);
	return faccessat(dirfd, path, F_OK, 0) == 0;
}

/* ---- leftovers of crashed writers ---- */

/* Our own, git's and libgit2's temporary names in objects/pack. */
static int is_temporary(const char *name)
{
	return !strncmp(name, "tmp_", 4) || strstr(name, "_git2_") ||
	       has_suffix(name, ".lock");
}

static void remove_leftovers(int dirfd)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	time_t old = time(NULL) - LEFTOVER_AGE;
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d); /* the offset is shared with dirfd */
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		int orphan;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtime > old)
			continue;
		orphan = !strncmp(name, "pack-", 5) && has_suffix(name, ".pack") &&
			 !sibling_exists(dirfd, name, strlen(name) - 5, ".idx");
		if (orphan || is_temporary(name))
			unlinkat(dirfd, name, 0);
	}
	closedir(d);
}

/* ---- which packs there are ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The number of objects in a pack: the last fan-out entry of its index
 * (v2 after an 8-byte header, v1 at the start). */
static int index_count(uint32_t *out, int dirfd, const char *idx)
{
	unsigned char head[8], n[4];
	off_t at;
	int fd = openat(dirfd, idx, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = pread(fd, head, 8, 0) == 8;
	at = ok && !memcmp(head, "\377tOc", 4) ? 8 + 255 * 4 : 255 * 4;
	ok = ok && pread(fd, n, 4, at) == 4;
	close(fd);
	if (!ok)
		return -1;
	*out = be32(n);
	return 0;
}

/* Packs with both files and no .keep, in any order. */
static int list_packs(pack_list *out, int dirfd)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return ws_error_set(WS_ERROR, "reading the pack directory: %s",
				    strerror(errno));
	}
	rewinddir(d); /* the offset is shared with dirfd */
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t base = strlen(name) - 4;
		pack_info *p;
		if (strncmp(name, "pack-", 5) || !has_suffix(name, ".idx") ||
		    base >= sizeof(p->name) ||
		    sibling_exists(dirfd, name, base, ".keep") ||
		    !sibling_exists(dirfd, name, base, ".pack"))
			continue;
		if (out->count == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 32;
			pack_info *more = realloc(out->packs, cap * sizeof(*more));
			if (!more) {
				closedir(d);
				return ws_error_set(WS_ERROR, "out of memory");
			}
			out->packs = more;
			out->cap = cap;
		}
		p = &out->packs[out->count];
		snprintf(p->name, sizeof(p->name), "%.*s", (int)base, name);
		if (index_count(&p->count, dirfd, name) == 0)
			out->count++; /* unreadable: a reader would skip it too */
	}
	closedir(d);
	return 0;
}

static int by_count(const void *a, const void *b)
{
	uint32_t x = ((const pack_info *)a)->count;
	uint32_t y = ((const pack_info *)b)->count;

	return x < y ? -1 : x > y;
}

/*
 * How many of the smallest packs (sorted by count) to merge: all up to the
 * largest pack that holds fewer than twice the objects of all smaller packs
 * together, and at least enough that `max` packs remain.
 */
static size_t packs_to_merge(const pack_info *p, size_t n, unsigned max)
{
	uint64_t smaller = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && p[i].count < 2 * smaller)
			k = i + 1;
		smaller += p[i].count;
	}
	if (n > max && k < n - max + 1)
		k = n - max + 1; /* k merged become one: n - k + 1 <= max */
	return k > n ? n : k;
}

/* ---- merging ---- */

static int collect_id(const git_oid *id, void *payload)
{
	merge_list *l = payload;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		merge_object *more = realloc(l->objs, cap * sizeof(*more));
		if (!more) {
			ws_error_set(WS_ERROR, "out of memory");
			return -1;
		}
		l->objs = more;
		l->cap = cap;
	}
	git_oid_cpy(&l->objs[l->count].id, id);
	l->objs[l->count++].src = l->src;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return git_oid_cmp(&((const merge_object *)a)->id,
			   &((const merge_object *)b)->id);
}

/* An object database holding just the pack `name`, and its ids. */
static int open_pack(git_odb **out, merge_list *ids, const char *dir,
		     const char *name)
{
	char idx[PATH_MAX + 80];
	git_odb_backend *backend = NULL;
	int error = 0;

	snprintf(idx, sizeof(idx), "%s/%s.idx", dir, name);
	if (git_odb_new(out) < 0 ||
	    git_odb_backend_one_pack(&backend, idx) < 0 ||
	    git_odb_add_backend(*out, backend, 1) < 0) {
		if (backend)
			backend->free(backend);
		return ws_error__git(WS_ERROR, "merging packs: opening a pack");
	}
	ws_error__clear();
	if (git_odb_foreach(*out, collect_id, ids) < 0)
		error = *ws_error_last() ? WS_ERROR
					 : ws_error__git(WS_ERROR,
							 "merging packs: listing a pack");
	return error;
}

/* Removes a merged pack: its index first, so no reader picks a pack
 * whose data is gone, then the pack and whatever git keeps beside it. */
static int remove_pack(int dirfd, const char *name)
{
	static const char *const rest[] = { ".pack", ".rev", ".bitmap",
					    ".mtimes", ".promisor" };
	char path[96];

	snprintf(path, sizeof(path), "%s.idx", name);
	if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
		return ws_error_set(WS_ERROR, "removing merged pack '%s': %s",
				    path, strerror(errno));
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", name, rest[i]);
		if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
			return ws_error_set(WS_ERROR,
					    "removing merged pack '%s': %s",
					    path, strerror(errno));
	}
	return 0;
}

/* Writes the objects of packs[0..k) into one durable pack, then removes
 * those packs. */
static int merge_packs(const char *dir, int dirfd, const pack_info *packs,
		       size_t k)
{
	git_odb **odbs = calloc(k, sizeof(*odbs));
	merge_list ids = { 0 };
	ws_packw *w = NULL;
	char name[GIT_OID_HEXSZ + 1] = "";
	size_t n = 0;
	int error = 0;

	if (!odbs)
		return ws_error_set(WS_ERROR, "out of memory");
	for (size_t i = 0; i < k && !error; i++) {
		ids.src = (uint32_t)i;
		error = open_pack(&odbs[i], &ids, dir, packs[i].name);
	}
	if (error)
		goto done;
	/* the same object may sit in two packs (two writers raced) */
	qsort(ids.objs, ids.count, sizeof(merge_object), by_id);
	for (size_t i = 0; i < ids.count; i++)
		if (!n || !git_oid_equal(&ids.objs[n - 1].id, &ids.objs[i].id))
			ids.objs[n++] = ids.objs[i];
	if (n > UINT32_MAX) {
		error = ws_error_set(WS_ERROR, "merging packs: too many objects");
		goto done;
	}
	if (n) {
		if ((error = ws_packw_open(&w, dir, (uint32_t)n)) < 0)
			goto done;
		for (size_t i = 0; i < n && !error; i++) {
			git_odb_object *obj = NULL;
			if (git_odb_read(&obj, odbs[ids.objs[i].src],
					 &ids.objs[i].id) < 0) {
				error = ws_error__git(WS_ERROR,
						      "merging packs: reading an object");
				break;
			}
			error = ws_packw_add(w, git_odb_object_id(obj),
					     git_odb_object_type(obj),
					     git_odb_object_data(obj),
					     git_odb_object_size(obj));
			git_odb_object_free(obj);
		}
		if (error) {
			ws_packw_abort(w);
			goto done;
		}
		if ((error = ws_packw_finish(w, 1, name)) < 0)
			goto done;
	}
	for (size_t i = 0; i < k && !error; i++) {
		/* the merged pack may be byte for byte one of its sources */
		if (*name && !strcmp(packs[i].name + 5, name))
			continue;
		git_odb_free(odbs[i]);
		odbs[i] = NULL;
		error = remove_pack(dirfd, packs[i].name);
	}
done:
	for (size_t i = 0; i < k; i++)
		git_odb_free(odbs[i]);
	free(odbs);
	free(ids.objs);
	return error;
}

/* ---- the entry point ---- */

static int consolidate(ws_store *store, unsigned max_packs)
{
	char dir[PATH_MAX + 16];
	pack_list list = { 0 };
	int dirfd, error;
	size_t k;

	snprintf(dir, sizeof(dir), "%s/objects/pack", store->root);
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0
				       : ws_error_set(WS_ERROR, "opening '%s': %s",
						      dir, strerror(errno));
	remove_leftovers(dirfd);
	if ((error = list_packs(&list, dirfd)) < 0 || list.count <= max_packs)
		goto done;
	qsort(list.packs, list.count, sizeof(pack_info), by_count);
	k = packs_to_merge(list.packs, list.count, max_packs);
	if (k >= 2)
		error = merge_packs(dir, dirfd, list.packs, k);
done:
	free(list.packs);
	close(dirfd);
	return error;
}

int ws_store__pack_consolidate(ws_store *store, unsigned max_packs)
{
	char path[PATH_MAX + 32];
	int fd, error;

	snprintf(path, sizeof(path), "%s/wasmstore/pack.lock", store->root);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return ws_error_set(WS_ERROR, "opening '%s': %s", path,
				    strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		error = errno == EWOULDBLOCK
				? 0 /* another process is at it */
				: ws_error_set(WS_ERROR, "locking '%s': %s",
					       path, strerror(errno));
		close(fd);
		return error;
	}
	if ((error = ws_store__lock(store, 0)) == 0) {
		error = consolidate(store, max_packs);
		ws_store__unlock(store);
	}
	close(fd); /* releases pack.lock */
	return error;
}
