#!/usr/bin/env bash
# Output that cannot be written is a failure (exit 4), never a silent
# success: "wasmstore list > file" on a full disk must fail.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup' '
	test -w /dev/full &&
	cp "$FIXTURES/a.wasm" . &&
	wasmstore add a.wasm >/dev/null
'

for cmd in "list" "hash a.wasm" "contains a.wasm" "snapshot" "versions a.wasm" \
	"version 0 a.wasm" "audit a.wasm" "log" "log --reverse" "branch --list" \
	"filename a.wasm" "--help" "list --help" "--version"; do
	test_expect_success "$cmd > /dev/full: exit 4" '
		test_expect_code 4 wasmstore '"$cmd"' >/dev/full 2>err &&
		echo "error: unable to write to stdout: No space left on device" >expect &&
		test_cmp expect err
	'
done

test_expect_success 'commit HASH > /dev/full: exit 4' '
	test_expect_code 4 wasmstore commit $(git_head) >/dev/full 2>err &&
	echo "error: unable to write to stdout: No space left on device" >expect &&
	test_cmp expect err
'

test_expect_success 'find > /dev/full: exit 4' '
	test_expect_code 4 wasmstore find a.wasm >/dev/full 2>err &&
	echo "error: unable to write to stdout: No space left on device" >expect &&
	test_cmp expect err
'

test_expect_success 'add > /dev/full: exit 4, though the module was stored' '
	make_module 1 m1.wasm &&
	test_expect_code 4 wasmstore add m1.wasm >/dev/full 2>err &&
	echo "error: unable to write to stdout: No space left on device" >expect &&
	test_cmp expect err &&
	wasmstore contains m1.wasm >actual &&
	echo true >expect &&
	test_cmp expect actual
'

test_expect_success 'a closed stdout: exit 4' '
	test_expect_code 4 wasmstore list >&- 2>err &&
	grep "^error: unable to write to stdout: " err
'

test_expect_success 'a closed stdout is never reused for a file of the store' '
	make_module 2 m2.wasm &&
	test_expect_code 4 wasmstore add m2.wasm closed.wasm >&- 2>err &&
	test_expect_code 4 wasmstore list >&- 2>err &&
	test_expect_code 4 wasmstore hash closed.wasm >&- 2>err &&
	git --git-dir="$WASMSTORE_ROOT" fsck --no-progress --strict &&
	wasmstore hash closed.wasm >actual &&
	sha256sum <m2.wasm | cut -d" " -f1 >expect &&
	test_cmp expect actual &&
	wasmstore find closed.wasm >found &&
	cmp m2.wasm found
'

test_expect_success 'a closed stdin reads as empty' '
	test_expect_code 3 wasmstore add - x.wasm <&- 2>err &&
	echo "ERROR invalid module: unexpected end-of-file" >expect &&
	test_cmp expect err
'

test_expect_success 'find to a reader that goes away ends, by SIGPIPE' '
	cp "$FIXTURES/b.wasm" . && wasmstore add b.wasm >/dev/null &&
	mkfifo pipe &&
	{ head -c 10 <pipe >/dev/null & } &&
	{ wasmstore find b.wasm >pipe; test $? -eq 141; }
'

test_done
