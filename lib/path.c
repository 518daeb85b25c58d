/* path.c - checks and normalizes the names users hand us. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A printable copy of user input for messages: control characters become
 * \xNN, so no message can drive a terminal. */
static const char *ws__quote(char *buf, size_t size, const char *s, size_t len)
{
	size_t used = 0;

	for (size_t i = 0; i < len && used + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			used += (size_t)snprintf(buf + used, size - used, "\\x%02x", c);
		else
			buf[used++] = (char)c;
	}
	buf[used] = '\0';
	return buf;
}

#define QUOTE(buf, s) ws__quote(buf, sizeof(buf), (s), strlen(s))

static int segment_ok(const char *seg, size_t len, const char *whole)
{
	char q[512];

	if ((len == 1 && seg[0] == '.') ||
	    (len == 2 && seg[0] == '.' && seg[1] == '.'))
		return ws_error_set(WS_EINPUT,
				    "invalid path '%s': '.' and '..' are not allowed",
				    QUOTE(q, whole));
	if (len == 4 && strncasecmp(seg, ".git", 4) == 0)
		return ws_error_set(WS_EINPUT,
				    "invalid path '%s': '.git' is reserved",
				    QUOTE(q, whole));
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)seg[i];
		if (c < 0x20 || c == 0x7f)
			return ws_error_set(WS_EINPUT,
					    "invalid path: control character in '%s'",
					    QUOTE(q, whole));
		if (c == '\\')
			return ws_error_set(WS_EINPUT,
					    "invalid path '%s': backslash is not allowed",
					    QUOTE(q, whole));
	}
	return 0;
}

int ws_path_normalize(char **out, const char *path)
{
	size_t n, used = 0;
	char *buf;
	int error;

	*out = NULL;
	if (!path)
		return ws_error_set(WS_EINPUT, "invalid path: empty");
	n = strlen(path);
	if (n > 4096)
		return ws_error_set(WS_EINPUT, "invalid path: longer than 4096 bytes");
	if (!(buf = malloc(n + 1)))
		return ws_error_set(WS_ERROR, "out of memory");

	for (const char *p = path; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 0) {
			if ((error = segment_ok(p, len, path)) < 0) {
				free(buf);
				return error;
			}
			if (used)
				buf[used++] = '/';
			memcpy(buf + used, p, len);
			used += len;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	buf[used] = '\0';
	if (used == 0) {
		free(buf);
		return ws_error_set(WS_EINPUT, "invalid path: empty");
	}
	*out = buf;
	return 0;
}

int ws_is_module_hash(const char *s)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; s[i]; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return 0;
	}
	return i == WS_HASH_HEXSIZE;
}

int ws_branch_name_check(const char *name)
{
	char ref[1100], q[512];
	int valid = 0;

	ws__init();
	if (!name || !*name || strlen(name) > 1000 || name[0] == '-' ||
	    strcmp(name, "HEAD") == 0)
		goto bad;
	snprintf(ref, sizeof(ref), "refs/heads/%s", name);
	if (git_reference_name_is_valid(&valid, ref) < 0 || !valid)
		goto bad;
	return 0;
bad:
	return ws_error_set(WS_EINPUT, "invalid branch name '%s'",
			    name ? QUOTE(q, name) : "");
}
