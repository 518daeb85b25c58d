# test-lib.sh - sourced by every tests/tNNNN-*.sh script (git t/ style).
#
#   test_expect_success 'title' 'cmd && cmd && ...'
#   test_must_fail cmd...       the command fails cleanly (not by a signal)
#   test_cmp expected actual    files are equal (diff shown otherwise)
#   test_when_finished 'cmd'    cleanup run at test_done, even on failure
#   test_done                   prints the TAP plan, runs cleanups
#
# Each script gets a private trash directory $TRASH with a store root
# ($WASMSTORE_ROOT), and $PATH starts with the build directory.

set -u
: "${WS_BUILD:=$(cd "$(dirname "$0")/.." && pwd)/build}"
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
export PATH="$WS_BUILD:$PATH"
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/ws-test.XXXXXX")
export WASMSTORE_ROOT="$TRASH/root"
export HOME="$TRASH/home"
mkdir -p "$HOME"
unset WASMSTORE_BRANCH WASMSTORE_AUTHOR WASMSTORE_AUTH WASMSTORE_TLS \
	WASMSTORE_HOST WASMSTORE_PORT
cd "$TRASH" || exit 1

test_count=0
test_failed=0
test_skipped=0
test_cleanups=""

say() { printf '# %s\n' "$*"; }

test_when_finished() {
	test_cleanups="$1
$test_cleanups"
}

# Bodies run inside a function of their own, so the git idiom
# "... || return 1" fails the step instead of returning from the harness.
test_eval_() {
	eval "$1"
}

test_expect_success() {
	test_count=$((test_count + 1))
	local title=$1 body=$2
	# Evaluated in this shell, as git's t/ does: variables set by one step
	# are seen by the next.
	cd "$TRASH" && test_eval_ "$body" >"$TRASH/.out" 2>&1 </dev/null
	local rc=$?
	cd "$TRASH"
	if [ $rc -eq 0 ]; then
		printf 'ok %d - %s\n' "$test_count" "$title"
	else
		test_failed=$((test_failed + 1))
		printf 'not ok %d - %s\n' "$test_count" "$title"
		printf '%s\n' "$body" | sed 's/^/#\t/'
		tail -n 40 "$TRASH/.out" | sed 's/^/# > /'
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	printf 'ok %d # skip %s\n' "$test_count" "$1"
}

test_must_fail() {
	"$@"
	local rc=$?
	if [ $rc -eq 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ $rc -gt 128 ] && [ $rc -le 192 ]; then
		echo "test_must_fail: killed by signal $((rc - 128)): $*" >&2
		return 1
	fi
	return 0
}

# test_expect_code N cmd...: the command exits with exactly N.
test_expect_code() {
	local want=$1
	shift
	"$@"
	local rc=$?
	if [ $rc -ne "$want" ]; then
		echo "test_expect_code: want $want, got $rc: $*" >&2
		return 1
	fi
}

test_cmp() {
	diff -u "$1" "$2"
}

# wat MODULE_TEXT OUT.wasm: builds a module from WAT text.
wat() {
	printf '%s\n' "$1" >"$2.wat" &&
	wat2wasm --enable-threads --enable-exceptions --enable-tail-call \
		"$2.wat" -o "$2"
}

# A distinct small valid module per argument (an exported constant).
make_module() {
	wat "(module (func (export \"f\") (result i32) i32.const $1))" "$2"
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The store's head commit, read with git itself.
git_head() {
	git --git-dir="$WASMSTORE_ROOT" rev-parse --verify -q "refs/heads/${1:-main}"
}

FIXTURES="$TEST_DIR/fixtures"

test_done() {
	eval "$test_cleanups" >/dev/null 2>&1
	echo "1..$test_count"
	cd / && rm -rf "$TRASH"
	[ $test_failed -eq 0 ]
}
