/*
 * packdelta.c - which objects of a merged pack are deltas, and against
 * what (see ws_packmerge__plan_deltas in packmerge.h).
 *
 * Every add rewrites the trees on its path; a directory of 1,000 modules
 * has a 37 KB tree that the next add changes by one entry. Merging packs
 * walks the commits it merges and, for a commit whose parent is merged
 * too, stores each tree that changed (the root, and below it every
 * directory changed in both) as a delta against the parent's version:
 * forward deltas, old versions are the bases, so deltas made by earlier
 * merges are copied as they are and never made again. Commits and blobs
 * stay whole.
 */
#include "packmerge.h"

#include "delta.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

/*
 * The deepest chain of deltas a new delta may end. A cold read of a tree
 * at depth d applies d deltas, each a copy of nearly the whole tree (~0.2
 * ms for a 370 KB tree here); libgit2 keeps each result as the next one's
 * base (16 MB of them), so walking history applies one per version. One
 * version in 17 is whole: ~6% of the trees' bytes, where 10 would keep 9%
 * and cost less per cold read. Heads stay whole anyway (list_pairs), so
 * only old versions are read through chains. Git allows 50.
 */
#define NEW_DELTA_DEPTH 16
#define MAX_LEVELS 256 /* directories below the root we follow */
#define CACHE_SLOTS 8  /* trees kept read: a commit's are its child's bases */
#define DELTA_ENTRY_COST 20 /* a REF_DELTA entry names its base */

enum {
	RAW_BASE = 1,  /* a delta copied as it is depends on it */
	DEPENDED = 2,  /* some delta depends on it */
	VISITED = 4,   /* its tree pairing was decided */
	WALKING = 8,   /* resolve_raw: on the chain being followed */
	RESOLVED = 16, /* resolve_raw: depth known */
	A_TREE = 32,   /* resolve_raw: a delta (or one written whole) of a
			* chain that starts at a tree */
};

typedef struct {
	unsigned char *data; /* malloc'd, a zero byte after the end */
	size_t len;
	git_object_t type;
} loaded;

typedef struct {
	uint32_t tree, parent; /* parent: its object, then its commit_info */
} commit_info;

typedef struct {
	uint32_t tree, parent_tree;
} tree_pair;

enum { LISTED = 1, HAS_CHILD = 2 }; /* list_pairs: of a commit */

typedef struct {
	ws_packmerge *m;
	uint32_t cache_obj[CACHE_SLOTS];
	loaded cache[CACHE_SLOTS];
	unsigned cache_next;
} planner;

