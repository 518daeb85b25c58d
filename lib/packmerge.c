/*
 * packmerge.c - keeps objects/pack small in count: merges packs
 * geometrically (as `git repack --geometric=2` does) and removes what
 * crashed writers left behind. See ws_store__pack_consolidate in objbatch.h.
 */
#include "objbatch.h"

#include "packread.h"
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
	uint64_t size; /* of the .pack: what merging it costs */
} pack_info;

typedef struct {
	pack_info *packs;
	size_t count, cap;
	int extras; /* some pack has a .rev, .bitmap, ... beside it */
} pack_list;

/* A pack being merged: mapped, or (index not v2) read through libgit2. */
typedef struct {
	ws_packr map;
	git_odb *odb; /* opened when an entry must be inflated */
} source;

typedef struct {
	ws_packr_entry e; /* e.len 0: read it through libgit2 */
	uint32_t src;     /* index of its source */
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

static int is_extra(const char *name)
{
	return has_suffix(name, ".rev") || has_suffix(name, ".bitmap") ||
	       has_suffix(name, ".mtimes") || has_suffix(name, ".promisor");
}

/* Packs with both files and no .keep, in any order. */
static int list_packs(pack_list *out, int dirfd)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
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
		char pack[NAME_MAX + 16];
		size_t base;
		pack_info *p;
		out->extras |= is_extra(name);
		if (strncmp(name, "pack-", 5) || !has_suffix(name, ".idx") ||
		    (base = strlen(name) - 4) >= sizeof(p->name) ||
		    sibling_exists(dirfd, name, base, ".keep"))
			continue;
		snprintf(pack, sizeof(pack), "%.*s.pack", (int)base, name);
		if (fstatat(dirfd, pack, &st, 0) < 0)
			continue; /* readers skip it too */
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
		p = &out->packs[out->count++];
		snprintf(p->name, sizeof(p->name), "%.*s", (int)base, name);
		p->size = (uint64_t)st.st_size;
	}
	closedir(d);
	return 0;
}

static int by_size(const void *a, const void *b)
{
	uint64_t x = ((const pack_info *)a)->size;
	uint64_t y = ((const pack_info *)b)->size;

	return x < y ? -1 : x > y;
}

/*
 * How many of the smallest packs (sorted by size) to merge: all up to the
 * largest pack that is smaller than twice all smaller packs together, and
 * at least enough that `max` packs remain. Sizes rather than object counts
 * (git's weight): a merge costs bytes, and a pack of a few large modules
 * should not be rewritten for the sake of many small trees and commits.
 */
static size_t packs_to_merge(const pack_info *p, size_t n, unsigned max)
{
	uint64_t smaller = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && p[i].size < 2 * smaller)
			k = i + 1;
		smaller += p[i].size;
	}
	if (n > max && k < n - max + 1)
		k = n - max + 1; /* k merged become one: n - k + 1 <= max */
	return k > n ? n : k;
}

/* ---- merging ---- */

static merge_object *list_push(merge_list *l)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		merge_object *more = realloc(l->objs, cap * sizeof(*more));
		if (!more)
			return NULL;
		l->objs = more;
		l->cap = cap;
	}
	memset(&l->objs[l->count], 0, sizeof(merge_object));
	l->objs[l->count].src = l->src;
	return &l->objs[l->count++];
}

static int collect_id(const git_oid *id, void *payload)
{
	merge_object *o = list_push(payload);

	if (!o) {
		ws_error_set(WS_ERROR, "out of memory");
		return -1;
	}
	git_oid_cpy(&o->e.id, id);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return git_oid_cmp(&((const merge_object *)a)->e.id,
			   &((const merge_object *)b)->e.id);
}

/* The pack as an object database of its own (for what must be inflated). */
static int open_odb(source *s, const char *dir, const char *name)
{
	char idx[PATH_MAX + 80];
	git_odb_backend *backend = NULL;

	if (s->odb)
		return 0;
	snprintf(idx, sizeof(idx), "%s/%s.idx", dir, name);
	if (git_odb_new(&s->odb) < 0 ||
	    git_odb_backend_one_pack(&backend, idx) < 0 ||
	    git_odb_add_backend(s->odb, backend, 1) < 0) {
		if (backend)
			backend->free(backend);
		return ws_error__git(WS_ERROR, "merging packs: opening a pack");
	}
	return 0;
}

