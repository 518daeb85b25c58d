/*
 * packmerge.c - keeps objects/pack small in count: merges packs
 * geometrically (as `git repack --geometric=2` does), copying entries as
 * they are, trees that changed as deltas (packdelta.c), and removes what
 * crashed writers left behind. See ws_store__pack_consolidate in objbatch.h.
 */
#include "objbatch.h"

#include "packmerge.h"
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

/* The objects of the packs being merged, as they are collected. */
typedef struct {
	ws_packmerge_object *objs;
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

static ws_packmerge_object *list_push(merge_list *l)
{
	ws_packmerge_object *o;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		ws_packmerge_object *more = realloc(l->objs, cap * sizeof(*more));
		if (!more)
			return NULL;
		l->objs = more;
		l->cap = cap;
	}
	o = &l->objs[l->count++];
	memset(o, 0, sizeof(*o));
	o->src = l->src;
	o->base = WS_PACKMERGE_NONE;
	o->kind = GIT_OBJECT_INVALID;
	o->how = WS_PACKMERGE_INFLATE;
	return o;
}

static int collect_id(const git_oid *id, void *payload)
{
	ws_packmerge_object *o = list_push(payload);

	if (!o) {
		ws_error_set(WS_ERROR, "out of memory");
		return -1;
	}
	git_oid_cpy(&o->e.id, id);
	return 0;
}

/* Of an object in several packs (two writers raced, or it came back),
 * the copy kept: a whole one, else one libgit2 reads (written whole),
 * else a delta from the first pack holding it. A delta kept has its base
 * in its own pack, so the base's copy comes from that pack or an earlier
 * one: no chain of kept deltas can come back to where it started. */
static int rank(const ws_packmerge_object *o)
{
	return o->how == WS_PACKMERGE_COPY ? 0
	       : o->how == WS_PACKMERGE_INFLATE ? 1
						: 2;
}

static int by_id_then_rank(const void *a, const void *b)
{
	const ws_packmerge_object *x = a, *y = b;
	int c = git_oid_cmp(&x->e.id, &y->e.id);

	if (!c)
		c = rank(x) - rank(y);
	return c ? c : (x->src > y->src) - (x->src < y->src);
}

int ws_packmerge__odb(git_odb **out, ws_packmerge *m, uint32_t src)
{
	ws_packmerge_source *s = &m->srcs[src];
	char idx[PATH_MAX + 80];
	git_odb_backend *backend = NULL;

	*out = s->odb;
	if (s->odb)
		return 0;
	snprintf(idx, sizeof(idx), "%s/%s.idx", m->dir, s->name);
	if (git_odb_new(&s->odb) < 0 ||
	    git_odb_backend_one_pack(&backend, idx) < 0 ||
	    git_odb_add_backend(s->odb, backend, 1) < 0) {
		if (backend)
			backend->free(backend);
		git_odb_free(s->odb);
		s->odb = NULL;
		return ws_error__git(WS_ERROR, "merging packs: opening a pack");
	}
	*out = s->odb;
	return 0;
}

/* Adds the pack's objects to `ids`: from its index when it is v2 (then
 * whole objects and REF_DELTAs can be copied as they are), else through
 * libgit2. */
static int collect_pack(merge_list *ids, ws_packmerge *m, int dirfd)
{
	ws_packmerge_source *s = &m->srcs[ids->src];
	ws_packr_entry *entries = NULL;
	git_odb *odb;

	if (ws_packr_open(&s->map, dirfd, s->name) == 0 &&
	    (entries = malloc((s->map.count + 1) * sizeof(*entries))) &&
	    ws_packr_entries(entries, &s->map) == 0) {
		for (uint32_t i = 0; i < s->map.count; i++) {
			ws_packmerge_object *o = list_push(ids);
			if (!o) {
				free(entries);
				return ws_error_set(WS_ERROR, "out of memory");
			}
			o->e = entries[i];
			o->kind = (int8_t)ws_packr_copyable(&s->map, &o->e,
							    &o->base_id);
			o->how = o->kind == GIT_OBJECT_REF_DELTA
					 ? WS_PACKMERGE_COPY_DELTA
				 : o->kind == GIT_OBJECT_INVALID
					 ? WS_PACKMERGE_INFLATE
					 : WS_PACKMERGE_COPY;
		}
		free(entries);
		return 0;
	}
	free(entries); /* odd or old index: let libgit2 judge */
	if (ws_packmerge__odb(&odb, m, ids->src) < 0)
		return WS_ERROR;
	ws_error__clear();
	if (git_odb_foreach(odb, collect_id, ids) < 0)
		return *ws_error_last() ? WS_ERROR
					: ws_error__git(WS_ERROR,
							"merging packs: listing a pack");
	return 0;
}

/* Appends one object to the merged pack as planned. */
static int write_object(ws_packw *w, ws_packmerge *m,
			const ws_packmerge_object *o)
{
	const ws_packr *map = &m->srcs[o->src].map;
	git_odb_object *obj = NULL;
	git_odb *odb;
	int error;

	switch (o->how) {
	case WS_PACKMERGE_COPY:
	case WS_PACKMERGE_COPY_DELTA:
		return ws_packw_add_raw(w, &o->e.id, map->pack + o->e.offset,
					(size_t)o->e.len, o->e.crc);
	case WS_PACKMERGE_NEW_DELTA:
		return ws_packw_add_ref_delta(w, &o->e.id,
					      &m->objs[o->base].e.id, o->delta,
					      o->delta_len);
	default:
		break;
	}
	if ((error = ws_packmerge__odb(&odb, m, o->src)) < 0)
		return error;
	if (git_odb_read(&obj, odb, &o->e.id) < 0)
		return ws_error__git(WS_ERROR, "merging packs: reading an object");
	error = ws_packw_add(w, &o->e.id, git_odb_object_type(obj),
			     git_odb_object_data(obj), git_odb_object_size(obj));
	git_odb_object_free(obj);
	return error;
}

