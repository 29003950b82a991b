#!/bin/sh
# Builds the libFuzzer targets (fuzz/fuzz_*.c) and runs them.
#   fuzz/run.sh regress        every seed corpus once, then each target for FUZZ_SECONDS (default 5)
#   fuzz/run.sh fuzz           each target for FUZZ_SECONDS (default 60), growing a scratch corpus
set -u
cd "$(dirname "$0")/.."
mode=${1:-regress}
secs=${FUZZ_SECONDS:-}
[ -n "$secs" ] || { [ "$mode" = fuzz ] && secs=60 || secs=5; }
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || { echo "SKIP: no clang"; exit 77; }
out=build/fuzz
mkdir -p "$out"
# libcrypto: fuzz_quic seals its packets with OpenSSL, apart from the daemon's nettle.
pkgs="libnetfilter_queue libmnl libconfig jansson libhs zlib nettle libcrypto"
common="-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-sanitize-recover=undefined -Idaemon -Idaemon/inspect -Iproto $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lm"
# The library is built once with coverage; each target pulls in only the objects it needs.
rm -f "$out/libfuzz.a"
for src in $(ls daemon/*.c daemon/inspect/*.c proto/*.c | grep -v -e daemon/main.c -e daemon/compiler.c); do
	obj=$out/$(echo "$src" | tr / _).o
	# shellcheck disable=SC2086
	$CLANG $common -fsanitize=fuzzer-no-link,address,undefined -c -o "$obj" "$src" ||
		{ echo "FAIL: $src does not build for fuzzing"; exit 1; }
	ar rcs "$out/libfuzz.a" "$obj"
done
rc=0

for src in fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	target=${name#fuzz_}
	# shellcheck disable=SC2086
	if ! $CLANG $common -fsanitize=fuzzer,address,undefined -o "$out/$name" "$src" "$out/libfuzz.a" \
		$libs 2>"$out/$name.build.log"; then
		echo "FAIL: $name does not build"; cat "$out/$name.build.log"; rc=1; continue
	fi
	seeds=fuzz/corpus/$target
	mkdir -p "$seeds" "$out/corpus-$target"
	if [ "$mode" = regress ] && ! "$out/$name" -runs=0 "$seeds" >"$out/$name.log" 2>&1; then
		echo "FAIL: $name on its seed corpus"; tail -n 30 "$out/$name.log"; rc=1; continue
	fi
	if "$out/$name" -max_total_time="$secs" -print_final_stats=1 "$out/corpus-$target" "$seeds" \
		>"$out/$name.log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log")
		speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$name.log")
		echo "ok - $name: ${execs:-?} runs in ${secs}s (${speed:-?}/s)"
	else
		echo "FAIL: $name found a crash"; tail -n 40 "$out/$name.log"; rc=1
	fi
done
exit $rc
