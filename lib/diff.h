/*
 * diff.h - the modules of a tree as a flat, sorted list of (path, hash),
 * and the changes between two such lists. Watching keeps the last list in
 * memory, so it can report removals even after gc deleted the old objects.
 */
#ifndef WS_DIFF_H
#define WS_DIFF_H

#include "store.h"

typedef struct {
	char *path;
	char hash[WS_HASH_HEXSIZE + 1];
} ws_listing_entry;

typedef struct {
	ws_listing_entry *entries; /* sorted by path (strcmp) */
	size_t count, cap;
} ws_listing;

/* Lists every module of `tree` (NULL: empty). *out is overwritten. */
int ws_listing__of_tree(ws_listing *out, ws_store *store, git_tree *tree);
void ws_listing__free(ws_listing *listing);

/* Reports every change from `from` to `to` in path order. A non-zero cb
 * return stops and is returned. */
int ws_listing__diff(const ws_listing *from, const ws_listing *to,
		     ws_change_cb cb, void *payload);

#endif
