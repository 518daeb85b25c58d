/* cmd_export.c - wasmstore export -o DIR: every module as a plain file. */
#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *opt_output;

static const char *const usage[] = { "export -o DIR", NULL };

static const struct cli_opt opts[] = {
	{ "output", 'o', CLI_OPT_VALUE, &opt_output, "DIR",
	  "the directory to write to (created if missing)" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Writes every module of the branch under DIR, each at its path.",
	.opts = opts,
	.min_args = 0,
	.max_args = 0,
};

int cmd_export(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if (!opt_output || !*opt_output)
		return cli_usage_error(&spec, "missing -o DIR");
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_export(store, cli_branch(), opt_output);
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
