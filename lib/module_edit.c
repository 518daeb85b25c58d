/* module_edit.c - writes that change paths: remove, set, rename. */
#include "store.h"
#include "treewrite.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *target; /* normalized path, or a module hash */
	int by_hash;
	git_oid blob;       /* by_hash: the blob to remove everywhere */
	int removed;
} remove_ctx;

/* Collects every path of `tree` holding `blob`. */
typedef struct {
	const git_oid *blob;
	char **paths;
	size_t count;
} holders;

static int find_holder(const char *root, const git_tree_entry *entry,
		       void *payload)
{
	holders *h = payload;
	char **p;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
	    !git_oid_equal(git_tree_entry_id(entry), h->blob))
		return 0;
	if (!(p = realloc(h->paths, (h->count + 1) * sizeof(*p))))
		return -1;
	h->paths = p;
	if (!(p[h->count] = malloc(strlen(root) +
				   strlen(git_tree_entry_name(entry)) + 1)))
		return -1;
	sprintf(p[h->count++], "%s%s", root, git_tree_entry_name(entry));
	return 0;
}

static int edit_remove(ws_store *store, ws_edit *edit, void *payload)
{
	remove_ctx *ctx = payload;
	git_tree_update *updates = NULL;
	holders h = { &ctx->blob, NULL, 0 };
	git_tree_entry *entry = NULL;
	int error = 0;

	ctx->removed = 0;
	if (!edit->tree)
		return ws_error_set(WS_ENOTFOUND, "module '%s' not found",
				    ctx->target);
	if (!ctx->by_hash) {
		if (git_tree_entry_bypath(&entry, edit->tree, ctx->target) < 0 ||
		    git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
			git_tree_entry_free(entry);
			return ws_error_set(WS_ENOTFOUND, "module '%s' not found",
					    ctx->target);
		}
		git_tree_entry_free(entry);
		ctx->removed = 1;
		return ws_store__tree_set(&edit->new_tree, store, edit->tree,
					  ctx->target, NULL);
	}
	if (git_tree_walk(edit->tree, GIT_TREEWALK_PRE, find_holder, &h) < 0) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	if (h.count == 0) {
		error = ws_error_set(WS_ENOTFOUND, "module '%s' not found",
				     ctx->target);
		goto done;
	}
	if (!(updates = calloc(h.count, sizeof(*updates)))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < h.count; i++) {
		updates[i].action = GIT_TREE_UPDATE_REMOVE;
		updates[i].path = h.paths[i];
	}
	error = ws_tree_create_updated(&edit->new_tree, store, edit->tree,
				       h.count, updates);
	ctx->removed = (int)h.count;
done:
	for (size_t i = 0; i < h.count; i++)
		free(h.paths[i]);
	free(h.paths);
	free(updates);
	return error;
}

