/* http: streaming HTTP/1.x request decoder.
 *
 * Three layers, each a byte-driven state machine so that any split of the stream gives the same
 * output: framing (request line, header lines, Content-Length or chunked body), decoding
 * (gzip/deflate through zlib, at most HTTP_INFLATE_MAX bytes per body) and content (query and
 * forms URL-decoded, JSON strings unescaped, multipart parts split at their boundary).
 * Output is coalesced into pieces in a stack buffer; a piece never mixes escape flags. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "ascii.h"
#include "decode.h"
#include "http.h"

#define HTTP_LINE_MAX     512          /* parsed head of a header line; the rest is only emitted */
#define HTTP_METHOD_MAX   7            /* OPTIONS, CONNECT */
#define HTTP_VERSION_LEN  8            /* HTTP/1.x */
#define HTTP_CHUNK_DIGITS 15           /* 60 bits of chunk size: no overflow */
#define HTTP_CLEN_DIGITS  18
#define HTTP_INFLATE_MAX  (1u << 20)   /* inflated bytes per body: a bomb stops here */
#define HTTP_BOUNDARY_MAX 70           /* RFC 2046 */
#define HTTP_PNAME_MAX    32           /* a multipart field name passed on as the part's key */
#define HTTP_ZHDR         16           /* size prefix of each zlib allocation, for http_mem */

enum {
	H_START, H_METHOD, H_PATH, H_QUERY, H_VERSION, H_HDR, H_BODY, H_TUNNEL, H_BAD
};

enum {
	F_LENGTH, F_CHUNK_SIZE, F_CHUNK_EXT, F_CHUNK_SIZE_LF, F_CHUNK_DATA, F_CHUNK_CR, F_CHUNK_LF,
	F_TRAIL_START, F_TRAIL_LINE, F_TRAIL_LF
};

enum { CT_RAW, CT_FORM, CT_JSON, CT_MULTIPART };
enum { CE_NONE, CE_GZIP, CE_DEFLATE, CE_OTHER };
enum { INF_OFF, INF_PEEK, INF_ON, INF_DONE };
enum { MP_PRE, MP_AFTER, MP_DASH, MP_LWS, MP_HDR, MP_BODY, MP_EPI };
enum { J_OUT, J_STR, J_BS, J_U, J_HI, J_HI_BS };

/* %XX decoding: st 0 plain, 1 after '%', 2 after '%' and one hex digit (kept in hi). */
struct url {
	uint8_t st, hi;
};

/* JSON string unescaping; hi holds a high surrogate waiting for its low half. */
struct json {
	uint8_t st, nhex;
	uint16_t cp, hi;
	uint8_t hex[4];
};

/* Content decoder for a body or for one multipart part. */
struct dec {
	uint8_t type;
	struct url url;
	struct json json;
};

struct line {
	uint16_t len;   /* bytes kept in b, saturating */
	bool cr;        /* a CR waits to see whether LF follows */
	uint8_t b[HTTP_LINE_MAX];
};

struct http_state {
	uint8_t st;
	uint8_t fr;          /* framing state while st == H_BODY */
	uint8_t ndig;        /* chunk-size digits seen */
	uint8_t enc;         /* CE_* of the request */
	uint8_t ctype;       /* CT_* of the request */
	uint8_t part_type;   /* CT_* of the current multipart part */
	uint8_t mp;          /* multipart state */
	uint8_t mpos;        /* delimiter bytes matched */
	uint8_t bnd_len;
	uint8_t pname_len;   /* name="..." of the current part, 0 when none */
	uint8_t zst;
	uint8_t npeek;
	uint8_t peek[2];     /* first body bytes, to tell gzip, zlib and raw deflate apart */
	bool chunked, connect;
	uint64_t clen;
	uint64_t left;       /* body or chunk bytes still to come */
	size_t zout;         /* bytes inflated from this body */
	size_t zmem;         /* heap held by zlib, z_stream included */
	z_stream *z;         /* only while a compressed body is open */
	struct url query;
	struct dec body, part;
	struct line line;
	char bnd[HTTP_BOUNDARY_MAX];
	char pname[HTTP_PNAME_MAX];
};

/* Output coalescer: consecutive bytes with the same escape flag go out as one piece. */
struct out {
	const struct decode_sink *s;
	unsigned esc;
	size_t n;
	uint8_t b[512];
};

static void out_flush(struct out *o)
{
	if (o->n && o->s->data)
		o->s->data(o->s->arg, o->b, o->n, o->esc);
	o->n = 0;
}

