/*
 * test_validate__real_modules: validates every *.wasm file in the directory
 * named by $WS_TEST_DATA (t0100 fills it with tests/fetch-test-data). Each
 * must be valid, or, when $WS_TEST_EXPECT is set, rejected with exactly
 * "invalid module: $WS_TEST_EXPECT". Prints one "# <verdict>: <file>" line
 * per file, in name order, for the shell test to compare.
 */
#include "unit.h"
#include "validate.h"
#include "wasmstore.h"

#include <dirent.h>
#include <stdlib.h>

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of dir's *.wasm files, sorted; NULL-terminated. */
static char **wasm_files(const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".wasm") != 0)
			continue;
		char **grown = realloc(names, (n + 2) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (names) {
		names[n] = NULL;
		qsort(names, n, sizeof(*names), by_name);
	}
	return names;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(size ? size : 1)) &&
	    fread(buf, 1, size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	*len = buf ? (size_t)size : 0;
	fclose(f);
	return buf;
}

/* 0 when the file gets the expected verdict, from one pass and from two
 * threads alike. */
static int check_file(const char *dir, const char *name, const char *expect)
{
	char path[4096], want[512];
	size_t len;
	unsigned char *data;
	int ok = 1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(data = read_file(path, &len))) {
		printf("# unreadable: %s\n", name);
		return -1;
	}
	if (expect)
		snprintf(want, sizeof(want), "invalid module: %s", expect);
	for (unsigned parts = 1; parts <= 2; parts++) {
		int rc = ws__validate_parts(data, len, parts);
		if (expect ? rc != WS_EINVALID || strcmp(ws_error_last(), want)
			   : rc != 0) {
			printf("# parts=%u: %s\n", parts,
			       rc ? ws_error_last() : "valid");
			ok = 0;
		}
	}
	free(data);
	printf("# %s: %s\n", ok ? (expect ? "rejected" : "valid") : "WRONG", name);
	return ok ? 0 : -1;
}

TEST(test_validate__real_modules)
{
	const char *dir = getenv("WS_TEST_DATA");
	const char *expect = getenv("WS_TEST_EXPECT");
	char **names;
	int failed = 0;

	if (!dir || !*dir) {
		printf("# skip: WS_TEST_DATA is not set\n");
		return;
	}
	if (expect && !*expect)
		expect = NULL;
	names = wasm_files(dir);
	ASSERT(names != NULL);
	for (size_t i = 0; names[i]; i++) {
		failed |= check_file(dir, names[i], expect);
		free(names[i]);
	}
	free(names);
	ASSERT(failed == 0);
}
