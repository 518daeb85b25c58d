/* auth.c - API keys, compared without leaking their content by timing. */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "wasmstore.h"

#define DIGEST_SIZE 32
#define MAX_METHODS 16

struct key_entry {
	unsigned char digest[DIGEST_SIZE]; /* SHA-256 of the key */
	int any_method;
	size_t method_count;
	char *methods[MAX_METHODS];
};

struct ws_auth {
	struct key_entry *keys;
	size_t count, alloc;
};

struct ws_auth *ws_auth_new(void)
{
	return calloc(1, sizeof(struct ws_auth));
}

void ws_auth_free(struct ws_auth *auth)
{
	if (!auth)
		return;
	for (size_t i = 0; i < auth->count; i++)
		for (size_t j = 0; j < auth->keys[i].method_count; j++)
			free(auth->keys[i].methods[j]);
	/* The digests identify keys: do not leave them in freed memory. */
	if (auth->keys)
		OPENSSL_cleanse(auth->keys, auth->alloc * sizeof(*auth->keys));
	free(auth->keys);
	free(auth);
}

int ws_auth_enabled(const struct ws_auth *auth)
{
	return auth && auth->count > 0;
}

static int digest(unsigned char out[DIGEST_SIZE], const char *s, size_t len)
{
	unsigned int n = 0;

	if (!EVP_Digest(s, len, out, &n, EVP_sha256(), NULL) ||
	    n != DIGEST_SIZE)
		return -1;
	return 0;
}

static void trim(const char **start, const char **end)
{
	while (*start < *end && isspace((unsigned char)**start))
		(*start)++;
	while (*end > *start && isspace((unsigned char)(*end)[-1]))
		(*end)--;
}

static int add_method(struct key_entry *e, const char *s, const char *end)
{
	char *m;

	trim(&s, &end);
	if (s == end)
		return ws_error_set(WS_EINPUT, "empty method in auth entry");
	if (end - s == 1 && *s == '*') {
		e->any_method = 1;
		return 0;
	}
	if (e->method_count == MAX_METHODS)
		return ws_error_set(WS_EINPUT,
				    "too many methods in auth entry");
	if (!(m = strndup(s, (size_t)(end - s))))
		return ws_error_set(WS_ERROR, "out of memory");
	for (char *p = m; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	e->methods[e->method_count++] = m;
	return 0;
}

/* One "KEY:M1,M2" entry, [s, end). */
static int add_entry(struct ws_auth *auth, const char *s, const char *end)
{
	const char *colon, *key_end, *m;
	struct key_entry *e;

	trim(&s, &end);
	if (s == end)
		return 0; /* empty entry, e.g. a trailing ';' */
	colon = memchr(s, ':', (size_t)(end - s));
	if (!colon)
		return ws_error_set(WS_EINPUT,
				    "auth entry %zu has no ':METHODS'",
				    auth->count + 1);
	key_end = colon;
	trim(&s, &key_end);
	if (s == key_end)
		return ws_error_set(WS_EINPUT,
				    "auth entry %zu has an empty key",
				    auth->count + 1);
	if (auth->count == auth->alloc) {
		size_t n = auth->alloc ? auth->alloc * 2 : 4;
		struct key_entry *k = realloc(auth->keys, n * sizeof(*k));
		if (!k)
			return ws_error_set(WS_ERROR, "out of memory");
		auth->keys = k;
		auth->alloc = n;
	}
	e = &auth->keys[auth->count];
	memset(e, 0, sizeof(*e));
	if (digest(e->digest, s, (size_t)(key_end - s)))
		return ws_error_set(WS_ERROR, "sha256 failed");
	for (m = colon + 1;;) {
		const char *comma = memchr(m, ',', (size_t)(end - m));
		const char *stop = comma ? comma : end;
		int error = add_method(e, m, stop);
		if (error) {
			for (size_t j = 0; j < e->method_count; j++)
				free(e->methods[j]);
			return error;
		}
		if (!comma)
			break;
		m = comma + 1;
	}
	auth->count++;
	return 0;
}

static int add_text(struct ws_auth *auth, const char *spec, int newlines)
{
	const char *s = spec;

	while (*s) {
		size_t n = newlines ? strcspn(s, ";\n") : strcspn(s, ";");
		int error = add_entry(auth, s, s + n);
		if (error)
			return error;
		s += n;
		if (*s)
			s++;
	}
	return 0;
}

int ws_auth_add_spec(struct ws_auth *auth, const char *spec)
{
	return add_text(auth, spec, 0);
}

int ws_auth_add_file(struct ws_auth *auth, const char *filename)
{
	FILE *f = fopen(filename, "r");
	char *text = NULL;
	size_t len = 0;
	int error;

	if (!f)
		return ws_error_set(WS_ERROR, "cannot open '%s': %s", filename,
				    strerror(errno));
	{
		FILE *mem = open_memstream(&text, &len);
		char buf[4096];
		size_t n;

		if (!mem) {
			fclose(f);
			return ws_error_set(WS_ERROR, "out of memory");
		}
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, mem);
		error = ferror(f);
		fclose(mem);
		fclose(f);
		OPENSSL_cleanse(buf, sizeof(buf));
	}
	if (error) {
		free(text);
		return ws_error_set(WS_ERROR, "cannot read '%s'", filename);
	}
	error = add_text(auth, text, 1);
	OPENSSL_cleanse(text, len);
	free(text);
	return error;
}

static int method_allowed(const struct key_entry *e, const char *method)
{
	if (e->any_method)
		return 1;
	for (size_t i = 0; i < e->method_count; i++)
		if (strcmp(e->methods[i], method) == 0)
			return 1;
	return 0;
}

int ws_auth_allows(const struct ws_auth *auth, const char *key,
		   const char *method)
{
	unsigned char d[DIGEST_SIZE];
	int allowed = 0;

	if (!ws_auth_enabled(auth))
		return 1;
	if (!key || digest(d, key, strlen(key)))
		return 0;
	/* Every entry is compared, whatever matched before: the time taken
	 * depends on the number of keys only, not on their bytes. */
	for (size_t i = 0; i < auth->count; i++) {
		int same = CRYPTO_memcmp(d, auth->keys[i].digest,
					 DIGEST_SIZE) == 0;
		allowed |= same & method_allowed(&auth->keys[i], method);
	}
	return allowed;
}
