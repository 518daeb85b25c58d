/*
 * Unit tests of the validator (lib/validate.cc): tiny modules as bytes,
 * truncation, bad magic, bad bodies, custom sections that must not matter,
 * each post-MVP feature, and the multi-threaded path on a large module.
 */
#include "unit.h"
#include "validate.h"
#include "wasmstore.h"

#include <stdlib.h>

#define ASSERT_VALID(data, len) ASSERT_OK(ws__validate((data), (len)))

#define ASSERT_INVALID(want, data, len)                                 \
	do {                                                            \
		ASSERT_CODE(WS_EINVALID, ws__validate((data), (len)));  \
		ASSERT_STR((want), ws_error_last());                    \
	} while (0)

#define EOF_REASON "invalid module: unexpected end-of-file"

/* (module (func (result i32) i32.const 42)): header 0-8, type section
 * 8-15, function section 15-19, code section 19-27. */
static const unsigned char answer[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
	0x03, 0x02, 0x01, 0x00,
	0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b,
};

/* The same returning i64.const 42: a type mismatch in the body. */
static const unsigned char wrong_result[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
	0x03, 0x02, 0x01, 0x00,
	0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x2a, 0x0b,
};

/* (func) whose body is `end nop end`: bytes after the function's end. */
static const unsigned char after_end[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x03, 0x02, 0x01, 0x00,
	0x0a, 0x06, 0x01, 0x04, 0x00, 0x0b, 0x01, 0x0b,
};

/* `answer` followed by custom sections, valid or not. */
static size_t answer_with(unsigned char *out, const unsigned char *section,
			  size_t len)
{
	memcpy(out, answer, sizeof(answer));
	memcpy(out + sizeof(answer), section, len);
	return sizeof(answer) + len;
}

/* A "name" section whose function-names subsection has a cut LEB. */
static const unsigned char broken_names[] = {
	0x00, 0x08, 0x04, 'n', 'a', 'm', 'e', 0x01, 0xff, 0xff,
};

/* A "reloc.CODE" section with a byte past its entries: wabt parses it and
 * calls the section unfinished. */
static const unsigned char broken_reloc[] = {
	0x00, 0x0e, 0x0a, 'r', 'e', 'l', 'o', 'c', '.', 'C', 'O', 'D', 'E',
	0x00, 0x00, 0xff,
};

/* A "linking" section with a cut subsection. */
static const unsigned char broken_linking[] = {
	0x00, 0x0b, 0x07, 'l', 'i', 'n', 'k', 'i', 'n', 'g', 0x02, 0x05, 0xff,
};

/* A custom section whose name is not UTF-8: malformed, as the spec says. */
static const unsigned char bad_name_utf8[] = { 0x00, 0x03, 0x02, 0xff, 0xfe };

TEST(test_validate__minimal_modules)
{
	ASSERT_VALID(answer, 8); /* the empty module */
	ASSERT_VALID(answer, sizeof(answer));
}

TEST(test_validate__truncated_reads_unexpected_end_of_file)
{
	ASSERT_INVALID(EOF_REASON, answer, 5);
	ASSERT_INVALID(EOF_REASON, answer, 12);
	ASSERT_INVALID(EOF_REASON, "", 0);
}

TEST(test_validate__every_cut_inside_a_section_is_end_of_file)
{
	for (size_t n = 0; n < sizeof(answer); n++) {
		if (n == 8 || n == 15) /* between sections: still valid */
			ASSERT_VALID(answer, n);
		else if (n == 19) /* functions declared, no code section */
			ASSERT_INVALID("invalid module: function signature "
				       "count != function body count",
				       answer, n);
		else
			ASSERT_INVALID(EOF_REASON, answer, n);
	}
}

TEST(test_validate__bad_magic_and_version)
{
	unsigned char m[sizeof(answer)];

	memcpy(m, answer, sizeof(m));
	m[3] = 'n';
	ASSERT_INVALID("invalid module: bad magic value", m, sizeof(m));
	memcpy(m, answer, sizeof(m));
	m[4] = 2;
	ASSERT_INVALID("invalid module: bad wasm file version: 0x2 "
		       "(expected 0x1)", m, sizeof(m));
}

TEST(test_validate__bodies_are_type_checked)
{
	ASSERT_INVALID("invalid module: type mismatch in implicit return, "
		       "expected [i32] but got [i64]",
		       wrong_result, sizeof(wrong_result));
}

TEST(test_validate__nothing_after_the_function_end)
{
	ASSERT_INVALID("invalid module: instructions after the end of the "
		       "function", after_end, sizeof(after_end));
}

