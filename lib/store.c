/* store.c - opening a store and the helpers every operation shares. */
#include "commitqueue.h"

#include "hex.h"
#include "objbatch.h"
#include "upkeep.h"

#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libgit2(void)
{
	git_libgit2_init();
	/* We make writes durable ourselves (ws_store__sync_objects): one
	 * syncfs per commit is far cheaper than libgit2's fsync per object. */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0);
	/* Every object we write is hashed by us anyway; skip re-verifying. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	/* Keep parsed commits and trees (even large flat directories) in
	 * memory, so lookups on an unchanged branch do not re-inflate them. */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
			 (size_t)4 << 20);
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT,
			 (size_t)64 << 10);
}

char *ws_store_default_root(void)
{
	const char *env = getenv("WASMSTORE_ROOT"), *home = getenv("HOME");
	char *out;

	if (env && *env)
		return strdup(env);
	if (!home || !*home)
		home = ".";
	if (!(out = malloc(strlen(home) + sizeof("/.wasmstore"))))
		return NULL;
	strcpy(out, home);
	strcat(out, "/.wasmstore");
	return out;
}

int ws__mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return ws_error_set(WS_EINPUT, "path too long: '%s'", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return ws_error_set(WS_ERROR, "cannot create '%s': %s",
					    buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return ws_error_set(WS_ERROR, "cannot create '%s': %s", buf,
				    strerror(errno));
	return 0;
}

static int create_repository(git_repository **out, const char *root)
{
	git_repository_init_options opts;

	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
	opts.initial_head = "main";
	if (git_repository_init_ext(out, root, &opts) < 0)
		return ws_error__git(WS_ERROR, "creating store");
	/* the 256 fan-out directories up front: otherwise the first writes
	 * each pay a mkdir (git creates them lazily too; both are valid) */
	for (int i = 0; i < 256; i++) {
		char dir[PATH_MAX + 16];
		snprintf(dir, sizeof(dir), "%s/objects/%02x", root, i);
		mkdir(dir, 0755);
	}
	return 0;
}

/* Opens the repository at root, creating it when the directory is empty.
 * The check and the creation happen under a lock on the directory, so two
 * processes using a new root at once (the daemon and the mount started
 * together) cannot see each other's half-made repository. */
static int open_repository(git_repository **out, const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int empty = 1, error = 0;

	if (!d)
		return ws_error_set(WS_ERROR, "cannot open store '%s': %s",
				    root, strerror(errno));
	while (flock(dirfd(d), LOCK_EX) < 0 && errno == EINTR)
		;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	if (empty)
		error = create_repository(out, root);
	else if (git_repository_open_bare(out, root) < 0)
		error = ws_error__git(WS_ERROR, "opening store");
	closedir(d); /* releases the lock */
	return error;
}

/*
 * libgit2 keeps every pack it has seen in its list, even once deleted, and
 * retries opening the gone ones on every miss. Whoever deletes packs (a
 * merge, gc) makes wasmstore/packs-gone one byte longer; a handle that
 * sees a new length reopens its object database.
 */
static off_t packs_gone_length(const char *root)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/wasmstore/packs-gone", root);
	return stat(path, &st) == 0 ? st.st_size : 0;
}

void ws_store__packs_deleted(const char *root)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/wasmstore/packs-gone", root);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) >= 0) {
		if (write(fd, "x", 1) < 0) {
			/* then handles keep the gone packs a while longer */
		}
		close(fd);
	}
}

static int replace_odb(ws_store *store, int old_in_background);

int ws_store__refresh_odb(ws_store *store)
{
	char objects[PATH_MAX + 16];
	int batch = store->objbatch != NULL, error;

	if (packs_gone_length(store->root) == store->packs_gone)
		return 0;
	/* never while a batch holds objects: they live in the old database */
	if (batch && ws_objbatch_count(store->objbatch) > 0)
		return 0;
	store->objbatch = NULL; /* goes with the old database */
	/* it holds the last references to the deleted packs: letting go of
	 * them is the upkeep thread's wait, not ours */
	if ((error = replace_odb(store, 1)) < 0 || !batch)
		return error;
	snprintf(objects, sizeof(objects), "%s/objects", store->root);
	return ws_objbatch_attach(&store->objbatch, store->repo, objects);
}

