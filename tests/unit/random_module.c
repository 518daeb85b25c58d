/*
 * random_module.c - random WebAssembly modules for differential tests of
 * the validator: mostly well-typed (a model of the type stack picks the
 * operands), using every feature the validator accepts, some broken on
 * purpose (a byte changed, added or removed, a wrong index, a module cut
 * short). See random_module.h.
 */
#include "random_module.h"

#include <stdlib.h>
#include <string.h>

/* ---- bytes ---- */

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct bytes *b, unsigned char c)
{
	if (b->len == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	b->p[b->len++] = c;
}

static void put_all(struct bytes *b, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(b, ((const unsigned char *)p)[i]);
}

/* Set while a body is written: its LEB128s are sometimes padded, as
 * encoders may (wabt reads up to 5 bytes for 32 bits). */
static int pad_lebs;
static unsigned below(unsigned n);

static void put_u(struct bytes *b, uint64_t v)
{
	int pad = pad_lebs && v < (1u << 21) && below(100) < 3 ? 1 + (int)below(2) : 0;
	do {
		put(b, (v & 0x7f) | (v > 0x7f || pad ? 0x80 : 0));
		v >>= 7;
	} while (v);
	for (; pad > 0; pad--)
		put(b, pad > 1 ? 0x80 : 0x00);
}

static void put_s(struct bytes *b, int64_t v)
{
	for (;;) {
		unsigned char c = v & 0x7f;
		v >>= 7;
		if ((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40))) {
			put(b, c);
			return;
		}
		put(b, c | 0x80);
	}
}

/* `content`, size-prefixed, as section `id` of `m`; content emptied. */
static void section(struct bytes *m, int id, struct bytes *content)
{
	put(m, id);
	put_u(m, content->len);
	put_all(m, content->p, content->len);
	content->len = 0;
}

/* ---- randomness (splitmix64) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return n ? (unsigned)(rnd() % n) : 0;
}

static int chance(unsigned percent)
{
	return below(100) < percent;
}

/* ---- a module's shape ---- */

enum { I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b,
       FUNCREF = 0x70, EXTERNREF = 0x6f };

static unsigned char any_type(void)
{
	static const unsigned char t[] = {
		I32, I32, I32, I32, I32, I64, I64, I64, F32, F32,
		F64, F64, V128, V128, FUNCREF, EXTERNREF,
	};
	return t[below(sizeof(t))];
}

struct functype {
	int np, nr;
	unsigned char p[4], r[3];
};

struct ctrl {
	int height, poly, is_if, is_loop, is_try, in_catch, np, nr;
	unsigned char p[4], r[3];
};

static struct gen {
	int ntypes;
	struct functype types[8];
	int nfuncs, nimports;
	int ftype[8];
	int nmem;
	unsigned char mem_index[2]; /* I32 or I64 */
	int ntables;
	unsigned char table_type[2];
	int nglobals;
	unsigned char gtype[4];
	int gmut[4];
	int declared, has_datacount, ndata;
	int nelems;
	unsigned char elem_type[3];
	int ntags;
	int tag_type[2];
	/* the body being written */
	struct bytes *out;
	int func, nruns;
	uint32_t nlocals, run_end[8]; /* locals, as runs of one type */
	unsigned char run_type[8];
	unsigned char st[512];
	int sp;
	struct ctrl c[8];
	int nc;
} g;

static struct functype *ft_of(int func)
{
	return &g.types[g.ftype[func]];
}

static void add_locals(uint32_t n, unsigned char t)
{
	g.nlocals += n;
	g.run_end[g.nruns] = g.nlocals;
	g.run_type[g.nruns++] = t;
}

/* A local, any one: its index and type. */
static uint32_t pick_local(unsigned char *t)
{
	int run = (int)below(g.nruns);
	uint32_t start = run ? g.run_end[run - 1] : 0;
	*t = g.run_type[run];
	return start + (uint32_t)(rnd() % (g.run_end[run] - start));
}

/* ---- the body writer's model of the type stack ---- */

static struct ctrl *top(void)
{
	return &g.c[g.nc - 1];
}

static void model_push(unsigned char t)
{
	if (g.sp < (int)sizeof(g.st))
		g.st[g.sp++] = t;
}

static void model_pop(int n)
{
	g.sp -= n;
	if (g.sp < top()->height)
		g.sp = top()->height;
}

static void set_poly(void)
{
	g.sp = top()->height;
	top()->poly = 1;
}

