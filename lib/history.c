/* history.c - snapshot, commit info, log, audit and versions of a path. */
#include "history.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

int ws_snapshot(char out[WS_COMMIT_HEXSIZE + 1], ws_store *store,
		const char *branch)
{
	git_commit *head = NULL;
	int error;

	out[0] = '\0';
	if ((error = ws_store__head(&head, store, branch)) < 0)
		return error;
	if (!head) {
		char *name = NULL;
		if (!branch && ws_branch_default(&name, store) < 0)
			return WS_ERROR;
		error = ws_error_set(WS_ENOTFOUND, "branch '%s' has no commits",
				     branch ? branch : name);
		free(name);
		return error;
	}
	git_oid_tostr(out, WS_COMMIT_HEXSIZE + 1, git_commit_id(head));
	git_commit_free(head);
	return 0;
}

int ws_history__info(ws_commit_info **out, const git_commit *commit)
{
	const git_signature *author = git_commit_author(commit);
	const char *msg = git_commit_message(commit);
	ws_commit_info *info;
	size_t n = git_commit_parentcount(commit), len;

	*out = NULL;
	if (!(info = calloc(1, sizeof(*info))) ||
	    (n && !(info->parents = calloc(n, sizeof(*info->parents)))))
		goto oom;
	git_oid_tostr(info->hash, sizeof(info->hash), git_commit_id(commit));
	info->parent_count = n;
	for (size_t i = 0; i < n; i++)
		git_oid_tostr(info->parents[i], sizeof(info->parents[i]),
			      git_commit_parent_id(commit, (unsigned)i));
	if (!(info->author = strdup(author && author->name ? author->name : "")))
		goto oom;
	info->date = (int64_t)git_commit_time(commit);
	/* plain git ends messages with a newline; ours do not */
	len = msg ? strlen(msg) : 0;
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	if (!(info->message = strndup(msg ? msg : "", len)))
		goto oom;
	*out = info;
	return 0;
oom:
	ws_commit_info_free(info);
	return ws_error_set(WS_ERROR, "out of memory");
}

void ws_commit_info_free(ws_commit_info *info)
{
	if (!info)
		return;
	free(info->parents);
	free(info->author);
	free(info->message);
	free(info);
}

int ws_commit_lookup(ws_commit_info **out, ws_store *store, const char *commit)
{
	git_commit *c = NULL;
	int error;

	*out = NULL;
	if ((error = ws_store__lookup_commit(&c, store, commit)) < 0)
		return error;
	error = ws_history__info(out, c);
	git_commit_free(c);
	return error;
}

char *ws_commit_info_json(const ws_commit_info *info, int pretty)
{
	cJSON *obj = cJSON_CreateObject(), *parents = cJSON_CreateArray();
	char *out = NULL;

	if (!obj || !parents) {
		cJSON_Delete(parents);
		goto done;
	}
	cJSON_AddItemToObject(obj, "hash", cJSON_CreateString(info->hash));
	cJSON_AddItemToObject(obj, "parents", parents);
	for (size_t i = 0; i < info->parent_count; i++)
		cJSON_AddItemToArray(parents, cJSON_CreateString(info->parents[i]));
	cJSON_AddItemToObject(obj, "author", cJSON_CreateString(info->author));
	cJSON_AddItemToObject(obj, "date", cJSON_CreateNumber((double)info->date));
	cJSON_AddItemToObject(obj, "message", cJSON_CreateString(info->message));
	out = pretty ? cJSON_Print(obj) : cJSON_PrintUnformatted(obj);
done:
	cJSON_Delete(obj);
	return out;
}

/* Walks every commit reachable from `head`, newest first (children before
 * parents, then by time, as git log does). */
typedef int (*commit_fn)(git_commit *commit, void *payload);

static int walk(ws_store *store, git_commit *head, commit_fn fn, void *payload)
{
	git_revwalk *rw = NULL;
	git_oid id;
	int error = 0, rc;

	if (git_revwalk_new(&rw, store->repo) < 0 ||
	    git_revwalk_sorting(rw, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
	    git_revwalk_push(rw, git_commit_id(head)) < 0) {
		error = ws_error__git(WS_ERROR, "walking history");
		goto done;
	}
	while ((rc = git_revwalk_next(&id, rw)) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, store->repo, &id) < 0) {
			error = ws_error__git(WS_ERROR, "reading commit");
			goto done;
		}
		error = fn(c, payload);
		git_commit_free(c);
		if (error)
			goto done;
	}
	if (rc != GIT_ITEROVER)
		error = ws_error__git(WS_ERROR, "walking history");
done:
	git_revwalk_free(rw);
	return error;
}

typedef struct {
	ws_commit_cb cb;
	void *payload;
} info_ctx;

static int report_info(git_commit *commit, void *payload)
{
	info_ctx *ctx = payload;
	ws_commit_info *info = NULL;
	int error;

	if ((error = ws_history__info(&info, commit)) < 0)
		return error;
	error = ctx->cb(info, ctx->payload);
	ws_commit_info_free(info);
	return error;
}

int ws_log(ws_store *store, const char *branch, ws_commit_cb cb, void *payload)
{
	info_ctx ctx = { cb, payload };
	git_commit *head = NULL;
	int error;

	if ((error = ws_store__head(&head, store, branch)) < 0 || !head)
		return error; /* no commits: an empty log */
	error = walk(store, head, report_info, &ctx);
	git_commit_free(head);
	return error;
}

