/* modcache.c - see modcache.h. */
#include "modcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME_BUCKETS 1024
#define NAME_MAX 4096
#define BODY_BUCKETS 256
#define BODY_MAX 128                  /* a large one holds open files */
/* Bodies up to INLINE_MAX live in memory, INLINE_BUDGET of them at most:
 * sent with send(2), headers and body leave together, and over loopback a
 * client takes them in markedly faster than the page-sized pieces that
 * sendfile(2) hands it (2.4 MB module: 1.5x the MB/s). Larger modules are
 * sent from their file. Above ADMIT_AT, a module is read into memory only
 * when asked for again: one download of many distinct modules should not
 * copy each one and push the others out. */
#define INLINE_MAX (8 << 20)
#define INLINE_BUDGET (64 << 20)
#define ADMIT_AT (256 * 1024)
#define SEEN_MAX 256                  /* hashes asked for once, remembered */

struct lru {
	struct lru *prev, *next;
};

struct name {
	struct lru lru;               /* first: a struct lru * is a name * */
	struct name *chain;
	uint64_t key_hash;
	unsigned long gen;
	char hash[WS_HASH_HEXSIZE + 1];
	uint64_t size;
	size_t key_len;
	char key[];                   /* "b" branch '\0' path, or "-" path */
};

/* A small module's bytes, shared by its responses; the last one frees. */
struct bytes {
	atomic_int refs;
	char data[];
};

struct ws_body {
	struct lru lru;               /* first, as in struct name */
	struct ws_body *chain;
	uint64_t key_hash;
	char hash[WS_HASH_HEXSIZE + 1];
	uint64_t size;
	int fd;                       /* a large module's file, else -1 */
	struct bytes *bytes;          /* a small module's bytes, else NULL */
	struct MHD_Response *resp[2]; /* [immutable], made on first use */
	unsigned refs;                /* the table's, while in it, + users' */
	int in_table;
};

struct ws_modcache {
	pthread_mutex_t lock;
	ws_body_headers_fn headers;
	void *headers_cls;
	struct name *names[NAME_BUCKETS];
	struct lru name_lru;          /* most recently used first */
	size_t name_count;
	struct ws_body *bodies[BODY_BUCKETS];
	struct lru body_lru;
	size_t body_count;
	size_t inline_bytes;
	char seen[SEEN_MAX][WS_HASH_HEXSIZE + 1]; /* a ring */
	size_t seen_next;
};

/* ---- helpers ---- */

static uint64_t fnv1a(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;

	while (len--)
		h = (h ^ *s++) * 1099511628211ULL;
	return h;
}

static void lru_init(struct lru *head)
{
	head->prev = head->next = head;
}

static void lru_unlink(struct lru *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
}

static void lru_push_front(struct lru *head, struct lru *node)
{
	node->next = head->next;
	node->prev = head;
	head->next->prev = node;
	head->next = node;
}

static void lru_touch(struct lru *head, struct lru *node)
{
	lru_unlink(node);
	lru_push_front(head, node);
}

