/*
 * name.c - unlink and rename. Inside one branch a rename of a module is
 * one commit (ws_module_rename); a dot file staged by rsync, install or an
 * editor is committed under the name it is renamed to. Between branches
 * rename fails with EXDEV, so mv copies and then deletes, as it does
 * between filesystems.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Whatever is staged at branch/path stops being reachable by name. */
static int forget_staged(struct wsfs *fs, const char *branch, const char *path)
{
	struct wsfs_staged *node = wsfs_staged_find(&fs->stage, branch, path);

	if (!node)
		return 0;
	wsfs_staged_detach(&fs->stage, node);
	wsfs_staged_put(&fs->stage, node);
	return 1;
}

int wsfs_unlink(const char *path)
{
	struct wsfs_req req;
	const char *b, *p;
	int error, staged;

	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error;
	b = req.route.name;
	p = req.route.path;
	if (req.fs->opt.readonly || wsfs_route_readonly(&req.route)) {
		error = -EROFS;
		goto done;
	}
	if (req.route.view != WSFS_V_BRANCH || !*p) {
		error = -EPERM;
		goto done;
	}
	staged = forget_staged(req.fs, b, p);
	if (wsfs_is_hash_name(p)) {
		/* the library would remove every path holding that module */
		if (!staged) {
			ws_error_set(WS_EINPUT, "a name of 64 hex digits "
				     "addresses a module by hash: remove it "
				     "with 'wasmstore remove'");
			error = wsfs_report(req.fs, b, p, WS_EINPUT);
		}
	} else if ((error = ws_module_remove(req.store, b, p)) == WS_ENOTFOUND) {
		error = staged ? 0 : -ENOENT;
	} else if (error < 0) {
		error = wsfs_report(req.fs, b, p, error);
	}
	if (!error) /* its directory stays until rmdir, as on any disk */
		error = wsfs_memdir_add_parents(&req.fs->memdir, b, p);
done:
	wsfs_req_end(&req);
	return error;
}

/* A module of the store moves: one commit. */
static int rename_module(struct wsfs_req *req, const char *f, const char *t,
			 const ws_module_info *info)
{
	struct wsfs *fs = req->fs;
	const char *b = req->route.name;
	struct wsfs_attr attr;
	int error;

	if ((error = ws_module_rename(req->store, b, f, t)) < 0)
		return wsfs_report(fs, b, t, error);
	forget_staged(fs, b, t);
	if (wsfs_cache_attr_get(&fs->cache, b, f, info->hash, &attr))
		wsfs_cache_attr_put(&fs->cache, b, t, info->hash, &attr);
	wsfs_memdir_prune(&fs->memdir, b, t);
	return wsfs_memdir_add_parents(&fs->memdir, b, f);
}

/*
 * A staged file moves. A dot file renamed to a plain name is validated and
 * committed under that name (the rsync/install/editor pattern) and then
 * forgotten; otherwise the staged file moves, with the module the store
 * had under the old name, if any.
 */
static int rename_staged(struct wsfs_req *req, struct wsfs_staged *node,
			 const char *f, const char *t)
{
	struct wsfs *fs = req->fs;
	const char *b = req->route.name;
	ws_module_info info;
	int error, stored;

	pthread_mutex_lock(&node->lock);
	stored = ws_module_stat(&info, req->store, b, f) == 0;
	if (wsfs_staged_is_temp_name(f) && !wsfs_staged_is_temp_name(t)) {
		if (!(error = wsfs_commit_node(fs, req->store, node, t))) {
			forget_staged(fs, b, t);
			wsfs_staged_detach(&fs->stage, node);
			if (stored && (error = ws_module_remove(req->store, b,
								f)) < 0)
				error = wsfs_report(fs, b, f, error);
		}
	} else {
		error = stored ? ws_module_rename(req->store, b, f, t) : 0;
		if (error < 0)
			error = wsfs_report(fs, b, t, error);
		else
			error = wsfs_staged_move(&fs->stage, node, t);
	}
	pthread_mutex_unlock(&node->lock);
	if (!error)
		error = wsfs_memdir_add_parents(&fs->memdir, b, f);
	return error;
}

/* A directory made here (memory) with what is staged below it. Stored
 * directories are not renamed: the library moves one module per commit,
 * so EXDEV makes mv copy the tree and remove the old one. */
