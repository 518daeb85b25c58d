/*
 * validate.cc - WebAssembly validation over wabt, behind a C interface.
 *
 * wabt's usual path (ReadBinaryIr, then ValidateModule) builds the whole IR
 * first. Here a BinaryReaderDelegate forwards every callback straight to
 * wabt's SharedValidator, so the module is validated in one pass while it is
 * read and nothing but the validator's own tables is allocated.
 *
 * That pass still costs ~20 ns an instruction, so it comes second. First
 * (valid_quickly), wabt reads the module with its function bodies skipped,
 * and validate_body.cc checks the bodies by wabt's rules, in a few threads
 * for large modules. Only a module both find valid is valid there; any
 * other goes through wabt's pass, which finds the first error in file
 * order and its message.
 *
 * If that quick way cannot tell, large modules are cut into shares of
 * their function bodies, each read by wabt as a module of its own by one
 * of a few threads (valid_in_parts); a module any share rejects goes
 * through the single pass again.
 *
 * Features: all of wabt 1.0.32's but function references and GC, which are
 * unfinished there (see read_options).
 */
#include "validate.h"
#include "validate_body.h"

#include "wasmstore.h"

#include <atomic>
#include <cstdint>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>
#include <wabt/binary.h>
#include <wabt/error.h>
#include <wabt/feature.h>
#include <wabt/shared-validator.h>
#include <wabt/utf8.h>

using namespace wabt;

namespace {

/*
 * Reads the module and validates it as it goes. Given a body context, it
 * is reading with bodies skipped (ReadBinaryOptions.skip_function_bodies):
 * it validates everything else and notes in the context what the bodies
 * may refer to and where they are, for ws_bodies_valid.
 */
class Validator final : public BinaryReaderNop {
public:
	Validator(Errors *errors, const Features &features,
		  ws_body_context *cx = nullptr)
		: errors_(errors), v_(errors, ValidateOptions(features)), cx_(cx)
	{
	}

	/* Set when the reader failed inside a custom section: such errors
	 * do not make a module invalid, but may stop the reader early. */
	bool custom_failed() const { return custom_failed_; }

	bool OnError(const Error &e) override
	{
		if (e.error_level != ErrorLevel::Error)
			return true;
		if (in_custom_)
			custom_failed_ = true;
		else
			errors_->push_back(e);
		return true;
	}

	Result BeginSection(Index, BinarySection, Offset) override
	{
		in_custom_ = false;
		return Result::Ok;
	}

	/* Set after the section name was read: a bad name is still an error. */
	Result BeginCustomSection(Index, Offset, std::string_view) override
	{
		in_custom_ = true;
		return Result::Ok;
	}

	Result EndModule() override { return v_.EndModule(); }

	/* Types and imports. */
	Result OnFuncType(Index index, Index param_count, Type *params,
			  Index result_count, Type *results) override
	{
		if (cx_)
			note_func_type(param_count, params, result_count, results);
		return v_.OnFuncType(loc(), param_count, params, result_count,
				     results, index);
	}
	Result OnStructType(Index, Index field_count, TypeMut *fields) override
	{
		if (cx_)
			cx_->types.push_back(ws_functype{0, 0, 0, false});
		return v_.OnStructType(loc(), field_count, fields);
	}
	Result OnArrayType(Index, TypeMut field) override
	{
		if (cx_)
			cx_->types.push_back(ws_functype{0, 0, 0, false});
		return v_.OnArrayType(loc(), field);
	}
	Result OnImportFunc(Index, std::string_view, std::string_view, Index,
			    Index sig_index) override
	{
		if (cx_)
			cx_->funcs.push_back(sig_index);
		return v_.OnFunction(loc(), var(sig_index));
	}
	Result OnImportTable(Index, std::string_view, std::string_view, Index,
			     Type elem_type, const Limits *limits) override
	{
		if (cx_)
			cx_->tables.push_back(ws_valtype_of(elem_type));
		return v_.OnTable(loc(), elem_type, *limits);
	}
	Result OnImportMemory(Index, std::string_view, std::string_view, Index,
			      const Limits *limits) override
	{
		note_memory(limits->is_64);
		return v_.OnMemory(loc(), *limits);
	}
	Result OnImportGlobal(Index, std::string_view, std::string_view, Index,
			      Type type, bool mutable_) override
	{
		if (cx_)
			cx_->globals.push_back(
				ws_global{ws_valtype_of(type), mutable_});
		return v_.OnGlobalImport(loc(), type, mutable_);
	}
	Result OnImportTag(Index, std::string_view, std::string_view, Index,
			   Index sig_index) override
	{
		if (cx_)
			cx_->tags.push_back(sig_index);
		return v_.OnTag(loc(), var(sig_index));
	}

