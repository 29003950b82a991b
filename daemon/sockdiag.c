/* sockdiag: the local socket behind an outbound packet, by an exact-match inet_diag request
 * (SOCK_DIAG_BY_FAMILY without NLM_F_DUMP): one request, one reply, per new flow. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "pkt.h"
#include "sockdiag.h"

#define RECV_MAX 8  /* datagrams read per request before giving up on its reply */

/* How the 5-tuple goes into inet_diag_sockid. */
enum {
	Q_SWAP = 1,         /* id.src = remote end (udp_dump_one's lookup order) */
	Q_NO_REMOTE = 2,    /* remote address and port zeroed: listeners, unconnected UDP */
};

struct sockdiag {
	struct mnl_socket *nl;
	unsigned int portid;
	uint32_t seq;
	size_t buflen;
	char buf[];
};

struct reply {
	struct sockdiag_info *out;
	uint8_t state;
	bool got;
	int err;
};

struct sockdiag *sockdiag_open(void)
{
	struct sockdiag *sd;
	size_t len = MNL_SOCKET_BUFFER_SIZE;
	int e;

	sd = calloc(1, sizeof(*sd) + len);
	if (!sd)
		return NULL;
	sd->buflen = len;
	sd->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!sd->nl || mnl_socket_bind(sd->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		sockdiag_close(sd);
		errno = e;
		return NULL;
	}
	sd->portid = mnl_socket_get_portid(sd->nl);
	return sd;
}

void sockdiag_close(struct sockdiag *sd)
{
	if (!sd)
		return;
	if (sd->nl)
		mnl_socket_close(sd->nl);
	free(sd);
}

static int attr_cb(const struct nlattr *a, void *data)
{
	struct sockdiag_info *out = data;
	uint64_t v;

	/* Only the cgroup id is needed; a wrong size means a kernel we do not understand. */
	if (mnl_attr_get_type(a) != INET_DIAG_CGROUP_ID)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return MNL_CB_ERROR;
	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));  /* 4-byte aligned only */
	out->cgroup_id = v;
	return MNL_CB_OK;
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *rp = data;
	const struct inet_diag_msg *m;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK;
	rp->got = true;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m)) {
		rp->err = -EBADMSG;
		return MNL_CB_STOP;
	}
	m = mnl_nlmsg_get_payload(nlh);
	rp->state = m->idiag_state;
	rp->out->uid = m->idiag_uid;
	rp->out->inode = m->idiag_inode;
	rp->out->cgroup_id = 0;
	if (mnl_attr_parse(nlh, sizeof(*m), attr_cb, rp->out) < 0)
		rp->err = -EBADMSG;
	return MNL_CB_STOP;
}

static int query(struct sockdiag *sd, const struct pkt *p, int how, struct sockdiag_info *out,
		 uint8_t *state)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	struct reply rp = { .out = out };
	uint8_t local[16], remote[16] = { 0 };
	uint16_t lport = p->sport, rport = 0;
	size_t alen = p->family == AF_INET ? 4 : 16;
	uint32_t seq;
	ssize_t n;
	int r;

	memcpy(local, p->src, alen);
	if (!(how & Q_NO_REMOTE)) {
		memcpy(remote, p->dst, alen);
		rport = p->dport;
	}
	nlh = mnl_nlmsg_put_header(sd->buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	seq = ++sd->seq ? sd->seq : ++sd->seq;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = p->family;
	req->sdiag_protocol = p->proto;
	req->idiag_states = ~0U;
	memcpy(req->id.idiag_src, how & Q_SWAP ? remote : local, alen);
	memcpy(req->id.idiag_dst, how & Q_SWAP ? local : remote, alen);
	req->id.idiag_sport = htons(how & Q_SWAP ? rport : lport);
	req->id.idiag_dport = htons(how & Q_SWAP ? lport : rport);
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (mnl_socket_sendto(sd->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	/* Without NLM_F_ACK the answer is the socket or an NLMSG_ERROR, never both. */
	for (int i = 0; i < RECV_MAX; i++) {
		n = mnl_socket_recvfrom(sd->nl, sd->buf, sd->buflen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		errno = 0;
		r = mnl_cb_run(sd->buf, (size_t)n, seq, sd->portid, reply_cb, &rp);
		if (r == MNL_CB_ERROR) {
			if (errno == ESRCH)
				continue;  /* a late reply to an earlier request */
			return errno ? -errno : -EBADMSG;
		}
		if (rp.got) {
			*state = rp.state;
			return rp.err;
		}
		if (r == MNL_CB_STOP)
			return -ENOENT;
	}
	return -ETIMEDOUT;
}

int sockdiag_lookup(struct sockdiag *sd, const struct pkt *p, struct sockdiag_info *out)
{
	uint8_t state = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (p->family != AF_INET && p->family != AF_INET6)
		return -EPROTONOSUPPORT;
	if (p->proto == IPPROTO_TCP) {
		r = query(sd, p, 0, out, &state);
		if (r < 0 || out->inode)
			return r;
		/* A SYN-ACK comes from a request socket, which has no owner: ask for its listener. */
		if (state == TCP_SYN_RECV || state == 12 /* TCP_NEW_SYN_RECV */)
			r = query(sd, p, Q_NO_REMOTE, out, &state);
		/* TIME_WAIT and request sockets carry no uid, inode or cgroup. */
		if (r == 0 && !out->inode) {
			memset(out, 0, sizeof(*out));
			r = -ENOENT;
		}
		return r;
	}
	if (p->proto == IPPROTO_UDP) {
		/* udp_dump_one looks up (src, dst) as an incoming datagram would: src is the remote
		 * end. A socket that only used sendto() has no remote, and the kernel's lookup
		 * scores wildcard remotes in, so the exact request finds it too; the request
		 * without a remote is a fallback for kernels whose lookup does not. */
		r = query(sd, p, Q_SWAP, out, &state);
		if (r == -ENOENT)
			r = query(sd, p, Q_SWAP | Q_NO_REMOTE, out, &state);
		return r;
	}
	return -EPROTONOSUPPORT;
}
