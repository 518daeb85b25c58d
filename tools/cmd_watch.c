/*
 * cmd_watch.c - wasmstore watch [COMMAND...]: every change of the branch as
 * one JSON object, printed or fed to COMMAND's stdin (one run per change,
 * in order). Runs until killed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "error.h"

static const char *const usage[] = { "watch [COMMAND [ARG...]]", NULL };

static const struct cli_spec spec = {
	.usage = usage,
	.description =
		"Waits for changes to the branch, from any writer, and prints each as\n"
		"a JSON object on one line, or runs COMMAND with that line on its\n"
		"stdin. Options after COMMAND belong to COMMAND. Runs until killed.",
	.min_args = 0,
	.max_args = -1,
	.stop_at_first_arg = 1,
};

/* Runs argv with `line` on its stdin; a failing command is only a warning. */
static int run_command(char **argv, const char *line)
{
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) < 0)
		return ws_error_set(WS_ERROR, "unable to create a pipe: %s",
				    strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return ws_error_set(WS_ERROR, "unable to fork: %s",
				    strerror(errno));
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "error: unable to run '%s': %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	/* EPIPE (the command ignores its stdin) is fine. */
	if (cli_write_all(fds[1], line, strlen(line)) == 0)
		cli_write_all(fds[1], "\n", 1);
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ws_error_set(WS_ERROR, "waitpid: %s",
					    strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		cli_warning("'%s' exited with status %d", argv[0],
			    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		cli_warning("'%s' was killed by signal %d", argv[0],
			    WTERMSIG(status));
	return 0;
}

static int on_change(const ws_change *change, void *payload)
{
	struct cli_args *command = payload;
	char *json = ws_change_json(change);
	int rc = 0;

	if (!json)
		return ws_error_set(WS_ERROR, "out of memory");
	if (command->n > 0) {
		rc = run_command(command->v, json);
	} else {
		printf("%s\n", json);
		if (fflush(stdout) != 0 || ferror(stdout))
			rc = ws_error_set(WS_ERROR,
					  "unable to write to stdout: %s",
					  strerror(errno));
	}
	free(json);
	return rc;
}

int cmd_watch(int argc, char **argv)
{
	struct cli_args command;
	ws_store *store = NULL;
	ws_watch *watch = NULL;
	int rc = cli_parse(&command, argc, argv, &spec);

	if (rc != CLI_CONTINUE)
		return rc;
	if ((rc = cli_store_open(&store)) != CLI_EXIT_OK)
		return rc;
	if (command.n > 0) {
		command.v[command.n] = NULL; /* argv stays NULL-terminated */
		signal(SIGPIPE, SIG_IGN);
	}
	rc = ws_watch_new(&watch, store, cli_branch());
	while (rc >= 0)
		rc = ws_watch_next(watch, -1, on_change, &command);
	rc = cli_error_lib(rc);
	ws_watch_free(watch);
	ws_store_free(store);
	return rc;
}
