/*
 * Unit tests of the quick check of function bodies (lib/validate_body.cc)
 * that ws__validate tries before wabt's full pass: known bodies get wabt's
 * messages through it, and random modules (random_module.c) must get
 * exactly the verdict and message of wabt's full pass; the quick check
 * must never accept a module that wabt refuses. WS_FUZZ_ITERATIONS
 * (default 20000) and WS_FUZZ_SEED set how many modules and which;
 * WS_FUZZ_SAVE names a file to keep a module that disagrees in.
 */
#include "unit.h"
#include "random_module.h"
#include "validate.h"
#include "wasmstore.h"

#include <stdint.h>
#include <stdlib.h>

/* ---- known bodies ---- */

/*
 * (module
 *   (type (func (param i32 i64) (result i32)))  ;; 0
 *   (type (func))                               ;; 1
 *   (memory 1)
 *   (global i32 (i32.const 0))                  ;; immutable
 *   (global (mut i64) (i64.const 0))
 *   (table 1 funcref)
 *   (elem declare func 1)
 *   (func (type 0) BODY)                        ;; the one tested
 *   (func (type 1)))
 * BODY is the local declarations, the instructions and the final end.
 */
static size_t with_body(unsigned char *m, const char *body, size_t len)
{
	static const unsigned char head[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x0a, 0x02, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7f, 0x60, 0x00, 0x00,
		0x03, 0x03, 0x02, 0x00, 0x01,
		0x04, 0x04, 0x01, 0x70, 0x00, 0x01,
		0x05, 0x03, 0x01, 0x00, 0x01,
		0x06, 0x0b, 0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b,
		0x7e, 0x01, 0x42, 0x00, 0x0b,
		0x09, 0x05, 0x01, 0x03, 0x00, 0x01, 0x01,
	};
	size_t n = sizeof(head);
	memcpy(m, head, n);
	m[n++] = 0x0a;
	m[n++] = (unsigned char)(len + 5);
	m[n++] = 2;
	m[n++] = (unsigned char)len;
	memcpy(m + n, body, len);
	n += len;
	memcpy(m + n, "\x02\x00\x0b", 3);
	return n + 3;
}

struct known {
	const char *what, *body;
	size_t len;
	const char *reason; /* NULL: valid */
};

#define BODY(s) s, sizeof(s) - 1

