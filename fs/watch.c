/* watch.c - see watch.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"
#include "watch.h"

#define REFRESH_MS 1000 /* how often the list of branches is read again */

struct branch_watch {
	char *name;
	ws_watch *watch;
	int seen; /* still a branch at the last refresh */
	char head[WS_COMMIT_HEXSIZE + 1]; /* as a request read it, or "" */
};

struct wsfs_watch {
	struct wsfs *fs;
	ws_store *store; /* this thread's own */
	pthread_t thread;
	int wake[2];     /* a byte here stops the thread */
	/* requests read branches[] and heads under the lock; the thread
	 * takes it to change them */
	pthread_mutex_t lock;
	int busy;        /* woken, handling what the refs reported */
	unsigned gen;    /* wakes so far: heads read before one are stale */
	struct branch_watch *branches;
	size_t count, cap;
};

struct change_ctx {
	struct wsfs_watch *w;
	const char *branch;
	char last_dir[4200]; /* the previous change's directory: done */
};

/* "a/b/c" -> "a/b", "a" -> "" (in place). */
static void up(char *path)
{
	char *slash = strrchr(path, '/');

	*(slash ? slash : path) = '\0';
}

/* The path, and the directories above it: their times are their last
 * change below (siblings share them: once per run of them). */
static int on_change(const ws_change *change, void *payload)
{
	struct change_ctx *ctx = payload;
	char dir[sizeof(ctx->last_dir)];

	wsfs_invalidate(ctx->w->fs, ctx->branch, change->path);
	snprintf(dir, sizeof(dir), "%s", change->path);
	up(dir);
	if (!strcmp(dir, ctx->last_dir))
		return 0;
	memcpy(ctx->last_dir, dir, sizeof(dir));
	for (;;) {
		wsfs_invalidate(ctx->w->fs, ctx->branch, dir);
		if (!*dir)
			return 0;
		up(dir);
	}
}

static struct branch_watch *find(struct wsfs_watch *w, const char *name)
{
	for (size_t i = 0; i < w->count; i++)
		if (!strcmp(w->branches[i].name, name))
			return &w->branches[i];
	return NULL;
}

static int mark_branch(const char *name, void *payload)
{
	struct wsfs_watch *w = payload;
	struct branch_watch *bw = find(w, name);
	ws_watch *watch;

	if (bw) {
		bw->seen = 1;
		return 0;
	}
	if (ws_watch_new(&watch, w->store, name) < 0)
		return 0; /* e.g. no commit yet: try at the next refresh */
	pthread_mutex_lock(&w->lock);
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct branch_watch *p = realloc(w->branches, cap * sizeof(*p));
		if (!p)
			goto fail;
		w->branches = p;
		w->cap = cap;
	}
	bw = &w->branches[w->count];
	if (!(bw->name = strdup(name)))
		goto fail;
	bw->watch = watch;
	bw->seen = 1;
	bw->head[0] = '\0';
	w->count++;
	pthread_mutex_unlock(&w->lock);
	return 0;
fail:
	pthread_mutex_unlock(&w->lock);
	ws_watch_free(watch);
	return 0;
}

/* Follows new branches, forgets deleted ones. */
static void refresh(struct wsfs_watch *w)
{
	for (size_t i = 0; i < w->count; i++)
		w->branches[i].seen = 0;
	if (ws_branch_list(w->store, mark_branch, w) < 0)
		return;
	for (size_t i = 0; i < w->count;) {
		struct branch_watch *bw = &w->branches[i];
		if (bw->seen) {
			i++;
			continue;
		}
		wsfs_invalidate(w->fs, bw->name, "");
		pthread_mutex_lock(&w->lock);
		ws_watch_free(bw->watch);
		free(bw->name);
		*bw = w->branches[--w->count];
		pthread_mutex_unlock(&w->lock);
	}
}

/* The thread woke: until it is done, no head is trusted, and heads read
 * by requests before now may be stale. */
static void set_busy(struct wsfs_watch *w)
{
	pthread_mutex_lock(&w->lock);
	w->busy = 1;
	w->gen++;
	pthread_mutex_unlock(&w->lock);
}

/* Done: every head as it is now (read here, after what woke us was
 * drained, so any later move makes the descriptor readable again). Most
 * wakes are the library's timer, and then nothing moved: requests keep
 * finding heads in memory, even with the disk's caches dropped. */
