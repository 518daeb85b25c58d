/*
 * gc.c - squash a branch's history, then delete what no ref reaches.
 *
 * Other processes may be writing while gc runs. Everything they write after
 * gc starts is newer than gc's start stamp and is never deleted; the refs
 * are read again just before deleting, so commits published meanwhile
 * protect what they reach. (A writer that stored a blob before gc started
 * and publishes it only after gc's last look at the refs can still lose it:
 * run gc when that risk is acceptable, as with `git gc --prune=now`.)
 */
#include "store.h"
#include "upkeep.h"

#include "hex.h"
#include "objbatch.h"

#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- a set of object ids (open addressing) ---- */

typedef struct {
	git_oid *ids;
	unsigned char *used;
	size_t cap, count;
} oidset;

static size_t oidset_slot(const oidset *s, const git_oid *id)
{
	uint64_t h;
	size_t i;

	memcpy(&h, id->id, sizeof(h)); /* ids are uniformly random */
	for (i = (size_t)h & (s->cap - 1); s->used[i];
	     i = (i + 1) & (s->cap - 1))
		if (git_oid_equal(&s->ids[i], id))
			break;
	return i;
}

static int oidset_has(const oidset *s, const git_oid *id)
{
	return s->cap && s->used[oidset_slot(s, id)];
}

/* 1 if added, 0 if already there, WS_ERROR on failure. */
static int oidset_add(oidset *s, const git_oid *id)
{
	size_t i;

	if ((s->count + 1) * 2 > s->cap) {
		oidset bigger = { NULL, NULL, s->cap ? s->cap * 2 : 1024, 0 };
		if (!(bigger.ids = malloc(bigger.cap * sizeof(git_oid))) ||
		    !(bigger.used = calloc(bigger.cap, 1))) {
			free(bigger.ids);
			return ws_error_set(WS_ERROR, "out of memory");
		}
		for (size_t j = 0; j < s->cap; j++)
			if (s->used[j]) {
				i = oidset_slot(&bigger, &s->ids[j]);
				git_oid_cpy(&bigger.ids[i], &s->ids[j]);
				bigger.used[i] = 1;
				bigger.count++;
			}
		free(s->ids);
		free(s->used);
		*s = bigger;
	}
	i = oidset_slot(s, id);
	if (s->used[i])
		return 0;
	git_oid_cpy(&s->ids[i], id);
	s->used[i] = 1;
	s->count++;
	return 1;
}

static void oidset_free(oidset *s)
{
	free(s->ids);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

/* A growable list of ids. */
typedef struct {
	git_oid *ids;
	size_t count, cap;
} oidlist;

static int oidlist_push(oidlist *l, const git_oid *id)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		git_oid *p = realloc(l->ids, cap * sizeof(*p));
		if (!p)
			return ws_error_set(WS_ERROR, "out of memory");
		l->ids = p;
		l->cap = cap;
	}
	git_oid_cpy(&l->ids[l->count++], id);
	return 0;
}

/* ---- marking what the refs reach ---- */

typedef struct {
	ws_store *store;
	struct timespec stamp; /* objects not older than this are kept */
	oidset live;
	oidlist blobs;   /* live blobs, for the raw cache */
	oidlist pending; /* commits still to visit */
	oidset gone;     /* deleted objects (counted once) */
} gc_ctx;

static int mark_tree(gc_ctx *gc, const git_oid *id)
{
	git_tree *tree = NULL;
	int error = 0, rc;

	if ((rc = oidset_add(&gc->live, id)) <= 0)
		return rc; /* seen already: so is everything below it */
	if (git_tree_lookup(&tree, gc->store->repo, id) < 0)
		return ws_error__git(WS_ERROR, "gc: reading tree");
	for (size_t i = 0; !error && i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		switch (git_tree_entry_type(e)) {
		case GIT_OBJECT_TREE:
			error = mark_tree(gc, git_tree_entry_id(e));
			break;
		case GIT_OBJECT_BLOB:
			if ((rc = oidset_add(&gc->live, git_tree_entry_id(e))) > 0)
				rc = oidlist_push(&gc->blobs, git_tree_entry_id(e));
			error = rc < 0 ? rc : 0;
			break;
		default: /* submodule links name no object of ours */
			break;
		}
	}
	git_tree_free(tree);
	return error;
}

