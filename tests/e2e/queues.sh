#!/bin/sh
# End to end: several queues. privfwd binds queues 11-13 (one thread each) and the rules balance
# flows over them by address pair. A fake app talks to 24 server addresses: every queue gets
# traffic, each queue's thread inspects its own flows (an IMEI is blocked whichever queue carried
# it, a clean request arrives), a policy change reaches the flows of every thread, status sums
# the threads, and privfwd stops cleanly with all of them joined. Topology in lib.sh.
#
#   usage: queues.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/e2e/lib.sh"

e2e_begin
IMEI=490154203237518
APP=app-gnome-org.example.Spread-$$.scope
ADDRS=$(seq -f '192.0.2.%g' 10 33)

cleanup() {
	topology_down
}
trap cleanup EXIT
trap 'exit 1' INT TERM

write_conf 11 "$SOCK"
cat >> "$T/privfw.conf" <<CONF
queues = 3;
identity_discover = false;
identity = { imei = "$IMEI"; };
CONF
cat > "$T/default-policy.conf" <<CONF
version = 1;
default = { network = "allow"; log_new_apps = false; };
apps = ( );
CONF

netns_up
serve=
for a in $ADDRS; do
	ip -n "$INET" addr add "$a/24" dev pf-in$$
	serve="$serve $a:7001"
done
# shellcheck disable=SC2086
nsenter --net=/run/netns/"$INET" $PEER serve "$T/server.log" $serve > "$T/server.out" &
SERVER_PID=$!
in_phone env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" -c "$T/privfw.conf" install 2>/dev/null
check "rules balance over queues 11-13" sh -c \
	"nsenter --net=/run/netns/$PHONE iptables-nft -S PRIVFW | grep -q 'queue-balance 11:13'"

privfwd_up
check "privfwd is up" ctl status
expect "status: 3 queues" 3 "$(ctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["queues"])')"

printf 'POST /a HTTP/1.1\r\nHost: api.example.net\r\nContent-Length: 7\r\n\r\nlang=en' > "$T/clean"
printf 'POST /b HTTP/1.1\r\nHost: api.example.net\r\nContent-Length: 20\r\n\r\nimei=%s' "$IMEI" > "$T/imei"
printf 'POST /c HTTP/1.1\r\nHost: api.example.net\r\nContent-Length: 21\r\n\r\nimei=%s\n' "$IMEI" > "$T/imei_tail"

send() {  # send FILE ADDR
	run_as_app "$APP" $PEER send tcp "$2" 7001 "$T/$1"
}

# every OUTCOME FILE: the outcome of sending FILE to each address, counted.
every() {
	n=0
	for a in $ADDRS; do
		[ "$(send "$2" "$a")" = "$1" ] && n=$((n + 1))
	done
	echo "$n"
}

expect "clean requests arrive at all 24 addresses" 24 "$(every ok clean)"
expect "the IMEI is refused at all 24 addresses" 24 "$(every refused imei)"
check "no IMEI reached a server" sh -c "! grep -q '$IMEI' '$T/server.log'"

# Payload-free ACKs stay in the kernel (xt_bpf, where the kernel has it); a segment with a
# payload of 2 bytes, the IMEI's last digit and a newline, is still queued and inspected.
if in_phone iptables-nft -S PRIVFW | grep -q -- '-m bpf'; then
	acks=$(in_phone iptables-nft -L PRIVFW -v -n -x | awk '/bpf/ { print $1; exit }')
	check "payload-free ACKs accepted in the kernel ($acks)" test "${acks:-0}" -gt 0
else
	echo "# no xt_bpf here: every ACK is queued"
fi
expect "an IMEI ending in a 2-byte segment is refused" refused \
	"$(run_as_app "$APP" $PEER send tcp 192.0.2.10 7001 "$T/imei_tail" $(($(wc -c < "$T/imei_tail") - 2)))"
check "its last segment never reached the server" sh -c "! grep -q '$IMEI' '$T/server.log'"

# Column 1 is the queue, 2 the listener's port id, 8 the last packet id (0: never used).
in_phone cat /proc/net/netfilter/nfnetlink_queue > "$T/queues"
expect "queues 11-13 are bound" "11 12 13" "$(awk '$2 != 0 { printf "%s%s", s, $1; s = " " }' "$T/queues")"
expect "every queue carried packets" 3 "$(awk '$1 >= 11 && $1 <= 13 && $8 > 0' "$T/queues" | wc -l)"

