#!/bin/sh
# Runs privfw's test tiers against one build directory.
#   tests/run.sh BUILD_DIR [unit|golden|man|unit-file|fuzz|eval|valgrind|e2e|bench]...
#   (default: every tier). valgrind needs a build without sanitizers: $PLAIN_B (default build).
# A tier that cannot run here prints SKIP and counts as skipped, never as passed.
set -u
B=${1:?usage: tests/run.sh BUILD_DIR [TIER...]}
shift
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
tiers=${*:-unit golden man unit-file fuzz eval valgrind e2e bench}
PY=/usr/bin/python3
passed=0 failed=0 skipped=0
failures=

result() {  # result NAME STATUS
	case $2 in
	0) passed=$((passed + 1)); echo "PASS: $1" ;;
	77) skipped=$((skipped + 1)); echo "SKIP: $1" ;;
	*) failed=$((failed + 1)); failures="$failures $1"; echo "FAIL: $1" ;;
	esac
}

tier_unit() {
	for t in "$B"/tests/test_*; do
		[ -x "$t" ] || continue
		echo "== unit: ${t##*/}"
		"$t"
		result "unit/${t##*/}" $?
	done
}

# privfwd --check -v FILE must print exactly FILE's .out (canonical form or file:line error).
tier_golden() {
	for f in tests/golden/*.conf; do
		[ -e "$f" ] || continue
		want=${f%.conf}.out
		got=$("$B/privfwd" --check -v "$f" 2>&1)
		if [ "$got" = "$(cat "$want")" ]; then
			result "golden/${f##*/}" 0
		else
			echo "--- $want"; echo "+++ privfwd --check -v $f"
			printf '%s\n' "$got" | diff "$want" - | head -n 20
			result "golden/${f##*/}" 1
		fi
	done
}

tier_man() {
	if ! command -v mandoc >/dev/null; then result man-lint 77; return; fi
	mandoc -Tlint -W warning man/*.[0-9]
	result man-lint $?
}

tier_unit_file() {
	if ! command -v systemd-analyze >/dev/null; then result systemd-verify 77; return; fi
	d=$(mktemp -d)
	# verify resolves ExecStart= binaries, so point the unit at this build.
	for u in privfwd privfw-safe-mode; do
		sed -e "s|@SBINDIR@|$TOP/$B|g" -e "s|@LIBEXECDIR@|$TOP/scripts|g" -e "s|@SYSCONFDIR@|/etc|g" \
			systemd/$u.service.in > "$d/$u.service"
	done
	out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$d/privfwd.service" \
		"$d/privfw-safe-mode.service" 2>&1)
	rc=$?
	rm -rf "$d"
	[ -n "$out" ] && echo "$out"
	[ $rc -eq 0 ] && [ -z "$out" ]
	result systemd-verify $?
}

tier_fuzz() {
	if [ -x fuzz/run.sh ]; then
		fuzz/run.sh regress
		result fuzz-regress $?
	fi
}

tier_e2e() {
	for t in tests/e2e/*.sh; do
		case $t in */lib.sh) continue ;; esac
		echo "== e2e: ${t##*/}"
		sh "$t" "$B"
		result "e2e/${t##*/}" $?
	done
}

# The labelled corpus through privfwd --replay: recall >= 0.99 for known values, flow F1 >= 0.98,
# no false-positive flow on the negatives.
tier_eval() {
	if ! $PY -c 'import scapy, cryptography' 2>/dev/null; then result eval 77; return; fi
	rm -rf "$B/corpus"
	$PY tests/corpus/gen.py "$B/corpus" >/dev/null &&
		$PY tests/corpus/eval.py --privfwd "$B/privfwd" --check "$B/corpus"
	result eval $?
}

# The replay of one corpus capture under valgrind: no errors, 0 bytes definitely lost. The
# compiler it runs goes under valgrind too: both must see the same CPU, or the database
# Vectorscan built for the real one is refused.
tier_valgrind() {
	pb=${PLAIN_B:-build}
	if ! command -v valgrind >/dev/null || [ ! -x "$pb/privfwd" ]; then result valgrind-replay 77; return; fi
	if [ ! -e "$B/corpus/privfw.conf" ]; then
		$PY tests/corpus/gen.py "$B/corpus" >/dev/null || { result valgrind-replay 1; return; }
	fi
	pcap=$(ls "$B"/corpus/*.pcap | head -n 1)
	valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 \
		"$pb/privfwd" -c "$B/corpus/privfw.conf" --replay "$pcap" --json >/dev/null 2>"$B/valgrind.log"
	rc=$?
	grep -v '^replay:\|^  ' "$B/valgrind.log" | head -n 30
	grep -q 'definitely lost: [1-9]' "$B/valgrind.log" && rc=1
	result valgrind-replay $rc
}

# A seconds-long run of the benchmark, so it does not rot; its figures are not judged here.
tier_bench() {
	BENCH_SECONDS=1 sh bench/bench.sh "$B"
	result bench-smoke $?
}

for tier in $tiers; do
	case $tier in
	unit) tier_unit ;;
	golden) tier_golden ;;
	man) tier_man ;;
	unit-file) tier_unit_file ;;
	fuzz) tier_fuzz ;;
	eval) tier_eval ;;
	valgrind) tier_valgrind ;;
	e2e) tier_e2e ;;
	bench) tier_bench ;;
	*) echo "unknown tier: $tier" >&2; exit 2 ;;
	esac
done
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
