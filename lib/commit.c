/* commit.c - every write: build a tree, commit, compare-and-swap the ref. */
#include "commitqueue.h"
#include "objbatch.h"
#include "treewrite.h"
#include "upkeep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ATTEMPTS 1000
/* Packs (one per batch) beyond which writers merge them. */
#define MAX_PACKS 16

static void backoff(int attempt)
{
	/* randomized, growing up to ~10 ms: writers that collided spread out;
	 * a per-thread seed, so the caller's rand() sequence is left alone */
	static _Thread_local unsigned seed;
	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
	int steps = attempt < 10 ? attempt + 1 : 10;
	struct timespec ts = { 0, (long)(rand_r(&seed) % steps + 1) * 1000000L };
	nanosleep(&ts, NULL);
}

int ws_store__tree_set(git_oid *out, ws_store *store, git_tree *base,
		       const char *path, const git_oid *blob)
{
	git_tree_update update = { 0 };

	update.action = blob ? GIT_TREE_UPDATE_UPSERT : GIT_TREE_UPDATE_REMOVE;
	update.path = path;
	update.filemode = GIT_FILEMODE_BLOB;
	if (blob)
		git_oid_cpy(&update.id, blob);
	return ws_tree_create_updated(out, store, base, 1, &update);
}

/*
 * A writer killed while holding a ref lock leaves "<ref>.lock" behind, and
 * every later writer would fail on it (git asks a human to delete it). Ref
 * locks are held for microseconds, so one older than a few seconds is stale.
 */
static void break_stale_lock(ws_store *store, const char *refname)
{
	const char *names[] = { refname, "packed-refs" };
	char path[4300];
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s.lock", store->root, names[i]);
		if (stat(path, &st) == 0 && time(NULL) - st.st_mtime > 3)
			unlink(path);
	}
}

/* "<kind> Name <email> <seconds> <+hhmm>\n", as git writes signatures. */
static int put_signature(char *p, size_t room, const char *kind,
			 const git_signature *sig)
{
	int off = sig->when.offset < 0 ? -sig->when.offset : sig->when.offset;

	return snprintf(p, room, "%s %s <%s> %lld %c%02d%02d\n", kind,
			sig->name, sig->email, (long long)sig->when.time,
			sig->when.sign, off / 60, off % 60);
}

/*
 * The commit object, byte for byte what git_commit_create_buffer writes.
 * Not through libgit2: it checks that the parents exist, and the head is
 * in the pack the last batch wrote, which libgit2 has not seen yet (a
 * rescan of objects/pack and a pack to map, at every add).
 */
static char *commit_buffer(size_t *len, const git_oid *tree,
			   const git_oid **parents, size_t n,
			   const git_signature *sig, const char *message)
{
	size_t sig_room = strlen(sig->name) + strlen(sig->email) + 64;
	size_t room = 48 * (1 + n) + 2 * sig_room + strlen(message) + 2;
	char *buf = malloc(room), hex[GIT_OID_HEXSZ + 1];
	size_t at = 0;

	if (!buf)
		return NULL;
	at += (size_t)snprintf(buf + at, room - at, "tree %s\n",
			       git_oid_tostr(hex, sizeof(hex), tree));
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(buf + at, room - at, "parent %s\n",
				       git_oid_tostr(hex, sizeof(hex), parents[i]));
	at += (size_t)put_signature(buf + at, room - at, "author", sig);
	at += (size_t)put_signature(buf + at, room - at, "committer", sig);
	at += (size_t)snprintf(buf + at, room - at, "\n%s", message);
	*len = at;
	return buf;
}

