/* appid: real-world cgroup paths from GNOME, Phosh, KDE, flatpak, snap, dbus-broker and systemd,
 * then malformed ones. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "appid.h"
#include "unit.h"

#define U1000 "/user.slice/user-1000.slice/user@1000.service"

struct shape {
	const char *path;
	enum appid_kind kind;
	const char *want;
};

static const struct shape shapes[] = {
	/* GNOME Shell / Phosh launches */
	{ U1000 "/app.slice/app-gnome-org.gnome.Maps-4242.scope", APPID_APP, "org.gnome.Maps" },
	{ U1000 "/app.slice/app-gnome-firefox\\x2desr-99.scope", APPID_APP, "firefox-esr" },
	{ U1000 "/app.slice/app-gnome-org.gnome.Console-1234.scope", APPID_APP, "org.gnome.Console" },
	{ U1000 "/app.slice/app-gnome-google\\x2dchrome-31337.scope", APPID_APP, "google-chrome" },
	{ U1000 "/app.slice/app-org.gnome.Evince-12345.scope", APPID_APP, "org.gnome.Evince" },
	{ U1000 "/app.slice/app-gnome-org.gnome.Evince@12345.service", APPID_APP, "org.gnome.Evince" },
	{ U1000 "/app.slice/app-org.gnome.Terminal@0a1b2c3d4e5f.service", APPID_APP,
	  "org.gnome.Terminal" },
	/* gnome-terminal's tabs: a non-app scope inside the app's slice */
	{ U1000 "/app.slice/app-org.gnome.Terminal.slice/vte-spawn-0f6c8e2a-4b1d-4e8f-9a7b-1c2d3e4f5a6b.scope",
	  APPID_APP, "org.gnome.Terminal" },
	{ U1000 "/app.slice/app-org.gnome.Terminal.slice/gnome-terminal-server.service", APPID_APP,
	  "org.gnome.Terminal" },
	/* flatpak */
	{ U1000 "/app.slice/app-flatpak-org.mozilla.firefox-1234.scope", APPID_APP, "org.mozilla.firefox" },
	{ U1000 "/app.slice/app-flatpak-com.github.tchx84.Flatseal-5555.scope", APPID_APP,
	  "com.github.tchx84.Flatseal" },
	{ U1000 "/app.slice/app-flatpak-org.telegram.desktop@12345.service", APPID_APP,
	  "org.telegram.desktop" },
	{ U1000 "/app.slice/flatpak-org.gnome.Builder-777.scope", APPID_APP, "org.gnome.Builder" },
	{ U1000 "/app.slice/app-flatpak-io.github.foo-bar-1234.scope", APPID_APP, "io.github.foo-bar" },
	/* KDE */
	{ U1000 "/app.slice/app-org.kde.konsole-1a2b3c4d5e6f.scope", APPID_APP, "org.kde.konsole" },
	{ U1000 "/app.slice/app-org.kde.dolphin@a1b2.service", APPID_APP, "org.kde.dolphin" },
	{ U1000 "/app.slice/app-KDE-org.kde.okular@12345.service", APPID_APP, "org.kde.okular" },
	{ U1000 "/app.slice/app-org.kde.amarok.service", APPID_APP, "org.kde.amarok" },
	{ U1000 "/app.slice/app-org.kde.kdeconnect.daemon@autostart.service", APPID_APP,
	  "org.kde.kdeconnect.daemon" },
	{ U1000 "/app.slice/app-slack-7784.scope", APPID_APP, "slack" },
	{ U1000 "/app.slice/app-gnome-org.gnome.Maps-0f6c8e2a-4b1d-4e8f-9a7b-1c2d3e4f5a6b.scope",
	  APPID_APP, "org.gnome.Maps" },
	/* snap */
	{ U1000 "/app.slice/snap.firefox.firefox-8f0b3a6c-1d2e-4f5a-9b8c-7d6e5f4a3b2c.scope", APPID_APP,
	  "snap.firefox.firefox" },
	{ U1000 "/app.slice/snap.foo.hook.configure-8f0b3a6c-1d2e-4f5a-9b8c-7d6e5f4a3b2c.scope", APPID_APP,
	  "snap.foo.hook.configure" },
	/* dbus-activated apps */
	{ U1000 "/app.slice/app-dbus\\x2d:1.2\\x2dorg.gnome.Calls@0.service", APPID_APP, "org.gnome.Calls" },
	{ U1000 "/app.slice/app-dbus-:1.2-org.gnome.Calls@0.service", APPID_APP, "org.gnome.Calls" },
	{ U1000 "/app.slice/app-dbus\\x2d:1.2\\x2dorg.gnome.Calls.slice/dbus-:1.2-org.gnome.Calls@0.service",
	  APPID_APP, "org.gnome.Calls" },
	{ U1000 "/dbus\\x2d:1.2\\x2dorg.xfce.Xfconf.slice/dbus-:1.2-org.xfce.Xfconf@0.service", APPID_APP,
	  "org.xfce.Xfconf" },
	/* user services outside app.slice: named like apps (see appid.c) */
	{ U1000 "/session.slice/org.gnome.Shell@wayland.service", APPID_APP, "org.gnome.Shell" },
	{ U1000 "/app.slice/gvfs-daemon.service", APPID_APP, "gvfs-daemon" },
	{ U1000 "/session.slice/pipewire.service", APPID_APP, "pipewire" },
	/* sessions and the user manager itself */
	{ "/user.slice/user-1000.slice/session-3.scope", APPID_SESSION, "" },
	{ U1000 "/init.scope", APPID_SESSION, "" },
	{ U1000, APPID_SESSION, "" },
	{ U1000 "/app.slice/vte-spawn-0f6c8e2a-4b1d-4e8f-9a7b-1c2d3e4f5a6b.scope", APPID_SESSION, "" },
	/* system units */
	{ "/system.slice/NetworkManager.service", APPID_SYSTEM, "system:NetworkManager.service" },
	{ "/system.slice/system-getty.slice/getty@tty1.service", APPID_SYSTEM, "system:getty@tty1.service" },
	{ "/system.slice/docker-abc.scope", APPID_SYSTEM, "system:docker-abc.scope" },
	{ "/system.slice/docker-abc.scope/init.scope", APPID_SYSTEM, "system:docker-abc.scope" },
	{ "/system.slice/system-dbus\\x2d:1.2\\x2dorg.freedesktop.problems.slice/dbus-:1.2-org.freedesktop.problems@0.service",
	  APPID_SYSTEM, "system:dbus-:1.2-org.freedesktop.problems@0.service" },
	{ "/system.slice/snap.foo.daemon.service", APPID_SYSTEM, "system:snap.foo.daemon.service" },
	{ "/init.scope", APPID_SYSTEM, "system:init.scope" },
	{ "/machine.slice/machine-qemu\\x2d1.scope", APPID_SYSTEM, "system:machine-qemu\\x2d1.scope" },
	/* the test fixtures of TESTING.md and the ident test */
	{ "/privfw-test.slice/app-gnome-org.example.Leaky-123.scope", APPID_APP, "org.example.Leaky" },
	{ "/privfw-unit-1.slice/app-flatpak-org.example.Ident-1.scope", APPID_APP, "org.example.Ident" },
	/* no unit at all */
	{ "/", APPID_UNKNOWN, "" },
	{ "/process_api/3745757edf5234dd0ab4671d5ca0a2b6", APPID_UNKNOWN, "" },
	{ "/user.slice/user-1000.slice", APPID_UNKNOWN, "" },
	/* sloppy but recoverable */
	{ "//system.slice//NetworkManager.service/", APPID_SYSTEM, "system:NetworkManager.service" },
	{ "system.slice/NetworkManager.service", APPID_SYSTEM, "system:NetworkManager.service" },
	{ U1000 "/app.slice/app-gnome-firefox-esr-99.scope", APPID_APP, "firefox-esr" },
	{ U1000 "/app.slice/app-gnome-bad\\x2-1.scope", APPID_APP, "bad\\x2" },
	/* not apps: empty IDs, spoofing attempts, control characters */
	{ U1000 "/app.slice/app-gnome--1.scope", APPID_SESSION, "" },
	{ U1000 "/app.slice/app-gnome-org.gnome.Maps-.scope", APPID_SESSION, "" },
	{ U1000 "/app.slice/app-gnome-org.gnome.Maps-12;3.scope", APPID_SESSION, "" },
	{ U1000 "/app.slice/app-system:NetworkManager.service-1.scope", APPID_SESSION, "" },
	{ U1000 "/app.slice/app-gnome-exe\\x3a\\x2fusr\\x2fbin\\x2fcurl-1.scope", APPID_SESSION, "" },
	{ U1000 "/app.slice/app-gnome-evil\\x0aline-1.scope", APPID_SESSION, "" },
	{ U1000 "/app.slice/app-gnome-nul\\x00x-1.scope", APPID_SESSION, "" },
	{ U1000 "/app.slice/snap.-1.scope", APPID_SESSION, "" },
	{ "/system.slice/bad\nunit.service", APPID_UNKNOWN, "" },
	{ "/app-gnome--1.scope", APPID_SYSTEM, "system:app-gnome--1.scope" },
};