/* Emits an instruction that pushes a value of type t. */
static void produce(unsigned char t)
{
	struct bytes *o = g.out;
	int want_local = chance(30);

	for (int i = 0; want_local && g.nruns && i < 4; i++) {
		unsigned char lt;
		uint32_t l = pick_local(&lt);
		if (lt == t) {
			put(o, 0x20), put_u(o, l);
			model_push(t);
			return;
		}
	}
	switch (t) {
	case I32: put(o, 0x41), put_s(o, (int32_t)rnd()); break;
	case I64: put(o, 0x42), put_s(o, (int64_t)rnd()); break;
	case F32: put(o, 0x43);
		for (int i = 0; i < 4; i++)
			put(o, (unsigned char)rnd());
		break;
	case F64: put(o, 0x44);
		for (int i = 0; i < 8; i++)
			put(o, (unsigned char)rnd());
		break;
	case V128: put(o, 0xfd), put(o, 0x0c);
		for (int i = 0; i < 16; i++)
			put(o, (unsigned char)rnd());
		break;
	case FUNCREF:
		if (g.declared && chance(50))
			put(o, 0xd2), put_u(o, below(g.nfuncs));
		else
			put(o, 0xd0), put(o, FUNCREF);
		break;
	default: put(o, 0xd0), put(o, t); break;
	}
	model_push(t);
}

/* Makes sure `types` (n of them, last on top) are on the stack. */
static void need(const unsigned char *types, int n)
{
	int k = 0;
	while (k < n && g.sp - k - 1 >= top()->height &&
	       g.st[g.sp - 1 - k] == types[n - 1 - k])
		k++;
	if (k == n || (top()->poly && g.sp - k == top()->height && chance(50)))
		return;
	for (int i = 0; i < n; i++)
		produce(types[i]);
}

static void need1(unsigned char t)
{
	need(&t, 1);
}

/* ---- instructions ---- */

/* Operand and result types of the one-byte numeric opcodes. */
static void numeric_types(int code, unsigned char *in, int *n,
			  unsigned char *out)
{
	static const char conv[][3] = { /* 0xa7..0xbf: operand, result */
		{I64, I32}, {F32, I32}, {F32, I32}, {F64, I32}, {F64, I32},
		{I32, I64}, {I32, I64}, {F32, I64}, {F32, I64}, {F64, I64},
		{F64, I64}, {I32, F32}, {I32, F32}, {I64, F32}, {I64, F32},
		{F64, F32}, {I32, F64}, {I32, F64}, {I64, F64}, {I64, F64},
		{F32, F64}, {F32, I32}, {F64, I64}, {I32, F32}, {I64, F64},
	};
	*n = 2;
	if (code == 0x45) { *n = 1; in[0] = I32; *out = I32; }
	else if (code <= 0x4f) { in[0] = in[1] = I32; *out = I32; }
	else if (code == 0x50) { *n = 1; in[0] = I64; *out = I32; }
	else if (code <= 0x5a) { in[0] = in[1] = I64; *out = I32; }
	else if (code <= 0x60) { in[0] = in[1] = F32; *out = I32; }
	else if (code <= 0x66) { in[0] = in[1] = F64; *out = I32; }
	else if (code <= 0x69) { *n = 1; in[0] = I32; *out = I32; }
	else if (code <= 0x78) { in[0] = in[1] = I32; *out = I32; }
	else if (code <= 0x7b) { *n = 1; in[0] = I64; *out = I64; }
	else if (code <= 0x8a) { in[0] = in[1] = I64; *out = I64; }
	else if (code <= 0x91) { *n = 1; in[0] = F32; *out = F32; }
	else if (code <= 0x98) { in[0] = in[1] = F32; *out = F32; }
	else if (code <= 0x9f) { *n = 1; in[0] = F64; *out = F64; }
	else if (code <= 0xa6) { in[0] = in[1] = F64; *out = F64; }
	else if (code <= 0xbf) {
		*n = 1;
		in[0] = (unsigned char)conv[code - 0xa7][0];
		*out = (unsigned char)conv[code - 0xa7][1];
	} else if (code <= 0xc1) { *n = 1; in[0] = I32; *out = I32; }
	else { *n = 1; in[0] = I64; *out = I64; }
}

static void numeric(void)
{
	int code = 0x45 + (int)below(0xc5 - 0x45), n;
	unsigned char in[2], out;

	numeric_types(code, in, &n, &out);
	need(in, n);
	put(g.out, (unsigned char)code);
	model_pop(n);
	model_push(out);
}

/* A memarg for an access of 2^natural bytes; returns the memory used. */
static int memarg(int natural, int atomic)
{
	int align = natural, mem = 0;

	if (chance(2))
		align = (int)below(6);
	else if (!atomic && chance(10))
		align = (int)below(natural + 1);
	if (g.nmem > 1 && chance(40)) {
		mem = (int)below(g.nmem + (chance(2) ? 1 : 0));
		put_u(g.out, align | 0x40);
		put_u(g.out, mem);
	} else {
		put_u(g.out, align);
	}
	put_u(g.out, chance(90) ? below(64) : rnd() >> (chance(95) ? 32 : 0));
	return mem < g.nmem ? mem : 0;
}

static unsigned char addr(int mem)
{
	return g.nmem ? g.mem_index[mem] : I32;
}

