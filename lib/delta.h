/*
 * delta.h - git's delta format (the payload of a pack's OFS_DELTA and
 * REF_DELTA entries, gitformat-pack.txt "Deltified representation"): the
 * base's size and the result's size as little-endian base-128 numbers,
 * then instructions: copy (0x80 | which offset and size bytes follow) a
 * range of the base, or insert (1..127) that many literal bytes.
 *
 * Made for trees that differ from their base by a few entries: merging
 * packs stores a directory's new tree as a delta against its previous
 * version (packmerge.c).
 */
#ifndef WS_DELTA_H
#define WS_DELTA_H

#include <stddef.h>

/*
 * Encodes `target` as a delta against `base`: the common prefix and suffix
 * are copied, and in between every run of at least 16 bytes found in the
 * base's middle (an index of its 16-byte blocks) is copied too; what is
 * left is inserted. `*out` (malloc'd, the caller frees it) gets the delta
 * and `*out_len` its length.
 *
 * Returns 0; 1 (nothing allocated) when the delta would be longer than
 * `max_len` bytes: not worth it, store the target whole; or -1 when out of
 * memory (no error message is set: the caller says what it was doing).
 */
int ws_delta_create(unsigned char **out, size_t *out_len, const void *base,
		    size_t base_len, const void *target, size_t target_len,
		    size_t max_len);

/*
 * Applies `delta` to `base`: `*out` (malloc'd, with one more zero byte
 * after the result, for callers that parse text) gets the result, `*out_len`
 * its length. Returns 0, or -1 when the delta is damaged or does not
 * belong to a base of this size, or when out of memory.
 */
int ws_delta_apply(unsigned char **out, size_t *out_len, const void *base,
		   size_t base_len, const void *delta, size_t delta_len);

#endif
