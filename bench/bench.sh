#!/bin/sh
# Benchmark: what a firewall costs an app, measured three ways in one run — no firewall,
# OpenSnitch (the peer people compare with) and privfwd — on the namespaces of the e2e tests.
# Each configuration gets fresh namespaces, so no conntrack or socket state crosses over.
#
#   [phone] client in app cgroup (+ firewall) ==== veth ==== [internet] connrate servers
#
# Workloads, BENCH_SECONDS each (default 5):
#   conn  sequential short TCP connections, a small HTTP request and reply each: conns/s, p50, p99
#   udp   64-byte datagrams on one socket: sent/s and received/s
#   bulk  one TCP stream: MB/s that arrived
# and privfwd's own cost: RSS, packets, ident lookups and cache hits, CPU per queued packet.
#
# Figures are never assertions. Exit status is non-zero only when something is broken: privfwd
# died or would not start, or a workload could not run at all without a firewall or through
# privfwd. Not root or no namespaces: SKIP, exit 0.
#
#   usage: bench.sh BUILD_DIR           (make bench; BENCH_SECONDS=1 for the smoke run)
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/e2e/lib.sh"

# A benchmark has nothing to pass or fail when it cannot run: say so, and do not fail the build.
skip() {
	echo "bench: SKIP: $*"
	exit 0
}

SECS=${BENCH_SECONDS:-5}
case $SECS in ''|*[!0-9]*|0) echo "bench: BENCH_SECONDS must be a positive integer" >&2; exit 2 ;; esac
if [ ! -x "$B/privfwd" ] || [ ! -x "$B/privfwctl" ]; then
	echo "bench: no privfwd in $B: run make" >&2
	exit 1
fi
require_root_netns

T=$(mktemp -d /tmp/privfw-bench.XXXXXX)
chmod 0755 "$T"
CR=$B/bench/connrate
SOCK=$T/run/ctl
QUEUE_PF=21
QUEUE_OS=20
APP=app-gnome-org.example.Bench-$$.scope
# Sequential connections to one address and port would meet their own 4-tuples again within
# seconds (the source port range wraps, in random steps); rotating over 64 server ports keeps
# almost every connection new to the firewall.
CONN_PORTS=64
HZ=$(getconf CLK_TCK)
PRIVFWD_PID= OS_PID= SERVER_PID=
BROKEN=

mkdir -p "$B/bench"
${CC:-cc} -O2 -Wall -Wextra -o "$B/bench/connrate" "$TOP/bench/connrate.c" ||
	{ echo "bench: cannot build connrate" >&2; exit 1; }

stop_pid() {  # stop_pid PID: TERM, then KILL after 5 s
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	true
}

net_down() {
	stop_pid "$SERVER_PID"; SERVER_PID=
	stop_pid "$OS_PID"; OS_PID=
	stop_pid "$PRIVFWD_PID"; PRIVFWD_PID=
	if [ -n "${PHONE:-}" ] && [ -e /run/netns/"$PHONE" ]; then
		in_phone env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" --queue $QUEUE_PF remove \
			2>/dev/null
	fi
	# OpenSnitch's rules and everything else in the namespaces go with them.
	netns_down
}

