/* cmd_version.c - wasmstore version N PATH: one entry of versions. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "version N PATH", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Prints version N (counting from 0, oldest first) of PATH, as one line\n"
		"of versions.",
	.min_args = 2,
	.max_args = 2,
};

struct wanted {
	size_t index;
	int found;
};

static int print_if_wanted(size_t index, const char *hash, const char *commit,
			   void *payload)
{
	struct wanted *w = payload;

	if (index != w->index)
		return 0;
	printf("%s\tcommit: %s\n", hash, commit);
	w->found = 1;
	return 1; /* stop the walk */
}

int cmd_version(int argc, char **argv)
{
	struct wanted w = { 0, 0 };
	struct cli_args args;
	ws_store *store = NULL;
	char *shown = NULL;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if (cli_parse_count(&w.index, args.v[0]) < 0)
		return cli_usage_error(&spec, "invalid version number '%s'",
				       args.v[0]);
	if ((rc = cli_display_path(&shown, args.v[1])) != CLI_EXIT_OK)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		goto done;
	rc = ws_versions(store, cli_branch(), args.v[1], print_if_wanted, &w);
	if (rc < 0 && rc != WS_ENOTFOUND) {
		rc = cli_error_lib(rc);
	} else if (!w.found) {
		/* The reference's wording, kept for scripts that match it. */
		fprintf(stderr, "ERROR version %zu does not exist for %s\n",
			w.index, shown);
		rc = CLI_EXIT_NOTFOUND;
	} else {
		rc = CLI_EXIT_OK;
	}
done:
	ws_store_free(store);
	free(shown);
	return rc;
}
