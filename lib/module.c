/* module.c - reading modules by hash-or-path, listing, removing, setting. */
#include "store.h"

#include "rawcache.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The branch's current tree, or NULL (and 0) on an unborn branch. */
static int branch_tree(git_tree **out, ws_store *store, const char *branch)
{
	git_commit *head = NULL;
	int error;

	*out = NULL;
	if ((error = ws_store__head(&head, store, branch)) < 0 || !head)
		return error;
	if (git_commit_tree(out, head) < 0)
		error = ws_error__git(WS_ERROR, "reading tree");
	git_commit_free(head);
	return error;
}

static int oid_cmp(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

static int collect_blob(const char *root, const git_tree_entry *entry,
			void *payload)
{
	ws_store *store = payload;
	(void)root;
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	if ((store->member_count & (store->member_count + 1)) == 0 ||
	    store->member_count == 0) {
		size_t cap = store->member_count ? (store->member_count + 1) * 2
						 : 64;
		git_oid *p = realloc(store->member_blobs, cap * sizeof(*p));
		if (!p)
			return -1;
		store->member_blobs = p;
	}
	git_oid_cpy(&store->member_blobs[store->member_count++],
		    git_tree_entry_id(entry));
	return 0;
}

/* 1 if some path of `tree` holds `blob`. Remembers the set per tree, so
 * repeated lookups on an unchanged branch do not walk the tree again. */
static int tree_holds(ws_store *store, git_tree *tree, const git_oid *blob)
{
	if (!git_oid_equal(&store->member_tree, git_tree_id(tree)) ||
	    !store->member_blobs) {
		store->member_count = 0;
		free(store->member_blobs);
		store->member_blobs = NULL;
		if (git_tree_walk(tree, GIT_TREEWALK_PRE, collect_blob, store) < 0)
			return ws_error_set(WS_ERROR, "out of memory");
		if (store->member_count) /* qsort(NULL, 0) is undefined */
			qsort(store->member_blobs, store->member_count,
			      sizeof(git_oid), oid_cmp);
		git_oid_cpy(&store->member_tree, git_tree_id(tree));
		if (!store->member_blobs) /* empty tree: remember that too */
			store->member_blobs = malloc(sizeof(git_oid));
	}
	return bsearch(blob, store->member_blobs, store->member_count,
		       sizeof(git_oid), oid_cmp) != NULL;
}

static int stat_by_hash(ws_module_info *out, ws_store *store, git_tree *tree,
			const char *hash)
{
	git_oid blob;
	int error;

	error = ws_store__hash_blob(&blob, out->hash, store, hash);
	if (error == WS_ENOTFOUND) {
		/* maybe written by plain git: index the tree, then look again */
		if ((error = ws_store__index_tree(store, tree)) < 0)
			return error;
		error = ws_store__hash_blob(&blob, out->hash, store, hash);
	}
	if (!error && (error = tree_holds(store, tree, &blob)) == 0)
		return ws_error_set(WS_ENOTFOUND, "module '%s' not found",
				    out->hash);
	if (error < 0)
		return error;
	git_oid_tostr(out->blob, sizeof(out->blob), &blob);
	return 0;
}

static int stat_by_path(ws_module_info *out, ws_store *store, git_tree *tree,
			const char *path)
{
	git_tree_entry *entry = NULL;
	int error = 0;

	if (git_tree_entry_bypath(&entry, tree, path) < 0 ||
	    git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		error = ws_error_set(WS_ENOTFOUND, "module '%s' not found", path);
		goto done;
	}
	if ((error = ws_store__blob_hash(out->hash, store,
					 git_tree_entry_id(entry))) < 0)
		goto done;
	git_oid_tostr(out->blob, sizeof(out->blob), git_tree_entry_id(entry));
done:
	git_tree_entry_free(entry);
	return error;
}

int ws_module_stat(ws_module_info *out, ws_store *store, const char *branch,
		   const char *path_or_hash)
{
	git_tree *tree = NULL;
	char *path = NULL;
	git_odb *odb = NULL;
	git_object_t type;
	git_oid blob;
	size_t size;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = ws_path_normalize(&path, path_or_hash)) < 0)
		return error;
	if ((error = branch_tree(&tree, store, branch)) < 0)
		goto done;
	if (!tree) {
		error = ws_error_set(WS_ENOTFOUND, "module '%s' not found", path);
		goto done;
	}
	if (ws_is_module_hash(path))
		error = stat_by_hash(out, store, tree, path);
	else
		error = stat_by_path(out, store, tree, path);
	if (error)
		goto done;
	/* the raw copy, once written, knows the size without inflating the
	 * object's header: one stat instead of an open and a read */
	if ((size = ws_rawcache__size(store, out->hash)) == 0) {
		git_oid_fromstr(&blob, out->blob);
		if (git_repository_odb(&odb, store->repo) < 0 ||
		    git_odb_read_header(&size, &type, odb, &blob) < 0) {
			error = ws_error__git(WS_ERROR, "reading module");
			goto done;
		}
	}
	out->size = size;
done:
	git_odb_free(odb);
	git_tree_free(tree);
	free(path);
	return error;
}

int ws_module_contains(ws_store *store, const char *branch,
		       const char *path_or_hash)
{
	ws_module_info info;
	int error = ws_module_stat(&info, store, branch, path_or_hash);

	if (error == WS_ENOTFOUND)
		return 0;
	return error < 0 ? error : 1;
}

