/*
 * packmerge.h - what a merge of packs in progress looks like, shared by
 * packmerge.c (which packs, reading them, writing the merged pack) and
 * packdelta.c (which trees it stores as deltas, against what).
 */
#ifndef WS_PACKMERGE_H
#define WS_PACKMERGE_H

#include "packread.h"

#define WS_PACKMERGE_NONE UINT32_MAX

/* How an object goes into the merged pack. */
typedef enum {
	WS_PACKMERGE_COPY,       /* copied as it is: a whole object */
	WS_PACKMERGE_COPY_DELTA, /* copied as it is: a REF_DELTA (base kept) */
	WS_PACKMERGE_INFLATE,    /* read through libgit2, written whole */
	WS_PACKMERGE_NEW_DELTA,  /* written as a REF_DELTA made here (a tree) */
} ws_packmerge_how;

/* A pack being merged: mapped, or (index not v2) read through libgit2. */
typedef struct {
	ws_packr map;
	git_odb *odb; /* opened when an entry must be read through libgit2 */
	char name[64];
} ws_packmerge_source;

typedef struct {
	ws_packr_entry e;   /* e.len 0: only libgit2 reads it */
	git_oid base_id;    /* kind REF_DELTA: its base */
	uint32_t src;       /* index of its source */
	uint32_t base;      /* COPY_DELTA, NEW_DELTA: index of its base */
	unsigned char *delta; /* NEW_DELTA: the delta (malloc'd) */
	uint32_t delta_len;
	int8_t kind;   /* in its source: GIT_OBJECT_COMMIT.._TAG, _REF_DELTA, or
			* _INVALID when only libgit2 can read it (OFS_DELTA) */
	uint8_t how;   /* ws_packmerge_how */
	uint8_t depth; /* deltas to apply to read it from the merged pack */
	uint8_t flags; /* packdelta.c's */
} ws_packmerge_object;

typedef struct {
	const char *dir; /* objects/pack */
	ws_packmerge_source *srcs;
	size_t src_count;
	ws_packmerge_object *objs; /* sorted by id, one per id */
	size_t count;
} ws_packmerge;

/* Source `src` as an object database of its own (opened once). 0 or
 * WS_ERROR. */
int ws_packmerge__odb(git_odb **out, ws_packmerge *m, uint32_t src);

/* The deepest chain of deltas the merged pack may hold (git's default):
 * chains gc's pack builder made are kept; merges make shorter ones. */
#define WS_PACKMERGE_MAX_DEPTH 50

/*
 * Decides how each object goes into the merged pack: REF_DELTA entries of
 * trees are copied as they are unless their chain would come back to
 * itself or be deeper than WS_PACKMERGE_MAX_DEPTH; other deltas (blobs,
 * commits: packs git or gc wrote) are written whole. Trees that changed
 * from a commit's parent become deltas against the parent's version
 * (packdelta.c). Sets how, base, depth and delta of m->objs; objects
 * start as COPY, COPY_DELTA or INFLATE by their kind. 0, or WS_ERROR when
 * out of memory (objects it cannot read are left as they are).
 */
int ws_packmerge__plan_deltas(ws_packmerge *m);

#endif
