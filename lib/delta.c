/*
 * delta.c - git deltas: an encoder made for trees (a directory's next
 * version differs from its last by a few entries) and a decoder. See
 * delta.h.
 */
#include "delta.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 16           /* the shortest run worth a copy */
#define MAX_COPY 0x10000   /* per copy: what every git reads */
#define MAX_INSERT 127     /* per insert: the opcode is the length */
#define PROBES 8           /* slots tried per lookup in the block index */

typedef struct {
	unsigned char *p;
	size_t len, cap, max;
} out_buf;

/* Makes room for `n` more bytes. 0, 1 when past the limit, -1. */
static int out_room(out_buf *o, size_t n)
{
	unsigned char *p;
	size_t cap;

	if (o->len + n > o->max)
		return 1;
	if (o->len + n <= o->cap)
		return 0;
	cap = o->cap * 2 > o->len + n ? o->cap * 2 : o->len + n;
	if (!(p = realloc(o->p, cap)))
		return -1;
	o->p = p;
	o->cap = cap;
	return 0;
}

static void put_size(out_buf *o, size_t v)
{
	do {
		unsigned char c = v & 0x7f;
		v >>= 7;
		o->p[o->len++] = c | (v ? 0x80 : 0);
	} while (v);
}

static int emit_insert(out_buf *o, const unsigned char *lit, size_t n)
{
	int rc;

	if ((rc = out_room(o, n + (n + MAX_INSERT - 1) / MAX_INSERT)))
		return rc;
	while (n) {
		size_t k = n < MAX_INSERT ? n : MAX_INSERT;
		o->p[o->len++] = (unsigned char)k;
		memcpy(o->p + o->len, lit, k);
		o->len += k;
		lit += k;
		n -= k;
	}
	return 0;
}

/* Copy ops name only the offset's and size's non-zero bytes. */
static int emit_copy(out_buf *o, size_t off, size_t n)
{
	int rc;

	while (n) {
		size_t k = n < MAX_COPY ? n : MAX_COPY;
		unsigned char *op;
		if ((rc = out_room(o, 8)))
			return rc;
		op = &o->p[o->len++];
		*op = 0x80;
		for (int i = 0; i < 4; i++)
			if ((off >> (8 * i)) & 0xff) {
				o->p[o->len++] = (unsigned char)(off >> (8 * i));
				*op |= (unsigned char)(1u << i);
			}
		for (int i = 0; i < 3; i++)
			if ((k >> (8 * i)) & 0xff) {
				o->p[o->len++] = (unsigned char)(k >> (8 * i));
				*op |= (unsigned char)(0x10u << i);
			}
		off += k;
		n -= k;
	}
	return 0;
}

static uint64_t load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* How many bytes a and b have in common from their start, up to max. */
static size_t same_forward(const unsigned char *a, const unsigned char *b,
			   size_t max)
{
	size_t n = 0;

	while (n + 8 <= max && load64(a + n) == load64(b + n))
		n += 8;
	while (n < max && a[n] == b[n])
		n++;
	return n;
}

/* How many bytes before a_end and b_end are the same, up to max. */
static size_t same_backward(const unsigned char *a_end,
			    const unsigned char *b_end, size_t max)
{
	size_t n = 0;

	while (n + 8 <= max && load64(a_end - n - 8) == load64(b_end - n - 8))
		n += 8;
	while (n < max && a_end[-(ptrdiff_t)n - 1] == b_end[-(ptrdiff_t)n - 1])
		n++;
	return n;
}

static uint32_t hash_block(const unsigned char *p, unsigned shift)
{
	uint64_t h = load64(p) ^ (load64(p + 8) * 0x9e3779b97f4a7c15ull);

	return (uint32_t)((h * 0xff51afd7ed558ccdull) >> shift);
}

/* Where the base's aligned blocks start, by the hash of their bytes
 * (position + 1; 0 is an empty slot). */
typedef struct {
	uint32_t *slots;
	uint32_t mask;
	unsigned shift;
} block_index;

static int index_blocks(block_index *ix, const unsigned char *base,
			size_t from, size_t to)
{
	size_t blocks = (to - from) / BLOCK, size = 16;
	unsigned bits = 4;

	while (size < 2 * blocks) {
		size *= 2;
		bits++;
	}
	if (!(ix->slots = calloc(size, sizeof(uint32_t))))
		return -1;
	ix->mask = (uint32_t)(size - 1);
	ix->shift = 64 - bits;
	for (size_t pos = from; pos + BLOCK <= to; pos += BLOCK) {
		uint32_t h = hash_block(base + pos, ix->shift);
		for (int i = 0; i < PROBES; i++) {
			uint32_t *s = &ix->slots[(h + i) & ix->mask];
			if (!*s) {
				*s = (uint32_t)pos + 1;
				break;
			}
		}
	}
	return 0;
}

/* A base position whose next BLOCK bytes are those at `p`, or -1. */
static ptrdiff_t find_block(const block_index *ix, const unsigned char *base,
			    const unsigned char *p)
{
	uint32_t h = hash_block(p, ix->shift);

	for (int i = 0; i < PROBES; i++) {
		uint32_t s = ix->slots[(h + i) & ix->mask];
		if (!s)
			return -1;
		if (!memcmp(base + s - 1, p, BLOCK))
			return (ptrdiff_t)s - 1;
	}
	return -1;
}

