/* watch.c - GET /api/v1/watch: the WebSocket handshake (RFC 6455 4.2). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "handlers.h"
#include "reply.h"
#include "websocket.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Whether a comma-separated header value holds `token` (any case). */
static int has_token(const char *value, const char *token)
{
	size_t tlen = strlen(token);

	while (value && *value) {
		size_t len;
		value += strspn(value, " \t,");
		len = strcspn(value, ",");
		while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
			len--;
		if (len == tlen && strncasecmp(value, token, len) == 0)
			return 1;
		value += strcspn(value, ",");
	}
	return 0;
}

static int accept_key(char out[29], const char *key)
{
	unsigned char digest[20];
	unsigned int n = 0;
	size_t klen = strlen(key);
	char *buf = malloc(klen + sizeof(WS_GUID));
	int ok;

	if (!buf)
		return -1;
	memcpy(buf, key, klen);
	memcpy(buf + klen, WS_GUID, sizeof(WS_GUID));
	ok = EVP_Digest(buf, klen + sizeof(WS_GUID) - 1, digest, &n,
			EVP_sha1(), NULL) && n == 20;
	free(buf);
	if (!ok)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, digest, 20);
	return 0;
}

static const char *header(struct ws_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result reply_upgrade_required(struct ws_request *req)
{
	static const char text[] = "WebSocket version 13 required";
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		sizeof(text) - 1, (void *)text, MHD_RESPMEM_PERSISTENT);

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Sec-WebSocket-Version", "13");
	return ws_reply(req, MHD_HTTP_UPGRADE_REQUIRED, resp,
			sizeof(text) - 1);
}

enum MHD_Result ws_h_watch(struct ws_request *req)
{
	struct ws_sockets *sockets = req->server->sockets;
	const char *key = header(req, "Sec-WebSocket-Key");
	const char *version = header(req, "Sec-WebSocket-Version");
	struct MHD_Response *resp;
	struct ws_session *s;
	char accept[29];
	int error;

	if (!has_token(header(req, "Upgrade"), "websocket") ||
	    !has_token(header(req, "Connection"), "upgrade") || !key ||
	    strlen(key) != 24 || req->is_head)
		return ws_reply_text(req, MHD_HTTP_BAD_REQUEST,
				     "expected a WebSocket handshake");
	if (!version || strcmp(version, "13") != 0)
		return reply_upgrade_required(req);
	if (ws_sockets_stopping(sockets))
		return ws_reply_text(req, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "shutting down");
	if (accept_key(accept, key) < 0)
		return ws_reply_text(req, 500, "sha1 failed");
	/* The watch starts now, before the client hears back: whatever
	 * changes once it holds the 101 is reported. */
	if ((error = ws_session_new(&s, req->server, req->branch)) < 0)
		return ws_reply_error(req, error);
	resp = MHD_create_response_for_upgrade(ws_session_upgraded, sockets);
	if (!resp) {
		ws_session_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "Upgrade");
	MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
	req->session = s; /* freed with the request unless upgraded */
	return ws_reply(req, MHD_HTTP_SWITCHING_PROTOCOLS, resp, 0);
}
