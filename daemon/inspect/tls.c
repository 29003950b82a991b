/* tls: ClientHello reader (SNI, ALPN) and the stream side that gathers it from handshake
 * records. Every length is checked against the one enclosing it; the extension walk is
 * bounded by TLS_EXT_MAX as well as by the bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "tls.h"

#define TLS_REC_HDR      5
#define TLS_REC_MAX      (16384 + 2048)   /* TLSCiphertext limit; plaintext is smaller */
#define TLS_HS_HELLO     1
#define TLS_CT_HANDSHAKE 22
#define TLS_EXT_MAX      128
#define TLS_EXT_SNI      0
#define TLS_EXT_ALPN     16

/* A cursor over p[off..n). */
struct rd {
	const uint8_t *p;
	size_t n, off;
};

static size_t rd_left(const struct rd *r)
{
	return r->n - r->off;
}

static bool rd_u8(struct rd *r, unsigned *v)
{
	if (rd_left(r) < 1)
		return false;
	*v = r->p[r->off++];
	return true;
}

static bool rd_u16(struct rd *r, unsigned *v)
{
	if (rd_left(r) < 2)
		return false;
	*v = (unsigned)r->p[r->off] << 8 | r->p[r->off + 1];
	r->off += 2;
	return true;
}

/* Splits the next len bytes off into sub. */
static bool rd_sub(struct rd *r, size_t len, struct rd *sub)
{
	if (rd_left(r) < len)
		return false;
	sub->p = r->p + r->off;
	sub->n = len;
	sub->off = 0;
	r->off += len;
	return true;
}

/* A sub-reader whose 2-byte length prefix must cover exactly the rest of r. */
static bool rd_vec16(struct rd *r, struct rd *sub)
{
	unsigned len;

	return rd_u16(r, &len) && len == rd_left(r) && rd_sub(r, len, sub);
}

static bool sni_name_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

/* Only the first host_name counts; an empty or ill-formed one is treated as absent rather
 * than as an error, since the server would reject it anyway. */
static int sni_parse(struct rd *e, struct tls_hello *out)
{
	struct rd list, name;
	unsigned type, len;

	if (out->sni[0])
		return 0;
	if (!rd_vec16(e, &list))
		return -EBADMSG;
	while (rd_left(&list)) {
		if (!rd_u8(&list, &type) || !rd_u16(&list, &len) || !rd_sub(&list, len, &name))
			return -EBADMSG;
		if (type != 0 || out->sni[0] || len == 0 || len >= sizeof(out->sni) ||
		    !sni_name_ok(name.p, len))
			continue;
		memcpy(out->sni, name.p, len);
		out->sni[len] = '\0';
	}
	return 0;
}

/* Joins the protocol names with ',', cut to fit; bytes that could confuse a log become '?'. */
static int alpn_parse(struct rd *e, struct tls_hello *out)
{
	struct rd list;
	size_t a = 0;
	unsigned len;

	if (out->alpn[0])
		return 0;
	if (!rd_vec16(e, &list))
		return -EBADMSG;
	while (rd_left(&list)) {
		struct rd name;

		if (!rd_u8(&list, &len) || len == 0 || !rd_sub(&list, len, &name))
			return -EBADMSG;
		if (a && a < sizeof(out->alpn) - 1)
			out->alpn[a++] = ',';
		for (size_t i = 0; i < len && a < sizeof(out->alpn) - 1; i++) {
			uint8_t c = name.p[i];

			out->alpn[a++] = (c > 0x20 && c < 0x7f && c != ',') ? (char)c : '?';
		}
	}
	out->alpn[a] = '\0';
	return 0;
}

