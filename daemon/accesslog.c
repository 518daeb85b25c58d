/* accesslog.c - request and daemon messages on stderr. */
#include "accesslog.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One write(2) per line, so that lines of concurrent requests never mix. */
static void emit(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
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
	emit(line, (size_t)len);
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
	emit(line, (size_t)len);
}
