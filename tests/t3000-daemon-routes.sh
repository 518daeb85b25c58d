#!/usr/bin/env bash
# Every route of the HTTP API, driven with curl: statuses, headers and
# bodies exactly (wasmstore-api(7)).
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"

A_HASH=b6b033aa8c568449d19e0d440cd31f8fcebaebc9c28070e09073275d8062be31
A_SIZE=828094
TEXT="Content-Type: text/plain; charset=utf-8"
JSON="Content-Type: application/json"

test_expect_success 'setup: modules, daemon on a free port' '
	make_module 1 m1.wasm && make_module 2 m2.wasm &&
	M1=$(sha256sum <m1.wasm | cut -d" " -f1) &&
	M2=$(sha256sum <m2.wasm | cut -d" " -f1) &&
	M1_SIZE=$(wc -c <m1.wasm) && M2_SIZE=$(wc -c <m2.wasm) &&
	start_daemon &&
	grep "^wasmstore-server: listening on http://127.0.0.1:$PORT\$" "$DAEMON_LOG"
'

test_expect_success 'GET /branch: the default branch' '
	http GET /branch &&
	expect_head "200 OK" "$TEXT" "Content-Length: 4" &&
	test_cmp expect.head head &&
	printf main >expect && test_cmp expect body
'

test_expect_success 'POST /module/a.wasm: stored, body is the hash' '
	http POST /module/a.wasm --data-binary @"$FIXTURES/a.wasm" &&
	expect_head "200 OK" "$TEXT" "Content-Length: 64" &&
	test_cmp expect.head head &&
	printf $A_HASH >expect && test_cmp expect body &&
	git --git-dir="$WASMSTORE_ROOT" log -1 --format=%s main >msg &&
	echo "add a.wasm" >expect && test_cmp expect msg
'

test_expect_success 'POST with leading and doubled slashes: /dir/m1.wasm' '
	http POST "//module///dir//m1.wasm" --data-binary @m1.wasm &&
	expect_head "200 OK" "$TEXT" "Content-Length: 64" &&
	test_cmp expect.head head &&
	printf $M1 >expect && test_cmp expect body
'

test_expect_success 'GET /modules: every module, keys with a leading /' '
	http GET /modules &&
	printf "{\"/a.wasm\":\"%s\",\"/dir/m1.wasm\":\"%s\"}" $A_HASH $M1 >expect &&
	test_cmp expect body &&
	expect_head "200 OK" "$JSON" "Content-Length: $(wc -c <expect)" &&
	test_cmp expect.head head &&
	http GET /modules/ && test_cmp expect body
'

test_expect_success 'GET /modules/dir: only below dir' '
	http GET /modules/dir &&
	printf "{\"/dir/m1.wasm\":\"%s\"}" $M1 >expect &&
	test_cmp expect body &&
	http GET /modules//dir/ && test_cmp expect body &&
	http GET /modules/nothing &&
	printf "{}" >expect && test_cmp expect body
'

test_expect_success 'GET /module/a.wasm: the bytes, hash and type headers' '
	http GET /module/a.wasm &&
	expect_head "200 OK" "Wasmstore-Hash: $A_HASH" "ETag: \"$A_HASH\"" \
		"Cache-Control: no-cache" "Content-Type: application/wasm" \
		"Content-Length: $A_SIZE" &&
	test_cmp expect.head head &&
	test_cmp "$FIXTURES/a.wasm" body
'

test_expect_success 'GET /module/HASH: the same bytes, cacheable forever' '
	http GET /module/$A_HASH &&
	expect_head "200 OK" "Wasmstore-Hash: $A_HASH" "ETag: \"$A_HASH\"" \
		"Cache-Control: public, max-age=31536000, immutable" \
		"Content-Type: application/wasm" "Content-Length: $A_SIZE" &&
	test_cmp expect.head head &&
	test_cmp "$FIXTURES/a.wasm" body &&
	http GET //module//$A_HASH && test_cmp "$FIXTURES/a.wasm" body
'

test_expect_success 'GET /module//dir//m1.wasm: doubled slashes' '
	http GET /module//dir//m1.wasm &&
	test_cmp m1.wasm body