	/* Module-level definitions. */
	Result OnFunction(Index, Index sig_index) override
	{
		if (cx_)
			cx_->funcs.push_back(sig_index);
		return v_.OnFunction(loc(), var(sig_index));
	}
	Result OnTable(Index, Type elem_type, const Limits *limits) override
	{
		if (cx_)
			cx_->tables.push_back(ws_valtype_of(elem_type));
		return v_.OnTable(loc(), elem_type, *limits);
	}
	Result OnMemory(Index, const Limits *limits) override
	{
		note_memory(limits->is_64);
		return v_.OnMemory(loc(), *limits);
	}
	Result BeginGlobal(Index, Type type, bool mutable_) override
	{
		global_type_ = type;
		if (cx_)
			cx_->globals.push_back(
				ws_global{ws_valtype_of(type), mutable_});
		return v_.OnGlobal(loc(), type, mutable_);
	}
	Result BeginGlobalInitExpr(Index) override
	{
		return begin_init_expr(global_type_);
	}
	Result EndGlobalInitExpr(Index) override { return end_init_expr(); }
	Result OnTagType(Index, Index sig_index) override
	{
		if (cx_)
			cx_->tags.push_back(sig_index);
		return v_.OnTag(loc(), var(sig_index));
	}
	Result OnExport(Index, ExternalKind kind, Index item_index,
			std::string_view name) override
	{
		if (kind == ExternalKind::Func)
			declare(item_index);
		return v_.OnExport(loc(), kind, var(item_index), name);
	}
	Result OnStartFunction(Index func_index) override
	{
		return v_.OnStart(loc(), var(func_index));
	}

	/* Element and data segments. */
	Result BeginElemSegment(Index, Index table_index,
				uint8_t flags) override
	{
		if (cx_)
			cx_->elems.push_back(WS_T_NONE);
		return v_.OnElemSegment(loc(), var(table_index),
					segment_kind(flags));
	}
	Result BeginElemSegmentInitExpr(Index) override
	{
		return begin_init_expr(Type::I32);
	}
	Result EndElemSegmentInitExpr(Index) override
	{
		return end_init_expr();
	}
	Result OnElemSegmentElemType(Index, Type elem_type) override
	{
		if (cx_ && !cx_->elems.empty())
			cx_->elems.back() = ws_valtype_of(elem_type);
		return v_.OnElemSegmentElemType(loc(), elem_type);
	}
	Result OnElemSegmentElemExpr_RefNull(Index, Type type) override
	{
		return v_.OnElemSegmentElemExpr_RefNull(loc(), type);
	}
	Result OnElemSegmentElemExpr_RefFunc(Index, Index func_index) override
	{
		declare(func_index);
		return v_.OnElemSegmentElemExpr_RefFunc(loc(), var(func_index));
	}
	Result OnDataCount(Index count) override
	{
		if (cx_) {
			cx_->has_data_count = true;
			cx_->data_count = count;
		}
		v_.OnDataCount(count);
		return Result::Ok;
	}
	Result BeginDataSegment(Index, Index memory_index,
				uint8_t flags) override
	{
		data_memory_ = memory_index;
		return v_.OnDataSegment(loc(), var(memory_index),
					segment_kind(flags));
	}
	Result BeginDataSegmentInitExpr(Index) override
	{
		bool is_64 = data_memory_ < memory_is_64_.size() &&
			     memory_is_64_[data_memory_];
		return begin_init_expr(is_64 ? Type::I64 : Type::I32);
	}
	Result EndDataSegmentInitExpr(Index) override
	{
		return end_init_expr();
	}

	/* Function bodies. */
	Result BeginFunctionBody(Index index, Offset size) override
	{
		if (cx_) { /* skipped: ws_bodies_valid reads it later */
			cx_->bodies.push_back(ws_body{
				state->offset, state->offset + size, index});
			return Result::Ok;
		}
		depth_ = 0;
		body_end_ = state->offset + size;
		func_end_ = 0;
		return v_.BeginFunctionBody(loc(), index);
	}
	Result OnLocalDecl(Index, Index count, Type type) override
	{
		if (cx_)
			return Result::Ok;
		return v_.OnLocalDecl(loc(), count, type);
	}
	/* The reader stops a body at its size, not at its outermost `end`:
	 * that `end` must be the body's last byte. */
	Result EndFunctionBody(Index) override
	{
		if (cx_)
			return Result::Ok;
		if (func_end_ && func_end_ != body_end_)
			return v_.PrintError(Location(func_end_),
					     "instructions after the end of the function");
		return v_.EndFunctionBody(loc());
	}

