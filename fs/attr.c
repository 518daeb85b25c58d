/* attr.c - attributes: stat and fstat, the default symlink, access,
 * statfs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ops.h"


static void fill(struct wsfs *fs, struct stat *st, mode_t mode, uint64_t size,
		 const struct timespec *when)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = mode;
	st->st_nlink = S_ISDIR(mode) ? 2 : 1;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_size = (off_t)size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((size + 511) / 512);
	st->st_atim = st->st_mtim = st->st_ctim = when ? *when : fs->start;
}

static mode_t writable(struct wsfs *fs, mode_t mode)
{
	return fs->opt.readonly ? mode & ~(mode_t)0222 : mode;
}

static int stop_at_first(const char *name, int is_dir, const char *hash,
			 void *payload)
{
	(void)name, (void)is_dir, (void)hash, (void)payload;
	return 1;
}

int wsfs_store_dir(ws_store *store, const char *at, const char *path)
{
	return ws_module_readdir(store, at, path, stop_at_first, NULL);
}

int wsfs_branch_dir(struct wsfs_req *req, const char *branch,
		    const char *path)
{
	struct wsfs *fs = req->fs;
	struct wsfs_entry e;

	if (!*path || wsfs_memdir_contains(&fs->memdir, branch, path) ||
	    wsfs_staged_has_below(&fs->stage, branch, path))
		return 0;
	if (strcmp(branch, req->route.name) || req->route.view != WSFS_V_BRANCH)
		return wsfs_store_dir(req->store, branch, path) >= 0 ? 0
								    : -ENOENT;
	/* git keeps no empty directories: any child means it exists */
	return wsfs_lookup(req, path, &e) == 0 && e.kind == WSFS_K_DIR
		       ? 0
		       : -ENOENT;
}

int wsfs_stat_staged(struct wsfs *fs, struct wsfs_staged *node,
		     struct stat *st)
{
	struct stat tmp;

	if (fstat(node->fd, &tmp) < 0)
		return -errno;
	fill(fs, st, S_IFREG | writable(fs, node->mode), (uint64_t)tmp.st_size,
	     node->has_mtime ? &node->mtime : &tmp.st_mtim);
	return 0;
}

/* When what `path` names in the store last changed: the date of that
 * commit (the mount's start if that cannot be known). */
static struct timespec store_time(struct wsfs_req *req, const char *path)
{
	struct wsfs_change change;

	if (wsfs_last_change(req, path, &change) == 0)
		return (struct timespec){ .tv_sec = (time_t)change.date };
	return req->fs->start;
}

/* A module of a branch (writable) or commit (read-only). */
static void stat_module(struct wsfs_req *req, const struct wsfs_entry *e,
			struct stat *st, int ro)
{
	const char *at = req->route.name, *path = req->route.path;
	struct wsfs *fs = req->fs;
	struct wsfs_attr attr;
	struct timespec when;
	mode_t mode = ro ? 0444 : writable(fs, 0644);

	wsfs_cache_attr_get(&fs->cache, at, path, e->info.hash, &attr);
	when = attr.has_mtime ? attr.mtime : store_time(req, path);
	if (attr.has_mode && !ro)
		mode = writable(fs, attr.mode & 07777);
	fill(fs, st, S_IFREG | mode, e->info.size, &when);
}

/* A directory of a branch, with the mode and time set on it here; else
 * the time of its last commit if the store has it. */
static void stat_branch_dir(struct wsfs_req *req, int stored, struct stat *st)
{
	struct wsfs *fs = req->fs;
	struct wsfs_attr attr;
	struct timespec when = fs->start;

	wsfs_cache_attr_get(&fs->cache, req->route.name, req->route.path,
			    WSFS_DIR_KEY, &attr);
	if (attr.has_mtime)
		when = attr.mtime;
	else if (stored)
		when = store_time(req, req->route.path);
	fill(fs, st,
	     S_IFDIR | writable(fs, attr.has_mode ? attr.mode & 07777 : 0755),
	     0, &when);
}

static int stat_branch(struct wsfs_req *req, struct stat *st)
{
	struct wsfs *fs = req->fs;
	struct wsfs_staged *node;
	struct wsfs_entry e;
	int error;

	if (!*req->route.path) {
		stat_branch_dir(req, *req->route.head != '\0', st);
		return 0;
	}
	node = wsfs_staged_find(&fs->stage, req->route.name, req->route.path);
	if (node) {
		error = wsfs_stat_staged(fs, node, st);
		wsfs_staged_put(&fs->stage, node);
		return error;
	}
	if ((error = wsfs_lookup(req, req->route.path, &e)) < 0)
		return wsfs_errno(error);
	if (e.kind == WSFS_K_MODULE) {
		stat_module(req, &e, st, 0);
		return 0;
	}
	if (e.kind == WSFS_K_NONE &&
	    (error = wsfs_branch_dir(req, req->route.name, req->route.path)))
		return error;
	stat_branch_dir(req, e.kind == WSFS_K_DIR, st);
	return 0;
}