'

test_expect_success 'If-None-Match with the hash: 304, no body' '
	http GET /module/$A_HASH -H "If-None-Match: \"$A_HASH\"" &&
	expect_head "304 Not Modified" "Wasmstore-Hash: $A_HASH" \
		"ETag: \"$A_HASH\"" \
		"Cache-Control: public, max-age=31536000, immutable" \
		"Content-Length: $A_SIZE" &&
	test_cmp expect.head head &&
	test_must_fail test -s body &&
	http GET /module/a.wasm -H "If-None-Match: W/\"x\", \"$A_HASH\"" &&
	expect_head "304 Not Modified" "Wasmstore-Hash: $A_HASH" \
		"ETag: \"$A_HASH\"" "Cache-Control: no-cache" \
		"Content-Length: $A_SIZE" &&
	test_cmp expect.head head &&
	http GET /module/a.wasm -H "If-None-Match: \"$M1\"" &&
	test_cmp "$FIXTURES/a.wasm" body
'

test_expect_success 'HEAD /module: 200 with the headers and no body, or 404' '
	http HEAD /module/a.wasm &&
	expect_head "200 OK" "Wasmstore-Hash: $A_HASH" "ETag: \"$A_HASH\"" \
		"Cache-Control: no-cache" "Content-Type: application/wasm" \
		"Content-Length: $A_SIZE" &&
	test_cmp expect.head head &&
	http HEAD /module/$M1 && head -n 1 head >status &&
	echo "HTTP/1.1 200 OK" >expect && test_cmp expect status &&
	http HEAD /module/nothing.wasm &&
	expect_head "404 Not Found" "Content-Length: 0" &&
	test_cmp expect.head head
'

test_expect_success 'GET /module of something absent: 404, empty body' '
	http GET /module/nothing.wasm &&
	expect_head "404 Not Found" "Content-Length: 0" &&
	test_cmp expect.head head && test_must_fail test -s body &&
	http GET /module/$M2 && test_cmp expect.head head &&
	http GET /module/ && test_cmp expect.head head
'

test_expect_success 'GET /hash/PATH: the hash, or 404' '
	http GET /hash/a.wasm &&
	expect_head "200 OK" "$TEXT" "Content-Length: 64" &&
	test_cmp expect.head head &&
	printf $A_HASH >expect && test_cmp expect body &&
	http GET /hash//dir/m1.wasm &&
	printf $M1 >expect && test_cmp expect body &&
	http GET /hash/nothing.wasm &&
	expect_head "404 Not Found" "Content-Length: 0" &&
	test_cmp expect.head head
'

test_expect_success 'POST /hash/HASH/PATH: points a path at a stored module' '
	http POST /hash/$M1/c.wasm &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http GET /hash/c.wasm &&
	printf $M1 >expect && test_cmp expect body
'

test_expect_success 'POST /hash with a malformed or unknown hash: 400' '
	http POST /hash/xyz/d.wasm &&
	expect_head "400 Bad Request" "$TEXT" "Content-Length: 12" &&
	test_cmp expect.head head &&
	printf "invalid hash" >expect && test_cmp expect body &&
	http POST /hash/$M2/d.wasm &&
	expect_head "400 Bad Request" "$TEXT" "Content-Length: 12" &&
	test_cmp expect.head head &&
	printf "unknown hash" >expect && test_cmp expect body &&
	http GET /hash/d.wasm && head -n 1 head >status &&
	echo "HTTP/1.1 404 Not Found" >expect && test_cmp expect status
'

test_expect_success 'POST /branch/dev creates it; again: 409' '
	http POST /branch/dev &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http POST /branch/dev &&
	expect_head "409 Conflict" "$TEXT" "Content-Length: 21" &&
	test_cmp expect.head head &&
	printf "Branch already exists" >expect && test_cmp expect body
'

test_expect_success 'GET /branches: JSON array' '
	http GET /branches &&
	expect_head "200 OK" "$JSON" "Content-Length: 14" &&
	test_cmp expect.head head &&
	printf "[\"dev\",\"main\"]" >expect && test_cmp expect body
