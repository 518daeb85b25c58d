/*
 * staged.h - files being written through the mount.
 *
 * Writes never touch the store directly: the bytes of a path open for
 * writing live in a temporary file (one per path, shared by every handle
 * open on it, as one inode would be), and are validated and committed when
 * a handle that wrote is closed. Reads of that path see the staged bytes
 * meanwhile.
 *
 * Files whose name starts with '.' are temporary files of rsync, install
 * and editors (".x.wasm.AbCd12"): they stay staged, uncommitted, after
 * close, until they are renamed to a name without the dot (then committed
 * under that name), unlinked, or the mount ends.
 */
#ifndef WSFS_STAGED_H
#define WSFS_STAGED_H

#include <pthread.h>
#include <sys/types.h>
#include <time.h>

struct wsfs_staged {
	pthread_mutex_t lock; /* serializes commits, appends, truncation */
	char *branch;         /* fixed: files never change branch */
	char *path;           /* changed by rename, under the table lock */
	int fd;               /* the temporary file */
	unsigned refs;        /* open handles plus short-lived lookups */
	int in_table;         /* still reachable by name (table lock) */
	mode_t mode;
	int has_mtime;
	struct timespec mtime;
	struct wsfs_staged *next;
};

struct wsfs_stage {
	pthread_mutex_t lock;
	struct wsfs_staged *head;
	char *tmpdir;
};

/* 1 for a name that is staged until renamed (a dot file). */
int wsfs_staged_is_temp_name(const char *path);

int wsfs_stage_init(struct wsfs_stage *stage, const char *tmpdir);
void wsfs_stage_free(struct wsfs_stage *stage);

/* The file staged at branch/path with a reference taken, or NULL. */
struct wsfs_staged *wsfs_staged_find(struct wsfs_stage *stage,
				     const char *branch, const char *path);

/*
 * The file staged at branch/path, created if there is none: empty, or
 * holding a copy of what `src_fd` (if >= 0) reads from its start.
 * A reference is taken. 0 or -errno.
 */
int wsfs_staged_open(struct wsfs_staged **out, struct wsfs_stage *stage,
		     const char *branch, const char *path, int src_fd,
		     mode_t mode);

/* Drops a reference; the file goes away with its last one, unless it is a
 * dot file still reachable by name. Returns 1 when this made the name go
 * away (the kernel's idea of it is stale then), else 0. */
int wsfs_staged_put(struct wsfs_stage *stage, struct wsfs_staged *node);

/* A copy of the node's path, or NULL when it is no longer reachable by
 * name (unlinked, or replaced by a rename) or out of memory. */
char *wsfs_staged_path(struct wsfs_stage *stage, struct wsfs_staged *node);

/* Makes the file unreachable by name (unlink); open handles keep it. */
void wsfs_staged_detach(struct wsfs_stage *stage, struct wsfs_staged *node);

/* Moves `node` (locked by the caller) to branch/path, detaching any other
 * file staged there. 0 or -ENOMEM. */
int wsfs_staged_move(struct wsfs_stage *stage, struct wsfs_staged *node,
		     const char *path);

/* Moves every file staged below directory `from` to below `to`. */
int wsfs_staged_move_dir(struct wsfs_stage *stage, const char *branch,
			 const char *from, const char *to);

/* Detaches every file of `branch` (the branch was deleted). */
void wsfs_staged_drop_branch(struct wsfs_stage *stage, const char *branch);

/* Calls `fn` with each name staged directly in `dir` ("": top); with
 * dirs_too, also with the first segment of files staged deeper. */
int wsfs_staged_children(struct wsfs_stage *stage, const char *branch,
			 const char *dir, int dirs_too,
			 int (*fn)(const char *name, int is_dir, void *payload),
			 void *payload);

/* 1 when something is staged below directory `dir`. */
int wsfs_staged_has_below(struct wsfs_stage *stage, const char *branch,
			  const char *dir);

#endif
