/* memdir.c - see memdir.h. Few entries live here: a plain array will do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memdir.h"

void wsfs_memdir_init(struct wsfs_memdir *md)
{
	memset(md, 0, sizeof(*md));
	pthread_mutex_init(&md->lock, NULL);
}

void wsfs_memdir_free(struct wsfs_memdir *md)
{
	for (size_t i = 0; i < md->count; i++)
		free(md->dirs[i]);
	free(md->dirs);
	pthread_mutex_destroy(&md->lock);
	memset(md, 0, sizeof(*md));
}

static char *make_key(const char *branch, const char *path, size_t len)
{
	size_t b = strlen(branch);
	char *key = malloc(b + len + 2);

	if (key) {
		memcpy(key, branch, b);
		key[b] = '\n';
		memcpy(key + b + 1, path, len);
		key[b + 1 + len] = '\0';
	}
	return key;
}

/* Index of `key` or -1 (lock held). */
static long find(struct wsfs_memdir *md, const char *key)
{
	for (size_t i = 0; i < md->count; i++)
		if (strcmp(md->dirs[i], key) == 0)
			return (long)i;
	return -1;
}

static void drop_at(struct wsfs_memdir *md, size_t i)
{
	free(md->dirs[i]);
	md->dirs[i] = md->dirs[--md->count];
}

/* Adds the first `len` bytes of `path` unless present (lock held). */
static int add_one(struct wsfs_memdir *md, const char *branch,
		   const char *path, size_t len)
{
	char *key = make_key(branch, path, len);

	if (!key)
		return -ENOMEM;
	if (find(md, key) >= 0) {
		free(key);
		return 0;
	}
	if (md->count == md->cap) {
		size_t cap = md->cap ? md->cap * 2 : 16;
		char **p = realloc(md->dirs, cap * sizeof(*p));
		if (!p) {
			free(key);
			return -ENOMEM;
		}
		md->dirs = p;
		md->cap = cap;
	}
	md->dirs[md->count++] = key;
	return 0;
}

/* Adds every prefix of path[0..len) ending before a '/', and the whole. */
static int add_chain(struct wsfs_memdir *md, const char *branch,
		     const char *path, size_t len)
{
	int error = 0;

	pthread_mutex_lock(&md->lock);
	for (size_t i = 1; i <= len && !error; i++)
		if (i == len || path[i] == '/')
			error = add_one(md, branch, path, i);
	pthread_mutex_unlock(&md->lock);
	return error;
}

int wsfs_memdir_add(struct wsfs_memdir *md, const char *branch,
		    const char *path)
{
	return add_chain(md, branch, path, strlen(path));
}

int wsfs_memdir_add_parents(struct wsfs_memdir *md, const char *branch,
			    const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? add_chain(md, branch, path, (size_t)(slash - path)) : 0;
}

int wsfs_memdir_contains(struct wsfs_memdir *md, const char *branch,
			 const char *path)
{
	char *key = make_key(branch, path, strlen(path));
	int found;

	if (!key)
		return 0;
	pthread_mutex_lock(&md->lock);
	found = find(md, key) >= 0;
	pthread_mutex_unlock(&md->lock);
	free(key);
	return found;
}

int wsfs_memdir_remove(struct wsfs_memdir *md, const char *branch,
		       const char *path)
{
	char *key = make_key(branch, path, strlen(path));
	long at;

	if (!key)
		return 0;
	pthread_mutex_lock(&md->lock);
	if ((at = find(md, key)) >= 0)
		drop_at(md, (size_t)at);
	pthread_mutex_unlock(&md->lock);
	free(key);
	return at >= 0;
}

void wsfs_memdir_prune(struct wsfs_memdir *md, const char *branch,
		       const char *path)
{
	size_t len = strlen(path);

	pthread_mutex_lock(&md->lock);
	for (size_t i = 1; i < len; i++) {
		char *key;
		long at;
		if (path[i] != '/' || !(key = make_key(branch, path, i)))
			continue;
		if ((at = find(md, key)) >= 0)
			drop_at(md, (size_t)at);
		free(key);
	}
	pthread_mutex_unlock(&md->lock);
}

/* The part of `key` below `prefix` ("branch\n" or "branch\ndir/"), or
 * NULL when the key is not below it. */
static const char *below(const char *key, const char *prefix, size_t plen)
{
	return strncmp(key, prefix, plen) == 0 ? key + plen : NULL;
}

static char *dir_prefix(const char *branch, const char *dir, size_t *len)
{
	size_t b = strlen(branch), d = strlen(dir);
	char *p = malloc(b + d + 3);

	if (!p)
		return NULL;
	if (d)
		sprintf(p, "%s\n%s/", branch, dir);
	else
		sprintf(p, "%s\n", branch);
	*len = strlen(p);
	return p;
}

int wsfs_memdir_children(struct wsfs_memdir *md, const char *branch,
			 const char *dir, wsfs_name_fn fn, void *payload)
{
	size_t plen;
	char *prefix = dir_prefix(branch, dir, &plen);
	int error = 0;

	if (!prefix)
		return -ENOMEM;
	pthread_mutex_lock(&md->lock);
	for (size_t i = 0; i < md->count && !error; i++) {
		const char *rest = below(md->dirs[i], prefix, plen);
		if (rest && *rest && !strchr(rest, '/'))
			error = fn(rest, payload);
	}
	pthread_mutex_unlock(&md->lock);
	free(prefix);
	return error;
}

int wsfs_memdir_rename(struct wsfs_memdir *md, const char *branch,
		       const char *from, const char *to)
{
	size_t plen, flen = strlen(from);
	char *prefix = dir_prefix(branch, from, &plen);
	int error = 0;

	if (!prefix)
		return -ENOMEM;
	pthread_mutex_lock(&md->lock);
	for (size_t i = 0; i < md->count && !error; i++) {
		const char *key = md->dirs[i];
		const char *path = strchr(key, '\n') + 1;
		char *moved;
		size_t n;
		if (!below(key, prefix, plen) &&
		    !(strncmp(key, prefix, plen - 1) == 0 && key[plen - 1] == '\0'))
			continue;
		n = strlen(to) + strlen(path + flen) + 1;
		if (!(moved = malloc(strlen(branch) + n + 2))) {
			error = -ENOMEM;
			break;
		}
		sprintf(moved, "%s\n%s%s", branch, to, path + flen);
		free(md->dirs[i]);
		md->dirs[i] = moved;
	}
	pthread_mutex_unlock(&md->lock);
	free(prefix);
	if (!error)
		error = wsfs_memdir_add_parents(md, branch, to);
	return error;
}

void wsfs_memdir_drop_branch(struct wsfs_memdir *md, const char *branch)
{
	size_t plen;
	char *prefix = dir_prefix(branch, "", &plen);

	if (!prefix)
		return;
	pthread_mutex_lock(&md->lock);
	for (size_t i = 0; i < md->count;) {
		if (below(md->dirs[i], prefix, plen))
			drop_at(md, i);
		else
			i++;
	}
	pthread_mutex_unlock(&md->lock);
	free(prefix);
}
