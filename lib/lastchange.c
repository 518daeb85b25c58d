/*
 * lastchange.c - the commit that last changed each child of a directory,
 * from one walk of the first-parent history (a file manager's modification
 * times: one walk per directory instead of one audit per file).
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	ws_store *store;
	git_tree *head_dir;  /* the directory at the head: owns the entries */
	size_t *pending;     /* indexes into head_dir not yet attributed */
	size_t count;
	ws_lastchange_cb cb;
	void *payload;
} lastchange_walk;

/* The tree at `dir` ("": the root) of `commit`, or NULL (and 0) when the
 * commit has no directory there. `root` gets the commit's root tree. */
static int dir_tree(git_tree **out, git_tree **root, ws_store *store,
		    git_commit *commit, const char *dir)
{
	git_tree_entry *entry = NULL;
	int rc, error = 0;

	*out = NULL;
	if (git_commit_tree(root, commit) < 0)
		return ws_error__git(WS_ERROR, "reading tree");
	if (!*dir)
		return git_tree_dup(out, *root) < 0
			       ? ws_error__git(WS_ERROR, "reading tree")
			       : 0;
	rc = git_tree_entry_bypath(&entry, *root, dir);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return ws_error__git(WS_ERROR, "reading tree");
	if (git_tree_entry_type(entry) == GIT_OBJECT_TREE &&
	    git_tree_lookup(out, store->repo, git_tree_entry_id(entry)) < 0)
		error = ws_error__git(WS_ERROR, "reading tree");
	git_tree_entry_free(entry);
	return error;
}

static int is_listed(const git_tree_entry *e)
{
	git_object_t type = git_tree_entry_type(e);

	return type == GIT_OBJECT_BLOB || type == GIT_OBJECT_TREE;
}

/* 1 when `e` (of the newer commit) reads the same in `older` (NULL: an
 * absent directory). */
static int unchanged(const git_tree_entry *e, git_tree *older)
{
	const git_tree_entry *o;

	if (!older || !(o = git_tree_entry_byname(older, git_tree_entry_name(e))))
		return 0;
	return git_tree_entry_filemode(o) == git_tree_entry_filemode(e) &&
	       git_oid_equal(git_tree_entry_id(o), git_tree_entry_id(e));
}

static int report(lastchange_walk *w, const git_tree_entry *e,
		  git_commit *commit)
{
	char hash[WS_HASH_HEXSIZE + 1], id[WS_COMMIT_HEXSIZE + 1];
	ws_lastchange change = { 0 };
	int error;

	change.name = git_tree_entry_name(e);
	change.is_dir = git_tree_entry_type(e) == GIT_OBJECT_TREE;
	if (!change.is_dir) {
		if ((error = ws_store__blob_hash(hash, w->store,
						 git_tree_entry_id(e))) < 0)
			return error;
		change.hash = hash;
	}
	git_oid_tostr(id, sizeof(id), git_commit_id(commit));
	change.commit = id;
	change.date = (int64_t)git_commit_time(commit);
	return w->cb(&change, w->payload);
}

/* Reports, as changed by `commit`, every pending child that differs in
 * `older` (its first parent's directory), keeping the rest pending. */
static int attribute(lastchange_walk *w, git_commit *commit, git_tree *older)
{
	size_t kept = 0;
	int error = 0;

	for (size_t i = 0; i < w->count; i++) {
		const git_tree_entry *e =
			git_tree_entry_byindex(w->head_dir, w->pending[i]);
		if (error || unchanged(e, older))
			w->pending[kept++] = w->pending[i];
		else
			error = report(w, e, commit);
	}
	w->count = kept;
	return error;
}

/* Walks back from `head` (whose directory is `cur_dir`) until nothing is
 * pending, the history ends, or `since` is reached. */
static int walk(lastchange_walk *w, git_commit *head, git_tree *cur_root,
		git_tree *cur_dir, const char *dir, const git_oid *since)
{
	git_commit *cur = head, *parent = NULL;
	git_tree *root = NULL, *older = NULL;
	int error = 0;

	while (w->count && !(since && git_oid_equal(since, git_commit_id(cur)))) {
		parent = NULL;
		root = older = NULL;
		if (git_commit_parentcount(cur) > 0 &&
		    git_commit_parent(&parent, cur, 0) < 0) {
			error = ws_error__git(WS_ERROR, "reading commit");
			break;
		}
		if (parent && git_oid_equal(git_commit_tree_id(parent),
					    git_tree_id(cur_root))) {
			/* nothing changed at all: share the trees */
			if (git_tree_dup(&root, cur_root) < 0 ||
			    (cur_dir && git_tree_dup(&older, cur_dir) < 0))
				error = ws_error__git(WS_ERROR, "reading tree");
		} else if (parent) {
			error = dir_tree(&older, &root, w->store, parent, dir);
		}
		if (!error && !(older && cur_dir &&
				git_oid_equal(git_tree_id(older),
					      git_tree_id(cur_dir))))
			error = attribute(w, cur, older);
		if (cur != head)
			git_commit_free(cur);
		git_tree_free(cur_root);
		git_tree_free(cur_dir);
		cur = parent;
		cur_root = root;
		cur_dir = older;
		if (error || !cur)
			break;
	}
	if (cur != head)
		git_commit_free(cur);
	git_tree_free(cur_root);
	git_tree_free(cur_dir);
	return error;
}

int ws_last_changes(ws_store *store, const char *branch, const char *dir,
		    const char *since, ws_lastchange_cb cb, void *payload)
{
	lastchange_walk w = { store, NULL, NULL, 0, cb, payload };
	git_tree *root = NULL, *cur_dir = NULL;
	git_commit *head = NULL;
	git_oid since_id;
	char *norm = NULL;
	size_t n;
	int error;

	if (since && (strlen(since) != GIT_OID_HEXSZ ||
		      strspn(since, "0123456789abcdef") != GIT_OID_HEXSZ ||
		      git_oid_fromstr(&since_id, since) < 0))
		return ws_error_set(WS_EINPUT, "invalid commit '%s'", since);
	if (dir && strspn(dir, "/") != strlen(dir) &&
	    (error = ws_path_normalize(&norm, dir)) < 0)
		return error;
	if ((error = ws_store__head(&head, store, branch)) < 0)
		goto done;
	if (!head) {
		if (norm)
			error = ws_error_set(WS_ENOTFOUND,
					     "directory '%s' not found", norm);
		goto done;
	}
	if ((error = dir_tree(&w.head_dir, &root, store, head,
			      norm ? norm : "")) < 0)
		goto done;
	if (!w.head_dir) {
		error = ws_error_set(WS_ENOTFOUND, "directory '%s' not found",
				     norm);
		goto done;
	}
	n = git_tree_entrycount(w.head_dir);
	if (!(w.pending = malloc((n ? n : 1) * sizeof(*w.pending)))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (is_listed(git_tree_entry_byindex(w.head_dir, i)))
			w.pending[w.count++] = i;
	if (git_tree_dup(&cur_dir, w.head_dir) < 0) {
		error = ws_error__git(WS_ERROR, "reading tree");
		goto done;
	}
	/* walk() takes over (and frees) root and cur_dir */
	error = walk(&w, head, root, cur_dir, norm ? norm : "",
		     since ? &since_id : NULL);
	root = NULL;
done:
	git_tree_free(root);
	git_tree_free(w.head_dir);
	git_commit_free(head);
	free(w.pending);
	free(norm);
	return error;
}