static int mark_pending_commits(gc_ctx *gc)
{
	int error = 0, rc;

	while (!error && gc->pending.count) {
		git_oid id = gc->pending.ids[--gc->pending.count];
		git_commit *c = NULL;

		if ((rc = oidset_add(&gc->live, &id)) <= 0) {
			error = rc;
			continue;
		}
		if (git_commit_lookup(&c, gc->store->repo, &id) < 0)
			return ws_error__git(WS_ERROR, "gc: reading commit");
		error = mark_tree(gc, git_commit_tree_id(c));
		for (unsigned i = 0; !error && i < git_commit_parentcount(c); i++)
			error = oidlist_push(&gc->pending,
					     git_commit_parent_id(c, i));
		git_commit_free(c);
	}
	return error;
}

/* Marks whatever a ref may point at: commit, annotated tag, tree, blob. */
static int mark_object(gc_ctx *gc, const git_oid *id)
{
	git_object *obj = NULL;
	int error = 0;

	if (oidset_has(&gc->live, id))
		return 0;
	if (git_object_lookup(&obj, gc->store->repo, id, GIT_OBJECT_ANY) < 0)
		return ws_error__git(WS_ERROR, "gc: reading a ref's target");
	switch (git_object_type(obj)) {
	case GIT_OBJECT_COMMIT:
		if (!(error = oidlist_push(&gc->pending, id)))
			error = mark_pending_commits(gc);
		break;
	case GIT_OBJECT_TAG:
		if ((error = oidset_add(&gc->live, id)) >= 0)
			error = mark_object(gc, git_tag_target_id((git_tag *)obj));
		break;
	case GIT_OBJECT_TREE:
		error = mark_tree(gc, id);
		break;
	default:
		if ((error = oidset_add(&gc->live, id)) > 0)
			error = oidlist_push(&gc->blobs, id);
		break;
	}
	git_object_free(obj);
	return error < 0 ? error : 0;
}

/* Marks everything reachable from every ref and from HEAD. Cheap to call
 * again: what is marked already is not walked twice. */
static int mark_refs(gc_ctx *gc)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	git_oid head;
	int error = 0, rc;

	if (git_reference_iterator_new(&it, gc->store->repo) < 0)
		return ws_error__git(WS_ERROR, "gc: listing refs");
	while (!error && (rc = git_reference_next(&ref, it)) == 0) {
		git_reference *resolved = NULL;
		/* a dangling symbolic ref reaches nothing */
		if (git_reference_resolve(&resolved, ref) == 0)
			error = mark_object(gc, git_reference_target(resolved));
		git_reference_free(resolved);
		git_reference_free(ref);
	}
	if (!error && rc != GIT_ITEROVER)
		error = ws_error__git(WS_ERROR, "gc: listing refs");
	git_reference_iterator_free(it);
	if (!error && git_reference_name_to_id(&head, gc->store->repo, "HEAD") == 0)
		error = mark_object(gc, &head); /* a detached HEAD */
	return error;
}

/* ---- the start stamp ---- */

static int newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/*
 * Takes the filesystem's current time as the stamp, then waits until its
 * clock moves on (file times are coarse: a few ms, or a second on some
 * filesystems). Everything written before gc started is then not newer than
 * the stamp, and everything written from now on is.
 */
static int take_stamp(struct timespec *out, ws_store *store)
{
	char path[4200];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/wasmstore/tmp/gc.XXXXXX", store->root);
	if ((fd = mkstemp(path)) < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd), unlink(path);
		return ws_error_set(WS_ERROR, "gc: %s", strerror(errno));
	}
	*out = st.st_mtim;
	for (int i = 0; i < 3000; i++) {
		struct timespec ms = { 0, 1000000 };
		if (futimens(fd, NULL) < 0 || fstat(fd, &st) < 0 ||
		    newer(&st.st_mtim, out))
			break;
		nanosleep(&ms, NULL);
	}
	close(fd);
	unlink(path);
	return 0;
}

/* 1 if the file at `path` exists and is not newer than the stamp. */
static int old_enough(const gc_ctx *gc, const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && !newer(&st.st_mtim, &gc->stamp);
}

/* ---- loose objects ---- */

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == n && s[n] == '\0';
}

