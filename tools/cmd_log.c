/*
 * cmd_log.c - wasmstore log: the branch's history, git-log-like, in the
 * reference's format. -n and --skip count in the order shown (after
 * --reverse), and -n 0 means no limit, as in the reference.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "date.h"
#include "error.h"

static int opt_plain, opt_reverse;
static const char *opt_pager, *opt_count, *opt_skip;

static const char *const usage[] = {
	"log [--plain] [--pager CMD] [-n N] [--skip N] [--reverse]", NULL
};

static const struct cli_opt opts[] = {
	{ "plain", 0, CLI_OPT_FLAG, &opt_plain, NULL,
	  "never page the output" },
	{ "pager", 0, CLI_OPT_VALUE, &opt_pager, "CMD",
	  "pager for a terminal (default: $PAGER, pager)" },
	{ "max-count", 'n', CLI_OPT_VALUE, &opt_count, "N",
	  "show at most N commits (0: all)" },
	{ "skip", 0, CLI_OPT_VALUE, &opt_skip, "N",
	  "skip the first N commits" },
	{ "reverse", 0, CLI_OPT_FLAG, &opt_reverse, NULL,
	  "oldest first" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Shows the commits of the branch, newest first: \"commit <hash>\",\n"
		"\"Author: <name>\", \"Date: <date>\", a blank line, the message and\n"
		"another blank line.",
	.opts = opts,
	.min_args = 0,
	.max_args = 0,
};

struct entry {
	char hash[WS_COMMIT_HEXSIZE + 1];
	char *author, *message;
	int64_t date;
};

struct log_state {
	FILE *out;
	size_t skip, max, shown; /* max 0: no limit */
	int reverse;
	struct entry *saved;     /* --reverse: everything, newest first */
	size_t nsaved, cap;
};

static void print_entry(FILE *out, const char *hash, const char *author,
			int64_t date, const char *message)
{
	char when[CLI_DATE_SIZE];
	size_t len = strlen(message);

	while (len > 0 && message[len - 1] == '\n')
		len--; /* git keeps a final newline; the format adds its own */
	cli_format_date(when, date);
	fprintf(out, "commit %s\nAuthor: %s\nDate: %s\n\n%.*s\n\n", hash,
		author, when, (int)len, message);
}

/* Shows one commit in display order; non-zero once the limit is reached. */
static int show(struct log_state *st, const char *hash, const char *author,
		int64_t date, const char *message)
{
	if (st->skip > 0) {
		st->skip--;
		return 0;
	}
	print_entry(st->out, hash, author, date, message);
	st->shown++;
	if (ferror(st->out))
		return 1; /* the reader went away (pager quit) */
	return st->max && st->shown >= st->max;
}

static int save(struct log_state *st, const ws_commit_info *info)
{
	struct entry *e;

	if (st->nsaved == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct entry *n = realloc(st->saved, cap * sizeof(*n));

		if (!n)
			return ws_error_set(WS_ERROR, "out of memory");
		st->saved = n;
		st->cap = cap;
	}
	e = &st->saved[st->nsaved];
	memcpy(e->hash, info->hash, sizeof(e->hash));
	e->author = strdup(info->author);
	e->message = strdup(info->message);
	e->date = info->date;
	if (!e->author || !e->message) {
		free(e->author);
		free(e->message);
		return ws_error_set(WS_ERROR, "out of memory");
	}
	st->nsaved++;
	return 0;
}

static int on_commit(const ws_commit_info *info, void *payload)
{
	struct log_state *st = payload;

	if (st->reverse)
		return save(st, info);
	return show(st, info->hash, info->author, info->date, info->message);
}

static FILE *open_pager(void)
{
	const char *pager = opt_pager ? opt_pager : getenv("PAGER");

	if (opt_plain || !isatty(STDOUT_FILENO))
		return NULL;
	if (!pager || !*pager)
		pager = "pager";
	signal(SIGPIPE, SIG_IGN); /* quitting the pager early is no error */
	fflush(stdout);
	return popen(pager, "w");
}

static int parse_counts(struct log_state *st)
{
	if (opt_count && cli_parse_count(&st->max, opt_count) < 0)
		return cli_usage_error(&spec, "invalid number '%s' for '-n'",
				       opt_count);
	if (opt_skip && cli_parse_count(&st->skip, opt_skip) < 0)
		return cli_usage_error(&spec,
				       "invalid number '%s' for '--skip'",
				       opt_skip);
	return CLI_CONTINUE;
}

int cmd_log(int argc, char **argv)
{
	struct log_state st = { 0 };
	struct cli_args args;
	ws_store *store = NULL;
	FILE *pager = NULL;
	size_t i;
	int rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = parse_counts(&st)) != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	pager = open_pager();
	st.out = pager ? pager : stdout;
	st.reverse = opt_reverse;

	rc = ws_log(store, cli_branch(), on_commit, &st);
	for (i = st.nsaved; rc >= 0 && i > 0; i--) {
		struct entry *e = &st.saved[i - 1];

		if (show(&st, e->hash, e->author, e->date, e->message))
			break;
	}
	rc = rc < 0 ? cli_error_lib(rc) : CLI_EXIT_OK;

	if (pager)
		pclose(pager);
	for (i = 0; i < st.nsaved; i++) {
		free(st.saved[i].author);
		free(st.saved[i].message);
	}
	free(st.saved);
	ws_store_free(store);
	return rc;
}
