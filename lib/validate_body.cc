/*
 * validate_body.cc - a quick check of function bodies (see validate_body.h).
 *
 * The rules are wabt 1.0.32's, read from its binary-reader.cc,
 * shared-validator.cc and type-checker.cc, including where they are looser
 * than the spec (e.g. a typed `select` leaves an unknown type on the
 * stack), since this check must accept exactly what wabt accepts or less.
 * Integers are read with wabt's own LEB128 readers, operand and result
 * types come from wabt's opcode table, so only the control structure,
 * immediates and stack discipline are written here.
 */
#include "validate_body.h"

#include <algorithm>
#include <cstring>

#include <wabt/leb128.h>
#include <wabt/opcode.h>

using wabt::Opcode;
using wabt::Type;

uint8_t ws_valtype_of(Type type)
{
	switch (type) {
	case Type::I32: return WS_T_I32;
	case Type::I64: return WS_T_I64;
	case Type::F32: return WS_T_F32;
	case Type::F64: return WS_T_F64;
	case Type::V128: return WS_T_V128;
	case Type::FuncRef: return WS_T_FUNCREF;
	case Type::ExternRef: return WS_T_EXTERNREF;
	default: return WS_T_NONE;
	}
}

namespace {

/* How an opcode is read and checked. The PLAIN..MEM_LANE kinds pop
 * op_info.n operands and push op_info.r; memory kinds read a memarg first
 * and their first operand is an address of the memory's index type. The
 * others are handled one by one. */
enum op_kind : uint8_t {
	K_NONE = 0, /* unknown, disabled or left to wabt */
	K_PLAIN,
	K_MEM,
	K_ATOMIC,   /* a memarg whose alignment must be the natural one */
	K_LANE,     /* a lane index byte */
	K_MEM_LANE, /* a memarg, then a lane index byte */
	K_PREFIX,   /* 0xfc, 0xfd, 0xfe: a LEB128 opcode follows */
	K_UNREACHABLE,
	K_NOP,
	K_BLOCK,
	K_LOOP,
	K_IF,
	K_ELSE,
	K_END,
	K_BR,
	K_BR_IF,
	K_BR_TABLE,
	K_RETURN,
	K_CALL,
	K_CALL_INDIRECT,
	K_RETURN_CALL,
	K_RETURN_CALL_INDIRECT,
	K_DROP,
	K_SELECT,
	K_SELECT_T,
	K_LOCAL_GET,
	K_LOCAL_SET,
	K_LOCAL_TEE,
	K_GLOBAL_GET,
	K_GLOBAL_SET,
	K_MEMORY_SIZE,
	K_MEMORY_GROW,
	K_I32_CONST,
	K_I64_CONST,
	K_F32_CONST,
	K_F64_CONST,
	K_V128_CONST,
	K_SHUFFLE,
	K_REF_NULL,
	K_REF_IS_NULL,
	K_REF_FUNC,
	K_MEMORY_INIT,
	K_DATA_DROP,
	K_MEMORY_COPY,
	K_MEMORY_FILL,
	K_ATOMIC_FENCE,
	K_TABLE_GET,
	K_TABLE_SET,
	K_TABLE_SIZE,
	K_TABLE_GROW,
	K_TABLE_FILL,
	K_TABLE_COPY,
	K_TABLE_INIT,
	K_ELEM_DROP,
	K_TRY,
	K_CATCH,
	K_CATCH_ALL,
	K_DELEGATE,
	K_THROW,
	K_RETHROW,
	K_COUNT
};

struct op_info {
	uint8_t kind;
	uint8_t n;     /* operands popped */
	uint8_t p[3];  /* their types, first operand first */
	uint8_t r;     /* result pushed, or WS_T_NONE */
	uint8_t align; /* log2 of the natural alignment (memory kinds) */
	uint8_t lanes; /* lane count (lane kinds) */
};

/* Slots: one-byte opcodes, then the 0xfc, 0xfe and 0xfd codes. */
const unsigned kSlotFC = 256, kSlotFE = 288, kSlotFD = 384, kSlots = 672;

int slot_of(uint32_t prefix, uint32_t code)
{
	switch (prefix) {
	case 0: return code < 256 ? int(code) : -1;
	case 0xfc: return code < kSlotFE - kSlotFC ? int(kSlotFC + code) : -1;
	case 0xfe: return code < kSlotFD - kSlotFE ? int(kSlotFE + code) : -1;
	case 0xfd: return code < kSlots - kSlotFD ? int(kSlotFD + code) : -1;
	}
	return -1;
}

/* The kind of a one-byte opcode that is not a load, store or operator. */
uint8_t one_byte_kind(uint32_t code)
{
	switch (code) {
	case 0x00: return K_UNREACHABLE;
	case 0x01: return K_NOP;
	case 0x02: return K_BLOCK;
	case 0x03: return K_LOOP;
	case 0x04: return K_IF;
	case 0x05: return K_ELSE;
	case 0x06: return K_TRY;
	case 0x07: return K_CATCH;
	case 0x08: return K_THROW;
	case 0x09: return K_RETHROW;
	case 0x0b: return K_END;
	case 0x0c: return K_BR;
	case 0x0d: return K_BR_IF;
	case 0x0e: return K_BR_TABLE;
	case 0x0f: return K_RETURN;
	case 0x10: return K_CALL;
	case 0x11: return K_CALL_INDIRECT;
	case 0x12: return K_RETURN_CALL;
	case 0x13: return K_RETURN_CALL_INDIRECT;
	case 0x18: return K_DELEGATE;
	case 0x19: return K_CATCH_ALL;
	case 0x1a: return K_DROP;
	case 0x1b: return K_SELECT;
	case 0x1c: return K_SELECT_T;
	case 0x20: return K_LOCAL_GET;
	case 0x21: return K_LOCAL_SET;
	case 0x22: return K_LOCAL_TEE;
	case 0x23: return K_GLOBAL_GET;
	case 0x24: return K_GLOBAL_SET;
	case 0x25: return K_TABLE_GET;
	case 0x26: return K_TABLE_SET;
	case 0x3f: return K_MEMORY_SIZE;
	case 0x40: return K_MEMORY_GROW;
	case 0x41: return K_I32_CONST;
	case 0x42: return K_I64_CONST;
	case 0x43: return K_F32_CONST;
	case 0x44: return K_F64_CONST;
	case 0xd0: return K_REF_NULL;
	case 0xd1: return K_REF_IS_NULL;
	case 0xd2: return K_REF_FUNC;
	}
	return K_NONE; /* call_ref and the like: to wabt */
}

/* The kind of an opcode, by its encoding (the spec's, as wabt reads it). */
uint8_t kind_of(uint32_t prefix, uint32_t code)
{
	switch (prefix) {
	case 0:
		if (code >= 0x28 && code <= 0x3e)
			return K_MEM;
		if (code >= 0x45 && code <= 0xc4)
			return K_PLAIN;
		return one_byte_kind(code);
	case 0xfc:
		switch (code) {
		case 8: return K_MEMORY_INIT;
		case 9: return K_DATA_DROP;
		case 10: return K_MEMORY_COPY;
		case 11: return K_MEMORY_FILL;
		case 12: return K_TABLE_INIT;
		case 13: return K_ELEM_DROP;
		case 14: return K_TABLE_COPY;
		case 15: return K_TABLE_GROW;
		case 16: return K_TABLE_SIZE;
		case 17: return K_TABLE_FILL;
		}
		return code < 8 ? K_PLAIN : K_NONE;
	case 0xfe:
		if (code == 3)
			return K_ATOMIC_FENCE;
		return code < 3 || (code >= 0x10 && code <= 0x4e) ? K_ATOMIC
								    : K_NONE;
	case 0xfd:
		if (code <= 0x0b || code == 0x5c || code == 0x5d)
			return K_MEM;
		if (code == 0x0c)
			return K_V128_CONST;
		if (code == 0x0d)
			return K_SHUFFLE;
		if (code >= 0x15 && code <= 0x22)
			return K_LANE;
		if (code >= 0x54 && code <= 0x5b)
			return K_MEM_LANE;
		return K_PLAIN;
	}
	return K_NONE;
}

/*
 * How many operands wabt's reader has the validator pop for a one-byte
 * numeric opcode: its table also lists a second f32/f64 operand for the
 * float unary operators (abs .. sqrt), which it never pops.
 */
unsigned numeric_arity(uint32_t code)
{
	if (code == 0x45 || code == 0x50 ||     /* eqz */
	    (code >= 0x67 && code <= 0x69) ||   /* i32 clz, ctz, popcnt */
	    (code >= 0x79 && code <= 0x7b) ||   /* i64 clz, ctz, popcnt */
	    (code >= 0x8b && code <= 0x91) ||   /* f32 abs .. sqrt */
	    (code >= 0x99 && code <= 0x9f) ||   /* f64 abs .. sqrt */
	    code >= 0xa7)                       /* conversions, extends */
		return 1;
	return 2;                               /* comparisons, binary */
}

/* wabt's opcode table, as its header lists it. */
struct def_entry {
	Opcode::Enum op;
	uint32_t prefix, code;
	Type::Enum result, params[3];
	uint64_t mem_size;
};

const def_entry kDefs[] = {
#define WABT_OPCODE(rtype, type1, type2, type3, mem_size, prefix, code, \
		    Name, text, decomp)                                    \
	{Opcode::Name, prefix, code, Type::rtype,                         \
	 {Type::type1, Type::type2, Type::type3}, mem_size},
#include <wabt/opcode.def>
#undef WABT_OPCODE
};

