/*
 * cache.h - what the mount remembers about modules between requests.
 *
 * Anything keyed by a module hash never goes stale (a hash names fixed
 * bytes); a path's hash does, so everything else is keyed by
 * (branch, path, hash) and simply stops matching when the path moves on.
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

struct wsfs_cache {
	pthread_mutex_t lock;
	struct wsfs_strmap sizes;   /* hash -> size */
	struct wsfs_strmap commits; /* commit id -> known to exist */
	struct wsfs_strmap served;  /* branch\npath -> hash last opened */
	struct wsfs_strmap changes; /* branch\npath\nhash -> last change */
	struct wsfs_strmap attrs;   /* branch\npath\nhash -> chmod/utimens */
};

/* The commit that last changed a path, and its date. */
struct wsfs_change {
	char commit[WS_COMMIT_HEXSIZE + 1];
	int64_t date;
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

int wsfs_cache_change_get(struct wsfs_cache *cache, const char *branch,
			  const char *path, const char *hash,
			  struct wsfs_change *out);
void wsfs_cache_change_put(struct wsfs_cache *cache, const char *branch,
			   const char *path, const char *hash,
			   const struct wsfs_change *change);

int wsfs_cache_attr_get(struct wsfs_cache *cache, const char *branch,
			const char *path, const char *hash,
			struct wsfs_attr *out);
/* Merges the fields set in `attr` into what is remembered. */
void wsfs_cache_attr_put(struct wsfs_cache *cache, const char *branch,
			 const char *path, const char *hash,
			 const struct wsfs_attr *attr);

#endif
