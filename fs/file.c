/*
 * file.c - file handles. Reads of stored modules come from the raw file
 * the library keeps per module. Writes are staged (see staged.h) and committed
 * in flush, which close() waits for, so close() reports an invalid module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"

int wsfs_commit_node(struct wsfs *fs, ws_store *store,
		     struct wsfs_staged *node, const char *path)
{
	struct wsfs_attr attr = { .has_mode = 1, .mode = node->mode };
	char hash[WS_HASH_HEXSIZE + 1];
	int error;

	if (lseek(node->fd, 0, SEEK_SET) < 0)
		return -errno;
	if ((error = ws_module_add_fd(hash, store, node->branch, path,
				      node->fd)) < 0)
		return wsfs_report(fs, node->branch, path, error);
	wsfs_memdir_prune(&fs->memdir, node->branch, path);
	/* what chmod/utimens said about the staged file carries over */
	attr.has_mtime = node->has_mtime;
	attr.mtime = node->mtime;
	wsfs_cache_attr_put(&fs->cache, node->branch, path, hash, &attr);
	return 0;
}

static int is_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY;
}

/* A handle on the staged file of the route (a branch path). */
static int open_staged(struct wsfs_req *req, struct fuse_file_info *fi,
		       struct wsfs_staged *node)
{
	struct wsfs_handle *h = wsfs_handle_new(fi, WSFS_H_STAGED);

	if (!h) {
		wsfs_staged_put(&req->fs->stage, node);
		return -ENOMEM;
	}
	h->node = node;
	h->writable = is_write(fi->flags);
	h->append = !!(fi->flags & O_APPEND);
	if (h->writable && (fi->flags & O_TRUNC)) {
		pthread_mutex_lock(&node->lock);
		if (ftruncate(node->fd, 0) < 0) {
			/* keep going: writes will report the disk's trouble */
		}
		pthread_mutex_unlock(&node->lock);
	}
	return 0;
}

/* Opening a module to write stages a copy of it (unless O_TRUNC). */
static int open_branch_write(struct wsfs_req *req, struct fuse_file_info *fi)
{
	const char *b = req->route.name, *path = req->route.path;
	struct wsfs *fs = req->fs;
	struct wsfs_staged *node = wsfs_staged_find(&fs->stage, b, path);
	struct wsfs_attr attr = { 0 };
	ws_module_info info;
	int src = -1, error;

	if (!node) {
		if (!(fi->flags & O_TRUNC)) {
			error = ws_module_open_raw(&src, &info, req->store, b,
						   path);
			if (error < 0)
				return wsfs_errno(error);
			wsfs_cache_attr_get(&fs->cache, b, path, info.hash,
					    &attr);
		}
		error = wsfs_staged_open(&node, &fs->stage, b, path, src,
					 attr.has_mode ? attr.mode : 0644);
		if (src >= 0)
			close(src);
		if (error < 0)
			return error;
	}
	return open_staged(req, fi, node);
}

/* A handle reading a stored module. (No POSIX_FADV_WILLNEED: with cold
 * caches it made open wait ~0.5 ms for the whole module's extents, and
 * the reads were no faster.) */
static int open_raw(struct fuse_file_info *fi, int fd, int keep_cache)
{
	struct wsfs_handle *h = wsfs_handle_new(fi, WSFS_H_RAW);

	if (!h) {
		close(fd);
		return -ENOMEM;
	}
	h->fd = fd;
	fi->keep_cache = keep_cache;
	return 0;
}

static int open_branch(struct wsfs_req *req, struct fuse_file_info *fi)
{
	const char *b = req->route.name, *path = req->route.path;
	struct wsfs *fs = req->fs;
	struct wsfs_staged *node;
	struct wsfs_entry e;
	int fd, error;

	if (!*path)
		return -EISDIR;
	if (is_write(fi->flags))
		return fs->opt.readonly ? -EROFS : open_branch_write(req, fi);
	if ((node = wsfs_staged_find(&fs->stage, b, path)))
		return open_staged(req, fi, node); /* being written: see that */
	if ((error = wsfs_lookup(req, path, &e)) < 0)
		return wsfs_errno(error);
	if (e.kind != WSFS_K_MODULE)
		return e.kind == WSFS_K_DIR || wsfs_branch_dir(req, b, path) == 0
			       ? -EISDIR
			       : -ENOENT;
	if ((error = wsfs_open_module(req, e.info.hash, path, &fd)) < 0)
		return wsfs_errno(error);
	/* the kernel may keep the pages it has if they are of this module */
	return open_raw(fi, fd,
			wsfs_cache_served(&fs->cache, b, path, e.info.hash));
}