int ws_module_remove(ws_store *store, const char *branch,
		     const char *path_or_hash)
{
	remove_ctx ctx = { 0 };
	char *norm = NULL, *message = NULL;
	int error;

	if ((error = ws_path_normalize(&norm, path_or_hash)) < 0)
		return error;
	ctx.target = norm;
	if (ws_is_module_hash(norm)) {
		/* the lowercase hash fits where the given one was */
		if ((error = ws_store__hash_blob(&ctx.blob, norm, store, norm)) < 0)
			goto done;
		ctx.by_hash = 1;
	}
	if (!(message = malloc(strlen(norm) + 16))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	sprintf(message, "remove %s", norm);
	error = ws_store__commit(store, branch, message, edit_remove, &ctx, NULL);
done:
	free(message);
	free(norm);
	return error;
}

typedef struct {
	const char *path;
	const char *hash;
	git_oid blob;
} set_ctx;

static int edit_set(ws_store *store, ws_edit *edit, void *payload)
{
	set_ctx *ctx = payload;

	/* checked under the writers' lock, so gc cannot delete it after */
	if (!ws_store__object_exists(store, &ctx->blob))
		return ws_error_set(WS_ENOTFOUND, "unknown hash '%s'", ctx->hash);

	return ws_store__tree_set(&edit->new_tree, store, edit->tree, ctx->path,
				  &ctx->blob);
}

int ws_module_set(ws_store *store, const char *branch, const char *hash,
		  const char *path)
{
	set_ctx ctx;
	char *norm = NULL, *message = NULL, lower[WS_HASH_HEXSIZE + 1];
	int error;

	if (!ws_is_module_hash(hash))
		return ws_error_set(WS_EINPUT, "invalid hash");
	if (ws_store__hash_blob(&ctx.blob, lower, store, hash) < 0 ||
	    !ws_store__object_exists(store, &ctx.blob))
		return ws_error_set(WS_ENOTFOUND, "unknown hash '%s'", lower);
	if ((error = ws_path_normalize(&norm, path)) < 0)
		return error;
	if (!(message = malloc(strlen(norm) + 100))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	sprintf(message, "set %s to %s", norm, lower);
	ctx.path = norm;
	ctx.hash = lower;
	error = ws_store__commit(store, branch, message, edit_set, &ctx, NULL);
done:
	free(message);
	free(norm);
	return error;
}

typedef struct {
	const char *from, *to;
} rename_ctx;

static int edit_rename(ws_store *store, ws_edit *edit, void *payload)
{
	rename_ctx *ctx = payload;
	git_tree_entry *entry = NULL, *existing = NULL;
	git_tree_update updates[2] = { { 0 } };
	int error = 0;

	if (!edit->tree ||
	    git_tree_entry_bypath(&entry, edit->tree, ctx->from) < 0) {
		error = ws_error_set(WS_ENOTFOUND, "module '%s' not found",
				     ctx->from);
		goto done;
	}
	if (git_tree_entry_bypath(&existing, edit->tree, ctx->to) == 0) {
		/* replacing a module is fine (rename(2) does it); a directory
		 * would lose what it holds */
		if (git_tree_entry_type(existing) == GIT_OBJECT_TREE ||
		    git_tree_entry_type(entry) == GIT_OBJECT_TREE) {
			error = ws_error_set(WS_EEXISTS, "'%s' already exists",
					     ctx->to);
			goto done;
		}
	}
	updates[0].action = GIT_TREE_UPDATE_REMOVE;
	updates[0].path = ctx->from;
	updates[1].action = GIT_TREE_UPDATE_UPSERT;
	updates[1].path = ctx->to;
	/* a directory moves whole: one commit for everything below it */
	updates[1].filemode = git_tree_entry_filemode(entry);
	git_oid_cpy(&updates[1].id, git_tree_entry_id(entry));
	error = ws_tree_create_updated(&edit->new_tree, store, edit->tree, 2,
				       updates);
done:
	git_tree_entry_free(existing);
	git_tree_entry_free(entry);
	return error;
}

int ws_module_rename(ws_store *store, const char *branch, const char *from,
		     const char *to)
{
	rename_ctx ctx;
	char *nfrom = NULL, *nto = NULL, *message = NULL;
	int error;

	if ((error = ws_path_normalize(&nfrom, from)) < 0 ||
	    (error = ws_path_normalize(&nto, to)) < 0)
		goto done;
	/* as rename(2) refuses with EINVAL: a tree cannot hold itself */
	if (!strncmp(nto, nfrom, strlen(nfrom)) && nto[strlen(nfrom)] == '/') {
		error = ws_error_set(WS_EINPUT, "cannot move '%s' into itself",
				     nfrom);
		goto done;
	}
	if (!(message = malloc(strlen(nfrom) + strlen(nto) + 16))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	sprintf(message, "move %s to %s", nfrom, nto);
	ctx.from = nfrom;
	ctx.to = nto;
	error = ws_store__commit(store, branch, message, edit_rename, &ctx, NULL);
done:
	free(message);
	free(nto);
	free(nfrom);
	return error;
}