/*
 * Replaces the default object database with the same two backends (packs,
 * loose objects) but with fast zlib compression: wasm barely compresses,
 * and level 6 costs several times level 1 on every write. The old one is
 * freed by the upkeep thread when `old_in_background`.
 */
static int replace_odb(ws_store *store, int old_in_background)
{
	git_repository *repo = store->repo;
	const char *root = store->root;
	git_odb *odb = NULL, *old = NULL;
	git_odb_backend *loose = NULL, *packs = NULL;
	char objects[PATH_MAX + 16];
	int error = 0;

	store->packs_gone = packs_gone_length(root);
	snprintf(objects, sizeof(objects), "%s/objects", root);
	if (old_in_background && git_repository_odb(&old, repo) < 0)
		old = NULL;
	if (git_odb_new(&odb) < 0 ||
	    git_odb_backend_pack(&packs, objects) < 0 ||
	    git_odb_add_backend(odb, packs, 1) < 0 ||
	    (packs = NULL,
	     git_odb_backend_loose(&loose, objects, 1, 0, 0, 0) < 0) ||
	    git_odb_add_backend(odb, loose, 2) < 0 ||
	    (loose = NULL, git_repository_set_odb(repo, odb) < 0))
		error = ws_error__git(WS_ERROR, "opening object database");
	if (packs)
		packs->free(packs);
	if (loose)
		loose->free(loose);
	git_odb_free(odb);
	ws_upkeep__free_odb(old);
	return error;
}

int ws_store__open_odb(ws_store *store)
{
	return replace_odb(store, 0);
}

void ws__init(void)
{
	pthread_once(&init_once, init_libgit2);
}

