/*
 * refcas.c - moves a branch ref by compare-and-swap, with git's own lock
 * protocol: create "<ref>.lock" exclusively, check the current value,
 * write the new one into the lock, rename it over the ref.
 *
 * libgit2 does the same, plus what a commit does not need: it looks the
 * target object up (a pack we just wrote is new to it, so it rescans
 * objects/pack), re-reads the config files and the ref several times.
 * That was a quarter of an add's time. Whatever is unusual goes to
 * libgit2: a packed or missing ref, a symbolic one, and every ref when
 * core.logAllRefUpdates asks for reflogs (libgit2 writes them then; in a
 * bare repository it is off by default and libgit2 writes none).
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* 1: moved; 0: it no longer holds `old`; 2: locked by another writer;
 * <0: error. */
static int cas_libgit2(ws_store *store, const char *refname,
		       const git_oid *new, const git_oid *old,
		       const char *message)
{
	git_reference *ref = NULL;
	int rc = git_reference_create_matching(&ref, store->repo, refname, new,
					       1, old, message);

	git_reference_free(ref);
	if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS)
		return 0;
	if (rc == GIT_ELOCKED)
		return 2;
	if (rc < 0)
		return ws_error__git(WS_ERROR, "updating branch");
	return 1;
}

/* The loose ref's value: 1 read, 0 not a plain loose ref (absent,
 * symbolic, unreadable), -1 garbage. */
static int read_loose(git_oid *out, const char *path)
{
	char buf[GIT_OID_HEXSZ + 2];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < GIT_OID_HEXSZ)
		return n >= 5 && !memcmp(buf, "ref: ", 5) ? 0 : -1;
	if (!memcmp(buf, "ref: ", 5))
		return 0;
	if (git_oid_fromstrn(out, buf, GIT_OID_HEXSZ) < 0)
		return -1;
	return 1;
}

/* 1 if libgit2 would write a reflog for a branch (read once per handle). */
static int logs_refs(ws_store *store)
{
	git_config *cfg = NULL;
	git_config_entry *e = NULL;
	int on = !git_repository_is_bare(store->repo);

	if (store->ref_logs)
		return store->ref_logs == 2;
	/* "always" or a boolean; what libgit2 cannot parse, it does not skip */
	if (git_repository_config_snapshot(&cfg, store->repo) == 0 &&
	    git_config_get_entry(&e, cfg, "core.logAllRefUpdates") == 0 &&
	    e->value &&
	    (!strcasecmp(e->value, "always") ||
	     git_config_parse_bool(&on, e->value) < 0))
		on = 1;
	git_config_entry_free(e);
	git_config_free(cfg);
	store->ref_logs = on ? 2 : 1;
	return on;
}

int ws_store__ref_cas(ws_store *store, const char *refname,
		      const git_oid *new, const git_oid *old,
		      const char *message)
{
	char path[PATH_MAX], lock[PATH_MAX + 8], line[GIT_OID_HEXSZ + 1];
	git_oid cur;
	int fd, rc;

	if (git_oid_is_zero(old) || logs_refs(store))
		return cas_libgit2(store, refname, new, old, message);
	snprintf(path, sizeof(path), "%s/%s", store->root, refname);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	if ((fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0) {
		if (errno == EEXIST)
			return 2;
		return cas_libgit2(store, refname, new, old, message);
	}
	rc = read_loose(&cur, path);
	if (rc <= 0) {
		/* packed, symbolic or odd: libgit2 knows them all */
		close(fd);
		unlink(lock);
		return cas_libgit2(store, refname, new, old, message);
	}
	if (!git_oid_equal(&cur, old)) {
		close(fd);
		unlink(lock);
		return 0;
	}
	git_oid_tostr(line, sizeof(line), new);
	line[GIT_OID_HEXSZ] = '\n';
	rc = write(fd, line, sizeof(line)) == (ssize_t)sizeof(line) ? 0 : -1;
	if (close(fd) < 0 || rc < 0 || rename(lock, path) < 0) {
		int error = ws_error_set(WS_ERROR, "updating branch: %s: %s",
					 refname, strerror(errno));
		unlink(lock);
		return error;
	}
	return 1;
}
