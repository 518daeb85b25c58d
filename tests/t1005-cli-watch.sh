#!/usr/bin/env bash
# watch: one JSON line per change, from any writer; or a command run per
# change with the line on its stdin.
. "$(dirname "$0")/test-lib.sh"

sha() { sha256sum <"$1" | cut -d" " -f1; }
g() { git --git-dir="$WASMSTORE_ROOT" "$@"; }

# start_watch OUT ERR [ARGS...]: wasmstore watch ARGS in the background,
# its pid in $watcher (killed at the end).
start_watch() {
	local out=$1 err=$2
	shift 2
	wasmstore watch "$@" >>"$out" 2>>"$err" &
	watcher=$!
	test_when_finished "kill $watcher"
}

# The watcher is still running (else say why it stopped).
watching() {
	kill -0 $watcher 2>/dev/null && return 0
	echo "the watcher exited" >&2
	return 1
}

# wait_lines FILE N: until FILE has at least N lines (10 s at most).
wait_lines() {
	local i
	for i in $(seq 1 200); do
		[ -f "$1" ] && [ $(wc -l <"$1") -ge $2 ] && return 0
		watching || return 1
		sleep 0.05
	done
	echo "timed out waiting for $2 lines in $1:" >&2
	cat "$1" >&2
	return 1
}

# wait_grep FILE PATTERN: until a line of FILE matches (10 s at most).
wait_grep() {
	local i
	for i in $(seq 1 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		watching || return 1
		sleep 0.05
	done
	echo "timed out waiting for $2 in $1" >&2
	return 1
}

# sync_watch FILE: makes changes until the watcher writing to FILE reports
# one, so that it is surely watching; then $seen is FILE's line count.
sync_watch() {
	local i
	for i in $(seq 100 300); do
		watching || return 1
		make_module $i warm.wasm && wasmstore add warm.wasm warm.wasm >/dev/null &&
		sleep 0.05
		if [ -s "$1" ]; then
			wasmstore remove warm.wasm &&
			wait_grep "$1" "\"/warm.wasm\":{\"action\":\"removed\"" || return 1
			seen=$(wc -l <"$1")
			return 0
		fi
	done
	echo "the watcher never reported anything" >&2
	return 1
}

seen=0 watcher=0
test_expect_success 'setup' '
	(for i in 1 2 3; do make_module $i m$i.wasm || exit 1; done) &&
	H1=$(sha m1.wasm) && H2=$(sha m2.wasm) && H3=$(sha m3.wasm) &&
	wasmstore add m3.wasm keep.wasm >/dev/null
'

test_expect_success 'watch prints added, updated and removed changes' '
	start_watch watch.out watch.err &&
	WPID=$watcher &&
	sync_watch watch.out &&
	wasmstore add m1.wasm a.wasm >/dev/null && wait_lines watch.out $((seen + 1)) &&
	wasmstore add m2.wasm a.wasm >/dev/null && wait_lines watch.out $((seen + 2)) &&
	wasmstore remove a.wasm && wait_lines watch.out $((seen + 3)) &&
	tail -n +$((seen + 1)) watch.out >actual &&
	cat >expect <<-EOT &&
	{"/a.wasm":{"action":"added","hash":"$H1"}}
	{"/a.wasm":{"action":"updated","hash":{"old":"$H1","new":"$H2"}}}
	{"/a.wasm":{"action":"removed","hash":"$H2"}}
	EOT
	test_cmp expect actual
'

test_expect_success 'watch sees writes made with plain git' '
	before=$(git_head) &&
	wasmstore add m1.wasm b.wasm >/dev/null && wait_lines watch.out $((seen + 4)) &&
	g update-ref refs/heads/main $before && wait_lines watch.out $((seen + 5)) &&
	tail -n 2 watch.out >actual &&
	cat >expect <<-EOT &&
	{"/b.wasm":{"action":"added","hash":"$H1"}}
	{"/b.wasm":{"action":"removed","hash":"$H1"}}
	EOT
	test_cmp expect actual
'

test_expect_success 'changes on other branches are not reported' '
	wasmstore branch other &&
	wasmstore --branch other add m2.wasm other.wasm >/dev/null &&
	wasmstore add m2.wasm c.wasm >/dev/null && wait_lines watch.out $((seen + 6)) &&
	tail -n 1 watch.out >actual &&
	echo "{\"/c.wasm\":{\"action\":\"added\",\"hash\":\"$H2\"}}" >expect &&
	test_cmp expect actual &&
	test $(wc -l <watch.out) -eq $((seen + 6)) &&
	test ! -s watch.err &&
	kill $WPID
'

test_expect_success 'watch --branch watches that branch' '
	start_watch other.out other.err --branch other &&
	OPID=$watcher &&
	wasmstore add m3.wasm probe.wasm >/dev/null &&
	for i in $(seq 1 100); do
		watching || break
		wasmstore --branch other add m$((i % 2 + 1)).wasm other.wasm >/dev/null &&
		sleep 0.05 && test -s other.out && break
	done &&
	test -s other.out &&
	! grep probe other.out &&
	grep -q "^{\"/other.wasm\":{\"action\":\"updated\"" other.out &&
	kill $OPID
'

test_expect_success 'watch COMMAND: the command gets each line on stdin' '
	start_watch watch2.out watch2.err sh -c "cat >>cmd.out" --root nowhere &&
	CPID=$watcher &&
	sync_watch cmd.out &&
	wasmstore add m1.wasm d.wasm >/dev/null && wait_lines cmd.out $((seen + 1)) &&
	tail -n 1 cmd.out >actual &&
	echo "{\"/d.wasm\":{\"action\":\"added\",\"hash\":\"$H1\"}}" >expect &&
	test_cmp expect actual &&
	test ! -s watch2.out && test ! -e nowhere &&
	kill $CPID
'

test_expect_success 'a failing command is a warning; watching goes on' '
	start_watch fail.stdout fail.err sh -c "cat >>fail.out; exit 3" &&
	FPID=$watcher &&
	sync_watch fail.out &&
	wasmstore add m2.wasm e.wasm >/dev/null && wait_lines fail.out $((seen + 1)) &&
	kill -0 $FPID &&
	sort -u fail.err >actual &&
	echo "warning: '"'"'sh'"'"' exited with status 3" >expect &&
	test_cmp expect actual &&
	kill $FPID
'

test_expect_success 'a command that cannot run is reported' '
	start_watch nocmd.out nocmd.err ./no-such-command &&
	NPID=$watcher &&
	for i in $(seq 1 100); do
		watching || break
		make_module $((400 + i)) n.wasm && wasmstore add n.wasm n.wasm >/dev/null &&
		sleep 0.05 && test -s nocmd.err && break
	done &&
	sleep 0.2 &&
	head -n 2 nocmd.err >actual &&
	cat >expect <<-\EOT &&
	error: unable to run '"'"'./no-such-command'"'"': No such file or directory
	warning: '"'"'./no-such-command'"'"' exited with status 127
	EOT
	test_cmp expect actual &&
	kill $NPID
'

test_done
