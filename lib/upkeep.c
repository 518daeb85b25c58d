/* upkeep.c - one thread per process for housekeeping (see upkeep.h). */
#include "upkeep.h"

#include "objbatch.h"
#include "store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct job {
	char *root;     /* a merge of this store's packs, or */
	unsigned max_packs;
	git_odb *odb;   /* a database to free */
	struct job *next;
} job;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static job *head, **tail = &head;
static int busy;          /* the thread is doing a job */
static int running;       /* the thread exists (in this process) */
static pthread_t worker;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void merge(const char *root, unsigned max_packs)
{
	ws_store *store = NULL;

	/* asked for after every 8th batch: mostly there is nothing to do,
	 * and opening a handle reads the whole hash index */
	if (!ws_store__pack_upkeep_due(root, max_packs))
		return;
	/* a failed merge only leaves packs for the next one */
	if (ws_store__open_private(&store, root) == 0)
		(void)ws_store__pack_consolidate(store, max_packs);
	ws_store_free(store);
}

static void run(job *j)
{
	if (j->root)
		merge(j->root, j->max_packs);
	else
		git_odb_free(j->odb);
	free(j->root);
	free(j);
}

static void *work(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&lock);
	for (;;) {
		job *j;

		while (!head)
			pthread_cond_wait(&changed, &lock);
		j = head;
		if (!(head = j->next))
			tail = &head;
		busy = 1;
		pthread_mutex_unlock(&lock);
		run(j);
		pthread_mutex_lock(&lock);
		busy = 0;
		pthread_cond_broadcast(&changed);
	}
	return NULL;
}

/* A forked child has no upkeep thread, whatever its parent had: it starts
 * its own when it needs one. The parent's queued jobs are the parent's. */
static void forget_in_child(void)
{
	pthread_mutex_init(&lock, NULL);
	pthread_cond_init(&changed, NULL);
	head = NULL;
	tail = &head;
	busy = running = 0;
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, forget_in_child);
}

/* Queues `j`; 0, or -1 when there is no thread to do it (then the caller
 * does it). Called with `lock` held. */
static int enqueue(job *j)
{
	if (!running) {
		pthread_attr_t attr;
		int ok;

		pthread_once(&atfork_once, register_atfork);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ok = pthread_create(&worker, &attr, work, NULL) == 0;
		pthread_attr_destroy(&attr);
		if (!ok)
			return -1;
		running = 1;
	}
	j->next = NULL;
	*tail = j;
	tail = &j->next;
	pthread_cond_broadcast(&changed);
	return 0;
}

void ws_upkeep__merge(const char *root, unsigned max_packs)
{
	job *j;

	pthread_mutex_lock(&lock);
	for (j = head; j; j = j->next)
		if (j->root && !strcmp(j->root, root))
			break;
	if (j) { /* one is waiting: it will see the packs as they are then */
		pthread_mutex_unlock(&lock);
		return;
	}
	if (!(j = calloc(1, sizeof(*j))) || !(j->root = strdup(root))) {
		pthread_mutex_unlock(&lock);
		free(j);
		return; /* the next batch asks again */
	}
	j->max_packs = max_packs;
	if (enqueue(j) == 0) {
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_unlock(&lock);
	run(j);
}

void ws_upkeep__free_odb(git_odb *odb)
{
	job *j;

	if (!odb)
		return;
	if (!(j = calloc(1, sizeof(*j)))) {
		git_odb_free(odb);
		return;
	}
	j->odb = odb;
	pthread_mutex_lock(&lock);
	if (enqueue(j) == 0) {
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_unlock(&lock);
	run(j);
}

void ws_upkeep__drain(void)
{
	pthread_mutex_lock(&lock);
	if (running && pthread_equal(pthread_self(), worker)) {
		pthread_mutex_unlock(&lock);
		return;
	}
	while (head || busy)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
}
