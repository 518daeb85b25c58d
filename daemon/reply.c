/* reply.c - building and sending responses. */
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDR_HASH "Wasmstore-Hash"

unsigned ws_http_status(int code)
{
	switch (code) {
	case WS_OK:
		return MHD_HTTP_OK;
	case WS_ENOTFOUND:
		return MHD_HTTP_NOT_FOUND;
	case WS_EEXISTS:
		return MHD_HTTP_CONFLICT;
	case WS_EINVALID:
	case WS_EINPUT:
	case WS_ECONFLICT: /* a merge conflict: the request cannot apply */
		return MHD_HTTP_BAD_REQUEST;
	case WS_ETOOBIG:
		return MHD_HTTP_CONTENT_TOO_LARGE;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

/* The headers every response has. */
static void add_common_headers(const struct ws_server *server,
			       struct MHD_Response *resp)
{
	if (server->cfg->cors) {
		MHD_add_response_header(resp, "Access-Control-Allow-Origin",
					"*");
		MHD_add_response_header(resp, "Access-Control-Expose-Headers",
					HDR_HASH ", ETag");
	}
}

enum MHD_Result ws_reply_shared(struct ws_request *req, unsigned status,
				struct MHD_Response *resp, uint64_t body_size)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	ret = MHD_queue_response(req->conn, status, resp);
	req->answered = 1;
	req->status = status;
	req->bytes = req->is_head ? 0 : body_size;
	return ret;
}

enum MHD_Result ws_reply(struct ws_request *req, unsigned status,
			 struct MHD_Response *resp, uint64_t body_size)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	add_common_headers(req->server, resp);
	ret = ws_reply_shared(req, status, resp, body_size);
	MHD_destroy_response(resp);
	return ret;
}

static struct MHD_Response *text_response(const char *text, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		len, (void *)text, MHD_RESPMEM_MUST_COPY);

	if (resp && len)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; charset=utf-8");
	return resp;
}

enum MHD_Result ws_reply_text(struct ws_request *req, unsigned status,
			      const char *text)
{
	size_t len = strlen(text);

	return ws_reply(req, status, text_response(text, len), len);
}

enum MHD_Result ws_reply_empty(struct ws_request *req, unsigned status)
{
	return ws_reply(req, status, text_response("", 0), 0);
}

enum MHD_Result ws_reply_json_text(struct ws_request *req, char *text)
{
	struct MHD_Response *resp;
	size_t len;

	if (!text)
		return ws_reply_text(req, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "out of memory");
	len = strlen(text);
	resp = MHD_create_response_from_buffer_with_free_callback(len, text,
								  free);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	return ws_reply(req, MHD_HTTP_OK, resp, len);
}

enum MHD_Result ws_reply_json(struct ws_request *req, cJSON *json)
{
	char *text = json ? cJSON_PrintUnformatted(json) : NULL;

	cJSON_Delete(json);
	return ws_reply_json_text(req, text);
}

enum MHD_Result ws_reply_error(struct ws_request *req, int code)
{
	return ws_reply_text(req, ws_http_status(code), ws_error_last());
}

enum MHD_Result ws_reply_error_empty(struct ws_request *req, int code)
{
	return ws_reply_empty(req, ws_http_status(code));
}

/* Whether an If-None-Match value ("a", W/"a", "a", "b" or *) names `hash`. */
static int etag_matches(const char *header, const char *hash)
{
	size_t hlen = strlen(hash);
	const char *p = header;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p == '"') {
			const char *end = strchr(p + 1, '"');
			if (!end)
				return 0;
			if ((size_t)(end - p - 1) == hlen &&
			    memcmp(p + 1, hash, hlen) == 0)
				return 1;
			p = end + 1;
		} else {
			p += strcspn(p, ",");
		}
	}
	return 0;
}

static void module_headers(struct MHD_Response *resp, const char *hash,
			   int immutable)
{
	char etag[WS_HASH_HEXSIZE + 3];

	snprintf(etag, sizeof(etag), "\"%s\"", hash);
	MHD_add_response_header(resp, HDR_HASH, hash);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	/* By hash: the bytes can never change. By path: they can, with the
	 * next commit, so clients revalidate (cheaply, with the ETag). */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				immutable
					? "public, max-age=31536000, immutable"
					: "no-cache");
}

static int is_not_modified(struct ws_request *req, const char *hash)
{
	const char *inm = MHD_lookup_connection_value(
		req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);

	return inm && etag_matches(inm, hash);
}

enum MHD_Result ws_reply_module(struct ws_request *req, int fd,
				const char *hash, uint64_t size,
				int immutable)
{
	struct MHD_Response *resp;
	int not_modified = is_not_modified(req, hash);
	/* Also for a 304: MHD sends no body then, but its Content-Length
	 * is the module's size, as RFC 9110 wants of a 304 that has one. */
	resp = MHD_create_response_from_fd64(size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	module_headers(resp, hash, immutable);
	if (not_modified)
		return ws_reply(req, MHD_HTTP_NOT_MODIFIED, resp, 0);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/wasm");
	return ws_reply(req, MHD_HTTP_OK, resp, size);
}

void ws_cached_module_headers(struct MHD_Response *resp, const char *hash,
			      int immutable, void *server)
{
	module_headers(resp, hash, immutable);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/wasm");
	add_common_headers(server, resp);
}

/* Never called: a 304 has no body, only the module's Content-Length. */
static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

enum MHD_Result ws_reply_module_body(struct ws_request *req,
				     struct ws_modcache *mc,
				     struct ws_body *body, const char *hash,
				     int immutable)
{
	uint64_t size = ws_body_size(body);
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (is_not_modified(req, hash)) {
		ws_body_release(mc, body);
		resp = MHD_create_response_from_callback(size, 4096, no_body,
							 NULL, NULL);
		if (!resp)
			return MHD_NO;
		module_headers(resp, hash, immutable);
		return ws_reply(req, MHD_HTTP_NOT_MODIFIED, resp, 0);
	}
	/* MHD holds its own reference from here on. */
	ret = ws_reply_shared(req, MHD_HTTP_OK,
			      ws_body_response(mc, body, immutable), size);
	ws_body_release(mc, body);
	return ret;
}
