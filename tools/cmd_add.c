/* cmd_add.c - wasmstore add FILE|- [PATH]: store a module, print its hash. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "add FILE|- [PATH]", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Validates the WebAssembly module in FILE (- reads stdin), stores it\n"
		"at PATH (default: FILE's base name) and prints its hash.",
	.min_args = 1,
	.max_args = 2,
};

/* The reference's text for a module that fails validation. */
static int invalid_module(void)
{
	fprintf(stderr, "ERROR %s\n", ws_error_last());
	return cli_exit_status(WS_EINVALID);
}

int cmd_add(int argc, char **argv)
{
	char hash[WS_HASH_HEXSIZE + 1], *base = NULL;
	const char *file, *path;
	struct cli_args args;
	ws_store *store = NULL;
	struct stat st;
	int fd = -1, rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	file = args.v[0];
	if (args.n == 2) {
		path = args.v[1];
	} else if (!strcmp(file, "-")) {
		return cli_usage_error(&spec, "PATH is required with -");
	} else {
		base = strdup(file);
		if (!base)
			return cli_error(CLI_EXIT_FAILURE, "out of memory");
		path = basename(base);
	}

	if (!strcmp(file, "-")) {
		fd = STDIN_FILENO;
	} else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = cli_error(CLI_EXIT_FAILURE, "unable to open '%s': %s", file,
			       strerror(errno));
		goto done;
	} else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = cli_error(CLI_EXIT_FAILURE, "unable to read '%s': %s", file,
			       strerror(EISDIR));
		goto done;
	}

	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		goto done;
	rc = ws_module_add_fd(hash, store, cli_branch(), path, fd);
	if (rc == WS_EINVALID)
		rc = invalid_module();
	else if (rc < 0)
		rc = cli_error_lib(rc);
	else
		printf("%s\n", hash);

done:
	if (fd > STDIN_FILENO)
		close(fd);
	ws_store_free(store);
	free(base);
	return rc;
}
