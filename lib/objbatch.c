/*
 * objbatch.c - an object backend that holds new objects in memory until
 * they are flushed as one pack (see objbatch.h).
 */
#include "objbatch.h"

#include "packwrite.h"

#include <git2/sys/odb_backend.h>
#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Above the loose (2) and pack (1) backends of ws_store__open_odb. */
#define OBJBATCH_PRIORITY 100

typedef struct {
	git_oid id;
	git_object_t type;
	size_t len;
	unsigned char *data;
} held_object;

struct ws_objbatch {
	git_odb_backend parent; /* first: libgit2 hands us this pointer */
	char *pack_dir;
	held_object *objs;
	size_t count, cap;
	uint32_t *slots; /* open addressing: index into objs + 1, 0 = free */
	size_t nslots;   /* a power of two, at least twice count */
};

static size_t slot_of(const ws_objbatch *b, const git_oid *id)
{
	uint64_t h;
	size_t i;

	memcpy(&h, id->id, sizeof(h)); /* ids are uniformly random */
	for (i = (size_t)h & (b->nslots - 1); b->slots[i];
	     i = (i + 1) & (b->nslots - 1))
		if (git_oid_equal(&b->objs[b->slots[i] - 1].id, id))
			break;
	return i;
}

static held_object *find(const ws_objbatch *b, const git_oid *id)
{
	size_t i;

	if (!b->count)
		return NULL;
	i = slot_of(b, id);
	return b->slots[i] ? &b->objs[b->slots[i] - 1] : NULL;
}

static int grow(ws_objbatch *b)
{
	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		held_object *p = realloc(b->objs, cap * sizeof(*p));
		if (!p)
			return -1;
		b->objs = p;
		b->cap = cap;
	}
	if ((b->count + 1) * 2 > b->nslots) {
		size_t n = b->nslots ? b->nslots * 2 : 64;
		uint32_t *old = b->slots;
		if (!(b->slots = calloc(n, sizeof(*b->slots)))) {
			b->slots = old;
			return -1;
		}
		free(old);
		b->nslots = n;
		for (size_t j = 0; j < b->count; j++)
			b->slots[slot_of(b, &b->objs[j].id)] = (uint32_t)j + 1;
	}
	return 0;
}

/* ---- the backend ---- */

static int be_write(git_odb_backend *be, const git_oid *id, const void *data,
		    size_t len, git_object_t type)
{
	ws_objbatch *b = (ws_objbatch *)be;
	held_object *o;

	if (find(b, id))
		return 0;
	if (b->count >= UINT32_MAX - 1 || grow(b) < 0) {
		git_error_set_oom();
		return -1;
	}
	o = &b->objs[b->count];
	if (!(o->data = malloc(len ? len : 1))) {
		git_error_set_oom();
		return -1;
	}
	memcpy(o->data, data, len);
	git_oid_cpy(&o->id, id);
	o->type = type;
	o->len = len;
	b->slots[slot_of(b, id)] = (uint32_t)++b->count;
	return 0;
}

static int copy_out(void **out, size_t *len, git_object_t *type,
		    git_odb_backend *be, const held_object *o)
{
	if (!(*out = git_odb_backend_data_alloc(be, o->len + 1))) {
		git_error_set_oom();
		return -1;
	}
	memcpy(*out, o->data, o->len);
	((char *)*out)[o->len] = '\0'; /* as libgit2's own backends do */
	*len = o->len;
	*type = o->type;
	return 0;
}

static int be_read(void **out, size_t *len, git_object_t *type,
		   git_odb_backend *be, const git_oid *id)
{
	const held_object *o = find((ws_objbatch *)be, id);

	return o ? copy_out(out, len, type, be, o) : GIT_ENOTFOUND;
}

/* The one held object whose id starts with the first `hexlen` digits of
 * `prefix`: GIT_ENOTFOUND, GIT_EAMBIGUOUS or 0. */
static int find_prefix(const held_object **out, const ws_objbatch *b,
		       const git_oid *prefix, size_t hexlen)
{
	*out = NULL;
	for (size_t i = 0; i < b->count; i++) {
		if (git_oid_ncmp(&b->objs[i].id, prefix, hexlen) != 0)
			continue;
		if (*out)
			return GIT_EAMBIGUOUS;
		*out = &b->objs[i];
	}
	return *out ? 0 : GIT_ENOTFOUND;
}

static int be_read_prefix(git_oid *out_id, void **out, size_t *len,
			  git_object_t *type, git_odb_backend *be,
			  const git_oid *prefix, size_t hexlen)
{
	const held_object *o;
	int error = find_prefix(&o, (ws_objbatch *)be, prefix, hexlen);

	if (error)
		return error;
	git_oid_cpy(out_id, &o->id);
	return copy_out(out, len, type, be, o);
}

static int be_read_header(size_t *len, git_object_t *type,
			  git_odb_backend *be, const git_oid *id)
{
	const held_object *o = find((ws_objbatch *)be, id);

	if (!o)
		return GIT_ENOTFOUND;
	*len = o->len;
	*type = o->type;
	return 0;
}

static int be_exists(git_odb_backend *be, const git_oid *id)
{
	return find((ws_objbatch *)be, id) != NULL;
}

