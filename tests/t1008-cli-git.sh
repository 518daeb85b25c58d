#!/usr/bin/env bash
# The store is a plain git repository: git reads what wasmstore wrote, and
# wasmstore reads what git wrote.
. "$(dirname "$0")/test-lib.sh"

sha() { sha256sum <"$1" | cut -d" " -f1; }
g() { git -C "$WASMSTORE_ROOT" "$@"; }

test_expect_success 'setup' '
	cp "$FIXTURES/a.wasm" "$FIXTURES/b.wasm" . &&
	A=$(sha a.wasm) && B=$(sha b.wasm) &&
	wasmstore add a.wasm >/dev/null &&
	wasmstore add b.wasm dir/b.wasm >/dev/null &&
	wasmstore --author alice set $A dir/copy.wasm &&
	wasmstore add b.wasm gone.wasm >/dev/null &&
	wasmstore remove gone.wasm
'

test_expect_success 'git sees a bare repository whose HEAD is main' '
	test "$(g rev-parse --is-bare-repository)" = true &&
	test "$(g symbolic-ref HEAD)" = refs/heads/main
'

test_expect_success 'git log shows one commit per change, with its author' '
	g log --format="%an: %s" >actual &&
	cat >expect <<-EOT &&
	wasmstore: remove gone.wasm
	wasmstore: add gone.wasm
	alice: set dir/copy.wasm to $A
	wasmstore: add dir/b.wasm
	wasmstore: add a.wasm
	EOT
	test_cmp expect actual
'

test_expect_success 'git log of the CLI matches git log' '
	g log --format=%H >expect &&
	wasmstore log >log.out &&
	sed -n "s/^commit //p" log.out >actual &&
	test_cmp expect actual
'

test_expect_success 'git fsck finds nothing wrong' '
	g fsck --no-progress --strict
'

test_expect_success 'git clone checks out every module at its path' '
	git clone -q "$WASMSTORE_ROOT" clone &&
	(cd clone && git ls-files) >actual &&
	printf "%s\n" a.wasm dir/b.wasm dir/copy.wasm >expect &&
	test_cmp expect actual &&
	test "$(sha clone/a.wasm)" = $A &&
	test "$(sha clone/dir/b.wasm)" = $B &&
	test "$(sha clone/dir/copy.wasm)" = $A
'

test_expect_success 'the blobs are the modules'"'"' exact bytes' '
	test "$(g rev-parse main:a.wasm)" = "$(git hash-object a.wasm)" &&
	test "$(g rev-parse main:dir/b.wasm)" = "$(git hash-object b.wasm)"
'

test_expect_success 'a commit pushed with git is seen by wasmstore' '
	make_module 7 m7.wasm &&
	cp m7.wasm clone/pushed.wasm &&
	(cd clone && git add pushed.wasm &&
	 git -c user.name=git -c user.email=git@example.invalid \
		commit -q -m "pushed with git" && git push -q origin main) &&
	wasmstore list >actual &&
	printf "%s\t/%s\n" $A a.wasm $B dir/b.wasm $A dir/copy.wasm \
		$(sha m7.wasm) pushed.wasm >expect &&
	test_cmp expect actual &&
	wasmstore find $(sha m7.wasm) >out &&
	cmp m7.wasm out &&
	wasmstore log -n 1 >actual &&
	grep -x "Author: git" actual
'

test_expect_success 'the derived files can be deleted: they come back' '
	rm -rf "$WASMSTORE_ROOT/wasmstore" &&
	wasmstore hash $B >actual &&
	echo $B >expect &&
	test_cmp expect actual &&
	wasmstore find dir/copy.wasm >out &&
	cmp a.wasm out
'

test_done