uint8_t log2_of(uint64_t n)
{
	uint8_t l = 0;
	while (n > 1)
		n >>= 1, l++;
	return l;
}

} // namespace

class ws_optable {
public:
	explicit ws_optable(const wabt::Features &f)
		: multi_value(f.multi_value_enabled())
	{
		memset(ops, 0, sizeof(ops));
		memset(types, 0, sizeof(types));
		types[WS_T_I32] = types[WS_T_I64] = 1;
		types[WS_T_F32] = types[WS_T_F64] = 1;
		types[WS_T_V128] = f.simd_enabled();
		types[WS_T_FUNCREF] = f.reference_types_enabled();
		types[WS_T_EXTERNREF] = f.reference_types_enabled();
		for (const def_entry &d : kDefs)
			add(f, d);
		for (uint32_t b = 0xfc; b <= 0xfe; b++)
			ops[b].kind = K_PREFIX;
		/* How wabt reads these depends on features left on here:
		 * memory indexes (multi-memory), call_indirect's table
		 * (reference types). Without them, leave it all to wabt. */
		for (op_info &o : ops) {
			bool mem = o.kind == K_MEM || o.kind == K_ATOMIC ||
				   o.kind == K_MEM_LANE ||
				   (o.kind >= K_MEMORY_SIZE &&
				    o.kind <= K_MEMORY_GROW) ||
				   (o.kind >= K_MEMORY_INIT &&
				    o.kind <= K_MEMORY_FILL);
			bool table = o.kind == K_CALL_INDIRECT ||
				     o.kind == K_RETURN_CALL_INDIRECT;
			if ((mem && !f.multi_memory_enabled()) ||
			    (table && !f.reference_types_enabled()))
				o.kind = K_NONE;
		}
	}

