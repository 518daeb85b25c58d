/*
 * treewrite.c - tree updates written through ws_store__put (treewrite.h).
 *
 * Follows libgit2 1.5's git_tree_create_updated step by step, so that ids
 * and failures agree: the update paths are sorted, and a stack of levels
 * (directories) follows them down and up; a level is written as it is
 * left. A level is its base tree plus a short sorted list of the names
 * changed in it, rather than a builder holding every entry: a change in a
 * directory of 10,000 entries costs a binary search, and writing it one
 * merge of the base's entries with the changes into one buffer.
 */
#include "treewrite.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

/* A name set or removed in a level; names without one are as in the
 * level's base tree. */
typedef struct {
	const char *name; /* a slice of an update's path */
	size_t len;
	size_t base_index; /* the base tree's entry of that name, or NONE */
	uint32_t mode;     /* 0: removed */
	git_oid id;
} change;

typedef struct {
	git_tree *tree;   /* the base; NULL: a new directory */
	const char *name; /* in the parent level */
	size_t len;
	size_t first;     /* its changes: changes[first..nchanges), sorted by
			   * name (only the innermost level gets changes) */
	size_t count;     /* how many entries it holds now */
} level;

typedef struct {
	ws_store *store;
	level *levels;
	size_t depth, levels_alloc;
	change *changes;
	size_t nchanges, changes_alloc;
	size_t *skip; /* base entries a level's changes replace */
	size_t skip_alloc;
	char *buf; /* the tree being serialized */
	size_t buf_len, buf_alloc;
	char *name; /* NUL-terminated copy of a name to check */
	git_treebuilder *check; /* checks entries as libgit2 does; never
				 * written */
} writer;

static const git_oid empty_tree = { { 0x4b, 0x82, 0x5d, 0xc6, 0x42, 0xcb,
				      0x6e, 0xb9, 0xa0, 0x60, 0xe5, 0x4b,
				      0xf8, 0xd6, 0x92, 0x88, 0xfb, 0xee,
				      0x49, 0x04 } };

static int grow(void *ptr, size_t *alloc, size_t need, size_t size)
{
	void **p = ptr;
	size_t n = *alloc ? *alloc : 8;
	void *q;

	if (need <= *alloc)
		return 0;
	while (n < need)
		n *= 2;
	if (!(q = realloc(*p, n * size)))
		return ws_error_set(WS_ERROR, "out of memory");
	*p = q;
	*alloc = n;
	return 0;
}

static int is_dir(uint32_t mode)
{
	return (mode & 0170000) == 0040000;
}

/* The type of an entry with this mode (git_tree_entry_type). */
static git_object_t entry_type(uint32_t mode)
{
	if ((mode & 0170000) == 0160000)
		return GIT_OBJECT_COMMIT;
	return is_dir(mode) ? GIT_OBJECT_TREE : GIT_OBJECT_BLOB;
}

/* The type an update's filemode asks for; only exact modes count. */
static git_object_t filemode_type(uint32_t mode)
{
	switch (mode) {
	case GIT_FILEMODE_TREE:
		return GIT_OBJECT_TREE;
	case GIT_FILEMODE_COMMIT:
		return GIT_OBJECT_COMMIT;
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE:
	case GIT_FILEMODE_LINK:
		return GIT_OBJECT_BLOB;
	default:
		return GIT_OBJECT_INVALID;
	}
}

/* Git's order of tree entries: names bytewise, a directory's as if it
 * ended in '/' (so "a.wasm" < "a/" < "a0"). */
static int entry_cmp(const char *a, size_t alen, int adir, const char *b,
		     size_t blen, int bdir)
{
	size_t n = alen < blen ? alen : blen;
	int cmp = memcmp(a, b, n);
	unsigned ca, cb;

	if (cmp)
		return cmp;
	ca = alen > n ? (unsigned char)a[n] : adir ? '/' : 0;
	cb = blen > n ? (unsigned char)b[n] : bdir ? '/' : 0;
	return (int)ca - (int)cb;
}