static void set_idle(struct wsfs_watch *w)
{
	char head[WS_COMMIT_HEXSIZE + 1];

	for (size_t i = 0; i < w->count; i++) {
		if (ws_snapshot(head, w->store, w->branches[i].name) < 0)
			head[0] = '\0';
		pthread_mutex_lock(&w->lock);
		memcpy(w->branches[i].head, head, sizeof(head));
		pthread_mutex_unlock(&w->lock);
	}
	pthread_mutex_lock(&w->lock);
	w->busy = 0;
	pthread_mutex_unlock(&w->lock);
}

int wsfs_watch_head(struct wsfs_watch *w, const char *branch,
		    char out[WS_COMMIT_HEXSIZE + 1], unsigned *ticket)
{
	struct branch_watch *bw;
	struct pollfd p = { .fd = -1, .events = POLLIN };
	int known = 0;

	*ticket = 0;
	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	*ticket = w->gen;
	if (!w->busy && (bw = find(w, branch)) && bw->head[0] &&
	    (p.fd = ws_watch_fd(bw->watch)) >= 0 && poll(&p, 1, 0) == 0) {
		memcpy(out, bw->head, sizeof(bw->head));
		known = 1;
	}
	pthread_mutex_unlock(&w->lock);
	return known;
}

void wsfs_watch_remember(struct wsfs_watch *w, const char *branch,
			 const char *head, unsigned ticket)
{
	struct branch_watch *bw;

	if (!w || strlen(head) != WS_COMMIT_HEXSIZE)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->gen == ticket && !w->busy && (bw = find(w, branch)))
		memcpy(bw->head, head, sizeof(bw->head));
	pthread_mutex_unlock(&w->lock);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *run(void *arg)
{
	struct wsfs_watch *w = arg;
	struct pollfd *fds = NULL;
	int64_t last = 0;

	for (;;) {
		size_t n = 1;
		struct pollfd *p;
		if (now_ms() - last >= REFRESH_MS) {
			refresh(w);
			last = now_ms();
		}
		if (!(p = realloc(fds, (w->count + 1) * sizeof(*p))))
			break;
		fds = p;
		fds[0] = (struct pollfd){ .fd = w->wake[0], .events = POLLIN };
		for (size_t i = 0; i < w->count; i++) {
			int fd = ws_watch_fd(w->branches[i].watch);
			if (fd >= 0)
				fds[n++] = (struct pollfd){ .fd = fd,
							    .events = POLLIN };
		}
		if (poll(fds, n, REFRESH_MS) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		set_busy(w);
		/* cheap when nothing moved; some fds may not exist at all */
		for (size_t i = 0; i < w->count; i++) {
			struct change_ctx ctx = { w, w->branches[i].name,
						  "\001" };
			ws_watch_next(w->branches[i].watch, 0, on_change, &ctx);
		}
		set_idle(w);
	}
	free(fds);
	return NULL;
}

int wsfs_watch_start(struct wsfs_watch **out, struct wsfs *fs)
{
	struct wsfs_watch *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int error;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->fs = fs;
	w->wake[0] = w->wake[1] = -1;
	pthread_mutex_init(&w->lock, NULL);
	if (ws_store_open(&w->store, fs->opt.root) < 0) {
		fprintf(stderr, "wasmstore-fs: error: %s\n", ws_error_last());
		error = -EIO;
		goto fail;
	}
	if (pipe(w->wake) < 0) {
		error = -errno;
		goto fail;
	}
	/* signals (SIGTERM: unmount) are for the FUSE loop, not for us */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	error = -pthread_create(&w->thread, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error)
		goto fail;
	*out = w;
	return 0;
fail:
	if (w->wake[0] >= 0)
		close(w->wake[0]), close(w->wake[1]);
	ws_store_free(w->store);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return error;
}

void wsfs_watch_stop(struct wsfs_watch *w)
{
	if (!w)
		return;
	if (write(w->wake[1], "", 1) < 0) {
		/* the thread also wakes on its own every REFRESH_MS */
	}
	pthread_join(w->thread, NULL);
	for (size_t i = 0; i < w->count; i++) {
		ws_watch_free(w->branches[i].watch);
		free(w->branches[i].name);
	}
	free(w->branches);
	close(w->wake[0]);
	close(w->wake[1]);
	ws_store_free(w->store);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
