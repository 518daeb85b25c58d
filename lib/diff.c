/* diff.c - changes between two commits, and their watch JSON. */
#include "diff.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ws_listing__free(ws_listing *listing)
{
	for (size_t i = 0; i < listing->count; i++)
		free(listing->entries[i].path);
	free(listing->entries);
	memset(listing, 0, sizeof(*listing));
}

typedef struct {
	ws_store *store;
	ws_listing *listing;
} listing_ctx;

static int list_entry(const char *root, const git_tree_entry *entry,
		      void *payload)
{
	listing_ctx *ctx = payload;
	ws_listing *l = ctx->listing;
	ws_listing_entry *e;
	git_filemode_t mode = git_tree_entry_filemode(entry);

	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0; /* directories are walked into; links are no modules */
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		if (!(e = realloc(l->entries, cap * sizeof(*e))))
			return ws_error_set(WS_ERROR, "out of memory");
		l->entries = e;
		l->cap = cap;
	}
	e = &l->entries[l->count];
	if (!(e->path = malloc(strlen(root) +
			       strlen(git_tree_entry_name(entry)) + 1)))
		return ws_error_set(WS_ERROR, "out of memory");
	sprintf(e->path, "%s%s", root, git_tree_entry_name(entry));
	l->count++;
	return ws_store__blob_hash(e->hash, ctx->store, git_tree_entry_id(entry));
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const ws_listing_entry *)a)->path,
		      ((const ws_listing_entry *)b)->path);
}

int ws_listing__of_tree(ws_listing *out, ws_store *store, git_tree *tree)
{
	listing_ctx ctx = { store, out };

	memset(out, 0, sizeof(*out));
	if (!tree)
		return 0;
	ws_error__clear();
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, list_entry, &ctx) < 0) {
		int error = *ws_error_last() ? WS_ERROR
					     : ws_error__git(WS_ERROR, "listing");
		ws_listing__free(out);
		return error;
	}
	/* git orders a directory as if its name ended in '/'; sort plainly */
	qsort(out->entries, out->count, sizeof(*out->entries), by_path);
	return 0;
}

int ws_listing__diff(const ws_listing *from, const ws_listing *to,
		     ws_change_cb cb, void *payload)
{
	size_t i = 0, j = 0;
	int error = 0;

	while (!error && (i < from->count || j < to->count)) {
		const ws_listing_entry *a = i < from->count ? &from->entries[i] : NULL;
		const ws_listing_entry *b = j < to->count ? &to->entries[j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a->path, b->path);
		ws_change c = { 0 };

		if (cmp < 0) {
			c = (ws_change){ a->path, WS_REMOVED, a->hash, NULL };
			i++;
		} else if (cmp > 0) {
			c = (ws_change){ b->path, WS_ADDED, NULL, b->hash };
			j++;
		} else {
			i++, j++;
			if (strcmp(a->hash, b->hash) == 0)
				continue;
			c = (ws_change){ a->path, WS_UPDATED, a->hash, b->hash };
		}
		error = cb(&c, payload);
	}
	return error;
}

/* The listing of commit `hex` (NULL: the empty tree). */
static int listing_of_commit(ws_listing *out, ws_store *store, const char *hex)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	int error;

	memset(out, 0, sizeof(*out));
	if (!hex)
		return 0;
	if ((error = ws_store__lookup_commit(&commit, store, hex)) < 0)
		return error;
	if (git_commit_tree(&tree, commit) < 0)
		error = ws_error__git(WS_ERROR, "reading tree");
	else
		error = ws_listing__of_tree(out, store, tree);
	git_tree_free(tree);
	git_commit_free(commit);
	return error;
}

int ws_diff(ws_store *store, const char *from, const char *to,
	    ws_change_cb cb, void *payload)
{
	ws_listing a, b = { 0 };
	int error;

	if ((error = listing_of_commit(&a, store, from)) < 0)
		return error;
	if (!(error = listing_of_commit(&b, store, to)))
		error = ws_listing__diff(&a, &b, cb, payload);
	ws_listing__free(&a);
	ws_listing__free(&b);
	return error;
}

char *ws_change_json(const ws_change *change)
{
	static const char *const actions[] = { "added", "updated", "removed" };
	cJSON *root = cJSON_CreateObject(), *entry = cJSON_CreateObject(), *hash;
	char *key = malloc(strlen(change->path) + 2), *out = NULL;

	if (!root || !entry || !key) {
		cJSON_Delete(entry);
		goto done;
	}
	sprintf(key, "/%s", change->path);
	cJSON_AddItemToObject(root, key, entry);
	cJSON_AddItemToObject(entry, "action",
			      cJSON_CreateString(actions[change->action]));
	if (change->action == WS_UPDATED) {
		hash = cJSON_CreateObject();
		cJSON_AddItemToObject(hash, "old",
				      cJSON_CreateString(change->old_hash));
		cJSON_AddItemToObject(hash, "new",
				      cJSON_CreateString(change->new_hash));
	} else {
		hash = cJSON_CreateString(change->action == WS_ADDED
						  ? change->new_hash
						  : change->old_hash);
	}
	cJSON_AddItemToObject(entry, "hash", hash);
	out = cJSON_PrintUnformatted(root);
done:
	cJSON_Delete(root);
	free(key);
	return out;
}