static int rename_dir(struct wsfs_req *req, const char *f, const char *t)
{
	struct wsfs *fs = req->fs;
	const char *b = req->route.name;
	char *saved = req->route.path;
	struct stat st;
	int error, exists, empty = 1;

	req->route.path = (char *)t;
	exists = wsfs_stat(req, &st) == 0;
	if (exists && S_ISDIR(st.st_mode))
		empty = wsfs_dir_is_empty(req, b, t);
	req->route.path = saved;
	if (exists && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (!empty)
		return -ENOTEMPTY;
	if (wsfs_store_dir(req->store, b, f) > 0)
		return -EXDEV;
	wsfs_memdir_remove(&fs->memdir, b, t); /* an empty one is replaced */
	if ((error = wsfs_memdir_rename(&fs->memdir, b, f, t)) < 0)
		return error;
	return wsfs_staged_move_dir(&fs->stage, b, f, t);
}

/* Inside one branch. */
static int rename_in_branch(struct wsfs_req *req, const char *f,
			    const char *t, unsigned int flags)
{
	const char *b = req->route.name;
	struct wsfs_staged *node;
	ws_module_info info;
	struct stat st;
	int error;

	if (flags & RENAME_NOREPLACE) {
		char *saved = req->route.path;
		req->route.path = (char *)t;
		error = wsfs_stat(req, &st);
		req->route.path = saved;
		if (error == 0)
			return -EEXIST;
	}
	if ((node = wsfs_staged_find(&req->fs->stage, b, f))) {
		error = rename_staged(req, node, f, t);
		wsfs_staged_put(&req->fs->stage, node);
		return error;
	}
	error = ws_module_stat(&info, req->store, b, f);
	if (error == 0)
		return rename_module(req, f, t, &info);
	if (error != WS_ENOTFOUND)
		return wsfs_errno(error);
	if (wsfs_branch_dir(req, b, f) < 0)
		return -ENOENT;
	return rename_dir(req, f, t);
}

/* branches/a -> branches/b: b starts at a's head, then a goes. */
static int rename_branch(struct wsfs_req *req, const char *to)
{
	struct wsfs *fs = req->fs;
	const char *from = req->route.name, *base;
	struct wsfs_req parent;
	char *dir = NULL, *name = NULL, *def = NULL;
	int error;

	if ((error = wsfs_split(&dir, &base, to)) < 0)
		return error;
	parent.fs = fs;
	parent.store = req->store;
	if ((error = wsfs_route(&parent.route, fs, req->store, dir)) < 0)
		goto done;
	if (parent.route.view != WSFS_V_BRANCHES) {
		error = parent.route.view == WSFS_V_BRANCH ? -EXDEV : -EROFS;
		goto route_done;
	}
	if (!(name = malloc(strlen(parent.route.name) + strlen(base) + 2))) {
		error = -ENOMEM;
		goto route_done;
	}
	sprintf(name, "%s%s%s", parent.route.name, *parent.route.name ? "/" : "",
		base);
	if (!(def = wsfs_default_branch(fs, req->store)))
		error = -EIO;
	else if (!strcmp(def, from))
		error = -EBUSY;
	else if (ws_branch_name_check(name) < 0)
		error = -EINVAL;
	else if (wsfs_is_branch(fs, req->store, name))
		error = -EEXIST;
	else if ((error = ws_branch_create(req->store, name, from)) < 0)
		error = wsfs_report(fs, name, "", error);
	else if ((error = ws_branch_delete(req->store, from)) < 0)
		error = wsfs_report(fs, from, "", error);
	if (!error) {
		wsfs_staged_drop_branch(&fs->stage, from);
		wsfs_memdir_drop_branch(&fs->memdir, from);
	}
route_done:
	wsfs_route_free(&parent.route);
done:
	free(def);
	free(name);
	free(dir);
	return error;
}

int wsfs_rename(const char *from, const char *to, unsigned int flags)
{
	struct wsfs_route dst = WSFS_ROUTE_INIT;
	struct wsfs_req req;
	int error;

	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if ((error = wsfs_req_begin(&req, from)) < 0)
		return error;
	if (req.fs->opt.readonly || wsfs_route_readonly(&req.route)) {
		error = -EROFS;
	} else if (req.route.view != WSFS_V_BRANCH) {
		error = -EPERM;
	} else if (!*req.route.path) {
		error = rename_branch(&req, to);
	} else if ((error = wsfs_route(&dst, req.fs, req.store, to)) < 0) {
		if (error == -ENOENT)
			error = wsfs_new_name_error(req.fs, req.store, to);
	} else if (dst.view != WSFS_V_BRANCH || !*dst.path) {
		error = wsfs_route_readonly(&dst) ? -EROFS : -EPERM;
	} else if (strcmp(dst.name, req.route.name)) {
		error = -EXDEV;
	} else {
		error = rename_in_branch(&req, req.route.path, dst.path, flags);
	}
	wsfs_route_free(&dst);
	wsfs_req_end(&req);
	return error;
}
