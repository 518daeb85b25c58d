/*
 * upload.h - POST /api/v1/module/ *path: the body is streamed chunk by chunk
 * into the library's staging (never held whole in memory), hashed and
 * checked as it arrives, and committed once complete.
 */
#ifndef WS_DAEMON_UPLOAD_H
#define WS_DAEMON_UPLOAD_H

#include <stddef.h>

#include "server.h"

/* Called once the headers are in: refuses early what can be refused (bad
 * path, Content-Length over the limit) or starts the staging. */
enum MHD_Result ws_upload_start(struct ws_request *req);

/* One chunk of the body. After a failure the rest is read and dropped. */
void ws_upload_feed(struct ws_request *req, const char *data, size_t len);

#endif
