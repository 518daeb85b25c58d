#!/usr/bin/env bash
# Read-only views: commits/<commit>/ (any commit's tree), by-hash/<sha256>
# (any stored module); extended attributes; EROFS for every write there,
# and everywhere on a read-only mount.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-fs.sh"
fs_require

git_() { git --git-dir="$WASMSTORE_ROOT" "$@"; }

test_expect_success 'setup: two commits apart' '
	make_module 1 m1.wasm &&
	make_module 2 m2.wasm &&
	make_module 3 m3.wasm &&
	wasmstore add m1.wasm a.wasm >/dev/null &&
	wasmstore add m2.wasm dir/b.wasm >/dev/null &&
	c1=$(git_head) &&
	wasmstore add m3.wasm a.wasm >/dev/null &&
	wasmstore add m1.wasm dir/c.wasm >/dev/null &&
	wasmstore remove dir/b.wasm >/dev/null &&
	c2=$(git_head) &&
	h1=$(wasmstore hash dir/c.wasm) &&
	h2=$(git_ show $c1:dir/b.wasm >b.old && sha256sum <b.old | cut -c1-64) &&
	h3=$(wasmstore hash a.wasm) &&
	fs_mount
'

test_expect_success 'commits/<commit>/ is the tree of that commit' '
	(cd "$MNT/commits/$c1" && find . | sort) >actual &&
	printf "%s\n" . ./a.wasm ./dir ./dir/b.wasm >expect &&
	test_cmp expect actual &&
	cmp m1.wasm "$MNT/commits/$c1/a.wasm" &&
	cmp m2.wasm "$MNT/commits/$c1/dir/b.wasm" &&
	cmp m3.wasm "$MNT/commits/$c2/a.wasm"
'

test_expect_success 'commits/ lists the history of the default branch' '
	ls "$MNT/commits" >actual &&
	git_ log --format=%H main | sort >expect &&
	test_cmp expect actual
'

test_expect_success 'diff -r between two commits' '
	test_expect_code 1 diff -r "$MNT/commits/$c1" "$MNT/commits/$c2" >actual &&
	cat >expect <<-EOF &&
	Binary files $MNT/commits/$c1/a.wasm and $MNT/commits/$c2/a.wasm differ
	Only in $MNT/commits/$c1/dir: b.wasm
	Only in $MNT/commits/$c2/dir: c.wasm
	EOF
	test_cmp expect actual &&
	diff -r "$MNT/commits/$c2" "$M"
'

test_expect_success 'unknown or malformed commits are not there' '
	test_must_fail stat "$MNT/commits/0000000000000000000000000000000000000000" &&
	test_must_fail stat "$MNT/commits/$(echo $c1 | cut -c1-12)" &&
	test_must_fail stat "$MNT/commits/$c1/nope.wasm"
'

test_expect_success 'by-hash/<sha256>: any stored module, current or not' '
	cmp m1.wasm "$MNT/by-hash/$h1" &&
	cmp m2.wasm "$MNT/by-hash/$h2" &&
	stat -c %s "$MNT/by-hash/$h2" >actual &&
	stat -c %s m2.wasm >expect &&
	test_cmp expect actual &&
	test_must_fail stat "$MNT/by-hash/$(echo $h1 | tr 0-9a-f 1-9a-f0)" &&
	test_must_fail stat "$MNT/by-hash/not-a-hash"
'

test_expect_success 'by-hash/ lists the modules of every branch' '
	ls "$MNT/by-hash" >actual &&
	printf "%s\n" $h1 $h3 | sort >expect &&
	test_cmp expect actual
'

