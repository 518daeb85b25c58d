/*
 * objbatch.h - hold the objects a batch of commits writes in memory, then
 * write them all as one pack; and keep the number of packs small.
 *
 * Every add used to write its blob, trees and commit as loose files (one
 * file and one rename each). A group-commit leader attaches a batch to its
 * private repository handle; the batch's blobs, trees and commits go into
 * it with ws_objbatch_put (ws_store__put), anything else written through
 * libgit2 lands there too; the leader flushes once (one pack + one index),
 * syncs once and then moves the refs.
 */
#ifndef WS_OBJBATCH_H
#define WS_OBJBATCH_H

#include "store.h"

typedef struct ws_objbatch ws_objbatch;

/*
 * Adds an in-memory object backend to `repo`'s object database, ahead of
 * its packs and loose objects: from then on every object written through
 * `repo` (git_odb_write, git_blob_create_from_buffer, blob write streams,
 * git_tree_create_updated, treebuilders, git_commit_create) is held in
 * memory, and reads through `repo` see those objects first, then the disk.
 * Objects already on disk are not written again (libgit2 finds them first).
 * `objects_dir` is "<root>/objects".
 *
 * Ownership: the batch belongs to the object database it was added to. It
 * lives as long as that database: until git_repository_free(repo), or until
 * the repository's database is replaced (git_repository_set_odb, as
 * ws_store__open_odb does; writes then go to disk again). Do not use `*out`
 * after that; there is no way to detach or free it yourself. Not safe for
 * concurrent use: one thread writes through `repo` and calls the functions
 * below. 0 or WS_ERROR.
 */
int ws_objbatch_attach(ws_objbatch **out, git_repository *repo,
		       const char *objects_dir);

/*
 * Writes every held object into one new pack, objects/pack/pack-<sha1>.pack
 * and its v2 .idx (the index last, under a temporary name renamed into
 * place), zlib level 1, no deltas, no fsync: the caller syncs the store
 * once (ws_store__sync_objects) before publishing a ref that needs them.
 * Then forgets them; reads find them in the new pack (libgit2 rescans
 * objects/pack on its first miss). Nothing held: writes nothing.
 * 0, or WS_ERROR with nothing new left in objects/pack and every object
 * still held.
 */
int ws_objbatch_flush(ws_objbatch *batch);

/*
 * Holds a new object directly, `out` getting its id: what git_odb_write
 * does for a batch, minus libgit2's look for the object on disk first (a
 * miss rescans objects/pack, and new objects always miss). An object that
 * is already on disk may thus be written again: harmless, merges keep one.
 * 0 or WS_ERROR.
 */
int ws_objbatch_put(ws_objbatch *batch, git_oid *out, git_object_t type,
		    const void *data, size_t len);

/* Forgets the held objects without writing them (the batch failed). */
void ws_objbatch_clear(ws_objbatch *batch);

/* 1 if the object is held (not yet on disk). */
int ws_objbatch_holds(const ws_objbatch *batch, const git_oid *id);

/* How many objects are held. */
size_t ws_objbatch_count(const ws_objbatch *batch);

/*
 * Keeps the number of packs small; meant to run after every flush (when
 * nothing is to be done it costs a stat and one readdir). When
 * objects/pack holds more than `max_packs` packs (packs with a .keep file
 * are not counted and never touched), merges packs like
 * `git repack --geometric=2`, weighed by size in bytes: the smallest packs
 * are merged until every remaining pack is at least twice as large as all
 * smaller packs together (and at least enough of them that `max_packs`
 * remain). Whole objects are copied as they are (no inflate/deflate), and
 * so are REF_DELTA entries of trees; other deltas (packs git or gc's pack
 * builder wrote) are read through libgit2 and written whole. Of an object
 * in several packs, a whole copy is kept. Trees become deltas: for each
 * merged commit whose first parent and a child are merged too, its tree
 * and each directory's tree that changed are written as REF_DELTAs against
 * the parent's versions (forward deltas, chains at most 16 deep, kept only
 * when under half the tree; the newest commits' trees stay whole until a
 * merge has their children; commits and blobs stay whole; see
 * packdelta.c). One syncfs makes the merged pack, its index and their
 * names durable before the merged packs are deleted (each .idx before its
 * .pack). Every 10 minutes (the time of the lock file below) it also removes what
 * crashed writers left in objects/pack more than 10 minutes ago: temporary
 * files and packs without an index.
 *
 * One process at a time: if another holds <root>/wasmstore/pack.lock,
 * returns 0 at once. Holds the store's gc lock shared while it works, so it
 * never runs while gc rewrites packs.
 *
 * Returns 1 when it merged packs, 0 when it had nothing to merge, or
 * WS_ERROR (then nothing was deleted that the merged pack does not hold
 * durably). libgit2 (1.5) never forgets a pack it has seen, even once
 * deleted: every lookup that misses the packs it knows tries to reopen
 * each deleted index again. A long-lived handle should reopen its object
 * database (ws_store__open_odb) after a merge, then attach a new batch
 * (the old one goes with the old database).
 */
int ws_store__pack_consolidate(ws_store *store, unsigned max_packs);

/* 1 if ws_store__pack_consolidate of the store at `root` would do
 * anything (merge, or look for leftovers): a stat and one readdir, so
 * that a caller without a handle opens one only when needed. */
int ws_store__pack_upkeep_due(const char *root, unsigned max_packs);

#endif
