/* cmd_remove.c - wasmstore remove PATH|HASH. */
#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "remove PATH|HASH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Removes the module at PATH, or every path holding the module with\n"
		"hash HASH, in one commit.",
	.min_args = 1,
	.max_args = 1,
};

int cmd_remove(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_module_remove(store, cli_branch(), args.v[0]);
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
