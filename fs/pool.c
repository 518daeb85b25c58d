/* pool.c - see pool.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

static int open_store(ws_store **out, struct wsfs_pool *pool)
{
	int error = ws_store_open(out, pool->root);

	if (!error && pool->author &&
	    (error = ws_store_set_author(*out, pool->author)) < 0) {
		ws_store_free(*out);
		*out = NULL;
	}
	return error;
}

int wsfs_pool_init(struct wsfs_pool *pool, const char *root,
		   const char *author)
{
	ws_store *store = NULL;
	int error;

	memset(pool, 0, sizeof(*pool));
	pthread_mutex_init(&pool->lock, NULL);
	if (!(pool->root = strdup(root)) ||
	    (author && !(pool->author = strdup(author))))
		return ws_error_set(WS_ERROR, "out of memory");
	if ((error = open_store(&store, pool)) < 0)
		return error;
	wsfs_pool_put(pool, store);
	return 0;
}

void wsfs_pool_free(struct wsfs_pool *pool)
{
	for (size_t i = 0; i < pool->count; i++)
		ws_store_free(pool->free[i]);
	free(pool->free);
	free(pool->root);
	free(pool->author);
	pthread_mutex_destroy(&pool->lock);
	memset(pool, 0, sizeof(*pool));
}

ws_store *wsfs_pool_get(struct wsfs_pool *pool)
{
	ws_store *store = NULL;

	pthread_mutex_lock(&pool->lock);
	if (pool->count)
		store = pool->free[--pool->count];
	pthread_mutex_unlock(&pool->lock);
	if (!store && open_store(&store, pool) < 0)
		fprintf(stderr, "wasmstore-fs: error: opening store '%s': %s\n",
			pool->root, ws_error_last());
	return store;
}

void wsfs_pool_put(struct wsfs_pool *pool, ws_store *store)
{
	if (!store)
		return;
	pthread_mutex_lock(&pool->lock);
	if (pool->count == pool->cap) {
		size_t cap = pool->cap ? pool->cap * 2 : 8;
		ws_store **p = realloc(pool->free, cap * sizeof(*p));
		if (!p) {
			pthread_mutex_unlock(&pool->lock);
			ws_store_free(store);
			return;
		}
		pool->free = p;
		pool->cap = cap;
	}
	pool->free[pool->count++] = store;
	pthread_mutex_unlock(&pool->lock);
}
