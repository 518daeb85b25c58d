/* route.c - the route table and URL matching. */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "reply.h"

static const struct ws_route routes[] = {
	{"GET", "modules/*", ws_h_modules, 0},
	{"GET", "module/*", ws_h_module_get, 0},
	{"POST", "module/*", ws_h_module_add, WS_ROUTE_UPLOAD},
	{"DELETE", "module/*", ws_h_module_delete, 0},
	{"GET", "hash/*", ws_h_hash_get, 0},
	{"POST", "hash/:/*", ws_h_hash_set, 0},
	{"GET", "branch", ws_h_branch_get, WS_ROUTE_NO_BRANCH},
	{"PUT", "branch/:", ws_h_branch_switch, WS_ROUTE_NO_BRANCH},
	{"POST", "branch/:", ws_h_branch_create, WS_ROUTE_NO_BRANCH},
	{"DELETE", "branch/:", ws_h_branch_delete, WS_ROUTE_NO_BRANCH},
	{"GET", "branches", ws_h_branches, WS_ROUTE_NO_BRANCH},
	{"POST", "merge/:", ws_h_merge, 0},
	{"POST", "restore/:/*", ws_h_restore, 0},
	{"POST", "rollback/*", ws_h_rollback, 0},
	{"GET", "snapshot", ws_h_snapshot, 0},
	{"GET", "commit/:", ws_h_commit, 0},
	{"GET", "versions/*", ws_h_versions, 0},
	{"GET", "version/:/*", ws_h_version, 0},
	{"POST", "gc", ws_h_gc, 0},
	{"GET", "watch", ws_h_watch, 0},
	{"*", "auth", ws_h_auth, 0},
};

/* Any method that got past the key check may use /auth. */
enum MHD_Result ws_h_auth(struct ws_request *req)
{
	return ws_reply_empty(req, MHD_HTTP_OK);
}

#define MAX_SEGMENTS 256

/* Splits `url` into its non-empty segments (pointers into `buf`). */
static size_t split(char *buf, char **seg, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *s = strtok_r(buf, "/", &save); s;
	     s = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return max + 1;
		seg[n++] = s;
	}
	return n;
}

static int method_fits(const struct ws_route *r, const char *method)
{
	if (strcmp(r->method, "*") == 0 || strcmp(r->method, method) == 0)
		return 1;
	return strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0;
}

/* Whether segments seg[0..n) fit `pattern`; counts its ':' segments. */
static int pattern_fits(const char *pattern, char **seg, size_t n,
			size_t *nargs, size_t *rest_at)
{
	size_t i = 0;
	const char *p = pattern;

	*nargs = 0;
	*rest_at = n;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (len == 1 && *p == '*') {
			*rest_at = i;
			return 1;
		}
		if (i == n)
			return 0;
		if (len == 1 && *p == ':')
			(*nargs)++;
		else if (strlen(seg[i]) != len || memcmp(seg[i], p, len) != 0)
			return 0;
		i++;
		p += len;
		if (*p == '/')
			p++;
	}
	return i == n;
}

static char *join(char **seg, size_t n)
{
	size_t len = 1;
	char *out, *o;

	for (size_t i = 0; i < n; i++)
		len += strlen(seg[i]) + 1;
	if (!(out = malloc(len)))
		return NULL;
	o = out;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(seg[i]);
		if (i)
			*o++ = '/';
		memcpy(o, seg[i], l);
		o += l;
	}
	*o = '\0';
	return out;
}

const struct ws_route *ws_route_match(const char *method, const char *url,
				      char ***args, char **rest)
{
	char *seg[MAX_SEGMENTS + 1];
	char *buf = strdup(url);
	const struct ws_route *found = NULL;
	size_t n, nargs = 0, rest_at = 0;

	*args = NULL;
	*rest = NULL;
	if (!buf)
		return NULL;
	n = split(buf, seg, MAX_SEGMENTS);
	if (n < 3 || n > MAX_SEGMENTS || strcmp(seg[0], "api") != 0 ||
	    strcmp(seg[1], "v1") != 0)
		goto done;
	for (size_t r = 0; r < sizeof(routes) / sizeof(routes[0]); r++) {
		/* An exact method wins over HEAD borrowing a GET route. */
		if (method_fits(&routes[r], method) &&
		    pattern_fits(routes[r].pattern, seg + 2, n - 2, &nargs,
				 &rest_at)) {
			found = &routes[r];
			break;
		}
	}
	if (!found)
		goto done;
	*args = calloc(nargs + 1, sizeof(char *));
	*rest = join(seg + 2 + rest_at, n - 2 - rest_at);
	if (!*args || !*rest)
		goto fail;
	/* The ':' segments: every segment before rest_at that the pattern
	 * did not spell out literally. */
	{
		const char *p = found->pattern;
		size_t i = 0, a = 0;
		while (*p && i < rest_at) {
			size_t len = strcspn(p, "/");
			if (len == 1 && *p == ':' &&
			    !((*args)[a++] = strdup(seg[2 + i])))
				goto fail;
			i++;
			p += len;
			if (*p == '/')
				p++;
		}
	}
	goto done;
fail:
	ws_route_args_free(*args);
	free(*rest);
	*args = NULL;
	*rest = NULL;
	found = NULL;
done:
	free(buf);
	return found;
}

void ws_route_args_free(char **args)
{
	if (!args)
		return;
	for (char **a = args; *a; a++)
		free(*a);
	free(args);
}