/* Collects the unreachable loose objects old enough to delete. */
static int find_loose_garbage(oidlist *out, gc_ctx *gc)
{
	char objects[4200], path[4300];
	struct dirent *top, *de;
	DIR *d, *sub;
	int error = 0;

	snprintf(objects, sizeof(objects), "%s/objects", gc->store->root);
	if (!(d = opendir(objects)))
		return ws_error_set(WS_ERROR, "gc: cannot read '%s': %s",
				    objects, strerror(errno));
	while (!error && (top = readdir(d))) {
		if (!is_hex(top->d_name, 2))
			continue;
		snprintf(path, sizeof(path), "%s/%.2s", objects, top->d_name);
		if (!(sub = opendir(path)))
			continue;
		while (!error && (de = readdir(sub))) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid id;
			if (!is_hex(de->d_name, GIT_OID_HEXSZ - 2))
				continue; /* e.g. a write in progress */
			snprintf(hex, sizeof(hex), "%.2s%.38s", top->d_name,
				 de->d_name);
			snprintf(path, sizeof(path), "%s/%.2s/%.38s", objects,
				 top->d_name, de->d_name);
			if (git_oid_fromstr(&id, hex) < 0 ||
			    oidset_has(&gc->live, &id) || !old_enough(gc, path))
				continue;
			error = oidlist_push(out, &id);
		}
		closedir(sub);
	}
	closedir(d);
	return error;
}

static int delete_loose(gc_ctx *gc, const oidlist *garbage)
{
	char hex[GIT_OID_HEXSZ + 1], path[4300];

	for (size_t i = 0; i < garbage->count; i++) {
		if (oidset_has(&gc->live, &garbage->ids[i]))
			continue; /* reached by a commit published meanwhile */
		git_oid_tostr(hex, sizeof(hex), &garbage->ids[i]);
		snprintf(path, sizeof(path), "%s/objects/%.2s/%s",
			 gc->store->root, hex, hex + 2);
		if (unlink(path) < 0) {
			if (errno == ENOENT)
				continue; /* another gc was faster */
			return ws_error_set(WS_ERROR, "gc: cannot delete '%s': %s",
					    path, strerror(errno));
		}
		if (oidset_add(&gc->gone, &garbage->ids[i]) < 0)
			return WS_ERROR;
		path[strlen(path) - (GIT_OID_HEXSZ - 2) - 1] = '\0';
		rmdir(path); /* fails while other objects share the directory */
	}
	return 0;
}

/* ---- packs ---- */

typedef struct {
	char base[4300]; /* ".../objects/pack/pack-<hex>" */
	oidlist ids;
} old_pack;

typedef struct {
	old_pack *packs;
	size_t count;
} old_packs;

static int collect_id(const git_oid *id, void *payload)
{
	return oidlist_push(payload, id) < 0 ? -1 : 0;
}

/* The objects of one pack, read through an object database of its own. */
static int read_pack(old_pack *pack)
{
	char idx[4400];
	git_odb_backend *backend = NULL;
	git_odb *odb = NULL;
	int error = 0;

	snprintf(idx, sizeof(idx), "%s.idx", pack->base);
	if (git_odb_new(&odb) < 0 ||
	    git_odb_backend_one_pack(&backend, idx) < 0 ||
	    git_odb_add_backend(odb, backend, 1) < 0) {
		if (backend && !odb)
			backend->free(backend);
		error = ws_error__git(WS_ERROR, "gc: opening pack");
	} else if (git_odb_foreach(odb, collect_id, &pack->ids) < 0) {
		error = *ws_error_last() ? WS_ERROR
					 : ws_error__git(WS_ERROR, "gc: reading pack");
	}
	git_odb_free(odb);
	return error;
}

/* The packs old enough to rewrite (a pack a push is writing is newer;
 * a .keep file asks us to leave a pack alone). */
