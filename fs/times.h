/*
 * times.h - the commit that last changed each name: a file's time.
 *
 * One ws_last_changes walk answers for every name of a directory, so an
 * `ls -l` costs one walk per directory, not one audit per file. Each
 * directory's answers are kept with the head they hold for; when its branch
 * moves, only the commits since that head are walked (a `cp` of many files
 * into one directory costs one step per file).
 */
#ifndef WSFS_TIMES_H
#define WSFS_TIMES_H

#include <pthread.h>
#include <stdint.h>

#include "strmap.h"
#include "wasmstore.h"

/* The commit that last changed a path, and its date. */
struct wsfs_change {
	char commit[WS_COMMIT_HEXSIZE + 1];
	int64_t date;
};

struct wsfs_times {
	pthread_mutex_t lock;
	pthread_cond_t walked;    /* a directory's walk is over */
	struct wsfs_strmap dirs;  /* at\ndir -> the names and their head */
	struct wsfs_strmap dates; /* commit -> date */
	size_t names;             /* held in all dirs, for the bound */
};

void wsfs_times_init(struct wsfs_times *t);
void wsfs_times_free(struct wsfs_times *t);

/*
 * The last change of `name` in directory `dir` ("" the top) of `head`, a
 * commit of `at` (a branch, or that commit itself). 0, WS_ENOTFOUND when
 * `name` is not there, or another WS_E* code.
 */
int wsfs_times_get(struct wsfs_times *t, ws_store *store, const char *at,
		   const char *head, const char *dir, const char *name,
		   struct wsfs_change *out);

/* The date of `commit` (the time of a branch's top). 0 or a WS_E* code. */
int wsfs_times_commit_date(struct wsfs_times *t, ws_store *store,
			   const char *commit, int64_t *date);

#endif
