#!/bin/sh
# Policy durability: privfwd killed with SIGKILL in the middle of saves leaves the old or the new
# valid policy on disk, never a torn one. ROUNDS=20 by default (make stress: 1000).
#
#   usage: durability.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/e2e/lib.sh"

require_root_netns
ROUNDS=${ROUNDS:-20}
T=$(mktemp -d /tmp/privfw-dur.XXXXXX)
chmod 0755 "$T"  # privfwd drops to user privfw and must reach its state directory
NS=pfdur$$
PID=
cleanup() {
	[ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS"
write_conf 11 "$T/ctl" "$T/none.conf"

start() {
	nsenter --net=/run/netns/"$NS" "$B/privfwd" -c "$T/privfw.conf" 2>>"$T/log" &
	PID=$!
	for _ in $(seq 100); do
		"$B/privfwctl" --socket "$T/ctl" status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

torn=0 bad_start=0 changes=0
for round in $(seq "$ROUNDS"); do
	start || { bad_start=$((bad_start + 1)); break; }
	# A stream of changes, each a full save; the kill lands somewhere inside one.
	(
		i=0
		while :; do
			i=$((i + 1))
			"$B/privfwctl" --socket "$T/ctl" deny "org.example.App$((i % 50))" >/dev/null 2>&1 || exit 0
			"$B/privfwctl" --socket "$T/ctl" allow "org.example.App$((i % 50))" >/dev/null 2>&1 || exit 0
		done
	) &
	writer=$!
	sleep "0.0$(( (round * 7) % 9 + 1 ))"
	kill -KILL "$PID"
	wait "$PID" 2>/dev/null
	PID=
	wait "$writer" 2>/dev/null
	# No temp file may pass for the policy, and the policy must load.
	if ! "$B/privfwd" --check "$T/state/policy.conf" >/dev/null 2>"$T/check.err"; then
		torn=$((torn + 1))
		cat "$T/check.err"
	fi
	n=$(grep -c 'id = ' "$T/state/policy.conf" 2>/dev/null || echo 0)
	[ "$n" -gt "$changes" ] && changes=$n
done
expect "privfwd restarted after every SIGKILL" 0 "$bad_start"
expect "policy valid after each of $ROUNDS kills mid-save" 0 "$torn"
check "saves really happened before the kills" [ "$changes" -gt 0 ]
# The last kill may have left a temp file; the next start clears it.
check "privfwd starts after the last kill" start
check "no temp files left behind after a restart" sh -c "! ls -A '$T/state' | grep -v -e '^policy.conf\$'"
finish
