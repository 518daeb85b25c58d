/* dir.c - listing directories; mkdir and rmdir of directories inside a
 * branch (kept in memory until used: git stores no empty ones) and of
 * branches themselves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define COMMITS_LISTED 1000 /* commits/ lists this much recent history */

/* Collects names once each, then hands them to the kernel. */
struct listing {
	void *buf;
	fuse_fill_dir_t filler;
	struct wsfs_strmap seen;
	int error;
};

static int add(struct listing *l, const char *name, int is_dir)
{
	struct stat st = { .st_mode = is_dir ? S_IFDIR : S_IFREG };

	if (wsfs_strmap_get(&l->seen, name))
		return 0;
	if (wsfs_strmap_put(&l->seen, name, (void *)1) < 0)
		return l->error = -ENOMEM;
	if (l->filler(l->buf, name, &st, 0, 0))
		return l->error = -ENOMEM;
	return 0;
}

static int add_dirent(const char *name, int is_dir, const char *hash,
		      void *payload)
{
	(void)hash;
	return add(payload, name, is_dir);
}

static int add_dir(const char *name, void *payload)
{
	return add(payload, name, 1);
}

static int add_staged(const char *name, int is_dir, void *payload)
{
	return add(payload, name, is_dir);
}

struct ns_ctx {
	struct listing *l;
	const char *ns; /* "" or "feature" */
};

/* A branch name as an entry of branches/ (or of a namespace in it). */
static int add_branch(const char *name, void *payload)
{
	struct ns_ctx *ctx = payload;
	size_t n = strlen(ctx->ns);
	const char *rest = name, *slash;
	char seg[256];

	if (n) {
		if (strncmp(name, ctx->ns, n) || name[n] != '/')
			return 0;
		rest = name + n + 1;
	}
	slash = strchr(rest, '/');
	n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n >= sizeof(seg))
		return 0;
	memcpy(seg, rest, n);
	seg[n] = '\0';
	return add(ctx->l, seg, 1);
}

struct log_ctx {
	struct listing *l;
	int left;
};

static int add_commit(const ws_commit_info *info, void *payload)
{
	struct log_ctx *ctx = payload;

	if (ctx->left-- <= 0)
		return 1;
	return add(ctx->l, info->hash, 1);
}

static int add_module_hash(const char *path, const char *hash, void *payload)
{
	(void)path;
	return add(payload, hash, 0);
}

static int each_branch_hashes(const char *name, void *payload)
{
	struct wsfs_req *req = ((void **)payload)[0];
	struct listing *l = ((void **)payload)[1];
	int error = ws_module_list(req->store, name, NULL, add_module_hash, l);

	return error == WS_ENOTFOUND ? 0 : error;
}

static int list_branch(struct wsfs_req *req, struct listing *l)
{
	struct wsfs *fs = req->fs;
	const char *b = req->route.name, *dir = req->route.path;
	int error = ws_module_readdir(req->store, b, dir, add_dirent, l);

	if (error < 0 && error != WS_ENOTFOUND)
		return wsfs_errno(error);
	if (l->error)
		return l->error;
	if (wsfs_staged_children(&fs->stage, b, dir, 1, add_staged, l) ||
	    wsfs_memdir_children(&fs->memdir, b, dir, add_dir, l))
		return l->error ? l->error : -ENOMEM;
	if (error == WS_ENOTFOUND && *dir &&
	    wsfs_branch_dir(req, b, dir) < 0)
		return -ENOENT;
	return 0;
}

static int list(struct wsfs_req *req, struct listing *l)
{
	char *def = NULL;
	int error = 0;

	switch (req->route.view) {
	case WSFS_V_ROOT:
		add(l, "branches", 1);
		add(l, "commits", 1);
		add(l, "by-hash", 1);
		add(l, ".wasmstore", 1);
		return add(l, "default", 0);
	case WSFS_V_BRANCHES: {
		struct ns_ctx ctx = { l, req->route.name };
		error = ws_branch_list(req->store, add_branch, &ctx);
		/* the default branch is there even before its first commit */
		if (!error && (def = wsfs_default_branch(req->fs, req->store)))
			error = add_branch(def, &ctx);
		free(def);
		break;
	}
	case WSFS_V_BRANCH:
		return list_branch(req, l);
	case WSFS_V_COMMITS: {
		struct log_ctx ctx = { l, COMMITS_LISTED };
		def = wsfs_default_branch(req->fs, req->store);
		error = def ? ws_log(req->store, def, add_commit, &ctx) : 0;
		free(def);
		if (error == WS_ENOTFOUND || error == 1)
			error = 0;
		break;
	}
	case WSFS_V_COMMIT:
		error = ws_module_readdir(req->store, req->route.name,
					  req->route.path, add_dirent, l);
		break;
	case WSFS_V_BYHASH: {
		void *ctx[2] = { req, l };
		error = ws_branch_list(req->store, each_branch_hashes, ctx);
		break;
	}
	case WSFS_V_META:
		return add(l, "last-error", 0);
	default:
		return -ENOTDIR;
	}
	if (l->error)
		return l->error;
	return error < 0 ? wsfs_errno(error) : 0;
}

