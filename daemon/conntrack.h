/* conntrack: re-mark flows the kernel has already settled, so a policy change reaches
 * established connections too. ctnetlink over libmnl. */
#ifndef PRIVFW_CONNTRACK_H
#define PRIVFW_CONNTRACK_H

#include <stdint.h>

struct conntrack;
struct pkt;

/* Opens a ctnetlink socket in the caller's network namespace. NULL with errno. */
struct conntrack *conntrack_open(void);
void conntrack_close(struct conntrack *ct);

/* Decides the mark bits (within mask) a flow should carry; bits are its current ones (0: not
 * settled), orig its original direction as a TCP/UDP packet without payload. Returns the bits,
 * or -1 to leave the flow. */
typedef int64_t conntrack_decide(const struct pkt *orig, uint32_t bits, void *arg);

/* Walks the conntrack table; for each TCP/UDP entry asks decide and rewrites the mark where the
 * answer differs. Returns the number of entries changed or -errno.
 * Blocks on a netlink dump and one round trip per change; meant for policy changes only. */
int conntrack_remark(struct conntrack *ct, uint32_t mask, conntrack_decide *decide, void *arg);

#endif
