#!/bin/sh
# End to end: personal data in outbound payloads. A fake app sends the device's IMEI (plain and
# as SHA-1) over HTTP and a hashed machine-id in a DNS name; privfwd finds them, the request never
# reaches the server, the flow is reset, the journal says what was found (masked), and after
# `privfwctl allow APP --data device_id` the same request arrives. Topology in lib.sh.
#
#   usage: inspect.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/e2e/lib.sh"

e2e_begin
IMEI=490154203237518
MACHINE_ID=8f3a1c2b9d7e4f60a1b2c3d4e5f60718
SECRET=correct-horse-battery-staple
LEAKY=app-gnome-org.example.Leaky-$$.scope

cleanup() {
	topology_down
	journal_down
}
trap cleanup EXIT
trap 'exit 1' INT TERM

write_conf 9 "$SOCK"
cat >> "$T/privfw.conf" <<CONF
identity_discover = false;
secrets_file = "$T/secrets.conf";
identity = { imei = "$IMEI"; machine_id = "$MACHINE_ID"; };
CONF
cat > "$T/secrets.conf" <<CONF
secrets = ( { label = "wifi-password"; value = "$SECRET"; } );
CONF
chmod 0600 "$T/secrets.conf"
# The shipped data defaults: device identifiers and secrets denied, the rest logged.
cat > "$T/default-policy.conf" <<CONF
version = 1;
default = { network = "allow"; log_new_apps = false; };
apps = ( );
CONF

# A secrets file others can read is refused, with the reason.
chmod 0644 "$T/secrets.conf"
out=$("$B/privfwd" -c "$T/privfw.conf" --replay /dev/null 2>&1)
check "a secrets file others can read is refused" sh -c "echo '$out' | grep -q 'others can read'"
chmod 0600 "$T/secrets.conf"

netns_up
journal_up || skip "cannot start a journald"
nsenter --net=/run/netns/"$INET" $PEER serve "$T/server.log" "$SERVER_V4:7001" "$SERVER_V4:53" "$SERVER_V4:443" \
	"[$SERVER_V6]:7001" > "$T/server.out" &
SERVER_PID=$!
in_phone env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" -c "$T/privfw.conf" install

privfwd_up
check "privfwd is up" ctl status

# send NAME PROTO HOST PORT [SPLIT]: sends $T/NAME from the leaky app; prints the outcome.
send() {
	run_as_app $LEAKY $PEER send "$2" "$3" "$4" "$T/$1" ${5:+"$5"}
}

http() {  # http NAME HOST-HEADER BODY
	printf 'POST /v1/register HTTP/1.1\r\nHost: %s\r\nUser-Agent: leaky/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s' \
		"$2" "${#3}" "$3" > "$T/$1"
}

sha1() {
	printf '%s' "$1" | sha1sum | cut -c1-40
}

in_log() {
	grep -q -- "$1" "$T/server.log" 2>/dev/null
}

journal_has() {  # journal_has FIELD=VALUE...
	for _ in $(seq 30); do
		journalctl --no-pager -o json _PID="$PRIVFWD_PID" PRIVFW_APP=org.example.Leaky "$@" 2>/dev/null |
			grep -q . && return 0
		sleep 0.1
	done
	return 1
}

http clean api.example.net "lang=en&screen=720x1440&build=20261129"
http imei api.example.net "device=$IMEI&lang=en"
http imei_sha1 api.example.net "did=$(sha1 "$IMEI")&lang=en"
http secret api.example.net "note=$(printf '%s' "$SECRET" | base64)"
http tracker a1.tracker.example "lang=en"
http split api.example.net "lang=en&imei=$IMEI&x=1"
SPLIT_AT=$(($(wc -c < "$T/split") - 12))
# A DNS query for <sha1(machine-id)[:16]>.t.example, type A.
python3 - "$(sha1 "$MACHINE_ID" | cut -c1-16)" > "$T/dns" <<'PY'
import struct, sys
name = sys.argv[1] + ".t.example"
q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
sys.stdout.buffer.write(struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1))
PY
# QUIC v1 Initials (RFC 9001 keys) and a TLS ClientHello, built by the corpus generator's code.
/usr/bin/python3 - "$TOP/tests/corpus" "$T" "$(sha1 "$MACHINE_ID" | cut -c1-16)" <<'PY' || QUIC=
import os, random, sys
sys.path.insert(0, sys.argv[1])
import gen, quic
rng = random.Random(7)
def initial(sni):
    ch = gen.client_hello(rng, sni, [b"h3"], quic_tp=b"")
    return quic.initial_packet(os.urandom(8), os.urandom(8), 0, [quic.crypto_frame(0, ch)])
open(sys.argv[2] + "/quic", "wb").write(initial(sys.argv[3] + ".q.example"))
open(sys.argv[2] + "/quic_clean", "wb").write(initial("www.example.org"))
ch = gen.client_hello(rng, "www.example.org", [b"h2", b"http/1.1"])
rec = bytes([22, 3, 1]) + len(ch).to_bytes(2, "big") + ch
# After the hello: bytes that would be ciphertext, here holding the IMEI in the clear.
open(sys.argv[2] + "/tls", "wb").write(rec + bytes([23, 3, 3, 0, 20]) + b"imei=490154203237518")
PY
QUIC=${QUIC-yes}
cp "$T/dns" "$T/dns_clean"
python3 - > "$T/dns_clean" <<'PY'
import struct, sys
q = b"".join(bytes([len(l)]) + l.encode() for l in "www.example.org".split(".")) + b"\0"
sys.stdout.buffer.write(struct.pack("!HHHHHH", 0x4321, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1))
PY

