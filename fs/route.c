/* route.c - see route.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "watch.h"

void wsfs_route_free(struct wsfs_route *route)
{
	free(route->name);
	free(route->path);
	route->name = route->path = NULL;
}

char *wsfs_default_branch(struct wsfs *fs, ws_store *store)
{
	char *name = NULL;

	if (fs->opt.branch)
		return strdup(fs->opt.branch);
	if (ws_branch_default(&name, store) < 0)
		return NULL;
	return name;
}

int wsfs_is_branch(struct wsfs *fs, ws_store *store, const char *name)
{
	char *def;
	int yes;

	if (ws_branch_exists(store, name) == 1)
		return 1;
	/* an unborn default branch is still where the first write goes */
	if (!(def = wsfs_default_branch(fs, store)))
		return 0;
	yes = strcmp(def, name) == 0;
	free(def);
	return yes;
}

int wsfs_route_readonly(const struct wsfs_route *route)
{
	return route->view != WSFS_V_BRANCH && route->view != WSFS_V_BRANCHES;
}

int wsfs_split(char **parent, const char **base, const char *fspath)
{
	const char *slash = strrchr(fspath, '/');
	size_t n = slash ? (size_t)(slash - fspath) : 0;

	*base = slash ? slash + 1 : fspath;
	if (!(*parent = malloc(n + 2)))
		return -ENOMEM;
	if (n == 0) {
		strcpy(*parent, "/");
	} else {
		memcpy(*parent, fspath, n);
		(*parent)[n] = '\0';
	}
	return 0;
}

static int set(struct wsfs_route *out, enum wsfs_view view, const char *name,
	       size_t name_len, const char *path)
{
	out->view = view;
	if (name && !(out->name = strndup(name, name_len)))
		return -ENOMEM;
	if (!path)
		return 0;
	if (!*path) {
		out->path = strdup("");
		return out->path ? 0 : -ENOMEM;
	}
	if (ws_path_normalize(&out->path, path) < 0)
		return -EINVAL; /* ".git", control characters: not a name here */
	return 0;
}

static int has_prefix_cb(const char *name, void *payload)
{
	const char *prefix = payload;
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && name[n] == '/';
}

static int is_lower_hex(const char *s, size_t n)
{
	return strspn(s, "0123456789abcdef") == n;
}

/* 1 when `name` is a branch, with its head commit in `head` ("" when it
 * has none yet); 0 when it is not; <0 on error. From the watch thread's
 * memory while nothing moved, else one read of the ref. */
static int branch_head(struct wsfs *fs, ws_store *store, const char *name,
		       char head[WS_COMMIT_HEXSIZE + 1])
{
	unsigned ticket;
	int error;

	head[0] = '\0';
	if (wsfs_watch_head(fs->watch, name, head, &ticket))
		return 1;
	if (ws_branch_name_check(name) < 0)
		return 0;
	/* a commit id is read as that commit when no branch has its name */
	if (strlen(name) == WS_COMMIT_HEXSIZE &&
	    is_lower_hex(name, WS_COMMIT_HEXSIZE) &&
	    ws_branch_exists(store, name) != 1)
		return wsfs_is_branch(fs, store, name);
	error = ws_snapshot(head, store, name);
	if (error == WS_ENOTFOUND) {
		head[0] = '\0';
		return wsfs_is_branch(fs, store, name);
	}
	if (error < 0)
		return wsfs_errno(error);
	wsfs_watch_remember(fs->watch, name, head, ticket);
	return 1;
}

/* "/branches/..." past "/branches/": the shortest run of segments that
 * names a branch wins (git forbids both "a" and "a/b" as branches). */
static int route_branch(struct wsfs_route *out, struct wsfs *fs,
			ws_store *store, const char *rest)
{
	const char *end = rest;
	char *name;
	int found;

	for (;;) {
		const char *slash = strchr(end, '/');
		end = slash ? slash : end + strlen(end);
		if (!(name = strndup(rest, (size_t)(end - rest))))
			return -ENOMEM;
		found = branch_head(fs, store, name, out->head);
		if (found < 0) {
			free(name);
			return found;
		}
		if (found) {
			int error = set(out, WSFS_V_BRANCH, name, strlen(name),
					*end ? end + 1 : "");
			free(name);
			return error;
		}
		if (!*end)
			break;
		free(name);
		end++;
	}
	/* "feature" when branches "feature/x" exist: a directory of names */
	found = ws_branch_list(store, has_prefix_cb, name) > 0;
	free(name);
	if (!found)
		return -ENOENT;
	return set(out, WSFS_V_BRANCHES, rest, strlen(rest), NULL);
}

static int route_commit(struct wsfs_route *out, struct wsfs *fs,
			ws_store *store, const char *rest)
{
	const char *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
	ws_commit_info *info = NULL;
	int error;

	if (n != WS_COMMIT_HEXSIZE || !is_lower_hex(rest, n))
		return -ENOENT;
	if ((error = set(out, WSFS_V_COMMIT, rest, n, slash ? slash + 1 : "")))
		return error;
	memcpy(out->head, out->name, n + 1);
	if (wsfs_cache_commit_known(&fs->cache, out->name))
		return 0;
	if ((error = ws_commit_lookup(&info, store, out->name)) < 0)
		return wsfs_errno(error) == -EINVAL ? -ENOENT : wsfs_errno(error);
	ws_commit_info_free(info);
	wsfs_cache_commit_put(&fs->cache, out->name);
	return 0;
}

/* The rest of `path` after the top-level name `top`, "" when path is the
 * name itself, NULL when it is another name. */
static const char *under(const char *path, const char *top)
{
	size_t n = strlen(top);

	if (strncmp(path, top, n) != 0)
		return NULL;
	if (path[n] == '\0')
		return "";
	return path[n] == '/' ? path + n + 1 : NULL;
}

int wsfs_route(struct wsfs_route *out, struct wsfs *fs, ws_store *store,
	       const char *fspath)
{
	const char *p = fspath, *rest;
	int error;

	out->view = WSFS_V_ROOT;
	out->name = out->path = NULL;
	out->head[0] = '\0';
	while (*p == '/')
		p++;
	if (!*p)
		error = 0;
	else if (!strcmp(p, "default"))
		error = set(out, WSFS_V_DEFAULT, NULL, 0, NULL);
	else if ((rest = under(p, "branches")))
		error = *rest ? route_branch(out, fs, store, rest)
			      : set(out, WSFS_V_BRANCHES, "", 0, NULL);
	else if ((rest = under(p, "commits")))
		error = *rest ? route_commit(out, fs, store, rest)
			      : set(out, WSFS_V_COMMITS, NULL, 0, NULL);
	else if ((rest = under(p, "by-hash")))
		error = !*rest ? set(out, WSFS_V_BYHASH, NULL, 0, NULL)
		      : strlen(rest) == WS_HASH_HEXSIZE &&
				is_lower_hex(rest, WS_HASH_HEXSIZE)
			? set(out, WSFS_V_HASH, rest, WS_HASH_HEXSIZE, NULL)
			: -ENOENT;
	else if ((rest = under(p, ".wasmstore")))
		error = !*rest ? set(out, WSFS_V_META, NULL, 0, NULL)
		      : !strcmp(rest, "last-error")
			? set(out, WSFS_V_LASTERROR, NULL, 0, NULL)
			: -ENOENT;
	else
		error = -ENOENT;
	if (error)
		wsfs_route_free(out);
	return error;
}
