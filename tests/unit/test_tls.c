/* TLS ClientHello decoder: SNI and ALPN, bogus lengths, limits, every truncation; the stream
 * side across records and every split point. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "tls.h"
#include "unit.h"

#include "sink_rec.h"

static void put16(uint8_t *b, size_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static size_t ext(uint8_t *b, uint16_t type, const void *data, size_t len)
{
	put16(b, type);
	put16(b + 2, len);
	memcpy(b + 4, data, len);
	return 4 + len;
}

static size_t ext_sni(uint8_t *b, const char *name, size_t len)
{
	uint8_t d[300];

	put16(d, len + 3);
	d[2] = 0;
	put16(d + 3, len);
	memcpy(d + 5, name, len);
	return ext(b, 0, d, len + 5);
}

/* ALPN from a ','-separated list. */
static size_t ext_alpn(uint8_t *b, const char *list)
{
	uint8_t d[512];
	size_t n = 2;

	while (*list) {
		size_t l = strcspn(list, ",");

		d[n++] = (uint8_t)l;
		memcpy(d + n, list, l);
		n += l;
		list += l + (list[l] ? 1 : 0);
	}
	put16(d, n - 2);
	return ext(b, 16, d, n);
}

/* A ClientHello handshake message around the given extensions (none when elen is SIZE_MAX). */
static size_t hello(uint8_t *b, const uint8_t *exts, size_t elen)
{
	size_t n = 4;

	put16(b + n, 0x0303);
	n += 2;
	memset(b + n, 0xab, 32);
	n += 32;
	b[n++] = 32;
	memset(b + n, 0xcd, 32);
	n += 32;
	memcpy(b + n, "\x00\x04\x13\x01\x13\x02", 6);
	n += 6;
	memcpy(b + n, "\x01\x00", 2);
	n += 2;
	if (elen != SIZE_MAX) {
		put16(b + n, elen);
		memcpy(b + n + 2, exts, elen);
		n += 2 + elen;
	}
	b[0] = 1;
	b[1] = (uint8_t)((n - 4) >> 16);
	b[2] = (uint8_t)((n - 4) >> 8);
	b[3] = (uint8_t)(n - 4);
	return n;
}

/* The usual shape: SNI, supported_versions, ALPN. */
static size_t hello_std(uint8_t *b, const char *sni, const char *alpn)
{
	uint8_t e[1024];
	size_t n = 0;

	if (sni)
		n += ext_sni(e + n, sni, strlen(sni));
	n += ext(e + n, 0x002b, "\x04\x03\x04\x03\x03", 5);
	if (alpn)
		n += ext_alpn(e + n, alpn);
	return hello(b, e, n);
}

/* Wraps a handshake message into records of at most frag bytes. */
static size_t records(uint8_t *out, const uint8_t *hs, size_t n, size_t frag)
{
	size_t o = 0;

	for (size_t at = 0; at < n; at += frag) {
		size_t l = n - at < frag ? n - at : frag;

		out[o++] = 22;
		out[o++] = 3;
		out[o++] = 1;
		put16(out + o, l);
		o += 2;
		memcpy(out + o, hs + at, l);
		o += l;
	}
	return o;
}

static int parse_exact(const uint8_t *b, size_t n, struct tls_hello *h)
{
	uint8_t *c = malloc(n ? n : 1);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, b, n);
	rc = tls_hello_parse(c, n, h);
	free(c);
	CU_ASSERT(memchr(h->sni, '\0', sizeof(h->sni)) != NULL);
	CU_ASSERT(memchr(h->alpn, '\0', sizeof(h->alpn)) != NULL);
	return rc;
}

static void test_parse(void)
{
	uint8_t b[2048];
	size_t n = hello_std(b, "tracker.example.org", "h2,http/1.1");
	struct tls_hello h;

	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "tracker.example.org");
	CU_ASSERT_STRING_EQUAL(h.alpn, "h2,http/1.1");
	CU_ASSERT_EQUAL(h.version, 0x0303);
	/* Bytes after the message are not its business. */
	memset(b + n, 0xee, 10);
	CU_ASSERT_EQUAL(parse_exact(b, n + 10, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "tracker.example.org");
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(parse_exact(b, i, &h), -EAGAIN);

	n = hello(b, NULL, SIZE_MAX);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "");
	CU_ASSERT_STRING_EQUAL(h.alpn, "");
}

