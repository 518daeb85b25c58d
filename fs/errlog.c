/* errlog.c - see errlog.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errlog.h"

void wsfs_errlog_init(struct wsfs_errlog *log)
{
	pthread_mutex_init(&log->lock, NULL);
	log->last = NULL;
}

void wsfs_errlog_free(struct wsfs_errlog *log)
{
	free(log->last);
	log->last = NULL;
	pthread_mutex_destroy(&log->lock);
}

void wsfs_errlog_record(struct wsfs_errlog *log, const char *what,
			const char *message)
{
	size_t n = strlen(what) + strlen(message) + 4;
	char *line = malloc(n);

	if (line)
		snprintf(line, n, "%s: %s\n", what, message);
	fprintf(stderr, "wasmstore-fs: error: %s: %s\n", what, message);
	pthread_mutex_lock(&log->lock);
	if (line) {
		free(log->last);
		log->last = line;
	}
	pthread_mutex_unlock(&log->lock);
}

char *wsfs_errlog_last(struct wsfs_errlog *log)
{
	char *copy;

	pthread_mutex_lock(&log->lock);
	copy = strdup(log->last ? log->last : "");
	pthread_mutex_unlock(&log->lock);
	return copy;
}
