/* safemode: which running cgroups belong to the apps that keep the network in safe mode
 * (privfwd down for good and the queue rules replaced; see privfw-rules safe-mode). */
#ifndef PRIVFW_SAFEMODE_H
#define PRIVFW_SAFEMODE_H

#include <stddef.h>
#include <stdio.h>

/* Walks the cgroup2 tree under root (the mount point) and writes to out, one per line, the
 * path relative to root (leading '/') of every cgroup whose app ID (appid_from_cgroup) is one
 * of allow[0..n). Parents are listed only when they match themselves. Returns the number of
 * paths written or -errno. Depth and entries walked are bounded. Blocks on /sys reads. */
int safemode_cgroups(const char *root, const char *const *allow, size_t n, FILE *out);

#endif
