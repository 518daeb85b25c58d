/*
 * cmd_server.c - wasmstore server [options]: the HTTP daemon of
 * wasmstore-server(1), run from this binary.
 *
 * The daemon parses its own argv (global options included); global options
 * given before "server" reach it through the environment (WASMSTORE_ROOT,
 * WASMSTORE_BRANCH, WASMSTORE_AUTHOR), which it reads when they are absent.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

#include "../daemon/daemon.h"

static const char *opt_host, *opt_port, *opt_auth, *opt_tls, *opt_auth_file,
	*opt_port_file, *opt_max_size, *opt_threads;
static int opt_cors, opt_quiet;

static const char *const usage[] = {
	"server [--host HOST] [--port PORT] [--auth KEYS] [--auth-file FILE] "
	"[--cors] [--tls KEY_FILE,CERT_FILE] [--port-file FILE] "
	"[--max-module-size BYTES] [--threads N] [--quiet]",
	NULL,
};

/* For --help and the checks below; the daemon parses them itself. */
static const struct cli_opt opts[] = {
	{ "host", 0, CLI_OPT_VALUE, &opt_host, "HOST",
	  "address to listen on (WASMSTORE_HOST, default 127.0.0.1)" },
	{ "port", 0, CLI_OPT_VALUE, &opt_port, "PORT",
	  "port to listen on (WASMSTORE_PORT, default 6384)" },
	{ "auth", 0, CLI_OPT_VALUE, &opt_auth, "KEYS",
	  "\"KEY:GET,POST;KEY2:GET\" (WASMSTORE_AUTH)" },
	{ "cors", 0, CLI_OPT_FLAG, &opt_cors, NULL,
	  "send Access-Control-Allow-Origin: *" },
	{ "tls", 0, CLI_OPT_VALUE, &opt_tls, "KEY_FILE,CERT_FILE",
	  "serve HTTPS (WASMSTORE_TLS)" },
	{ "auth-file", 0, CLI_OPT_VALUE, &opt_auth_file, "FILE",
	  "read the --auth keys from FILE (kept out of the process list)" },
	{ "port-file", 0, CLI_OPT_VALUE, &opt_port_file, "FILE",
	  "write the port listened on to FILE (useful with --port 0)" },
	{ "max-module-size", 0, CLI_OPT_VALUE, &opt_max_size, "BYTES",
	  "largest upload accepted, else 413 (default 256M)" },
	{ "threads", 0, CLI_OPT_VALUE, &opt_threads, "N",
	  "worker threads" },
	{ "quiet", 0, CLI_OPT_FLAG, &opt_quiet, NULL,
	  "no access log" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Runs the HTTP API of wasmstore-api(7) over the store until killed.\n"
		"See wasmstore-server(1).",
	.opts = opts,
	.min_args = 0,
	.max_args = 0,
};

static int export_env(const char *name, const char *value)
{
	if (value && setenv(name, value, 1) < 0)
		return cli_error(CLI_EXIT_FAILURE, "out of memory");
	return CLI_EXIT_OK;
}

int cmd_server(int argc, char **argv)
{
	struct cli_args args;
	char **copy;
	int rc, i;

	/* Parse a copy: cli_parse reorders argv, the daemon needs it intact. */
	copy = calloc((size_t)argc + 1, sizeof(*copy));
	if (!copy)
		return cli_error(CLI_EXIT_FAILURE, "out of memory");
	for (i = 0; i < argc; i++)
		copy[i] = argv[i];
	rc = cli_parse(&args, argc, copy, &spec);
	free(copy);
	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = export_env("WASMSTORE_ROOT", cli_root())) ||
	    (rc = export_env("WASMSTORE_BRANCH", cli_branch())) ||
	    (rc = export_env("WASMSTORE_AUTHOR", cli_author())))
		return rc;
	fflush(stdout);
	return cli_exit_status_of_daemon(ws_daemon_main(argc, argv));
}