expect "clean request arrives" ok "$(send clean tcp $SERVER_V4 7001)"
check "server got the clean request" in_log "screen=720x1440"
expect "IMEI in a form: the flow is reset" refused "$(send imei tcp $SERVER_V4 7001)"
check "the IMEI never reached the server" sh -c "! grep -q $IMEI '$T/server.log'"
check "journal: PRIVFW_DATA=imei PRIVFW_ACTION=deny" journal_has PRIVFW_DATA=imei PRIVFW_ACTION=deny \
	PRIVFW_CATEGORY=device_id PRIVFW_ENCODING=plain PRIVFW_HOST=api.example.net
expect "SHA-1 of the IMEI: the flow is reset" refused "$(send imei_sha1 tcp $SERVER_V4 7001)"
check "the SHA-1 never reached the server" sh -c "! grep -q $(sha1 $IMEI) '$T/server.log'"
check "journal: the IMEI as sha1" journal_has PRIVFW_DATA=imei PRIVFW_ENCODING=sha1
expect "IMEI over IPv6, split across two segments: reset" refused "$(send split tcp $SERVER_V6 7001 $SPLIT_AT)"
check "the split IMEI never reached the server whole" sh -c "! grep -q $IMEI '$T/server.log'"
got=$(send dns udp $SERVER_V4 53)
check "DNS name with a hashed machine-id is blocked ($got)" [ "$got" != ok ]
check "the DNS query never reached the server" sh -c "! grep -q $(sha1 $MACHINE_ID | cut -c1-16) '$T/server.log'"
check "journal: PRIVFW_DATA=machine_id over DNS" journal_has PRIVFW_DATA=machine_id PRIVFW_PROTO=udp
expect "an ordinary DNS query passes" ok "$(send dns_clean udp $SERVER_V4 53)"
expect "an owner's secret in base64 is blocked" refused "$(send secret tcp $SERVER_V4 7001)"
if [ -n "$QUIC" ]; then
	got=$(send quic udp $SERVER_V4 443)
	check "QUIC Initial whose SNI holds a hashed machine-id is blocked ($got)" [ "$got" != ok ]
	check "journal: machine_id in a QUIC SNI" journal_has PRIVFW_DATA=machine_id \
		PRIVFW_HOST="$(sha1 "$MACHINE_ID" | cut -c1-16).q.example"
	expect "a QUIC Initial to an ordinary host passes" ok "$(send quic_clean udp $SERVER_V4 443)"
	# A TLS flow settles after its hello: what follows is not read (it would be ciphertext).
	expect "TLS: the flow settles after the ClientHello" ok "$(send tls tcp $SERVER_V4 443)"
	check "server got the bytes after the hello" in_log "imei=490154203237518"
else
	echo "# QUIC and TLS checks skipped: no python3-cryptography"
fi
check "journal: PRIVFW_DATA=secret with its label" journal_has PRIVFW_DATA=secret PRIVFW_LABEL=wifi-password

# What privfw itself shows is masked: never the value.
ctl log -n 50 > "$T/ctl.log"
ctl --json log -n 50 > "$T/ctl.json"
journalctl --no-pager -o json _PID="$PRIVFWD_PID" > "$T/journal.json" 2>/dev/null
check "privfwctl log shows the finding" grep -q "data=imei" "$T/ctl.log"
for f in ctl.log ctl.json journal.json privfwd.log; do
	check "$f holds no IMEI, SHA-1, machine-id or secret" sh -c "! grep -q -e $IMEI -e $(sha1 $IMEI) \
		-e $MACHINE_ID -e $SECRET -e $(printf '%s' "$SECRET" | base64) '$T/$f'"
done
check "privfwctl log masks the IMEI" grep -q "49••••••••••518" "$T/ctl.log"
ctl --json apps > "$T/apps.json"
expect "apps: device_id findings counted" yes "$(python3 -c "
import json,sys
a=[x for x in json.load(open('$T/apps.json'))['apps'] if x['id']=='org.example.Leaky'][0]
print('yes' if a['findings']['device_id'] >= 3 and a['data']['device_id'] == 'deny' else a)")"

# The owner lets the app send device identifiers: the same requests arrive.
check "privfwctl allow APP --data device_id" ctl allow org.example.Leaky --data device_id
expect "after allow --data device_id: the IMEI request arrives" ok "$(send imei tcp $SERVER_V4 7001)"
check "server got it" in_log "device=$IMEI"
expect "and the SHA-1 one" ok "$(send imei_sha1 tcp $SERVER_V4 7001)"
expect "secrets are still denied" refused "$(send secret tcp $SERVER_V4 7001)"

# Destination lists: a host pattern from the Host header.
check "privfwctl deny APP --host '*.tracker.example'" ctl deny org.example.Leaky --host '*.tracker.example'
expect "request to a.tracker host is reset" refused "$(send tracker tcp $SERVER_V4 7001)"
check "journal: host-deny event with PRIVFW_HOST" journal_has PRIVFW_EVENT=host-deny PRIVFW_HOST=a1.tracker.example
expect "other hosts still pass" ok "$(send clean tcp $SERVER_V4 7001)"
check "policy file holds the rules" sh -c "grep -q 'device_id = \"allow\"' '$T/state/policy.conf' &&
	grep -q 'deny = \[ \"\*.tracker.example\" \]' '$T/state/policy.conf'"

st=$(ctl --json status)
check "status: inspection counters" sh -c "echo '$st' | grep -q '\"data_denied\"'"
check "privfwd still running" kill -0 "$PRIVFWD_PID"
finish
