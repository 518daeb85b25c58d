/*
 * modcache.h - modules the daemon answered recently, ready to send again.
 *
 * Two tables behind one lock, each bounded and least-recently-used first
 * out:
 *  - names: what a (branch, hash-or-path) resolved to, tagged with the ref
 *    generation (refwatch.h) it was resolved under; stale as soon as any
 *    ref changes;
 *  - bodies: for a module hash, responses holding its bytes, in memory up
 *    to a size (headers and body leave in one send), else an open file sent
 *    with sendfile. The bytes under a hash never change, so these outlive
 *    commits.
 */
#ifndef WS_DAEMON_MODCACHE_H
#define WS_DAEMON_MODCACHE_H

#include <stdint.h>

#include <microhttpd.h>

#include "wasmstore.h"

struct ws_modcache;
struct ws_body;

/* Adds the headers of a module response (hash, ETag, Cache-Control, ...)
 * to a response the cache just made. */
typedef void (*ws_body_headers_fn)(struct MHD_Response *resp,
				   const char *hash, int immutable,
				   void *cls);

struct ws_modcache *ws_modcache_new(ws_body_headers_fn headers, void *cls);
void ws_modcache_free(struct ws_modcache *mc);

/* 1 and hash/size when `path` on `branch` (NULL: the default) resolved to
 * a module under generation `gen`; 0 if unknown. */
int ws_modcache_name_get(struct ws_modcache *mc, unsigned long gen,
			 const char *branch, const char *path,
			 char hash[WS_HASH_HEXSIZE + 1], uint64_t *size);
void ws_modcache_name_put(struct ws_modcache *mc, unsigned long gen,
			  const char *branch, const char *path,
			  const char *hash, uint64_t size);

/* The body of module `hash`, or NULL when not cached. */
struct ws_body *ws_modcache_body_get(struct ws_modcache *mc,
				     const char *hash);
/* 1 when module `hash` of `size` bytes should be cached now; 0 when it
 * should be sent from its file this time (a module worth keeping in memory
 * is kept once asked for twice; that first time is remembered here). */
int ws_modcache_admit(struct ws_modcache *mc, const char *hash,
		      uint64_t size);
/* The body made from `fd` (size bytes, taken over: kept or closed), or the
 * one already cached; NULL when out of memory or unreadable. */
struct ws_body *ws_modcache_body_add(struct ws_modcache *mc,
				     const char *hash, uint64_t size, int fd);

/* The response sending the body with headers for `immutable` (named by
 * hash) or not. Borrowed: valid until ws_body_release. NULL when out of
 * memory. */
struct MHD_Response *ws_body_response(struct ws_modcache *mc,
				      struct ws_body *body, int immutable);
uint64_t ws_body_size(const struct ws_body *body);
void ws_body_release(struct ws_modcache *mc, struct ws_body *body);

#endif
