#!/usr/bin/env bash
# Several processes writing to one store at once lose nothing.
. "$(dirname "$0")/test-lib.sh"

writer() { # writer ID: adds 50 distinct modules to main, one process each
	for i in $(seq 1 50); do
		wasmstore add --branch main "mods/w$1-$i.wasm" "w$1/m$i.wasm" >/dev/null || return 1
	done
}

test_expect_success 'setup: 200 distinct modules' '
	mkdir mods &&
	for w in 1 2 3 4; do
		for i in $(seq 1 50); do
			make_module $((w * 1000 + i)) mods/w$w-$i.wasm || return 1
		done
	done &&
	wasmstore add mods/w1-1.wasm seed.wasm >/dev/null &&
	wasmstore remove seed.wasm
'

test_expect_success '4 writers x 50 adds: every path and every commit is there' '
	base=$(git_head)
	writer 1 & p1=$! ; writer 2 & p2=$! ; writer 3 & p3=$! ; writer 4 & p4=$! ;
	wait $p1 && wait $p2 && wait $p3 && wait $p4 &&
	wasmstore list >list.out &&
	test $(grep -c "/w[1-4]/m" list.out) = 200 &&
	git --git-dir="$WASMSTORE_ROOT" log --format=%s $base..main >log.out &&
	test $(grep -c "^add w[1-4]/m[0-9]*\.wasm$" log.out) = 200 &&
	test $(wc -l <log.out) = 200 &&
	for w in 1 2 3 4; do
		for i in 1 25 50; do
			echo "$(sha256sum <mods/w$w-$i.wasm | cut -d" " -f1)	/w$w/m$i.wasm" || return 1
		done
	done >expect.some &&
	grep -F -f expect.some list.out >actual.some &&
	test $(wc -l <actual.some) = 12
'

test_expect_success 'writers plus a process branching and merging meanwhile' '
	make_module 9001 side1.wasm && make_module 9002 side2.wasm &&
	make_module 9003 side3.wasm || return 1
	for w in 1 2; do
		for i in $(seq 1 50); do
			cp mods/w$w-$i.wasm mods/v$w-$i.wasm || return 1
		done
	done &&
	brancher() {
		for k in 1 2 3; do
			wasmstore branch side$k >/dev/null &&
			wasmstore add --branch side$k side$k.wasm side/s$k.wasm >/dev/null &&
			wasmstore merge --branch main side$k >/dev/null &&
			wasmstore branch side$k --delete || return 1
		done
	}
	writer2() {
		for i in $(seq 1 50); do
			wasmstore add --branch main mods/w$1-$i.wasm "v$1/m$i.wasm" >/dev/null || return 1
		done
	}
	true
	writer2 1 & p1=$! ; writer2 2 & p2=$! ; brancher & p3=$! ;
	wait $p1 && wait $p2 && wait $p3 &&
	wasmstore list >list2.out &&
	test $(grep -c "/v[12]/m" list2.out) = 100 &&
	test $(grep -c "/side/s[123].wasm" list2.out) = 3 &&
	test $(grep -c "/w[1-4]/m" list2.out) = 200 &&
	git --git-dir="$WASMSTORE_ROOT" fsck --no-progress
'

test_expect_success 'writers while gc runs again and again: nothing lost, fsck clean' '
	for i in $(seq 1 40); do make_module $((20000 + i)) g$i.wasm || return 1; done
	gcloop() {
		for k in $(seq 1 8); do wasmstore gc >/dev/null || return 1; done
	}
	adder() {
		for i in $(seq $1 2 40); do
			wasmstore add g$i.wasm "gc/m$i.wasm" >/dev/null || return 1
		done
	}
	adder 1 & p1=$! ; adder 2 & p2=$! ; gcloop & p3=$! ;
	wait $p1 && wait $p2 && wait $p3 &&
	wasmstore list >list3.out &&
	test $(grep -c "/gc/m" list3.out) = 40 &&
	for i in 1 17 40; do
		wasmstore find gc/m$i.wasm >found || return 1
		cmp found g$i.wasm || return 1
	done &&
	git --git-dir="$WASMSTORE_ROOT" fsck --no-progress --no-dangling
'

test_expect_success 'processes opening a new root at once all succeed' '
	make_module 31337 first.wasm &&
	for i in $(seq 1 10); do
		for k in 1 2 3 4; do
			wasmstore --root "new$i" add first.wasm "p$k.wasm" >out.$i.$k 2>err.$i.$k &
			eval "pid$k=\$!"
		done
		wait $pid1 && wait $pid2 && wait $pid3 && wait $pid4 || return 1
		for k in 1 2 3 4; do
			test ! -s err.$i.$k || return 1
		done
		wasmstore --root "new$i" list >list.$i &&
		test $(wc -l <list.$i) = 4 || return 1
	done
'

test_done
