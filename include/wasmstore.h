/*
 * wasmstore.h - the core store library.
 *
 * A store is a bare git repository. Each branch is a git branch; the default
 * branch is the repository's HEAD. A module is a blob whose bytes are a valid
 * WebAssembly binary; its hash is the SHA-256 of those bytes (64 lowercase hex
 * digits). Every write is one commit, published with compare-and-swap on the
 * branch ref (retried on a lost race) and fsync'd before it returns.
 *
 * Conventions (as in libgit2):
 *  - functions return 0 on success or a negative WS_E* code; on failure a
 *    one-line message is available from ws_error_last() (per thread);
 *  - objects returned through `**out` belong to the caller and are released
 *    with the matching _free; `const char *` returns are borrowed;
 *  - `branch` arguments may be NULL, meaning the store's default branch;
 *    functions that only read also accept a 40-hex commit id there (when no
 *    branch has that name), to read the tree of any commit;
 *  - "paths" are '/'-separated; empty segments are ignored, so "/a//b.wasm"
 *    is "a/b.wasm". Paths handed to callbacks never start with '/'.
 *  - "hash-or-path": a single segment of 64 hex digits addresses the module
 *    with that hash, if some path of the branch's current tree holds it.
 *  - a ws_store must not be used by two threads at once: open one per thread.
 *    Any number of processes may use the same root at the same time.
 */
#ifndef WASMSTORE_H
#define WASMSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WASMSTORE_VERSION "0.1.0"

/* Error codes. */
enum {
	WS_OK = 0,
	WS_ERROR = -1,     /* anything else (I/O, git, out of memory) */
	WS_ENOTFOUND = -3, /* no such path, hash, commit, branch or version */
	WS_EEXISTS = -4,   /* branch already exists */
	WS_EINVALID = -5,  /* the bytes are not a valid WebAssembly module */
	WS_ECONFLICT = -6, /* merge conflict, or a compare-and-swap kept failing */
	WS_EINPUT = -7,    /* bad argument: path, branch name, hash syntax */
	WS_ETOOBIG = -8,   /* a module larger than the allowed maximum */
};

#define WS_HASH_HEXSIZE 64   /* module hash: SHA-256, hex */
#define WS_COMMIT_HEXSIZE 40 /* commit hash: git object id, hex */
#define WS_DEFAULT_MAX_MODULE_SIZE ((size_t)256 * 1024 * 1024)

/* The message of the last failure on this thread ("" if none). */
const char *ws_error_last(void);

/* Sets this thread's error message (printf-style) and returns `code`. For
 * front ends that want to report their own failures the same way. */
int ws_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- the store ---- */

typedef struct ws_store ws_store;

/*
 * Opens the store at `root`, creating a bare repository there (default
 * branch "main") if the directory does not exist or is empty.
 * Returns 0, or WS_ERROR when root is not a usable repository.
 */
int ws_store_open(ws_store **out, const char *root);
void ws_store_free(ws_store *store);

/* The default root: $WASMSTORE_ROOT, else $HOME/.wasmstore. Caller frees. */
char *ws_store_default_root(void);

/* The absolute path of the store's root directory (borrowed). */
const char *ws_store_root(const ws_store *store);

/* The author recorded in commits made through this handle (default
 * "wasmstore"). Returns WS_EINPUT for an empty name or one with newlines. */
int ws_store_set_author(ws_store *store, const char *author);

/* Largest module accepted by add (default WS_DEFAULT_MAX_MODULE_SIZE). */
void ws_store_set_max_module_size(ws_store *store, size_t max);

/* ---- input checks (usable by front ends before touching the store) ---- */

/* Normalizes a path: drops empty segments, refuses "." and "..", ".git"
 * segments, NUL/control characters and empty results (WS_EINPUT).
 * On success *out is a malloc'd string without leading '/'. */
int ws_path_normalize(char **out, const char *path);

/* 1 when `s` is 64 hex digits (a module hash), else 0. */
int ws_is_module_hash(const char *s);

/* 0 when git accepts `name` as a branch name, else WS_EINPUT. */
int ws_branch_name_check(const char *name);

/* ---- modules ---- */

/*
 * Adds the module read from `fd` (until EOF) at `path` on `branch`: streams it
 * to a staging file while hashing, validates it, stores it, commits
 * "add <path>" and fsyncs. Writes the module hash to `out_hash` (65 bytes).
 * Returns WS_EINVALID (message: the validator's reason), WS_ETOOBIG, WS_EINPUT
 * for a bad path or branch, or WS_ERROR. Nothing changes on failure.
 */
int ws_module_add_fd(char out_hash[WS_HASH_HEXSIZE + 1], ws_store *store,
		     const char *branch, const char *path, int fd);
int ws_module_add_buffer(char out_hash[WS_HASH_HEXSIZE + 1], ws_store *store,
			 const char *branch, const char *path,
			 const void *data, size_t len);

/*
 * Chunked upload, for callers that receive a module piece by piece (HTTP).
 * ws_upload_write returns WS_ETOOBIG once the total exceeds the maximum.
 * ws_upload_commit validates, stores and commits like ws_module_add_fd.
 * ws_upload_free discards whatever was staged.
 */
