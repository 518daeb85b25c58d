/* ops.c - the operations table, mount setup and what operations share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

int wsfs_req_begin(struct wsfs_req *req, const char *fspath)
{
	int error = 0;

	req->fs = wsfs_get();
	req->route = (struct wsfs_route)WSFS_ROUTE_INIT;
	if (!(req->store = wsfs_pool_get(&req->fs->pool)))
		return -EIO;
	if (fspath && (error = wsfs_route(&req->route, req->fs, req->store,
					  fspath)) < 0)
		wsfs_req_end(req);
	return error;
}

int wsfs_new_name_error(struct wsfs *fs, ws_store *store, const char *fspath)
{
	struct wsfs_route parent = WSFS_ROUTE_INIT;
	const char *base;
	char *dir;
	int error = -ENOENT;

	if (wsfs_split(&dir, &base, fspath) < 0)
		return -ENOMEM;
	/* by-hash/x, commits/x: the view is read-only, whatever x is */
	if (wsfs_route(&parent, fs, store, dir) == 0) {
		if (wsfs_route_readonly(&parent))
			error = -EROFS;
		else if (parent.view == WSFS_V_BRANCHES)
			error = -EPERM; /* files do not live next to branches */
	}
	wsfs_route_free(&parent);
	free(dir);
	return error;
}

int wsfs_req_begin_new(struct wsfs_req *req, const char *fspath)
{
	int error = wsfs_req_begin(req, fspath);

	if (error != -ENOENT)
		return error;
	if (!(req->store = wsfs_pool_get(&req->fs->pool)))
		return -EIO;
	error = wsfs_new_name_error(req->fs, req->store, fspath);
	wsfs_pool_put(&req->fs->pool, req->store);
	req->store = NULL;
	return error;
}

static int not_here(struct wsfs_req *req)
{
	return req->fs->opt.readonly || wsfs_route_readonly(&req->route)
		       ? -EROFS
		       : -EPERM;
}

/* Links and device files have no place in a store of modules. */
static int wsfs_symlink(const char *target, const char *path)
{
	struct wsfs_req req;
	int error;

	(void)target;
	if ((error = wsfs_req_begin_new(&req, path)) < 0)
		return error == -ENOENT ? -EPERM : error;
	error = not_here(&req);
	wsfs_req_end(&req);
	return error;
}

static int wsfs_link(const char *from, const char *to)
{
	(void)from;
	return wsfs_symlink(NULL, to);
}

static int wsfs_mknod(const char *path, mode_t mode, dev_t dev)
{
	(void)mode, (void)dev;
	return wsfs_symlink(NULL, path);
}

void wsfs_req_end(struct wsfs_req *req)
{
	wsfs_route_free(&req->route);
	wsfs_pool_put(&req->fs->pool, req->store);
	req->store = NULL;
}

int wsfs_report(struct wsfs *fs, const char *branch, const char *path,
		int code)
{
	char what[4400];

	snprintf(what, sizeof(what), "branches/%s/%s", branch, path);
	wsfs_errlog_record(&fs->errlog, what, ws_error_last());
	return wsfs_errno(code);
}

void wsfs_invalidate(struct wsfs *fs, const char *branch, const char *path)
{
	size_t n = strlen(branch) + strlen(path) + 16;
	char *p = malloc(n);

	if (!p)
		return;
	snprintf(p, n, "/branches/%s%s%s", branch, *path ? "/" : "", path);
	/* -ENOENT: the kernel holds nothing under that name: fine */
	fuse_invalidate_path(fs->fuse, p);
	free(p);
}

int wsfs_is_hash_name(const char *path)
{
	return !strchr(path, '/') && ws_is_module_hash(path);
}

static void *wsfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct wsfs *fs = wsfs_get();

	/* Names under branches/ change with every commit from anyone: the
	 * kernel may only trust them briefly (the watch thread invalidates
	 * sooner when it sees the branch move). Not-found is never cached, so
	 * a module added elsewhere shows up at once. */
	cfg->entry_timeout = fs->opt.timeout;
	cfg->attr_timeout = fs->opt.timeout;
	cfg->negative_timeout = 0;
	/* Our handles keep their own descriptors: no .fuse_hidden renames. */
	cfg->hard_remove = 1;
	cfg->nullpath_ok = 1;
	cfg->no_rofd_flush = 1;
	/* O_TRUNC must reach open(): a separate truncate would commit an
	 * empty (invalid) module. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	/* reads are served by splicing from the module's file (read_buf) */
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	return fs;
}

const struct fuse_operations wsfs_operations = {
	.init = wsfs_init,
	.getattr = wsfs_getattr,
	.readlink = wsfs_readlink,
	.access = wsfs_access,
	.statfs = wsfs_statfs,
	.chmod = wsfs_chmod,
	.chown = wsfs_chown,
	.utimens = wsfs_utimens,
	.getxattr = wsfs_getxattr,
	.listxattr = wsfs_listxattr,
	.setxattr = wsfs_setxattr,
	.removexattr = wsfs_removexattr,
	.opendir = wsfs_opendir,
	.readdir = wsfs_readdir,
	.releasedir = wsfs_releasedir,
	.mkdir = wsfs_mkdir,
	.mknod = wsfs_mknod,
	.symlink = wsfs_symlink,
	.link = wsfs_link,
	.rmdir = wsfs_rmdir,
	.open = wsfs_open,
	.create = wsfs_create,
	.read_buf = wsfs_read_buf,
	.write = wsfs_write,
	.truncate = wsfs_truncate,
	.flush = wsfs_flush,
	.release = wsfs_release,
	.fsync = wsfs_fsync,
	.unlink = wsfs_unlink,
	.rename = wsfs_rename,
};
