/* Inspection glue: TCP order, retransmissions, holes, budget, decoder choice, escapes undone
 * across segments, settling after a TLS hello, and every split of a request finding the same. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "detect.h"
#include "inspect.h"
#include "pkt.h"
#include "unit.h"

#define IMEI "490154203237518"
#define MID "8f3a1c2b9d7e4f60a1b2c3d4e5f60718"

static const struct known_value known[] = {
	{ DT_IMEI, "imei", IMEI },
	{ DT_MACHINE_ID, "machine_id", MID },
	{ DT_SECRET, "pin", "correct-horse-battery" },
};

static struct detect_db *db;

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* An IPv4 TCP (or UDP) packet to dport carrying data, parsed into *p over buf. */
static void mkpkt(struct pkt *p, uint8_t *buf, uint8_t proto, uint16_t dport, uint32_t seq,
		  uint8_t flags, const void *data, size_t n)
{
	size_t l4 = proto == IPPROTO_TCP ? 20 : 8;

	memset(buf, 0, 28 + l4);
	buf[0] = 0x45;
	put16(buf + 2, (uint16_t)(20 + l4 + n));
	buf[8] = 64;
	buf[9] = proto;
	memcpy(buf + 12, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	memcpy(buf + 16, (uint8_t[]){ 192, 0, 2, 2 }, 4);
	put16(buf + 20, 40000);
	put16(buf + 22, dport);
	if (proto == IPPROTO_TCP) {
		put32(buf + 24, seq);
		buf[32] = 5 << 4;
		buf[33] = flags;
		put16(buf + 34, 65535);
	} else {
		put16(buf + 24, (uint16_t)(8 + n));
	}
	memcpy(buf + 20 + l4, data, n);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(p, buf, 20 + l4 + n), 0);
}

/* Feeds one packet; returns the status and adds the findings' types as bits to *types. */
static enum inspect_status feed(struct inspect *in, struct inspect_flow *f, uint8_t proto, uint16_t dport,
				uint32_t seq, uint8_t flags, const void *data, size_t n, unsigned *types)
{
	static uint8_t buf[70000];
	struct inspect_result r;
	struct pkt p;

	mkpkt(&p, buf, proto, dport, seq, flags, data, n);
	inspect_packet(in, f, &p, &r);
	for (size_t i = 0; i < r.n; i++) {
		*types |= 1u << r.findings[i].type;
		CU_ASSERT_PTR_NULL(strstr(r.findings[i].mask, IMEI));
	}
	return r.status;
}

static void test_http_and_retransmit(void)
{
	static const char req[] = "POST /r HTTP/1.1\r\nHost: api.example.net\r\nContent-Length: 20\r\n\r\nimei=" IMEI;
	struct inspect *in = inspect_new_borrowed(db, 65536);
	struct inspect_flow *f = inspect_flow_new(in, IPPROTO_TCP, 80);
	unsigned t = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_TCP, 80, 1000, 0x02, "", 0, &t), INSPECT_MORE);
	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_TCP, 80, 1001, 0x18, req, 40, &t), INSPECT_MORE);
	CU_ASSERT_EQUAL(inspect_flow_carrier(f), CARRIER_HTTP);
	CU_ASSERT_EQUAL(t, 0);
	/* A retransmission of what was seen is not scanned again; an overlap only for its new part. */
	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_TCP, 80, 1001, 0x18, req, 40, &t), INSPECT_MORE);
	/* Past a hole: not inspected, and said so. */
	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_TCP, 80, 1001 + 60, 0x18, req + 60, sizeof(req) - 61, &t), INSPECT_GAP);
	CU_ASSERT_EQUAL(t, 0);
	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_TCP, 80, 1021, 0x18, req + 20, sizeof(req) - 21, &t), INSPECT_MORE);
	CU_ASSERT(t & (1u << DT_IMEI));
	CU_ASSERT_STRING_EQUAL(inspect_flow_host(f), "api.example.net");
	inspect_flow_free(in, f);
	inspect_free(in);
}

