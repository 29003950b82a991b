/* connrate: traffic generators for bench/bench.sh. Each mode is bounded in time; each prints one
 * "key=value ..." line a shell can parse. Servers print "ready" once they listen.
 *
 *   connrate server   ADDR PORT MAXSEC [NPORTS]   HTTP: read a request, reply, close (the server
 *                                         closes first, so TIME_WAIT stays on its side)
 *   connrate client   ADDR PORT SECONDS [NPORTS]  sequential connect/GET/reply/close, over ports
 *                                         PORT..PORT+NPORTS-1 in turn; conns/s, p50, p99
 *   connrate udprecv  ADDR PORT MAXSEC    counts 64-byte datagrams until the sender's END marker
 *   connrate udpsend  ADDR PORT SECONDS   64-byte datagrams on one connected socket
 *   connrate bulkrecv ADDR PORT MAXSEC    TCP streams one after another: counts each one's bytes
 *                                         and answers the count at its EOF
 *   connrate httpup   ADDR PORT SECONDS   a plaintext HTTP POST of text, a new connection every
 *                                         16 MiB; MB/s received
 *   connrate tlsup    ADDR PORT SECONDS   one TLS-looking stream: a ClientHello for bench.example,
 *                                         then application data records of random bytes; MB/s
 *   connrate flows    ADDR PORT COUNT     one UDP datagram on each of COUNT distinct 5-tuples
 *                                         (ports from PORT up, 32768 per source socket)
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
#define UPLOAD_CONN_BYTES (16u << 20)   /* bytes per upload connection, headers included */
#define UPLOAD_CLEN ((uint64_t)1 << 40) /* the Content-Length announced: more than is ever sent */
#define TLS_SNI "bench.example"
#define TLS_RECORDS 8
#define TLS_RECORD_DATA (16384 + 17)    /* a full record's plaintext and its AEAD tag */
#define FLOWS_PER_SOCKET 32768u
#define FLOWS_MAX (1u << 20)

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

/* One upload per connection: the count of its bytes goes back as the answer, in an HTTP reply
 * when the upload was an HTTP request. */
static void sink_one(int lfd)
{
	static char buf[BULK_CHUNK];
	char ans[128];
	uint64_t bytes = 0;
	bool http = false;
	ssize_t n;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
			return;
		die("accept");
	}
	set_timeouts(fd, 2000);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!bytes && n >= 5 && !memcmp(buf, "POST ", 5))
			http = true;
		bytes += (uint64_t)n;
	}
	if (http) {
		char count[24];
		int c = snprintf(count, sizeof(count), "%" PRIu64, bytes);

		n = snprintf(ans, sizeof(ans), "HTTP/1.1 201 Created\r\nContent-Length: %d\r\n"
			     "Connection: close\r\n\r\n%s", c, count);
	} else {
		n = snprintf(ans, sizeof(ans), "%" PRIu64 "\n", bytes);
	}
	(void)!write(fd, ans, (size_t)n);
	close(fd);
}

static void run_bulkrecv(const struct sockaddr_storage *ss, socklen_t len, unsigned maxsec)
	__attribute__((noreturn));

static void run_bulkrecv(const struct sockaddr_storage *ss, socklen_t len, unsigned maxsec)
{
	int lfd = listen_on(ss, len, SOCK_STREAM);

	arm_deadline(maxsec);
	ready();
	for (;;)
		sink_one(lfd);
}

/* Ends an upload: FIN, then the receiver's count of what arrived (0 when none came back). */
static uint64_t upload_end(int fd)
{
	char ans[256];
	size_t got = 0;
	ssize_t n;
	const char *body;

	shutdown(fd, SHUT_WR);
	while (got < sizeof(ans) - 1 && (n = read(fd, ans + got, sizeof(ans) - 1 - got)) > 0)
		got += (size_t)n;
	ans[got] = '\0';
	body = strstr(ans, "\r\n\r\n");
	return strtoull(body ? body + 4 : ans, NULL, 10);
}

static int connect_to(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	set_timeouts(fd, 2000);
	if (connect(fd, (const struct sockaddr *)ss, len) < 0)
		die("connect");
	return fd;
}

static void print_upload(uint64_t acked, uint64_t sent, uint64_t conns, uint64_t errors, uint64_t start)
{
	double secs_run = (double)(now_ns() - start) / 1e9;

	printf("bytes=%" PRIu64 " sent=%" PRIu64 " conns=%" PRIu64 " errors=%" PRIu64
	       " seconds=%.3f mbps=%.1f\n", acked, sent, conns, errors, secs_run,
	       (double)acked / secs_run / 1e6);
}