static const struct known known[] = {
	{"returns its param", BODY("\x00\x20\x00\x0b"), NULL},
	{"adds an i64 to an i32",
	 BODY("\x00\x20\x00\x20\x01\x6a\x0b"),
	 "type mismatch in i32.add, expected [i32, i32] but got [i32, i64]"},
	{"adds with one operand",
	 BODY("\x00\x41\x01\x6a\x0b"),
	 "type mismatch in i32.add, expected [i32, i32] but got [i32]"},
	{"returns an i64", BODY("\x00\x20\x01\x0b"),
	 "type mismatch in implicit return, expected [i32] but got [i64]"},
	{"leaves two values",
	 BODY("\x00\x20\x00\x20\x00\x0b"),
	 "type mismatch at end of function, expected [] but got [i32]"},
	{"reads local 2 of 2", BODY("\x00\x20\x02\x0b"),
	 "local variable out of range (max 2)"},
	{"reads a declared local",
	 BODY("\x01\x03\x7f\x20\x04\x0b"), NULL},
	{"reads past the declared locals",
	 BODY("\x01\x03\x7f\x20\x05\x0b"),
	 "local variable out of range (max 5)"},
	{"declares a local of no type",
	 BODY("\x01\x01\x60\x20\x00\x0b"), "expected valid local type"},
	{"branches out of the function",
	 BODY("\x00\x02\x40\x0c\x02\x0b\x20\x00\x0b"),
	 "invalid depth: 2 (max 1)"},
	{"branches with an i64 for an i32",
	 BODY("\x00\x20\x01\x0c\x00\x0b"),
	 "type mismatch in br, expected [i32] but got [i64]"},
	{"br_table to labels of two arities",
	 BODY("\x00\x02\x40\x20\x00\x20\x00\x0e\x01\x00\x01\x0b\x20\x00\x0b"),
	 "br_table labels have inconsistent types: expected [], got [i32]"},
	{"anything goes after unreachable",
	 BODY("\x00\x00\x6a\x1a\x1b\x0b"), NULL},
	{"but not a wrong type",
	 BODY("\x00\x00\x42\x00\x6a\x0b"),
	 "type mismatch in i32.add, expected [i32, i32] but got [i64]"},
	{"else without if", BODY("\x00\x02\x40\x05\x0b\x20\x00\x0b"),
	 "OnElseExpr callback failed"},
	{"if without else changes the type",
	 BODY("\x00\x20\x00\x04\x7f\x20\x00\x0b\x0b"),
	 "type mismatch in `if false` branch, expected [i32] but got []"},
	{"no end", BODY("\x00\x20\x00"),
	 "function body must end with END opcode"},
	{"ends early", BODY("\x00\x20\x00\x0b\x01\x0b"),
	 "instructions after the end of the function"},
	{"sets an immutable global",
	 BODY("\x00\x41\x00\x24\x00\x20\x00\x0b"),
	 "can't global.set on immutable global at index 0."},
	{"sets global 1", BODY("\x00\x20\x01\x24\x01\x20\x00\x0b"), NULL},
	{"calls function 2 of 2",
	 BODY("\x00\x10\x02\x20\x00\x0b"),
	 "function variable out of range: 2 (max 2)"},
	{"calls with missing arguments",
	 BODY("\x00\x41\x00\x10\x00\x0b"),
	 "type mismatch in call, expected [i32, i64] but got [i32]"},
	{"loads with a larger alignment",
	 BODY("\x00\x41\x00\x28\x03\x00\x0b"),
	 "alignment must not be larger than natural alignment (4)"},
	{"loads from memory 1 of 1",
	 BODY("\x00\x41\x00\x28\x42\x01\x00\x0b"),
	 "memory index 1 out of range"},
	{"refers to an undeclared function",
	 BODY("\x00\xd2\x00\x1a\x20\x00\x0b"),
	 "function 0 is not declared in any elem sections"},
	{"refers to a declared function",
	 BODY("\x00\xd2\x01\x1a\x20\x00\x0b"), NULL},
	{"selects an i32 or an i64",
	 BODY("\x00\x20\x00\x20\x01\x20\x00\x1b\x0b"),
	 "type mismatch in select, expected [i64, i64, i32] but got "
	 "[i32, i64, i32]"},
	{"an immediate runs past the body", BODY("\x00\x41"),
	 "function body longer than given size"},
	{"an unknown opcode", BODY("\x00\x20\x00\xff\x0b"),
	 "unexpected opcode: 0xff"},
	{"a simd lane out of range",
	 BODY("\x00\x41\x00\xfd\x11\xfd\x1b\x04\x0b"),
	 "lane index must be less than 4 (got 4)"},
	{"gets from table 0",
	 BODY("\x00\x41\x00\x25\x00\x1a\x20\x00\x0b"), NULL},
	{"sets an i32 into table 0",
	 BODY("\x00\x41\x00\x41\x00\x26\x00\x20\x00\x0b"),
	 "type mismatch in table.set, expected [i32, funcref] but got "
	 "[i32, i32]"},
	{"grows table 1 of 1",
	 BODY("\x00\xd0\x70\x41\x01\xfc\x0f\x01\x1a\x20\x00\x0b"),
	 "table variable out of range: 1 (max 1)"},
	{"initializes table 0 from segment 0",
	 BODY("\x00\x41\x00\x41\x00\x41\x00\xfc\x0c\x00\x00\x20\x00\x0b"),
	 NULL},
	{"try, catch_all, rethrow",
	 BODY("\x00\x06\x40\x19\x09\x00\x0b\x20\x00\x0b"), NULL},
	{"rethrow outside a catch",
	 BODY("\x00\x06\x40\x09\x00\x0b\x20\x00\x0b"),
	 "rethrow not in try catch block"},
	{"delegate out of the function",
	 BODY("\x00\x06\x40\x18\x01\x20\x00\x0b"),
	 "invalid depth: 2 (max 1)"},
	{"an atomic load, not aligned",
	 BODY("\x00\x41\x00\xfe\x10\x01\x00\x0b"),
	 "alignment must be equal to natural alignment (4)"},
};

