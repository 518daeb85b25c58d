#!/usr/bin/env bash
# The daemon answers repeated downloads from its module cache; whoever
# changes the store (the CLI, plain git, the daemon itself), the very next
# request sees the change.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"

get() { # ROUTE [BRANCH]: the body to ./body, the status to ./status
	rm -f body status
	if [ -n "${2-}" ]; then
		curl -sS -o body -w "%{http_code}\n" -H "Wasmstore-Branch: $2" \
			"$API$1" >status
	else
		curl -sS -o body -w "%{http_code}\n" "$API$1" >status
	fi
}

expect_module() { # FILE: ./body holds it and the status was 200
	echo 200 >expect.status && test_cmp expect.status status &&
	test_cmp "$1" body
}

expect_404() {
	echo 404 >expect.status && test_cmp expect.status status
}

test_expect_success 'setup: modules, a daemon, a.wasm read twice' '
	make_module 1 m1.wasm && make_module 2 m2.wasm &&
	make_module 3 m3.wasm && make_module 4 keep.wasm &&
	M1=$(sha256sum <m1.wasm | cut -d" " -f1) &&
	M2=$(sha256sum <m2.wasm | cut -d" " -f1) &&
	wasmstore add m1.wasm a.wasm >/dev/null &&
	# (keeps the tree from ever being empty: a by-hash lookup in an
	# empty tree trips UBSan in lib/module.c tree_holds, qsort(NULL, 0))
	wasmstore add keep.wasm keep.wasm >/dev/null &&
	start_daemon &&
	get /module/a.wasm && expect_module m1.wasm &&
	get /module/a.wasm && expect_module m1.wasm
'

test_expect_success 'the CLI replaces a.wasm: the next GET has the new bytes' '
	for i in 1 2 3 4 5 6 7 8; do
		wasmstore add m2.wasm a.wasm >/dev/null &&
		get /module/a.wasm && expect_module m2.wasm &&
		wasmstore add m1.wasm a.wasm >/dev/null &&
		get /module/a.wasm && expect_module m1.wasm || return 1
	done
'

test_expect_success 'a module replaced by the daemon itself' '
	http POST /module/a.wasm --data-binary @m2.wasm &&
	AT_M2=$(git --git-dir="$WASMSTORE_ROOT" rev-parse main) &&
	get /module/a.wasm && expect_module m2.wasm &&
	get /module/$M2 && expect_module m2.wasm
'

test_expect_success 'removed by the CLI: 404 by path and by hash' '
	get /module/$M2 && expect_module m2.wasm &&
	get /hash/a.wasm && printf $M2 >expect && test_cmp expect body &&
	wasmstore remove a.wasm >/dev/null &&
	get /module/a.wasm && expect_404 &&
	get /module/$M2 && expect_404 &&
	get /hash/a.wasm && expect_404
'

test_expect_success 'GET /hash follows the CLI too' '
	wasmstore add m1.wasm a.wasm >/dev/null &&
	get /hash/a.wasm && printf $M1 >expect && test_cmp expect body &&
	get /hash/a.wasm && test_cmp expect body &&
	wasmstore remove a.wasm >/dev/null &&
	get /hash/a.wasm && expect_404
'

test_expect_success 'plain git moves the branch back' '
	wasmstore add m3.wasm a.wasm >/dev/null &&
	get /module/a.wasm && expect_module m3.wasm &&
	git --git-dir="$WASMSTORE_ROOT" update-ref refs/heads/main $AT_M2 &&
	get /module/a.wasm && expect_module m2.wasm
'

test_expect_success 'a branch with a slash, created after the daemon started' '
	wasmstore add m1.wasm a.wasm >/dev/null &&
	wasmstore branch team/dev >/dev/null &&
	get /module/a.wasm team/dev && expect_module m1.wasm &&
	wasmstore --branch team/dev add m3.wasm a.wasm >/dev/null &&
	get /module/a.wasm team/dev && expect_module m3.wasm &&
	get /module/a.wasm && expect_module m1.wasm &&
	wasmstore branch --delete team/dev >/dev/null &&
	get /module/a.wasm team/dev && expect_404
'