typedef struct ws_upload ws_upload;
int ws_upload_new(ws_upload **out, ws_store *store);
int ws_upload_write(ws_upload *upload, const void *data, size_t len);
int ws_upload_commit(char out_hash[WS_HASH_HEXSIZE + 1], ws_upload *upload,
		     const char *branch, const char *path);
void ws_upload_free(ws_upload *upload);

/* Validates a module in memory without storing it. 0 or WS_EINVALID. */
int ws_validate(const void *data, size_t len);

/* What a hash-or-path resolves to on a branch. */
typedef struct {
	char hash[WS_HASH_HEXSIZE + 1]; /* module hash */
	char blob[WS_COMMIT_HEXSIZE + 1]; /* git blob id holding the bytes */
	uint64_t size;                  /* module size in bytes */
} ws_module_info;

/* Resolves hash-or-path. WS_ENOTFOUND when absent, WS_EINPUT if malformed. */
int ws_module_stat(ws_module_info *out, ws_store *store, const char *branch,
		   const char *path_or_hash);

/* Reads a module's bytes into a malloc'd buffer (*out, *len). `info` may be
 * NULL. WS_ENOTFOUND when absent. */
int ws_module_read(void **out, size_t *len, ws_module_info *info,
		   ws_store *store, const char *branch,
		   const char *path_or_hash);

/* Opens a read-only file descriptor holding exactly the module's raw bytes
 * (for sendfile/pread); materialized once per module, then reused. */
int ws_module_open_raw(int *out_fd, ws_module_info *info, ws_store *store,
		       const char *branch, const char *path_or_hash);

/* Same raw file for a module known only by its hash, whether or not any
 * branch holds it now (by-hash views). WS_ENOTFOUND if never stored. */
int ws_module_open_raw_by_hash(int *out_fd, uint64_t *size, ws_store *store,
			       const char *hash);

/* The path of the file holding the module's raw bytes. Caller frees. */
int ws_module_filename(char **out, ws_store *store, const char *branch,
		       const char *path_or_hash);

/* 1 if present, 0 if not, <0 on error. */
int ws_module_contains(ws_store *store, const char *branch,
		       const char *path_or_hash);

/* Calls `cb` for every module at or below `prefix` (NULL or "" for all), in
 * path order. A non-zero return from cb stops the walk and is returned. */
typedef int (*ws_module_cb)(const char *path, const char *hash, void *payload);
int ws_module_list(ws_store *store, const char *branch, const char *prefix,
		   ws_module_cb cb, void *payload);

/* Lists the immediate children of directory `dir` ("" = root): `cb` gets the
 * name, whether it is a directory, and for modules the hash. */
typedef int (*ws_dirent_cb)(const char *name, int is_dir, const char *hash,
			    void *payload);
int ws_module_readdir(ws_store *store, const char *branch, const char *dir,
		      ws_dirent_cb cb, void *payload);

/* Removes a path (commit "remove <path>"), or by hash every path holding
 * that module. WS_ENOTFOUND when nothing matched. */
int ws_module_remove(ws_store *store, const char *branch,
		     const char *path_or_hash);

/* Points `path` at a module already in the store. WS_EINPUT for a malformed
 * hash, WS_ENOTFOUND for an unknown one. */
int ws_module_set(ws_store *store, const char *branch, const char *hash,
		  const char *path);

/* Moves `from` (a module or a whole directory) to `to` on one branch in a
 * single commit. A module replaces a module at `to`; WS_EEXISTS if a
 * directory is involved and `to` exists. */
int ws_module_rename(ws_store *store, const char *branch, const char *from,
		     const char *to);

/* ---- history ---- */

typedef struct {
	char hash[WS_COMMIT_HEXSIZE + 1];
	size_t parent_count;
	char (*parents)[WS_COMMIT_HEXSIZE + 1];
	char *author;
	int64_t date; /* unix seconds */
	char *message;
} ws_commit_info;

/* The branch's head commit. WS_ENOTFOUND on a branch with no commit. */
int ws_snapshot(char out[WS_COMMIT_HEXSIZE + 1], ws_store *store,
		const char *branch);

/* Info about any commit. WS_EINPUT if `commit` is not 40 hex digits,
 * WS_ENOTFOUND if unknown. */
int ws_commit_lookup(ws_commit_info **out, ws_store *store,
		     const char *commit);
void ws_commit_info_free(ws_commit_info *info);
/* The info as pretty JSON {"hash","parents","author","date","message"};
 * caller frees. */
char *ws_commit_info_json(const ws_commit_info *info, int pretty);

/* Walks the branch's history, newest first. A non-zero cb return stops. */
typedef int (*ws_commit_cb)(const ws_commit_info *info, void *payload);
int ws_log(ws_store *store, const char *branch, ws_commit_cb cb,
	   void *payload);

/* Commits that changed `path`, newest first. */
int ws_audit(ws_store *store, const char *branch, const char *path,
	     ws_commit_cb cb, void *payload);