cleanup() {
	net_down
	cgroups_down
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Fresh namespaces; a wide port range and TIME_WAIT reuse so thousands of sequential connections
# per second never run out of ports (set in every configuration alike).
net_up() {
	netns_up
	in_phone sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1
}

kv() {  # kv LINE KEY: the value of KEY=value in LINE
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

json_num() {  # json_num FILE KEY: the first "KEY": number in privfwctl's indented JSON
	sed -n "s/.*\"$2\": *\(-\{0,1\}[0-9][0-9]*\).*/\1/p" "$1" | head -n 1
}

wait_ready() {  # wait_ready FILE: a server printed "ready" (5 s at most)
	for _ in $(seq 50); do
		grep -q ready "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_server MODE PORT [NPORTS]: a connrate server in the internet namespace, ended by its own
# alarm at the latest.
start_server() {
	: > "$T/server.out"
	nsenter --net=/run/netns/"$INET" "$CR" "$1" $SERVER_V4 "$2" $((SECS + 10)) ${3:-} \
		> "$T/server.out" &
	SERVER_PID=$!
	wait_ready "$T/server.out"
}

app_run() {  # app_run CMD...: in the phone namespace, in the app's cgroup, bounded in time
	run_as_app "$APP" timeout $((SECS + 20)) "$@"
}

# cpu_ticks PID: "utime stime", in clock ticks (the fields after the command name).
cpu_ticks() {
	sed 's/.*) //' /proc/"$1"/stat 2>/dev/null | awk '{ print $12, $13 }'
}

us_of_ticks() {  # us_of_ticks TICKS [PACKETS]
	awk -v t="$1" -v p="${2:-1}" -v hz="$HZ" 'BEGIN { printf "%.1f\n", t * 1e6 / hz / p }'
}

# queued QUEUE: packets the kernel has queued on QUEUE in the phone namespace (id_sequence).
queued() {
	in_phone cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null |
		awk -v q="$1" '$1 == q { print $8; f = 1 } END { if (!f) print 0 }'
}

set_r() {  # set_r CONFIG METRIC VALUE
	eval "R_$1_$2=\$3"
}

get_r() {
	eval "echo \"\${R_$1_$2:-}\""
}

# ratio CONFIG METRIC: the figure over the no-firewall figure of this run.
ratio() {
	awk -v a="$(get_r "$1" "$2")" -v b="$(get_r none "$2")" 'BEGIN {
		if (a == "" || b == "" || b + 0 == 0) { print "-"; exit }
		r = a / b
		if (r < 0.1) printf "%.3fx\n", r; else if (r >= 100) printf "%.0fx\n", r; else printf "%.2fx\n", r }'
}

say() {  # say CONFIG METRIC UNIT
	v=$(get_r "$1" "$2")
	if [ "$1" = none ] || [ -z "$(get_r none "$2")" ]; then
		printf '  %-10s %-14s %12s %s\n' "$1" "$2" "${v:--}" "$3"
	else
		printf '  %-10s %-14s %12s %-8s (%s of none)\n' "$1" "$2" "${v:--}" "$3" "$(ratio "$1" "$2")"
	fi
}

daemon_alive() {
	case $1 in
	privfwd) kill -0 "$PRIVFWD_PID" 2>/dev/null ;;
	opensnitch) kill -0 "$OS_PID" 2>/dev/null ;;
	*) true ;;
	esac
}

daemon_pid() {
	case $1 in privfwd) echo "$PRIVFWD_PID" ;; opensnitch) echo "$OS_PID" ;; esac
}

# A workload that did not run at all is broken where there is no firewall or privfwd filters;
# under OpenSnitch it is only reported.
broken_if() {  # broken_if CONFIG WHAT
	if [ "$1" = opensnitch ]; then
		echo "bench: warning: $2 under opensnitch"
	else
		echo "bench: BROKEN: $2 ($1)"
		BROKEN="$BROKEN $1:$2"
	fi
}

w_conn() {
	cfg=$1 pid=$(daemon_pid "$1") q=
	case $cfg in privfwd) q=$QUEUE_PF ;; opensnitch) q=$QUEUE_OS ;; esac
	if ! start_server server 7201 $CONN_PORTS; then
		broken_if "$cfg" "conn server did not start"
		return
	fi
	if [ -n "$pid" ]; then
		c0=$(cpu_ticks "$pid") q0=$(queued "$q")
		[ "$cfg" = privfwd ] && ctl_json "$T/st0.json"
	fi
	out=$(app_run "$CR" client $SERVER_V4 7201 "$SECS" $CONN_PORTS)
	if [ -n "$pid" ]; then
		c1=$(cpu_ticks "$pid") q1=$(queued "$q")
		p0=$((q1 - q0))
		if [ "$cfg" = privfwd ] && ctl_json "$T/st1.json"; then
			p0=$(( $(json_num "$T/st1.json" packets) - $(json_num "$T/st0.json" packets) ))
		fi
		set -- ${c0:-0 0} ${c1:-0 0}
		ut=$(($3 - $1)) st=$(($4 - $2))
		set_r "$cfg" queued "$p0"
		set_r "$cfg" cpu_ms "$(awk -v u="$(us_of_ticks $((ut + st)))" 'BEGIN { printf "%.0f\n", u / 1000 }')"
		if [ "$p0" -gt 0 ]; then
			set_r "$cfg" us_per_pkt "$(us_of_ticks $((ut + st)) "$p0")"
			echo "  $cfg CPU in the conn run: user $((ut * 1000 / HZ)) ms + system $((st * 1000 / HZ)) ms" \
				"for $p0 queued packets ($(us_of_ticks $ut "$p0") + $(us_of_ticks $st "$p0") us each)"
		fi
	fi
	stop_pid "$SERVER_PID"; SERVER_PID=
	echo "  $cfg conn: $out"
	[ "$(kv "$out" conns)" -gt 0 ] 2>/dev/null || { broken_if "$cfg" "no TCP connection completed"; return; }
	set_r "$cfg" conn_per_s "$(kv "$out" rate)"
	set_r "$cfg" p50_us "$(kv "$out" p50_us)"
	set_r "$cfg" p99_us "$(kv "$out" p99_us)"
	set_r "$cfg" conn_errors "$(kv "$out" errors)"
	say "$cfg" conn_per_s conns/s
	say "$cfg" p50_us us
	say "$cfg" p99_us us
}

