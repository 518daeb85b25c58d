/*
 * packread.c - reads a v2 pack index (git's Documentation/gitformat-pack.txt:
 * magic, version, 256 fan-out counts, sorted names, CRC32s, 4-byte offsets,
 * 8-byte offsets for the large ones, pack checksum, index checksum) and the
 * entries' headers (type and size, a REF_DELTA's base id) and data.
 */
#include "packread.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SHA1_LEN 20
#define IDX_HEAD (8 + 256 * 4)

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Maps a whole file read-only; NULL when it cannot (or is empty). */
static const unsigned char *map_file(size_t *size, int dirfd, const char *path)
{
	struct stat st;
	void *p = MAP_FAILED;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		*size = (size_t)st.st_size;
		p = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	}
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int ws_packr_open(ws_packr *r, int dirfd, const char *name)
{
	char path[128];
	size_t need;

	memset(r, 0, sizeof(*r));
	if (strlen(name) > sizeof(path) - 8)
		return -1;
	strcpy(path, name);
	strcat(path, ".idx");
	if (!(r->idx = map_file(&r->idx_size, dirfd, path)))
		goto fail;
	strcpy(path, name);
	strcat(path, ".pack");
	if (!(r->pack = map_file(&r->pack_size, dirfd, path)))
		goto fail;
	if (r->idx_size < IDX_HEAD + 2 * SHA1_LEN ||
	    memcmp(r->idx, "\377tOc", 4) || be32(r->idx + 4) != 2)
		goto fail;
	r->count = be32(r->idx + 8 + 255 * 4);
	need = IDX_HEAD + (size_t)r->count * (GIT_OID_RAWSZ + 8) + 2 * SHA1_LEN;
	if (r->idx_size < need || r->pack_size < 12 + SHA1_LEN ||
	    memcmp(r->pack, "PACK", 4) || be32(r->pack + 8) != r->count ||
	    /* the index belongs to this pack */
	    memcmp(r->idx + r->idx_size - 2 * SHA1_LEN,
		   r->pack + r->pack_size - SHA1_LEN, SHA1_LEN))
		goto fail;
	return 0;
fail:
	ws_packr_close(r);
	return -1;
}

static int by_offset(const void *a, const void *b)
{
	uint64_t x = (*(ws_packr_entry *const *)a)->offset;
	uint64_t y = (*(ws_packr_entry *const *)b)->offset;

	return x < y ? -1 : x > y;
}

int ws_packr_entries(ws_packr_entry *out, const ws_packr *r)
{
	const unsigned char *names = r->idx + IDX_HEAD;
	const unsigned char *crcs = names + (size_t)r->count * GIT_OID_RAWSZ;
	const unsigned char *offs = crcs + (size_t)r->count * 4;
	const unsigned char *big = offs + (size_t)r->count * 4;
	size_t big_count = (size_t)(r->idx + r->idx_size - 2 * SHA1_LEN - big) / 8;
	uint64_t end = r->pack_size - SHA1_LEN;
	ws_packr_entry **order;

	if (!r->count)
		return 0;
	if (!(order = malloc(r->count * sizeof(*order))))
		return -1;
	for (uint32_t i = 0; i < r->count; i++) {
		ws_packr_entry *e = &out[i];
		uint32_t off = be32(offs + (size_t)i * 4);
		git_oid_fromraw(&e->id, names + (size_t)i * GIT_OID_RAWSZ);
		e->crc = be32(crcs + (size_t)i * 4);
		e->offset = off;
		if (off & 0x80000000u) {
			size_t j = off & 0x7fffffffu;
			if (j >= big_count)
				goto bad;
			e->offset = (uint64_t)be32(big + j * 8) << 32 |
				    be32(big + j * 8 + 4);
		}
		if (e->offset < 12 || e->offset >= end)
			goto bad;
		order[i] = e;
	}
	/* an entry runs up to the next one, the last up to the checksum */
	qsort(order, r->count, sizeof(*order), by_offset);
	for (uint32_t i = 0; i < r->count; i++) {
		uint64_t next = i + 1 < r->count ? order[i + 1]->offset : end;
		if (next <= order[i]->offset)
			goto bad;
		order[i]->len = next - order[i]->offset;
	}
	free(order);
	return 0;
bad:
	free(order);
	return -1;
}

/* The entry's type and size from its header; `*skip` gets the bytes up
 * to its zlib data (a REF_DELTA's base id included). 0, or -1 for an
 * OFS_DELTA or a damaged header. */
static int parse_header(git_object_t *type, uint64_t *size, size_t *skip,
			const ws_packr *r, const ws_packr_entry *e)
{
	const unsigned char *p = r->pack + e->offset;
	size_t n = 1;
	unsigned shift = 4;

	*type = (git_object_t)((p[0] >> 4) & 7);
	*size = p[0] & 15;
	for (unsigned char c = p[0]; c & 0x80; shift += 7) {
		if (n >= e->len || shift > 57)
			return -1;
		c = p[n++];
		*size |= (uint64_t)(c & 0x7f) << shift;
	}
	/* 1-4: commit, tree, blob, tag; 7 names its base, 6 is not ours */
	if (!((*type >= GIT_OBJECT_COMMIT && *type <= GIT_OBJECT_TAG) ||
	      *type == GIT_OBJECT_REF_DELTA))
		return -1;
	if (*type == GIT_OBJECT_REF_DELTA)
		n += GIT_OID_RAWSZ;
	*skip = n;
	return n < e->len ? 0 : -1;
}

git_object_t ws_packr_copyable(const ws_packr *r, const ws_packr_entry *e,
			       git_oid *base)
{
	git_object_t type;
	uint64_t size;
	size_t skip;

	if (parse_header(&type, &size, &skip, r, e) < 0 ||
	    crc32_z(0, r->pack + e->offset, (size_t)e->len) != e->crc)
		return GIT_OBJECT_INVALID;
	if (type == GIT_OBJECT_REF_DELTA)
		git_oid_fromraw(base, r->pack + e->offset + skip - GIT_OID_RAWSZ);
	return type;
}

int ws_packr_inflate(unsigned char **data, size_t *len, git_object_t *type,
		     const ws_packr *r, const ws_packr_entry *e)
{
	z_stream z;
	uint64_t size;
	size_t skip;
	unsigned char *out;
	int rc;

	*data = NULL;
	if (parse_header(type, &size, &skip, r, e) < 0 || size >= UINT32_MAX ||
	    !(out = malloc((size_t)size + 1)))
		return -1;
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK) {
		free(out);
		return -1;
	}
	/* an entry is far smaller than 4 GB when its object is */
	z.next_in = (Bytef *)r->pack + e->offset + skip;
	z.avail_in = e->len - skip > UINT32_MAX ? UINT32_MAX
						 : (uInt)(e->len - skip);
	z.next_out = out;
	z.avail_out = (uInt)size + 1; /* one more: more data is an error */
	rc = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (rc != Z_STREAM_END || z.total_out != size) {
		free(out);
		return -1;
	}
	out[size] = '\0';
	*data = out;
	*len = (size_t)size;
	return 0;
}

void ws_packr_close(ws_packr *r)
{
	if (!r)
		return;
	if (r->idx)
		munmap((void *)r->idx, r->idx_size);
	if (r->pack)
		munmap((void *)r->pack, r->pack_size);
	memset(r, 0, sizeof(*r));
}
