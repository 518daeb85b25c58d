/*
 * packwrite.h - writes a git pack (version 2) and its version 2 index, for
 * a batch of new objects (objbatch.c: whole objects) and for merging packs
 * (packmerge.c: whole objects, and trees as deltas against other objects
 * of the same pack, named by id: REF_DELTA).
 *
 * The pack is written to a temporary file in the pack directory; finishing
 * names it pack-<checksum>.pack, then writes the index under a temporary
 * name and renames it to pack-<checksum>.idx. Readers (git, libgit2) find
 * packs through their .idx, so they never see half a pack or half an index.
 */
#ifndef WS_PACKWRITE_H
#define WS_PACKWRITE_H

#include <git2.h>
#include <stdint.h>

typedef struct ws_packw ws_packw;

/* Starts a pack of exactly `count` distinct objects in `pack_dir`
 * ("<root>/objects/pack"). 0 or WS_ERROR. */
int ws_packw_open(ws_packw **out, const char *pack_dir, uint32_t count);

/* Appends one object, zlib level 1. The caller makes sure no id comes
 * twice. 0 or WS_ERROR (then only ws_packw_abort is allowed). */
int ws_packw_add(ws_packw *w, const git_oid *id, git_object_t type,
		 const void *data, size_t len);

/* Appends object `id` as a REF_DELTA entry: `delta` (git's delta format,
 * delta.h) turns object `base_id` into it. The caller makes sure the base
 * is in this pack too (git and libgit2 look for it there only) and, so
 * that one reading the pack in order meets it first, written before.
 * 0 or WS_ERROR. */
int ws_packw_add_ref_delta(ws_packw *w, const git_oid *id,
			   const git_oid *base_id, const void *delta,
			   size_t delta_len);

/* Appends an object entry copied from another pack as it is there: its
 * header and zlib data, `len` bytes whose CRC32 is `crc`: a whole object,
 * or a REF_DELTA whose base the caller puts into this pack too (an
 * OFS_DELTA names its base by position: it cannot move). Merging packs
 * thus neither inflates nor deflates. 0 or WS_ERROR. */
int ws_packw_add_raw(ws_packw *w, const git_oid *id, const void *entry,
		     size_t len, uint32_t crc);

/*
 * Writes the pack's checksum, gives the pack its final name, then writes the
 * index and names it. `durable`: fsync the pack, the index and the directory
 * before returning. `name` (optional) gets the pack's 40-hex checksum.
 * When a pack of that name already has an index, it holds exactly these
 * bytes, and ours is dropped. Frees `w` in every case; on failure nothing
 * of ours stays in the directory. 0 or WS_ERROR.
 */
int ws_packw_finish(ws_packw *w, int durable, char name[GIT_OID_HEXSZ + 1]);

/* Gives up: removes the temporary file and frees `w`. NULL-safe. */
void ws_packw_abort(ws_packw *w);

#endif
