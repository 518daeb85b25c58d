/*
 * history.h - internals shared by history.c, restore.c and merge.c:
 * reading commit metadata and following one path through history.
 */
#ifndef WS_HISTORY_H
#define WS_HISTORY_H

#include "store.h"

/* The public info of a commit. Free with ws_commit_info_free. */
int ws_history__info(ws_commit_info **out, const git_commit *commit);

/* What `path` names in `tree` (NULL: the empty tree): 1 and *id / *mode
 * when present, 0 when absent, <0 on error. `mode` may be NULL. */
int ws_history__entry(git_oid *id, git_filemode_t *mode, git_tree *tree,
		      const char *path);

/*
 * Calls `cb` for every commit reachable from `head` whose entry at `path`
 * differs from its first parent's (no parent: from absent), newest first.
 * `cb` also gets the entry at that commit (present = 0 when the commit
 * removed the path). A non-zero cb return stops the walk and is returned.
 */
typedef int (*ws_history__change_cb)(git_commit *commit, int present,
				     const git_oid *id, git_filemode_t mode,
				     void *payload);
int ws_history__changes(ws_store *store, git_commit *head, const char *path,
			ws_history__change_cb cb, void *payload);

#endif
