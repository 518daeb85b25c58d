/*
 * ops.h - the FUSE operations, grouped by file:
 *   attr.c  getattr, readlink, access, statfs
 *   setattr.c  chmod, chown, utimens
 *   xattr.c getxattr, listxattr, setxattr, removexattr
 *   dir.c   readdir, mkdir, rmdir (directories and branches)
 *   file.c  open, create, read_buf, write, truncate, flush, release, fsync
 *   handle.c  the handles of open files
 *   lookup.c  what a path is, when it changed, its raw bytes (cached)
 *   name.c  unlink, rename
 * and what they share: one request's store handle and route, file handles,
 * committing staged bytes.
 */
#ifndef WSFS_OPS_H
#define WSFS_OPS_H

#include "fs.h"
#include "route.h"

/* What every operation starts with: the mount, a store handle, and what
 * the path names. */
struct wsfs_req {
	struct wsfs *fs;
	ws_store *store;
	struct wsfs_route route;
};

/* Takes a store handle and routes `fspath` (NULL: no routing). -errno. */
int wsfs_req_begin(struct wsfs_req *req, const char *fspath);
/* Why `fspath` (which does not route) cannot be made: -EROFS in a
 * read-only view, -EPERM directly in branches/, else -ENOENT. */
int wsfs_new_name_error(struct wsfs *fs, ws_store *store, const char *fspath);
/* The same for a name about to be made: when it does not exist, -EROFS
 * if its directory is read-only, -EPERM if it is branches/ itself. */
int wsfs_req_begin_new(struct wsfs_req *req, const char *fspath);
void wsfs_req_end(struct wsfs_req *req);

enum wsfs_handle_kind {
	WSFS_H_RAW,    /* a stored module: pread on its raw file */
	WSFS_H_STAGED, /* a file being written (or read while it is) */
	WSFS_H_TEXT,   /* a small generated file (last-error) */
};

struct wsfs_handle {
	enum wsfs_handle_kind kind;
	int fd;                   /* RAW */
	struct wsfs_staged *node; /* STAGED */
	int writable, append;
	int wrote;                /* written since the last flush */
	char *text;               /* TEXT */
	size_t text_len;
	struct stat st;           /* RAW, TEXT: attributes at open (fstat) */
	struct wsfs_handle *prev, *next; /* in wsfs.handles */
};

/* A new handle of that kind, stored in fi->fh, or NULL. */
struct wsfs_handle *wsfs_handle_new(struct fuse_file_info *fi,
				    enum wsfs_handle_kind kind);
/* Closes what the handle holds. Returns 1 when its staged file vanished
 * with it (the kernel's view of that name must be refreshed): then
 * *branch and *name say which (caller frees). */
int wsfs_handle_free(struct wsfs *fs, struct wsfs_handle *h, char **branch,
		     char **name);
/* Frees the handles still open when the mount ends. */
void wsfs_handles_free(struct wsfs *fs);

static inline struct wsfs_handle *wsfs_handle_of(struct fuse_file_info *fi)
{
	return fi ? (struct wsfs_handle *)(uintptr_t)fi->fh : NULL;
}

/* Stands for the hash in the cache keys of directories (modes, times). */
#define WSFS_DIR_KEY "/"

/* What `path` is in the commit the request reads (route.head): from the
 * cache, else from the store. 0 or a WS_E* code (lookup.c). */
int wsfs_lookup(struct wsfs_req *req, const char *path,
		struct wsfs_entry *out);

/* The commit that last changed `path` (a module or directory; "" is the
 * top: the commit itself) of the commit the request reads. 0 or a WS_E*
 * code (lookup.c). */
int wsfs_last_change(struct wsfs_req *req, const char *path,
		     struct wsfs_change *out);

/* A descriptor on the raw bytes of module `hash`, found at `path` of
 * the commit the request reads (NULL: by hash alone). 0 or a WS_E* code
 * (lookup.c). */
int wsfs_open_module(struct wsfs_req *req, const char *hash,
		     const char *path, int *fd);

/* Fills `st` for what the route names. 0 or -errno. */
int wsfs_stat(struct wsfs_req *req, struct stat *st);
/* The same for a file being written. */
int wsfs_stat_staged(struct wsfs *fs, struct wsfs_staged *node,
		     struct stat *st);
/* 0 when `path` is a directory of `branch` (in the store, in memory or
 * holding staged files), else -ENOENT. */
int wsfs_branch_dir(struct wsfs_req *req, const char *branch,
		    const char *path);

/* 1 when `path` of `at` (branch or commit) is a directory of the store
 * with something in it, 0 for an empty top, <0 when no such directory. */
int wsfs_store_dir(ws_store *store, const char *at, const char *path);
/* 1 when a directory of a branch holds nothing (store, memory, staged). */
int wsfs_dir_is_empty(struct wsfs_req *req, const char *branch,
		      const char *dir);

/* Records why a write to branch/path failed (stderr and last-error) and
 * returns the errno for `code`. */
int wsfs_report(struct wsfs *fs, const char *branch, const char *path,
		int code);

/* Validates and commits the bytes staged in `node` (locked by the caller)
 * at `path` of its branch. 0 or -errno (the reason reported). */
int wsfs_commit_node(struct wsfs *fs, ws_store *store,
		     struct wsfs_staged *node, const char *path);

/* Makes the kernel forget the attributes and pages it holds for
 * branch/path (fuse_invalidate_path: the inode only, never the entry, so
 * it is safe inside a request as long as no node lock is held). */
void wsfs_invalidate(struct wsfs *fs, const char *branch, const char *path);

/* 1 for "a/b" style names that ws_* would take as a module hash: a single
 * segment of 64 hex digits. */
int wsfs_is_hash_name(const char *path);

int wsfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi);
int wsfs_readlink(const char *path, char *buf, size_t size);
int wsfs_access(const char *path, int mask);
int wsfs_statfs(const char *path, struct statvfs *sv);
int wsfs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi);
int wsfs_chown(const char *path, uid_t uid, gid_t gid,
	       struct fuse_file_info *fi);
int wsfs_utimens(const char *path, const struct timespec tv[2],
		 struct fuse_file_info *fi);
int wsfs_getxattr(const char *path, const char *name, char *value,
		  size_t size);
int wsfs_listxattr(const char *path, char *list, size_t size);
int wsfs_setxattr(const char *path, const char *name, const char *value,
		  size_t size, int flags);
int wsfs_removexattr(const char *path, const char *name);

int wsfs_opendir(const char *path, struct fuse_file_info *fi);
int wsfs_releasedir(const char *path, struct fuse_file_info *fi);
int wsfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		 off_t off, struct fuse_file_info *fi,
		 enum fuse_readdir_flags flags);
int wsfs_mkdir(const char *path, mode_t mode);
int wsfs_rmdir(const char *path);

int wsfs_open(const char *path, struct fuse_file_info *fi);
int wsfs_create(const char *path, mode_t mode, struct fuse_file_info *fi);
int wsfs_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size,
		  off_t off, struct fuse_file_info *fi);
int wsfs_write(const char *path, const char *buf, size_t size, off_t off,
	       struct fuse_file_info *fi);
int wsfs_truncate(const char *path, off_t size, struct fuse_file_info *fi);
int wsfs_flush(const char *path, struct fuse_file_info *fi);
int wsfs_release(const char *path, struct fuse_file_info *fi);
int wsfs_fsync(const char *path, int datasync, struct fuse_file_info *fi);

int wsfs_unlink(const char *path);
int wsfs_rename(const char *from, const char *to, unsigned int flags);

#endif