/* Adds the pack's objects to `ids`: from its index when it is v2 (then
 * they can be copied as they are), else through libgit2. */
static int collect_pack(merge_list *ids, source *s, int dirfd,
			const char *dir, const char *name)
{
	ws_packr_entry *entries = NULL;

	if (ws_packr_open(&s->map, dirfd, name) == 0 &&
	    (entries = malloc((s->map.count + 1) * sizeof(*entries))) &&
	    ws_packr_entries(entries, &s->map) == 0) {
		for (uint32_t i = 0; i < s->map.count; i++) {
			merge_object *o = list_push(ids);
			if (!o) {
				free(entries);
				return ws_error_set(WS_ERROR, "out of memory");
			}
			o->e = entries[i];
		}
		free(entries);
		return 0;
	}
	free(entries); /* odd or old index: let libgit2 judge */
	if (open_odb(s, dir, name) < 0)
		return WS_ERROR;
	ws_error__clear();
	if (git_odb_foreach(s->odb, collect_id, ids) < 0)
		return *ws_error_last() ? WS_ERROR
					: ws_error__git(WS_ERROR,
							"merging packs: listing a pack");
	return 0;
}

/* Appends one object to the merged pack: copied when whole, else read. */
static int copy_object(ws_packw *w, source *s, const merge_object *o,
		       const char *dir, const char *name)
{
	git_odb_object *obj = NULL;
	int error;

	if (o->e.len && ws_packr_is_whole(&s->map, &o->e))
		return ws_packw_add_raw(w, &o->e.id, s->map.pack + o->e.offset,
					(size_t)o->e.len, o->e.crc);
	if ((error = open_odb(s, dir, name)) < 0)
		return error;
	if (git_odb_read(&obj, s->odb, &o->e.id) < 0)
		return ws_error__git(WS_ERROR, "merging packs: reading an object");
	error = ws_packw_add(w, &o->e.id, git_odb_object_type(obj),
			     git_odb_object_data(obj), git_odb_object_size(obj));
	git_odb_object_free(obj);
	return error;
}

/* Removes a merged pack: its index first, so no reader picks a pack
 * whose data is gone, then the pack and whatever git keeps beside it. */
