#!/usr/bin/env bash
# snapshot, commit, log, audit, versions, version, restore, rollback: exact
# outputs, checked against what git itself says about the repository.
. "$(dirname "$0")/test-lib.sh"

export TZ=UTC LC_ALL=C

sha() { sha256sum <"$1" | cut -d" " -f1; }
g() { git --git-dir="$WASMSTORE_ROOT" "$@"; }
DATEFMT='format-local:%a %b %d %H:%M:%S %Y'

# The reference's log entry for commit $1, as git renders it.
log_entry() {
	g log -1 --date="$DATEFMT" \
		--format="commit %H%nAuthor: %an%nDate: %cd%n%n%s%n" "$1"
}

test_expect_success 'setup: three modules, a history of five commits' '
	(for i in 1 2 3; do make_module $i m$i.wasm || exit 1; done) &&
	H1=$(sha m1.wasm) && H2=$(sha m2.wasm) && H3=$(sha m3.wasm) &&
	wasmstore add m1.wasm a.wasm >/dev/null && C1=$(git_head) &&
	wasmstore add m2.wasm b.wasm >/dev/null && C2=$(git_head) &&
	wasmstore --author alice add m2.wasm a.wasm >/dev/null && C3=$(git_head) &&
	wasmstore add m3.wasm dir/c.wasm >/dev/null && C4=$(git_head) &&
	wasmstore add m1.wasm a.wasm >/dev/null && C5=$(git_head) &&
	test $(g rev-list --count main) -eq 5
'

test_expect_success 'snapshot prints the head commit' '
	wasmstore snapshot >actual &&
	echo $C5 >expect &&
	test_cmp expect actual
'

test_expect_success 'snapshot of a branch with no commits: exit 1' '
	test_expect_code 1 wasmstore --root empty snapshot >out 2>err &&
	test ! -s out &&
	echo "error: branch '"'"'main'"'"' has no commits" >expect &&
	test_cmp expect err
'

test_expect_success 'commit prints pretty JSON' '
	wasmstore commit $C3 >actual &&
	printf "{\n\t\"%s\":\t%s,\n\t\"%s\":\t%s,\n\t\"%s\":\t%s,\n\t\"%s\":\t%s,\n\t\"%s\":\t%s\n}\n" \
		hash "\"$C3\"" parents "[\"$C2\"]" author "\"alice\"" \
		date $(g log -1 --format=%ct $C3) message "\"add a.wasm\"" >expect &&
	test_cmp expect actual
'

test_expect_success 'commit of the root commit has no parents' '
	wasmstore commit $C1 >actual &&
	grep -x "	\"parents\":	\[\]," actual
'

test_expect_success 'commit: malformed hash exit 2, unknown commit exit 1' '
	test_expect_code 2 wasmstore commit 1234 >out 2>err &&
	test ! -s out &&
	echo "error: invalid hash" >expect &&
	test_cmp expect err &&
	test_expect_code 1 wasmstore commit $(printf "%040d" 0) >out 2>err &&
	test ! -s out &&
	echo "error: commit not found" >expect &&
	test_cmp expect err
'

test_expect_success 'log: every commit, newest first, in the reference format' '
	wasmstore log >actual &&
	(for c in $C5 $C4 $C3 $C2 $C1; do log_entry $c || exit 1; done) >expect &&
	test_cmp expect actual &&
	wasmstore log --plain >actual &&
	test_cmp expect actual
'

if command -v script >/dev/null; then
test_expect_success 'log on a terminal goes through --pager or $PAGER' '
	wasmstore log >expect &&
	script -qec "wasmstore log --pager \"cat >paged.out\"" /dev/null >tty.out &&
	test_cmp expect paged.out &&
	test ! -s tty.out &&
	PAGER="cat >paged2.out" script -qec "wasmstore log" /dev/null >tty.out &&
	test_cmp expect paged2.out &&
	test ! -s tty.out
'

test_expect_success 'log --plain on a terminal does not page' '
	PAGER="cat >paged3.out" script -qec "wasmstore log --plain" /dev/null >tty.out &&
	test ! -e paged3.out &&
	tr -d "\r" <tty.out >actual &&
	test_cmp expect actual
'
else
	test_skip 'log on a terminal (no script(1))'
	test_skip 'log --plain on a terminal (no script(1))'
fi

test_expect_success 'log dates are local time' '
	TZ=XST-5:30 wasmstore log -n 1 >actual &&
	TZ=XST-5:30 log_entry $C5 >expect &&
	test_cmp expect actual &&
	grep "^Date: [A-Z][a-z][a-z] [A-Z][a-z][a-z] [0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] [0-9]\{4\}\$" actual
'

test_expect_success 'log -n, --max-count, --skip' '
	wasmstore log -n 2 >actual &&
	{ log_entry $C5 && log_entry $C4; } >expect &&
	test_cmp expect actual &&
	wasmstore log --max-count=2 >actual &&
	test_cmp expect actual &&
	wasmstore log -n2 >actual &&
	test_cmp expect actual &&
	wasmstore log --skip 3 >actual &&
	{ log_entry $C2 && log_entry $C1; } >expect &&
	test_cmp expect actual &&
	wasmstore log --skip 1 -n 1 >actual &&
	log_entry $C4 >expect &&
	test_cmp expect actual &&
	wasmstore log -n 0 >actual &&
	wasmstore log >expect &&
	test_cmp expect actual &&
	wasmstore log --skip 9 >actual &&
	test ! -s actual
