/*
 * packwrite.c - a pack writer: "PACK", version 2, object count, then per
 * object a type+size header (for a REF_DELTA also its base's id) and its
 * zlib stream, then the SHA-1 of all that; and the v2 index beside it (see
 * packwrite.h and git's Documentation/gitformat-pack.txt).
 */
#include "packwrite.h"

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SHA1_LEN 20
#define BUF_START ((size_t)32 << 10)
#define BUF_MAX ((size_t)1 << 20) /* written out when this full */
#define SMALL_OBJECT 4096

typedef struct {
	git_oid id;
	uint32_t crc;    /* of the object's header and zlib data */
	uint64_t offset; /* of its header in the pack */
} pack_entry;

struct ws_packw {
	char *dir, *tmp; /* pack directory, temporary pack path */
	int fd;
	uint32_t want, have;
	pack_entry *ents;
	unsigned char *buf; /* output not yet written */
	size_t len, cap;
	uint64_t written; /* bytes already in the file */
	EVP_MD_CTX *sha;
	/* zlib level 1 for blobs over SMALL_OBJECT; smaller blobs and every
	 * tree, commit and delta are stored: level 1 spent ~10 us on each small
	 * object that does not compress (ids, wasm), stored ~1.5 us, and a
	 * large directory's tree (mostly 20-byte ids) is rewritten by every
	 * commit that touches it */
	z_stream z[2];
	int z_ready[2];
	int failed;
};

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes what is buffered (and hashes it). */
static int drain(ws_packw *w)
{
	if (!w->len)
		return 0;
	if (!EVP_DigestUpdate(w->sha, w->buf, w->len))
		return ws_error_set(WS_ERROR, "writing pack: sha1 failed");
	if (write_all(w->fd, w->buf, w->len) < 0)
		return ws_error_set(WS_ERROR, "writing pack '%s': %s", w->tmp,
				    strerror(errno));
	w->written += w->len;
	w->len = 0;
	return 0;
}

/* Makes room for at least `n` more bytes: grows the buffer up to
 * BUF_MAX, then writes it out. */
static int reserve(ws_packw *w, size_t n)
{
	if (w->cap - w->len >= n)
		return 0;
	if (w->cap < BUF_MAX) {
		size_t cap = w->cap * 2;
		unsigned char *p;
		while (cap < BUF_MAX && cap - w->len < n)
			cap *= 2;
		if (!(p = realloc(w->buf, cap)))
			return ws_error_set(WS_ERROR, "out of memory");
		w->buf = p;
		w->cap = cap;
		if (cap - w->len >= n)
			return 0;
	}
	return drain(w);
}

int ws_packw_open(ws_packw **out, const char *pack_dir, uint32_t count)
{
	ws_packw *w;
	size_t n = strlen(pack_dir);
	int error = WS_ERROR;

	*out = NULL;
	if (!(w = calloc(1, sizeof(*w))))
		return ws_error_set(WS_ERROR, "out of memory");
	w->fd = -1;
	w->want = count;
	if (!(w->dir = strdup(pack_dir)) ||
	    !(w->tmp = malloc(n + sizeof("/tmp_pack_XXXXXX"))) ||
	    !(w->ents = malloc((count ? count : 1) * sizeof(pack_entry))) ||
	    !(w->buf = malloc(BUF_START)) || !(w->sha = EVP_MD_CTX_new())) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto fail;
	}
	w->cap = BUF_START;
	if (!EVP_DigestInit_ex(w->sha, EVP_sha1(), NULL)) {
		error = ws_error_set(WS_ERROR, "writing pack: sha1 failed");
		goto fail;
	}
	sprintf(w->tmp, "%s/tmp_pack_XXXXXX", pack_dir);
	if ((w->fd = mkostemp(w->tmp, O_CLOEXEC)) < 0) {
		/* objects/pack may be missing (git creates it lazily) */
		sprintf(w->tmp, "%s/tmp_pack_XXXXXX", pack_dir);
		if (errno != ENOENT || mkdir(pack_dir, 0755) < 0 ||
		    (w->fd = mkostemp(w->tmp, O_CLOEXEC)) < 0) {
			error = ws_error_set(WS_ERROR,
					     "creating a pack in '%s': %s",
					     pack_dir, strerror(errno));
			free(w->tmp);
			w->tmp = NULL;
			goto fail;
		}
	}
	memcpy(w->buf, "PACK", 4);
	put_be32(w->buf + 4, 2);
	put_be32(w->buf + 8, count);
	w->len = 12;
	*out = w;
	return 0;
