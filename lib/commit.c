/* commit.c - every write: build a tree, commit, compare-and-swap the ref. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ATTEMPTS 1000

static void backoff(int attempt)
{
	/* randomized, growing up to ~10 ms: writers that collided spread out;
	 * a per-thread seed, so the caller's rand() sequence is left alone */
	static _Thread_local unsigned seed;
	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
	int steps = attempt < 10 ? attempt + 1 : 10;
	struct timespec ts = { 0, (long)(rand_r(&seed) % steps + 1) * 1000000L };
	nanosleep(&ts, NULL);
}

int ws_store__tree_set(git_oid *out, ws_store *store, git_tree *base,
		       const char *path, const git_oid *blob)
{
	git_tree_update update = { 0 };
	git_treebuilder *tb = NULL;
	git_tree *empty = NULL;
	int error = 0;

	if (!base) {
		git_oid empty_id;
		if (git_treebuilder_new(&tb, store->repo, NULL) < 0 ||
		    git_treebuilder_write(&empty_id, tb) < 0 ||
		    git_tree_lookup(&empty, store->repo, &empty_id) < 0) {
			error = ws_error__git(WS_ERROR, "writing tree");
			goto done;
		}
		base = empty;
	}
	update.action = blob ? GIT_TREE_UPDATE_UPSERT : GIT_TREE_UPDATE_REMOVE;
	update.path = path;
	update.filemode = GIT_FILEMODE_BLOB;
	if (blob)
		git_oid_cpy(&update.id, blob);
	if (git_tree_create_updated(out, store->repo, base, 1, &update) < 0)
		error = ws_error__git(WS_ERROR, "writing tree");
done:
	git_tree_free(empty);
	git_treebuilder_free(tb);
	return error;
}

/*
 * A writer killed while holding a ref lock leaves "<ref>.lock" behind, and
 * every later writer would fail on it (git asks a human to delete it). Ref
 * locks are held for microseconds, so one older than a few seconds is stale.
 */
static void break_stale_lock(ws_store *store, const char *refname)
{
	const char *names[] = { refname, "packed-refs" };
	char path[4300];
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s.lock", store->root, names[i]);
		if (stat(path, &st) == 0 && time(NULL) - st.st_mtime > 3)
			unlink(path);
	}
}

/* Makes the new ref value durable: the ref file and its directory entry. */
static int sync_ref(ws_store *store)
{
	return ws_store__sync_objects(store);
}

static int make_commit(git_oid *out, ws_store *store, ws_edit *edit,
		       const char *message)
{
	const git_commit *parents[2];
	git_commit *merge = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	size_t n = 0;
	int error = 0;

	if (edit->head && !edit->no_parents)
		parents[n++] = edit->head;
	if (edit->has_merge_parent) {
		if (git_commit_lookup(&merge, store->repo, &edit->merge_parent) < 0) {
			error = ws_error__git(WS_ERROR, "reading merge parent");
			goto done;
		}
		parents[n++] = merge;
	}
	if (git_signature_now(&sig, store->author, "wasmstore@localhost") < 0 ||
	    git_tree_lookup(&tree, store->repo, &edit->new_tree) < 0 ||
	    git_commit_create(out, store->repo, NULL, sig, sig, NULL, message,
			      tree, n, parents) < 0)
		error = ws_error__git(WS_ERROR, "writing commit");
done:
	git_tree_free(tree);
	git_signature_free(sig);
	git_commit_free(merge);
	return error;
}

int ws_store__commit(ws_store *store, const char *branch, const char *message,
		     ws_edit_fn fn, void *payload, git_oid *out_commit)
{
	char *refname = NULL;
	int error;

	if (out_commit)
		memset(out_commit, 0, sizeof(*out_commit));
	if ((error = ws_store__refname(&refname, store, branch)) < 0)
		return error;
	if ((error = ws_store__lock(store, 0)) < 0) {
		free(refname);
		return error;
	}

	for (int attempt = 0;; attempt++) {
		ws_edit edit = { 0 };
		git_oid commit_id, zero = { { 0 } };
		git_reference *ref = NULL;
		const git_oid *old;

		if ((error = ws_store__branch_head(&edit.head, store, branch ? branch
							     : refname + 11)) < 0)
			break;
		if (edit.head && git_commit_tree(&edit.tree, edit.head) < 0) {
			error = ws_error__git(WS_ERROR, "reading tree");
			git_commit_free(edit.head);
			break;
		}
		error = fn(store, &edit, payload);
		if (!error && !edit.allow_empty && edit.tree &&
		    git_oid_equal(&edit.new_tree, git_tree_id(edit.tree))) {
			/* nothing changed: no empty commit, as git does */
			git_tree_free(edit.tree);
			git_commit_free(edit.head);
			break;
		}
		if (!error)
			error = make_commit(&commit_id, store, &edit, message);
		if (!error)
			error = ws_store__sync_objects(store);
		old = edit.head ? git_commit_id(edit.head) : &zero;
		if (!error) {
			int rc = git_reference_create_matching(
				&ref, store->repo, refname, &commit_id, 1, old,
				message);
			git_reference_free(ref);
			if (rc == GIT_EMODIFIED || rc == GIT_ELOCKED ||
			    rc == GIT_EEXISTS) {
				/* lost the race: redo on top of the new head */
				git_tree_free(edit.tree);
				git_commit_free(edit.head);
				if (attempt >= MAX_ATTEMPTS) {
					error = ws_error_set(WS_ECONFLICT,
							     "branch '%s' kept moving; gave up after %d attempts",
							     refname + 11, attempt);
					break;
				}
				if (rc == GIT_ELOCKED && attempt % 50 == 49)
					break_stale_lock(store, refname);
				backoff(attempt);
				continue;
			}
			if (rc < 0)
				error = ws_error__git(WS_ERROR, "updating branch");
			else if (!(error = sync_ref(store)) && out_commit)
				git_oid_cpy(out_commit, &commit_id);
		}
		git_tree_free(edit.tree);
		git_commit_free(edit.head);
		break;
	}
	ws_store__unlock(store);
	free(refname);
	return error;
}
