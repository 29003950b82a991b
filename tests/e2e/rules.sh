#!/bin/sh
# privfw-rules: idempotent install, clean removal, fail mode and loopback options, and the nft
# ruleset accepted by the kernel (with its queue statement swapped for a counter where the
# kernel has no nft queue expression, as on this kind of machine).
#
#   usage: rules.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/e2e/lib.sh"

require_root_netns
NS=pfrules$$
trap 'ip netns del "$NS" 2>/dev/null' EXIT
ip netns add "$NS"
R="nsenter --net=/run/netns/$NS $TOP/scripts/privfw-rules"
in_ns() { nsenter --net=/run/netns/"$NS" "$@"; }

check "install" $R --backend iptables --queue 5 install
check "install again (idempotent)" $R --backend iptables --queue 5 install
expect "one jump from OUTPUT after two installs" 1 "$(in_ns iptables-nft -S OUTPUT | grep -c -- '-j PRIVFW')"
check "IPv6 chain too" in_ns ip6tables-nft -C OUTPUT -j PRIVFW
check "fail closed: no bypass" sh -c "! $R --backend iptables --queue 5 print | grep -q queue-bypass"
check "fail open: bypass" sh -c "$R --backend iptables --queue 5 --fail-open print | grep -q queue-bypass"
check "loopback not queued by default" sh -c "$R --backend iptables print | grep -q -- '-o lo -j RETURN'"
check "loopback queued on request" sh -c "! $R --backend iptables --queue-loopback print | grep -q -- '-o lo'"
check "settings from privfw.conf through privfwd" sh -c \
	"printf 'queue = 42;\nqueues = 1;\nfail_mode = \"open\";\n' > /tmp/privfw-rules-$$.conf &&
	 PRIVFWD=$B/privfwd $R -c /tmp/privfw-rules-$$.conf print | grep -q 'queue-num 42 --queue-bypass'"
check "queues from privfw.conf: balanced over a range" sh -c \
	"printf 'queue = 42;\nqueues = 3;\n' > /tmp/privfw-rules-$$.conf &&
	 PRIVFWD=$B/privfwd $R -c /tmp/privfw-rules-$$.conf print | grep -q 'NFQUEUE --queue-balance 42:44$'"
check "queues on the command line, nft" sh -c "$R --backend nft --queue 5 --queues 4 print | grep -q 'queue num 5-8$'"
check "payload-free ACKs stay in the kernel (xt_bpf), before the queue" sh -c \
	"$R --backend iptables print | grep -A3 -- '--tcp-flags SYN,FIN,RST NONE -m bpf' | grep -q NFQUEUE"
check "payload-free FINs and RSTs go on, copied to privfwd's nflog group" sh -c \
	"$R --backend iptables --queue 5 print | grep -A1 -- '--tcp-flags SYN NONE -m bpf .* -j NFLOG --nflog-group 5 ' |
	 grep -q -- '--tcp-flags SYN NONE -m bpf .* -j RETURN'"
check "one queue: no balance" sh -c "$R --backend iptables --queues 1 print | grep -q 'NFQUEUE --queue-num 0$'"
check "a range past 65535 is refused" sh -c "! $R --queue 65535 --queues 2 print 2>/dev/null"
rm -f /tmp/privfw-rules-$$.conf
check "remove" $R remove
check "nothing of privfw left" sh -c \
	"! nsenter --net=/run/netns/$NS iptables-nft -S 2>/dev/null | grep -q PRIVFW"
check "remove again is harmless" $R remove
# The nft ruleset must load; without the nft queue expression, with a counter in its place.
check "probe names the backend and the kernel's matches" sh -c \
	"$R probe | grep -q '^backend=' && $R probe | grep -q '^payload_free_acks=' &&
	 $R probe | grep -q '^payload_free_ends=' && $R probe | grep -q '^safe_mode_apps='"
if $R probe | grep -qx backend=nft; then
	check "nft ruleset installs" $R --backend nft install
else
	check "nft ruleset (queue swapped for a counter) is accepted" sh -c \
		"$R --backend nft print | sed 's/queue num [0-9-]*\( bypass\)\{0,1\}/counter/' | \
		 nsenter --net=/run/netns/$NS nft -f -"
	check "nft table present" in_ns nft list table inet privfw
fi
check "remove clears the nft table" sh -c "$R remove && ! nsenter --net=/run/netns/$NS nft list table inet privfw 2>/dev/null"
finish
