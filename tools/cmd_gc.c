/* cmd_gc.c - wasmstore gc: squash history, delete what nothing reaches. */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "gc", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Squashes the branch's history into one commit, deletes every object\n"
		"no branch reaches any more, and prints how many were deleted. Older\n"
		"commits of the branch can no longer be restored afterwards.",
	.min_args = 0,
	.max_args = 0,
};

int cmd_gc(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	size_t deleted = 0;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_gc(&deleted, store, cli_branch());
	if (rc < 0)
		rc = cli_error_lib(rc);
	else
		printf("%zu\n", deleted);
	ws_store_free(store);
	return rc;
}