/* A load or store (one-byte opcodes 0x28..0x3e). */
static void load_store(void)
{
	static const unsigned char info[][3] = { /* value type, log2 size */
		{I32, 2}, {I64, 3}, {F32, 2}, {F64, 3}, {I32, 0}, {I32, 0},
		{I32, 1}, {I32, 1}, {I64, 0}, {I64, 0}, {I64, 1}, {I64, 1},
		{I64, 2}, {I64, 2}, {I32, 2}, {I64, 3}, {F32, 2}, {F64, 3},
		{I32, 0}, {I32, 1}, {I64, 0}, {I64, 1}, {I64, 2},
	};
	int i = (int)below(sizeof(info) / sizeof(info[0]));
	int store = i >= 14;
	struct bytes *o = g.out;
	size_t at = o->len;

	put(o, (unsigned char)(0x28 + i));
	int mem = memarg(info[i][1], 0);
	/* operands go before the instruction: write them, then move it */
	struct bytes ins = {0};
	put_all(&ins, o->p + at, o->len - at);
	o->len = at;
	unsigned char t[2] = {addr(mem), info[i][0]};
	need(t, store ? 2 : 1);
	put_all(o, ins.p, ins.len);
	free(ins.p);
	model_pop(store ? 2 : 1);
	if (!store)
		model_push(info[i][0]);
}

/* Writes `ins` (an instruction's bytes) after its operands. */
static void emit(struct bytes *ins, const unsigned char *in, int n, int out)
{
	need(in, n);
	put_all(g.out, ins->p, ins->len);
	ins->len = 0;
	model_pop(n);
	if (out)
		model_push((unsigned char)out);
}

static void simd(void)
{
	struct bytes ins = {0};
	unsigned char t[3] = {V128, V128, V128};
	int mem;

	put(&ins, 0xfd);
	switch (below(g.nmem ? 9 : 7)) {
	case 7: /* v128.load */
		put_u(&ins, 0);
		{ struct bytes *o = g.out; g.out = &ins; mem = memarg(4, 0); g.out = o; }
		t[0] = addr(mem);
		emit(&ins, t, 1, V128);
		break;
	case 8: /* v128.store */
		put_u(&ins, 0x0b);
		{ struct bytes *o = g.out; g.out = &ins; mem = memarg(4, 0); g.out = o; }
		t[0] = addr(mem);
		emit(&ins, t, 2, 0);
		break;
	case 2: /* i32x4.splat */
		put_u(&ins, 0x11);
		t[0] = I32;
		emit(&ins, t, 1, V128);
		break;
	case 3: /* i32x4.extract_lane */
		put_u(&ins, 0x1b), put(&ins, (unsigned char)below(chance(1) ? 8 : 4));
		emit(&ins, t, 1, I32);
		break;
	case 4: /* f64x2.replace_lane */
		put_u(&ins, 0x22), put(&ins, (unsigned char)below(chance(1) ? 4 : 2));
		t[1] = F64;
		emit(&ins, t, 2, V128);
		break;
	case 5: /* i8x16.shuffle */
		put_u(&ins, 0x0d);
		for (int i = 0; i < 16; i++)
			put(&ins, (unsigned char)below(chance(1) ? 40 : 32));
		emit(&ins, t, 2, V128);
		break;
	case 6: /* v128.bitselect, f32x4.relaxed_madd */
		put_u(&ins, chance(50) ? 0x52 : 0x105);
		emit(&ins, t, 3, V128);
		break;
	case 0: /* v128.load32_lane */
		if (!g.nmem) {
			put_u(&ins, 0x53);
			emit(&ins, t, 1, I32);
			break;
		}
		put_u(&ins, 0x56);
		{ struct bytes *o = g.out; g.out = &ins; mem = memarg(2, 0); g.out = o; }
		put(&ins, (unsigned char)below(chance(1) ? 8 : 4));
		t[0] = addr(mem);
		emit(&ins, t, 2, V128);
		break;
	default: /* i32x4.add, i32x4.all_true, f32x4.convert_i32x4_s */
		switch (below(3)) {
		case 0: put_u(&ins, 0xae); emit(&ins, t, 2, V128); break;
		case 1: put_u(&ins, 0xa3); emit(&ins, t, 1, I32); break;
		default: put_u(&ins, 0xfa); emit(&ins, t, 1, V128); break;
		}
	}
	free(ins.p);
}

