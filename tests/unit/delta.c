/* delta.c - git deltas: round trips, small deltas for trees, speed. */
#include "unit.h"

#include "delta.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Encodes target against base, applies the delta and compares; the
 * delta's length goes to *len (optional). 1 if the bytes came back. */
static int round_trip(const unsigned char *base, size_t base_len,
		      const unsigned char *target, size_t target_len,
		      size_t *len)
{
	unsigned char *delta = NULL, *back = NULL;
	size_t delta_len = 0, back_len = 0;
	int ok = ws_delta_create(&delta, &delta_len, base, base_len, target,
				 target_len, SIZE_MAX) == 0 &&
		 ws_delta_apply(&back, &back_len, base, base_len, delta,
				delta_len) == 0 &&
		 back_len == target_len && !memcmp(back, target, target_len);

	if (len)
		*len = delta_len;
	free(delta);
	free(back);
	return ok;
}

/* A tree of `n` entries "100644 m<k>.wasm\0<20 bytes>", k = keys[i]. */
static size_t make_tree(unsigned char *out, const unsigned *keys, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		len += (size_t)sprintf((char *)out + len, "100644 m%07u.wasm",
				       keys[i]) + 1;
		for (int j = 0; j < 20; j++)
			out[len++] = (unsigned char)(keys[i] * 2654435761u >> (j % 24)) ^
				     (unsigned char)j;
	}
	return len;
}

TEST(test_delta__round_trips_random_buffers)
{
	unsigned char *a = malloc(200000), *b = malloc(200000);

	ASSERT(a && b);
	for (int round = 0; round < 200; round++) {
		size_t alen = rnd() % (round < 100 ? 64 : 200000);
		size_t blen = 0;
		for (size_t i = 0; i < alen; i++)
			a[i] = (unsigned char)(rnd() % (round % 3 ? 256 : 4));
		/* b: pieces of a, edited, and random runs */
		while (blen < alen + 100 && blen < 199000) {
			size_t n = 1 + rnd() % 3000, from = alen ? rnd() % alen : 0;
			if (n > 199000 - blen)
				n = 199000 - blen;
			if (rnd() % 4 == 0 || from + n > alen) {
				for (size_t i = 0; i < n; i++)
					b[blen + i] = (unsigned char)rnd();
			} else {
				memcpy(b + blen, a + from, n);
			}
			blen += n;
			if (rnd() % 2)
				break;
		}
		ASSERT(round_trip(a, alen, b, blen, NULL));
		ASSERT(round_trip(b, blen, a, alen, NULL));
		ASSERT(round_trip(a, alen, a, alen, NULL));
	}
	ASSERT(round_trip(a, 0, b, 0, NULL));
	ASSERT(round_trip(a, 0, b, 100, NULL));
	ASSERT(round_trip(a, 100, b, 0, NULL));
	free(a);
	free(b);
}

/* Copies of more than 64 KB are split; offsets past 16 MB take 4 bytes. */
TEST(test_delta__round_trips_large_copies)
{
	size_t n = (20 << 20) + 77;
	unsigned char *a = malloc(n), *b = malloc(n + 10);
	size_t len = 0;

	ASSERT(a && b);
	for (size_t i = 0; i < n; i++)
		a[i] = (unsigned char)rnd();
	memcpy(b, a, n);
	memcpy(b + n - 300, "changed!", 8);
	ASSERT(round_trip(a, n, b, n, &len));
	ASSERT(len < 2000);
	memcpy(b + 5, a + (17 << 20), 100000); /* from far into the base */
	ASSERT(round_trip(a, n, b, n, &len));
	ASSERT(len < 2000);
	free(a);
	free(b);
}

TEST(test_delta__real_trees_with_random_edits)
{
	unsigned keys[11000], edited[11000];
	unsigned char *base = malloc(11000 * 48), *target = malloc(11000 * 48);
	size_t n = 1000;

	ASSERT(base && target);
	for (size_t i = 0; i < 11000; i++)
		keys[i] = (unsigned)i * 10;
	for (int round = 0; round < 60; round++) {
		size_t m = 0, base_len, target_len, len;
		int edits = 1 + round % 5;
		n = round < 40 ? 1000 : 10000;
		memcpy(edited, keys, n * sizeof(*keys));
		m = n;
		for (int e = 0; e < edits; e++) {
			size_t at = rnd() % m;
			switch (rnd() % 3) {
			case 0: /* an entry added */
				memmove(&edited[at + 1], &edited[at],
					(m - at) * sizeof(*edited));
				edited[at]++;
				m++;
				break;
			case 1: /* one removed */
				memmove(&edited[at], &edited[at + 1],
					(m - at - 1) * sizeof(*edited));
				m--;
				break;
			default: /* one changed (another id) */
				edited[at] += 5;
			}
		}
		base_len = make_tree(base, keys, n);
		target_len = make_tree(target, edited, m);
		ASSERT(round_trip(base, base_len, target, target_len, &len));
		/* each edit costs about one entry */
		ASSERT(len < 40 + (size_t)edits * 80);
		if (edits == 1)
			ASSERT(len < 200);
	}
	free(base);
	free(target);
}