w_udp() {
	cfg=$1
	if ! start_server udprecv 7202; then
		broken_if "$cfg" "udp receiver did not start"
		return
	fi
	out=$(app_run "$CR" udpsend $SERVER_V4 7202 "$SECS")
	for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
	stop_pid "$SERVER_PID"; SERVER_PID=
	got=$(cat "$T/server.out")
	echo "  $cfg udp: $out; $got" | tr '\n' ' '; echo
	sent=$(kv "$out" sent) secs=$(kv "$out" seconds) rcvd=$(kv "$got" received)
	[ "${sent:-0}" -gt 0 ] 2>/dev/null || { broken_if "$cfg" "no UDP datagram sent"; return; }
	set_r "$cfg" udp_sent_s "$(kv "$out" rate)"
	set_r "$cfg" udp_rcvd_s "$(awk -v r="${rcvd:-0}" -v s="$secs" 'BEGIN { printf "%.0f\n", r / s }')"
	say "$cfg" udp_sent_s pkts/s
	say "$cfg" udp_rcvd_s pkts/s
}

w_bulk() {
	cfg=$1
	if ! start_server bulkrecv 7203; then
		broken_if "$cfg" "bulk receiver did not start"
		return
	fi
	out=$(app_run "$CR" bulksend $SERVER_V4 7203 "$SECS")
	stop_pid "$SERVER_PID"; SERVER_PID=
	echo "  $cfg bulk: $out"
	[ "$(kv "$out" bytes)" -gt 0 ] 2>/dev/null || { broken_if "$cfg" "bulk upload moved nothing"; return; }
	set_r "$cfg" bulk_MB_s "$(kv "$out" mbps)"
	say "$cfg" bulk_MB_s MB/s
}

workloads() {
	for w in w_conn w_udp w_bulk; do
		$w "$1"
		if ! daemon_alive "$1"; then
			broken_if "$1" "$1 died during $w"
			return 1
		fi
	done
}

ctl_json() {  # ctl_json FILE: privfwctl --json status into FILE
	in_phone "$B/privfwctl" --socket "$SOCK" --json status > "$1" 2>/dev/null
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null
}

# --- (a) no firewall -------------------------------------------------------------------------
run_none() {
	echo "== none: no firewall"
	net_up
	workloads none
	net_down
}

# --- (b) OpenSnitch ---------------------------------------------------------------------------
run_opensnitch() {
	echo "== opensnitch: opensnitchd in the phone namespace, no UI (allows by default)"
	if ! command -v opensnitchd >/dev/null 2>&1; then
		echo "opensnitch: not installed (apt-get install opensnitch)"
		return 0
	fi
	net_up
	mkdir -p "$T/os-rules"
	# ip netns exec execs opensnitchd, so $! is the daemon itself.
	ip netns exec "$PHONE" opensnitchd -rules-path "$T/os-rules" -process-monitor-method proc \
		-queue-num $QUEUE_OS -log-file "$T/opensnitchd.log" >/dev/null 2>&1 &
	OS_PID=$!
	up=
	for _ in $(seq 100); do
		kill -0 "$OS_PID" 2>/dev/null || break
		if in_phone iptables -t mangle -S OUTPUT 2>/dev/null | grep -q "queue-num $QUEUE_OS"; then
			up=1
			break
		fi
		sleep 0.1
	done
	if [ -z "$up" ]; then
		echo "opensnitch: did not install its rules; skipped (log: $(tail -n 3 "$T/opensnitchd.log" 2>/dev/null))"
		net_down
		return 0
	fi
	sleep 0.5  # its queue listener binds after the rules go in
	workloads opensnitch
	set_r opensnitch rss_MiB "$(awk -v k="$(rss_kib "$OS_PID")" 'BEGIN { if (k != "") printf "%.1f\n", k / 1024 }')"
	say opensnitch rss_MiB MiB
	net_down
}

