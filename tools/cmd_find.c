/* cmd_find.c - wasmstore find PATH|HASH: a module's bytes to stdout. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "find PATH|HASH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Writes the bytes of the module at PATH, or of the module with hash\n"
		"HASH, to stdout. Exits 1 without a message when there is none.",
	.min_args = 1,
	.max_args = 1,
};

static int copy_to_stdout(int fd)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_error(CLI_EXIT_FAILURE,
					 "unable to read the module: %s",
					 strerror(errno));
		if (cli_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
			return cli_error(CLI_EXIT_FAILURE,
					 "unable to write to stdout: %s",
					 strerror(errno));
	}
	return CLI_EXIT_OK;
}

int cmd_find(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int fd = -1, rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_module_open_raw(&fd, NULL, store, cli_branch(), args.v[0]);
	if (rc == WS_ENOTFOUND)
		rc = cli_exit_status(rc); /* silent, as the reference */
	else if (rc < 0)
		rc = cli_error_lib(rc);
	else
		rc = copy_to_stdout(fd);
	if (fd >= 0)
		close(fd);
	ws_store_free(store);
	return rc;
}
