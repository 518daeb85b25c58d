/* times.c - see times.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "times.h"

struct dir_times {
	char head[WS_COMMIT_HEXSIZE + 1]; /* the names hold for this commit */
	struct wsfs_strmap names;         /* name -> struct wsfs_change */
};

static void free_dir(void *value)
{
	struct dir_times *d = value;

	wsfs_strmap_clear(&d->names);
	free(d);
}

void wsfs_times_init(struct wsfs_times *t)
{
	pthread_mutex_init(&t->lock, NULL);
	wsfs_strmap_init(&t->dirs, free_dir);
	wsfs_strmap_init(&t->dates, free);
	t->names = 0;
}

void wsfs_times_free(struct wsfs_times *t)
{
	wsfs_strmap_clear(&t->dirs);
	wsfs_strmap_clear(&t->dates);
	pthread_mutex_destroy(&t->lock);
}

struct apply_ctx {
	struct wsfs_times *t;
	struct dir_times *d;
};

/* A name's newer answer replaces what the directory held (lock held). */
static int apply(const ws_lastchange *c, void *payload)
{
	struct apply_ctx *ctx = payload;
	struct wsfs_change *v = malloc(sizeof(*v));
	int had;

	if (!v)
		return ws_error_set(WS_ERROR, "out of memory");
	memcpy(v->commit, c->commit, sizeof(v->commit));
	v->date = c->date;
	had = wsfs_strmap_get(&ctx->d->names, c->name) != NULL;
	if (wsfs_strmap_put(&ctx->d->names, c->name, v) < 0)
		return ws_error_set(WS_ERROR, "out of memory");
	ctx->t->names += !had;
	return 0;
}

/* The directory's answers brought to `head` (lock held), or NULL with
 * the error in *error. */
static struct dir_times *update(struct wsfs_times *t, ws_store *store,
				const char *key, const char *head,
				const char *dir, int *error)
{
	struct dir_times *d = wsfs_strmap_get(&t->dirs, key);
	struct apply_ctx ctx = { t, d };

	if (d && !strcmp(d->head, head))
		return d;
	if (t->names >= WSFS_CACHE_MAX) {
		wsfs_strmap_clear(&t->dirs);
		t->names = 0;
		d = NULL;
	}
	if (!d) {
		if (!(d = calloc(1, sizeof(*d)))) {
			*error = ws_error_set(WS_ERROR, "out of memory");
			return NULL;
		}
		wsfs_strmap_init(&d->names, free);
		if (wsfs_strmap_put(&t->dirs, key, d) < 0) {
			*error = ws_error_set(WS_ERROR, "out of memory");
			return NULL;
		}
	}
	ctx.d = d;
	/* since the head the answers held for: only what changed after it */
	*error = ws_last_changes(store, head, dir, d->head[0] ? d->head : NULL,
				 apply, &ctx);
	if (*error < 0) {
		/* half brought forward: holds for no commit, so forget it */
		t->names -= d->names.count;
		wsfs_strmap_del(&t->dirs, key);
		return NULL;
	}
	memcpy(d->head, head, sizeof(d->head));
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
