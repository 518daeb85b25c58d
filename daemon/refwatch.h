/*
 * refwatch.h - whether any branch may have moved, in one system call.
 *
 * Watches (inotify) the files git keeps refs in: the store's root (HEAD,
 * packed-refs) and refs/heads with every directory below it. Any change
 * there, by anyone, bumps a generation number. Events are queued by the
 * kernel before the writer's rename returns, and each call drains them, so
 * a ref change that finished before the call is always seen by it: what
 * was resolved under generation G still holds while the generation is G.
 */
#ifndef WS_DAEMON_REFWATCH_H
#define WS_DAEMON_REFWATCH_H

struct ws_refwatch;

/* Watches the refs of the store at `root`. Never fails: without inotify
 * (or with too many instances) the watch reports generation 0. */
struct ws_refwatch *ws_refwatch_new(const char *root);
void ws_refwatch_free(struct ws_refwatch *rw);

/* The current generation, after taking in every change queued so far; 0
 * means "unknown" (no watch, or out of memory): cache nothing then.
 * Thread-safe. */
unsigned long ws_refwatch_generation(struct ws_refwatch *rw);

#endif
