/* cmd_snapshot.c - wasmstore snapshot: print the head commit. */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "snapshot", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description = "Prints the hash of the branch's head commit.",
	.min_args = 0,
	.max_args = 0,
};

int cmd_snapshot(int argc, char **argv)
{
	char commit[WS_COMMIT_HEXSIZE + 1];
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_snapshot(commit, store, cli_branch());
	if (rc < 0)
		rc = cli_error_lib(rc);
	else
		printf("%s\n", commit);
	ws_store_free(store);
	return rc;
}
