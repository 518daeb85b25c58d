#!/usr/bin/env bash
# Branches as directories: mkdir branches/NEW creates a branch from the
# default one, rmdir deletes it (never the default), mv renames it, the
# default link follows --branch, and branches with '/' nest.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-fs.sh"
fs_require

test_expect_success 'setup' '
	make_module 1 m1.wasm &&
	make_module 2 m2.wasm &&
	wasmstore add m1.wasm one.wasm >/dev/null &&
	fs_mount
'

test_expect_success 'mkdir branches/feature: a branch at the head of main' '
	mkdir "$MNT/branches/feature" &&
	test "$(git_head feature)" = "$(git_head main)" &&
	ls "$MNT/branches" >actual &&
	printf "%s\n" feature main >expect &&
	test_cmp expect actual &&
	cmp m1.wasm "$MNT/branches/feature/one.wasm"
'

test_expect_success 'a write to the branch leaves main alone' '
	main=$(git_head main) &&
	cp m2.wasm "$MNT/branches/feature/two.wasm" &&
	test "$(git_head main)" = "$main" &&
	test_must_fail stat "$M/two.wasm" &&
	wasmstore contains --branch feature two.wasm >actual &&
	echo true >expect &&
	test_cmp expect actual
'

test_expect_success 'mkdir of an existing branch fails' '
	test_must_fail mkdir "$MNT/branches/feature" &&
	test_must_fail mkdir "$MNT/branches/main"
'

test_expect_success 'a branch made elsewhere shows up' '
	wasmstore branch fromcli &&
	fs_wait 20 test -d "$MNT/branches/fromcli" &&
	ls "$MNT/branches" >actual &&
	printf "%s\n" feature fromcli main >expect &&
	test_cmp expect actual
'

test_expect_success 'branch names with a slash nest' '
	mkdir "$MNT/branches/team" &&
	rmdir "$MNT/branches/team" &&
	wasmstore branch team/x &&
	test -d "$MNT/branches/team/x" &&
	ls "$MNT/branches/team" >actual &&
	echo x >expect &&
	test_cmp expect actual &&
	cmp m1.wasm "$MNT/branches/team/x/one.wasm" &&
	mkdir "$MNT/branches/team/y" &&
	git --git-dir="$WASMSTORE_ROOT" rev-parse --verify -q refs/heads/team/y
'

test_expect_success 'mv renames a branch' '
	head=$(git_head fromcli) &&
	mv "$MNT/branches/fromcli" "$MNT/branches/renamed" &&
	test "$(git_head renamed)" = "$head" &&
	test_must_fail git_head fromcli &&
	test -d "$MNT/branches/renamed"
'

test_expect_success 'rmdir deletes a branch, with its modules' '
	rmdir "$MNT/branches/feature" &&
	test_must_fail git_head feature &&
	test_must_fail stat "$MNT/branches/feature" &&
	rmdir "$MNT/branches/renamed" "$MNT/branches/team/x" "$MNT/branches/team/y"
'

test_expect_success 'the default branch cannot be removed or renamed' '
	test_must_fail rmdir "$M" 2>err &&
	grep "busy" err &&
	test_must_fail mv "$M" "$MNT/branches/other" &&
	git_head main
'

test_expect_success 'files do not live directly in branches/' '
	test_must_fail cp m1.wasm "$MNT/branches/file.wasm"
'

test_expect_success 'unmount' '
	fs_unmount
'

test_expect_success '--branch: the default link and new branches follow it' '
	wasmstore branch dev &&
	wasmstore add --branch dev m2.wasm devonly.wasm >/dev/null &&
	fs_mount --branch=dev &&
	readlink "$MNT/default" >actual &&
	echo branches/dev >expect &&
	test_cmp expect actual &&
	cmp m2.wasm "$MNT/default/devonly.wasm" &&
	mkdir "$MNT/branches/fromdev" &&
	test "$(git_head fromdev)" = "$(git_head dev)" &&
	test_must_fail rmdir "$MNT/branches/dev" &&
	fs_unmount
'

test_expect_success '--branch of a branch that does not exist: no mount' '
	test_expect_code 1 wasmstore-fs -f --branch=nope "$MNT" 2>err &&
	grep "no branch '"'"'nope'"'"'" err &&
	! fs_is_mounted
'

test_expect_success 'an empty store: main is there, the first cp creates it' '
	export WASMSTORE_ROOT="$TRASH/fresh" &&
	fs_mount &&
	ls "$MNT/branches" >actual &&
	echo main >expect &&
	test_cmp expect actual &&
	cp m1.wasm "$M/first.wasm" &&
	git_head main &&
	fs_unmount
'

test_done
