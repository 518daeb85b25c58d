# lib-daemon.sh - sourced by the tests of the HTTP daemon (t3xxx), after
# test-lib.sh. Starts wasmstore-server on a free port of 127.0.0.1 and
# talks to it with curl.
#
#   start_daemon [OPTIONS...]  starts it (port 0, real port read back from
#                              --port-file); sets DAEMON_PID, PORT, URL
#                              (scheme://127.0.0.1:PORT) and API ($URL/api/v1);
#                              it is stopped at test_done in any case
#   stop_daemon                SIGTERM, then waits: fails unless it exits 0
#   http METHOD ROUTE [CURL OPTIONS...]
#                              one request to $API$ROUTE: the status line and
#                              headers (CRs and Date dropped) go to ./head,
#                              the body to ./body
#   expect_head STATUS [HEADER...]
#                              writes ./expect.head: "HTTP/1.1 STATUS", then
#                              one line per HEADER
#   tls_certificate            makes key.pem and cert.pem (self-signed,
#                              for 127.0.0.1)
#   wait_log PATTERN           waits (10 s at most) until a line of the
#                              daemon's log matches PATTERN (grep -E): the
#                              access log is written in batches
#
# The daemon's stderr (access log included) goes to $DAEMON_LOG.
# $PYTHON is Debian's python3, which has python3-websockets.

DAEMON_LOG="$TRASH/daemon.log"
DAEMON_PID=
SCHEME=http
CURL_OPTS=
PYTHON=/usr/bin/python3
test -x "$PYTHON" || PYTHON=python3

start_daemon() {
	local portfile="$TRASH/daemon.port" i
	rm -f "$portfile"
	wasmstore-server --host 127.0.0.1 --port 0 --port-file "$portfile" \
		"$@" 2>>"$DAEMON_LOG" &
	DAEMON_PID=$!
	test_when_finished "end_daemon $DAEMON_PID"
	# If this shell dies before test_done (killed, timed out), the
	# daemon must not outlive it.
	{
		while kill -0 $$ && kill -0 $DAEMON_PID; do sleep 1; done
		kill -TERM $DAEMON_PID
	} >/dev/null 2>&1 </dev/null &
	for i in $(seq 1 200); do
		test -s "$portfile" && break
		if ! kill -0 $DAEMON_PID 2>/dev/null; then
			echo "daemon exited at start:" >&2
			cat "$DAEMON_LOG" >&2
			return 1
		fi
		sleep 0.05
	done
	test -s "$portfile" || { echo "daemon did not start" >&2; return 1; }
	PORT=$(cat "$portfile")
	URL="$SCHEME://127.0.0.1:$PORT"
	API="$URL/api/v1"
}

# end_daemon PID: the cleanup; SIGTERM first (a clean exit keeps the shell
# from reporting a killed job), SIGKILL if it is still there after 10s.
end_daemon() {
	kill -TERM $1 2>/dev/null || return 0
	for i in $(seq 1 200); do
		kill -0 $1 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL $1 2>/dev/null
	wait $1 2>/dev/null
}

stop_daemon() {
	test -n "$DAEMON_PID" || return 0
	kill -TERM $DAEMON_PID &&
	wait $DAEMON_PID
	local rc=$?
	DAEMON_PID=
	if [ $rc -ne 0 ]; then
		echo "daemon exited with $rc" >&2
		tail -n 20 "$DAEMON_LOG" >&2
		return 1
	fi
	# Under make SAN=1: any sanitizer report fails the test.
	if grep -E "Sanitizer|runtime error" "$DAEMON_LOG" >&2; then
		return 1
	fi
}

http() {
	local method=$1 route=$2
	shift 2
	rm -f head body head.raw
	if [ "$method" = HEAD ]; then
		curl -sS $CURL_OPTS -I -o head.raw "$@" "$API$route" &&
		: >body
	else
		curl -sS $CURL_OPTS -X "$method" -o body -D head.raw "$@" \
			"$API$route"
	fi || return 1
	sed -e 's/\r$//' -e '/^Date: /d' -e '/^$/d' -e '/^HTTP\/1.1 100 Continue$/d' \
		head.raw >head
}

expect_head() {
	local status=$1
	shift
	{
		printf 'HTTP/1.1 %s\n' "$status"
		for h in "$@"; do
			printf '%s\n' "$h"
		done
	} >expect.head
}

tls_certificate() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
		-keyout key.pem -out cert.pem 2>/dev/null
}

wait_log() {
	local i
	for i in $(seq 1 200); do
		grep -Eq -- "$1" "$DAEMON_LOG" && return 0
		sleep 0.05
	done
	echo "no line matching '$1' in the log" >&2
	return 1
}
