#!/bin/sh
# Benchmark: what a firewall costs an app, measured three ways in one run — no firewall,
# OpenSnitch (the peer people compare with) and privfwd — on the namespaces of the e2e tests.
# Each configuration gets fresh namespaces, so no conntrack or socket state crosses over.
#
#   [phone] client in app cgroup (+ firewall) ==== veth ==== [internet] connrate servers
#
# Workloads, BENCH_SECONDS each (default 5):
#   conn       sequential short TCP connections, a small HTTP request and reply each: conns/s,
#              p50, p99
#   udp        64-byte datagrams on one socket: sent/s, received/s, and what the queue dropped
#              for want of room or of a reader
#   inspected  one plaintext HTTP upload of text, a new connection every 16 MiB: MB/s. privfwd
#              runs it with inspect_budget = 16777216, so it inspects every byte
#   tls        one TLS stream, a ClientHello then application data records: MB/s. privfwd
#              settles it after the hello, so the rest stays in the kernel
# and privfwd's own cost: verdict latency per queued packet from its counters, CPU per queued
# packet, ident lookups and cache hits, and its RSS after tracking 65536 flows (UDP datagrams,
# each on a 5-tuple of its own). The targets of the issue are shown beside the figures.
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
# Flows privfwd tracks for the RSS figure: its default flows_max, which its config states.
FLOWS=65536
FLOWS_PORT=1024
BUDGET_ALL=16777216
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

# json_get FILE KEY [SUBKEY]: a number from privfwctl's JSON (indented by 2), top-level KEY or
# SUBKEY inside the object KEY; empty when absent.
json_get() {
	awk -v k="$2" -v s="${3:-}" '
		/^  "[^"]*": \{/ { o = substr($1, 2, length($1) - 3); next }
		/^  \}/ { o = ""; next }
		{ want = s == "" ? "^  \"" k "\": " : "^    \"" s "\": " }
		(s == "" || o == k) && $0 ~ want {
			v = $0; sub(/^[^:]*: */, "", v); sub(/,$/, "", v)
			if (v ~ /^-?[0-9]+$/) print v
			exit
		}' "$1" 2>/dev/null
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

# qdrops QUEUE: two counts, the packets the kernel dropped on QUEUE because it was full and those
# it could not hand to the reader's socket; empty without such a queue.
qdrops() {
	[ -n "$1" ] || return 0
	in_phone cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null |
		awk -v q="$1" '$1 == q { print $6, $7 }'
}

# jdelta FILE0 FILE1 KEY [SUBKEY]: how much a counter grew between two status files; empty when
# either lacks it.
jdelta() {
	jd0=$(json_get "$1" "$3" "${4:-}") jd1=$(json_get "$2" "$3" "${4:-}")
	[ -n "$jd0" ] && [ -n "$jd1" ] && echo $((jd1 - jd0))
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

daemon_queue() {
	case $1 in privfwd) echo $QUEUE_PF ;; opensnitch) echo $QUEUE_OS ;; esac
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

ctl_json() {  # ctl_json FILE: privfwctl --json status into FILE
	in_phone "$B/privfwctl" --socket "$SOCK" --json status > "$1" 2>/dev/null
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null
}

mib_of_kib() {
	awk -v k="$1" 'BEGIN { if (k != "") printf "%.1f\n", k / 1024 }'
}

w_conn() {
	cfg=$1 pid=$(daemon_pid "$1") q=$(daemon_queue "$1")
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
			p0=$(jdelta "$T/st0.json" "$T/st1.json" packets || echo "$p0")
			# Cumulative since privfwd started, and the conn run is its first workload: this
			# is the latency of the conn run's packets.
			l50=$(json_get "$T/st1.json" latency_us p50) l99=$(json_get "$T/st1.json" latency_us p99)
			if [ -n "$l50" ] && [ -n "$l99" ]; then
				set_r "$cfg" latency_us "$l50 / $l99"
				echo "  $cfg verdict latency in the conn run (its counters): p50 $l50 us, p99 $l99 us," \
					"$(json_get "$T/st1.json" latency_us samples) samples"
			fi
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
	set_r "$cfg" conns "$(kv "$out" conns)"
	set_r "$cfg" p50_us "$(kv "$out" p50_us)"
	set_r "$cfg" p99_us "$(kv "$out" p99_us)"
	set_r "$cfg" conn_errors "$(kv "$out" errors)"
	say "$cfg" conn_per_s conns/s
	say "$cfg" p50_us us
	say "$cfg" p99_us us
}