static int remove_pack(int dirfd, const char *name, int extras)
{
	static const char *const rest[] = { ".pack", ".rev", ".bitmap",
					    ".mtimes", ".promisor" };
	size_t n = extras ? sizeof(rest) / sizeof(rest[0]) : 1;
	char path[96];

	snprintf(path, sizeof(path), "%s.idx", name);
	if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
		return ws_error_set(WS_ERROR, "removing merged pack '%s': %s",
				    path, strerror(errno));
	for (size_t i = 0; i < n; i++) {
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
static int merge_packs(const char *dir, int dirfd, const pack_list *list,
		       size_t k)
{
	const pack_info *packs = list->packs;
	source *srcs = calloc(k, sizeof(*srcs));
	merge_list ids = { 0 };
	ws_packw *w = NULL;
	char name[GIT_OID_HEXSZ + 1] = "";
	size_t n = 0;
	int error = 0;

	if (!srcs)
		return ws_error_set(WS_ERROR, "out of memory");
	for (size_t i = 0; i < k && !error; i++) {
		ids.src = (uint32_t)i;
		error = collect_pack(&ids, &srcs[i], dirfd, dir, packs[i].name);
	}
	if (error)
		goto done;
	/* the same object may sit in two packs (two writers raced) */
	qsort(ids.objs, ids.count, sizeof(merge_object), by_id);
	for (size_t i = 0; i < ids.count; i++)
		if (!n || !git_oid_equal(&ids.objs[n - 1].e.id, &ids.objs[i].e.id))
			ids.objs[n++] = ids.objs[i];
	if (n > UINT32_MAX) {
		error = ws_error_set(WS_ERROR, "merging packs: too many objects");
		goto done;
	}
	if (n) {
		if ((error = ws_packw_open(&w, dir, (uint32_t)n)) < 0)
			goto done;
		for (size_t i = 0; i < n && !error; i++) {
			const merge_object *o = &ids.objs[i];
			error = copy_object(w, &srcs[o->src], o, dir,
					    packs[o->src].name);
		}
		if (error) {
			ws_packw_abort(w);
			goto done;
		}
		/* one syncfs makes pack, idx and their names durable: cheaper
		 * than an fsync of each (and the store syncs this way too) */
		if ((error = ws_packw_finish(w, 0, name)) < 0)
			goto done;
		if (syncfs(dirfd) < 0) {
			error = ws_error_set(WS_ERROR, "syncing merged pack: %s",
					     strerror(errno));
			goto done;
		}
	}
	for (size_t i = 0; i < k && !error; i++) {
		/* the merged pack may be byte for byte one of its sources */
		if (*name && !strcmp(packs[i].name + 5, name))
			continue;
		error = remove_pack(dirfd, packs[i].name, list->extras);
	}
done:
	for (size_t i = 0; i < k; i++) {
		ws_packr_close(&srcs[i].map);
		git_odb_free(srcs[i].odb);
	}
	free(srcs);
	free(ids.objs);
	return error;
}

/* ---- the entry point ---- */

/* An upper bound on the number of packs, cheaply: their indexes, kept or
 * not, readable or not. */
static size_t count_indexes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, "pack-", 5) &&
		     has_suffix(de->d_name, ".idx");
	if (d)
		closedir(d);
	return n;
}

/* Merges if needed; 1 if it did. Looks for leftovers when `cleanup`. */
static int consolidate(const char *dir, unsigned max_packs, int cleanup)
{
	pack_list list = { 0 };
	int dirfd, error;
	size_t k;

	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0
				       : ws_error_set(WS_ERROR, "opening '%s': %s",
						      dir, strerror(errno));
	if (cleanup)
		remove_leftovers(dirfd);
	if ((error = list_packs(&list, dirfd)) < 0 || list.count <= max_packs)
		goto done;
	qsort(list.packs, list.count, sizeof(pack_info), by_size);
	k = packs_to_merge(list.packs, list.count, max_packs);
	if (k >= 2 && (error = merge_packs(dir, dirfd, &list, k)) == 0)
		error = 1; /* the caller says so to other handles */
done:
	free(list.packs);
	close(dirfd);
	return error;
}

int ws_store__pack_consolidate(ws_store *store, unsigned max_packs)
{
	char lock[PATH_MAX + 32], dir[PATH_MAX + 16];
	struct stat st;
	int fd, error, cleanup;

	/* This runs after every batch: usually a stat and one readdir. The
	 * lock file's time says when leftovers were last looked for. */
	snprintf(lock, sizeof(lock), "%s/wasmstore/pack.lock", store->root);
	snprintf(dir, sizeof(dir), "%s/objects/pack", store->root);
	cleanup = stat(lock, &st) < 0 || st.st_mtime < time(NULL) - LEFTOVER_AGE;
	if (!cleanup && count_indexes(dir) <= max_packs)
		return 0;
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return ws_error_set(WS_ERROR, "opening '%s': %s", lock,
				    strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		error = errno == EWOULDBLOCK
				? 0 /* another process is at it */
				: ws_error_set(WS_ERROR, "locking '%s': %s",
					       lock, strerror(errno));
		close(fd);
		return error;
	}
	if (cleanup)
		futimens(fd, NULL); /* the next look is due in 10 minutes */
	if ((error = ws_store__lock(store, 0)) == 0) {
		error = consolidate(dir, max_packs, cleanup);
		ws_store__unlock(store);
		if (error > 0)
			ws_store__packs_deleted(store->root);
	}
	close(fd); /* releases pack.lock */
	return error;
}
