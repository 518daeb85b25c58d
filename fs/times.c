/* times.c - see times.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "times.h"

struct dir_times {
	char head[WS_COMMIT_HEXSIZE + 1]; /* the names hold for this commit */
	struct wsfs_strmap names;         /* name -> struct wsfs_change */
	int updating;  /* a walk is bringing it forward: wait for it */
	unsigned refs; /* the map's, and a walk's (lock held) */
};

/* A name and its answer, found by a walk (done without the lock). */
struct found {
	char *name;
	struct wsfs_change change;
};

struct walk {
	struct found *v;
	size_t count, cap;
};

static void dir_put(struct dir_times *d)
{
	if (--d->refs)
		return;
	wsfs_strmap_clear(&d->names);
	free(d);
}

static void unref_dir(void *value)
{
	dir_put(value);
}

void wsfs_times_init(struct wsfs_times *t)
{
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->walked, NULL);
	wsfs_strmap_init(&t->dirs, unref_dir);
	wsfs_strmap_init(&t->dates, free);
	t->names = 0;
}

void wsfs_times_free(struct wsfs_times *t)
{
	wsfs_strmap_clear(&t->dirs);
	wsfs_strmap_clear(&t->dates);
	pthread_cond_destroy(&t->walked);
	pthread_mutex_destroy(&t->lock);
}

static int collect(const ws_lastchange *c, void *payload)
{
	struct walk *w = payload;
	struct found *f;

	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct found *p = realloc(w->v, cap * sizeof(*p));
		if (!p)
			return ws_error_set(WS_ERROR, "out of memory");
		w->v = p;
		w->cap = cap;
	}
	f = &w->v[w->count];
	if (!(f->name = strdup(c->name)))
		return ws_error_set(WS_ERROR, "out of memory");
	memcpy(f->change.commit, c->commit, sizeof(f->change.commit));
	f->change.date = c->date;
	w->count++;
	return 0;
}

/* What the walk found replaces what `d` held (lock held). Returns how
 * many names are new to it. */
static size_t apply(struct dir_times *d, const struct walk *w)
{
	size_t added = 0;

	for (size_t i = 0; i < w->count; i++) {
		struct wsfs_change *v = malloc(sizeof(*v));
		if (!v)
			continue;
		*v = w->v[i].change;
		added += wsfs_strmap_get(&d->names, w->v[i].name) == NULL;
		wsfs_strmap_put(&d->names, w->v[i].name, v);
	}
	return added;
}

/* The directory under `key`, created empty if absent (lock held). */
static struct dir_times *dir_get(struct wsfs_times *t, const char *key)
{
	struct dir_times *d = wsfs_strmap_get(&t->dirs, key);

	if (d)
		return d;
	if (t->names >= WSFS_CACHE_MAX) {
		/* walks in progress keep their directory (their own ref) */
		wsfs_strmap_clear(&t->dirs);
		t->names = 0;
	}
	if (!(d = calloc(1, sizeof(*d))))
		return NULL;
	wsfs_strmap_init(&d->names, free);
	d->refs = 1;
	return wsfs_strmap_put(&t->dirs, key, d) < 0 ? NULL : d;
}

/*
 * Brings the directory under `key` to `head` (lock held; dropped during
 * the walk, so that other directories are answered meanwhile), walking
 * only what changed since the head its answers held for. The same
 * directory is walked by one request at a time. NULL with *error set, or
 * the directory (with a ref the caller drops).
 */
static struct dir_times *update(struct wsfs_times *t, ws_store *store,
				const char *key, const char *head,
				const char *dir, int *error)
{
	char since[WS_COMMIT_HEXSIZE + 1];
	struct walk w = { 0 };
	struct dir_times *d;

	for (;;) {
		if (!(d = dir_get(t, key))) {
			*error = ws_error_set(WS_ERROR, "out of memory");
			return NULL;
		}
		if (!d->updating)
			break;
		pthread_cond_wait(&t->walked, &t->lock);
	}
	d->refs++;
	if (!strcmp(d->head, head))
		return d;
	d->updating = 1;
	memcpy(since, d->head, sizeof(since));
	pthread_mutex_unlock(&t->lock);
	*error = ws_last_changes(store, head, dir, since[0] ? since : NULL,
				 collect, &w);
	pthread_mutex_lock(&t->lock);
	if (*error >= 0) {
		size_t added = apply(d, &w);
		if (wsfs_strmap_get(&t->dirs, key) == d)
			t->names += added;
		memcpy(d->head, head, sizeof(d->head));
	} else {
		/* half brought forward would hold for no commit */
		d->head[0] = '\0';
		wsfs_strmap_clear(&d->names);
	}
	d->updating = 0;
	pthread_cond_broadcast(&t->walked);
	for (size_t i = 0; i < w.count; i++)
		free(w.v[i].name);
	free(w.v);
	if (*error < 0) {
		dir_put(d);
		return NULL;
	}
	return d;
}

int wsfs_times_get(struct wsfs_times *t, ws_store *store, const char *at,
		   const char *head, const char *dir, const char *name,
		   struct wsfs_change *out)
{
	struct wsfs_change *v;
	struct dir_times *d;
	char *key;
	int error = 0;

	if (asprintf(&key, "%s\n%s", at, dir) < 0)
		return ws_error_set(WS_ERROR, "out of memory");
	pthread_mutex_lock(&t->lock);
	if ((d = update(t, store, key, head, dir, &error))) {
		if ((v = wsfs_strmap_get(&d->names, name)))
			*out = *v;
		else
			error = ws_error_set(WS_ENOTFOUND, "no history for '%s'",
					     name);
		dir_put(d);
	}
	pthread_mutex_unlock(&t->lock);
	free(key);
	return error;
}

int wsfs_times_commit_date(struct wsfs_times *t, ws_store *store,
			   const char *commit, int64_t *date)
{
	ws_commit_info *info = NULL;
	int64_t *v;
	int error;

	pthread_mutex_lock(&t->lock);
	v = wsfs_strmap_get(&t->dates, commit);
	if (v)
		*date = *v;
	pthread_mutex_unlock(&t->lock);
	if (v)
		return 0;
	if ((error = ws_commit_lookup(&info, store, commit)) < 0)
		return error;
	*date = info->date;
	ws_commit_info_free(info);
	if (!(v = malloc(sizeof(*v))))
		return 0;
	*v = *date;
	pthread_mutex_lock(&t->lock);
	if (t->dates.count >= WSFS_CACHE_MAX)
		wsfs_strmap_clear(&t->dates);
	wsfs_strmap_put(&t->dates, commit, v);
	pthread_mutex_unlock(&t->lock);
	return 0;
}
