/*
 * accesslog.h - one line per request on stderr:
 *   <client> <METHOD> <url> <status> <bytes> <milliseconds>ms
 */
#ifndef WS_DAEMON_ACCESSLOG_H
#define WS_DAEMON_ACCESSLOG_H

#include "server.h"

void ws_accesslog(const struct ws_request *req,
		  enum MHD_RequestTerminationCode how);

/* A daemon message (not a request) on stderr: "wasmstore-server: ...". */
void ws_daemon_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
