/*
 * commitqueue.h - group commit: the writers of one process hand their
 * edits to a queue per store root; one of them (the leader) applies a
 * whole batch through a private repository handle, as a chain of commits
 * (still one commit per write), with one sync before and one after the
 * ref updates instead of two per write. Other processes still race
 * through the refs' compare-and-swap.
 */
#ifndef WS_COMMITQUEUE_H
#define WS_COMMITQUEUE_H

#include "store.h"

typedef struct ws_commit_req {
	/* in */
	const char *refname; /* "refs/heads/<branch>" */
	const char *author;
	const char *message;
	ws_edit_fn fn;
	void *payload;
	/* out, set by whoever leads the batch */
	int error;           /* 0 or the WS_E* code */
	char errmsg[1024];   /* the message that went with it */
	int made;            /* a commit was made */
	git_oid commit;
	/* queue state */
	int done;
	struct ws_commit_req *next;
} ws_commit_req;

/* Sets the request's result: `error` (0 or a WS_E* code) with this
 * thread's last message, which the request's own thread then reports. */
void ws_commit_req__set_result(ws_commit_req *req, int error);

typedef struct ws_commitqueue ws_commitqueue;

/* The queue of `store`'s root (created on first use); every open handle
 * joins it, so that it lives as long as one handle on the root does. */
int ws_commitqueue__join(ws_commitqueue **out, const char *root);
void ws_commitqueue__leave(ws_commitqueue *queue);

/* Queues `req` and returns once it is done (its out fields set). The
 * calling thread may lead and commit the batch it belongs to. Returns 1
 * when that thread should now merge packs (its write is already done). */
int ws_commitqueue__submit(ws_commitqueue *queue, ws_commit_req *req);

/* Applies a batch of requests (linked by `next`) through `committer`;
 * sets every request's out fields. Returns 1 when refs moved: they are
 * durable, and the requests that made commits done, only after one more
 * sync of the store, which the caller makes once it has let the next
 * leader start. Implemented in commit.c. */
int ws_store__commit_batch(ws_store *committer, ws_commit_req *batch);

#endif
