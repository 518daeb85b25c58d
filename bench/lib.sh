# lib.sh - helpers shared by the bench/*.sh scripts.
# Every figure is a median of several runs measured in the same run as its
# reference, on this machine; timings never go into tests.
set -u
: "${WS_BUILD:=$(cd "$(dirname "$0")/.." && pwd)/build}"
export PATH="$WS_BUILD:$PATH"
RUNS=${BENCH_RUNS:-5}
BENCH_TMP=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/ws-bench.XXXXXX")
trap 'rm -rf "$BENCH_TMP"' EXIT

median() { # numbers on stdin -> median
	sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

ratio() { # A B -> A/B with 2 decimals
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f\n", a / b }'
}

now() { date +%s.%N; }

report() { # label value unit [reference-label reference-value ratio]
	printf '%-48s %12s %s\n' "$1" "$2" "$3"
}