static void out_put(struct out *o, uint8_t c, unsigned esc)
{
	if (o->n && (o->esc != esc || o->n == sizeof(o->b)))
		out_flush(o);
	o->esc = esc;
	o->b[o->n++] = c;
}

static void out_putn(struct out *o, const uint8_t *p, size_t n, unsigned esc)
{
	if (!n)
		return;
	if (o->n && (o->esc != esc || o->n + n > sizeof(o->b)))
		out_flush(o);
	if (n > sizeof(o->b)) {
		if (o->s->data)
			o->s->data(o->s->arg, p, n, esc);
		return;
	}
	memcpy(o->b + o->n, p, n);
	o->n += n;
	o->esc = esc;
}

static void out_brk(struct out *o)
{
	out_flush(o);
	if (o->s->brk)
		o->s->brk(o->s->arg);
}


static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Case-insensitive: p[0..n) equals s. */
static bool ieq(const uint8_t *p, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		if (lower(p[i]) != (uint8_t)s[i])
			return false;
	return i == n && !s[i];
}

static bool iprefix(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && ieq(p, l, s);
}

static bool isuffix(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && ieq(p + n - l, l, s);
}

static bool ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static void trim(const uint8_t **p, size_t *n)
{
	while (*n && ows(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && ows((*p)[*n - 1]))
		(*n)--;
}

/* --- content layer --------------------------------------------------------------------- */

static void url_byte(struct url *u, struct out *o, uint8_t c)
{
	if (u->st == 2 && hexval(c) >= 0) {
		out_put(o, (uint8_t)(hexval(u->hi) << 4 | hexval(c)), DEC_ESC_URL);
		u->st = 0;
		return;
	}
	if (u->st == 1 && hexval(c) >= 0) {
		u->hi = c;
		u->st = 2;
		return;
	}
	/* Not an escape after all: what was held goes out as it was, c starts afresh. */
	if (u->st >= 1)
		out_put(o, '%', 0);
	if (u->st == 2)
		out_put(o, u->hi, 0);
	u->st = 0;
	if (c == '%')
		u->st = 1;
	else if (c == '+')
		out_put(o, ' ', DEC_ESC_URL);
	else
		out_put(o, c, 0);
}

static void url_end(struct url *u, struct out *o)
{
	if (u->st >= 1)
		out_put(o, '%', 0);
	if (u->st == 2)
		out_put(o, u->hi, 0);
	u->st = 0;
}

static void put_utf8(struct out *o, uint32_t cp)
{
	if (cp < 0x80) {
		out_put(o, (uint8_t)cp, DEC_ESC_JSON);
	} else if (cp < 0x800) {
		out_put(o, (uint8_t)(0xc0 | cp >> 6), DEC_ESC_JSON);
		out_put(o, (uint8_t)(0x80 | (cp & 0x3f)), DEC_ESC_JSON);
	} else if (cp < 0x10000) {
		out_put(o, (uint8_t)(0xe0 | cp >> 12), DEC_ESC_JSON);
		out_put(o, (uint8_t)(0x80 | (cp >> 6 & 0x3f)), DEC_ESC_JSON);
		out_put(o, (uint8_t)(0x80 | (cp & 0x3f)), DEC_ESC_JSON);
	} else {
		out_put(o, (uint8_t)(0xf0 | cp >> 18), DEC_ESC_JSON);
		out_put(o, (uint8_t)(0x80 | (cp >> 12 & 0x3f)), DEC_ESC_JSON);
		out_put(o, (uint8_t)(0x80 | (cp >> 6 & 0x3f)), DEC_ESC_JSON);
		out_put(o, (uint8_t)(0x80 | (cp & 0x3f)), DEC_ESC_JSON);
	}
}

/* A lone surrogate becomes U+FFFD, as a JSON parser would make of it. */
static void json_lone(struct json *j, struct out *o)
{
	if (j->hi)
		put_utf8(o, 0xfffd);
	j->hi = 0;
}

static void json_cp(struct json *j, struct out *o)
{
	uint16_t cp = j->cp;

	if (j->hi && cp >= 0xdc00 && cp <= 0xdfff) {
		put_utf8(o, 0x10000 + ((uint32_t)(j->hi - 0xd800) << 10) + (cp - 0xdc00));
		j->hi = 0;
		j->st = J_STR;
		return;
	}
	json_lone(j, o);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		j->hi = cp;
		j->st = J_HI;
		return;
	}
	put_utf8(o, cp >= 0xdc00 && cp <= 0xdfff ? 0xfffd : cp);
	j->st = J_STR;
}