/* Modules of commits and by-hash never change: cache them for good. */
static int open_fixed(struct wsfs_req *req, struct fuse_file_info *fi)
{
	struct wsfs_entry e;
	int fd, error;

	if (is_write(fi->flags))
		return -EROFS;
	if (req->route.view == WSFS_V_HASH) {
		error = wsfs_open_module(req, req->route.name, NULL, &fd);
	} else if ((error = wsfs_lookup(req, req->route.path, &e)) == 0) {
		if (e.kind != WSFS_K_MODULE)
			return e.kind == WSFS_K_DIR ? -EISDIR : -ENOENT;
		error = wsfs_open_module(req, e.info.hash, req->route.path, &fd);
	}
	if (error < 0)
		return wsfs_errno(error);
	return open_raw(fi, fd, 1);
}

static int open_text(struct wsfs_req *req, struct fuse_file_info *fi)
{
	struct wsfs_handle *h;
	char *text;

	if (is_write(fi->flags))
		return -EROFS;
	if (!(text = wsfs_errlog_last(&req->fs->errlog)))
		return -ENOMEM;
	if (!(h = wsfs_handle_new(fi, WSFS_H_TEXT))) {
		free(text);
		return -ENOMEM;
	}
	h->text = text;
	h->text_len = strlen(text);
	fi->direct_io = 1; /* its size changes under the kernel's feet */
	return 0;
}

/* fstat() comes without a path (nullpath_ok): keep the attributes the
 * path had at open; the size is the handle's own. */
static void remember_attr(struct wsfs_req *req, struct fuse_file_info *fi)
{
	struct wsfs_handle *h = wsfs_handle_of(fi);

	if (h->kind == WSFS_H_STAGED || wsfs_stat(req, &h->st) == 0)
		return;
	memset(&h->st, 0, sizeof(h->st));
	h->st.st_mode = S_IFREG | 0444;
	h->st.st_nlink = 1;
	h->st.st_uid = req->fs->uid;
	h->st.st_gid = req->fs->gid;
	h->st.st_mtim = h->st.st_ctim = h->st.st_atim = req->fs->start;
}

int wsfs_open(const char *path, struct fuse_file_info *fi)
{
	struct wsfs_req req;
	int error;

	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error;
	switch (req.route.view) {
	case WSFS_V_BRANCH:
		error = open_branch(&req, fi);
		break;
	case WSFS_V_COMMIT:
	case WSFS_V_HASH:
		error = req.route.view == WSFS_V_HASH || *req.route.path
				? open_fixed(&req, fi)
				: -EISDIR;
		break;
	case WSFS_V_LASTERROR:
		error = open_text(&req, fi);
		break;
	default:
		error = is_write(fi->flags) ? -EROFS : -EISDIR;
	}
	if (!error)
		remember_attr(&req, fi);
	wsfs_req_end(&req);
	return error;
}

int wsfs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct wsfs_staged *node;
	struct wsfs_req req;
	int error;

	if ((error = wsfs_req_begin_new(&req, path)) < 0)
		return error;
	if (req.fs->opt.readonly || req.route.view != WSFS_V_BRANCH ||
	    !*req.route.path)
		error = wsfs_route_readonly(&req.route) || req.fs->opt.readonly
				? -EROFS
				: -EPERM;
	else if (!(error = wsfs_staged_open(&node, &req.fs->stage,
					    req.route.name, req.route.path, -1,
					    mode & 07777)))
		error = open_staged(&req, fi, node);
	wsfs_req_end(&req);
	return error;
}

/*
 * Reads hand libfuse the descriptor and offset instead of bytes: with
 * splice it moves the file's pages to the kernel without a copy through
 * this process (else it preads them itself).
 */
int wsfs_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size,
		  off_t off, struct fuse_file_info *fi)
{
	struct wsfs_handle *h = wsfs_handle_of(fi);
	struct fuse_bufvec *bv = malloc(sizeof(*bv));

	(void)path;
	if (!bv)
		return -ENOMEM;
	*bv = (struct fuse_bufvec)FUSE_BUFVEC_INIT(size);
	switch (h->kind) {
	case WSFS_H_RAW:
	case WSFS_H_STAGED:
		bv->buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK |
				   FUSE_BUF_FD_RETRY;
		bv->buf[0].fd = h->kind == WSFS_H_RAW ? h->fd : h->node->fd;
		bv->buf[0].pos = off;
		break;
	case WSFS_H_TEXT: /* libfuse frees the copy */
		if ((size_t)off >= h->text_len)
			size = 0;
		else if (size > h->text_len - (size_t)off)
			size = h->text_len - (size_t)off;
		bv->buf[0].size = size;
		if (!(bv->buf[0].mem = malloc(size ? size : 1))) {
			free(bv);
			return -ENOMEM;
		}
		memcpy(bv->buf[0].mem, h->text + (size ? off : 0), size);
		break;
	}
	*bufp = bv;
	return 0;
}

