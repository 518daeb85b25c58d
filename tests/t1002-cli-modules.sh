#!/usr/bin/env bash
# add, find, hash, contains, list, remove, set, filename: exact outputs.
. "$(dirname "$0")/test-lib.sh"

sha() { sha256sum <"$1" | cut -d" " -f1; }

test_expect_success 'setup' '
	(for i in 1 2 3 4; do make_module $i m$i.wasm || exit 1; done) &&
	H1=$(sha m1.wasm) && H2=$(sha m2.wasm) && H3=$(sha m3.wasm) &&
	H4=$(sha m4.wasm) &&
	mkdir sub && cp m4.wasm sub/in-sub.wasm
'

test_expect_success 'add prints the sha256 of the module' '
	wasmstore add m1.wasm >actual &&
	echo $H1 >expect &&
	test_cmp expect actual
'

test_expect_success 'add without PATH uses the base name of FILE' '
	wasmstore add sub/in-sub.wasm >actual &&
	echo $H4 >expect &&
	test_cmp expect actual &&
	wasmstore hash in-sub.wasm >actual &&
	test_cmp expect actual
'

test_expect_success 'add from stdin, at a nested path; empty segments ignored' '
	wasmstore add - //dir//sub/m2.wasm <m2.wasm >actual &&
	echo $H2 >expect &&
	test_cmp expect actual &&
	wasmstore add m3.wasm dir/m3.wasm >/dev/null
'

test_expect_success 'list: every module in path order, "<hash>\t/<path>"' '
	wasmstore list >actual &&
	printf "%s\t/%s\n" $H3 dir/m3.wasm $H2 dir/sub/m2.wasm \
		$H4 in-sub.wasm $H1 m1.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'list PATH: only what is at or below PATH' '
	wasmstore list dir >actual &&
	printf "%s\t/%s\n" $H3 dir/m3.wasm $H2 dir/sub/m2.wasm >expect &&
	test_cmp expect actual &&
	wasmstore list /dir/sub/ >actual &&
	printf "%s\t/%s\n" $H2 dir/sub/m2.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'list of an absent prefix prints nothing' '
	wasmstore list nothing-here >actual 2>err &&
	test ! -s actual && test ! -s err
'

test_expect_success 'find by path and by hash writes the exact bytes' '
	wasmstore find dir/sub/m2.wasm >out.path &&
	cmp m2.wasm out.path &&
	wasmstore find $H2 >out.hash &&
	cmp m2.wasm out.hash &&
	wasmstore find /dir//sub/m2.wasm >out.slashes &&
	cmp m2.wasm out.slashes
'

test_expect_success 'find of a big module' '
	cp "$FIXTURES/b.wasm" big.wasm &&
	wasmstore add big.wasm >/dev/null &&
	wasmstore find big.wasm >out.big &&
	cmp big.wasm out.big
'

test_expect_success 'hash by path, and of a hash' '
	wasmstore hash dir/m3.wasm >actual &&
	echo $H3 >expect &&
	test_cmp expect actual &&
	wasmstore hash $H3 >actual &&
	test_cmp expect actual
'

test_expect_success 'find, hash of an absent module: exit 1, no output' '
	(for what in absent.wasm dir/absent.wasm $(echo $H1 | tr 0-9a-f a-f0-9); do
		test_expect_code 1 wasmstore find $what >out 2>err &&
		test ! -s out && test ! -s err &&
		test_expect_code 1 wasmstore hash $what >out 2>err &&
		test ! -s out && test ! -s err || exit 1
	done)
'

test_expect_success 'a directory is not a module' '
	test_expect_code 1 wasmstore find dir >out 2>err &&
	test ! -s out &&
	wasmstore contains dir >actual &&
	echo false >expect &&
	test_cmp expect actual
'

test_expect_success 'contains: true or false, exit 0 either way' '
	wasmstore contains m1.wasm >actual &&
	wasmstore contains $H1 >>actual &&
	wasmstore contains nope.wasm >>actual &&
	wasmstore contains $(echo $H1 | tr 0-9a-f a-f0-9) >>actual &&
	printf "true\ntrue\nfalse\nfalse\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a hash in capitals addresses the same module' '
	upper=$(echo $H1 | tr a-f A-F) &&
	wasmstore contains $upper >actual &&
	echo true >expect &&
	test_cmp expect actual
