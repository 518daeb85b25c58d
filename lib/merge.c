/* merge.c - merging one branch into another: fast-forward when one head
 * contains the other, else a three-way merge commit; conflicts change
 * nothing. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ATTEMPTS 1000

/* Outcomes the edit callback hands back to the loop in ws_merge. */
#define UP_TO_DATE 1
#define RETRY 2 /* the head moved so that a fast-forward applies now */

enum relation { SAME_OR_AHEAD, BEHIND, DIVERGED };

/* How `ours` relates to `theirs`. */
static int relate(enum relation *out, ws_store *store, const git_oid *ours,
		  const git_oid *theirs)
{
	int rc;

	if (git_oid_equal(ours, theirs)) {
		*out = SAME_OR_AHEAD;
		return 0;
	}
	if ((rc = git_graph_descendant_of(store->repo, ours, theirs)) < 0)
		return ws_error__git(WS_ERROR, "comparing branches");
	if (rc) {
		*out = SAME_OR_AHEAD;
		return 0;
	}
	if ((rc = git_graph_descendant_of(store->repo, theirs, ours)) < 0)
		return ws_error__git(WS_ERROR, "comparing branches");
	*out = rc ? BEHIND : DIVERGED;
	return 0;
}

typedef struct {
	const char *from;
	git_commit *theirs;
	ws_name_cb cb;
	void *payload;
} merge_ctx;

/* Hands every conflicting path to the callback and sets the message. */
static int report_conflicts(merge_ctx *ctx, git_index *index)
{
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *anc, *ours, *theirs;
	char message[1024];
	size_t used = 0;
	int calling = ctx->cb != NULL, rc;

	used = (size_t)snprintf(message, sizeof(message), "merge conflict: ");
	if (git_index_conflict_iterator_new(&it, index) < 0)
		return ws_error__git(WS_ERROR, "reading merge conflicts");
	for (int n = 0; (rc = git_index_conflict_next(&anc, &ours, &theirs, it)) == 0; n++) {
		const char *path = ours ? ours->path : theirs ? theirs->path
							      : anc->path;
		if (used < sizeof(message))
			used += (size_t)snprintf(message + used,
						 sizeof(message) - used, "%s%s",
						 n ? ", " : "", path);
		if (calling && ctx->cb(path, ctx->payload) != 0)
			calling = 0;
	}
	git_index_conflict_iterator_free(it);
	if (rc != GIT_ITEROVER)
		return ws_error__git(WS_ERROR, "reading merge conflicts");
	return ws_error_set(WS_ECONFLICT, "%s", message);
}

static int merged_tree(git_oid *out, ws_store *store, merge_ctx *ctx,
		       git_commit *head, git_tree *our_tree)
{
	git_merge_options opts;
	git_commit *base = NULL;
	git_tree *base_tree = NULL, *their_tree = NULL;
	git_index *index = NULL;
	git_oid base_id;
	int error = 0, rc;

	rc = git_merge_base(&base_id, store->repo, git_commit_id(head),
			    git_commit_id(ctx->theirs));
	if (rc < 0 && rc != GIT_ENOTFOUND) {
		error = ws_error__git(WS_ERROR, "finding merge base");
		goto done;
	}
	/* no common ancestor (e.g. after gc squashed one side): merge
	 * against the empty tree */
	if (rc == 0 && (git_commit_lookup(&base, store->repo, &base_id) < 0 ||
			git_commit_tree(&base_tree, base) < 0)) {
		error = ws_error__git(WS_ERROR, "reading merge base");
		goto done;
	}
	if (git_commit_tree(&their_tree, ctx->theirs) < 0) {
		error = ws_error__git(WS_ERROR, "reading tree");
		goto done;
	}
	/* modules are opaque bytes: never merge contents line by line, and
	 * do not guess renames between similar binaries */
	git_merge_options_init(&opts, GIT_MERGE_OPTIONS_VERSION);
	opts.flags = 0;
	opts.default_driver = "binary";
	if (git_merge_trees(&index, store->repo, base_tree, our_tree,
			    their_tree, &opts) < 0) {
		error = ws_error__git(WS_ERROR, "merging");
		goto done;
	}
	if (git_index_has_conflicts(index))
		error = report_conflicts(ctx, index);
	else if (git_index_write_tree_to(out, index, store->repo) < 0)
		error = ws_error__git(WS_ERROR, "writing merged tree");
done:
	git_index_free(index);
	git_tree_free(their_tree);
	git_tree_free(base_tree);
	git_commit_free(base);
	return error;
}