static int make_commit(git_oid *out, ws_store *store, ws_edit *edit,
		       const char *author, const char *message)
{
	const git_oid *parents[2];
	git_commit *merge = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	char *buf = NULL;
	size_t n = 0, len = 0;
	int error = 0;

	if (edit->head && !edit->no_parents)
		parents[n++] = git_commit_id(edit->head);
	if (edit->has_merge_parent) {
		if (git_commit_lookup(&merge, store->repo, &edit->merge_parent) < 0) {
			error = ws_error__git(WS_ERROR, "reading merge parent");
			goto done;
		}
		parents[n++] = git_commit_id(merge);
	}
	/* the lookup checks the tree, and keeps it parsed in the handle's
	 * cache while it is still in memory: the next batch starts from it */
	if (git_signature_now(&sig, author, "wasmstore@localhost") < 0 ||
	    git_tree_lookup(&tree, store->repo, &edit->new_tree) < 0) {
		error = ws_error__git(WS_ERROR, "writing commit");
		goto done;
	}
	if (!(buf = commit_buffer(&len, &edit->new_tree, parents, n, sig,
				  message))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	error = ws_store__put(store, out, GIT_OBJECT_COMMIT, buf, len);
done:
	free(buf);
	git_tree_free(tree);
	git_signature_free(sig);
	git_commit_free(merge);
	return error;
}

/* The requests of one batch that move the same ref, in arrival order. */
typedef struct {
	const char *refname;
	ws_commit_req **reqs;
	size_t count;
	git_oid old, new;
	int made;     /* this round made at least one commit */
	int finished; /* every request has its result */
} ref_group;

/*
 * Applies each request of the group on top of the previous one, starting
 * from the ref's current value: a chain of commits, one per request that
 * changes something. A request whose edit fails gets its error and the
 * chain goes on without it.
 */
static void apply_group(ws_store *store, ref_group *g)
{
	git_commit *cur = NULL;
	int error;

	g->made = 0;
	memset(&g->old, 0, sizeof(g->old));
	error = git_reference_name_to_id(&g->old, store->repo, g->refname);
	if (error == GIT_ENOTFOUND) {
		memset(&g->old, 0, sizeof(g->old));
	} else if (error < 0 || ws_store__head_commit(&cur, store, &g->old) < 0) {
		error = ws_error__git(WS_ERROR, "reading branch");
		for (size_t i = 0; i < g->count; i++)
			ws_commit_req__set_result(g->reqs[i], error);
		g->finished = 1;
		return;
	}
	for (size_t i = 0; i < g->count; i++) {
		ws_commit_req *r = g->reqs[i];
		ws_edit edit = { 0 };
		git_commit *next = NULL;
		git_oid id;

		r->made = 0;
		edit.head = cur;
		if (cur && git_commit_tree(&edit.tree, cur) < 0) {
			ws_commit_req__set_result(
				r, ws_error__git(WS_ERROR, "reading tree"));
			continue;
		}
		ws_error__clear();
		error = r->fn(store, &edit, r->payload);
		if (!error && !edit.allow_empty && edit.tree &&
		    git_oid_equal(&edit.new_tree, git_tree_id(edit.tree))) {
			/* nothing changed: no empty commit, as git does */
			git_tree_free(edit.tree);
			ws_commit_req__set_result(r, 0);
			continue;
		}
		if (!error)
			error = make_commit(&id, store, &edit, r->author, r->message);
		git_tree_free(edit.tree);
		if (!error && git_commit_lookup(&next, store->repo, &id) < 0)
			error = ws_error__git(WS_ERROR, "reading new commit");
		ws_commit_req__set_result(r, error);
		if (error)
			continue;
		git_commit_free(cur);
		cur = next;
		git_oid_cpy(&r->commit, &id);
		r->made = 1;
		g->made = 1;
	}
	if (cur)
		git_oid_cpy(&g->new, git_commit_id(cur));
	git_commit_free(cur);
	if (!g->made)
		g->finished = 1;
}

/* Gives every request of the group that made a commit `error`. */
static void fail_made(ref_group *g, int error)
{
	for (size_t i = 0; i < g->count; i++)
		if (g->reqs[i]->made) {
			g->reqs[i]->made = 0;
			ws_commit_req__set_result(g->reqs[i], error);
		}
	g->finished = 1;
}

/* 1: moved; 0: lost the race (someone else moved it); <0: error */
static int move_ref(ws_store *store, ref_group *g)
{
	const char *message = "wasmstore";

	for (size_t i = g->count; i-- > 0;)
		if (g->reqs[i]->made) {
			message = g->reqs[i]->message;
			break;
		}
	return ws_store__ref_cas(store, g->refname, &g->new, &g->old, message);
}

/*
 * One round: every unfinished group builds its chain, one sync makes all
 * new objects durable, each ref moves by compare-and-swap (the sync that
 * makes moved refs durable is the caller's, see ws_store__commit_batch).
 * Groups that lost a race go again.
 */
static int commit_round(ws_store *store, ref_group *groups, size_t ngroups,
			int *locked, int *moved)
{
	int made = 0, retry = 0, error = 0;

	*locked = 0;
	for (size_t i = 0; i < ngroups; i++)
		if (!groups[i].finished) {
			apply_group(store, &groups[i]);
			made |= groups[i].made;
		}
	if (!made) {
		if (store->objbatch) /* e.g. a blob whose edit then failed */
			ws_objbatch_clear(store->objbatch);
		return 0;
	}
	if (store->objbatch && (error = ws_objbatch_flush(store->objbatch)) < 0)
		ws_objbatch_clear(store->objbatch);
	if (error < 0 || (error = ws_store__sync_objects(store)) < 0) {
		for (size_t i = 0; i < ngroups; i++)
			if (!groups[i].finished)
				fail_made(&groups[i], error);
		return 0;
	}
	for (size_t i = 0; i < ngroups; i++) {
		ref_group *g = &groups[i];
		int rc;

		if (g->finished)
			continue;
		rc = move_ref(store, g);
		if (rc < 0) {
			fail_made(g, rc);
		} else if (rc == 1) {
			g->finished = 1;
			*moved = 1;
		} else {
			*locked |= rc == 2;
			retry = 1;
		}
	}
	return retry;
}

int ws_store__commit_batch(ws_store *store, ws_commit_req *batch)
{
	ref_group *groups = NULL;
	ws_commit_req **slots = NULL;
	size_t n = 0, ngroups = 0, used = 0;
	int moved = 0;

	for (ws_commit_req *r = batch; r; r = r->next)
		n++;
	/* a merge or gc elsewhere deleted packs: drop them between batches */
	(void)ws_store__refresh_odb(store);
	if (!(groups = calloc(n, sizeof(*groups))) ||
	    !(slots = calloc(n, sizeof(*slots)))) {
		int error = ws_error_set(WS_ERROR, "out of memory");
		for (ws_commit_req *r = batch; r; r = r->next)
			ws_commit_req__set_result(r, error);
		goto done;
	}
	/* group by ref, keeping arrival order within each group */
	for (ws_commit_req *r = batch; r; r = r->next) {
		size_t g;
		for (g = 0; g < ngroups; g++)
			if (!strcmp(groups[g].refname, r->refname))
				break;
		if (g == ngroups)
			groups[ngroups++].refname = r->refname;
	}
	for (size_t g = 0; g < ngroups; g++) {
		groups[g].reqs = slots + used;
		for (ws_commit_req *r = batch; r; r = r->next)
			if (!strcmp(groups[g].refname, r->refname))
				groups[g].reqs[groups[g].count++] = r;
		used += groups[g].count;
	}

	for (int attempt = 0;; attempt++) {
		int locked;

		if (!commit_round(store, groups, ngroups, &locked, &moved))
			break;
		if (attempt >= MAX_ATTEMPTS) {
			for (size_t g = 0; g < ngroups; g++)
				if (!groups[g].finished) {
					int error = ws_error_set(WS_ECONFLICT,
						"branch '%s' kept moving; gave up after %d attempts",
						groups[g].refname + 11, attempt);
					fail_made(&groups[g], error);
				}
			break;
		}
		if (locked && attempt % 50 == 49)
			for (size_t g = 0; g < ngroups; g++)
				if (!groups[g].finished)
					break_stale_lock(store, groups[g].refname);
		backoff(attempt);
	}
done:
	free(slots);
	free(groups);
	return moved;
}

int ws_store__commit(ws_store *store, const char *branch, const char *message,
		     ws_edit_fn fn, void *payload, git_oid *out_commit)
{
	ws_commit_req req = { 0 };
	char *refname = NULL;
	int error;

	if (out_commit)
		memset(out_commit, 0, sizeof(*out_commit));
	if ((error = ws_store__refname(&refname, store, branch)) < 0)
		return error;
	/* from our objects to the ref: gc must not take them meanwhile */
	if ((error = ws_store__lock(store, 0)) < 0) {
		free(refname);
		return error;
	}
	req.refname = refname;
	req.author = store->author;
	req.message = message;
	req.fn = fn;
	req.payload = payload;
	if (ws_commitqueue__submit(store->queue, &req))
		ws_upkeep__merge(store->root, MAX_PACKS);
	ws_store__unlock(store);
	free(refname);
	if (req.error)
		return ws_error_set(req.error, "%s", req.errmsg);
	if (req.made && out_commit)
		git_oid_cpy(out_commit, &req.commit);
	return 0;
}
