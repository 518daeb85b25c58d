/* strmap.c - see strmap.h. Chained buckets, FNV-1a, doubling on load 1. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct wsfs_strmap_entry {
	struct wsfs_strmap_entry *next;
	void *value;
	char key[];
};

static size_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return (size_t)h;
}

void wsfs_strmap_init(struct wsfs_strmap *map, void (*free_value)(void *))
{
	memset(map, 0, sizeof(*map));
	map->free_value = free_value;
}

void wsfs_strmap_clear(struct wsfs_strmap *map)
{
	for (size_t i = 0; i < map->nbuckets; i++) {
		struct wsfs_strmap_entry *e = map->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			if (map->free_value)
				map->free_value(e->value);
			free(e);
		}
	}
	free(map->buckets);
	map->buckets = NULL;
	map->nbuckets = map->count = 0;
}

static struct wsfs_strmap_entry **slot(const struct wsfs_strmap *map,
				       const char *key)
{
	struct wsfs_strmap_entry **p;

	if (!map->nbuckets)
		return NULL;
	p = &map->buckets[hash_str(key) & (map->nbuckets - 1)];
	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

void *wsfs_strmap_get(const struct wsfs_strmap *map, const char *key)
{
	struct wsfs_strmap_entry **p = slot(map, key);

	return p && *p ? (*p)->value : NULL;
}

static int grow(struct wsfs_strmap *map)
{
	size_t n = map->nbuckets ? map->nbuckets * 2 : 64;
	struct wsfs_strmap_entry **b = calloc(n, sizeof(*b));

	if (!b)
		return -1;
	for (size_t i = 0; i < map->nbuckets; i++) {
		struct wsfs_strmap_entry *e = map->buckets[i], *next;
		for (; e; e = next) {
			size_t at = hash_str(e->key) & (n - 1);
			next = e->next;
			e->next = b[at];
			b[at] = e;
		}
	}
	free(map->buckets);
	map->buckets = b;
	map->nbuckets = n;
	return 0;
}

int wsfs_strmap_put(struct wsfs_strmap *map, const char *key, void *value)
{
	struct wsfs_strmap_entry **p, *e;
	size_t len = strlen(key);

	if (map->count >= map->nbuckets && grow(map) < 0)
		goto fail;
	p = slot(map, key);
	if (*p) {
		if (map->free_value && (*p)->value != value)
			map->free_value((*p)->value);
		(*p)->value = value;
		return 0;
	}
	if (!(e = malloc(sizeof(*e) + len + 1)))
		goto fail;
	memcpy(e->key, key, len + 1);
	e->value = value;
	e->next = NULL;
	*p = e;
	map->count++;
	return 0;
fail:
	if (map->free_value)
		map->free_value(value);
	return -1;
}

void wsfs_strmap_del(struct wsfs_strmap *map, const char *key)
{
	struct wsfs_strmap_entry **p = slot(map, key), *e;

	if (!p || !(e = *p))
		return;
	*p = e->next;
	if (map->free_value)
		map->free_value(e->value);
	free(e);
	map->count--;
}