w_udp() {
	cfg=$1 q=$(daemon_queue "$1")
	if ! start_server udprecv 7202; then
		broken_if "$cfg" "udp receiver did not start"
		return
	fi
	d0=$(qdrops "$q")
	out=$(app_run "$CR" udpsend $SERVER_V4 7202 "$SECS")
	d1=$(qdrops "$q")
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
	if [ -n "$d0" ] && [ -n "$d1" ]; then
		set -- $d0 $d1
		set_r "$cfg" udp_qdrops "$(($3 - $1)) / $(($4 - $2))"
		echo "  $cfg udp: the kernel dropped $(($3 - $1)) queued packets with the queue full and" \
			"$(($4 - $2)) it could not hand to the daemon"
	fi
}

# upload CONFIG MODE METRIC WHAT: one of connrate's uploads to a bulk receiver; sets METRIC.
upload() {
	cfg=$1
	if ! start_server bulkrecv 7203; then
		broken_if "$cfg" "bulk receiver did not start"
		return
	fi
	out=$(app_run "$CR" "$2" $SERVER_V4 7203 "$SECS")
	stop_pid "$SERVER_PID"; SERVER_PID=
	echo "  $cfg $4: $out"
	[ "$(kv "$out" bytes)" -gt 0 ] 2>/dev/null || { broken_if "$cfg" "$4 moved nothing"; return; }
	[ "$(kv "$out" errors)" = 0 ] || echo "  $cfg $4: $(kv "$out" errors) connections got no answer"
	set_r "$cfg" "$3" "$(kv "$out" mbps)"
	say "$cfg" "$3" MB/s
}

w_inspected() {
	cfg=$1
	[ "$cfg" = privfwd ] && ctl_json "$T/in0.json"
	upload "$cfg" httpup inspected_MB_s "inspected upload"
	[ "$cfg" = privfwd ] && ctl_json "$T/in1.json" || return 0
	ib=$(jdelta "$T/in0.json" "$T/in1.json" inspection bytes)
	echo "  privfwd inspected ${ib:-?} bytes of the upload (inspect_budget = $BUDGET_ALL, a new" \
		"connection every 16 MiB: every byte); findings $(json_get "$T/in1.json" inspection findings)," \
		"flows cut $(json_get "$T/in1.json" inspection data_denied)"
}

w_tls() {
	cfg=$1
	[ "$cfg" = privfwd ] && ctl_json "$T/tl0.json"
	upload "$cfg" tlsup tls_MB_s "TLS upload"
	[ "$cfg" = privfwd ] && ctl_json "$T/tl1.json" || return 0
	echo "  privfwd saw $(jdelta "$T/tl0.json" "$T/tl1.json" packets) queued" \
		"packets of the TLS upload; the rest stayed in the kernel once the ClientHello settled it"
}

# The flows and RSS figure, privfwd only: one datagram on each of $FLOWS 5-tuples from the app,
# then privfwd's VmRSS and its own count of flows. Those it inspects count against its limit of
# flows inspected at once (4096); a flow refused inspection is tracked all the same, so the
# figure includes the most inspection state privfwd holds. The output says how many were which.
w_flows() {
	cfg=$1
	ctl_json "$T/fl0.json"
	out=$(app_run "$CR" flows $SERVER_V4 $FLOWS_PORT $FLOWS)
	echo "  $cfg flows: $out"
	[ "$(kv "$out" flows)" -gt 0 ] 2>/dev/null || { broken_if "$cfg" "no flow datagram sent"; return; }
	ctl_json "$T/fl1.json" || return 0
	n=$(json_get "$T/fl1.json" flows)
	set_r "$cfg" rss_flows_MiB "$(mib_of_kib "$(rss_kib "$PRIVFWD_PID")")"
	set_r "$cfg" flows_tracked "$n"
	echo "  $cfg RSS with $n flows tracked: $(get_r "$cfg" rss_flows_MiB) MiB ($(kv "$out" seconds) s" \
		"to open them; inspected now $(json_get "$T/fl1.json" inspection flows_live), refused" \
		"inspection $(jdelta "$T/fl0.json" "$T/fl1.json" inspection busy_drops))"
}

