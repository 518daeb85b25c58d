/* hashindex.c - blob id <-> module hash, see hashindex.h. */
#include "hashindex.h"

#include "hex.h"
#include "wasmstore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_LEN (40 + 1 + 64 + 1)

typedef struct {
	unsigned char blob[20];
	unsigned char sha[32];
} entry;

struct ws_hashindex {
	int fd;
	off_t loaded; /* bytes of the file already parsed */
	entry *entries;
	size_t count, cap;
	/* two open-addressing tables of entry positions + 1 (0 = empty) */
	uint32_t *by_blob, *by_sha;
	size_t slots; /* power of two */
};

static size_t slot_of(const unsigned char *key, size_t slots)
{
	size_t h;

	memcpy(&h, key, sizeof(h)); /* keys are uniformly random already */
	return h & (slots - 1);
}

static void table_put(uint32_t *table, size_t slots, const unsigned char *key,
		      size_t keylen, const entry *entries, size_t keyoff,
		      uint32_t pos)
{
	size_t i = slot_of(key, slots);

	while (table[i]) {
		const entry *e = &entries[table[i] - 1];
		if (memcmp((const char *)e + keyoff, key, keylen) == 0)
			return;
		i = (i + 1) & (slots - 1);
	}
	table[i] = pos;
}

static const entry *table_get(const ws_hashindex *ix, const uint32_t *table,
			      const unsigned char *key, size_t keylen,
			      size_t keyoff)
{
	if (!ix->slots)
		return NULL;
	for (size_t i = slot_of(key, ix->slots); table[i];
	     i = (i + 1) & (ix->slots - 1)) {
		const entry *e = &ix->entries[table[i] - 1];
		if (memcmp((const char *)e + keyoff, key, keylen) == 0)
			return e;
	}
	return NULL;
}

static int rehash(ws_hashindex *ix, size_t slots)
{
	uint32_t *b = calloc(slots, sizeof(*b)), *s = calloc(slots, sizeof(*s));

	if (!b || !s) {
		free(b);
		free(s);
		return ws_error_set(WS_ERROR, "out of memory");
	}
	free(ix->by_blob);
	free(ix->by_sha);
	ix->by_blob = b;
	ix->by_sha = s;
	ix->slots = slots;
	for (size_t i = 0; i < ix->count; i++) {
		table_put(b, slots, ix->entries[i].blob, 20, ix->entries,
			  offsetof(entry, blob), (uint32_t)i + 1);
		table_put(s, slots, ix->entries[i].sha, 32, ix->entries,
			  offsetof(entry, sha), (uint32_t)i + 1);
	}
	return 0;
}

static int remember(ws_hashindex *ix, const unsigned char blob[20],
		    const unsigned char sha[32])
{
	if (table_get(ix, ix->by_blob, blob, 20, offsetof(entry, blob)))
		return 0;
	if (ix->count == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 1024;
		entry *e = realloc(ix->entries, cap * sizeof(*e));
		if (!e)
			return ws_error_set(WS_ERROR, "out of memory");
		ix->entries = e;
		ix->cap = cap;
	}
	memcpy(ix->entries[ix->count].blob, blob, 20);
	memcpy(ix->entries[ix->count].sha, sha, 32);
	ix->count++;
	if (ix->count * 2 > ix->slots)
		return rehash(ix, ix->slots ? ix->slots * 2 : 4096);
	table_put(ix->by_blob, ix->slots, blob, 20, ix->entries,
		  offsetof(entry, blob), (uint32_t)ix->count);
	table_put(ix->by_sha, ix->slots, sha, 32, ix->entries,
		  offsetof(entry, sha), (uint32_t)ix->count);
	return 0;
}

/* Parses whatever complete lines were appended since the last call. */
static int catch_up(ws_hashindex *ix)
{
	char buf[LINE_LEN * 512];
	size_t have = 0;
	ssize_t n;
	int error;

	while ((n = pread(ix->fd, buf + have, sizeof(buf) - have,
			  ix->loaded + (off_t)have)) > 0) {
		size_t len = have + (size_t)n, start = 0;
		char *nl;
		while ((nl = memchr(buf + start, '\n', len - start))) {
			size_t linelen = (size_t)(nl - (buf + start)) + 1;
			unsigned char blob[20], sha[32];
			*nl = '\0';
			/* a malformed line is skipped: the data is derived */
			if (linelen == LINE_LEN && buf[start + 40] == ' ') {
				buf[start + 40] = '\0';
				if (ws__unhex(blob, buf + start, 20) == 0 &&
				    ws__unhex(sha, buf + start + 41, 32) == 0 &&
				    (error = remember(ix, blob, sha)) < 0)
					return error;
			}
			start += linelen;
		}
		ix->loaded += (off_t)start;
		have = len - start;
		memmove(buf, buf + start, have);
		if (have == sizeof(buf)) /* a line too long: skip the junk */
			have = 0, ix->loaded += sizeof(buf);
	}
	return n < 0 ? ws_error_set(WS_ERROR, "reading hash index: %s",
				    strerror(errno))
		     : 0;
}

int ws_hashindex_open(ws_hashindex **out, const char *path)
{
	ws_hashindex *ix = calloc(1, sizeof(*ix));

	*out = NULL;
	if (!ix)
		return ws_error_set(WS_ERROR, "out of memory");
	ix->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (ix->fd < 0) {
		int e = errno;
		free(ix);
		return ws_error_set(WS_ERROR, "opening '%s': %s", path,
				    strerror(e));
	}
	*out = ix;
	return 0;
}

void ws_hashindex_free(ws_hashindex *ix)
{
	if (!ix)
		return;
	close(ix->fd);
	free(ix->entries);
	free(ix->by_blob);
	free(ix->by_sha);
	free(ix);
}

int ws_hashindex_hash_of(unsigned char sha[32], ws_hashindex *ix,
			 const git_oid *blob)
{
	const entry *e;
	int error;

	for (int pass = 0; pass < 2; pass++) {
		e = table_get(ix, ix->by_blob, blob->id, 20,
			      offsetof(entry, blob));
		if (e) {
			memcpy(sha, e->sha, 32);
			return 0;
		}
		if (pass == 0 && (error = catch_up(ix)) < 0)
			return error;
	}
	return WS_ENOTFOUND;
}

int ws_hashindex_blob_of(git_oid *blob, ws_hashindex *ix,
			 const unsigned char sha[32])
{
	const entry *e;
	int error;

	for (int pass = 0; pass < 2; pass++) {
		e = table_get(ix, ix->by_sha, sha, 32, offsetof(entry, sha));
		if (e) {
			memcpy(blob->id, e->blob, 20);
			return 0;
		}
		if (pass == 0 && (error = catch_up(ix)) < 0)
			return error;
	}
	return WS_ENOTFOUND;
}

int ws_hashindex_add(ws_hashindex *ix, const git_oid *blob,
		     const unsigned char sha[32])
{
	char line[LINE_LEN + 1];
	int error;

	if (table_get(ix, ix->by_blob, blob->id, 20, offsetof(entry, blob)))
		return 0;
	ws__hex(line, blob->id, 20);
	line[40] = ' ';
	ws__hex(line + 41, sha, 32);
	line[LINE_LEN - 1] = '\n';
	/* one write per line: O_APPEND keeps concurrent appenders apart */
	if (write(ix->fd, line, LINE_LEN) != LINE_LEN)
		return ws_error_set(WS_ERROR, "writing hash index: %s",
				    strerror(errno));
	if ((error = remember(ix, blob->id, sha)) < 0)
		return error;
	return 0;
}