/* One child of a directory and the commit that last changed it. */
typedef struct {
	const char *name;   /* the child's name (one segment) */
	int is_dir;         /* 1 for a subdirectory */
	const char *hash;   /* module hash; NULL for a subdirectory */
	const char *commit; /* the commit that last changed it (40 hex) */
	int64_t date;       /* that commit's time, unix seconds */
} ws_lastchange;

typedef int (*ws_lastchange_cb)(const ws_lastchange *change, void *payload);

/*
 * The last change of every immediate child (module or subdirectory) of
 * directory `dir` ("" or NULL: the top), in one walk of the first-parent
 * history, newest first, that stops once every child is accounted for: `cb`
 * gets each child once, in the order of those commits (newest first). A
 * change brought in by a merge is the merge commit's; a subdirectory
 * changes with anything below it.
 * `since` (NULL: none) is a commit whose answers the caller already has:
 * the walk stops there, and children unchanged since it are not reported
 * (if it is not on the first-parent history, every child is reported).
 * WS_ENOTFOUND when `dir` is not a directory (an unborn branch has only an
 * empty top), WS_EINPUT for a malformed `since` or path. A non-zero cb
 * return stops the walk and is returned.
 */
int ws_last_changes(ws_store *store, const char *branch, const char *dir,
		    const char *since, ws_lastchange_cb cb, void *payload);

/* Every distinct module hash `path` has held, oldest first, each with the
 * commit that introduced it. */
typedef int (*ws_version_cb)(size_t index, const char *hash,
			     const char *commit, void *payload);
int ws_versions(ws_store *store, const char *branch, const char *path,
		ws_version_cb cb, void *payload);

/* New commit on the branch whose tree is `commit`'s tree (path NULL), or in
 * which only `path` takes its state at `commit` (removed if absent there). */
int ws_restore(ws_store *store, const char *branch, const char *commit,
	       const char *path);

/* Undoes the last change: the whole tree goes back to the head's parent
 * (path NULL), or `path` goes back to its state before its last change. */
int ws_rollback(ws_store *store, const char *branch, const char *path);

/* ---- branches ---- */

/* The default branch name (HEAD's target). Caller frees. */
int ws_branch_default(char **out, ws_store *store);
/* Makes `name` the default branch, creating it from the current default if
 * it does not exist. */
int ws_branch_set_default(ws_store *store, const char *name);
/* Creates `name` at the head of `from` (NULL: default). WS_EEXISTS. */
int ws_branch_create(ws_store *store, const char *name, const char *from);
/* Deletes a branch. WS_ENOTFOUND; WS_EINPUT for the default branch. */
int ws_branch_delete(ws_store *store, const char *name);
typedef int (*ws_name_cb)(const char *name, void *payload);
int ws_branch_list(ws_store *store, ws_name_cb cb, void *payload);
/* 1 if the branch exists, 0 if not. */
int ws_branch_exists(ws_store *store, const char *name);

/* Merges `from` into `into` (NULL: default): fast-forward when possible,
 * else a three-way merge commit. On conflict nothing changes, `cb` (may be
 * NULL) gets each conflicting path and WS_ECONFLICT is returned with a
 * message naming them. */
int ws_merge(ws_store *store, const char *into, const char *from,
	     ws_name_cb conflict_cb, void *payload);

/* Squashes the branch's history into one commit, then deletes every object
 * no branch reaches any more. *deleted gets the number of objects deleted. */
int ws_gc(size_t *deleted, ws_store *store, const char *branch);

/* ---- changes and watching ---- */

typedef enum { WS_ADDED, WS_UPDATED, WS_REMOVED } ws_action;

typedef struct {
	const char *path; /* without leading '/' */
	ws_action action;
	const char *old_hash; /* NULL for WS_ADDED */
	const char *new_hash; /* NULL for WS_REMOVED */
} ws_change;

typedef int (*ws_change_cb)(const ws_change *change, void *payload);

/* Changes from commit `from` (NULL: empty tree) to commit `to`. */
int ws_diff(ws_store *store, const char *from, const char *to,
	    ws_change_cb cb, void *payload);

/* One change as the watch JSON object, e.g.
 * {"/a.wasm":{"action":"added","hash":"<h>"}}. Caller frees. */
char *ws_change_json(const ws_change *change);

/*
 * Watches a branch for new commits from any writer (this process, others,
 * plain git). ws_watch_next waits up to timeout_ms (-1: forever) and reports
 * every change since the last call through `cb`; it returns 0 on timeout or
 * after reporting. ws_watch_fd is readable when the refs may have changed
 * (for poll loops); call ws_watch_next(w, 0, ...) then.
 */
typedef struct ws_watch ws_watch;
int ws_watch_new(ws_watch **out, ws_store *store, const char *branch);
int ws_watch_fd(const ws_watch *watch);
int ws_watch_next(ws_watch *watch, int timeout_ms, ws_change_cb cb,
		  void *payload);
void ws_watch_free(ws_watch *watch);

/* ---- export ---- */

/* Writes every module of the branch under `dir` at its path. */
int ws_export(ws_store *store, const char *branch, const char *dir);

#ifdef __cplusplus
}
#endif
#endif
