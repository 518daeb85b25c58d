#!/usr/bin/env bash
# Every write stores its objects as one pack; writers merge packs once there
# are too many, so one CLI process per add does not pile them up, and gc
# leaves one pack. Plain git reads every state.
. "$(dirname "$0")/test-lib.sh"

count_packs() { ls "$WASMSTORE_ROOT"/objects/pack/*.pack 2>/dev/null | wc -l; }

test_expect_success 'one add writes one pack, no loose object' '
	make_module 0 m0.wasm &&
	wasmstore add m0.wasm m0.wasm >/dev/null &&
	test "$(count_packs)" = 1 &&
	test -z "$(find "$WASMSTORE_ROOT"/objects/?? -type f)" &&
	git -C "$WASMSTORE_ROOT" cat-file -e "main:m0.wasm"
'

test_expect_success '40 adds, one process each: packs stay few, nothing lost' '
	for i in $(seq 1 40); do
		make_module $i m$i.wasm &&
		wasmstore add m$i.wasm m$i.wasm >/dev/null || return 1
	done &&
	test "$(count_packs)" -le 17 &&
	wasmstore list >list.out &&
	test "$(wc -l <list.out)" = 41 &&
	test "$(git -C "$WASMSTORE_ROOT" rev-list --count main)" = 41 &&
	git -C "$WASMSTORE_ROOT" fsck --full --strict --no-dangling 2>fsck.err &&
	test ! -s fsck.err
'

test_expect_success 'every module reads back byte for byte from the packs' '
	for i in 0 5 40; do
		wasmstore find m$i.wasm >out.wasm &&
		cmp m$i.wasm out.wasm || return 1
	done
'

test_expect_success 'gc leaves one pack' '
	wasmstore gc >gc.out &&
	test "$(count_packs)" = 1 &&
	git -C "$WASMSTORE_ROOT" fsck --full --strict 2>fsck.err &&
	wasmstore list >after.out &&
	test_cmp list.out after.out
'

test_done
