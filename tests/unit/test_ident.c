/* ident, sockdiag and cgroup against the real kernel: loopback sockets, the cgroup2 mount, and
 * this process moved into fake app cgroups. Needs root and a cgroup2 mount for the cgroup
 * cases; without them those cases print SKIP and pass. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appid.h"
#include "cgroup.h"
#include "ident.h"
#include "pkt.h"
#include "sockdiag.h"
#include "unit.h"

static char cg_root[1024];   /* cgroup2 mount, "" when missing */
static char cg_self[1024];   /* this process's cgroup relative to it ("/" here) */
static char tmpdir[] = "/tmp/privfw-unit-ident.XXXXXX";

/* ---- helpers ---- */

static bool can_cgroup(const char *what)
{
	if (geteuid() != 0 || !cg_root[0]) {
		printf("SKIP: %s (needs root and a cgroup2 mount) ", what);
		return false;
	}
	return true;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		r = -errno;
	close(fd);
	return r;
}

/* Moves this process into the cgroup root + rel. */
static int move_self(const char *rel)
{
	char path[8192], pid[32];

	snprintf(path, sizeof(path), "%s%s/cgroup.procs", cg_root, strcmp(rel, "/") ? rel : "");
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	return write_file(path, pid);
}

static uint64_t ino_of(const char *root, const char *rel)
{
	char path[8192];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static uint32_t sock_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static void addr_put(const struct sockaddr_storage *ss, uint8_t *addr, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		memcpy(addr, &a->sin_addr, 4);
		*port = ntohs(a->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const void *)ss;

		memcpy(addr, &a->sin6_addr, 16);
		*port = ntohs(a->sin6_port);
	}
}

/* The outbound packet fd would send to remote (its peer when remote is NULL). */
static void pkt_of(struct pkt *p, int fd, int proto, const struct sockaddr_storage *remote)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);

	memset(p, 0, sizeof(*p));
	getsockname(fd, (struct sockaddr *)&l, &ll);
	if (remote)
		r = *remote;
	else
		getpeername(fd, (struct sockaddr *)&r, &rl);
	p->family = (uint8_t)l.ss_family;
	p->proto = (uint8_t)proto;
	addr_put(&l, p->src, &p->sport);
	addr_put(&r, p->dst, &p->dport);
}

static socklen_t loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(struct sockaddr_in);
	}
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

/* A connected TCP pair over loopback: *cli and *srv, and the listener *lis. */
static int tcp_pair(int family, int *lis, int *cli, int *srv, bool defer)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, &ss);
	int one = 1;

	*lis = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	*cli = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	*srv = -1;
	if (*lis < 0 || *cli < 0)
		return -1;
	if (defer)
		setsockopt(*lis, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one));
	if (bind(*lis, (struct sockaddr *)&ss, len) < 0 || listen(*lis, 8) < 0)
		return -1;
	len = sizeof(ss);
	getsockname(*lis, (struct sockaddr *)&ss, &len);
	if (connect(*cli, (struct sockaddr *)&ss, len) < 0)
		return -1;
	if (!defer)
		*srv = accept4(*lis, NULL, NULL, SOCK_CLOEXEC);
	return defer || *srv >= 0 ? 0 : -1;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* ---- cgroup_find_mount ---- */

