/* server.c - the daemon's life: start, serve requests, shut down. */
#include "daemon.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accesslog.h"
#include "auth.h"
#include "config.h"
#include "modcache.h"
#include "refwatch.h"
#include "reply.h"
#include "request.h"
#include "server.h"
#include "websocket.h"

#define CONNECTION_TIMEOUT_S 120 /* idle keep-alive connections */
#define SHUTDOWN_GRACE_MS 30000  /* for requests in flight at SIGTERM */
#define CONNECTION_MEMORY (32 * 1024) /* MHD memsets all of it per request */

/* ---- stores: one per worker thread ---- */

int ws_server_open_store(ws_store **out, struct ws_server *server)
{
	ws_store *store = NULL;
	int error;

	if ((error = ws_store_open(&store, server->cfg->root)) < 0)
		return error;
	if (server->cfg->author &&
	    (error = ws_store_set_author(store, server->cfg->author)) < 0) {
		ws_store_free(store);
		return error;
	}
	ws_store_set_max_module_size(store, server->cfg->max_module_size);
	*out = store;
	return 0;
}

ws_store *ws_server_store(struct ws_server *server)
{
	ws_store *store = pthread_getspecific(server->store_key);

	if (store)
		return store;
	if (ws_server_open_store(&store, server) < 0)
		return NULL;
	pthread_setspecific(server->store_key, store);
	return store;
}

static void store_destructor(void *store)
{
	ws_store_free(store);
}

/* ---- the branch used without Wasmstore-Branch ---- */

char *ws_server_branch(struct ws_server *server)
{
	char *name = NULL;

	pthread_mutex_lock(&server->branch_lock);
	if (server->branch)
		name = strdup(server->branch);
	pthread_mutex_unlock(&server->branch_lock);
	return name;
}

int ws_server_set_branch(struct ws_server *server, const char *name)
{
	char *copy = strdup(name);

	if (!copy)
		return ws_error_set(WS_ERROR, "out of memory");
	pthread_mutex_lock(&server->branch_lock);
	free(server->branch);
	server->branch = copy;
	pthread_mutex_unlock(&server->branch_lock);
	return 0;
}

/* ---- start and stop ---- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1))) {
		if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		} else {
			buf[size] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* Written to a temporary name first: a reader never sees half a port. */
static int write_port_file(const char *path, unsigned port)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 8);
	FILE *f;
	int ok;

	if (!tmp)
		return -1;
	snprintf(tmp, len + 8, "%s.tmp", path);
	if (!(f = fopen(tmp, "w"))) {
		free(tmp);
		return -1;
	}
	ok = fprintf(f, "%u\n", port) > 0;
	ok = (fclose(f) == 0) && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok ? 0 : -1;
}

static int resolve(struct sockaddr_storage *addr, const char *host,
		   unsigned port)
{
	struct addrinfo hints, *res = NULL;
	char service[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", port);
	if ((rc = getaddrinfo(host, service, &hints, &res)) != 0) {
		ws_daemon_log("cannot resolve '%s': %s", host,
			      gai_strerror(rc));
		return -1;
	}
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

struct tls_files {
	char *key, *cert;
};

static struct MHD_Daemon *start(struct ws_server *server,
				struct sockaddr_storage *addr,
				struct tls_files *tls)
{
	struct ws_config *cfg = server->cfg;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			 MHD_USE_ITC | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[16];
	size_t n = 0;

	if (addr->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls->key)
		flags |= MHD_USE_TLS;
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
		(intptr_t)ws_request_completed, server};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
		cfg->threads, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
		CONNECTION_TIMEOUT_S, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		CONNECTION_MEMORY, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE,
		1024, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, addr};
	if (tls->key) {
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY,
			0, tls->key};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT,
			0, tls->cert};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	return MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL,
				ws_request_handle, server, MHD_OPTION_ARRAY,
				opts, MHD_OPTION_END);
}

static unsigned bound_port(struct MHD_Daemon *mhd)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);

	return info ? info->port : 0;
}

/* Stops taking connections, lets requests in flight finish, then stops. */
static void stop(struct ws_server *server)
{
	MHD_socket listen_fd = MHD_quiesce_daemon(server->mhd);
	int waited = 0;

	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	ws_sockets_shutdown(server->sockets, 5000);
	while (atomic_load(&server->in_flight) > 0 &&
	       waited < SHUTDOWN_GRACE_MS) {
		usleep(10 * 1000);
		waited += 10;
	}
	if (atomic_load(&server->in_flight) > 0)
		ws_daemon_log("stopping with %ld requests unfinished",
		       atomic_load(&server->in_flight));
	MHD_stop_daemon(server->mhd);
	server->mhd = NULL;
}

static int wait_for_signal(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) != 0)
		;
	return sig;
}