static int find_old_packs(old_packs *out, gc_ctx *gc)
{
	char dir[4200], path[4400];
	struct dirent *de;
	DIR *d;
	int error = 0;

	snprintf(dir, sizeof(dir), "%s/objects/pack", gc->store->root);
	if (!(d = opendir(dir)))
		return 0;
	while (!error && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		old_pack *p;
		if (n < 10 || strncmp(de->d_name, "pack-", 5) != 0 ||
		    strcmp(de->d_name + n - 4, ".idx") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s.keep", dir, (int)n - 4,
			 de->d_name);
		if (access(path, F_OK) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s.pack", dir, (int)n - 4,
			 de->d_name);
		if (!old_enough(gc, path))
			continue;
		if (!(p = realloc(out->packs, (out->count + 1) * sizeof(*p)))) {
			error = ws_error_set(WS_ERROR, "out of memory");
			break;
		}
		out->packs = p;
		p = &out->packs[out->count++];
		memset(p, 0, sizeof(*p));
		snprintf(p->base, sizeof(p->base), "%s/%.*s", dir, (int)n - 4,
			 de->d_name);
		error = read_pack(p);
	}
	closedir(d);
	return error;
}

static void free_packs(old_packs *packs)
{
	for (size_t i = 0; i < packs->count; i++)
		free(packs->packs[i].ids.ids);
	free(packs->packs);
}

/* Writes the live objects of the old packs into one new pack, then removes
 * the old packs. Nothing happens when every packed object is live. */
static int repack(gc_ctx *gc, old_packs *packs)
{
	static const char *const exts[] = { ".pack", ".idx", ".rev", ".bitmap",
					    ".mtimes", ".promisor" };
	git_packbuilder *pb = NULL;
	oidset kept = { 0 };
	char dir[4200], path[4400];
	const char *name;
	int error = 0, dead = 0, rc;

	for (size_t i = 0; i < packs->count && !dead; i++)
		for (size_t j = 0; j < packs->packs[i].ids.count && !dead; j++)
			dead = !oidset_has(&gc->live, &packs->packs[i].ids.ids[j]);
	if (!dead)
		return 0;
	snprintf(dir, sizeof(dir), "%s/objects/pack", gc->store->root);
	if (git_packbuilder_new(&pb, gc->store->repo) < 0) {
		error = ws_error__git(WS_ERROR, "gc: packing");
		goto done;
	}
	for (size_t i = 0; i < packs->count; i++)
		for (size_t j = 0; j < packs->packs[i].ids.count; j++) {
			const git_oid *id = &packs->packs[i].ids.ids[j];
			if (!oidset_has(&gc->live, id))
				continue;
			if ((rc = oidset_add(&kept, id)) < 0) {
				error = rc;
				goto done;
			}
			if (rc && git_packbuilder_insert(pb, id, NULL) < 0) {
				error = ws_error__git(WS_ERROR, "gc: packing");
				goto done;
			}
		}
	if (kept.count && git_packbuilder_write(pb, dir, 0, NULL, NULL) < 0) {
		error = ws_error__git(WS_ERROR, "gc: writing pack");
		goto done;
	}
	name = kept.count ? git_packbuilder_name(pb) : NULL;
	for (size_t i = 0; i < packs->count; i++) {
		old_pack *p = &packs->packs[i];
		/* the same objects may give the same pack again: keep it */
		if (name && strstr(p->base, name))
			continue;
		for (size_t e = 0; e < sizeof(exts) / sizeof(*exts); e++) {
			snprintf(path, sizeof(path), "%s%s", p->base, exts[e]);
			unlink(path);
		}
		for (size_t j = 0; j < p->ids.count; j++)
			if (!oidset_has(&gc->live, &p->ids.ids[j]) &&
			    oidset_add(&gc->gone, &p->ids.ids[j]) < 0) {
				error = WS_ERROR;
				goto done;
			}
	}
	if (packs->count) /* after the unlinks: handles reopen once more */
		ws_store__packs_deleted(gc->store->root);
done:
	oidset_free(&kept);
	git_packbuilder_free(pb);
	return error;
}

/* ---- the raw cache ---- */