	/* Blocks. The outermost `end` of a body or an initializer is the
	 * validator's EndFunctionBody/EndInitExpr, not an OnEnd. */
	Result OnBlockExpr(Type sig) override { return open(v_.OnBlock(loc(), sig)); }
	Result OnLoopExpr(Type sig) override { return open(v_.OnLoop(loc(), sig)); }
	Result OnIfExpr(Type sig) override { return open(v_.OnIf(loc(), sig)); }
	Result OnTryExpr(Type sig) override { return open(v_.OnTry(loc(), sig)); }
	Result OnElseExpr() override { return v_.OnElse(loc()); }
	Result OnCatchExpr(Index tag) override
	{
		return v_.OnCatch(loc(), var(tag), false);
	}
	Result OnCatchAllExpr() override { return v_.OnCatch(loc(), Var(), true); }
	Result OnDelegateExpr(Index depth) override
	{
		if (depth_ > 0)
			depth_--;
		return v_.OnDelegate(loc(), var(depth));
	}
	Result OnEndExpr() override
	{
		if (in_init_expr_)
			return Result::Ok;
		if (depth_ == 0) {
			if (!func_end_)
				func_end_ = state->offset;
			return Result::Ok;
		}
		depth_--;
		return v_.OnEnd(loc());
	}

	/* Branches and calls. */
	Result OnBrExpr(Index depth) override { return v_.OnBr(loc(), var(depth)); }
	Result OnBrIfExpr(Index depth) override
	{
		return v_.OnBrIf(loc(), var(depth));
	}
	Result OnBrTableExpr(Index num_targets, Index *target_depths,
			     Index default_target_depth) override
	{
		Result r = v_.BeginBrTable(loc());
		for (Index i = 0; i < num_targets && Succeeded(r); i++)
			r |= v_.OnBrTableTarget(loc(), var(target_depths[i]));
		if (Succeeded(r))
			r |= v_.OnBrTableTarget(loc(), var(default_target_depth));
		if (Succeeded(r))
			r |= v_.EndBrTable(loc());
		return r;
	}
	Result OnReturnExpr() override { return v_.OnReturn(loc()); }
	Result OnCallExpr(Index func) override { return v_.OnCall(loc(), var(func)); }
	Result OnCallIndirectExpr(Index sig, Index table) override
	{
		return v_.OnCallIndirect(loc(), var(sig), var(table));
	}
	Result OnCallRefExpr() override
	{
		Index type_index;
		return v_.OnCallRef(loc(), &type_index);
	}
	Result OnReturnCallExpr(Index func) override
	{
		return v_.OnReturnCall(loc(), var(func));
	}
	Result OnReturnCallIndirectExpr(Index sig, Index table) override
	{
		return v_.OnReturnCallIndirect(loc(), var(sig), var(table));
	}
	Result OnThrowExpr(Index tag) override { return v_.OnThrow(loc(), var(tag)); }
	Result OnRethrowExpr(Index depth) override
	{
		return v_.OnRethrow(loc(), var(depth));
	}
	Result OnUnreachableExpr() override { return v_.OnUnreachable(loc()); }
	Result OnNopExpr() override { return v_.OnNop(loc()); }

	/* Plain operators. */
	Result OnUnaryExpr(Opcode op) override { return v_.OnUnary(loc(), op); }
	Result OnBinaryExpr(Opcode op) override { return v_.OnBinary(loc(), op); }
	Result OnTernaryExpr(Opcode op) override { return v_.OnTernary(loc(), op); }
	Result OnCompareExpr(Opcode op) override { return v_.OnCompare(loc(), op); }
	Result OnConvertExpr(Opcode op) override { return v_.OnConvert(loc(), op); }
	Result OnDropExpr() override { return v_.OnDrop(loc()); }
	Result OnSelectExpr(Index result_count, Type *result_types) override
	{
		return v_.OnSelect(loc(), result_count, result_types);
	}
	Result OnI32ConstExpr(uint32_t) override { return v_.OnConst(loc(), Type::I32); }
	Result OnI64ConstExpr(uint64_t) override { return v_.OnConst(loc(), Type::I64); }
	Result OnF32ConstExpr(uint32_t) override { return v_.OnConst(loc(), Type::F32); }
	Result OnF64ConstExpr(uint64_t) override { return v_.OnConst(loc(), Type::F64); }
	Result OnV128ConstExpr(v128) override { return v_.OnConst(loc(), Type::V128); }

