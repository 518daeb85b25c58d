#!/usr/bin/env bash
# The mount beside references measured in the same run: reading the 2.4 MB
# fixture (first read after dropping caches, then repeated reads) from a
# native file, through bindfs and through wasmstore-fs; open+read+close of a
# 1 KB module; cp of 200 small modules into the mount vs cp into a native
# git work tree with one wasm-validate and one git commit per file.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
RL="$WS_BUILD/bench/readloop"
SB="$WS_BUILD/bench/store-bench"

test -c /dev/fuse && command -v bindfs >/dev/null || {
	echo "# bench-fs: needs /dev/fuse and bindfs (bash scripts/deps)"; exit 1; }

root="$BENCH_TMP/root" native="$BENCH_TMP/native" mnt="$BENCH_TMP/mnt" bmnt="$BENCH_TMP/bindfs"
mkdir -p "$native" "$mnt" "$bmnt"
cp "$here/../tests/fixtures/b.wasm" "$native/big.wasm"
"$SB" module "$native/small.wasm" 42
WASMSTORE_ROOT="$root" wasmstore add "$native/big.wasm" big.wasm >/dev/null
WASMSTORE_ROOT="$root" wasmstore add "$native/small.wasm" small.wasm >/dev/null
wasmstore-fs --root "$root" -f "$mnt" 2>/dev/null &
fs=$!
bindfs "$native" "$bmnt"
cleanup() {
	fusermount3 -u "$mnt" 2>/dev/null; fusermount3 -u "$bmnt" 2>/dev/null
	kill $fs 2>/dev/null; wait 2>/dev/null; rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
for i in $(seq 1 100); do test -e "$mnt/branches/main/big.wasm" && break; sleep 0.05; done
cmp -s "$mnt/branches/main/big.wasm" "$native/big.wasm" || { echo "# bench-fs: mount serves wrong bytes"; exit 1; }

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; }

declare -A where=([native]="$native" [bindfs]="$bmnt" [wasmstore-fs]="$mnt/branches/main")
echo "== fs: reads ($RUNS runs, medians)"
for r in $(seq 1 $RUNS); do
	for k in native bindfs wasmstore-fs; do
		drop_caches
		"$RL" "${where[$k]}/big.wasm" 1 | awk '{ print $2 }' >>"$BENCH_TMP/first.$k"
		"$RL" "${where[$k]}/big.wasm" 200 | awk '{ print $2 }' >>"$BENCH_TMP/again.$k"
		"$RL" "${where[$k]}/small.wasm" 5000 | awk '{ print $1 }' >>"$BENCH_TMP/small.$k"
	done
done
for k in native bindfs wasmstore-fs; do
	eval "first_${k//[-]/_}=$(median <"$BENCH_TMP/first.$k")"
	eval "again_${k//[-]/_}=$(median <"$BENCH_TMP/again.$k")"
	eval "small_${k//[-]/_}=$(median <"$BENCH_TMP/small.$k")"
done
report "first read 2.4 MB: native" "$first_native" "MB/s"
report "first read 2.4 MB: bindfs (reference)" "$first_bindfs" "MB/s"
report "first read 2.4 MB: wasmstore-fs" "$first_wasmstore_fs" "MB/s  $(ratio "$first_wasmstore_fs" "$first_bindfs")x bindfs"
report "repeated reads 2.4 MB: native (reference)" "$again_native" "MB/s"
report "repeated reads 2.4 MB: bindfs" "$again_bindfs" "MB/s"
report "repeated reads 2.4 MB: wasmstore-fs" "$again_wasmstore_fs" "MB/s  $(ratio "$again_wasmstore_fs" "$again_native")x native"
report "open+read+close 1 KB: native (reference)" "$small_native" "ops/s"
report "open+read+close 1 KB: bindfs" "$small_bindfs" "ops/s"
report "open+read+close 1 KB: wasmstore-fs" "$small_wasmstore_fs" "ops/s  $(ratio "$small_wasmstore_fs" "$small_native")x native"

echo "== fs: cp of 200 small modules ($RUNS runs, medians)"
mkdir -p "$BENCH_TMP/src"
for i in $(seq 1 200); do "$SB" module "$BENCH_TMP/src/m$i.wasm" $((i + 1000)); done
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }
for r in $(seq 1 $RUNS); do
	work="$BENCH_TMP/work.$r"
	git init -q "$work"
	t0=$(now)
	for f in "$BENCH_TMP"/src/*.wasm; do
		cp "$f" "$work/" && wasm-validate "$work/${f##*/}" &&
			git -C "$work" add "${f##*/}" &&
			git -C "$work" -c user.name=b -c user.email=b@b commit -q -m "add ${f##*/}"
	done
	t1=$(now)
	secs "$t0" "$t1" >>"$BENCH_TMP/cp.native"
	# git left its writes to the kernel: flush them now, or the mount's
	# first commits (each syncs the filesystem) pay for them
	sync
	mkdir -p "$mnt/branches/main/r$r"
	t0=$(now)
	cp "$BENCH_TMP"/src/*.wasm "$mnt/branches/main/r$r/"
	t1=$(now)
	secs "$t0" "$t1" >>"$BENCH_TMP/cp.fs"
	rm -rf "$work"
done
native_cp=$(median <"$BENCH_TMP/cp.native")
fs_cp=$(median <"$BENCH_TMP/cp.fs")
report "cp + wasm-validate + git commit per file (reference)" "$native_cp" "s"
report "cp into wasmstore-fs (validated, one commit each)" "$fs_cp" "s  $(ratio "$native_cp" "$fs_cp")x faster"