int wsfs_write(const char *path, const char *buf, size_t size, off_t off,
	       struct fuse_file_info *fi)
{
	struct wsfs_handle *h = wsfs_handle_of(fi);
	struct wsfs_staged *node;
	size_t done = 0;
	struct stat st;
	int error = 0;

	(void)path;
	if (h->kind != WSFS_H_STAGED || !h->writable)
		return -EBADF;
	node = h->node;
	if (h->append) { /* at the end of the shared file, whatever off says */
		pthread_mutex_lock(&node->lock);
		if (fstat(node->fd, &st) < 0)
			error = -errno;
		else
			off = st.st_size;
	}
	if (!error && (uint64_t)off + size > WS_DEFAULT_MAX_MODULE_SIZE)
		error = -EFBIG;
	while (!error && done < size) {
		ssize_t n = pwrite(node->fd, buf + done, size - done,
				   off + (off_t)done);
		if (n < 0 && errno != EINTR)
			error = -errno;
		else if (n > 0)
			done += (size_t)n;
	}
	if (h->append)
		pthread_mutex_unlock(&node->lock);
	h->wrote = 1;
	return error ? error : (int)done;
}

/* Path truncation (truncate(1)) without a handle: the same as opening,
 * truncating and closing; dot files just stay staged. */
static int truncate_path(struct wsfs_req *req, off_t size)
{
	struct fuse_file_info fi = { .flags = O_WRONLY };
	struct wsfs_handle *h;
	char *path;
	int error;

	if (req->route.view != WSFS_V_BRANCH || !*req->route.path)
		return wsfs_route_readonly(&req->route) ? -EROFS : -EISDIR;
	if ((error = open_branch_write(req, &fi)) < 0)
		return error;
	h = wsfs_handle_of(&fi);
	h->wrote = 1;
	error = wsfs_truncate(NULL, size, &fi);
	if (!error && (path = wsfs_staged_path(&req->fs->stage, h->node))) {
		pthread_mutex_lock(&h->node->lock);
		if (!wsfs_staged_is_temp_name(path))
			error = wsfs_commit_node(req->fs, req->store, h->node,
						 path);
		pthread_mutex_unlock(&h->node->lock);
		free(path);
	}
	h->wrote = 0;
	wsfs_release(NULL, &fi);
	return error;
}

int wsfs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct wsfs_handle *h = wsfs_handle_of(fi);
	struct wsfs_req req;
	int error = 0;

	if (h) {
		if (h->kind != WSFS_H_STAGED || !h->writable)
			return -EBADF;
		if ((uint64_t)size > WS_DEFAULT_MAX_MODULE_SIZE)
			return -EFBIG;
		pthread_mutex_lock(&h->node->lock);
		if (ftruncate(h->node->fd, size) < 0)
			error = -errno;
		pthread_mutex_unlock(&h->node->lock);
		h->wrote = 1;
		return error;
	}
	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error;
	error = req.fs->opt.readonly ? -EROFS : truncate_path(&req, size);
	wsfs_req_end(&req);
	return error;
}

int wsfs_flush(const char *path, struct fuse_file_info *fi)
{
	struct wsfs_handle *h = wsfs_handle_of(fi);
	struct wsfs *fs = wsfs_get();
	struct wsfs_staged *node;
	ws_store *store;
	char *name;
	int error = 0;

	(void)path;
	/* a handle that wrote nothing commits nothing */
	if (h->kind != WSFS_H_STAGED || !h->wrote)
		return 0;
	h->wrote = 0;
	node = h->node;
	pthread_mutex_lock(&node->lock);
	name = wsfs_staged_path(&fs->stage, node);
	if (name && !wsfs_staged_is_temp_name(name)) {
		if ((store = wsfs_pool_get(&fs->pool))) {
			error = wsfs_commit_node(fs, store, node, name);
			wsfs_pool_put(&fs->pool, store);
		} else {
			error = -EIO;
		}
	}
	pthread_mutex_unlock(&node->lock);
	/* nothing committed: what the kernel saw written is not there */
	if (error && name)
		wsfs_invalidate(fs, node->branch, name);
	free(name);
	return error;
}

int wsfs_release(const char *path, struct fuse_file_info *fi)
{
	struct wsfs_handle *h = wsfs_handle_of(fi);

	struct wsfs *fs = wsfs_get();
	char *branch = NULL, *name = NULL;

	(void)path;
	/* a file that vanishes here (never committed, or committed and now
	 * served from the store) must be looked at again */
	if (wsfs_handle_free(fs, h, &branch, &name) && branch && name)
		wsfs_invalidate(fs, branch, name);
	free(branch);
	free(name);
	return 0;
}

int wsfs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path, (void)datasync, (void)fi;
	return 0; /* durability comes with the commit at close */
}
