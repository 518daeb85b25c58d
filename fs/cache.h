/*
 * cache.h - what the mount remembers about modules between requests.
 *
 * Anything keyed by a module hash never goes stale (a hash names fixed
 * bytes); a path's hash does, so everything else is keyed by
 * (branch, path, hash) and simply stops matching when the path moves on.
 * What a path of a commit is never goes stale either (a commit names a
 * fixed tree): requests read a branch at its head commit (route.h), so a
 * branch that moves simply asks about new keys.
 * All maps are bounded: past WSFS_CACHE_MAX entries one is emptied.
 */
#ifndef WSFS_CACHE_H
#define WSFS_CACHE_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "strmap.h"
#include "wasmstore.h"

#define WSFS_CACHE_MAX 100000
#define WSFS_CACHE_FDS 128 /* raw files kept open */

struct wsfs_cache {
	pthread_mutex_t lock;
	struct wsfs_strmap sizes;   /* hash -> size */
	struct wsfs_strmap commits; /* commit id -> known to exist */
	struct wsfs_strmap entries; /* commit\npath -> struct wsfs_entry */
	struct wsfs_strmap fds;     /* hash -> open raw file */
	struct wsfs_strmap served;  /* branch\npath -> hash last opened */
	struct wsfs_strmap attrs;   /* branch\npath\nhash -> chmod/utimens */
};

/* What a path of a commit is. */
enum wsfs_kind { WSFS_K_NONE, WSFS_K_MODULE, WSFS_K_DIR };

struct wsfs_entry {
	enum wsfs_kind kind;
	ws_module_info info; /* WSFS_K_MODULE */
};

/* Mode and times set on a module through the mount (kept in memory). */
struct wsfs_attr {
	int has_mode, has_mtime;
	mode_t mode;
	struct timespec mtime;
};

void wsfs_cache_init(struct wsfs_cache *cache);
void wsfs_cache_free(struct wsfs_cache *cache);

/* 1 and *size when the module's size is known. */
int wsfs_cache_size_get(struct wsfs_cache *cache, const char *hash,
			uint64_t *size);
void wsfs_cache_size_put(struct wsfs_cache *cache, const char *hash,
			 uint64_t size);

/* 1 when the commit is known to exist; commits never change. */
int wsfs_cache_commit_known(struct wsfs_cache *cache, const char *commit);
void wsfs_cache_commit_put(struct wsfs_cache *cache, const char *commit);

/* Records that `hash` is being opened at branch/path; 1 when the previous
 * open there served the same module (the kernel may keep its pages). */
int wsfs_cache_served(struct wsfs_cache *cache, const char *branch,
		      const char *path, const char *hash);

/* 1 and *out when what `path` of `commit` is is known. */
int wsfs_cache_entry_get(struct wsfs_cache *cache, const char *commit,
			 const char *path, struct wsfs_entry *out);
void wsfs_cache_entry_put(struct wsfs_cache *cache, const char *commit,
			  const char *path, const struct wsfs_entry *entry);

/* A new descriptor (the caller's) on the raw file of module `hash`, or -1
 * when none is kept. Opening by path costs a walk of the store's
 * directories (disk reads when cold); a module's file never changes. */
int wsfs_cache_fd_get(struct wsfs_cache *cache, const char *hash);
/* Keeps a copy of `fd` (the caller keeps `fd`). */
void wsfs_cache_fd_put(struct wsfs_cache *cache, const char *hash, int fd);

int wsfs_cache_attr_get(struct wsfs_cache *cache, const char *branch,
			const char *path, const char *hash,
			struct wsfs_attr *out);
/* Merges the fields set in `attr` into what is remembered. */
void wsfs_cache_attr_put(struct wsfs_cache *cache, const char *branch,
			 const char *path, const char *hash,
			 const struct wsfs_attr *attr);

#endif
