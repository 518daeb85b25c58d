#!/usr/bin/env bash
# Tools that write through temporary files (rsync, install, atomic
# write-then-rename) end with the right module at the right path and one
# commit per module: dot files stay staged until renamed.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-fs.sh"
fs_require

log() { # the subjects of the commits on main since $1
	git --git-dir="$WASMSTORE_ROOT" log --format=%s "$1..main"
}

test_expect_success 'setup: a tree of modules, an empty store mounted' '
	mkdir -p src/sub &&
	make_module 1 m1.wasm &&
	make_module 2 m2.wasm &&
	make_module 3 m3.wasm &&
	make_module 22 m22.wasm &&
	cp m1.wasm m2.wasm src/ &&
	cp m3.wasm "$FIXTURES/a.wasm" src/sub/ &&
	make_module 4 m4.wasm &&
	head -c 1000 "$FIXTURES/b.wasm" >truncated.wasm &&
	wasmstore add m4.wasm seed.wasm >/dev/null &&
	fs_mount
'

test_expect_success 'rsync -a dir/ mnt/branches/main/dir/: one commit per module' '
	base=$(git_head) &&
	rsync -a src/ "$M/dir/" &&
	log $base | sort >actual &&
	printf "add dir/%s\n" m1.wasm m2.wasm sub/a.wasm sub/m3.wasm >expect &&
	test_cmp expect actual &&
	diff -r src "$M/dir" &&
	wasmstore hash dir/sub/a.wasm >actual &&
	echo b6b033aa8c568449d19e0d440cd31f8fcebaebc9c28070e09073275d8062be31 >expect &&
	test_cmp expect actual
'

test_expect_success 'no temporary name ever reached the history' '
	git --git-dir="$WASMSTORE_ROOT" log --format=%s main >subjects &&
	test_must_fail grep "/\." subjects &&
	ls -A "$M/dir" "$M/dir/sub" >actual &&
	test_must_fail grep "^\." actual
'

test_expect_success 'rsync again: nothing to do, nothing committed' '
	base=$(git_head) &&
	rsync -a src/ "$M/dir/" &&
	test "$(git_head)" = "$base" &&
	rsync -ai src/ "$M/dir/" >changes &&
	test_cmp /dev/null changes
'

test_expect_success 'rsync after a change sends the changed module only' '
	cp m22.wasm src/m2.wasm &&
	touch -d "2001-02-03 04:05:06" src/m2.wasm &&
	base=$(git_head) &&
	rsync -a src/ "$M/dir/" &&
	log $base >actual &&
	echo "add dir/m2.wasm" >expect &&
	test_cmp expect actual &&
	cmp src/m2.wasm "$M/dir/m2.wasm" &&
	stat -c %Y src/m2.wasm >expect &&
	stat -c %Y "$M/dir/m2.wasm" >actual &&
	test_cmp expect actual
'

test_expect_success 'rsync --delete removes what is gone from the source' '
	rm src/m1.wasm &&
	base=$(git_head) &&
	rsync -a --delete src/ "$M/dir/" &&
	log $base >actual &&
	echo "remove dir/m1.wasm" >expect &&
	test_cmp expect actual
'

test_expect_success 'rsync of an invalid module fails and commits nothing' '
	mkdir bad &&
	cp truncated.wasm bad/t.wasm &&
	base=$(git_head) &&
	test_must_fail rsync -a bad/ "$M/bad/" 2>err &&
	test "$(git_head)" = "$base" &&
	test_must_fail stat "$M/bad/t.wasm" &&
	grep "invalid module: unexpected end-of-file" "$MNT/.wasmstore/last-error"
'

test_expect_success 'install -m644: the module is in place' '
	base=$(git_head) &&
	install -m644 src/sub/m3.wasm "$M/installed.wasm" &&
	log $base >actual &&
	echo "add installed.wasm" >expect &&
	test_cmp expect actual &&
	cmp src/sub/m3.wasm "$M/installed.wasm" &&
	stat -c %a "$M/installed.wasm" >actual &&
	echo 644 >expect &&
	test_cmp expect actual
'

test_expect_success 'install over an existing module replaces it' '
	install -m644 m4.wasm "$M/installed.wasm" &&
	cmp m4.wasm "$M/installed.wasm"
'

test_expect_success 'write to a dot file, then rename: one commit, at the end' '
	base=$(git_head) &&
	python3 - "$M" <<-\PY &&
	import os, sys
	d = sys.argv[1]
	data = open("src/sub/a.wasm", "rb").read()
	tmp = os.path.join(d, ".new.wasm.AbCd12")
	with open(tmp, "wb") as f:
	    for i in range(0, len(data), 4096):  # invalid until complete
	        f.write(data[i:i + 4096])
	os.rename(tmp, os.path.join(d, "new.wasm"))
	PY
	log $base >actual &&
	echo "add new.wasm" >expect &&
	test_cmp expect actual &&
	cmp src/sub/a.wasm "$M/new.wasm" &&
	test_must_fail stat "$M/.new.wasm.AbCd12"
'

test_expect_success 'a dot file is listed and readable while staged' '
	cp m4.wasm "$M/.staged" &&
	ls -A "$M" >actual &&
	grep -x .staged actual &&
	cmp m4.wasm "$M/.staged" &&
	wasmstore contains .staged >actual &&
	echo false >expect &&
	test_cmp expect actual &&
	rm "$M/.staged" &&
	test_must_fail stat "$M/.staged"
'

test_expect_success 'renaming an invalid dot file fails and commits nothing' '
	cp truncated.wasm "$M/.broken" &&
	base=$(git_head) &&
	test_must_fail mv "$M/.broken" "$M/broken.wasm" &&
	test "$(git_head)" = "$base" &&
	test_must_fail stat "$M/broken.wasm" &&
	rm "$M/.broken"
'

test_expect_success 'unmount' '
	fs_unmount
'

test_done
