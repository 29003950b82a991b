#!/bin/sh
# End to end: safe mode (DESIGN.md §4). privfwd is down for good, so the queue rules drop
# everything, until `privfw-rules safe-mode` replaces them: then loopback and the apps in
# safe_mode_allow get through (TCP and UDP, IPv4 and IPv6) and nothing else does. With --watch,
# an app scope started later is allowed once the list is refreshed. Real namespaces, rules and
# cgroups; no privfwd runs at all, only `privfwd --safe-mode-cgroups` to list the cgroups.
#
#   [phone]                                                      [internet]
#   pf-ph 192.0.2.1/24 2001:db8:77::1/64 ==== veth ==== pf-in 192.0.2.2/24 2001:db8:77::2/64
#     lo: peer.py serve :7002                                      peer.py serve :7001
#     privfw-rules (queue rules, then safe mode) in this namespace
#     apps in $CG_ROOT/privfw-test-$$.slice/:
#       app-gnome-org.example.Calls-$$.scope    safe_mode_allow   -> passes
#       app-gnome-org.example.Calls-$$1.scope   started later     -> passes after --watch
#       app-gnome-org.example.Other-$$.scope    not listed        -> dropped
#
#   usage: safe_mode.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/e2e/lib.sh"

require_root_netns
command -v python3 >/dev/null || skip "needs python3"

T=$(mktemp -d /tmp/privfw-safe.XXXXXX)
chmod 0755 "$T"
PEER="python3 $TOP/tests/e2e/peer.py"
PRIVFWD_PID=
SERVER_PID=
LO_SERVER_PID=
WATCH_PID=

CALLS=app-gnome-org.example.Calls-$$.scope
CALLS2=app-gnome-org.example.Calls-${$}1.scope
OTHER=app-gnome-org.example.Other-$$.scope

cleanup() {
	if [ "$FAIL" -gt 0 ]; then
		for f in "$T"/*.err; do [ -s "$f" ] && { echo "--- ${f##*/}"; cat "$f"; }; done
	fi
	stop_pid "$WATCH_PID"
	stop_pid "$LO_SERVER_PID"
	topology_down
}
trap cleanup EXIT
trap 'exit 1' INT TERM

write_conf 7 "$T/run/io.privfw.Firewall"
echo 'safe_mode_allow = [ "org.example.Calls", "system:privfw-test-none.service" ];' >> "$T/privfw.conf"
write_default_policy

netns_up

# xt_cgroup is a module; without it safe mode is loopback only and this test has no subject.
if ! in_phone iptables-nft -N PFPROBE 2>/dev/null ||
   ! in_phone iptables-nft -A PFPROBE -m cgroup --path / -j RETURN 2>/dev/null; then
	skip "no xt_cgroup match (iptables -m cgroup)"
fi
in_phone iptables-nft -F PFPROBE
in_phone iptables-nft -X PFPROBE

# nsenter execs its command, so $! is the server itself (a shell function would fork).
nsenter --net=/run/netns/"$INET" $PEER serve "$T/server.log" "$SERVER_V4:7001" "[$SERVER_V6]:7001" \
	> "$T/server.out" &
SERVER_PID=$!
nsenter --net=/run/netns/"$PHONE" $PEER serve "$T/lo.log" "127.0.0.1:7002" "[::1]:7002" > "$T/lo.out" &
LO_SERVER_PID=$!
for _ in $(seq 50); do
	grep -q ready "$T/server.out" 2>/dev/null && grep -q ready "$T/lo.out" 2>/dev/null && break
	sleep 0.1
done

rules() {
	in_phone env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" "$@"
}

# Lines of the summaries the script wrote to $1.
summaries() {
	grep -c 'safe mode (' "$1" 2>/dev/null || true
}

rules -c "$T/privfw.conf" install
check "queue rules installed" in_phone iptables-nft -C OUTPUT -j PRIVFW
mkdir -p "$CG_TEST/$CALLS" "$CG_TEST/$OTHER"

# privfwd is not running: the queue rules drop everything.
expect "no daemon, queue rules: the allow-listed app is dropped too" timeout \
	"$(run_as_app $CALLS $PEER udp $SERVER_V4 7001 early)"