static void atomic(void)
{
	struct bytes ins = {0}, *o = g.out;
	unsigned char t[3] = {I32, I32, I32};
	int mem;

	put(&ins, 0xfe);
	switch (below(5)) {
	case 0: /* i32.atomic.load */
		put_u(&ins, 0x10);
		g.out = &ins, mem = memarg(2, 1), g.out = o;
		t[0] = addr(mem);
		emit(&ins, t, 1, I32);
		break;
	case 1: /* i64.atomic.rmw.add */
		put_u(&ins, 0x1f);
		g.out = &ins, mem = memarg(3, 1), g.out = o;
		t[0] = addr(mem), t[1] = I64;
		emit(&ins, t, 2, I64);
		break;
	case 2: /* i32.atomic.rmw.cmpxchg */
		put_u(&ins, 0x48);
		g.out = &ins, mem = memarg(2, 1), g.out = o;
		t[0] = addr(mem), t[1] = t[2] = I32;
		emit(&ins, t, 3, I32);
		break;
	case 3: /* memory.atomic.wait32 */
		put_u(&ins, 0x01);
		g.out = &ins, mem = memarg(2, 1), g.out = o;
		t[0] = addr(mem), t[1] = I32, t[2] = I64;
		emit(&ins, t, 3, I32);
		break;
	default: /* atomic.fence */
		put_u(&ins, 0x03), put(&ins, chance(99) ? 0 : 1);
		emit(&ins, t, 0, 0);
	}
	free(ins.p);
}

static void bulk(void)
{
	struct bytes ins = {0};
	int a = (int)below(g.nmem + (chance(2) ? 1 : 0));
	int b = (int)below(g.nmem + (chance(2) ? 1 : 0));
	int data = (g.has_datacount && g.ndata) || chance(5);
	unsigned char ta = a < g.nmem ? g.mem_index[a] : I32;
	unsigned char tb = b < g.nmem ? g.mem_index[b] : I32;
	unsigned char t[3] = {I32, I32, I32};

	put(&ins, 0xfc);
	switch (below(data ? 4 : 2)) {
	case 0: /* memory.fill */
		put_u(&ins, 11), put_u(&ins, a);
		t[0] = ta, t[1] = I32, t[2] = ta;
		emit(&ins, t, 3, 0);
		break;
	case 1: /* memory.copy */
		put_u(&ins, 10), put_u(&ins, a), put_u(&ins, b);
		t[0] = ta, t[1] = tb, t[2] = ta == I64 && tb != I64 ? tb : ta;
		emit(&ins, t, 3, 0);
		break;
	case 2: /* memory.init */
		put_u(&ins, 8), put_u(&ins, below(g.ndata + chance(5))), put_u(&ins, a);
		t[0] = ta, t[1] = t[2] = I32;
		emit(&ins, t, 3, 0);
		break;
	default: /* data.drop */
		put_u(&ins, 9), put_u(&ins, below(g.ndata + chance(5)));
		emit(&ins, t, 0, 0);
	}
	free(ins.p);
}

static void table_op(void)
{
	struct bytes ins = {0};
	int x = (int)below(g.ntables + chance(2));
	int y = (int)below(g.ntables);
	int seg = (int)below(g.nelems + chance(3));
	unsigned char et = x < g.ntables ? g.table_type[x] : FUNCREF;
	unsigned char t[3] = {I32, I32, I32};

	if (!g.ntables)
		return;
	switch (below(8)) {
	case 0: /* table.get */
		put(&ins, 0x25), put_u(&ins, x);
		emit(&ins, t, 1, et);
		break;
	case 1: /* table.set */
		put(&ins, 0x26), put_u(&ins, x);
		t[1] = et;
		emit(&ins, t, 2, 0);
		break;
	case 2: /* table.size */
		put(&ins, 0xfc), put_u(&ins, 16), put_u(&ins, x);
		emit(&ins, t, 0, I32);
		break;
	case 3: /* table.grow */
		put(&ins, 0xfc), put_u(&ins, 15), put_u(&ins, x);
		t[0] = et;
		emit(&ins, t, 2, I32);
		break;
	case 4: /* table.fill */
		put(&ins, 0xfc), put_u(&ins, 17), put_u(&ins, x);
		t[1] = et;
		emit(&ins, t, 3, 0);
		break;
	case 5: /* table.copy */
		put(&ins, 0xfc), put_u(&ins, 14), put_u(&ins, x), put_u(&ins, y);
		emit(&ins, t, 3, 0);
		break;
	case 6: /* table.init */
		put(&ins, 0xfc), put_u(&ins, 12), put_u(&ins, seg), put_u(&ins, x);
		emit(&ins, t, 3, 0);
		break;
	default: /* elem.drop */
		put(&ins, 0xfc), put_u(&ins, 13), put_u(&ins, seg);
		emit(&ins, t, 0, 0);
	}
	free(ins.p);
}

