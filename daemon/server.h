/*
 * server.h - state shared by the daemon's files: the server and one request.
 */
#ifndef WS_DAEMON_SERVER_H
#define WS_DAEMON_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <microhttpd.h>

#include "wasmstore.h"

#include "config.h"

struct ws_auth;
struct ws_modcache;
struct ws_refwatch;
struct ws_route;
struct ws_sockets;
struct ws_session;

struct ws_server {
	struct ws_config *cfg;
	struct ws_auth *auth;
	struct MHD_Daemon *mhd;
	pthread_key_t store_key;  /* each worker thread's own ws_store */
	pthread_mutex_t branch_lock;
	char *branch;             /* set by --branch or PUT /branch, or NULL */
	atomic_long in_flight;    /* requests begun and not completed */
	struct ws_sockets *sockets; /* live WebSocket sessions */
	struct ws_refwatch *refs; /* tells when cached names go stale */
	struct ws_modcache *modules; /* modules ready to send again */
};

/* One HTTP request, from its first callback to its completion. */
struct ws_request {
	struct ws_server *server;
	struct MHD_Connection *conn;
	char *method;
	char *url;               /* as received (decoded), for the log */
	struct timespec start;
	const struct ws_route *route;
	char **args;             /* ':' segments of the route */
	char *rest;              /* the '*' part, '/'-joined ("" if none) */
	char *branch;            /* Wasmstore-Branch, the server's, or NULL */
	int is_head;
	unsigned status;         /* what was sent, for the log */
	uint64_t bytes;
	int begun;               /* key, route and branch checked */
	int answered;            /* a response was queued */
	int counted;             /* counted in server->in_flight */
	/* uploads */
	ws_upload *upload;
	int upload_error;        /* WS_E* from a chunk; the rest is dropped */
	char *upload_message;
	/* GET /watch: the session, until the upgraded socket takes it */
	struct ws_session *session;
};

/* This thread's store (opened on first use, kept until the thread ends);
 * NULL with ws_error_last() set if it cannot be opened. */
ws_store *ws_server_store(struct ws_server *server);

/* The store for handling `req` (this worker's); NULL on failure. */
#define ws_request_store(req) ws_server_store((req)->server)

/* Opens a store that the caller owns (for threads not run by MHD). */
int ws_server_open_store(ws_store **out, struct ws_server *server);

/* The branch without a Wasmstore-Branch header (malloc'd, or NULL for the
 * store's default); and replacing it (PUT /branch). */
char *ws_server_branch(struct ws_server *server);
int ws_server_set_branch(struct ws_server *server, const char *name);

#endif
