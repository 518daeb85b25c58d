/* commitqueue.c - one queue of pending writes per store root and process. */
#include "commitqueue.h"

#include "objbatch.h"

#include <limits.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A bound on one batch, so a leader acknowledges its own write soon. */
#define MAX_BATCH 128
/* Every batch writes a pack; every so many, one writer merges them. */
#define UPKEEP_EVERY 8

struct ws_commitqueue {
	char *root;
	pid_t pid;             /* a forked child makes queues of its own */
	unsigned users;        /* open handles on the root; registry_lock */
	pthread_mutex_t lock;  /* everything below */
	pthread_cond_t changed;
	ws_commit_req *head, **tail;
	int leading;           /* a thread is committing a batch */
	ws_store *committer;   /* the leader's private handle, opened lazily */
	unsigned batches;      /* since the last upkeep */
	struct ws_commitqueue *next;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static ws_commitqueue *registry;

int ws_commitqueue__join(ws_commitqueue **out, const char *root)
{
	ws_commitqueue *q;

	pthread_mutex_lock(&registry_lock);
	for (q = registry; q; q = q->next)
		if (q->pid == getpid() && !strcmp(q->root, root))
			break;
	if (!q) {
		if (!(q = calloc(1, sizeof(*q))) || !(q->root = strdup(root))) {
			free(q);
			pthread_mutex_unlock(&registry_lock);
			return ws_error_set(WS_ERROR, "out of memory");
		}
		pthread_mutex_init(&q->lock, NULL);
		pthread_cond_init(&q->changed, NULL);
		q->tail = &q->head;
		q->pid = getpid();
		q->next = registry;
		registry = q;
	}
	q->users++;
	pthread_mutex_unlock(&registry_lock);
	*out = q;
	return 0;
}

void ws_commitqueue__leave(ws_commitqueue *q)
{
	ws_commitqueue **p;

	if (!q)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--q->users > 0) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	for (p = &registry; *p && *p != q; p = &(*p)->next)
		;
	if (*p)
		*p = q->next;
	pthread_mutex_unlock(&registry_lock);
	/* no handle is left, so no request is queued or being led */
	ws_store_free(q->committer);
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->lock);
	free(q->root);
	free(q);
}

void ws_commit_req__set_result(ws_commit_req *r, int error)
{
	r->error = error;
	if (error)
		snprintf(r->errmsg, sizeof(r->errmsg), "%s", ws_error_last());
}

static void fail_all(ws_commit_req *batch, int error)
{
	for (ws_commit_req *r = batch; r; r = r->next)
		ws_commit_req__set_result(r, error);
}

static int open_committer(ws_commitqueue *q)
{
	char objects[PATH_MAX + 16];
	int error;

	if ((error = ws_store__open_private(&q->committer, q->root)) < 0)
		return error;
	snprintf(objects, sizeof(objects), "%s/objects", q->root);
	if ((error = ws_objbatch_attach(&q->committer->objbatch,
					q->committer->repo, objects)) < 0) {
		ws_store_free(q->committer);
		q->committer = NULL;
	}
	return error;
}

/* 1 when the refs the batch moved still need their sync. */
static int lead(ws_commitqueue *q, ws_commit_req *batch)
{
	int error = 0;

	if (!q->committer)
		error = open_committer(q);
	if (error < 0) {
		fail_all(batch, error);
		return 0;
	}
	return ws_store__commit_batch(q->committer, batch);
}

/* The sync after the refs moved; the requests that made commits fail if
 * it does. */
static void sync_refs(ws_commitqueue *q, ws_commit_req *batch)
{
	int error = ws__syncfs(q->root);

	if (error < 0)
		for (ws_commit_req *r = batch; r; r = r->next)
			if (r->made) {
				r->made = 0;
				ws_commit_req__set_result(r, error);
			}
}

int ws_commitqueue__submit(ws_commitqueue *q, ws_commit_req *req)
{
	int upkeep = 0;

	req->done = 0;
	req->next = NULL;
	pthread_mutex_lock(&q->lock);
	*q->tail = req;
	q->tail = &req->next;
	while (!req->done) {
		ws_commit_req *batch, *last;
		int n = 1;

		/* someone leads, or ours is in a batch waiting for its sync */
		if (q->leading || !q->head) {
			pthread_cond_wait(&q->changed, &q->lock);
			continue;
		}
		/* nobody leads: take the oldest requests (ours among them
		 * unless the queue is longer than a batch) */
		q->leading = 1;
		batch = last = q->head;
		while (last->next && n < MAX_BATCH) {
			last = last->next;
			n++;
		}
		q->head = last->next;
		if (!q->head)
			q->tail = &q->head;
		last->next = NULL;
		pthread_mutex_unlock(&q->lock);

		int pending_sync = lead(q, batch);

		pthread_mutex_lock(&q->lock);
		/* the next leader may build on our commits while we sync */
		q->leading = 0;
		/* the first batch too: a CLI process writes just one */
		if (q->batches++ % UPKEEP_EVERY == 0)
			upkeep = 1;
		pthread_cond_broadcast(&q->changed);
		if (pending_sync) {
			pthread_mutex_unlock(&q->lock);
			sync_refs(q, batch);
			pthread_mutex_lock(&q->lock);
		}
		for (ws_commit_req *r = batch, *next; r; r = next) {
			next = r->next; /* r belongs to its thread once done */
			r->done = 1;
		}
		pthread_cond_broadcast(&q->changed);
	}
	pthread_mutex_unlock(&q->lock);
	return upkeep;
}