int ws_module_read(void **out, size_t *len, ws_module_info *info,
		   ws_store *store, const char *branch,
		   const char *path_or_hash)
{
	ws_module_info local;
	git_blob *b = NULL;
	git_oid id;
	int error;

	*out = NULL;
	*len = 0;
	if (!info)
		info = &local;
	if ((error = ws_module_stat(info, store, branch, path_or_hash)) < 0)
		return error;
	git_oid_fromstr(&id, info->blob);
	if (git_blob_lookup(&b, store->repo, &id) < 0)
		return ws_error__git(WS_ERROR, "reading module");
	*len = (size_t)git_blob_rawsize(b);
	if (!(*out = malloc(*len ? *len : 1)))
		error = ws_error_set(WS_ERROR, "out of memory");
	else
		memcpy(*out, git_blob_rawcontent(b), *len);
	git_blob_free(b);
	return error;
}

int ws_module_open_raw(int *out_fd, ws_module_info *info, ws_store *store,
		       const char *branch, const char *path_or_hash)
{
	ws_module_info local;
	uint64_t size;
	git_oid id;
	int error;

	*out_fd = -1;
	if (!info)
		info = &local;
	if ((error = ws_module_stat(info, store, branch, path_or_hash)) < 0)
		return error;
	git_oid_fromstr(&id, info->blob);
	size = info->size;
	return ws_rawcache__open(out_fd, &size, store, info->hash, &id);
}

int ws_module_open_raw_by_hash(int *out_fd, uint64_t *size, ws_store *store,
			       const char *hash)
{
	char lower[WS_HASH_HEXSIZE + 1];
	git_oid blob;
	int error;

	*out_fd = -1;
	if (!ws_is_module_hash(hash))
		return ws_error_set(WS_EINPUT, "invalid hash '%s'", hash);
	if ((error = ws_store__hash_blob(&blob, lower, store, hash)) < 0)
		return error;
	*size = 0; /* unknown: read from the object */
	return ws_rawcache__open(out_fd, size, store, lower, &blob);
}

int ws_module_filename(char **out, ws_store *store, const char *branch,
		       const char *path_or_hash)
{
	ws_module_info info;
	int fd, error;

	*out = NULL;
	if ((error = ws_module_open_raw(&fd, &info, store, branch,
					path_or_hash)) < 0)
		return error;
	close(fd);
	if (!(*out = ws_rawcache__path(store, info.hash)))
		return ws_error_set(WS_ERROR, "out of memory");
	return 0;
}

typedef struct {
	ws_store *store;
	const char *prefix; /* normalized, "" for everything */
	ws_module_cb cb;
	void *payload;
	int stop;
} list_ctx;

static int list_one(const char *root, const git_tree_entry *entry,
		    void *payload)
{
	list_ctx *ctx = payload;
	char hash[WS_HASH_HEXSIZE + 1], path[4200];
	size_t plen = strlen(ctx->prefix);

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(entry));
	if (plen && !(strncmp(path, ctx->prefix, plen) == 0 &&
		      (path[plen] == '\0' || path[plen] == '/')))
		return 0;
	if (ws_store__blob_hash(hash, ctx->store, git_tree_entry_id(entry)) < 0 ||
	    (ctx->stop = ctx->cb(path, hash, ctx->payload)) != 0)
		return -1;
	return 0;
}

int ws_module_list(ws_store *store, const char *branch, const char *prefix,
		   ws_module_cb cb, void *payload)
{
	list_ctx ctx = { store, "", cb, payload, 0 };
	git_tree *tree = NULL;
	char *norm = NULL;
	int error;

	if (prefix && strspn(prefix, "/") != strlen(prefix)) {
		if ((error = ws_path_normalize(&norm, prefix)) < 0)
			return error;
		ctx.prefix = norm;
	}
	if ((error = branch_tree(&tree, store, branch)) < 0 || !tree)
		goto done;
	ws_error__clear();
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, list_one, &ctx) < 0) {
		if (ctx.stop)
			error = ctx.stop;
		else
			error = *ws_error_last() ? WS_ERROR
						 : ws_error__git(WS_ERROR, "listing");
	}
done:
	git_tree_free(tree);
	free(norm);
	return error;
}

int ws_module_readdir(ws_store *store, const char *branch, const char *dir,
		      ws_dirent_cb cb, void *payload)
{
	git_tree *tree = NULL, *sub = NULL, *at;
	git_tree_entry *entry = NULL;
	char *norm = NULL;
	int error;

	if ((error = branch_tree(&tree, store, branch)) < 0)
		return error;
	if (dir && strspn(dir, "/") != strlen(dir) &&
	    (error = ws_path_normalize(&norm, dir)) < 0)
		goto done;
	if (!tree) {
		if (norm)
			error = ws_error_set(WS_ENOTFOUND, "'%s' not found", norm);
		goto done;
	}
	at = tree;
	if (norm) {
		if (git_tree_entry_bypath(&entry, tree, norm) < 0 ||
		    git_tree_entry_type(entry) != GIT_OBJECT_TREE ||
		    git_tree_lookup(&sub, store->repo, git_tree_entry_id(entry)) < 0) {
			error = ws_error_set(WS_ENOTFOUND,
					     "directory '%s' not found", norm);
			goto done;
		}
		at = sub;
	}
	for (size_t i = 0; i < git_tree_entrycount(at); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(at, i);
		char hash[WS_HASH_HEXSIZE + 1];
		int is_dir = git_tree_entry_type(e) == GIT_OBJECT_TREE;
		if (!is_dir && (error = ws_store__blob_hash(hash, store,
							    git_tree_entry_id(e))) < 0)
			goto done;
		if ((error = cb(git_tree_entry_name(e), is_dir,
				is_dir ? NULL : hash, payload)) != 0)
			goto done;
	}
done:
	git_tree_entry_free(entry);
	git_tree_free(sub);
	git_tree_free(tree);
	free(norm);
	return error;
}
