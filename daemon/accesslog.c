/* accesslog.c - request and daemon messages on stderr.
 *
 * Access-log lines gather in one buffer that a thread of its own writes out
 * at most FLUSH_MS after the first line came in (or at once when it is
 * full): one write(2) for many requests instead of one each. Lines never
 * mix, and keep their order: appending and handing a buffer to the writer
 * happen under one lock, and buffers are written in the order they were
 * handed over. Daemon messages are written at once, after whatever lines
 * came before them.
 */
#include "accesslog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BUFFER_SIZE (64 * 1024)
#define FLUSH_MS 20

static struct {
	pthread_mutex_t lock;     /* the buffer, and the state below */
	pthread_mutex_t out;      /* one writer at a time, in turn */
	pthread_cond_t wake;      /* lines came into an empty buffer */
	char bufs[2][BUFFER_SIZE];
	int cur;                  /* the buffer lines go into */
	size_t len;
	int running, stopping;
	pthread_t thread;
} logbuf = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.out = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
};

static void emit(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

/* Hands the current buffer to the writer and writes it; called with
 * logbuf.lock held, returns with it released. */
static void flush_and_unlock(void)
{
	const char *buf = logbuf.bufs[logbuf.cur];
	size_t len = logbuf.len;

	logbuf.cur ^= 1;
	logbuf.len = 0;
	/* Taken before the buffer lock is let go: the next flush, whoever
	 * does it, waits until this one is written. */
	pthread_mutex_lock(&logbuf.out);
	pthread_mutex_unlock(&logbuf.lock);
	emit(buf, len);
	pthread_mutex_unlock(&logbuf.out);
}

/* Appends a line; `now` writes it (and what came before) at once. */
static void add_line(const char *line, size_t len, int now)
{
	pthread_mutex_lock(&logbuf.lock);
	if (logbuf.len + len > BUFFER_SIZE) {
		flush_and_unlock();
		pthread_mutex_lock(&logbuf.lock);
	}
	if (len > BUFFER_SIZE) { /* cannot happen: lines are short */
		pthread_mutex_unlock(&logbuf.lock);
		return;
	}
	memcpy(logbuf.bufs[logbuf.cur] + logbuf.len, line, len);
	logbuf.len += len;
	if (now || !logbuf.running) {
		flush_and_unlock();
		return;
	}
	if (logbuf.len == len) /* was empty: the writer sleeps */
		pthread_cond_signal(&logbuf.wake);
	pthread_mutex_unlock(&logbuf.lock);
}

static void *writer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&logbuf.lock);
	while (!logbuf.stopping) {
		struct timespec until;
		if (logbuf.len == 0) {
			pthread_cond_wait(&logbuf.wake, &logbuf.lock);
			continue;
		}
		/* Let more lines come before writing. */
		pthread_mutex_unlock(&logbuf.lock);
		until.tv_sec = 0;
		until.tv_nsec = FLUSH_MS * 1000000L;
		nanosleep(&until, NULL);
		pthread_mutex_lock(&logbuf.lock);
		if (logbuf.len) {
			flush_and_unlock();
			pthread_mutex_lock(&logbuf.lock);
		}
	}
	pthread_mutex_unlock(&logbuf.lock);
	return NULL;
}

int ws_accesslog_start(void)
{
	int rc;

	pthread_mutex_lock(&logbuf.lock);
	logbuf.stopping = 0;
	rc = pthread_create(&logbuf.thread, NULL, writer, NULL);
	logbuf.running = rc == 0;
	pthread_mutex_unlock(&logbuf.lock);
	return rc == 0 ? 0 : -1;
}

void ws_accesslog_stop(void)
{
	pthread_mutex_lock(&logbuf.lock);
	if (!logbuf.running) {
		pthread_mutex_unlock(&logbuf.lock);
		return;
	}
	logbuf.stopping = 1;
	pthread_cond_signal(&logbuf.wake);
	pthread_mutex_unlock(&logbuf.lock);
	pthread_join(logbuf.thread, NULL);
	pthread_mutex_lock(&logbuf.lock);
	logbuf.running = 0;
	flush_and_unlock();
}

static void client_address(char *out, size_t size,
			   struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;

	snprintf(out, size, "-");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)size);
}

static const char *termination(enum MHD_RequestTerminationCode how)
{
	switch (how) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return "";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return " (timeout)";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return " (shutdown)";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return " (client aborted)";
	default:
		return " (error)";
	}
}

void ws_accesslog(const struct ws_request *req,
		  enum MHD_RequestTerminationCode how)
{
	char line[2048], addr[INET6_ADDRSTRLEN + 1], status[16];
	struct timespec now;
	double ms;
	int len;

	if (req->server->cfg->quiet)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - req->start.tv_sec) * 1e3 +
	     (double)(now.tv_nsec - req->start.tv_nsec) / 1e6;
	client_address(addr, sizeof(addr), req->conn);
	if (req->status)
		snprintf(status, sizeof(status), "%u", req->status);
	else
		snprintf(status, sizeof(status), "-");
	len = snprintf(line, sizeof(line), "%s %s %.1000s %s %llu %.3fms%s\n",
		       addr, req->method, req->url ? req->url : "-", status,
		       (unsigned long long)req->bytes, ms, termination(how));
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	add_line(line, (size_t)len, 0);
}

void ws_daemon_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int len = snprintf(line, sizeof(line), "wasmstore-server: ");

	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - (size_t)len - 1, fmt, ap);
	va_end(ap);
	if ((size_t)len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	add_line(line, (size_t)len, 1);
}
