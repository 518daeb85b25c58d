#!/usr/bin/env bash
# GET /api/v1/watch: a real WebSocket client (python3-websockets) sees one
# message per change of its branch, whoever made it (HTTP, the CLI, a
# git push, another daemon), and nothing of other branches.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"

# watch.py URI BRANCH|- COUNT OUT: connects (ready file OUT.ready once the
# handshake is done), writes the next COUNT messages to OUT, one a line,
# then closes normally. Fails after 20s without a message.
cat >watch.py <<\PY
import asyncio, os, ssl, sys, websockets
uri, branch, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
async def main():
    headers = {} if branch == "-" else {"Wasmstore-Branch": branch}
    ctx = None
    if uri.startswith("wss:"):
        ctx = ssl.create_default_context(cafile=os.environ["CAFILE"])
    async with websockets.connect(uri, extra_headers=headers, ssl=ctx,
                                  ping_interval=None) as ws:
        open(out + ".ready", "w").close()
        with open(out, "w") as f:
            for _ in range(count):
                msg = await asyncio.wait_for(ws.recv(), 20)
                f.write(msg + "\n")
                f.flush()
asyncio.run(main())
PY

# start_watcher NAME BRANCH|- COUNT: a watcher in the background writing to
# NAME.msgs; its pid in WATCHER_PID. Returns once it is connected.
start_watcher() {
	rm -f "$1.msgs" "$1.msgs.ready"
	{ "$PYTHON" watch.py "${WS_URI:-ws://127.0.0.1:$PORT/api/v1/watch}" \
		"$2" "$3" "$1.msgs" 2>"$1.err" & } &&
	WATCHER_PID=$!
	test_when_finished "kill $WATCHER_PID 2>/dev/null"
	for i in $(seq 1 200); do
		test -e "$1.msgs.ready" && return 0
		kill -0 $WATCHER_PID 2>/dev/null || break
		sleep 0.05
	done
	cat "$1.err" >&2
	return 1
}

# added/updated/removed PATH HASH [NEW]: one expected message.
added() { printf '{"/%s":{"action":"added","hash":"%s"}}\n' "$1" "$2"; }
removed() { printf '{"/%s":{"action":"removed","hash":"%s"}}\n' "$1" "$2"; }
updated() {
	printf '{"/%s":{"action":"updated","hash":{"old":"%s","new":"%s"}}}\n' \
		"$1" "$2" "$3"
}

test_expect_success 'setup: modules, a daemon' '
	for i in 1 2 3 4 5 6 7 8 9; do
		make_module $i m$i.wasm &&
		eval "M$i=$(sha256sum <m$i.wasm | cut -d" " -f1)" || return 1
	done &&
	start_daemon &&
	http POST /module/seed.wasm --data-binary @m9.wasm
'

test_expect_success 'changes made over HTTP: added, updated, removed, in order' '
	start_watcher http - 5 &&
	http POST /module/a.wasm --data-binary @m1.wasm &&
	http POST /module/a.wasm --data-binary @m2.wasm &&
	http POST /hash/$M2/dir/b.wasm &&
	http DELETE /module/a.wasm &&
	http DELETE /module/seed.wasm &&
	wait $WATCHER_PID &&
	{
		added a.wasm $M1 &&
		updated a.wasm $M1 $M2 &&
		added dir/b.wasm $M2 &&
		removed a.wasm $M2 &&
		removed seed.wasm $M9
	} >expect &&
	test_cmp expect http.msgs
'

test_expect_success 'changes made with the CLI' '
	start_watcher cli - 3 &&
	wasmstore add m3.wasm c.wasm >out &&
	wasmstore add m4.wasm c.wasm >out &&
	wasmstore remove c.wasm &&
	wait $WATCHER_PID &&
	{
		added c.wasm $M3 &&
		updated c.wasm $M3 $M4 &&
		removed c.wasm $M4
	} >expect &&
	test_cmp expect cli.msgs
'

test_expect_success 'changes pushed with plain git' '
	git clone -q "$WASMSTORE_ROOT" clone &&
	start_watcher git - 2 &&
	cp m5.wasm clone/pushed.wasm &&
	git -C clone add pushed.wasm &&
	git -C clone -c user.name=T -c user.email=t@example.com \
		commit -q -m "pushed by git" &&
	git -C clone push -q origin HEAD:main &&
	git -C clone rm -q dir/b.wasm &&
	git -C clone -c user.name=T -c user.email=t@example.com \
		commit -q -m "removed by git" &&
	git -C clone push -q origin HEAD:main &&
	wait $WATCHER_PID &&
	{
		added pushed.wasm $M5 &&
		removed dir/b.wasm $M2
	} >expect &&
	test_cmp expect git.msgs
'

test_expect_success 'each watcher sees its own branch only' '
	http POST /branch/dev &&
	start_watcher main - 2 && main_pid=$WATCHER_PID &&
	start_watcher dev dev 2 && dev_pid=$WATCHER_PID &&
	http POST /module/on-dev.wasm -H "Wasmstore-Branch: dev" \
		--data-binary @m6.wasm &&
	wasmstore add m7.wasm on-main.wasm >out &&
	wasmstore add --branch dev m8.wasm dev-end.wasm >out &&
	http POST /module/main-end.wasm --data-binary @m8.wasm &&
	wait $main_pid && wait $dev_pid &&
	{ added on-main.wasm $M7 && added main-end.wasm $M8; } >expect &&
	test_cmp expect main.msgs &&
	{ added on-dev.wasm $M6 && added dev-end.wasm $M8; } >expect &&
	test_cmp expect dev.msgs
'

