/*
 * unit.h - a tiny TAP unit-test harness for the core library (libgit2's
 * clar in spirit). Each test file defines tests with
 *
 *     TEST(test_module__behaviour) { ... ASSERT(...); ... }
 *
 * which register themselves at load time; main.c runs them all, each in a
 * fresh temporary directory (unit_tmpdir()), and prints TAP.
 */
#ifndef WS_UNIT_H
#define WS_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn);
void unit_fail(const char *file, int line, const char *expr, const char *msg);
int unit_failed(void);
/* A fresh empty directory for the running test (removed afterwards). */
const char *unit_tmpdir(void);

#define TEST(name)                                                     \
	static void name(void);                                        \
	__attribute__((constructor)) static void name##__register(void) \
	{                                                              \
		unit_register(#name, name);                            \
	}                                                              \
	static void name(void)

#define ASSERT(expr)                                                  \
	do {                                                          \
		if (!(expr)) {                                        \
			unit_fail(__FILE__, __LINE__, #expr, NULL);   \
			return;                                       \
		}                                                     \
	} while (0)

/* Asserts a library call returned `want`, showing ws_error_last() if not. */
#define ASSERT_CODE(want, call)                                           \
	do {                                                              \
		int unit__rc = (call);                                    \
		if (unit__rc != (want)) {                                 \
			char unit__m[512];                                \
			snprintf(unit__m, sizeof(unit__m),                \
				 "got %d, want %d: %s", unit__rc, (want), \
				 ws_error_last());                        \
			unit_fail(__FILE__, __LINE__, #call, unit__m);    \
			return;                                           \
		}                                                         \
	} while (0)

#define ASSERT_OK(call) ASSERT_CODE(0, call)

#define ASSERT_STR(want, got)                                              \
	do {                                                               \
		const char *unit__w = (want), *unit__g = (got);            \
		if (!unit__g || strcmp(unit__w, unit__g) != 0) {           \
			char unit__m[1024];                                \
			snprintf(unit__m, sizeof(unit__m),                 \
				 "want \"%s\", got \"%s\"", unit__w,       \
				 unit__g ? unit__g : "(null)");            \
			unit_fail(__FILE__, __LINE__, #got, unit__m);      \
			return;                                            \
		}                                                          \
	} while (0)

#endif
