/* cmd_merge.c - wasmstore merge BRANCH: into the current branch. */
#include <stdio.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "merge BRANCH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Merges BRANCH into the current branch (--branch, or the default):\n"
		"a fast-forward when possible, else a merge commit. On a conflict\n"
		"nothing changes; each conflicting path is named on stderr.",
	.min_args = 1,
	.max_args = 1,
};

static int report_conflict(const char *path, void *payload)
{
	(void)payload;
	fprintf(stderr, "conflict: '/%s'\n", path);
	return 0;
}

int cmd_merge(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_merge(store, cli_branch(), args.v[0], report_conflict, NULL);
	if (rc < 0)
		rc = cli_error_lib(rc);
	ws_store_free(store);
	return rc;
}
