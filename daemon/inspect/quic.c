/* quic: client Initial packets of QUIC v1 (RFC 9000 17.2.2, RFC 9001 5). The Initial keys are
 * public, derived from the client's destination connection ID, so the ClientHello can be read:
 * remove header protection, open AES-128-GCM, collect CRYPTO frames by offset, parse the hello.
 * Nothing is used before the AEAD tag has been checked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/aes.h>
#include <nettle/gcm.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "decode.h"
#include "quic.h"
#include "tls.h"

#define QUIC_V1          0x00000001u
#define QUIC_CID_MAX     20
#define QUIC_SAMPLE      16
#define QUIC_TAG         16
#define QUIC_PKTS_MAX    8        /* coalesced packets looked at per datagram */
#define QUIC_PLAIN_MIN   2048     /* first size of the plaintext buffer */
#define QUIC_PLAIN_MAX   65536    /* no UDP datagram is larger */
#define QUIC_BITMAP      (QUIC_CRYPTO_MAX / 8)

enum { Q_GATHER, Q_DONE, Q_BAD };

struct quic_state {
	uint8_t *crypto;          /* QUIC_CRYPTO_MAX bytes, then a bitmap of those received */
	uint8_t *plain;           /* one packet's plaintext */
	size_t plain_size;
	size_t contig;            /* CRYPTO bytes present from offset 0 without a gap */
	int64_t largest_pn;       /* -1 before the first packet */
	uint8_t st;
	bool keyed;
	uint8_t dcid_len;
	uint8_t dcid[QUIC_CID_MAX];
	uint8_t key[16], iv[12], hp[16];
	struct tls_hello hello;
};

/* The long header up to the packet number. */
struct lhdr {
	size_t pn_off;            /* offset of the packet number */
	size_t end;               /* offset just past this packet */
	const uint8_t *dcid;
	uint8_t dcid_len;
};

static const uint8_t v1_salt[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};

/* RFC 9000 16: 1, 2, 4 or 8 bytes, the length in the top two bits. */
static bool varint(const uint8_t *p, size_t n, size_t *off, uint64_t *v)
{
	size_t len;

	if (*off >= n)
		return false;
	len = (size_t)1 << (p[*off] >> 6);
	if (n - *off < len)
		return false;
	*v = p[*off] & 0x3f;
	for (size_t i = 1; i < len; i++)
		*v = *v << 8 | p[*off + i];
	*off += len;
	return true;
}

/* Reads the long header of an Initial; -ENOENT when p is no v1 Initial (another packet type,
 * padding after coalesced packets), -EBADMSG when it is one but cut or inconsistent. */
static int lhdr_parse(const uint8_t *p, size_t n, struct lhdr *h)
{
	size_t off = 6;
	uint64_t tlen, len;
	unsigned scil;

	if (n < 7 || (p[0] & 0xf0) != 0xc0)   /* long header, fixed bit, type Initial */
		return -ENOENT;
	if (((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4]) != QUIC_V1)
		return -ENOENT;
	h->dcid_len = p[5];
	if (h->dcid_len > QUIC_CID_MAX || n - off < (size_t)h->dcid_len + 1)
		return -EBADMSG;
	h->dcid = p + off;
	off += h->dcid_len;
	scil = p[off++];
	if (scil > QUIC_CID_MAX || n - off < scil)
		return -EBADMSG;
	off += scil;
	if (!varint(p, n, &off, &tlen) || tlen > n - off)
		return -EBADMSG;
	off += tlen;
	if (!varint(p, n, &off, &len) || len > n - off)
		return -EBADMSG;
	/* The sample starts 4 bytes into the packet number field (RFC 9001 5.4.2). */
	if (len < 4 + QUIC_SAMPLE)
		return -EBADMSG;
	h->pn_off = off;
	h->end = off + len;
	return 0;
}

bool quic_is_initial(const uint8_t *p, size_t n)
{
	struct lhdr h;

	return lhdr_parse(p, n, &h) == 0;
}