'

test_expect_success 'filename names a file with exactly the module bytes' '
	wasmstore filename m1.wasm >name.path &&
	wasmstore filename $H1 >name.hash &&
	test_cmp name.path name.hash &&
	cmp m1.wasm "$(cat name.path)"
'

test_expect_success 'filename of an absent module: exit 1, no output' '
	test_expect_code 1 wasmstore filename absent.wasm >out 2>err &&
	test ! -s out && test ! -s err
'

test_expect_success 'the same module at two paths is stored once' '
	wasmstore add m1.wasm copy-of-m1.wasm >/dev/null &&
	wasmstore filename copy-of-m1.wasm >actual &&
	test_cmp name.path actual &&
	git --git-dir="$WASMSTORE_ROOT" ls-tree main m1.wasm copy-of-m1.wasm >tree &&
	test $(cut -f1 tree | sort -u | wc -l) -eq 1
'

test_expect_success 'add over a path replaces the module, one commit each' '
	before=$(git_head) &&
	wasmstore add m2.wasm m1.wasm >/dev/null &&
	test "$(git --git-dir="$WASMSTORE_ROOT" rev-parse main^)" = "$before" &&
	wasmstore hash m1.wasm >actual &&
	echo $H2 >expect &&
	test_cmp expect actual
'

test_expect_success 'adding the same module at the same path again changes nothing' '
	before=$(git_head) &&
	wasmstore add m2.wasm m1.wasm >actual &&
	echo $H2 >expect &&
	test_cmp expect actual &&
	test "$(git_head)" = "$before"
'

test_expect_success 'remove a path' '
	wasmstore remove dir/m3.wasm &&
	wasmstore contains dir/m3.wasm >actual &&
	echo false >expect &&
	test_cmp expect actual &&
	wasmstore list dir >actual &&
	printf "%s\t/%s\n" $H2 dir/sub/m2.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'remove by hash removes every path holding it, in one commit' '
	before=$(git_head) &&
	wasmstore remove $H2 &&
	test "$(git --git-dir="$WASMSTORE_ROOT" rev-parse main^)" = "$before" &&
	wasmstore list >actual &&
	printf "%s\t/%s\n" $(sha big.wasm) big.wasm $H1 copy-of-m1.wasm \
		$H4 in-sub.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'remove of an absent path or hash: exit 1, nothing changes' '
	before=$(git_head) &&
	test_expect_code 1 wasmstore remove absent.wasm 2>err &&
	test_expect_code 1 wasmstore remove $H3 2>>err &&
	test "$(git_head)" = "$before" &&
	cat >expect <<-EOT &&
	error: module '"'"'absent.wasm'"'"' not found
	error: module '"'"'$H3'"'"' not found
	EOT
	test_cmp expect err
'

test_expect_success 'set points a path at a stored module' '
	wasmstore set $H4 set/m4.wasm &&
	wasmstore hash set/m4.wasm >actual &&
	echo $H4 >expect &&
	test_cmp expect actual &&
	wasmstore find set/m4.wasm >out &&
	cmp m4.wasm out
'

test_expect_success 'set with a hash no longer on the branch (still stored) works' '
	wasmstore set $H2 back/m2.wasm &&
	wasmstore find back/m2.wasm >out &&
	cmp m2.wasm out
'

test_expect_success 'set with an unknown hash: exit 1; malformed: exit 2' '
	before=$(git_head) &&
	unknown=$(printf "%064d" 0) &&
	test_expect_code 1 wasmstore set $unknown x.wasm 2>err &&
	echo "error: unknown hash '"'"'$unknown'"'"'" >expect &&
	test_cmp expect err &&
	test_expect_code 2 wasmstore set xyz x.wasm 2>err &&
	echo "error: invalid hash" >expect &&
	test_cmp expect err &&
	test "$(git_head)" = "$before"
'

test_done
