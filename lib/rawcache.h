/*
 * rawcache.h - uncompressed copies of modules, <root>/wasmstore/raw/<sha256>.
 *
 * git keeps objects zlib-compressed; serving and mapping modules wants their
 * raw bytes. A module never changes under its hash, so each copy is written
 * once (temp file + rename) and then shared by every process. Derived data:
 * a missing or damaged copy is rewritten from the blob.
 */
#ifndef WS_RAWCACHE_H
#define WS_RAWCACHE_H

#include "store.h"

/* Path of the raw copy of module `hash` (caller frees). */
char *ws_rawcache__path(ws_store *store, const char *hash);

/* Moves the staged file `tmp_path` (holding module `hash`) into the cache. */
int ws_rawcache__adopt(ws_store *store, const char *tmp_path,
		       const char *hash);

/* Size of the raw copy of `hash`, or 0 if there is none yet (modules are
 * never empty). */
uint64_t ws_rawcache__size(ws_store *store, const char *hash);

/* Opens the raw copy of the module held by `blob`, writing it if missing.
 * *size is the expected length if known (else 0), and gets the length. */
int ws_rawcache__open(int *fd, uint64_t *size, ws_store *store,
		      const char *hash, const git_oid *blob);

#endif
