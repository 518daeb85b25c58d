/* upload.c - staging, hashing, validating and storing a new module. */
#include "store.h"

#include "hex.h"
#include "rawcache.h"
#include "validate.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Modules up to this size are staged in memory; larger ones spill to a file
 * under wasmstore/tmp, so memory stays bounded whatever the upload size. */
#define MEMORY_STAGE_MAX ((size_t)1 << 20)

struct ws_upload {
	ws_store *store;
	unsigned char *mem; /* staged bytes while size <= MEMORY_STAGE_MAX */
	int fd;             /* staging file once spilled, else -1 */
	char tmp[4200];
	size_t size;
	EVP_MD_CTX *sha;
	int failed;
	int adopted; /* tmp was renamed into the raw cache */
};

int ws_upload_new(ws_upload **out, ws_store *store)
{
	ws_upload *up = calloc(1, sizeof(*up));

	*out = NULL;
	if (!up)
		return ws_error_set(WS_ERROR, "out of memory");
	up->store = store;
	up->fd = -1;
	if (!(up->sha = EVP_MD_CTX_new()) ||
	    !EVP_DigestInit_ex(up->sha, EVP_sha256(), NULL)) {
		ws_upload_free(up);
		return ws_error_set(WS_ERROR, "sha256 init failed");
	}
	*out = up;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ws_error_set(WS_ERROR, "staging module: %s",
					    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int spill(ws_upload *up)
{
	int error;

	snprintf(up->tmp, sizeof(up->tmp), "%s/wasmstore/tmp/up.XXXXXX",
		 up->store->root);
	if ((up->fd = mkstemp(up->tmp)) < 0)
		return ws_error_set(WS_ERROR, "staging module: %s",
				    strerror(errno));
	error = write_all(up->fd, up->mem, up->size);
	free(up->mem);
	up->mem = NULL;
	return error;
}

int ws_upload_write(ws_upload *up, const void *data, size_t len)
{
	int error;

	if (up->failed)
		return up->failed;
	if (up->size + len > up->store->max_module_size)
		return up->failed = ws_error_set(WS_ETOOBIG,
						 "module larger than %zu bytes",
						 up->store->max_module_size);
	EVP_DigestUpdate(up->sha, data, len);
	if (up->fd < 0 && up->size + len <= MEMORY_STAGE_MAX) {
		unsigned char *m = realloc(up->mem, up->size + len);
		if (!m)
			return up->failed = ws_error_set(WS_ERROR, "out of memory");
		memcpy(m + up->size, data, len);
		up->mem = m;
		up->size += len;
		return 0;
	}
	if (up->fd < 0 && (error = spill(up)) < 0)
		return up->failed = error;
	if ((error = write_all(up->fd, data, len)) < 0)
		return up->failed = error;
	up->size += len;
	return 0;
}

void ws_upload_free(ws_upload *up)
{
	if (!up)
		return;
	if (up->fd >= 0) {
		close(up->fd);
		if (!up->adopted)
			unlink(up->tmp);
	}
	free(up->mem);
	EVP_MD_CTX_free(up->sha);
	free(up);
}

typedef struct {
	const char *path;
	const git_oid *blob;
	const void *data; /* bytes the blob is still to be made of, or NULL */
	size_t len;
} set_path;

/* 1 if the blob is in a pack or loose object this handle knows of (no
 * rescan of objects/pack: a module stored again is rare, and a blob
 * written twice costs only bytes that the next pack merge drops). */
static int blob_is_stored(ws_store *store, const git_oid *id)
{
	git_odb *odb = NULL;
	int found = git_repository_odb(&odb, store->repo) == 0 &&
		    git_odb_exists_ext(odb, id, GIT_ODB_LOOKUP_NO_REFRESH) == 1;

	git_odb_free(odb);
	return found;
}

static int edit_set_path(ws_store *store, ws_edit *edit, void *payload)
{
	set_path *sp = payload;

	/* a small module's blob is written by the commit's leader, so it
	 * lands in the batch's one pack file with the trees and commits */
	if (sp->data && !blob_is_stored(store, sp->blob)) {
		git_oid id;
		int error = ws_store__put(store, &id, GIT_OBJECT_BLOB, sp->data,
					  sp->len);
		if (error < 0)
			return error;
		if (!git_oid_equal(&id, sp->blob))
			return ws_error_set(WS_ERROR, "storing module: blob id mismatch");
	}
	return ws_store__tree_set(&edit->new_tree, store, edit->tree, sp->path,
				  sp->blob);
}

/* Stores module bytes as a blob and records its hash. */
static int store_blob(git_oid *blob, ws_store *store, const void *data,
		      size_t len, const unsigned char sha[32])
{
	if (git_blob_create_from_buffer(blob, store->repo, data, len) < 0)
		return ws_error__git(WS_ERROR, "storing module");
	return ws_hashindex_add(store->index, blob, sha);
}

int ws_upload_commit(char out_hash[WS_HASH_HEXSIZE + 1], ws_upload *up,
		     const char *branch, const char *path)
{
	unsigned char sha[32];
	unsigned int shalen = 32;
	char *norm = NULL, *message = NULL, hex[WS_HASH_HEXSIZE + 1];
	void *map = MAP_FAILED;
	const void *data;
	git_oid blob;
	set_path sp;
	int error, locked = 0;

	if (up->failed)
		return up->failed;
	if ((error = ws_path_normalize(&norm, path)) < 0)
		goto done;
	if (branch && (error = ws_branch_name_check(branch)) < 0)
		goto done;
	if (up->size == 0) {
		error = ws_error_set(WS_EINVALID,
				     "invalid module: unexpected end-of-file");
		goto done;
	}
	EVP_DigestFinal_ex(up->sha, sha, &shalen);
	ws__hex(hex, sha, 32);
	if (up->fd >= 0) {
		map = mmap(NULL, up->size, PROT_READ, MAP_PRIVATE, up->fd, 0);
		if (map == MAP_FAILED) {
			error = ws_error_set(WS_ERROR, "mapping module: %s",
					     strerror(errno));
			goto done;
		}
	}
	data = up->fd >= 0 ? map : up->mem;
	if ((error = ws__validate(data, up->size)) < 0)
		goto done;
	/* from the blob to the ref: gc must not take the blob meanwhile */
	if ((error = ws_store__lock(up->store, 0)) < 0)
		goto done;
	locked = 1;
	memset(&sp, 0, sizeof(sp));
	if (up->fd >= 0) {
		/* a large module streams into a blob of its own; its staging
		 * file becomes its raw copy for free */
		if ((error = store_blob(&blob, up->store, data, up->size, sha)) < 0 ||
		    (error = ws_rawcache__adopt(up->store, up->tmp, hex)) < 0)
			goto done;
		up->adopted = 1;
	} else {
		/* small ones go to the commit (edit_set_path); their raw copy
		 * is made when first served */
		if (git_odb_hash(&blob, data, up->size, GIT_OBJECT_BLOB) < 0) {
			error = ws_error__git(WS_ERROR, "hashing module");
			goto done;
		}
		/* recorded before the ref can point at it, as for large ones;
		 * a line for a blob a failed commit never wrote is harmless:
		 * lookups check the tree, set checks the object */
		if ((error = ws_hashindex_add(up->store->index, &blob, sha)) < 0)
			goto done;
		sp.data = data;
		sp.len = up->size;
	}
	if (!(message = malloc(strlen(norm) + 8))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	sprintf(message, "add %s", norm);
	sp.path = norm;
	sp.blob = &blob;
	error = ws_store__commit(up->store, branch, message, edit_set_path, &sp,
				 NULL);
	if (!error)
		memcpy(out_hash, hex, sizeof(hex));
done:
	if (locked)
		ws_store__unlock(up->store);
	if (map != MAP_FAILED)
		munmap(map, up->size);
	free(message);
	free(norm);
	return error;
}

int ws_module_add_fd(char out_hash[WS_HASH_HEXSIZE + 1], ws_store *store,
		     const char *branch, const char *path, int fd)
{
	ws_upload *up = NULL;
	char buf[65536];
	ssize_t n;
	int error;

	if ((error = ws_upload_new(&up, store)) < 0)
		return error;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = ws_error_set(WS_ERROR, "reading module: %s",
					     strerror(errno));
			goto done;
		}
		if ((error = ws_upload_write(up, buf, (size_t)n)) < 0)
			goto done;
	}
	error = ws_upload_commit(out_hash, up, branch, path);
done:
	ws_upload_free(up);
	return error;
}

int ws_module_add_buffer(char out_hash[WS_HASH_HEXSIZE + 1], ws_store *store,
			 const char *branch, const char *path,
			 const void *data, size_t len)
{
	ws_upload *up = NULL;
	int error;

	if ((error = ws_upload_new(&up, store)) < 0)
		return error;
	if (!(error = ws_upload_write(up, data, len)))
		error = ws_upload_commit(out_hash, up, branch, path);
	ws_upload_free(up);
	return error;
}

int ws_validate(const void *data, size_t len)
{
	return ws__validate(data, len);
}
