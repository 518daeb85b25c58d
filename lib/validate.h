/*
 * validate.h - WebAssembly validation (a C interface over wabt, C++).
 */
#ifndef WS_VALIDATE_H
#define WS_VALIDATE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Validates a binary module with every feature wabt supports (threads, SIMD,
 * relaxed SIMD, exceptions, bulk memory, reference types, tail calls,
 * multi-memory, memory64, extended-const; not its unfinished function
 * references and GC), function bodies included; errors in custom sections
 * are ignored, as the spec requires. A truncated module reads
 * "unexpected end-of-file".
 * Returns 0 if valid, else WS_EINVALID with the error message set (through
 * ws_error_set) to "invalid module: <reason>".
 */
int ws__validate(const void *data, size_t len);

/*
 * The same, with the function bodies shared among up to `parts` threads
 * (ws__validate picks one per CPU for large modules; 1 means a single
 * pass). For tests and benchmarks.
 */
int ws__validate_parts(const void *data, size_t len, unsigned parts);

/*
 * For tests: wabt's full pass alone, as ws__validate_parts(data, len, 1)
 * without the quick check of function bodies (lib/validate_body.h) that
 * the others try first; and that quick check alone: 1 when it finds the
 * module valid, 0 when it cannot tell (it sets no error).
 */
int ws__validate_full(const void *data, size_t len);
int ws__validate_quick(const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
