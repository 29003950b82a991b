#!/bin/sh
# Soak: mixed traffic for SOAK_SECONDS (default 600) through privfwd; RSS and open fds sampled
# every 10 s. Fails when RSS grows more than 5 % after the warm-up or the fd count grows at all.
#
#   usage: soak.sh BUILD_DIR          (make soak SOAK_SECONDS=N)
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/e2e/lib.sh"

require_root_netns
SECS=${SOAK_SECONDS:-600}
[ "$SECS" -ge 30 ] || SECS=30
T=$(mktemp -d /tmp/privfw-soak.XXXXXX)
chmod 0755 "$T"
PEER="python3 $TOP/tests/e2e/peer.py"
SOCK=$T/ctl
PRIVFWD_PID= SERVER_PID= LOAD_PIDS=
cleanup() {
	for p in $LOAD_PIDS; do kill "$p" 2>/dev/null; done
	topology_down
}
trap cleanup EXIT
trap 'exit 1' INT TERM

write_conf 13 "$SOCK"
write_default_policy
netns_up
nsenter --net=/run/netns/"$INET" $PEER serve "$T/server.log" "$SERVER_V4:7001" "[$SERVER_V6]:7001" \
	>/dev/null &
SERVER_PID=$!
in_phone env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" -c "$T/privfw.conf" install
nsenter --net=/run/netns/"$PHONE" "$B/privfwd" -c "$T/privfw.conf" 2>"$T/privfwd.log" &
PRIVFWD_PID=$!
sleep 1
: > "$T/server.log"

# Mixed load, each loop bounded by the deadline: allowed TCP and UDP, denied TCP, policy churn.
end=$(( $(date +%s) + SECS ))
load() {
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1
		# The server log is only a sink here; keep it from filling the disk.
		: > "$T/server.log"
	done
}
load run_as_app app-gnome-org.example.Web-$$.scope $PEER tcp $SERVER_V4 7001 soak & LOAD_PIDS="$LOAD_PIDS $!"
load run_as_app app-gnome-org.example.Dns-$$.scope $PEER udp $SERVER_V6 7001 soak & LOAD_PIDS="$LOAD_PIDS $!"
load run_as_app app-flatpak-org.example.Blocked-$$.scope $PEER tcp $SERVER_V4 7001 x & LOAD_PIDS="$LOAD_PIDS $!"
load in_phone "$B/privfwctl" --socket "$SOCK" status & LOAD_PIDS="$LOAD_PIDS $!"

sample() {
	echo "$(awk '/^VmRSS:/ { print $2 }' /proc/"$PRIVFWD_PID"/status) $(ls /proc/"$PRIVFWD_PID"/fd | wc -l)"
}
warm=$(( SECS / 5 ))
[ "$warm" -lt 10 ] && warm=10
rss0= fd0=0 max_rss=0 t=0 fds=
while [ "$(date +%s)" -lt "$end" ]; do
	sleep 10
	t=$((t + 10))
	kill -0 "$PRIVFWD_PID" 2>/dev/null || break
	set -- $(sample)
	echo "t=${t}s rss=${1}kB fds=$2"
	if [ "$t" -le "$warm" ]; then
		rss0=$1
		[ "$2" -gt "$fd0" ] && fd0=$2
		continue
	fi
	[ "$1" -gt "$max_rss" ] && max_rss=$1
	fds="$fds $2"
done
# A control client may be connected at any sample; a leak raises even the lowest recent count.
min_fd=$(echo $fds | tr ' ' '\n' | tail -n 3 | sort -n | head -n 1)
check "privfwd alive after ${SECS}s" kill -0 "$PRIVFWD_PID"
check "RSS after warm-up within 5 % of ${rss0}kB (max ${max_rss}kB)" \
	[ "$max_rss" -le $(( rss0 + rss0 / 20 )) ]
check "open fds did not grow beyond warm-up's $fd0 (lowest of the last samples: ${min_fd:-none})" \
	[ "${min_fd:-999999}" -le "$fd0" ]
in_phone "$B/privfwctl" --socket "$SOCK" status
finish