static uint8_t json_simple(uint8_t c)
{
	switch (c) {
	case '"': case '\\': case '/': return c;
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	}
	return 0;
}

/* Emits JSON as it is, except inside strings, where escapes are undone. Invalid escapes go
 * out as they came. A byte is looked at again at most twice (after a broken escape). */
static void json_byte(struct json *j, struct out *o, uint8_t c)
{
	uint8_t e;

	for (;;) {
		switch (j->st) {
		case J_OUT:
			out_put(o, c, 0);
			if (c == '"')
				j->st = J_STR;
			return;
		case J_STR:
			if (c == '\\') {
				j->st = J_BS;
				return;
			}
			out_put(o, c, 0);
			if (c == '"')
				j->st = J_OUT;
			return;
		case J_BS:
			if (c == 'u') {
				j->st = J_U;
				j->nhex = 0;
				j->cp = 0;
				return;
			}
			j->st = J_STR;
			if ((e = json_simple(c))) {
				out_put(o, e, DEC_ESC_JSON);
				return;
			}
			out_put(o, '\\', 0);
			continue;
		case J_U:
			if (hexval(c) >= 0) {
				j->hex[j->nhex++] = c;
				j->cp = (uint16_t)(j->cp << 4 | hexval(c));
				if (j->nhex == 4)
					json_cp(j, o);
				return;
			}
			json_lone(j, o);
			out_put(o, '\\', 0);
			out_put(o, 'u', 0);
			for (unsigned i = 0; i < j->nhex; i++)
				out_put(o, j->hex[i], 0);
			j->st = J_STR;
			continue;
		case J_HI:
			if (c == '\\') {
				j->st = J_HI_BS;
				return;
			}
			json_lone(j, o);
			j->st = J_STR;
			continue;
		case J_HI_BS:
			if (c == 'u') {
				j->st = J_U;
				j->nhex = 0;
				j->cp = 0;
				return;
			}
			json_lone(j, o);
			j->st = J_BS;
			continue;
		}
		return;
	}
}

static void json_end(struct json *j, struct out *o)
{
	json_lone(j, o);
	if (j->st == J_BS || j->st == J_HI_BS)
		out_put(o, '\\', 0);
	if (j->st == J_U) {
		out_put(o, '\\', 0);
		out_put(o, 'u', 0);
		for (unsigned i = 0; i < j->nhex; i++)
			out_put(o, j->hex[i], 0);
	}
	j->st = J_OUT;
}

static void dec_init(struct dec *d, uint8_t type)
{
	memset(d, 0, sizeof(*d));
	d->type = type;
}

static void dec_byte(struct dec *d, struct out *o, uint8_t c)
{
	if (d->type == CT_FORM)
		url_byte(&d->url, o, c);
	else if (d->type == CT_JSON)
		json_byte(&d->json, o, c);
	else
		out_put(o, c, 0);
}

static void dec_bytes(struct dec *d, struct out *o, const uint8_t *p, size_t n)
{
	if (d->type != CT_FORM && d->type != CT_JSON) {
		out_putn(o, p, n, 0);
		return;
	}
	for (size_t i = 0; i < n; i++)
		dec_byte(d, o, p[i]);
}

static void dec_end(struct dec *d, struct out *o)
{
	url_end(&d->url, o);
	json_end(&d->json, o);
}

/* Media type (and multipart boundary) from a Content-Type value. */
static uint8_t ctype_parse(struct http_state *h, const uint8_t *v, size_t n, bool top)
{
	const uint8_t *semi = memchr(v, ';', n);
	size_t mlen = semi ? (size_t)(semi - v) : n;
	const uint8_t *m = v;

	trim(&m, &mlen);
	if (ieq(m, mlen, "application/x-www-form-urlencoded"))
		return CT_FORM;
	if (ieq(m, mlen, "application/json") || ieq(m, mlen, "text/json") || isuffix(m, mlen, "+json"))
		return CT_JSON;
	if (!top || !iprefix(m, mlen, "multipart/"))
		return CT_RAW;
	/* Parameters: "; boundary=abc" or "; boundary=\"a b\"". */
	while (semi) {
		const uint8_t *par = semi + 1, *b;
		size_t plen = n - (size_t)(par - v), blen;

		semi = memchr(par, ';', plen);
		if (semi)
			plen = (size_t)(semi - par);
		trim(&par, &plen);
		if (!iprefix(par, plen, "boundary="))
			continue;
		b = par + 9;
		blen = plen - 9;
		if (blen && b[0] == '"') {
			const uint8_t *q = memchr(b + 1, '"', blen - 1);

			if (!q)
				return CT_RAW;
			blen = (size_t)(q - b - 1);
			b++;
		}
		if (!blen || blen > HTTP_BOUNDARY_MAX || memchr(b, '\r', blen) || memchr(b, '\n', blen))
			return CT_RAW;
		memcpy(h->bnd, b, blen);
		h->bnd_len = (uint8_t)blen;
		return CT_MULTIPART;
	}
	return CT_RAW;
}