'

test_expect_success 'Wasmstore-Branch selects the branch of module routes' '
	http POST /module/x.wasm -H "Wasmstore-Branch: dev" \
		--data-binary @m2.wasm &&
	printf $M2 >expect && test_cmp expect body &&
	http GET /hash/x.wasm -H "Wasmstore-Branch: dev" &&
	test_cmp expect body &&
	http GET /hash/x.wasm && head -n 1 head >status &&
	echo "HTTP/1.1 404 Not Found" >expect && test_cmp expect status &&
	http GET /modules -H "Wasmstore-Branch: dev" &&
	printf "{\"/a.wasm\":\"%s\",\"/c.wasm\":\"%s\",\"/dir/m1.wasm\":\"%s\",\"/x.wasm\":\"%s\"}" \
		$A_HASH $M1 $M1 $M2 >expect &&
	test_cmp expect body &&
	git --git-dir="$WASMSTORE_ROOT" rev-parse dev >expect &&
	http GET /snapshot -H "Wasmstore-Branch: dev" &&
	echo >>body && test_cmp expect body
'

test_expect_success 'a malformed Wasmstore-Branch: 400' '
	http GET /modules -H "Wasmstore-Branch: a..b" &&
	head -n 1 head >status &&
	echo "HTTP/1.1 400 Bad Request" >expect && test_cmp expect status
'

test_expect_success 'POST /merge/dev: merged into the current branch' '
	http POST /merge/dev &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http GET /hash/x.wasm &&
	printf $M2 >expect && test_cmp expect body &&
	http POST /merge/nobranch && head -n 1 head >status &&
	echo "HTTP/1.1 404 Not Found" >expect && test_cmp expect status
'

test_expect_success 'POST /merge with a conflict: 400 naming the path' '
	http POST /module/k.wasm --data-binary @m1.wasm -H "Wasmstore-Branch: dev" &&
	http POST /module/k.wasm --data-binary @m2.wasm &&
	http POST /merge/dev &&
	head -n 1 head >status &&
	echo "HTTP/1.1 400 Bad Request" >expect && test_cmp expect status &&
	grep "k.wasm" body &&
	http GET /hash/k.wasm && printf $M2 >expect && test_cmp expect body
'

test_expect_success 'GET /snapshot: the head commit' '
	http GET /snapshot &&
	expect_head "200 OK" "$TEXT" "Content-Length: 40" &&
	test_cmp expect.head head &&
	git_head >expect && echo >>body && test_cmp expect body
'

test_expect_success 'GET /commit/HASH: the commit as JSON' '
	c=$(git_head) &&
	git --git-dir="$WASMSTORE_ROOT" log -1 \
		--format="{\"hash\":\"%H\",\"parents\":[\"%P\"],\"author\":\"%an\",\"date\":%at,\"message\":\"%s\"}" \
		$c >expect &&
	http GET /commit/$c &&
	echo >>body && test_cmp expect body &&
	grep -x "$JSON" head
'

test_expect_success 'GET /commit: 400 for a malformed hash, 404 unknown' '
	http GET /commit/xyz &&
	expect_head "400 Bad Request" "$TEXT" "Content-Length: 12" &&
	test_cmp expect.head head &&
	printf "invalid hash" >expect && test_cmp expect body &&
	http GET /commit/0123456789012345678901234567890123456789 &&
	expect_head "404 Not Found" "$TEXT" "Content-Length: 16" &&
	test_cmp expect.head head &&
	printf "commit not found" >expect && test_cmp expect body
'

test_expect_success 'GET /versions/PATH: [[module, commit]], oldest first' '
	first=$(git_head) &&
	http POST /module/a.wasm --data-binary @m2.wasm &&
	second=$(git_head) &&
	git --git-dir="$WASMSTORE_ROOT" log --format=%H -1 --grep="^add a.wasm" $first >c1 &&
	http GET /versions/a.wasm &&
	printf "[[\"%s\",\"%s\"],[\"%s\",\"%s\"]]" $A_HASH $(cat c1) $M2 $second >expect &&
	test_cmp expect body &&
	expect_head "200 OK" "$JSON" "Content-Length: 225" &&
	test_cmp expect.head head &&
	http GET /versions/never.wasm &&
	printf "[]" >expect && test_cmp expect body
