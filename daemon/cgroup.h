/* cgroup: locate the cgroup2 mount and map cgroup ids (directory inode numbers) to paths. */
#ifndef PRIVFW_CGROUP_H
#define PRIVFW_CGROUP_H

#include <stddef.h>
#include <stdint.h>

struct cgroup_map;

/* Finds the cgroup2 mount point in a mountinfo file (normally /proc/self/mountinfo) and writes
 * it to out. Returns 0, -ENOENT when there is no cgroup2 mount, or a negative errno. Blocks on
 * file I/O only. */
int cgroup_find_mount(const char *mountinfo, char *out, size_t outlen);

/* Creates a map over the cgroup2 tree mounted at root. Returns NULL with errno set. */
struct cgroup_map *cgroup_map_new(const char *root);
void cgroup_map_free(struct cgroup_map *m);

/* Writes the path of cgroup id relative to the root ("/a/b.scope") into out. Cached; on a miss
 * the tree is rescanned (at most once per call). Returns 0, -ENOENT, or a negative errno.
 * Blocks on directory reads on a miss only. */
int cgroup_map_path(struct cgroup_map *m, uint64_t id, char *out, size_t outlen);

/* The mount root the map was created with. */
const char *cgroup_map_root(const struct cgroup_map *m);

#endif