/* The target's middle [from, to): copies of what the index finds, the
 * rest inserted. */
static int encode_middle(out_buf *o, const block_index *ix,
			 const unsigned char *base, size_t base_len,
			 const unsigned char *target, size_t from, size_t to)
{
	size_t lit = from, t = from;
	int rc;

	if (!ix->slots)
		return emit_insert(o, target + from, to - from);
	while (t + BLOCK <= to) {
		ptrdiff_t found = find_block(ix, base, target + t);
		size_t p, n;
		if (found < 0) {
			if (o->len + (++t - lit) > o->max)
				return 1; /* would end too big anyway */
			continue;
		}
		p = (size_t)found;
		while (t > lit && p > 0 && base[p - 1] == target[t - 1]) {
			t--;
			p--;
		}
		n = BLOCK + same_forward(base + p + BLOCK, target + t + BLOCK,
					 (to - t < base_len - p ? to - t
								 : base_len - p) -
						 BLOCK);
		if ((rc = emit_insert(o, target + lit, t - lit)) ||
		    (rc = emit_copy(o, p, n)))
			return rc;
		t += n;
		lit = t;
	}
	return emit_insert(o, target + lit, to - lit);
}

int ws_delta_create(unsigned char **out, size_t *out_len, const void *base_v,
		    size_t base_len, const void *target_v, size_t target_len,
		    size_t max_len)
{
	const unsigned char *base = base_v, *target = target_v;
	size_t shorter = base_len < target_len ? base_len : target_len;
	size_t prefix, suffix, bound = 32 + target_len + target_len / 64;
	out_buf o = { NULL, 0, 0, max_len };
	block_index ix = { 0 };
	int rc;

	*out = NULL;
	*out_len = 0;
	o.cap = (bound < max_len ? bound : max_len) + 16;
	if (!(o.p = malloc(o.cap)))
		return -1;
	if ((rc = out_room(&o, 20)))
		goto done;
	put_size(&o, base_len);
	put_size(&o, target_len);
	prefix = same_forward(base, target, shorter);
	suffix = same_backward(base + base_len, target + target_len,
			       shorter - prefix);
	if ((rc = emit_copy(&o, 0, prefix)))
		goto done;
	/* a middle too short to hold a block is inserted as it is; the
	 * index only spans the base's middle: trees change in place */
	if (target_len - suffix - prefix >= BLOCK &&
	    base_len - suffix - prefix >= BLOCK && base_len <= UINT32_MAX - 1 &&
	    index_blocks(&ix, base, prefix, base_len - suffix) < 0) {
		rc = -1;
		goto done;
	}
	if ((rc = encode_middle(&o, &ix, base, base_len, target, prefix,
				target_len - suffix)) ||
	    (rc = emit_copy(&o, base_len - suffix, suffix)))
		goto done;
	*out = o.p;
	*out_len = o.len;
	o.p = NULL;
done:
	free(ix.slots);
	free(o.p);
	return rc;
}

/* A size from the delta's header; 0 or -1. */
static int get_size(size_t *out, const unsigned char **p,
		    const unsigned char *end)
{
	size_t v = 0;
	unsigned shift = 0;

	do {
		if (*p == end || shift > 8 * sizeof(size_t) - 7)
			return -1;
		v |= (size_t)(**p & 0x7f) << shift;
		shift += 7;
	} while (*(*p)++ & 0x80);
	*out = v;
	return 0;
}

int ws_delta_apply(unsigned char **out, size_t *out_len, const void *base_v,
		   size_t base_len, const void *delta, size_t delta_len)
{
	const unsigned char *base = base_v, *p = delta, *end = p + delta_len;
	unsigned char *res = NULL;
	size_t want_base, size, len = 0;

	*out = NULL;
	*out_len = 0;
	if (get_size(&want_base, &p, end) < 0 || want_base != base_len ||
	    get_size(&size, &p, end) < 0 || size == SIZE_MAX ||
	    !(res = malloc(size + 1)))
		return -1;
	while (p < end) {
		unsigned char op = *p++;
		if (op & 0x80) {
			size_t off = 0, n = 0;
			for (int i = 0; i < 4; i++)
				if (op & (1u << i)) {
					if (p == end)
						goto bad;
					off |= (size_t)*p++ << (8 * i);
				}
			for (int i = 0; i < 3; i++)
				if (op & (0x10u << i)) {
					if (p == end)
						goto bad;
					n |= (size_t)*p++ << (8 * i);
				}
			if (!n)
				n = 0x10000;
			if (off > base_len || n > base_len - off ||
			    n > size - len)
				goto bad;
			memcpy(res + len, base + off, n);
			len += n;
		} else if (op) {
			if (op > (size_t)(end - p) || op > size - len)
				goto bad;
			memcpy(res + len, p, op);
			len += op;
			p += op;
		} else {
			goto bad; /* reserved */
		}
	}
	if (len != size)
		goto bad;
	res[len] = '\0';
	*out = res;
	*out_len = len;
	return 0;
bad:
	free(res);
	return -1;
}