'

test_expect_success 'GET /version/N/PATH: the bytes of version N, or 404' '
	http GET /version/0/a.wasm &&
	expect_head "200 OK" "Wasmstore-Hash: $A_HASH" "ETag: \"$A_HASH\"" \
		"Cache-Control: no-cache" "Content-Type: application/wasm" \
		"Content-Length: $A_SIZE" &&
	test_cmp expect.head head &&
	test_cmp "$FIXTURES/a.wasm" body &&
	http GET /version/1//a.wasm && test_cmp m2.wasm body &&
	http GET /version/2/a.wasm && head -n 1 head >status &&
	echo "HTTP/1.1 404 Not Found" >expect && test_cmp expect status &&
	http GET /version/x/a.wasm && head -n 1 head >status &&
	test_cmp expect status
'

test_expect_success 'POST /rollback/PATH: the path goes back one change' '
	http POST /rollback/a.wasm &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http GET /hash/a.wasm &&
	printf $A_HASH >expect && test_cmp expect body
'

test_expect_success 'POST /rollback: the whole tree goes back one commit' '
	before=$(git_head) &&
	http POST /module/r.wasm --data-binary @m1.wasm &&
	http POST /rollback &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http GET /hash/r.wasm && head -n 1 head >status &&
	echo "HTTP/1.1 404 Not Found" >expect && test_cmp expect status &&
	git --git-dir="$WASMSTORE_ROOT" rev-parse "$before^{tree}" >expect &&
	git --git-dir="$WASMSTORE_ROOT" rev-parse "main^{tree}" >actual &&
	test_cmp expect actual
'

test_expect_success 'POST /restore/COMMIT: the tree of that commit, as a new commit' '
	old=$(git_head) &&
	http DELETE /module/a.wasm &&
	http POST /restore/$old &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	git --git-dir="$WASMSTORE_ROOT" rev-parse "$old^{tree}" >expect &&
	git --git-dir="$WASMSTORE_ROOT" rev-parse "main^{tree}" >actual &&
	test_cmp expect actual &&
	test "$(git_head)" != "$old"
'

test_expect_success 'POST /restore/COMMIT/PATH: only that path' '
	old=$(git_head) &&
	http POST /module/a.wasm --data-binary @m1.wasm &&
	http POST /module/other.wasm --data-binary @m2.wasm &&
	http POST /restore/$old//a.wasm &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http GET /hash/a.wasm && printf $A_HASH >expect && test_cmp expect body &&
	http GET /hash/other.wasm && printf $M2 >expect && test_cmp expect body
'

test_expect_success 'POST /restore: 400 invalid hash, 404 commit not found' '
	http POST /restore/abc &&
	expect_head "400 Bad Request" "$TEXT" "Content-Length: 12" &&
	test_cmp expect.head head &&
	printf "invalid hash" >expect && test_cmp expect body &&
	http POST /restore/0123456789012345678901234567890123456789 &&
	expect_head "404 Not Found" "$TEXT" "Content-Length: 16" &&
	test_cmp expect.head head &&
	printf "commit not found" >expect && test_cmp expect body
'

test_expect_success 'DELETE /module/PATH, and by hash every path holding it' '
	http DELETE /module/other.wasm &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http GET /module/other.wasm && head -n 1 head >status &&
	echo "HTTP/1.1 404 Not Found" >expect && test_cmp expect status &&
	http DELETE /module/$M1 &&
	http GET /modules &&
	printf "{\"/a.wasm\":\"%s\",\"/k.wasm\":\"%s\",\"/x.wasm\":\"%s\"}" $A_HASH $M2 $M2 >expect &&
	test_cmp expect body
'

test_expect_success 'DELETE of something absent: 200 (nothing to do)' '
	before=$(git_head) &&
	http DELETE /module/nothing.wasm &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	test "$(git_head)" = "$before"
'