/* The body of an upload: lines of app telemetry, printable and varied, with nothing in them a
 * detector should report (no identifiers, coordinates, addresses or long digit runs). Returns
 * its length, whole lines only. */
static size_t telemetry_put(char *buf, size_t cap)
{
	static const char *const events[] = { "screen_view", "tap", "scroll", "search", "share",
					      "settings_open", "sync" };
	static const char *const paths[] = { "/news/local-weather-weekend", "/recipes/lentil-soup",
					     "/articles/how-to-grow-tomatoes", "/settings/appearance",
					     "/library/podcasts", "/search?q=bicycle+repair" };
	size_t n = 0;

	for (unsigned i = 0;; i++) {
		char line[512];
		int m = snprintf(line, sizeof(line),
			"{\"seq\":%u,\"event\":\"%s\",\"path\":\"%s\",\"session\":\"s-%05x\","
			"\"elapsed_ms\":%u,\"scroll_pct\":%u,\"lang\":\"en-GB\",\"theme\":\"dark\","
			"\"net\":\"wifi\",\"build\":\"release-2024.11\",\"flags\":[\"beta\",\"compact\"],"
			"\"ua\":\"Mozilla/5.0 (X11; Linux aarch64; rv:128.0) Gecko/20100101 Firefox/128.0\"}\n",
			i % 100000, events[i % 7], paths[i % 6], (i * 2654435761u) >> 12 & 0xfffff,
			i * 37 % 9000 + 100, i * 13 % 101);

		if (m <= 0 || n + (size_t)m > cap)
			return n;
		memcpy(buf + n, line, (size_t)m);
		n += (size_t)m;
	}
}

/* A plaintext upload, restarted every UPLOAD_CONN_BYTES (headers included) so that a firewall
 * inspecting that many bytes per flow sees every one of them. */
static int run_httpup(const struct sockaddr_storage *ss, socklen_t len, unsigned secs)
{
	static char body[BULK_CHUNK];
	char head[256];
	size_t body_len = telemetry_put(body, sizeof(body)), pos = 0;
	uint64_t sent = 0, acked = 0, conns = 0, errors = 0, start = now_ns(), t = start;
	uint64_t end = start + (uint64_t)secs * 1000000000u;
	int hlen = snprintf(head, sizeof(head),
		"POST /upload HTTP/1.1\r\nHost: bench.example\r\nContent-Length: %" PRIu64 "\r\n"
		"Content-Type: application/octet-stream\r\n\r\n", UPLOAD_CLEN);

	while (t < end) {
		int fd = connect_to(ss, len);
		uint64_t left = UPLOAD_CONN_BYTES - (uint64_t)hlen, got;
		ssize_t n = write(fd, head, (size_t)hlen);

		if (n == hlen) {
			sent += (uint64_t)n;
			while (left && t < end) {
				size_t want = body_len - pos < left ? body_len - pos : (size_t)left;

				n = write(fd, body + pos, want);
				if (n <= 0)
					break;
				sent += (uint64_t)n;
				left -= (uint64_t)n;
				pos = (pos + (size_t)n) % body_len;
				t = now_ns();
			}
		}
		got = n > 0 ? upload_end(fd) : 0;
		close(fd);
		conns++;
		acked += got;
		if (!got)
			errors++;
		t = now_ns();
	}
	print_upload(acked, sent, conns, errors, start);
	return acked ? 0 : 1;
}

struct wbuf {
	uint8_t *p;
	size_t n, cap;
};

static void put_u8(struct wbuf *w, unsigned v)
{
	if (w->n < w->cap)
		w->p[w->n] = (uint8_t)v;
	w->n++;
}

static void put_u16(struct wbuf *w, unsigned v)
{
	put_u8(w, v >> 8);
	put_u8(w, v);
}

static void put_bytes(struct wbuf *w, const void *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_u8(w, ((const uint8_t *)b)[i]);
}

/* Opens a length field of size bytes; close_len fills it with what was written since. */
static size_t open_len(struct wbuf *w, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		put_u8(w, 0);
	return w->n;
}

static void close_len(struct wbuf *w, size_t at, unsigned size)
{
	size_t v = w->n - at;

	for (unsigned i = 0; i < size && at - 1 - i < w->cap; i++)
		w->p[at - 1 - i] = (uint8_t)(v >> (8 * i));
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void random_fill(uint8_t *b, size_t n, uint64_t *s)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(xorshift(s) >> 32);
}