# --- (c) privfwd ------------------------------------------------------------------------------
run_privfwd() {
	echo "== privfwd: default deny, org.example.Bench allowed, client in its app cgroup"
	net_up
	cat > "$T/privfw.conf" <<-CONF
	queue = $QUEUE_PF;
	fail_mode = "closed";
	policy = "$T/state/policy.conf";
	default_policy = "$T/default-policy.conf";
	socket = "$SOCK";
	CONF
	cat > "$T/default-policy.conf" <<-CONF
	version = 1;
	default = { network = "deny"; log_new_apps = false; };
	apps = ( { id = "org.example.Bench"; network = "allow"; } );
	CONF
	if ! in_phone env PRIVFWD="$B/privfwd" "$TOP/scripts/privfw-rules" -c "$T/privfw.conf" install \
		2>>"$T/privfwd.log"; then
		broken_if privfwd "privfw-rules install failed: $(cat "$T/privfwd.log")"
		net_down
		return 1
	fi
	nsenter --net=/run/netns/"$PHONE" "$B/privfwd" -c "$T/privfw.conf" 2>>"$T/privfwd.log" &
	PRIVFWD_PID=$!
	up=
	for _ in $(seq 100); do
		kill -0 "$PRIVFWD_PID" 2>/dev/null || break
		in_phone "$B/privfwctl" --socket "$SOCK" status >/dev/null 2>&1 && { up=1; break; }
		sleep 0.1
	done
	if [ -z "$up" ]; then
		broken_if privfwd "privfwd did not come up: $(cat "$T/privfwd.log")"
		net_down
		return 1
	fi
	workloads privfwd
	if daemon_alive privfwd && ctl_json "$T/status.json"; then
		set_r privfwd rss_MiB "$(awk -v k="$(rss_kib "$PRIVFWD_PID")" 'BEGIN { printf "%.1f\n", k / 1024 }')"
		for k in packets lookups cache_hits kernel_queue_full kernel_socket_full unparseable; do
			set_r privfwd "$k" "$(json_num "$T/status.json" $k)"
		done
		say privfwd rss_MiB MiB
		echo "  privfwd status: packets=$(get_r privfwd packets) ident lookups=$(get_r privfwd lookups)" \
			"cache_hits=$(get_r privfwd cache_hits) queue drops: full=$(get_r privfwd kernel_queue_full)" \
			"socket=$(get_r privfwd kernel_socket_full) unparseable=$(get_r privfwd unparseable)"
		reused=$(( $(get_r privfwd packets) - $(get_r privfwd lookups) ))
		[ "$reused" -gt 0 ] && echo "  privfwd: $reused queued packets met an older flow with the same" \
			"5-tuple and were not identified again"
	fi
	if grep -q "ERROR: AddressSanitizer\|runtime error:" "$T/privfwd.log"; then
		broken_if privfwd "sanitizer report in privfwd's log"
		cat "$T/privfwd.log"
	fi
	net_down
}

table_row() {  # table_row LABEL METRIC
	printf '%-24s %12s' "$1" "$(get_r none "$2")"
	for c in opensnitch privfwd; do
		v=$(get_r "$c" "$2")
		if [ -z "$v" ]; then
			printf ' %20s' -
		elif [ -n "$(get_r none "$2")" ]; then
			printf ' %20s' "$v ($(ratio "$c" "$2"))"
		else
			printf ' %20s' "$v"
		fi
	done
	echo
}

START=$(date +%s)
echo "bench: BENCH_SECONDS=$SECS, $(nproc) cpus, $(uname -r), privfwd from $B"
run_none
run_opensnitch
run_privfwd

echo
echo "== results (${SECS} s per measurement; ratio to no firewall in parentheses)"
printf '%-24s %12s %20s %20s\n' workload none opensnitch privfwd
table_row "TCP conns/s" conn_per_s
table_row "TCP conn p50 us" p50_us
table_row "TCP conn p99 us" p99_us
table_row "TCP conn errors" conn_errors
table_row "UDP 64 B sent/s" udp_sent_s
table_row "UDP 64 B received/s" udp_rcvd_s
table_row "bulk upload MB/s" bulk_MB_s
table_row "daemon RSS MiB" rss_MiB
table_row "queued pkts (conn run)" queued
table_row "daemon CPU ms (conn run)" cpu_ms
table_row "CPU us per queued pkt" us_per_pkt
echo "privfwd totals: packets=$(get_r privfwd packets) ident_lookups=$(get_r privfwd lookups)" \
	"ident_cache_hits=$(get_r privfwd cache_hits)" \
	"queue_drops=$(get_r privfwd kernel_queue_full)/$(get_r privfwd kernel_socket_full)/$(get_r privfwd unparseable)"
echo "bench: $(( $(date +%s) - START )) s"
if [ -n "$BROKEN" ]; then
	echo "bench: broken:$BROKEN"
	exit 1
fi
exit 0