int ws_history__entry(git_oid *id, git_filemode_t *mode, git_tree *tree,
		      const char *path)
{
	git_tree_entry *entry = NULL;
	int rc;

	if (!tree)
		return 0;
	rc = git_tree_entry_bypath(&entry, tree, path);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return ws_error__git(WS_ERROR, "reading tree");
	git_oid_cpy(id, git_tree_entry_id(entry));
	if (mode)
		*mode = git_tree_entry_filemode(entry);
	git_tree_entry_free(entry);
	return 1;
}

/* The entry at `path` in `commit`'s tree (see ws_history__entry). */
static int commit_entry(git_oid *id, git_filemode_t *mode, git_commit *commit,
			const char *path)
{
	git_tree *tree = NULL;
	int rc;

	if (git_commit_tree(&tree, commit) < 0)
		return ws_error__git(WS_ERROR, "reading tree");
	rc = ws_history__entry(id, mode, tree, path);
	git_tree_free(tree);
	return rc;
}

typedef struct {
	const char *path;
	ws_history__change_cb cb;
	void *payload;
} changes_ctx;

static int check_change(git_commit *commit, void *payload)
{
	changes_ctx *ctx = payload;
	git_commit *parent = NULL;
	git_filemode_t mode = 0, pmode = 0;
	git_oid id, pid;
	int here, there = 0;

	if ((here = commit_entry(&id, &mode, commit, ctx->path)) < 0)
		return here;
	if (git_commit_parentcount(commit) > 0) {
		if (git_commit_parent(&parent, commit, 0) < 0)
			return ws_error__git(WS_ERROR, "reading commit");
		there = commit_entry(&pid, &pmode, parent, ctx->path);
		git_commit_free(parent);
		if (there < 0)
			return there;
	}
	if (here == there &&
	    (!here || (git_oid_equal(&id, &pid) && mode == pmode)))
		return 0;
	return ctx->cb(commit, here, here ? &id : NULL, mode, ctx->payload);
}

int ws_history__changes(ws_store *store, git_commit *head, const char *path,
			ws_history__change_cb cb, void *payload)
{
	changes_ctx ctx = { path, cb, payload };

	return walk(store, head, check_change, &ctx);
}

static int report_audit(git_commit *commit, int present, const git_oid *id,
			git_filemode_t mode, void *payload)
{
	(void)present, (void)id, (void)mode;
	return report_info(commit, payload);
}

/* Runs `fn` over the changes of `path` on `branch` (nothing if unborn). */
static int branch_changes(ws_store *store, const char *branch,
			  const char *path, ws_history__change_cb fn,
			  void *payload)
{
	git_commit *head = NULL;
	char *norm = NULL;
	int error;

	if ((error = ws_path_normalize(&norm, path)) < 0)
		return error;
	if ((error = ws_store__head(&head, store, branch)) == 0 && head)
		error = ws_history__changes(store, head, norm, fn, payload);
	git_commit_free(head);
	free(norm);
	return error;
}

int ws_audit(ws_store *store, const char *branch, const char *path,
	     ws_commit_cb cb, void *payload)
{
	info_ctx ctx = { cb, payload };

	return branch_changes(store, branch, path, report_audit, &ctx);
}

/* The changes of a path, collected newest first, for replaying oldest first. */
typedef struct {
	git_oid commit, blob;
	int is_module;
} version_step;

typedef struct {
	version_step *steps;
	size_t count, cap;
} version_steps;

static int collect_step(git_commit *commit, int present, const git_oid *id,
			git_filemode_t mode, void *payload)
{
	version_steps *v = payload;

	if (v->count == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		version_step *p = realloc(v->steps, cap * sizeof(*p));
		if (!p)
			return ws_error_set(WS_ERROR, "out of memory");
		v->steps = p;
		v->cap = cap;
	}
	memset(&v->steps[v->count], 0, sizeof(version_step));
	git_oid_cpy(&v->steps[v->count].commit, git_commit_id(commit));
	if (present && (mode == GIT_FILEMODE_BLOB ||
			mode == GIT_FILEMODE_BLOB_EXECUTABLE)) {
		git_oid_cpy(&v->steps[v->count].blob, id);
		v->steps[v->count].is_module = 1;
	}
	v->count++;
	return 0;
}

/* 1 if an earlier step (newer than `i` in the array) introduced `blob`. */
static int seen_before(const version_steps *v, size_t i, const git_oid *blob)
{
	for (size_t j = v->count; --j > i;)
		if (v->steps[j].is_module && git_oid_equal(&v->steps[j].blob, blob))
			return 1;
	return 0;
}

int ws_versions(ws_store *store, const char *branch, const char *path,
		ws_version_cb cb, void *payload)
{
	version_steps v = { 0 };
	size_t index = 0;
	int error;

	if ((error = branch_changes(store, branch, path, collect_step, &v)) < 0)
		goto done;
	/* a blob id stands for exactly one module hash: compare blobs */
	for (size_t i = v.count; i-- > 0;) {
		char hash[WS_HASH_HEXSIZE + 1], commit[WS_COMMIT_HEXSIZE + 1];
		if (!v.steps[i].is_module || seen_before(&v, i, &v.steps[i].blob))
			continue;
		if ((error = ws_store__blob_hash(hash, store, &v.steps[i].blob)) < 0)
			goto done;
		git_oid_tostr(commit, sizeof(commit), &v.steps[i].commit);
		if ((error = cb(index++, hash, commit, payload)) != 0)
			goto done;
	}
done:
	free(v.steps);
	return error;
}