json=$(ctl --json status)
st() {
	printf '%s' "$json" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}
expect "status sums the threads' findings" 25 "$(st 'd["inspection"]["findings"]')"
kernel=$(awk '$1 >= 11 && $1 <= 13 { n += $8 } END { print n }' "$T/queues")
got=$(st 'd["packets"]')
check "status sums the threads' packets ($got, kernel ids $kernel)" test "$got" -ge 96 -a "$got" -le "$kernel"

# Payload-free FINs and RSTs go on at once and reach privfwd as copies (nfnetlink_log), which
# end the flows under inspection: a short clean connection queues its SYN and its data only.
kq_ids() {
	in_phone cat /proc/net/netfilter/nfnetlink_queue | awk '$1 >= 11 && $1 <= 13 { n += $8 } END { print n }'
}
ends() {
	ctl --json status | python3 -c 'import json, sys; i = json.load(sys.stdin)["inspection"]
print(i["ends_seen"], i["flows_live"])'
}
if in_phone iptables-nft -S PRIVFW | grep -q -- '-j NFLOG'; then
	e0=$(ends) q0=$(kq_ids)
	for _ in 1 2 3 4 5; do send clean 192.0.2.12 >/dev/null; done
	expect "5 clean connections queued 10 packets: SYNs and data" 10 $(($(kq_ids) - q0))
	for _ in $(seq 20); do set -- $(ends); [ "$2" = 0 ] && break; sleep 0.1; done
	set -- $(ends)
	expect "their FIN copies ended their inspection" "5 0" "$(($1 - ${e0% *})) $2"
	# Raw bytes ending in an IMEI: the digits could go on, so it is judged at the stream's
	# end, from the FIN's copy. Too late to stop, but reported.
	printf 'imei=%s' "$IMEI" > "$T/raw_tail"
	f0=$(ctl --json status | python3 -c 'import json, sys; print(json.load(sys.stdin)["inspection"]["findings"])')
	run_as_app "$APP" $PEER send tcp 192.0.2.13 7001 "$T/raw_tail" >/dev/null
	for _ in $(seq 20); do
		f1=$(ctl --json status | python3 -c 'import json, sys; print(json.load(sys.stdin)["inspection"]["findings"])')
		[ "$f1" != "$f0" ] && break
		sleep 0.1
	done
	expect "an IMEI at the very end of a raw stream is found at its FIN" 1 $((f1 - f0))
else
	echo "# no xt_NFLOG here: FINs and RSTs are queued"
fi

# A policy change reaches every thread's flows, and the connections under inspection that
# privfwd would not hear from again before their next data: the deny mark goes into conntrack.
run_as_app "$APP" $PEER hold 192.0.2.11 7001 held "$T/go" > "$T/hold.out" &
HOLD_PID=$!
for _ in $(seq 50); do grep -q held-0 "$T/server.log" && break; sleep 0.1; done
check "privfwctl deny the app" ctl deny org.example.Spread
check "the held connection carries the deny mark in conntrack" sh -c \
	"nsenter --net=/run/netns/$PHONE grep 'dst=192.0.2.11 .*dport=7001 ' /proc/net/nf_conntrack |
	 grep ESTABLISHED | grep -q 'mark=512 '"
touch "$T/go"
wait $HOLD_PID
expect "deny cuts the held connection" "ok refused" "$(cat "$T/hold.out")"
expect "denied at all 24 addresses" 24 "$(every refused clean)"
check "privfwctl allow it again" ctl allow org.example.Spread
expect "allowed again at all 24 addresses" 24 "$(every ok clean)"

kill -TERM "$PRIVFWD_PID"
st=0
wait "$PRIVFWD_PID" || st=$?
PRIVFWD_PID=
expect "privfwd stops cleanly on SIGTERM, threads joined" 0 "$st"
if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$T/privfwd.log"; then
	FAIL=$((FAIL + 1)); echo "FAIL - sanitizer report in privfwd's log:"; cat "$T/privfwd.log"
fi
finish
