/* Unit tests of group commit: many threads of one process writing at once,
 * each through its own handle, as the daemon's workers do. */
#include "unit.h"
#include "wasmstore.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8
#define PER_THREAD 25

typedef struct {
	const char *root;
	const char *branch;
	int id;
	int failed;
	char failure[512];
	/* a remove of a missing path in the middle: its own error, nobody
	 * else's */
	int remove_missing;
	int remove_rc;
	char remove_msg[256];
} writer;

static size_t module_for(unsigned char *out, int thread, int i)
{
	static const unsigned char head[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };

	memcpy(out, head, 8);
	out[8] = 0;  /* custom section */
	out[9] = 4;  /* size */
	out[10] = 1; /* name length */
	out[11] = 'x';
	out[12] = (unsigned char)thread;
	out[13] = (unsigned char)i;
	return 14;
}

static void *write_modules(void *arg)
{
	writer *w = arg;
	ws_store *store = NULL;
	unsigned char buf[16];
	char author[32], path[64], hash[65];

	if (ws_store_open(&store, w->root) < 0) {
		w->failed = 1;
		snprintf(w->failure, sizeof(w->failure), "open: %s", ws_error_last());
		return NULL;
	}
	snprintf(author, sizeof(author), "writer%d", w->id);
	ws_store_set_author(store, author);
	for (int i = 0; i < PER_THREAD && !w->failed; i++) {
		size_t n = module_for(buf, w->id, i);
		snprintf(path, sizeof(path), "t%d/m%d.wasm", w->id, i);
		if (ws_module_add_buffer(hash, store, w->branch, path, buf, n) < 0) {
			w->failed = 1;
			snprintf(w->failure, sizeof(w->failure), "add %s: %s",
				 path, ws_error_last());
		}
		if (w->remove_missing && i == PER_THREAD / 2) {
			w->remove_rc = ws_module_remove(store, w->branch,
							"no/such.wasm");
			snprintf(w->remove_msg, sizeof(w->remove_msg), "%s",
				 ws_error_last());
		}
	}
	ws_store_free(store);
	return NULL;
}

typedef struct {
	int commits;
	int by_author[THREADS];
	int bad;
} history;

static int count_commit(const ws_commit_info *info, void *payload)
{
	history *h = payload;
	int id;

	h->commits++;
	if (sscanf(info->author, "writer%d", &id) == 1 && id >= 0 &&
	    id < THREADS && !strncmp(info->message, "add t", 5) &&
	    atoi(info->message + 5) == id)
		h->by_author[id]++;
	else if (strcmp(info->author, "wasmstore"))
		h->bad++;
	return 0;
}

static int count_module(const char *path, const char *hash, void *payload)
{
	(void)path;
	(void)hash;
	(*(int *)payload)++;
	return 0;
}

/* Loose object files under objects/xx/: small modules' blobs, trees and
 * commits all go into the batches' packs, so there should be none. */
static int loose_objects(const char *root)
{
	char dir[4300];
	int n = 0;

	for (int i = 0; i < 256; i++) {
		struct dirent *de;
		DIR *d;
		snprintf(dir, sizeof(dir), "%s/objects/%02x", root, i);
		if (!(d = opendir(dir)))
			continue;
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		closedir(d);
	}
	return n;
}

static void run_writers(writer *ws, int n)
{
	pthread_t tids[THREADS * 2];

	for (int i = 0; i < n; i++)
		pthread_create(&tids[i], NULL, write_modules, &ws[i]);
	for (int i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
}

TEST(test_groupcommit__threads_of_one_process_lose_nothing)
{
	char root[4200];
	writer ws[THREADS] = { 0 };
	history h = { 0 };
	ws_store *store = NULL;
	int modules = 0;

	snprintf(root, sizeof(root), "%s/root", unit_tmpdir());
	/* a handle open throughout, as in a daemon */
	ASSERT_OK(ws_store_open(&store, root));
	for (int i = 0; i < THREADS; i++) {
		ws[i].root = root;
		ws[i].id = i;
		ws[i].remove_missing = i == 3;
	}
	run_writers(ws, THREADS);
	for (int i = 0; i < THREADS; i++) {
		if (ws[i].failed)
			unit_fail(__FILE__, __LINE__, "writer", ws[i].failure);
		ASSERT(!ws[i].failed);
	}
	/* the failing edit got its own error, with its own message */
	ASSERT(ws[3].remove_rc == WS_ENOTFOUND);
	ASSERT_STR("module 'no/such.wasm' not found", ws[3].remove_msg);

	ASSERT_OK(ws_module_list(store, NULL, NULL, count_module, &modules));
	ASSERT(modules == THREADS * PER_THREAD);
	/* one commit per add, each with its writer's author and message */
	ASSERT_OK(ws_log(store, NULL, count_commit, &h));
	ASSERT(h.bad == 0);
	ASSERT(h.commits == THREADS * PER_THREAD);
	for (int i = 0; i < THREADS; i++)
		ASSERT(h.by_author[i] == PER_THREAD);
	ASSERT(loose_objects(root) == 0);
	ws_store_free(store);
}

TEST(test_groupcommit__branches_written_at_once_keep_their_own_commits)
{
	char root[4200];
	writer ws[THREADS] = { 0 };
	history main_h = { 0 }, dev_h = { 0 };
	ws_store *store = NULL;
	int on_main = 0, on_dev = 0;
	char hash[65];
	unsigned char buf[16];

	snprintf(root, sizeof(root), "%s/root", unit_tmpdir());
	ASSERT_OK(ws_store_open(&store, root));
	ASSERT_OK(ws_module_add_buffer(hash, store, NULL, "base.wasm", buf,
				       module_for(buf, 99, 0)));
	ASSERT_OK(ws_branch_create(store, "dev", NULL));
	for (int i = 0; i < THREADS; i++) {
		ws[i].root = root;
		ws[i].id = i;
		ws[i].branch = i % 2 ? "dev" : "main";
	}
	run_writers(ws, THREADS);
	for (int i = 0; i < THREADS; i++)
		ASSERT(!ws[i].failed);
	ASSERT_OK(ws_module_list(store, "main", "", count_module, &on_main));
	ASSERT_OK(ws_module_list(store, "dev", "", count_module, &on_dev));
	ASSERT(on_main == 1 + THREADS / 2 * PER_THREAD);
	ASSERT(on_dev == 1 + THREADS / 2 * PER_THREAD);
	ASSERT_OK(ws_log(store, "main", count_commit, &main_h));
	ASSERT_OK(ws_log(store, "dev", count_commit, &dev_h));
	/* the base commit plus each side's own adds, nothing from the other */
	ASSERT(main_h.commits == 1 + THREADS / 2 * PER_THREAD);
	ASSERT(dev_h.commits == 1 + THREADS / 2 * PER_THREAD);
	for (int i = 0; i < THREADS; i++) {
		ASSERT(main_h.by_author[i] == (i % 2 ? 0 : PER_THREAD));
		ASSERT(dev_h.by_author[i] == (i % 2 ? PER_THREAD : 0));
	}
	ws_store_free(store);
}