test_expect_success 'user.wasmstore.hash and user.wasmstore.commit' '
	getfattr -n user.wasmstore.hash --only-values "$M/a.wasm" >actual &&
	printf %s $h3 >expect &&
	test_cmp expect actual &&
	getfattr -n user.wasmstore.commit --only-values "$M/a.wasm" >actual &&
	git_ log -1 --format=%H main -- a.wasm | tr -d "\n" >expect &&
	test_cmp expect actual &&
	getfattr -n user.wasmstore.commit --only-values "$M/dir/c.wasm" >actual &&
	git_ log -1 --format=%H main -- dir/c.wasm | tr -d "\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'getfattr -d shows both; by-hash has the hash only' '
	getfattr -d "$M/dir/c.wasm" >actual &&
	cat >expect <<-EOF &&
	# file: ${M#/}/dir/c.wasm
	user.wasmstore.commit="$(git_ log -1 --format=%H main -- dir/c.wasm)"
	user.wasmstore.hash="$h1"

	EOF
	test_cmp expect actual &&
	getfattr -d "$MNT/by-hash/$h1" >actual &&
	cat >expect <<-EOF &&
	# file: ${MNT#/}/by-hash/$h1
	user.wasmstore.hash="$h1"

	EOF
	test_cmp expect actual &&
	getfattr -n user.wasmstore.commit --only-values \
		"$MNT/commits/$c1/dir/b.wasm" >actual &&
	git_ log -1 --format=%H $c1 -- dir/b.wasm | tr -d "\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a module rewritten through the mount: new hash, new commit' '
	cp m2.wasm "$M/a.wasm" &&
	getfattr -n user.wasmstore.hash --only-values "$M/a.wasm" >actual &&
	sha256sum <m2.wasm | cut -c1-64 | tr -d "\n" >expect &&
	test_cmp expect actual &&
	getfattr -n user.wasmstore.commit --only-values "$M/a.wasm" >actual &&
	git_head | tr -d "\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'our attributes cannot be set; directories have none' '
	test_must_fail setfattr -n user.wasmstore.hash -v x "$M/a.wasm" &&
	test_must_fail getfattr -n user.wasmstore.hash "$M/dir" &&
	getfattr -d "$M/dir" >actual &&
	test_cmp /dev/null actual
'

test_expect_success 'writes in read-only views fail with EROFS' '
	erofs="Read-only file system" &&
	test_must_fail cp m1.wasm "$MNT/by-hash/x" 2>err &&
	grep "$erofs" err &&
	test_must_fail cp m1.wasm "$MNT/by-hash/$h1" 2>err &&
	grep "$erofs" err &&
	test_must_fail cp m1.wasm "$MNT/commits/$c1/new.wasm" 2>err &&
	grep "$erofs" err &&
	test_must_fail rm "$MNT/commits/$c1/a.wasm" 2>err &&
	grep "$erofs" err &&
	test_must_fail rm "$MNT/by-hash/$h1" 2>err &&
	grep "$erofs" err &&
	test_must_fail mkdir "$MNT/commits/$c1/d" 2>err &&
	grep "$erofs" err &&
	test_must_fail mv "$MNT/commits/$c1/a.wasm" "$MNT/commits/$c1/z.wasm" 2>err &&
	grep "$erofs" err &&
	test_must_fail sh -c "exec 3>>\"$MNT/commits/$c1/a.wasm\"" 2>err &&
	grep "$erofs" err &&
	test_must_fail touch "$MNT/commits/$c1/a.wasm" 2>err &&
	grep "$erofs" err &&
	test_must_fail mkdir "$MNT/newtop" 2>err &&
	grep "$erofs" err
'

test_expect_success 'unmount' '
	fs_unmount
'

test_expect_success '-o ro: everything reads, nothing writes' '
	head=$(git_head) &&
	fs_mount -o ro &&
	cmp m2.wasm "$M/a.wasm" &&
	cmp m1.wasm "$MNT/by-hash/$h1" &&
	test_must_fail cp m1.wasm "$M/new.wasm" 2>err &&
	grep "Read-only file system" err &&
	test_must_fail rm "$M/a.wasm" &&
	test_must_fail mkdir "$MNT/branches/nb" &&
	test "$(git_head)" = "$head" &&
	fs_unmount
'

test_done
