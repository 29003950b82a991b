/* appid: cgroup path -> app ID, the name the user sees in the app grid. Pure. */
#ifndef PRIVFW_APPID_H
#define PRIVFW_APPID_H

#include <stddef.h>

#define APPID_MAX 256

enum appid_kind {
	APPID_APP,     /* a desktop/flatpak/snap app: out = "org.gnome.Maps" */
	APPID_SYSTEM,  /* a system unit: out = "system:<unit>" */
	APPID_SESSION, /* a login session or user manager: caller falls back to exe, then uid */
	APPID_UNKNOWN, /* no recognisable unit (root cgroup, custom paths) */
};

/* Maps a cgroup v2 path relative to the mount ("/user.slice/.../app-gnome-org.gnome.Maps-1234.scope")
 * to an app ID written to out (NUL-terminated, truncated to outlen). Unescapes systemd's \xNN.
 * Recognises app-gnome-ID-PID.scope, app-flatpak-ID-PID.scope, app-<launcher>-ID-PID.scope,
 * app-ID@UUID.service, app-ID-UUID.scope, snap.SNAP.APP-UUID.scope (-> "snap.SNAP.APP"),
 * flatpak-ID-PID.scope, and system units under system.slice. Never fails; out is "" for
 * APPID_SESSION and APPID_UNKNOWN. */
enum appid_kind appid_from_cgroup(const char *path, char *out, size_t outlen);

/* Unescapes systemd unit-name escapes (\xNN) from in[0..len) into out. Returns bytes written
 * (excluding NUL), or -ENAMETOOLONG. Invalid escapes are copied verbatim. */
int appid_unescape(const char *in, size_t len, char *out, size_t outlen);

#endif