TEST(test_validate__broken_custom_sections_are_ignored)
{
	unsigned char m[64];

	ASSERT_VALID(m, answer_with(m, broken_names, sizeof(broken_names)));
	ASSERT_VALID(m, answer_with(m, broken_reloc, sizeof(broken_reloc)));
	ASSERT_VALID(m, answer_with(m, broken_linking, sizeof(broken_linking)));
}

TEST(test_validate__custom_section_name_must_be_utf8)
{
	unsigned char m[64];
	size_t n = answer_with(m, bad_name_utf8, sizeof(bad_name_utf8));

	ASSERT_INVALID("invalid module: invalid utf-8 encoding: section name",
		       m, n);
}

TEST(test_validate__message_has_no_offset)
{
	ASSERT_CODE(WS_EINVALID, ws__validate(wrong_result, sizeof(wrong_result)));
	ASSERT(strncmp(ws_error_last(), "invalid module: ", 16) == 0);
	ASSERT(strchr(ws_error_last(), '\n') == NULL);
}

/* Modules built with wat2wasm --enable-all from the WAT in the comments. */
/* (module (memory 1 1 shared) (func (param i32) (result i32) local.get 0 i32.const 1 i32.atomic.rmw.add atomic.fence))  */
static const unsigned char threads_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x04, 0x01, 0x03,
  0x01, 0x01, 0x0a, 0x0f, 0x01, 0x0d, 0x00, 0x20, 0x00, 0x41, 0x01, 0xfe,
  0x1e, 0x02, 0x00, 0xfe, 0x03, 0x00, 0x0b
};
/* (module (func (result v128) v128.const i32x4 1 2 3 4 v128.const i32x4 5 6 7 8 i32x4.add))  */
static const unsigned char simd_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
  0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x2b, 0x01, 0x29, 0x00,
  0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00,
  0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xfd, 0x0c, 0x05, 0x00, 0x00, 0x00,
  0x06, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
  0xfd, 0xae, 0x01, 0x0b
};
/* (module (tag $e (param i32)) (func (result i32) try (result i32) i32.const 1 throw $e catch $e catch_all i32.const 2 end))  */
static const unsigned char exceptions_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60,
  0x01, 0x7f, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x01, 0x0d,
  0x03, 0x01, 0x00, 0x00, 0x0a, 0x10, 0x01, 0x0e, 0x00, 0x06, 0x7f, 0x41,
  0x01, 0x08, 0x00, 0x07, 0x00, 0x19, 0x41, 0x02, 0x0b, 0x0b
};
/* (module (memory 1) (data $d "hi") (func i32.const 0 i32.const 0 i32.const 1 memory.copy i32.const 0 i32.const 0 i32.const 2 memory.init $d data.drop $d i32.const 0 i32.const 0 i32.const 1 memory.fill))  */
static const unsigned char bulk_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
  0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0c,
  0x01, 0x01, 0x0a, 0x24, 0x01, 0x22, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41,
  0x01, 0xfc, 0x0a, 0x00, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x02, 0xfc,
  0x08, 0x00, 0x00, 0xfc, 0x09, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x01,
  0xfc, 0x0b, 0x00, 0x0b, 0x0b, 0x05, 0x01, 0x01, 0x02, 0x68, 0x69
};
/* (module (table $t 1 funcref) (table $x 1 externref) (elem declare func $f) (func $f (result funcref) ref.func $f) (func (param externref) i32.const 0 ref.func $f table.set $t i32.const 0 local.get 0 table.set $x))  */
static const unsigned char reftypes_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60,
  0x00, 0x01, 0x70, 0x60, 0x01, 0x6f, 0x00, 0x03, 0x03, 0x02, 0x00, 0x01,
  0x04, 0x07, 0x02, 0x70, 0x00, 0x01, 0x6f, 0x00, 0x01, 0x09, 0x05, 0x01,
  0x03, 0x00, 0x01, 0x00, 0x0a, 0x15, 0x02, 0x04, 0x00, 0xd2, 0x00, 0x0b,
  0x0e, 0x00, 0x41, 0x00, 0xd2, 0x00, 0x26, 0x00, 0x41, 0x00, 0x20, 0x00,
  0x26, 0x01, 0x0b
};
/* (module (func $f (param i32) (result i32) local.get 0 return_call $f))  */
static const unsigned char tailcall_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x08, 0x01, 0x06,
  0x00, 0x20, 0x00, 0x12, 0x00, 0x0b
};
/* (module (memory $a 1) (memory $b 1) (func (result i32) i32.const 0 i32.load $b))  */
static const unsigned char multimemory_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
  0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x05, 0x02, 0x00, 0x01,
  0x00, 0x01, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0x28, 0x42, 0x01,
  0x00, 0x0b
};

