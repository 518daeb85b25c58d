#!/usr/bin/env bash
# wasmstore server runs the daemon; global options reach it whether given
# before or after "server".
. "$(dirname "$0")/test-lib.sh"

sha() { sha256sum <"$1" | cut -d" " -f1; }

# start_server LOG ARGS...: wasmstore ARGS in the background ($server),
# once it answers on $port (10 s at most).
start_server() {
	local log=$1 i
	shift
	wasmstore "$@" >"$log" 2>&1 &
	server=$!
	test_when_finished "kill $server"
	for i in $(seq 1 200); do
		curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/branch" && return 0
		kill -0 $server 2>/dev/null || { cat "$log"; return 1; }
		sleep 0.05
	done
	echo "the server never answered" >&2
	return 1
}

server=0 port=0
test_expect_success 'setup' '
	make_module 1 m1.wasm && make_module 2 m2.wasm &&
	H1=$(sha m1.wasm) && H2=$(sha m2.wasm) &&
	wasmstore --root r1 add m1.wasm one.wasm >/dev/null &&
	wasmstore --root r1 branch dev &&
	wasmstore --root r1 --branch dev add m2.wasm two.wasm >/dev/null
'

test_expect_success 'server with --root before the command' '
	port=$(free_port) &&
	start_server s1.log --root r1 server --host 127.0.0.1 --port $port &&
	curl -sf "http://127.0.0.1:$port/api/v1/modules/" >actual &&
	printf "{\"/one.wasm\":\"%s\"}" $H1 >expect &&
	test_cmp expect actual &&
	curl -sf "http://127.0.0.1:$port/api/v1/hash/one.wasm" >actual &&
	printf "%s" $H1 >expect &&
	test_cmp expect actual
'

test_expect_success 'SIGTERM stops it with exit 0' '
	kill -TERM $server &&
	wait $server
'

test_expect_success 'server with --root and --branch after the command' '
	port=$(free_port) &&
	start_server s2.log server --host 127.0.0.1 --port $port --root r1 --branch dev &&
	curl -sf "http://127.0.0.1:$port/api/v1/hash/two.wasm" >actual &&
	printf "%s" $H2 >expect &&
	test_cmp expect actual &&
	kill -TERM $server && wait $server
'

test_expect_success 'server with --branch before the command' '
	port=$(free_port) &&
	start_server s3.log --root r1 --branch dev server --host 127.0.0.1 --port $port &&
	curl -sf "http://127.0.0.1:$port/api/v1/hash/two.wasm" >actual &&
	printf "%s" $H2 >expect &&
	test_cmp expect actual &&
	kill -TERM $server && wait $server
'

test_expect_success 'a bad server option is a usage error (exit 2)' '
	test_expect_code 2 wasmstore server --port not-a-port >out 2>err &&
	test -s err
'

test_done
