/* cmd_list.c - wasmstore list [PATH]: "<hash>\t/<path>" per module. */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "list [PATH]", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Prints every module at or below PATH (default: all), in path order,\n"
		"one line each: the hash, a tab, and the path starting with /.",
	.min_args = 0,
	.max_args = 1,
};

static int print_module(const char *path, const char *hash, void *payload)
{
	(void)payload;
	printf("%s\t/%s\n", hash, path);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_module_list(store, cli_branch(), args.n ? args.v[0] : NULL,
			    print_module, NULL);
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
