#!/bin/sh
# Benchmark of the detector engine alone: inspection throughput against memcpy of the same
# bytes, database compile time, pattern count, per-flow state, and instructions per byte of
# the scan under callgrind. Figures, never assertions: the exit status is non-zero only when
# the benchmark cannot be built or run.
#
#   usage: scan.sh BUILD_DIR [FILE...]     (make bench-scan)
#
# FILEs are scanned as raw payload bytes. Without any, bench/scan generates 4 MiB of HTTP-like
# traffic (headers, query strings, JSON bodies, ids, blobs, some personal data) from a fixed
# seed, so runs compare across machines and commits.
set -u
B=$(mkdir -p "${1:-build}/bench" && cd "${1:-build}" && pwd)
[ $# -gt 0 ] && shift
TOP=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
BIN=$B/bench/scan

# shellcheck disable=SC2046
$CC -std=gnu11 -D_GNU_SOURCE -O2 -g -I"$TOP/daemon" -I"$TOP/daemon/inspect" -o "$BIN" \
	"$TOP/bench/scan.c" "$TOP/daemon/inspect/detect.c" "$TOP/daemon/inspect/known.c" \
	"$TOP/daemon/inspect/validate.c" "$TOP/daemon/inspect/finding.c" \
	$($PKG_CONFIG --cflags --libs libhs libcrypto) -lm ||
	{ echo "bench-scan: cannot build $BIN" >&2; exit 1; }

if [ $# -eq 0 ]; then
	"$BIN" -w "$B/bench/scan-input.txt" || exit 1
	set -- "$B/bench/scan-input.txt"
fi
"$BIN" "$@" >"$B/bench/scan.out" || { echo "bench-scan: scan failed" >&2; exit 1; }
get() { sed -n "s/^$1  *//p" "$B/bench/scan.out"; }

# Instructions per byte: one pass over (at most) the first MiB, counting only scan_all (streams
# opened and closed, every detect_feed and detect_end), so start-up and compiling are left out.
ipb=n/a
if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
	cat "$@" | head -c 1048576 >"$B/bench/scan-small.bin"
	bytes=$(wc -c <"$B/bench/scan-small.bin")
	if valgrind --tool=callgrind --toggle-collect=scan_all --callgrind-out-file="$B/bench/callgrind.out" \
		"$BIN" -p 1 "$B/bench/scan-small.bin" >/dev/null 2>&1; then
		ir=$(callgrind_annotate "$B/bench/callgrind.out" 2>/dev/null |
			sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
		[ -n "$ir" ] && [ "$bytes" -gt 0 ] && ipb=$(awk "BEGIN { printf \"%.1f\", $ir / $bytes }")
	fi
else
	echo "bench-scan: no valgrind: instructions per byte not measured"
fi

printf '\n%-28s %s\n' "detector engine" "value"
printf '%-28s %s\n' "input bytes" "$(get input_bytes)"
printf '%-28s %s\n' "patterns" "$(get patterns)"
printf '%-28s %s\n' "compile (ms)" "$(get compile_ms)"
printf '%-28s %s\n' "stream state (bytes/flow)" "$(get stream_bytes)"
printf '%-28s %s\n' "findings per pass" "$(get findings_pass)"
printf '%-28s %s\n' "scan (MB/s)" "$(get scan_MBps)"
printf '%-28s %s\n' "memcpy (MB/s)" "$(get memcpy_MBps)"
printf '%-28s %s\n' "scan / memcpy" "$(get scan_vs_memcpy)"
printf '%-28s %s\n' "instructions per byte" "$ipb"
