/* error.c - the one mapping from library codes to exit statuses. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

#include "wasmstore.h"

int cli_exit_status(int ws_code)
{
	switch (ws_code) {
	case WS_OK:
		return CLI_EXIT_OK;
	case WS_ENOTFOUND:
		return CLI_EXIT_NOTFOUND;
	case WS_EINPUT:
		return CLI_EXIT_USAGE;
	case WS_EINVALID:
	case WS_ETOOBIG:
	case WS_EEXISTS:
	case WS_ECONFLICT:
		return CLI_EXIT_REJECTED;
	default:
		return CLI_EXIT_FAILURE;
	}
}

int cli_exit_status_of_daemon(int daemon_status)
{
	switch (daemon_status) {
	case 0:
		return CLI_EXIT_OK;
	case 2:
		return CLI_EXIT_USAGE;
	default: /* 1: the server could not start */
		return CLI_EXIT_FAILURE;
	}
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_error(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return status;
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

int cli_error_lib(int ws_code)
{
	const char *msg = ws_error_last();

	return cli_error(cli_exit_status(ws_code), "%s",
			 msg && *msg ? msg : "unknown failure");
}
