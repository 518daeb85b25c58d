/*
 * cmd.h - the wasmstore subcommands, one per tools/cmd_<name>.c. Each gets
 * argv[0] = its name and returns the process exit status (error.h).
 */
#ifndef CLI_CMD_H
#define CLI_CMD_H

int cmd_add(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_branch(int argc, char **argv);
int cmd_commit(int argc, char **argv);
int cmd_contains(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_filename(int argc, char **argv);
int cmd_find(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_versions(int argc, char **argv);
int cmd_watch(int argc, char **argv);

#endif
