/* cmd_branch.c - wasmstore branch: create, delete or list branches. */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static int opt_delete, opt_list;

static const char *const usage[] = {
	"branch NAME",
	"branch --delete NAME",
	"branch --list",
	NULL,
};

static const struct cli_opt opts[] = {
	{ "delete", 0, CLI_OPT_FLAG, &opt_delete, NULL, "delete branch NAME" },
	{ "list", 0, CLI_OPT_FLAG, &opt_list, NULL,
	  "print every branch, one per line" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Creates branch NAME as a copy of the branch given with --branch, or\n"
		"of the default branch; or deletes it; or lists the branches.",
	.opts = opts,
	.min_args = 0,
	.max_args = 1,
};

static int print_name(const char *name, void *payload)
{
	(void)payload;
	printf("%s\n", name);
	return 0;
}

int cmd_branch(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if (opt_list && (opt_delete || args.n))
		return cli_usage_error(&spec, "--list takes no other argument");
	if (!opt_list && !args.n)
		return cli_usage_error(&spec, "missing argument");
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	if (opt_list)
		rc = ws_branch_list(store, print_name, NULL);
	else if (opt_delete)
		rc = ws_branch_delete(store, args.v[0]);
	else
		rc = ws_branch_create(store, args.v[0], cli_branch());
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