static uint32_t find(const ws_packmerge *m, const git_oid *id)
{
	size_t lo = 0, hi = m->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = git_oid_cmp(&m->objs[mid].e.id, id);
		if (!c)
			return (uint32_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return WS_PACKMERGE_NONE;
}

static int is_delta(const ws_packmerge_object *o)
{
	return o->how == WS_PACKMERGE_COPY_DELTA ||
	       o->how == WS_PACKMERGE_NEW_DELTA;
}

/* 1 unless its source says it is a whole commit, blob or tag. */
static int may_be_tree(const ws_packmerge_object *o)
{
	return o->kind == GIT_OBJECT_TREE || o->kind == GIT_OBJECT_REF_DELTA ||
	       o->kind == GIT_OBJECT_INVALID;
}

/* ---- deltas copied as they are ---- */

/*
 * Gives every COPY_DELTA its base's index and its depth. Its base is in
 * the merge (its source pack holds it), but the copy chosen of an object
 * in several packs may be a delta against something else: a chain that
 * comes back to itself, or one deeper than allowed, is broken by writing
 * an object whole. Only trees stay deltas: blobs and commits from packs
 * git or libgit2 wrote (gc's) are written whole, as they always were: a
 * module read through a chain of 50 deltas of megabytes would be slow.
 */
static int resolve_raw(ws_packmerge *m)
{
	uint32_t *chain = NULL;
	size_t cap = 0;

	for (size_t i = 0; i < m->count; i++) {
		ws_packmerge_object *o = &m->objs[i];
		if (o->how != WS_PACKMERGE_COPY_DELTA)
			continue;
		o->base = find(m, &o->base_id);
		if (o->base == WS_PACKMERGE_NONE || o->base == i)
			o->how = WS_PACKMERGE_INFLATE;
	}
	for (size_t i = 0; i < m->count; i++) {
		size_t n = 0;
		uint32_t j = (uint32_t)i;
		int tree;
		/* follow the chain down to what is known or whole */
		while (m->objs[j].how == WS_PACKMERGE_COPY_DELTA &&
		       !(m->objs[j].flags & (WALKING | RESOLVED))) {
			if (n == cap) {
				size_t more = cap ? 2 * cap : 64;
				uint32_t *p = realloc(chain, more * sizeof(*p));
				if (!p) {
					free(chain);
					return ws_error_set(WS_ERROR, "out of memory");
				}
				chain = p;
				cap = more;
			}
			m->objs[j].flags |= WALKING;
			chain[n++] = j;
			j = m->objs[j].base;
		}
		if (m->objs[j].flags & WALKING) /* a cycle: break it here */
			m->objs[j].how = WS_PACKMERGE_INFLATE;
		if (!is_delta(&m->objs[j]))
			m->objs[j].depth = 0;
		m->objs[j].flags |= RESOLVED;
		tree = (m->objs[j].flags & A_TREE) ||
		       (m->objs[j].how == WS_PACKMERGE_COPY &&
			m->objs[j].kind == GIT_OBJECT_TREE);
		while (n--) {
			ws_packmerge_object *o = &m->objs[chain[n]];
			o->flags = (uint8_t)((o->flags & ~WALKING) | RESOLVED);
			if (o->how != WS_PACKMERGE_COPY_DELTA || !tree) {
				o->how = is_delta(o) ? WS_PACKMERGE_INFLATE : o->how;
				o->depth = 0;
				continue;
			}
			o->flags |= A_TREE;
			if (m->objs[o->base].depth >= WS_PACKMERGE_MAX_DEPTH) {
				o->how = WS_PACKMERGE_INFLATE;
				o->depth = 0;
			} else {
				o->depth = (uint8_t)(m->objs[o->base].depth + 1);
			}
		}
	}
	free(chain);
	for (size_t i = 0; i < m->count; i++)
		if (m->objs[i].how == WS_PACKMERGE_COPY_DELTA)
			m->objs[m->objs[i].base].flags |= RAW_BASE | DEPENDED;
	return 0;
}

/* ---- reading objects ---- */

static void unload(loaded *l)
{
	free(l->data);
	memset(l, 0, sizeof(*l));
}

/* Reads object `i` as its source holds it: a mapped whole object is
 * inflated, a delta copied as it is applied to its base, anything else
 * read through libgit2. 0 or -1 (no message: the caller goes on). */
static int load(loaded *out, ws_packmerge *m, uint32_t i, int levels)
{
	ws_packmerge_object *o = &m->objs[i];
	ws_packr *map = &m->srcs[o->src].map;
	git_object_t type;
	git_odb *odb;
	git_odb_object *obj = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (o->how == WS_PACKMERGE_COPY_DELTA) {
		loaded base;
		unsigned char *delta;
		size_t len;
		if (levels <= 0 || load(&base, m, o->base, levels - 1) < 0)
			return -1;
		if (ws_packr_inflate(&delta, &len, &type, map, &o->e) == 0) {
			rc = ws_delta_apply(&out->data, &out->len, base.data,
					    base.len, delta, len);
			out->type = base.type;
			free(delta);
		}
		unload(&base);
		return rc;
	}
	if (o->e.len && o->kind >= GIT_OBJECT_COMMIT &&
	    o->kind <= GIT_OBJECT_TAG)
		return ws_packr_inflate(&out->data, &out->len, &out->type, map,
					&o->e);
	if (ws_packmerge__odb(&odb, m, o->src) < 0 ||
	    git_odb_read(&obj, odb, &o->e.id) < 0)
		return -1;
	out->len = git_odb_object_size(obj);
	out->type = git_odb_object_type(obj);
	if ((out->data = malloc(out->len + 1))) {
		memcpy(out->data, git_odb_object_data(obj), out->len);
		out->data[out->len] = '\0';
		rc = 0;
	}
	git_odb_object_free(obj);
	return rc;
}

/* Object `i` read, from the cache if there (then no longer there). */
static int take(loaded *out, planner *p, uint32_t i)
{
	for (unsigned s = 0; s < CACHE_SLOTS; s++)
		if (p->cache_obj[s] == i && p->cache[s].data) {
			*out = p->cache[s];
			memset(&p->cache[s], 0, sizeof(p->cache[s]));
			p->cache_obj[s] = WS_PACKMERGE_NONE;
			return 0;
		}
	return load(out, p->m, i, WS_PACKMERGE_MAX_DEPTH + 1);
}

/* Keeps object `i` read (the cache owns it now), forgetting the oldest. */
static void keep(planner *p, uint32_t i, loaded *l)
{
	unsigned s = p->cache_next++ % CACHE_SLOTS;

	unload(&p->cache[s]);
	p->cache[s] = *l;
	p->cache_obj[s] = i;
	memset(l, 0, sizeof(*l));
}

/* ---- trees ---- */

typedef struct {
	const unsigned char *p, *end;
	const unsigned char *name, *id;
	size_t name_len;
	int is_tree;
} tree_iter;

/* The next entry ("<mode> <name>\0<20-byte id>"); 0 at the end or at
 * anything odd. */
static int tree_next(tree_iter *it)
{
	const unsigned char *sp, *nul;

	if (it->p >= it->end ||
	    !(sp = memchr(it->p, ' ', (size_t)(it->end - it->p))) ||
	    !(nul = memchr(sp, '\0', (size_t)(it->end - sp))) ||
	    (size_t)(it->end - nul) < 1 + GIT_OID_RAWSZ)
		return 0;
	it->is_tree = sp - it->p == 5 && !memcmp(it->p, "40000", 5);
	it->name = sp + 1;
	it->name_len = (size_t)(nul - sp - 1);
	it->id = nul + 1;
	it->p = nul + 1 + GIT_OID_RAWSZ;
	return 1;
}

/* Git's order of tree entries: by name, a tree's as if it ended in '/'. */
static int entry_cmp(const tree_iter *a, const tree_iter *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);
	unsigned ca, cb;

	if (c)
		return c;
	ca = n < a->name_len ? a->name[n] : a->is_tree ? '/' : 0;
	cb = n < b->name_len ? b->name[n] : b->is_tree ? '/' : 0;
	return (int)ca - (int)cb;
}