/* 0, 2 for a malformed --auth (a usage error), 1 for an unusable file. */
static int load_auth(struct ws_server *server)
{
	struct ws_config *cfg = server->cfg;

	if (!(server->auth = ws_auth_new()))
		return 1;
	if (cfg->auth && ws_auth_add_spec(server->auth, cfg->auth) < 0) {
		ws_daemon_log("invalid --auth: %s", ws_error_last());
		return 2;
	}
	if (cfg->auth_file &&
	    ws_auth_add_file(server->auth, cfg->auth_file) < 0) {
		ws_daemon_log("invalid --auth-file: %s", ws_error_last());
		return 1;
	}
	return 0;
}

static int load_tls(struct tls_files *tls, struct ws_config *cfg)
{
	if (!cfg->tls_key)
		return 0;
	if (!(tls->key = read_file(cfg->tls_key))) {
		ws_daemon_log("cannot read TLS key '%s': %s", cfg->tls_key,
		       strerror(errno));
		return -1;
	}
	if (!(tls->cert = read_file(cfg->tls_cert))) {
		ws_daemon_log("cannot read TLS certificate '%s': %s",
			      cfg->tls_cert, strerror(errno));
		return -1;
	}
	return 0;
}

/* Opens the store once up front: a bad root fails at start, not at the
 * first request. Also checks --branch. */
static int check_store(struct ws_server *server)
{
	struct ws_config *cfg = server->cfg;
	ws_store *store = NULL;

	if (!cfg->root && !(cfg->root = ws_store_default_root())) {
		ws_daemon_log("cannot find the store root");
		return -1;
	}
	if (ws_server_open_store(&store, server) < 0) {
		ws_daemon_log("cannot open the store '%s': %s", cfg->root,
		       ws_error_last());
		return -1;
	}
	ws_store_free(store);
	if (cfg->branch && ws_branch_name_check(cfg->branch) < 0) {
		ws_daemon_log("invalid branch name '%s'", cfg->branch);
		return -1;
	}
	return 0;
}

static void announce(struct ws_server *server, unsigned port)
{
	struct ws_config *cfg = server->cfg;
	int v6 = strchr(cfg->host, ':') != NULL;

	ws_daemon_log("listening on %s://%s%s%s:%u",
		      cfg->tls_key ? "https" : "http", v6 ? "[" : "", cfg->host,
		      v6 ? "]" : "", port);
}

static int serve(struct ws_server *server)
{
	struct ws_config *cfg = server->cfg;
	struct tls_files tls = {NULL, NULL};
	struct sockaddr_storage addr;
	sigset_t stop_signals;
	unsigned port;
	int sig, rc = 1;

	if ((rc = load_auth(server)) != 0)
		goto done;
	rc = 1;
	if (check_store(server) || load_tls(&tls, cfg) ||
	    resolve(&addr, cfg->host, cfg->port))
		goto done;
	server->refs = ws_refwatch_new(cfg->root);
	server->modules = ws_modcache_new(ws_cached_module_headers, server);
	if (!server->refs || !server->modules) {
		ws_daemon_log("out of memory");
		goto done;
	}
	/* Blocked before any thread starts, so that every thread inherits
	 * the mask and the signals reach sigwait below. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!cfg->quiet)
		ws_accesslog_start(); /* else lines are written one by one */

	if (!(server->mhd = start(server, &addr, &tls))) {
		ws_daemon_log("cannot listen on %s port %u", cfg->host,
			      cfg->port);
		goto done;
	}
	port = bound_port(server->mhd);
	if (cfg->port_file && write_port_file(cfg->port_file, port) < 0) {
		ws_daemon_log("cannot write '%s': %s", cfg->port_file,
		       strerror(errno));
		MHD_stop_daemon(server->mhd);
		goto done;
	}
	announce(server, port);
	sig = wait_for_signal(&stop_signals);
	ws_daemon_log("%s: finishing requests in flight", strsignal(sig));
	stop(server);
	ws_daemon_log("stopped");
	rc = 0;
done:
	free(tls.key);
	free(tls.cert);
	return rc;
}

int ws_daemon_main(int argc, char **argv)
{
	struct ws_config cfg;
	struct ws_server server;
	int rc;

	rc = ws_config_parse(&cfg, argc, argv);
	if (rc != 0) {
		ws_config_clear(&cfg);
		return rc > 0 ? 0 : 2;
	}
	memset(&server, 0, sizeof(server));
	server.cfg = &cfg;
	atomic_init(&server.in_flight, 0);
	pthread_mutex_init(&server.branch_lock, NULL);
	pthread_key_create(&server.store_key, store_destructor);
	if (cfg.branch)
		server.branch = strdup(cfg.branch);
	if (!(server.sockets = ws_sockets_new()))
		rc = 1;
	else
		rc = serve(&server);
	ws_accesslog_stop();
	ws_sockets_free(server.sockets);
	ws_modcache_free(server.modules);
	ws_refwatch_free(server.refs);
	ws_auth_free(server.auth);
	free(server.branch);
	pthread_key_delete(server.store_key);
	pthread_mutex_destroy(&server.branch_lock);
	ws_config_clear(&cfg);
	return rc;
}