static void call(void)
{
	struct bytes ins = {0};
	int tail = chance(15), indirect = (g.ntables || chance(3)) && chance(30);
	struct functype *ft;
	unsigned char in[5];

	if (tail) { /* mostly a callee that returns what this one does */
		struct functype *self = ft_of(g.func);
		int type = (int)below(g.ntypes), f = (int)below(g.nfuncs);
		for (int i = 0; i < 8 && !chance(3); i++) {
			struct functype *t = indirect ? &g.types[type] : ft_of(f);
			if (t->nr == self->nr && !memcmp(t->r, self->r, t->nr))
				break;
			type = (int)below(g.ntypes), f = (int)below(g.nfuncs);
		}
		put(&ins, indirect ? 0x13 : 0x12), put_u(&ins, indirect ? type : f);
		if (indirect)
			put_u(&ins, below(g.ntables + chance(3)));
		ft = indirect ? &g.types[type] : ft_of(f);
	} else if (indirect) {
		int type = (int)below(g.ntypes);
		put(&ins, 0x11);
		put_u(&ins, type), put_u(&ins, below(g.ntables + chance(3)));
		ft = &g.types[type];
	} else {
		int f = (int)below(g.nfuncs);
		put(&ins, 0x10), put_u(&ins, f);
		ft = ft_of(f);
	}
	memcpy(in, ft->p, ft->np);
	if (indirect)
		in[ft->np] = I32;
	need(in, ft->np + indirect);
	put_all(g.out, ins.p, ins.len);
	free(ins.p);
	model_pop(ft->np + indirect);
	if (tail) {
		set_poly();
		return;
	}
	for (int i = 0; i < ft->nr; i++)
		model_push(ft->r[i]);
}

/* The types a branch to `depth` carries. */
static const unsigned char *label_types(int depth, int *n)
{
	struct ctrl *c = &g.c[g.nc - 1 - depth];
	*n = c->is_loop ? c->np : c->nr;
	return c->is_loop ? c->p : c->r;
}

static void branch(void)
{
	int depth = (int)below(g.nc + (chance(1) ? 1 : 0)), n = 0;
	const unsigned char *t =
		depth < g.nc ? label_types(depth, &n) : (const unsigned char *)"";

	switch (below(3)) {
	case 0:
		need(t, n);
		put(g.out, 0x0c), put_u(g.out, depth);
		set_poly();
		break;
	case 1: {
		unsigned char in[4];
		memcpy(in, t, n);
		in[n] = I32;
		need(in, n + 1);
		put(g.out, 0x0d), put_u(g.out, depth);
		model_pop(1);
		break;
	}
	default: {
		unsigned char in[4];
		int targets = (int)below(4);
		memcpy(in, t, n);
		in[n] = I32;
		need(in, n + 1);
		put(g.out, 0x0e), put_u(g.out, targets);
		for (int i = 0; i < targets; i++) {
			int other = (int)below(g.nc), m;
			label_types(other, &m);
			put_u(g.out, m == n || chance(10) ? other : depth);
		}
		put_u(g.out, depth);
		set_poly();
	}
	}
}

static void block_type(struct ctrl *c)
{
	c->np = c->nr = 0;
	switch (below(4)) {
	case 0:
		put(g.out, 0x40);
		break;
	case 1:
	case 2:
		c->nr = 1;
		c->r[0] = any_type();
		put(g.out, c->r[0]);
		break;
	default: {
		int type = (int)below(g.ntypes);
		struct functype *ft = &g.types[type];
		put_s(g.out, type);
		c->np = ft->np, c->nr = ft->nr;
		memcpy(c->p, ft->p, ft->np);
		memcpy(c->r, ft->r, ft->nr);
	}
	}
}

static void open_block(void)
{
	struct ctrl c = {0};
	int kind = (int)below(g.ntags || chance(20) ? 4 : 3);
	struct bytes *o = g.out, head = {0};

	g.out = &head;
	put(&head, kind == 3 ? 0x06 : (unsigned char)(0x02 + kind)); /* try */
	block_type(&c);
	g.out = o;
	unsigned char in[5];
	memcpy(in, c.p, c.np);
	if (kind == 2)
		in[c.np] = I32;
	need(in, c.np + (kind == 2));
	put_all(o, head.p, head.len);
	free(head.p);
	model_pop(c.np + (kind == 2));
	c.height = g.sp;
	c.is_loop = kind == 1;
	c.is_if = kind == 2;
	c.is_try = kind == 3;
	g.c[g.nc++] = c;
	for (int i = 0; i < c.np; i++)
		model_push(c.p[i]);
}

/* Leaves exactly the block's results on the stack (mostly). */
static void settle(void)
{
	struct ctrl *c = top();
	int above = g.sp - c->height, ok = above == c->nr;
	for (int i = 0; ok && i < c->nr; i++)
		ok = g.st[c->height + i] == c->r[i];
	if (ok || chance(3))
		return;
	for (; g.sp > c->height; g.sp--)
		put(g.out, 0x1a);
	for (int i = 0; i < c->nr; i++)
		produce(c->r[i]);
}

