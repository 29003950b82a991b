# Shared by the end-to-end tests: namespaces, a journald, fake apps in cgroups, assertions.
# Sourced; expects B (build dir) and TOP (repo root) to be set.

E2E_SKIP=77
PASS=0
FAIL=0

skip() {
	echo "SKIP: $*"
	exit $E2E_SKIP
}

check() {  # check DESCRIPTION COMMAND...
	desc=$1
	shift
	if "$@" >/dev/null; then
		PASS=$((PASS + 1))
		echo "ok - $desc"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL - $desc"
	fi
}

expect() {  # expect DESCRIPTION WANT GOT
	if [ "$2" = "$3" ]; then
		PASS=$((PASS + 1))
		echo "ok - $1"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL - $1: want '$2', got '$3'"
	fi
}

finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

require_root_netns() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	ip netns add "privfw-probe-$$" 2>/dev/null || skip "cannot create network namespaces"
	ip netns del "privfw-probe-$$"
	CG_ROOT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$CG_ROOT" ] || skip "no cgroup2 mount"
	# Set here, not in run_as_app: that runs in command substitutions (subshells).
	CG_TEST=$CG_ROOT/privfw-test-$$.slice
}

# e2e_begin: root and namespaces or skip; the scratch directory $T (privfwd's user reads it),
# the peer program, the control socket's path, no processes yet.
e2e_begin() {
	require_root_netns
	command -v python3 >/dev/null || skip "needs python3"
	T=$(mktemp -d /tmp/privfw-e2e.XXXXXX)
	chmod 0755 "$T"
	PEER="python3 $TOP/tests/e2e/peer.py"
	SOCK=$T/run/io.privfw.Firewall
	PRIVFWD_PID=
	SERVER_PID=
}

# ctl ARGS...: privfwctl in the phone namespace, on the test's socket.
ctl() {
	in_phone "$B/privfwctl" --socket "$SOCK" "$@"
}

# privfwd_up: privfwd in the phone namespace with $T/privfw.conf, logging to $T/privfwd.log;
# waits for its control socket and for the server's "ready" in $T/server.out.
privfwd_up() {
	nsenter --net=/run/netns/"$PHONE" "$B/privfwd" -c "$T/privfw.conf" -d 2>>"$T/privfwd.log" &
	PRIVFWD_PID=$!
	for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
	for _ in $(seq 50); do grep -q ready "$T/server.out" 2>/dev/null && break; sleep 0.1; done
}

# phone (privfwd, apps) <-> veth <-> internet (servers), documentation addresses only.
#
#   [phone] pf-ph 192.0.2.1/24 2001:db8:77::1/64 ==== pf-in 192.0.2.2/24 2001:db8:77::2/64 [internet]
PHONE_V4=192.0.2.1
SERVER_V4=192.0.2.2
PHONE_V6=2001:db8:77::1
SERVER_V6=2001:db8:77::2

netns_up() {
	PHONE=pfph$$
	INET=pfin$$
	ip netns add "$PHONE"
	ip netns add "$INET"
	ip link add pf-ph$$ netns "$PHONE" type veth peer name pf-in$$ netns "$INET"
	ip -n "$PHONE" link set lo up
	ip -n "$INET" link set lo up
	ip -n "$PHONE" addr add $PHONE_V4/24 dev pf-ph$$
	ip -n "$INET" addr add $SERVER_V4/24 dev pf-in$$
	ip -n "$PHONE" addr add $PHONE_V6/64 dev pf-ph$$ nodad
	ip -n "$INET" addr add $SERVER_V6/64 dev pf-in$$ nodad
	ip -n "$PHONE" link set pf-ph$$ up
	ip -n "$INET" link set pf-in$$ up
}

netns_down() {
	[ -n "${PHONE:-}" ] && ip netns del "$PHONE" 2>/dev/null
	[ -n "${INET:-}" ] && ip netns del "$INET" 2>/dev/null
	true
}

# `ip netns exec` remounts /sys and would hide the cgroup tree; nsenter keeps it.
in_phone() {
	nsenter --net=/run/netns/"$PHONE" "$@"
}

in_inet() {
	nsenter --net=/run/netns/"$INET" "$@"
}

# A journald of our own unless one runs already.
journal_up() {
	JOURNALD_PID=
	# A socket left by a journald that has gone would swallow nothing: check the process.
	[ -S /run/systemd/journal/socket ] && pgrep -x systemd-journal >/dev/null && return 0
	[ -x /lib/systemd/systemd-journald ] || return 1
	rm -f /run/systemd/journal/socket
	/lib/systemd/systemd-journald >/dev/null 2>&1 &
	JOURNALD_PID=$!
	for _ in $(seq 50); do
		[ -S /run/systemd/journal/socket ] && kill -0 "$JOURNALD_PID" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

journal_down() {
	if [ -n "${JOURNALD_PID:-}" ]; then
		kill "$JOURNALD_PID" 2>/dev/null
		wait "$JOURNALD_PID" 2>/dev/null
	fi
	true
}

# run_as_app SCOPE CMD...: runs CMD in the phone namespace inside cgroup $CG_TEST/SCOPE.
CG_TEST=
run_as_app() {
	scope=$1
	shift
	mkdir -p "$CG_TEST/$scope"
	in_phone sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CG_TEST/$scope" "$@"
}

cgroups_down() {
	[ -n "$CG_TEST" ] && [ -d "$CG_TEST" ] || return 0
	for d in "$CG_TEST"/*/; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	rmdir "$CG_TEST" 2>/dev/null
	true
}

# stop_pid PID [SIGNAL]: ends a background process of the test and reaps it.
stop_pid() {
	[ -n "$1" ] && kill ${2:+"-$2"} "$1" 2>/dev/null && wait "$1" 2>/dev/null
	true
}

# Tears down the common set-up: privfwd, the server, the rules in the phone namespace,
# the namespaces, the test cgroups and the scratch directory $T.
topology_down() {
	stop_pid "${PRIVFWD_PID:-}"
	stop_pid "${SERVER_PID:-}"
	[ -n "${PHONE:-}" ] && in_phone env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" remove 2>/dev/null
	netns_down
	cgroups_down
	[ -n "${T:-}" ] && rm -rf "$T"
	true
}

# write_conf QUEUE SOCKET [DEFAULT_POLICY]: $T/privfw.conf for a test's privfwd, fail-closed,
# its live policy under $T/state.
write_conf() {
	cat > "$T/privfw.conf" <<CONF
queue = $1;
fail_mode = "closed";
policy = "$T/state/policy.conf";
default_policy = "${3:-$T/default-policy.conf}";
socket = "$2";
CONF
}

# The policy most tests start from: everything allowed but org.example.Blocked.
write_default_policy() {
	cat > "$T/default-policy.conf" <<CONF
version = 1;
default = { network = "allow"; log_new_apps = true; };
apps = ( { id = "org.example.Blocked"; network = "deny"; } );
CONF
}
