/*
 * config.h - the daemon's settings, from the command line and environment.
 */
#ifndef WS_DAEMON_CONFIG_H
#define WS_DAEMON_CONFIG_H

#include <stddef.h>

struct ws_config {
	char *root;        /* store root; NULL: ws_store_default_root() */
	char *branch;      /* without Wasmstore-Branch; NULL: the default */
	char *author;      /* commit author; NULL: the library's default */
	char *host;        /* address to listen on */
	unsigned port;     /* 0: any free port */
	char *port_file;   /* where to write the real port, or NULL */
	char *auth;        /* "KEY:METHODS;..." or NULL */
	char *auth_file;   /* file holding the same syntax, or NULL */
	char *tls_key;     /* PEM files; both NULL without TLS */
	char *tls_cert;
	int cors;
	int quiet;         /* no access log */
	size_t max_module_size;
	unsigned threads;  /* HTTP worker threads */
};

#define WS_DAEMON_DEFAULT_HOST "127.0.0.1"
#define WS_DAEMON_DEFAULT_PORT 6384

/* Fills `cfg` from argv (argv[0] is the command name) and the environment.
 * Returns 0, 1 when --help was printed (exit 0), or -1 after printing a
 * usage error to stderr (exit 2). */
int ws_config_parse(struct ws_config *cfg, int argc, char **argv);
void ws_config_clear(struct ws_config *cfg);

#endif
