#!/usr/bin/env bash
# Uploads: validated as they stream in; too big (413) or invalid (400)
# leaves nothing behind; a big module never sits in the daemon's memory.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"

A_SIZE=828094
TEXT="Content-Type: text/plain; charset=utf-8"

# big_module MIB OUT: a valid module of about MIB MiB (one custom section
# of zeros).
big_module() {
	python3 - "$1" "$2" <<-\PY
	import sys
	n = int(sys.argv[1]) << 20
	def leb(v):
	    out = bytearray()
	    while True:
	        b = v & 0x7f
	        v >>= 7
	        out.append(b | (0x80 if v else 0))
	        if not v:
	            return bytes(out)
	name = b"big"
	body = leb(len(name)) + name
	with open(sys.argv[2], "wb") as f:
	    f.write(b"\0asm\1\0\0\0\0" + leb(len(body) + n) + body)
	    f.write(bytes(1 << 20) * (n >> 20))
	PY
}

# What a failed upload must not leave: objects, staged files, commits.
snapshot_store() {
	{
		git_head || echo none
		find "$WASMSTORE_ROOT/objects" -type f | sort
		find "$WASMSTORE_ROOT/wasmstore" -type f ! -name index | sort
	} >"$1"
}

test_expect_success 'setup: modules, a daemon taking modules up to a.wasm size' '
	make_module 1 m1.wasm &&
	head -c 1000 "$FIXTURES/a.wasm" >truncated.wasm &&
	printf "hello world" >text.wasm &&
	start_daemon --max-module-size $A_SIZE &&
	http POST /module/m1.wasm --data-binary @m1.wasm &&
	snapshot_store before
'

test_expect_success 'a module of exactly the maximum size is taken' '
	http POST /module/a.wasm --data-binary @"$FIXTURES/a.wasm" &&
	head -n 1 head >status &&
	echo "HTTP/1.1 200 OK" >expect && test_cmp expect status &&
	snapshot_store before
'

test_expect_success 'Content-Length over the maximum: 413 before the body is read' '
	http POST /module/b.wasm --data-binary @"$FIXTURES/b.wasm" &&
	expect_head "413 Content Too Large" "Connection: close" "$TEXT" \
		"Content-Length: 31" &&
	test_cmp expect.head head &&
	printf "module larger than $A_SIZE bytes" >expect &&
	test_cmp expect body &&
	snapshot_store after && test_cmp before after
'

test_expect_success 'the same without Expect: 100-continue' '
	http POST /module/b.wasm -H "Expect:" --data-binary @"$FIXTURES/b.wasm" &&
	test_cmp expect.head head &&
	snapshot_store after && test_cmp before after
'

test_expect_success 'chunked body over the maximum: 413 once it is read' '
	http POST /module/b.wasm -H "Transfer-Encoding: chunked" \
		--data-binary @"$FIXTURES/b.wasm" &&
	expect_head "413 Content Too Large" "$TEXT" "Content-Length: 31" &&
	test_cmp expect.head head &&
	printf "module larger than $A_SIZE bytes" >expect &&
	test_cmp expect body &&
	snapshot_store after && test_cmp before after
'

test_expect_success 'chunked body within the maximum: taken' '
	http POST /module/chunked.wasm -H "Transfer-Encoding: chunked" \
		--data-binary @m1.wasm &&
	sha256sum <m1.wasm | cut -d" " -f1 | tr -d "\n" >expect &&
	test_cmp expect body &&
	snapshot_store before
'

test_expect_success 'a truncated module: 400 with the reason, nothing stored' '
	http POST /module/t.wasm --data-binary @truncated.wasm &&
	expect_head "400 Bad Request" "$TEXT" "Content-Length: 38" &&
	test_cmp expect.head head &&
	printf "invalid module: unexpected end-of-file" >expect &&
	test_cmp expect body &&
	snapshot_store after && test_cmp before after
'

test_expect_success 'not WebAssembly at all, or an empty body: 400' '
	http POST /module/t.wasm --data-binary @text.wasm &&
	head -n 1 head >status &&
	echo "HTTP/1.1 400 Bad Request" >expect && test_cmp expect status &&
	grep "^invalid module: " body &&
	http POST /module/t.wasm &&
	head -n 1 head >status && test_cmp expect status &&
	snapshot_store after && test_cmp before after
'

test_expect_success 'a bad path: 400 before the body is read' '
	http POST /module/a/../b.wasm --path-as-is --data-binary @m1.wasm &&
	head -n 1 head >status &&
	echo "HTTP/1.1 400 Bad Request" >expect && test_cmp expect status &&
	http POST /module/ --data-binary @m1.wasm &&
	head -n 1 head >status && test_cmp expect status &&
	snapshot_store after && test_cmp before after &&
	stop_daemon
'

test_expect_success 'default maximum: 256 MiB' '
	start_daemon &&
	http POST /module/big.wasm -H "Content-Length: 268435457" \
		--data-binary @m1.wasm &&
	printf "module larger than 268435456 bytes" >expect &&
	test_cmp expect body
'

test_expect_success 'setup: a 48 MiB module' '
	big_module 48 big.wasm &&
	BIG_HASH=$(sha256sum <big.wasm | cut -d" " -f1)
'

rss_anon() {
	sed -n "s/^RssAnon: *\([0-9]*\) kB/\1/p" /proc/$DAEMON_PID/status
}

test_expect_success 'a 48 MiB upload streams: the daemon holds far less of it' '
	base=$(rss_anon) &&
	{
		curl -sS --limit-rate 24M -o body --data-binary @big.wasm \
			"$API/module/big.wasm" &
	} &&
	curl_pid=$! &&
	peak=$base &&
	while kill -0 $curl_pid 2>/dev/null; do
		now=$(rss_anon) &&
		if [ "$now" -gt "$peak" ]; then peak=$now; fi &&
		sleep 0.05 || break
	done &&
	wait $curl_pid &&
	printf $BIG_HASH >expect && test_cmp expect body &&
	echo "anonymous memory: $base kB, at most $peak kB during the upload" &&
	test $((peak - base)) -lt 16384
'

test_expect_success 'and is sent back whole' '
	http GET /module/big.wasm &&
	test_cmp big.wasm body
'

test_expect_success 'a client that hangs up mid-upload leaves nothing behind' '
	snapshot_store before &&
	test_must_fail curl -sS --limit-rate 4M --max-time 1 -o /dev/null \
		--data-binary @big.wasm "$API/module/gone.wasm" &&
	sleep 0.5 &&
	snapshot_store after && test_cmp before after &&
	stop_daemon
'

test_done
