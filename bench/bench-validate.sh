#!/usr/bin/env bash
# Validation of real modules: our in-process validator (median of many runs)
# beside `wasm-validate --enable-all` (the whole command, as a user runs it)
# and node's WebAssembly.validate on the same bytes (in-process, median);
# also wabt's full pass alone in-process (our validator without its quick
# check of function bodies).
# Modules: the two fixtures, and the largest fetched module if tests/data
# holds it (tests/fetch-test-data).
. "$(dirname "$0")/lib.sh"
VB="$WS_BUILD/bench/validate-bench"
IN_RUNS=${BENCH_VALIDATE_RUNS:-51}
CMD_RUNS=${BENCH_VALIDATE_CMD_RUNS:-30}
here=$(cd "$(dirname "$0")/.." && pwd)

modules=("$here/tests/fixtures/a.wasm" "$here/tests/fixtures/b.wasm")
[ -f "$here/tests/data/rapier2d.wasm" ] && modules+=("$here/tests/data/rapier2d.wasm")

# Median wall time in ms of the wasm-validate command on $1.
wasm_validate_ms() {
	if command -v hyperfine >/dev/null; then
		hyperfine -N -w 3 -r "$CMD_RUNS" --export-json "$BENCH_TMP/hf.json" \
			"wasm-validate --enable-all $1" >/dev/null 2>&1 &&
		node -e 'const r = require(process.argv[1]).results[0];
			console.log((r.median * 1e3).toFixed(3))' "$BENCH_TMP/hf.json"
	else
		local i t0 t1
		for i in $(seq 1 "$CMD_RUNS"); do
			t0=$(now)
			wasm-validate --enable-all "$1" >/dev/null 2>&1
			t1=$(now)
			awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) * 1e3 }'
		done | median
	fi
}

# Median ms of WebAssembly.validate on $1's bytes, in one node process.
node_validate_ms() {
	node -e '
		const bytes = require("fs").readFileSync(process.argv[1]);
		const runs = Number(process.argv[2]), t = [];
		if (!WebAssembly.validate(bytes)) { console.log("invalid"); process.exit(0); }
		for (let i = 0; i < 3; i++) WebAssembly.validate(bytes);
		for (let i = 0; i < runs; i++) {
			const t0 = process.hrtime.bigint();
			WebAssembly.validate(bytes);
			t.push(Number(process.hrtime.bigint() - t0) / 1e6);
		}
		t.sort((a, b) => a - b);
		console.log(t[Math.floor(runs / 2)].toFixed(3));
	' "$1" "$IN_RUNS"
}

[ -x "$VB" ] || { echo "# bench-validate: $VB missing (make bench)"; exit 1; }
echo "== validate: in-process medians of $IN_RUNS runs; wasm-validate command median of $CMD_RUNS ($(nproc) cores)"
for m in "${modules[@]}"; do
	name=$(basename "$m")
	"$VB" "$m" "$IN_RUNS" >"$BENCH_TMP/vb.out" || { echo "# $name: validate-bench failed"; continue; }
	first=$(awk '$1 == "first" { print $2 }' "$BENCH_TMP/vb.out")
	ours=$(awk '$1 == "default" { print $2 }' "$BENCH_TMP/vb.out")
	one=$(awk '$1 == "one-pass" { print $2 }' "$BENCH_TMP/vb.out")
	full=$(awk '$1 == "wabt" { print $2 }' "$BENCH_TMP/vb.out")
	wv=$(wasm_validate_ms "$m")
	nv=$(node_validate_ms "$m")
	echo "-- $name ($(wc -c <"$m") bytes)"
	report "wasm-validate --enable-all (command)" "$wv" "ms"
	report "node WebAssembly.validate (in-process)" "$nv" "ms"
	report "wasmstore ws__validate" "$ours" "ms  x$(ratio "$wv" "$ours") vs wasm-validate, x$(ratio "$nv" "$ours") vs node"
	report "wasmstore, one thread" "$one" "ms  x$(ratio "$wv" "$one") vs wasm-validate, x$(ratio "$nv" "$one") vs node"
	report "wasmstore, first call in the process" "$first" "ms"
	report "wabt's full pass alone, one thread" "$full" "ms  x$(ratio "$wv" "$full") vs wasm-validate"
done
