/* restore.c - restore and rollback: new commits that bring back old states,
 * so history is kept and every state stays reachable. */
#include "history.h"
#include "treewrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returned by edit callbacks when there is nothing to commit. */
#define NOTHING_TO_DO 1

/* What one path should become: absent, or `id` with `mode`. */
typedef struct {
	const char *path; /* NULL: the whole tree */
	int present;
	git_oid id;
	git_filemode_t mode;
} path_state;

static int write_empty_tree(git_oid *out, ws_store *store)
{
	return ws_store__put(store, out, GIT_OBJECT_TREE, "", 0);
}

static int update_tree(git_oid *out, ws_store *store, git_tree *base,
		       const char *path, const path_state *want)
{
	git_tree_update update = { 0 };

	update.path = path;
	if (want) {
		update.action = GIT_TREE_UPDATE_UPSERT;
		update.filemode = want->mode;
		git_oid_cpy(&update.id, &want->id);
	} else {
		update.action = GIT_TREE_UPDATE_REMOVE;
	}
	return ws_tree_create_updated(out, store, base, 1, &update);
}

/* Makes edit->new_tree the current tree with `want->path` set to `want`. */
static int apply_path_state(ws_store *store, ws_edit *edit,
			    const path_state *want)
{
	git_tree *removed = NULL;
	git_filemode_t mode = 0;
	git_oid id, mid;
	int here, error;

	if ((here = ws_history__entry(&id, &mode, edit->tree, want->path)) < 0)
		return here;
	if (!here && !want->present)
		return NOTHING_TO_DO;
	if (here && want->present && git_oid_equal(&id, &want->id) &&
	    mode == want->mode)
		return NOTHING_TO_DO;
	if (!here || !want->present)
		return update_tree(&edit->new_tree, store, edit->tree, want->path,
				   want->present ? want : NULL);
	if ((mode == GIT_FILEMODE_TREE) == (want->mode == GIT_FILEMODE_TREE))
		return update_tree(&edit->new_tree, store, edit->tree, want->path,
				   want);
	/* a module where a directory is now, or the reverse: libgit2 will not
	 * replace one kind by the other, so remove first */
	if ((error = update_tree(&mid, store, edit->tree, want->path, NULL)) < 0)
		return error;
	if (git_tree_lookup(&removed, store->repo, &mid) < 0)
		return ws_error__git(WS_ERROR, "reading tree");
	error = update_tree(&edit->new_tree, store, removed, want->path, want);
	git_tree_free(removed);
	return error;
}

/* edit->tree may be NULL on an unborn branch: give libgit2 an empty base. */
static int apply_on_branch(ws_store *store, ws_edit *edit,
			   const path_state *want)
{
	git_tree *empty = NULL;
	git_oid id;
	int error;

	if (edit->tree)
		return apply_path_state(store, edit, want);
	if (!want->present)
		return NOTHING_TO_DO;
	if ((error = write_empty_tree(&id, store)) < 0)
		return error;
	if (git_tree_lookup(&empty, store->repo, &id) < 0)
		return ws_error__git(WS_ERROR, "reading tree");
	edit->tree = empty;
	error = apply_path_state(store, edit, want);
	edit->tree = NULL;
	git_tree_free(empty);
	return error;
}

/* Runs the edit; NOTHING_TO_DO from it means success without a commit. */
static int commit_edit(ws_store *store, const char *branch,
		       const char *message, ws_edit_fn fn, void *payload)
{
	int error = ws_store__commit(store, branch, message, fn, payload, NULL);

	return error == NOTHING_TO_DO ? 0 : error;
}

/* NULL, "" and "/" all mean the whole tree (front ends pass what the
 * user typed after the route). */
static int whole_tree(const char *path)
{
	return !path || strspn(path, "/") == strlen(path);
}

typedef struct {
	git_commit *commit;
	const char *path;
} restore_ctx;

static int edit_restore(ws_store *store, ws_edit *edit, void *payload)
{
	restore_ctx *ctx = payload;
	path_state want = { ctx->path, 0, { { 0 } }, 0 };
	git_tree *old = NULL;
	int rc;

	if (!ctx->path) {
		/* a commit another process's gc deleted may linger in this
		 * handle's cache: never commit a tree that is gone */
		if (!ws_store__object_exists(store, git_commit_tree_id(ctx->commit)))
			return ws_error_set(WS_ENOTFOUND, "commit not found");
		git_oid_cpy(&edit->new_tree, git_commit_tree_id(ctx->commit));
		return 0;
	}
	if ((rc = git_commit_tree(&old, ctx->commit)) < 0)
		return rc == GIT_ENOTFOUND /* gone, as above */
			       ? ws_error_set(WS_ENOTFOUND, "commit not found")
			       : ws_error__git(WS_ERROR, "reading tree");
	rc = ws_history__entry(&want.id, &want.mode, old, ctx->path);
	git_tree_free(old);
	if (rc < 0)
		return rc;
	want.present = rc;
	if (rc && !ws_store__object_exists(store, &want.id))
		return ws_error_set(WS_ENOTFOUND, "commit not found");
	return apply_on_branch(store, edit, &want);
}

