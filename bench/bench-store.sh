#!/usr/bin/env bash
# Durable adds of distinct 1 KB modules: the library vs the same loop done
# naively with the git command line; the same adds into a store that holds
# 10,000 modules (flat and nested); finds by path and by hash.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ADDS:-300}
GIT_N=${BENCH_GIT_ADDS:-100}
SB="$WS_BUILD/bench/store-bench"

git_loop_rate() { # RUN [durable] -> adds/s of the naive git CLI loop
	local repo="$BENCH_TMP/git.$1" i b p t c
	git init -q --bare "$repo"
	# durable: git fsyncs every object, the index and the ref it writes,
	# the guarantee our adds give (git's default fsyncs refs and packs
	# but not loose objects)
	[ "${2:-}" = durable ] && git -C "$repo" config core.fsync all &&
		git -C "$repo" config core.fsyncMethod fsync
	export GIT_DIR="$repo" GIT_INDEX_FILE="$repo/bench-index" \
		GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b
	for i in $(seq 1 $GIT_N); do head -c 1024 /dev/urandom >"$BENCH_TMP/m$i"; done
	local t0=$(now)
	for i in $(seq 1 $GIT_N); do
		b=$(git hash-object -w "$BENCH_TMP/m$i")
		git update-index --add --cacheinfo "100644,$b,m$i.wasm"
		t=$(git write-tree)
		p=$(git rev-parse -q --verify refs/heads/main)
		c=$(git commit-tree "$t" ${p:+-p "$p"} -m "add m$i.wasm")
		git update-ref refs/heads/main "$c" $p
	done
	local t1=$(now)
	unset GIT_DIR GIT_INDEX_FILE
	awk -v n=$GIT_N -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", n / (b - a) }'
}

writers_rate() { # ROOT THREADS -> adds/s of N adds from THREADS threads
	"$SB" writers "$1" "$N" "$2" | awk '{ print $4 }'
}

ours_rate() { # ROOT PREFIX -> adds/s
	"$SB" adds "$1" "$N" "$2" | awk '{ print $4 }'
}

cli_rate() { # adds/s of `wasmstore add` one process per module
	local root="$BENCH_TMP/cli.$1" i n=50
	"$SB" adds "$root" 1 warm >/dev/null
	for i in $(seq 1 $n); do "$SB" module "$BENCH_TMP/c$i.wasm" $i 2>/dev/null || return; done
	local t0=$(now)
	for i in $(seq 1 $n); do WASMSTORE_ROOT="$root" wasmstore add "$BENCH_TMP/c$i.wasm" "c$i.wasm" >/dev/null; done
	local t1=$(now)
	awk -v n=$n -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", n / (b - a) }'
}

echo "== store: durable adds of distinct 1 KB modules ($RUNS runs, medians)"
for r in $(seq 1 $RUNS); do
	git_loop_rate $r >>"$BENCH_TMP/git.rates"
	git_loop_rate d$r durable >>"$BENCH_TMP/gitd.rates"
	ours_rate "$BENCH_TMP/ours.$r" a >>"$BENCH_TMP/ours.rates"
	writers_rate "$BENCH_TMP/w4.$r" 4 >>"$BENCH_TMP/w4.rates"
	writers_rate "$BENCH_TMP/w16.$r" 16 >>"$BENCH_TMP/w16.rates"
	"$SB" fill "$BENCH_TMP/flat.$r" 10000 flat >/dev/null
	ours_rate "$BENCH_TMP/flat.$r" x >>"$BENCH_TMP/flat.rates"
	"$SB" fill "$BENCH_TMP/nested.$r" 10000 nested >/dev/null
	ours_rate "$BENCH_TMP/nested.$r" d042/x >>"$BENCH_TMP/nested.rates"
	rm -rf "$BENCH_TMP"/git.$r "$BENCH_TMP"/git.d$r "$BENCH_TMP"/ours.$r \
		"$BENCH_TMP"/w4.$r "$BENCH_TMP"/w16.$r "$BENCH_TMP"/flat.$r
done
git=$(median <"$BENCH_TMP/git.rates")
gitd=$(median <"$BENCH_TMP/gitd.rates")
ours=$(median <"$BENCH_TMP/ours.rates")
w4=$(median <"$BENCH_TMP/w4.rates")
w16=$(median <"$BENCH_TMP/w16.rates")
flat=$(median <"$BENCH_TMP/flat.rates")
nested=$(median <"$BENCH_TMP/nested.rates")
report "naive git CLI loop (reference)" "$git" "adds/s"
report "naive git CLI loop, core.fsync=all" "$gitd" "adds/s"
report "wasmstore library, empty store" "$ours" "adds/s  x$(ratio "$ours" "$git") vs git, x$(ratio "$ours" "$gitd") vs durable git"
report "wasmstore library, 4 writer threads" "$w4" "adds/s  x$(ratio "$w4" "$git") vs git, x$(ratio "$w4" "$gitd") vs durable git"
report "wasmstore library, 16 writer threads" "$w16" "adds/s  x$(ratio "$w16" "$git") vs git, x$(ratio "$w16" "$gitd") vs durable git"
report "wasmstore library, 10,000 modules in one dir" "$flat" "adds/s  x$(ratio "$flat" "$git") vs git"
report "wasmstore library, 10,000 modules nested" "$nested" "adds/s  x$(ratio "$nested" "$git") vs git"
if command -v wasmstore >/dev/null; then
	for r in $(seq 1 $RUNS); do cli_rate $r; done | median >"$BENCH_TMP/cli.rate"
	report "wasmstore add (one CLI process per add)" "$(cat "$BENCH_TMP/cli.rate")" "adds/s  x$(ratio "$(cat "$BENCH_TMP/cli.rate")" "$git") vs git"
fi

echo "== store: finds of 1 KB modules (nested 10,000-module store)"
for r in $(seq 1 $RUNS); do
	"$SB" finds "$BENCH_TMP/nested.$r" 20000
done >"$BENCH_TMP/finds"
report "find by path" "$(awk '$1 == "finds-by-path" { print $4 }' "$BENCH_TMP/finds" | median)" "finds/s"
report "find by hash" "$(awk '$1 == "finds-by-hash" { print $4 }' "$BENCH_TMP/finds" | median)" "finds/s"