static int open_store(ws_store **out, const char *root, int join)
{
	ws_store *store = NULL;
	char *path = NULL, abs[PATH_MAX];
	int error;

	*out = NULL;
	ws__init();
	if (!root || !*root)
		return ws_error_set(WS_EINPUT, "no store root given");
	if ((error = ws__mkdir_p(root)) < 0)
		return error;
	if (!realpath(root, abs))
		return ws_error_set(WS_ERROR, "cannot resolve '%s': %s", root,
				    strerror(errno));
	if (!(store = calloc(1, sizeof(*store))) ||
	    !(store->root = strdup(abs)) ||
	    !(store->author = strdup("wasmstore"))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	store->max_module_size = WS_DEFAULT_MAX_MODULE_SIZE;
	store->gc_lock_fd = -1;
	if ((error = open_repository(&store->repo, abs)) < 0 ||
	    (error = ws_store__open_odb(store)) < 0)
		goto done;
	if (!(path = malloc(strlen(abs) + 64))) {
		error = ws_error_set(WS_ERROR, "out of memory");
		goto done;
	}
	sprintf(path, "%s/wasmstore/raw", abs);
	if ((error = ws__mkdir_p(path)) < 0)
		goto done;
	sprintf(path, "%s/wasmstore/tmp", abs);
	if ((error = ws__mkdir_p(path)) < 0)
		goto done;
	sprintf(path, "%s/wasmstore/index", abs);
	if ((error = ws_hashindex_open(&store->index, path)) < 0)
		goto done;
	if (join && (error = ws_commitqueue__join(&store->queue, abs)) < 0)
		goto done;
	*out = store;
	store = NULL;
done:
	free(path);
	ws_store_free(store);
	return error;
}

int ws_store_open(ws_store **out, const char *root)
{
	return open_store(out, root, 1);
}

int ws_store__open_private(ws_store **out, const char *root)
{
	return open_store(out, root, 0);
}

void ws_store_free(ws_store *store)
{
	if (!store)
		return;
	/* a merge this process started finishes before it may exit */
	ws_upkeep__drain();
	ws_commitqueue__leave(store->queue);
	ws_hashindex_free(store->index);
	if (store->gc_lock_fd >= 0)
		close(store->gc_lock_fd);
	git_repository_free(store->repo);
	free(store->member_blobs);
	free(store->root);
	free(store->author);
	free(store);
}

const char *ws_store_root(const ws_store *store)
{
	return store->root;
}

int ws_store_set_author(ws_store *store, const char *author)
{
	char *copy;

	if (!author || !*author || strpbrk(author, "<>\n\r"))
		return ws_error_set(WS_EINPUT, "invalid author '%s'",
				    author ? author : "");
	if (!(copy = strdup(author)))
		return ws_error_set(WS_ERROR, "out of memory");
	free(store->author);
	store->author = copy;
	return 0;
}

void ws_store_set_max_module_size(ws_store *store, size_t max)
{
	store->max_module_size = max;
}

int ws_store__refname(char **out, ws_store *store, const char *branch)
{
	char *name = NULL;
	int error;

	*out = NULL;
	if (!branch) {
		if ((error = ws_branch_default(&name, store)) < 0)
			return error;
		branch = name;
	} else if ((error = ws_branch_name_check(branch)) < 0) {
		return error;
	}
	if (!(*out = malloc(strlen(branch) + sizeof("refs/heads/"))))
		error = ws_error_set(WS_ERROR, "out of memory");
	else
		sprintf(*out, "refs/heads/%s", branch);
	free(name);
	return error;
}

int ws_store__branch_head(git_commit **out, ws_store *store,
			  const char *branch)
{
	char *refname = NULL;
	git_oid id;
	int error;

	*out = NULL;
	if ((error = ws_store__refname(&refname, store, branch)) < 0 ||
	    (error = ws_store__refresh_odb(store)) < 0) {
		free(refname);
		return error;
	}
	error = git_reference_name_to_id(&id, store->repo, refname);
	if (error == GIT_ENOTFOUND) {
		error = 0;
	} else if (error < 0) {
		error = ws_error__git(WS_ERROR, "reading branch");
	} else if (ws_store__head_commit(out, store, &id) < 0) {
		error = ws_error__git(WS_ERROR, "reading branch head");
	}
	free(refname);
	return error;
}

/*
 * A commit a ref names exists, but may have moved: a merge elsewhere
 * writes it into a new pack and deletes the old one. libgit2 looks at the
 * pack directory once again on a miss; if that look fell between the two,
 * the commit seems gone. Look again (the new pack is complete before the
 * old one goes).
 */
int ws_store__head_commit(git_commit **out, ws_store *store, const git_oid *id)
{
	int rc = git_commit_lookup(out, store->repo, id);

	for (int i = 0; rc == GIT_ENOTFOUND && i < 3; i++) {
		git_odb *odb = NULL;
		if (git_repository_odb(&odb, store->repo) == 0) {
			git_odb_refresh(odb);
			git_odb_free(odb);
		}
		rc = git_commit_lookup(out, store->repo, id);
	}
	return rc;
}

int ws_store__head(git_commit **out, ws_store *store, const char *branch)
{
	int error = ws_store__branch_head(out, store, branch);

	/* reads may name a commit instead of a branch (time travel) */
	if (!error && !*out && branch && strlen(branch) == GIT_OID_HEXSZ &&
	    strspn(branch, "0123456789abcdef") == GIT_OID_HEXSZ) {
		error = ws_store__lookup_commit(out, store, branch);
		if (error == WS_ENOTFOUND)
			error = 0;
	}
	return error;
}

int ws_store__lookup_commit(git_commit **out, ws_store *store,
			    const char *hex)
{
	git_oid id;

	*out = NULL;
	if (!hex || strlen(hex) != GIT_OID_HEXSZ ||
	    git_oid_fromstr(&id, hex) < 0)
		return ws_error_set(WS_EINPUT, "invalid hash");
	if (git_commit_lookup(out, store->repo, &id) < 0)
		return ws_error_set(WS_ENOTFOUND, "commit not found");
	return 0;
}

int ws_store__sync_objects(ws_store *store)
{
	return ws__syncfs(store->root);
}

int ws__syncfs(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return ws_error_set(WS_ERROR, "opening '%s': %s", root,
				    strerror(errno));
	rc = syncfs(fd);
	close(fd);
	if (rc < 0)
		return ws_error_set(WS_ERROR, "syncing store: %s",
				    strerror(errno));
	return 0;
}

int ws__sha256_blob(unsigned char sha[32], const void *data, size_t len)
{
	unsigned int n = 32;

	if (!EVP_Digest(data, len, sha, &n, EVP_sha256(), NULL))
		return ws_error_set(WS_ERROR, "sha256 failed");
	return 0;
}

int ws_store__blob_hash(char out[WS_HASH_HEXSIZE + 1], ws_store *store,
			const git_oid *blob)
{
	unsigned char sha[32];
	git_blob *b = NULL;
	int error;

	error = ws_hashindex_hash_of(sha, store->index, blob);
	if (error == WS_ENOTFOUND) {
		/* written by someone who bypassed us (git push): compute */
		if (git_blob_lookup(&b, store->repo, blob) < 0)
			return ws_error__git(WS_ERROR, "reading module");
		error = ws__sha256_blob(sha, git_blob_rawcontent(b),
					(size_t)git_blob_rawsize(b));
		if (!error)
			error = ws_hashindex_add(store->index, blob, sha);
		git_blob_free(b);
	}
	if (error < 0)
		return error;
	ws__hex(out, sha, 32);
	return 0;
}

int ws_store__hash_blob(git_oid *blob, char lower[WS_HASH_HEXSIZE + 1],
			ws_store *store, const char *hash)
{
	unsigned char sha[32];

	if (ws__unhex(sha, hash, 32) < 0)
		return ws_error_set(WS_EINPUT, "invalid hash");
	ws__hex(lower, sha, 32);
	if (ws_hashindex_blob_of(blob, store->index, sha) < 0)
		return ws_error_set(WS_ENOTFOUND, "module '%s' not found", lower);
	return 0;
}

static int index_one(const char *root, const git_tree_entry *entry,
		     void *payload)
{
	char hex[WS_HASH_HEXSIZE + 1];

	(void)root;
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	return ws_store__blob_hash(hex, payload, git_tree_entry_id(entry)) < 0
		       ? -1
		       : 0;
}

int ws_store__index_tree(ws_store *store, git_tree *tree)
{
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, index_one, store) < 0)
		return *ws_error_last() ? WS_ERROR
					: ws_error__git(WS_ERROR, "indexing");
	return 0;
}

