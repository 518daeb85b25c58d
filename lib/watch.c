/*
 * watch.c - reporting new commits on a branch, whoever made them.
 *
 * inotify on the ref files wakes us quickly; a 200 ms timer re-checks in any
 * case (network filesystems, refs packed by plain git, events missed while a
 * new ref directory appeared). Both feed one epoll fd, so callers with their
 * own poll loop watch a single descriptor.
 */
#include "diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#define RECHECK_MS 200
#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | \
		    IN_MOVED_FROM | IN_MODIFY | IN_ATTRIB)

struct ws_watch {
	ws_store *store;
	char *branch; /* NULL: whatever the default branch is at each check */
	int epfd, ifd, tfd;
	int have_last;
	git_oid last;       /* the commit last reported (or found at start) */
	git_oid last_tree;
	ws_listing listing; /* its modules */
};

/* Watches `dir` and every directory below it (branch names with '/'). */
static void watch_tree(int ifd, const char *dir, int depth)
{
	char sub[4200];
	struct dirent *de;
	DIR *d;

	if (inotify_add_watch(ifd, dir, WATCH_MASK | IN_ONLYDIR) < 0 ||
	    depth > 16 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		watch_tree(ifd, sub, depth + 1);
	}
	closedir(d);
}

static void watch_refs(ws_watch *w)
{
	char dir[4200];

	snprintf(dir, sizeof(dir), "%s/refs/heads", w->store->root);
	watch_tree(w->ifd, dir, 0);
}

/* Empties the inotify and timer queues; new directories get watches. */
static void drain(ws_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint64_t ticks;
	int new_dir = 0;
	ssize_t n;

	while ((n = read(w->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			if ((ev->mask & IN_ISDIR) &&
			    (ev->mask & (IN_CREATE | IN_MOVED_TO)))
				new_dir = 1;
			p += sizeof(*ev) + ev->len;
		}
	}
	while (read(w->tfd, &ticks, sizeof(ticks)) > 0)
		;
	if (new_dir)
		watch_refs(w);
}

/* The branch's head now: 1 and *id, or 0 when it has no commit. */
static int current_head(git_oid *id, ws_watch *w)
{
	char *refname = NULL;
	int rc, error;

	if ((error = ws_store__refname(&refname, w->store, w->branch)) < 0)
		return error;
	rc = git_reference_name_to_id(id, w->store->repo, refname);
	free(refname);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return ws_error__git(WS_ERROR, "reading branch");
	return 1;
}

typedef struct {
	ws_change_cb cb;
	void *payload;
	size_t reported;
} report_ctx;

static int report(const ws_change *change, void *payload)
{
	report_ctx *r = payload;

	r->reported++;
	return r->cb ? r->cb(change, r->payload) : 0;
}

/* Moves to commit `id`, reporting the changes through r (may be NULL). */
static int advance(ws_watch *w, const git_oid *id, report_ctx *r)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	ws_listing next;
	int error = 0;

	if (git_commit_lookup(&commit, w->store->repo, id) < 0 ||
	    git_commit_tree(&tree, commit) < 0) {
		error = ws_error__git(WS_ERROR, "reading branch head");
		goto done;
	}
	/* same tree (gc squash, a merge that added nothing): no changes */
	if (!(w->have_last && git_oid_equal(git_tree_id(tree), &w->last_tree))) {
		if ((error = ws_listing__of_tree(&next, w->store, tree)) < 0)
			goto done;
		if (r)
			error = ws_listing__diff(&w->listing, &next, report, r);
		ws_listing__free(&w->listing);
		w->listing = next;
		git_oid_cpy(&w->last_tree, git_tree_id(tree));
	}
	git_oid_cpy(&w->last, id);
	w->have_last = 1;
done:
	git_tree_free(tree);
	git_commit_free(commit);
	return error;
}

int ws_watch_new(ws_watch **out, ws_store *store, const char *branch)
{
	struct timespec period = { RECHECK_MS / 1000,
				   RECHECK_MS % 1000 * 1000000L };
	struct itimerspec every = { period, period };
	struct epoll_event ev = { .events = EPOLLIN };
	ws_watch *w;
	git_oid head;
	int error;

	*out = NULL;
	if (branch && (error = ws_branch_name_check(branch)) < 0)
		return error;
	if (!(w = calloc(1, sizeof(*w))))
		return ws_error_set(WS_ERROR, "out of memory");
	w->store = store;
	w->epfd = w->ifd = w->tfd = -1;
	if (branch && !(w->branch = strdup(branch))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto fail;
	}
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->epfd < 0 || w->ifd < 0 || w->tfd < 0 ||
	    timerfd_settime(w->tfd, 0, &every, NULL) < 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ifd, &ev) < 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ev) < 0) {
		error = ws_error_set(WS_ERROR, "watching: %s", strerror(errno));
		goto fail;
	}
	/* the root holds HEAD (the default branch can switch) and
	 * packed-refs; both are replaced by rename */
	inotify_add_watch(w->ifd, store->root, WATCH_MASK);
	watch_refs(w);
	if ((error = current_head(&head, w)) < 0 ||
	    (error > 0 && (error = advance(w, &head, NULL)) < 0))
		goto fail;
	*out = w;
	return 0;
fail:
	ws_watch_free(w);
	return error;
}

int ws_watch_fd(const ws_watch *w)
{
	return w->epfd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ws_watch_next(ws_watch *w, int timeout_ms, ws_change_cb cb, void *payload)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	report_ctx r = { cb, payload, 0 };

	for (;;) {
		struct epoll_event ev[4];
		git_oid head;
		int found, wait;

		drain(w);
		if ((found = current_head(&head, w)) < 0)
			return found;
		/* a deleted branch reports nothing; we keep the last state
		 * and report against it if the branch comes back */
		if (found && !(w->have_last && git_oid_equal(&head, &w->last))) {
			int error = advance(w, &head, &r);
			/* a new commit with the same modules is no change */
			if (error || r.reported)
				return error;
		}
		if (timeout_ms < 0)
			wait = -1;
		else if ((wait = (int)(deadline - now_ms())) <= 0)
			return 0;
		if (epoll_wait(w->epfd, ev, 4, wait) < 0 && errno != EINTR)
			return ws_error_set(WS_ERROR, "watching: %s",
					    strerror(errno));
	}
}

void ws_watch_free(ws_watch *w)
{
	if (!w)
		return;
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->ifd >= 0)
		close(w->ifd);
	if (w->tfd >= 0)
		close(w->tfd);
	ws_listing__free(&w->listing);
	free(w->branch);
	free(w);
}