/* readdir gets no path (nullpath_ok): opendir keeps it in the handle. */
int wsfs_opendir(const char *path, struct fuse_file_info *fi)
{
	char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	fi->fh = (uintptr_t)copy;
	return 0;
}

int wsfs_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	free((char *)(uintptr_t)fi->fh);
	return 0;
}

int wsfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		 off_t off, struct fuse_file_info *fi,
		 enum fuse_readdir_flags flags)
{
	struct listing l = { buf, filler, { 0 }, 0 };
	struct wsfs_req req;
	int error;

	(void)off, (void)flags;
	path = (const char *)(uintptr_t)fi->fh;
	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error;
	wsfs_strmap_init(&l.seen, NULL);
	add(&l, ".", 1);
	add(&l, "..", 1);
	error = list(&req, &l);
	wsfs_strmap_clear(&l.seen);
	wsfs_req_end(&req);
	return error;
}

/* branches/<ns>/<base>: a new branch from the mount's default branch. */
static int make_branch(struct wsfs_req *req, const char *base)
{
	const char *ns = req->route.name;
	char *name = malloc(strlen(ns) + strlen(base) + 2);
	int error;

	if (!name)
		return -ENOMEM;
	if (*ns)
		strcat(strcat(strcpy(name, ns), "/"), base);
	else
		strcpy(name, base);
	if (ws_branch_name_check(name) < 0)
		error = -EINVAL;
	else if (wsfs_is_branch(req->fs, req->store, name))
		error = -EEXIST;
	else if ((error = ws_branch_create(req->store, name,
					   req->fs->opt.branch)) < 0)
		error = wsfs_report(req->fs, name, "", error);
	free(name);
	return error;
}

/* Joins a directory of a branch and a name. Caller frees. */
static char *join(const char *dir, const char *base)
{
	char *p = malloc(strlen(dir) + strlen(base) + 2);

	if (p) {
		if (*dir)
			strcat(strcat(strcpy(p, dir), "/"), base);
		else
			strcpy(p, base);
	}
	return p;
}

int wsfs_mkdir(const char *path, mode_t mode)
{
	struct wsfs_req req;
	struct stat st;
	const char *base;
	char *parent = NULL, *full = NULL;
	int error;

	(void)mode;
	if ((error = wsfs_split(&parent, &base, path)) < 0)
		return error;
	if ((error = wsfs_req_begin(&req, parent)) < 0)
		goto done;
	if (req.fs->opt.readonly || wsfs_route_readonly(&req.route)) {
		error = -EROFS;
	} else if (req.route.view == WSFS_V_BRANCHES) {
		error = make_branch(&req, base);
	} else if (!(full = join(req.route.path, base))) {
		error = -ENOMEM;
	} else {
		char *norm = NULL;
		/* the same checks as a module path: no ".git" */
		if (ws_path_normalize(&norm, full) < 0)
			error = -EINVAL;
		free(norm);
		free(req.route.path);
		req.route.path = full;
		full = NULL;
		if (!error && wsfs_stat(&req, &st) == 0)
			error = -EEXIST;
		else if (!error)
			error = wsfs_memdir_add(&req.fs->memdir, req.route.name,
						req.route.path);
	}
	wsfs_req_end(&req);
done:
	free(full);
	free(parent);
	return error;
}

static int found_one(const char *name, void *payload)
{
	(void)name, (void)payload;
	return 1;
}

int wsfs_dir_is_empty(struct wsfs_req *req, const char *branch,
		      const char *dir)
{
	struct wsfs *fs = req->fs;

	if (wsfs_staged_has_below(&fs->stage, branch, dir) ||
	    wsfs_memdir_children(&fs->memdir, branch, dir, found_one, NULL))
		return 0;
	return wsfs_store_dir(req->store, branch, dir) <= 0;
}

static int remove_branch(struct wsfs_req *req)
{
	struct wsfs *fs = req->fs;
	char *def = wsfs_default_branch(fs, req->store);
	int error;

	if (!def)
		return -EIO;
	if (!strcmp(def, req->route.name)) {
		/* the default branch (the mount's or the store's) stays */
		free(def);
		return -EBUSY;
	}
	free(def);
	if ((error = ws_branch_delete(req->store, req->route.name)) < 0)
		return wsfs_report(fs, req->route.name, "", error);
	wsfs_staged_drop_branch(&fs->stage, req->route.name);
	wsfs_memdir_drop_branch(&fs->memdir, req->route.name);
	return 0;
}

int wsfs_rmdir(const char *path)
{
	struct wsfs_req req;
	struct stat st;
	int error;

	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error;
	if (req.fs->opt.readonly || wsfs_route_readonly(&req.route))
		error = -EROFS;
	else if (req.route.view == WSFS_V_BRANCHES)
		error = *req.route.name ? -ENOTEMPTY : -EBUSY;
	else if (!*req.route.path)
		error = remove_branch(&req);
	else if ((error = wsfs_stat(&req, &st)) < 0)
		;
	else if (!S_ISDIR(st.st_mode))
		error = -ENOTDIR;
	else if (!wsfs_dir_is_empty(&req, req.route.name, req.route.path))
		error = -ENOTEMPTY;
	else
		wsfs_memdir_remove(&req.fs->memdir, req.route.name,
				   req.route.path);
	wsfs_req_end(&req);
	return error;
}
