/* cmd_audit.c - wasmstore audit PATH: the commits that changed a path. */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "date.h"
#include "error.h"

static const char *const usage[] = { "audit PATH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Prints every commit that changed PATH, newest first, one line each:\n"
		"the date, the author and the commit hash, separated by tabs.",
	.min_args = 1,
	.max_args = 1,
};

static int print_commit(const ws_commit_info *info, void *payload)
{
	char date[CLI_DATE_SIZE];

	(void)payload;
	cli_format_date(date, info->date);
	printf("%s\t%s\t%s\n", date, info->author, info->hash);
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_audit(store, cli_branch(), args.v[0], print_commit, NULL);
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