TEST(test_validate__threads)
{
	ASSERT_VALID(threads_wasm, sizeof(threads_wasm));
}

TEST(test_validate__simd)
{
	ASSERT_VALID(simd_wasm, sizeof(simd_wasm));
}

TEST(test_validate__exceptions)
{
	ASSERT_VALID(exceptions_wasm, sizeof(exceptions_wasm));
}

TEST(test_validate__bulk_memory)
{
	ASSERT_VALID(bulk_wasm, sizeof(bulk_wasm));
}

/* wabt 1.0.32 with function references on rejects this one: the reason
 * validate.cc turns that feature off. */
TEST(test_validate__reference_types)
{
	ASSERT_VALID(reftypes_wasm, sizeof(reftypes_wasm));
}

TEST(test_validate__tail_calls)
{
	ASSERT_VALID(tailcall_wasm, sizeof(tailcall_wasm));
}

TEST(test_validate__multi_memory)
{
	ASSERT_VALID(multimemory_wasm, sizeof(multimemory_wasm));
}

/* ---- the multi-threaded path ---- */

struct buf {
	unsigned char *p;
	size_t len;
};

static void put(struct buf *b, unsigned char byte)
{
	b->p[b->len++] = byte;
}

static void put_leb(struct buf *b, size_t v)
{
	do {
		put(b, (v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

/*
 * `funcs` functions () -> (), each `nops` nops long; function `bad` (if
 * below funcs) starts with a `drop` on an empty stack instead. With enough
 * code, ws__validate_parts shares the bodies among threads.
 */
static struct buf big_module(size_t funcs, size_t nops, size_t bad)
{
	size_t body = 1 + nops + 1, code = 5 + funcs * (3 + body);
	struct buf b = { malloc(64 + funcs * 6 + code), 0 };

	if (!b.p)
		return b;
	memcpy(b.p, answer, 8);
	b.len = 8;
	put(&b, 0x01), put(&b, 4), put(&b, 1), put(&b, 0x60), put(&b, 0), put(&b, 0);

	struct buf fs = { b.p + b.len + 6, 0 }; /* function section body */
	put_leb(&fs, funcs);
	for (size_t i = 0; i < funcs; i++)
		put(&fs, 0);
	put(&b, 0x03);
	put_leb(&b, fs.len);
	memmove(b.p + b.len, fs.p, fs.len);
	b.len += fs.len;

	struct buf cs = { b.p + b.len + 6, 0 }; /* code section body */
	put_leb(&cs, funcs);
	for (size_t i = 0; i < funcs; i++) {
		put_leb(&cs, body);
		put(&cs, 0); /* no locals */
		for (size_t k = 0; k < nops; k++)
			put(&cs, i == bad && k == 0 ? 0x1a : 0x01);
		put(&cs, 0x0b);
	}
	put(&b, 0x0a);
	put_leb(&b, cs.len);
	memmove(b.p + b.len, cs.p, cs.len);
	b.len += cs.len;
	return b;
}

#define DROP_REASON \
	"invalid module: type mismatch in drop, expected [any] but got []"

TEST(test_validate__parts_agree_on_a_large_module)
{
	static const size_t bad_ones[] = { 5, 300, 590 };
	struct buf good = big_module(600, 500, (size_t)-1);

	ASSERT(good.p);
	for (unsigned parts = 1; parts <= 4; parts++)
		ASSERT_OK(ws__validate_parts(good.p, good.len, parts));
	ASSERT_OK(ws__validate(good.p, good.len));
	free(good.p);

	for (size_t i = 0; i < 3; i++) {
		struct buf m = big_module(600, 500, bad_ones[i]);
		ASSERT(m.p);
		for (unsigned parts = 1; parts <= 4; parts++) {
			int rc = ws__validate_parts(m.p, m.len, parts);
			if (rc != WS_EINVALID ||
			    strcmp(ws_error_last(), DROP_REASON) != 0) {
				free(m.p);
				ASSERT_STR(DROP_REASON, ws_error_last());
				ASSERT(rc == WS_EINVALID);
			}
		}
		free(m.p);
	}
}

TEST(test_validate__parts_see_a_truncated_large_module)
{
	struct buf m = big_module(600, 500, (size_t)-1);

	ASSERT(m.p);
	int rc = ws__validate_parts(m.p, m.len - 1, 2);
	free(m.p);
	ASSERT(rc == WS_EINVALID);
	ASSERT_STR(EOF_REASON, ws_error_last());
}
