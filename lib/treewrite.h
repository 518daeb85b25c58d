/*
 * treewrite.h - git_tree_create_updated, writing each new tree with
 * ws_store__put.
 *
 * libgit2 writes every tree through git_odb_write, which first asks each
 * backend whether the object exists; a new tree always misses, and every
 * miss makes libgit2 rescan objects/pack. ws_store__put holds the tree in
 * the handle's batch (or writes it straight to the object database).
 */
#ifndef WS_TREEWRITE_H
#define WS_TREEWRITE_H

#include "store.h"

/*
 * Applies `updates` (libgit2's own structs: UPSERT or REMOVE, '/'-separated
 * path, filemode, id) to `base` (NULL: the empty tree) and writes the trees
 * that changed; `out` gets the new root tree's id. Only the trees on the
 * updated paths are rewritten; subtrees left empty are removed from their
 * parent (the root may become the empty tree).
 *
 * Same inputs, same id, and the same failures as libgit2 1.5's
 * git_tree_create_updated, whose rules these are:
 *  - updates apply in the order of their paths (strcmp), not as given, and
 *    a path may appear only once;
 *  - a directory on the way to a path is looked up in `base` first: if it
 *    is a file there, that is a conflict, even if another update of the
 *    same call removes it; and a directory removed by one update and
 *    entered by another gets its old contents back plus the change;
 *  - UPSERT fails where an entry of another type (file vs directory vs
 *    submodule) is, or if the id is not an existing object of the mode's
 *    type (submodules excepted), or the name is not valid in a tree;
 *  - REMOVE fails if the path does not exist.
 * Subtrees are read through store->repo. Nothing is written on failure
 * except trees that were complete before it (unreferenced, like libgit2).
 *
 * 0, or WS_ERROR with the message "writing tree: ...".
 */
int ws_tree_create_updated(git_oid *out, ws_store *store, git_tree *base,
			   size_t nupdates, const git_tree_update *updates);

#endif
