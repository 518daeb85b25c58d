/* cmd_restore.c - wasmstore restore COMMIT [PATH]. */
#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "restore COMMIT [PATH]", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Makes a new commit whose content is that of COMMIT, or in which only\n"
		"PATH takes its state at COMMIT (removed if absent there). Later\n"
		"commits stay in the history.",
	.min_args = 1,
	.max_args = 2,
};

int cmd_restore(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_restore(store, cli_branch(), args.v[0],
			args.n > 1 ? args.v[1] : NULL);
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
