/* staged.c - see staged.h. Few files are open for writing at once: the
 * table is a list. Lock order: a node's lock, then the table's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "staged.h"

int wsfs_staged_is_temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return (slash ? slash[1] : path[0]) == '.';
}

int wsfs_stage_init(struct wsfs_stage *stage, const char *tmpdir)
{
	memset(stage, 0, sizeof(*stage));
	pthread_mutex_init(&stage->lock, NULL);
	return (stage->tmpdir = strdup(tmpdir)) ? 0 : -ENOMEM;
}

static void node_free(struct wsfs_staged *node)
{
	if (node->fd >= 0)
		close(node->fd);
	free(node->branch);
	free(node->path);
	pthread_mutex_destroy(&node->lock);
	free(node);
}

void wsfs_stage_free(struct wsfs_stage *stage)
{
	struct wsfs_staged *node, *next;

	for (node = stage->head; node; node = next) {
		next = node->next;
		node_free(node);
	}
	free(stage->tmpdir);
	pthread_mutex_destroy(&stage->lock);
	memset(stage, 0, sizeof(*stage));
}

/* The node at branch/path (table lock held). */
static struct wsfs_staged *lookup(struct wsfs_stage *stage,
				  const char *branch, const char *path)
{
	struct wsfs_staged *node;

	for (node = stage->head; node; node = node->next)
		if (!strcmp(node->path, path) && !strcmp(node->branch, branch))
			return node;
	return NULL;
}

static void unlink_from_table(struct wsfs_stage *stage,
			      struct wsfs_staged *node)
{
	struct wsfs_staged **p;

	for (p = &stage->head; *p; p = &(*p)->next)
		if (*p == node) {
			*p = node->next;
			break;
		}
	node->in_table = 0;
	node->next = NULL;
}

struct wsfs_staged *wsfs_staged_find(struct wsfs_stage *stage,
				     const char *branch, const char *path)
{
	struct wsfs_staged *node;

	pthread_mutex_lock(&stage->lock);
	if ((node = lookup(stage, branch, path)))
		node->refs++;
	pthread_mutex_unlock(&stage->lock);
	return node;
}

/* An anonymous file in the staging directory. */
static int temp_file(const char *dir)
{
	char *name;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	/* no O_TMPFILE there: a named file, unlinked at once */
	if (!(name = malloc(strlen(dir) + 32))) {
		errno = ENOMEM;
		return -1;
	}
	sprintf(name, "%s/wasmstore-fs.XXXXXX", dir);
	if ((fd = mkostemp(name, O_CLOEXEC)) >= 0)
		unlink(name);
	free(name);
	return fd;
}

static int copy_all(int dst, int src)
{
	off_t off = 0;
	ssize_t n;

	while ((n = sendfile(dst, src, &off, 1 << 20)) > 0)
		;
	return n < 0 ? -errno : 0;
}

static int node_new(struct wsfs_staged **out, struct wsfs_stage *stage,
		    const char *branch, const char *path, int src_fd,
		    mode_t mode)
{
	struct wsfs_staged *node = calloc(1, sizeof(*node));
	int error = 0;

	*out = NULL;
	if (!node)
		return -ENOMEM;
	pthread_mutex_init(&node->lock, NULL);
	node->fd = -1;
	node->mode = mode;
	if (!(node->branch = strdup(branch)) || !(node->path = strdup(path))) {
		error = -ENOMEM;
		goto fail;
	}
	if ((node->fd = temp_file(stage->tmpdir)) < 0) {
		error = -errno;
		fprintf(stderr, "wasmstore-fs: error: staging in '%s': %s\n",
			stage->tmpdir, strerror(errno));
		goto fail;
	}
	if (src_fd >= 0 && (error = copy_all(node->fd, src_fd)) < 0)
		goto fail;
	*out = node;
	return 0;
fail:
	node_free(node);
	return error;
}

int wsfs_staged_open(struct wsfs_staged **out, struct wsfs_stage *stage,
		     const char *branch, const char *path, int src_fd,
		     mode_t mode)
{
	struct wsfs_staged *fresh = NULL, *node;
	int error;

	if ((*out = wsfs_staged_find(stage, branch, path)))
		return 0;
	/* copy outside the lock: modules can be large */
	if ((error = node_new(&fresh, stage, branch, path, src_fd, mode)) < 0)
		return error;
	pthread_mutex_lock(&stage->lock);
	if ((node = lookup(stage, branch, path))) {
		node->refs++; /* someone staged it meanwhile: share theirs */
	} else {
		node = fresh;
		fresh = NULL;
		node->refs = 1;
		node->in_table = 1;
		node->next = stage->head;
		stage->head = node;
	}
	pthread_mutex_unlock(&stage->lock);
	if (fresh)
		node_free(fresh);
	*out = node;
	return 0;
}

