/*
 * pool.h - store handles for many threads.
 *
 * A ws_store must not be used by two threads at once, and FUSE serves
 * requests from a pool of threads that grows and shrinks. So handles are
 * lent out: a request takes one (opening a new one when all are busy) and
 * gives it back when done. Reads on different handles run in parallel.
 */
#ifndef WSFS_POOL_H
#define WSFS_POOL_H

#include <pthread.h>

#include "wasmstore.h"

struct wsfs_pool {
	pthread_mutex_t lock;
	ws_store **free; /* idle handles */
	size_t count, cap;
	char *root;
	char *author; /* NULL: the library's default */
};

/* Opens one handle to check `root` is a usable store; it stays pooled. */
int wsfs_pool_init(struct wsfs_pool *pool, const char *root,
		   const char *author);
void wsfs_pool_free(struct wsfs_pool *pool);

/* A handle for this request, or NULL (the reason is logged). */
ws_store *wsfs_pool_get(struct wsfs_pool *pool);
void wsfs_pool_put(struct wsfs_pool *pool, ws_store *store);

#endif
