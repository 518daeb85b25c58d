/*
 * accesslog.h - one line per request on stderr:
 *   <client> <METHOD> <url> <status> <bytes> <milliseconds>ms
 */
#ifndef WS_DAEMON_ACCESSLOG_H
#define WS_DAEMON_ACCESSLOG_H

#include "server.h"

void ws_accesslog(const struct ws_request *req,
		  enum MHD_RequestTerminationCode how);

/* Starts the thread that writes access-log lines out (until then, and if
 * it cannot start, each line is written at once); -1 if it cannot. */
int ws_accesslog_start(void);
/* Stops it, after writing out every line. */
void ws_accesslog_stop(void);

/* A daemon message (not a request) on stderr: "wasmstore-server: ...". */
void ws_daemon_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