/* The base tree's entry named `name`, or NONE. */
static size_t base_find(const git_tree *tree, const char *name, size_t len)
{
	if (!tree)
		return NONE;
	/* sorted as a file or as a directory: try both */
	for (int dir = 0; dir < 2; dir++) {
		size_t lo = 0, hi = git_tree_entrycount(tree);
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const git_tree_entry *e = git_tree_entry_byindex(tree, mid);
			const char *en = git_tree_entry_name(e);
			int cmp = entry_cmp(name, len, dir, en, strlen(en),
					    is_dir(git_tree_entry_filemode_raw(e)));
			if (cmp == 0)
				return mid;
			if (cmp < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	return NONE;
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int cmp = memcmp(a, b, alen < blen ? alen : blen);

	if (cmp)
		return cmp;
	return alen < blen ? -1 : alen > blen;
}

/* Where `name` is (*found) or would go among the innermost level's
 * changes. */
static size_t change_pos(const writer *w, const level *l, const char *name,
			 size_t len, int *found)
{
	size_t lo = l->first, hi = w->nchanges;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = name_cmp(name, len, w->changes[mid].name,
				   w->changes[mid].len);
		if (cmp == 0) {
			*found = 1;
			return mid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* What `name` holds now in level `l`: its mode (0: nothing) and id. */
static uint32_t current(const writer *w, const level *l, const char *name,
			size_t len, git_oid *id)
{
	int found;
	size_t pos = change_pos(w, l, name, len, &found), i;

	if (found) {
		git_oid_cpy(id, &w->changes[pos].id);
		return w->changes[pos].mode;
	}
	if ((i = base_find(l->tree, name, len)) == NONE)
		return 0;
	git_oid_cpy(id, git_tree_entry_id(git_tree_entry_byindex(l->tree, i)));
	return git_tree_entry_filemode_raw(git_tree_entry_byindex(l->tree, i));
}

/* Sets `name` in the innermost level `l` (mode 0: removes it). */
static int set_entry(writer *w, level *l, const char *name, size_t len,
		     uint32_t mode, const git_oid *id)
{
	int found, had;
	size_t pos = change_pos(w, l, name, len, &found);
	change *c;

	if (found) {
		c = &w->changes[pos];
		had = c->mode != 0;
	} else {
		size_t bi = base_find(l->tree, name, len);
		const git_tree_entry *e =
			bi == NONE ? NULL : git_tree_entry_byindex(l->tree, bi);
		/* the same again changes nothing: keeps the level clean */
		if (e && mode && git_tree_entry_filemode_raw(e) == mode &&
		    git_oid_equal(git_tree_entry_id(e), id))
			return 0;
		if (grow(&w->changes, &w->changes_alloc, w->nchanges + 1,
			 sizeof(change)) < 0)
			return WS_ERROR;
		c = &w->changes[pos];
		memmove(c + 1, c, (w->nchanges - pos) * sizeof(change));
		w->nchanges++;
		c->name = name;
		c->len = len;
		c->base_index = bi;
		had = e != NULL;
	}
	c->mode = mode;
	if (mode)
		git_oid_cpy(&c->id, id);
	else
		memset(&c->id, 0, sizeof(c->id));
	l->count = l->count + (mode != 0) - had;
	return 0;
}

/* Checks an entry as libgit2's treebuilder does before inserting it: the
 * filemode, the name (".", "..", ".git" and its NTFS/HFS aliases, '/'),
 * a non-zero id of an existing object of the mode's type. */
static int check_entry(writer *w, const char *name, size_t len,
		       const git_oid *id, uint32_t mode)
{
	memcpy(w->name, name, len);
	w->name[len] = '\0';
	if ((!w->check &&
	     git_treebuilder_new(&w->check, w->store->repo, NULL) < 0) ||
	    git_treebuilder_insert(NULL, w->check, w->name, id,
				   (git_filemode_t)mode) < 0)
		return ws_error__git(WS_ERROR, "writing tree");
	git_treebuilder_clear(w->check);
	return 0;
}

/* Appends "<octal mode> <name>\0<20-byte id>". */
static int put_entry(writer *w, uint32_t mode, const char *name, size_t len,
		     const git_oid *id)
{
	char octal[12], *p;
	size_t at = sizeof(octal);

	do {
		octal[--at] = (char)('0' + (mode & 7));
		mode >>= 3;
	} while (mode);
	if (grow(&w->buf, &w->buf_alloc, w->buf_len + sizeof(octal) - at +
		 len + 2 + GIT_OID_RAWSZ, 1) < 0)
		return WS_ERROR;
	p = w->buf + w->buf_len;
	memcpy(p, octal + at, sizeof(octal) - at);
	p += sizeof(octal) - at;
	*p++ = ' ';
	memcpy(p, name, len);
	p += len;
	*p++ = '\0';
	memcpy(p, id->id, GIT_OID_RAWSZ);
	w->buf_len = (size_t)(p + GIT_OID_RAWSZ - w->buf);
	return 0;
}

static int by_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int by_entry_order(const void *a, const void *b)
{
	const change *x = a, *y = b;

	return entry_cmp(x->name, x->len, is_dir(x->mode), y->name, y->len,
			 is_dir(y->mode));
}

/* Writes the innermost level: the base's entries merged with its changes,
 * both in git's order. Reorders the level's changes (it is done with). */
static int write_level(writer *w, level *l, git_oid *out)
{
	size_t n = l->tree ? git_tree_entrycount(l->tree) : 0;
	size_t k = w->nchanges - l->first, kept = 0, nskip = 0, i, r, s;
	change *ch = w->changes + l->first;

	if (grow(&w->skip, &w->skip_alloc, k, sizeof(size_t)) < 0)
		return WS_ERROR;
	for (i = 0; i < k; i++) {
		if (ch[i].base_index != NONE)
			w->skip[nskip++] = ch[i].base_index;
		if (ch[i].mode)
			ch[kept++] = ch[i];
	}
	if (nskip > 1)
		qsort(w->skip, nskip, sizeof(size_t), by_index);
	if (kept > 1)
		qsort(ch, kept, sizeof(change), by_entry_order);

	/* room for typical names at once: growing costs copies of it */
	w->buf_len = 0;
	if (grow(&w->buf, &w->buf_alloc, (n + kept) * 48 + 64, 1) < 0)
		return WS_ERROR;
	for (i = r = s = 0; i < n || r < kept;) {
		const git_tree_entry *e;
		const char *name = NULL;
		size_t len = 0;
		uint32_t mode = 0;
		int error;

		if (i < n && s < nskip && w->skip[s] == i) {
			s++, i++;
			continue;
		}
		e = i < n ? git_tree_entry_byindex(l->tree, i) : NULL;
		if (e) {
			name = git_tree_entry_name(e);
			len = strlen(name);
			mode = git_tree_entry_filemode_raw(e);
		}
		if (e && (r == kept || entry_cmp(name, len, is_dir(mode),
						 ch[r].name, ch[r].len,
						 is_dir(ch[r].mode)) < 0)) {
			error = put_entry(w, mode, name, len,
					  git_tree_entry_id(e));
			i++;
		} else {
			error = put_entry(w, ch[r].mode, ch[r].name, ch[r].len,
					  &ch[r].id);
			r++;
		}
		if (error < 0)
			return error;
	}
	return ws_store__put(w->store, out, GIT_OBJECT_TREE, w->buf,
			     w->buf_len);
}

/* Enters directory `name` of the innermost level. Like libgit2, looks in
 * the level's base tree first, then at what this call put there. */
static int descend(writer *w, const char *name, size_t len, const char *path)
{
	level *top = &w->levels[w->depth - 1], *l;
	size_t bi = base_find(top->tree, name, len);
	uint32_t mode;
	git_oid id;

	if (bi != NONE) {
		const git_tree_entry *e = git_tree_entry_byindex(top->tree, bi);
		mode = git_tree_entry_filemode_raw(e);
		git_oid_cpy(&id, git_tree_entry_id(e));
	} else {
		mode = current(w, top, name, len, &id);
	}
	if (mode && entry_type(mode) != GIT_OBJECT_TREE)
		return ws_error_set(WS_ERROR,
				    "writing tree: D/F conflict when updating "
				    "tree at '%s'", path);
	if (grow(&w->levels, &w->levels_alloc, w->depth + 1, sizeof(level)) < 0)
		return WS_ERROR;
	l = &w->levels[w->depth];
	memset(l, 0, sizeof(*l));
	if (mode && git_tree_lookup(&l->tree, w->store->repo, &id) < 0)
		return ws_error__git(WS_ERROR, "writing tree");
	l->name = name;
	l->len = len;
	l->first = w->nchanges;
	l->count = l->tree ? git_tree_entrycount(l->tree) : 0;
	w->depth++;
	return 0;
}

static int remove_entry(writer *w, level *l, const char *name, size_t len,
			const char *path)
{
	git_oid id;

	if (!current(w, l, name, len, &id))
		return ws_error_set(WS_ERROR,
				    "writing tree: failed to remove entry: "
				    "'%s' isn't in the tree", path);
	return set_entry(w, l, name, len, 0, NULL);
}

/* Leaves the innermost level: writes it (unless unchanged) into its parent,
 * or removes it from there if it is left empty. */
static int pop(writer *w)
{
	level *child, *parent;
	const char *name;
	size_t len;
	int empty, error = 0;
	git_oid id;

	if (w->depth < 2)
		return ws_error_set(WS_ERROR, "writing tree: bad path");
	child = &w->levels[w->depth - 1];
	parent = child - 1;
	name = child->name;
	len = child->len;
	empty = child->count == 0;
	if (!empty) {
		if (child->first == w->nchanges && child->tree)
			git_oid_cpy(&id, git_tree_id(child->tree));
		else
			error = write_level(w, child, &id);
	}
	w->nchanges = child->first;
	git_tree_free(child->tree);
	child->tree = NULL;
	w->depth--;
	if (error < 0)
		return error;
	if (empty)
		return remove_entry(w, parent, name, len, name);
	/* the name as libgit2 checks it; the id is a tree it just wrote */
	if ((error = check_entry(w, name, len, &empty_tree,
				 GIT_FILEMODE_TREE)) < 0)
		return error;
	return set_entry(w, parent, name, len, GIT_FILEMODE_TREE, &id);
}

/* git_fs_path_basename: the last component, trailing slashes ignored. */
static const char *basename_of(const char *path, size_t *len)
{
	const char *end, *start;

	if (!*path) {
		*len = 1;
		return ".";
	}
	end = path + strlen(path) - 1;
	while (end > path && *end == '/')
		end--;
	start = end;
	while (start > path && start[-1] != '/')
		start--;
	*len = (size_t)(end - start) + 1;
	return start;
}

static int apply(writer *w, const git_tree_update *up)
{
	level *l = &w->levels[w->depth - 1];
	size_t len;
	const char *name = basename_of(up->path, &len);
	git_object_t want;
	uint32_t mode;
	git_oid id;
	int error;

	switch (up->action) {
	case GIT_TREE_UPDATE_UPSERT:
		want = filemode_type(up->filemode);
		mode = current(w, l, name, len, &id);
		if (mode && entry_type(mode) != want)
			return ws_error_set(WS_ERROR,
					    "writing tree: cannot replace '%s' "
					    "with '%s' at '%s'",
					    git_object_type2string(entry_type(mode)),
					    git_object_type2string(want),
					    up->path);
		if ((error = check_entry(w, name, len, &up->id,
					 up->filemode)) < 0)
			return error;
		return set_entry(w, l, name, len, up->filemode, &up->id);
	case GIT_TREE_UPDATE_REMOVE:
		return remove_entry(w, l, name, len, up->path);
	default:
		return ws_error_set(WS_ERROR,
				    "writing tree: unknown action for update");
	}
}

/* git_fs_path_common_dirlen: the length of the directories two paths
 * share, with the slash. */
static size_t common_dirlen(const char *a, const char *b)
{
	const char *p, *q, *sep = NULL;

	for (p = a, q = b; *p && *q; p++, q++) {
		if (*p == '/' && *q == '/')
			sep = p;
		else if (*p != *q)
			break;
	}
	return sep ? (size_t)(sep - a) + 1 : 0;
}

static size_t count_slashes(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

static int by_path(const void *a, const void *b)
{
	const git_tree_update *x = *(const git_tree_update *const *)a;
	const git_tree_update *y = *(const git_tree_update *const *)b;

	return strcmp(x->path, y->path);
}

int ws_tree_create_updated(git_oid *out, ws_store *store, git_tree *base,
			   size_t nupdates, const git_tree_update *updates)
{
	writer w = { 0 };
	const git_tree_update *one, **sorted = &one;
	size_t maxlen = 1, i;
	int error = 0;

	w.store = store;
	if (nupdates > 1 && !(sorted = malloc(nupdates * sizeof(*sorted)))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	for (i = 0; i < nupdates; i++) {
		size_t len = strlen(updates[i].path);
		sorted[i] = &updates[i];
		if (len > maxlen)
			maxlen = len;
	}
	if (nupdates > 1)
		qsort(sorted, nupdates, sizeof(*sorted), by_path);
	for (i = 1; i < nupdates; i++)
		if (!strcmp(sorted[i - 1]->path, sorted[i]->path)) {
			error = ws_error_set(WS_ERROR,
					     "writing tree: duplicate entries "
					     "given for update ('%s')",
					     sorted[i]->path);
			goto done;
		}
	if (!(w.name = malloc(maxlen + 1)) ||
	    grow(&w.levels, &w.levels_alloc, 8, sizeof(level)) < 0) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	memset(&w.levels[0], 0, sizeof(level));
	w.levels[0].tree = base; /* borrowed: not freed below */
	w.levels[0].count = base ? git_tree_entrycount(base) : 0;
	w.depth = 1;

	for (i = 0; i < nupdates; i++) {
		const git_tree_update *prev = i ? sorted[i - 1] : NULL;
		size_t common = prev ? common_dirlen(prev->path, sorted[i]->path) : 0;
		size_t up = prev ? count_slashes(prev->path + common) : 0;
		const char *p, *slash;

		while (up-- > 0)
			if ((error = pop(&w)) < 0)
				goto done;
		for (p = sorted[i]->path + common; (slash = strchr(p, '/'));
		     p = slash + 1)
			if ((error = descend(&w, p, (size_t)(slash - p),
					     sorted[i]->path)) < 0)
				goto done;
		if ((error = apply(&w, sorted[i])) < 0)
			goto done;
	}
	while (w.depth > 1)
		if ((error = pop(&w)) < 0)
			goto done;
	if (base && w.nchanges == 0)
		git_oid_cpy(out, git_tree_id(base));
	else
		error = write_level(&w, &w.levels[0], out);
done:
	while (w.depth > 1)
		git_tree_free(w.levels[--w.depth].tree);
	if (sorted != &one)
		free(sorted);
	git_treebuilder_free(w.check);
	free(w.levels);
	free(w.changes);
	free(w.skip);
	free(w.buf);
	free(w.name);
	return error;
}
