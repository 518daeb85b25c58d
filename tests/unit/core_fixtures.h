/*
 * core_fixtures.h - small helpers for the history/merge/gc/watch unit tests:
 * a store in the test's temp dir and tiny distinct valid modules.
 */
#ifndef WS_CORE_FIXTURES_H
#define WS_CORE_FIXTURES_H

#include "unit.h"
#include "wasmstore.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The empty module followed by a custom section "x" holding byte `n`, so
 * every n gives a different valid module (13 bytes). */
static inline size_t fixture_module(unsigned char buf[16], unsigned char n)
{
	static const unsigned char head[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
					      0, 3, 1, 'x' };
	memcpy(buf, head, sizeof(head));
	buf[sizeof(head)] = n;
	return sizeof(head) + 1;
}

/* Opens (creating) the store at <tmpdir>/<name>. */
static inline int fixture_open(ws_store **out, const char *name)
{
	char root[4200];

	snprintf(root, sizeof(root), "%s/%s", unit_tmpdir(), name);
	return ws_store_open(out, root);
}

/* Adds module variant `n` at `path`; `hash` (65 bytes) may be NULL. */
static inline int fixture_add(ws_store *store, const char *branch,
			      const char *path, unsigned char n, char *hash)
{
	unsigned char buf[16];
	char local[WS_HASH_HEXSIZE + 1];
	size_t len = fixture_module(buf, n);

	return ws_module_add_buffer(hash ? hash : local, store, branch, path,
				    buf, len);
}

/* The module hash held at `path` on `branch`, or "" when absent. */
static inline const char *fixture_hash(ws_store *store, const char *branch,
				       const char *path)
{
	static char hash[WS_HASH_HEXSIZE + 1];
	ws_module_info info;

	if (ws_module_stat(&info, store, branch, path) < 0)
		return "";
	memcpy(hash, info.hash, sizeof(hash));
	return hash;
}

/* The message of `branch`'s head commit, or "" when none. */
static inline const char *fixture_head_message(ws_store *store,
					       const char *branch)
{
	static char message[256];
	char head[WS_COMMIT_HEXSIZE + 1];
	ws_commit_info *info = NULL;

	message[0] = '\0';
	if (ws_snapshot(head, store, branch) == 0 &&
	    ws_commit_lookup(&info, store, head) == 0)
		snprintf(message, sizeof(message), "%s", info->message);
	ws_commit_info_free(info);
	return message;
}

/* Sets the file's times `age` seconds into the past (for "older than"
 * rules: leftovers, stale staging files). */
static inline int fixture_age(const char *path, long age)
{
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= age;
	t[1] = t[0];
	return utimensat(AT_FDCWD, path, t, 0);
}

#endif