/* nettle's HKDF takes the MAC's functions with a void * context, as its manual shows. */
#define HMAC_SHA256_FUNCS (nettle_hash_update_func *)hmac_sha256_update, \
	(nettle_hash_digest_func *)hmac_sha256_digest, SHA256_DIGEST_SIZE

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static void expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t len)
{
	struct hmac_sha256_ctx h;
	uint8_t info[3 + 6 + 16 + 1];
	size_t ll = strlen(label), i = 0;

	info[i++] = 0;
	info[i++] = (uint8_t)len;
	info[i++] = (uint8_t)(6 + ll);
	memcpy(info + i, "tls13 ", 6);
	i += 6;
	memcpy(info + i, label, ll);
	i += ll;
	info[i++] = 0;   /* context */
	hmac_sha256_set_key(&h, 32, secret);
	hkdf_expand(&h, HMAC_SHA256_FUNCS, i, info, len, out);
	explicit_bzero(&h, sizeof(h));
}

static void keys_derive(struct quic_state *q, const uint8_t *dcid, uint8_t dcid_len)
{
	struct hmac_sha256_ctx h;
	uint8_t initial[32], client[32];

	if (q->keyed && q->dcid_len == dcid_len && !memcmp(q->dcid, dcid, dcid_len))
		return;
	hmac_sha256_set_key(&h, sizeof(v1_salt), v1_salt);
	hkdf_extract(&h, HMAC_SHA256_FUNCS, dcid_len, dcid, initial);
	expand_label(initial, "client in", client, sizeof(client));
	expand_label(client, "quic key", q->key, sizeof(q->key));
	expand_label(client, "quic iv", q->iv, sizeof(q->iv));
	expand_label(client, "quic hp", q->hp, sizeof(q->hp));
	memcpy(q->dcid, dcid, dcid_len);
	q->dcid_len = dcid_len;
	q->keyed = true;
	explicit_bzero(&h, sizeof(h));
	explicit_bzero(initial, sizeof(initial));
	explicit_bzero(client, sizeof(client));
}

