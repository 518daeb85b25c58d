/* export.c - writing every module of a branch out as plain files. */
#include "store.h"

#include "rawcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_fd(int to, int from, uint64_t size, const char *dest)
{
	char buf[65536];
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = copy_file_range(from, NULL, to, NULL, size - done, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS ||
			      errno == EINVAL || errno == EOPNOTSUPP))
			break; /* not here: copy by hand below */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ws_error_set(WS_ERROR, "writing '%s': %s", dest,
					    n < 0 ? strerror(errno)
						  : "unexpected end of module");
		done += (uint64_t)n;
	}
	while (done < size) {
		ssize_t n = pread(from, buf, sizeof(buf), (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || write(to, buf, (size_t)n) != n)
			return ws_error_set(WS_ERROR, "writing '%s': %s", dest,
					    n < 0 ? strerror(errno) : "short copy");
		done += (uint64_t)n;
	}
	return 0;
}

typedef struct {
	ws_store *store;
	const char *dir;
	int error; /* why the walk stopped */
} export_ctx;

static int export_one(const char *root, const git_tree_entry *entry,
		      void *payload)
{
	export_ctx *ctx = payload;
	char hash[WS_HASH_HEXSIZE + 1], *path = NULL, *norm = NULL;
	uint64_t size = 0;
	int from = -1, to = -1, error;
	git_filemode_t mode = git_tree_entry_filemode(entry);

	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	if (!(path = malloc(strlen(ctx->dir) + strlen(root) +
			    strlen(git_tree_entry_name(entry)) + 2))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	sprintf(path, "%s%s", root, git_tree_entry_name(entry));
	/* a tree pushed by plain git could name "..": stay inside dir */
	if (ws_path_normalize(&norm, path) < 0 || strcmp(norm, path) != 0) {
		error = ws_error_set(WS_EINPUT, "refusing to export '%s'", path);
		goto done;
	}
	sprintf(path, "%s/%s%s", ctx->dir, root, git_tree_entry_name(entry));
	if (*root) {
		*strrchr(path, '/') = '\0';
		error = ws__mkdir_p(path);
		path[strlen(path)] = '/';
		if (error < 0)
			goto done;
	}
	if ((error = ws_store__blob_hash(hash, ctx->store,
					 git_tree_entry_id(entry))) < 0 ||
	    (error = ws_rawcache__open(&from, &size, ctx->store, hash,
				       git_tree_entry_id(entry))) < 0)
		goto done;
	if ((to = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		error = ws_error_set(WS_ERROR, "cannot create '%s': %s", path,
				     strerror(errno));
		goto done;
	}
	error = copy_fd(to, from, size, path);
	if (close(to) < 0 && !error)
		error = ws_error_set(WS_ERROR, "writing '%s': %s", path,
				     strerror(errno));
done:
	if (from >= 0)
		close(from);
	free(norm);
	free(path);
	if (error < 0)
		ctx->error = error;
	return error < 0 ? -1 : 0;
}

int ws_export(ws_store *store, const char *branch, const char *dir)
{
	export_ctx ctx = { store, dir, 0 };
	git_commit *head = NULL;
	git_tree *tree = NULL;
	int error;

	if (!dir || !*dir)
		return ws_error_set(WS_EINPUT, "no export directory given");
	if ((error = ws__mkdir_p(dir)) < 0 ||
	    (error = ws_store__head(&head, store, branch)) < 0 || !head)
		return error;
	if (git_commit_tree(&tree, head) < 0) {
		error = ws_error__git(WS_ERROR, "reading tree");
		goto done;
	}
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, export_one, &ctx) < 0)
		error = ctx.error ? ctx.error
				  : ws_error__git(WS_ERROR, "exporting");
done:
	git_tree_free(tree);
	git_commit_free(head);
	return error;
}
