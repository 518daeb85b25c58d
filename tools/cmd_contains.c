/* cmd_contains.c - wasmstore contains PATH|HASH: print true or false. */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "contains PATH|HASH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Prints true if there is a module at PATH, or a path holding the\n"
		"module with hash HASH, else false. Exits 0 either way.",
	.min_args = 1,
	.max_args = 1,
};

int cmd_contains(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_module_contains(store, cli_branch(), args.v[0]);
	if (rc < 0) {
		rc = cli_error_lib(rc);
	} else {
		puts(rc ? "true" : "false");
		rc = CLI_EXIT_OK;
	}
	ws_store_free(store);
	return rc;
}