static void test_shapes(void)
{
	char out[APPID_MAX];
	unsigned bad = 0;

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		enum appid_kind k;

		memset(out, 'X', sizeof(out));
		k = appid_from_cgroup(shapes[i].path, out, sizeof(out));
		if (k != shapes[i].kind || strcmp(out, shapes[i].want) != 0) {
			fprintf(stderr, "\n  %s: got %d \"%s\", want %d \"%s\"", shapes[i].path, k, out,
				shapes[i].kind, shapes[i].want);
			bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_malformed(void)
{
	char out[APPID_MAX], big[8192];

	memset(out, 'X', sizeof(out));
	CU_ASSERT_EQUAL(appid_from_cgroup("", out, sizeof(out)), APPID_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(appid_from_cgroup(NULL, out, sizeof(out)), APPID_UNKNOWN);
	CU_ASSERT_EQUAL(appid_from_cgroup("////", out, sizeof(out)), APPID_UNKNOWN);

	/* Longer than PATH_MAX, and a component longer than NAME_MAX. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_EQUAL(appid_from_cgroup(big, out, sizeof(out)), APPID_UNKNOWN);
	snprintf(big, sizeof(big), "/system.slice/%0300d.service", 1);
	CU_ASSERT_EQUAL(appid_from_cgroup(big, out, sizeof(out)), APPID_UNKNOWN);
	/* 65 levels deep */
	big[0] = '\0';
	for (int i = 0; i < 65; i++)
		strcat(big, "/a");
	strcat(big, "/app-gnome-org.gnome.Maps-1.scope");
	CU_ASSERT_EQUAL(appid_from_cgroup(big, out, sizeof(out)), APPID_UNKNOWN);
	/* 63 levels is fine */
	big[0] = '\0';
	for (int i = 0; i < 63; i++)
		strcat(big, "/a");
	strcat(big, "/app-gnome-org.gnome.Maps-1.scope");
	CU_ASSERT_EQUAL(appid_from_cgroup(big, out, sizeof(out)), APPID_APP);
	CU_ASSERT_STRING_EQUAL(out, "org.gnome.Maps");
}

static void test_truncation(void)
{
	char out[8];

	memset(out, 'X', sizeof(out));
	CU_ASSERT_EQUAL(appid_from_cgroup("/a/app-gnome-org.gnome.Maps-1.scope", out, sizeof(out)), APPID_APP);
	CU_ASSERT_STRING_EQUAL(out, "org.gno");
	CU_ASSERT_EQUAL(appid_from_cgroup("/system.slice/NetworkManager.service", out, sizeof(out)),
			APPID_SYSTEM);
	CU_ASSERT_STRING_EQUAL(out, "system:");
	/* outlen 0: nothing written, kind still reported */
	out[0] = 'Z';
	CU_ASSERT_EQUAL(appid_from_cgroup("/system.slice/a.service", out, 0), APPID_SYSTEM);
	CU_ASSERT_EQUAL(out[0], 'Z');
}

static void test_unescape(void)
{
	char out[16];

	CU_ASSERT_EQUAL(appid_unescape("firefox\\x2desr", 14, out, sizeof(out)), 11);
	CU_ASSERT_STRING_EQUAL(out, "firefox-esr");
	CU_ASSERT_EQUAL(appid_unescape("\\x41\\x5a\\x7e", 12, out, sizeof(out)), 3);
	CU_ASSERT_STRING_EQUAL(out, "AZ~");
	CU_ASSERT_EQUAL(appid_unescape("\\x4A", 4, out, sizeof(out)), 1);
	CU_ASSERT_STRING_EQUAL(out, "J");
	/* invalid escapes are copied verbatim */
	CU_ASSERT_EQUAL(appid_unescape("a\\x2", 4, out, sizeof(out)), 4);
	CU_ASSERT_STRING_EQUAL(out, "a\\x2");
	CU_ASSERT_EQUAL(appid_unescape("\\xzz\\", 5, out, sizeof(out)), 5);
	CU_ASSERT_STRING_EQUAL(out, "\\xzz\\");
	CU_ASSERT_EQUAL(appid_unescape("\\X41", 4, out, sizeof(out)), 4);
	CU_ASSERT_STRING_EQUAL(out, "\\X41");
	/* len bounds the input: an escape cut by len is not decoded */
	CU_ASSERT_EQUAL(appid_unescape("\\x41", 3, out, sizeof(out)), 3);
	CU_ASSERT_STRING_EQUAL(out, "\\x4");
	CU_ASSERT_EQUAL(appid_unescape("", 0, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	/* exactly fits (15 + NUL), one too many, no room at all */
	CU_ASSERT_EQUAL(appid_unescape("0123456789abcde", 15, out, sizeof(out)), 15);
	CU_ASSERT_EQUAL(appid_unescape("0123456789abcdef", 16, out, sizeof(out)), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(appid_unescape("\\x41", 4, out, 1), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(appid_unescape("", 0, out, 0), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(appid_unescape("\\x41", 4, out, 2), 1);
	CU_ASSERT_STRING_EQUAL(out, "A");
}

static const struct unit_case cases[] = {
	{ "real-world shapes", test_shapes },
	{ "malformed paths", test_malformed },
	{ "truncated output", test_truncation },
	{ "unescape", test_unescape },
	{ NULL, NULL },
};

int main(void)
{
	return unit_run("appid", cases);
}