/* The order to write the objects in: by depth, so every base comes
 * before its deltas (git's index-pack and libgit2 find bases by id
 * anyway; a reader going through the pack in order meets them first). */
static uint32_t *write_order(const ws_packmerge *m)
{
	size_t at[WS_PACKMERGE_MAX_DEPTH + 2] = { 0 };
	uint32_t *order = malloc((m->count ? m->count : 1) * sizeof(*order));

	if (!order)
		return NULL;
	for (size_t i = 0; i < m->count; i++)
		at[m->objs[i].depth + 1]++;
	for (size_t d = 1; d <= WS_PACKMERGE_MAX_DEPTH + 1; d++)
		at[d] += at[d - 1];
	for (size_t i = 0; i < m->count; i++)
		order[at[m->objs[i].depth]++] = (uint32_t)i;
	return order;
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

/* Writes the merged objects as planned into one pack, made durable. */
static int write_merged(ws_packmerge *m, int dirfd,
			char name[GIT_OID_HEXSZ + 1])
{
	ws_packw *w = NULL;
	uint32_t *order;
	int error = 0;

	if (m->count > UINT32_MAX)
		return ws_error_set(WS_ERROR, "merging packs: too many objects");
	if (!(order = write_order(m)))
		return ws_error_set(WS_ERROR, "out of memory");
	if ((error = ws_packw_open(&w, m->dir, (uint32_t)m->count)) < 0)
		goto done;
	for (size_t i = 0; i < m->count && !error; i++)
		error = write_object(w, m, &m->objs[order[i]]);
	if (error) {
		ws_packw_abort(w);
		goto done;
	}
	/* one syncfs makes pack, idx and their names durable: cheaper than
	 * an fsync of each (and the store syncs this way too) */
	if ((error = ws_packw_finish(w, 0, name)) < 0)
		goto done;
	if (syncfs(dirfd) < 0)
		error = ws_error_set(WS_ERROR, "syncing merged pack: %s",
				     strerror(errno));
done:
	free(order);
	return error;
}

/* Writes the objects of packs[0..k) into one durable pack, trees as
 * deltas where they pay (packdelta.c), then removes those packs. */
static int merge_packs(const char *dir, int dirfd, const pack_list *list,
		       size_t k)
{
	const pack_info *packs = list->packs;
	ws_packmerge m = { dir, calloc(k, sizeof(ws_packmerge_source)), k,
			   NULL, 0 };
	merge_list ids = { 0 };
	char name[GIT_OID_HEXSZ + 1] = "";
	size_t n = 0;
	int error = 0;

	if (!m.srcs)
		return ws_error_set(WS_ERROR, "out of memory");
	for (size_t i = 0; i < k && !error; i++) {
		snprintf(m.srcs[i].name, sizeof(m.srcs[i].name), "%s",
			 packs[i].name);
		ids.src = (uint32_t)i;
		error = collect_pack(&ids, &m, dirfd);
	}
	if (error)
		goto done;
	/* the same object may sit in two packs (two writers raced) */
	qsort(ids.objs, ids.count, sizeof(*ids.objs), by_id_then_rank);
	for (size_t i = 0; i < ids.count; i++)
		if (!n || !git_oid_equal(&ids.objs[n - 1].e.id, &ids.objs[i].e.id))
			ids.objs[n++] = ids.objs[i];
	m.objs = ids.objs;
	m.count = n;
	if (n && ((error = ws_packmerge__plan_deltas(&m)) < 0 ||
		  (error = write_merged(&m, dirfd, name)) < 0))
		goto done;
	for (size_t i = 0; i < k && !error; i++) {
		/* the merged pack may be byte for byte one of its sources */
		if (*name && !strcmp(packs[i].name + 5, name))
			continue;
		error = remove_pack(dirfd, packs[i].name, list->extras);
	}
done:
	for (size_t i = 0; i < k; i++) {
		ws_packr_close(&m.srcs[i].map);
		git_odb_free(m.srcs[i].odb);
	}
	for (size_t i = 0; i < n; i++)
		free(ids.objs[i].delta);
	free(m.srcs);
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

/* 1 when leftovers are due to be looked for: the lock file's time says
 * when they last were. */
static int cleanup_due(const char *lock)
{
	struct stat st;

	return stat(lock, &st) < 0 || st.st_mtime < time(NULL) - LEFTOVER_AGE;
}

int ws_store__pack_upkeep_due(const char *root, unsigned max_packs)
{
	char lock[PATH_MAX + 32], dir[PATH_MAX + 16];

	snprintf(lock, sizeof(lock), "%s/wasmstore/pack.lock", root);
	snprintf(dir, sizeof(dir), "%s/objects/pack", root);
	return cleanup_due(lock) || count_indexes(dir) > max_packs;
}

int ws_store__pack_consolidate(ws_store *store, unsigned max_packs)
{
	char lock[PATH_MAX + 32], dir[PATH_MAX + 16];
	int fd, error, cleanup;

	/* usually a stat and one readdir */
	snprintf(lock, sizeof(lock), "%s/wasmstore/pack.lock", store->root);
	snprintf(dir, sizeof(dir), "%s/objects/pack", store->root);
	cleanup = cleanup_due(lock);
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