static void bytes_unref(void *cls)
{
	struct bytes *b = cls;

	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

/* ---- names ---- */

/* The key of (branch, path) in buf (NULL if it does not fit). */
static char *name_key(char *buf, size_t size, size_t *len,
		      const char *branch, const char *path)
{
	size_t blen = branch ? strlen(branch) + 1 : 0;
	size_t plen = strlen(path);

	*len = 1 + blen + plen;
	if (*len > size)
		return NULL;
	buf[0] = branch ? 'b' : '-';
	if (branch)
		memcpy(buf + 1, branch, blen);
	memcpy(buf + 1 + blen, path, plen);
	return buf;
}

static struct name **name_slot(struct ws_modcache *mc, const char *key,
			       size_t len, uint64_t h)
{
	struct name **slot = &mc->names[h % NAME_BUCKETS];

	while (*slot && !((*slot)->key_hash == h && (*slot)->key_len == len &&
			  memcmp((*slot)->key, key, len) == 0))
		slot = &(*slot)->chain;
	return slot;
}

static void name_remove(struct ws_modcache *mc, struct name *n)
{
	struct name **slot = name_slot(mc, n->key, n->key_len, n->key_hash);

	*slot = n->chain;
	lru_unlink(&n->lru);
	mc->name_count--;
	free(n);
}

int ws_modcache_name_get(struct ws_modcache *mc, unsigned long gen,
			 const char *branch, const char *path,
			 char hash[WS_HASH_HEXSIZE + 1], uint64_t *size)
{
	char buf[1024];
	size_t len;
	const char *key = name_key(buf, sizeof(buf), &len, branch, path);
	struct name *n;
	int found = 0;

	if (!key || !gen)
		return 0;
	pthread_mutex_lock(&mc->lock);
	n = *name_slot(mc, key, len, fnv1a(key, len));
	if (n && n->gen == gen) {
		memcpy(hash, n->hash, sizeof(n->hash));
		*size = n->size;
		lru_touch(&mc->name_lru, &n->lru);
		found = 1;
	}
	pthread_mutex_unlock(&mc->lock);
	return found;
}

void ws_modcache_name_put(struct ws_modcache *mc, unsigned long gen,
			  const char *branch, const char *path,
			  const char *hash, uint64_t size)
{
	char buf[1024];
	size_t len;
	const char *key = name_key(buf, sizeof(buf), &len, branch, path);
	uint64_t h;
	struct name **slot, *n;

	if (!key || !gen)
		return;
	h = fnv1a(key, len);
	pthread_mutex_lock(&mc->lock);
	slot = name_slot(mc, key, len, h);
	if (!(n = *slot)) {
		if (!(n = malloc(sizeof(*n) + len)))
			goto done;
		n->chain = NULL;
		n->gen = 0;
		n->key_hash = h;
		n->key_len = len;
		memcpy(n->key, key, len);
		*slot = n;
		lru_push_front(&mc->name_lru, &n->lru);
		mc->name_count++;
	} else {
		lru_touch(&mc->name_lru, &n->lru);
	}
	/* A slower thread may come back with an older generation's answer:
	 * never let it replace a newer one. */
	if (n->gen <= gen) {
		n->gen = gen;
		memcpy(n->hash, hash, sizeof(n->hash));
		n->size = size;
	}
	while (mc->name_count > NAME_MAX)
		name_remove(mc, (struct name *)mc->name_lru.prev);
done:
	pthread_mutex_unlock(&mc->lock);
}

/* ---- bodies ---- */

static struct ws_body **body_slot(struct ws_modcache *mc, const char *hash,
				  uint64_t h)
{
	struct ws_body **slot = &mc->bodies[h % BODY_BUCKETS];

	while (*slot && strcmp((*slot)->hash, hash) != 0)
		slot = &(*slot)->chain;
	return slot;
}

static void body_unref(struct ws_body *b)
{
	if (--b->refs > 0)
		return;
	/* MHD keeps each response alive while a connection sends it. */
	for (int i = 0; i < 2; i++)
		if (b->resp[i])
			MHD_destroy_response(b->resp[i]);
	bytes_unref(b->bytes);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

static void body_remove(struct ws_modcache *mc, struct ws_body *b)
{
	*body_slot(mc, b->hash, b->key_hash) = b->chain;
	lru_unlink(&b->lru);
	mc->body_count--;
	if (b->bytes)
		mc->inline_bytes -= (size_t)b->size;
	b->in_table = 0;
	body_unref(b);
}

struct ws_body *ws_modcache_body_get(struct ws_modcache *mc,
				     const char *hash)
{
	struct ws_body *b;

	pthread_mutex_lock(&mc->lock);
	if ((b = *body_slot(mc, hash, fnv1a(hash, strlen(hash))))) {
		b->refs++;
		lru_touch(&mc->body_lru, &b->lru);
	}
	pthread_mutex_unlock(&mc->lock);
	return b;
}

int ws_modcache_admit(struct ws_modcache *mc, const char *hash,
		      uint64_t size)
{
	int seen = 0;

	if (size <= ADMIT_AT || size > INLINE_MAX)
		return 1;
	pthread_mutex_lock(&mc->lock);
	for (size_t i = 0; i < SEEN_MAX && !seen; i++)
		seen = strcmp(mc->seen[i], hash) == 0;
	if (!seen) {
		snprintf(mc->seen[mc->seen_next], sizeof(mc->seen[0]), "%s",
			 hash);
		mc->seen_next = (mc->seen_next + 1) % SEEN_MAX;
	}
	pthread_mutex_unlock(&mc->lock);
	return seen;
}

/* A small module's bytes read whole from fd; NULL if short or no memory. */
static struct bytes *read_bytes(int fd, size_t size)
{
	struct bytes *b = malloc(sizeof(*b) + (size ? size : 1));
	size_t off = 0;

	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	while (off < size) {
		ssize_t n = pread(fd, b->data + off, size - off, (off_t)off);
		if (n <= 0) {
			free(b);
			return NULL;
		}
		off += (size_t)n;
	}
	return b;
}

struct ws_body *ws_modcache_body_add(struct ws_modcache *mc,
				     const char *hash, uint64_t size, int fd)
{
	struct ws_body *b = calloc(1, sizeof(*b)), **slot;
	uint64_t h = fnv1a(hash, strlen(hash));

	if (!b || strlen(hash) > WS_HASH_HEXSIZE) {
		free(b);
		close(fd);
		return NULL;
	}
	memcpy(b->hash, hash, strlen(hash) + 1);
	b->key_hash = h;
	b->size = size;
	b->fd = fd;
	b->refs = 1; /* the caller's */
	if (size <= INLINE_MAX) {
		if (!(b->bytes = read_bytes(fd, (size_t)size))) {
			close(fd);
			free(b);
			return NULL;
		}
		close(fd);
		b->fd = -1;
	}
	pthread_mutex_lock(&mc->lock);
	slot = body_slot(mc, hash, h);
	if (*slot) { /* another thread was first: use its body */
		struct ws_body *mine = b;
		b = *slot;
		b->refs++;
		lru_touch(&mc->body_lru, &b->lru);
		body_unref(mine);
		goto done;
	}
	*slot = b;
	b->in_table = 1;
	b->refs++;
	lru_push_front(&mc->body_lru, &b->lru);
	mc->body_count++;
	if (b->bytes)
		mc->inline_bytes += (size_t)size;
	while (mc->body_count > BODY_MAX || mc->inline_bytes > INLINE_BUDGET) {
		struct ws_body *old = (struct ws_body *)mc->body_lru.prev;
		if (old == b)
			break; /* keep the one being answered */
		body_remove(mc, old);
	}
done:
	pthread_mutex_unlock(&mc->lock);
	return b;
}

static struct MHD_Response *make_response(struct ws_body *b)
{
	struct MHD_Response *resp;
	int fd;

	if (b->bytes) {
		atomic_fetch_add(&b->bytes->refs, 1);
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
			(size_t)b->size, b->bytes->data, bytes_unref, b->bytes);
		if (!resp)
			bytes_unref(b->bytes);
		return resp;
	}
	/* MHD closes the descriptor it is given: each response its own. */
	if ((fd = dup(b->fd)) < 0)
		return NULL;
	if (!(resp = MHD_create_response_from_fd64(b->size, fd)))
		close(fd);
	return resp;
}

struct MHD_Response *ws_body_response(struct ws_modcache *mc,
				      struct ws_body *body, int immutable)
{
	struct MHD_Response *resp;
	int i = immutable ? 1 : 0;

	pthread_mutex_lock(&mc->lock);
	if (!body->resp[i] && (body->resp[i] = make_response(body)))
		mc->headers(body->resp[i], body->hash, immutable,
			    mc->headers_cls);
	resp = body->resp[i];
	pthread_mutex_unlock(&mc->lock);
	return resp;
}

uint64_t ws_body_size(const struct ws_body *body)
{
	return body->size;
}

void ws_body_release(struct ws_modcache *mc, struct ws_body *body)
{
	if (!body)
		return;
	pthread_mutex_lock(&mc->lock);
	body_unref(body);
	pthread_mutex_unlock(&mc->lock);
}

/* ---- the cache ---- */

struct ws_modcache *ws_modcache_new(ws_body_headers_fn headers, void *cls)
{
	struct ws_modcache *mc = calloc(1, sizeof(*mc));

	if (!mc)
		return NULL;
	pthread_mutex_init(&mc->lock, NULL);
	mc->headers = headers;
	mc->headers_cls = cls;
	lru_init(&mc->name_lru);
	lru_init(&mc->body_lru);
	return mc;
}

void ws_modcache_free(struct ws_modcache *mc)
{
	if (!mc)
		return;
	while (mc->name_count)
		name_remove(mc, (struct name *)mc->name_lru.prev);
	while (mc->body_count)
		body_remove(mc, (struct ws_body *)mc->body_lru.prev);
	pthread_mutex_destroy(&mc->lock);
	free(mc);
}
