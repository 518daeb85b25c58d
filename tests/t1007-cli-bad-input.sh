#!/usr/bin/env bash
# Bad input of every kind: each is refused with its exact message and exit
# status, and leaves the repository as it was (same head, same objects).
. "$(dirname "$0")/test-lib.sh"

g() { git --git-dir="$WASMSTORE_ROOT" "$@"; }
objects() { g cat-file --batch-all-objects --batch-check='%(objectname)' | sort; }
A=b6b033aa8c568449d19e0d440cd31f8fcebaebc9c28070e09073275d8062be31

# refused STATUS MESSAGE cmd...: exits STATUS, prints MESSAGE (one line) on
# stderr and nothing on stdout, and the store is unchanged.
refused() {
	local want=$1 message=$2 rc ok=0
	shift 2
	"$@" >out 2>err
	rc=$?
	[ $rc -eq $want ] || { echo "exit $rc, want $want: $*"; cat err; ok=1; }
	test ! -s out || { echo "stdout not empty: $*"; ok=1; }
	printf "%s\n" "$message" >expect.err
	test_cmp expect.err err || ok=1
	if [ "$(git_head)" != "$HEAD0" ]; then
		echo "head moved: $*"
		HEAD0=$(git_head) # report this once, not in every later test
		ok=1
	fi
	return $ok
}

test_expect_success 'setup' '
	cp "$FIXTURES/a.wasm" a.wasm &&
	wasmstore add a.wasm >/dev/null &&
	wasmstore add a.wasm dir/a.wasm >/dev/null &&
	wasmstore branch dev &&
	HEAD0=$(git_head) &&
	objects >objects.before
'

