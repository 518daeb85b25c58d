/*
 * validate-bench.c - times the validator in-process on one module file.
 *
 *   validate-bench FILE [RUNS]
 *
 * Prints four lines, times in milliseconds:
 *   first <ms>           the process's first validation (cold caches)
 *   default <median_ms>  ws__validate, bodies shared among threads
 *   one-pass <median_ms> ws__validate_parts(..., 1), a single thread
 *   wabt <median_ms>     ws__validate_full: wabt's full pass alone, one
 *                        thread (what one-pass was before the quick check)
 */
#include "validate.h"
#include "wasmstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(size)) &&
	    fread(buf, 1, size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	*len = buf ? (size_t)size : 0;
	fclose(f);
	return buf;
}

enum { DEFAULT, ONE_PASS, WABT };

/* Median of `runs` timed validations of the given kind. */
static double median_ms(const unsigned char *data, size_t len, int runs,
			int kind, int *rc)
{
	double *t = malloc(runs * sizeof(*t)), m;

	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		*rc |= kind == DEFAULT	  ? ws__validate(data, len)
		       : kind == ONE_PASS ? ws__validate_parts(data, len, 1)
					  : ws__validate_full(data, len);
		t[i] = now_ms() - t0;
	}
	qsort(t, runs, sizeof(*t), by_value);
	m = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
	free(t);
	return m;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 51, rc = 0;
	unsigned char *data;
	size_t len;

	if (argc < 2 || runs < 1) {
		fprintf(stderr, "usage: validate-bench FILE [RUNS]\n");
		return 2;
	}
	if (!(data = read_file(argv[1], &len))) {
		fprintf(stderr, "validate-bench: cannot read '%s'\n", argv[1]);
		return 1;
	}

	double t0 = now_ms();
	rc |= ws__validate(data, len);
	printf("first %.3f\n", now_ms() - t0);
	printf("default %.3f\n", median_ms(data, len, runs, DEFAULT, &rc));
	printf("one-pass %.3f\n", median_ms(data, len, runs, ONE_PASS, &rc));
	printf("wabt %.3f\n", median_ms(data, len, runs, WABT, &rc));
	free(data);
	if (rc) {
		fprintf(stderr, "validate-bench: %s\n", ws_error_last());
		return 1;
	}
	return 0;
}