int ws_restore(ws_store *store, const char *branch, const char *commit,
	       const char *path)
{
	restore_ctx ctx = { NULL, NULL };
	char *norm = NULL, *message = NULL, hex[WS_COMMIT_HEXSIZE + 1];
	int error;

	if ((error = ws_store__lookup_commit(&ctx.commit, store, commit)) < 0)
		return error;
	git_oid_tostr(hex, sizeof(hex), git_commit_id(ctx.commit));
	if (!whole_tree(path) && (error = ws_path_normalize(&norm, path)) < 0)
		goto done;
	if (!(message = malloc((norm ? strlen(norm) : 0) + 64))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	if (norm)
		sprintf(message, "restore %s from %s", norm, hex);
	else
		sprintf(message, "restore %s", hex);
	ctx.path = norm;
	error = commit_edit(store, branch, message, edit_restore, &ctx);
done:
	git_commit_free(ctx.commit);
	free(message);
	free(norm);
	return error;
}

static int edit_rollback_all(ws_store *store, ws_edit *edit, void *payload)
{
	git_commit *parent = NULL;

	(void)payload;
	if (!edit->head)
		return NOTHING_TO_DO;
	if (git_commit_parentcount(edit->head) == 0)
		return write_empty_tree(&edit->new_tree, store);
	if (git_commit_parent(&parent, edit->head, 0) < 0)
		return ws_error__git(WS_ERROR, "reading commit");
	git_oid_cpy(&edit->new_tree, git_commit_tree_id(parent));
	git_commit_free(parent);
	return 0;
}

typedef struct {
	git_oid commit;
	int found;
} last_change;

static int take_newest(git_commit *commit, int present, const git_oid *id,
		       git_filemode_t mode, void *payload)
{
	last_change *last = payload;

	(void)present, (void)id, (void)mode;
	git_oid_cpy(&last->commit, git_commit_id(commit));
	last->found = 1;
	return NOTHING_TO_DO; /* stop at the newest */
}

static int edit_rollback_path(ws_store *store, ws_edit *edit, void *payload)
{
	path_state want = { payload, 0, { { 0 } }, 0 };
	last_change last = { { { 0 } }, 0 };
	git_commit *changed = NULL, *before = NULL;
	git_tree *tree = NULL;
	int error;

	if (!edit->head)
		return NOTHING_TO_DO;
	error = ws_history__changes(store, edit->head, want.path, take_newest,
				    &last);
	if (error < 0 || !last.found)
		return error < 0 ? error : NOTHING_TO_DO;
	/* the path's state just before its last change: in that commit's
	 * first parent, or absent if the change was the first commit */
	if (git_commit_lookup(&changed, store->repo, &last.commit) < 0) {
		error = ws_error__git(WS_ERROR, "reading commit");
		goto done;
	}
	if (git_commit_parentcount(changed) > 0) {
		if (git_commit_parent(&before, changed, 0) < 0 ||
		    git_commit_tree(&tree, before) < 0) {
			error = ws_error__git(WS_ERROR, "reading commit");
			goto done;
		}
		if ((error = ws_history__entry(&want.id, &want.mode, tree,
					       want.path)) < 0)
			goto done;
		want.present = error;
	}
	error = apply_on_branch(store, edit, &want);
done:
	git_tree_free(tree);
	git_commit_free(before);
	git_commit_free(changed);
	return error;
}

int ws_rollback(ws_store *store, const char *branch, const char *path)
{
	char *norm = NULL, *message = NULL;
	int error;

	if (whole_tree(path))
		return commit_edit(store, branch, "rollback", edit_rollback_all,
				   NULL);
	if ((error = ws_path_normalize(&norm, path)) < 0)
		return error;
	if (!(message = malloc(strlen(norm) + 16))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	sprintf(message, "rollback %s", norm);
	error = commit_edit(store, branch, message, edit_rollback_path, norm);
done:
	free(message);
	free(norm);
	return error;
}
