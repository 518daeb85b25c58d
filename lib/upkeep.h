/*
 * upkeep.h - work a writer should not wait for: merging packs, and letting
 * go of pack files a merge deleted.
 *
 * A merge rewrites packs and deletes the old ones; a deleted file's space
 * is freed when its last user closes it, and freeing blocks can wait on
 * the disk (on ext4 mounted with `discard`, each freed extent is discarded
 * before close returns). A writer doing either would make its caller wait
 * for the store's housekeeping. One thread per process does it instead, in
 * the order asked. If that thread cannot be started, the work is done at
 * once by the caller.
 */
#ifndef WS_UPKEEP_H
#define WS_UPKEEP_H

#include <git2.h>

/* Soon: ws_store__pack_consolidate of the store at `root`, through a handle
 * of its own. Asking again while one for `root` is still waiting adds
 * nothing. */
void ws_upkeep__merge(const char *root, unsigned max_packs);

/* Soon: git_odb_free(odb), the last reference to packs that may be
 * deleted. Takes over the caller's reference. */
void ws_upkeep__free_odb(git_odb *odb);

/* Waits until everything asked so far is done (a process that is about to
 * exit lets its merge finish). Does nothing on the upkeep thread itself. */
void ws_upkeep__drain(void);

#endif
