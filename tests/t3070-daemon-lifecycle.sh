#!/usr/bin/env bash
# Options and environment of wasmstore-server, the port it reports, and a
# clean shutdown on SIGTERM/SIGINT that finishes requests in flight.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"

A_HASH=b6b033aa8c568449d19e0d440cd31f8fcebaebc9c28070e09073275d8062be31

test_expect_success '--help: usage on stdout, exit 0' '
	wasmstore-server --help >out &&
	head -n 1 out >first &&
	echo "usage: wasmstore server [options]" >expect &&
	test_cmp expect first
'

test_expect_success 'every option of --help is in wasmstore-server(1)' '
	page="$TEST_DIR/../man/wasmstore-server.1" &&
	sed -e "s/\\\\f[BIRP]//g" -e "s/\\\\//g" "$page" >page.txt &&
	wasmstore-server --help >out &&
	sed -n "s/^ *\(-h, \)\{0,1\}\(--[a-z-]*\).*/\2/p" out >options &&
	test $(wc -l <options) = 14 &&
	for o in $(cat options) WASMSTORE_ROOT WASMSTORE_BRANCH \
		WASMSTORE_AUTHOR WASMSTORE_HOST WASMSTORE_PORT WASMSTORE_AUTH \
		WASMSTORE_TLS; do
		grep -q -e "$o" page.txt || { echo "not in the page: $o"; return 1; }
	done
'

test_expect_success 'usage errors: exit 2 with a message' '
	test_expect_code 2 wasmstore-server --bogus 2>err &&
	grep "unknown option .--bogus." err &&
	test_expect_code 2 wasmstore-server --port 70000 2>err &&
	grep "invalid port .70000." err &&
	test_expect_code 2 wasmstore-server --port 2>err &&
	grep "needs a value" err &&
	test_expect_code 2 wasmstore-server --max-module-size 12Q 2>err &&
	grep "invalid size .12Q." err &&
	test_expect_code 2 wasmstore-server extra 2>err &&
	grep "unexpected argument .extra." err
'

test_expect_success '--port 0: a free port, announced and written to --port-file' '
	start_daemon &&
	test "$PORT" -gt 0 &&
	grep "^wasmstore-server: listening on http://127.0.0.1:$PORT\$" "$DAEMON_LOG" &&
	http GET /branch && printf main >expect && test_cmp expect body
'

test_expect_success 'a port already in use: exit 1' '
	test_expect_code 1 wasmstore-server --port $PORT 2>err &&
	grep "cannot listen on 127.0.0.1 port $PORT" err &&
	stop_daemon
'

test_expect_success 'WASMSTORE_HOST and WASMSTORE_PORT' '
	port=$(free_port) &&
	{
		WASMSTORE_HOST=127.0.0.1 WASMSTORE_PORT=$port \
			wasmstore-server --port-file pf 2>env.log &
	} &&
	pid=$! &&
	test_when_finished "end_daemon $pid" &&
	for i in $(seq 1 100); do test -s pf && break; sleep 0.05; done &&
	echo $port >expect && test_cmp expect pf &&
	curl -sS -o body "http://127.0.0.1:$port/api/v1/branch" &&
	printf main >expect && test_cmp expect body &&
	kill -TERM $pid && wait $pid
'

test_expect_success '--root, --branch and --author' '
	git init -q --bare other &&
	start_daemon --root other --branch dev --author "Daemon Tester" &&
	http GET /branch && printf dev >expect && test_cmp expect body &&
	http POST /module/a.wasm --data-binary @"$FIXTURES/a.wasm" &&
	git --git-dir=other log -1 --format="%an|%s" dev >actual &&
	echo "Daemon Tester|add a.wasm" >expect && test_cmp expect actual &&
	http POST /module/b.wasm -H "Wasmstore-Branch: main" \
		--data-binary @"$FIXTURES/a.wasm" &&
	git --git-dir=other log -1 --format=%s main >actual &&
	echo "add b.wasm" >expect && test_cmp expect actual &&
	test_must_fail git_head &&
	stop_daemon
'

test_expect_success 'WASMSTORE_ROOT, WASMSTORE_BRANCH and WASMSTORE_AUTHOR' '
	WASMSTORE_ROOT="$TRASH/other" WASMSTORE_BRANCH=env \
		WASMSTORE_AUTHOR="Env Author" start_daemon &&
	http POST /module/e.wasm --data-binary @"$FIXTURES/a.wasm" &&
	git --git-dir=other log -1 --format="%an|%s" env >actual &&
	echo "Env Author|add e.wasm" >expect && test_cmp expect actual &&
	stop_daemon
'

test_expect_success 'an unusable root or a bad --branch: exit 1' '
	echo file >notadir &&
	test_expect_code 1 wasmstore-server --port 0 --root notadir 2>err &&
	grep "cannot open the store" err &&
	test_expect_code 1 wasmstore-server --port 0 --branch "a..b" 2>err &&
	grep "invalid branch name" err
'

test_expect_success '--quiet: no access log' '
	: >"$DAEMON_LOG" &&
	start_daemon --quiet --threads 2 &&
	http GET /branch && http GET /modules &&
	stop_daemon &&
	cat >expect <<-EOF &&
	wasmstore-server: listening on http://127.0.0.1:$PORT
	wasmstore-server: Terminated: finishing requests in flight
	wasmstore-server: stopped
	EOF
	test_cmp expect "$DAEMON_LOG"
'

test_expect_success 'SIGTERM while a slow download is in flight: it completes' '
	start_daemon &&
	http POST /module/a.wasm --data-binary @"$FIXTURES/a.wasm" &&
	{
		curl -sS --limit-rate 400K -o slow.out "$API/module/a.wasm" &
	} &&
	curl_pid=$! &&
	sleep 0.5 &&
	kill -TERM $DAEMON_PID &&
	sleep 0.2 &&
	test_must_fail curl -sS -o /dev/null "$API/branch" &&
	wait $curl_pid &&
	test_cmp "$FIXTURES/a.wasm" slow.out &&
	wait $DAEMON_PID &&
	DAEMON_PID= &&
	grep "GET /api/v1/module/a.wasm 200 828094" "$DAEMON_LOG"
'

test_expect_success 'SIGINT also stops it cleanly' '
	start_daemon &&
	kill -INT $DAEMON_PID &&
	wait $DAEMON_PID &&
	DAEMON_PID= &&
	grep "^wasmstore-server: Interrupt: finishing requests in flight\$" "$DAEMON_LOG"
'

test_expect_success 'keep-alive: many requests over one connection' '
	start_daemon &&
	curl -sS -o /dev/null -o /dev/null -o /dev/null \
		-w "%{num_connects}\n" \
		"$API/branch" "$API/branches" "$API/modules" >conns &&
	printf "1\n0\n0\n" >expect && test_cmp expect conns &&
	stop_daemon
'

test_expect_success 'wasmstore server runs the same daemon' '
	if ! wasmstore server --help >/dev/null 2>&1; then
		echo "the CLI has no server command yet" && return 1
	fi &&
	port=$(free_port) &&
	{ wasmstore server --port $port 2>cli.log & } &&
	pid=$! &&
	test_when_finished "end_daemon $pid" &&
	for i in $(seq 1 100); do
		grep -q "listening on http://127.0.0.1:$port" cli.log && break
		sleep 0.05
	done &&
	curl -sS -o body "http://127.0.0.1:$port/api/v1/modules" &&
	printf "{\"/a.wasm\":\"%s\"}" $A_HASH >expect && test_cmp expect body &&
	kill -TERM $pid && wait $pid
'

test_done