static int edit_merge(ws_store *store, ws_edit *edit, void *payload)
{
	merge_ctx *ctx = payload;
	enum relation rel;
	int error;

	/* the head may have moved since ws_merge looked: decide again */
	if (!edit->head)
		return RETRY;
	if ((error = relate(&rel, store, git_commit_id(edit->head),
			    git_commit_id(ctx->theirs))) < 0)
		return error;
	if (rel == SAME_OR_AHEAD)
		return UP_TO_DATE;
	if (rel == BEHIND)
		return RETRY;
	if ((error = merged_tree(&edit->new_tree, store, ctx, edit->head,
				 edit->tree)) < 0)
		return error;
	git_oid_cpy(&edit->merge_parent, git_commit_id(ctx->theirs));
	edit->has_merge_parent = 1;
	edit->allow_empty = 1; /* record the merge even if it adds nothing */
	return 0;
}

/* Moves `refname` from `old` (NULL: absent) to `target`. 0, RETRY when
 * another writer got there first, or an error. */
static int fast_forward(ws_store *store, const char *refname,
			const git_oid *old, const git_oid *target,
			const char *message)
{
	git_reference *ref = NULL;
	int rc;

	if (old)
		rc = git_reference_create_matching(&ref, store->repo, refname,
						   target, 1, old, message);
	else
		rc = git_reference_create(&ref, store->repo, refname, target, 0,
					  message);
	git_reference_free(ref);
	if (rc == GIT_EMODIFIED || rc == GIT_ELOCKED || rc == GIT_EEXISTS)
		return RETRY;
	if (rc < 0)
		return ws_error__git(WS_ERROR, "updating branch");
	return ws_store__sync_objects(store);
}

int ws_merge(ws_store *store, const char *into, const char *from,
	     ws_name_cb conflict_cb, void *payload)
{
	merge_ctx ctx = { from, NULL, conflict_cb, payload };
	char *into_name = NULL, *refname = NULL, *message = NULL;
	int error;

	if (!from)
		return ws_error_set(WS_EINPUT, "no branch to merge from");
	if ((error = ws_branch_name_check(from)) < 0)
		return error;
	if (into)
		into_name = strdup(into);
	else if ((error = ws_branch_default(&into_name, store)) < 0)
		return error;
	if (!into_name)
		return ws_error_set(WS_ERROR, "out of memory");
	if ((error = ws_store__refname(&refname, store, into_name)) < 0)
		goto done;
	if ((error = ws_store__head(&ctx.theirs, store, from)) < 0)
		goto done;
	if (!ctx.theirs) {
		error = ws_error_set(WS_ENOTFOUND, "branch '%s' not found", from);
		goto done;
	}
	if (!(message = malloc(strlen(from) + strlen(into_name) + 16))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	sprintf(message, "merge %s into %s", from, into_name);

	for (int attempt = 0;; attempt++) {
		git_commit *ours = NULL;
		enum relation rel = DIVERGED;

		if (attempt >= MAX_ATTEMPTS) {
			error = ws_error_set(WS_ECONFLICT,
					     "branch '%s' kept moving; gave up",
					     into_name);
			break;
		}
		if ((error = ws_store__head(&ours, store, into_name)) < 0)
			break;
		if (ours)
			error = relate(&rel, store, git_commit_id(ours),
				       git_commit_id(ctx.theirs));
		if (!error && (!ours || rel == BEHIND))
			error = fast_forward(store, refname,
					     ours ? git_commit_id(ours) : NULL,
					     git_commit_id(ctx.theirs), message);
		else if (!error && rel == DIVERGED)
			error = ws_store__commit(store, into_name, message,
						 edit_merge, &ctx, NULL);
		git_commit_free(ours);
		if (error == RETRY)
			continue;
		if (error == UP_TO_DATE)
			error = 0;
		break;
	}
done:
	git_commit_free(ctx.theirs);
	free(message);
	free(refname);
	free(into_name);
	return error;
}