TEST(test_delta__gives_up_past_the_limit)
{
	unsigned char a[4096], b[4096], *delta = (unsigned char *)"x";
	size_t len = 1;

	for (int i = 0; i < 4096; i++) {
		a[i] = (unsigned char)rnd();
		b[i] = (unsigned char)rnd();
	}
	ASSERT(ws_delta_create(&delta, &len, a, sizeof(a), b, sizeof(b),
			       2048) == 1);
	ASSERT(delta == NULL && len == 0);
}

TEST(test_delta__rejects_damaged_deltas)
{
	unsigned char base[100], *out = NULL, *delta = NULL;
	size_t out_len, len;
	static const unsigned char reserved[] = { 100, 1, 0 };
	static const unsigned char past_base[] = { 100, 10, 0x91, 95, 10 };
	static const unsigned char too_long[] = { 100, 2, 3, 'a', 'b', 'c' };
	static const unsigned char too_short[] = { 100, 4, 2, 'a', 'b' };
	static const unsigned char cut[] = { 100, 4, 4, 'a' };

	memset(base, 7, sizeof(base));
	ASSERT(ws_delta_apply(&out, &out_len, base, 99, reserved, 3) < 0);
	ASSERT(ws_delta_apply(&out, &out_len, base, 100, reserved, 3) < 0);
	ASSERT(ws_delta_apply(&out, &out_len, base, 100, past_base, 5) < 0);
	ASSERT(ws_delta_apply(&out, &out_len, base, 100, too_long, 6) < 0);
	ASSERT(ws_delta_apply(&out, &out_len, base, 100, too_short, 5) < 0);
	ASSERT(ws_delta_apply(&out, &out_len, base, 100, cut, 4) < 0);
	ASSERT(out == NULL);
	/* garbage: refused or applied, never read or written out of bounds
	 * (the sanitizer build watches) */
	for (int round = 0; round < 2000; round++) {
		unsigned char junk[64];
		size_t n = 2 + rnd() % (sizeof(junk) - 2);
		for (size_t i = 0; i < n; i++)
			junk[i] = (unsigned char)rnd();
		junk[0] = 100;
		junk[1] &= 0x7f;
		if (ws_delta_apply(&out, &out_len, base, 100, junk, n) == 0) {
			ASSERT(out_len == junk[1]);
			free(out);
			out = NULL;
		}
		ASSERT(out == NULL);
	}
	ASSERT(ws_delta_create(&delta, &len, base, 100, base, 50, SIZE_MAX) == 0);
	ASSERT(ws_delta_apply(&out, &out_len, base, 100, delta, len) == 0);
	ASSERT(out_len == 50 && !memcmp(out, base, 50));
	free(out);
	free(delta);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A 370 KB tree (10,000 entries) with edits at five places: well under
 * a millisecond or two each (a generous bound: sanitizers, busy CI). */
TEST(test_delta__encodes_large_trees_fast)
{
	unsigned keys[10005];
	unsigned char *base = malloc(10005 * 48), *target = malloc(10005 * 48);
	size_t base_len, target_len, len = 0;
	unsigned char *delta = NULL;
	double best = 1e9;

	ASSERT(base && target);
	for (unsigned i = 0; i < 10000; i++)
		keys[i] = i * 10;
	base_len = make_tree(base, keys, 10000);
	for (int e = 0; e < 5; e++) {
		size_t at = 100 + (size_t)e * 2000 + (size_t)e;
		memmove(&keys[at + 1], &keys[at], (10000 + (size_t)e - at) * sizeof(*keys));
		keys[at] = keys[at - 1] + 1;
	}
	target_len = make_tree(target, keys, 10005);
	ASSERT(base_len > 360000);
	for (int i = 0; i < 5; i++) {
		double t0 = seconds(), dt;
		ASSERT(ws_delta_create(&delta, &len, base, base_len, target,
				       target_len, target_len / 2) == 0);
		dt = seconds() - t0;
		best = dt < best ? dt : best;
		free(delta);
	}
	printf("# 370 KB tree, 5 entries added: delta %zu bytes, %.0f us\n",
	       len, best * 1e6);
	ASSERT(len < 500);
	ASSERT(best < 0.01);
	ASSERT(round_trip(base, base_len, target, target_len, NULL));
	free(base);
	free(target);
}
