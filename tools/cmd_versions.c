/* cmd_versions.c - wasmstore versions PATH. */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "versions PATH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Prints every distinct module PATH has held, oldest first, one line\n"
		"each: the module hash, a tab, \"commit: \" and the commit that\n"
		"introduced it.",
	.min_args = 1,
	.max_args = 1,
};

static int print_version(size_t index, const char *hash, const char *commit,
			 void *payload)
{
	(void)index;
	(void)payload;
	printf("%s\tcommit: %s\n", hash, commit);
	return 0;
}

int cmd_versions(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_versions(store, cli_branch(), args.v[0], print_version, NULL);
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
