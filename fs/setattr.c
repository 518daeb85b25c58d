/* setattr.c - chmod, chown, utimens. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "ops.h"

/*
 * chmod/chown/utimens. Git keeps neither modes nor times; tools that set
 * them (rsync -a, install -m, touch) must still succeed, so a module's mode
 * and time are remembered in memory for as long as it is unchanged, and
 * chown is accepted and ignored.
 */
static void set_node_attr(struct wsfs_staged *node,
			  const struct wsfs_attr *attr)
{
	pthread_mutex_lock(&node->lock);
	if (attr->has_mode)
		node->mode = attr->mode & 07777;
	if (attr->has_mtime) {
		node->has_mtime = 1;
		node->mtime = attr->mtime;
	}
	pthread_mutex_unlock(&node->lock);
}

static int set_attr(const char *path, struct fuse_file_info *fi,
		    const struct wsfs_attr *attr)
{
	struct wsfs_handle *h = wsfs_handle_of(fi);
	struct wsfs_staged *node = NULL;
	struct wsfs_req req;
	ws_module_info info;
	int error;

	if (h && h->kind == WSFS_H_STAGED) {
		set_node_attr(h->node, attr);
		return 0;
	}
	if (!path)
		return h ? -EROFS : -ENOENT;
	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error;
	if (wsfs_route_readonly(&req.route) || req.fs->opt.readonly) {
		error = -EROFS;
	} else if (req.route.view != WSFS_V_BRANCH) {
		error = 0; /* branches/ itself */
	} else if (!*req.route.path) {
		wsfs_cache_attr_put(&req.fs->cache, req.route.name, "",
				    WSFS_DIR_KEY, attr);
	} else if ((node = wsfs_staged_find(&req.fs->stage, req.route.name,
					    req.route.path))) {
		set_node_attr(node, attr);
		wsfs_staged_put(&req.fs->stage, node);
		/* touch opens for writing first: if nothing is written, what
		 * it set is the stored module's */
		if (ws_module_stat(&info, req.store, req.route.name,
				   req.route.path) == 0)
			wsfs_cache_attr_put(&req.fs->cache, req.route.name,
					    req.route.path, info.hash, attr);
	} else if ((error = ws_module_stat(&info, req.store, req.route.name,
					   req.route.path)) == 0) {
		wsfs_cache_attr_put(&req.fs->cache, req.route.name,
				    req.route.path, info.hash, attr);
	} else if (error != WS_ENOTFOUND) {
		error = wsfs_errno(error);
	} else if (!(error = wsfs_branch_dir(&req, req.route.name,
					     req.route.path))) {
		wsfs_cache_attr_put(&req.fs->cache, req.route.name,
				    req.route.path, WSFS_DIR_KEY, attr);
	}
	wsfs_req_end(&req);
	return error;
}

int wsfs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct wsfs_attr attr = { .has_mode = 1, .mode = mode };

	return set_attr(path, fi, &attr);
}

int wsfs_chown(const char *path, uid_t uid, gid_t gid,
	       struct fuse_file_info *fi)
{
	struct wsfs_attr nothing = { 0 };

	(void)uid, (void)gid;
	return set_attr(path, fi, &nothing);
}

int wsfs_utimens(const char *path, const struct timespec tv[2],
		 struct fuse_file_info *fi)
{
	struct wsfs_attr attr = { 0 };

	if (!tv || tv[1].tv_nsec == UTIME_NOW) {
		attr.has_mtime = 1;
		clock_gettime(CLOCK_REALTIME, &attr.mtime);
	} else if (tv[1].tv_nsec != UTIME_OMIT) {
		attr.has_mtime = 1;
		attr.mtime = tv[1];
	}
	return set_attr(path, fi, &attr);
}
