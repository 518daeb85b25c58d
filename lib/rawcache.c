/* rawcache.c - see rawcache.h. */
#include "rawcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *ws_rawcache__path(ws_store *store, const char *hash)
{
	char *p = malloc(strlen(store->root) + 80);

	if (p)
		sprintf(p, "%s/wasmstore/raw/%s", store->root, hash);
	return p;
}

int ws_rawcache__adopt(ws_store *store, const char *tmp_path,
		       const char *hash)
{
	char *dest = ws_rawcache__path(store, hash);
	struct stat st;
	int error = 0;

	if (!dest)
		return ws_error_set(WS_ERROR, "out of memory");
	if (stat(dest, &st) == 0)
		unlink(tmp_path); /* same bytes are already there */
	else if (rename(tmp_path, dest) < 0)
		error = ws_error_set(WS_ERROR, "caching module: %s",
				     strerror(errno));
	free(dest);
	return error;
}

static int write_copy(ws_store *store, const char *dest, const git_oid *blob)
{
	char tmp[4200];
	git_blob *b = NULL;
	const char *data;
	size_t len, off = 0;
	int fd, error = 0;

	snprintf(tmp, sizeof(tmp), "%s/wasmstore/tmp/raw.XXXXXX", store->root);
	if ((fd = mkstemp(tmp)) < 0)
		return ws_error_set(WS_ERROR, "staging module: %s",
				    strerror(errno));
	if (git_blob_lookup(&b, store->repo, blob) < 0) {
		error = ws_error__git(WS_ERROR, "reading module");
		goto done;
	}
	data = git_blob_rawcontent(b);
	len = (size_t)git_blob_rawsize(b);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			error = ws_error_set(WS_ERROR, "staging module: %s",
					     strerror(errno));
			goto done;
		}
		off += (size_t)n;
	}
	fchmod(fd, 0444);
	if (rename(tmp, dest) < 0)
		error = ws_error_set(WS_ERROR, "caching module: %s",
				     strerror(errno));
done:
	close(fd);
	if (error)
		unlink(tmp);
	git_blob_free(b);
	return error;
}

uint64_t ws_rawcache__size(ws_store *store, const char *hash)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/wasmstore/raw/%s", store->root, hash);
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int ws_rawcache__open(int *out, uint64_t *size, ws_store *store,
		      const char *hash, const git_oid *blob)
{
	char *path = ws_rawcache__path(store, hash);
	git_odb *odb = NULL;
	git_object_t type;
	size_t want;
	struct stat st;
	int fd = -1, error = 0;

	*out = -1;
	if (!path)
		return ws_error_set(WS_ERROR, "out of memory");
	want = (size_t)*size;
	if (!want && (git_repository_odb(&odb, store->repo) < 0 ||
		      git_odb_read_header(&want, &type, odb, blob) < 0)) {
		error = ws_error__git(WS_ENOTFOUND, "reading module");
		goto done;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && (size_t)st.st_size == want)
			break;
		if (fd >= 0) /* damaged (e.g. a crash mid-copy): rewrite */
			close(fd), unlink(path);
		fd = -1;
		if ((error = write_copy(store, path, blob)) < 0)
			goto done;
	}
	if (fd < 0) {
		error = ws_error_set(WS_ERROR, "cannot open cached module");
		goto done;
	}
	*out = fd;
	*size = want;
done:
	git_odb_free(odb);
	free(path);
	return error;
}
