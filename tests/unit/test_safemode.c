/* safemode: the walk over a fake cgroup tree built in a temporary directory — which paths are
 * printed, that matches are not descended into, that files and symlinks are skipped, and the
 * depth bound. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safemode.h"
#include "unit.h"

#define U1000 "user.slice/user-1000.slice/user@1000.service"

static char root[] = "/tmp/privfw-unit-safemode.XXXXXX";

/* mkdir -p root/rel */
static int mkdirs(const char *rel)
{
	char p[4096];
	size_t n;

	n = (size_t)snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (n >= sizeof(p))
		return -1;
	for (char *s = p + strlen(root) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int touch(const char *rel)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	return f && fclose(f) == 0 ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		(void)remove(path);
	return 0;
}

/* Empties the fake tree between cases. */
static void clear_tree(void)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the walk over root and returns its output with the lines sorted (readdir's order is the
 * file system's), in buf. */
static int walk_sorted(const char *const *allow, size_t n, char *buf, size_t buflen)
{
	char *mem = NULL, *lines[64], *save = NULL, *l;
	size_t len = 0, nl = 0, o = 0;
	FILE *f = open_memstream(&mem, &len);
	int r;

	if (!f)
		return -ENOMEM;
	r = safemode_cgroups(root, allow, n, f);
	fclose(f);
	for (l = strtok_r(mem, "\n", &save); l && nl < 64; l = strtok_r(NULL, "\n", &save))
		lines[nl++] = l;
	qsort(lines, nl, sizeof(lines[0]), cmp_str);
	buf[0] = '\0';
	for (size_t i = 0; i < nl; i++)
		o += (size_t)snprintf(buf + o, o < buflen ? buflen - o : 0, "%s\n", lines[i]);
	free(mem);
	return r;
}

static void test_matches(void)
{
	static const char *const allow[] = { "org.gnome.Calls", "system:ModemManager.service" };
	char out[4096];

	clear_tree();
	CU_ASSERT_EQUAL_FATAL(mkdirs(U1000 "/app.slice/app-gnome-org.gnome.Calls-77.scope"), 0);
	/* a child of a match: covered by its parent's rule, not listed */
	CU_ASSERT_EQUAL(mkdirs(U1000 "/app.slice/app-gnome-org.gnome.Calls-77.scope/sub"), 0);
	CU_ASSERT_EQUAL(mkdirs(U1000 "/app.slice/app-flatpak-org.gnome.Calls-79.scope"), 0);
	CU_ASSERT_EQUAL(mkdirs(U1000 "/app.slice/app-gnome-org.gnome.Maps-78.scope"), 0);
	CU_ASSERT_EQUAL(mkdirs(U1000 "/app.slice/app-gnome-org.gnome.Calls2-80.scope"), 0);
	CU_ASSERT_EQUAL(mkdirs(U1000 "/session.slice/org.gnome.Shell@phosh.service"), 0);
	CU_ASSERT_EQUAL(mkdirs("user.slice/user-1000.slice/session-2.scope"), 0);
	CU_ASSERT_EQUAL(mkdirs("system.slice/ModemManager.service"), 0);
	CU_ASSERT_EQUAL(mkdirs("system.slice/NetworkManager.service"), 0);
	CU_ASSERT_EQUAL(mkdirs("system.slice/system-getty.slice/getty@tty1.service"), 0);
	CU_ASSERT_EQUAL(mkdirs("init.scope"), 0);
	/* files and symlinks with matching names are not cgroups to list or follow */
	CU_ASSERT_EQUAL(touch("system.slice/app-gnome-org.gnome.Calls-5.scope"), 0);
	CU_ASSERT_EQUAL(mkdirs("elsewhere/app-gnome-org.gnome.Calls-6.scope"), 0);
	CU_ASSERT_EQUAL(mkdirs("links"), 0);
	{
		char p[4096];

		snprintf(p, sizeof(p), "%s/links/app-gnome-org.gnome.Calls-7.scope", root);
		CU_ASSERT_EQUAL(symlink("../elsewhere/app-gnome-org.gnome.Calls-6.scope", p), 0);
		snprintf(p, sizeof(p), "%s/links/loop", root);
		CU_ASSERT_EQUAL(symlink("..", p), 0);
	}

	CU_ASSERT_EQUAL(walk_sorted(allow, 2, out, sizeof(out)), 4);
	CU_ASSERT_STRING_EQUAL(out,
		"/elsewhere/app-gnome-org.gnome.Calls-6.scope\n"
		"/system.slice/ModemManager.service\n"
		"/" U1000 "/app.slice/app-flatpak-org.gnome.Calls-79.scope\n"
		"/" U1000 "/app.slice/app-gnome-org.gnome.Calls-77.scope\n");

	/* only the system unit */
	CU_ASSERT_EQUAL(walk_sorted(allow + 1, 1, out, sizeof(out)), 1);
	CU_ASSERT_STRING_EQUAL(out, "/system.slice/ModemManager.service\n");
}

/* A matching unit is listed and not descended into; parents are listed only when they match. */
static void test_parents(void)
{
	static const char *const allow[] = { "system:docker-abc.scope", "firefox-esr" };
	char out[4096];

	clear_tree();
	CU_ASSERT_EQUAL_FATAL(mkdirs("system.slice/docker-abc.scope/init.scope"), 0);
	CU_ASSERT_EQUAL(mkdirs("system.slice/docker-abc.scope/payload.scope"), 0);
	/* systemd's escapes stay escaped: the path is what the kernel knows */
	CU_ASSERT_EQUAL(mkdirs(U1000 "/app.slice/app-gnome-firefox\\x2desr-99.scope"), 0);
	CU_ASSERT_EQUAL(walk_sorted(allow, 2, out, sizeof(out)), 2);
	CU_ASSERT_STRING_EQUAL(out,
		"/system.slice/docker-abc.scope\n"
		"/" U1000 "/app.slice/app-gnome-firefox\\x2desr-99.scope\n");
}

/* A path with a control character could not be written one per line: skipped. */
static void test_unprintable(void)
{
	static const char *const allow[] = { "org.gnome.Calls" };
	char out[4096];

	clear_tree();
	CU_ASSERT_EQUAL_FATAL(mkdirs("bad\ndir.slice/app-gnome-org.gnome.Calls-3.scope"), 0);
	CU_ASSERT_EQUAL(mkdirs("good dir.slice/app-gnome-org.gnome.Calls-4.scope"), 0);
	CU_ASSERT_EQUAL(walk_sorted(allow, 1, out, sizeof(out)), 1);
	CU_ASSERT_STRING_EQUAL(out, "/good dir.slice/app-gnome-org.gnome.Calls-4.scope\n");
}

static void test_empty_and_errors(void)
{
	static const char *const allow[] = { "org.gnome.Calls" };
	char out[4096];
	FILE *ro;

	clear_tree();
	CU_ASSERT_EQUAL_FATAL(mkdirs(U1000 "/app.slice/app-gnome-org.gnome.Calls-77.scope"), 0);
	CU_ASSERT_EQUAL(walk_sorted(allow, 0, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(walk_sorted(NULL, 0, out, sizeof(out)), 0);
	/* no match at all */
	{
		static const char *const other[] = { "org.gnome.Maps", "system:org.gnome.Calls" };

		CU_ASSERT_EQUAL(walk_sorted(other, 2, out, sizeof(out)), 0);
		CU_ASSERT_STRING_EQUAL(out, "");
	}
	CU_ASSERT_EQUAL(safemode_cgroups("/nonexistent/privfw-unit", allow, 1, stdout), -ENOENT);
	{
		char p[4096];

		snprintf(p, sizeof(p), "%s/file", root);
		CU_ASSERT_EQUAL(touch("file"), 0);
		CU_ASSERT_EQUAL(safemode_cgroups(p, allow, 1, stdout), -ENOTDIR);
		unlink(p);
	}
	/* an output that cannot be written is an error, not a short list */
	ro = fopen("/dev/null", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ro);
	CU_ASSERT_EQUAL(safemode_cgroups(root, allow, 1, ro), -EIO);
	fclose(ro);
}

/* 16 levels below the root are looked at, the 17th is not. */
static void test_depth_bound(void)
{
	static const char *const allow[] = { "org.example.Sixteen", "org.example.Seventeen",
					     "org.example.Two" };
	char rel[1024], out[4096], want[2048];
	size_t o = 0;

	clear_tree();
	for (int i = 1; i <= 15; i++)
		o += (size_t)snprintf(rel + o, sizeof(rel) - o, "d%d.slice/", i);
	snprintf(rel + o, sizeof(rel) - o, "app-gnome-org.example.Sixteen-1.scope");
	CU_ASSERT_EQUAL_FATAL(mkdirs(rel), 0);
	snprintf(rel + o, sizeof(rel) - o, "d16.slice/app-gnome-org.example.Seventeen-1.scope");
	CU_ASSERT_EQUAL_FATAL(mkdirs(rel), 0);
	/* a deeper chain still, which the walk must not enter */
	snprintf(rel + o, sizeof(rel) - o, "d16.slice/d17.slice/d18.slice/d19.slice/d20.slice/"
		 "app-gnome-org.example.Seventeen-2.scope");
	CU_ASSERT_EQUAL_FATAL(mkdirs(rel), 0);
	CU_ASSERT_EQUAL(mkdirs("a.slice/app-gnome-org.example.Two-1.scope"), 0);

	CU_ASSERT_EQUAL(walk_sorted(allow, 3, out, sizeof(out)), 2);
	snprintf(rel + o, sizeof(rel) - o, "app-gnome-org.example.Sixteen-1.scope\n");
	snprintf(want, sizeof(want), "/a.slice/app-gnome-org.example.Two-1.scope\n/%s", rel);
	CU_ASSERT_STRING_EQUAL(out, want);
}

static const struct unit_case cases[] = {
	{ "apps and system units on the allow list", test_matches },
	{ "matches are not descended into", test_parents },
	{ "paths with control characters are skipped", test_unprintable },
	{ "empty list, missing root, output error", test_empty_and_errors },
	{ "depth bound", test_depth_bound },
	{ NULL, NULL },
};

int main(void)
{
	int r;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 2;
	}
	r = unit_run("safemode", cases);
	clear_tree();
	rmdir(root);
	return r;
}
