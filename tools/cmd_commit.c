/* cmd_commit.c - wasmstore commit HASH: a commit's info as JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "commit HASH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Prints the commit HASH (40 hex digits) as pretty JSON: hash,\n"
		"parents, author, date (unix seconds) and message.",
	.min_args = 1,
	.max_args = 1,
};

int cmd_commit(int argc, char **argv)
{
	ws_commit_info *info = NULL;
	struct cli_args args;
	ws_store *store = NULL;
	char *json = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_commit_lookup(&info, store, args.v[0]);
	if (rc < 0) {
		rc = cli_error_lib(rc);
	} else if (!(json = ws_commit_info_json(info, 1))) {
		rc = cli_error(CLI_EXIT_FAILURE, "out of memory");
	} else {
		printf("%s\n", json);
		rc = CLI_EXIT_OK;
	}
	free(json);
	ws_commit_info_free(info);
	ws_store_free(store);
	return rc;
}