/* Makes tree x a delta against tree y if that is allowed and pays. */
static int try_delta(ws_packmerge *m, uint32_t x, uint32_t y, const loaded *X,
		     const loaded *Y)
{
	ws_packmerge_object *ox = &m->objs[x], *oy = &m->objs[y];
	unsigned char *delta = NULL;
	size_t len = 0, steps = 0;
	int rc;

	/* a delta, or a base: what depends on it would grow deeper */
	if (is_delta(ox) || (ox->flags & DEPENDED) ||
	    oy->depth >= NEW_DELTA_DEPTH ||
	    X->len / 2 <= DELTA_ENTRY_COST + 1 || X->len > UINT32_MAX)
		return 0;
	/* never a cycle (x has no dependents, so this holds; cheap to say) */
	for (uint32_t j = y; is_delta(&m->objs[j]); j = m->objs[j].base)
		if (j == x || ++steps > WS_PACKMERGE_MAX_DEPTH)
			return 0;
	/* clearly smaller than the whole object, or not worth a chain */
	rc = ws_delta_create(&delta, &len, Y->data, Y->len, X->data, X->len,
			     X->len / 2 - DELTA_ENTRY_COST - 1);
	if (rc < 0)
		return ws_error_set(WS_ERROR, "out of memory");
	if (rc > 0)
		return 0;
	ox->how = WS_PACKMERGE_NEW_DELTA;
	ox->base = y;
	ox->depth = (uint8_t)(oy->depth + 1);
	ox->delta = delta;
	ox->delta_len = (uint32_t)len;
	oy->flags |= DEPENDED;
	return 0;
}

