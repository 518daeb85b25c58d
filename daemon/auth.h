/*
 * auth.h - API keys and the methods each may use.
 *
 * Syntax (--auth, WASMSTORE_AUTH, --auth-file): "KEY1:GET,POST;KEY2:GET";
 * "*" as a method allows every method. In a file, newlines also separate
 * entries. Keys are compared in constant time (through their SHA-256).
 */
#ifndef WS_DAEMON_AUTH_H
#define WS_DAEMON_AUTH_H

struct ws_auth;

struct ws_auth *ws_auth_new(void);
void ws_auth_free(struct ws_auth *auth);

/* Adds the entries of `spec`. Returns 0, or -1 with a message in
 * ws_error_last() (the spec itself is never quoted: it holds secrets). */
int ws_auth_add_spec(struct ws_auth *auth, const char *spec);
int ws_auth_add_file(struct ws_auth *auth, const char *filename);

/* 1 when at least one key is configured (requests must then carry one). */
int ws_auth_enabled(const struct ws_auth *auth);

/* 1 when `key` (NULL: none given) may use `method`, else 0. */
int ws_auth_allows(const struct ws_auth *auth, const char *key,
		   const char *method);

#endif