static void close_block(void)
{
	struct ctrl *c = top();
	int same = c->np == c->nr && !memcmp(c->p, c->r, c->nr);

	settle();
	if (c->is_if && (!same || chance(40))) {
		put(g.out, 0x05);
		g.sp = c->height;
		c->poly = 0;
		c->is_if = 0;
		for (int i = 0; i < c->np; i++)
			model_push(c->p[i]);
		if (chance(50))
			numeric();
		settle();
	}
	/* a try: catches, catch_all, or a delegate instead of `end` */
	for (int n = c->is_try ? (int)below(3) : 0; n > 0; n--) {
		int tag = (int)below(g.ntags + chance(3));
		if (tag < g.ntags && chance(70))
			put(g.out, 0x07), put_u(g.out, tag);
		else
			put(g.out, 0x19), tag = -1;
		g.sp = c->height;
		c->poly = 0;
		c->in_catch = 1;
		if (tag >= 0 && tag < g.ntags) {
			struct functype *ft = &g.types[g.tag_type[tag]];
			for (int i = 0; i < ft->np; i++)
				model_push(ft->p[i]);
		}
		if (chance(50))
			numeric();
		settle();
	}
	if (c->is_try && !c->in_catch && chance(30))
		put(g.out, 0x18), put_u(g.out, below(g.nc - 1 + chance(3)));
	else
		put(g.out, 0x0b);
	struct ctrl done = *c;
	g.nc--;
	g.sp = done.height;
	for (int i = 0; i < done.nr; i++)
		model_push(done.r[i]);
}

/* throw, or rethrow from a catch. */
static void exception(void)
{
	int depth = (int)below(g.nc);

	if (g.c[g.nc - 1 - depth].in_catch || chance(3)) {
		put(g.out, 0x09), put_u(g.out, depth);
	} else if (g.ntags || chance(3)) {
		int tag = (int)below(g.ntags + chance(3));
		struct functype *ft =
			&g.types[tag < g.ntags ? g.tag_type[tag] : 0];
		need(ft->p, ft->np);
		put(g.out, 0x08), put_u(g.out, tag);
	} else {
		return;
	}
	set_poly();
}

/* Something random from the whole opcode space, then `unreachable`. */
static void wild(void)
{
	static const unsigned char prefixes[] = {0, 0xfc, 0xfd, 0xfe};
	int prefix = prefixes[below(4)];
	int pushes = (int)below(4);

	for (int i = 0; i < pushes; i++)
		produce(chance(60) && prefix == 0xfd ? V128 : any_type());
	if (prefix) {
		put(g.out, (unsigned char)prefix);
		put_u(g.out, below(prefix == 0xfd ? 0x120 : 0x50));
	} else {
		put(g.out, (unsigned char)below(256));
	}
	for (int i = (int)below(4); i > 0; i--)
		put(g.out, (unsigned char)(chance(70) ? below(8) : rnd()));
	put(g.out, 0x00);
	set_poly();
}

static void instruction(void)
{
	struct bytes *o = g.out;
	unsigned r = below(100);

	if (r < 25) {
		numeric();
	} else if (r < 33 && g.nruns) {
		unsigned char t;
		uint32_t l = pick_local(&t);
		int op = (int)below(3);
		if (chance(1))
			l = g.nlocals + (uint32_t)below(2), t = I32;
		if (op)
			need1(t);
		put(o, (unsigned char)(0x20 + op)), put_u(o, l);
		if (op)
			model_pop(1);
		if (op != 1)
			model_push(t);
	} else if (r < 38 && g.nglobals) {
		int i = (int)below(g.nglobals);
		if (!g.gmut[i] && chance(97))
			i = -1;
		if (i < 0 || chance(50)) {
			i = (int)below(g.nglobals);
			put(o, 0x23), put_u(o, i);
			model_push(g.gtype[i]);
		} else {
			need1(g.gtype[i]);
			put(o, 0x24), put_u(o, i);
			model_pop(1);
		}
	} else if (r < 47 && g.nmem) {
		if (chance(85))
			load_store();
		else if (chance(50)) {
			int mem = (int)below(g.nmem);
			put(o, 0x3f), put_u(o, mem);
			model_push(g.mem_index[mem]);
		} else {
			int mem = (int)below(g.nmem);
			need1(g.mem_index[mem]);
			put(o, 0x40), put_u(o, mem);
		}
	} else if (r < 52) {
		call();
	} else if (r < 60 && g.nc < 6) {
		open_block();
	} else if (r < 65) {
		branch();
	} else if (r < 67) {
		const unsigned char *t = g.c[0].r;
		need(t, g.c[0].nr);
		put(o, 0x0f);
		set_poly();
	} else if (r < 69) {
		put(o, 0x00);
		set_poly();
	} else if (r < 73) {
		unsigned char t = any_type(), in[3] = {t, t, I32};
		int typed = chance(30) ||
			    ((t == FUNCREF || t == EXTERNREF) && chance(95));
		need(in, 3);
		put(o, typed ? 0x1c : 0x1b);
		if (typed)
			put(o, 1), put(o, t);
		model_pop(3);
		model_push(t);
	} else if (r < 76) {
		if (g.sp == top()->height)
			need1(any_type());
		put(o, 0x1a);
		model_pop(1);
	} else if (r < 80) {
		simd();
	} else if (r < 83 && g.nmem) {
		atomic();
	} else if (r < 86 && g.nmem) {
		bulk();
	} else if (r < 88 && g.ntables) {
		table_op();
	} else if (r < 89) {
		exception();
	} else if (r < 90) {
		switch (below(3)) {
		case 0:
			put(o, 0xd0), put(o, chance(50) ? FUNCREF : EXTERNREF);
			model_push(o->p[o->len - 1]);
			break;
		case 1:
			need1(chance(50) ? FUNCREF : EXTERNREF);
			put(o, 0xd1);
			model_pop(1);
			model_push(I32);
			break;
		default:
			if (!g.declared && chance(95))
				break;
			put(o, 0xd2), put_u(o, below(g.nfuncs));
			model_push(FUNCREF);
		}
	} else if (r < 91) {
		if (chance(20))
			wild();
	} else if (g.nc > 1) {
		close_block();
	}
}