static int be_exists_prefix(git_oid *out_id, git_odb_backend *be,
			    const git_oid *prefix, size_t hexlen)
{
	const held_object *o;
	int error = find_prefix(&o, (ws_objbatch *)be, prefix, hexlen);

	if (!error)
		git_oid_cpy(out_id, &o->id);
	return error;
}

/* 0 when held (libgit2 then skips the write). */
static int be_freshen(git_odb_backend *be, const git_oid *id)
{
	return find((ws_objbatch *)be, id) ? 0 : GIT_ENOTFOUND;
}

static int be_foreach(git_odb_backend *be, git_odb_foreach_cb cb,
		      void *payload)
{
	ws_objbatch *b = (ws_objbatch *)be;

	for (size_t i = 0; i < b->count; i++) {
		int rc = cb(&b->objs[i].id, payload);
		if (rc)
			return rc;
	}
	return 0;
}

static void be_free(git_odb_backend *be)
{
	ws_objbatch *b = (ws_objbatch *)be;

	ws_objbatch_clear(b);
	free(b->objs);
	free(b->slots);
	free(b->pack_dir);
	free(b);
}

/* ---- the API ---- */

int ws_objbatch_attach(ws_objbatch **out, git_repository *repo,
		       const char *objects_dir)
{
	ws_objbatch *b;
	git_odb *odb = NULL;
	int error = 0;

	*out = NULL;
	if (!(b = calloc(1, sizeof(*b))) ||
	    !(b->pack_dir = malloc(strlen(objects_dir) + sizeof("/pack")))) {
		free(b);
		return ws_error_set(WS_ERROR, "out of memory");
	}
	sprintf(b->pack_dir, "%s/pack", objects_dir);
	git_odb_init_backend(&b->parent, GIT_ODB_BACKEND_VERSION);
	b->parent.read = be_read;
	b->parent.read_prefix = be_read_prefix;
	b->parent.read_header = be_read_header;
	b->parent.write = be_write;
	b->parent.exists = be_exists;
	b->parent.exists_prefix = be_exists_prefix;
	b->parent.freshen = be_freshen;
	b->parent.foreach = be_foreach;
	b->parent.free = be_free;
	if (git_repository_odb(&odb, repo) < 0 ||
	    git_odb_add_backend(odb, &b->parent, OBJBATCH_PRIORITY) < 0) {
		error = ws_error__git(WS_ERROR, "adding the batch backend");
		be_free(&b->parent);
	} else {
		*out = b;
	}
	git_odb_free(odb); /* the repository keeps it, and it keeps us */
	return error;
}

/* Commits first, then trees, then blobs, as git orders a pack: readers
 * walking from a commit find what they need next close by. */
static int type_rank(git_object_t type)
{
	switch (type) {
	case GIT_OBJECT_COMMIT:
		return 0;
	case GIT_OBJECT_TAG:
		return 1;
	case GIT_OBJECT_TREE:
		return 2;
	default:
		return 3;
	}
}

int ws_objbatch_flush(ws_objbatch *b)
{
	ws_packw *w = NULL;
	int error;

	if (!b->count)
		return 0;
	if ((error = ws_packw_open(&w, b->pack_dir, (uint32_t)b->count)) < 0)
		return error;
	for (int rank = 0; rank < 4; rank++)
		for (size_t i = 0; i < b->count; i++) {
			const held_object *o = &b->objs[i];
			if (type_rank(o->type) != rank)
				continue;
			if ((error = ws_packw_add(w, &o->id, o->type, o->data,
						  o->len)) < 0) {
				ws_packw_abort(w);
				return error;
			}
		}
	if ((error = ws_packw_finish(w, 0, NULL)) < 0)
		return error;
	ws_objbatch_clear(b);
	return 0;
}

/* The object's id, as git_odb_hash computes it, with OpenSSL's SHA-1:
 * libgit2's collision-detecting SHA-1 takes twice as long, and a large
 * directory's tree is hashed at every add. */
static int object_id(git_oid *out, git_object_t type, const void *data,
		     size_t len)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "%s %zu", git_object_type2string(type),
			 len);
	EVP_MD_CTX *sha;
	int ok;

	if (!git_object_typeisloose(type) || !(sha = EVP_MD_CTX_new()))
		return -1;
	ok = EVP_DigestInit_ex(sha, EVP_sha1(), NULL) &&
	     EVP_DigestUpdate(sha, head, (size_t)n + 1) && /* with its NUL */
	     EVP_DigestUpdate(sha, data, len) &&
	     EVP_DigestFinal_ex(sha, out->id, NULL);
	EVP_MD_CTX_free(sha);
	return ok ? 0 : -1;
}

int ws_objbatch_put(ws_objbatch *b, git_oid *out, git_object_t type,
		    const void *data, size_t len)
{
	if (object_id(out, type, data, len) < 0)
		return ws_error_set(WS_ERROR, "holding an object: hashing failed");
	if (be_write(&b->parent, out, data, len, type) < 0)
		return ws_error__git(WS_ERROR, "holding an object");
	return 0;
}

void ws_objbatch_clear(ws_objbatch *b)
{
	for (size_t i = 0; i < b->count; i++)
		free(b->objs[i].data);
	if (b->count)
		memset(b->slots, 0, b->nslots * sizeof(*b->slots));
	b->count = 0;
}

size_t ws_objbatch_count(const ws_objbatch *b)
{
	return b->count;
}

int ws_objbatch_holds(const ws_objbatch *b, const git_oid *id)
{
	return find(b, id) != NULL;
}
