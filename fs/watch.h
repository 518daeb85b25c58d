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

struct wsfs;
struct wsfs_watch;

/* Starts the thread (after the mount is up). 0 or -errno. */
int wsfs_watch_start(struct wsfs_watch **out, struct wsfs *fs);
/* Stops and joins it (before the mount goes away). NULL is fine. */
void wsfs_watch_stop(struct wsfs_watch *watch);

#endif