	op_info ops[kSlots];
	bool types[8];    /* value types a body may name */
	bool multi_value; /* block types may be type indexes */

private:
	void add(const wabt::Features &f, const def_entry &d)
	{
		Opcode op(d.op);
		uint32_t prefix = d.prefix, code = d.code;
		Type result(d.result);
		int slot = slot_of(prefix, code);
		if (slot < 0 || !op.IsEnabled(f))
			return;
		op_info o = {};
		o.kind = kind_of(prefix, code);
		o.r = result == Type::Void ? uint8_t(WS_T_NONE)
					   : ws_valtype_of(result);
		for (Type t : d.params) {
			if (t == Type::Void)
				break;
			o.p[o.n++] = ws_valtype_of(t);
		}
		if (prefix == 0 && o.kind == K_PLAIN)
			o.n = uint8_t(numeric_arity(code));
		o.align = log2_of(d.mem_size);
		if (o.kind == K_LANE || o.kind == K_MEM_LANE)
			o.lanes = uint8_t(op.GetSimdLaneCount());
		bool typed = o.kind >= K_PLAIN && o.kind <= K_MEM_LANE;
		for (unsigned i = 0; typed && i < o.n; i++)
			if (o.p[i] == WS_T_NONE)
				o.kind = K_NONE;
		if (typed && o.r == WS_T_NONE && result != Type::Void)
			o.kind = K_NONE;
		/* the checker pushes these kinds' results unconditionally */
		if ((o.kind == K_PLAIN || o.kind == K_LANE) && o.r == WS_T_NONE)
			o.kind = K_NONE;
		ops[slot] = o;
	}
};

const ws_optable &ws_optable_for(const wabt::Features &features)
{
	/* validate.cc always passes the same features. */
	static const ws_optable table(features);
	return table;
}

namespace {

enum ctrl_kind : uint8_t { C_FUNC, C_BLOCK, C_LOOP, C_IF, C_ELSE, C_TRY,
			  C_CATCH /* after catch or catch_all */ };

/* One open block, as wabt's TypeChecker::Label. */
struct ctrl {
	uint32_t height; /* type stack height at its start */
	uint8_t kind;
	bool unreachable;
	uint32_t np, nr;
	const uint8_t *params, *results;
};

/* Each value type as a one-type result list. */
const uint8_t kSingle[8] = {0, 1, 2, 3, 4, 5, 6, 7};

/* Functions with more locals than this keep them as runs, not one byte
 * per local. */
const uint64_t kFlatLocals = 1 << 16;

/* For the helpers of the checker's loop: kept in registers. */
#define HOT inline __attribute__((always_inline))

/* Reads a body's immediates as wabt does, bounded by the body's end. */
struct reader {
	const uint8_t *p, *end;

	HOT bool u8(uint8_t *out)
	{
		if (p >= end)
			return false;
		*out = *p++;
		return true;
	}
	HOT bool skip(size_t n)
	{
		if (size_t(end - p) < n)
			return false;
		p += n;
		return true;
	}
	/* One and two bytes here, longer ones by wabt: the same result. */
	HOT bool u32(uint32_t *out)
	{
		if (p < end && *p < 0x80) {
			*out = *p++;
			return true;
		}
		if (end - p >= 2 && p[1] < 0x80) {
			*out = (p[0] & 0x7fu) | uint32_t(p[1]) << 7;
			p += 2;
			return true;
		}
		size_t n = wabt::ReadU32Leb128(p, end, out);
		p += n;
		return n > 0;
	}
	HOT bool u64(uint64_t *out)
	{
		size_t n = wabt::ReadU64Leb128(p, end, out);
		p += n;
		return n > 0;
	}
	HOT bool s32(uint32_t *out)
	{
		if (p < end && *p < 0x80) {
			*out = uint32_t(int32_t(int8_t(*p++ << 1)) >> 1);
			return true;
		}
		if (end - p >= 2 && p[1] < 0x80) { /* sign bit: bit 13 */
			uint32_t v = (p[0] & 0x7fu) | uint32_t(p[1]) << 7;
			*out = uint32_t(int32_t(v << 18) >> 18);
			p += 2;
			return true;
		}
		size_t n = wabt::ReadS32Leb128(p, end, out);
		p += n;
		return n > 0;
	}
	HOT bool s64()
	{
		if (p < end && *p < 0x80) {
			p++;
			return true;
		}
		uint64_t v;
		size_t n = wabt::ReadS64Leb128(p, end, &v);
		p += n;
		return n > 0;
	}
	/* A count of items that each take at least a byte. */
	HOT bool count(uint32_t *out)
	{
		return u32(out) && *out <= size_t(end - p);
	}
};

class body_checker {
public:
	body_checker(const ws_body_context &cx, const ws_optable &ops)
		: cx_(cx), ops_(ops), stack_(1024), ctrls_(64)
	{
	}

