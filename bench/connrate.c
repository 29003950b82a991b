/* connrate: traffic generators for bench/bench.sh. Each mode is bounded in time; each prints one
 * "key=value ..." line a shell can parse. Servers print "ready" once they listen.
 *
 *   connrate server   ADDR PORT MAXSEC [NPORTS]   HTTP-ish: read a request, reply, close (the
 *                                         server closes first, so TIME_WAIT stays on its side)
 *   connrate client   ADDR PORT SECONDS [NPORTS]  sequential connect/request/reply/close, over
 *                                         ports PORT..PORT+NPORTS-1 in turn; conns/s, p50, p99
 *   connrate udprecv  ADDR PORT MAXSEC    counts 64-byte datagrams until the sender's END marker
 *   connrate udpsend  ADDR PORT SECONDS   64-byte datagrams on one connected socket
 *   connrate bulkrecv ADDR PORT MAXSEC    one TCP stream: counts bytes, answers the count at EOF
 *   connrate bulksend ADDR PORT SECONDS   one TCP stream: writes for SECONDS; MB/s received
 *
 * ADDR is a numeric IPv4 or IPv6 address. */
#define _GNU_SOURCE  /* memmem, accept4, recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES_MAX (16u << 20)   /* latency samples kept: 64 MiB at most */
#define UDP_PAYLOAD 64
#define UDP_BATCH 64
#define BULK_CHUNK (128 * 1024)
#define SECONDS_MAX 3600
#define PORTS_MAX 64

static const char request[] = "GET / HTTP/1.1\r\nHost: bench.example\r\nConnection: close\r\n\r\n";
static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
static const char udp_end[] = "END";

static void die(const char *what)
{
	fprintf(stderr, "connrate: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static socklen_t parse_addr(const char *host, const char *port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	long p = strtol(port, NULL, 10);

	memset(ss, 0, sizeof(*ss));
	if (p <= 0 || p > 65535) {
		fprintf(stderr, "connrate: bad port %s\n", port);
		exit(2);
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		return sizeof(*s6);
	}
	fprintf(stderr, "connrate: not a numeric address: %s\n", host);
	exit(2);
}

static unsigned parse_seconds(const char *s)
{
	long v = strtol(s, NULL, 10);

	if (v <= 0 || v > SECONDS_MAX) {
		fprintf(stderr, "connrate: seconds must be 1..%d: %s\n", SECONDS_MAX, s);
		exit(2);
	}
	return (unsigned)v;
}

static void set_timeouts(int fd, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int listen_on(const struct sockaddr_storage *ss, socklen_t len, int type)
{
	int one = 1, fd = socket(ss->ss_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 4096) < 0)
		die("listen");
	return fd;
}

/* Servers end by SIGALRM at MAXSEC at the latest, whatever the clients do. */
static void arm_deadline(unsigned maxsec)
{
	signal(SIGALRM, SIG_DFL);
	alarm(maxsec);
}

static void ready(void)
{
	puts("ready");
	fflush(stdout);
}

static bool has_request_end(const char *buf, size_t len)
{
	return len >= 4 && memmem(buf, len, "\r\n\r\n", 4) != NULL;
}

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static unsigned get_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
					      : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void serve_one(int lfd)
{
	char buf[1024];
	size_t got = 0;
	ssize_t n;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);  /* blocking: O_NONBLOCK is not inherited */

	if (fd < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
		    errno == ENFILE)
			return;
		die("accept");
	}
	/* A client that stalls costs this server at most a second. */
	set_timeouts(fd, 1000);
	while (got < sizeof(buf) && !has_request_end(buf, got)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (has_request_end(buf, got))
		(void)!write(fd, reply, sizeof(reply) - 1);
	close(fd);
}

static void run_server(struct sockaddr_storage *ss, socklen_t len, unsigned maxsec, unsigned nports)
	__attribute__((noreturn));

