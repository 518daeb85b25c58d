/* xattr.c - extended attributes: user.wasmstore.hash on every module,
 * user.wasmstore.commit (the commit that last changed it) under branches/
 * and commits/. Derived from the store, so they cannot be set. */
#include <errno.h>
#include <string.h>

#include "ops.h"

#define XATTR_HASH "user.wasmstore.hash"
#define XATTR_COMMIT "user.wasmstore.commit"

/* The value of one of our attributes for the route, or -ENODATA. */
static int xattr_value(struct wsfs_req *req, const char *name,
		       char value[WS_HASH_HEXSIZE + 1])
{
	const char *at = req->route.name, *path = req->route.path;
	struct wsfs_staged *node;
	struct wsfs_change change;
	struct wsfs_entry e;
	int error;

	if (req->route.view == WSFS_V_HASH) {
		if (strcmp(name, XATTR_HASH))
			return -ENODATA;
		strcpy(value, at);
		return 0;
	}
	if ((req->route.view != WSFS_V_BRANCH &&
	     req->route.view != WSFS_V_COMMIT) || !*path)
		return -ENODATA;
	if (req->route.view == WSFS_V_BRANCH &&
	    (node = wsfs_staged_find(&req->fs->stage, at, path))) {
		wsfs_staged_put(&req->fs->stage, node);
		return -ENODATA; /* not committed (yet) */
	}
	if ((error = wsfs_lookup(req, path, &e)) < 0)
		return wsfs_errno(error);
	if (e.kind != WSFS_K_MODULE)
		return -ENODATA;
	if (!strcmp(name, XATTR_HASH)) {
		strcpy(value, e.info.hash);
		return 0;
	}
	if (strcmp(name, XATTR_COMMIT))
		return -ENODATA;
	if ((error = wsfs_last_change(req, path, &change)) < 0)
		return wsfs_errno(error);
	strcpy(value, change.commit);
	return 0;
}

static int give(char *buf, size_t size, const char *data, size_t len)
{
	if (size == 0)
		return (int)len;
	if (size < len)
		return -ERANGE;
	memcpy(buf, data, len);
	return (int)len;
}

int wsfs_getxattr(const char *path, const char *name, char *value,
		  size_t size)
{
	char v[WS_HASH_HEXSIZE + 1];
	struct wsfs_req req;
	int error;

	if (!path)
		return -ENOENT;
	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error;
	error = xattr_value(&req, name, v);
	wsfs_req_end(&req);
	return error < 0 ? error : give(value, size, v, strlen(v));
}

int wsfs_listxattr(const char *path, char *list, size_t size)
{
	static const char both[] = XATTR_HASH "\0" XATTR_COMMIT;
	char v[WS_HASH_HEXSIZE + 1];
	struct wsfs_req req;
	size_t len = 0;
	int error;

	if (!path)
		return -ENOENT;
	if ((error = wsfs_req_begin(&req, path)) < 0)
		return error;
	if (xattr_value(&req, XATTR_HASH, v) == 0)
		len = req.route.view == WSFS_V_HASH ? sizeof(XATTR_HASH)
						    : sizeof(both);
	wsfs_req_end(&req);
	return give(list, size, both, len);
}

int wsfs_setxattr(const char *path, const char *name, const char *value,
		  size_t size, int flags)
{
	(void)path, (void)name, (void)value, (void)size, (void)flags;
	return -ENOTSUP; /* ours are derived from the store */
}

int wsfs_removexattr(const char *path, const char *name)
{
	(void)path, (void)name;
	return -ENOTSUP;
}
