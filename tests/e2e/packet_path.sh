#!/bin/sh
# End to end: NFQUEUE -> app identity -> per-app policy -> verdict, driven by privfwctl and seen
# in the journal. Real namespaces, rules, cgroups, sockets and journald; topology in lib.sh.
#
#   usage: packet_path.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/e2e/lib.sh"

e2e_begin

cleanup() {
	topology_down
	journal_down
}
trap cleanup EXIT
trap 'exit 1' INT TERM

write_conf 7 "$SOCK"
write_default_policy

netns_up
journal_up || skip "cannot start a journald"
# nsenter execs its command, so $! is the server itself (a shell function would fork).
nsenter --net=/run/netns/"$INET" $PEER serve "$T/server.log" "$SERVER_V4:7001" "[$SERVER_V6]:7001" \
	> "$T/server.out" &
SERVER_PID=$!

in_phone env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" -c "$T/privfw.conf" install
check "rules installed in the phone namespace" in_phone iptables-nft -C OUTPUT -j PRIVFW

ctl() {
	in_phone "$B/privfwctl" --socket "$SOCK" "$@"
}

start_privfwd() {
	nsenter --net=/run/netns/"$PHONE" "$B/privfwd" -c "$T/privfw.conf" -d 2>>"$T/privfwd.log" &
	PRIVFWD_PID=$!
	for _ in $(seq 100); do
		ctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "privfwd did not come up:"; cat "$T/privfwd.log"
	return 1
}

stop_privfwd() {
	kill -TERM "$PRIVFWD_PID"
	wait "$PRIVFWD_PID"
	rc=$?
	PRIVFWD_PID=
	return $rc
}

for _ in $(seq 50); do grep -q ready "$T/server.out" 2>/dev/null && break; sleep 0.1; done

# Fail closed: rules in place and no daemon yet, so nothing passes.
expect "no daemon: queued traffic is dropped" timeout \
	"$(run_as_app app-gnome-org.example.Allowed-$$.scope $PEER udp $SERVER_V4 7001 early)"

start_privfwd || exit 1
ALLOWED=app-gnome-org.example.Allowed-$$.scope
BLOCKED=app-flatpak-org.example.Blocked-$$.scope

expect "allowed app: TCP over IPv4" ok "$(run_as_app $ALLOWED $PEER tcp $SERVER_V4 7001 allowed-tcp4)"
expect "allowed app: UDP over IPv4" ok "$(run_as_app $ALLOWED $PEER udp $SERVER_V4 7001 allowed-udp4)"
expect "allowed app: TCP over IPv6" ok "$(run_as_app $ALLOWED $PEER tcp $SERVER_V6 7001 allowed-tcp6)"
expect "allowed app: UDP over IPv6" ok "$(run_as_app $ALLOWED $PEER udp $SERVER_V6 7001 allowed-udp6)"

# A reset, not a timeout: the kernel rejects the denied flow at once.
expect "blocked app: TCP connect is reset" refused "$(run_as_app $BLOCKED $PEER tcp $SERVER_V4 7001 blocked-tcp4)"
expect "blocked app: UDP is refused" refused "$(run_as_app $BLOCKED $PEER udp $SERVER_V4 7001 blocked-udp4)"
expect "blocked app: TCP over IPv6 is reset" refused "$(run_as_app $BLOCKED $PEER tcp $SERVER_V6 7001 blocked-tcp6)"
check "server never saw the blocked app's data" sh -c "! grep -q blocked '$T/server.log'"
check "server saw the allowed app's data" grep -q allowed-tcp4 "$T/server.log"

# Counters, through the JSON interface.
ctl --json apps > "$T/apps.json"
count() {  # count APP FIELD
	python3 -c 'import json,sys
apps = {a["id"]: a for a in json.load(open(sys.argv[1]))["apps"]}
print(apps.get(sys.argv[2], {}).get(sys.argv[3], "missing"))' "$T/apps.json" "$1" "$2"
}
expect "apps --json: Allowed flows allowed" 4 "$(count org.example.Allowed flows_allowed)"
expect "apps --json: Allowed flows denied" 0 "$(count org.example.Allowed flows_denied)"
expect "apps --json: Blocked flows denied" 3 "$(count org.example.Blocked flows_denied)"
expect "apps --json: Blocked flows allowed" 0 "$(count org.example.Blocked flows_allowed)"
expect "apps --json: Blocked is denied" deny "$(count org.example.Blocked network)"

# The journal holds the decision, with structured fields.
found=
for _ in $(seq 50); do
	found=$(journalctl --no-pager -o json _PID="$PRIVFWD_PID" PRIVFW_APP=org.example.Blocked \
		PRIVFW_ACTION=deny 2>/dev/null | head -n 1)
	[ -n "$found" ] && break
	sleep 0.1
done
check "journal has PRIVFW_APP=org.example.Blocked PRIVFW_ACTION=deny" [ -n "$found" ]
journalctl --no-pager -o json _PID="$PRIVFWD_PID" PRIVFW_APP=org.example.Blocked PRIVFW_ACTION=deny \
	PRIVFW_PROTO=tcp > "$T/journal.json" 2>/dev/null
check "journal deny event carries PRIVFW_DEST and PRIVFW_PROTO" \
	grep -q "\"PRIVFW_DEST\":\"$SERVER_V4:7001\"" "$T/journal.json"