/*
 * Tree x replaced tree y (at the same path, one commit later): x becomes
 * a delta against y, then the same for each directory changed in both.
 * Each tree is paired once, with where it first appears.
 */
static int pair(planner *p, uint32_t x, uint32_t y, int level)
{
	ws_packmerge *m = p->m;
	ws_packmerge_object *ox;
	loaded X = { 0 }, Y = { 0 };
	tree_iter a, b;
	int error = 0, more_a, more_b;

	if (x == WS_PACKMERGE_NONE || y == WS_PACKMERGE_NONE || x == y ||
	    level > MAX_LEVELS)
		return 0;
	ox = &m->objs[x];
	/* a delta copied as it is, or the base of one, got its base when its
	 * pack was made (by a merge, or gc's pack builder), and so did what
	 * is below it */
	if ((ox->flags & (VISITED | RAW_BASE)) ||
	    ox->how == WS_PACKMERGE_COPY_DELTA)
		return 0;
	ox->flags |= VISITED;
	if (!may_be_tree(ox) || !may_be_tree(&m->objs[y]))
		return 0;
	if (take(&X, p, x) < 0 || X.type != GIT_OBJECT_TREE ||
	    take(&Y, p, y) < 0 || Y.type != GIT_OBJECT_TREE)
		goto done;
	if ((error = try_delta(m, x, y, &X, &Y)) < 0)
		goto done;
	a = (tree_iter){ X.data, X.data + X.len, NULL, NULL, 0, 0 };
	b = (tree_iter){ Y.data, Y.data + Y.len, NULL, NULL, 0, 0 };
	more_a = tree_next(&a);
	more_b = tree_next(&b);
	while (more_a && more_b && !error) {
		int c = entry_cmp(&a, &b);
		if (!c && a.is_tree && memcmp(a.id, b.id, GIT_OID_RAWSZ)) {
			git_oid ida, idb;
			git_oid_fromraw(&ida, a.id);
			git_oid_fromraw(&idb, b.id);
			error = pair(p, find(m, &ida), find(m, &idb), level + 1);
		}
		if (c <= 0)
			more_a = tree_next(&a);
		if (c >= 0)
			more_b = tree_next(&b);
	}
done:
	if (X.data)
		keep(p, x, &X); /* the next commit's base */
	unload(&Y);
	return error;
}

/* ---- commits ---- */

/* The commit's tree and first parent, as indexes (NONE when not merged). */
static int read_commit(commit_info *out, planner *p, uint32_t i)
{
	loaded c;
	git_oid id;
	const char *s, *end;

	out->tree = out->parent = WS_PACKMERGE_NONE;
	if (load(&c, p->m, i, WS_PACKMERGE_MAX_DEPTH + 1) < 0)
		return -1;
	s = (const char *)c.data;
	end = s + c.len;
	if (c.type == GIT_OBJECT_COMMIT && end - s >= 46 &&
	    !strncmp(s, "tree ", 5) && !git_oid_fromstrn(&id, s + 5, 40)) {
		out->tree = find(p->m, &id);
		s += 46;
		if (end - s >= 47 && !strncmp(s, "parent ", 7) &&
		    !git_oid_fromstrn(&id, s + 7, 40))
			out->parent = find(p->m, &id);
	}
	unload(&c);
	return 0;
}

