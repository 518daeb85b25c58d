/* request.c - one HTTP request: checks, dispatch, completion. */
#include "request.h"

#include <stdlib.h>
#include <string.h>

#include "accesslog.h"
#include "auth.h"
#include "reply.h"
#include "route.h"
#include "upload.h"
#include "websocket.h"

static struct ws_request *request_new(struct ws_server *server,
				      struct MHD_Connection *conn,
				      const char *url, const char *method)
{
	struct ws_request *req = calloc(1, sizeof(*req));

	if (!req)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	req->server = server;
	req->conn = conn;
	req->url = strdup(url);
	req->method = strdup(method);
	req->is_head = strcmp(method, "HEAD") == 0;
	if (!req->url || !req->method) {
		free(req->url);
		free(req->method);
		free(req);
		return NULL;
	}
	atomic_fetch_add(&server->in_flight, 1);
	req->counted = 1;
	return req;
}

static void request_free(struct ws_request *req)
{
	if (req->counted)
		atomic_fetch_sub(&req->server->in_flight, 1);
	ws_upload_free(req->upload); /* drops whatever was not committed */
	if (req->session)
		ws_session_free(req->session);
	ws_route_args_free(req->args);
	free(req->rest);
	free(req->branch);
	free(req->upload_message);
	free(req->url);
	free(req->method);
	free(req);
}

static const char *header(struct ws_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* A browser's CORS preflight: answered before the key check, since
 * browsers send no custom headers (so no key) with it. */
static int is_preflight(struct ws_request *req)
{
	return req->server->cfg->cors && strcmp(req->method, "OPTIONS") == 0 &&
	       header(req, "Origin") &&
	       header(req, "Access-Control-Request-Method");
}

static enum MHD_Result reply_preflight(struct ws_request *req)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		0, NULL, MHD_RESPMEM_PERSISTENT);

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Access-Control-Allow-Methods",
				"GET, HEAD, POST, PUT, DELETE, OPTIONS");
	MHD_add_response_header(resp, "Access-Control-Allow-Headers",
				"Wasmstore-Auth, Wasmstore-Branch, "
				"Content-Type, If-None-Match");
	MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
	return ws_reply(req, MHD_HTTP_NO_CONTENT, resp, 0);
}

/* Whether a body follows the headers. */
static int has_body(struct ws_request *req)
{
	const char *len = header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
	       (len && strcmp(len, "0") != 0);
}

/*
 * Checks the key, the route and the branch, and starts an upload. Done as
 * soon as the headers are in when a body follows, so that a refused
 * request never has its body read (MHD then closes the connection); else
 * once the request is complete, which keeps the connection alive.
 */
static enum MHD_Result request_begin(struct ws_request *req)
{
	struct ws_server *server = req->server;

	req->begun = 1;
	if (is_preflight(req))
		return reply_preflight(req);
	if (!ws_auth_allows(server->auth, header(req, "Wasmstore-Auth"),
			    req->method))
		return ws_reply_empty(req, MHD_HTTP_UNAUTHORIZED);
	req->route = ws_route_match(req->method, req->url, &req->args,
				    &req->rest);
	if (!req->route)
		return ws_reply_empty(req, MHD_HTTP_NOT_FOUND);
	if (!(req->route->flags & WS_ROUTE_NO_BRANCH)) {
		const char *b = header(req, "Wasmstore-Branch");
		req->branch = b ? strdup(b) : ws_server_branch(server);
		if (b && !req->branch)
			return ws_reply_text(req, 500, "out of memory");
	}
	if (req->route->flags & WS_ROUTE_UPLOAD)
		return ws_upload_start(req);
	return MHD_YES;
}

enum MHD_Result ws_request_handle(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct ws_request *req = *req_cls;
	enum MHD_Result ret;

	(void)version;
	if (!req) {
		if (!(req = request_new(cls, conn, url, method)))
			return MHD_NO;
		*req_cls = req;
		return has_body(req) ? request_begin(req) : MHD_YES;
	}
	if (*upload_data_size) {
		/* Only module uploads have a body; others' bodies are read
		 * and dropped, as the original server did. */
		if (req->route && (req->route->flags & WS_ROUTE_UPLOAD))
			ws_upload_feed(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!req->begun && ((ret = request_begin(req)) == MHD_NO ||
			    req->answered))
		return ret;
	if (req->answered)
		return MHD_YES;
	return req->route->handler(req);
}

void ws_request_completed(void *cls, struct MHD_Connection *conn,
			 void **req_cls, enum MHD_RequestTerminationCode how)
{
	struct ws_request *req = *req_cls;

	(void)cls;
	(void)conn;
	if (!req)
		return;
	ws_accesslog(req, how);
	request_free(req);
	*req_cls = NULL;
}