workloads() {  # workloads CONFIG W...
	cfg=$1
	shift
	for w in "$@"; do
		$w "$cfg"
		if ! daemon_alive "$cfg"; then
			broken_if "$cfg" "$cfg died during $w"
			return 1
		fi
	done
}

# --- (a) no firewall -------------------------------------------------------------------------
run_none() {
	echo "== none: no firewall"
	net_up
	workloads none w_conn w_udp w_inspected w_tls
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
	workloads opensnitch w_conn w_udp w_inspected w_tls
	set_r opensnitch rss_MiB "$(mib_of_kib "$(rss_kib "$OS_PID")")"
	say opensnitch rss_MiB MiB
	net_down
}

# --- (c) privfwd ------------------------------------------------------------------------------
# pf_conf FILE [SETTING]: privfwd's settings, the device's identifiers given rather than learnt
# from this machine, so the known values scanned for are the same everywhere.
pf_conf() {
	cat > "$1" <<-CONF
	queue = $QUEUE_PF;
	fail_mode = "closed";
	policy = "$T/state/policy.conf";
	default_policy = "$T/default-policy.conf";
	socket = "$SOCK";
	flows_max = $FLOWS;
	identity_discover = false;
	secrets_file = "$T/secrets.conf";
	identity = { imei = "490154203237518"; imsi = "228011234567890"; phone = "+41791234567";
	  machine_id = "8f3a1c2b9d7e4f60a1b2c3d4e5f60718"; hostname = "bench-phone";
	  mac = [ "02:00:5e:10:00:01" ]; location = [ 47.3769, 8.5417 ]; };
	${2:-}
	CONF
}

pf_start() {  # pf_start CONFIG_FILE: privfwd in the phone namespace, answering its socket
	nsenter --net=/run/netns/"$PHONE" "$B/privfwd" -c "$1" 2>>"$T/privfwd.log" &
	PRIVFWD_PID=$!
	for _ in $(seq 100); do
		kill -0 "$PRIVFWD_PID" 2>/dev/null || break
		in_phone "$B/privfwctl" --socket "$SOCK" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	broken_if privfwd "privfwd did not come up: $(cat "$T/privfwd.log")"
	return 1
}

pf_totals() {  # pf_totals FILE: privfwd's cumulative counters after its workloads
	for k in packets lookups cache_hits ns_cached ns_uncached; do
		case $k in packets) v=$(json_get "$1" packets) ;; *) v=$(json_get "$1" ident $k) ;; esac
		set_r privfwd "$k" "$v"
	done
	for k in kernel_queue_full kernel_socket_full unparseable; do
		set_r privfwd "$k" "$(json_get "$1" queue_drops $k)"
	done
	echo "  privfwd status: packets=$(get_r privfwd packets) ident lookups=$(get_r privfwd lookups)" \
		"cache_hits=$(get_r privfwd cache_hits) queue drops: full=$(get_r privfwd kernel_queue_full)" \
		"socket=$(get_r privfwd kernel_socket_full) unparseable=$(get_r privfwd unparseable)" \
		"verdict latency p50/p99 $(json_get "$1" latency_us p50)/$(json_get "$1" latency_us p99) us"
	reused=$(( ${R_privfwd_packets:-0} - ${R_privfwd_lookups:-0} ))
	[ "$reused" -gt 0 ] && echo "  privfwd: $reused queued packets belonged to a flow identified" \
		"already (payload under inspection, or a 5-tuple seen again)"
	true
}