/* Every split of the request into two segments finds the IMEI, exactly once. */
static void test_every_split(void)
{
	static const char req[] = "GET /p?x=1&d=" IMEI "&z=2 HTTP/1.1\r\nHost: h.example\r\n\r\n";
	size_t n = sizeof(req) - 1;

	for (size_t cut = 1; cut < n; cut++) {
		struct inspect *in = inspect_new_borrowed(db, 65536);
		struct inspect_flow *f = inspect_flow_new(in, IPPROTO_TCP, 80);
		unsigned t = 0;

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		feed(in, f, IPPROTO_TCP, 80, 1, 0x18, req, cut, &t);
		feed(in, f, IPPROTO_TCP, 80, 1 + (uint32_t)cut, 0x18, req + cut, n - cut, &t);
		CU_ASSERT(t & (1u << DT_IMEI));
		inspect_flow_free(in, f);
		inspect_free(in);
	}
}

/* Escapes in raw streams are undone, also when a segment ends inside one. */
static void test_raw_escapes(void)
{
	static const char msg[] = "{\"d\":\"\\u0034\\u00390154203237518\",\"m\":\"%38f3a1c2b9d7e4f60a1b2c3d4e5f60718\"}";
	size_t n = sizeof(msg) - 1;

	for (size_t cut = 1; cut < n; cut++) {
		struct inspect *in = inspect_new_borrowed(db, 65536);
		struct inspect_flow *f = inspect_flow_new(in, IPPROTO_TCP, 5222);
		unsigned t = 0;

		feed(in, f, IPPROTO_TCP, 5222, 7, 0x18, msg, cut, &t);
		feed(in, f, IPPROTO_TCP, 5222, 7 + (uint32_t)cut, 0x18, msg + cut, n - cut, &t);
		CU_ASSERT_EQUAL(inspect_flow_carrier(f), CARRIER_RAW);
		CU_ASSERT(t & (1u << DT_IMEI));
		CU_ASSERT(t & (1u << DT_MACHINE_ID));
		inspect_flow_free(in, f);
		inspect_free(in);
	}
}

static void test_budget(void)
{
	static char big[3000];
	struct inspect *in = inspect_new_borrowed(db, 2048);
	struct inspect_flow *f = inspect_flow_new(in, IPPROTO_TCP, 9000);
	unsigned t = 0;

	memset(big, 'a', sizeof(big));
	memcpy(big + 2100, IMEI, 15);
	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_TCP, 9000, 1, 0x18, big, 1000, &t), INSPECT_MORE);
	/* The budget ends inside this segment: the flow settles, and what lies past it is not read. */
	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_TCP, 9000, 1001, 0x18, big + 1000, 2000, &t), INSPECT_DONE);
	CU_ASSERT_EQUAL(t, 0);
	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_TCP, 9000, 3001, 0x18, "x", 1, &t), INSPECT_DONE);
	inspect_flow_free(in, f);
	inspect_free(in);
}

static void test_tls_settles(void)
{
	/* A ClientHello with SNI <machine-id>.t.example: the name is scanned, then the flow settles. */
	static const char host[] = MID ".t.example";
	uint8_t rec[512], *h = rec + 5;
	size_t hn = strlen(host), ext = 9 + hn, body = 2 + 32 + 1 + 4 + 2 + 2 + ext, len = 4 + body;
	struct inspect *in = inspect_new_borrowed(db, 65536);
	struct inspect_flow *f = inspect_flow_new(in, IPPROTO_TCP, 443);
	unsigned t = 0;
	uint8_t *q;

	memset(rec, 0, sizeof(rec));
	rec[0] = 22;
	put16(rec + 1, 0x0301);
	put16(rec + 3, (uint16_t)len);
	h[0] = 1;
	h[1] = 0;
	put16(h + 2, (uint16_t)body);
	q = h + 4;
	put16(q, 0x0303);
	q += 2 + 32;
	*q++ = 0;                  /* session id */
	put16(q, 2);
	put16(q + 2, 0x1301);
	q += 4;
	*q++ = 1;
	*q++ = 0;                  /* compression */
	put16(q, (uint16_t)ext);
	q += 2;
	put16(q, 0);               /* server_name */
	put16(q + 2, (uint16_t)(5 + hn));
	put16(q + 4, (uint16_t)(3 + hn));
	q[6] = 0;
	put16(q + 7, (uint16_t)hn);
	memcpy(q + 9, host, hn);
	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_TCP, 443, 1, 0x18, rec, 5 + len, &t), INSPECT_DONE);
	CU_ASSERT_EQUAL(inspect_flow_carrier(f), CARRIER_TLS);
	CU_ASSERT_STRING_EQUAL(inspect_flow_host(f), host);
	CU_ASSERT(t & (1u << DT_MACHINE_ID));
	inspect_flow_free(in, f);
	inspect_free(in);
}

