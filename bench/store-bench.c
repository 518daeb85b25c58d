/*
 * store-bench.c - times core store operations in-process.
 *
 *   store-bench adds ROOT N [PREFIX]    N durable adds of distinct 1 KB modules
 *   store-bench writers ROOT N T        the same N adds from T threads at once
 *                                       (each its own handle, as the daemon's)
 *   store-bench fill ROOT N flat|nested  put N modules into ROOT in one commit
 *   store-bench finds ROOT N            N finds by path, then N by hash
 *   store-bench module FILE SEED        writes one 1 KB module to FILE
 *
 * Prints "<what> <count> <seconds> <per second>" lines.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <pthread.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A valid 1 KB module: the empty module plus a custom section whose
 * payload makes it distinct. */
static size_t module_1k(unsigned char *out, unsigned seed)
{
	static const unsigned char head[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
	size_t n = 0, payload = 1024 - 8 - 3 - 2;

	memcpy(out, head, 8);
	n = 8;
	out[n++] = 0;                                 /* custom section id */
	out[n++] = (unsigned char)(0x80 | ((payload + 2) & 0x7f));
	out[n++] = (unsigned char)((payload + 2) >> 7);
	out[n++] = 1;   /* name length */
	out[n++] = 'b'; /* name */
	for (size_t i = 0; i < payload; i++)
		out[n++] = (unsigned char)(seed * 2654435761u >> (i % 24));
	memcpy(out + n - 4, &seed, 4);
	return n;
}

static int die(const char *what)
{
	fprintf(stderr, "store-bench: %s: %s\n", what, ws_error_last());
	return 1;
}

static int cmd_adds(const char *root, int n, const char *prefix)
{
	unsigned char buf[1100];
	char hash[65], path[256];
	ws_store *store;
	double t0;

	if (ws_store_open(&store, root) < 0)
		return die("open");
	t0 = now();
	for (int i = 0; i < n; i++) {
		size_t len = module_1k(buf, (unsigned)(i + 7919 * getpid()));
		snprintf(path, sizeof(path), "%s%d.wasm", prefix, i);
		if (ws_module_add_buffer(hash, store, NULL, path, buf, len) < 0)
			return die("add");
	}
	double dt = now() - t0;
	printf("adds %d %.3f %.1f\n", n, dt, n / dt);
	ws_store_free(store);
	return 0;
}

typedef struct {
	const char *root;
	int first, count, failed;
} writer;

static void *write_some(void *arg)
{
	writer *w = arg;
	unsigned char buf[1100];
	char hash[65], path[256];
	ws_store *store;

	if (ws_store_open(&store, w->root) < 0) {
		w->failed = die("open");
		return NULL;
	}
	for (int i = w->first; i < w->first + w->count; i++) {
		size_t len = module_1k(buf, (unsigned)(i + 7919 * getpid()));
		snprintf(path, sizeof(path), "w%d.wasm", i);
		if (ws_module_add_buffer(hash, store, NULL, path, buf, len) < 0) {
			w->failed = die("add");
			break;
		}
	}
	ws_store_free(store);
	return NULL;
}

/* n adds spread over t threads, each with its own store handle. */
static int cmd_writers(const char *root, int n, int t)
{
	pthread_t tids[64];
	writer ws[64];
	ws_store *store;
	int failed = 0;
	double t0;

	if (t < 1 || t > 64)
		return 2;
	/* one handle stays open throughout, as in a daemon */
	if (ws_store_open(&store, root) < 0)
		return die("open");
	t0 = now();
	for (int i = 0; i < t; i++) {
		ws[i] = (writer){ root, i * (n / t), n / t, 0 };
		pthread_create(&tids[i], NULL, write_some, &ws[i]);
	}
	for (int i = 0; i < t; i++) {
		pthread_join(tids[i], NULL);
		failed |= ws[i].failed;
	}
	double dt = now() - t0;
	printf("writers %d %.3f %.1f %d\n", n / t * t, dt, n / t * t / dt, t);
	ws_store_free(store);
	return failed;
}

/* Builds one commit holding n modules, flat or 100 per directory. */
static int cmd_fill(const char *root, int n, int nested)
{
	unsigned char buf[1100];
	git_tree_update *up = calloc((size_t)n, sizeof(*up));
	char **paths = calloc((size_t)n, sizeof(*paths));
	git_oid tree_id, commit_id, empty_id;
	git_treebuilder *tb = NULL;
	git_tree *empty = NULL, *tree = NULL;
	git_signature *sig = NULL;
	git_reference *ref = NULL;
	ws_store *store;

	if (ws_store_open(&store, root) < 0)
		return die("open");
	for (int i = 0; i < n; i++) {
		size_t len = module_1k(buf, (unsigned)i * 31 + 1);
		git_oid blob;
		unsigned char sha[32];
		unsigned int shalen = 32;
		git_blob_create_from_buffer(&blob, store->repo, buf, len);
		EVP_Digest(buf, len, sha, &shalen, EVP_sha256(), NULL);
		ws_hashindex_add(store->index, &blob, sha);
		paths[i] = malloc(64);
		if (nested)
			snprintf(paths[i], 64, "d%03d/e%02d/m%d.wasm", i / 100,
				 i % 10, i);
		else
			snprintf(paths[i], 64, "m%d.wasm", i);
		up[i].action = GIT_TREE_UPDATE_UPSERT;
		up[i].path = paths[i];
		up[i].filemode = GIT_FILEMODE_BLOB;
		up[i].id = blob;
	}
	git_treebuilder_new(&tb, store->repo, NULL);
	git_treebuilder_write(&empty_id, tb);
	git_tree_lookup(&empty, store->repo, &empty_id);
	if (git_tree_create_updated(&tree_id, store->repo, empty, (size_t)n, up) < 0 ||
	    git_tree_lookup(&tree, store->repo, &tree_id) < 0 ||
	    git_signature_now(&sig, "bench", "bench@localhost") < 0 ||
	    git_commit_create(&commit_id, store->repo, NULL, sig, sig, NULL,
			      "fill", tree, 0, NULL) < 0 ||
	    git_reference_create(&ref, store->repo, "refs/heads/main",
				 &commit_id, 1, NULL) < 0)
		return die("fill");
	printf("filled %d %s\n", n, nested ? "nested" : "flat");
	return 0;
}

typedef struct {
	char paths[100][128];
	int count;
} sample;

static int take_path(const char *path, const char *hash, void *payload)
{
	sample *s = payload;
	(void)hash;
	snprintf(s->paths[s->count++], 128, "%s", path);
	return s->count == 100; /* enough: stop the walk */
}

/* N finds by path over (up to) 100 of the store's paths, then N by hash. */
static int cmd_finds(const char *root, int n)
{
	static sample s;
	ws_module_info info;
	char *hashes;
	void *data;
	size_t len;
	ws_store *store;
	double t0, dt;

	if (ws_store_open(&store, root) < 0)
		return die("open");
	s.count = 0;
	if (ws_module_list(store, NULL, NULL, take_path, &s) < 0 || !s.count)
		return die("list");
	hashes = malloc((size_t)n * 65);
	t0 = now();
	for (int i = 0; i < n; i++) {
		if (ws_module_read(&data, &len, &info, store, NULL,
				   s.paths[i % s.count]) < 0)
			return die("find by path");
		memcpy(hashes + i * 65, info.hash, 65);
		free(data);
	}
	dt = now() - t0;
	printf("finds-by-path %d %.3f %.1f\n", n, dt, n / dt);
	t0 = now();
	for (int i = 0; i < n; i++) {
		if (ws_module_read(&data, &len, NULL, store, NULL, hashes + i * 65) < 0)
			return die("find by hash");
		free(data);
	}
	dt = now() - t0;
	printf("finds-by-hash %d %.3f %.1f\n", n, dt, n / dt);
	free(hashes);
	ws_store_free(store);
	return 0;
}

/* Writes the 1 KB module of `seed` to a file (for CLI timings). */
static int cmd_module(const char *file, unsigned seed)
{
	unsigned char buf[1100];
	size_t len = module_1k(buf, seed);
	FILE *f = fopen(file, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(file);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "adds"))
		return cmd_adds(argv[2], atoi(argv[3]), argc > 4 ? argv[4] : "a");
	if (argc >= 5 && !strcmp(argv[1], "writers"))
		return cmd_writers(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "fill"))
		return cmd_fill(argv[2], atoi(argv[3]), !strcmp(argv[4], "nested"));
	if (argc >= 4 && !strcmp(argv[1], "finds"))
		return cmd_finds(argv[2], atoi(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "module"))
		return cmd_module(argv[2], (unsigned)atoi(argv[3]));
	fprintf(stderr, "usage: store-bench adds|fill|finds ROOT N [...]\n");
	return 2;
}
