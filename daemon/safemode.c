/* safemode: the cgroups of the safe-mode apps. A depth-first walk of the cgroup2 tree that
 * names each directory with appid_from_cgroup() and prints the ones on the allow list; a match
 * is not descended into, since a rule on a cgroup covers its descendants. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appid.h"
#include "safemode.h"

#define WALK_DEPTH    16       /* levels below the root looked at; systemd trees are < 10 */
#define WALK_DIRS     100000   /* directories visited per walk */

struct walk {
	const char *const *allow;
	size_t n;
	FILE *out;
	size_t dirs;
	int count;
	int err;             /* first output error */
	char path[PATH_MAX]; /* of the directory being read, relative to the root */
	char id[APPID_MAX];
};

static bool allowed(const struct walk *w, const char *id)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->allow[i] && strcmp(w->allow[i], id) == 0)
			return true;
	return false;
}

/* The output is one path a line and is loaded into iptables rules: a path with a control
 * character cannot be written so, and no systemd unit name has one. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Reads the directory dfd (w->path, plen bytes long, depth levels below the root) and below;
 * takes ownership of dfd. */
static void walk_dir(struct walk *w, int dfd, size_t plen, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	enum appid_kind k;
	size_t nlen;
	int cfd;

	if (!d) {
		close(dfd);
		return;
	}
	while (!w->err && w->dirs < WALK_DIRS && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		nlen = strlen(e->d_name);
		if (plen + 1 + nlen >= sizeof(w->path))
			continue;
		/* O_NOFOLLOW | O_DIRECTORY: a symlink or a file is skipped, whatever d_type said. */
		cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;  /* a file, or removed meanwhile */
		w->dirs++;
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, e->d_name, nlen + 1);
		k = appid_from_cgroup(w->path, w->id, sizeof(w->id));
		if ((k == APPID_APP || k == APPID_SYSTEM) && allowed(w, w->id)) {
			close(cfd);
			if (printable(w->path)) {
				if (fprintf(w->out, "%s\n", w->path) < 0)
					w->err = -EIO;
				else
					w->count++;
			}
		} else if (depth + 1 < WALK_DEPTH) {
			walk_dir(w, cfd, plen + 1 + nlen, depth + 1);
		} else {
			close(cfd);
		}
		w->path[plen] = '\0';
	}
	closedir(d);
}

int safemode_cgroups(const char *root, const char *const *allow, size_t n, FILE *out)
{
	struct walk *w;
	int fd, r;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (n == 0) {
		close(fd);
		return 0;
	}
	/* PATH_MAX of path: too big for the stack of a recursive walk's caller to be comfortable. */
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(fd);
		return -ENOMEM;
	}
	w->allow = allow;
	w->n = n;
	w->out = out;
	walk_dir(w, fd, 0, 0);
	r = w->err ? w->err : w->count;
	free(w);
	return r;
}