static void test_dns_and_udp(void)
{
	static const uint8_t q[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
				     15, '4', '9', '0', '1', '5', '4', '2', '0', '3', '2', '3', '7', '5', '1', '8',
				     1, 't', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1 };
	struct inspect *in = inspect_new_borrowed(db, 65536);
	struct inspect_flow *f = inspect_flow_new(in, IPPROTO_UDP, 53);
	struct inspect_flow *g = inspect_flow_new(in, IPPROTO_UDP, 9999);
	unsigned t = 0;

	CU_ASSERT_EQUAL(feed(in, f, IPPROTO_UDP, 53, 0, 0, q, sizeof(q), &t), INSPECT_MORE);
	CU_ASSERT_EQUAL(inspect_flow_carrier(f), CARRIER_DNS);
	CU_ASSERT_STRING_EQUAL(inspect_flow_host(f), IMEI ".t.example");
	CU_ASSERT(t & (1u << DT_IMEI));
	t = 0;
	/* Datagrams are separate: a value is not joined across two of them. */
	feed(in, g, IPPROTO_UDP, 9999, 0, 0, "id=4901542", 10, &t);
	feed(in, g, IPPROTO_UDP, 9999, 0, 0, "03237518;", 9, &t);
	CU_ASSERT_EQUAL(inspect_flow_carrier(g), CARRIER_RAW);
	CU_ASSERT_EQUAL(t & (1u << DT_IMEI), 0);
	inspect_flow_free(in, f);
	inspect_flow_free(in, g);
	inspect_free(in);
}

/* Garbage of every length through every carrier never crashes. */
static void test_garbage(void)
{
	static const uint16_t ports[] = { 80, 443, 53, 9 };
	uint8_t junk[600];
	unsigned seed = 1, t = 0;

	for (size_t i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (uint8_t)(seed >> 16);
	}
	memcpy(junk, "POST / HTTP/1.1\r\nContent-Length: 99999\r\n\r\n%4", 44);
	for (size_t pi = 0; pi < 4; pi++)
		for (int proto = 0; proto < 2; proto++) {
			struct inspect *in = inspect_new_borrowed(db, 65536);

			for (size_t n = 0; n < sizeof(junk); n += 37) {
				uint8_t pr = proto ? IPPROTO_UDP : IPPROTO_TCP;
				struct inspect_flow *f = inspect_flow_new(in, pr, ports[pi]);

				feed(in, f, pr, ports[pi], 1, 0x18, junk, n, &t);
				feed(in, f, pr, ports[pi], 1 + (uint32_t)n, 0x18, junk, sizeof(junk) - n, &t);
				inspect_flow_free(in, f);
			}
			inspect_free(in);
		}
	CU_PASS("no crash");
}

static const struct unit_case cases[] = {
	{ "http, retransmission, hole", test_http_and_retransmit },
	{ "every split", test_every_split },
	{ "escapes in raw streams", test_raw_escapes },
	{ "budget", test_budget },
	{ "tls settles", test_tls_settles },
	{ "dns and udp", test_dns_and_udp },
	{ "garbage", test_garbage },
	{ NULL, NULL },
};

int main(void)
{
	struct detect_config c = { .known = known, .n_known = sizeof(known) / sizeof(known[0]) };
	char err[256];
	int r;

	db = detect_db_new(&c, err, sizeof(err));
	if (!db) {
		fprintf(stderr, "detect_db_new: %s\n", err);
		return 2;
	}
	r = unit_run("inspect", cases);
	detect_db_free(db);
	return r;
}
