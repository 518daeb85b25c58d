/*
 * errlog.h - why the last write failed, where people can see it.
 *
 * close() can only return an errno, so the reason (the validator's
 * message, say) goes to the mount's log (stderr) and is kept for
 * /.wasmstore/last-error.
 */
#ifndef WSFS_ERRLOG_H
#define WSFS_ERRLOG_H

#include <pthread.h>
#include <stddef.h>

struct wsfs_errlog {
	pthread_mutex_t lock;
	char *last; /* "branches/main/x.wasm: invalid module: ...\n" */
};

void wsfs_errlog_init(struct wsfs_errlog *log);
void wsfs_errlog_free(struct wsfs_errlog *log);

/* Records and logs a failure about `what` (a path in the mount). */
void wsfs_errlog_record(struct wsfs_errlog *log, const char *what,
			const char *message);

/* A malloc'd copy of the last failure ("" if none), or NULL. */
char *wsfs_errlog_last(struct wsfs_errlog *log);

#endif
