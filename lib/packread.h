/*
 * packread.h - a pack's entries read straight from its v2 index, so that
 * merging packs copies whole objects as they are (no inflate, no deflate;
 * wasm modules are megabytes).
 */
#ifndef WS_PACKREAD_H
#define WS_PACKREAD_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const unsigned char *pack, *idx; /* both mapped read-only */
	size_t pack_size, idx_size;
	uint32_t count; /* objects */
} ws_packr;

typedef struct {
	git_oid id;
	uint32_t crc;    /* of the entry, from the index */
	uint64_t offset; /* of the entry in the pack */
	uint64_t len;    /* header and data, up to the next entry */
} ws_packr_entry;

/* Maps "<name>.pack" and "<name>.idx" in the directory `dirfd`. 0, or -1
 * (nothing mapped) when they cannot be read or the index is not a
 * consistent v2 index: callers then read the pack through libgit2. */
int ws_packr_open(ws_packr *r, int dirfd, const char *name);

/* Fills out[0..r->count) with every entry (in index order). 0, or -1 when
 * an offset makes no sense. */
int ws_packr_entries(ws_packr_entry *out, const ws_packr *r);

/* 1 if the entry holds a whole object (not a delta) whose bytes match the
 * index's CRC: then it can be copied into another pack as it is. */
int ws_packr_is_whole(const ws_packr *r, const ws_packr_entry *e);

/* Unmaps. NULL-safe, and safe after a failed open. */
void ws_packr_close(ws_packr *r);

#endif
