/*
 * common.h - what every wasmstore subcommand shares: option parsing (global
 * options are accepted before or after the subcommand), --help, opening the
 * store, and checked output.
 */
#ifndef CLI_COMMON_H
#define CLI_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "wasmstore.h"

/* One command-specific option. */
enum cli_opt_kind {
	CLI_OPT_FLAG,  /* value: int *, set to 1 */
	CLI_OPT_VALUE, /* value: const char **, the option's argument */
};

struct cli_opt {
	const char *name; /* long name without "--"; NULL ends a table */
	char alias;       /* short name, or 0 */
	enum cli_opt_kind kind;
	void *value;
	const char *value_name; /* for help: "N", "DIR" */
	const char *help;
};

/* What a command accepts, and what its --help says. */
struct cli_spec {
	const char *const *usage; /* synopsis lines after "wasmstore "; NULL ends */
	const char *description;  /* one paragraph, already wrapped */
	const struct cli_opt *opts; /* may be NULL */
	int min_args, max_args;   /* positional arguments; max -1: any */
	/* The first positional argument ends option parsing (watch COMMAND). */
	int stop_at_first_arg;
	/* Printed at the end of --help (the command table of main). */
	void (*help_extra)(FILE *out);
};

/* Positional arguments left after parsing. */
struct cli_args {
	char **v;
	int n;
};

/* Returned by cli_parse when the command should go on. */
#define CLI_CONTINUE (-1)

/*
 * Parses argv (argv[0] is the command's name) against `spec` plus the global
 * options. Positional arguments end up in `out` (pointing into argv, which
 * is reordered). Returns CLI_CONTINUE, or the exit status the command must
 * return at once: after --help (0) or a usage error (2, message printed).
 */
int cli_parse(struct cli_args *out, int argc, char **argv,
	      const struct cli_spec *spec);

/* Prints "error: <fmt...>" and the command's usage; returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void cli_print_help(FILE *out, const struct cli_spec *spec);

/* Global options, after the environment: NULL when unset. */
const char *cli_root(void); /* NULL: ws_store_default_root() */
const char *cli_branch(void);
const char *cli_author(void);

/* Opens the store with the global options applied. Returns 0, or the exit
 * status to return (message printed). */
int cli_store_open(ws_store **out);

/* Parses a non-negative decimal number. 0, or -1 if `s` is not one. */
int cli_parse_count(size_t *out, const char *s);

/* Writes all of buf to fd, retrying short writes. 0 or -1 (errno set). */
int cli_write_all(int fd, const void *buf, size_t len);

/* The path as the reference printed it: "/" + normalized path. Returns 0,
 * or the exit status for a malformed path (message printed). Caller frees. */
int cli_display_path(char **out, const char *path);

#endif
