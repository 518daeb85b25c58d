/*
 * main.c - wasmstore-fs: options, then mount, serve, and unwind through
 * one cleanup ladder (SIGTERM, SIGINT and fusermount3 -u all end the loop
 * and come down the same ladder).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "fs.h"
#include "ops.h"
#include "watch.h"

#ifndef WASMSTORE_VERSION
#define WASMSTORE_VERSION "0.1.0"
#endif

#define DEFAULT_TIMEOUT 1.0 /* seconds the kernel may trust a branch name */

/* Exit statuses (as wasmstore-server's): 0 unmounted cleanly, --help. */
#define EXIT_START 1 /* could not mount or serve: store, branch, kernel */
#define EXIT_USAGE 2 /* a bad command line */

enum { KEY_HELP, KEY_VERSION, KEY_RO };

#define OPT(t, f) { t, offsetof(struct wsfs_options, f), 1 }

static const struct fuse_opt option_spec[] = {
	OPT("--root=%s", root),       OPT("root=%s", root),
	OPT("--branch=%s", branch),   OPT("branch=%s", branch),
	OPT("--author=%s", author),   OPT("author=%s", author),
	OPT("--log=%s", log),         OPT("log=%s", log),
	OPT("--tmpdir=%s", tmpdir),   OPT("tmpdir=%s", tmpdir),
	OPT("--timeout=%lf", timeout), OPT("timeout=%lf", timeout),
	FUSE_OPT_KEY("-h", KEY_HELP), FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION), FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("ro", KEY_RO),
	FUSE_OPT_END
};

static int option_proc(void *data, const char *arg, int key,
		       struct fuse_args *args)
{
	struct wsfs_options *opt = data;

	(void)arg, (void)args;
	switch (key) {
	case KEY_HELP:
		opt->show_help = 1;
		return 0;
	case KEY_VERSION:
		opt->show_version = 1;
		return 0;
	case KEY_RO:
		opt->readonly = 1;
		return 1; /* the kernel needs it too */
	}
	return 1;
}

#define USAGE "usage: wasmstore-fs [options] MOUNTPOINT\n"

static void help(void)
{
	fputs(USAGE
	      "\n"
	      "Mounts a wasmstore: branches/NAME/ read-write, commits/COMMIT/ and\n"
	      "by-hash/SHA256 read-only, 'default' links to the default branch.\n"
	      "\n"
	      "  --root PATH        store root (WASMSTORE_ROOT, ~/.wasmstore)\n"
	      "  --branch NAME      default branch of the mount: the 'default' link,\n"
	      "                     and what mkdir branches/NEW starts from\n"
	      "                     (WASMSTORE_BRANCH, the store's default)\n"
	      "  --author NAME      commit author (WASMSTORE_AUTHOR)\n"
	      "  --log FILE         append the error log to FILE (in the background\n"
	      "                     standard error is lost)\n"
	      "  --tmpdir DIR       stage writes in DIR until close (TMPDIR, /tmp)\n"
	      "  --timeout SECONDS  how long the kernel may cache names and\n"
	      "                     attributes under branches/ (1)\n"
	      "  -o ro              read-only mount\n"
	      "  -f                 stay in the foreground\n"
	      "  -h, --help         show this help, then the FUSE options\n"
	      "  -V, --version      print the version\n"
	      "\n"
	      "Each --name VALUE may also be written --name=VALUE or -o name=VALUE.\n"
	      "Unmount with: fusermount3 -u MOUNTPOINT (or send SIGTERM).\n"
	      "\n"
	      "FUSE options:\n",
	      stdout);
	fflush(stdout);
}

/* "--root PATH", as the CLI takes it: fuse_opt only knows "--root=PATH".
 * Builds the argument vector fuse_opt parses. 0 or -1. */
