/* cache.c - see cache.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"

#define KEY_MAX 4608 /* a branch, a 4096-byte path and a hash */

static int make_key(char *key, const char *branch, const char *path,
		    const char *hash)
{
	int n = hash ? snprintf(key, KEY_MAX, "%s\n%s\n%s", branch, path, hash)
		     : snprintf(key, KEY_MAX, "%s\n%s", branch, path);

	return n < 0 || n >= KEY_MAX ? -1 : 0;
}

static void close_fd(void *value)
{
	close((int)(intptr_t)value - 1);
}

void wsfs_cache_init(struct wsfs_cache *cache)
{
	pthread_mutex_init(&cache->lock, NULL);
	wsfs_strmap_init(&cache->sizes, free);
	wsfs_strmap_init(&cache->commits, free);
	wsfs_strmap_init(&cache->entries, free);
	wsfs_strmap_init(&cache->fds, close_fd);
	wsfs_strmap_init(&cache->served, free);
	wsfs_strmap_init(&cache->attrs, free);
}

void wsfs_cache_free(struct wsfs_cache *cache)
{
	wsfs_strmap_clear(&cache->sizes);
	wsfs_strmap_clear(&cache->commits);
	wsfs_strmap_clear(&cache->entries);
	wsfs_strmap_clear(&cache->fds);
	wsfs_strmap_clear(&cache->served);
	wsfs_strmap_clear(&cache->attrs);
	pthread_mutex_destroy(&cache->lock);
}

/* Stores a copy of `len` bytes at `value` under `key` (lock held). */
static void put_copy(struct wsfs_strmap *map, const char *key,
		     const void *value, size_t len)
{
	void *copy = malloc(len);

	if (!copy)
		return;
	memcpy(copy, value, len);
	if (map->count >= WSFS_CACHE_MAX)
		wsfs_strmap_clear(map);
	wsfs_strmap_put(map, key, copy);
}

/* Copies what is stored under `key` to `out`: 1, or 0 when absent. */
static int get_copy(struct wsfs_cache *cache, struct wsfs_strmap *map,
		    const char *key, void *out, size_t len)
{
	void *v;

	pthread_mutex_lock(&cache->lock);
	if ((v = wsfs_strmap_get(map, key)))
		memcpy(out, v, len);
	pthread_mutex_unlock(&cache->lock);
	return v != NULL;
}

int wsfs_cache_size_get(struct wsfs_cache *cache, const char *hash,
			uint64_t *size)
{
	return get_copy(cache, &cache->sizes, hash, size, sizeof(*size));
}

void wsfs_cache_size_put(struct wsfs_cache *cache, const char *hash,
			 uint64_t size)
{
	pthread_mutex_lock(&cache->lock);
	put_copy(&cache->sizes, hash, &size, sizeof(size));
	pthread_mutex_unlock(&cache->lock);
}

int wsfs_cache_commit_known(struct wsfs_cache *cache, const char *commit)
{
	char one;

	return get_copy(cache, &cache->commits, commit, &one, 1);
}

void wsfs_cache_commit_put(struct wsfs_cache *cache, const char *commit)
{
	pthread_mutex_lock(&cache->lock);
	put_copy(&cache->commits, commit, "", 1);
	pthread_mutex_unlock(&cache->lock);
}

int wsfs_cache_served(struct wsfs_cache *cache, const char *branch,
		      const char *path, const char *hash)
{
	char key[KEY_MAX];
	const char *last;
	int same;

	if (make_key(key, branch, path, NULL) < 0)
		return 0;
	pthread_mutex_lock(&cache->lock);
	last = wsfs_strmap_get(&cache->served, key);
	same = last && strcmp(last, hash) == 0;
	if (!same)
		put_copy(&cache->served, key, hash, strlen(hash) + 1);
	pthread_mutex_unlock(&cache->lock);
	return same;
}

int wsfs_cache_entry_get(struct wsfs_cache *cache, const char *commit,
			 const char *path, struct wsfs_entry *out)
{
	char key[KEY_MAX];

	if (make_key(key, commit, path, NULL) < 0)
		return 0;
	return get_copy(cache, &cache->entries, key, out, sizeof(*out));
}

void wsfs_cache_entry_put(struct wsfs_cache *cache, const char *commit,
			  const char *path, const struct wsfs_entry *entry)
{
	char key[KEY_MAX];

	if (make_key(key, commit, path, NULL) < 0)
		return;
	pthread_mutex_lock(&cache->lock);
	put_copy(&cache->entries, key, entry, sizeof(*entry));
	pthread_mutex_unlock(&cache->lock);
}

/* fds are stored as fd + 1, so that no value is NULL. */
int wsfs_cache_fd_get(struct wsfs_cache *cache, const char *hash)
{
	void *v;
	int fd = -1;

	pthread_mutex_lock(&cache->lock);
	if ((v = wsfs_strmap_get(&cache->fds, hash)))
		fd = fcntl((int)(intptr_t)v - 1, F_DUPFD_CLOEXEC, 0);
	pthread_mutex_unlock(&cache->lock);
	return fd;
}

void wsfs_cache_fd_put(struct wsfs_cache *cache, const char *hash, int fd)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (copy < 0)
		return;
	pthread_mutex_lock(&cache->lock);
	if (cache->fds.count >= WSFS_CACHE_FDS)
		wsfs_strmap_clear(&cache->fds);
	wsfs_strmap_put(&cache->fds, hash, (void *)(intptr_t)(copy + 1));
	pthread_mutex_unlock(&cache->lock);
}

int wsfs_cache_attr_get(struct wsfs_cache *cache, const char *branch,
			const char *path, const char *hash,
			struct wsfs_attr *out)
{
	char key[KEY_MAX];

	memset(out, 0, sizeof(*out));
	if (make_key(key, branch, path, hash) < 0)
		return 0;
	return get_copy(cache, &cache->attrs, key, out, sizeof(*out));
}

void wsfs_cache_attr_put(struct wsfs_cache *cache, const char *branch,
			 const char *path, const char *hash,
			 const struct wsfs_attr *attr)
{
	struct wsfs_attr merged, *old;
	char key[KEY_MAX];

	if (make_key(key, branch, path, hash) < 0)
		return;
	pthread_mutex_lock(&cache->lock);
	merged = *attr;
	if ((old = wsfs_strmap_get(&cache->attrs, key))) {
		if (!merged.has_mode && old->has_mode) {
			merged.has_mode = 1;
			merged.mode = old->mode;
		}
		if (!merged.has_mtime && old->has_mtime) {
			merged.has_mtime = 1;
			merged.mtime = old->mtime;
		}
	}
	put_copy(&cache->attrs, key, &merged, sizeof(merged));
	pthread_mutex_unlock(&cache->lock);
}
