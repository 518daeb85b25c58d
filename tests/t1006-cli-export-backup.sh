#!/usr/bin/env bash
# export -o DIR and backup FILE.tar.gz.
. "$(dirname "$0")/test-lib.sh"

sha() { sha256sum <"$1" | cut -d" " -f1; }
g() { git --git-dir="$WASMSTORE_ROOT" "$@"; }

test_expect_success 'setup' '
	(for i in 1 2 3; do make_module $i m$i.wasm || exit 1; done) &&
	cp "$FIXTURES/a.wasm" a.wasm &&
	wasmstore add a.wasm >/dev/null &&
	wasmstore add m1.wasm one.wasm >/dev/null &&
	wasmstore add m2.wasm dir/two.wasm >/dev/null &&
	wasmstore add m3.wasm dir/deeper/three.wasm >/dev/null &&
	wasmstore branch dev &&
	wasmstore --branch dev add m1.wasm dev/only.wasm >/dev/null
'

test_expect_success 'export -o DIR writes every module at its path' '
	wasmstore export -o out &&
	(cd out && find . -type f | LC_ALL=C sort) >actual &&
	printf "./%s\n" a.wasm dir/deeper/three.wasm dir/two.wasm one.wasm >expect &&
	test_cmp expect actual &&
	cmp a.wasm out/a.wasm && cmp m1.wasm out/one.wasm &&
	cmp m2.wasm out/dir/two.wasm && cmp m3.wasm out/dir/deeper/three.wasm
'

test_expect_success 'export --output=DIR of another branch' '
	wasmstore --branch dev export --output=out-dev &&
	cmp m1.wasm out-dev/dev/only.wasm &&
	cmp m1.wasm out-dev/one.wasm
'

test_expect_success 'export into a directory that exists' '
	mkdir existing &&
	wasmstore export -o existing &&
	cmp m3.wasm existing/dir/deeper/three.wasm
'

test_expect_success 'export onto a regular file fails' '
	echo x >a-file &&
	test_expect_code 4 wasmstore export -o a-file 2>err &&
	grep "^error: " err
'

test_expect_success 'backup writes a gzip tar of the whole root' '
	mkdir elsewhere &&
	(cd elsewhere && wasmstore backup ../store.tar.gz) &&
	tar tzf store.tar.gz >members &&
	grep -x "./HEAD" members &&
	grep -x "./refs/heads/main" members &&
	grep -x "./refs/heads/dev" members &&
	grep "^./objects/pack/pack-.*\.pack$" members &&
	grep "^./objects/pack/pack-.*\.idx$" members &&
	mkdir unpacked && tar xzf store.tar.gz -C unpacked &&
	git --git-dir=unpacked cat-file -e $(git hash-object a.wasm) &&
	rm -rf unpacked
'

test_expect_success 'backup archives the refs before the objects' '
	last_ref=$(grep -n "^./refs/" members | tail -n 1 | cut -d: -f1) &&
	first_object=$(grep -n "^./objects/" members | head -n 1 | cut -d: -f1) &&
	test $last_ref -lt $first_object
'

test_expect_success 'the extracted backup is a working store' '
	mkdir restored &&
	tar xzf store.tar.gz -C restored &&
	git --git-dir=restored fsck --no-progress &&
	wasmstore list >expect &&
	wasmstore --root restored list >actual &&
	test_cmp expect actual &&
	wasmstore --branch dev list >expect &&
	wasmstore --root restored --branch dev list >actual &&
	test_cmp expect actual &&
	wasmstore --root restored find a.wasm >found &&
	cmp a.wasm found &&
	wasmstore log >expect &&
	wasmstore --root restored log >actual &&
	test_cmp expect actual &&
	wasmstore --root restored add m2.wasm new.wasm >/dev/null &&
	wasmstore --root restored hash new.wasm >actual &&
	sha m2.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'the extracted backup works without its derived files' '
	mkdir bare &&
	tar xzf store.tar.gz -C bare --exclude=./wasmstore &&
	test ! -e bare/wasmstore &&
	wasmstore --root bare find $(sha m3.wasm) >found &&
	cmp m3.wasm found
'

test_expect_success 'backup leaves lock files out' '
	: >"$WASMSTORE_ROOT/refs/heads/stale.lock" &&
	test_when_finished "rm -f \"$WASMSTORE_ROOT/refs/heads/stale.lock\"" &&
	wasmstore backup locks.tar.gz &&
	tar tzf locks.tar.gz >members &&
	! grep "\.lock\$" members
'

test_expect_success 'backup of a root that does not exist: exit 1, no archive' '
	test_expect_code 1 wasmstore --root nothing-here backup none.tar.gz 2>err &&
	echo "error: no store at '"'"'nothing-here'"'"'" >expect &&
	test_cmp expect err &&
	test ! -e none.tar.gz && test ! -e nothing-here
'

test_expect_success 'backup to a place that cannot be written: exit 4' '
	test_expect_code 4 wasmstore backup no/such/dir/x.tar.gz 2>err &&
	grep -x "error: unable to write '"'"'$TRASH/no/such/dir/x.tar.gz'"'"'" err
'

test_done
