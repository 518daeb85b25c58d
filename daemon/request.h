/*
 * request.h - the MHD callbacks for one request: the access handler (the
 * key, the route, the branch, the body, then the route's handler) and the
 * completion (access log, cleanup).
 */
#ifndef WS_DAEMON_REQUEST_H
#define WS_DAEMON_REQUEST_H

#include "server.h"

/* MHD_AccessHandlerCallback; cls is the struct ws_server. */
enum MHD_Result ws_request_handle(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls);

/* MHD_RequestCompletedCallback. */
void ws_request_completed(void *cls, struct MHD_Connection *conn,
			  void **req_cls, enum MHD_RequestTerminationCode how);

#endif
