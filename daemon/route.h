/*
 * route.h - the API's routes, in one table (see wasmstore-api(7)).
 */
#ifndef WS_DAEMON_ROUTE_H
#define WS_DAEMON_ROUTE_H

#include "server.h"

typedef enum MHD_Result (*ws_handler)(struct ws_request *req);

enum {
	WS_ROUTE_UPLOAD = 1,    /* the body is a module, streamed in */
	WS_ROUTE_NO_BRANCH = 2, /* ignores Wasmstore-Branch */
};

struct ws_route {
	const char *method;  /* "*": any method */
	const char *pattern; /* after /api/v1: words, ':' one, '*' the rest */
	ws_handler handler;
	int flags;
};

/*
 * Finds the route for `method` and `url` (HEAD uses the GET routes). Empty
 * segments of the URL are ignored. On a match, *args gets the ':' segments
 * (a NULL-terminated malloc'd array of malloc'd strings) and *rest the '*'
 * segments joined with '/' ("" when none). Returns NULL when nothing matches.
 */
const struct ws_route *ws_route_match(const char *method, const char *url,
				      char ***args, char **rest);

void ws_route_args_free(char **args);

#endif