static int stat_commit(struct wsfs_req *req, struct stat *st)
{
	struct wsfs_entry e;
	struct timespec when;
	int error;

	if ((error = wsfs_lookup(req, req->route.path, &e)) < 0)
		return wsfs_errno(error);
	if (e.kind == WSFS_K_MODULE) {
		stat_module(req, &e, st, 1);
		return 0;
	}
	if (e.kind == WSFS_K_NONE)
		return -ENOENT;
	when = store_time(req, req->route.path);
	fill(req->fs, st, S_IFDIR | 0555, 0, &when);
	return 0;
}

static int stat_hash(struct wsfs_req *req, struct stat *st)
{
	struct wsfs *fs = req->fs;
	uint64_t size;
	int fd, error;

	if (!wsfs_cache_size_get(&fs->cache, req->route.name, &size)) {
		error = ws_module_open_raw_by_hash(&fd, &size, req->store,
						   req->route.name);
		if (error < 0)
			return wsfs_errno(error);
		close(fd);
		wsfs_cache_size_put(&fs->cache, req->route.name, size);
	}
	fill(fs, st, S_IFREG | 0444, size, NULL);
	return 0;
}

int wsfs_stat(struct wsfs_req *req, struct stat *st)
{
	struct wsfs *fs = req->fs;
	char *text;

	switch (req->route.view) {
	case WSFS_V_ROOT:
	case WSFS_V_BRANCHES:
		fill(fs, st, S_IFDIR | writable(fs, 0755), 0, NULL);
		return 0;
	case WSFS_V_COMMITS:
	case WSFS_V_BYHASH:
	case WSFS_V_META:
		fill(fs, st, S_IFDIR | 0555, 0, NULL);
		return 0;
	case WSFS_V_DEFAULT:
		if (!(text = wsfs_default_branch(fs, req->store)))
			return -EIO;
		fill(fs, st, S_IFLNK | 0777, strlen("branches/") + strlen(text),
		     NULL);
		free(text);
		return 0;
	case WSFS_V_LASTERROR:
		if (!(text = wsfs_errlog_last(&fs->errlog)))
			return -ENOMEM;
		fill(fs, st, S_IFREG | 0444, strlen(text), NULL);
		free(text);
		return 0;
	case WSFS_V_BRANCH:
		return stat_branch(req, st);
	case WSFS_V_COMMIT:
		return stat_commit(req, st);
	case WSFS_V_HASH:
		return stat_hash(req, st);
	}
	return -ENOENT;
}

int wsfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct wsfs_handle *h = wsfs_handle_of(fi);
	struct wsfs_req req;
	int error;

	if (h && h->kind == WSFS_H_STAGED)
		return wsfs_stat_staged(wsfs_get(), h->node, st);
	if (h) { /* fstat: the module this handle reads, whatever the path */
		struct stat raw;
		*st = h->st;
		if (h->kind == WSFS_H_TEXT)
			st->st_size = (off_t)h->text_len;
		else if (fstat(h->fd, &raw) == 0)
			st->st_size = raw.st_size;
		st->st_blocks = (st->st_size + 511) / 512;
		return 0;
	}
	if (!path)
		return -ENOENT;
	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error == -EINVAL ? -ENOENT : error;
	error = wsfs_stat(&req, st);
	wsfs_req_end(&req);
	return error;
}

int wsfs_readlink(const char *path, char *buf, size_t size)
{
	struct wsfs_req req;
	char *def;
	int error;

	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error;
	if (req.route.view != WSFS_V_DEFAULT)
		error = -EINVAL;
	else if (!(def = wsfs_default_branch(req.fs, req.store)))
		error = -EIO;
	else {
		snprintf(buf, size, "branches/%s", def);
		free(def);
	}
	wsfs_req_end(&req);
	return error;
}

int wsfs_access(const char *path, int mask)
{
	struct wsfs_req req;
	int error;

	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error == -EINVAL ? -ENOENT : error;
	if ((mask & W_OK) &&
	    (req.fs->opt.readonly || wsfs_route_readonly(&req.route)))
		error = -EROFS;
	wsfs_req_end(&req);
	return error;
}

int wsfs_statfs(const char *path, struct statvfs *sv)
{
	struct wsfs *fs = wsfs_get();

	(void)path;
	/* the store's disk is where modules go */
	if (statvfs(fs->opt.root, sv) < 0)
		memset(sv, 0, sizeof(*sv));
	sv->f_namemax = 255;
	if (fs->opt.readonly)
		sv->f_flag |= ST_RDONLY;
	return 0;
}
