#!/bin/sh
# Sets up and runs the firewall from this tree, in the foreground: installs build dependencies,
# builds, puts the rules in place, runs privfwd with the shipped config and default policy.
# Ctrl-C stops privfwd and takes the rules away again.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (sudo make run)" >&2; exit 1; }
scripts/deps.sh build
make -s
scripts/privfw-user.sh

conf=$(mktemp -d /tmp/privfw-run.XXXXXX)
sed -e "s|^default_policy = .*|default_policy = \"$PWD/policy/policy.conf\";|" \
	policy/privfw.conf > "$conf/privfw.conf"
export PRIVFWD="$PWD/build/privfwd"
"$PRIVFWD" --check "$conf/privfw.conf"

cleanup() {
	scripts/privfw-rules remove
	rm -rf "$conf"
	echo "run.sh: rules removed" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM
scripts/privfw-rules -c "$conf/privfw.conf" install
echo "run.sh: privfwd running; try 'build/privfwctl apps' in another terminal; Ctrl-C stops" >&2
# Not exec: the trap must take the rules away when privfwd ends.
"$PRIVFWD" -c "$conf/privfw.conf" -d || true