/* Splits a header line kept in h->line into trimmed name and value; false without a colon. */
static bool hdr_split(const struct line *l, const uint8_t **name, size_t *nlen, const uint8_t **val,
		      size_t *vlen)
{
	const uint8_t *colon = memchr(l->b, ':', l->len);

	if (!colon)
		return false;
	*name = l->b;
	*nlen = (size_t)(colon - l->b);
	*val = colon + 1;
	*vlen = l->len - *nlen - 1;
	trim(name, nlen);
	trim(val, vlen);
	return true;
}

/* One byte of a header line: emitted as it comes (a line of any length streams through), its
 * first HTTP_LINE_MAX bytes kept for parsing. True at the line's end; CRLF is not emitted. */
static bool line_byte(struct line *l, struct out *o, uint8_t c)
{
	if (l->cr) {
		l->cr = false;
		if (c == '\n')
			return true;
		out_put(o, '\r', 0);
		if (l->len < HTTP_LINE_MAX)
			l->b[l->len++] = '\r';
	}
	if (c == '\r') {
		l->cr = true;
		return false;
	}
	if (c == '\n')
		return true;
	out_put(o, c, 0);
	if (l->len < HTTP_LINE_MAX)
		l->b[l->len++] = c;
	return false;
}

static void line_reset(struct line *l)
{
	l->len = 0;
	l->cr = false;
}

/* --- multipart ------------------------------------------------------------------------- */

/* The delimiter is CRLF "--" boundary; boundaries hold no CR, so after a mismatch only the
 * current byte can start a new match. */
static uint8_t delim_at(const struct http_state *h, unsigned k)
{
	return k < 4 ? (uint8_t)"\r\n--"[k] : (uint8_t)h->bnd[k - 4];
}

static void mp_part_end(struct http_state *h, struct out *o)
{
	dec_end(&h->part, o);
	out_brk(o);
}

static void mp_hdr_start(struct http_state *h)
{
	h->mp = MP_HDR;
	h->part_type = CT_RAW;
	h->pname_len = 0;
	line_reset(&h->line);
}

/* The field name of a Content-Disposition value (form-data; name="imsi"): a part's body is its
 * value, so the name goes before it as "name=", the way a form writes it, and key-context
 * detectors see the pair. Only plain names are kept. */
static void mp_name(struct http_state *h, const uint8_t *v, size_t n)
{
	size_t i = 0, len = 0;

	for (; i + 5 <= n; i++) {
		if (!iprefix(v + i, n - i, "name=") || (i && v[i - 1] != ';' && v[i - 1] != ' ' && v[i - 1] != '\t'))
			continue;
		i += 5;
		if (i < n && v[i] == '"')
			i++;
		while (i + len < n && len < HTTP_PNAME_MAX && v[i + len] != '"' && v[i + len] != ';') {
			uint8_t c = v[i + len];

			if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9') && c != '_' &&
			    c != '-' && c != '.')
				return;
			len++;
		}
		if (len == HTTP_PNAME_MAX && i + len < n && v[i + len] != '"' && v[i + len] != ';')
			return;
		memcpy(h->pname, v + i, len);
		h->pname_len = (uint8_t)len;
		return;
	}
}

