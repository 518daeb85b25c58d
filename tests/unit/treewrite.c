/* treewrite.c - ws_tree_create_updated gives libgit2's ids and failures,
 * and writes only the trees that changed. */
#include "core_fixtures.h"
#include "objbatch.h"
#include "treewrite.h"

#include <stdint.h>
#include <stdlib.h>

#define EMPTY_TREE "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

static uint64_t rng_state;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static int open_store(ws_store **s)
{
	return fixture_open(s, "store");
}

/* Holds what the store writes in memory, as a commit queue's leader does:
 * ws_store__put then goes straight to the batch. */
static int attach(ws_objbatch **b, ws_store *s)
{
	char objects[4200];

	snprintf(objects, sizeof(objects), "%s/objects", ws_store_root(s));
	if (ws_objbatch_attach(b, s->repo, objects) < 0)
		return WS_ERROR;
	s->objbatch = *b;
	return 0;
}

static int blob(git_oid *id, ws_store *s, const char *content)
{
	return git_blob_create_from_buffer(id, s->repo, content, strlen(content));
}

static const char *hex(const git_oid *id)
{
	static char buf[4][GIT_OID_HEXSZ + 1];
	static int n;

	return git_oid_tostr(buf[n++ % 4], GIT_OID_HEXSZ + 1, id);
}

/* Every path of a tree (files and directories), pre-order. */
typedef struct {
	char paths[512][64];
	git_filemode_t modes[512];
	size_t n;
} path_list;

/* Slashes in a walk's root: how deep the walk is. */
static size_t depth_of(const char *root)
{
	size_t n = 0;

	for (; *root; root++)
		n += *root == '/';
	return n;
}

/* Tree entries moved into trees nest ever deeper: paths the updates can
 * name (4 components) are enough. */
static int collect(const char *root, const git_tree_entry *e, void *payload)
{
	path_list *l = payload;

	if (l->n == 512)
		return -1;
	if (depth_of(root) >= 4)
		return 1;
	if (strlen(root) + strlen(git_tree_entry_name(e)) < 64) {
		snprintf(l->paths[l->n], 64, "%s%s", root, git_tree_entry_name(e));
		l->modes[l->n] = git_tree_entry_filemode(e);
		l->n++;
	}
	return 0;
}

static void list_paths(path_list *l, git_tree *tree)
{
	l->n = 0;
	if (tree)
		git_tree_walk(tree, GIT_TREEWALK_PRE, collect, l);
}

/* Names that sort differently as files and as directories ('-' and '.'
 * come before '/', '0' after). */
