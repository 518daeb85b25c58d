/*
 * error.h - exit statuses and error messages of the wasmstore CLI.
 *
 * Every command returns one of the CLI_EXIT_* statuses; library return codes
 * become statuses in exactly one place (cli_exit_status). Messages go to
 * stderr as "error: ..." with the subject quoted.
 */
#ifndef CLI_ERROR_H
#define CLI_ERROR_H

/* Documented in man/wasmstore.1, EXIT STATUS. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_NOTFOUND = 1, /* no such module, path, commit, branch, version */
	CLI_EXIT_USAGE = 2,    /* bad command line or malformed argument */
	CLI_EXIT_REJECTED = 3, /* invalid module, too big, exists, conflict */
	CLI_EXIT_FAILURE = 4,  /* anything else: I/O, git, out of memory */
};

/* The exit status for a library return code (WS_OK, WS_E*). */
int cli_exit_status(int ws_code);

/* The exit status for a return of ws_daemon_main (daemon/daemon.h). */
int cli_exit_status_of_daemon(int daemon_status);

/* Prints "error: <fmt...>" to stderr and returns `status`. */
int cli_error(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "error: <ws_error_last()>" and returns the status for `ws_code`. */
int cli_error_lib(int ws_code);

/* Prints "warning: <fmt...>" to stderr. */
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