static int join_values(struct fuse_args *out, int argc, char **argv)
{
	static const char *const takes_value[] = {
		"--root", "--branch", "--author", "--log", "--tmpdir",
		"--timeout", NULL
	};
	int i, rc = 0, options = 1;

	for (i = 0; i < argc && !rc; i++) {
		const char *const *name = takes_value;
		char *joined;
		if (!strcmp(argv[i], "--"))
			options = 0;
		while (options && i > 0 && *name && strcmp(*name, argv[i]))
			name++;
		if (!options || i == 0 || !*name || i + 1 == argc) {
			rc = fuse_opt_add_arg(out, argv[i]);
			continue;
		}
		if (asprintf(&joined, "%s=%s", argv[i], argv[i + 1]) < 0)
			return -1;
		rc = fuse_opt_add_arg(out, joined);
		free(joined);
		i++;
	}
	return rc ? -1 : 0;
}

/* Environment defaults, the CLI's: options given win. */
static int take_env(char **field, const char *name)
{
	const char *v = getenv(name);

	if (*field || !v || !*v)
		return 0;
	return (*field = strdup(v)) ? 0 : -1;
}

static int check_options(struct wsfs_options *opt)
{
	if (take_env(&opt->branch, "WASMSTORE_BRANCH") < 0 ||
	    take_env(&opt->author, "WASMSTORE_AUTHOR") < 0 ||
	    take_env(&opt->tmpdir, "TMPDIR") < 0)
		return -1;
	if (!opt->root && !(opt->root = ws_store_default_root()))
		return -1;
	if (!opt->tmpdir && !(opt->tmpdir = strdup("/tmp")))
		return -1;
	if (opt->timeout < 0) {
		fprintf(stderr, "wasmstore-fs: error: --timeout must not be negative\n");
		return -1;
	}
	return 0;
}

/* Everything the mount needs before the kernel sees it. */
static int setup(struct wsfs *fs)
{
	ws_store *store;
	int exists;

	fs->uid = getuid();
	fs->gid = getgid();
	clock_gettime(CLOCK_REALTIME, &fs->start);
	pthread_mutex_init(&fs->handles_lock, NULL);
	wsfs_cache_init(&fs->cache);
	wsfs_times_init(&fs->times);
	wsfs_errlog_init(&fs->errlog);
	wsfs_memdir_init(&fs->memdir);
	if (wsfs_stage_init(&fs->stage, fs->opt.tmpdir) < 0)
		return -1;
	if (wsfs_pool_init(&fs->pool, fs->opt.root, fs->opt.author) < 0) {
		fprintf(stderr, "wasmstore-fs: error: cannot open store '%s': %s\n",
			fs->opt.root, ws_error_last());
		return -1;
	}
	/* (after the store: the check needs libgit2 initialized) */
	if (fs->opt.branch && ws_branch_name_check(fs->opt.branch) < 0) {
		fprintf(stderr, "wasmstore-fs: error: invalid branch name '%s'\n",
			fs->opt.branch);
		return -2;
	}
	if (fs->opt.branch && (store = wsfs_pool_get(&fs->pool))) {
		char *def = NULL;
		exists = ws_branch_exists(store, fs->opt.branch) == 1 ||
			 (ws_branch_default(&def, store) == 0 &&
			  !strcmp(def, fs->opt.branch));
		free(def);
		wsfs_pool_put(&fs->pool, store);
		if (!exists) {
			fprintf(stderr, "wasmstore-fs: error: no branch '%s' in '%s'\n",
				fs->opt.branch, fs->opt.root);
			return -1;
		}
	}
	return 0;
}

static void teardown(struct wsfs *fs)
{
	wsfs_handles_free(fs);
	pthread_mutex_destroy(&fs->handles_lock);
	wsfs_pool_free(&fs->pool);
	wsfs_stage_free(&fs->stage);
	wsfs_memdir_free(&fs->memdir);
	wsfs_errlog_free(&fs->errlog);
	wsfs_cache_free(&fs->cache);
	wsfs_times_free(&fs->times);
}

