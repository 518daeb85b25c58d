/* refwatch.c - see refwatch.h. */
#include "refwatch.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything that can replace, write or remove a ref file or a directory
 * of them; reads (IN_ACCESS, IN_OPEN) are left out. */
#define MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
	      IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | \
	      IN_MOVE_SELF | IN_ONLYDIR)
#define MAX_DEPTH 32

struct ws_refwatch {
	pthread_mutex_t lock;
	int fd;                    /* -1: no watch, generation 0 */
	char *root;
	unsigned long generation;  /* from 1 on */
};

static int is_dir(const char *path, unsigned char type)
{
	struct stat st;

	if (type != DT_UNKNOWN)
		return type == DT_DIR;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Watches `dir` and every directory below it (branch names with '/'); -1
 * if a watch could not be added, so that changes could go unseen. */
static int watch_tree(int fd, const char *dir, int depth)
{
	char sub[4200];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (inotify_add_watch(fd, dir, MASK) < 0)
		return errno == ENOENT ? 0 : -1; /* gone: nothing to watch */
	if (!(d = opendir(dir)))
		return errno == ENOENT ? 0 : -1;
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir,
				     de->d_name) >= sizeof(sub) ||
		    depth >= MAX_DEPTH)
			rc = -1;
		else if (is_dir(sub, de->d_type))
			rc = watch_tree(fd, sub, depth + 1);
	}
	closedir(d);
	return rc;
}

/* The root itself (HEAD, packed-refs; not its subdirectories), refs/ (in
 * case refs/heads is made anew) and every directory of refs/heads. Adding
 * a watch that exists is harmless. */
static int watch_all(struct ws_refwatch *rw)
{
	char dir[4200];

	if (inotify_add_watch(rw->fd, rw->root, MASK) < 0)
		return -1;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/refs", rw->root) >=
	    sizeof(dir) - 6)
		return -1;
	if (inotify_add_watch(rw->fd, dir, MASK) < 0 && errno != ENOENT)
		return -1;
	strcat(dir, "/heads");
	return watch_tree(rw->fd, dir, 0);
}

static void stop_watching(struct ws_refwatch *rw)
{
	if (rw->fd >= 0)
		close(rw->fd);
	rw->fd = -1;
}

struct ws_refwatch *ws_refwatch_new(const char *root)
{
	struct ws_refwatch *rw = calloc(1, sizeof(*rw));

	if (!rw)
		return NULL;
	pthread_mutex_init(&rw->lock, NULL);
	rw->generation = 1;
	rw->fd = -1;
	if (!(rw->root = strdup(root)))
		return rw;
	rw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (rw->fd >= 0 && watch_all(rw) < 0)
		stop_watching(rw);
	return rw;
}

void ws_refwatch_free(struct ws_refwatch *rw)
{
	if (!rw)
		return;
	stop_watching(rw);
	pthread_mutex_destroy(&rw->lock);
	free(rw->root);
	free(rw);
}

/* Reads every queued event: 1 if there was any, 0 if none, -1 when the
 * watch can no longer be trusted. */
static int drain(struct ws_refwatch *rw)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	int changed = 0, new_dirs = 0;
	ssize_t n;

	while ((n = read(rw->fd, buf, sizeof(buf))) > 0) {
		changed = 1;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			/* A new directory may already hold refs, a watched
			 * one may have gone (and come back), and events are
			 * lost on overflow: watch everything again. */
			if ((ev->mask & (IN_Q_OVERFLOW | IN_IGNORED |
					 IN_DELETE_SELF | IN_MOVE_SELF)) ||
			    ((ev->mask & IN_ISDIR) &&
			     (ev->mask & (IN_CREATE | IN_MOVED_TO))))
				new_dirs = 1;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return -1;
	if (new_dirs && watch_all(rw) < 0)
		return -1;
	return changed;
}

unsigned long ws_refwatch_generation(struct ws_refwatch *rw)
{
	unsigned long gen = 0;
	int rc;

	if (!rw)
		return 0;
	pthread_mutex_lock(&rw->lock);
	if (rw->fd >= 0) {
		if ((rc = drain(rw)) < 0)
			stop_watching(rw);
		else
			gen = (rw->generation += (unsigned long)rc);
	}
	pthread_mutex_unlock(&rw->lock);
	return gen;
}
