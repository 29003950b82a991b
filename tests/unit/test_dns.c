/* DNS decoder: question names, compression pointers (loops, forward, chains), label and name
 * limits, every truncation, TCP framing across every split point. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "dns.h"
#include "unit.h"

/* A DNS name is at most 253 characters. */
#define REC_DATA_MAX 253
#include "sink_rec.h"

/* Header with qd questions (a query: QR=0, RD=1). */
static size_t hdr(uint8_t *b, uint16_t qd)
{
	static const uint8_t h[12] = {0x12, 0x34, 0x01, 0x00};

	memcpy(b, h, sizeof(h));
	b[4] = (uint8_t)(qd >> 8);
	b[5] = (uint8_t)qd;
	return sizeof(h);
}

/* Dotted name to labels (no terminating zero). */
static size_t labels(uint8_t *b, const char *name)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		b[n++] = (uint8_t)l;
		memcpy(b + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	return n;
}

static size_t question(uint8_t *b, const char *name)
{
	size_t n = labels(b, name);

	memcpy(b + n, "\x00\x00\x01\x00\x01", 5);
	return n + 5;
}

/* Parses an exact-size heap copy so ASan reports any read past the end. */
static int parse_exact(const uint8_t *b, size_t n, struct rec *r)
{
	struct decode_sink s = sink(r);
	uint8_t *c = malloc(n ? n : 1);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, b, n);
	rc = dns_parse(c, n, &s);
	free(c);
	CU_ASSERT(!r->bad);
	return rc;
}

/* Every strict prefix of a well-formed message is malformed, and nothing crashes. */
static void check_truncations(const uint8_t *b, size_t n)
{
	struct rec r;

	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(parse_exact(b, i, &r), -EBADMSG);
}

static void test_one(void)
{
	uint8_t b[128];
	size_t n = hdr(b, 1);
	struct rec r;

	n += question(b + n, "www.example.com");
	CU_ASSERT_EQUAL(parse_exact(b, n, &r), 1);
	CU_ASSERT_STRING_EQUAL(r.b, "<host:www.example.com>www.example.com|");
	CU_ASSERT(dns_sniff(b, n));
	check_truncations(b, n);
}

static void test_pointer(void)
{
	uint8_t b[128];
	size_t n = hdr(b, 3), first;
	struct rec r;

	first = n;
	n += question(b + n, "www.example.com");
	/* "api" + pointer to "example.com" inside the first name. */
	n += labels(b + n, "api");
	b[n++] = 0xc0;
	b[n++] = (uint8_t)(first + 4);
	memcpy(b + n, "\x00\x01\x00\x01", 4);
	n += 4;
	/* A bare pointer to the whole first name. */
	b[n++] = 0xc0;
	b[n++] = (uint8_t)first;
	memcpy(b + n, "\x00\x1c\x00\x01", 4);
	n += 4;
	CU_ASSERT_EQUAL(parse_exact(b, n, &r), 3);
	CU_ASSERT_STRING_EQUAL(r.b, "<host:www.example.com>www.example.com|api.example.com|www.example.com|");
	CU_ASSERT_EQUAL(r.nhost, 1);
	check_truncations(b, n);
}

static void test_pointer_loops(void)
{
	uint8_t b[128];
	size_t n;
	struct rec r;

	/* Points at itself. */
	n = hdr(b, 1);
	memcpy(b + n, "\xc0\x0c\x00\x01\x00\x01", 6);
	CU_ASSERT_EQUAL(parse_exact(b, n + 6, &r), -EBADMSG);

	/* A label, then back to its own start. */
	n = hdr(b, 1);
	memcpy(b + n, "\x01" "a" "\xc0\x0c\x00\x01\x00\x01", 8);
	CU_ASSERT_EQUAL(parse_exact(b, n + 8, &r), -EBADMSG);
	CU_ASSERT_EQUAL(r.n, 0);

	/* Two names pointing at each other: the first points forward. */
	n = hdr(b, 2);
	memcpy(b + n, "\x01" "a" "\xc0\x14\x00\x01\x00\x01" "\x01" "b" "\xc0\x0c\x00\x01\x00\x01", 16);
	CU_ASSERT_EQUAL(parse_exact(b, n + 16, &r), -EBADMSG);

	/* A pointer into the header. */
	n = hdr(b, 1);
	memcpy(b + n, "\xc0\x02\x00\x01\x00\x01", 6);
	CU_ASSERT_EQUAL(parse_exact(b, n + 6, &r), -EBADMSG);

	/* Pointer cut after its first byte. */
	n = hdr(b, 1);
	b[n++] = 0xc0;
	CU_ASSERT_EQUAL(parse_exact(b, n, &r), -EBADMSG);
}

