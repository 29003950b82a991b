/* textfile: whole-file reads for the libconfig loaders (policy, config). */
#ifndef PRIVFW_TEXTFILE_H
#define PRIVFW_TEXTFILE_H

#include <stddef.h>

/* Reads path into a NUL-terminated buffer (*out, owned by the caller). 0, -EFBIG over max bytes,
 * -EINVAL when the file holds a NUL (libconfig would stop there), or -errno. Blocks on file I/O. */
int textfile_read(const char *path, size_t max, char **out);

/* The line of the first @include directive, or 0. libconfig 1.5 cannot turn them off, and
 * privfw's files are data that must not pull in other files. Pure. */
int textfile_include_line(const char *text);

#endif
