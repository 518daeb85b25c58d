/* error.c - the per-thread "last error" message (libgit2's giterr model). */
#include "store.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[1024];

const char *ws_error_last(void)
{
	return last_error;
}

int ws_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return code;
}

int ws_error__git(int code, const char *what)
{
	const git_error *e = git_error_last();

	return ws_error_set(code, "%s: %s", what,
			    e && e->message ? e->message : "unknown git error");
}

void ws_error__clear(void)
{
	last_error[0] = '\0';
}