/*
 * Asks a fresh object database: a long-lived handle may still answer from
 * its cache, or from a pack it keeps open that another process's gc has
 * deleted since. Only set and restore ask, so the cost (one look at the
 * pack directory) does not matter.
 */
int ws_store__object_exists(ws_store *store, const git_oid *id)
{
	char objects[PATH_MAX + 16];
	git_odb *odb = NULL;
	int found;

	if (store->objbatch && ws_objbatch_holds(store->objbatch, id))
		return 1; /* written by this batch, not yet flushed */
	snprintf(objects, sizeof(objects), "%s/objects", store->root);
	if (git_odb_open(&odb, objects) < 0)
		return 0;
	found = git_odb_exists(odb, id);
	git_odb_free(odb);
	return found;
}

int ws_store__put(ws_store *store, git_oid *out, git_object_t type,
		  const void *data, size_t len)
{
	git_odb *odb = NULL;
	int error = 0;

	if (store->objbatch)
		return ws_objbatch_put(store->objbatch, out, type, data, len);
	if (git_repository_odb(&odb, store->repo) < 0 ||
	    git_odb_write(out, odb, data, len, type) < 0)
		error = ws_error__git(WS_ERROR, "writing an object");
	git_odb_free(odb);
	return error;
}

int ws_store__lock(ws_store *store, int exclusive)
{
	if (store->gc_lock_depth++ > 0)
		return 0;
	if (store->gc_lock_fd < 0) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/wasmstore/gc.lock", store->root);
		store->gc_lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	}
	while (store->gc_lock_fd < 0 ||
	       flock(store->gc_lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (store->gc_lock_fd >= 0 && errno == EINTR)
			continue;
		store->gc_lock_depth--;
		return ws_error_set(WS_ERROR, "locking store: %s",
				    strerror(errno));
	}
	return 0;
}

void ws_store__unlock(ws_store *store)
{
	if (--store->gc_lock_depth == 0)
		flock(store->gc_lock_fd, LOCK_UN);
}
