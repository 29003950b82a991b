/* ident: socket -> cgroup id -> cgroup path -> app ID. The verdict per cgroup id is cached (ids
 * are never reused on 64-bit kernels), so after an app's first flow a lookup costs one netlink
 * round trip and a hash probe. Login sessions hold many programs, so there the socket's owner
 * is found per socket in /proc and named by its executable. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "appid.h"
#include "cgroup.h"
#include "ident.h"
#include "pkt.h"
#include "sockdiag.h"

#define CACHE_MAX   1024   /* cgroups remembered before the cache is emptied */
#define CACHE_SLOTS 2048   /* power of two, 2 x CACHE_MAX */
#define PIDS_MAX    4096   /* processes examined in one session cgroup */
#define FDS_MAX     65536  /* descriptors examined per process */
#define UID_NONE    UINT32_MAX

struct entry {
	uint64_t cgroup_id;    /* 0: free slot */
	enum appid_kind kind;
	char *app;             /* for APPID_APP and APPID_SYSTEM */
};

struct ident {
	struct sockdiag *sd;
	struct cgroup_map *map;  /* NULL: no cgroup2 mount, name by uid */
	size_t count;
	bool udp_diag;  /* the kernel can look up UDP sockets (some phone kernels cannot) */
	struct ident_stats st;
	struct entry slot[CACHE_SLOTS];
};

/* Can the kernel find a UDP socket by its address? Asked once, about a socket of our own. */
static bool probe_udp_diag(struct sockdiag *sd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct sockdiag_info si;
	struct pkt p = { .family = AF_INET, .proto = IPPROTO_UDP };
	bool ok = false;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
		p.sport = ntohs(sa.sin_port);
		ok = sockdiag_lookup(sd, &p, &si) == 0;
	}
	close(fd);
	return ok;
}

struct ident *ident_new(const char *cgroup_root)
{
	struct ident *id;
	int e;

	id = calloc(1, sizeof(*id));
	if (!id)
		return NULL;
	id->sd = sockdiag_open();
	if (!id->sd)
		goto fail;
	if (cgroup_root) {
		id->map = cgroup_map_new(cgroup_root);
		if (!id->map)
			goto fail;
	}
	id->udp_diag = probe_udp_diag(id->sd);
	return id;
fail:
	e = errno;
	ident_free(id);
	errno = e;
	return NULL;
}

static void cache_clear(struct ident *id)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(id->slot[i].app);
		id->slot[i] = (struct entry){ 0 };
	}
	id->count = 0;
}

void ident_free(struct ident *id)
{
	if (!id)
		return;
	cache_clear(id);
	sockdiag_close(id->sd);
	cgroup_map_free(id->map);
	free(id);
}

void ident_get_stats(const struct ident *id, struct ident_stats *out)
{
	*out = id->st;
}

static size_t slot_of(uint64_t cgid)
{
	return (size_t)((cgid * 0x9e3779b97f4a7c15ULL) >> 53) & (CACHE_SLOTS - 1);
}

static struct entry *cache_find(struct ident *id, uint64_t cgid)
{
	size_t i = slot_of(cgid);

	for (size_t n = 0; n < CACHE_SLOTS && id->slot[i].cgroup_id; n++, i = (i + 1) & (CACHE_SLOTS - 1))
		if (id->slot[i].cgroup_id == cgid)
			return &id->slot[i];
	return NULL;
}

/* Best effort: without memory the answer is simply not cached. */
static void cache_put(struct ident *id, uint64_t cgid, enum appid_kind kind, const char *app)
{
	char *copy = NULL;
	size_t i;

	if (kind == APPID_APP || kind == APPID_SYSTEM) {
		copy = strdup(app);
		if (!copy)
			return;
	}
	if (id->count >= CACHE_MAX)
		cache_clear(id);
	for (i = slot_of(cgid); id->slot[i].cgroup_id; i = (i + 1) & (CACHE_SLOTS - 1))
		;
	id->slot[i] = (struct entry){ .cgroup_id = cgid, .kind = kind, .app = copy };
	id->count++;
}