static void mp_byte(struct http_state *h, struct out *o, uint8_t c)
{
	const uint8_t *name, *val;
	size_t nlen, vlen;

	switch (h->mp) {
	case MP_PRE:
	case MP_BODY:
		if (c == delim_at(h, h->mpos)) {
			if (++h->mpos < 4u + h->bnd_len)
				return;
			if (h->mp == MP_BODY)
				mp_part_end(h, o);
			h->mp = MP_AFTER;
			h->mpos = 0;
			return;
		}
		if (h->mp == MP_BODY)
			for (unsigned k = 0; k < h->mpos; k++)
				dec_byte(&h->part, o, delim_at(h, k));
		h->mpos = c == '\r';
		if (!h->mpos && h->mp == MP_BODY)
			dec_byte(&h->part, o, c);
		return;
	case MP_AFTER:
		if (c == '-')
			h->mp = MP_DASH;
		else if (c == '\n')
			mp_hdr_start(h);
		else
			h->mp = MP_LWS;
		return;
	case MP_DASH:
		if (c == '-')
			h->mp = MP_EPI;
		else if (c == '\n')
			mp_hdr_start(h);
		else
			h->mp = MP_LWS;
		return;
	case MP_LWS:
		if (c == '\n')
			mp_hdr_start(h);
		return;
	case MP_HDR:
		if (!line_byte(&h->line, o, c))
			return;
		if (!h->line.len) {
			h->mp = MP_BODY;
			h->mpos = 0;
			dec_init(&h->part, h->part_type);
			if (h->pname_len) {
				out_putn(o, (const uint8_t *)h->pname, h->pname_len, 0);
				out_put(o, '=', 0);
			}
			return;
		}
		if (hdr_split(&h->line, &name, &nlen, &val, &vlen)) {
			if (ieq(name, nlen, "content-type"))
				h->part_type = ctype_parse(h, val, vlen, false);
			else if (ieq(name, nlen, "content-disposition"))
				mp_name(h, val, vlen);
		}
		out_brk(o);
		line_reset(&h->line);
		return;
	}
}

static void mp_end(struct http_state *h, struct out *o)
{
	if (h->mp == MP_BODY) {
		for (unsigned k = 0; k < h->mpos; k++)
			dec_byte(&h->part, o, delim_at(h, k));
		mp_part_end(h, o);
	} else if (h->mp == MP_HDR && h->line.len) {
		out_brk(o);
	}
	h->mp = MP_EPI;
}