/* A TLS record holding a ClientHello as a current browser sends it: TLS 1.3 with 1.2 offered,
 * SNI, ALPN, an X25519 key share. Returns its length, or 0 when cap is too small. */
static size_t client_hello_put(uint8_t *buf, size_t cap, const char *sni, uint64_t *rng)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
					   0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d };
	static const uint16_t sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806,
					    0x0601 };
	static const uint8_t alpn[] = "\x02h2\x08http/1.1";
	struct wbuf w = { .p = buf, .cap = cap };
	uint8_t rnd[32];
	size_t rec, hs, l, ext, e, list;

	put_u8(&w, 22);                 /* handshake */
	put_u16(&w, 0x0301);            /* record version of a first flight */
	rec = open_len(&w, 2);
	put_u8(&w, 1);                  /* client_hello */
	hs = open_len(&w, 3);
	put_u16(&w, 0x0303);
	random_fill(rnd, sizeof(rnd), rng);
	put_bytes(&w, rnd, 32);         /* random */
	put_u8(&w, 32);
	random_fill(rnd, sizeof(rnd), rng);
	put_bytes(&w, rnd, 32);         /* legacy session id */
	l = open_len(&w, 2);
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		put_u16(&w, suites[i]);
	close_len(&w, l, 2);
	put_u8(&w, 1);
	put_u8(&w, 0);                  /* null compression */
	ext = open_len(&w, 2);

	put_u16(&w, 0x0000);            /* server_name */
	e = open_len(&w, 2);
	list = open_len(&w, 2);
	put_u8(&w, 0);                  /* host_name */
	put_u16(&w, (unsigned)strlen(sni));
	put_bytes(&w, sni, strlen(sni));
	close_len(&w, list, 2);
	close_len(&w, e, 2);

	put_u16(&w, 0x0017);            /* extended_master_secret */
	put_u16(&w, 0);
	put_u16(&w, 0xff01);            /* renegotiation_info */
	put_u16(&w, 1);
	put_u8(&w, 0);

	put_u16(&w, 0x000a);            /* supported_groups: x25519, P-256, P-384 */
	put_u16(&w, 8);
	put_u16(&w, 6);
	put_u16(&w, 0x001d);
	put_u16(&w, 0x0017);
	put_u16(&w, 0x0018);

	put_u16(&w, 0x000b);            /* ec_point_formats: uncompressed */
	put_u16(&w, 2);
	put_u8(&w, 1);
	put_u8(&w, 0);

	put_u16(&w, 0x0023);            /* session_ticket, empty */
	put_u16(&w, 0);

	put_u16(&w, 0x0010);            /* ALPN */
	e = open_len(&w, 2);
	list = open_len(&w, 2);
	put_bytes(&w, alpn, sizeof(alpn) - 1);
	close_len(&w, list, 2);
	close_len(&w, e, 2);

	put_u16(&w, 0x0005);            /* status_request: OCSP */
	put_u16(&w, 5);
	put_u8(&w, 1);
	put_u16(&w, 0);
	put_u16(&w, 0);

	put_u16(&w, 0x000d);            /* signature_algorithms */
	e = open_len(&w, 2);
	list = open_len(&w, 2);
	for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		put_u16(&w, sigalgs[i]);
	close_len(&w, list, 2);
	close_len(&w, e, 2);

	put_u16(&w, 0x0033);            /* key_share: one X25519 share */
	e = open_len(&w, 2);
	list = open_len(&w, 2);
	put_u16(&w, 0x001d);
	put_u16(&w, 32);
	random_fill(rnd, sizeof(rnd), rng);
	put_bytes(&w, rnd, 32);
	close_len(&w, list, 2);
	close_len(&w, e, 2);

	put_u16(&w, 0x002d);            /* psk_key_exchange_modes: psk_dhe_ke */
	put_u16(&w, 2);
	put_u8(&w, 1);
	put_u8(&w, 1);

	put_u16(&w, 0x002b);            /* supported_versions: 1.3, 1.2 */
	put_u16(&w, 5);
	put_u8(&w, 4);
	put_u16(&w, 0x0304);
	put_u16(&w, 0x0303);

	close_len(&w, ext, 2);
	close_len(&w, hs, 3);
	close_len(&w, rec, 2);
	return w.n <= cap ? w.n : 0;
}

