#!/bin/sh
# Installs what privfw needs from Debian's archive: `deps.sh build` for building and running,
# `deps.sh test` for the test tiers too, `deps.sh bench` adds OpenSnitch, the benchmark's peer. Only missing packages are fetched.
set -eu

build="gcc make pkg-config libnetfilter-queue-dev libmnl-dev libconfig-dev libjansson-dev
	libseccomp-dev libvectorscan-dev zlib1g-dev nettle-dev
	iptables nftables iproute2"
test="$build libcunit1-dev mandoc python3 util-linux procps systemd clang libclang-rt-14-dev
	python3-scapy python3-cryptography valgrind libssl-dev"

bench="$test opensnitch"

case ${1:-build} in
build) want=$build ;;
test) want=$test ;;
bench) want=$bench ;;
*) echo "usage: deps.sh build|test|bench" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
