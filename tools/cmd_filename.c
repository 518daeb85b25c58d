/* cmd_filename.c - wasmstore filename PATH|HASH: where the bytes are. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "filename PATH|HASH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Prints the name of the file holding the raw bytes of the module at\n"
		"PATH or with hash HASH. Exits 1 without a message when there is\n"
		"none. The file belongs to the store: read it, never change it.",
	.min_args = 1,
	.max_args = 1,
};

int cmd_filename(int argc, char **argv)
{
	struct cli_args args;
	ws_store *store = NULL;
	char *filename = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	rc = ws_module_filename(&filename, store, cli_branch(), args.v[0]);
	if (rc == WS_ENOTFOUND)
		rc = cli_exit_status(rc); /* silent, as the reference */
	else if (rc < 0)
		rc = cli_error_lib(rc);
	else
		printf("%s\n", filename);
	free(filename);
	ws_store_free(store);
	return rc;
}
