/* cmd_hash.c - wasmstore hash PATH: print the hash of a module. */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "hash PATH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Prints the hash of the module at PATH. Exits 1 without a message\n"
		"when there is none.",
	.min_args = 1,
	.max_args = 1,
};

int cmd_hash(int argc, char **argv)
{
	struct cli_args args;
	ws_module_info info;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_module_stat(&info, store, cli_branch(), args.v[0]);
	if (rc == WS_ENOTFOUND)
		rc = cli_exit_status(rc); /* silent, as the reference */
	else if (rc < 0)
		rc = cli_error_lib(rc);
	else
		printf("%s\n", info.hash);
	ws_store_free(store);
	return rc;
}