TEST(test_validate_quick__refuses_with_wabts_messages)
{
	unsigned char m[256];
	char want[256];

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct known *k = &known[i];
		size_t n = with_body(m, k->body, k->len);
		int quick = ws__validate_quick(m, n);
		int rc = ws__validate(m, n);
		printf("# %s: quick %d, %s\n", k->what, quick,
		       rc ? ws_error_last() : "valid");
		if (!k->reason) {
			ASSERT(quick == 1);
			ASSERT_OK(rc);
			continue;
		}
		snprintf(want, sizeof(want), "invalid module: %s", k->reason);
		ASSERT(quick == 0);
		ASSERT(rc == WS_EINVALID);
		ASSERT_STR(want, ws_error_last());
		ASSERT(ws__validate_full(m, n) == WS_EINVALID);
		ASSERT_STR(want, ws_error_last());
	}
}

TEST(test_validate_quick__a_cut_body_is_end_of_file)
{
	unsigned char m[256];
	size_t n = with_body(m, BODY("\x01\x01\x7e\x42\x80\x80\x01\x1a"
				     "\x20\x00\x0b"));

	ASSERT(ws__validate_quick(m, n) == 1);
	for (size_t cut = n - 16; cut < n; cut++) {
		ASSERT(ws__validate_quick(m, cut) == 0);
		ASSERT_CODE(WS_EINVALID, ws__validate(m, cut));
		ASSERT_STR("invalid module: unexpected end-of-file",
			   ws_error_last());
	}
}

static unsigned long env_number(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

TEST(test_validate_quick__agrees_with_wabt_on_random_modules)
{
	unsigned long runs = env_number("WS_FUZZ_ITERATIONS", 20000);
	unsigned long seed = env_number("WS_FUZZ_SEED", 1);
	unsigned long valid = 0, quick = 0;
	char full_msg[1024];

	for (unsigned long i = 0; i < runs; i++) {
		unsigned char *m;
		size_t len = random_module(&m, seed * 0x100000001b3ull + i);

		int full = ws__validate_full(m, len);
		snprintf(full_msg, sizeof(full_msg), "%s",
			 full ? ws_error_last() : "");
		int q = ws__validate_quick(m, len);
		int rc = ws__validate_parts(m, len, 1);
		int same = rc == full &&
			   (!rc || strcmp(ws_error_last(), full_msg) == 0);
		if ((q && full) || !same) {
			const char *save = getenv("WS_FUZZ_SAVE");
			FILE *f = save && *save ? fopen(save, "wb") : NULL;
			if (f)
				fwrite(m, 1, len, f), fclose(f);
			printf("# module %lu of seed %lu: quick %d, full %d "
			       "\"%s\", ours %d\n",
			       i, seed, q, full, full_msg, rc);
			free(m);
			ASSERT(!(q && full) && same);
		}
		valid += full == 0;
		quick += q;
		free(m);
	}
	printf("# %lu modules, %lu valid, %lu of those passed the quick "
	       "check\n", runs, valid, quick);
	/* the generator must keep the quick check busy on valid modules */
	ASSERT(valid >= runs / 10);
	ASSERT(quick * 10 >= valid * 8);
}