static void free_options(struct wsfs_options *opt)
{
	free(opt->root);
	free(opt->branch);
	free(opt->author);
	free(opt->log);
	free(opt->tmpdir);
}

/* fuse_daemonize points stderr at /dev/null: --log keeps the errors. */
static int open_log(const char *path)
{
	int fd;

	if (!path)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "wasmstore-fs: error: cannot open '%s': %s\n",
			path, strerror(errno));
	return fd;
}

static int serve(struct fuse *fuse, struct fuse_cmdline_opts *cmd)
{
	struct fuse_loop_config *loop;
	int rc;

	if (cmd->singlethread)
		return fuse_loop(fuse);
	if (!(loop = fuse_loop_cfg_create()))
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(loop, (unsigned)cmd->clone_fd);
	/* unset values come as UINT_MAX: keep libfuse's defaults then */
	if (cmd->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(loop, cmd->max_idle_threads);
	if (cmd->max_threads != UINT_MAX && cmd->max_threads)
		fuse_loop_cfg_set_max_threads(loop, cmd->max_threads);
	rc = fuse_loop_mt(fuse, loop);
	fuse_loop_cfg_destroy(loop);
	return rc;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_cmdline_opts cmd = { 0 };
	struct wsfs fs = { .opt = { .timeout = DEFAULT_TIMEOUT } };
	struct fuse_session *se;
	struct fuse *fuse;
	int ret = EXIT_USAGE, log_fd = -1, rc;

	if (join_values(&args, argc, argv) < 0 ||
	    fuse_opt_parse(&args, &fs.opt, option_spec, option_proc) < 0)
		goto out_args;
	if (fs.opt.show_help) {
		help();
		fuse_cmdline_help();
		fuse_lib_help(&args);
		ret = 0;
		goto out_args;
	}
	if (fs.opt.show_version) {
		printf("wasmstore-fs %s (libfuse %s)\n", WASMSTORE_VERSION,
		       fuse_pkgversion());
		ret = 0;
		goto out_args;
	}
	if (fuse_parse_cmdline(&args, &cmd) < 0)
		goto out_args;
	if (!cmd.mountpoint) {
		fputs("wasmstore-fs: error: no mount point given\n" USAGE, stderr);
		goto out_cmd;
	}
	if (check_options(&fs.opt) < 0)
		goto out_cmd;
	ret = EXIT_START;
	if (fs.opt.log && (log_fd = open_log(fs.opt.log)) < 0)
		goto out_cmd;
	if ((rc = setup(&fs)) < 0) {
		ret = rc == -2 ? EXIT_USAGE : EXIT_START;
		goto out_fs;
	}
	if (!(fuse = fuse_new(&args, &wsfs_operations, sizeof(wsfs_operations),
			      &fs))) {
		ret = EXIT_USAGE; /* an option neither we nor FUSE know */
		goto out_fs;
	}
	fs.fuse = fuse;
	se = fuse_get_session(fuse);
	if (fuse_mount(fuse, cmd.mountpoint) != 0)
		goto out_fuse;
	if (fuse_daemonize(cmd.foreground) != 0)
		goto out_unmount;
	if (log_fd >= 0)
		dup2(log_fd, STDERR_FILENO);
	if (fuse_set_signal_handlers(se) != 0)
		goto out_unmount;
	if (wsfs_watch_start(&fs.watch, &fs) < 0)
		goto out_signals;

	rc = serve(fuse, &cmd);
	/* 0: unmounted; >0: the signal that ended it; <0: an error */
	ret = rc < 0 ? EXIT_START : 0;

	wsfs_watch_stop(fs.watch);
out_signals:
	fuse_remove_signal_handlers(se);
out_unmount:
	fuse_unmount(fuse);
out_fuse:
	fuse_destroy(fuse);
out_fs:
	teardown(&fs);
out_cmd:
	free(cmd.mountpoint);
out_args:
	if (log_fd >= 0)
		close(log_fd);
	fuse_opt_free_args(&args);
	free_options(&fs.opt);
	return ret;
}
