/*
 * lookup.c - what a path of the request's commit is, when it last changed,
 * and its raw bytes. A commit never changes, so the answers are cached by
 * commit: a request reads its branch's ref once (when routed) and, on a
 * branch that did not move, nothing else from the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"

int wsfs_lookup(struct wsfs_req *req, const char *path,
		struct wsfs_entry *out)
{
	struct wsfs_cache *cache = &req->fs->cache;
	const char *at = req->route.head;
	int error;

	memset(out, 0, sizeof(*out));
	out->kind = WSFS_K_NONE;
	if (!*path) {
		out->kind = WSFS_K_DIR;
		return 0;
	}
	if (!*at || wsfs_cache_entry_get(cache, at, path, out))
		return 0; /* (no commit yet: nothing but the top) */
	error = ws_module_stat(&out->info, req->store, at, path);
	if (!error) {
		out->kind = WSFS_K_MODULE;
	} else if (error == WS_ENOTFOUND) {
		/* git keeps no empty directories: one child is enough */
		error = wsfs_store_dir(req->store, at, path);
		if (error >= 0)
			out->kind = WSFS_K_DIR;
		else if (error != WS_ENOTFOUND)
			return error;
	} else {
		return error;
	}
	wsfs_cache_entry_put(cache, at, path, out);
	return 0;
}

int wsfs_last_change(struct wsfs_req *req, const char *path,
		     struct wsfs_change *out)
{
	const char *head = req->route.head, *slash = strrchr(path, '/');
	char dir[4200];
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!*head)
		return ws_error_set(WS_ENOTFOUND, "no commit yet");
	if (!*path) {
		memcpy(out->commit, head, sizeof(out->commit));
		return wsfs_times_commit_date(&req->fs->times, req->store, head,
					      &out->date);
	}
	if (n >= sizeof(dir))
		return ws_error_set(WS_EINPUT, "path too long");
	memcpy(dir, path, n);
	dir[n] = '\0';
	return wsfs_times_get(&req->fs->times, req->store, req->route.name,
			      head, dir, slash ? slash + 1 : path, out);
}

int wsfs_open_module(struct wsfs_req *req, const char *hash,
		     const char *path, int *fd)
{
	struct wsfs_cache *cache = &req->fs->cache;
	uint64_t size;
	int error;

	if ((*fd = wsfs_cache_fd_get(cache, hash)) >= 0)
		return 0;
	if (path)
		error = ws_module_open_raw(fd, NULL, req->store,
					   req->route.head, path);
	else if (!(error = ws_module_open_raw_by_hash(fd, &size, req->store,
							hash)))
		wsfs_cache_size_put(cache, hash, size);
	if (!error)
		wsfs_cache_fd_put(cache, hash, *fd);
	return error;
}
