/* h_branch.c - branches and merges. The /branch routes ignore
 * Wasmstore-Branch: they act on the store's (or daemon's) default. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "reply.h"

/* GET /branch: the branch requests use when they name none. */
enum MHD_Result ws_h_branch_get(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	char *name = ws_server_branch(req->server);
	enum MHD_Result ret;
	int error;

	if (!store) {
		free(name);
		return ws_reply_error(req, WS_ERROR);
	}
	if (!name && (error = ws_branch_default(&name, store)) < 0)
		return ws_reply_error(req, error);
	ret = ws_reply_text(req, MHD_HTTP_OK, name);
	free(name);
	return ret;
}

/* PUT /branch/:name: makes it the default (creating it if missing). */
enum MHD_Result ws_h_branch_switch(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	char *own = ws_server_branch(req->server);
	int error;

	if (!store) {
		free(own);
		return ws_reply_error(req, WS_ERROR);
	}
	/* With --branch the daemon has a default of its own: move it too,
	 * after the store's, so both always name an existing branch. */
	if ((error = ws_branch_set_default(store, req->args[0])) == 0 && own)
		error = ws_server_set_branch(req->server, req->args[0]);
	free(own);
	if (error < 0)
		return ws_reply_error(req, error);
	return ws_reply_empty(req, MHD_HTTP_OK);
}

/* POST /branch/:name: a new branch from the current one. */
enum MHD_Result ws_h_branch_create(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	char *from = ws_server_branch(req->server);
	int error;

	if (!store) {
		free(from);
		return ws_reply_error(req, WS_ERROR);
	}
	error = ws_branch_create(store, req->args[0], from);
	free(from);
	if (error == WS_EEXISTS)
		error = ws_error_set(WS_EEXISTS, "Branch already exists");
	if (error < 0)
		return ws_reply_error(req, error);
	return ws_reply_empty(req, MHD_HTTP_OK);
}

/* DELETE /branch/:name */
enum MHD_Result ws_h_branch_delete(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if ((error = ws_branch_delete(store, req->args[0])) < 0)
		return ws_reply_error(req, error);
	return ws_reply_empty(req, MHD_HTTP_OK);
}

static int add_name(const char *name, void *payload)
{
	cJSON *s = cJSON_CreateString(name);

	if (!s || !cJSON_AddItemToArray(payload, s)) {
		cJSON_Delete(s);
		return ws_error_set(WS_ERROR, "out of memory");
	}
	return 0;
}

/* GET /branches: ["main", ...] */
enum MHD_Result ws_h_branches(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	cJSON *json;
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if (!(json = cJSON_CreateArray()))
		return ws_reply_text(req, 500, "out of memory");
	if ((error = ws_branch_list(store, add_name, json)) < 0) {
		cJSON_Delete(json);
		return ws_reply_error(req, error);
	}
	return ws_reply_json(req, json);
}

/* POST /merge/:branch: merges it into the request's branch. A conflict
 * is a 400 whose body names the conflicting paths. */
enum MHD_Result ws_h_merge(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	error = ws_merge(store, req->branch, req->args[0], NULL, NULL);
	if (error < 0)
		return ws_reply_error(req, error);
	return ws_reply_empty(req, MHD_HTTP_OK);
}
