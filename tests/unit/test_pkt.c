/* Packet parser: hand-built packets field by field, every truncation, malformed headers. */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pkt.h"
#include "unit.h"

static const uint8_t v4_src[4] = {192, 0, 2, 10};
static const uint8_t v4_dst[4] = {203, 0, 113, 9};
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x02};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const char http[] = "GET / HTTP/1.1\r\n";
static const char dns[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00";

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

/* IPv4 header of ihl words (options are NOPs); returns its length. */
static size_t ip4(uint8_t *b, unsigned ihl, uint16_t tot, uint16_t frag, uint8_t proto)
{
	memset(b, 0, ihl * 4);
	b[0] = (uint8_t)(0x40 | ihl);
	put16(b + 2, tot);
	put16(b + 4, 0x1234);
	put16(b + 6, frag);
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, v4_src, 4);
	memcpy(b + 16, v4_dst, 4);
	for (unsigned i = 20; i < ihl * 4; i++)
		b[i] = 1;
	return ihl * 4;
}

static size_t ip6(uint8_t *b, uint16_t plen, uint8_t nh)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, plen);
	b[6] = nh;
	b[7] = 64;
	memcpy(b + 8, v6_src, 16);
	memcpy(b + 24, v6_dst, 16);
	return 40;
}

/* TCP header with doff words; options MSS 1460, SACK-permitted, NOP, WS 7, NOP, NOP when
 * doff is 8, zeros (end of list) otherwise. */
static size_t tcp(uint8_t *b, unsigned doff, uint8_t flags)
{
	static const uint8_t opts[12] = {2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7, 1, 1};

	memset(b, 0, doff * 4);
	put16(b, 40000);
	put16(b + 2, 443);
	put32(b + 4, 0xdeadbeef);
	put32(b + 8, 1);
	b[12] = (uint8_t)(doff << 4);
	b[13] = flags;
	put16(b + 14, 65535);
	if (doff == 8)
		memcpy(b + 20, opts, sizeof(opts));
	return doff * 4;
}

static size_t udp(uint8_t *b, uint16_t ulen)
{
	put16(b, 53000);
	put16(b + 2, 53);
	put16(b + 4, ulen);
	put16(b + 6, 0);
	return 8;
}

/* Parses an exact-size heap copy so ASan reports any read past the end. */
static int parse_exact(struct pkt *p, const uint8_t *b, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, b, n);
	r = pkt_parse(p, c, n);
	if (r == 0) {
		CU_ASSERT(p->payload >= c && p->payload + p->payload_len <= c + n);
		CU_ASSERT(p->l4_off <= n);
		/* Make the result comparable after the copy is gone. */
		p->payload = b + (p->payload - c);
	}
	free(c);
	return r;
}

/* Every strict prefix of a packet whose IP length equals n must be rejected. */
static void check_truncations(const uint8_t *b, size_t n)
{
	struct pkt p;

	for (size_t i = 0; i < n; i++) {
		int r = parse_exact(&p, b, i);

		CU_ASSERT_EQUAL(r, -EBADMSG);
		if (r != -EBADMSG)
			fprintf(stderr, "prefix %zu of %zu: %d\n", i, n, r);
	}
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), 0);
}

static size_t build_v4_tcp(uint8_t *b)
{
	size_t n = ip4(b, 6, 0, 0x4000, IPPROTO_TCP);

	n += tcp(b + n, 8, PKT_TCP_PSH | PKT_TCP_ACK);
	memcpy(b + n, http, sizeof(http) - 1);
	n += sizeof(http) - 1;
	put16(b + 2, (uint16_t)n);
	return n;
}

static void test_v4_tcp(void)
{
	uint8_t b[128];
	size_t n = build_v4_tcp(b);
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(p.tcp_flags, PKT_TCP_PSH | PKT_TCP_ACK);
	CU_ASSERT(!p.fragment);
	CU_ASSERT_EQUAL(memcmp(p.src, v4_src, 4), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, v4_dst, 4), 0);
	CU_ASSERT_EQUAL(p.sport, 40000);
	CU_ASSERT_EQUAL(p.dport, 443);
	CU_ASSERT_EQUAL(p.seq, 0xdeadbeef);
	CU_ASSERT_EQUAL(p.l4_off, 24);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 24 + 32);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(http) - 1);
	CU_ASSERT_EQUAL(memcmp(p.payload, http, p.payload_len), 0);
	check_truncations(b, n);
}

