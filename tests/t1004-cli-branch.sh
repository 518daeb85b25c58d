#!/usr/bin/env bash
# branch (create, --delete, --list), merge and gc.
. "$(dirname "$0")/test-lib.sh"

sha() { sha256sum <"$1" | cut -d" " -f1; }
g() { git --git-dir="$WASMSTORE_ROOT" "$@"; }
objects() { g cat-file --batch-all-objects --batch-check='%(objectname)' | sort; }

test_expect_success 'setup' '
	(for i in 1 2 3 4 5; do make_module $i m$i.wasm || exit 1; done) &&
	H1=$(sha m1.wasm) && H2=$(sha m2.wasm) && H3=$(sha m3.wasm) &&
	H4=$(sha m4.wasm) && H5=$(sha m5.wasm) &&
	wasmstore add m1.wasm shared.wasm >/dev/null
'

test_expect_success 'branch --list: one branch per line' '
	wasmstore branch --list >actual &&
	echo main >expect &&
	test_cmp expect actual
'

test_expect_success 'branch NAME copies the default branch' '
	wasmstore branch dev &&
	test "$(git_head dev)" = "$(git_head main)" &&
	wasmstore branch --list >actual &&
	printf "dev\nmain\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'branch NAME copies the --branch branch' '
	wasmstore --branch dev add m2.wasm dev-only.wasm >/dev/null &&
	wasmstore branch feature --branch dev &&
	test "$(git_head feature)" = "$(git_head dev)" &&
	wasmstore branch --list >actual &&
	printf "dev\nfeature\nmain\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'branch NAME that exists: exit 3' '
	before=$(git_head dev) &&
	test_expect_code 3 wasmstore branch dev 2>err &&
	echo "error: Branch already exists" >expect &&
	test_cmp expect err &&
	test "$(git_head dev)" = "$before"
'

test_expect_success 'branch --delete' '
	wasmstore branch --delete feature &&
	wasmstore branch --list >actual &&
	printf "dev\nmain\n" >expect &&
	test_cmp expect actual &&
	test_must_fail git_head feature
'

test_expect_success 'branch --delete of an absent branch: exit 1' '
	test_expect_code 1 wasmstore branch --delete nope 2>err &&
	echo "error: branch '"'"'nope'"'"' not found" >expect &&
	test_cmp expect err
'

test_expect_success 'branch --delete of the default branch: exit 2' '
	test_expect_code 2 wasmstore branch main --delete 2>err &&
	grep "^error: " err &&
	test "$(git_head main)" != ""
'

test_expect_success 'a write to a branch leaves the others alone' '
	main=$(git_head main) &&
	wasmstore add --branch dev m3.wasm dev2.wasm >/dev/null &&
	test "$(git_head main)" = "$main" &&
	wasmstore list >actual &&
	printf "%s\t/shared.wasm\n" $H1 >expect &&
	test_cmp expect actual
'

test_expect_success 'a branch that does not exist has nothing; reads do not create it' '
	wasmstore --branch ghost list >actual 2>err &&
	test ! -s actual && test ! -s err &&
	test_must_fail git_head ghost
'

test_expect_success 'merge fast-forwards when it can' '
	wasmstore merge dev &&
	test "$(git_head main)" = "$(git_head dev)" &&
	wasmstore list >actual &&
	printf "%s\t/%s\n" $H2 dev-only.wasm $H3 dev2.wasm $H1 shared.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'merge of changes to different paths: a merge commit' '
	wasmstore add --branch dev m4.wasm on-dev.wasm >/dev/null &&
	wasmstore add m5.wasm on-main.wasm >/dev/null &&
	main=$(git_head main) && dev=$(git_head dev) &&
	wasmstore merge dev &&
	g rev-list --parents -1 main >actual &&
	echo "$(git_head main) $main $dev" >expect &&
	test_cmp expect actual &&
	wasmstore list >actual &&
	printf "%s\t/%s\n" $H2 dev-only.wasm $H3 dev2.wasm $H4 on-dev.wasm \
		$H5 on-main.wasm $H1 shared.wasm >expect &&
	test_cmp expect actual
'

test_expect_success 'merge into another branch with --branch' '
	wasmstore --branch dev merge main &&
	test "$(git_head dev)" = "$(git_head main)"
'

test_expect_success 'merge conflict: paths on stderr, exit 3, nothing changes' '
	wasmstore add --branch dev m2.wasm shared.wasm >/dev/null &&
	wasmstore add --branch dev m2.wasm on-main.wasm >/dev/null &&
	wasmstore add m3.wasm shared.wasm >/dev/null &&
	wasmstore add m4.wasm on-main.wasm >/dev/null &&
	main=$(git_head main) && dev=$(git_head dev) &&
	test_expect_code 3 wasmstore merge dev >out 2>err &&
	test ! -s out &&
	grep -v "^error: " err >actual &&
	printf "conflict: '"'"'/%s'"'"'\n" on-main.wasm shared.wasm >expect &&
	test_cmp expect actual &&
	grep "^error: " err >actual &&
	test $(wc -l <actual) -eq 1 &&
	test "$(git_head main)" = "$main" && test "$(git_head dev)" = "$dev"
'

test_expect_success 'merge of an absent branch: exit 1' '
	main=$(git_head main) &&
	test_expect_code 1 wasmstore merge nope 2>err &&
	grep "^error: .*nope" err &&
	test "$(git_head main)" = "$main"
'

test_expect_success 'gc: one commit left, same tree, count of deleted objects' '
	tree=$(g rev-parse main^{tree}) &&
	objects >before &&
	wasmstore gc >actual &&
	objects >after &&
	comm -23 before after | wc -l | tr -d " " >expect &&
	test_cmp expect actual &&
	test $(g rev-list --count main) -eq 1 &&
	test "$(g rev-parse main^{tree})" = "$tree" &&
	g fsck --no-progress --no-dangling
'

test_expect_success 'gc keeps what another branch reaches' '
	wasmstore --branch dev log >dev.log &&
	wasmstore --branch dev list >actual &&
	test -s actual &&
	(while IFS="	" read -r hash path; do
		wasmstore --branch dev find $path >out &&
		test "$(sha out)" = "$hash" || exit 1
	done) <actual
'

test_expect_success 'gc of a squashed branch with nothing unreachable prints 0' '
	wasmstore --branch dev gc >/dev/null &&
	wasmstore --branch dev gc >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_done