# The list of cgroups: ours, and only Calls scopes whatever else runs on this machine.
"$B/privfwd" -c "$T/privfw.conf" --safe-mode-cgroups > "$T/cgroups" 2> "$T/cgroups.err"
check "privfwd --safe-mode-cgroups succeeds" test $? -eq 0
expect "privfwd --safe-mode-cgroups lists the Calls scope of this test" "/${CG_TEST##*/}/$CALLS" \
	"$(grep "/${CG_TEST##*/}/" "$T/cgroups")"
expect "privfwd --safe-mode-cgroups lists nothing but Calls scopes" "" \
	"$(grep -v '/app-gnome-org\.example\.Calls-[0-9]*\.scope$' "$T/cgroups")"

rules -c "$T/privfw.conf" safe-mode 2> "$T/safe.err"
check "safe-mode loads" test $? -eq 0
check "safe-mode says so on stderr, with the app" \
	grep -q "privfw-rules: safe mode (iptables, 1 cgroup: $CALLS)" "$T/safe.err"
check "one jump from OUTPUT (IPv4)" test "$(in_phone iptables-nft -S OUTPUT | grep -c -- '-j PRIVFW')" = 1
check "one jump from OUTPUT (IPv6)" test "$(in_phone ip6tables-nft -S OUTPUT | grep -c -- '-j PRIVFW')" = 1
check "no queue rule left" sh -c "! nsenter --net=/run/netns/$PHONE iptables-nft -S PRIVFW | grep -q NFQUEUE"
check "show reports safe mode" sh -c \
	"nsenter --net=/run/netns/$PHONE $TOP/scripts/privfw-rules show | grep -q '^# safe mode'"

expect "Calls: TCP over IPv4" ok "$(run_as_app $CALLS $PEER tcp $SERVER_V4 7001 calls-tcp4)"
expect "Calls: UDP over IPv4" ok "$(run_as_app $CALLS $PEER udp $SERVER_V4 7001 calls-udp4)"
expect "Calls: TCP over IPv6" ok "$(run_as_app $CALLS $PEER tcp $SERVER_V6 7001 calls-tcp6)"
expect "Calls: UDP over IPv6" ok "$(run_as_app $CALLS $PEER udp $SERVER_V6 7001 calls-udp6)"
# A DROP in OUTPUT fails a datagram's send with EPERM at once; TCP retransmits its SYN until
# the connect times out.
expect "Other: TCP over IPv4 is dropped" timeout "$(run_as_app $OTHER $PEER tcp $SERVER_V4 7001 other-tcp4)"
expect "Other: UDP over IPv4 is dropped" error:PermissionError \
	"$(run_as_app $OTHER $PEER udp $SERVER_V4 7001 other-udp4)"
expect "Other: TCP over IPv6 is dropped" timeout "$(run_as_app $OTHER $PEER tcp $SERVER_V6 7001 other-tcp6)"
expect "Other: UDP over IPv6 is dropped" error:PermissionError \
	"$(run_as_app $OTHER $PEER udp $SERVER_V6 7001 other-udp6)"
check "the server never saw Other's payload" sh -c "! grep -q '^other-' '$T/server.log'"
check "the server never saw what was sent before safe mode" sh -c "! grep -q '^early' '$T/server.log'"
expect "loopback in the phone: TCP over IPv4" ok "$(run_as_app $OTHER $PEER tcp 127.0.0.1 7002 lo-tcp4)"
expect "loopback in the phone: UDP over IPv6" ok "$(run_as_app $OTHER $PEER udp ::1 7002 lo-udp6)"

# A static list goes stale: a Calls scope started after safe mode was loaded is dropped ...
mkdir -p "$CG_TEST/$CALLS2"
expect "new Calls scope, static list: dropped" error:PermissionError \
	"$(run_as_app $CALLS2 $PEER udp $SERVER_V4 7001 stale-udp4)"
check "the server never saw the stale scope's payload" sh -c "! grep -q '^stale' '$T/server.log'"

# ... until the watcher lists it again. nsenter execs env execs the script: $! is the script.
nsenter --net=/run/netns/"$PHONE" env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" \
	-c "$T/privfw.conf" --watch 1 safe-mode 2> "$T/watch.err" &
WATCH_PID=$!
for _ in $(seq 100); do
	grep -q "$CALLS2" "$T/watch.err" 2>/dev/null && break
	sleep 0.1
done
check "the watcher loaded both Calls scopes" \
	grep -q "privfw-rules: safe mode (iptables, 2 cgroups: .*$CALLS2" "$T/watch.err"
expect "new Calls scope after the watcher: TCP over IPv4" ok \
	"$(run_as_app $CALLS2 $PEER tcp $SERVER_V4 7001 calls2-tcp4)"
expect "new Calls scope after the watcher: UDP over IPv6" ok \
	"$(run_as_app $CALLS2 $PEER udp $SERVER_V6 7001 calls2-udp6)"
n=$(summaries "$T/watch.err")
rmdir "$CG_TEST/$CALLS2"
for _ in $(seq 50); do
	[ "$(summaries "$T/watch.err")" -gt "$n" ] && break
	sleep 0.1
done
check "a scope gone: the watcher reloads" grep -q "safe mode (iptables, 1 cgroup: $CALLS)" "$T/watch.err"
n=$(summaries "$T/watch.err")
sleep 2.5
expect "no change: no reload" "$n" "$(summaries "$T/watch.err")"
check "the watcher is still running" kill -0 "$WATCH_PID"
kill -TERM "$WATCH_PID"
wait "$WATCH_PID"
expect "the watcher exits cleanly on TERM" 0 "$?"
WATCH_PID=
expect "safe mode stays after the watcher stops" ok "$(run_as_app $CALLS $PEER tcp $SERVER_V4 7001 after-watch)"

# privfwd coming back: install replaces safe mode in one step (fail-closed again, no daemon).
rules -c "$T/privfw.conf" install 2>/dev/null
check "install replaces safe mode" sh -c \
	"nsenter --net=/run/netns/$PHONE iptables-nft -S PRIVFW | grep -q NFQUEUE &&
	 ! nsenter --net=/run/netns/$PHONE iptables-nft -S PRIVFW | grep -q 'privfw safe mode'"
expect "after install, Calls is queued (and dropped, no daemon)" timeout \
	"$(run_as_app $CALLS $PEER udp $SERVER_V4 7001 queued-again)"

rules -c "$T/privfw.conf" safe-mode 2>/dev/null
rules remove
check "remove leaves no PRIVFW chain (IPv4)" sh -c \
	"! nsenter --net=/run/netns/$PHONE iptables-nft -S 2>/dev/null | grep -q PRIVFW"
check "remove leaves no PRIVFW chain (IPv6)" sh -c \
	"! nsenter --net=/run/netns/$PHONE ip6tables-nft -S 2>/dev/null | grep -q PRIVFW"
expect "after remove, Other gets through (no firewall)" ok \
	"$(run_as_app $OTHER $PEER tcp $SERVER_V4 7001 open-tcp4)"
finish
