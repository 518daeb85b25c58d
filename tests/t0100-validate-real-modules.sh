#!/usr/bin/env bash
# The validator on real modules: those tests/fetch-test-data takes from npm
# packages (SIMD, threads, exceptions, bulk memory, reference types, ...) and
# the two fixtures must all be valid; copies cut short (5 bytes, 12 bytes,
# all but the last byte) must all read "unexpected end-of-file".
. "$(dirname "$0")/test-lib.sh"

DATA="$TEST_DIR/data"

# Runs the unit test over directory $1 (expecting rejection with reason $2
# if given) into out, and the per-file verdicts into actual.
run_real_modules() {
	WS_TEST_DATA="$1" WS_TEST_EXPECT="${2:-}" \
		"$WS_BUILD/unit-tests" test_validate__real_modules >out 2>&1 &&
	grep -q '^ok .* - test_validate__real_modules$' out &&
	grep '^# ' out >actual
}

# Copies of every module in $1 cut to 5 bytes, 12 bytes and all but the
# last byte, into $2.
cut_copies() {
	local f n size
	mkdir "$2" || return 1
	for f in "$1"/*.wasm; do
		n=$(basename "$f" .wasm) &&
		size=$(wc -c <"$f") &&
		head -c 5 "$f" >"$2/$n-5.wasm" &&
		head -c 12 "$f" >"$2/$n-12.wasm" &&
		head -c $((size - 1)) "$f" >"$2/$n-last.wasm" || return 1
	done
}

# "# <verdict>: <file>" for every .wasm in $2, in C (strcmp) order.
expect_verdicts() {
	(cd "$2" && LC_ALL=C ls -- *.wasm) | sed "s/^/# $1: /" >expected
}

test_expect_success 'fetch the real modules' '
	"$TEST_DIR/fetch-test-data" "$DATA" 2>fetch.log &&
	mkdir all &&
	cp "$DATA"/*.wasm "$FIXTURES"/a.wasm "$FIXTURES"/b.wasm all/ &&
	test $(ls all | wc -l) -ge 19
'

test_expect_success 'every real module is valid' '
	run_real_modules "$TRASH/all" &&
	expect_verdicts valid all &&
	test_cmp expected actual
'

test_expect_success 'every module cut short reads unexpected end-of-file' '
	cut_copies all cut &&
	run_real_modules "$TRASH/cut" "unexpected end-of-file" &&
	expect_verdicts rejected cut &&
	test_cmp expected actual
'

test_expect_success 'without WS_TEST_DATA the unit test skips' '
	WS_TEST_DATA= "$WS_BUILD/unit-tests" test_validate__real_modules >out &&
	grep -q "^# skip: WS_TEST_DATA is not set$" out
'

test_done
