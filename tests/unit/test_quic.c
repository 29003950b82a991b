/* QUIC Initial decoder: RFC 9001 A.2's client Initial, packets sealed here with independently
 * derived keys (nettle's HKDF), a ClientHello over two packets in either order or coalesced,
 * tampering, truncation, frames and limits. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/aes.h>
#include <nettle/gcm.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>

#include "decode.h"
#include "quic.h"
#include "tls.h"
#include "unit.h"

/* RFC 9001 A.2: the CRYPTO frame of the client Initial (padded with 917 zeros to 1162 bytes),
 * and the protected packet. */
static const char a2_crypto_hex[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";
static const char a2_packet_hex[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";

static const uint8_t a2_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

#include "sink_rec.h"

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

#define SHA256_FUNCS (nettle_hash_update_func *)hmac_sha256_update, \
	(nettle_hash_digest_func *)hmac_sha256_digest, SHA256_DIGEST_SIZE

static void expand_label(const uint8_t *secret, const char *label, uint8_t *out, size_t len)
{
	struct hmac_sha256_ctx h;
	uint8_t info[64];
	size_t ll = strlen(label);

	info[0] = 0;
	info[1] = (uint8_t)len;
	info[2] = (uint8_t)(6 + ll);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, ll);
	info[9 + ll] = 0;
	hmac_sha256_set_key(&h, 32, secret);
	hkdf_expand(&h, SHA256_FUNCS, 10 + ll, info, len, out);
}

/* A protected client Initial: no SCID, no token, 2-byte Length; first byte ORed with flip. */
static size_t seal(uint8_t *out, const uint8_t *dcid, size_t dlen, uint64_t pn, size_t pn_len,
		   const uint8_t *pl, size_t plen)
{
	static const uint8_t salt[20] = {
		0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
		0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
	};
	uint8_t initial[32], client[32], key[16], iv[12], hp[16], mask[32];
	size_t o = 0, pn_off, len = pn_len + plen + 16;
	struct hmac_sha256_ctx h;
	struct gcm_aes128_ctx g;
	struct aes128_ctx a;

	hmac_sha256_set_key(&h, sizeof(salt), salt);
	hkdf_extract(&h, SHA256_FUNCS, dlen, dcid, initial);
	expand_label(initial, "client in", client, 32);
	expand_label(client, "quic key", key, 16);
	expand_label(client, "quic iv", iv, 12);
	expand_label(client, "quic hp", hp, 16);
	out[o++] = (uint8_t)(0xc0 | (pn_len - 1));
	memcpy(out + o, "\x00\x00\x00\x01", 4);
	o += 4;
	out[o++] = (uint8_t)dlen;
	memcpy(out + o, dcid, dlen);
	o += dlen;
	out[o++] = 0;
	out[o++] = 0;
	out[o++] = (uint8_t)(0x40 | len >> 8);
	out[o++] = (uint8_t)len;
	pn_off = o;
	for (size_t i = 0; i < pn_len; i++)
		out[o++] = (uint8_t)(pn >> (8 * (pn_len - 1 - i)));
	for (size_t i = 0; i < 8; i++)
		iv[11 - i] ^= (uint8_t)(pn >> (8 * i));
	gcm_aes128_set_key(&g, key);
	gcm_aes128_set_iv(&g, sizeof(iv), iv);
	gcm_aes128_update(&g, o, out);
	gcm_aes128_encrypt(&g, plen, out + o, pl);
	gcm_aes128_digest(&g, 16, out + o + plen);
	aes128_set_encrypt_key(&a, hp);
	aes128_encrypt(&a, 16, mask, out + pn_off + 4);
	out[0] ^= mask[0] & 0x0f;
	for (size_t i = 0; i < pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	return o + plen + 16;
}

/* Payload of frames, padded with PADDING to 1162 bytes as a client pads its Initials. */
static size_t pad(uint8_t *pl, size_t n)
{
	if (n < 1162) {
		memset(pl + n, 0, 1162 - n);
		n = 1162;
	}
	return n;
}

static size_t crypto_frame(uint8_t *out, size_t off, const uint8_t *p, size_t n)
{
	size_t o = 0;

	out[o++] = 0x06;
	out[o++] = (uint8_t)(0x40 | off >> 8);
	out[o++] = (uint8_t)off;
	out[o++] = (uint8_t)(0x40 | n >> 8);
	out[o++] = (uint8_t)n;
	memcpy(out + o, p, n);
	return o + n;
}

static void put16(uint8_t *b, size_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* A ClientHello with SNI, ALPN h3 and padding_len bytes of padding extension. */
static size_t hello(uint8_t *b, const char *sni, size_t padding_len)
{
	size_t n = 4, sl = strlen(sni), e;

	memcpy(b + n, "\x03\x03", 2);
	n += 2;
	memset(b + n, 0x5a, 32);
	n += 32;
	b[n++] = 0;
	memcpy(b + n, "\x00\x02\x13\x01\x01\x00", 6);
	n += 6;
	e = n;
	n += 2;
	put16(b + n, 0);
	put16(b + n + 2, sl + 5);
	put16(b + n + 4, sl + 3);
	b[n + 6] = 0;
	put16(b + n + 7, sl);
	memcpy(b + n + 9, sni, sl);
	n += 9 + sl;
	memcpy(b + n, "\x00\x10\x00\x05\x00\x03\x02h3", 9);
	n += 9;
	put16(b + n, 21);
	put16(b + n + 2, padding_len);
	memset(b + n + 4, 0, padding_len);
	n += 4 + padding_len;
	put16(b + e, n - e - 2);
	b[0] = 1;
	b[1] = (uint8_t)((n - 4) >> 16);
	b[2] = (uint8_t)((n - 4) >> 8);
	b[3] = (uint8_t)(n - 4);
	return n;
}

/* Feeds an exact-size heap copy. */
static int feed(struct quic_state *q, const uint8_t *p, size_t n, struct rec *r, struct tls_hello *h)
{
	struct decode_sink s = sink(r);
	uint8_t *c = malloc(n ? n : 1);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, p, n);
	rc = quic_feed(q, c, n, &s, h);
	free(c);
	CU_ASSERT(!r->bad);
	return rc;
}

static int feed_fresh(const uint8_t *p, size_t n, struct rec *r, struct tls_hello *h)
{
	struct quic_state *q = quic_new();
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	rc = feed(q, p, n, r, h);
	quic_free(q);
	return rc;
}

static void test_rfc9001(void)
{
	uint8_t pl[1200], want[1300], got[1300];
	size_t pn = unhex(a2_crypto_hex, pl), wn = unhex(a2_packet_hex, want), gn;
	struct quic_state *q = quic_new();
	struct tls_hello h;
	struct rec r;

	/* The helper seals RFC 9001's plaintext into RFC 9001's packet. */
	CU_ASSERT_EQUAL(pn, 245);
	CU_ASSERT_EQUAL(wn, 1200);
	gn = seal(got, a2_dcid, 8, 2, 4, pl, pad(pl, pn));
	CU_ASSERT_EQUAL(gn, wn);
	CU_ASSERT_EQUAL(memcmp(got, want, wn), 0);

	CU_ASSERT(quic_is_initial(want, wn));
	CU_ASSERT_EQUAL(feed(q, want, wn, &r, &h), 1);
	CU_ASSERT_STRING_EQUAL(h.sni, "example.com");
	CU_ASSERT_STRING_EQUAL(h.alpn, "alpn");
	CU_ASSERT_EQUAL(h.version, 0x0303);
	CU_ASSERT_STRING_EQUAL(r.b, "<host:example.com>example.com|");
	/* Done: the buffers are gone; later datagrams report the hello again without output. */
	CU_ASSERT(quic_mem(q) < 1024);
	memset(&h, 0, sizeof(h));
	CU_ASSERT_EQUAL(feed(q, (const uint8_t *)"\x40\x01", 2, &r, &h), 1);
	CU_ASSERT_STRING_EQUAL(h.sni, "example.com");
	CU_ASSERT_EQUAL(r.n, 0);
	quic_free(q);
	quic_free(NULL);
}

/* Every prefix and every single-bit change of the RFC packet is refused, never crashes. */
static void test_truncate_tamper(void)
{
	uint8_t p[1300];
	size_t n = unhex(a2_packet_hex, p);
	struct tls_hello h;
	struct rec r;
	struct quic_state *q = quic_new();

	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(feed_fresh(p, i, &r, &h), -EBADMSG);
	for (size_t i = 0; i < n; i++) {
		uint8_t bit = (uint8_t)(1u << (i % 8));

		p[i] ^= bit;
		CU_ASSERT_EQUAL(feed(q, p, n, &r, &h), -EBADMSG);
		CU_ASSERT_EQUAL(r.n, 0);
		p[i] ^= bit;
	}
	/* Garbage did not poison the flow. */
	CU_ASSERT_EQUAL(feed(q, p, n, &r, &h), 1);
	quic_free(q);
}

static void test_split_hello(void)
{
	uint8_t ch[1500], pl[1300], p1[1300], p2[1300], both[2600];
	size_t hn = hello(ch, "analytics.tracker.example", 700), half = 400, n1, n2, o;
	struct quic_state *q;
	struct tls_hello h;
	struct rec r;
	uint8_t dcid[20];

	for (size_t i = 0; i < sizeof(dcid); i++)
		dcid[i] = (uint8_t)(i * 37);
	/* First packet: ACK (two ranges, ECN), PING, then the first CRYPTO half. */
	memcpy(pl, "\x03\x05\x00\x01\x00\x01\x00\x00\x00\x00\x01", 11);
	o = 11 + crypto_frame(pl + 11, 0, ch, half);
	n1 = seal(p1, dcid, 20, 0, 1, pl, pad(pl, o));
	o = crypto_frame(pl, half, ch + half, hn - half);
	n2 = seal(p2, dcid, 20, 1, 2, pl, pad(pl, o));

	q = quic_new();
	CU_ASSERT_EQUAL(feed(q, p1, n1, &r, &h), 0);
	CU_ASSERT_EQUAL(r.n, 0);
	CU_ASSERT(quic_mem(q) > QUIC_CRYPTO_MAX);
	CU_ASSERT_EQUAL(feed(q, p2, n2, &r, &h), 1);
	CU_ASSERT_STRING_EQUAL(r.b, "<host:analytics.tracker.example>analytics.tracker.example|");
	CU_ASSERT_STRING_EQUAL(h.alpn, "h3");
	quic_free(q);

	/* Second half first. */
	q = quic_new();
	CU_ASSERT_EQUAL(feed(q, p2, n2, &r, &h), 0);
	CU_ASSERT_EQUAL(feed(q, p2, n2, &r, &h), 0);
	CU_ASSERT_EQUAL(feed(q, p1, n1, &r, &h), 1);
	CU_ASSERT_STRING_EQUAL(h.sni, "analytics.tracker.example");
	quic_free(q);

	/* Coalesced in one datagram, then followed by a Handshake packet and padding. */
	memcpy(both, p1, n1);
	memcpy(both + n1, p2, n2);
	CU_ASSERT_EQUAL(feed_fresh(both, n1 + n2, &r, &h), 1);
	CU_ASSERT_STRING_EQUAL(r.b, "<host:analytics.tracker.example>analytics.tracker.example|");
	memcpy(both, p2, n2);
	memcpy(both + n2, "\xe0\x00\x00\x00\x01\x00\x00\x00\x00\x00", 10);
	CU_ASSERT_EQUAL(feed_fresh(both, n2 + 10, &r, &h), 0);

	/* Overlapping retransmission of the first bytes, with a tampered one in between. */
	q = quic_new();
	CU_ASSERT_EQUAL(feed(q, p1, n1, &r, &h), 0);
	o = crypto_frame(pl, 100, ch + 100, hn - 100);
	n2 = seal(p2, dcid, 20, 2, 4, pl, pad(pl, o));
	p2[n2 - 1] ^= 1;
	CU_ASSERT_EQUAL(feed(q, p2, n2, &r, &h), -EBADMSG);
	p2[n2 - 1] ^= 1;
	CU_ASSERT_EQUAL(feed(q, p2, n2, &r, &h), 1);
	CU_ASSERT_STRING_EQUAL(h.sni, "analytics.tracker.example");
	quic_free(q);
}

static void test_not_initial(void)
{
	uint8_t p[1300];
	size_t n = unhex(a2_packet_hex, p);
	struct tls_hello h;
	struct rec r;

	CU_ASSERT(!quic_is_initial(p, 6));
	p[4] = 2;   /* another version */
	CU_ASSERT(!quic_is_initial(p, n));
	CU_ASSERT_EQUAL(feed_fresh(p, n, &r, &h), -EBADMSG);
	p[4] = 1;
	p[0] = 0xe0;   /* Handshake */
	CU_ASSERT(!quic_is_initial(p, n));
	p[0] = 0x40;   /* short header */
	CU_ASSERT(!quic_is_initial(p, n));
	p[0] = 0xc0;
	p[5] = 21;   /* DCID too long */
	CU_ASSERT(!quic_is_initial(p, n));
	CU_ASSERT_EQUAL(feed_fresh(p, n, &r, &h), -EBADMSG);
	p[5] = 8;
	CU_ASSERT(quic_is_initial(p, n));
	CU_ASSERT_EQUAL(feed_fresh(p, 0, &r, &h), -EBADMSG);
	/* Token length past the end. */
	p[15] = 0x7f;
	CU_ASSERT(!quic_is_initial(p, n));
}

/* Sealed payloads that decrypt but hold bad or odd frames. */
static void test_frames(void)
{
	static uint8_t big[QUIC_CRYPTO_MAX + 200];
	uint8_t ch[1500], pl[1300], p[1400];
	size_t hn = hello(ch, "f.example", 50), n, o;
	struct tls_hello h;
	struct rec r;
	struct quic_state *q;

	/* STREAM frames are not allowed in an Initial. */
	o = crypto_frame(pl, 0, ch, hn);
	pl[o++] = 0x08;
	n = seal(p, a2_dcid, 8, 0, 1, pl, pad(pl, o));
	CU_ASSERT_EQUAL(feed_fresh(p, n, &r, &h), 1);
	memmove(pl + 1, pl, o);
	pl[0] = 0x08;
	n = seal(p, a2_dcid, 8, 0, 1, pl, pad(pl, o + 1));
	CU_ASSERT_EQUAL(feed_fresh(p, n, &r, &h), -EBADMSG);
	/* CRYPTO length past the payload. */
	o = crypto_frame(pl, 0, ch, hn);
	pl[4] = 0xff;
	n = seal(p, a2_dcid, 8, 0, 1, pl, o);
	CU_ASSERT_EQUAL(feed_fresh(p, n, &r, &h), -EBADMSG);
	/* CONNECTION_CLOSE ends the frames. */
	pl[0] = 0x1c;
	n = seal(p, a2_dcid, 8, 0, 1, pl, pad(pl, 1));
	CU_ASSERT_EQUAL(feed_fresh(p, n, &r, &h), 0);
	/* An ACK frame cut short. */
	memcpy(pl, "\x02\x05\x00\x7f", 4);
	n = seal(p, a2_dcid, 8, 0, 1, pl, 4);
	CU_ASSERT_EQUAL(feed_fresh(p, n, &r, &h), -EBADMSG);
	/* Data past QUIC_CRYPTO_MAX is dropped; a hello that needs it is refused for good. */
	o = crypto_frame(pl, 0x3ff0, ch, 40);
	n = seal(p, a2_dcid, 8, 0, 1, pl, pad(pl, o));
	CU_ASSERT_EQUAL(feed_fresh(p, n, &r, &h), 0);
	q = quic_new();
	hello(big, "big.example", QUIC_CRYPTO_MAX);
	o = crypto_frame(pl, 0, big, 1000);
	n = seal(p, a2_dcid, 8, 0, 1, pl, pad(pl, o));
	CU_ASSERT_EQUAL(feed(q, p, n, &r, &h), -EBADMSG);
	hn = hello(ch, "f.example", 50);
	o = crypto_frame(pl, 0, ch, hn);
	n = seal(p, a2_dcid, 8, 1, 1, pl, pad(pl, o));
	CU_ASSERT_EQUAL(feed(q, p, n, &r, &h), -EBADMSG);
	quic_free(q);
	/* A malformed hello. */
	hn = hello(ch, "f.example", 50);
	ch[4 + 2 + 32] = 40;
	o = crypto_frame(pl, 0, ch, hn);
	n = seal(p, a2_dcid, 8, 0, 1, pl, pad(pl, o));
	CU_ASSERT_EQUAL(feed_fresh(p, n, &r, &h), -EBADMSG);
	CU_ASSERT_EQUAL(r.n, 0);
	/* A hello of exactly QUIC_CRYPTO_MAX bytes over many packets, and a zero-length DCID. */
	hn = hello(ch, "max.example", 1000);
	q = quic_new();
	{
		size_t bn = hello(big, "max.example", QUIC_CRYPTO_MAX - hn + 1000), at = 0;
		int rc = 0;

		CU_ASSERT_EQUAL(bn, QUIC_CRYPTO_MAX);
		for (uint64_t pn = 0; at < bn; pn++) {
			size_t l = bn - at < 1100 ? bn - at : 1100;

			o = crypto_frame(pl, at, big + at, l);
			n = seal(p, a2_dcid, 0, pn, 2, pl, pad(pl, o));
			rc = feed(q, p, n, &r, &h);
			at += l;
			CU_ASSERT_EQUAL(rc, at < bn ? 0 : 1);
		}
		CU_ASSERT_STRING_EQUAL(h.sni, "max.example");
	}
	quic_free(q);
}

/* Cut frame payloads that still decrypt: no crash, a defined answer. */
static void test_payload_truncations(void)
{
	uint8_t ch[600], pl[1300], p[1400];
	size_t hn = hello(ch, "t.example", 20), full, n;
	struct tls_hello h;
	struct rec r;

	memcpy(pl, "\x02\x05\x00\x01\x00\x01\x00\x01", 8);
	full = 8 + crypto_frame(pl + 8, 0, ch, hn);
	for (size_t i = 4; i <= full; i++) {
		int rc;

		n = seal(p, a2_dcid, 8, 0, 4, pl, i);
		rc = feed_fresh(p, n, &r, &h);
		/* Cut right after the ACK (7) or the PING (8): nothing wrong, nothing yet. */
		CU_ASSERT(rc == -EBADMSG || ((i == 7 || i == 8) && rc == 0) || (i == full && rc == 1));
	}
}

/* Packet numbers in 1 to 4 bytes, increasing, decode against the largest seen. */
static void test_packet_numbers(void)
{
	uint8_t ch[600], pl[1300], p[1400];
	size_t hn = hello(ch, "pn.example", 20), n, o;
	struct quic_state *q = quic_new();
	struct tls_hello h;
	struct rec r;
	static const uint64_t pns[] = {0, 1, 0x1ff, 0x10000, 0x1000000};
	static const size_t lens[] = {1, 1, 2, 3, 4};

	for (size_t i = 0; i < 5; i++) {
		size_t at = i * hn / 5, end = (i + 1) * hn / 5;

		o = crypto_frame(pl, at, ch + at, end - at);
		n = seal(p, a2_dcid, 8, pns[i], lens[i], pl, pad(pl, o));
		CU_ASSERT_EQUAL(feed(q, p, n, &r, &h), i < 4 ? 0 : 1);
	}
	CU_ASSERT_STRING_EQUAL(h.sni, "pn.example");
	quic_free(q);
}

static const struct unit_case cases[] = {
	{"rfc 9001 a.2 client initial", test_rfc9001},
	{"every truncation and bit flip", test_truncate_tamper},
	{"hello over two packets, coalesced, retransmitted", test_split_hello},
	{"not a v1 initial", test_not_initial},
	{"frames and crypto limits", test_frames},
	{"cut frame payloads", test_payload_truncations},
	{"packet numbers", test_packet_numbers},
	{NULL, NULL},
};

int main(void)
{
	return unit_run("quic", cases);
}
