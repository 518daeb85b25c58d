/* hex.h - SHA-256 and hex helpers (OpenSSL does the hashing). */
#ifndef WS_HEX_H
#define WS_HEX_H

#include <stddef.h>

void ws__hex(char *out, const unsigned char *bytes, size_t n);
/* 0 on success, -1 if `hex` is not 2n hex digits. */
int ws__unhex(unsigned char *out, const char *hex, size_t n);

/* SHA-256 of a buffer. 0 or WS_ERROR. */
int ws__sha256_blob(unsigned char sha[32], const void *data, size_t len);

#endif
