/*
 * memdir.h - directories that exist only in the mount's memory.
 *
 * git stores no empty directories, yet `mkdir -p a/b && cp x a/b/` and
 * `rm -r a` (which removes the files, then rmdir's the directories) must
 * work. So a directory made by mkdir, or left empty by unlink or rename,
 * is remembered here until it is removed, a module lands in it (git has
 * it then), or the mount ends.
 */
#ifndef WSFS_MEMDIR_H
#define WSFS_MEMDIR_H

#include <pthread.h>
#include <stddef.h>

struct wsfs_memdir {
	pthread_mutex_t lock;
	char **dirs; /* "branch\npath", unordered */
	size_t count, cap;
};

typedef int (*wsfs_name_fn)(const char *name, void *payload);

void wsfs_memdir_init(struct wsfs_memdir *md);
void wsfs_memdir_free(struct wsfs_memdir *md);

/* Remembers `path` and every directory above it. 0 or -ENOMEM. */
int wsfs_memdir_add(struct wsfs_memdir *md, const char *branch,
		    const char *path);
/* Remembers the directories above `path` (a file that went away). */
int wsfs_memdir_add_parents(struct wsfs_memdir *md, const char *branch,
			    const char *path);
int wsfs_memdir_contains(struct wsfs_memdir *md, const char *branch,
			 const char *path);
/* Forgets `path`; 1 if it was remembered. */
int wsfs_memdir_remove(struct wsfs_memdir *md, const char *branch,
		       const char *path);
/* Forgets the directories above `path`: a module was committed there. */
void wsfs_memdir_prune(struct wsfs_memdir *md, const char *branch,
		       const char *path);
/* Calls `fn` with the name of each remembered child of `dir` ("": top). */
int wsfs_memdir_children(struct wsfs_memdir *md, const char *branch,
			 const char *dir, wsfs_name_fn fn, void *payload);
/* Moves `from` and everything below it to `to`. 0 or -ENOMEM. */
int wsfs_memdir_rename(struct wsfs_memdir *md, const char *branch,
		       const char *from, const char *to);
void wsfs_memdir_drop_branch(struct wsfs_memdir *md, const char *branch);

#endif