/* Listens on nports consecutive ports; serves one connection at a time. */
static void run_server(struct sockaddr_storage *ss, socklen_t len, unsigned maxsec, unsigned nports)
{
	struct epoll_event ev[PORTS_MAX];
	unsigned base = get_port(ss);
	int efd = epoll_create1(EPOLL_CLOEXEC);

	if (efd < 0)
		die("epoll_create1");
	for (unsigned i = 0; i < nports; i++) {
		struct epoll_event e = { .events = EPOLLIN };

		set_port(ss, base + i);
		e.data.fd = listen_on(ss, len, SOCK_STREAM);
		if (epoll_ctl(efd, EPOLL_CTL_ADD, e.data.fd, &e) < 0)
			die("epoll_ctl");
	}
	arm_deadline(maxsec);
	ready();
	for (;;) {
		int n = epoll_wait(efd, ev, PORTS_MAX, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++)
			serve_one(ev[i].data.fd);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* One connection: connect, send the request, read the reply to EOF. 0 or -1. */
static int one_conn(const struct sockaddr_storage *ss, socklen_t len)
{
	char buf[512];
	size_t got = 0;
	ssize_t n;
	int r = -1, fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	set_timeouts(fd, 2000);
	if (connect(fd, (const struct sockaddr *)ss, len) < 0)
		goto out;
	if (write(fd, request, sizeof(request) - 1) != (ssize_t)sizeof(request) - 1)
		goto out;
	/* Past the buffer's end the rest is read and dropped: only the status line matters. */
	while ((n = read(fd, buf + (got < sizeof(buf) ? got : 0),
			 got < sizeof(buf) ? sizeof(buf) - got : sizeof(buf))) > 0)
		got += (size_t)n;
	if (n == 0 && got >= 12 && memcmp(buf, "HTTP/1.1 200", 12) == 0)
		r = 0;
out:
	close(fd);
	return r;
}

/* Rotating over nports server ports keeps a source port from meeting the same 4-tuple again
 * within the run, as it does when thousands of connections go to one address and port. */
static int run_client(struct sockaddr_storage *ss, socklen_t len, unsigned secs, unsigned nports)
{
	unsigned base = get_port(ss), next = 0;
	uint32_t *lat = malloc(SAMPLES_MAX * sizeof(*lat));
	uint64_t start = now_ns(), end = start + (uint64_t)secs * 1000000000u, t0, t1 = start;
	uint64_t conns = 0, errors = 0;
	size_t kept = 0;

	if (!lat)
		die("malloc");
	while (t1 < end) {
		set_port(ss, base + next);
		next = next + 1 < nports ? next + 1 : 0;
		t0 = now_ns();
		int r = one_conn(ss, len);

		t1 = now_ns();
		if (r < 0) {
			errors++;
			continue;
		}
		conns++;
		if (kept < SAMPLES_MAX) {
			uint64_t us = (t1 - t0) / 1000;

			lat[kept++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		}
	}
	qsort(lat, kept, sizeof(*lat), cmp_u32);
	double secs_run = (double)(t1 - start) / 1e9;
	printf("conns=%" PRIu64 " errors=%" PRIu64 " seconds=%.3f rate=%.0f p50_us=%u p99_us=%u\n",
	       conns, errors, secs_run, (double)conns / secs_run,
	       kept ? lat[(kept - 1) / 2] : 0, kept ? lat[(kept - 1) * 99 / 100] : 0);
	free(lat);
	return conns ? 0 : 1;
}

static int run_udprecv(const struct sockaddr_storage *ss, socklen_t len, unsigned maxsec)
{
	int fd = listen_on(ss, len, SOCK_DGRAM), big = 8 << 20;
	static char bufs[UDP_BATCH][256];
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	uint64_t received = 0, deadline = now_ns() + (uint64_t)maxsec * 1000000000u;
	bool done = false;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	set_timeouts(fd, 200);
	for (int i = 0; i < UDP_BATCH; i++) {
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = sizeof(bufs[i]) };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	ready();
	while (!done && now_ns() < deadline) {
		int n = recvmmsg(fd, msgs, UDP_BATCH, MSG_WAITFORONE, NULL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recvmmsg");
		}
		for (int i = 0; i < n; i++) {
			if (msgs[i].msg_len == UDP_PAYLOAD)
				received++;
			else if (msgs[i].msg_len == sizeof(udp_end) - 1 && !memcmp(bufs[i], udp_end, 3))
				done = true;
		}
	}
	printf("received=%" PRIu64 " end=%d\n", received, done);
	return 0;
}

static int run_udpsend(const struct sockaddr_storage *ss, socklen_t len, unsigned secs)
{
	char payload[UDP_PAYLOAD];
	uint64_t sent = 0, errors = 0, start, end, t;
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	memset(payload, 'x', sizeof(payload));
	if (connect(fd, (const struct sockaddr *)ss, len) < 0)
		die("connect");
	start = t = now_ns();
	end = start + (uint64_t)secs * 1000000000u;
	while (t < end) {
		/* The clock is read once per 256 sends; its cost stays out of the rate. */
		for (int i = 0; i < 256; i++) {
			if (send(fd, payload, sizeof(payload), 0) == (ssize_t)sizeof(payload))
				sent++;
			else
				errors++;
		}
		t = now_ns();
	}
	double secs_run = (double)(t - start) / 1e9;
	/* Let the receiver drain, then tell it to stop; several times, datagrams may be lost. */
	usleep(200000);
	for (int i = 0; i < 5; i++) {
		(void)!send(fd, udp_end, sizeof(udp_end) - 1, 0);
		usleep(20000);
	}
	printf("sent=%" PRIu64 " errors=%" PRIu64 " seconds=%.3f rate=%.0f\n", sent, errors, secs_run,
	       (double)sent / secs_run);
	return sent ? 0 : 1;
}

static int run_bulkrecv(const struct sockaddr_storage *ss, socklen_t len, unsigned maxsec)
{
	int lfd = listen_on(ss, len, SOCK_STREAM), fd;
	static char buf[BULK_CHUNK];
	uint64_t bytes = 0;
	char ans[32];
	ssize_t n;

	arm_deadline(maxsec);
	ready();
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		die("accept");
	set_timeouts(fd, 2000);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		bytes += (uint64_t)n;
	n = snprintf(ans, sizeof(ans), "%" PRIu64 "\n", bytes);
	(void)!write(fd, ans, (size_t)n);
	close(fd);
	printf("bytes=%" PRIu64 "\n", bytes);
	return 0;
}

static int run_bulksend(const struct sockaddr_storage *ss, socklen_t len, unsigned secs)
{
	static char buf[BULK_CHUNK];
	uint64_t sent = 0, acked = 0, start, end, t;
	char ans[32] = "";
	ssize_t n;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	set_timeouts(fd, 2000);
	memset(buf, 'b', sizeof(buf));
	if (connect(fd, (const struct sockaddr *)ss, len) < 0)
		die("connect");
	start = t = now_ns();
	end = start + (uint64_t)secs * 1000000000u;
	while (t < end) {
		n = write(fd, buf, sizeof(buf));
		if (n <= 0)
			die("write");
		sent += (uint64_t)n;
		t = now_ns();
	}
	shutdown(fd, SHUT_WR);
	/* The receiver's count arrives after its last byte: the rate is of bytes that arrived. */
	n = read(fd, ans, sizeof(ans) - 1);
	t = now_ns();
	if (n > 0) {
		ans[n] = '\0';
		acked = strtoull(ans, NULL, 10);
	}
	close(fd);
	double secs_run = (double)(t - start) / 1e9;
	printf("bytes=%" PRIu64 " sent=%" PRIu64 " seconds=%.3f mbps=%.1f\n", acked, sent, secs_run,
	       (double)acked / secs_run / 1e6);
	return acked ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned secs;

	unsigned nports = 1;

	if (argc != 5 && argc != 6) {
		fputs("usage: connrate server|client|udprecv|udpsend|bulkrecv|bulksend ADDR PORT SECONDS [NPORTS]\n",
		      stderr);
		return 2;
	}
	if (argc == 6) {
		long v = strtol(argv[5], NULL, 10);

		if (v < 1 || v > PORTS_MAX || strtol(argv[3], NULL, 10) + v - 1 > 65535) {
			fprintf(stderr, "connrate: NPORTS must be 1..%d and fit above PORT\n", PORTS_MAX);
			return 2;
		}
		nports = (unsigned)v;
	}
	len = parse_addr(argv[2], argv[3], &ss);
	secs = parse_seconds(argv[4]);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "server"))
		run_server(&ss, len, secs, nports);
	if (!strcmp(argv[1], "client"))
		return run_client(&ss, len, secs, nports);
	if (!strcmp(argv[1], "udprecv"))
		return run_udprecv(&ss, len, secs);
	if (!strcmp(argv[1], "udpsend"))
		return run_udpsend(&ss, len, secs);
	if (!strcmp(argv[1], "bulkrecv"))
		return run_bulkrecv(&ss, len, secs);
	if (!strcmp(argv[1], "bulksend"))
		return run_bulksend(&ss, len, secs);
	fprintf(stderr, "connrate: unknown mode %s\n", argv[1]);
	return 2;
}