	/* Variables. */
	Result OnLocalGetExpr(Index i) override { return v_.OnLocalGet(loc(), var(i)); }
	Result OnLocalSetExpr(Index i) override { return v_.OnLocalSet(loc(), var(i)); }
	Result OnLocalTeeExpr(Index i) override { return v_.OnLocalTee(loc(), var(i)); }
	Result OnGlobalGetExpr(Index i) override { return v_.OnGlobalGet(loc(), var(i)); }
	Result OnGlobalSetExpr(Index i) override { return v_.OnGlobalSet(loc(), var(i)); }

	/* Memory. */
	Result OnLoadExpr(Opcode op, Index mem, Address align_log2, Address) override
	{
		return v_.OnLoad(loc(), op, var(mem), align(align_log2));
	}
	Result OnStoreExpr(Opcode op, Index mem, Address align_log2, Address) override
	{
		return v_.OnStore(loc(), op, var(mem), align(align_log2));
	}
	Result OnMemorySizeExpr(Index mem) override
	{
		return v_.OnMemorySize(loc(), var(mem));
	}
	Result OnMemoryGrowExpr(Index mem) override
	{
		return v_.OnMemoryGrow(loc(), var(mem));
	}
	Result OnMemoryFillExpr(Index mem) override
	{
		return v_.OnMemoryFill(loc(), var(mem));
	}
	Result OnMemoryCopyExpr(Index src, Index dst) override
	{
		return v_.OnMemoryCopy(loc(), var(src), var(dst));
	}
	Result OnMemoryInitExpr(Index segment, Index mem) override
	{
		return v_.OnMemoryInit(loc(), var(segment), var(mem));
	}
	Result OnDataDropExpr(Index segment) override
	{
		return v_.OnDataDrop(loc(), var(segment));
	}

	/* Tables and references. */
	Result OnTableGetExpr(Index t) override { return v_.OnTableGet(loc(), var(t)); }
	Result OnTableSetExpr(Index t) override { return v_.OnTableSet(loc(), var(t)); }
	Result OnTableGrowExpr(Index t) override { return v_.OnTableGrow(loc(), var(t)); }
	Result OnTableSizeExpr(Index t) override { return v_.OnTableSize(loc(), var(t)); }
	Result OnTableFillExpr(Index t) override { return v_.OnTableFill(loc(), var(t)); }
	Result OnTableCopyExpr(Index dst, Index src) override
	{
		return v_.OnTableCopy(loc(), var(dst), var(src));
	}
	Result OnTableInitExpr(Index segment, Index table) override
	{
		return v_.OnTableInit(loc(), var(segment), var(table));
	}
	Result OnElemDropExpr(Index segment) override
	{
		return v_.OnElemDrop(loc(), var(segment));
	}
	/* With bodies skipped, only initializers get here: there, a
	 * ref.func declares the function for the bodies' ref.func. */
	Result OnRefFuncExpr(Index func) override
	{
		if (in_init_expr_)
			declare(func);
		return v_.OnRefFunc(loc(), var(func));
	}
	Result OnRefNullExpr(Type type) override { return v_.OnRefNull(loc(), type); }
	Result OnRefIsNullExpr() override { return v_.OnRefIsNull(loc()); }

	/* Threads. */
	Result OnAtomicLoadExpr(Opcode op, Index mem, Address align_log2,
				Address) override
	{
		return v_.OnAtomicLoad(loc(), op, var(mem), align(align_log2));
	}
	Result OnAtomicStoreExpr(Opcode op, Index mem, Address align_log2,
				 Address) override
	{
		return v_.OnAtomicStore(loc(), op, var(mem), align(align_log2));
	}
	Result OnAtomicRmwExpr(Opcode op, Index mem, Address align_log2,
			       Address) override
	{
		return v_.OnAtomicRmw(loc(), op, var(mem), align(align_log2));
	}
	Result OnAtomicRmwCmpxchgExpr(Opcode op, Index mem, Address align_log2,
				      Address) override
	{
		return v_.OnAtomicRmwCmpxchg(loc(), op, var(mem),
					     align(align_log2));
	}
	Result OnAtomicWaitExpr(Opcode op, Index mem, Address align_log2,
				Address) override
	{
		return v_.OnAtomicWait(loc(), op, var(mem), align(align_log2));
	}
	Result OnAtomicNotifyExpr(Opcode op, Index mem, Address align_log2,
				  Address) override
	{
		return v_.OnAtomicNotify(loc(), op, var(mem), align(align_log2));
	}
	Result OnAtomicFenceExpr(uint32_t consistency_model) override
	{
		return v_.OnAtomicFence(loc(), consistency_model);
	}

