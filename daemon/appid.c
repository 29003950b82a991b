/* appid: cgroup path -> app ID. Pure: no I/O, no allocation, no globals.
 *
 * Unit names follow systemd's "Desktop Environment Integration" conventions:
 *   app[-<launcher>]-<ID>-<RANDOM>.scope    app[-<launcher>]-<ID>[@<RANDOM>].service
 *   app-<ID>.slice (a launcher's per-app slice, e.g. gnome-terminal's vte-spawn scopes live in it)
 * plus dbus-broker's activated services (dbus-:1.2-<ID>@0.service, whose template slice is
 * app-dbus\x2d:1.2\x2d<ID>.slice), snapd's snap.<snap>.<app>-<uuid>.scope and flatpak's old
 * flatpak-<ID>-<pid>.scope. A '-' inside an ID is escaped as \x2d; raw dashes separate fields.
 *
 * Decisions:
 * - The innermost app unit on the path wins; subdirectories below it belong to it.
 * - Under system.slice, machine.slice and /init.scope no app patterns apply: the outermost unit
 *   is the system unit (what follows is its delegated subtree) -> "system:<unit>", as escaped
 *   (the name systemctl shows).
 * - A user-manager service that is not an app (session.slice/org.gnome.Shell@wayland.service,
 *   app.slice/gvfs-daemon.service) is APPID_APP named by its unit minus ".service" and minus
 *   "@instance" ("org.gnome.Shell"): the enum has no user-service kind, and the user's policy
 *   names it like an app. Other scopes of the user manager (init.scope, vte-spawn-*.scope) and
 *   login sessions are APPID_SESSION.
 * - An app ID never contains ':', '/' or control characters, so no unit name can pose as the
 *   "system:", "exe:" or "uid:" names ident builds.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "ascii.h"
#include "appid.h"

#define CG_PATH_MAX  4096  /* PATH_MAX: a longer string is not a cgroup path */
#define CG_NAME_MAX  255   /* NAME_MAX of a cgroup directory */
#define CG_DEPTH_MAX 64    /* deeper paths are not systemd's; refuse rather than guess */
#define UUID_LEN     36    /* 8-4-4-4-12 */

struct span {
	const char *p;
	size_t len;
};

static bool span_eq(struct span s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static bool span_prefix(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len >= n && memcmp(s.p, lit, n) == 0;
}

/* Strips suffix lit from s when present and something remains. */
static bool span_strip(struct span *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s->len <= n || memcmp(s->p + s->len - n, lit, n) != 0)
		return false;
	s->len -= n;
	return true;
}

static struct span span_from(struct span s, size_t off)
{
	return (struct span){ s.p + off, s.len - off };
}



int appid_unescape(const char *in, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;
	int hi, lo;
	char c;

	if (outlen == 0)
		return -ENAMETOOLONG;
	while (i < len) {
		c = in[i];
		if (c == '\\' && len - i >= 4 && in[i + 1] == 'x' &&
		    (hi = hexval(in[i + 2])) >= 0 && (lo = hexval(in[i + 3])) >= 0) {
			c = (char)(hi << 4 | lo);
			i += 4;
		} else {
			i++;
		}
		if (o + 1 >= outlen || o >= INT_MAX)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

/* Unescapes an app ID into out and checks that it is one. */
static bool id_put(struct span s, char *out, size_t outlen)
{
	int n = appid_unescape(s.p, s.len, out, outlen);

	if (n <= 0)
		return false;
	for (int i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c == 0x7f || c == ':' || c == '/')
			return false;
	}
	return true;
}

/* Index of the first raw '-' in s, or s.len. */
static size_t dash(struct span s)
{
	const char *d = memchr(s.p, '-', s.len);

	return d ? (size_t)(d - s.p) : s.len;
}

/* dbus-broker names activated units after the bus's unique name: "dbus-:1.2-<ID>", escaped
 * ("dbus\x2d:1.2\x2d<ID>") when it is part of a larger unit name. Sets *id to <ID>. */
static bool dbus_strip(struct span s, struct span *id)
{
	size_t i;

	if (span_prefix(s, "dbus-:"))
		i = 6;
	else if (span_prefix(s, "dbus\\x2d:"))
		i = 9;
	else
		return false;
	for (; i < s.len; i++) {
		if (s.p[i] == '-') {
			*id = span_from(s, i + 1);
			return true;
		}
		if (s.len - i >= 4 && memcmp(s.p + i, "\\x2d", 4) == 0) {
			*id = span_from(s, i + 4);
			return true;
		}
	}
	*id = span_from(s, s.len);
	return true;
}

/* "[<launcher>-]<ID>": the launcher never contains a raw dash; a sloppy launcher that left
 * dashes in the ID unescaped still gets the whole rest. */
static bool launcher_id(struct span q, char *out, size_t outlen)
{
	struct span id;
	size_t d;

	if (!dbus_strip(q, &id)) {
		d = dash(q);
		id = d < q.len ? span_from(q, d + 1) : q;
	}
	return id_put(id, out, outlen);
}

static bool is_uuid(const char *p)
{
	for (int i = 0; i < UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (p[i] != '-')
				return false;
		} else if (hexval(p[i]) < 0) {
			return false;
		}
	}
	return true;
}