test_expect_success 'PUT /branch/NAME: the default branch for requests without header' '
	http PUT /branch/dev &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http GET /branch && printf dev >expect && test_cmp expect body &&
	http POST /module/ondev.wasm --data-binary @m1.wasm &&
	git --git-dir="$WASMSTORE_ROOT" log -1 --format=%s dev >msg &&
	echo "add ondev.wasm" >expect && test_cmp expect msg &&
	http GET /branch -H "Wasmstore-Branch: main" &&
	printf dev >expect && test_cmp expect body &&
	http PUT /branch/fresh &&
	http GET /branches &&
	printf "[\"dev\",\"fresh\",\"main\"]" >expect && test_cmp expect body &&
	http PUT /branch/main
'

test_expect_success 'DELETE /branch/NAME: 200; unknown 404; the default 400' '
	http DELETE /branch/fresh &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http DELETE /branch/fresh && head -n 1 head >status &&
	echo "HTTP/1.1 404 Not Found" >expect && test_cmp expect status &&
	http DELETE /branch/main && head -n 1 head >status &&
	echo "HTTP/1.1 400 Bad Request" >expect && test_cmp expect status &&
	http GET /branches &&
	printf "[\"dev\",\"main\"]" >expect && test_cmp expect body
'

test_expect_success 'POST /gc: 200, and the store still serves its modules' '
	http POST /gc &&
	expect_head "200 OK" "Content-Length: 0" &&
	test_cmp expect.head head &&
	http GET /module/a.wasm && test_cmp "$FIXTURES/a.wasm" body &&
	git --git-dir="$WASMSTORE_ROOT" rev-list main >commits &&
	test $(wc -l <commits) = 1
'

test_expect_success 'ANY /auth without keys configured: 200' '
	for m in GET POST PUT DELETE PATCH; do
		http $m /auth && head -n 1 head >status &&
		echo "HTTP/1.1 200 OK" >expect && test_cmp expect status || return 1
	done
'

test_expect_success 'anything else: 404, empty body' '
	expect_head "404 Not Found" "Content-Length: 0" &&
	http GET /nothing && test_cmp expect.head head &&
	http PUT /module/a.wasm && test_cmp expect.head head &&
	http GET /branch/extra && test_cmp expect.head head &&
	curl -sS -o body -D head.raw "$URL/api/v2/modules" &&
	sed -e "s/\r$//" -e "/^Date: /d" -e "/^$/d" head.raw >head &&
	test_cmp expect.head head &&
	curl -sS -o body -D head.raw "$URL/" &&
	sed -e "s/\r$//" -e "/^Date: /d" -e "/^$/d" head.raw >head &&
	test_cmp expect.head head
'

test_expect_success 'GET /watch without a WebSocket handshake: 400' '
	http GET /watch && head -n 1 head >status &&
	echo "HTTP/1.1 400 Bad Request" >expect && test_cmp expect status
'

test_expect_success 'one access-log line per request' '
	http GET /mark-before &&
	wait_log "GET /api/v1/mark-before 404" &&
	lines=$(wc -l <"$DAEMON_LOG") &&
	http GET /hash/a.wasm &&
	http GET /module/a.wasm &&
	http GET /nothing &&
	http GET /mark-after &&
	wait_log "GET /api/v1/mark-after 404" &&
	tail -n +$((lines + 1)) "$DAEMON_LOG" >log &&
	sed -E "s/ [0-9]+\.[0-9]{3}ms$/ Tms/" log >actual &&
	cat >expect <<-EOF &&
	127.0.0.1 GET /api/v1/hash/a.wasm 200 64 Tms
	127.0.0.1 GET /api/v1/module/a.wasm 200 $A_SIZE Tms
	127.0.0.1 GET /api/v1/nothing 404 0 Tms
	127.0.0.1 GET /api/v1/mark-after 404 0 Tms
	EOF
	test_cmp expect actual
'

test_expect_success 'SIGTERM: clean exit 0' '
	stop_daemon &&
	tail -n 1 "$DAEMON_LOG" >last &&
	echo "wasmstore-server: stopped" >expect && test_cmp expect last
'

test_done