/* One function body, size-prefixed, appended to `code`. */
static void body(struct bytes *code, int func)
{
	struct bytes b = {0};
	struct functype *ft = ft_of(func);
	int decls = (int)below(4);

	g.out = &b;
	g.func = func;
	g.nlocals = 0;
	g.nruns = 0;
	for (int i = 0; i < ft->np; i++)
		add_locals(1, ft->p[i]);
	put_u(&b, decls);
	for (int i = 0; i < decls; i++) {
		/* now and then more than the checker keeps one by one */
		uint32_t n = chance(97) ? 1 + below(3)
			     : chance(70) ? 65530 + below(12) : 200000;
		unsigned char t = any_type();
		put_u(&b, n), put(&b, t);
		add_locals(n, t);
	}
	pad_lebs = 1;
	g.sp = 0;
	g.nc = 1;
	memset(&g.c[0], 0, sizeof(g.c[0]));
	g.c[0].nr = ft->nr;
	memcpy(g.c[0].r, ft->r, ft->nr);
	for (int n = (int)below(40); n > 0; n--)
		instruction();
	while (g.nc > 1)
		close_block();
	settle();
	put(&b, 0x0b);
	pad_lebs = 0;

	/* Sometimes break it: a byte changed, added or taken away. */
	for (int m = chance(12) ? 1 + (int)below(2) : 0; m > 0 && b.len; m--) {
		size_t at = below((unsigned)b.len);
		switch (below(6)) {
		case 0:
			memmove(b.p + at, b.p + at + 1, b.len - at - 1);
			b.len--;
			break;
		case 1:
			put(&b, 0);
			memmove(b.p + at + 1, b.p + at, b.len - at - 1);
			b.p[at] = (unsigned char)rnd();
			break;
		default: {
			static const unsigned char ops[] = {
				0x0b, 0x05, 0x1a, 0x00, 0x0c, 0x0d, 0x41,
				0x20, 0x21, 0x1b, 0x0f, 0x02, 0x04, 0x40};
			b.p[at] = chance(50) ? ops[below(sizeof(ops))]
					     : (unsigned char)rnd();
		}
		}
	}
	put_u(code, b.len);
	put_all(code, b.p, b.len);
	free(b.p);
}

static void limits(struct bytes *s, int is64, int shared)
{
	put(s, (unsigned char)((shared ? 3 : chance(30) ? 1 : 0) |
			       (is64 ? 4 : 0)));
	put_u(s, below(3));
	if (shared || s->p[s->len - 2] & 1)
		put_u(s, 3 + below(3));
}