/* RFC 9000 A.3. */
static int64_t pn_decode(int64_t largest, uint64_t truncated, unsigned nbits)
{
	int64_t expected = largest + 1, win = (int64_t)1 << nbits, hwin = win / 2;
	int64_t cand = (expected & ~(win - 1)) | (int64_t)truncated;

	if (cand <= expected - hwin && cand < ((int64_t)1 << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

static int plain_reserve(struct quic_state *q, size_t n)
{
	size_t size = q->plain_size ? q->plain_size : QUIC_PLAIN_MIN;
	uint8_t *b;

	if (n <= q->plain_size)
		return 0;
	while (size < n)
		size *= 2;
	if (size > QUIC_PLAIN_MAX)
		return -EBADMSG;
	if (!(b = realloc(q->plain, size)))
		return -ENOMEM;
	q->plain = b;
	q->plain_size = size;
	return 0;
}

/* The AAD is the header as unprotected (first byte and packet number unmasked). gcm_update
 * takes whole blocks until its last call, so it goes in blocks of 16 copied and unmasked. */
static void aad_put(struct gcm_aes128_ctx *g, const uint8_t *p, uint8_t hdr0, size_t pn_off,
		    const uint8_t *pnb, size_t pn_len)
{
	uint8_t blk[GCM_BLOCK_SIZE];
	size_t n = pn_off + pn_len;

	for (size_t off = 0; off < n; off += sizeof(blk)) {
		size_t k = n - off < sizeof(blk) ? n - off : sizeof(blk);

		memcpy(blk, p + off, k);
		for (size_t i = 0; i < k; i++)
			if (off + i >= pn_off)
				blk[i] = pnb[off + i - pn_off];
		if (!off)
			blk[0] = hdr0;
		gcm_aes128_update(g, k, blk);
	}
}

/* Removes header protection and opens the payload into q->plain, its length in *plen.
 * -EBADMSG when the packet is cut or the tag does not match. */
static int packet_open(struct quic_state *q, const uint8_t *p, const struct lhdr *h, size_t *plen)
{
	struct aes128_ctx hp;
	struct gcm_aes128_ctx g;   /* 4 KiB of GHASH table: on the stack, not in every flow */
	uint8_t mask[QUIC_SAMPLE], nonce[GCM_IV_SIZE], tag[QUIC_TAG], hdr0, pnb[4];
	const uint8_t *ct;
	size_t pn_len, ctlen;
	uint64_t tpn = 0;
	int64_t pn;
	bool ok;

	aes128_set_encrypt_key(&hp, q->hp);
	aes128_encrypt(&hp, QUIC_SAMPLE, mask, p + h->pn_off + 4);
	hdr0 = p[0] ^ (mask[0] & 0x0f);
	pn_len = (size_t)(hdr0 & 3) + 1;
	for (size_t i = 0; i < pn_len; i++) {
		pnb[i] = p[h->pn_off + i] ^ mask[1 + i];
		tpn = tpn << 8 | pnb[i];
	}
	if (h->end - h->pn_off < pn_len + QUIC_TAG)
		return -EBADMSG;
	pn = pn_decode(q->largest_pn, tpn, (unsigned)pn_len * 8);
	memcpy(nonce, q->iv, sizeof(nonce));
	for (size_t i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)((uint64_t)pn >> (8 * i));
	ct = p + h->pn_off + pn_len;
	ctlen = h->end - h->pn_off - pn_len - QUIC_TAG;
	if (plain_reserve(q, ctlen ? ctlen : 1) < 0)
		return -EBADMSG;
	gcm_aes128_set_key(&g, q->key);
	gcm_aes128_set_iv(&g, sizeof(nonce), nonce);
	aad_put(&g, p, hdr0, h->pn_off, pnb, pn_len);
	gcm_aes128_decrypt(&g, ctlen, q->plain, ct);
	gcm_aes128_digest(&g, sizeof(tag), tag);
	ok = memeql_sec(tag, ct + ctlen, QUIC_TAG);
	explicit_bzero(&g, sizeof(g));
	explicit_bzero(&hp, sizeof(hp));
	if (!ok)
		return -EBADMSG;
	if (pn > q->largest_pn)
		q->largest_pn = pn;
	*plen = ctlen;
	return 0;
}

static void crypto_put(struct quic_state *q, uint64_t off, const uint8_t *p, size_t n)
{
	uint8_t *bits = q->crypto + QUIC_CRYPTO_MAX;

	/* Bytes past the buffer cannot belong to a hello we are able to read. */
	if (off >= QUIC_CRYPTO_MAX)
		return;
	if (n > QUIC_CRYPTO_MAX - off)
		n = QUIC_CRYPTO_MAX - (size_t)off;
	memcpy(q->crypto + off, p, n);
	for (size_t i = (size_t)off; i < off + n; i++)
		bits[i / 8] |= (uint8_t)(1u << (i % 8));
	while (q->contig < QUIC_CRYPTO_MAX && bits[q->contig / 8] & (1u << (q->contig % 8)))
		q->contig++;
}

/* Frames allowed in an Initial (RFC 9000 12.4): PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE. */
static int frames_parse(struct quic_state *q, const uint8_t *p, size_t n)
{
	size_t off = 0;
	uint64_t type, v, a, b, cnt;

	while (off < n) {
		if (!varint(p, n, &off, &type))
			return -EBADMSG;
		switch (type) {
		case 0x00:   /* PADDING */
		case 0x01:   /* PING */
			break;
		case 0x02:   /* ACK */
		case 0x03:   /* ACK with ECN counts */
			if (!varint(p, n, &off, &v) || !varint(p, n, &off, &v) ||
			    !varint(p, n, &off, &cnt) || !varint(p, n, &off, &v))
				return -EBADMSG;
			/* Each range takes at least two bytes: bounded by n. */
			for (uint64_t i = 0; i < cnt; i++)
				if (!varint(p, n, &off, &a) || !varint(p, n, &off, &b))
					return -EBADMSG;
			if (type == 0x03 && (!varint(p, n, &off, &v) || !varint(p, n, &off, &v) ||
					     !varint(p, n, &off, &v)))
				return -EBADMSG;
			break;
		case 0x06:   /* CRYPTO */
			if (!varint(p, n, &off, &a) || !varint(p, n, &off, &b) || b > n - off)
				return -EBADMSG;
			crypto_put(q, a, p + off, (size_t)b);
			off += b;
			break;
		case 0x1c:   /* CONNECTION_CLOSE: the client gives up, nothing follows */
			return 0;
		default:
			return -EBADMSG;
		}
	}
	return 0;
}

/* Looks at the gathered CRYPTO bytes: Q_DONE once a whole hello has been read. */
static int hello_check(struct quic_state *q)
{
	size_t hlen;

	if (q->contig < 4)
		return 0;
	hlen = (size_t)q->crypto[1] << 16 | (size_t)q->crypto[2] << 8 | q->crypto[3];
	if (q->crypto[0] != 1 || hlen + 4 > QUIC_CRYPTO_MAX)
		return -EBADMSG;
	if (q->contig < hlen + 4)
		return 0;
	if (tls_hello_parse(q->crypto, hlen + 4, &q->hello) < 0)
		return -EBADMSG;
	q->st = Q_DONE;
	return 0;
}

/* Frees what only gathering needed. */
static void gather_end(struct quic_state *q)
{
	free(q->crypto);
	q->crypto = NULL;
	free(q->plain);
	q->plain = NULL;
	q->plain_size = 0;
	explicit_bzero(q->key, sizeof(q->key));
	q->keyed = false;
}

static int packet(struct quic_state *q, const uint8_t *p, size_t n, size_t *used)
{
	struct lhdr h;
	size_t plen;
	int rc;

	if ((rc = lhdr_parse(p, n, &h)) < 0)
		return rc;
	*used = h.end;
	if (!q->crypto && !(q->crypto = calloc(1, QUIC_CRYPTO_MAX + QUIC_BITMAP)))
		return -ENOMEM;
	keys_derive(q, h.dcid, h.dcid_len);
	if ((rc = packet_open(q, p, &h, &plen)) < 0)
		return rc;
	rc = frames_parse(q, q->plain, plen);
	/* The frames before a bad one were authentic: keep what they carried. */
	if (hello_check(q) < 0)
		q->st = Q_BAD;
	return rc;
}

struct quic_state *quic_new(void)
{
	struct quic_state *q = calloc(1, sizeof(*q));

	if (q)
		q->largest_pn = -1;
	return q;
}

void quic_free(struct quic_state *q)
{
	if (!q)
		return;
	gather_end(q);
	free(q);
}

size_t quic_mem(const struct quic_state *q)
{
	return sizeof(*q) + (q->crypto ? QUIC_CRYPTO_MAX + QUIC_BITMAP : 0) + q->plain_size;
}

int quic_feed(struct quic_state *q, const uint8_t *p, size_t n, const struct decode_sink *s,
	      struct tls_hello *out)
{
	size_t off = 0, used = 0;
	int rc = 0, npk;

	if (q->st == Q_DONE) {
		if (out)
			*out = q->hello;
		return 1;
	}
	if (q->st == Q_BAD || !n)
		return -EBADMSG;
	for (npk = 0; npk < QUIC_PKTS_MAX && off < n; npk++) {
		rc = packet(q, p + off, n - off, &used);
		if (rc == -ENOENT) {
			/* A Handshake or 0-RTT packet, or padding, after the Initials. */
			rc = npk ? 0 : -EBADMSG;
			break;
		}
		if (q->st != Q_GATHER || rc < 0)
			break;
		off += used;
	}
	if (q->st == Q_BAD) {
		gather_end(q);
		return -EBADMSG;
	}
	if (q->st == Q_DONE) {
		gather_end(q);
		tls_hello_emit(&q->hello, s);
		if (out)
			*out = q->hello;
		return 1;
	}
	return rc == -ENOMEM ? rc : rc < 0 ? -EBADMSG : 0;
}