static int is_commit(ws_packmerge *m, const ws_packmerge_object *o)
{
	git_odb *odb;
	git_object_t type;
	size_t len;

	if (o->kind >= GIT_OBJECT_COMMIT && o->kind <= GIT_OBJECT_TAG)
		return o->kind == GIT_OBJECT_COMMIT;
	if (o->how == WS_PACKMERGE_COPY_DELTA)
		return 0; /* a tree */
	/* a delta written whole: it may be a commit */
	return ws_packmerge__odb(&odb, m, o->src) == 0 &&
	       git_odb_read_header(&len, &type, odb, &o->e.id) == 0 &&
	       type == GIT_OBJECT_COMMIT;
}

/*
 * For the merged commits, each after its first parent: the tree and the
 * parent's tree (NONE when the parent is not merged). Not for the newest
 * commits (no child merged): their trees stay whole, so reading a
 * branch's head applies no delta; the next merge, which has their
 * children too, pairs them.
 */
static int list_pairs(tree_pair **out, size_t *count, planner *p)
{
	ws_packmerge *m = p->m;
	commit_info *all = NULL;
	tree_pair *pairs = NULL;
	uint32_t *at = NULL, *chain = NULL; /* at: object -> index in all */
	unsigned char *seen = NULL; /* LISTED, HAS_CHILD */
	size_t n = 0, done = 0;
	int error = 0;

	*out = NULL;
	*count = 0;
	if (!(all = malloc((m->count ? m->count : 1) * sizeof(*all))) ||
	    !(at = malloc((m->count ? m->count : 1) * sizeof(*at)))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < m->count; i++) {
		at[i] = WS_PACKMERGE_NONE;
		if (is_commit(m, &m->objs[i]) &&
		    read_commit(&all[n], p, (uint32_t)i) == 0)
			at[i] = (uint32_t)n++;
	}
	git_error_clear();
	if (!n)
		goto done;
	for (size_t c = 0; c < n; c++) /* parent: object -> commit */
		if (all[c].parent != WS_PACKMERGE_NONE)
			all[c].parent = at[all[c].parent];
	if (!(pairs = malloc(n * sizeof(*pairs))) ||
	    !(chain = malloc(n * sizeof(*chain))) ||
	    !(seen = calloc(n, 1))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	for (size_t c = 0; c < n; c++)
		if (all[c].parent != WS_PACKMERGE_NONE)
			seen[all[c].parent] |= HAS_CHILD;
	/* up the first parents to one already listed, then list downwards */
	for (size_t c = 0; c < n; c++) {
		size_t len = 0;
		for (uint32_t k = (uint32_t)c;
		     k != WS_PACKMERGE_NONE && !(seen[k] & LISTED);
		     k = all[k].parent) {
			seen[k] |= LISTED;
			chain[len++] = k;
		}
		while (len--) {
			const commit_info *k = &all[chain[len]];
			if (!(seen[chain[len]] & HAS_CHILD))
				continue;
			pairs[done].tree = k->tree;
			pairs[done++].parent_tree =
				k->parent == WS_PACKMERGE_NONE ? WS_PACKMERGE_NONE
							   : all[k->parent].tree;
		}
	}
	*out = pairs;
	*count = done;
	pairs = NULL;
done:
	free(all);
	free(at);
	free(chain);
	free(seen);
	free(pairs);
	return error;
}

int ws_packmerge__plan_deltas(ws_packmerge *m)
{
	planner p = { 0 };
	tree_pair *pairs = NULL;
	size_t n = 0;
	int error;

	p.m = m;
	for (unsigned s = 0; s < CACHE_SLOTS; s++)
		p.cache_obj[s] = WS_PACKMERGE_NONE;
	if ((error = resolve_raw(m)) < 0 ||
	    (error = list_pairs(&pairs, &n, &p)) < 0)
		goto done;
	for (size_t c = 0; c < n && !error; c++)
		error = pair(&p, pairs[c].tree, pairs[c].parent_tree, 0);
done:
	for (unsigned s = 0; s < CACHE_SLOTS; s++)
		unload(&p.cache[s]);
	free(pairs);
	return error;
}
