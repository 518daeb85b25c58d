/* websocket.c - WebSocket sessions: wslay framing, one thread each. */
#include "websocket.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <wslay/wslay.h>

#include "accesslog.h"

#define PING_EVERY_MS 30000     /* keeps proxies open, detects dead peers */
#define PEER_SILENCE_MS 75000   /* no byte (not even a pong) for this long */
#define WATCH_POLL_MS 1000      /* when the library offers no watch fd */
#define CLOSE_GRACE_MS 2000     /* for the peer's close after ours */
#define MAX_QUEUED (8u << 20)   /* unsent bytes a client may leave... */
#define STALL_MS 10000          /* ...for this long without reading any */

struct ws_sockets {
	pthread_mutex_t lock;
	pthread_cond_t ended;
	size_t live;  /* sessions whose thread runs */
	int stopping;
	int wake_fd;  /* eventfd, readable once shutdown began */
};

struct ws_session {
	struct ws_sockets *sockets;
	ws_store *store; /* owned: used by the session's thread only */
	ws_watch *watch;
	MHD_socket sock;
	struct MHD_UpgradeResponseHandle *urh;
	char *extra; /* bytes MHD read past the request */
	size_t extra_len, extra_off;
	wslay_event_context_ptr ctx;
	int64_t last_heard, last_ping;
	int64_t last_progress; /* the last send, or when nothing was queued */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the set of sessions ---- */

struct ws_sockets *ws_sockets_new(void)
{
	struct ws_sockets *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if ((s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->ended, NULL);
	return s;
}

void ws_sockets_shutdown(struct ws_sockets *s, int timeout_ms)
{
	uint64_t one = 1;
	struct timespec deadline;

	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_mutex_unlock(&s->lock);
	if (write(s->wake_fd, &one, sizeof(one)) < 0)
		ws_daemon_log("cannot wake WebSocket sessions: %s",
			      strerror(errno));
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->lock);
	while (s->live > 0 &&
	       pthread_cond_timedwait(&s->ended, &s->lock, &deadline) == 0)
		;
	if (s->live > 0)
		ws_daemon_log("%zu WebSocket sessions did not close", s->live);
	pthread_mutex_unlock(&s->lock);
}

void ws_sockets_free(struct ws_sockets *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->live > 0) {
		/* A session thread still runs and uses this: leave it be. */
		pthread_mutex_unlock(&s->lock);
		return;
	}
	pthread_mutex_unlock(&s->lock);
	close(s->wake_fd);
	pthread_cond_destroy(&s->ended);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int ws_sockets_stopping(struct ws_sockets *s)
{
	int stopping;

	pthread_mutex_lock(&s->lock);
	stopping = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stopping;
}

/* ---- one session ---- */

int ws_session_new(struct ws_session **out, struct ws_server *server,
		   const char *branch)
{
	struct ws_session *s = calloc(1, sizeof(*s));
	int error;

	*out = NULL;
	if (!s)
		return ws_error_set(WS_ERROR, "out of memory");
	s->sockets = server->sockets;
	s->sock = MHD_INVALID_SOCKET;
	if ((error = ws_server_open_store(&s->store, server)) < 0 ||
	    (error = ws_watch_new(&s->watch, s->store, branch)) < 0) {
		ws_session_free(s);
		return error;
	}
	*out = s;
	return 0;
}

void ws_session_free(struct ws_session *s)
{
	if (!s)
		return;
	if (s->ctx)
		wslay_event_context_free(s->ctx);
	ws_watch_free(s->watch);
	ws_store_free(s->store);
	free(s->extra);
	free(s);
}

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
		       int flags, void *user)
{
	struct ws_session *s = user;
	ssize_t n;

	(void)flags;
	if (s->extra_off < s->extra_len) {
		size_t left = s->extra_len - s->extra_off;
		n = (ssize_t)(left < len ? left : len);
		memcpy(buf, s->extra + s->extra_off, (size_t)n);
		s->extra_off += (size_t)n;
		return n;
	}
	do
		n = recv(s->sock, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		s->last_heard = now_ms();
		return n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data,
		       size_t len, int flags, void *user)
{
	struct ws_session *s = user;
	int more = (flags & WSLAY_MSG_MORE) ? MSG_MORE : 0;
	ssize_t n;

	do
		n = send(s->sock, data, len, MSG_NOSIGNAL | more);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		s->last_progress = now_ms();
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

/* Messages from the client carry nothing for us; pings are answered by
 * wslay itself, and any byte received proves the client alive. */
static void on_message(wslay_event_context_ptr ctx,
		       const struct wslay_event_on_msg_recv_arg *arg,
		       void *user)
{
	(void)ctx;
	(void)arg;
	(void)user;
}

static int queue(struct ws_session *s, uint8_t opcode, const char *data,
		 size_t len)
{
	struct wslay_event_msg msg = {opcode, (const uint8_t *)data, len};
	int rc = wslay_event_queue_msg(s->ctx, &msg);

	/* Closing already: nothing more goes out, and that is fine. */
	return rc == 0 || rc == WSLAY_ERR_NO_MORE_MSG ? 0 : -1;
}

static int send_change(const ws_change *change, void *payload)
{
	struct ws_session *s = payload;
	char *json = ws_change_json(change);
	int rc;

	if (!json)
		return ws_error_set(WS_ERROR, "out of memory");
	rc = queue(s, WSLAY_TEXT_FRAME, json, strlen(json));
	free(json);
	return rc < 0 ? ws_error_set(WS_ERROR, "queueing a message failed")
		      : 0;
}

static void begin_close(struct ws_session *s, uint16_t code,
			const char *reason, int64_t *close_by)
{
	if (*close_by)
		return;
	wslay_event_queue_close(s->ctx, code, (const uint8_t *)reason,
				strlen(reason));
	*close_by = now_ms() + CLOSE_GRACE_MS;
}

/* The session's loop: changes out, frames in, until either side closes. */
static void run(struct ws_session *s)
{
	int watch_fd = ws_watch_fd(s->watch);
	int64_t close_by = 0;

	s->last_heard = s->last_ping = s->last_progress = now_ms();
	while (wslay_event_want_read(s->ctx) ||
	       wslay_event_want_write(s->ctx)) {
		struct pollfd p[3];
		int64_t now = now_ms(), wait = PING_EVERY_MS;
		int n, rc;

		p[0] = (struct pollfd){s->sock, 0, 0};
		if (wslay_event_want_read(s->ctx))
			p[0].events |= POLLIN;
		if (wslay_event_want_write(s->ctx))
			p[0].events |= POLLOUT;
		p[1] = (struct pollfd){s->sockets->wake_fd, POLLIN, 0};
		p[2] = (struct pollfd){watch_fd, POLLIN, 0};
		n = watch_fd >= 0 ? 3 : 2;
		if (watch_fd < 0 || wslay_event_want_write(s->ctx))
			wait = WATCH_POLL_MS;
		if (close_by)
			wait = close_by > now ? close_by - now : 0;
		rc = poll(p, (nfds_t)n, (int)wait);
		if (rc < 0 && errno != EINTR)
			break;
		now = now_ms();
		if (close_by && now >= close_by)
			break;
		if (p[1].revents & POLLIN)
			begin_close(s, 1001, "server shutting down", &close_by);
		if (!close_by && (watch_fd < 0 || (p[2].revents & POLLIN)) &&
		    ws_watch_next(s->watch, 0, send_change, s) < 0) {
			ws_daemon_log("watch failed: %s", ws_error_last());
			begin_close(s, 1011, "watch failed", &close_by);
		}
		if (now - s->last_heard > PEER_SILENCE_MS)
			break; /* dead: not even a pong */
		if (!close_by && now - s->last_ping >= PING_EVERY_MS) {
			queue(s, WSLAY_PING, "", 0);
			s->last_ping = now;
		}
		if ((p[0].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    wslay_event_recv(s->ctx) < 0)
			break;
		/* Try to send whether or not POLLOUT was asked: new
		 * messages may have been queued just now. */
		if (wslay_event_want_write(s->ctx) &&
		    wslay_event_send(s->ctx) < 0)
			break;
		/* A big commit may queue more than MAX_QUEUED at once: that is
		 * fine while the client reads. One that stopped is dropped. */
		if (!wslay_event_want_write(s->ctx))
			s->last_progress = now;
		else if (wslay_event_get_queued_msg_length(s->ctx) >
				 MAX_QUEUED &&
			 now - s->last_progress > STALL_MS) {
			ws_daemon_log("dropping a WebSocket client that "
				      "reads too slowly");
			break;
		}
	}
}

static void *session_thread(void *arg)
{
	struct ws_session *s = arg;
	struct ws_sockets *sockets = s->sockets;
	struct MHD_UpgradeResponseHandle *urh = s->urh;

	run(s);
	ws_session_free(s);
	/* Gives the socket back to MHD, which closes it and completes the
	 * request (so it leaves the access log and the in-flight count). */
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	pthread_mutex_lock(&sockets->lock);
	sockets->live--;
	pthread_cond_broadcast(&sockets->ended);
	pthread_mutex_unlock(&sockets->lock);
	return NULL;
}

static const struct wslay_event_callbacks callbacks = {
	.recv_callback = on_recv,
	.send_callback = on_send,
	.on_msg_recv_callback = on_message,
};

void ws_session_upgraded(void *cls, struct MHD_Connection *conn,
			 void *req_cls, const char *extra_in,
			 size_t extra_in_size, MHD_socket sock,
			 struct MHD_UpgradeResponseHandle *urh)
{
	struct ws_request *req = req_cls;
	struct ws_session *s = req->session;
	struct ws_sockets *sockets = cls;
	pthread_attr_t attr;
	pthread_t thread;
	int flags;

	(void)conn;
	req->session = NULL; /* the thread owns it from here */
	s->sock = sock;
	s->urh = urh;
	flags = fcntl(sock, F_GETFL);
	if (flags < 0 || fcntl(sock, F_SETFL, flags | O_NONBLOCK) < 0)
		goto fail;
	if (extra_in_size) {
		if (!(s->extra = malloc(extra_in_size)))
			goto fail;
		memcpy(s->extra, extra_in, extra_in_size);
		s->extra_len = extra_in_size;
	}
	if (wslay_event_context_server_init(&s->ctx, &callbacks, s) != 0)
		goto fail;
	wslay_event_config_set_max_recv_msg_length(s->ctx, 64 * 1024);
	pthread_mutex_lock(&sockets->lock);
	sockets->live++;
	pthread_mutex_unlock(&sockets->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, session_thread, s) != 0) {
		pthread_attr_destroy(&attr);
		pthread_mutex_lock(&sockets->lock);
		sockets->live--;
		pthread_mutex_unlock(&sockets->lock);
		goto fail;
	}
	pthread_attr_destroy(&attr);
	return;
fail:
	ws_daemon_log("cannot start a WebSocket session");
	ws_session_free(s);
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}
