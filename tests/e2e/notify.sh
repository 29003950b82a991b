#!/bin/sh
# systemd's notify protocol without systemd: READY=1 once the queue is bound, WATCHDOG=1 while
# verdicts keep up, STOPPING=1 on SIGTERM. A datagram socket of the test stands in for systemd.
#
#   usage: notify.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/e2e/lib.sh"

require_root_netns
T=$(mktemp -d /tmp/privfw-notify.XXXXXX)
chmod 0755 "$T"
NS=pfnot$$
PID= SINK=
cleanup() {
	[ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null && wait "$SINK" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS"
write_conf 17 "$T/run/ctl" "$T/none.conf"

# The sink writes each datagram as one line; privfwd (user privfw after its drop) must reach it.
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(4096).replace(b"\n", b" ") + b"\n")
' "$T/notify" "$T/got" &
SINK=$!
for _ in $(seq 50); do [ -S "$T/notify" ] && break; sleep 0.1; done

NOTIFY_SOCKET=$T/notify WATCHDOG_USEC=2000000 nsenter --net=/run/netns/"$NS" "$B/privfwd" \
	-c "$T/privfw.conf" 2>"$T/log" &
PID=$!
for _ in $(seq 50); do grep -q READY=1 "$T/got" 2>/dev/null && break; sleep 0.1; done
check "READY=1 once the queue is bound" grep -q READY=1 "$T/got"
sleep 2.5
check "WATCHDOG=1 while the loop answers the queue" grep -q WATCHDOG=1 "$T/got"
kill -TERM "$PID"
wait "$PID"
expect "clean exit on SIGTERM" 0 $?
PID=
check "STOPPING=1 on the way out" grep -q STOPPING=1 "$T/got"
finish
