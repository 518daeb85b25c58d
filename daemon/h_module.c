/* h_module.c - reading, listing, pointing and removing modules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"
#include "modcache.h"
#include "refwatch.h"
#include "reply.h"

/* GET /module/ and GET /hash/ with no path name nothing: 404. */
static int names_nothing(const struct ws_request *req)
{
	return req->rest[0] == '\0';
}

static int add_listed(const char *path, const char *hash, void *payload)
{
	size_t len = strlen(path);
	char *key = malloc(len + 2);
	cJSON *value;

	if (!key)
		return ws_error_set(WS_ERROR, "out of memory");
	key[0] = '/';
	memcpy(key + 1, path, len + 1);
	value = cJSON_CreateString(hash);
	/* Paths are unique within a tree: no need to look for a duplicate. */
	if (!value || !cJSON_AddItemToObject(payload, key, value)) {
		cJSON_Delete(value);
		free(key);
		return ws_error_set(WS_ERROR, "out of memory");
	}
	free(key);
	return 0;
}

/* GET /modules/ *path: {"/a.wasm": "<hash>", ...} */
enum MHD_Result ws_h_modules(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	cJSON *json;
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if (!(json = cJSON_CreateObject()))
		return ws_reply_text(req, 500, "out of memory");
	error = ws_module_list(store, req->branch, req->rest, add_listed, json);
	if (error < 0) {
		cJSON_Delete(json);
		return ws_reply_error(req, error);
	}
	return ws_reply_json(req, json);
}

/* GET and HEAD /module/ *path: the bytes, from the module cache when the
 * refs have not moved since the name was last resolved; else resolved by
 * the library and sent straight from the module's file. */
enum MHD_Result ws_h_module_get(struct ws_request *req)
{
	struct ws_server *server = req->server;
	unsigned long gen = ws_refwatch_generation(server->refs);
	int immutable = ws_is_module_hash(req->rest);
	char hash[WS_HASH_HEXSIZE + 1];
	struct ws_body *body = NULL;
	ws_module_info info;
	ws_store *store;
	uint64_t size;
	int fd = -1, error;

	if (names_nothing(req))
		return ws_reply_error_empty(req, WS_ENOTFOUND);
	if (ws_modcache_name_get(server->modules, gen, req->branch, req->rest,
				 hash, &size) &&
	    (body = ws_modcache_body_get(server->modules, hash)))
		return ws_reply_module_body(req, server->modules, body, hash,
					    immutable);
	if (!(store = ws_request_store(req)))
		return ws_reply_error(req, WS_ERROR);
	error = ws_module_open_raw(&fd, &info, store, req->branch, req->rest);
	if (error == WS_ENOTFOUND)
		return ws_reply_error_empty(req, error);
	if (error < 0)
		return ws_reply_error(req, error);
	ws_modcache_name_put(server->modules, gen, req->branch, req->rest,
			     info.hash, info.size);
	if ((body = ws_modcache_body_get(server->modules, info.hash)))
		close(fd);
	else if (!ws_modcache_admit(server->modules, info.hash, info.size))
		return ws_reply_module(req, fd, info.hash, info.size,
				       immutable);
	else if (!(body = ws_modcache_body_add(server->modules, info.hash,
					       info.size, fd)))
		return ws_reply_text(req, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "cannot read the module");
	return ws_reply_module_body(req, server->modules, body, info.hash,
				    immutable);
}

/* DELETE /module/ *path. Removing what is not there leaves the store as
 * asked, so it succeeds (DELETE is idempotent, as in the original). */
enum MHD_Result ws_h_module_delete(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	error = ws_module_remove(store, req->branch, req->rest);
	if (error < 0 && error != WS_ENOTFOUND)
		return ws_reply_error(req, error);
	return ws_reply_empty(req, MHD_HTTP_OK);
}

/* GET /hash/ *path, from the names the module cache knows when it can */
enum MHD_Result ws_h_hash_get(struct ws_request *req)
{
	struct ws_server *server = req->server;
	unsigned long gen = ws_refwatch_generation(server->refs);
	ws_module_info info;
	ws_store *store;
	int error;

	if (names_nothing(req))
		return ws_reply_error_empty(req, WS_ENOTFOUND);
	if (ws_modcache_name_get(server->modules, gen, req->branch, req->rest,
				 info.hash, &info.size))
		return ws_reply_text(req, MHD_HTTP_OK, info.hash);
	if (!(store = ws_request_store(req)))
		return ws_reply_error(req, WS_ERROR);
	error = ws_module_stat(&info, store, req->branch, req->rest);
	if (error == WS_ENOTFOUND)
		return ws_reply_error_empty(req, error);
	if (error < 0)
		return ws_reply_error(req, error);
	ws_modcache_name_put(server->modules, gen, req->branch, req->rest,
			     info.hash, info.size);
	return ws_reply_text(req, MHD_HTTP_OK, info.hash);
}

/* POST /hash/:hash/ *path */
enum MHD_Result ws_h_hash_set(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	const char *hash = req->args[0];
	int error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if (!ws_is_module_hash(hash))
		return ws_reply_error(req, ws_error_set(WS_EINPUT,
							"invalid hash"));
	error = ws_module_set(store, req->branch, hash, req->rest);
	/* The hash is an argument of the request: unknown is a bad one. */
	if (error == WS_ENOTFOUND)
		error = ws_error_set(WS_EINPUT, "unknown hash");
	if (error < 0)
		return ws_reply_error(req, error);
	return ws_reply_empty(req, MHD_HTTP_OK);
}

struct nth_version {
	size_t want;
	char hash[WS_HASH_HEXSIZE + 1];
};

static int find_nth(size_t index, const char *hash, const char *commit,
		    void *payload)
{
	struct nth_version *v = payload;

	(void)commit;
	if (index != v->want)
		return 0;
	memcpy(v->hash, hash, WS_HASH_HEXSIZE + 1);
	return 1;
}

static int parse_index(size_t *out, const char *s)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > SIZE_MAX)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* GET /version/:n/ *path: the bytes of the path's n-th version. */
enum MHD_Result ws_h_version(struct ws_request *req)
{
	ws_store *store = ws_request_store(req);
	struct nth_version v;
	uint64_t size = 0;
	int fd = -1, error;

	if (!store)
		return ws_reply_error(req, WS_ERROR);
	if (parse_index(&v.want, req->args[0]) < 0 || names_nothing(req))
		return ws_reply_error_empty(req, WS_ENOTFOUND);
	error = ws_versions(store, req->branch, req->rest, find_nth, &v);
	if (error == 0 || error == WS_ENOTFOUND)
		error = ws_error_set(WS_ENOTFOUND,
				     "version %s does not exist for %s",
				     req->args[0], req->rest);
	if (error < 0)
		return ws_reply_error(req, error);
	error = ws_module_open_raw_by_hash(&fd, &size, store, v.hash);
	if (error < 0)
		return ws_reply_error(req, error);
	return ws_reply_module(req, fd, v.hash, size, 0);
}
