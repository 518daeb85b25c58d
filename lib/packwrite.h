/*
 * packwrite.h - writes a git pack (version 2, whole objects, no deltas) and
 * its version 2 index, for a batch of new objects (objbatch.c) and for
 * merging packs (packmerge.c).
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

/* Appends an object entry copied from another pack as it is there: its
 * type+size header and zlib data (a whole object, not a delta), `len`
 * bytes whose CRC32 is `crc`. Merging packs thus neither inflates nor
 * deflates. 0 or WS_ERROR. */
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
