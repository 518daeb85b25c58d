/*
 * daemon.h - the wasmstore HTTP daemon (the API of wasmstore-api(7)).
 *
 * Both `wasmstore server ...` and the standalone `wasmstore-server` binary
 * call ws_daemon_main; argv[0] is the command name ("server"), the rest are
 * the options of wasmstore-server(1). The global options --root, --branch
 * and --author are accepted here too, and WASMSTORE_ROOT, WASMSTORE_BRANCH,
 * WASMSTORE_AUTHOR are read when they are absent.
 *
 * Runs until SIGTERM or SIGINT, then finishes the requests in flight.
 * Returns the process exit status: 0 after a clean shutdown, 1 when the
 * server could not start, 2 for a usage error.
 */
#ifndef WS_DAEMON_H
#define WS_DAEMON_H

int ws_daemon_main(int argc, char **argv);

#endif
