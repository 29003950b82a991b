/* cgroup: the cgroup2 mount, and cgroup id -> path. On cgroup2 a cgroup's id (what sock_diag
 * reports) is the inode number of its directory; a small hash table caches id -> path and a miss
 * rescans the tree once.
 * TODO: on 32-bit kernels the id carries a generation in its high 32 bits and st_ino does not;
 * phones are aarch64, so only the exact match is implemented. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

#define MAP_MAX        4096    /* cached paths before the cache is emptied */
#define MAP_SLOTS      8192    /* power of two, 2 x MAP_MAX: short probe chains */
#define SCAN_DEPTH     32      /* systemd trees are < 10 deep */
#define SCAN_DIRS      65536   /* directories visited per rescan */
#define MOUNTINFO_MAX  65536   /* lines read from mountinfo */

struct entry {
	uint64_t id;
	char *path;  /* NULL: free slot */
};

struct cgroup_map {
	int rootfd;
	char *root;
	size_t count;
	struct entry slot[MAP_SLOTS];
};

struct scan {
	struct cgroup_map *m;
	uint64_t want;
	bool found;
	size_t dirs;
	char path[PATH_MAX];  /* of the directory being read, relative to the root */
	char hit[PATH_MAX];   /* path of want, once found */
};

/* Mount points escape ' ', '\t', '\n' and '\\' as \ooo. */
static int unescape_octal(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *in; in++) {
		char c = *in;

		if (c == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			c = (char)((in[1] - '0') << 6 | (in[2] - '0') << 3 | (in[3] - '0'));
			in += 3;
		}
		if (o + 1 >= outlen)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	if (outlen == 0)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": the mount point is field 5;
 * optional fields end at a lone "-", then comes the file system type. */
static bool cgroup2_line(char *line, char **mnt)
{
	char *f, *save = NULL;
	int i = 0;

	for (f = strtok_r(line, " \n", &save); f; f = strtok_r(NULL, " \n", &save), i++) {
		if (i == 4)
			*mnt = f;
		if (i >= 6 && strcmp(f, "-") == 0) {
			f = strtok_r(NULL, " \n", &save);
			return f && strcmp(f, "cgroup2") == 0;
		}
	}
	return false;
}

int cgroup_find_mount(const char *mountinfo, char *out, size_t outlen)
{
	FILE *f;
	char *line = NULL, *mnt = NULL;
	size_t cap = 0, n;
	int r = -ENOENT;

	f = fopen(mountinfo, "re");
	if (!f)
		return -errno;
	for (n = 0; n < MOUNTINFO_MAX && getline(&line, &cap, f) > 0; n++) {
		if (cgroup2_line(line, &mnt)) {
			r = unescape_octal(mnt, out, outlen);
			goto out;
		}
	}
	if (ferror(f))
		r = -EIO;
out:
	free(line);
	fclose(f);
	return r;
}

static size_t slot_of(uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 51) & (MAP_SLOTS - 1);
}

static struct entry *cache_find(struct cgroup_map *m, uint64_t id)
{
	size_t i = slot_of(id);

	for (size_t n = 0; n < MAP_SLOTS && m->slot[i].path; n++, i = (i + 1) & (MAP_SLOTS - 1))
		if (m->slot[i].id == id)
			return &m->slot[i];
	return NULL;
}

static void cache_clear(struct cgroup_map *m)
{
	for (size_t i = 0; i < MAP_SLOTS; i++) {
		free(m->slot[i].path);
		m->slot[i].path = NULL;
	}
	m->count = 0;
}

/* Adds id -> path unless present. When full, everything is dropped first if evict, else
 * nothing is added: a rescan must not evict what it has just cached. */
static int cache_put(struct cgroup_map *m, uint64_t id, const char *path, bool evict)
{
	size_t i;

	if (cache_find(m, id))
		return 0;
	if (m->count >= MAP_MAX) {
		if (!evict)
			return 0;
		cache_clear(m);
	}
	for (i = slot_of(id); m->slot[i].path; i = (i + 1) & (MAP_SLOTS - 1))
		;
	m->slot[i].path = strdup(path);
	if (!m->slot[i].path)
		return -ENOMEM;
	m->slot[i].id = id;
	m->count++;
	return 0;
}

/* Reads the directory dfd (s->path, plen bytes long) and below; takes ownership of dfd. */
static void scan_dir(struct scan *s, int dfd, size_t plen, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	struct stat st;
	size_t nlen;
	int cfd;

	if (!d) {
		close(dfd);
		return;
	}
	while (s->dirs < SCAN_DIRS && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;  /* a file, or removed meanwhile */
		nlen = strlen(e->d_name);
		if (fstat(cfd, &st) < 0 || plen + 1 + nlen >= sizeof(s->path)) {
			close(cfd);
			continue;
		}
		s->dirs++;
		s->path[plen] = '/';
		memcpy(s->path + plen + 1, e->d_name, nlen + 1);
		if ((uint64_t)st.st_ino == s->want && !s->found) {
			s->found = true;
			memcpy(s->hit, s->path, plen + 1 + nlen + 1);
		}
		(void)cache_put(s->m, st.st_ino, s->path, false);
		if (depth + 1 < SCAN_DEPTH)
			scan_dir(s, cfd, plen + 1 + nlen, depth + 1);
		else
			close(cfd);
		s->path[plen] = '\0';
	}
	closedir(d);
}

static int copy_path(const char *path, char *out, size_t outlen)
{
	size_t n = strlen(path);

	if (n >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, path, n + 1);
	return 0;
}

struct cgroup_map *cgroup_map_new(const char *root)
{
	struct cgroup_map *m;
	int e;

	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m->root = strdup(root);
	if (m->rootfd < 0 || !m->root) {
		e = m->rootfd < 0 ? errno : ENOMEM;
		cgroup_map_free(m);
		errno = e;
		return NULL;
	}
	return m;
}

void cgroup_map_free(struct cgroup_map *m)
{
	if (!m)
		return;
	cache_clear(m);
	if (m->rootfd >= 0)
		close(m->rootfd);
	free(m->root);
	free(m);
}

const char *cgroup_map_root(const struct cgroup_map *m)
{
	return m->root;
}

int cgroup_map_path(struct cgroup_map *m, uint64_t id, char *out, size_t outlen)
{
	struct scan *s;
	struct entry *e;
	struct stat st;
	int fd, r;

	e = cache_find(m, id);
	if (e)
		return copy_path(e->path, out, outlen);

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->m = m;
	s->want = id;
	fd = openat(m->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_ino == id) {
		close(fd);
		r = cache_put(m, id, "/", true);
		if (r == 0)
			r = copy_path("/", out, outlen);
		goto out;
	}
	scan_dir(s, fd, 0, 0);
	r = -ENOENT;
	if (!s->found)
		goto out;
	/* The rescan adds nothing to a full cache; the path asked for evicts the rest. */
	r = cache_put(m, id, s->hit, true);
	if (r == 0)
		r = copy_path(s->hit, out, outlen);
out:
	free(s);
	return r;
}
