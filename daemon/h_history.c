/* h_history.c - commits, versions, restore, rollback and gc. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "reply.h"

static int is_commit_hash(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	return n == WS_COMMIT_HEXSIZE && s[n] == '\0';
}

/* GET /snapshot: the branch's head commit. */
enum MHD_Result ws_h_snapshot(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	char commit[WS_COMMIT_HEXSIZE + 1];
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if ((error = ws_snapshot(commit, store, req->branch)) < 0)
		return ws_reply_error(req, error);
	return ws_reply_text(req, MHD_HTTP_OK, commit);
}

/* GET /commit/:hash */
enum MHD_Result ws_h_commit(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	ws_commit_info *info = NULL;
	char *json;
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if (!is_commit_hash(req->args[0]))
		return ws_reply_error(req, ws_error_set(WS_EINPUT,
							"invalid hash"));
	error = ws_commit_lookup(&info, store, req->args[0]);
	if (error == WS_ENOTFOUND)
		error = ws_error_set(WS_ENOTFOUND, "commit not found");
	if (error < 0)
		return ws_reply_error(req, error);
	json = ws_commit_info_json(info, 0);
	ws_commit_info_free(info);
	return ws_reply_json_text(req, json);
}

static int add_version(size_t index, const char *hash, const char *commit,
		       void *payload)
{
	cJSON *pair = cJSON_CreateArray();

	(void)index;
	if (!pair || !cJSON_AddItemToArray(payload, pair)) {
		cJSON_Delete(pair);
		return ws_error_set(WS_ERROR, "out of memory");
	}
	if (!cJSON_AddItemToArray(pair, cJSON_CreateString(hash)) ||
	    !cJSON_AddItemToArray(pair, cJSON_CreateString(commit)))
		return ws_error_set(WS_ERROR, "out of memory");
	return 0;
}

/* GET /versions/ *path: [["<module hash>", "<commit>"], ...], oldest
 * first; a path that never existed has no versions: []. */
enum MHD_Result ws_h_versions(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	cJSON *json;
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if (!(json = cJSON_CreateArray()))
		return ws_reply_text(req, 500, "out of memory");
	error = ws_versions(store, req->branch, req->rest, add_version, json);
	if (error < 0 && error != WS_ENOTFOUND) {
		cJSON_Delete(json);
		return ws_reply_error(req, error);
	}
	return ws_reply_json(req, json);
}

/* POST /restore/:commit/ *path: a new commit with that commit's content
 * (of the whole tree, or of path only). */
enum MHD_Result ws_h_restore(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if (!is_commit_hash(req->args[0]))
		return ws_reply_error(req, ws_error_set(WS_EINPUT,
							"invalid hash"));
	error = ws_restore(store, req->branch, req->args[0],
			   req->rest[0] ? req->rest : NULL);
	if (error == WS_ENOTFOUND)
		error = ws_error_set(WS_ENOTFOUND, "commit not found");
	if (error < 0)
		return ws_reply_error(req, error);
	return ws_reply_empty(req, MHD_HTTP_OK);
}

/* POST /rollback/ *path */
enum MHD_Result ws_h_rollback(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	error = ws_rollback(store, req->branch,
			    req->rest[0] ? req->rest : NULL);
	if (error < 0)
		return ws_reply_error(req, error);
	return ws_reply_empty(req, MHD_HTTP_OK);
}

/* POST /gc */
enum MHD_Result ws_h_gc(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	size_t deleted = 0;
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if ((error = ws_gc(&deleted, store, req->branch)) < 0)
		return ws_reply_error(req, error);
	return ws_reply_empty(req, MHD_HTTP_OK);
}
