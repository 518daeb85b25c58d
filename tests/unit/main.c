/* main.c - runs every registered unit test, each in its own temp dir. */
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

#define MAX_TESTS 1024

static struct {
	const char *name;
	unit_fn fn;
} tests[MAX_TESTS];
static int test_count;
static int current_failed;
static char tmpdir[4096];

void unit_register(const char *name, unit_fn fn)
{
	if (test_count < MAX_TESTS) {
		tests[test_count].name = name;
		tests[test_count].fn = fn;
		test_count++;
	}
}

void unit_fail(const char *file, int line, const char *expr, const char *msg)
{
	current_failed = 1;
	printf("# %s:%d: %s%s%s\n", file, line, expr, msg ? ": " : "",
	       msg ? msg : "");
}

int unit_failed(void)
{
	return current_failed;
}

const char *unit_tmpdir(void)
{
	return tmpdir;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
	int failed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	qsort(tests, test_count, sizeof(tests[0]), by_name);
	for (int i = 0; i < test_count; i++) {
		if (only && !strstr(tests[i].name, only))
			continue;
		snprintf(tmpdir, sizeof(tmpdir), "%s/ws-unit.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			return 2;
		}
		current_failed = 0;
		tests[i].fn();
		printf("%s %d - %s\n", current_failed ? "not ok" : "ok", i + 1,
		       tests[i].name);
		failed += current_failed;
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	printf("1..%d\n", test_count);
	return failed ? 1 : 0;
}