static size_t build_v4_udp(uint8_t *b)
{
	size_t n = ip4(b, 5, 0, 0, IPPROTO_UDP);

	n += udp(b + n, 8 + sizeof(dns) - 1);
	memcpy(b + n, dns, sizeof(dns) - 1);
	n += sizeof(dns) - 1;
	put16(b + 2, (uint16_t)n);
	return n;
}

static void test_v4_udp(void)
{
	uint8_t b[128];
	size_t n = build_v4_udp(b);
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(p.tcp_flags, 0);
	CU_ASSERT(!p.fragment);
	CU_ASSERT_EQUAL(memcmp(p.src, v4_src, 4), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, v4_dst, 4), 0);
	CU_ASSERT_EQUAL(p.sport, 53000);
	CU_ASSERT_EQUAL(p.dport, 53);
	CU_ASSERT_EQUAL(p.seq, 0);
	CU_ASSERT_EQUAL(p.l4_off, 20);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 28);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(dns) - 1);
	check_truncations(b, n);
}

/* Trailing bytes past tot_len (link padding) and past the UDP length are not payload. */
static void test_v4_lengths(void)
{
	uint8_t b[128];
	size_t n = build_v4_udp(b);
	struct pkt p;

	memset(b + n, 0xee, 12);
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n + 12), 0);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(dns) - 1);
	put16(b + 24, 12);      /* UDP length shorter than the IP datagram */
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	put16(b + 24, (uint16_t)(n - 20));
	put16(b + 2, 0);        /* GSO: tot_len 0 means the buffer length */
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(dns) - 1);
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n + 12), 0);    /* UDP length still bounds it */
	CU_ASSERT_EQUAL(p.payload_len, sizeof(dns) - 1);
	put16(b + 24, 0);       /* UDP GSO / jumbo: length 0 only when the IP length is 0 too */
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(dns) - 1);
	put16(b + 2, (uint16_t)n);
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
}

static void test_v4_tot_len(void)
{
	uint8_t b[128];
	size_t n = build_v4_tcp(b);
	struct pkt p;

	put16(b + 2, (uint16_t)(n + 1));
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	put16(b + 2, 23);       /* shorter than the 24-byte header */
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	put16(b + 2, 24 + 19);  /* TCP header cut by tot_len, not by the buffer */
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	put16(b + 2, 0);
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(http) - 1);
}

static void test_v4_bad_ihl(void)
{
	uint8_t b[128];
	size_t n = build_v4_tcp(b);
	struct pkt p;

	for (unsigned ihl = 0; ihl < 5; ihl++) {
		b[0] = (uint8_t)(0x40 | ihl);
		CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	}
	b[0] = 0x4f;            /* 60-byte header, 72-byte datagram: TCP header no longer fits */
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	b[0] = 0x4f;
	CU_ASSERT_EQUAL(parse_exact(&p, b, 40), -EBADMSG);   /* header past the buffer */
}

static void test_tcp_bad(void)
{
	uint8_t b[128];
	size_t n = build_v4_tcp(b);
	struct pkt p;

	for (unsigned doff = 0; doff < 5; doff++) {
		b[24 + 12] = (uint8_t)(doff << 4);
		CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	}
	b[24 + 12] = 0xf0;      /* 60 bytes of header, 48 available */
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	b[24 + 12] = 0x80;
	b[24 + 21] = 0;         /* MSS option of length 0 */
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	b[24 + 21] = 13;        /* runs past the header into the payload */
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	b[24 + 21] = 4;
	b[24 + 31] = 2;         /* last option byte starts an option with no length byte */
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	b[24 + 31] = 0;         /* end of list: anything after it is ignored */
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), 0);
}