# Access control: any local user may read status; changes need root or group privfw.
install -m 0755 "$B/privfwctl" "$T/privfwctl"
as_nobody() {
	in_phone setpriv --reuid=65534 --regid=65534 --clear-groups "$T/privfwctl" --socket "$SOCK" "$@" \
		>/dev/null 2>&1
	echo $?
}
expect "unprivileged user: status works" 0 "$(as_nobody status)"
expect "unprivileged user: deny is refused with exit 4" 4 "$(as_nobody deny org.example.Allowed)"
expect "unprivileged user: apps is refused with exit 4" 4 "$(as_nobody apps)"
expect "policy unchanged by the refused request" allow \
	"$(ctl --json apps | python3 -c 'import json,sys; print({a["id"]: a for a in json.load(sys.stdin)["apps"]}["org.example.Allowed"]["network"])')"

# Hostile control clients get an error and privfwd keeps serving.
check "garbage request gets an error reply" sh -c \
	"in_phone() { nsenter --net=/run/netns/$PHONE \"\$@\"; }; in_phone $PEER ctl '$SOCK' garbage | grep -q '\"error\"'"
check "oversized request gets an error reply" sh -c \
	"nsenter --net=/run/netns/$PHONE $PEER ctl '$SOCK' oversized | grep -q 'too large'"
check "unknown method gets MethodNotFound" sh -c \
	"nsenter --net=/run/netns/$PHONE $PEER ctl '$SOCK' call io.privfw.Firewall.Nope | grep -q MethodNotFound"
check "privfwd still serves after bad clients" ctl status

# A new connection that reuses a 5-tuple the firewall still remembers is decided afresh:
# the blocked app cannot ride on the allowed app's earlier verdict.
expect "allowed app from a fixed source port" ok \
	"$(run_as_app $ALLOWED $PEER tcp $SERVER_V4 7001 reuse-a 41000)"
expect "blocked app reusing that 5-tuple is still reset" refused \
	"$(run_as_app $BLOCKED $PEER tcp $SERVER_V4 7001 reuse-b 41000)"
check "server never saw the reused tuple's data" sh -c "! grep -q reuse-b '$T/server.log'"

# Allow without a restart: the next connection passes.
check "privfwctl allow org.example.Blocked" ctl allow org.example.Blocked
expect "blocked app now allowed: TCP" ok "$(run_as_app $BLOCKED $PEER tcp $SERVER_V4 7001 unblocked-tcp4)"
expect "blocked app now allowed: UDP" ok "$(run_as_app $BLOCKED $PEER udp $SERVER_V4 7001 unblocked-udp4)"

# The change survives a restart.
check "privfwd stops cleanly on SIGTERM" stop_privfwd
check "socket removed on stop" [ ! -e "$SOCK" ]
start_privfwd || exit 1
expect "after restart: org.example.Blocked still allowed" ok \
	"$(run_as_app $BLOCKED $PEER tcp $SERVER_V4 7001 restart-tcp4)"
check "policy file holds the change" grep -q 'id = "org.example.Blocked"; network = "allow"' "$T/state/policy.conf"

# deny reaches an established connection too: its next packet is rejected in the kernel.
run_as_app $ALLOWED $PEER hold $SERVER_V4 7001 held "$T/go" > "$T/hold.out" &
HOLD_PID=$!
for _ in $(seq 50); do grep -q held-0 "$T/server.log" && break; sleep 0.1; done
check "privfwctl deny org.example.Allowed" ctl deny org.example.Allowed
touch "$T/go"
wait $HOLD_PID
expect "deny cuts the app's established connection" "ok refused" "$(cat "$T/hold.out")"
check "server never saw data sent after the deny" sh -c "! grep -q held-1 '$T/server.log'"
expect "denied app: new TCP connection reset" refused \
	"$(run_as_app $ALLOWED $PEER tcp $SERVER_V4 7001 denied-later)"

# reset of an app without an entry is exit 5.
ctl reset org.example.Nobody >/dev/null 2>&1
expect "reset of an unknown app: exit 5" 5 $?
check "privfwctl default deny" ctl default deny
expect "new app under default deny: reset" refused \
	"$(run_as_app app-gnome-org.example.New-$$.scope $PEER tcp $SERVER_V4 7001 new-app)"
check "journal saw the new app" sh -c "journalctl --no-pager -o json _PID=$PRIVFWD_PID PRIVFW_APP=org.example.New PRIVFW_EVENT=new-app | grep -q new"
check "privfwctl log shows the deny" sh -c "nsenter --net=/run/netns/$PHONE '$B/privfwctl' --socket '$SOCK' log -n 50 | grep -q org.example.New"

# A broken policy on reload is rejected, with file:line, and the old one stays.
cp "$T/state/policy.conf" "$T/good.conf"
printf 'version = 1;\ndefault = { network = "maybe"; };\n' > "$T/state/policy.conf"
ctl reload > "$T/reload.out" 2>&1
expect "reload of a broken policy fails" 1 $?
check "reload error names file:line" grep -q "policy.conf:2" "$T/reload.out"
expect "old policy still active after a bad reload" refused \
	"$(run_as_app $ALLOWED $PEER tcp $SERVER_V4 7001 after-bad-reload)"
cp "$T/good.conf" "$T/state/policy.conf"

check "privfwd survived all of it" kill -0 "$PRIVFWD_PID"
check "privfwd stops cleanly" stop_privfwd
if grep -q "ERROR: AddressSanitizer\|runtime error:" "$T/privfwd.log"; then
	FAIL=$((FAIL + 1)); echo "FAIL - sanitizer report in privfwd's log:"; cat "$T/privfwd.log"
fi
finish