	/* SIMD. */
	Result OnSimdLaneOpExpr(Opcode op, uint64_t lane) override
	{
		return v_.OnSimdLaneOp(loc(), op, lane);
	}
	Result OnSimdShuffleOpExpr(Opcode op, v128 lanes) override
	{
		return v_.OnSimdShuffleOp(loc(), op, lanes);
	}
	Result OnSimdLoadLaneExpr(Opcode op, Index mem, Address align_log2,
				  Address, uint64_t lane) override
	{
		return v_.OnSimdLoadLane(loc(), op, var(mem), align(align_log2),
					 lane);
	}
	Result OnSimdStoreLaneExpr(Opcode op, Index mem, Address align_log2,
				   Address, uint64_t lane) override
	{
		return v_.OnSimdStoreLane(loc(), op, var(mem), align(align_log2),
					  lane);
	}
	Result OnLoadSplatExpr(Opcode op, Index mem, Address align_log2,
			       Address) override
	{
		return v_.OnLoadSplat(loc(), op, var(mem), align(align_log2));
	}
	Result OnLoadZeroExpr(Opcode op, Index mem, Address align_log2,
			      Address) override
	{
		return v_.OnLoadZero(loc(), op, var(mem), align(align_log2));
	}

private:
	Location loc() const { return Location(state->offset); }
	Var var(Index index) const { return Var(index, loc()); }

	/* The validator wants the alignment in bytes; a huge exponent must
	 * still fail its "larger than natural" check, not overflow. */
	static Address align(Address log2)
	{
		return log2 < 32 ? Address(1) << log2 : ~Address(0);
	}

	static SegmentKind segment_kind(uint8_t flags)
	{
		if ((flags & SegDeclared) == SegDeclared)
			return SegmentKind::Declared;
		if (flags & SegPassive)
			return SegmentKind::Passive;
		return SegmentKind::Active;
	}

	Result open(Result r)
	{
		depth_++;
		return r;
	}

	Result begin_init_expr(Type type)
	{
		in_init_expr_ = true;
		return v_.BeginInitExpr(loc(), type);
	}

	Result end_init_expr()
	{
		in_init_expr_ = false;
		return v_.EndInitExpr();
	}

	void note_func_type(Index param_count, const Type *params,
			    Index result_count, const Type *results)
	{
		ws_functype ft = {uint32_t(cx_->pool.size()), param_count,
				  result_count, true};
		for (Index i = 0; i < param_count + result_count; i++) {
			Type t = i < param_count ? params[i]
						 : results[i - param_count];
			uint8_t vt = ws_valtype_of(t);
			ft.known &= vt != WS_T_NONE;
			cx_->pool.push_back(vt);
		}
		cx_->types.push_back(ft);
	}

	void note_memory(bool is_64)
	{
		memory_is_64_.push_back(is_64);
		if (cx_)
			cx_->memories.push_back(is_64 ? WS_T_I64 : WS_T_I32);
	}

	/* A function that ref.func may name in a body. */
	void declare(Index func)
	{
		if (!cx_)
			return;
		if (func >= cx_->declared.size()) {
			if (func >= cx_->funcs.size())
				return; /* out of range: wabt says so */
			cx_->declared.resize(func + 1);
		}
		cx_->declared[func] = true;
	}

