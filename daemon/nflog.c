/* nflog: a listener on one nfnetlink_log group, over libmnl. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include "nflog.h"

#define NFLOG_RCVBUF (1 << 20)
#define NFLOG_ROUNDS 16
#define NFLOG_BUF 65536
/* Copies are batched by the kernel: flushed at this many, or after this many 1/100 s. */
#define NFLOG_QTHRESH 32
#define NFLOG_TIMEOUT 5

struct nflog {
	struct mnl_socket *nl;
	uint32_t portid;
	uint16_t group;
	char buf[NFLOG_BUF] __attribute__((aligned(8)));
};

static struct nlmsghdr *config_msg(char *buf, uint16_t group, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(group);
	return nlh;
}

static int request(struct nflog *l, struct nlmsghdr *nlh)
{
	char buf[8192] __attribute__((aligned(8)));
	ssize_t n;

	if (mnl_socket_sendto(l->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(l->nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, l->portid, NULL, NULL) < 0 ? -errno : 0;
}

struct nflog *nflog_open(uint16_t group, int *err)
{
	char buf[8192] __attribute__((aligned(8)));
	struct nflog *l = calloc(1, sizeof(*l));
	struct nfulnl_msg_config_cmd bind = { .command = NFULNL_CFG_CMD_BIND };
	struct nfulnl_msg_config_mode mode = { .copy_range = htonl(NFLOG_COPY), .copy_mode = NFULNL_COPY_PACKET };
	struct nlmsghdr *nlh;
	int on = 1, rcvbuf = NFLOG_RCVBUF, r;

	if (!l) {
		*err = -ENOMEM;
		return NULL;
	}
	l->group = group;
	l->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!l->nl || mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	l->portid = mnl_socket_get_portid(l->nl);
	/* A lost copy only leaves a flow's state until it expires: never an error to read. */
	setsockopt(mnl_socket_get_fd(l->nl), SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof(on));
	setsockopt(mnl_socket_get_fd(l->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	nlh = config_msg(buf, group, 1);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(bind), &bind);
	if ((r = request(l, nlh)) < 0)
		goto fail;
	nlh = config_msg(buf, group, 2);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(NFLOG_QTHRESH));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(NFLOG_TIMEOUT));
	if ((r = request(l, nlh)) < 0)
		goto fail;
	return l;
fail:
	*err = r < 0 ? r : -EIO;
	nflog_close(l);
	return NULL;
}

void nflog_close(struct nflog *l)
{
	if (!l)
		return;
	if (l->nl)
		mnl_socket_close(l->nl);
	free(l);
}

int nflog_fd(const struct nflog *l)
{
	return mnl_socket_get_fd(l->nl);
}

struct walk {
	void (*cb)(const uint8_t *pkt, size_t len, void *arg);
	void *arg;
	int n;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, NFULA_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFULA_MAX + 1] = { 0 };
	struct walk *w = data;

	if ((nlh->nlmsg_type & 0xff) != NFULNL_MSG_PACKET ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg) ||
	    mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb) < 0 || !tb[NFULA_PAYLOAD])
		return MNL_CB_OK;
	w->cb(mnl_attr_get_payload(tb[NFULA_PAYLOAD]), mnl_attr_get_payload_len(tb[NFULA_PAYLOAD]), w->arg);
	w->n++;
	return MNL_CB_OK;
}

int nflog_dispatch(struct nflog *l, void (*cb)(const uint8_t *pkt, size_t len, void *arg), void *arg)
{
	struct walk w = { .cb = cb, .arg = arg };

	for (int round = 0; round < NFLOG_ROUNDS; round++) {
		ssize_t n = recv(mnl_socket_get_fd(l->nl), l->buf, sizeof(l->buf), 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)
				break;
			return w.n ? w.n : -errno;
		}
		mnl_cb_run(l->buf, (size_t)n, 0, 0, msg_cb, &w);
	}
	return w.n;
}
