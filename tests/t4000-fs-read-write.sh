#!/usr/bin/env bash
# The mount reads and writes modules as files: cp in commits one module
# per file, cat gives the bytes back, an invalid module makes close() fail
# and commits nothing, and writes at offsets, appends and in-place rewrites
# behave as on any disk.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-fs.sh"
fs_require

A="$FIXTURES/a.wasm"
B="$FIXTURES/b.wasm"

test_expect_success 'setup: modules, and the mount of an empty store' '
	make_module 1 m1.wasm &&
	make_module 2 m2.wasm &&
	head -c 1000 "$B" >truncated.wasm &&
	fs_mount
'

test_expect_success 'the top of the mount' '
	ls -A "$MNT" >actual &&
	printf "%s\n" .wasmstore branches by-hash commits default >expect &&
	test_cmp expect actual &&
	ls "$MNT/branches" >actual &&
	echo main >expect &&
	test_cmp expect actual &&
	readlink "$MNT/default" >actual &&
	echo branches/main >expect &&
	test_cmp expect actual &&
	ls -A "$M" >actual &&
	test_cmp /dev/null actual
'

test_expect_success 'cp in commits each module; its hash is its sha256sum' '
	cp "$A" "$M/a.wasm" &&
	cp "$B" "$M/b.wasm" &&
	git --git-dir="$WASMSTORE_ROOT" log --format=%s main >actual &&
	printf "add b.wasm\nadd a.wasm\n" >expect &&
	test_cmp expect actual &&
	wasmstore hash a.wasm >hash.a &&
	wasmstore hash b.wasm >hash.b &&
	sha256sum <"$M/a.wasm" >sum.a &&
	sha256sum <"$M/b.wasm" >sum.b &&
	echo "$(cat hash.a)  -" >expect.a &&
	echo "$(cat hash.b)  -" >expect.b &&
	test_cmp expect.a sum.a &&
	test_cmp expect.b sum.b &&
	echo b6b033aa8c568449d19e0d440cd31f8fcebaebc9c28070e09073275d8062be31 >expect &&
	test_cmp expect hash.a
'

test_expect_success 'reading gives the same bytes; sizes are right' '
	cmp "$A" "$M/a.wasm" &&
	cmp "$B" "$M/b.wasm" &&
	cmp "$A" "$MNT/default/a.wasm" &&
	stat -c "%s %F" "$M/a.wasm" "$M/b.wasm" >actual &&
	printf "828094 regular file\n2470876 regular file\n" >expect &&
	test_cmp expect actual &&
	git --git-dir="$WASMSTORE_ROOT" cat-file blob main:b.wasm >from-git &&
	cmp "$B" from-git
'

test_expect_success 'a truncated module: cp fails, nothing is committed' '
	head=$(git_head) &&
	test_must_fail cp truncated.wasm "$M/bad.wasm" 2>err &&
	grep "failed to close" err &&
	test "$(git_head)" = "$head" &&
	test_must_fail stat "$M/bad.wasm" &&
	wasmstore contains bad.wasm >actual &&
	echo false >expect &&
	test_cmp expect actual
'

test_expect_success 'the reason is in .wasmstore/last-error and the log' '
	cat "$MNT/.wasmstore/last-error" >actual &&
	echo "branches/main/bad.wasm: invalid module: unexpected end-of-file" >expect &&
	test_cmp expect actual &&
	grep -F "wasmstore-fs: error: branches/main/bad.wasm: invalid module: unexpected end-of-file" "$FS_LOG"
'

test_expect_success 'an invalid module over a valid one leaves the old one' '
	head=$(git_head) &&
	test_must_fail cp truncated.wasm "$M/a.wasm" &&
	test "$(git_head)" = "$head" &&
	cmp "$A" "$M/a.wasm"
'

test_expect_success 'a handle that writes nothing commits nothing' '
	head=$(git_head) &&
	: >>"$M/a.wasm" &&
	python3 -c "import sys; open(sys.argv[1], \"r+b\").close()" "$M/a.wasm" &&
	touch "$M/a.wasm" &&
	test "$(git_head)" = "$head" &&
	cmp "$A" "$M/a.wasm"
'

test_expect_success 'an empty file created and closed is not a module' '
	head=$(git_head) &&
	touch "$M/empty.wasm" &&
	test "$(git_head)" = "$head" &&
	test_must_fail stat "$M/empty.wasm"
'

test_expect_success 'replacing a module: one commit, new bytes served' '
	cp m1.wasm "$M/m.wasm" &&
	cmp m1.wasm "$M/m.wasm" &&
	cp m2.wasm "$M/m.wasm" &&
	cmp m2.wasm "$M/m.wasm" &&
	git --git-dir="$WASMSTORE_ROOT" log --format=%s -2 main >actual &&
	printf "add m.wasm\nadd m.wasm\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'rewriting in place (dd conv=notrunc) starts from the module' '
	cp m1.wasm "$M/inplace.wasm" &&
	test $(stat -c %s m1.wasm) = $(stat -c %s m2.wasm) &&
	test_expect_code 1 cmp -l m1.wasm m2.wasm >diffbytes &&
	test $(wc -l <diffbytes) = 1 &&
	at=$(($(cut -d" " -f1 diffbytes) - 1)) &&
	dd if=m2.wasm of="$M/inplace.wasm" bs=1 skip=$at seek=$at count=1 \
		conv=notrunc status=none &&
	cmp m2.wasm "$M/inplace.wasm" &&
	git --git-dir="$WASMSTORE_ROOT" cat-file blob main:inplace.wasm >from-git &&
	cmp m2.wasm from-git
'

test_expect_success 'writes at offsets and appends, on a staged dot file' '
	size=$(stat -c %s "$A") &&
	half=$((size / 2)) &&
	head -c $half "$A" >first &&
	tail -c +$((half + 1)) "$A" >second &&
	dd if=second of="$M/.part" bs=64k seek=$half oflag=seek_bytes \
		status=none &&
	dd if=first of="$M/.part" conv=notrunc status=none &&
	cmp "$A" "$M/.part" &&
	head -c 100 "$B" >"$M/.app" &&
	tail -c +101 "$B" >>"$M/.app" &&
	cmp "$B" "$M/.app" &&
	rm "$M/.part" "$M/.app"
'

test_expect_success 'truncate and append on a module: an invalid end fails' '
	head=$(git_head) &&
	test_must_fail truncate -s 100 "$M/a.wasm" &&
	test "$(git_head)" = "$head" &&
	cmp "$A" "$M/a.wasm" &&
	echo junk >junk &&
	test_must_fail dd if=junk of="$M/a.wasm" oflag=append conv=notrunc \
		status=none &&
	test "$(git_head)" = "$head" &&
	cmp "$A" "$M/a.wasm"
'

test_expect_success 'the commit is on disk when close returns (no unmount)' '
	cp m1.wasm "$M/durable.wasm" &&
	git --git-dir="$WASMSTORE_ROOT" cat-file blob main:durable.wasm >from-git &&
	cmp m1.wasm from-git
'

test_expect_success 'unmount' '
	fs_unmount
'

test_done
