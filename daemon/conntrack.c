/* ctnetlink: a dump collects the candidates first, updates follow, so the dump is never
 * interleaved with requests on the same socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "conntrack.h"
#include "pkt.h"

#define CT_REMARK_MAX 65536
#define CT_BUF 16384

struct conntrack {
	struct mnl_socket *nl;
	unsigned portid;
	uint32_t seq;
};

struct entry {
	struct pkt orig;
	uint32_t mark, new_mark;
};

struct walk {
	uint32_t mask;
	conntrack_decide *decide;
	void *arg;
	struct entry *v;
	size_t n, cap;
	int err;
};

struct conntrack *conntrack_open(void)
{
	struct conntrack *ct = calloc(1, sizeof(*ct));

	if (!ct)
		return NULL;
	ct->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!ct->nl || mnl_socket_bind(ct->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		conntrack_close(ct);
		errno = e;
		return NULL;
	}
	ct->portid = mnl_socket_get_portid(ct->nl);
	ct->seq = (uint32_t)time(NULL);
	return ct;
}

void conntrack_close(struct conntrack *ct)
{
	if (!ct)
		return;
	if (ct->nl)
		mnl_socket_close(ct->nl);
	free(ct);
}

static struct nlmsghdr *put_header(char *buf, uint16_t type, uint16_t flags, uint8_t family, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

/* Fills tb[0..max] with the attributes nested in a, each checked only for presence here and
 * for size where read. */
struct nest {
	const struct nlattr *tb[CTA_MAX + 1];
	unsigned max;
};

static int nest_cb(const struct nlattr *a, void *data)
{
	struct nest *n = data;
	unsigned t = mnl_attr_get_type(a);

	if (t <= n->max)
		n->tb[t] = a;
	return MNL_CB_OK;
}

static bool parse_nest(const struct nlattr *a, unsigned max, struct nest *n)
{
	memset(n, 0, sizeof(*n));
	n->max = max;
	return a && mnl_attr_parse_nested(a, nest_cb, n) >= 0;
}

static bool attr_bytes(const struct nlattr *a, void *out, size_t len)
{
	if (!a || mnl_attr_get_payload_len(a) < len)
		return false;
	memcpy(out, mnl_attr_get_payload(a), len);
	return true;
}

static bool parse_tuple(const struct nlattr *a, uint8_t family, struct pkt *p)
{
	struct nest t, ip, proto;
	size_t alen = family == AF_INET ? 4 : 16;
	uint16_t sport, dport;

	memset(p, 0, sizeof(*p));
	p->family = family;
	if (!parse_nest(a, CTA_TUPLE_MAX, &t) || !parse_nest(t.tb[CTA_TUPLE_IP], CTA_IP_MAX, &ip) ||
	    !parse_nest(t.tb[CTA_TUPLE_PROTO], CTA_PROTO_MAX, &proto))
		return false;
	if (!attr_bytes(ip.tb[family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC], p->src, alen) ||
	    !attr_bytes(ip.tb[family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST], p->dst, alen) ||
	    !attr_bytes(proto.tb[CTA_PROTO_NUM], &p->proto, 1) ||
	    !attr_bytes(proto.tb[CTA_PROTO_SRC_PORT], &sport, 2) ||
	    !attr_bytes(proto.tb[CTA_PROTO_DST_PORT], &dport, 2))
		return false;
	p->sport = ntohs(sport);
	p->dport = ntohs(dport);
	return p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct walk *w = data;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct nest top;
	struct entry e = { 0 };
	uint32_t mark;
	int64_t bits;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg))
		return MNL_CB_OK;
	if (nfg->nfgen_family != AF_INET && nfg->nfgen_family != AF_INET6)
		return MNL_CB_OK;
	memset(&top, 0, sizeof(top));
	top.max = CTA_MAX;
	if (mnl_attr_parse(nlh, sizeof(*nfg), nest_cb, &top) < 0)
		return MNL_CB_OK;
	if (!attr_bytes(top.tb[CTA_MARK], &mark, 4))
		return MNL_CB_OK;
	mark = ntohl(mark);
	if (!parse_tuple(top.tb[CTA_TUPLE_ORIG], nfg->nfgen_family, &e.orig))
		return MNL_CB_OK;
	bits = w->decide(&e.orig, mark & w->mask, w->arg);
	if (bits < 0 || (uint32_t)bits == (mark & w->mask))
		return MNL_CB_OK;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct entry *v;

		if (cap > CT_REMARK_MAX)
			return MNL_CB_OK;
		v = realloc(w->v, cap * sizeof(*v));
		if (!v) {
			w->err = -ENOMEM;
			return MNL_CB_OK;
		}
		w->v = v;
		w->cap = cap;
	}
	e.mark = mark;
	e.new_mark = (mark & ~w->mask) | ((uint32_t)bits & w->mask);
	w->v[w->n++] = e;
	return MNL_CB_OK;
}

static int dump(struct conntrack *ct, uint8_t family, struct walk *w)
{
	char buf[CT_BUF];
	struct nlmsghdr *nlh = put_header(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, family, ++ct->seq);
	ssize_t n;
	int r;

	if (mnl_socket_sendto(ct->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(ct->nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, ct->seq, ct->portid, dump_cb, w);
		if (r <= MNL_CB_STOP)
			return r < 0 ? -errno : 0;
	}
}

static void put_tuple(struct nlmsghdr *nlh, const struct pkt *p)
{
	struct nlattr *tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	struct nlattr *proto;

	if (p->family == AF_INET) {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, p->src);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, p->dst);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, p->src);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, p->dst);
	}
	mnl_attr_nest_end(nlh, ip);
	proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, p->proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(p->sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(p->dport));
	mnl_attr_nest_end(nlh, proto);
	mnl_attr_nest_end(nlh, tuple);
}

static int update(struct conntrack *ct, const struct entry *e)
{
	char buf[CT_BUF];
	struct nlmsghdr *nlh = put_header(buf, IPCTNL_MSG_CT_NEW, NLM_F_ACK, e->orig.family, ++ct->seq);
	ssize_t n;

	put_tuple(nlh, &e->orig);
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(e->new_mark));
	if (mnl_socket_sendto(ct->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(ct->nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	/* ENOENT: the connection ended meanwhile, which is fine. */
	if (mnl_cb_run(buf, (size_t)n, ct->seq, ct->portid, NULL, NULL) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int conntrack_remark(struct conntrack *ct, uint32_t mask, conntrack_decide *decide, void *arg)
{
	struct walk w = { .mask = mask, .decide = decide, .arg = arg };
	int r, changed = 0;

	r = dump(ct, AF_INET, &w);
	if (r == 0)
		r = dump(ct, AF_INET6, &w);
	if (r == 0)
		r = w.err;
	for (size_t i = 0; r == 0 && i < w.n; i++) {
		r = update(ct, &w.v[i]);
		if (r == 0)
			changed++;
	}
	free(w.v);
	return r < 0 ? r : changed;
}
