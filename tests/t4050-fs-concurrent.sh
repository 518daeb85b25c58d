#!/usr/bin/env bash
# The mount, the HTTP daemon and the CLI writing the same store at once
# lose nothing and each sees every write; a change made elsewhere shows in
# the mount within a second and is never served stale after that.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-daemon.sh"
. "$TEST_DIR/lib-fs.sh"
fs_require

N=25 # modules per writer

test_expect_success 'setup: distinct modules, the daemon, the mount' '
	mkdir mods &&
	(for w in 1 2 3 4; do
		for i in $(seq 1 $N); do
			make_module $((w * 1000 + i)) mods/$w-$i.wasm || exit 1
		done
	done) &&
	rm mods/*.wat &&
	make_module 7 seven.wasm &&
	make_module 8 eight.wasm &&
	wasmstore add seven.wasm seed.wasm >/dev/null &&
	start_daemon &&
	fs_mount
'

http_writer() {
	local i
	for i in $(seq 1 $N); do
		curl -sS -f -o /dev/null --data-binary @mods/1-$i.wasm \
			"$API/module/http/m$i.wasm" || return 1
	done
}

cli_writer() {
	local i
	for i in $(seq 1 $N); do
		wasmstore add mods/2-$i.wasm cli/m$i.wasm >/dev/null || return 1
	done
}

fs_writer() { # $1: which set, $2: directory in the mount
	local i
	mkdir -p "$2" || return 1
	for i in $(seq 1 $N); do
		cp mods/$1-$i.wasm "$2/m$i.wasm" || return 1
	done
}

listed() { # listed NAME: ls of the branch shows NAME
	ls "$M" >ls.out && grep -qx "$1" ls.out
}

fs_reader() { # reads the mount until ./stop appears
	while ! test -e stop; do
		find "$M" -type f -exec cat {} + >/dev/null || return 1
	done
}

test_expect_success 'HTTP, CLI and two mount writers at once, readers too' '
	base=$(git_head) &&
	{ fs_reader & r=$!; } &&
	{ http_writer & p1=$!; } && { cli_writer & p2=$!; } &&
	{ fs_writer 3 "$M/fs3" & p3=$!; } && { fs_writer 4 "$M/fs4" & p4=$!; } &&
	wait $p1 && wait $p2 && wait $p3 && wait $p4 &&
	touch stop && wait $r &&
	git --git-dir="$WASMSTORE_ROOT" log --format=%s $base..main >log.out &&
	test $(wc -l <log.out) = $((4 * N))
'

test_expect_success 'every side sees every write' '
	(for i in $(seq 1 $N); do
		printf "%s\t/cli/m$i.wasm\n" $(sha256sum <mods/2-$i.wasm | cut -c1-64)
		printf "%s\t/fs3/m$i.wasm\n" $(sha256sum <mods/3-$i.wasm | cut -c1-64)
		printf "%s\t/fs4/m$i.wasm\n" $(sha256sum <mods/4-$i.wasm | cut -c1-64)
		printf "%s\t/http/m$i.wasm\n" $(sha256sum <mods/1-$i.wasm | cut -c1-64)
	done;
	printf "%s\t/seed.wasm\n" $(sha256sum <seven.wasm | cut -c1-64)) |
		sort -k2 >expect &&
	wasmstore list >actual.cli &&
	sort -k2 actual.cli >sorted.cli &&
	test_cmp expect sorted.cli &&
	(cd "$M" && find . -type f -exec sha256sum {} +) |
		sed "s/^\([0-9a-f]*\)  \.\(.*\)/\1\t\2/" | sort -k2 >actual.fs &&
	test_cmp expect actual.fs &&
	http GET /modules &&
	python3 -c "import json,sys; d=json.load(open(\"body\")); [print(\"%s\t%s\" % (h, p)) for p, h in d.items()]" |
		sort -k2 >actual.http &&
	test_cmp expect actual.http
'

test_expect_success 'a module added by the CLI is in ls within a second' '
	wasmstore add seven.wasm late.wasm >/dev/null &&
	fs_wait 10 listed late.wasm &&
	cmp seven.wasm "$M/late.wasm"
'

test_expect_success 'a module replaced over HTTP is not served stale' '
	cmp seven.wasm "$M/late.wasm" &&
	getfattr -n user.wasmstore.hash --only-values "$M/late.wasm" >before &&
	curl -sS -f -o /dev/null --data-binary @eight.wasm "$API/module/late.wasm" &&
	fs_wait 10 cmp -s eight.wasm "$M/late.wasm" &&
	stat -c %s "$M/late.wasm" >actual &&
	stat -c %s eight.wasm >expect &&
	test_cmp expect actual &&
	getfattr -n user.wasmstore.hash --only-values "$M/late.wasm" >after &&
	! test_cmp before after
'

test_expect_success 'a module removed by the CLI goes away within a second' '
	wasmstore remove late.wasm >/dev/null &&
	fs_wait 10 test ! -e "$M/late.wasm" &&
	test_must_fail cat "$M/late.wasm"
'

test_expect_success 'a write through the mount is seen by HTTP at once' '
	cp eight.wasm "$M/viafs.wasm" &&
	http GET /module/viafs.wasm &&
	cmp eight.wasm body
'

test_expect_success 'stop the daemon, unmount' '
	stop_daemon &&
	fs_unmount
'

test_done
