/* cmd_set.c - wasmstore set HASH PATH: point a path at a stored module. */
#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "set HASH PATH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Points PATH at the module with hash HASH, which must already be in\n"
		"the store.",
	.min_args = 2,
	.max_args = 2,
};

int cmd_set(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_module_set(store, cli_branch(), args.v[0], args.v[1]);
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
