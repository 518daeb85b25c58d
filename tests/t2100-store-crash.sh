#!/usr/bin/env bash
# Writers killed with SIGKILL at random moments: the repository stays valid
# (git fsck) and every acknowledged write is there.
. "$(dirname "$0")/test-lib.sh"

ROUNDS=${WS_CRASH_ROUNDS:-12}

test_expect_success 'setup: modules to write' '
	mkdir mods &&
	for i in $(seq 1 300); do make_module $((5000 + i)) mods/m$i.wasm || return 1; done
'

# One writer process: adds modules until killed; after each add that exited
# 0 (acknowledged) it records the path.
start_writer() { # START_INDEX ACK_FILE
	(
		i=$1
		while [ $i -le 300 ]; do
			wasmstore add mods/m$i.wasm "crash/m$i.wasm" >/dev/null 2>&1 &&
				echo "/crash/m$i.wasm" >>"$2"
			i=$((i + 3))
		done
	) &
	echo $!
}

test_expect_success "$ROUNDS rounds of SIGKILL during writes" '
	: >acked &&
	for round in $(seq 1 $ROUNDS); do
		p1=$(start_writer $round acked.1) &&
		p2=$(start_writer $((round + 100)) acked.2) &&
		sleep 0.$((RANDOM % 6 + 1)) &&
		pkill -KILL -P $p1; pkill -KILL -P $p2; kill -KILL $p1 $p2 2>/dev/null;
		wait $p1 $p2 2>/dev/null;
		git --git-dir="$WASMSTORE_ROOT" fsck --no-progress --no-dangling >fsck.$round 2>&1 ||
			{ cat fsck.$round; return 1; }
		cat acked.1 acked.2 >>acked 2>/dev/null; rm -f acked.1 acked.2
		wasmstore list >list.$round || return 1
		missing=$(cut -f2 list.$round | grep -Fxv -f - acked) ;
		test -z "$missing" || { echo "lost: $missing"; return 1; }
	done &&
	test $(sort -u acked | wc -l) -gt 0
'

test_expect_success 'the store still takes writes after the crashes' '
	make_module 7777 after.wasm &&
	wasmstore add after.wasm after.wasm >hash.out &&
	sha256sum <after.wasm | cut -d" " -f1 >expect &&
	test_cmp expect hash.out
'

test_done
