/*
 * websocket.h - GET /api/v1/watch: RFC 6455 sessions (wslay framing) that
 * send one text message per change of the selected branch.
 *
 * Each session runs on a thread of its own with its own store and watch,
 * so a slow or dead client holds up nobody else; one that leaves a large
 * backlog unread for a while is dropped.
 */
#ifndef WS_DAEMON_WEBSOCKET_H
#define WS_DAEMON_WEBSOCKET_H

#include "server.h"

struct ws_sockets *ws_sockets_new(void);
/* Asks every session to close (status 1001) and waits up to timeout_ms
 * for them to end. New sessions are refused from then on. */
void ws_sockets_shutdown(struct ws_sockets *sockets, int timeout_ms);
void ws_sockets_free(struct ws_sockets *sockets);

/* Frees a session that never got its upgraded socket. */
void ws_session_free(struct ws_session *session);

#endif
