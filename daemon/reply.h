/*
 * reply.h - every response goes out through ws_reply; statuses for library
 * codes come from ws_http_status alone.
 */
#ifndef WS_DAEMON_REPLY_H
#define WS_DAEMON_REPLY_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "modcache.h"
#include "server.h"

/* The HTTP status for a library code (WS_E*). */
unsigned ws_http_status(int code);

/* Queues `resp` with `status` (adding the headers every response has) and
 * releases it. Returns MHD_YES or MHD_NO as MHD_queue_response. */
enum MHD_Result ws_reply(struct ws_request *req, unsigned status,
			 struct MHD_Response *resp, uint64_t body_size);

/* Queues `resp` as it is and leaves it to the caller (a cached response,
 * which has its headers already). */
enum MHD_Result ws_reply_shared(struct ws_request *req, unsigned status,
				struct MHD_Response *resp, uint64_t body_size);

/* A text/plain body (may be empty). */
enum MHD_Result ws_reply_text(struct ws_request *req, unsigned status,
			      const char *text);
/* An empty body. */
enum MHD_Result ws_reply_empty(struct ws_request *req, unsigned status);
/* A JSON body; takes ownership of `json`. */
enum MHD_Result ws_reply_json(struct ws_request *req, cJSON *json);
/* A JSON body already printed (malloc'd, taken over; NULL: out of memory). */
enum MHD_Result ws_reply_json_text(struct ws_request *req, char *text);
/* A library failure: ws_http_status(code), body ws_error_last(). */
enum MHD_Result ws_reply_error(struct ws_request *req, int code);
/* The same with an empty body (the original answered absent modules so). */
enum MHD_Result ws_reply_error_empty(struct ws_request *req, int code);

/* Module bytes from `fd` (taken over), with Wasmstore-Hash, ETag and
 * Content-Type; 304 when If-None-Match names the hash. `immutable` when the
 * request named the module by hash (cacheable forever). */
enum MHD_Result ws_reply_module(struct ws_request *req, int fd,
				const char *hash, uint64_t size,
				int immutable);

/* The same from a cached body (the reference is released). `hash` is the
 * module's, as the request's hash-or-path resolved. */
enum MHD_Result ws_reply_module_body(struct ws_request *req,
				     struct ws_modcache *mc,
				     struct ws_body *body, const char *hash,
				     int immutable);

/* ws_body_headers_fn for the server's module cache (cls: the server). */
void ws_cached_module_headers(struct MHD_Response *resp, const char *hash,
			      int immutable, void *server);

#endif
