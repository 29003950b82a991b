/* nflog: copies of packets that privfw's rules let through without waiting for privfwd, over
 * nfnetlink_log. A payload-free FIN or RST ends a connection under inspection: privfwd frees its
 * state and reads what was pending at the stream's end, while the packet itself goes on. */
#ifndef PRIVFW_NFLOG_H
#define PRIVFW_NFLOG_H

#include <stddef.h>
#include <stdint.h>

/* IP and TCP headers with options: all a payload-free segment has. */
#define NFLOG_COPY 128

struct nflog;

/* Binds nfnetlink_log group. NULL with *err a negative errno (-EPERM: another listener, or no
 * CAP_NET_ADMIN; -ENOENT and others: no nfnetlink_log). Blocks on netlink acks. */
struct nflog *nflog_open(uint16_t group, int *err);
void nflog_close(struct nflog *l);
int nflog_fd(const struct nflog *l);

/* Reads what is there (non-blocking) and calls cb with each copy's network header onwards.
 * Returns copies handled or a negative errno. */
int nflog_dispatch(struct nflog *l, void (*cb)(const uint8_t *pkt, size_t len, void *arg), void *arg);

#endif