	Errors *errors_;
	SharedValidator v_;
	ws_body_context *cx_; /* set when bodies are skipped */
	std::vector<bool> memory_is_64_;
	Type global_type_ = Type::I32;
	Index data_memory_ = 0;
	Index depth_ = 0;        /* blocks open in the current body */
	Offset body_end_ = 0;    /* offset just past the current body */
	Offset func_end_ = 0;    /* offset just past its outermost `end` */
	bool in_init_expr_ = false;
	bool in_custom_ = false;
	bool custom_failed_ = false;
};

ReadBinaryOptions read_options()
{
	Features features;
	features.EnableAll();
	/* wabt 1.0.32's typed function references are unfinished: with them,
	 * ref.func has a type that is not a funcref, and plain reference-types
	 * modules (ref.func stored in a funcref table) fail. */
	features.disable_function_references();
	/* Its GC is only struct and array types, no instructions: of no use
	 * to a real module, and it reads type forms loosely (spec binary.wast
	 * "malformed functype" passes). */
	features.disable_gc();
	/* Code metadata lives in custom sections: nothing to validate, and
	 * parsing them only risks errors the spec says to ignore. */
	features.disable_code_metadata();
	ReadBinaryOptions options;
	options.features = features;
	options.read_debug_names = false;
	options.stop_on_first_error = true;
	options.fail_on_custom_section_error = false;
	return options;
}

/* Reads an unsigned LEB128 of at most 32 bits; false if cut short or
 * too long. */
bool read_leb_u32(const uint8_t *p, size_t len, size_t *pos, uint32_t *out)
{
	uint32_t value = 0;
	for (unsigned shift = 0; shift < 35 && *pos < len; shift += 7) {
		uint8_t byte = p[(*pos)++];
		value |= uint32_t(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return (*out = value), shift < 28 || byte < 0x10;
	}
	return false;
}

void write_leb_u32(std::vector<uint8_t> *out, uint32_t value)
{
	do {
		uint8_t byte = value & 0x7f;
		value >>= 7;
		out->push_back(byte | (value ? 0x80 : 0));
	} while (value);
}

/*
 * The module without its custom sections. The reader parses a few custom
 * sections (linking, reloc.*, dylink, target_features) and can stop at a
 * malformed one; as custom sections never affect validity, we validate
 * again without them. Whatever cannot be walked is copied as is, for the
 * reader to report.
 */
std::vector<uint8_t> without_custom_sections(const uint8_t *p, size_t len)
{
	std::vector<uint8_t> out(p, p + (len < 8 ? len : 8));
	size_t pos = out.size();
	while (pos < len) {
		size_t start = pos, body = pos + 1;
		uint32_t size;
		if (!read_leb_u32(p, len, &body, &size) || size > len - body)
			break;
		if (p[start] != 0)
			out.insert(out.end(), p + start, p + body + size);
		pos = body + size;
	}
	out.insert(out.end(), p + pos, p + len);
	return out;
}

/* 1 if the LEB128 at `offset` is over-long rather than cut short. */
bool leb_overlong(const uint8_t *p, size_t len, size_t offset, size_t max)
{
	if (offset > len || len - offset < max)
		return false;
	for (size_t i = 0; i < max; i++)
		if (!(p[offset + i] & 0x80))
			return false;
	return true;
}

/*
 * The reason shown to users, without wabt's offset prefix. Reading past an
 * end (of the file, or of a section that claims more than it holds) reads
 * "unexpected end-of-file", as the reference system said.
 */
std::string reason(const Error &e, const uint8_t *p, size_t len)
{
	const std::string &m = e.message;
	if (m.find("extends past end") != std::string::npos)
		return "unexpected end-of-file";
	if (m.rfind("unable to read ", 0) == 0) {
		bool is_leb = m.find("leb128") != std::string::npos;
		size_t max = m.find("64 leb128") != std::string::npos ? 10 : 5;
		if (!is_leb || !leb_overlong(p, len, e.loc.offset, max))
			return "unexpected end-of-file";
	}
	return m;
}

/* What one pass over a buffer found. */
struct Outcome {
	bool valid = false;
	bool custom_failed = false; /* stopped only by a custom section */
	std::string reason;
};

Outcome validate_buffer(const uint8_t *p, size_t len)
{
	ReadBinaryOptions options = read_options();
	Errors errors;
	Validator validator(&errors, options.features);
	Result result = ReadBinary(p, len, &validator, options);

	Outcome out;
	if (!errors.empty())
		out.reason = reason(errors.front(), p, len);
	else if (Failed(result) && validator.custom_failed())
		out.custom_failed = true;
	else if (Failed(result))
		out.reason = "unknown error";
	else
		out.valid = true;
	return out;
}

/* A module's sections, and the function bodies of its code section. */
struct Span {
	size_t begin, end;
};
struct Layout {
	std::vector<Span> sections; /* header included, in file order */
	size_t code = SIZE_MAX;     /* index of the code section */
	Span count;                 /* the code section's body count */
	std::vector<Span> bodies;   /* each with its size prefix */
};

/* The one part of a custom section that must be well-formed: its name. */
bool custom_name_ok(const uint8_t *p, size_t end, size_t pos)
{
	uint32_t size;
	if (!read_leb_u32(p, end, &pos, &size) || size > end - pos)
		return false;
	return IsValidUtf8(reinterpret_cast<const char *>(p + pos), size);
}

/* False when the module is not plainly well-formed at this level: the
 * reader then reports what is wrong. Checks custom sections' names, as the
 * parts leave those sections out. */
bool read_layout(Layout *l, const uint8_t *p, size_t len)
{
	size_t pos = 8;
	uint32_t size, n;

	if (len < 8)
		return false;
	while (pos < len) {
		Span s = {pos, pos + 1};
		if (!read_leb_u32(p, len, &s.end, &size) || size > len - s.end)
			return false;
		size_t content = s.end;
		s.end += size;
		if (p[pos] == 0 && !custom_name_ok(p, s.end, content))
			return false;
		if (p[pos] == 10) {
			if (l->code != SIZE_MAX)
				return false;
			l->code = l->sections.size();
			l->count.begin = content;
			if (!read_leb_u32(p, s.end, &content, &n))
				return false;
			l->count.end = content;
			l->bodies.reserve(n);
			for (uint32_t i = 0; i < n; i++) {
				Span b = {content, content};
				if (!read_leb_u32(p, s.end, &b.end, &size) ||
				    size > s.end - b.end)
					return false;
				b.end += size;
				l->bodies.push_back(b);
				content = b.end;
			}
			if (content != s.end)
				return false;
		}
		l->sections.push_back(s);
		pos = s.end;
	}
	return l->code != SIZE_MAX;
}

/*
 * The module with only bodies [first, last) kept; the others become
 * `unreachable`, valid whatever the function's type. Custom sections are
 * left out: they never affect validity, and copying them costs.
 */
std::vector<uint8_t> module_part(const uint8_t *p, const Layout &l,
				 size_t first, size_t last)
{
	static const uint8_t stub[] = {3, 0, 0x00, 0x0b};
	std::vector<uint8_t> code(p + l.count.begin, p + l.count.end);
	for (size_t i = 0; i < l.bodies.size(); i++) {
		if (i >= first && i < last)
			code.insert(code.end(), p + l.bodies[i].begin,
				    p + l.bodies[i].end);
		else
			code.insert(code.end(), stub, stub + sizeof(stub));
	}

	std::vector<uint8_t> out(p, p + 8);
	for (size_t i = 0; i < l.sections.size(); i++) {
		const Span &s = l.sections[i];
		if (i == l.code) {
			out.push_back(10);
			write_leb_u32(&out, uint32_t(code.size()));
			out.insert(out.end(), code.begin(), code.end());
		} else if (p[s.begin] != 0) {
			out.insert(out.end(), p + s.begin, p + s.end);
		}
	}
	return out;
}

/*
 * How many shares to cut `items` items of `bytes` bytes into, for up to
 * `threads` threads: twice as many as threads, so that a helper the
 * scheduler starts late costs little, but none under `min_bytes`.
 */
size_t share_count(size_t bytes, size_t items, unsigned threads,
		   size_t min_bytes)
{
	size_t shares = 2 * size_t(threads);
	if (shares > bytes / min_bytes)
		shares = bytes / min_bytes;
	return shares < items ? shares : items;
}

/* Where `shares` contiguous runs of items, of about equal bytes, start
 * (and the last one ends): item i ends `end_of(i)` bytes in. */
template <typename EndOf>
std::vector<size_t> cut_items(size_t items, size_t shares, EndOf end_of)
{
	std::vector<size_t> cut(shares + 1, items);
	size_t bytes = items ? end_of(items - 1) : 0;
	cut[0] = 0;
	for (size_t i = 0, k = 1; i < items && k < shares; i++)
		if (end_of(i) * shares >= bytes * k)
			cut[k++] = i + 1;
	return cut;
}

/*
 * share_valid(k) for every k below `shares`, in up to `threads` threads
 * (the caller's included) that take shares until none is left. True only
 * when every share is valid.
 */
template <typename ShareValid>
bool all_shares_valid(size_t shares, unsigned threads,
		      const ShareValid &share_valid)
{
	std::atomic<size_t> next(0);
	std::atomic<bool> failed(false);
	auto work = [&]() {
		size_t k;
		while (!failed && (k = next++) < shares) {
			try {
				if (!share_valid(k))
					failed = true;
			} catch (...) {
				failed = true;
			}
		}
	};
	std::vector<std::thread> helpers;
	if (threads > shares)
		threads = unsigned(shares);
	try {
		for (unsigned t = 1; t < threads; t++)
			helpers.emplace_back(work);
	} catch (...) {
		/* No more threads to be had: fewer hands do the work. */
	}
	work();
	for (std::thread &t : helpers)
		t.join();
	return !failed;
}

/* Below this much code a module part costs more than it saves. */
const size_t kMinPartBytes = 32 * 1024;

/*
 * Validates the function bodies in up to `threads` threads, each share of
 * the bodies read by wabt as a module of its own. True only when every
 * share is valid; false means "ask the single pass", which also gives the
 * first error in file order.
 */
bool valid_in_parts(const uint8_t *p, size_t len, unsigned threads)
{
	Layout l;
	if (!read_layout(&l, p, len) || l.bodies.empty())
		return false;
	size_t first = l.bodies.front().begin;
	size_t shares = share_count(l.bodies.back().end - first,
				    l.bodies.size(), threads, kMinPartBytes);
	if (shares < 2)
		return false;
	std::vector<size_t> cut = cut_items(
		l.bodies.size(), shares,
		[&](size_t i) { return l.bodies[i].end - first; });
	return all_shares_valid(shares, threads, [&](size_t k) {
		std::vector<uint8_t> m = module_part(p, l, cut[k], cut[k + 1]);
		return validate_buffer(m.data(), m.size()).valid;
	});
}

/* Below this much code a thread of the quick check costs more than it
 * saves (starting one takes about as long as checking this much). */
const size_t kMinQuickShareBytes = 64 * 1024;

/*
 * The quick way: wabt reads and validates all but the function bodies,
 * then ws_bodies_valid checks those, in up to `threads` threads. True only
 * when both find the module valid; false means "ask wabt's full pass",
 * for the answer and the reason.
 */
bool valid_quickly(const uint8_t *p, size_t len, unsigned threads)
{
	ReadBinaryOptions options = read_options();
	options.skip_function_bodies = true;
	Errors errors;
	ws_body_context cx;
	Validator validator(&errors, options.features, &cx);
	if (Failed(ReadBinary(p, len, &validator, options)) || !errors.empty())
		return false;
	const ws_optable &ops = ws_optable_for(options.features);
	const std::vector<ws_body> &bodies = cx.bodies;
	for (const ws_body &b : bodies)
		if (b.begin > b.end || b.end > len)
			return false; /* wabt checked; never read past the end */
	if (bodies.empty())
		return true;
	size_t first = bodies.front().begin;
	size_t shares = share_count(bodies.back().end - first, bodies.size(),
				    threads, kMinQuickShareBytes);
	if (threads < 2 || shares < 2)
		return ws_bodies_valid(cx, ops, p, 0, bodies.size());
	std::vector<size_t> cut = cut_items(
		bodies.size(), shares,
		[&](size_t i) { return bodies[i].end - first; });
	return all_shares_valid(shares, threads, [&](size_t k) {
		return ws_bodies_valid(cx, ops, p, cut[k], cut[k + 1]);
	});
}

/* One thread per CPU, up to 8, for modules that can use two. */
unsigned default_parts(size_t len)
{
	if (len < 4 * kMinPartBytes)
		return 1;
	/* asked once: glibc reads /sys/devices/system/cpu/online each time */
	static const unsigned cpus = std::thread::hardware_concurrency();
	return cpus < 8 ? cpus : 8;
}

/* With `quick`, ws_bodies_valid first; wabt's full pass when it cannot
 * tell, and always without `quick`. */
int validate(const void *data, size_t len, unsigned parts, bool quick = true)
{
	const uint8_t *p = static_cast<const uint8_t *>(data);
	try {
		if (quick && valid_quickly(p, len, parts))
			return 0;
		if (parts > 1 && valid_in_parts(p, len, parts))
			return 0;
		Outcome out = validate_buffer(p, len);
		if (out.custom_failed) {
			std::vector<uint8_t> bare = without_custom_sections(p, len);
			out = validate_buffer(bare.data(), bare.size());
			if (out.custom_failed)
				out.reason = "malformed custom section";
		}
		if (out.valid)
			return 0;
		return ws_error_set(WS_EINVALID, "invalid module: %s",
				    out.reason.c_str());
	} catch (const std::bad_alloc &) {
		return ws_error_set(WS_ERROR, "out of memory while validating");
	} catch (...) {
		return ws_error_set(WS_ERROR, "validator failed unexpectedly");
	}
}

} // namespace

extern "C" int ws__validate(const void *data, size_t len)
{
	return validate(data, len, default_parts(len));
}

extern "C" int ws__validate_parts(const void *data, size_t len, unsigned parts)
{
	return validate(data, len, parts);
}

extern "C" int ws__validate_full(const void *data, size_t len)
{
	return validate(data, len, 1, false);
}

extern "C" int ws__validate_quick(const void *data, size_t len)
{
	try {
		return valid_quickly(static_cast<const uint8_t *>(data), len, 1);
	} catch (...) {
		return 0;
	}
}
