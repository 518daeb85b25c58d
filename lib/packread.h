/*
 * packread.h - a pack's entries read straight from its v2 index, so that
 * merging packs copies whole objects and REF_DELTA entries as they are (no
 * inflate, no deflate; wasm modules are megabytes), and inflates the few
 * trees and commits it looks into itself.
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

/*
 * What the entry holds when it can be copied into another pack as it is
 * (its bytes match the index's CRC): a whole object (GIT_OBJECT_COMMIT,
 * _TREE, _BLOB or _TAG), or GIT_OBJECT_REF_DELTA, a delta against the
 * object whose id goes to `*base` (which the pack holds, so a copy of the
 * whole pack holds it too). GIT_OBJECT_INVALID otherwise: OFS_DELTA
 * entries (they name their base by its position in this pack) and
 * damaged ones.
 */
git_object_t ws_packr_copyable(const ws_packr *r, const ws_packr_entry *e,
			       git_oid *base);

/*
 * Inflates an entry whose type (whole object or REF_DELTA) goes to
 * `*type`: `*data` (malloc'd, the caller frees it, with a zero byte after
 * the end) gets the object, or for a REF_DELTA the delta, and `*len` its
 * size. 0, or -1 (nothing allocated) for an OFS_DELTA, a damaged entry or
 * when out of memory.
 */
int ws_packr_inflate(unsigned char **data, size_t *len, git_object_t *type,
		     const ws_packr *r, const ws_packr_entry *e);

/* Unmaps. NULL-safe, and safe after a failed open. */
void ws_packr_close(ws_packr *r);

#endif
