/*
 * main.c - the wasmstore command: global options, then one subcommand from
 * the table below (each in tools/cmd_<name>.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

#ifndef WASMSTORE_VERSION
#define WASMSTORE_VERSION "0.1.0"
#endif

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cli_command commands[] = {
	{ "add", cmd_add, "add a WebAssembly module" },
	{ "find", cmd_find, "write a module's bytes to stdout" },
	{ "hash", cmd_hash, "print the hash of the module at a path" },
	{ "contains", cmd_contains, "tell whether a path or hash is present" },
	{ "list", cmd_list, "list modules with their hashes" },
	{ "remove", cmd_remove, "remove a path, or every path holding a hash" },
	{ "set", cmd_set, "point a path at a module already stored" },
	{ "snapshot", cmd_snapshot, "print the head commit" },
	{ "restore", cmd_restore, "bring back the content of a commit" },
	{ "rollback", cmd_rollback, "undo the last change" },
	{ "versions", cmd_versions, "list the versions a path has held" },
	{ "version", cmd_version, "print one version of a path" },
	{ "commit", cmd_commit, "print a commit as JSON" },
	{ "audit", cmd_audit, "list the commits that changed a path" },
	{ "log", cmd_log, "show the branch's history" },
	{ "branch", cmd_branch, "create, delete or list branches" },
	{ "merge", cmd_merge, "merge a branch into the current branch" },
	{ "gc", cmd_gc, "squash history and delete unreachable objects" },
	{ "watch", cmd_watch, "print or act on every change" },
	{ "filename", cmd_filename, "print where a module's bytes are on disk" },
	{ "export", cmd_export, "write every module to a directory" },
	{ "backup", cmd_backup, "archive the whole store" },
	{ "server", cmd_server, "run the HTTP server" },
};

static void print_commands(FILE *out)
{
	size_t i;

	fputs("\ncommands:\n", out);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "    %-10s  %s\n", commands[i].name,
			commands[i].summary);
	fputs("\nSee 'wasmstore COMMAND --help' and wasmstore(1).\n", out);
}

static int show_version;

static const char *const usage[] = {
	"[--root PATH] [--branch NAME] [--author NAME] COMMAND [ARGS...]",
	"--version",
	NULL,
};

static const struct cli_opt opts[] = {
	{ "version", 0, CLI_OPT_FLAG, &show_version, NULL,
	  "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"wasmstore keeps WebAssembly modules by path and by SHA-256 hash\n"
		"in a git repository, with every change recorded as a commit.",
	.opts = opts,
	.min_args = 0,
	.max_args = -1,
	.stop_at_first_arg = 1,
	.help_extra = print_commands,
};

static const struct cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Output that never reached its destination is a failure (full disk). */
static int finish_stdout(int status)
{
	int had_error = ferror(stdout);

	errno = 0;
	if (fflush(stdout) != 0 || had_error) {
		int failed = errno ? cli_error(CLI_EXIT_FAILURE,
					       "unable to write to stdout: %s",
					       strerror(errno))
				   : cli_error(CLI_EXIT_FAILURE,
					       "unable to write to stdout");
		return status ? status : failed;
	}
	return status;
}

/*
 * A closed stdin, stdout or stderr would be reused by the next open(), and
 * our output would land in a file of the store. Occupy them with /dev/null
 * opened read-only: reads see EOF, writes still fail (and are reported).
 */
static void occupy_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		n = open("/dev/null", O_RDONLY);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;
	struct cli_args args;
	int rc;

	occupy_std_fds();
	rc = cli_parse(&args, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return finish_stdout(rc);
	if (show_version) {
		printf("wasmstore %s\n", WASMSTORE_VERSION);
		return finish_stdout(CLI_EXIT_OK);
	}
	if (args.n == 0)
		return cli_usage_error(&spec, "no command given");
	cmd = find_command(args.v[0]);
	if (!cmd)
		return cli_usage_error(&spec, "unknown command '%s'", args.v[0]);
	return finish_stdout(cmd->fn(args.n, args.v));
}