/* Question k is "x" + a pointer to question k-1: k jumps. Eight are followed, the ninth not. */
static void test_pointer_chain(void)
{
	uint8_t b[256];
	size_t n = hdr(b, 10), prev;
	struct rec r;
	char want[512] = "<host:base>base|", name[64] = "base";

	prev = n;
	n += question(b + n, "base");
	for (int k = 1; k < 10; k++) {
		size_t here = n;

		n += labels(b + n, "x");
		b[n++] = 0xc0;
		b[n++] = (uint8_t)prev;
		memcpy(b + n, "\x00\x01\x00\x01", 4);
		n += 4;
		prev = here;
		if (k <= 8) {
			memmove(name + 2, name, strlen(name) + 1);
			memcpy(name, "x.", 2);
			strcat(want, name);
			strcat(want, "|");
		}
	}
	CU_ASSERT_EQUAL(parse_exact(b, n, &r), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(r.b, want);
}

static void test_labels(void)
{
	uint8_t b[512];
	size_t n;
	struct rec r;
	char name[300];

	/* 0x40 and 0x80 label types. */
	n = hdr(b, 1);
	b[n++] = 0x40;
	memset(b + n, 'a', 64);
	n += 64;
	memcpy(b + n, "\x00\x00\x01\x00\x01", 5);
	CU_ASSERT_EQUAL(parse_exact(b, n + 5, &r), -EBADMSG);
	b[12] = 0x80;
	CU_ASSERT_EQUAL(parse_exact(b, n + 5, &r), -EBADMSG);

	/* 63-byte label is fine. */
	memset(name, 'a', 63);
	strcpy(name + 63, ".com");
	n = hdr(b, 1);
	n += question(b + n, name);
	CU_ASSERT_EQUAL(parse_exact(b, n, &r), 1);

	/* 255 bytes on the wire (253 as text) is the longest name. */
	memset(name, 'b', 253);
	name[253] = '\0';
	name[63] = name[127] = name[191] = '.';
	n = hdr(b, 1);
	n += question(b + n, name);
	CU_ASSERT_EQUAL(parse_exact(b, n, &r), 1);
	CU_ASSERT_EQUAL(strlen(r.b), 6 + 253 + 1 + 253 + 1);
	/* One more byte is too long. */
	strcpy(name + 253, "b");
	n = hdr(b, 1);
	n += question(b + n, name);
	CU_ASSERT_EQUAL(parse_exact(b, n, &r), -EBADMSG);

	/* Label length past the end. */
	n = hdr(b, 1);
	memcpy(b + n, "\x05" "ab", 3);
	CU_ASSERT_EQUAL(parse_exact(b, n + 3, &r), -EBADMSG);
}

static void test_header(void)
{
	uint8_t b[128];
	size_t n, q;
	struct rec r;

	n = hdr(b, 0);
	q = question(b + n, "example.org");
	CU_ASSERT_EQUAL(parse_exact(b, n + q, &r), -EBADMSG);
	CU_ASSERT(!dns_sniff(b, n + q));
	hdr(b, 17);
	CU_ASSERT_EQUAL(parse_exact(b, n + q, &r), -EBADMSG);
	CU_ASSERT(!dns_sniff(b, n + q));
	/* Fewer questions present than announced: the first still counts. */
	hdr(b, 2);
	CU_ASSERT_EQUAL(parse_exact(b, n + q, &r), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(r.b, "<host:example.org>example.org|");
	/* A response is decoded, but is no query. */
	hdr(b, 1);
	CU_ASSERT(dns_sniff(b, n + q));
	b[2] |= 0x80;
	CU_ASSERT_EQUAL(parse_exact(b, n + q, &r), 1);
	CU_ASSERT(!dns_sniff(b, n + q));
	b[2] = 0x01;
	CU_ASSERT(!dns_sniff(b, 5));
	CU_ASSERT(!dns_sniff((const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18));
	CU_ASSERT_EQUAL(parse_exact(b, 0, &r), -EBADMSG);

	/* The root name is a question without text. */
	n = hdr(b, 1);
	memcpy(b + n, "\x00\x00\x02\x00\x01", 5);
	CU_ASSERT_EQUAL(parse_exact(b, n + 5, &r), 1);
	CU_ASSERT_EQUAL(r.n, 0);
	CU_ASSERT_EQUAL(r.nhost, 0);
}

/* Two framed queries, the second with two questions. */
static size_t tcp_stream(uint8_t *b)
{
	size_t n = 0, m;

	m = hdr(b + n + 2, 1);
	m += question(b + n + 2 + m, "a.example");
	b[n] = 0;
	b[n + 1] = (uint8_t)m;
	n += 2 + m;
	m = hdr(b + n + 2, 2);
	m += question(b + n + 2 + m, "tracker.example.net");
	m += question(b + n + 2 + m, "x");
	b[n] = 0;
	b[n + 1] = (uint8_t)m;
	return n + 2 + m;
}

static int tcp_feed_splits(const uint8_t *b, size_t n, const size_t *cuts, size_t ncuts, struct rec *r)
{
	struct decode_sink s = sink(r);
	struct dns_tcp d;
	size_t at = 0;
	int rc = 0, x;

	dns_tcp_init(&d);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		uint8_t *c = malloc(to - at + 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		memcpy(c, b + at, to - at);
		if ((x = dns_tcp_feed(&d, c, to - at, &s)) < 0)
			rc = x;
		free(c);
		at = to;
	}
	CU_ASSERT(!r->bad);
	return rc;
}

static void test_tcp_splits(void)
{
	uint8_t b[256];
	size_t n = tcp_stream(b), cuts[2];
	struct rec whole, r;

	CU_ASSERT_EQUAL(tcp_feed_splits(b, n, NULL, 0, &whole), 0);
	CU_ASSERT_STRING_EQUAL(whole.b, "<host:a.example>a.example|<host:tracker.example.net>tracker.example.net|x|");
	for (size_t i = 0; i <= n; i++)
		for (size_t j = i; j <= n; j++) {
			cuts[0] = i;
			cuts[1] = j;
			CU_ASSERT_EQUAL(tcp_feed_splits(b, n, cuts, 2, &r), 0);
			CU_ASSERT_STRING_EQUAL(r.b, whole.b);
		}
}

/* A message longer than the buffer is decoded from its head; framing continues after it. */
static void test_tcp_long(void)
{
	uint8_t b[1024];
	size_t n, m, cut[1];
	struct rec whole, r;
	char name[200];

	memset(name, 'q', 150);
	name[150] = '\0';
	name[60] = name[120] = '.';
	m = hdr(b + 2, 4);
	for (int i = 0; i < 4; i++) {
		name[0] = (char)('a' + i);
		m += question(b + 2 + m, name);
	}
	CU_ASSERT(m > 512);
	b[0] = (uint8_t)(m >> 8);
	b[1] = (uint8_t)m;
	n = 2 + m;
	b[n] = 0;
	m = hdr(b + n + 2, 1);
	m += question(b + n + 2 + m, "after.example");
	b[n + 1] = (uint8_t)m;
	n += 2 + m;
	CU_ASSERT_EQUAL(tcp_feed_splits(b, n, NULL, 0, &whole), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(whole.b, "|<host:after.example>after.example|"));
	/* Three names fit in 512 bytes, the fourth does not. */
	CU_ASSERT_PTR_NOT_NULL(strstr(whole.b, "cqqq"));
	CU_ASSERT_PTR_NULL(strstr(whole.b, "dqqq"));
	for (size_t i = 0; i <= n; i++) {
		cut[0] = i;
		CU_ASSERT_EQUAL(tcp_feed_splits(b, n, cut, 1, &r), 0);
		CU_ASSERT_STRING_EQUAL(r.b, whole.b);
	}
}

static void test_tcp_bad(void)
{
	uint8_t b[128];
	size_t n = 0, m;
	struct rec r;

	/* A zero length, a malformed message, then a good one. */
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 14;
	m = hdr(b + n, 1);
	memcpy(b + n + m, "\xc0\x0c", 2);
	n += 14;
	b[n++] = 0;
	m = hdr(b + n + 1, 1);
	m += question(b + n + 1 + m, "ok.example");
	b[n++] = (uint8_t)m;
	n += m;
	CU_ASSERT_EQUAL(tcp_feed_splits(b, n, NULL, 0, &r), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(r.b, "<host:ok.example>ok.example|");
}

static const struct unit_case cases[] = {
	{"one question, truncations", test_one},
	{"compression pointers", test_pointer},
	{"pointer loops and forward pointers", test_pointer_loops},
	{"pointer chain limit", test_pointer_chain},
	{"label and name limits", test_labels},
	{"header checks, sniff, root", test_header},
	{"tcp framing at every pair of split points", test_tcp_splits},
	{"tcp message over 512 bytes", test_tcp_long},
	{"tcp zero length and malformed", test_tcp_bad},
	{NULL, NULL},
};

int main(void)
{
	return unit_run("dns", cases);
}
