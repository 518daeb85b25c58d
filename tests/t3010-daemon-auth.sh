#!/usr/bin/env bash
# --auth, WASMSTORE_AUTH and --auth-file: which key may use which method;
# --cors headers and preflight.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"

# status METHOD ROUTE [KEY]: prints the status code of one request.
status() {
	if [ -n "${3-}" ]; then
		http "$1" "$2" -H "Wasmstore-Auth: $3"
	else
		http "$1" "$2"
	fi && sed -n "1s/^HTTP\/1.1 \([0-9]*\) .*/\1/p" head
}

test_expect_success 'setup: a daemon with three keys' '
	make_module 1 m1.wasm &&
	start_daemon --auth "rw-key:GET,POST;ro-key:GET;all-key:*"
'

test_expect_success 'ANY /auth: 200 exactly for the methods of the key' '
	for m in GET POST PUT DELETE; do
		for k in rw-key ro-key all-key; do
			echo "$m $k $(status $m /auth $k)" || return 1
		done
	done >actual &&
	cat >expect <<-\EOF &&
	GET rw-key 200
	GET ro-key 200
	GET all-key 200
	POST rw-key 200
	POST ro-key 401
	POST all-key 200
	PUT rw-key 401
	PUT ro-key 401
	PUT all-key 200
	DELETE rw-key 401
	DELETE ro-key 401
	DELETE all-key 200
	EOF
	test_cmp expect actual
'

test_expect_success 'no key, an unknown key, a prefix or an extension of a key: 401' '
	for k in "" nokey rw rw-key2 RW-KEY "rw-key:GET"; do
		echo "[$k] $(status GET /auth "$k")" || return 1
	done >actual &&
	cat >expect <<-\EOF &&
	[] 401
	[nokey] 401
	[rw] 401
	[rw-key2] 401
	[RW-KEY] 401
	[rw-key:GET] 401
	EOF
	test_cmp expect actual
'

test_expect_success '401: empty body, on every route, known or not' '
	http GET /modules &&
	expect_head "401 Unauthorized" "Content-Length: 0" &&
	test_cmp expect.head head && test_must_fail test -s body &&
	http GET /nothing && test_cmp expect.head head &&
	http GET /branch -H "Wasmstore-Auth: nokey" && test_cmp expect.head head
'

test_expect_success 'a read-only key cannot upload; nothing is stored' '
	http POST /module/m1.wasm -H "Wasmstore-Auth: ro-key" \
		--data-binary @m1.wasm &&
	expect_head "401 Unauthorized" "Connection: close" "Content-Length: 0" &&
	test_cmp expect.head head &&
	test_must_fail git_head
'

test_expect_success 'the right key works on the real routes' '
	http POST /module/m1.wasm -H "Wasmstore-Auth: rw-key" \
		--data-binary @m1.wasm &&
	sha256sum <m1.wasm | cut -d" " -f1 | tr -d "\n" >expect &&
	test_cmp expect body &&
	http GET /hash/m1.wasm -H "Wasmstore-Auth: ro-key" &&
	test_cmp expect body &&
	echo 401 >expect &&
	status DELETE /module/m1.wasm rw-key >actual && test_cmp expect actual &&
	echo 200 >expect &&
	status DELETE /module/m1.wasm all-key >actual && test_cmp expect actual
'

test_expect_success 'HEAD needs a key that allows HEAD' '
	echo 401 >expect &&
	status HEAD /auth ro-key >actual && test_cmp expect actual &&
	echo 200 >expect &&
	status HEAD /auth all-key >actual && test_cmp expect actual &&
	stop_daemon
'

test_expect_success 'WASMSTORE_AUTH configures the keys' '
	WASMSTORE_AUTH="envkey:GET" start_daemon &&
	echo 200 >expect && status GET /auth envkey >actual &&
	test_cmp expect actual &&
	echo 401 >expect && status POST /auth envkey >actual &&
	test_cmp expect actual &&
	status GET /auth >actual && test_cmp expect actual &&
	stop_daemon
'

test_expect_success '--auth wins over WASMSTORE_AUTH' '
	WASMSTORE_AUTH="envkey:GET" start_daemon --auth "optkey:GET" &&
	echo 200 >expect && status GET /auth optkey >actual &&
	test_cmp expect actual &&
	echo 401 >expect && status GET /auth envkey >actual &&
	test_cmp expect actual &&
	stop_daemon
'

test_expect_success '--auth-file: keys one per line, not in the process list' '
	printf "file-key-1:GET\nfile-key-2:GET,DELETE;file-key-3:*\n\n" >keys &&
	start_daemon --auth-file keys &&
	tr "\0" " " </proc/$DAEMON_PID/cmdline >cmdline &&
	test_must_fail grep file-key cmdline &&
	for k in file-key-1 file-key-2 file-key-3; do
		echo "$k $(status GET /auth $k) $(status DELETE /auth $k)" || return 1
	done >actual &&
	cat >expect <<-\EOF &&
	file-key-1 200 401
	file-key-2 200 200
	file-key-3 200 200
	EOF
	test_cmp expect actual &&
	stop_daemon
'

test_expect_success 'a malformed key list: exit 2, the keys are not printed' '
	test_expect_code 2 wasmstore-server --port 0 --auth "secret-one:GET;secret-two" 2>err &&
	test_must_fail grep secret err &&
	grep "invalid --auth" err &&
	test_expect_code 1 wasmstore-server --port 0 --auth-file missing 2>err &&
	grep "missing" err
'

test_expect_success '--cors: Access-Control headers, and preflight before the key check' '
	start_daemon --cors --auth "k:GET" &&
	http GET /branch -H "Wasmstore-Auth: k" &&
	expect_head "200 OK" "Content-Type: text/plain; charset=utf-8" \
		"Access-Control-Allow-Origin: *" \
		"Access-Control-Expose-Headers: Wasmstore-Hash, ETag" \
		"Content-Length: 4" &&
	test_cmp expect.head head &&
	http GET /branch &&
	expect_head "401 Unauthorized" "Access-Control-Allow-Origin: *" \
		"Access-Control-Expose-Headers: Wasmstore-Hash, ETag" \
		"Content-Length: 0" &&
	test_cmp expect.head head &&
	http OPTIONS /module/a.wasm -H "Origin: http://example.com" \
		-H "Access-Control-Request-Method: POST" \
		-H "Access-Control-Request-Headers: wasmstore-auth" &&
	expect_head "204 No Content" \
		"Access-Control-Allow-Methods: GET, HEAD, POST, PUT, DELETE, OPTIONS" \
		"Access-Control-Allow-Headers: Wasmstore-Auth, Wasmstore-Branch, Content-Type, If-None-Match" \
		"Access-Control-Max-Age: 86400" \
		"Access-Control-Allow-Origin: *" \
		"Access-Control-Expose-Headers: Wasmstore-Hash, ETag" &&
	test_cmp expect.head head &&
	stop_daemon
'

test_expect_success 'without --cors: no Access-Control headers, OPTIONS is a method like others' '
	start_daemon &&
	http GET /branch &&
	expect_head "200 OK" "Content-Type: text/plain; charset=utf-8" \
		"Content-Length: 4" &&
	test_cmp expect.head head &&
	http OPTIONS /auth -H "Origin: http://example.com" \
		-H "Access-Control-Request-Method: POST" &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	stop_daemon
'

test_done
