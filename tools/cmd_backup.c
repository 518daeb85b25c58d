/*
 * cmd_backup.c - wasmstore backup FILE.tar.gz: the whole root, with tar.
 *
 * The refs are archived before the objects: objects are immutable and only
 * ever added (gc aside), so every commit a ref in the archive names has its
 * objects in the archive too, even while others write to the store.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "backup FILE.tar.gz", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Archives the whole store (every branch and all history) into a\n"
		"gzip'd tar file. Extracting it into an empty directory gives a\n"
		"working store.",
	.min_args = 1,
	.max_args = 1,
};

/* Archived first, in this order. */
static const char *const first[] = { "HEAD", "config", "packed-refs", "refs" };

static int rank(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		if (!strcmp(name, first[i]))
			return (int)i;
	return (int)i;
}

static int by_rank(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int rx = rank(x + 2), ry = rank(y + 2); /* skip "./" */

	return rx != ry ? rx - ry : strcmp(x, y);
}

/* "./name" for every entry of dir, in archive order; NULL-terminated. */
static char **list_members(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n + 1 >= cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 16) *
						       sizeof(*v));
			if (!nv)
				goto fail;
			v = nv;
		}
		if (!(v[n] = malloc(strlen(e->d_name) + 3)))
			goto fail;
		sprintf(v[n++], "./%s", e->d_name);
	}
	closedir(d);
	if (!v)
		v = calloc(1, sizeof(*v));
	if (v) {
		qsort(v, n, sizeof(*v), by_rank);
		v[n] = NULL;
	}
	*count = n;
	return v;
fail:
	while (n > 0)
		free(v[--n]);
	free(v);
	closedir(d);
	return NULL;
}

static int run_tar(const char *root, const char *output, char **members,
		   size_t count)
{
	char **argv = calloc(count + 8, sizeof(*argv));
	size_t i, n = 0;
	int status;
	pid_t pid;

	if (!argv)
		return cli_error(CLI_EXIT_FAILURE, "out of memory");
	argv[n++] = "tar";
	argv[n++] = "--exclude=*.lock"; /* a writer's lock must not come back */
	argv[n++] = "-C";
	argv[n++] = (char *)root;
	argv[n++] = "-czf";
	argv[n++] = (char *)output;
	argv[n++] = "--";
	for (i = 0; i < count; i++)
		argv[n++] = members[i];
	argv[n] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "error: unable to run 'tar': %s\n",
			strerror(errno));
		_exit(127);
	}
	free(argv);
	if (pid < 0)
		return cli_error(CLI_EXIT_FAILURE, "unable to fork: %s",
				 strerror(errno));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli_error(CLI_EXIT_FAILURE, "waitpid: %s",
					 strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return cli_error(CLI_EXIT_FAILURE, "unable to write '%s'",
				 output);
	if (WEXITSTATUS(status) == 1) /* GNU tar: a file changed meanwhile */
		cli_warning("the store changed while '%s' was written", output);
	return CLI_EXIT_OK;
}

/* The archive's name made absolute: tar -C changes directory. */
static char *absolute(const char *path)
{
	char cwd[4096], *out;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	out = malloc(strlen(cwd) + strlen(path) + 2);
	if (out)
		sprintf(out, "%s/%s", cwd, path);
	return out;
}

int cmd_backup(int argc, char **argv)
{
	char *root = NULL, *output = NULL, **members = NULL;
	struct cli_args args;
	ws_store *store = NULL;
	size_t count = 0, i;
	struct stat st;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	root = cli_root() ? strdup(cli_root()) : ws_store_default_root();
	if (!root)
		return cli_error(CLI_EXIT_FAILURE, "no store root");
	/* Opening would create a store; there is nothing to back up. */
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = cli_error(CLI_EXIT_NOTFOUND, "no store at '%s'", root);
		goto done;
	}
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		goto done; /* not a store */
	if (!(output = absolute(args.v[0]))) {
		rc = cli_error(CLI_EXIT_FAILURE, "out of memory");
		goto done;
	}
	if (!(members = list_members(ws_store_root(store), &count))) {
		rc = cli_error(CLI_EXIT_FAILURE, "unable to read '%s': %s",
			       ws_store_root(store), strerror(errno));
		goto done;
	}
	rc = run_tar(ws_store_root(store), output, members, count);
done:
	for (i = 0; members && i < count; i++)
		free(members[i]);
	free(members);
	free(output);
	free(root);
	ws_store_free(store);
	return rc;
}