static void test_udp_bad(void)
{
	uint8_t b[128];
	size_t n = build_v4_udp(b);
	struct pkt p;

	for (uint16_t ulen = 0; ulen < 8; ulen++) {
		put16(b + 24, ulen);
		CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	}
	put16(b + 24, (uint16_t)(n - 20 + 1));
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	put16(b + 24, 8);       /* empty datagram is valid */
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.payload_len, 0);
}

static size_t build_v6_tcp(uint8_t *b)
{
	size_t n = ip6(b, 0, IPPROTO_TCP);

	n += tcp(b + n, 5, PKT_TCP_SYN);
	memcpy(b + n, http, sizeof(http) - 1);
	n += sizeof(http) - 1;
	put16(b + 4, (uint16_t)(n - 40));
	return n;
}

static void test_v6_tcp(void)
{
	uint8_t b[128];
	size_t n = build_v6_tcp(b);
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET6);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(p.tcp_flags, PKT_TCP_SYN);
	CU_ASSERT(!p.fragment);
	CU_ASSERT_EQUAL(memcmp(p.src, v6_src, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, v6_dst, 16), 0);
	CU_ASSERT_EQUAL(p.sport, 40000);
	CU_ASSERT_EQUAL(p.dport, 443);
	CU_ASSERT_EQUAL(p.seq, 0xdeadbeef);
	CU_ASSERT_EQUAL(p.l4_off, 40);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 60);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(http) - 1);
	check_truncations(b, n);

	/* payload length 0: jumbogram / GSO, the buffer decides */
	put16(b + 4, 0);
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(http) - 1);
	put16(b + 4, (uint16_t)(n - 40 + 1));
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
}

/* IPv6 / hop-by-hop (8) / destination options (16) / UDP */
static size_t build_v6_ext_udp(uint8_t *b)
{
	size_t n = ip6(b, 0, 0);

	memset(b + n, 0, 24);
	b[n] = 60;
	b[n + 1] = 0;
	b[n + 2] = 1;           /* PadN, 4 bytes */
	b[n + 3] = 4;
	n += 8;
	b[n] = IPPROTO_UDP;
	b[n + 1] = 1;
	b[n + 2] = 1;           /* PadN, 12 bytes */
	b[n + 3] = 12;
	n += 16;
	n += udp(b + n, 8 + sizeof(dns) - 1);
	memcpy(b + n, dns, sizeof(dns) - 1);
	n += sizeof(dns) - 1;
	put16(b + 4, (uint16_t)(n - 40));
	return n;
}

static void test_v6_ext_udp(void)
{
	uint8_t b[128];
	size_t n = build_v6_ext_udp(b);
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET6);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_UDP);
	CU_ASSERT(!p.fragment);
	CU_ASSERT_EQUAL(memcmp(p.src, v6_src, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, v6_dst, 16), 0);
	CU_ASSERT_EQUAL(p.sport, 53000);
	CU_ASSERT_EQUAL(p.dport, 53);
	CU_ASSERT_EQUAL(p.l4_off, 64);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 72);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(dns) - 1);
	CU_ASSERT_EQUAL(memcmp(p.payload, dns, p.payload_len), 0);
	check_truncations(b, n);

	b[49] = 5;              /* destination options now claim 48 bytes: past the datagram */
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
}

/* IPv6 / fragment (offset 0, M) / UDP whose datagram continues in later fragments */
static size_t build_v6_frag_first(uint8_t *b)
{
	size_t n = ip6(b, 0, 44);

	memset(b + n, 0, 8);
	b[n] = IPPROTO_UDP;
	put16(b + n + 2, 0x0001);
	put32(b + n + 4, 0xcafe);
	n += 8;
	n += udp(b + n, 1000);
	memset(b + n, 'x', 24);
	n += 24;
	put16(b + 4, (uint16_t)(n - 40));
	return n;
}