static int by_hash(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Deletes raw copies of modules no live blob holds (derived data: a copy
 * removed too eagerly is rewritten from its blob when next needed). */
static int prune_raw_cache(gc_ctx *gc)
{
	unsigned char (*live)[32] = NULL, sha[32];
	char dir[4200], path[4300], hex[WS_HASH_HEXSIZE + 1];
	struct dirent *de;
	DIR *d;
	int error = 0;

	if (gc->blobs.count &&
	    !(live = malloc(gc->blobs.count * sizeof(*live))))
		return ws_error_set(WS_ERROR, "out of memory");
	for (size_t i = 0; i < gc->blobs.count; i++) {
		if ((error = ws_store__blob_hash(hex, gc->store,
						 &gc->blobs.ids[i])) < 0)
			goto done;
		ws__unhex(live[i], hex, 32);
	}
	if (live)
		qsort(live, gc->blobs.count, sizeof(*live), by_hash);
	snprintf(dir, sizeof(dir), "%s/wasmstore/raw", gc->store->root);
	if (!(d = opendir(dir)))
		goto done;
	while ((de = readdir(d))) {
		if (!ws_is_module_hash(de->d_name) ||
		    ws__unhex(sha, de->d_name, 32) < 0 ||
		    (live && bsearch(sha, live, gc->blobs.count, sizeof(*live),
				     by_hash)))
			continue;
		snprintf(path, sizeof(path), "%s/%.64s", dir, de->d_name);
		if (old_enough(gc, path))
			unlink(path);
	}
	closedir(d);
done:
	free(live);
	return error;
}

/* Staging files of uploads that never finished (their process died) are
 * left in wasmstore/tmp; one a day old is nobody's any more. */
#define STALE_TMP_AGE (24 * 60 * 60)

static void prune_stale_tmp(gc_ctx *gc)
{
	char dir[4200], path[4600];
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/wasmstore/tmp", gc->store->root);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime < time(NULL) - STALE_TMP_AGE)
			unlink(path);
	}
	closedir(d);
}

/* ---- gc ---- */

/*
 * This handle caches parsed commits and keeps the old packs mapped (libgit2
 * never drops a pack it has loaded), so it would still find deleted objects:
 * give it an empty object cache and a fresh object database.
 */
static int forget_deleted(ws_store *store)
{
	git_repository__cleanup(store->repo);
	return ws_store__open_odb(store);
}

#define NOTHING_TO_SQUASH 1

static int edit_squash(ws_store *store, ws_edit *edit, void *payload)
{
	(void)store, (void)payload;
	if (!edit->head || git_commit_parentcount(edit->head) == 0)
		return NOTHING_TO_SQUASH;
	git_oid_cpy(&edit->new_tree, git_tree_id(edit->tree));
	edit->no_parents = 1;
	edit->allow_empty = 1;
	return 0;
}

int ws_gc(size_t *deleted, ws_store *store, const char *branch)
{
	gc_ctx gc = { 0 };
	oidlist garbage = { 0 };
	old_packs packs = { 0 };
	int error, locked = 0;

	*deleted = 0;
	gc.store = store;
	/* a merge this process started must not write a pack after the
	 * stamp: gc would keep that pack's garbage as too new */
	ws_upkeep__drain();
	if ((error = take_stamp(&gc.stamp, store)) < 0)
		return error;
	error = ws_store__commit(store, branch, "gc", edit_squash, NULL, NULL);
	if (error < 0)
		goto done;
	ws_upkeep__drain(); /* the merge that commit may have asked for too */
	/* writers hold this shared from their first object to their ref */
	if ((error = ws_store__lock(store, 1)) < 0)
		goto done;
	locked = 1;
	if ((error = mark_refs(&gc)) < 0 ||
	    (error = find_loose_garbage(&garbage, &gc)) < 0 ||
	    (error = find_old_packs(&packs, &gc)) < 0)
		goto done;
	/* commits published while we looked protect what they reach */
	if ((error = mark_refs(&gc)) < 0 ||
	    (error = delete_loose(&gc, &garbage)) < 0 ||
	    (error = repack(&gc, &packs)) < 0 ||
	    (error = prune_raw_cache(&gc)) < 0)
		goto done;
	prune_stale_tmp(&gc);
	/* what is left, the squash's own pack included, in one pack as
	 * after git gc */
	if ((error = forget_deleted(store)) == 0 &&
	    (error = ws_store__pack_consolidate(store, 1)) > 0)
		error = 0; /* it merged */
done:
	if (locked)
		ws_store__unlock(store);
	*deleted = gc.gone.count;
	free_packs(&packs);
	free(garbage.ids);
	free(gc.blobs.ids);
	free(gc.pending.ids);
	oidset_free(&gc.live);
	oidset_free(&gc.gone);
	return error;
}
