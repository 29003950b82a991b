#!/bin/sh
# Acquire, drop, confine: privfwd runs as user privfw with CAP_NET_ADMIN only, no_new_privs and a
# seccomp filter that kills it on anything outside its allow-list, and still does its job.
# Negative tests use the hidden --sandbox-selftest=WHAT, which tries WHAT once the sandbox is in
# place. Topology in lib.sh (phone <-> internet).
#
#   usage: sandbox.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/e2e/lib.sh"

require_root_netns
command -v python3 >/dev/null || skip "needs python3"
grep -q '^Seccomp:' /proc/self/status || skip "kernel without seccomp"

SIGSYS_STATUS=159  # 128 + SIGSYS (31 on x86_64 and aarch64): how the shell reports it
ETC_FILE=/etc/privfw-selftest
T=$(mktemp -d /tmp/privfw-sbx.XXXXXX)
chmod 0755 "$T"  # user privfw must reach $T/state and $T/run
PEER="python3 $TOP/tests/e2e/peer.py"
SOCK=$T/run/io.privfw.Firewall
PRIVFWD_PID=
SERVER_PID=
USER_SLICE_MADE=

cleanup() {
	topology_down
	[ -n "${SESSION_CG:-}" ] && rmdir "$SESSION_CG" 2>/dev/null
	[ -n "$USER_SLICE_MADE" ] && rmdir "$USER_SLICE_MADE" 2>/dev/null
	rm -f "$ETC_FILE.$$"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

getent passwd privfw >/dev/null || "$TOP/scripts/privfw-user.sh" || skip "cannot create user privfw"
PRIVFW_UID=$(id -u privfw)
PRIVFW_GID=$(id -g privfw)

write_conf 9 "$SOCK"
cat > "$T/default-policy.conf" <<CONF
version = 1;
default = { network = "allow"; };
apps = ( { id = "org.example.Blocked"; network = "deny"; } );
CONF

netns_up
nsenter --net=/run/netns/"$INET" $PEER serve "$T/server.log" "$SERVER_V4:7002" > "$T/server.out" &
SERVER_PID=$!
in_phone env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" -c "$T/privfw.conf" install
for _ in $(seq 50); do grep -q ready "$T/server.out" 2>/dev/null && break; sleep 0.1; done

ctl() {
	in_phone "$B/privfwctl" --socket "$SOCK" "$@"
}

# selftest WHAT [OPTION...]: runs privfwd up to the sandbox, then WHAT; prints its exit status.
selftest() {
	what=$1
	shift
	in_phone "$B/privfwd" -c "$T/privfw.conf" --sandbox-selftest="$what" "$@" \
		> "$T/selftest-$what.out" 2>&1
	echo $?
}

# Negative: what the filter forbids kills the whole process with SIGSYS.
for what in execve socket-inet ptrace; do
	rc=$(selftest $what)
	expect "selftest $what: killed by SIGSYS (status $SIGSYS_STATUS)" $SIGSYS_STATUS "$rc"
	[ "$rc" = $SIGSYS_STATUS ] || sed 's/^/# /' "$T/selftest-$what.out"
done

# seccomp cannot see paths: a write outside the state directory is stopped by the uid drop.
rm -f "$ETC_FILE"
rc=$(selftest write-etc)
expect "selftest write-etc: the open fails and privfwd says so" 0 "$rc"
check "selftest write-etc: refused with EACCES" grep -q "refused: Permission denied" "$T/selftest-write-etc.out"
if [ -e "$ETC_FILE" ]; then
	FAIL=$((FAIL + 1)); echo "FAIL - $ETC_FILE was created by the sandboxed daemon"
	mv "$ETC_FILE" "$ETC_FILE.$$"
else
	PASS=$((PASS + 1)); echo "ok - nothing written to /etc"
fi

# The self-tests can tell: in log mode nothing is stopped and they say so.
rc=$(selftest socket-inet --sandbox=log)
expect "selftest socket-inet under --sandbox=log: NOT BLOCKED, exit 1" 1 "$rc"
check "selftest under --sandbox=log prints NOT BLOCKED" grep -q "selftest: NOT BLOCKED" "$T/selftest-socket-inet.out"

# Positive: the default (kill) mode, the whole normal path.
nsenter --net=/run/netns/"$PHONE" "$B/privfwd" -c "$T/privfw.conf" -d 2>>"$T/privfwd.log" &
PRIVFWD_PID=$!
up=
for _ in $(seq 100); do
	ctl status >/dev/null 2>&1 && up=1 && break
	sleep 0.1
done
check "privfwd comes up with the sandbox in kill mode" [ -n "$up" ]
[ -n "$up" ] || { cat "$T/privfwd.log"; exit 1; }

field() {  # field NAME: the value of NAME: in privfwd's /proc/PID/status, tabs as spaces
	awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' /proc/"$PRIVFWD_PID"/status
}
expect "Uid is privfw's (real, effective, saved, fs)" \
	"$PRIVFW_UID $PRIVFW_UID $PRIVFW_UID $PRIVFW_UID" "$(field Uid)"
expect "Gid is privfw's" "$PRIVFW_GID $PRIVFW_GID $PRIVFW_GID $PRIVFW_GID" "$(field Gid)"
expect "CapEff is CAP_NET_ADMIN only" 0000000000001000 "$(field CapEff)"
expect "CapPrm is CAP_NET_ADMIN only" 0000000000001000 "$(field CapPrm)"
expect "CapInh is empty" 0000000000000000 "$(field CapInh)"
expect "CapBnd is CAP_NET_ADMIN only" 0000000000001000 "$(field CapBnd)"
expect "CapAmb is empty" 0000000000000000 "$(field CapAmb)"
expect "NoNewPrivs is set" 1 "$(field NoNewPrivs)"
expect "Seccomp is in filter mode" 2 "$(field Seccomp)"

ALLOWED=app-gnome-org.example.Allowed-$$.scope
BLOCKED=app-flatpak-org.example.Blocked-$$.scope
expect "allowed app: TCP passes" ok "$(run_as_app $ALLOWED $PEER tcp $SERVER_V4 7002 allowed)"
expect "allowed app: UDP passes" ok "$(run_as_app $ALLOWED $PEER udp $SERVER_V4 7002 allowed-udp)"
expect "blocked app: TCP is reset" refused "$(run_as_app $BLOCKED $PEER tcp $SERVER_V4 7002 blocked)"

# Policy saves (temp file, fsync, rename, fsync of the directory) as user privfw.
check "privfwctl allow org.example.Blocked (a policy save)" ctl allow org.example.Blocked
expect "policy file belongs to privfw" privfw "$(stat -c %U "$T/state/policy.conf")"
check "policy file holds the change" grep -q 'id = "org.example.Blocked"; network = "allow"' "$T/state/policy.conf"
expect "unblocked app: TCP passes (settled flows re-marked)" ok \
	"$(run_as_app $BLOCKED $PEER tcp $SERVER_V4 7002 unblocked)"
check "privfwctl deny org.example.Allowed (ctnetlink re-mark)" ctl deny org.example.Allowed
expect "denied app: TCP is reset" refused "$(run_as_app $ALLOWED $PEER tcp $SERVER_V4 7002 denied)"
check "privfwctl reload (policy re-read as privfw)" ctl reload
kill -HUP "$PRIVFWD_PID"
sleep 0.3
check "still serving after a SIGHUP reload" ctl status

# Login sessions hold many programs, so ident names the socket's owner by /proc/<pid>/exe. After
# the uid drop privfwd may read that only for processes of its own uid: others fall back to uid.
SESSION_CG=
if [ ! -d "$CG_ROOT/user.slice" ]; then
	mkdir "$CG_ROOT/user.slice" && USER_SLICE_MADE=$CG_ROOT/user.slice
fi
# The client runs as nobody, so it needs a system python and its own copy of peer.py.
install -m 0644 "$TOP/tests/e2e/peer.py" "$T/peer.py"
if [ -d "$CG_ROOT/user.slice" ] && [ -x /usr/bin/python3 ]; then
	SESSION_CG=$CG_ROOT/user.slice/privfw-test-$$.scope
	mkdir -p "$SESSION_CG"
	in_phone sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$SESSION_CG" \
		setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$T/peer.py" \
		tcp $SERVER_V4 7002 session >/dev/null
	name=$(ctl --json apps | python3 -c 'import json,sys
print(" ".join(a["id"] for a in json.load(sys.stdin)["apps"] if a["id"].startswith(("exe:", "uid:65534"))))')
	echo "# a session process of uid 65534 was named: ${name:-nothing}"
	check "session process of another uid is still named (exe: or uid:)" [ -n "$name" ]
fi

check "privfwd survived all of it" kill -0 "$PRIVFWD_PID"
kill -TERM "$PRIVFWD_PID"
wait "$PRIVFWD_PID"
expect "privfwd stops cleanly on SIGTERM (sandboxed exit path)" 0 $?
PRIVFWD_PID=
check "socket removed on stop (its directory was handed to privfw)" [ ! -e "$SOCK" ]
if grep -q "ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer" "$T/privfwd.log"; then
	FAIL=$((FAIL + 1)); echo "FAIL - sanitizer report in privfwd's log:"; cat "$T/privfwd.log"
elif [ "$FAIL" -gt 0 ]; then
	echo "# privfwd's log:"; sed 's/^/# /' "$T/privfwd.log"
fi
finish