/* Drops the trailing -<RANDOM> of a scope (a pid, hex, or a dashed UUID). */
static bool drop_random(struct span s, struct span *q)
{
	const char *d;
	size_t i;

	if (s.len > UUID_LEN + 1 && s.p[s.len - UUID_LEN - 1] == '-' && is_uuid(s.p + s.len - UUID_LEN)) {
		*q = (struct span){ s.p, s.len - UUID_LEN - 1 };
		return true;
	}
	d = memrchr(s.p, '-', s.len);
	if (!d || d == s.p || (size_t)(d - s.p) + 1 == s.len)
		return false;
	for (i = (size_t)(d - s.p) + 1; i < s.len; i++)
		if (!is_alnum(s.p[i]))
			return false;
	*q = (struct span){ s.p, (size_t)(d - s.p) };
	return true;
}

/* Everything before the first '@' (the instance of a template unit). */
static struct span before_at(struct span s)
{
	const char *a = memchr(s.p, '@', s.len);

	return a ? (struct span){ s.p, (size_t)(a - s.p) } : s;
}

/* Is this one cgroup directory an app's unit? Writes the unescaped ID to out. */
static bool app_unit(struct span c, char *out, size_t outlen)
{
	struct span s = c, q;
	const char *d;

	if (span_strip(&s, ".scope")) {
		if (span_prefix(s, "app-"))
			return drop_random(span_from(s, 4), &q) && launcher_id(q, out, outlen);
		if (span_prefix(s, "flatpak-"))
			return drop_random(span_from(s, 8), &q) && id_put(q, out, outlen);
		/* snap.<snap>.<app>-<uuid>: the security tag names the app. */
		if (span_prefix(s, "snap.") && dash(s) > 5 && dash(s) + 1 < s.len)
			return id_put((struct span){ s.p, dash(s) }, out, outlen);
		return false;
	}
	if (span_strip(&s, ".service")) {
		if (span_prefix(s, "app-"))
			return launcher_id(before_at(span_from(s, 4)), out, outlen);
		if (span_prefix(s, "dbus-:") && dbus_strip(before_at(s), &q))
			return id_put(q, out, outlen);
		return false;
	}
	if (span_strip(&s, ".slice") && span_prefix(s, "app-")) {
		/* A slice's own name follows its last raw dash (app-a-b.slice is inside app-a.slice). */
		d = memrchr(s.p, '-', s.len);
		q = span_from(s, (size_t)(d - s.p) + 1);
		(void)dbus_strip(q, &q);
		return id_put(q, out, outlen);
	}
	return false;
}

static bool is_unit(struct span c)
{
	struct span s = c;

	return span_strip(&s, ".service") || span_strip(&s, ".scope");
}

static bool printable(struct span s)
{
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f)
			return false;
	return true;
}

/* Writes prefix then s[0..slen) into out, truncated to outlen. */
static void put(char *out, size_t outlen, const char *prefix, const char *s, size_t slen)
{
	size_t plen = strlen(prefix);

	if (outlen == 0)
		return;
	if (plen > outlen - 1)
		plen = outlen - 1;
	memcpy(out, prefix, plen);
	if (slen > outlen - 1 - plen)
		slen = outlen - 1 - plen;
	memcpy(out + plen, s, slen);
	out[plen + slen] = '\0';
}

enum appid_kind appid_from_cgroup(const char *path, char *out, size_t outlen)
{
	struct span c[CG_DEPTH_MAX], s;
	char id[CG_NAME_MAX + 1];
	size_t n = 0, len, i, start, outer, inner;
	bool system;

	if (outlen)
		out[0] = '\0';
	if (!path)
		return APPID_UNKNOWN;
	len = strnlen(path, CG_PATH_MAX + 1);
	if (len == 0 || len > CG_PATH_MAX)
		return APPID_UNKNOWN;
	/* Split on '/', ignoring empty components (leading, doubled, trailing slashes). */
	i = 0;
	while (i < len) {
		if (path[i] == '/') {
			i++;
			continue;
		}
		if (n == CG_DEPTH_MAX)
			return APPID_UNKNOWN;
		start = i;
		while (i < len && path[i] != '/')
			i++;
		if (i - start > CG_NAME_MAX)
			return APPID_UNKNOWN;
		c[n++] = (struct span){ path + start, i - start };
	}
	if (n == 0)
		return APPID_UNKNOWN;

	system = span_eq(c[0], "system.slice") || span_eq(c[0], "machine.slice") ||
		 span_eq(c[0], "init.scope");
	if (!system) {
		for (i = n; i-- > 0;) {
			if (app_unit(c[i], id, sizeof(id))) {
				put(out, outlen, "", id, strlen(id));
				return APPID_APP;
			}
		}
	}
	for (outer = 0; outer < n && !is_unit(c[outer]); outer++)
		;
	if (outer == n)
		return APPID_UNKNOWN;
	if (!system && span_prefix(c[outer], "user@")) {
		for (inner = outer + 1; inner < n && !is_unit(c[inner]); inner++)
			;
		if (inner == n)
			return APPID_SESSION;
		s = c[inner];
		if (span_strip(&s, ".service") && id_put(before_at(s), id, sizeof(id))) {
			put(out, outlen, "", id, strlen(id));
			return APPID_APP;
		}
		return APPID_SESSION;
	}
	if (!system && span_eq(c[0], "user.slice"))
		return APPID_SESSION;
	if (!printable(c[outer]))
		return APPID_UNKNOWN;
	put(out, outlen, "system:", c[outer].p, c[outer].len);
	return APPID_SYSTEM;
}
