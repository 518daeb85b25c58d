/*
 * watch.h - keeps the kernel's view current.
 *
 * A thread follows every branch with ws_watch_*. When a branch moves
 * (a commit from the daemon, the CLI, git, or this mount), the kernel's
 * cached names, attributes and pages of each changed path are invalidated,
 * so nobody is served a module that is gone. The short cache timeouts of
 * branch paths remain as a fallback.
 */
#ifndef WSFS_WATCH_H
#define WSFS_WATCH_H

#include "wasmstore.h"

struct wsfs;
struct wsfs_watch;

/* Starts the thread (after the mount is up). 0 or -errno. */
int wsfs_watch_start(struct wsfs_watch **out, struct wsfs *fs);
/* Stops and joins it (before the mount goes away). NULL is fine. */
void wsfs_watch_stop(struct wsfs_watch *watch);

/*
 * The heads of followed branches, so that a request need not read the
 * ref (nor, with cold caches, the disk). A head is trusted only while the
 * branch's watch descriptor has nothing to report and the thread is not
 * handling a report: any write to the refs makes the descriptor readable
 * before the writer's commit returns, and the thread reads every head
 * again when it wakes.
 *
 * wsfs_watch_head: 1 and `out` when the head of `branch` is known and
 * current; else 0, and *ticket is what to hand to wsfs_watch_remember
 * with the head then read from the store. `w` may be NULL.
 */
int wsfs_watch_head(struct wsfs_watch *w, const char *branch,
		    char out[WS_COMMIT_HEXSIZE + 1], unsigned *ticket);
/* Keeps `head` for `branch` unless the thread woke since `ticket`. */
void wsfs_watch_remember(struct wsfs_watch *w, const char *branch,
			 const char *head, unsigned ticket);

#endif
