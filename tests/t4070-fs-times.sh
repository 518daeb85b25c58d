#!/usr/bin/env bash
# Times: a module's or directory's modification time is the date of the
# commit that last changed it (first-parent history: a merged change is
# the merge's), under branches/ and commits/; a branch's top is its head.
# The history is written with plain git, so every commit has its own date.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-fs.sh"
fs_require

git_() { git --git-dir="$WASMSTORE_ROOT" "$@"; }

# commit_at DATE MESSAGE [PATH=FILE | -PATH]...: one commit on main dated
# DATE (unix seconds) adding FILE at PATH, or removing PATH.
commit_at() {
	local date=$1 msg=$2 arg
	shift 2
	for arg in "$@"; do
		case $arg in
		-*) git_ --work-tree=wt rm -q --cached "${arg#-}" || return 1 ;;
		*) mkdir -p "wt/$(dirname "${arg%%=*}")" &&
		   cp "${arg#*=}" "wt/${arg%%=*}" &&
		   git_ --work-tree=wt add "${arg%%=*}" || return 1 ;;
		esac
	done
	GIT_AUTHOR_DATE="@$date +0000" GIT_COMMITTER_DATE="@$date +0000" \
		git_ --work-tree=wt -c user.name=t -c user.email=t@t \
		commit -q -m "$msg"
}

# times PATH...: "<mtime> <path>" lines, paths relative to $MNT.
times() {
	(cd "$MNT" && stat -c "%Y %n" "$@")
}

test_expect_success 'setup: a history with dates of its own' '
	export GIT_INDEX_FILE="$TRASH/index" &&
	mkdir wt &&
	for i in 1 2 3 4 5 6 7; do make_module $i m$i.wasm || return 1; done &&
	wasmstore list >/dev/null &&
	commit_at 1000000000 one a.wasm=m1.wasm dir/b.wasm=m2.wasm &&
	c1=$(git_head) &&
	commit_at 1100000000 two dir/c.wasm=m3.wasm &&
	c2=$(git_head) &&
	commit_at 1200000000 three a.wasm=m4.wasm &&
	commit_at 1300000000 four other/deep/d.wasm=m5.wasm &&
	fs_mount
'

test_expect_success 'modules: the date of the commit that last changed them' '
	times branches/main/a.wasm branches/main/dir/b.wasm \
		branches/main/dir/c.wasm branches/main/other/deep/d.wasm >actual &&
	cat >expect <<-EOF &&
	1200000000 branches/main/a.wasm
	1000000000 branches/main/dir/b.wasm
	1100000000 branches/main/dir/c.wasm
	1300000000 branches/main/other/deep/d.wasm
	EOF
	test_cmp expect actual
'

test_expect_success 'directories: their last change below; the top: the head' '
	times branches/main branches/main/dir branches/main/other \
		branches/main/other/deep >actual &&
	cat >expect <<-EOF &&
	1300000000 branches/main
	1100000000 branches/main/dir
	1300000000 branches/main/other
	1300000000 branches/main/other/deep
	EOF
	test_cmp expect actual
'

test_expect_success 'ls -l shows them too' '
	(cd "$M/dir" && ls -l --time-style=+%s) >out &&
	awk "NR > 1 { print \$6, \$7 }" out >actual &&
	printf "%s\n" "1000000000 b.wasm" "1100000000 c.wasm" >expect &&
	test_cmp expect actual
'

test_expect_success 'commits/<commit>/: times as of that commit' '
	times commits/$c2 commits/$c2/a.wasm commits/$c2/dir \
		commits/$c2/dir/b.wasm commits/$c1/dir >actual &&
	cat >expect <<-EOF &&
	1100000000 commits/$c2
	1000000000 commits/$c2/a.wasm
	1100000000 commits/$c2/dir
	1000000000 commits/$c2/dir/b.wasm
	1000000000 commits/$c1/dir
	EOF
	test_cmp expect actual
'

