/*
 * hashindex.h - the map between git blob ids and module hashes (SHA-256).
 *
 * Kept in <root>/wasmstore/index as an append-only text file of lines
 * "<blob id hex> <sha256 hex>\n". It is derived data: every line can be
 * recomputed from the blob it names, a lost file is rebuilt on demand, and
 * several processes append to it at once (O_APPEND, one write per line).
 */
#ifndef WS_HASHINDEX_H
#define WS_HASHINDEX_H

#include <git2.h>

typedef struct ws_hashindex ws_hashindex;

int ws_hashindex_open(ws_hashindex **out, const char *path);
void ws_hashindex_free(ws_hashindex *index);

/* Module hash of a blob: 0, or WS_ENOTFOUND when not indexed (yet). Reads
 * lines other processes appended before answering not-found. */
int ws_hashindex_hash_of(unsigned char sha[32], ws_hashindex *index,
			 const git_oid *blob);

/* Blob holding the module with this hash: 0 or WS_ENOTFOUND. */
int ws_hashindex_blob_of(git_oid *blob, ws_hashindex *index,
			 const unsigned char sha[32]);

/* Records a pair (no-op if already known). */
int ws_hashindex_add(ws_hashindex *index, const git_oid *blob,
		     const unsigned char sha[32]);

#endif