/* Does pid hold a descriptor for socket inode? */
static bool holds_socket(int pid, const char *want)
{
	char dir[32], link[64];
	struct dirent *e;
	bool found = false;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return false;
	for (int i = 0; i < FDS_MAX && !found && (e = readdir(d)); i++) {
		if (e->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = strcmp(link, want) == 0;
	}
	closedir(d);
	return found;
}

/* Names the process of cgroup cgpath that holds socket inode by its executable. */
static int session_exe(struct ident *id, uint64_t cgid, uint32_t inode, char *out, size_t outlen)
{
	char cgpath[PATH_MAX], path[PATH_MAX + 64], want[32], exe[PATH_MAX];
	FILE *f;
	ssize_t n;
	int pid, r;

	if (!inode)
		return -ENOENT;
	r = cgroup_map_path(id->map, cgid, cgpath, sizeof(cgpath));  /* cached: no /sys read */
	if (r < 0)
		return r;
	if ((size_t)snprintf(path, sizeof(path), "%s%s/cgroup.procs", cgroup_map_root(id->map),
			     strcmp(cgpath, "/") == 0 ? "" : cgpath) >= sizeof(path))
		return -ENAMETOOLONG;
	snprintf(want, sizeof(want), "socket:[%u]", inode);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	r = -ENOENT;
	for (int i = 0; i < PIDS_MAX && fscanf(f, "%d", &pid) == 1; i++) {
		if (pid <= 0 || !holds_socket(pid, want))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n <= 0) {
			r = n < 0 ? -errno : -ENOENT;
			break;
		}
		/* A cut path could name another program: fall back to the uid instead. */
		if ((size_t)n + 5 > outlen) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(out, "exe:", 4);
		memcpy(out + 4, exe, (size_t)n);
		out[n + 4] = '\0';
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

static int lookup(struct ident *id, const struct pkt *p, uint32_t uid_hint, struct ident_result *out)
{
	struct sockdiag_info si;
	struct entry *e;
	char cgpath[PATH_MAX];
	enum appid_kind kind;
	int r;

	memset(out, 0, sizeof(*out));
	out->uid = uid_hint;
	id->st.lookups++;
	if (sockdiag_lookup(id->sd, p, &si) < 0) {
		id->st.diag_misses++;
		/* The kernel could have found it, so the sender closed it since: nobody waits for
		 * this packet's answer, and naming it by uid could borrow another app's verdict. */
		out->orphan = p->proto == IPPROTO_TCP || id->udp_diag;
		goto by_uid;
	}
	out->uid = si.uid;
	out->cgroup_id = si.cgroup_id;
	if (!si.cgroup_id || !id->map)
		goto by_uid;

	e = cache_find(id, si.cgroup_id);
	if (e) {
		id->st.cache_hits++;
		kind = e->kind;
		if (e->app)
			snprintf(out->app, sizeof(out->app), "%s", e->app);
		out->cached = kind != APPID_SESSION;
	} else {
		r = cgroup_map_path(id->map, si.cgroup_id, cgpath, sizeof(cgpath));
		if (r < 0 && r != -ENOENT)
			goto by_uid;  /* a transient failure (memory, descriptors): ask again later */
		/* A cgroup the rescan did not find was removed (or is outside our namespace):
		 * remember that too, or every flow of such a socket would rescan the tree. */
		kind = r < 0 ? APPID_UNKNOWN : appid_from_cgroup(cgpath, out->app, sizeof(out->app));
		cache_put(id, si.cgroup_id, kind, out->app);
	}
	if (kind == APPID_APP || kind == APPID_SYSTEM)
		return 0;
	if (kind == APPID_SESSION && session_exe(id, si.cgroup_id, si.inode, out->app, sizeof(out->app)) == 0) {
		id->st.fallbacks_exe++;
		return 0;
	}
by_uid:
	if (out->uid != UID_NONE) {
		snprintf(out->app, sizeof(out->app), "uid:%u", out->uid);
		id->st.fallbacks_uid++;
	} else {
		snprintf(out->app, sizeof(out->app), "unknown");
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Timed, so status can tell what a cache hit saves. */
int ident_lookup(struct ident *id, const struct pkt *p, uint32_t uid_hint, struct ident_result *out)
{
	uint64_t hits = id->st.cache_hits, t0 = now_ns();
	int r = lookup(id, p, uid_hint, out);
	uint64_t dt = now_ns() - t0;

	if (id->st.cache_hits != hits) {
		id->st.ns_cached += dt;
	} else if (out->cgroup_id) {
		id->st.ns_uncached += dt;
		id->st.uncached++;
	}
	return r;
}
