/*
 * store.h - internals shared by the files of the core library.
 * Not installed; front ends use only include/wasmstore.h.
 */
#ifndef WS_STORE_INTERNAL_H
#define WS_STORE_INTERNAL_H

#include "wasmstore.h"

#include <git2.h>

#include "hashindex.h"

struct ws_store {
	git_repository *repo;
	char *root;   /* absolute path of the bare repository */
	char *author; /* commit author name */
	size_t max_module_size;
	ws_hashindex *index; /* blob id <-> module hash, derived from git */
	/* which blobs the last tree asked about holds (sorted), so hash
	 * lookups do not walk the tree every time */
	git_oid member_tree;
	git_oid *member_blobs;
	size_t member_count;
	int gc_lock_fd;    /* <root>/wasmstore/gc.lock, opened on first use */
	int gc_lock_depth; /* nested holds by this handle */
	struct ws_commitqueue *queue; /* this process's writes to the root */
	/* the queue's own handle only: objects written go to memory, then to
	 * one pack per batch (objbatch.h) */
	struct ws_objbatch *objbatch;
	off_t packs_gone; /* wasmstore/packs-gone's length at open_odb */
	int ref_logs;     /* core.logAllRefUpdates: 0 not read yet, 1 off, 2 on */
};

/* Opens a handle that does not join the root's commit queue: the one
 * the queue's leader commits through. */
int ws_store__open_private(ws_store **out, const char *root);

/* Initializes libgit2 once per process (any entry point may come first). */
void ws__init(void);

/* Forgets this thread's last error message. */
void ws_error__clear(void);

/* Sets the thread's message from libgit2's last error and returns `code`.
 * `what` says what was being done ("reading branch 'main'"). */
int ws_error__git(int code, const char *what);

/* "refs/heads/<branch>" for `branch` (NULL: the default branch), after
 * checking the name. Caller frees. */
int ws_store__refname(char **out, ws_store *store, const char *branch);

/* The branch's head commit; *out is NULL (and 0 returned) when the branch
 * has no commit yet. */
int ws_store__branch_head(git_commit **out, ws_store *store,
			  const char *branch);

/* git_commit_lookup of a commit a ref names, looking at the packs again
 * if it seems missing (a pack merge elsewhere may have moved it). */
int ws_store__head_commit(git_commit **out, ws_store *store,
			  const git_oid *id);

/* For reads: like ws_store__branch_head, but `branch` may also be a 40-hex
 * commit id when no branch has that name. */
int ws_store__head(git_commit **out, ws_store *store, const char *branch);

/* Parses a 40-hex commit id and looks the commit up. WS_EINPUT for bad
 * syntax, WS_ENOTFOUND for an unknown commit. */
int ws_store__lookup_commit(git_commit **out, ws_store *store,
			    const char *hex);

/*
 * The read-modify-write loop behind every write. `edit` gets the current
 * head (NULL on an unborn branch) and its tree (NULL likewise), and fills
 * `edit->new_tree`. Then a commit is made and the branch ref moved with
 * compare-and-swap; if another writer moved the ref meanwhile, everything
 * is redone from the new head. Objects and the ref are fsync'd before this
 * returns. A non-zero return from `edit` aborts and is returned as is.
 * If the new tree equals the old one, no commit is made (returns 0).
 */
typedef struct {
	git_commit *head;    /* in: current head or NULL */
	git_tree *tree;      /* in: its tree or NULL */
	git_oid new_tree;    /* out: the tree to commit */
	git_oid merge_parent; /* out, optional: a second parent */
	int has_merge_parent;
	int no_parents;      /* out: commit without parents (gc squash) */
	int allow_empty;     /* out: commit even if the tree is unchanged */
	git_oid commit;      /* result: the new commit (zero if none) */
} ws_edit;

typedef int (*ws_edit_fn)(ws_store *store, ws_edit *edit, void *payload);

int ws_store__commit(ws_store *store, const char *branch, const char *message,
		     ws_edit_fn fn, void *payload, git_oid *out_commit);

/* Writes an object, `out` getting its id: into the batch being built when
 * the handle has one (objbatch.h: it reaches disk with the batch's pack),
 * else into the object database. 0 or WS_ERROR. */
int ws_store__put(ws_store *store, git_oid *out, git_object_t type,
		  const void *data, size_t len);

/* Moves `refname` from `old` (zero: unborn) to `new` if it still holds
 * `old`, with git's lock protocol; no fsync (the caller syncs). 1 moved,
 * 0 it holds something else, 2 another writer holds its lock, or WS_ERROR.
 * `message` goes to the reflog when core.logAllRefUpdates asks for one. */
int ws_store__ref_cas(ws_store *store, const char *refname,
		      const git_oid *new, const git_oid *old,
		      const char *message);

/* Applies one path update to `base` (NULL: empty) and writes the resulting
 * tree: `blob` NULL removes the path. */
int ws_store__tree_set(git_oid *out, ws_store *store, git_tree *base,
		       const char *path, const git_oid *blob);

/* The module hash (hex) of a blob, from the index or computed from the blob
 * (and then recorded). */
int ws_store__blob_hash(char out[WS_HASH_HEXSIZE + 1], ws_store *store,
			const git_oid *blob);

/* The blob holding the module with hex `hash` (64 hex digits, any case),
 * from the index; `lower` gets the hash in lowercase. 0 or WS_ENOTFOUND
 * (message "module '<hash>' not found"). */
int ws_store__hash_blob(git_oid *blob, char lower[WS_HASH_HEXSIZE + 1],
			ws_store *store, const char *hash);

/* Makes sure every blob reachable from `tree` is in the index. */
int ws_store__index_tree(ws_store *store, git_tree *tree);

/* 1 if the object database holds `id`. */
int ws_store__object_exists(ws_store *store, const git_oid *id);

/* Replaces the repository's object database with packs + loose objects
 * written with fast zlib compression (also after gc deleted packs). */
int ws_store__open_odb(ws_store *store);

/* Says that packs were deleted (wasmstore/packs-gone grows a byte). */
void ws_store__packs_deleted(const char *root);

/* Reopens the object database if packs were deleted since it was opened
 * (libgit2 would go on trying them), keeping an empty objbatch attached.
 * Called as a branch head is read, so every operation sees it. */
int ws_store__refresh_odb(ws_store *store);

/* mkdir -p. */
int ws__mkdir_p(const char *path);

/*
 * Writers and gc exclude each other through a lock file: a writer holds it
 * shared from writing its first object until its ref is published, gc holds
 * it exclusive while it marks and deletes, so gc never deletes an object a
 * commit is about to reference. Holds nest per handle (the outermost mode
 * wins). 0 or WS_ERROR.
 */
int ws_store__lock(ws_store *store, int exclusive);
void ws_store__unlock(ws_store *store);

/* Writes durably: makes everything written to the object store so far
 * reach the disk (one syncfs rather than one fsync per object). */
int ws_store__sync_objects(ws_store *store);

/* syncfs on the filesystem holding `root`. 0 or WS_ERROR. */
int ws__syncfs(const char *root);

#endif