static void test_bogus_lengths(void)
{
	uint8_t b[2048], e[512];
	size_t n, el;
	struct tls_hello h;

	n = hello_std(b, "a.example", "h2");
	b[4 + 2 + 32] = 33;   /* session id too long */
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
	n = hello_std(b, "a.example", "h2");
	b[4 + 2 + 32 + 1 + 32 + 1] = 3;   /* odd cipher suites length */
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
	n = hello_std(b, "a.example", "h2");
	b[4 + 2 + 32 + 1 + 32 + 6] = 0;   /* no compression method */
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
	n = hello_std(b, "a.example", "h2");
	b[0] = 2;
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);

	/* Extensions block longer, then shorter than what follows. */
	el = ext_sni(e, "a.example", 9);
	n = hello(b, e, el);
	b[n - el - 1]++;
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
	b[n - el - 1] -= 2;
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
	/* One extension's length past the block. */
	n = hello(b, e, el);
	put16(b + n - el + 2, el);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
	/* server_name list length disagreeing with the extension's. */
	n = hello(b, e, el);
	put16(b + n - el + 4, 20);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
	/* host_name length past the list. */
	n = hello(b, e, el);
	put16(b + n - el + 7, 10);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
	/* An empty ALPN protocol name. */
	el = ext(e, 16, "\x00\x03\x02h2\x00", 6);
	n = hello(b, e, el);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
	/* Cut extension header. */
	el = ext_sni(e, "a.example", 9);
	e[el++] = 0;
	n = hello(b, e, el);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
}

static void test_ext_count(void)
{
	uint8_t b[2048], e[1024];
	size_t el = 0, n;
	struct tls_hello h;

	for (int i = 0; i < 127; i++)
		el += ext(e + el, (uint16_t)(0x1000 + i), "", 0);
	el += ext_sni(e + el, "last.example", 12);
	n = hello(b, e, el);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "last.example");
	el += ext(e + el, 0x2000, "", 0);
	n = hello(b, e, el);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), -EBADMSG);
}

static void test_sni_values(void)
{
	uint8_t b[2048], e[1024];
	char name[300];
	size_t el, n;
	struct tls_hello h;

	/* 0-length name, and an empty extension: absent. */
	n = hello(b, e, ext_sni(e, "", 0));
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "");
	n = hello(b, e, ext(e, 0, "", 0));
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "");
	/* Characters no host name has. */
	n = hello(b, e, ext_sni(e, "a b.example", 11));
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "");
	n = hello(b, e, ext_sni(e, "a\0b.example", 11));
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "");
	n = hello(b, e, ext_sni(e, "_dmarc.Sub-1.example", 20));
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "_dmarc.Sub-1.example");
	/* 255 fits, 256 does not. */
	memset(name, 'x', 256);
	n = hello(b, e, ext_sni(e, name, 255));
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_EQUAL(strlen(h.sni), 255);
	n = hello(b, e, ext_sni(e, name, 256));
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "");
	/* Only the first host_name counts; other name types are skipped. */
	memcpy(e, "\x00\x00\x00\x11\x00\x0f" "\x01\x00\x03" "abc" "\x00\x00\x01" "b" "\x00\x00\x02" "cc", 21);
	n = hello(b, e, 21);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "b");
	/* A second server_name extension does not override the first. */
	el = ext_sni(e, "first.example", 13);
	el += ext_sni(e + el, "second.example", 14);
	n = hello(b, e, el);
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.sni, "first.example");
}

