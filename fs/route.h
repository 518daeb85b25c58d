/*
 * route.h - what a path in the mount names.
 *
 *   /                          WSFS_V_ROOT
 *   /default                   WSFS_V_DEFAULT   (symlink)
 *   /branches, /branches/ns    WSFS_V_BRANCHES  (ns: first segments of
 *                                                branch names with '/')
 *   /branches/<b>/<path>       WSFS_V_BRANCH    (path "" for the top)
 *   /commits                   WSFS_V_COMMITS
 *   /commits/<c>/<path>        WSFS_V_COMMIT
 *   /by-hash                   WSFS_V_BYHASH
 *   /by-hash/<sha256>          WSFS_V_HASH
 *   /.wasmstore                WSFS_V_META
 *   /.wasmstore/last-error     WSFS_V_LASTERROR
 */
#ifndef WSFS_ROUTE_H
#define WSFS_ROUTE_H

#include "fs.h"

enum wsfs_view {
	WSFS_V_ROOT,
	WSFS_V_DEFAULT,
	WSFS_V_BRANCHES,
	WSFS_V_BRANCH,
	WSFS_V_COMMITS,
	WSFS_V_COMMIT,
	WSFS_V_BYHASH,
	WSFS_V_HASH,
	WSFS_V_META,
	WSFS_V_LASTERROR,
};

struct wsfs_route {
	enum wsfs_view view;
	char *name; /* branch, commit or hash; BRANCHES: the namespace ("") */
	char *path; /* BRANCH, COMMIT: normalized path inside ("" the top) */
	/* BRANCH: its head commit when routed ("" before the first commit);
	 * COMMIT: the commit. What the request reads, so that everything it
	 * answers comes from one state, cached by commit (see lookup.c). */
	char head[WS_COMMIT_HEXSIZE + 1];
};

#define WSFS_ROUTE_INIT { WSFS_V_ROOT, NULL, NULL, "" }

/* Resolves `fspath` ("/branches/main/a.wasm"). 0, -ENOENT, -EINVAL for a
 * name the store refuses (".git"), or another -errno. */
int wsfs_route(struct wsfs_route *out, struct wsfs *fs, ws_store *store,
	       const char *fspath);
void wsfs_route_free(struct wsfs_route *route);

/* The mount's default branch (--branch, else the store's). Caller frees. */
char *wsfs_default_branch(struct wsfs *fs, ws_store *store);

/* 1 when `name` is a branch of the store, or the (perhaps still empty)
 * default branch. */
int wsfs_is_branch(struct wsfs *fs, ws_store *store, const char *name);

/* 1 for views nothing can be written to. */
int wsfs_route_readonly(const struct wsfs_route *route);

/* Splits "/a/b/c" into a malloc'd parent "/a/b" and a pointer to "c". */
int wsfs_split(char **parent, const char **base, const char *fspath);

#endif