int wsfs_staged_put(struct wsfs_stage *stage, struct wsfs_staged *node)
{
	int gone = 0, vanished = 0;

	if (!node)
		return 0;
	pthread_mutex_lock(&stage->lock);
	if (--node->refs == 0) {
		if (node->in_table && !wsfs_staged_is_temp_name(node->path)) {
			unlink_from_table(stage, node);
			vanished = 1;
		}
		gone = !node->in_table;
	}
	pthread_mutex_unlock(&stage->lock);
	if (gone)
		node_free(node);
	return vanished;
}

char *wsfs_staged_path(struct wsfs_stage *stage, struct wsfs_staged *node)
{
	char *path = NULL;

	pthread_mutex_lock(&stage->lock);
	if (node->in_table)
		path = strdup(node->path);
	pthread_mutex_unlock(&stage->lock);
	return path;
}

void wsfs_staged_detach(struct wsfs_stage *stage, struct wsfs_staged *node)
{
	int gone;

	pthread_mutex_lock(&stage->lock);
	if (node->in_table)
		unlink_from_table(stage, node);
	gone = node->refs == 0;
	pthread_mutex_unlock(&stage->lock);
	if (gone)
		node_free(node);
}

/* Detaches whatever is staged at branch/path except `keep` (lock held);
 * returns it when it must be freed by the caller. */
static struct wsfs_staged *evict(struct wsfs_stage *stage, const char *branch,
				 const char *path, struct wsfs_staged *keep)
{
	struct wsfs_staged *old = lookup(stage, branch, path);

	if (!old || old == keep)
		return NULL;
	unlink_from_table(stage, old);
	return old->refs == 0 ? old : NULL;
}

int wsfs_staged_move(struct wsfs_stage *stage, struct wsfs_staged *node,
		     const char *path)
{
	struct wsfs_staged *gone;
	char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&stage->lock);
	gone = evict(stage, node->branch, path, node);
	free(node->path);
	node->path = copy;
	pthread_mutex_unlock(&stage->lock);
	if (gone)
		node_free(gone);
	return 0;
}

/* The rest of `path` below directory `dir` ("" is the top), or NULL. */
static const char *below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!n)
		return path;
	return strncmp(path, dir, n) == 0 && path[n] == '/' ? path + n + 1
							    : NULL;
}

int wsfs_staged_move_dir(struct wsfs_stage *stage, const char *branch,
			 const char *from, const char *to)
{
	struct wsfs_staged *node;
	int error = 0;

	pthread_mutex_lock(&stage->lock);
	for (node = stage->head; node && !error; node = node->next) {
		const char *rest;
		char *moved;
		if (strcmp(node->branch, branch) || !(rest = below(node->path, from)))
			continue;
		if (!(moved = malloc(strlen(to) + strlen(rest) + 2))) {
			error = -ENOMEM;
			break;
		}
		sprintf(moved, "%s/%s", to, rest);
		free(node->path);
		node->path = moved;
	}
	pthread_mutex_unlock(&stage->lock);
	return error;
}

void wsfs_staged_drop_branch(struct wsfs_stage *stage, const char *branch)
{
	struct wsfs_staged **p, *node, *freed = NULL;

	pthread_mutex_lock(&stage->lock);
	for (p = &stage->head; (node = *p);) {
		if (strcmp(node->branch, branch)) {
			p = &node->next;
			continue;
		}
		*p = node->next;
		node->in_table = 0;
		node->next = NULL;
		if (node->refs == 0) {
			node->next = freed;
			freed = node;
		}
	}
	pthread_mutex_unlock(&stage->lock);
	for (; freed; freed = node) {
		node = freed->next;
		node_free(freed);
	}
}

int wsfs_staged_children(struct wsfs_stage *stage, const char *branch,
			 const char *dir, int dirs_too,
			 int (*fn)(const char *name, int is_dir, void *payload),
			 void *payload)
{
	struct wsfs_staged *node;
	int error = 0;

	pthread_mutex_lock(&stage->lock);
	for (node = stage->head; node && !error; node = node->next) {
		const char *rest, *slash;
		if (strcmp(node->branch, branch) || !(rest = below(node->path, dir)))
			continue;
		if (!(slash = strchr(rest, '/'))) {
			error = fn(rest, 0, payload);
		} else if (dirs_too) {
			char name[256];
			size_t n = (size_t)(slash - rest);
			if (n >= sizeof(name))
				continue;
			memcpy(name, rest, n);
			name[n] = '\0';
			error = fn(name, 1, payload);
		}
	}
	pthread_mutex_unlock(&stage->lock);
	return error;
}

int wsfs_staged_has_below(struct wsfs_stage *stage, const char *branch,
			  const char *dir)
{
	struct wsfs_staged *node;
	int found = 0;

	pthread_mutex_lock(&stage->lock);
	for (node = stage->head; node && !found; node = node->next)
		found = !strcmp(node->branch, branch) && below(node->path, dir);
	pthread_mutex_unlock(&stage->lock);
	return found;
}