run_privfwd() {
	echo "== privfwd: default deny, org.example.Bench allowed (data rules: the defaults, so its" \
		"flows are inspected), client in its app cgroup"
	net_up
	pf_conf "$T/privfw.conf"
	pf_conf "$T/privfw-all.conf" "inspect_budget = $BUDGET_ALL;"
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
	pf_start "$T/privfw.conf" || { net_down; return 1; }
	# Default settings; the conn run first, so that the latency read after it is its own.
	if workloads privfwd w_conn w_udp w_tls; then
		set_r privfwd rss_MiB "$(mib_of_kib "$(rss_kib "$PRIVFWD_PID")")"
		say privfwd rss_MiB MiB
		workloads privfwd w_flows && ctl_json "$T/status.json" && pf_totals "$T/status.json"
	fi
	stop_pid "$PRIVFWD_PID"; PRIVFWD_PID=
	# The inspected upload with every byte inspected: a privfwd of its own with the largest
	# budget, which would otherwise keep the UDP run's flow under inspection too.
	echo "  privfwd restarted with inspect_budget = $BUDGET_ALL for the inspected upload"
	if pf_start "$T/privfw-all.conf"; then
		workloads privfwd w_inspected
	fi
	if grep -q "ERROR: AddressSanitizer\|runtime error:" "$T/privfwd.log"; then
		broken_if privfwd "sanitizer report in privfwd's log"
		cat "$T/privfwd.log"
	fi
	net_down
}

table_row() {  # table_row LABEL METRIC [TARGET]
	printf '%-26s %12s' "$1" "$(get_r none "$2")"
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
	printf '  %s\n' "${3:-}"
}

START=$(date +%s)
echo "bench: BENCH_SECONDS=$SECS, $(nproc) cpus, $(uname -r), privfwd from $B"
run_none
run_opensnitch
run_privfwd

# What a queued packet costs a connection, seen from the app: the rise of the median connection
# time over no firewall, shared among the packets each connection had queued. privfwd's own
# latency counters start at its read of a packet; this also holds the queueing and wake-up.
for c in opensnitch privfwd; do
	set_r "$c" e2e_us_pkt "$(awk -v p="$(get_r "$c" p50_us)" -v p0="$(get_r none p50_us)" \
		-v q="$(get_r "$c" queued)" -v n="$(get_r "$c" conns)" 'BEGIN {
		if (p == "" || p0 == "" || q + 0 <= 0 || n + 0 <= 0) exit
		printf "%.1f\n", (p - p0) / (q / n) }')"
done

echo
echo "== results (${SECS} s per measurement; ratio to no firewall in parentheses)"
printf '%-26s %12s %20s %20s  %s\n' workload none opensnitch privfwd "target (privfwd)"
table_row "TCP conns/s" conn_per_s ">= 0.60x"
table_row "TCP conn p50 us" p50_us
table_row "TCP conn p99 us" p99_us
table_row "TCP conn errors" conn_errors
table_row "UDP 64 B sent/s" udp_sent_s
table_row "UDP 64 B received/s" udp_rcvd_s
table_row "UDP queue drops full/sock" udp_qdrops
table_row "bulk inspected MB/s" inspected_MB_s ">= 0.80x"
table_row "bulk TLS (settled) MB/s" tls_MB_s ">= 0.95x"
table_row "added latency p50/p99 us" latency_us "<= 10 / <= 25 (privfwd's counters, conn run)"
table_row "  end to end, p50 us/pkt" e2e_us_pkt "(conn p50 over none's, per queued pkt)"
table_row "daemon RSS MiB" rss_MiB
table_row "RSS MiB with N flows" rss_flows_MiB "<= 8 MiB with 64k flows"
table_row "  N flows tracked" flows_tracked ">= 65536"
table_row "queued pkts (conn run)" queued
table_row "daemon CPU ms (conn run)" cpu_ms
table_row "CPU us per queued pkt" us_per_pkt
table_row "app lookup ns, cached" ns_cached
table_row "app lookup ns, new cgroup" ns_uncached
echo "privfwd totals: packets=$(get_r privfwd packets) ident_lookups=$(get_r privfwd lookups)" \
	"ident_cache_hits=$(get_r privfwd cache_hits)" \
	"queue_drops=$(get_r privfwd kernel_queue_full)/$(get_r privfwd kernel_socket_full)/$(get_r privfwd unparseable)"
echo "bulk inspected: privfwd with inspect_budget = $BUDGET_ALL and a new connection every 16 MiB," \
	"so every byte is inspected. Targets are goals of the issue, never checked here."
echo "bench: $(( $(date +%s) - START )) s"
if [ -n "$BROKEN" ]; then
	echo "bench: broken:$BROKEN"
	exit 1
fi
exit 0