/* A random module; its bytes in `m`. */
static void module(struct bytes *m)
{
	struct bytes s = {0};

	memset(&g, 0, sizeof(g));
	put_all(m, "\0asm\1\0\0\0", 8);

	g.ntypes = 1 + (int)below(6);
	put_u(&s, g.ntypes);
	for (int i = 0; i < g.ntypes; i++) {
		struct functype *ft = &g.types[i];
		ft->np = (int)below(4), ft->nr = (int)below(3);
		put(&s, 0x60), put_u(&s, ft->np);
		for (int k = 0; k < ft->np; k++)
			put(&s, ft->p[k] = any_type());
		put_u(&s, ft->nr);
		for (int k = 0; k < ft->nr; k++)
			put(&s, ft->r[k] = any_type());
	}
	section(m, 1, &s);

	int import_global = chance(30);
	g.nimports = (int)below(2);
	g.nmem = (int)below(3);
	int import_mem = g.nmem && chance(30);
	for (int i = 0; i < g.nmem; i++)
		g.mem_index[i] = chance(20) ? I64 : I32;
	put_u(&s, g.nimports + import_global + import_mem);
	for (int i = 0; i < g.nimports; i++) {
		g.ftype[g.nfuncs++] = (int)below(g.ntypes);
		put_all(&s, "\1m\1f\0", 5), put_u(&s, g.ftype[i]);
	}
	if (import_global) {
		g.gtype[0] = any_type(), g.gmut[0] = chance(50);
		g.nglobals = 1;
		put_all(&s, "\1m\1g\3", 5), put(&s, g.gtype[0]);
		put(&s, (unsigned char)g.gmut[0]);
	}
	if (import_mem) {
		put_all(&s, "\1m\1m\2", 5);
		limits(&s, g.mem_index[0] == I64, chance(20));
	}
	section(m, 2, &s);

	int defined = 1 + (int)below(4);
	put_u(&s, defined);
	for (int i = 0; i < defined; i++) {
		int t = (int)below(g.ntypes + (chance(2) ? 1 : 0));
		g.ftype[g.nfuncs++] = t < g.ntypes ? t : 0;
		put_u(&s, t);
	}
	section(m, 3, &s);

	g.ntables = (int)below(3);
	put_u(&s, g.ntables);
	for (int i = 0; i < g.ntables; i++) {
		put(&s, g.table_type[i] = chance(70) ? FUNCREF : EXTERNREF);
		put(&s, 0), put_u(&s, 1);
	}
	section(m, 4, &s);

	put_u(&s, g.nmem - import_mem);
	for (int i = import_mem; i < g.nmem; i++)
		limits(&s, g.mem_index[i] == I64, chance(20));
	section(m, 5, &s);

	for (int i = 0; i < g.ntypes && g.ntags < 2; i++)
		if (g.types[i].nr == 0 && chance(60))
			g.tag_type[g.ntags++] = i;
	if (g.ntags) {
		put_u(&s, g.ntags);
		for (int i = 0; i < g.ntags; i++)
			put(&s, 0), put_u(&s, g.tag_type[i]);
		section(m, 13, &s);
	}

	int defined_globals = (int)below(3);
	put_u(&s, defined_globals);
	for (int i = 0; i < defined_globals; i++) {
		int k = g.nglobals++;
		unsigned char t = g.gtype[k] = any_type();
		g.gmut[k] = chance(50);
		put(&s, t), put(&s, (unsigned char)g.gmut[k]);
		switch (t) {
		case I32: put(&s, 0x41), put_s(&s, 7); break;
		case I64: put(&s, 0x42), put_s(&s, -7); break;
		case F32: put_all(&s, "\x43\0\0\0\0", 5); break;
		case F64: put_all(&s, "\x44\0\0\0\0\0\0\0\0", 9); break;
		case V128:
			put(&s, 0xfd), put(&s, 0x0c);
			for (int b = 0; b < 16; b++)
				put(&s, 0);
			break;
		default: put(&s, 0xd0), put(&s, t);
		}
		put(&s, 0x0b);
	}
	section(m, 6, &s);

	if (chance(30)) {
		put_u(&s, 1), put_all(&s, "\1e\0", 3), put_u(&s, 0);
		section(m, 7, &s);
	}
	/* Maybe one segment that declares every function for ref.func,
	 * and passive ones of either reference type, for table.init. */
	g.declared = chance(60);
	int passive = (int)below(3);
	put_u(&s, g.declared + passive);
	if (g.declared) {
		put(&s, 3), put(&s, 0), put_u(&s, g.nfuncs);
		for (int i = 0; i < g.nfuncs; i++)
			put_u(&s, i);
		g.elem_type[g.nelems++] = FUNCREF;
	}
	for (int i = 0; i < passive; i++) {
		unsigned char t = chance(50) ? FUNCREF : EXTERNREF;
		int n = (int)below(3);
		put(&s, 5), put(&s, t), put_u(&s, n);
		for (int k = 0; k < n; k++) {
			if (t == FUNCREF && chance(50))
				put(&s, 0xd2), put_u(&s, below(g.nfuncs));
			else
				put(&s, 0xd0), put(&s, t);
			put(&s, 0x0b);
		}
		g.elem_type[g.nelems++] = t;
	}
	if (g.declared + passive)
		section(m, 9, &s);
	s.len = 0;
	g.ndata = (int)below(3);
	g.has_datacount = chance(70);
	if (g.has_datacount) {
		put_u(&s, g.ndata);
		section(m, 12, &s);
	}

	put_u(&s, defined);
	for (int i = 0; i < defined; i++)
		body(&s, g.nimports + i);
	section(m, 10, &s);

	put_u(&s, g.ndata);
	for (int i = 0; i < g.ndata; i++)
		put(&s, 1), put_u(&s, 2), put_all(&s, "hi", 2);
	section(m, 11, &s);
	free(s.p);

	if (chance(2))
		m->len = below((unsigned)m->len);
}

size_t random_module(unsigned char **out, uint64_t seed)
{
	struct bytes m = {0};

	rng_state = seed;
	module(&m);
	*out = m.p;
	return m.len;
}
