/* handle.c - open file handles, listed so that those the kernel never
 * released can be freed when the mount ends. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"

struct wsfs_handle *wsfs_handle_new(struct fuse_file_info *fi,
				    enum wsfs_handle_kind kind)
{
	struct wsfs_handle *h = calloc(1, sizeof(*h));
	struct wsfs *fs = wsfs_get();

	if (h) {
		h->kind = kind;
		h->fd = -1;
		fi->fh = (uintptr_t)h;
		pthread_mutex_lock(&fs->handles_lock);
		h->next = fs->handles;
		if (h->next)
			h->next->prev = h;
		fs->handles = h;
		pthread_mutex_unlock(&fs->handles_lock);
	}
	return h;
}

int wsfs_handle_free(struct wsfs *fs, struct wsfs_handle *h, char **branch,
		     char **name)
{
	int vanished = 0;

	pthread_mutex_lock(&fs->handles_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		fs->handles = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&fs->handles_lock);
	if (h->fd >= 0)
		close(h->fd);
	if (h->node) {
		*branch = strdup(h->node->branch);
		*name = wsfs_staged_path(&fs->stage, h->node);
		vanished = wsfs_staged_put(&fs->stage, h->node);
	}
	free(h->text);
	free(h);
	return vanished;
}

void wsfs_handles_free(struct wsfs *fs)
{
	char *branch = NULL, *name = NULL;

	while (fs->handles) {
		wsfs_handle_free(fs, fs->handles, &branch, &name);
		free(branch);
		free(name);
		branch = name = NULL;
	}
}