static void test_v6_frag_first(void)
{
	uint8_t b[128];
	size_t n = build_v6_frag_first(b);
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET6);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_UDP);
	CU_ASSERT(p.fragment);
	CU_ASSERT_EQUAL(memcmp(p.src, v6_src, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, v6_dst, 16), 0);
	CU_ASSERT_EQUAL(p.sport, 53000);
	CU_ASSERT_EQUAL(p.dport, 53);
	CU_ASSERT_EQUAL(p.l4_off, 48);
	CU_ASSERT_PTR_EQUAL(p.payload, b + 56);
	CU_ASSERT_EQUAL(p.payload_len, 24);
	check_truncations(b, n);

	/* atomic fragment (offset 0, no M): a whole datagram, so the UDP length must fit */
	put16(b + 42, 0);
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
	put16(b + 52, 8 + 24);
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT(!p.fragment);
	CU_ASSERT_EQUAL(p.dport, 53);

	/* non-first fragment: next header known, no ports, no payload */
	put16(b + 42, 185 << 3);
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT(p.fragment);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.dport, 0);
	CU_ASSERT_EQUAL(p.l4_off, 48);
	CU_ASSERT_EQUAL(p.payload_len, 0);
}

/* IPv4 fragment at offset 1480 of a UDP datagram: the bytes are not a UDP header. */
static size_t build_v4_frag_later(uint8_t *b)
{
	size_t n = ip4(b, 5, 0, 185, IPPROTO_UDP);

	memset(b + n, 0xab, 40);
	n += 40;
	put16(b + 2, (uint16_t)n);
	return n;
}

static void test_v4_frag_later(void)
{
	uint8_t b[128];
	size_t n = build_v4_frag_later(b);
	struct pkt p;

	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_UDP);
	CU_ASSERT(p.fragment);
	CU_ASSERT_EQUAL(memcmp(p.src, v4_src, 4), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, v4_dst, 4), 0);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.dport, 0);
	CU_ASSERT_EQUAL(p.tcp_flags, 0);
	CU_ASSERT_EQUAL(p.l4_off, 20);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	check_truncations(b, n);
}

/* First fragment too small for the TCP header: valid IP, but no ports (tiny-fragment attack). */
static void test_v4_frag_first_tiny(void)
{
	uint8_t b[128];
	size_t n = build_v4_tcp(b);
	struct pkt p;

	put16(b + 6, 0x2000);   /* MF */
	put16(b + 2, 24 + 16);
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, 24 + 16), 0);
	CU_ASSERT(p.fragment);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	put16(b + 2, 24 + 24);  /* fixed header fits, options do not */
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, 24 + 24), 0);
	CU_ASSERT_EQUAL(p.sport, 0);
	put16(b + 2, (uint16_t)n);
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT(p.fragment);
	CU_ASSERT_EQUAL(p.dport, 443);
	CU_ASSERT_EQUAL(p.payload_len, sizeof(http) - 1);
}

/* n destination-options headers, then UDP */
static size_t build_v6_chain(uint8_t *b, unsigned nhdr)
{
	size_t n = ip6(b, 0, nhdr ? 60 : IPPROTO_UDP);

	for (unsigned i = 0; i < nhdr; i++) {
		memset(b + n, 0, 8);
		b[n] = i + 1 < nhdr ? 60 : IPPROTO_UDP;
		b[n + 2] = 1;
		b[n + 3] = 4;
		n += 8;
	}
	n += udp(b + n, 8);
	put16(b + 4, (uint16_t)(n - 40));
	return n;
}

static void test_v6_chain_limit(void)
{
	uint8_t b[256];
	struct pkt p;
	size_t n;

	n = build_v6_chain(b, PKT_MAX_EXT_HDRS);
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(p.dport, 53);
	CU_ASSERT_EQUAL(p.l4_off, 40 + 8 * PKT_MAX_EXT_HDRS);
	n = build_v6_chain(b, PKT_MAX_EXT_HDRS + 1);
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EBADMSG);
}

