/* Whole-file reads shared by the policy and config loaders. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "textfile.h"

int textfile_read(const char *path, size_t max, char **out)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (cap - len < 2) {
			if (cap >= max) {
				r = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			if (!(nbuf = realloc(buf, cap))) {
				r = -ENOMEM;
				goto out;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		r = -EINVAL;
		goto out;
	}
	*out = buf;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

int textfile_include_line(const char *text)
{
	int line = 1;
	const char *p = text;

	for (;;) {
		p += strspn(p, " \t");
		if (!strncmp(p, "@include", 8))
			return line;
		if (!(p = strchr(p, '\n')))
			return 0;
		p++;
		line++;
	}
}