static void content_in(struct http_state *h, struct out *o, const uint8_t *p, size_t n)
{
	if (h->body.type != CT_MULTIPART) {
		dec_bytes(&h->body, o, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		mp_byte(h, o, p[i]);
}

static void content_end(struct http_state *h, struct out *o)
{
	if (h->body.type == CT_MULTIPART) {
		mp_end(h, o);
		return;
	}
	dec_end(&h->body, o);
	out_brk(o);
}

/* --- decoding layer -------------------------------------------------------------------- */

/* zlib allocates through these so http_mem can say what it holds. */
static voidpf hz_alloc(voidpf opaque, uInt items, uInt size)
{
	struct http_state *h = opaque;
	size_t n;
	uint8_t *b;

	if (size && items > (SIZE_MAX - HTTP_ZHDR) / size)
		return Z_NULL;
	n = (size_t)items * size;
	if (!(b = malloc(n + HTTP_ZHDR)))
		return Z_NULL;
	memcpy(b, &n, sizeof(n));
	h->zmem += n + HTTP_ZHDR;
	return b + HTTP_ZHDR;
}

static void hz_free(voidpf opaque, voidpf ptr)
{
	struct http_state *h = opaque;
	uint8_t *b = ptr;
	size_t n;

	if (!b)
		return;
	b -= HTTP_ZHDR;
	memcpy(&n, b, sizeof(n));
	h->zmem -= n + HTTP_ZHDR;
	free(b);
}

static void z_stop(struct http_state *h)
{
	if (h->z) {
		inflateEnd(h->z);
		free(h->z);
		h->z = NULL;
		h->zmem -= sizeof(z_stream);
	}
	h->zst = INF_DONE;
}

static void z_feed(struct http_state *h, struct out *o, const uint8_t *p, size_t n)
{
	uint8_t buf[4096];
	z_stream *z = h->z;
	int r;

	z->next_in = p;
	z->avail_in = (uInt)n;
	/* Every turn consumes input or fills output, and the output is capped. */
	while (h->zst == INF_ON) {
		size_t room = HTTP_INFLATE_MAX - h->zout, got;

		z->next_out = buf;
		z->avail_out = (uInt)(room < sizeof(buf) ? room : sizeof(buf));
		r = inflate(z, Z_NO_FLUSH);
		got = (size_t)(z->next_out - buf);
		h->zout += got;
		content_in(h, o, buf, got);
		/* A bad stream ends the body's output: what it would hide is gone either way. */
		if (r != Z_OK || h->zout >= HTTP_INFLATE_MAX) {
			if (r != Z_BUF_ERROR || h->zout >= HTTP_INFLATE_MAX)
				z_stop(h);
			break;
		}
		if (!z->avail_in && z->avail_out)
			break;
	}
	if (h->z) {
		h->z->next_in = NULL;
		h->z->avail_in = 0;
	}
}

/* Chooses the format from the body's first bytes, so the choice cannot depend on how the stream
 * was cut: gzip or zlib header (15+32 tells those apart), else raw deflate for "deflate";
 * "gzip" without its magic is taken to be a mislabelled plain body. */
static void z_start(struct http_state *h, struct out *o)
{
	bool gz = h->npeek == 2 && h->peek[0] == 0x1f && h->peek[1] == 0x8b;
	bool zl = h->npeek == 2 && (h->peek[0] & 0x0f) == 8 && h->peek[0] >> 4 <= 7 &&
		  (h->peek[0] << 8 | h->peek[1]) % 31 == 0;
	int bits = gz || zl ? 15 + 32 : -15;

	if (!gz && !zl && h->enc == CE_GZIP) {
		h->zst = INF_OFF;
		content_in(h, o, h->peek, h->npeek);
		return;
	}
	h->z = malloc(sizeof(z_stream));
	if (!h->z) {
		h->zst = INF_DONE;
		return;
	}
	memset(h->z, 0, sizeof(z_stream));
	h->zmem += sizeof(z_stream);
	h->z->zalloc = hz_alloc;
	h->z->zfree = hz_free;
	h->z->opaque = h;
	if (inflateInit2(h->z, bits) != Z_OK) {
		free(h->z);
		h->z = NULL;
		h->zmem -= sizeof(z_stream);
		h->zst = INF_DONE;
		return;
	}
	h->zst = INF_ON;
	z_feed(h, o, h->peek, h->npeek);
}

static void decode_in(struct http_state *h, struct out *o, const uint8_t *p, size_t n)
{
	if (h->zst == INF_PEEK) {
		while (n && h->npeek < sizeof(h->peek)) {
			h->peek[h->npeek++] = *p++;
			n--;
		}
		if (h->npeek < sizeof(h->peek))
			return;
		z_start(h, o);
	}
	if (!n)
		return;
	if (h->zst == INF_OFF)
		content_in(h, o, p, n);
	else if (h->zst == INF_ON)
		z_feed(h, o, p, n);
}

/* --- framing layer --------------------------------------------------------------------- */

static void req_reset(struct http_state *h)
{
	h->clen = 0;
	h->chunked = false;
	h->connect = false;
	h->enc = CE_NONE;
	h->ctype = CT_RAW;
	h->bnd_len = 0;
}

static void body_open(struct http_state *h)
{
	/* Under a coding we cannot undo, the bytes are not what the type says. */
	dec_init(&h->body, h->enc == CE_OTHER ? CT_RAW : h->ctype);
	h->mp = MP_PRE;
	h->mpos = 2;   /* the first delimiter has no CRLF before it */
	h->zst = h->enc == CE_GZIP || h->enc == CE_DEFLATE ? INF_PEEK : INF_OFF;
	h->npeek = 0;
	h->zout = 0;
	h->st = H_BODY;
}

static void body_close(struct http_state *h, struct out *o)
{
	if (h->zst == INF_PEEK && h->npeek)
		z_start(h, o);
	z_stop(h);
	content_end(h, o);
}

static void body_end(struct http_state *h, struct out *o)
{
	body_close(h, o);
	req_reset(h);
	h->st = H_START;
}

static void host_emit(struct out *o, const uint8_t *v, size_t n)
{
	const uint8_t *end;

	if (n && v[0] == '[') {   /* [v6]:port */
		end = memchr(v, ']', n);
		if (!end)
			return;
		v++;
		n = (size_t)(end - v);
	} else if ((end = memchr(v, ':', n))) {
		n = (size_t)(end - v);
	}
	if (!n || n > 255)
		return;
	out_flush(o);
	if (o->s->host)
		o->s->host(o->s->arg, (const char *)v, n);
}

static int hdr_parse(struct http_state *h, struct out *o)
{
	const uint8_t *name, *v;
	size_t nlen, vlen;

	if (!hdr_split(&h->line, &name, &nlen, &v, &vlen))
		return 0;
	if (ieq(name, nlen, "host")) {
		host_emit(o, v, vlen);
	} else if (ieq(name, nlen, "content-length")) {
		/* A length we cannot read is a stream we cannot follow. */
		if (!vlen || vlen > HTTP_CLEN_DIGITS)
			return -EBADMSG;
		h->clen = 0;
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -EBADMSG;
			h->clen = h->clen * 10 + (v[i] - '0');
		}
	} else if (ieq(name, nlen, "transfer-encoding")) {
		/* Chunked must be the last coding of a request (RFC 9112 6.3). */
		if (!isuffix(v, vlen, "chunked"))
			return -EBADMSG;
		h->chunked = true;
	} else if (ieq(name, nlen, "content-encoding")) {
		if (ieq(v, vlen, "gzip") || ieq(v, vlen, "x-gzip"))
			h->enc = CE_GZIP;
		else if (ieq(v, vlen, "deflate"))
			h->enc = CE_DEFLATE;
		else if (vlen && !ieq(v, vlen, "identity"))
			h->enc = CE_OTHER;
	} else if (ieq(name, nlen, "content-type")) {
		h->ctype = ctype_parse(h, v, vlen, true);
	}
	return 0;
}

static void hdrs_done(struct http_state *h)
{
	if (h->connect) {
		h->st = H_TUNNEL;   /* what follows belongs to the tunnelled protocol */
		return;
	}
	if (h->chunked) {
		h->fr = F_CHUNK_SIZE;
		h->left = 0;
		h->ndig = 0;
	} else if (h->clen) {
		h->fr = F_LENGTH;
		h->left = h->clen;
	} else {
		/* A request without a length has no body. */
		req_reset(h);
		h->st = H_START;
		return;
	}
	body_open(h);
}

static bool method_ok(const uint8_t *m, size_t n)
{
	static const char *const methods[] = {
		"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
	};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (n == strlen(methods[i]) && !memcmp(m, methods[i], n))
			return true;
	return false;
}

/* One byte of the request line or of a header line. -EBADMSG: not HTTP; for the request line
 * c is then not consumed, a header line's LF is. */
static int head_byte(struct http_state *h, struct out *o, uint8_t c)
{
	struct line *l = &h->line;
	int rc;

	if (h->st == H_START) {
		if (c == '\r' || c == '\n')   /* empty lines between requests are allowed */
			return 0;
		line_reset(l);
		h->st = H_METHOD;
	}
	switch (h->st) {
	case H_METHOD:
		if (c == ' ') {
			if (!method_ok(l->b, l->len))
				return -EBADMSG;
			h->connect = l->len == 7 && !memcmp(l->b, "CONNECT", 7);
			out_putn(o, l->b, l->len, 0);
			out_put(o, ' ', 0);
			h->st = H_PATH;
			return 0;
		}
		if (c < 'A' || c > 'Z' || l->len >= HTTP_METHOD_MAX)
			return -EBADMSG;
		l->b[l->len++] = c;
		return 0;
	case H_PATH:
	case H_QUERY:
		if (c == ' ') {
			url_end(&h->query, o);
			out_put(o, ' ', 0);
			line_reset(l);
			h->st = H_VERSION;
			return 0;
		}
		if (c < 0x20 || c == 0x7f)   /* also CR/LF: HTTP/0.9 is not spoken */
			return -EBADMSG;
		if (h->st == H_QUERY) {
			url_byte(&h->query, o, c);
		} else {
			out_put(o, c, 0);
			if (c == '?') {
				h->st = H_QUERY;
				h->query.st = 0;
			}
		}
		return 0;
	case H_VERSION:
		if (c == '\n') {
			if (l->len != HTTP_VERSION_LEN || memcmp(l->b, "HTTP/1.", 7) ||
			    (l->b[7] != '0' && l->b[7] != '1'))
				return -EBADMSG;
			out_putn(o, l->b, l->len, 0);
			out_brk(o);
			line_reset(l);
			h->st = H_HDR;
			return 0;
		}
		if (l->cr || (c != '\r' && l->len >= HTTP_VERSION_LEN))
			return -EBADMSG;
		if (c == '\r')
			l->cr = true;
		else
			l->b[l->len++] = c;
		return 0;
	case H_HDR:
		if (!line_byte(l, o, c))
			return 0;
		if (!l->len) {
			hdrs_done(h);
			return 0;
		}
		rc = hdr_parse(h, o);
		out_brk(o);
		line_reset(l);
		return rc;
	}
	return -EBADMSG;
}

static void chunk_size_done(struct http_state *h)
{
	h->fr = h->left ? F_CHUNK_DATA : F_TRAIL_START;
}

/* Body bytes until the body ends or the framing breaks; *used excludes the offending byte. */
static int body_feed(struct http_state *h, struct out *o, const uint8_t *p, size_t n, size_t *used)
{
	size_t i = 0;
	int rc = 0;

	while (i < n && h->st == H_BODY) {
		uint8_t c = p[i];
		int v;

		switch (h->fr) {
		case F_LENGTH:
		case F_CHUNK_DATA: {
			size_t take = n - i < h->left ? n - i : (size_t)h->left;

			decode_in(h, o, p + i, take);
			i += take;
			h->left -= take;
			if (!h->left) {
				if (h->fr == F_LENGTH)
					body_end(h, o);
				else
					h->fr = F_CHUNK_CR;
			}
			continue;
		}
		case F_CHUNK_SIZE:
			if ((v = hexval(c)) >= 0) {
				if (h->ndig++ >= HTTP_CHUNK_DIGITS)
					goto bad;
				h->left = h->left << 4 | (uint64_t)v;
			} else if (!h->ndig) {
				goto bad;
			} else if (c == ';' || c == ' ' || c == '\t') {
				h->fr = F_CHUNK_EXT;
			} else if (c == '\r') {
				h->fr = F_CHUNK_SIZE_LF;
			} else if (c == '\n') {
				chunk_size_done(h);
			} else {
				goto bad;
			}
			break;
		case F_CHUNK_EXT:
			if (c == '\n')
				chunk_size_done(h);
			break;
		case F_CHUNK_SIZE_LF:
			if (c != '\n')
				goto bad;
			chunk_size_done(h);
			break;
		case F_CHUNK_CR:
		case F_CHUNK_LF:
			/* CRLF after the data; a bare LF is taken too */
			if (h->fr == F_CHUNK_CR && c == '\r') {
				h->fr = F_CHUNK_LF;
				break;
			}
			if (c != '\n')
				goto bad;
			h->fr = F_CHUNK_SIZE;
			h->left = 0;
			h->ndig = 0;
			break;
		case F_TRAIL_START:
			if (c == '\r')
				h->fr = F_TRAIL_LF;
			else if (c == '\n')
				body_end(h, o);
			else
				h->fr = F_TRAIL_LINE;
			break;
		case F_TRAIL_LINE:
			if (c == '\n')
				h->fr = F_TRAIL_START;
			break;
		case F_TRAIL_LF:
			if (c != '\n')
				goto bad;
			body_end(h, o);
			break;
		}
		i++;
	}
	goto out;
bad:
	rc = -EBADMSG;
out:
	*used = i;
	return rc;
}

/* From here on the stream is passed through as it is, after a break, starting with what the
 * decoder held back. */
static void go_bad(struct http_state *h, struct out *o)
{
	struct line *l = &h->line;

	if (h->st == H_QUERY)
		url_end(&h->query, o);
	if (h->st == H_BODY)
		body_close(h, o);   /* ends with a break */
	else if (h->st != H_HDR)   /* a header line has had its break */
		out_brk(o);
	if (h->st == H_METHOD || h->st == H_VERSION)
		out_putn(o, l->b, l->len, 0);
	if (h->st == H_VERSION && l->cr)
		out_put(o, '\r', 0);
	h->st = H_BAD;
}

bool http_sniff(const uint8_t *p, size_t n)
{
	static const char *const methods[] = {
		"GET ", "POST ", "PUT ", "PATCH ", "DELETE ", "HEAD ", "OPTIONS ", "CONNECT ", "TRACE ",
	};

	if (!n)
		return false;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t l = strlen(methods[i]);

		if (!memcmp(p, methods[i], n < l ? n : l))
			return true;
	}
	return false;
}

struct http_state *http_new(void)
{
	struct http_state *h = calloc(1, sizeof(*h));

	if (h)
		h->zst = INF_OFF;
	return h;
}

void http_free(struct http_state *h)
{
	if (!h)
		return;
	z_stop(h);
	free(h);
}

size_t http_mem(const struct http_state *h)
{
	return sizeof(*h) + h->zmem;
}

int http_feed(struct http_state *h, const uint8_t *p, size_t n, const struct decode_sink *s)
{
	struct out o = {.s = s};
	size_t i = 0, used;

	while (i < n) {
		switch (h->st) {
		case H_BAD:
		case H_TUNNEL:
			out_putn(&o, p + i, n - i, 0);
			i = n;
			break;
		case H_BODY:
			if (body_feed(h, &o, p + i, n - i, &used) < 0)
				go_bad(h, &o);
			i += used;
			break;
		case H_HDR:
			if (head_byte(h, &o, p[i++]) < 0)
				go_bad(h, &o);
			break;
		default:
			if (head_byte(h, &o, p[i]) < 0)
				go_bad(h, &o);
			else
				i++;
			break;
		}
	}
	out_flush(&o);
	return h->st == H_BAD ? -EBADMSG : 0;
}
