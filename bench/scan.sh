#!/bin/sh
# Benchmark of the detector engine alone: inspection throughput against memcpy of the same
# bytes, database compile time, pattern count, per-flow state, and instructions per byte of
# the scan under callgrind. Figures, never assertions: the exit status is non-zero only when
# the benchmark cannot be built or run.
#
#   usage: scan.sh BUILD_DIR [FILE...]     (make bench-scan)
#
# FILEs are scanned as raw payload bytes. Without any, bench/scan generates two inputs of 4 MiB
# from a fixed seed, so runs compare across machines and commits, and both are reported:
#   typical  API traffic as apps send it: mostly headers (user agents, client hints, cookies,
#            bearer tokens), JSON and form bodies of words with a few small numbers (~6 % digits)
#   dense    every request full of timestamps, numeric ids, analytics cookies, hex hashes and
#            base64 blobs (~21 % digits): the worst case for the digit-run scanner
set -u
B=$(mkdir -p "${1:-build}/bench" && cd "${1:-build}" && pwd)
[ $# -gt 0 ] && shift
TOP=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
BIN=$B/bench/scan

# shellcheck disable=SC2046
$CC -std=gnu11 -D_GNU_SOURCE -O2 -g -I"$TOP/daemon" -I"$TOP/daemon/inspect" -o "$BIN" \
	"$TOP/bench/scan.c" "$TOP/daemon/inspect/detect.c" "$TOP/daemon/inspect/detect_build.c" "$TOP/daemon/inspect/known.c" \
	"$TOP/daemon/inspect/validate.c" "$TOP/daemon/inspect/finding.c" \
	$($PKG_CONFIG --cflags --libs libhs nettle) -lm ||
	{ echo "bench-scan: cannot build $BIN" >&2; exit 1; }

# run NAME FILE...: figures of one input into $B/bench/scan-NAME.out (ipb appended).
run() {
	name=$1
	shift
	out=$B/bench/scan-$name.out
	"$BIN" "$@" >"$out" || { echo "bench-scan: scan failed" >&2; exit 1; }
	# Instructions per byte: one pass over (at most) the first MiB, counting only scan_all
	# (streams opened and closed, every detect_feed and detect_end), so start-up and compiling
	# are left out.
	ipb=n/a
	if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
		cat "$@" | head -c 1048576 >"$B/bench/scan-small.bin"
		bytes=$(wc -c <"$B/bench/scan-small.bin")
		if valgrind --tool=callgrind --toggle-collect=scan_all \
			--callgrind-out-file="$B/bench/callgrind-$name.out" \
			"$BIN" -p 1 "$B/bench/scan-small.bin" >/dev/null 2>&1; then
			ir=$(callgrind_annotate "$B/bench/callgrind-$name.out" 2>/dev/null |
				sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
			[ -n "$ir" ] && [ "$bytes" -gt 0 ] && ipb=$(awk "BEGIN { printf \"%.1f\", $ir / $bytes }")
		fi
	fi
	echo "ipb              $ipb" >>"$out"
}
get() { sed -n "s/^$2  *//p" "$B/bench/scan-$1.out"; }

if [ $# -eq 0 ]; then
	for m in typical dense; do
		"$BIN" -m $m -w "$B/bench/scan-input-$m.txt" || exit 1
		run $m "$B/bench/scan-input-$m.txt"
	done
	set -- typical dense
else
	run files "$@"
	set -- files
fi
command -v valgrind >/dev/null || echo "bench-scan: no valgrind: instructions per byte not measured"

row() {
	printf '%-28s' "$1"
	for n in $NAMES; do printf ' %12s' "$(get "$n" "$2")"; done
	printf '\n'
}
NAMES="$*"
printf '\n%-28s' "detector engine"
for n in $NAMES; do printf ' %12s' "$n"; done
printf '\n'
row "input bytes" input_bytes
row "digits (%)" digits_pct
row "patterns" patterns
row "compile (ms)" compile_ms
row "stream state (bytes/flow)" stream_bytes
row "findings per pass" findings_pass
row "scan (MB/s)" scan_MBps
row "memcpy (MB/s)" memcpy_MBps
row "scan / memcpy" scan_vs_memcpy
row "instructions per byte" ipb