fail:
	ws_packw_abort(w);
	return error;
}

/* The entry header: type and size, 4 bits of size first, then 7 per byte,
 * low bits first, the high bit saying more follows. */
static size_t entry_header(unsigned char *h, git_object_t type, uint64_t size)
{
	size_t n = 0;
	unsigned char c = (unsigned char)(((unsigned)type << 4) | (size & 15));

	for (size >>= 4; size; size >>= 7) {
		h[n++] = c | 0x80;
		c = size & 0x7f;
	}
	h[n++] = c;
	return n;
}

/* A reset deflate stream: level 1 for blobs over SMALL_OBJECT, stored
 * for the rest (small blobs, trees, commits, deltas). */
static int deflate_stream(z_stream **out, ws_packw *w, int big)
{
	z_stream *z = &w->z[big];

	if (!w->z_ready[big]) {
		if (deflateInit2(z, big ? 1 : 0, Z_DEFLATED, 15, big ? 8 : 1,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return ws_error_set(WS_ERROR, "writing pack: zlib failed");
		w->z_ready[big] = 1;
	} else if (deflateReset(z) != Z_OK) {
		return ws_error_set(WS_ERROR, "writing pack: zlib failed");
	}
	*out = z;
	return 0;
}

/* Appends an entry: the type+size header, for a REF_DELTA the base's id,
 * then `data` deflated. */
static int add_entry(ws_packw *w, const git_oid *id, git_object_t type,
		     const git_oid *base, const void *data, size_t len)
{
	pack_entry *e;
	unsigned char head[16 + GIT_OID_RAWSZ];
	size_t hlen = entry_header(head, type, len), left = len;
	z_stream *z = NULL;
	int error, zrc;

	if (w->failed || w->have == w->want)
		return ws_error_set(WS_ERROR, "writing pack: %s",
				    w->failed ? "earlier failure"
					      : "more objects than announced");
	if (base) {
		memcpy(head + hlen, base->id, GIT_OID_RAWSZ);
		hlen += GIT_OID_RAWSZ;
	}
	w->failed = 1; /* until this object is complete */
	if ((error = reserve(w, hlen)) < 0)
		return error;
	e = &w->ents[w->have];
	git_oid_cpy(&e->id, id);
	e->offset = w->written + w->len;
	memcpy(w->buf + w->len, head, hlen);
	e->crc = (uint32_t)crc32(0, head, (uInt)hlen);
	w->len += hlen;
	if ((error = deflate_stream(&z, w, type == GIT_OBJECT_BLOB &&
						   len > SMALL_OBJECT)) < 0)
		return error;
	z->next_in = (Bytef *)data;
	do {
		size_t before;
		uInt chunk = left > 1u << 30 ? 1u << 30 : (uInt)left;
		if ((error = reserve(w, 64)) < 0)
			return error;
		before = w->len;
		z->avail_in += chunk;
		left -= chunk;
		z->next_out = w->buf + w->len;
		z->avail_out = (uInt)(w->cap - w->len);
		zrc = deflate(z, left ? Z_NO_FLUSH : Z_FINISH);
		if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR)
			return ws_error_set(WS_ERROR, "writing pack: zlib failed");
		w->len = w->cap - z->avail_out;
		e->crc = (uint32_t)crc32(e->crc, w->buf + before,
					 (uInt)(w->len - before));
		/* what deflate did not take yet stays in avail_in */
		left += z->avail_in;
		z->avail_in = 0;
	} while (zrc != Z_STREAM_END);
	w->have++;
	w->failed = 0;
	return 0;
}

int ws_packw_add(ws_packw *w, const git_oid *id, git_object_t type,
		 const void *data, size_t len)
{
	if (type < GIT_OBJECT_COMMIT || type > GIT_OBJECT_TAG)
		return ws_error_set(WS_ERROR, "writing pack: bad object type");
	return add_entry(w, id, type, NULL, data, len);
}

int ws_packw_add_ref_delta(ws_packw *w, const git_oid *id,
			   const git_oid *base_id, const void *delta,
			   size_t delta_len)
{
	return add_entry(w, id, GIT_OBJECT_REF_DELTA, base_id, delta,
			 delta_len);
}

int ws_packw_add_raw(ws_packw *w, const git_oid *id, const void *entry,
		     size_t len, uint32_t crc)
{
	pack_entry *e;
	int error;

	if (w->failed || w->have == w->want)
		return ws_error_set(WS_ERROR, "writing pack: %s",
				    w->failed ? "earlier failure"
					      : "more objects than announced");
	w->failed = 1;
	e = &w->ents[w->have];
	git_oid_cpy(&e->id, id);
	e->crc = crc;
	if (len <= BUF_MAX) {
		if ((error = reserve(w, len)) < 0)
			return error;
		e->offset = w->written + w->len;
		memcpy(w->buf + w->len, entry, len);
		w->len += len;
	} else { /* straight from the source, not through the buffer */
		if ((error = drain(w)) < 0)
			return error;
		e->offset = w->written;
		if (!EVP_DigestUpdate(w->sha, entry, len))
			return ws_error_set(WS_ERROR, "writing pack: sha1 failed");
		if (write_all(w->fd, entry, len) < 0)
			return ws_error_set(WS_ERROR, "writing pack '%s': %s",
					    w->tmp, strerror(errno));
		w->written += len;
	}
	w->have++;
	w->failed = 0;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return memcmp(((const pack_entry *)a)->id.id,
		      ((const pack_entry *)b)->id.id, GIT_OID_RAWSZ);
}

/* The v2 index of the entries (sorted here) in one buffer. */
static int build_index(unsigned char **out, size_t *out_len, ws_packw *w,
		       const unsigned char pack_sha[SHA1_LEN])
{
	uint32_t n = w->have, large = 0;
	size_t size;
	unsigned char *p, *names, *crcs, *offs, *big;
	unsigned int mdlen;

	qsort(w->ents, n, sizeof(pack_entry), by_id);
	for (uint32_t i = 0; i < n; i++)
		large += w->ents[i].offset >= 0x80000000u;
	size = 8 + 256 * 4 + (size_t)n * (GIT_OID_RAWSZ + 8) + large * 8 +
	       2 * SHA1_LEN;
	if (!(p = calloc(1, size)))
		return ws_error_set(WS_ERROR, "out of memory");
	memcpy(p, "\377tOc", 4);
	put_be32(p + 4, 2);
	names = p + 8 + 256 * 4;
	crcs = names + (size_t)n * GIT_OID_RAWSZ;
	offs = crcs + (size_t)n * 4;
	big = offs + (size_t)n * 4;
	large = 0;
	for (uint32_t i = 0, first = 0; first < 256; first++) {
		while (i < n && w->ents[i].id.id[0] == first)
			i++;
		put_be32(p + 8 + first * 4, i); /* ids whose first byte <= first */
	}
	for (uint32_t i = 0; i < n; i++) {
		const pack_entry *e = &w->ents[i];
		memcpy(names + (size_t)i * GIT_OID_RAWSZ, e->id.id, GIT_OID_RAWSZ);
		put_be32(crcs + (size_t)i * 4, e->crc);
		if (e->offset < 0x80000000u) {
			put_be32(offs + (size_t)i * 4, (uint32_t)e->offset);
		} else {
			put_be32(offs + (size_t)i * 4, 0x80000000u | large);
			put_be32(big + large * 8, (uint32_t)(e->offset >> 32));
			put_be32(big + large * 8 + 4, (uint32_t)e->offset);
			large++;
		}
	}
	memcpy(p + size - 2 * SHA1_LEN, pack_sha, SHA1_LEN);
	if (!EVP_Digest(p, size - SHA1_LEN, p + size - SHA1_LEN, &mdlen,
			EVP_sha1(), NULL)) {
		free(p);
		return ws_error_set(WS_ERROR, "writing pack index: sha1 failed");
	}
	*out = p;
	*out_len = size;
	return 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes the index to a temporary file and renames it to `path`. */
static int write_index(ws_packw *w, const char *path,
		       const unsigned char *idx, size_t len, int durable)
{
	size_t n = strlen(w->dir);
	char *tmp = malloc(n + sizeof("/tmp_idx_XXXXXX"));
	int fd = -1, error = 0;

	if (!tmp)
		return ws_error_set(WS_ERROR, "out of memory");
	sprintf(tmp, "%s/tmp_idx_XXXXXX", w->dir);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		error = ws_error_set(WS_ERROR, "creating pack index in '%s': %s",
				     w->dir, strerror(errno));
		free(tmp);
		return error;
	}
	if (write_all(fd, idx, len) < 0 || fchmod(fd, 0444) < 0 ||
	    (durable && fsync(fd) < 0))
		error = ws_error_set(WS_ERROR, "writing pack index '%s': %s",
				     tmp, strerror(errno));
	if (close(fd) < 0 && !error)
		error = ws_error_set(WS_ERROR, "writing pack index '%s': %s",
				     tmp, strerror(errno));
	if (!error && rename(tmp, path) < 0)
		error = ws_error_set(WS_ERROR, "naming pack index '%s': %s",
				     path, strerror(errno));
	if (error)
		unlink(tmp);
	free(tmp);
	return error;
}

int ws_packw_finish(ws_packw *w, int durable, char name[GIT_OID_HEXSZ + 1])
{
	unsigned char sha[SHA1_LEN], *idx = NULL;
	unsigned int mdlen;
	size_t idx_len = 0, n = strlen(w->dir);
	char hex[GIT_OID_HEXSZ + 1], *pack = NULL, *idxpath = NULL;
	git_oid oid;
	int error = 0, renamed = 0;

	if (w->failed || w->have != w->want) {
		error = ws_error_set(WS_ERROR, "writing pack: %u of %u objects",
				     w->have, w->want);
		goto done;
	}
	if ((error = drain(w)) < 0)
		goto done;
	if (!EVP_DigestFinal_ex(w->sha, sha, &mdlen)) {
		error = ws_error_set(WS_ERROR, "writing pack: sha1 failed");
		goto done;
	}
	if (write_all(w->fd, sha, SHA1_LEN) < 0 || fchmod(w->fd, 0444) < 0 ||
	    (durable && fsync(w->fd) < 0)) {
		error = ws_error_set(WS_ERROR, "writing pack '%s': %s", w->tmp,
				     strerror(errno));
		goto done;
	}
	if (close(w->fd) < 0) {
		w->fd = -1;
		error = ws_error_set(WS_ERROR, "writing pack '%s': %s", w->tmp,
				     strerror(errno));
		goto done;
	}
	w->fd = -1;
	git_oid_fromraw(&oid, sha);
	git_oid_tostr(hex, sizeof(hex), &oid);
	if (!(pack = malloc(n + 64)) || !(idxpath = malloc(n + 64))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	sprintf(pack, "%s/pack-%s.pack", w->dir, hex);
	sprintf(idxpath, "%s/pack-%s.idx", w->dir, hex);
	if (access(idxpath, F_OK) == 0)
		goto done; /* the same bytes are there already */
	if (rename(w->tmp, pack) < 0) {
		error = ws_error_set(WS_ERROR, "naming pack '%s': %s", pack,
				     strerror(errno));
		goto done;
	}
	/* from now on the name may be another writer's temporary file */
	free(w->tmp);
	w->tmp = NULL;
	renamed = 1;
	if ((error = build_index(&idx, &idx_len, w, sha)) < 0 ||
	    (error = write_index(w, idxpath, idx, idx_len, durable)) < 0)
		goto done;
	renamed = 2;
	if (durable && sync_dir(w->dir) < 0)
		error = ws_error_set(WS_ERROR, "syncing '%s': %s", w->dir,
				     strerror(errno));
done:
	if (!error && name)
		memcpy(name, hex, sizeof(hex));
	if (error && renamed == 2)
		unlink(idxpath); /* readers look for the index first */
	if (error && renamed)
		unlink(pack);
	free(idx);
	free(pack);
	free(idxpath);
	ws_packw_abort(w); /* removes the temporary file if still there */
	return error;
}

void ws_packw_abort(ws_packw *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	for (int i = 0; i < 2; i++)
		if (w->z_ready[i])
			deflateEnd(&w->z[i]);
	EVP_MD_CTX_free(w->sha);
	free(w->dir);
	free(w->tmp);
	free(w->ents);
	free(w->buf);
	free(w);
}
