#!/bin/sh
# Creates the privfw system user and group (the group grants control over privfwd).
set -eu
getent group privfw >/dev/null || groupadd --system privfw
getent passwd privfw >/dev/null ||
	useradd --system --gid privfw --home-dir /var/lib/privfw --no-create-home \
		--shell /usr/sbin/nologin privfw