static void test_alpn_values(void)
{
	uint8_t b[2048], e[1024];
	size_t n;
	struct tls_hello h;

	n = hello(b, e, ext_alpn(e, "0123456789abcdef,0123456789abcdef,0123456789abcdef,0123456789abcdef"));
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_EQUAL(strlen(h.alpn), sizeof(h.alpn) - 1);
	CU_ASSERT_EQUAL(memcmp(h.alpn, "0123456789abcdef,0123456789abcdef,", 34), 0);
	n = hello(b, e, ext(e, 16, "\x00\x05\x04h\x01 ,", 7));
	CU_ASSERT_EQUAL(parse_exact(b, n, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.alpn, "h???");
}

static void test_sniff(void)
{
	uint8_t b[2048], r[2100];
	size_t n = hello_std(b, "a.example", NULL);

	records(r, b, n, 16384);
	for (size_t i = 0; i <= 16; i++)
		CU_ASSERT(tls_sniff(r, i));
	CU_ASSERT(!tls_sniff((const uint8_t *)"GET / HTTP/1.1", 14));
	r[2] = 0;
	CU_ASSERT(!tls_sniff(r, 3));
	r[2] = 5;
	CU_ASSERT(!tls_sniff(r, 3));
	r[2] = 3;
	r[5] = 2;
	CU_ASSERT(!tls_sniff(r, 6));
	r[0] = 23;
	CU_ASSERT(!tls_sniff(r, 1));
	CU_ASSERT(!tls_sniff((const uint8_t *)"\x16\x03\x01\x00\x00", 5));
}

/* Feeds b cut at the given points; returns the last result and fills *h once done. */
static int stream_splits(const uint8_t *b, size_t n, const size_t *cuts, size_t ncuts, struct rec *r,
			 struct tls_hello *h)
{
	struct decode_sink s = sink(r);
	struct tls_stream *t = tls_stream_new();
	size_t at = 0;
	int rc = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (size_t i = 0; i <= ncuts && rc == 0; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		uint8_t *c = malloc(to - at + 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		memcpy(c, b + at, to - at);
		rc = tls_stream_feed(t, c, to - at, &s, h);
		free(c);
		at = to;
	}
	/* The hello buffer is gone once the hello has been read. */
	if (rc == 1)
		CU_ASSERT(tls_stream_mem(t) < TLS_HELLO_MAX);
	tls_stream_free(t);
	CU_ASSERT(!r->bad);
	return rc;
}

static void test_stream(void)
{
	uint8_t hs[2048], b[2200];
	size_t hn = hello_std(hs, "cdn.tracker.example", "h2"), n, cuts[2];
	struct tls_hello h;
	struct rec r;
	struct tls_stream *t;
	struct decode_sink s;

	n = records(b, hs, hn, 16384);
	CU_ASSERT_EQUAL(stream_splits(b, n, NULL, 0, &r, &h), 1);
	CU_ASSERT_STRING_EQUAL(r.b, "<host:cdn.tracker.example>cdn.tracker.example|");
	CU_ASSERT_STRING_EQUAL(h.alpn, "h2");
	for (size_t i = 0; i <= n; i++) {
		cuts[0] = i;
		CU_ASSERT_EQUAL(stream_splits(b, n, cuts, 1, &r, &h), 1);
		CU_ASSERT_STRING_EQUAL(r.b, "<host:cdn.tracker.example>cdn.tracker.example|");
		/* Every prefix waits for more. */
		CU_ASSERT_EQUAL(stream_splits(b, i, NULL, 0, &r, &h), i == n ? 1 : 0);
	}

	/* Spread over records of 40 bytes, cut at every pair of points. */
	n = records(b, hs, hn, 40);
	for (size_t i = 0; i <= n; i++)
		for (size_t j = i; j <= n; j += 3) {
			cuts[0] = i;
			cuts[1] = j;
			CU_ASSERT_EQUAL(stream_splits(b, n, cuts, 2, &r, &h), 1);
			CU_ASSERT_STRING_EQUAL(r.b, "<host:cdn.tracker.example>cdn.tracker.example|");
		}

	/* Once done: application data is ignored, the hello reported again, nothing emitted. */
	t = tls_stream_new();
	s = sink(&r);
	CU_ASSERT_EQUAL(tls_stream_feed(t, b, n, &s, &h), 1);
	CU_ASSERT(tls_stream_mem(t) < TLS_HELLO_MAX);
	CU_ASSERT_EQUAL(tls_stream_feed(t, (const uint8_t *)"\x17\x03\x03\x00\x01x", 6, &s, &h), 1);
	CU_ASSERT_STRING_EQUAL(h.sni, "cdn.tracker.example");
	CU_ASSERT_EQUAL(r.nhost, 1);
	tls_stream_free(t);
	tls_stream_free(NULL);
}

static void test_stream_bad(void)
{
	uint8_t hs[20000], b[21000];
	size_t hn = hello_std(hs, "a.example", NULL), n;
	struct tls_hello h;
	struct rec r;
	uint8_t pad[16000];

	n = records(b, hs, hn, 16384);
	b[0] = 23;   /* application data */
	CU_ASSERT_EQUAL(stream_splits(b, n, NULL, 0, &r, &h), -EBADMSG);
	b[0] = 22;
	b[1] = 2;
	CU_ASSERT_EQUAL(stream_splits(b, n, NULL, 0, &r, &h), -EBADMSG);
	b[1] = 3;
	b[5] = 2;   /* ServerHello */
	CU_ASSERT_EQUAL(stream_splits(b, n, NULL, 0, &r, &h), -EBADMSG);
	/* A second record of another type before the hello is complete. */
	n = records(b, hs, hn, 50);
	b[55] = 20;
	CU_ASSERT_EQUAL(stream_splits(b, n, NULL, 0, &r, &h), -EBADMSG);
	CU_ASSERT_EQUAL(r.n, 0);
	/* Declared longer than TLS_HELLO_MAX. */
	n = records(b, hs, hn, 16384);
	b[6] = 1;
	CU_ASSERT_EQUAL(stream_splits(b, n, NULL, 0, &r, &h), -EBADMSG);
	/* Malformed once complete. */
	n = hello(hs, (const uint8_t *)"\x00\x00\x00\x09", 4);
	n = records(b, hs, n, 16384);
	CU_ASSERT_EQUAL(stream_splits(b, n, NULL, 0, &r, &h), -EBADMSG);

	/* A large hello (padding extension) over two records still fits. */
	memset(pad, 0, sizeof(pad));
	hn = ext_sni(b, "big.example", 11);
	hn += ext(b + hn, 21, pad, sizeof(pad) - 100);
	hn = hello(hs, b, hn);
	CU_ASSERT(hn > 16000 && hn <= TLS_HELLO_MAX);
	n = records(b, hs, hn, 16384);
	CU_ASSERT_EQUAL(stream_splits(b, n, NULL, 0, &r, &h), 1);
	CU_ASSERT_STRING_EQUAL(h.sni, "big.example");
}

static const struct unit_case cases[] = {
	{"client hello, truncations", test_parse},
	{"bogus lengths", test_bogus_lengths},
	{"extension count limit", test_ext_count},
	{"sni values", test_sni_values},
	{"alpn values", test_alpn_values},
	{"sniff", test_sniff},
	{"stream across records and splits", test_stream},
	{"stream errors and limits", test_stream_bad},
	{NULL, NULL},
};

int main(void)
{
	return unit_run("tls", cases);
}