static void test_v6_other(void)
{
	uint8_t b[128];
	struct pkt p;
	size_t n;

	/* no next header: proto 59, no ports, trailing bytes are not payload */
	n = build_v6_chain(b, 1);
	b[40] = 59;
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.proto, 59);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.dport, 0);
	CU_ASSERT_EQUAL(p.payload_len, 0);

	/* AH (length in 4-byte words minus 2) then TCP */
	n = ip6(b, 0, 51);
	memset(b + n, 0, 16);
	b[n] = IPPROTO_TCP;
	b[n + 1] = 2;           /* (2 + 2) * 4 = 16 bytes */
	n += 16;
	n += tcp(b + n, 5, PKT_TCP_ACK);
	put16(b + 4, (uint16_t)(n - 40));
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(p.l4_off, 56);
	CU_ASSERT_EQUAL(p.dport, 443);
	check_truncations(b, n);

	/* ICMPv6: accepted, no ports, payload after the IP header */
	n = ip6(b, 8, IPPROTO_ICMPV6);
	memset(b + n, 0x80, 8);
	n += 8;
	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, n), 0);
	CU_ASSERT_EQUAL(p.proto, IPPROTO_ICMPV6);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.payload_len, 8);
	CU_ASSERT_STRING_EQUAL(pkt_proto_name(p.proto), "ip");
}

static void test_versions(void)
{
	uint8_t b[128];
	size_t n = build_v4_udp(b);
	struct pkt p;

	b[0] = 0x55;
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EPROTONOSUPPORT);
	b[0] = 0x05;
	CU_ASSERT_EQUAL(parse_exact(&p, b, n), -EPROTONOSUPPORT);
	b[0] = 0x65;            /* version 6 but far too short for an IPv6 header */
	CU_ASSERT_EQUAL(parse_exact(&p, b, 30), -EBADMSG);
	CU_ASSERT_EQUAL(parse_exact(&p, b, 0), -EBADMSG);
	CU_ASSERT_EQUAL(pkt_parse(&p, NULL, 0), -EBADMSG);
}

static void test_dest_str(void)
{
	uint8_t b[128];
	struct pkt p;
	char s[64];

	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, build_v4_tcp(b)), 0);
	CU_ASSERT_STRING_EQUAL(pkt_dest_str(&p, s, sizeof(s)), "203.0.113.9:443");
	CU_ASSERT_STRING_EQUAL(pkt_proto_name(p.proto), "tcp");
	CU_ASSERT_PTR_EQUAL(pkt_dest_str(&p, s, 6), s);
	CU_ASSERT_STRING_EQUAL(s, "203.0");

	CU_ASSERT_EQUAL_FATAL(parse_exact(&p, b, build_v6_ext_udp(b)), 0);
	CU_ASSERT_STRING_EQUAL(pkt_dest_str(&p, s, sizeof(s)), "[2001:db8::1]:53");
	CU_ASSERT_STRING_EQUAL(pkt_proto_name(p.proto), "udp");

	memset(&p, 0, sizeof(p));
	CU_ASSERT_STRING_EQUAL(pkt_dest_str(&p, s, sizeof(s)), "?");
}

static const struct unit_case cases[] = {
	{"ipv4 tcp with options and payload", test_v4_tcp},
	{"ipv4 udp", test_v4_udp},
	{"ipv4 padding, udp length, gso", test_v4_lengths},
	{"ipv4 total length", test_v4_tot_len},
	{"ipv4 bad ihl", test_v4_bad_ihl},
	{"tcp malformed", test_tcp_bad},
	{"udp malformed", test_udp_bad},
	{"ipv6 tcp", test_v6_tcp},
	{"ipv6 hbh + dstopts + udp", test_v6_ext_udp},
	{"ipv6 first fragment", test_v6_frag_first},
	{"ipv4 non-first fragment", test_v4_frag_later},
	{"ipv4 tiny first fragment", test_v4_frag_first_tiny},
	{"ipv6 extension header limit", test_v6_chain_limit},
	{"ipv6 no-next-header, ah, icmpv6", test_v6_other},
	{"versions and empty input", test_versions},
	{"dest string", test_dest_str},
	{NULL, NULL},
};

int main(void)
{
	return unit_run("pkt", cases);
}