/* A TLS connection as a firewall sees it: the ClientHello in the clear, then records of
 * ciphertext (here random bytes) until SECONDS have passed. No server hello is awaited. */
static int run_tlsup(const struct sockaddr_storage *ss, socklen_t len, unsigned secs)
{
	static uint8_t buf[TLS_RECORDS * (5 + TLS_RECORD_DATA)];
	uint8_t hello[1024];
	uint64_t rng = now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15u;
	uint64_t sent = 0, acked = 0, start = now_ns(), t = start, end;
	size_t hlen = client_hello_put(hello, sizeof(hello), TLS_SNI, &rng), pos = 0;
	ssize_t n;
	int fd;

	if (!hlen) {
		fputs("connrate: ClientHello does not fit\n", stderr);
		return 1;
	}
	for (size_t i = 0; i < TLS_RECORDS; i++) {
		uint8_t *r = buf + i * (5 + TLS_RECORD_DATA);

		r[0] = 23;              /* application_data */
		r[1] = 3;
		r[2] = 3;
		r[3] = TLS_RECORD_DATA >> 8;
		r[4] = TLS_RECORD_DATA & 0xff;
		random_fill(r + 5, TLS_RECORD_DATA, &rng);
	}
	fd = connect_to(ss, len);
	end = start + (uint64_t)secs * 1000000000u;
	/* The hello goes alone, as a client sends it before the server's answer. */
	if (write(fd, hello, hlen) != (ssize_t)hlen)
		die("write");
	sent = hlen;
	while (t < end) {
		n = write(fd, buf + pos, sizeof(buf) - pos);
		if (n <= 0)
			die("write");
		sent += (uint64_t)n;
		pos = (pos + (size_t)n) % sizeof(buf);
		t = now_ns();
	}
	acked = upload_end(fd);
	close(fd);
	print_upload(acked, sent, 1, !acked, start);
	return acked ? 0 : 1;
}

/* COUNT datagrams, each on a 5-tuple of its own: FLOWS_PER_SOCKET destination ports per source
 * socket. Nothing listens there; what counts is that the firewall tracks every flow. A blocking
 * socket waits while its datagrams sit in a queue, which paces the sender to the firewall. */
static int run_flows(struct sockaddr_storage *ss, socklen_t len, unsigned count)
{
	static const char payload[] = "privfw-bench-flow";
	unsigned base = get_port(ss), sent = 0, errors = 0;
	uint64_t start = now_ns();
	int fd = -1;

	for (unsigned i = 0; i < count; i++) {
		if (i % FLOWS_PER_SOCKET == 0) {
			if (fd >= 0)
				close(fd);
			fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (fd < 0)
				die("socket");
			set_timeouts(fd, 2000);
		}
		set_port(ss, base + i % FLOWS_PER_SOCKET);
		if (sendto(fd, payload, sizeof(payload) - 1, 0, (const struct sockaddr *)ss, len) ==
		    (ssize_t)sizeof(payload) - 1)
			sent++;
		else
			errors++;
	}
	if (fd >= 0)
		close(fd);
	printf("flows=%u errors=%u seconds=%.3f\n", sent, errors, (double)(now_ns() - start) / 1e9);
	return sent ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned secs = 0, nports = 1;
	long count = 0;

	if (argc != 5 && argc != 6) {
		fputs("usage: connrate server|client|udprecv|udpsend|bulkrecv|httpup|tlsup ADDR PORT SECONDS [NPORTS]\n"
		      "       connrate flows ADDR PORT COUNT\n", stderr);
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
	if (!strcmp(argv[1], "flows")) {
		count = strtol(argv[4], NULL, 10);
		if (count < 1 || count > FLOWS_MAX ||
		    get_port(&ss) + (count < FLOWS_PER_SOCKET ? count : FLOWS_PER_SOCKET) - 1 > 65535) {
			fprintf(stderr, "connrate: COUNT must be 1..%u, its ports above PORT\n", FLOWS_MAX);
			return 2;
		}
	} else {
		secs = parse_seconds(argv[4]);
	}
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
		run_bulkrecv(&ss, len, secs);
	if (!strcmp(argv[1], "httpup"))
		return run_httpup(&ss, len, secs);
	if (!strcmp(argv[1], "tlsup"))
		return run_tlsup(&ss, len, secs);
	if (!strcmp(argv[1], "flows"))
		return run_flows(&ss, len, (unsigned)count);
	fprintf(stderr, "connrate: unknown mode %s\n", argv[1]);
	return 2;
}