int tls_hello_parse(const uint8_t *p, size_t n, struct tls_hello *out)
{
	struct rd r, body, exts;
	unsigned v, len;
	size_t hlen;
	int count = 0;

	memset(out, 0, sizeof(*out));
	if (n < 1)
		return -EAGAIN;
	if (p[0] != TLS_HS_HELLO)
		return -EBADMSG;
	if (n < 4)
		return -EAGAIN;
	hlen = (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	if (hlen > n - 4)
		return -EAGAIN;
	r = (struct rd){.p = p + 4, .n = hlen};
	body = r;
	if (!rd_u16(&body, &v))
		return -EBADMSG;
	out->version = (uint16_t)v;
	/* random; session id; cipher suites (pairs, at least one); compression methods. */
	if (!rd_sub(&body, 32, &r) || !rd_u8(&body, &len) || len > 32 || !rd_sub(&body, len, &r))
		return -EBADMSG;
	if (!rd_u16(&body, &len) || len < 2 || len % 2 || !rd_sub(&body, len, &r))
		return -EBADMSG;
	if (!rd_u8(&body, &len) || len < 1 || !rd_sub(&body, len, &r))
		return -EBADMSG;
	if (!rd_left(&body))
		return 0;   /* no extensions at all: allowed before TLS 1.3 */
	if (!rd_vec16(&body, &exts))
		return -EBADMSG;
	while (rd_left(&exts)) {
		struct rd e;
		unsigned type;
		int rc = 0;

		if (++count > TLS_EXT_MAX)
			return -EBADMSG;
		if (!rd_u16(&exts, &type) || !rd_u16(&exts, &len) || !rd_sub(&exts, len, &e))
			return -EBADMSG;
		if (type == TLS_EXT_SNI && len)
			rc = sni_parse(&e, out);
		else if (type == TLS_EXT_ALPN)
			rc = alpn_parse(&e, out);
		if (rc < 0)
			return rc;
	}
	return 0;
}

bool tls_sniff(const uint8_t *p, size_t n)
{
	size_t len;

	if (n >= 1 && p[0] != TLS_CT_HANDSHAKE)
		return false;
	if (n >= 2 && p[1] != 3)
		return false;
	if (n >= 3 && (p[2] < 1 || p[2] > 4))
		return false;
	if (n >= 5) {
		len = (size_t)p[3] << 8 | p[4];
		if (len == 0 || len > TLS_REC_MAX)
			return false;
	}
	return n < 6 || p[5] == TLS_HS_HELLO;
}

void tls_hello_emit(const struct tls_hello *h, const struct decode_sink *s)
{
	size_t n = strnlen(h->sni, sizeof(h->sni) - 1);

	if (!n)
		return;
	if (s->host)
		s->host(s->arg, h->sni, n);
	if (s->data)
		s->data(s->arg, (const uint8_t *)h->sni, n, 0);
	if (s->brk)
		s->brk(s->arg);
}

enum { TS_GATHER, TS_DONE, TS_BAD };

struct tls_stream {
	uint8_t *buf;        /* TLS_HELLO_MAX bytes, only while a hello is being gathered */
	size_t have;         /* handshake bytes in buf */
	size_t rec_left;     /* body bytes of the current record still to come */
	uint8_t hdr[TLS_REC_HDR];
	uint8_t nhdr;
	uint8_t st;
	struct tls_hello hello;
};

struct tls_stream *tls_stream_new(void)
{
	return calloc(1, sizeof(struct tls_stream));
}

void tls_stream_free(struct tls_stream *t)
{
	if (!t)
		return;
	free(t->buf);
	free(t);
}

size_t tls_stream_mem(const struct tls_stream *t)
{
	return sizeof(*t) + (t->buf ? TLS_HELLO_MAX : 0);
}

static int stream_fail(struct tls_stream *t)
{
	free(t->buf);
	t->buf = NULL;
	t->st = TS_BAD;
	return -EBADMSG;
}

/* The record header is checked as it completes: only handshake records may carry the hello. */
static int rec_hdr_check(struct tls_stream *t)
{
	size_t len = (size_t)t->hdr[3] << 8 | t->hdr[4];

	if (t->hdr[0] != TLS_CT_HANDSHAKE || t->hdr[1] != 3 || t->hdr[2] < 1 || t->hdr[2] > 4 ||
	    len == 0 || len > TLS_REC_MAX)
		return -EBADMSG;
	if (!t->buf && !(t->buf = malloc(TLS_HELLO_MAX)))
		return -ENOMEM;
	t->rec_left = len;
	return 0;
}

int tls_stream_feed(struct tls_stream *t, const uint8_t *p, size_t n, const struct decode_sink *s,
		    struct tls_hello *out)
{
	size_t i = 0;
	int rc;

	if (t->st == TS_DONE) {
		/* Later bytes are application data; the hello was reported once. */
		if (out)
			*out = t->hello;
		return 1;
	}
	if (t->st == TS_BAD)
		return -EBADMSG;
	while (i < n) {
		size_t take, copy, hlen;

		if (t->nhdr < TLS_REC_HDR) {
			t->hdr[t->nhdr++] = p[i++];
			if (t->nhdr == TLS_REC_HDR && (rc = rec_hdr_check(t)) < 0)
				return rc == -ENOMEM ? rc : stream_fail(t);
			continue;
		}
		take = n - i < t->rec_left ? n - i : t->rec_left;
		copy = take < TLS_HELLO_MAX - t->have ? take : TLS_HELLO_MAX - t->have;
		memcpy(t->buf + t->have, p + i, copy);
		t->have += copy;
		t->rec_left -= take;
		i += take;
		if (!t->rec_left)
			t->nhdr = 0;
		if (t->have < 4)
			continue;
		hlen = (size_t)t->buf[1] << 16 | (size_t)t->buf[2] << 8 | t->buf[3];
		if (t->buf[0] != TLS_HS_HELLO || hlen + 4 > TLS_HELLO_MAX)
			return stream_fail(t);
		if (t->have < hlen + 4)
			continue;
		if (tls_hello_parse(t->buf, hlen + 4, &t->hello) < 0)
			return stream_fail(t);
		free(t->buf);
		t->buf = NULL;
		t->st = TS_DONE;
		tls_hello_emit(&t->hello, s);
		if (out)
			*out = t->hello;
		return 1;
	}
	return 0;
}