static int mountinfo(const char *text, char *out, size_t outlen)
{
	char path[sizeof(tmpdir) + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/mountinfo", tmpdir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	return cgroup_find_mount(path, out, outlen);
}

static void test_find_mount(void)
{
	char out[256];

	/* this machine: hybrid layout */
	CU_ASSERT_EQUAL(mountinfo("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
				  "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
				  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
				  out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/sys/fs/cgroup/unified");
	/* phones: unified layout, with optional fields before the separator */
	CU_ASSERT_EQUAL(mountinfo("22 1 179:2 / / rw,relatime shared:1 - ext4 /dev/mmcblk0p2 rw\n"
				  "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - "
				  "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/sys/fs/cgroup");
	/* octal escapes in the mount point */
	CU_ASSERT_EQUAL(mountinfo("50 1 0:40 / /mnt/my\\040cg\\134x rw - cgroup2 none rw\n", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/mnt/my cg\\x");
	/* "cgroup2" as the source of a v1 mount, or as a mount point, is not a cgroup2 mount */
	CU_ASSERT_EQUAL(mountinfo("40 31 0:37 / /cgroup2 rw - cgroup cgroup2 rw,name=systemd\n", out, sizeof(out)),
			-ENOENT);
	CU_ASSERT_EQUAL(mountinfo("41 31 0:38 / /x rw shared:1 cgroup2\n", out, sizeof(out)), -ENOENT);
	CU_ASSERT_EQUAL(mountinfo("", out, sizeof(out)), -ENOENT);
	CU_ASSERT_EQUAL(mountinfo("garbage\n\n- cgroup2\n", out, sizeof(out)), -ENOENT);
	/* too small for the answer */
	CU_ASSERT_EQUAL(mountinfo("41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", out, 8),
			-ENAMETOOLONG);
	CU_ASSERT_EQUAL(cgroup_find_mount("/nonexistent/mountinfo", out, sizeof(out)), -ENOENT);
}

/* ---- cgroup_map ---- */

static void test_cgroup_map(void)
{
	char slice[2048], scope[2048], rel[512], out[4096];
	struct cgroup_map *m;
	uint64_t ino;

	errno = 0;
	CU_ASSERT_PTR_NULL(cgroup_map_new("/nonexistent/cgroup"));
	CU_ASSERT_EQUAL(errno, ENOENT);
	cgroup_map_free(NULL);
	if (!can_cgroup("cgroup_map on the real mount"))
		return;

	snprintf(rel, sizeof(rel), "/privfw-unit-%d.slice/app-gnome-org.example.Unit-%d.scope",
		 (int)getpid(), (int)getpid());
	snprintf(slice, sizeof(slice), "%s/privfw-unit-%d.slice", cg_root, (int)getpid());
	snprintf(scope, sizeof(scope), "%s%s", cg_root, rel);
	CU_ASSERT_EQUAL(mkdir(slice, 0755), 0);
	CU_ASSERT_EQUAL(mkdir(scope, 0755), 0);
	ino = ino_of(cg_root, rel);
	CU_ASSERT_NOT_EQUAL(ino, 0);

	m = cgroup_map_new(cg_root);
	CU_ASSERT_PTR_NOT_NULL(m);
	if (m) {
		CU_ASSERT_STRING_EQUAL(cgroup_map_root(m), cg_root);
		CU_ASSERT_EQUAL(cgroup_map_path(m, ino, out, sizeof(out)), 0);
		CU_ASSERT_STRING_EQUAL(out, rel);
		CU_ASSERT_EQUAL(cgroup_map_path(m, ino_of(cg_root, ""), out, sizeof(out)), 0);
		CU_ASSERT_STRING_EQUAL(out, "/");
		CU_ASSERT_EQUAL(cgroup_map_path(m, ino, out, 10), -ENAMETOOLONG);
		CU_ASSERT_EQUAL(cgroup_map_path(m, UINT64_MAX - 7, out, sizeof(out)), -ENOENT);
		/* Gone from the tree but still cached: the cache answered, not a rescan. */
		rmdir(scope);
		memset(out, 0, sizeof(out));
		CU_ASSERT_EQUAL(cgroup_map_path(m, ino, out, sizeof(out)), 0);
		CU_ASSERT_STRING_EQUAL(out, rel);
		cgroup_map_free(m);
	}
	rmdir(scope);
	CU_ASSERT_EQUAL(rmdir(slice), 0);
}

/* ---- sockdiag ---- */

static void expect_sock(struct sockdiag *sd, const struct pkt *p, int fd, const char *what)
{
	struct sockdiag_info si;
	int r;

	memset(&si, 0xff, sizeof(si));
	r = sockdiag_lookup(sd, p, &si);
	if (r != 0 || si.inode != sock_ino(fd))
		fprintf(stderr, "\n  %s: r=%d inode=%u want %u", what, r, si.inode, sock_ino(fd));
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(si.inode, sock_ino(fd));
	CU_ASSERT_EQUAL(si.uid, geteuid());
	if (cg_root[0])
		CU_ASSERT_EQUAL(si.cgroup_id, ino_of(cg_root, strcmp(cg_self, "/") ? cg_self : ""));
}

static bool have_ipv6(void)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(AF_INET6, &ss);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void test_sockdiag_tcp(void)
{
	struct sockdiag *sd = sockdiag_open();
	int fds[3], families[] = { AF_INET, AF_INET6 };
	struct pkt p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sd);
	for (size_t i = 0; i < 2; i++) {
		if (families[i] == AF_INET6 && !have_ipv6()) {
			printf("SKIP: no ::1 ");
			continue;
		}
		CU_ASSERT_EQUAL(tcp_pair(families[i], &fds[0], &fds[1], &fds[2], false), 0);
		pkt_of(&p, fds[1], IPPROTO_TCP, NULL);
		expect_sock(sd, &p, fds[1], "tcp client");
		pkt_of(&p, fds[2], IPPROTO_TCP, NULL);
		expect_sock(sd, &p, fds[2], "tcp accepted");
		close_all(fds, 3);
	}
	sockdiag_close(sd);
}

/* A SYN-ACK leaves from a request socket, which has no owner: the listener answers for it.
 * TCP_DEFER_ACCEPT keeps the request socket after the handshake. */
static void test_sockdiag_syn_recv(void)
{
	struct sockdiag *sd = sockdiag_open();
	struct sockaddr_storage cli;
	socklen_t len = sizeof(cli);
	int fds[3];
	struct pkt p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sd);
	CU_ASSERT_EQUAL(tcp_pair(AF_INET, &fds[0], &fds[1], &fds[2], true), 0);
	getsockname(fds[1], (struct sockaddr *)&cli, &len);
	pkt_of(&p, fds[0], IPPROTO_TCP, &cli);
	expect_sock(sd, &p, fds[0], "tcp request socket");
	close_all(fds, 3);
	sockdiag_close(sd);
}

static void test_sockdiag_udp(void)
{
	struct sockdiag *sd = sockdiag_open();
	int families[] = { AF_INET, AF_INET6 };
	struct sockaddr_storage peer;
	socklen_t len;
	int rx, con, uncon;
	struct pkt p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sd);
	for (size_t i = 0; i < 2; i++) {
		if (families[i] == AF_INET6 && !have_ipv6())
			continue;
		rx = socket(families[i], SOCK_DGRAM | SOCK_CLOEXEC, 0);
		con = socket(families[i], SOCK_DGRAM | SOCK_CLOEXEC, 0);
		uncon = socket(families[i], SOCK_DGRAM | SOCK_CLOEXEC, 0);
		len = loopback(families[i], &peer);
		CU_ASSERT_EQUAL(bind(rx, (struct sockaddr *)&peer, len), 0);
		len = sizeof(peer);
		getsockname(rx, (struct sockaddr *)&peer, &len);
		CU_ASSERT_EQUAL(connect(con, (struct sockaddr *)&peer, len), 0);
		CU_ASSERT_EQUAL(send(con, "x", 1, 0), 1);
		CU_ASSERT_EQUAL(sendto(uncon, "y", 1, 0, (struct sockaddr *)&peer, len), 1);

		pkt_of(&p, con, IPPROTO_UDP, NULL);
		expect_sock(sd, &p, con, "udp connected");
		/* getsockname gives the wildcard address; the packet carries the loopback one */
		pkt_of(&p, uncon, IPPROTO_UDP, &peer);
		memcpy(p.src, p.dst, sizeof(p.src));
		expect_sock(sd, &p, uncon, "udp unconnected");
		close(rx);
		close(con);
		close(uncon);
	}
	sockdiag_close(sd);
}

static void test_sockdiag_missing(void)
{
	struct sockdiag *sd = sockdiag_open();
	struct sockdiag_info si;
	struct pkt p = { .family = AF_INET, .proto = IPPROTO_TCP, .sport = 1, .dport = 2 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(sd);
	p.src[0] = p.dst[0] = 127;
	p.src[3] = p.dst[3] = 1;
	CU_ASSERT_EQUAL(sockdiag_lookup(sd, &p, &si), -ENOENT);
	p.proto = IPPROTO_UDP;
	CU_ASSERT_EQUAL(sockdiag_lookup(sd, &p, &si), -ENOENT);
	p.family = AF_INET6;
	CU_ASSERT_EQUAL(sockdiag_lookup(sd, &p, &si), -ENOENT);
	p.proto = IPPROTO_ICMP;
	CU_ASSERT_EQUAL(sockdiag_lookup(sd, &p, &si), -EPROTONOSUPPORT);
	p.proto = IPPROTO_TCP;
	p.family = AF_UNIX;
	CU_ASSERT_EQUAL(sockdiag_lookup(sd, &p, &si), -EPROTONOSUPPORT);
	/* the socket is still usable after errors */
	p.family = AF_INET;
	CU_ASSERT_EQUAL(sockdiag_lookup(sd, &p, &si), -ENOENT);
	sockdiag_close(sd);
	sockdiag_close(NULL);
}

/* ---- ident ---- */

static void test_ident_uid(void)
{
	struct ident *id = ident_new(NULL);
	struct ident_result res;
	struct ident_stats st;
	int fds[3];
	struct pkt p;
	char want[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(id);
	CU_ASSERT_EQUAL(tcp_pair(AF_INET, &fds[0], &fds[1], &fds[2], false), 0);
	pkt_of(&p, fds[1], IPPROTO_TCP, NULL);
	CU_ASSERT_EQUAL(ident_lookup(id, &p, 4242, &res), 0);
	snprintf(want, sizeof(want), "uid:%u", (unsigned)geteuid());
	CU_ASSERT_STRING_EQUAL(res.app, want);
	CU_ASSERT_EQUAL(res.uid, geteuid());
	CU_ASSERT_NOT_EQUAL(res.cgroup_id, 0);
	CU_ASSERT_EQUAL(res.cached, 0);
	close_all(fds, 3);

	/* no socket: the hint, else "unknown" */
	p.sport = 1;
	p.dport = 2;
	CU_ASSERT_EQUAL(ident_lookup(id, &p, 4242, &res), 0);
	CU_ASSERT_STRING_EQUAL(res.app, "uid:4242");
	CU_ASSERT_EQUAL(res.uid, 4242);
	CU_ASSERT_EQUAL(res.cgroup_id, 0);
	CU_ASSERT_EQUAL(ident_lookup(id, &p, UINT32_MAX, &res), 0);
	CU_ASSERT_STRING_EQUAL(res.app, "unknown");
	CU_ASSERT_EQUAL(res.uid, UINT32_MAX);

	ident_get_stats(id, &st);
	CU_ASSERT_EQUAL(st.lookups, 3);
	CU_ASSERT_EQUAL(st.diag_misses, 2);
	CU_ASSERT_EQUAL(st.fallbacks_uid, 2);
	CU_ASSERT_EQUAL(st.cache_hits, 0);
	ident_free(id);
	ident_free(NULL);
}

/* Runs one ident lookup for a fresh loopback connection made from inside cgroup rel. */
static int lookup_from(struct ident *id, const char *rel, struct ident_result *res, int n)
{
	int fds[3], r;
	struct pkt p;

	r = move_self(rel);
	if (r < 0)
		return r;
	r = tcp_pair(AF_INET, &fds[0], &fds[1], &fds[2], false) < 0 ? -EIO : 0;
	/* Sockets keep the cgroup they were created in: going back now changes nothing. */
	if (move_self(cg_self) < 0)
		r = -EIO;
	pkt_of(&p, fds[1], IPPROTO_TCP, NULL);
	for (int i = 0; r == 0 && i < n; i++)
		ident_lookup(id, &p, UINT32_MAX, &res[i]);
	close_all(fds, 3);
	return r;
}

static void test_ident_cgroup(void)
{
	char slice[2048], app[2048], sess[2048], user[4096], rel_app[512], rel_sess[512];
	char exe[4096] = "exe:";
	struct ident_result res[2];
	struct ident_stats st;
	struct ident *id;
	ssize_t n;
	int pid = (int)getpid();

	if (!can_cgroup("ident in a fake app cgroup"))
		return;
	snprintf(slice, sizeof(slice), "%s/privfw-unit-%d.slice", cg_root, pid);
	snprintf(rel_app, sizeof(rel_app), "/privfw-unit-%d.slice/app-flatpak-org.example.Ident-%d.scope",
		 pid, pid);
	snprintf(app, sizeof(app), "%s%s", cg_root, rel_app);
	snprintf(user, sizeof(user), "%s/user@0.service", slice);
	snprintf(rel_sess, sizeof(rel_sess), "/privfw-unit-%d.slice/user@0.service/init.scope", pid);
	snprintf(sess, sizeof(sess), "%s%s", cg_root, rel_sess);
	CU_ASSERT_EQUAL(mkdir(slice, 0755), 0);
	CU_ASSERT_EQUAL(mkdir(app, 0755), 0);
	CU_ASSERT_EQUAL(mkdir(user, 0755), 0);
	CU_ASSERT_EQUAL(mkdir(sess, 0755), 0);

	id = ident_new(cg_root);
	CU_ASSERT_PTR_NOT_NULL(id);
	if (id) {
		/* An app: resolved once, then from the cache. */
		CU_ASSERT_EQUAL(lookup_from(id, rel_app, res, 2), 0);
		CU_ASSERT_STRING_EQUAL(res[0].app, "org.example.Ident");
		CU_ASSERT_EQUAL(res[0].cached, 0);
		CU_ASSERT_EQUAL(res[0].cgroup_id, ino_of(cg_root, rel_app));
		CU_ASSERT_EQUAL(res[0].uid, geteuid());
		CU_ASSERT_STRING_EQUAL(res[1].app, "org.example.Ident");
		CU_ASSERT_EQUAL(res[1].cached, 1);
		/* A session: the socket's process, by its executable, per socket. */
		n = readlink("/proc/self/exe", exe + 4, sizeof(exe) - 5);
		CU_ASSERT(n > 0);
		if (n > 0)
			exe[n + 4] = '\0';
		/* While the test process is inside: cgroup.procs must list it. */
		CU_ASSERT_EQUAL(move_self(rel_sess), 0);
		{
			int fds[3];
			struct pkt p;

			CU_ASSERT_EQUAL(tcp_pair(AF_INET, &fds[0], &fds[1], &fds[2], false), 0);
			pkt_of(&p, fds[1], IPPROTO_TCP, NULL);
			ident_lookup(id, &p, UINT32_MAX, &res[0]);
			ident_lookup(id, &p, UINT32_MAX, &res[1]);
			CU_ASSERT_EQUAL(move_self(cg_self), 0);
			close_all(fds, 3);
		}
		CU_ASSERT_STRING_EQUAL(res[0].app, exe);
		CU_ASSERT_STRING_EQUAL(res[1].app, exe);
		CU_ASSERT_EQUAL(res[1].cached, 0);
		/* The process left; the session cgroup is empty: by uid. */
		CU_ASSERT_EQUAL(lookup_from(id, rel_sess, res, 1), 0);
		CU_ASSERT_STRING_EQUAL(res[0].app, "uid:0");

		ident_get_stats(id, &st);
		CU_ASSERT_EQUAL(st.lookups, 5);
		CU_ASSERT_EQUAL(st.cache_hits, 3);
		CU_ASSERT_EQUAL(st.fallbacks_exe, 2);
		CU_ASSERT_EQUAL(st.fallbacks_uid, 1);
		CU_ASSERT_EQUAL(st.diag_misses, 0);
		ident_free(id);
	}
	move_self(cg_self);
	rmdir(sess);
	rmdir(user);
	rmdir(app);
	CU_ASSERT_EQUAL(rmdir(slice), 0);
}

static void setup(void)
{
	char line[1024];
	FILE *f;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(2);
	}
	if (cgroup_find_mount("/proc/self/mountinfo", cg_root, sizeof(cg_root)) < 0)
		cg_root[0] = '\0';
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(cg_self, sizeof(cg_self), "%s", line + 3);
		}
	}
	if (f)
		fclose(f);
	if (!cg_self[0])
		cg_root[0] = '\0';
}

static void teardown(void)
{
	char path[sizeof(tmpdir) + 16];

	snprintf(path, sizeof(path), "%s/mountinfo", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

static const struct unit_case cases[] = {
	{ "cgroup_find_mount", test_find_mount },
	{ "cgroup_map on the real mount", test_cgroup_map },
	{ "sockdiag tcp v4/v6", test_sockdiag_tcp },
	{ "sockdiag tcp request socket", test_sockdiag_syn_recv },
	{ "sockdiag udp connected/unconnected", test_sockdiag_udp },
	{ "sockdiag no such socket", test_sockdiag_missing },
	{ "ident by uid", test_ident_uid },
	{ "ident in app and session cgroups", test_ident_cgroup },
	{ NULL, NULL },
};

int main(void)
{
	int r;

	setup();
	r = unit_run("ident", cases);
	teardown();
	return r;
}