# path | message (after "error: ")
while IFS="|" read -r path message; do
	test_expect_success "bad path '$path' is refused by every command" '
		p='"'$path'"' m="error: '"$message"'" &&
		refused 2 "$m" wasmstore add a.wasm "$p" &&
		refused 2 "$m" wasmstore add - "$p" <a.wasm &&
		refused 2 "$m" wasmstore set $A "$p" &&
		refused 2 "$m" wasmstore remove "$p" &&
		refused 2 "$m" wasmstore find "$p" &&
		refused 2 "$m" wasmstore hash "$p" &&
		refused 2 "$m" wasmstore contains "$p" &&
		refused 2 "$m" wasmstore filename "$p" &&
		refused 2 "$m" wasmstore versions "$p" &&
		refused 2 "$m" wasmstore version 0 "$p" &&
		refused 2 "$m" wasmstore audit "$p" &&
		case "$p" in
		""|/*) ;; # the root: rollback and restore of the whole tree
		*)	refused 2 "$m" wasmstore rollback "$p" &&
			refused 2 "$m" wasmstore restore $HEAD0 "$p" ;;
		esac
	'
done <<\EOT
..|invalid path '..': '.' and '..' are not allowed
a/../b|invalid path 'a/../b': '.' and '..' are not allowed
../a.wasm|invalid path '../a.wasm': '.' and '..' are not allowed
.|invalid path '.': '.' and '..' are not allowed
./a.wasm|invalid path './a.wasm': '.' and '..' are not allowed
a/./b|invalid path 'a/./b': '.' and '..' are not allowed
.git|invalid path '.git': '.git' is reserved
a/.git/b|invalid path 'a/.git/b': '.git' is reserved
.GIT/config|invalid path '.GIT/config': '.git' is reserved
a\b|invalid path 'a\b': backslash is not allowed
|invalid path: empty
/|invalid path: empty
///|invalid path: empty
EOT

test_expect_success 'a path longer than 4096 bytes is refused' '
	long=$(printf "%04097d" 0) &&
	refused 2 "error: invalid path: longer than 4096 bytes" \
		wasmstore add a.wasm $long
'

# Control characters must not reach the terminal raw.
for c in 01 07 09 0a 0d 1b 7f; do
	test_expect_success "a path with control character 0x$c is refused, escaped" '
		p=$(printf "a\x'$c'b.wasm") &&
		test_expect_code 2 wasmstore add a.wasm "$p" >out 2>err &&
		test ! -s out &&
		test $(wc -l <err) -eq 1 &&
		grep "^error: invalid path: control character in " err &&
		! LC_ALL=C grep -q "[[:cntrl:]]" err &&
		test_expect_code 2 wasmstore find "$p" >out 2>err &&
		test $(wc -l <err) -eq 1 &&
		test "$(git_head)" = "$HEAD0"
	'
done

# branch name | message
while IFS="|" read -r branch message; do
	test_expect_success "bad branch name '$branch' is refused" '
		b='"'$branch'"' m="error: '"$message"'" &&
		refused 2 "$m" wasmstore --branch "$b" add a.wasm x.wasm &&
		refused 2 "$m" wasmstore add --branch="$b" a.wasm x.wasm &&
		refused 2 "$m" wasmstore branch -- "$b" &&
		refused 2 "$m" wasmstore branch --delete -- "$b" &&
		refused 2 "$m" wasmstore --branch "$b" list &&
		refused 2 "$m" wasmstore --branch "$b" log &&
		refused 2 "$m" wasmstore --branch "$b" snapshot &&
		refused 2 "$m" wasmstore merge -- "$b" &&
		refused 2 "$m" wasmstore --branch "$b" merge dev &&
		refused 2 "$m" wasmstore --branch "$b" gc &&
		WASMSTORE_BRANCH=$b refused 2 "$m" wasmstore add a.wasm x.wasm &&
		g for-each-ref --format="%(refname)" refs/heads >refs &&
		printf "refs/heads/dev\nrefs/heads/main\n" >expect &&
		test_cmp expect refs
	'
done <<\EOT
a..b|invalid branch name 'a..b'
-x|invalid branch name '-x'
a b|invalid branch name 'a b'
x.lock|invalid branch name 'x.lock'
a~b|invalid branch name 'a~b'
a^b|invalid branch name 'a^b'
a:b|invalid branch name 'a:b'
a?b|invalid branch name 'a?b'
a*b|invalid branch name 'a*b'
a[b|invalid branch name 'a[b'
a/|invalid branch name 'a/'
.a|invalid branch name '.a'
a/.b|invalid branch name 'a/.b'
a@{b|invalid branch name 'a@{b'
HEAD|invalid branch name 'HEAD'
EOT

test_expect_success 'an empty branch name is refused' '
	refused 2 "error: invalid branch name '"''"'" wasmstore branch -- "" &&
	refused 2 "error: invalid branch name '"''"'" wasmstore --branch "" list
'

test_expect_success 'a branch name with a control character is refused, escaped' '
	test_expect_code 2 wasmstore branch "$(printf "a\033b")" >out 2>err &&
	test $(wc -l <err) -eq 1 &&
	! LC_ALL=C grep -q "[[:cntrl:]]" err
'

# commit | status | message
while IFS="|" read -r commit status message; do
	test_expect_success "commit '$commit' is refused (exit $status)" '
		c='"'$commit'"' m="error: '"$message"'" &&
		refused '"$status"' "$m" wasmstore restore "$c" &&
		refused '"$status"' "$m" wasmstore restore "$c" a.wasm &&
		refused '"$status"' "$m" wasmstore commit "$c"
	'
done <<EOT
zzz|2|invalid hash
|2|invalid hash
$(printf "%039d" 1)|2|invalid hash
$(printf "%041d" 1)|2|invalid hash
$(printf "g%039d" 1)|2|invalid hash
${A:0:40}x|2|invalid hash
$(printf "%040d" 0)|1|commit not found
EOT

test_expect_success 'a tree or blob id is not a commit' '
	refused 1 "error: commit not found" wasmstore restore $(g rev-parse main^{tree}) &&
	refused 1 "error: commit not found" wasmstore commit $(g rev-parse main:a.wasm)
'

test_expect_success 'malformed and unknown module hashes in set' '
	refused 2 "error: invalid hash" wasmstore set zzz x.wasm &&
	refused 2 "error: invalid hash" wasmstore set ${A:0:63} x.wasm &&
	refused 2 "error: invalid hash" wasmstore set ${A}0 x.wasm &&
	refused 2 "error: invalid hash" wasmstore set ${A:0:63}g x.wasm &&
	unknown=$(printf "%064d" 0) &&
	refused 1 "error: unknown hash '"'"'$unknown'"'"'" wasmstore set $unknown x.wasm
'

test_expect_success 'something that is not quite a hash is a path' '
	test_expect_code 1 wasmstore find ${A:0:63} >out 2>err &&
	test ! -s out && test ! -s err &&
	test_expect_code 1 wasmstore find ${A}0 >out 2>err &&
	test ! -s out && test ! -s err &&
	wasmstore contains ${A:0:63}g >actual &&
	echo false >expect &&
	test_cmp expect actual
'

test_expect_success 'setup: broken modules' '
	printf "" >empty.wasm &&
	head -c 4 a.wasm >t4.wasm &&
	head -c 5 a.wasm >t5.wasm &&
	head -c 12 a.wasm >t12.wasm &&
	head -c 1000 a.wasm >t1000.wasm &&
	head -c 828093 a.wasm >t828093.wasm &&
	echo "hello world" >text.wasm &&
	printf "\0asX\1\0\0\0" >magic.wasm &&
	printf "\0asm\2\0\0\0" >version.wasm &&
	printf "\0asm\1\0\0\0\12\4\1\2\0\13" >nofunc.wasm &&
	printf "\0asm\1\0\0\0\1\5\1\140\0\1\177\231" >trailing.wasm
'

# file | reason
while IFS="|" read -r file reason; do
	test_expect_success "module $file is refused (exit 3)" '
		m="ERROR invalid module: '"$reason"'" &&
		refused 3 "$m" wasmstore add '"$file"' x.wasm &&
		refused 3 "$m" wasmstore add - x.wasm <'"$file"' &&
		refused 3 "$m" wasmstore add '"$file"' a.wasm
	'
done <<\EOT
empty.wasm|unexpected end-of-file
t4.wasm|unexpected end-of-file
t5.wasm|unexpected end-of-file
t12.wasm|unexpected end-of-file
t1000.wasm|unexpected end-of-file
t828093.wasm|unexpected end-of-file
text.wasm|bad magic value
magic.wasm|bad magic value
version.wasm|bad wasm file version: 0x2 (expected 0x1)
nofunc.wasm|function signature count != function body count
EOT

test_expect_success 'files that cannot be read (exit 4)' '
	refused 4 "error: unable to open '"'"'missing.wasm'"'"': No such file or directory" \
		wasmstore add missing.wasm &&
	refused 4 "error: unable to open '"'"'no/dir/x.wasm'"'"': No such file or directory" \
		wasmstore add no/dir/x.wasm x.wasm &&
	mkdir adir &&
	refused 4 "error: unable to read '"'"'adir'"'"': Is a directory" \
		wasmstore add adir x.wasm
'

test_expect_success 'no object was left behind by any refused write' '
	objects >objects.after &&
	test_cmp objects.before objects.after
'

test_done
