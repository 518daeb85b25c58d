/*
 * fs.h - wasmstore-fs: the store as a FUSE filesystem (high-level API).
 *
 * Layout of a mount:
 *   /branches/<name>/<path>   every branch, read-write
 *   /commits/<commit>/<path>  the tree of any commit, read-only
 *   /by-hash/<sha256>         any stored module by its hash, read-only
 *   /default                  symlink to branches/<default branch>
 *   /.wasmstore/last-error    the last failed write, for people to cat
 */
#ifndef WSFS_FS_H
#define WSFS_FS_H

#include <fuse.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "wasmstore.h"

#include "cache.h"
#include "errlog.h"
#include "memdir.h"
#include "pool.h"
#include "staged.h"
#include "times.h"

struct wsfs_watch;
struct wsfs_handle;

struct wsfs_options {
	char *root;     /* --root: the store */
	char *branch;   /* --branch: default branch of the mount */
	char *author;   /* --author: author of commits made here */
	char *log;      /* --log: where errors go once in the background */
	char *tmpdir;   /* --tmpdir: where writes are staged */
	double timeout; /* --timeout: seconds the kernel may cache names */
	int readonly;   /* -o ro */
	int show_help;
	int show_version;
};

struct wsfs {
	struct wsfs_options opt;
	struct wsfs_pool pool;
	struct wsfs_stage stage;
	struct wsfs_memdir memdir;
	struct wsfs_cache cache;
	struct wsfs_times times;
	struct wsfs_errlog errlog;
	struct wsfs_watch *watch;
	pthread_mutex_t handles_lock;
	struct wsfs_handle *handles; /* open files, freed at unmount if the
				      * kernel never released them */
	struct fuse *fuse;
	uid_t uid;
	gid_t gid;
	struct timespec start;
};

/* The mount this request belongs to. */
static inline struct wsfs *wsfs_get(void)
{
	return fuse_get_context()->private_data;
}

/* A library code as the negated errno a FUSE operation returns: the one
 * place where that mapping lives (unknown codes are -EIO). */
int wsfs_errno(int code);

/* The operations table (ops.c). */
extern const struct fuse_operations wsfs_operations;

#endif