test_expect_success 'a change made through another daemon on the same root' '
	first_port=$PORT first_url=$URL first_api=$API first_pid=$DAEMON_PID &&
	start_watcher other - 1 &&
	start_daemon &&
	http POST /module/via-other.wasm --data-binary @m1.wasm &&
	stop_daemon &&
	PORT=$first_port URL=$first_url API=$first_api DAEMON_PID=$first_pid &&
	wait $WATCHER_PID &&
	added via-other.wasm $M1 >expect &&
	test_cmp expect other.msgs
'

cat >pingclose.py <<\PY
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], ping_interval=None) as ws:
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        print("pong")
        await ws.close()
        print("closed", ws.close_code)
asyncio.run(main())
PY

test_expect_success 'ping is answered with pong; close is answered with close' '
	"$PYTHON" pingclose.py "ws://127.0.0.1:$PORT/api/v1/watch" >actual &&
	printf "pong\nclosed 1000\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'handshake errors: no upgrade 400, wrong version 426' '
	http GET /watch -H "Connection: Upgrade" -H "Upgrade: websocket" \
		-H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" \
		-H "Sec-WebSocket-Version: 8" &&
	expect_head "426 Upgrade Required" "Sec-WebSocket-Version: 13" \
		"Content-Length: 29" &&
	test_cmp expect.head head &&
	http GET /watch -H "Connection: Upgrade" -H "Upgrade: websocket" &&
	head -n 1 head >status &&
	echo "HTTP/1.1 400 Bad Request" >expect && test_cmp expect status &&
	http GET /watch -H "Connection: Upgrade" -H "Upgrade: websocket" \
		-H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" \
		-H "Sec-WebSocket-Version: 13" -H "Wasmstore-Branch: a..b" &&
	head -n 1 head >status && test_cmp expect status
'

cat >stuck.py <<\PY
import socket, sys, time
# Handshakes, then never reads: the daemon cannot send it anything.
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(b"GET /api/v1/watch HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Version: 13\r\n\r\n")
open(sys.argv[2], "w").close()
time.sleep(600)
PY

# big_push N: one commit adding N paths (one blob) pushed with git; the
# long names make the messages add up to over 20 MB.
LONG=$(printf "%0150d" 0 | tr 0 x)
big_push() {
	blob=$(git -C clone hash-object -w ../m4.wasm) &&
	for i in $(seq 1 $1); do
		printf "100644 blob %s\tbulk/$LONG-%06d.wasm\n" $blob $i
	done >index-info &&
	git -C clone update-index --add --index-info <index-info &&
	git -C clone -c user.name=T -c user.email=t@example.com \
		commit -q -m "bulk" &&
	git -C clone push -q origin HEAD:main
}

test_expect_success 'a client that stops reading holds up neither writers nor watchers' '
	git -C clone fetch -q origin main && git -C clone checkout -q FETCH_HEAD &&
	{ "$PYTHON" stuck.py $PORT stuck.ready & } && stuck_pid=$! &&
	test_when_finished "kill -KILL $stuck_pid 2>/dev/null" &&
	for i in $(seq 1 100); do test -e stuck.ready && break; sleep 0.05; done &&
	kill -STOP $stuck_pid &&
	start_watcher live - 80001 &&
	big_push 80000 &&
	http POST /module/after.wasm --data-binary @m1.wasm &&
	head -n 1 head >status &&
	echo "HTTP/1.1 200 OK" >expect && test_cmp expect status &&
	wait $WATCHER_PID &&
	test $(wc -l <live.msgs) = 80001 &&
	head -n 1 live.msgs >first &&
	added bulk/$LONG-000001.wasm $M4 >expect && test_cmp expect first &&
	tail -n 1 live.msgs >last &&
	added after.wasm $M1 >expect && test_cmp expect last &&
	for i in $(seq 1 300); do
		grep -q "dropping a WebSocket client that reads too slowly" \
			"$DAEMON_LOG" && break
		sleep 0.1
	done &&
	grep "dropping a WebSocket client that reads too slowly" "$DAEMON_LOG" &&
	{ kill -KILL $stuck_pid; wait $stuck_pid; true; }
'

test_expect_success 'SIGTERM closes sessions with 1001 and the daemon exits 0' '
	cat >closed.py <<-\PY &&
	import asyncio, sys, websockets
	async def main():
	    async with websockets.connect(sys.argv[1], ping_interval=None) as ws:
	        open(sys.argv[2], "w").close()
	        try:
	            await asyncio.wait_for(ws.recv(), 20)
	        except websockets.ConnectionClosed as e:
	            print("closed", e.rcvd.code, e.rcvd.reason)
	asyncio.run(main())
	PY
	{ "$PYTHON" closed.py "ws://127.0.0.1:$PORT/api/v1/watch" closed.ready \
		>closed.out & } && closed_pid=$! &&
	for i in $(seq 1 100); do test -e closed.ready && break; sleep 0.05; done &&
	stop_daemon &&
	wait $closed_pid &&
	echo "closed 1001 server shutting down" >expect &&
	test_cmp expect closed.out
'

test_expect_success 'wss:// through a TLS daemon' '
	tls_certificate &&
	SCHEME=https CURL_OPTS="--cacert cert.pem" &&
	start_daemon --tls key.pem,cert.pem &&
	CAFILE=cert.pem WS_URI="wss://127.0.0.1:$PORT/api/v1/watch" \
		start_watcher tls - 1 &&
	http POST /module/over-tls.wasm --data-binary @m3.wasm &&
	wait $WATCHER_PID &&
	added over-tls.wasm $M3 >expect &&
	test_cmp expect tls.msgs &&
	stop_daemon
'

test_done
