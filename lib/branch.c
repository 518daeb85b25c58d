/* branch.c - branches are git branches; the default one is HEAD's target. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

int ws_branch_default(char **out, ws_store *store)
{
	git_reference *head = NULL;
	const char *target;

	*out = NULL;
	if (git_reference_lookup(&head, store->repo, "HEAD") < 0)
		return ws_error__git(WS_ERROR, "reading HEAD");
	target = git_reference_symbolic_target(head);
	if (!target || strncmp(target, "refs/heads/", 11) != 0) {
		git_reference_free(head);
		return ws_error_set(WS_ERROR, "HEAD does not name a branch");
	}
	*out = strdup(target + 11);
	git_reference_free(head);
	return *out ? 0 : ws_error_set(WS_ERROR, "out of memory");
}

int ws_branch_exists(ws_store *store, const char *name)
{
	char *refname = NULL;
	git_oid id;
	int found;

	if (ws_store__refname(&refname, store, name) < 0)
		return 0;
	found = git_reference_name_to_id(&id, store->repo, refname) == 0;
	free(refname);
	return found;
}

int ws_branch_create(ws_store *store, const char *name, const char *from)
{
	git_commit *head = NULL;
	git_reference *ref = NULL;
	char *refname = NULL;
	int error, rc;

	if ((error = ws_store__refname(&refname, store, name)) < 0)
		return error;
	if ((error = ws_store__head(&head, store, from)) < 0)
		goto done;
	if (!head) {
		error = ws_error_set(WS_ENOTFOUND,
				     "cannot branch from '%s': it has no commits",
				     from ? from : "the default branch");
		goto done;
	}
	rc = git_reference_create(&ref, store->repo, refname,
				  git_commit_id(head), 0, "branch: created");
	if (rc == GIT_EEXISTS)
		error = ws_error_set(WS_EEXISTS, "Branch already exists");
	else if (rc < 0)
		error = ws_error__git(WS_ERROR, "creating branch");
	else
		error = ws_store__sync_objects(store);
done:
	git_reference_free(ref);
	git_commit_free(head);
	free(refname);
	return error;
}

int ws_branch_delete(ws_store *store, const char *name)
{
	git_reference *ref = NULL;
	char *refname = NULL, *def = NULL;
	int error;

	if ((error = ws_branch_name_check(name)) < 0 ||
	    (error = ws_branch_default(&def, store)) < 0)
		goto done;
	if (strcmp(def, name) == 0) {
		error = ws_error_set(WS_EINPUT,
				     "cannot delete the default branch '%s'", name);
		goto done;
	}
	if ((error = ws_store__refname(&refname, store, name)) < 0)
		goto done;
	if (git_reference_lookup(&ref, store->repo, refname) < 0) {
		error = ws_error_set(WS_ENOTFOUND, "branch '%s' not found", name);
		goto done;
	}
	if (git_reference_delete(ref) < 0)
		error = ws_error__git(WS_ERROR, "deleting branch");
	else
		error = ws_store__sync_objects(store);
done:
	git_reference_free(ref);
	free(refname);
	free(def);
	return error;
}

int ws_branch_set_default(ws_store *store, const char *name)
{
	git_reference *head = NULL;
	char *refname = NULL;
	int error;

	if ((error = ws_store__refname(&refname, store, name)) < 0)
		return error;
	if (!ws_branch_exists(store, name)) {
		error = ws_branch_create(store, name, NULL);
		/* an empty default branch may become default: unborn is fine */
		if (error == WS_ENOTFOUND || error == WS_EEXISTS)
			error = 0;
		if (error < 0)
			goto done;
	}
	if (git_reference_symbolic_create(&head, store->repo, "HEAD", refname,
					  1, "switch default branch") < 0)
		error = ws_error__git(WS_ERROR, "switching default branch");
	else
		error = ws_store__sync_objects(store);
done:
	git_reference_free(head);
	free(refname);
	return error;
}

int ws_branch_list(ws_store *store, ws_name_cb cb, void *payload)
{
	git_branch_iterator *it = NULL;
	git_reference *ref = NULL;
	git_branch_t type;
	int error = 0, rc;

	if (git_branch_iterator_new(&it, store->repo, GIT_BRANCH_LOCAL) < 0)
		return ws_error__git(WS_ERROR, "listing branches");
	while ((rc = git_branch_next(&ref, &type, it)) == 0) {
		const char *name = NULL;
		git_branch_name(&name, ref);
		error = name ? cb(name, payload) : 0;
		git_reference_free(ref);
		if (error)
			break;
	}
	if (rc < 0 && rc != GIT_ITEROVER)
		error = ws_error__git(WS_ERROR, "listing branches");
	git_branch_iterator_free(it);
	return error;
}
