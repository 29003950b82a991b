/* queue: one NFQUEUE over libnetfilter_queue's libmnl API. Receives packets in batches and sends
 * the verdicts of a batch with one system call. */
#ifndef PRIVFW_QUEUE_H
#define PRIVFW_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct queue;

struct queue_packet {
	uint32_t id;
	const uint8_t *data;  /* network header onwards; valid only during the callback */
	size_t len;
	uint32_t uid;         /* socket owner, (uint32_t)-1 when the kernel did not say */
	uint32_t mark;
	bool gso;
};

enum queue_verdict {
	QUEUE_ACCEPT,  /* let this packet go, decide again for the next */
	QUEUE_REPEAT,  /* re-run the hook with the given mark: privfw's rules settle the flow */
	QUEUE_DROP,
};

#define QUEUE_LAT_BINS 128

struct queue_stats {
	uint64_t packets, verdicts, recv_errors, enobufs, send_errors, bad_msgs;
	/* Time from reading a packet off the queue socket to sending its verdict (up to the send
	 * call, which carries accepted packets on through the stack), in µs: one
	 * bin per µs below 100, then 50 µs bins below 1 ms, 1 ms bins below 10 ms, then the rest. */
	uint64_t lat_hist[QUEUE_LAT_BINS];
};

/* Binds queue num: copy up to copy_range bytes, GSO and UID/GID on, queue_maxlen packets,
 * receive buffer rcvbuf bytes, NETLINK_NO_ENOBUFS. Fail-open is never requested. Returns NULL and
 * sets *err to a negative errno (-EBUSY: the queue has another listener). Blocks on netlink acks. */
struct queue *queue_open(unsigned num, uint32_t copy_range, uint32_t queue_maxlen, int rcvbuf, int *err);
void queue_close(struct queue *q);

/* Non-blocking fd to poll for readability. */
int queue_fd(const struct queue *q);

/* Reads what is queued (a bounded number of receive rounds), calls cb per packet, then sends
 * the verdicts cb queued with queue_verdict. Returns packets handled or a negative errno. */
int queue_dispatch(struct queue *q, void (*cb)(struct queue *q, const struct queue_packet *p, void *arg),
		   void *arg);

/* Queues a verdict for packet id; mark is set when non-zero. Sent at the end of the batch
 * (or earlier when the buffer fills). 0 or -errno. */
int queue_verdict(struct queue *q, uint32_t id, enum queue_verdict v, uint32_t mark);

void queue_get_stats(const struct queue *q, struct queue_stats *out);

/* The pct-th percentile (0..100) of the verdict latency in µs (a bin's lower bound); -1 when
 * there are no samples. Pure. */
long queue_latency_pct(const struct queue_stats *s, double pct);

#endif
