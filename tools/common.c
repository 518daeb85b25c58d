/* common.c - option parsing, help, store opening and output helpers. */
#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

static const char *opt_root, *opt_branch, *opt_author;

/* Accepted by every command, before or after its name. */
static const struct cli_opt global_opts[] = {
	{ "root", 0, CLI_OPT_VALUE, &opt_root, "PATH",
	  "the store (WASMSTORE_ROOT, default ~/.wasmstore)" },
	{ "branch", 0, CLI_OPT_VALUE, &opt_branch, "NAME",
	  "the branch to use (WASMSTORE_BRANCH)" },
	{ "author", 0, CLI_OPT_VALUE, &opt_author, "NAME",
	  "the author of new commits (WASMSTORE_AUTHOR)" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cli_opt help_opt = {
	"help", 'h', CLI_OPT_FLAG, NULL, NULL, "show this help"
};

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

const char *cli_root(void)
{
	return opt_root; /* ws_store_default_root reads the environment */
}

const char *cli_branch(void)
{
	return opt_branch ? opt_branch : env_nonempty("WASMSTORE_BRANCH");
}

const char *cli_author(void)
{
	return opt_author ? opt_author : env_nonempty("WASMSTORE_AUTHOR");
}

static void print_usage_lines(FILE *out, const struct cli_spec *spec)
{
	const char *const *line;

	for (line = spec->usage; *line; line++)
		fprintf(out, "%s wasmstore %s\n",
			line == spec->usage ? "usage:" : "   or:", *line);
}

static void opt_label(char *buf, size_t size, const struct cli_opt *opt)
{
	const char *v = opt->value_name;

	if (opt->alias)
		snprintf(buf, size, "-%c, --%s%s%s", opt->alias, opt->name,
			 v ? " " : "", v ? v : "");
	else
		snprintf(buf, size, "    --%s%s%s", opt->name, v ? " " : "",
			 v ? v : "");
}

static void print_opt(FILE *out, const struct cli_opt *opt)
{
	char label[64];

	opt_label(label, sizeof(label), opt);
	fprintf(out, "    %-20s  %s\n", label, opt->help);
}

void cli_print_help(FILE *out, const struct cli_spec *spec)
{
	const struct cli_opt *opt;

	print_usage_lines(out, spec);
	if (spec->description)
		fprintf(out, "\n%s\n", spec->description);
	if (spec->opts && spec->opts->name) {
		fputs("\noptions:\n", out);
		for (opt = spec->opts; opt->name; opt++)
			print_opt(out, opt);
	}
	fputs("\nglobal options:\n", out);
	for (opt = global_opts; opt->name; opt++)
		print_opt(out, opt);
	print_opt(out, &help_opt);
	if (spec->help_extra)
		spec->help_extra(out);
}

int cli_usage_error(const struct cli_spec *spec, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage_lines(stderr, spec);
	return CLI_EXIT_USAGE;
}

static const struct cli_opt *find_long(const struct cli_opt *table,
				       const char *name, size_t len)
{
	for (; table && table->name; table++)
		if (strlen(table->name) == len && !strncmp(table->name, name, len))
			return table;
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *table, char c)
{
	for (; table && table->name; table++)
		if (table->alias == c)
			return table;
	return NULL;
}

/* Parses argv[*i], an option; may consume argv[*i + 1] as its value. */
static int parse_option(const struct cli_spec *spec, int argc, char **argv,
			int *i)
{
	const char *arg = argv[*i], *inline_value = NULL;
	const struct cli_opt *opt;

	if (arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);

		opt = find_long(spec->opts, name, len);
		if (!opt)
			opt = find_long(global_opts, name, len);
		if (eq)
			inline_value = eq + 1;
	} else {
		opt = find_short(spec->opts, arg[1]);
		if (opt && arg[2])
			inline_value = arg + 2;
	}
	if (!opt)
		return cli_usage_error(spec, "unknown option '%s'", arg);

	if (opt->kind == CLI_OPT_FLAG) {
		if (inline_value)
			return cli_usage_error(spec, "option '--%s' takes no value",
					       opt->name);
		*(int *)opt->value = 1;
		return CLI_CONTINUE;
	}
	if (!inline_value) {
		if (*i + 1 >= argc)
			return cli_usage_error(spec, "option '--%s' needs a value",
					       opt->name);
		inline_value = argv[++*i];
	}
	*(const char **)opt->value = inline_value;
	return CLI_CONTINUE;
}

int cli_parse(struct cli_args *out, int argc, char **argv,
	      const struct cli_spec *spec)
{
	int i, n = 0, only_args = 0, rc;

	for (i = 1; i < argc; i++) {
		char *arg = argv[i];

		if (only_args || arg[0] != '-' || arg[1] == '\0') {
			argv[1 + n++] = arg; /* n + 1 <= i: never overwrites unread */
			if (spec->stop_at_first_arg)
				only_args = 1;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			cli_print_help(stdout, spec);
			return CLI_EXIT_OK;
		}
		rc = parse_option(spec, argc, argv, &i);
		if (rc != CLI_CONTINUE)
			return rc;
	}
	if (n < spec->min_args)
		return cli_usage_error(spec, "missing argument");
	if (spec->max_args >= 0 && n > spec->max_args)
		return cli_usage_error(spec, "unexpected argument '%s'",
				       argv[1 + spec->max_args]);
	out->v = argv + 1;
	out->n = n;
	return CLI_CONTINUE;
}

int cli_store_open(ws_store **out)
{
	ws_store *store = NULL;
	char *root = cli_root() ? strdup(cli_root()) : ws_store_default_root();
	int rc;

	*out = NULL;
	if (!root)
		return cli_error(CLI_EXIT_FAILURE,
				 "no store root: set --root, WASMSTORE_ROOT or HOME");
	rc = ws_store_open(&store, root);
	free(root);
	if (rc < 0)
		return cli_error_lib(rc);
	if (cli_author() && (rc = ws_store_set_author(store, cli_author())) < 0) {
		ws_store_free(store);
		return cli_error_lib(rc);
	}
	*out = store;
	return CLI_EXIT_OK;
}

int cli_parse_count(size_t *out, const char *s)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > (size_t)-1)
		return -1;
	*out = (size_t)v;
	return 0;
}

int cli_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cli_display_path(char **out, const char *path)
{
	char *norm = NULL;
	int rc = ws_path_normalize(&norm, path);

	if (rc < 0)
		return cli_error_lib(rc);
	*out = malloc(strlen(norm) + 2);
	if (!*out) {
		free(norm);
		return cli_error(CLI_EXIT_FAILURE, "out of memory");
	}
	(*out)[0] = '/';
	strcpy(*out + 1, norm);
	free(norm);
	return CLI_EXIT_OK;
}
