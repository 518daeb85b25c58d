#!/usr/bin/env bash
# Names through the mount: mv inside a branch is one commit, rm commits the
# removal, directories made with mkdir live in memory until used, rmdir
# and rm -r work, and mv between branches copies then deletes (EXDEV).
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-fs.sh"
fs_require

log() { # the subjects of the commits on main since $1
	git --git-dir="$WASMSTORE_ROOT" log --format=%s "$1..main"
}

test_expect_success 'setup' '
	make_module 1 m1.wasm &&
	make_module 2 m2.wasm &&
	make_module 3 m3.wasm &&
	wasmstore add m1.wasm x.wasm >/dev/null &&
	wasmstore branch other &&
	fs_mount
'

test_expect_success 'mv inside a branch: one commit, bytes unchanged' '
	base=$(git_head) &&
	mv "$M/x.wasm" "$M/y.wasm" &&
	log $base >actual &&
	echo "move x.wasm to y.wasm" >expect &&
	test_cmp expect actual &&
	ls "$M" >actual &&
	echo y.wasm >expect &&
	test_cmp expect actual &&
	cmp m1.wasm "$M/y.wasm"
'

test_expect_success 'mv over an existing module replaces it, one commit' '
	cp m2.wasm "$M/z.wasm" &&
	base=$(git_head) &&
	mv "$M/z.wasm" "$M/y.wasm" &&
	log $base >actual &&
	echo "move z.wasm to y.wasm" >expect &&
	test_cmp expect actual &&
	cmp m2.wasm "$M/y.wasm" &&
	test_must_fail stat "$M/z.wasm"
'

test_expect_success 'rm commits the removal' '
	cp m3.wasm "$M/gone.wasm" &&
	base=$(git_head) &&
	rm "$M/gone.wasm" &&
	log $base >actual &&
	echo "remove gone.wasm" >expect &&
	test_cmp expect actual &&
	test_must_fail stat "$M/gone.wasm" &&
	test_must_fail rm "$M/gone.wasm"
'

test_expect_success 'mkdir -p a/b && cp x a/b/: the module lands there' '
	base=$(git_head) &&
	mkdir -p "$M/a/b" &&
	test "$(git_head)" = "$base" &&
	test -d "$M/a/b" &&
	cp m1.wasm "$M/a/b/" &&
	log $base >actual &&
	echo "add a/b/m1.wasm" >expect &&
	test_cmp expect actual &&
	wasmstore list a >actual &&
	printf "%s\t/a/b/m1.wasm\n" "$(wasmstore hash a/b/m1.wasm)" >expect &&
	test_cmp expect actual
'

test_expect_success 'mkdir of an existing name fails' '
	test_must_fail mkdir "$M/a" &&
	test_must_fail mkdir "$M/y.wasm"
'

test_expect_success 'an empty directory made here is listed; rmdir removes it' '
	mkdir "$M/empty" &&
	ls "$M" >actual &&
	printf "%s\n" a empty y.wasm >expect &&
	test_cmp expect actual &&
	rmdir "$M/empty" &&
	test_must_fail stat "$M/empty"
'

test_expect_success 'rmdir of a directory with something in it fails' '
	test_must_fail rmdir "$M/a" 2>err &&
	grep "not empty" err &&
	test -f "$M/a/b/m1.wasm"
'

test_expect_success 'the last module of a directory goes; the directory stays' '
	rm "$M/a/b/m1.wasm" &&
	test -d "$M/a/b" &&
	ls -A "$M/a/b" >actual &&
	test_cmp /dev/null actual &&
	rmdir "$M/a/b" "$M/a" &&
	test_must_fail stat "$M/a"
'

test_expect_success 'rm -r of a tree: one removal commit per module' '
	mkdir -p "$M/t/u" &&
	cp m1.wasm m2.wasm "$M/t/" &&
	cp m3.wasm "$M/t/u/" &&
	base=$(git_head) &&
	rm -r "$M/t" &&
	log $base | sort >actual &&
	printf "remove t/%s\n" m1.wasm m2.wasm u/m3.wasm >expect &&
	test_cmp expect actual &&
	test_must_fail stat "$M/t"
'

test_expect_success 'mv of a directory made here (nothing stored yet)' '
	mkdir -p "$M/d1/sub" &&
	mv "$M/d1" "$M/d2" &&
	test -d "$M/d2/sub" &&
	test_must_fail stat "$M/d1" &&
	cp m1.wasm "$M/d2/sub/" &&
	cmp m1.wasm "$M/d2/sub/m1.wasm" &&
	rm -r "$M/d2"
'

test_expect_success 'mv of a stored directory: mv copies, then removes' '
	mkdir -p "$M/s" &&
	cp m1.wasm m2.wasm "$M/s/" &&
	mv "$M/s" "$M/s2" &&
	wasmstore list >actual &&
	printf "%s\t/s2/m1.wasm\n%s\t/s2/m2.wasm\n%s\t/y.wasm\n" \
		"$(wasmstore hash s2/m1.wasm)" "$(wasmstore hash s2/m2.wasm)" \
		"$(wasmstore hash y.wasm)" >expect &&
	test_cmp expect actual &&
	cmp m2.wasm "$M/s2/m2.wasm"
'

test_expect_success 'mv between branches copies then deletes' '
	other=$(git_head other) &&
	mv "$M/s2/m1.wasm" "$MNT/branches/other/moved.wasm" &&
	cmp m1.wasm "$MNT/branches/other/moved.wasm" &&
	test_must_fail stat "$M/s2/m1.wasm" &&
	git --git-dir="$WASMSTORE_ROOT" log --format=%s "$other..other" >actual &&
	echo "add moved.wasm" >expect &&
	test_cmp expect actual &&
	wasmstore contains --branch main s2/m1.wasm >actual &&
	echo false >expect &&
	test_cmp expect actual
'

test_expect_success 'names the store refuses are refused' '
	test_must_fail cp m1.wasm "$M/.git" &&
	test_must_fail mkdir "$M/.git"
'

test_expect_success 'links and device files have no place here' '
	test_must_fail ln -s y.wasm "$M/link" &&
	test_must_fail ln "$M/y.wasm" "$M/hard" &&
	test_must_fail mkfifo "$M/fifo"
'

test_expect_success 'unmount' '
	fs_unmount
'

test_done
