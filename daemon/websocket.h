/*
 * websocket.h - the sessions behind GET /api/v1/watch (handshake: watch.c):
 * RFC 6455 framing with wslay, one text message per change of the branch.
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

/* 1 once shutdown began (no new sessions then). */
int ws_sockets_stopping(struct ws_sockets *sockets);

/* A session watching `branch` (NULL: the default), with a store of its
 * own; it starts watching now, before the handshake is answered. */
int ws_session_new(struct ws_session **out, struct ws_server *server,
		   const char *branch);
/* Frees a session that never got its upgraded socket. */
void ws_session_free(struct ws_session *session);

/* The MHD_UpgradeHandler of the 101 answer (cls: the ws_sockets,
 * req_cls: the ws_request holding the session): the session takes the
 * socket and gets a thread of its own. */
void ws_session_upgraded(void *cls, struct MHD_Connection *conn,
			 void *req_cls, const char *extra_in,
			 size_t extra_in_size, MHD_socket sock,
			 struct MHD_UpgradeResponseHandle *urh);

#endif