test_expect_success 'refs that live in packed-refs only' '
	wasmstore branch packed >/dev/null &&
	git --git-dir="$WASMSTORE_ROOT" pack-refs --all --prune &&
	test_must_fail test -e "$WASMSTORE_ROOT/refs/heads/packed" &&
	get /module/a.wasm packed && expect_module m1.wasm &&
	git --git-dir="$WASMSTORE_ROOT" update-ref refs/heads/packed $AT_M2 &&
	git --git-dir="$WASMSTORE_ROOT" pack-refs --all --prune &&
	get /module/a.wasm packed && expect_module m2.wasm &&
	get /module/a.wasm && expect_module m1.wasm &&
	git --git-dir="$WASMSTORE_ROOT" update-ref -d refs/heads/packed &&
	get /module/a.wasm packed && expect_404
'

test_expect_success 'the default branch switched by plain git' '
	wasmstore branch other >/dev/null &&
	wasmstore --branch other add m3.wasm a.wasm >/dev/null &&
	get /module/a.wasm && expect_module m1.wasm &&
	git --git-dir="$WASMSTORE_ROOT" symbolic-ref HEAD refs/heads/other &&
	get /module/a.wasm && expect_module m3.wasm &&
	git --git-dir="$WASMSTORE_ROOT" symbolic-ref HEAD refs/heads/main &&
	get /module/a.wasm && expect_module m1.wasm
'

test_expect_success 'more modules than the cache holds: all still exact' '
	for i in $(seq 10 149); do
		make_module $i many$i.wasm &&
		wasmstore add many$i.wasm many/$i.wasm >/dev/null || return 1
	done &&
	for round in 1 2; do
		for i in $(seq 10 149); do
			get /module/many/$i.wasm &&
			expect_module many$i.wasm || return 1
		done
	done
'

test_expect_success 'a large module, its 304 and HEAD, from the cache' '
	wasmstore add "$FIXTURES/b.wasm" b.wasm >/dev/null &&
	get /module/b.wasm && expect_module "$FIXTURES/b.wasm" &&
	get /module/b.wasm && expect_module "$FIXTURES/b.wasm" &&
	B=$(sha256sum <"$FIXTURES/b.wasm" | cut -d" " -f1) &&
	http GET /module/b.wasm -H "If-None-Match: \"$B\"" &&
	expect_head "304 Not Modified" "Wasmstore-Hash: $B" \
		"ETag: \"$B\"" "Cache-Control: no-cache" \
		"Content-Length: 2470876" &&
	test_cmp expect.head head &&
	http HEAD /module/$B &&
	expect_head "200 OK" "Wasmstore-Hash: $B" "ETag: \"$B\"" \
		"Cache-Control: public, max-age=31536000, immutable" \
		"Content-Type: application/wasm" "Content-Length: 2470876" &&
	test_cmp expect.head head
'

test_expect_success 'a module over 8 MiB: sent from its file, cached too' '
	"$PYTHON" -c "
import sys
payload = bytes(range(256)) * (9 * 4096)  # 9 MiB
name = b\"big\"
content = bytes([len(name)]) + name + payload
n, leb = len(content), b\"\"
while True:
    byte = n & 0x7f
    n >>= 7
    leb += bytes([byte | (0x80 if n else 0)])
    if not n:
        break
sys.stdout.buffer.write(b\"\\0asm\\1\\0\\0\\0\\0\" + leb + content)
" >huge.wasm &&
	wasmstore add huge.wasm huge.wasm >/dev/null &&
	for i in 1 2 3; do
		get /module/huge.wasm && expect_module huge.wasm || return 1
	done &&
	H=$(sha256sum <huge.wasm | cut -d" " -f1) &&
	get /module/$H && expect_module huge.wasm &&
	get /module/$H && expect_module huge.wasm &&
	http HEAD /module/huge.wasm &&
	expect_head "200 OK" "Wasmstore-Hash: $H" "ETag: \"$H\"" \
		"Cache-Control: no-cache" "Content-Type: application/wasm" \
		"Content-Length: $(wc -c <huge.wasm)" &&
	test_cmp expect.head head
'

test_expect_success 'SIGTERM: clean exit, every download logged' '
	stop_daemon &&
	grep -Ec "^127\.0\.0\.1 GET /api/v1/module/many/[0-9]+\.wasm 200 [0-9]+ [0-9]+\.[0-9]{3}ms\$" \
		"$DAEMON_LOG" >count &&
	echo 280 >expect && test_cmp expect count
'

test_done
