/*
 * random_module.h - random WebAssembly modules for differential tests of
 * the validator (tests/unit/validate_quick.c).
 */
#ifndef WS_RANDOM_MODULE_H
#define WS_RANDOM_MODULE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The module of this seed (the same one for the same seed): its bytes in
 * *out (malloc'ed; the caller frees them), and its length. About 40% of
 * them are valid. Not thread-safe (one generator state).
 */
size_t random_module(unsigned char **out, uint64_t seed);

#endif