static const char *const names[] = { "a", "a.wasm", "a-", "a-b", "a0", "ab", "b" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

static void random_path(char *out, size_t size)
{
	unsigned depth = 1 + rnd(4);

	out[0] = '\0';
	for (unsigned i = 0; i < depth; i++) {
		if (i)
			strncat(out, "/", size - strlen(out) - 1);
		strncat(out, names[rnd(NNAMES)], size - strlen(out) - 1);
	}
}

/* Now and then an odd input: a bad name, mode or id (refused), or a
 * trailing slash (libgit2 takes "x/" as "x/x"). */
static void maybe_break(git_tree_update *up, char *path, size_t size)
{
	static const char *const bad[] = { ".git", ".", "..", "", "GIT~1" };

	switch (rnd(60)) {
	case 0:
		snprintf(path, size, "a/%s", bad[rnd(5)]);
		break;
	case 1:
		snprintf(path, size, "%s/a.wasm", bad[rnd(5)]);
		break;
	case 2:
		up->filemode = (git_filemode_t)0100664;
		break;
	case 3:
		memset(&up->id, 0, sizeof(up->id));
		break;
	case 4:
		git_oid_fromstr(&up->id, "0123456789012345678901234567890123456789");
		break;
	case 5:
		strncat(path, "/", size - strlen(path) - 1);
		break;
	}
}

typedef struct {
	size_t ok, failed, multi;
} tally;

/* Reads every tree as deep as the updates reach (4 components, and a
 * trailing slash), so a tree we failed to write is noticed. */
static int read_trees(const char *root, const git_tree_entry *e, void *p)
{
	(void)e, (void)p;
	return depth_of(root) >= 5;
}

/* Runs both on the same input: both fail, or both give the same id, and
 * ours is in the object database. `out` gets the new tree (NULL if the
 * update failed). */
static int compare(ws_store *s, git_tree *base, size_t n,
		   const git_tree_update *ups, git_tree **out, tally *t)
{
	git_oid ours, theirs;
	int rc, grc, same = 1;

	*out = NULL;
	rc = ws_tree_create_updated(&ours, s, base, n, ups);
	if (rc == 0) {
		/* every tree of it readable before libgit2 writes any */
		git_tree *tree = NULL;
		same = git_tree_lookup(&tree, s->repo, &ours) == 0 &&
		       git_tree_walk(tree, GIT_TREEWALK_PRE, read_trees,
				     NULL) == 0;
		git_tree_free(tree);
	}
	grc = git_tree_create_updated(&theirs, s->repo, base, n, ups);
	if (rc < 0 && grc < 0) {
		t->failed++;
		return rc == WS_ERROR;
	}
	if (rc < 0 || grc < 0 || !same || !git_oid_equal(&ours, &theirs)) {
		printf("# base %s, %zu updates:\n",
		       base ? hex(git_tree_id(base)) : "(none)", n);
		for (size_t i = 0; i < n; i++)
			printf("#   %s %s %o %s\n",
			       ups[i].action == GIT_TREE_UPDATE_UPSERT ? "upsert"
								       : "remove",
			       ups[i].path, ups[i].filemode, hex(&ups[i].id));
		printf("# ours %d %s (%s), libgit2 %d %s\n", rc,
		       rc ? "" : hex(&ours), ws_error_last(), grc,
		       grc ? "" : hex(&theirs));
		return 0;
	}
	t->ok++;
	t->multi += n > 1;
	return git_tree_lookup(out, s->repo, &ours) == 0;
}

/* One random call: 0-4 updates on `base`, on its own paths or new ones. */
static int random_round(ws_store *s, git_tree *base, git_tree **pool,
			size_t npool, const git_oid *blobs, git_tree **out,
			tally *t)
{
	static path_list existing;
	git_tree_update ups[4];
	char paths[4][80];
	size_t n = rnd(5);

	list_paths(&existing, base);
	memset(ups, 0, sizeof(ups));
	for (size_t i = 0; i < n; i++) {
		git_tree_update *up = &ups[i];
		int is_tree = -1; /* the type already at the path, if known */
		up->action = rnd(3) == 0 ? GIT_TREE_UPDATE_REMOVE
					 : GIT_TREE_UPDATE_UPSERT;
		/* mostly paths that are there for removes, half for upserts;
		 * mostly not one given already */
		for (int tries = 0; tries < 4; tries++) {
			if (existing.n && rnd(10) < (up->action ==
						     GIT_TREE_UPDATE_REMOVE ? 8u : 5u)) {
				size_t k = rnd((unsigned)existing.n);
				snprintf(paths[i], sizeof(paths[i]), "%s",
					 existing.paths[k]);
				is_tree = existing.modes[k] == GIT_FILEMODE_TREE;
			} else {
				random_path(paths[i], sizeof(paths[i]));
				is_tree = -1;
			}
			size_t j = 0;
			while (j < i && strcmp(paths[j], paths[i]))
				j++;
			if (j == i)
				break;
		}
		switch (is_tree == 1 && rnd(4) ? 0 : rnd(20)) {
		case 0:
		case 1:
		case 2:
			/* a directory moves in (a random tree so far) */
			up->filemode = GIT_FILEMODE_TREE;
			if (npool)
				git_oid_cpy(&up->id, git_tree_id(pool[rnd((unsigned)npool)]));
			else
				git_oid_fromstr(&up->id, EMPTY_TREE);
			break;
		case 3:
			up->filemode = GIT_FILEMODE_BLOB_EXECUTABLE;
			git_oid_cpy(&up->id, &blobs[rnd(3)]);
			break;
		case 4:
			up->filemode = GIT_FILEMODE_LINK;
			git_oid_cpy(&up->id, &blobs[rnd(3)]);
			break;
		case 5:
			/* submodule: libgit2 does not look the commit up */
			up->filemode = GIT_FILEMODE_COMMIT;
			git_oid_cpy(&up->id, &blobs[rnd(3)]);
			break;
		default:
			up->filemode = GIT_FILEMODE_BLOB;
			git_oid_cpy(&up->id, &blobs[rnd(3)]);
		}
		maybe_break(up, paths[i], sizeof(paths[i]));
		up->path = paths[i];
	}
	return compare(s, base, n, ups, out, t);
}

/* `rounds` random calls, each on the last result, now and then on the
 * empty tree or an older result instead. */
static int random_rounds(ws_store *s, unsigned seed, int rounds, tally *t)
{
	git_tree *pool[64] = { 0 }, *base = NULL, *next;
	git_oid blobs[3];
	size_t npool = 0;
	int ok = 1;

	rng_state = 0x9e3779b97f4a7c15ULL * (seed + 1);
	if (blob(&blobs[0], s, "one") < 0 || blob(&blobs[1], s, "two") < 0 ||
	    blob(&blobs[2], s, "three") < 0)
		return 0;
	for (int r = 0; r < rounds && ok; r++) {
		unsigned pick = rnd(10);
		if (pick == 0)
			base = NULL;
		else if (pick == 1 && npool)
			base = pool[rnd((unsigned)npool)];
		ok = random_round(s, base, pool, npool, blobs, &next, t);
		if (next) {
			if (npool < 64) {
				pool[npool++] = next;
			} else {
				size_t k = rnd(64);
				if (pool[k] == base)
					base = next;
				git_tree_free(pool[k]);
				pool[k] = next;
			}
			/* trees grow: start over now and then */
			if (git_tree_entrycount(next) < 6 || rnd(4))
				base = next;
		}
	}
	for (size_t i = 0; i < npool; i++)
		git_tree_free(pool[i]);
	return ok;
}

TEST(test_treewrite__matches_libgit2_on_random_updates)
{
	ws_store *s = NULL;
	tally t = { 0 };
	int ok;

	ASSERT_OK(open_store(&s));
	ok = random_rounds(s, 1, 1500, &t);
	ws_store_free(s);
	ASSERT(ok);
	/* both outcomes, often, and many calls of several updates */
	ASSERT(t.ok > 700);
	ASSERT(t.failed > 500);
	ASSERT(t.multi > 250);
}

TEST(test_treewrite__matches_libgit2_with_trees_held_in_a_batch)
{
	ws_store *s = NULL;
	ws_objbatch *b = NULL;
	tally t = { 0 };
	int ok;

	ASSERT_OK(open_store(&s));
	if (attach(&b, s) < 0) {
		ws_store_free(s);
		ASSERT(!"attach");
	}
	/* trees made in one round are read back from memory in the next */
	ok = random_rounds(s, 2, 6000, &t);
	ws_objbatch_clear(b);
	ws_store_free(s);
	ASSERT(ok);
	ASSERT(t.ok > 2500);
	ASSERT(t.multi > 1000);
}

/* The tree of `n` upserts of blob `id` at `fmt` % i. */
static int many(git_oid *out, ws_store *s, git_tree *base, int n,
		const char *fmt, const git_oid *id, int remove)
{
	git_tree_update *ups = calloc((size_t)n, sizeof(*ups));
	char (*paths)[32] = calloc((size_t)n, 32);
	int rc = -1;

	if (ups && paths) {
		for (int i = 0; i < n; i++) {
			snprintf(paths[i], 32, fmt, i);
			ups[i].action = remove ? GIT_TREE_UPDATE_REMOVE
					       : GIT_TREE_UPDATE_UPSERT;
			ups[i].path = paths[i];
			ups[i].filemode = GIT_FILEMODE_BLOB;
			git_oid_cpy(&ups[i].id, id);
		}
		git_oid theirs;
		rc = ws_tree_create_updated(out, s, base, (size_t)n, ups);
		if (rc == 0 &&
		    (git_tree_create_updated(&theirs, s->repo, base, (size_t)n,
					     ups) < 0 ||
		     !git_oid_equal(out, &theirs)))
			rc = -100;
	}
	free(ups);
	free(paths);
	return rc;
}

static int one(git_oid *out, ws_store *s, git_tree *base, const char *path,
	       const git_oid *id, git_filemode_t mode)
{
	git_tree_update up = { 0 };
	git_oid theirs;
	int rc, grc;

	up.action = id ? GIT_TREE_UPDATE_UPSERT : GIT_TREE_UPDATE_REMOVE;
	up.path = path;
	up.filemode = mode;
	if (id)
		git_oid_cpy(&up.id, id);
	rc = ws_tree_create_updated(out, s, base, 1, &up);
	grc = git_tree_create_updated(&theirs, s->repo, base, 1, &up);
	if ((rc < 0) != (grc < 0) || (rc == 0 && !git_oid_equal(out, &theirs)))
		return -100;
	return rc;
}

TEST(test_treewrite__updates_a_flat_tree_of_10000_entries)
{
	ws_store *s = NULL;
	git_tree *big = NULL, *tree = NULL;
	git_tree_entry *e = NULL;
	git_oid a, b, id, dir;
	int ok;

	ASSERT_OK(open_store(&s));
	ASSERT_OK(blob(&a, s, "a"));
	ASSERT_OK(blob(&b, s, "b"));
	/* 10,000 new names in one call, then the base of single updates */
	ASSERT_OK(many(&id, s, NULL, 10000, "m%05d.wasm", &a, 0));
	ASSERT_OK(git_tree_lookup(&big, s->repo, &id));
	ok = git_tree_entrycount(big) == 10000;
	/* a new name in the middle, as a file and as a directory */
	ok = ok && one(&id, s, big, "m05000", &b, GIT_FILEMODE_BLOB) == 0;
	ok = ok && one(&dir, s, big, "m05000/x.wasm", &b, GIT_FILEMODE_BLOB) == 0;
	/* a replaced entry, a removed one, the first and the last */
	ok = ok && one(&id, s, big, "m04999.wasm", &b, GIT_FILEMODE_BLOB) == 0;
	ok = ok && git_tree_lookup(&tree, s->repo, &id) == 0 &&
	     git_tree_entrycount(tree) == 10000 &&
	     git_tree_entry_bypath(&e, tree, "m04999.wasm") == 0 &&
	     git_oid_equal(git_tree_entry_id(e), &b);
	ok = ok && one(&id, s, big, "m00000.wasm", NULL, 0) == 0;
	ok = ok && one(&id, s, big, "m09999.wasm", NULL, 0) == 0;
	ok = ok && one(&id, s, big, "m10000.wasm", &b, GIT_FILEMODE_BLOB) == 0;
	/* the same blob again: the same tree, nothing written */
	ok = ok && one(&id, s, big, "m00001.wasm", &a, GIT_FILEMODE_BLOB) == 0 &&
	     git_oid_equal(&id, git_tree_id(big));
	/* every other entry removed in one call */
	ok = ok && many(&id, s, big, 5000, "m%05d.wasm", &a, 1) == 0;
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_tree_free(big);
	ws_store_free(s);
	ASSERT(ok);
}

/* The tree holding `n` paths, each the blob `id`, built by libgit2. */
static int libgit2_tree(git_oid *out, ws_store *s, const git_oid *id,
			size_t n, const char *const *paths)
{
	git_tree_update ups[8] = { { 0 } };

	for (size_t i = 0; i < n; i++) {
		ups[i].action = GIT_TREE_UPDATE_UPSERT;
		ups[i].path = paths[i];
		ups[i].filemode = GIT_FILEMODE_BLOB;
		git_oid_cpy(&ups[i].id, id);
	}
	return git_tree_create_updated(out, s->repo, NULL, n, ups);
}

TEST(test_treewrite__removing_the_last_entry_prunes_empty_directories)
{
	static const char *const start[] = { "top.wasm", "a/b/c/x.wasm",
					     "a/b2.wasm" };
	ws_store *s = NULL;
	git_tree *base = NULL, *t1 = NULL;
	git_oid m, id, want;

	ASSERT_OK(open_store(&s));
	ASSERT_OK(blob(&m, s, "m"));
	ASSERT_OK(libgit2_tree(&id, s, &m, 3, start));
	ASSERT_OK(git_tree_lookup(&base, s->repo, &id));

	/* a/b/c and a/b go, a stays for b2.wasm */
	ASSERT_OK(one(&id, s, base, "a/b/c/x.wasm", NULL, 0));
	ASSERT_OK(libgit2_tree(&want, s, &m, 2, (const char *const[]){ "top.wasm", "a/b2.wasm" }));
	ASSERT_STR(hex(&want), hex(&id));
	ASSERT_OK(git_tree_lookup(&t1, s->repo, &id));

	/* then a goes too */
	ASSERT_OK(one(&id, s, t1, "a/b2.wasm", NULL, 0));
	git_tree_free(t1);
	ASSERT_OK(libgit2_tree(&want, s, &m, 1, start));
	ASSERT_STR(hex(&want), hex(&id));

	/* everything removed in one call: the empty tree */
	{
		git_tree_update ups[3] = { { 0 } };
		for (int i = 0; i < 3; i++) {
			ups[i].action = GIT_TREE_UPDATE_REMOVE;
			ups[i].path = start[i];
		}
		ASSERT_OK(ws_tree_create_updated(&id, s, base, 3, ups));
		ASSERT_STR(EMPTY_TREE, hex(&id));
	}
	/* and no update on nothing writes the empty tree */
	ASSERT_OK(ws_tree_create_updated(&id, s, NULL, 0, NULL));
	ASSERT_STR(EMPTY_TREE, hex(&id));
	git_tree_free(base);
	ws_store_free(s);
}

TEST(test_treewrite__an_upserted_tree_entry_moves_a_directory)
{
	static const char *const start[] = { "other.wasm", "d/x.wasm",
					     "d/sub/y.wasm" };
	ws_store *s = NULL;
	git_tree *base = NULL, *moved = NULL;
	git_tree_entry *d = NULL, *f = NULL, *y = NULL, *gone = NULL;
	git_tree_update ups[2] = { { 0 } };
	git_oid m, id, theirs;

	ASSERT_OK(open_store(&s));
	ASSERT_OK(blob(&m, s, "m"));
	ASSERT_OK(libgit2_tree(&id, s, &m, 3, start));
	ASSERT_OK(git_tree_lookup(&base, s->repo, &id));
	ASSERT_OK(git_tree_entry_bypath(&d, base, "d"));

	/* what a rename of d to e/f does */
	ups[0].action = GIT_TREE_UPDATE_REMOVE;
	ups[0].path = "d";
	ups[1].action = GIT_TREE_UPDATE_UPSERT;
	ups[1].path = "e/f";
	ups[1].filemode = GIT_FILEMODE_TREE;
	git_oid_cpy(&ups[1].id, git_tree_entry_id(d));
	ASSERT_OK(ws_tree_create_updated(&id, s, base, 2, ups));
	ASSERT_OK(git_tree_create_updated(&theirs, s->repo, base, 2, ups));
	ASSERT_STR(hex(&theirs), hex(&id));
	ASSERT_OK(git_tree_lookup(&moved, s->repo, &id));
	ASSERT_CODE(GIT_ENOTFOUND, git_tree_entry_bypath(&gone, moved, "d"));
	ASSERT_OK(git_tree_entry_bypath(&f, moved, "e/f"));
	ASSERT(git_oid_equal(git_tree_entry_id(f), git_tree_entry_id(d)));
	ASSERT_OK(git_tree_entry_bypath(&y, moved, "e/f/sub/y.wasm"));
	ASSERT(git_oid_equal(git_tree_entry_id(y), &m));
	ASSERT(git_tree_entrycount(moved) == 2);

	git_tree_entry_free(y);
	git_tree_entry_free(f);
	git_tree_entry_free(d);
	git_tree_free(moved);
	git_tree_free(base);
	ws_store_free(s);
}

/* Both fail, ours with WS_ERROR and a message containing `what`. */
static int both_fail(ws_store *s, git_tree *base, size_t n,
		     const git_tree_update *ups, const char *what)
{
	git_oid ours, theirs;
	int rc = ws_tree_create_updated(&ours, s, base, n, ups);

	if (rc != WS_ERROR || !strstr(ws_error_last(), what)) {
		printf("# ours %d: %s\n", rc, ws_error_last());
		return 0;
	}
	return git_tree_create_updated(&theirs, s->repo, base, n, ups) < 0;
}

TEST(test_treewrite__fails_where_libgit2_fails)
{
	static const char *const start[] = { "a.wasm", "d/x.wasm" };
	ws_store *s = NULL;
	git_tree *base = NULL;
	git_tree_update ups[2] = { { 0 } };
	git_oid m, id;

	ASSERT_OK(open_store(&s));
	ASSERT_OK(blob(&m, s, "m"));
	ASSERT_OK(libgit2_tree(&id, s, &m, 2, start));
	ASSERT_OK(git_tree_lookup(&base, s->repo, &id));
	ups[0].action = GIT_TREE_UPDATE_UPSERT;
	ups[0].filemode = GIT_FILEMODE_BLOB;
	git_oid_cpy(&ups[0].id, &m);
	ups[1] = ups[0];

	/* a file on the way: no replacing it with a directory */
	ups[0].path = "a.wasm/x.wasm";
	ASSERT(both_fail(s, base, 1, ups, "D/F conflict"));
	/* not even when the same call removes it */
	ups[1].action = GIT_TREE_UPDATE_REMOVE;
	ups[1].path = "a.wasm";
	ASSERT(both_fail(s, base, 2, ups, "D/F conflict"));
	/* nor a directory with a file */
	ups[0].path = "d";
	ASSERT(both_fail(s, base, 1, ups, "cannot replace 'tree' with 'blob'"));
	/* removing what is not there */
	ups[0].action = GIT_TREE_UPDATE_REMOVE;
	ups[0].path = "nope.wasm";
	ASSERT(both_fail(s, base, 1, ups, "isn't in the tree"));
	ups[0].path = "nodir/x.wasm";
	ASSERT(both_fail(s, base, 1, ups, "isn't in the tree"));
	ups[0].path = "d/x.wasm/y";
	ASSERT(both_fail(s, base, 1, ups, "D/F conflict"));
	ASSERT(both_fail(s, NULL, 1, ups, "isn't in the tree"));
	/* the same path twice */
	ups[0].action = GIT_TREE_UPDATE_UPSERT;
	ups[0].path = "a.wasm";
	ups[1].path = "a.wasm";
	ASSERT(both_fail(s, base, 2, ups, "duplicate"));
	/* an unknown blob, a bad name */
	ups[0].path = "new.wasm";
	git_oid_fromstr(&ups[0].id, "0123456789012345678901234567890123456789");
	ASSERT(both_fail(s, base, 1, ups, "writing tree: "));
	git_oid_cpy(&ups[0].id, &m);
	ups[0].path = "x/.git/y.wasm";
	ASSERT(both_fail(s, base, 1, ups, "invalid name"));
	git_tree_free(base);
	ws_store_free(s);
}

TEST(test_treewrite__writes_only_the_trees_on_the_changed_path)
{
	static const char *const start[] = { "a/b/c/x.wasm", "a/b/y.wasm",
					     "a/z.wasm", "q/r.wasm", "top.wasm" };
	ws_store *s = NULL;
	ws_objbatch *batch = NULL;
	git_tree *base = NULL;
	git_oid m, n, id, theirs;
	size_t before;

	ASSERT_OK(open_store(&s));
	ASSERT_OK(blob(&m, s, "m"));
	ASSERT_OK(libgit2_tree(&id, s, &m, 5, start));
	ASSERT_OK(git_tree_lookup(&base, s->repo, &id));
	ASSERT_OK(attach(&batch, s));
	ASSERT_OK(ws_objbatch_put(batch, &n, GIT_OBJECT_BLOB, "n", 1));

	/* root, a, a/b and a/b/c; q is left as it is */
	before = ws_objbatch_count(batch);
	ASSERT_OK(one(&id, s, base, "a/b/c/x.wasm", &n, GIT_FILEMODE_BLOB));
	ASSERT(ws_objbatch_count(batch) == before + 4);
	ASSERT(ws_objbatch_holds(batch, &id));

	/* the same blob again: nothing */
	before = ws_objbatch_count(batch);
	ASSERT_OK(ws_tree_create_updated(&theirs, s, base, 0, NULL));
	ASSERT_OK(one(&id, s, base, "a/b/c/x.wasm", &m, GIT_FILEMODE_BLOB));
	ASSERT(git_oid_equal(&id, git_tree_id(base)));
	ASSERT(git_oid_equal(&theirs, git_tree_id(base)));
	ASSERT(ws_objbatch_count(batch) == before);

	ws_objbatch_clear(batch);
	git_tree_free(base);
	ws_store_free(s);
}
