/* NFQUEUE I/O. Verdict messages are packed into one buffer and sent with one send() per batch:
 * the system call is paid per batch, not per packet. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "queue.h"

#define QUEUE_ROUNDS_MAX 64          /* receive rounds per dispatch, so the loop stays fair */
#define QUEUE_VBUF_SIZE (32 * 1024)  /* ~700 verdicts */

struct queue {
	struct mnl_socket *nl;
	unsigned num;
	unsigned portid;
	uint32_t seq;
	char *rbuf;
	size_t rbuf_size;
	char *vbuf;
	size_t vlen;
	struct queue_stats stats;
	uint64_t pending_ns;   /* when the oldest packet without a sent verdict was read */
	uint64_t pending_n;    /* verdicts written since the last send */
	void (*cb)(struct queue *q, const struct queue_packet *p, void *arg);
	void *arg;
};

static int send_and_ack(struct queue *q, struct nlmsghdr *nlh)
{
	char buf[8192];  /* MNL_SOCKET_BUFFER_SIZE is not a constant */
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++q->seq;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(q->nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (mnl_cb_run(buf, (size_t)n, q->seq, q->portid, NULL, NULL) < 0)
		return -errno;
	return 0;
}

struct queue *queue_open(unsigned num, uint32_t copy_range, uint32_t queue_maxlen, int rcvbuf, int *err)
{
	char buf[8192];  /* MNL_SOCKET_BUFFER_SIZE is not a constant */
	struct nlmsghdr *nlh;
	struct queue *q;
	int one = 1, r, fd;

	q = calloc(1, sizeof(*q));
	if (!q) {
		*err = -ENOMEM;
		return NULL;
	}
	q->num = num;
	/* A GSO packet can be 64 KiB; plus netlink and attribute headers. */
	q->rbuf_size = 0xffff + 8192;
	q->rbuf = malloc(q->rbuf_size);
	q->vbuf = malloc(QUEUE_VBUF_SIZE);
	if (!q->rbuf || !q->vbuf) {
		r = -ENOMEM;
		goto fail;
	}
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!q->nl || mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	fd = mnl_socket_get_fd(q->nl);
	/* A verdict lost to ENOBUFS would stall a packet until the queue times out; never allow it. */
	mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if ((r = send_and_ack(q, nlh)) < 0)
		goto fail;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, copy_range);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_UID_GID));
	/* FAIL_OPEN is in the mask so a previous owner's setting is cleared: privfw fails closed. */
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_UID_GID |
						   NFQA_CFG_F_FAIL_OPEN));
	if (queue_maxlen)
		mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(queue_maxlen));
	if ((r = send_and_ack(q, nlh)) < 0)
		goto fail;

	r = fcntl(fd, F_GETFL);
	if (r < 0 || fcntl(fd, F_SETFL, r | O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	return q;
fail:
	*err = r;
	queue_close(q);
	return NULL;
}

void queue_close(struct queue *q)
{
	if (!q)
		return;
	if (q->nl)
		mnl_socket_close(q->nl);
	free(q->rbuf);
	free(q->vbuf);
	free(q);
}

int queue_fd(const struct queue *q)
{
	return mnl_socket_get_fd(q->nl);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned lat_bin(uint64_t us)
{
	if (us < 100)
		return (unsigned)us;
	if (us < 1000)
		return 100 + (unsigned)((us - 100) / 50);
	if (us < 10000)
		return 118 + (unsigned)((us - 1000) / 1000);
	return QUEUE_LAT_BINS - 1;
}

static uint64_t bin_floor(unsigned b)
{
	if (b < 100)
		return b;
	if (b < 118)
		return 100 + (uint64_t)(b - 100) * 50;
	if (b < 127)
		return 1000 + (uint64_t)(b - 118) * 1000;
	return 10000;
}

long queue_latency_pct(const struct queue_stats *s, double pct)
{
	uint64_t total = 0, want, seen = 0;

	for (unsigned b = 0; b < QUEUE_LAT_BINS; b++)
		total += s->lat_hist[b];
	if (!total)
		return -1;
	want = (uint64_t)((double)total * pct / 100.0);
	if (want >= total)
		want = total - 1;
	for (unsigned b = 0; b < QUEUE_LAT_BINS; b++) {
		seen += s->lat_hist[b];
		if (seen > want)
			return (long)bin_floor(b);
	}
	return -1;
}

static int flush(struct queue *q)
{
	ssize_t n;

	if (!q->vlen)
		return 0;
	/* Every verdict of the batch waited since the oldest packet in it was read. Stamped before
	 * the send: an accepted packet goes on through the stack inside it (out of the interface,
	 * into a local receiver), the work it would cost without privfwd too. */
	if (q->pending_n) {
		q->stats.lat_hist[lat_bin((now_ns() - q->pending_ns) / 1000)] += q->pending_n;
		q->pending_n = 0;
	}
	n = send(mnl_socket_get_fd(q->nl), q->vbuf, q->vlen, 0);
	q->vlen = 0;
	if (n < 0) {
		q->stats.send_errors++;
		return -errno;
	}
	return 0;
}

int queue_verdict(struct queue *q, uint32_t id, enum queue_verdict v, uint32_t mark)
{
	struct nlmsghdr *nlh;
	int r;

	/* netlink + nfgen headers, verdict and mark attributes: well under 64 bytes */
	if (q->vlen + 64 > QUEUE_VBUF_SIZE && (r = flush(q)) < 0)
		return r;
	q->pending_n++;
	nlh = nfq_nlmsg_put(q->vbuf + q->vlen, NFQNL_MSG_VERDICT, q->num);
	nfq_nlmsg_verdict_put(nlh, id, v == QUEUE_ACCEPT ? NF_ACCEPT :
				       v == QUEUE_REPEAT ? NF_REPEAT : NF_DROP);
	if (mark)
		nfq_nlmsg_verdict_put_mark(nlh, mark);
	q->vlen += NLMSG_ALIGN(nlh->nlmsg_len);
	q->stats.verdicts++;
	return 0;
}

static uint32_t attr_u32(const struct nlattr *a, uint32_t dflt)
{
	if (!a || mnl_attr_get_payload_len(a) < sizeof(uint32_t))
		return dflt;
	return ntohl(mnl_attr_get_u32(a));
}

static int packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct queue *q = data;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	struct queue_packet p = { 0 };

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph)) {
		q->stats.bad_msgs++;
		return MNL_CB_OK;
	}
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	p.id = ntohl(ph->packet_id);
	if (attr[NFQA_PAYLOAD]) {
		p.data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		p.len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	p.uid = attr_u32(attr[NFQA_UID], UINT32_MAX);
	p.mark = attr_u32(attr[NFQA_MARK], 0);
	p.gso = attr_u32(attr[NFQA_SKB_INFO], 0) & NFQA_SKB_GSO;
	q->stats.packets++;
	q->cb(q, &p, q->arg);
	return MNL_CB_OK;
}

int queue_dispatch(struct queue *q, void (*cb)(struct queue *q, const struct queue_packet *p, void *arg),
		   void *arg)
{
	uint64_t before = q->stats.packets;
	int r = 0;

	q->cb = cb;
	q->arg = arg;
	for (int round = 0; round < QUEUE_ROUNDS_MAX; round++) {
		ssize_t n = recv(mnl_socket_get_fd(q->nl), q->rbuf, q->rbuf_size, 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			q->stats.recv_errors++;
			/* The kernel dropped messages for us; what comes next is still good. */
			if (errno == ENOBUFS) {
				q->stats.enobufs++;
				continue;
			}
			r = -errno;
			break;
		}
		if (!q->pending_n)
			q->pending_ns = now_ns();
		/* Packets come with seq 0 and portid 0; an error for a bad verdict arrives here too. */
		if (mnl_cb_run(q->rbuf, (size_t)n, 0, 0, packet_cb, q) < 0)
			q->stats.bad_msgs++;
	}
	flush(q);
	if (r < 0 && q->stats.packets == before)
		return r;
	return (int)(q->stats.packets - before);
}

void queue_get_stats(const struct queue *q, struct queue_stats *out)
{
	*out = q->stats;
}