	bool check(const ws_body &body, const uint8_t *data);

private:
	bool read_locals(reader *r, const ws_functype &ft);
	HOT bool local_type(uint32_t index, uint8_t *out) const;
	bool run_type(uint32_t index, uint8_t *out) const;
	HOT bool value_type(reader *r, uint8_t *out) const;
	HOT bool block_type(reader *r, uint32_t *np, const uint8_t **params,
			    uint32_t *nr, const uint8_t **results) const;
	HOT bool memarg(reader *r, const op_info &o, bool atomic,
			uint8_t *index_type) const;
	bool tag_params(uint32_t type, uint32_t *n,
			const uint8_t **types) const;

	const ws_body_context &cx_;
	const ws_optable &ops_;
	std::vector<uint8_t> stack_;
	std::vector<ctrl> ctrls_;
	std::vector<uint8_t> locals_;  /* one type per local, or */
	std::vector<uint64_t> runs_;   /* (end << 8 | type) per run */
	uint64_t nlocals_ = 0;
};

HOT bool body_checker::value_type(reader *r, uint8_t *out) const
{
	uint32_t v;
	if (!r->s32(&v))
		return false;
	*out = ws_valtype_of(Type(int32_t(v)));
	return *out != WS_T_NONE && ops_.types[*out];
}

HOT bool body_checker::block_type(reader *r, uint32_t *np,
			      const uint8_t **params, uint32_t *nr,
			      const uint8_t **results) const
{
	uint32_t v;
	if (!r->s32(&v))
		return false;
	*np = 0;
	*params = nullptr;
	if (v == uint32_t(Type::Void)) {
		*nr = 0;
		*results = nullptr;
		return true;
	}
	if (int32_t(v) < 0) {
		uint8_t t = ws_valtype_of(Type(int32_t(v)));
		if (t == WS_T_NONE || !ops_.types[t])
			return false;
		*nr = 1;
		*results = &kSingle[t];
		return true;
	}
	if (!ops_.multi_value || v >= cx_.types.size() || !cx_.types[v].known)
		return false;
	const ws_functype &ft = cx_.types[v];
	*np = ft.params;
	*params = cx_.pool.data() + ft.first;
	*nr = ft.results;
	*results = *params + ft.params;
	return true;
}

/* Locals: the function's params, then its declared locals. */
bool body_checker::read_locals(reader *r, const ws_functype &ft)
{
	const uint8_t *params = cx_.pool.data() + ft.first;
	uint32_t decls, n = 0;
	uint8_t type = 0;
	const uint8_t *start;

	if (!r->count(&decls))
		return false;
	/* First pass: how many locals, all well-formed. */
	start = r->p;
	nlocals_ = ft.params;
	for (uint32_t i = 0; i < decls; i++) {
		if (!r->u32(&n) || !value_type(r, &type))
			return false;
		nlocals_ += n;
	}
	if (nlocals_ >= UINT32_MAX)
		return false;
	const uint8_t *code = r->p;
	r->p = start;
	if (nlocals_ <= kFlatLocals) {
		locals_.resize(nlocals_);
		std::copy(params, params + ft.params, locals_.begin());
		auto at = locals_.begin() + ft.params;
		for (uint32_t i = 0; i < decls; i++) {
			r->u32(&n), value_type(r, &type);
			at = std::fill_n(at, n, type);
		}
	} else {
		runs_.clear();
		uint64_t at = 0;
		for (uint32_t i = 0; i < ft.params; i++)
			runs_.push_back(++at << 8 | params[i]);
		for (uint32_t i = 0; i < decls; i++) {
			r->u32(&n), value_type(r, &type);
			if (n)
				runs_.push_back((at += n) << 8 | type);
		}
	}
	r->p = code;
	return true;
}

HOT bool body_checker::local_type(uint32_t index, uint8_t *out) const
{
	if (index >= nlocals_)
		return false;
	if (nlocals_ <= kFlatLocals) {
		*out = locals_[index];
		return true;
	}
	return run_type(index, out);
}

bool body_checker::run_type(uint32_t index, uint8_t *out) const
{
	size_t lo = 0, hi = runs_.size();
	while (lo < hi) { /* first run whose end is past index */
		size_t mid = (lo + hi) / 2;
		if ((runs_[mid] >> 8) > index)
			hi = mid;
		else
			lo = mid + 1;
	}
	*out = uint8_t(runs_[lo]);
	return true;
}

/* A tag's values: its type's params (wabt made sure it has no results). */
bool body_checker::tag_params(uint32_t type, uint32_t *n,
			      const uint8_t **types) const
{
	if (type >= cx_.types.size() || !cx_.types[type].known)
		return false;
	*n = cx_.types[type].params;
	*types = cx_.pool.data() + cx_.types[type].first;
	return true;
}

/* A memarg, as wabt's ReadMemLocation and CheckAlign see it. */
HOT bool body_checker::memarg(reader *r, const op_info &o, bool atomic,
			  uint8_t *index_type) const
{
	uint32_t align, mem = 0;
	if (!r->u32(&align) || align >= 128)
		return false;
	if (align & 0x40) {
		align &= 0x3f;
		if (!r->u32(&mem) || mem >= cx_.memories.size())
			return false;
	}
	/* wabt reads the offset by memory 0's index type, whichever
	 * memory the instruction names. */
	if (cx_.memories.empty())
		return false;
	if (cx_.memories[0] == WS_T_I64) {
		uint64_t offset;
		if (!r->u64(&offset))
			return false;
	} else {
		uint32_t offset;
		if (!r->u32(&offset))
			return false;
	}
	if (atomic ? align != o.align : align > o.align)
		return false;
	*index_type = cx_.memories[mem];
	return true;
}

/*
 * The type stack lives in local variables while a body is checked:
 * st/sp/cap for the stack, top/h/unr for the innermost block (its start
 * height and whether it is unreachable). These macros are wabt's
 * TypeChecker primitives on them; each returns false on a mismatch.
 */
#define FAIL() return false
#define NEED(cond) do { if (!(cond)) FAIL(); } while (0)
#define GROW(n)                                                        \
	do {                                                           \
		size_t g_ = (n);                                       \
		if (cap - sp < g_) {                                   \
			stack_.resize(2 * stack_.size() + g_);         \
			st = stack_.data();                            \
			cap = stack_.size();                           \
		}                                                      \
	} while (0)
#define PUSH(t) do { GROW(1); st[sp++] = (t); } while (0)
#define POP(t)                                                         \
	do {                                                           \
		if (sp > h) {                                          \
			uint8_t a_ = st[--sp];                         \
			NEED(a_ == (t) || a_ == WS_T_ANY);             \
		} else {                                               \
			NEED(unr);                                     \
		}                                                      \
	} while (0)
#define POP_ANY() do { if (sp > h) --sp; else NEED(unr); } while (0)
/* The type `depth` below the top, WS_T_ANY under the block's start. */
#define PEEK(depth, out)                                               \
	do {                                                           \
		if (h + (depth) < sp) {                                \
			(out) = st[sp - 1 - (depth)];                  \
		} else {                                               \
			NEED(unr);                                     \
			(out) = WS_T_ANY;                              \
		}                                                      \
	} while (0)
#define POP_TYPES(n, types)                                            \
	do {                                                           \
		for (uint32_t i_ = (n); i_-- > 0;)                     \
			POP((types)[i_]);                              \
	} while (0)
#define PUSH_TYPES(n, types)                                           \
	do {                                                           \
		uint32_t n_ = (n);                                     \
		const uint8_t *t_ = (types);                           \
		GROW(n_);                                              \
		for (uint32_t i_ = 0; i_ < n_; i_++)                   \
			st[sp++] = t_[i_];                             \
	} while (0)
/* Closes the innermost block (its operands are checked): back to the
 * enclosing one, with the block's results pushed. */
#define LEAVE_BLOCK()                                                  \
	do {                                                           \
		uint32_t nr_ = top->nr;                                \
		const uint8_t *results_ = top->results;                \
		nc--;                                                  \
		top = &cs[nc - 1];                                     \
		h = top->height;                                       \
		unr = top->unreachable;                                \
		PUSH_TYPES(nr_, results_);                             \
	} while (0)
/* The stack holds `types` on top, without popping them (br). */
#define CHECK_TYPES(n, types)                                          \
	do {                                                           \
		for (uint32_t i_ = 0; i_ < (n); i_++) {                \
			uint8_t a_;                                    \
			PEEK((n) - 1 - i_, a_);                        \
			NEED(a_ == (types)[i_] || a_ == WS_T_ANY);     \
		}                                                      \
	} while (0)
#define SET_UNREACHABLE() do { sp = h; unr = top->unreachable = true; } while (0)
#define ENTER(kind_, np_, params_, nr_, results_)                      \
	do {                                                           \
		if (nc == ctrls_.size()) {                             \
			ctrls_.resize(2 * nc);                         \
			cs = ctrls_.data();                            \
		}                                                      \
		cs[nc++] = ctrl{uint32_t(sp), (kind_), false, (np_),   \
				(nr_), (params_), (results_)};         \
		top = &cs[nc - 1];                                     \
		h = sp;                                                \
		unr = false;                                           \
		PUSH_TYPES(np_, params_);                              \
	} while (0)
#define IS_REF(t) ((t) == WS_T_FUNCREF || (t) == WS_T_EXTERNREF)
/* On to the next instruction: one indirect jump per handler, which the
 * CPU predicts far better than the single one of a switch. */
#define NEXT()                                                         \
	do {                                                           \
		NEED(r.p < r.end); /* no `end` closed the function */  \
		o = &ops_.ops[*r.p++];                                 \
		goto *kHandler[o->kind];                               \
	} while (0)
/* The label a branch to `depth` goes to, and the types it takes. */
#define LABEL_TYPES(depth, n, types)                                   \
	do {                                                           \
		const ctrl &l_ = cs[nc - 1 - (depth)];                 \
		(n) = l_.kind == C_LOOP ? l_.np : l_.nr;               \
		(types) = l_.kind == C_LOOP ? l_.params : l_.results;  \
	} while (0)

bool body_checker::check(const ws_body &body, const uint8_t *data)
{
	static void *const kHandler[] = {
		&&op_none, &&op_plain, &&op_mem, &&op_mem, &&op_lane,
		&&op_mem, &&op_prefix, &&op_unreachable, &&op_nop,
		&&op_block, &&op_block, &&op_block, &&op_else, &&op_end,
		&&op_br, &&op_br_if, &&op_br_table, &&op_return, &&op_call,
		&&op_call, &&op_call, &&op_call, &&op_drop, &&op_select,
		&&op_select_t, &&op_local_get, &&op_local_set,
		&&op_local_tee, &&op_global_get, &&op_global_set,
		&&op_memory_size, &&op_memory_size, &&op_i32_const,
		&&op_i64_const, &&op_f32_const, &&op_f64_const,
		&&op_v128_const, &&op_shuffle, &&op_ref_null,
		&&op_ref_is_null, &&op_ref_func, &&op_memory_init,
		&&op_data_drop, &&op_memory_copy, &&op_memory_fill,
		&&op_atomic_fence, &&op_table_get, &&op_table_set,
		&&op_table_size, &&op_table_grow, &&op_table_fill,
		&&op_table_copy, &&op_table_init, &&op_elem_drop,
		&&op_block, &&op_catch, &&op_catch, &&op_delegate,
		&&op_throw, &&op_rethrow,
	};
	static_assert(sizeof(kHandler) / sizeof(kHandler[0]) == K_COUNT,
		      "one handler per op_kind, in its order");

	reader r = {data + body.begin, data + body.end};
	if (body.func >= cx_.funcs.size() ||
	    cx_.funcs[body.func] >= cx_.types.size())
		return false;
	const ws_functype &ft = cx_.types[cx_.funcs[body.func]];
	const uint8_t *pool = cx_.pool.data();
	uint8_t *st = stack_.data();
	size_t sp = 0, cap = stack_.size();
	ctrl *cs = ctrls_.data(), *top;
	size_t nc = 0, h;
	bool unr;
	const op_info *o;
	uint32_t a, b;
	uint8_t t, t1, t2;

	NEED(ft.known && read_locals(&r, ft));
	ENTER(C_FUNC, 0, nullptr, ft.results, pool + ft.first + ft.params);
	NEXT();

op_plain:
	if (o->n == 2 && sp >= h + 2 && st[sp - 1] == o->p[1] &&
	    st[sp - 2] == o->p[0]) {
		sp -= 2; /* the common case, quickly */
	} else {
		for (unsigned i = o->n; i-- > 0;)
			POP(o->p[i]);
	}
	PUSH(o->r);
	NEXT();
op_mem: /* and atomic, mem_lane */
	NEED(memarg(&r, *o, o->kind == K_ATOMIC, &t));
	if (o->kind == K_MEM_LANE)
		NEED(r.u8(&t1) && t1 < o->lanes);
	for (unsigned i = o->n; i-- > 1;)
		POP(o->p[i]);
	POP(t);
	if (o->r != WS_T_NONE)
		PUSH(o->r);
	NEXT();
op_lane:
	NEED(r.u8(&t1) && t1 < o->lanes);
	for (unsigned i = o->n; i-- > 0;)
		POP(o->p[i]);
	PUSH(o->r);
	NEXT();
op_prefix: {
	int slot;
	NEED(r.u32(&a) && (slot = slot_of(uint32_t(o - ops_.ops), a)) >= 0);
	o = &ops_.ops[slot];
	NEED(o->kind != K_PREFIX);
	goto *kHandler[o->kind];
}
op_unreachable:
	SET_UNREACHABLE();
	NEXT();
op_nop:
	NEXT();
op_block: { /* and loop, if, try */
	uint32_t np, nr;
	const uint8_t *params, *results;
	NEED(block_type(&r, &np, &params, &nr, &results));
	if (o->kind == K_IF)
		POP(WS_T_I32);
	POP_TYPES(np, params);
	ENTER(o->kind == K_BLOCK  ? C_BLOCK
	      : o->kind == K_LOOP ? C_LOOP
	      : o->kind == K_IF	  ? C_IF
				  : C_TRY,
	      np, params, nr, results);
	NEXT();
}
op_else:
	NEED(top->kind == C_IF);
	POP_TYPES(top->nr, top->results);
	NEED(sp == h);
	PUSH_TYPES(top->np, top->params);
	top->kind = C_ELSE;
	unr = top->unreachable = false;
	NEXT();
op_end: {
	POP_TYPES(top->nr, top->results);
	NEED(sp == h);
	/* An `if` without `else` passes its params through. */
	if (top->kind == C_IF)
		NEED(top->np == top->nr &&
		     (!top->nr || !memcmp(top->params, top->results, top->nr)));
	if (nc == 1) /* the function's own end */
		return r.p == r.end;
	LEAVE_BLOCK();
	NEXT();
}
op_br: {
	uint32_t n;
	const uint8_t *types;
	NEED(r.u32(&a) && a < nc);
	LABEL_TYPES(a, n, types);
	CHECK_TYPES(n, types);
	SET_UNREACHABLE();
	NEXT();
}
op_br_if: {
	uint32_t n;
	const uint8_t *types;
	POP(WS_T_I32);
	NEED(r.u32(&a) && a < nc);
	LABEL_TYPES(a, n, types);
	POP_TYPES(n, types);
	PUSH_TYPES(n, types);
	NEXT();
}
op_br_table: {
	uint32_t arity = 0, n;
	const uint8_t *types;
	NEED(r.count(&a));
	POP(WS_T_I32);
	for (uint32_t i = 0; i <= a; i++) { /* the default last */
		NEED(r.u32(&b) && b < nc);
		LABEL_TYPES(b, n, types);
		CHECK_TYPES(n, types);
		NEED(i == 0 || n == arity);
		arity = n;
	}
	SET_UNREACHABLE();
	NEXT();
}
op_return:
	POP_TYPES(cs[0].nr, cs[0].results);
	SET_UNREACHABLE();
	NEXT();
op_call: { /* and call_indirect, return_call, return_call_indirect */
	bool indirect = o->kind == K_CALL_INDIRECT ||
			o->kind == K_RETURN_CALL_INDIRECT;
	bool tail = o->kind == K_RETURN_CALL ||
		    o->kind == K_RETURN_CALL_INDIRECT;
	NEED(r.u32(&a));
	if (indirect) {
		NEED(r.u32(&b) && b < cx_.tables.size());
		NEED(a < cx_.types.size());
		POP(WS_T_I32);
	} else {
		NEED(a < cx_.funcs.size());
		a = cx_.funcs[a];
		NEED(a < cx_.types.size());
	}
	const ws_functype &callee = cx_.types[a];
	NEED(callee.known);
	const uint8_t *params = pool + callee.first;
	const uint8_t *results = params + callee.params;
	POP_TYPES(callee.params, params);
	if (!tail) {
		PUSH_TYPES(callee.results, results);
		NEXT();
	}
	NEED(callee.results == ft.results &&
	     (!ft.results ||
	      !memcmp(results, pool + ft.first + ft.params, ft.results)));
	SET_UNREACHABLE();
	NEXT();
}
op_drop:
	POP_ANY();
	NEXT();
op_select_t:
	NEED(r.count(&a) && a <= 1);
	if (a == 0)
		goto op_select;
	NEED(value_type(&r, &t));
	POP(WS_T_I32);
	POP(t);
	POP(t);
	PUSH(WS_T_ANY); /* wabt's typed select pushes no type */
	NEXT();
op_select:
	PEEK(0, t);
	NEED(t == WS_T_I32 || t == WS_T_ANY);
	PEEK(1, t1);
	PEEK(2, t2);
	NEED(!IS_REF(t1) && !IS_REF(t2));
	NEED(t1 == t2 || t1 == WS_T_ANY || t2 == WS_T_ANY);
	if (sp >= h + 3)
		sp -= 3;
	else
		sp = h; /* unreachable, as PEEK saw */
	PUSH(t1);
	NEXT();
op_local_get:
	NEED(r.u32(&a) && local_type(a, &t));
	PUSH(t);
	NEXT();
op_local_set:
	NEED(r.u32(&a) && local_type(a, &t));
	POP(t);
	NEXT();
op_local_tee:
	NEED(r.u32(&a) && local_type(a, &t));
	POP(t);
	PUSH(t);
	NEXT();
op_global_get:
	NEED(r.u32(&a) && a < cx_.globals.size());
	t = cx_.globals[a].type;
	NEED(t != WS_T_NONE);
	PUSH(t);
	NEXT();
op_global_set:
	NEED(r.u32(&a) && a < cx_.globals.size());
	t = cx_.globals[a].type;
	NEED(t != WS_T_NONE && cx_.globals[a].mutable_);
	POP(t);
	NEXT();
op_memory_size: /* and memory.grow */
	NEED(r.u32(&a) && a < cx_.memories.size());
	t = cx_.memories[a];
	if (o->kind == K_MEMORY_GROW)
		POP(t);
	PUSH(t);
	NEXT();
op_memory_fill:
	NEED(r.u32(&a) && a < cx_.memories.size());
	t = cx_.memories[a];
	POP(t);
	POP(WS_T_I32);
	POP(t);
	NEXT();
op_memory_copy:
	/* wabt names the first index "src" and types the operands
	 * (first, second, size) accordingly. */
	NEED(r.u32(&a) && a < cx_.memories.size());
	NEED(r.u32(&b) && b < cx_.memories.size());
	t1 = cx_.memories[a];
	t2 = cx_.memories[b];
	POP(t1 == WS_T_I64 && t2 != WS_T_I64 ? t2 : t1);
	POP(t2);
	POP(t1);
	NEXT();
op_memory_init:
	NEED(cx_.has_data_count);
	NEED(r.u32(&a) && a < cx_.data_count);
	NEED(r.u32(&b) && b < cx_.memories.size());
	POP(WS_T_I32);
	POP(WS_T_I32);
	POP(cx_.memories[b]);
	NEXT();
op_data_drop:
	NEED(cx_.has_data_count);
	NEED(r.u32(&a) && a < cx_.data_count);
	NEXT();
op_i32_const:
	NEED(r.s32(&a));
	PUSH(WS_T_I32);
	NEXT();
op_i64_const:
	NEED(r.s64());
	PUSH(WS_T_I64);
	NEXT();
op_f32_const:
	NEED(r.skip(4));
	PUSH(WS_T_F32);
	NEXT();
op_f64_const:
	NEED(r.skip(8));
	PUSH(WS_T_F64);
	NEXT();
op_v128_const:
	NEED(r.skip(16));
	PUSH(WS_T_V128);
	NEXT();
op_shuffle:
	NEED(r.end - r.p >= 16);
	for (int i = 0; i < 16; i++)
		NEED(r.p[i] < 32);
	r.p += 16;
	POP(WS_T_V128);
	POP(WS_T_V128);
	PUSH(WS_T_V128);
	NEXT();
op_atomic_fence:
	NEED(r.u8(&t) && t == 0);
	NEXT();
op_ref_null:
	NEED(r.s32(&a));
	t = ws_valtype_of(Type(int32_t(a)));
	NEED(IS_REF(t) && ops_.types[t]);
	PUSH(t);
	NEXT();
op_ref_is_null:
	PEEK(0, t);
	NEED(t == WS_T_ANY || IS_REF(t));
	POP_ANY();
	PUSH(WS_T_I32);
	NEXT();
op_ref_func:
	NEED(r.u32(&a) && a < cx_.funcs.size());
	NEED(a < cx_.declared.size() && cx_.declared[a]);
	PUSH(WS_T_FUNCREF);
	NEXT();
op_table_get: /* the table's element type: t */
	NEED(r.u32(&a) && a < cx_.tables.size());
	NEED((t = cx_.tables[a]) != WS_T_NONE);
	POP(WS_T_I32);
	PUSH(t);
	NEXT();
op_table_set:
	NEED(r.u32(&a) && a < cx_.tables.size());
	NEED((t = cx_.tables[a]) != WS_T_NONE);
	POP(t);
	POP(WS_T_I32);
	NEXT();
op_table_size:
	NEED(r.u32(&a) && a < cx_.tables.size());
	PUSH(WS_T_I32);
	NEXT();
op_table_grow:
	NEED(r.u32(&a) && a < cx_.tables.size());
	NEED((t = cx_.tables[a]) != WS_T_NONE);
	POP(WS_T_I32);
	POP(t);
	PUSH(WS_T_I32);
	NEXT();
op_table_fill:
	NEED(r.u32(&a) && a < cx_.tables.size());
	NEED((t = cx_.tables[a]) != WS_T_NONE);
	POP(WS_T_I32);
	POP(t);
	POP(WS_T_I32);
	NEXT();
op_table_copy: /* destination, then source: same element type */
	NEED(r.u32(&a) && a < cx_.tables.size());
	NEED(r.u32(&b) && b < cx_.tables.size());
	NEED(cx_.tables[a] != WS_T_NONE && cx_.tables[a] == cx_.tables[b]);
	POP(WS_T_I32);
	POP(WS_T_I32);
	POP(WS_T_I32);
	NEXT();
op_table_init: /* segment, then table: same element type */
	NEED(r.u32(&a) && a < cx_.elems.size());
	NEED(r.u32(&b) && b < cx_.tables.size());
	NEED(cx_.elems[a] != WS_T_NONE && cx_.elems[a] == cx_.tables[b]);
	POP(WS_T_I32);
	POP(WS_T_I32);
	POP(WS_T_I32);
	NEXT();
op_elem_drop:
	NEED(r.u32(&a) && a < cx_.elems.size());
	NEXT();
op_catch: { /* and catch_all: after try, or another catch (as wabt) */
	uint32_t n = 0;
	const uint8_t *types = nullptr;
	if (o->kind == K_CATCH) {
		NEED(r.u32(&a) && a < cx_.tags.size());
		NEED(tag_params(cx_.tags[a], &n, &types));
	}
	NEED(top->kind == C_TRY || top->kind == C_CATCH);
	POP_TYPES(top->nr, top->results);
	NEED(sp == h);
	top->kind = C_CATCH;
	unr = top->unreachable = false;
	PUSH_TYPES(n, types);
	NEXT();
}
op_delegate: { /* ends the try; its depth counts from outside it */
	NEED(r.u32(&a) && a < nc - 1 && top->kind == C_TRY);
	POP_TYPES(top->nr, top->results);
	NEED(sp == h);
	LEAVE_BLOCK();
	NEXT();
}
op_throw: {
	uint32_t n;
	const uint8_t *types;
	NEED(r.u32(&a) && a < cx_.tags.size());
	NEED(tag_params(cx_.tags[a], &n, &types));
	POP_TYPES(n, types);
	SET_UNREACHABLE();
	NEXT();
}
op_rethrow: /* from a catch */
	NEED(r.u32(&a) && a < nc && cs[nc - 1 - a].kind == C_CATCH);
	SET_UNREACHABLE();
	NEXT();
op_none: /* not known here */
	FAIL();
}

} // namespace

bool ws_bodies_valid(const ws_body_context &cx, const ws_optable &ops,
		     const uint8_t *data, size_t first, size_t last)
{
	body_checker checker(cx, ops);
	for (size_t i = first; i < last; i++)
		if (!checker.check(cx.bodies[i], data))
			return false;
	return true;
}
