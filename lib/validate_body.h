/*
 * validate_body.h - a quick check of function bodies, without wabt's
 * reader (C++, used by validate.cc).
 *
 * validate.cc reads the module with wabt, bodies skipped, and fills a
 * ws_body_context with what the bodies may refer to. ws_bodies_valid then
 * reads each body once, in place, and type-checks it the way wabt 1.0.32's
 * reader and SharedValidator do. It never explains a refusal: "false" only
 * means "let wabt read this module", which finds the error and its message.
 * So the check may refuse more than wabt (anything it does not know) but
 * must never accept what wabt refuses.
 */
#ifndef WS_VALIDATE_BODY_H
#define WS_VALIDATE_BODY_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include <wabt/feature.h>
#include <wabt/type.h>

/* Value types as the check stores them; ANY is wabt's "unknown" type of
 * unreachable code. NONE: no type, or one the check does not know (a
 * body that uses it is refused). */
enum ws_valtype : uint8_t {
	WS_T_ANY = 0,
	WS_T_I32,
	WS_T_I64,
	WS_T_F32,
	WS_T_F64,
	WS_T_V128,
	WS_T_FUNCREF,
	WS_T_EXTERNREF,
	WS_T_NONE = 0xff,
};

uint8_t ws_valtype_of(wabt::Type type);

/* A function type: its params then its results, in ws_body_context.pool. */
struct ws_functype {
	uint32_t first, params, results;
	bool known; /* a function type, every type in it a ws_valtype */
};

struct ws_global {
	uint8_t type;
	bool mutable_;
};

/* A function body: bytes [begin, end) of the module, after its size. */
struct ws_body {
	size_t begin, end;
	uint32_t func;
};

/* What bodies may refer to, from the module's other sections. */
struct ws_body_context {
	std::vector<uint8_t> pool;
	std::vector<ws_functype> types;
	std::vector<uint32_t> funcs;   /* type index of each function */
	std::vector<uint8_t> tables;   /* element type of each table */
	std::vector<uint8_t> memories; /* index type of each memory */
	std::vector<ws_global> globals;
	std::vector<uint8_t> elems;    /* element type of each segment */
	std::vector<uint32_t> tags;    /* type index of each tag */
	std::vector<bool> declared;    /* functions that ref.func may name */
	bool has_data_count = false;
	uint32_t data_count = 0;
	std::vector<ws_body> bodies;
};

/* The opcodes the check knows (those `features` enable), with their
 * operand and result types taken from wabt's own opcode table. */
class ws_optable;
const ws_optable &ws_optable_for(const wabt::Features &features);

/* True when bodies [first, last) of `cx` are all valid; false when one is
 * not, or when the check cannot tell. `data` is the whole module. */
bool ws_bodies_valid(const ws_body_context &cx, const ws_optable &ops,
		     const uint8_t *data, size_t first, size_t last);

#endif
