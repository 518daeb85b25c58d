/*
 * strmap.h - a small hash map from strings to pointers (not thread-safe:
 * callers hold their own lock).
 */
#ifndef WSFS_STRMAP_H
#define WSFS_STRMAP_H

#include <stddef.h>

struct wsfs_strmap_entry;

struct wsfs_strmap {
	struct wsfs_strmap_entry **buckets;
	size_t nbuckets, count;
	void (*free_value)(void *); /* may be NULL */
};

void wsfs_strmap_init(struct wsfs_strmap *map, void (*free_value)(void *));
void wsfs_strmap_clear(struct wsfs_strmap *map);

/* The value stored under `key`, or NULL. */
void *wsfs_strmap_get(const struct wsfs_strmap *map, const char *key);

/* Stores `value` under a copy of `key`, replacing (and freeing) an older
 * value. 0, or -1 when out of memory (then `value` is freed). */
int wsfs_strmap_put(struct wsfs_strmap *map, const char *key, void *value);

void wsfs_strmap_del(struct wsfs_strmap *map, const char *key);

#endif
