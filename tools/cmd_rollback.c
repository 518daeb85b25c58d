/* cmd_rollback.c - wasmstore rollback [PATH]: undo the last change. */
#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "rollback [PATH]", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Undoes the last change: the whole tree goes back to the state before\n"
		"the head commit, or PATH goes back to its state before its last\n"
		"change. The undo is itself a new commit.",
	.min_args = 0,
	.max_args = 1,
};

int cmd_rollback(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_rollback(store, cli_branch(), args.n ? args.v[0] : NULL);
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