'

test_expect_success 'log --reverse: oldest first; -n and --skip count from there' '
	wasmstore log --reverse >actual &&
	(for c in $C1 $C2 $C3 $C4 $C5; do log_entry $c || exit 1; done) >expect &&
	test_cmp expect actual &&
	wasmstore log --reverse --skip 1 -n 2 >actual &&
	{ log_entry $C2 && log_entry $C3; } >expect &&
	test_cmp expect actual
'

test_expect_success 'log of another branch' '
	wasmstore branch old --branch main &&
	wasmstore --branch old log -n 1 >actual &&
	log_entry $C5 >expect &&
	test_cmp expect actual
'

test_expect_success 'audit: the commits that changed a path, newest first' '
	wasmstore audit a.wasm >actual &&
	g log --date="$DATEFMT" --format="%cd%x09%an%x09%H" main -- a.wasm >expect &&
	test $(wc -l <expect) -eq 3 &&
	test_cmp expect actual &&
	wasmstore audit dir/c.wasm >actual &&
	g log --date="$DATEFMT" --format="%cd%x09%an%x09%H" main -- dir/c.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'versions: distinct modules, oldest first, a return not repeated' '
	wasmstore versions a.wasm >actual &&
	printf "%s\tcommit: %s\n" $H1 $C1 $H2 $C3 >expect &&
	test_cmp expect actual
'

test_expect_success 'version N prints entry N of versions' '
	wasmstore version 0 a.wasm >actual &&
	printf "%s\tcommit: %s\n" $H1 $C1 >expect &&
	test_cmp expect actual &&
	wasmstore version 1 /a.wasm >actual &&
	printf "%s\tcommit: %s\n" $H2 $C3 >expect &&
	test_cmp expect actual
'

test_expect_success 'version N past the end: the reference message, exit 1' '
	test_expect_code 1 wasmstore version 2 //a.wasm >out 2>err &&
	test ! -s out &&
	echo "ERROR version 2 does not exist for /a.wasm" >expect &&
	test_cmp expect err &&
	test_expect_code 1 wasmstore version 0 never.wasm >out 2>err &&
	test ! -s out &&
	echo "ERROR version 0 does not exist for /never.wasm" >expect &&
	test_cmp expect err
'

test_expect_success 'versions of a path that never existed prints nothing' '
	wasmstore versions never.wasm >actual 2>err;
	rc=$? &&
	test ! -s actual &&
	{ test $rc -eq 0 && test ! -s err ||
	  { test $rc -eq 1 && grep "^error: " err; }; }
'

test_expect_success 'rollback: the tree of the head'"'"'s parent, as a new commit' '
	wasmstore rollback &&
	test "$(g rev-parse main^)" = "$C5" &&
	test "$(g rev-parse main^{tree})" = "$(g rev-parse $C4^{tree})" &&
	wasmstore hash a.wasm >actual &&
	echo $H2 >expect &&
	test_cmp expect actual
'

test_expect_success 'rollback PATH: the path before its last change' '
	wasmstore add m3.wasm b.wasm >/dev/null &&
	wasmstore add m1.wasm other.wasm >/dev/null &&
	before=$(git_head) &&
	wasmstore rollback b.wasm &&
	test "$(g rev-parse main^)" = "$before" &&
	wasmstore hash b.wasm >actual &&
	echo $H2 >expect &&
	test_cmp expect actual &&
	wasmstore hash other.wasm >actual &&
	echo $H1 >expect &&
	test_cmp expect actual
'

test_expect_success 'rollback PATH of a path just added removes it' '
	wasmstore rollback other.wasm &&
	wasmstore contains other.wasm >actual &&
	echo false >expect &&
	test_cmp expect actual
'

test_expect_success 'restore COMMIT: a new commit with that commit'"'"'s tree' '
	before=$(git_head) &&
	wasmstore restore $C2 &&
	test "$(g rev-parse main^)" = "$before" &&
	test "$(g rev-parse main^{tree})" = "$(g rev-parse $C2^{tree})" &&
	wasmstore list >actual &&
	printf "%s\t/%s\n" $H1 a.wasm $H2 b.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'restore forward again: the later commits are still there' '
	wasmstore restore $C5 &&
	test "$(g rev-parse main^{tree})" = "$(g rev-parse $C5^{tree})"
'

test_expect_success 'restore COMMIT PATH: only that path changes' '
	wasmstore restore $C1 b.wasm &&
	wasmstore list >actual &&
	printf "%s\t/%s\n" $H1 a.wasm $H3 dir/c.wasm >expect &&
	test_cmp expect actual &&
	wasmstore restore $C3 a.wasm &&
	wasmstore list >actual &&
	printf "%s\t/%s\n" $H2 a.wasm $H3 dir/c.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'restore: malformed commit exit 2, unknown commit exit 1' '
	before=$(git_head) &&
	test_expect_code 2 wasmstore restore zzz 2>err &&
	echo "error: invalid hash" >expect &&
	test_cmp expect err &&
	test_expect_code 1 wasmstore restore $(printf "%040d" 0) 2>err &&
	echo "error: commit not found" >expect &&
	test_cmp expect err &&
	test "$(git_head)" = "$before"
'

test_done
