#!/usr/bin/env bash
# wasmstore-fs's command line, its man page, and its end: fusermount3 -u,
# SIGTERM and SIGINT all unmount cleanly and exit 0; in the background it
# logs to --log.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-fs.sh"
fs_require

MAN="$TEST_DIR/../man/wasmstore-fs.1"

test_expect_success '--help: usage on stdout, exit 0' '
	wasmstore-fs --help >out &&
	head -n 1 out >first &&
	echo "usage: wasmstore-fs [options] MOUNTPOINT" >expect &&
	test_cmp expect first &&
	grep -q "^FUSE options:" out
'

test_expect_success '-V prints the version' '
	wasmstore-fs -V >out &&
	grep -q "^wasmstore-fs [0-9]" out
'

test_expect_success 'the page formats without warnings, sections in order' '
	groff -man -ww -z "$MAN" 2>warnings &&
	test_cmp /dev/null warnings &&
	sed -n "s/^\.SH //p" "$MAN" | tr -d "\"" >actual &&
	printf "%s\n" NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" \
		ENVIRONMENT FILES EXAMPLES BUGS "SEE ALSO" >expect &&
	test_cmp expect actual
'

test_expect_success 'every option of --help is in the page' '
	wasmstore-fs --help >out &&
	sed -n "/^FUSE options:/q; s/^  \(-., \)\?\(-[-a-z]*\).*/\2/p" out >options &&
	test $(wc -l <options) -ge 9 &&
	sed -e "s/\\\\f[BIRP]//g" -e "s/\\\\-/-/g" "$MAN" >man.txt &&
	(for o in $(cat options); do
		grep -q -e "^\.B.* $o\( \|\$\)" -e "^\.B.*^$o\( \|\$\)" \
			-e "^\.B[IR]* $o" -e "^\.B $o" man.txt ||
			{ echo "missing in the page: $o"; exit 1; }
	done) &&
	for v in WASMSTORE_ROOT WASMSTORE_BRANCH WASMSTORE_AUTHOR TMPDIR; do
		grep -q "^\.B $v" man.txt || { echo "missing: $v"; return 1; }
	done
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 wasmstore-fs 2>err &&
	grep "no mount point" err &&
	mkdir -p "$MNT" &&
	test_expect_code 2 wasmstore-fs -f --no-such-option "$MNT" 2>err &&
	test_expect_code 2 wasmstore-fs -f --timeout=-1 "$MNT" 2>err &&
	test_expect_code 2 wasmstore-fs -f --branch=a..b "$MNT" 2>err &&
	! fs_is_mounted
'

test_expect_success 'a root that cannot be a store: exit 1' '
	echo not a directory >file &&
	test_expect_code 1 wasmstore-fs -f --root "$TRASH/file" "$MNT" 2>err &&
	grep "cannot open store" err &&
	! fs_is_mounted
'

test_expect_success 'fusermount3 -u: exit 0' '
	make_module 1 m1.wasm &&
	fs_mount &&
	cp m1.wasm "$M/m1.wasm" &&
	fs_unmount
'

test_expect_success '--root PATH, --root=PATH and -o root=PATH' '
	mkdir other &&
	fs_mount --root "$TRASH/other" &&
	cp m1.wasm "$M/x.wasm" &&
	fs_unmount &&
	fs_mount --root="$TRASH/other" &&
	cmp m1.wasm "$M/x.wasm" &&
	fs_unmount &&
	fs_mount -o "root=$TRASH/other" &&
	cmp m1.wasm "$M/x.wasm" &&
	fs_unmount &&
	test_must_fail stat "$WASMSTORE_ROOT/refs/heads/main/x.wasm" &&
	WASMSTORE_ROOT="$TRASH/other" wasmstore contains x.wasm >actual &&
	echo true >expect &&
	test_cmp expect actual
'

test_expect_success 'SIGTERM unmounts and exits 0' '
	fs_mount &&
	ls "$M" >/dev/null &&
	kill -TERM $FS_PID &&
	fs_exited
'

# (SIGINT: a shell starts background jobs with SIGINT ignored, and FUSE
# leaves ignored signals alone, so it cannot be tested from here.)
test_expect_success 'SIGHUP too, with a file open' '
	fs_mount &&
	exec 3<"$M/m1.wasm" &&
	kill -HUP $FS_PID &&
	fs_exited &&
	exec 3<&-
'

test_expect_success 'in the background: --log gets the errors' '
	head -c 20 m1.wasm >bad.wasm &&
	wasmstore-fs --log="$TRASH/bg.log" "$MNT" &&
	fs_is_mounted &&
	bg=$(pgrep -f "^wasmstore-fs --log=$TRASH/bg.log $MNT\$") &&
	test_when_finished "fs_end $bg" &&
	test_must_fail cp bad.wasm "$M/bad.wasm" &&
	grep -F "wasmstore-fs: error: branches/main/bad.wasm: invalid module" bg.log &&
	fusermount3 -u "$MNT" &&
	fs_wait 50 test ! -d /proc/$bg
'

test_done