test_expect_success 'a module changed back to an earlier version: a change' '
	commit_at 1400000000 back a.wasm=m1.wasm &&
	fs_wait 20 test "$(stat -c %Y "$M/a.wasm")" = 1400000000 &&
	times branches/main/a.wasm branches/main/dir/b.wasm >actual &&
	cat >expect <<-EOF &&
	1400000000 branches/main/a.wasm
	1000000000 branches/main/dir/b.wasm
	EOF
	test_cmp expect actual
'

test_expect_success 'removed and added again: the time of the new add' '
	commit_at 1410000000 rm -dir/b.wasm &&
	commit_at 1420000000 re dir/b.wasm=m2.wasm &&
	fs_wait 20 test "$(stat -c %Y "$M/dir/b.wasm")" = 1420000000 &&
	times branches/main branches/main/dir >actual &&
	cat >expect <<-EOF &&
	1420000000 branches/main
	1420000000 branches/main/dir
	EOF
	test_cmp expect actual
'

test_expect_success 'a merged change is the merge commit'"'"'s' '
	base=$(git_head) &&
	commit_at 1500000000 side e.wasm=m6.wasm &&
	side=$(git_head) &&
	git_ update-ref refs/heads/main $base &&
	git_ --work-tree=wt rm -q --cached e.wasm &&
	commit_at 1510000000 main f.wasm=m7.wasm &&
	git_ --work-tree=wt add e.wasm &&
	tree=$(git_ write-tree) &&
	merge=$(GIT_AUTHOR_DATE="@1520000000 +0000" \
		GIT_COMMITTER_DATE="@1520000000 +0000" \
		git_ -c user.name=t -c user.email=t@t commit-tree $tree \
		-p $(git_head) -p $side -m merge) &&
	git_ update-ref refs/heads/main $merge &&
	fs_wait 20 test -e "$M/e.wasm" &&
	times branches/main/e.wasm branches/main/f.wasm >actual &&
	cat >expect <<-EOF &&
	1520000000 branches/main/e.wasm
	1510000000 branches/main/f.wasm
	EOF
	test_cmp expect actual
'

test_expect_success 'written through the mount: the new commit'"'"'s date' '
	cp m5.wasm "$M/dir/new.wasm" &&
	stat -c %Y "$M/dir/new.wasm" >actual &&
	git_ log -1 --format=%ct main >expect &&
	test_cmp expect actual &&
	stat -c %Y "$M/dir" >actual &&
	test_cmp expect actual &&
	times branches/main/dir/c.wasm >actual &&
	echo "1100000000 branches/main/dir/c.wasm" >expect &&
	test_cmp expect actual
'

test_expect_success 'touch wins while the module is unchanged' '
	touch -d @1600000000 "$M/dir/c.wasm" &&
	times branches/main/dir/c.wasm >actual &&
	echo "1600000000 branches/main/dir/c.wasm" >expect &&
	test_cmp expect actual
'

# same_times PATH...: each path's time in the mount is its last commit's.
same_times() {
	local p
	for p in "$@"; do
		test "$(stat -c %Y "$M/$p")" = \
			"$(git_ log -1 --first-parent --format=%ct main -- "$p")" ||
			return 1
	done
}

test_expect_success 'right after listings, the mount and the CLI wrote at once' '
	for i in 1 2 3 4 5 6; do make_module 1$i n$i.wasm || return 1; done &&
	{ for i in 1 2 3; do ls -lR "$M" >/dev/null || exit 1; done & } &&
	lister=$! &&
	{ for i in 1 2 3; do
		wasmstore add n$i.wasm cli/x$i.wasm >/dev/null || exit 1
	  done & } &&
	writer=$! &&
	test_when_finished "kill $lister $writer 2>/dev/null" &&
	for i in 4 5 6; do cp n$i.wasm "$M/dir/" || return 1; done &&
	wait $lister && wait $writer &&
	fs_wait 20 same_times dir/n4.wasm dir/n6.wasm cli/x1.wasm cli/x3.wasm \
		a.wasm dir cli . &&
	git_ log -1 --format=%ct main -- cli/x3.wasm >expect &&
	stat -c %Y "$M/cli" >actual &&
	test_cmp expect actual
'

test_done
