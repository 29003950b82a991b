/* sockdiag: find the local socket behind a packet through NETLINK_SOCK_DIAG (inet_diag). */
#ifndef PRIVFW_SOCKDIAG_H
#define PRIVFW_SOCKDIAG_H

#include <stdint.h>

struct pkt;
struct sockdiag;

struct sockdiag_info {
	uint64_t cgroup_id;  /* 0 when the kernel did not report one */
	uint32_t uid;
	uint32_t inode;
};

/* Opens a sock_diag netlink socket. Returns NULL with errno set. */
struct sockdiag *sockdiag_open(void);
void sockdiag_close(struct sockdiag *sd);

/* Looks up the socket that sent outbound packet p (TCP or UDP, IPv4 or IPv6; an exact-match
 * request, not a dump). Returns 0, -ENOENT when the kernel has no such socket, -EPROTONOSUPPORT
 * for other protocols, or a negative errno. Blocks for one netlink round trip. */
int sockdiag_lookup(struct sockdiag *sd, const struct pkt *p, struct sockdiag_info *out);

#endif
