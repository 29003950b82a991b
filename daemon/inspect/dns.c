/* dns: question names of DNS queries, over UDP and over TCP's 2-byte length framing.
 * Names are read label by label against the message end; compression pointers must point
 * strictly backwards and are followed at most DNS_JUMPS_MAX times, so no name can loop. */
#include <errno.h>
#include <string.h>

#include "decode.h"
#include "dns.h"

#define DNS_HDR_LEN    12
#define DNS_QD_MAX     16
#define DNS_JUMPS_MAX  8
#define DNS_LABEL_MAX  63
#define DNS_NAME_MAX   255   /* wire length, root label included */

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Reads the name at *off as dotted text into txt (at most 253 bytes, not NUL-terminated) and
 * moves *off past the name as it sits there (a pointer ends it). 0 or -EBADMSG. */
static int name_read(const uint8_t *p, size_t n, size_t *off, uint8_t *txt, size_t *tlen)
{
	size_t pos = *off, lowest = *off, wire = 1, t = 0, end = 0;
	unsigned jumps = 0;

	/* Each turn consumes a label (wire grows, capped) or a jump (capped): bounded. */
	for (;;) {
		size_t to, l;

		if (pos >= n)
			return -EBADMSG;
		l = p[pos];
		if ((l & 0xc0) == 0xc0) {
			if (n - pos < 2)
				return -EBADMSG;
			to = (l & 0x3f) << 8 | p[pos + 1];
			/* Strictly backwards from everything seen so far: a loop is impossible. */
			if (++jumps > DNS_JUMPS_MAX || to >= lowest || to < DNS_HDR_LEN)
				return -EBADMSG;
			if (!end)
				end = pos + 2;
			pos = lowest = to;
			continue;
		}
		if (l > DNS_LABEL_MAX)   /* 0x40 and 0x80: extended and reserved label types */
			return -EBADMSG;
		if (l == 0)
			break;
		wire += l + 1;
		if (wire > DNS_NAME_MAX || n - pos - 1 < l)
			return -EBADMSG;
		if (t)
			txt[t++] = '.';
		memcpy(txt + t, p + pos + 1, l);
		t += l;
		pos += 1 + l;
	}
	*off = end ? end : pos + 1;
	*tlen = t;
	return 0;
}

int dns_parse(const uint8_t *p, size_t n, const struct decode_sink *s)
{
	uint8_t txt[DNS_NAME_MAX];
	size_t off = DNS_HDR_LEN, tlen;
	unsigned qd, i;

	if (n < DNS_HDR_LEN)
		return -EBADMSG;
	qd = get16(p + 4);
	if (qd < 1 || qd > DNS_QD_MAX)
		return -EBADMSG;
	for (i = 0; i < qd; i++) {
		if (name_read(p, n, &off, txt, &tlen) < 0)
			return -EBADMSG;
		/* The root name is a question too, but there is nothing to scan. */
		if (tlen) {
			if (i == 0 && s->host)
				s->host(s->arg, (const char *)txt, tlen);
			if (s->data)
				s->data(s->arg, txt, tlen, 0);
			if (s->brk)
				s->brk(s->arg);
		}
		if (n - off < 4)   /* QTYPE, QCLASS */
			return -EBADMSG;
		off += 4;
	}
	return (int)qd;
}

int dns_sniff(const uint8_t *p, size_t n)
{
	unsigned qd, rest;

	if (n < DNS_HDR_LEN + 5)
		return 0;
	/* QR=0, opcode QUERY, RCODE 0: what a stub resolver sends. */
	if ((p[2] & 0xf8) != 0 || (p[3] & 0x0f) != 0)
		return 0;
	qd = get16(p + 4);
	rest = (unsigned)get16(p + 6) + get16(p + 8) + get16(p + 10);
	if (qd < 1 || qd > DNS_QD_MAX || rest > 2 * DNS_QD_MAX)
		return 0;
	return p[DNS_HDR_LEN] <= DNS_LABEL_MAX;
}

void dns_tcp_init(struct dns_tcp *d)
{
	memset(d, 0, sizeof(*d));
}

int dns_tcp_feed(struct dns_tcp *d, const uint8_t *p, size_t n, const struct decode_sink *s)
{
	size_t i = 0;
	int rc = 0;

	while (i < n) {
		size_t take, copy, before;

		if (d->nlen < 2) {
			d->lenbuf[d->nlen++] = p[i++];
			if (d->nlen == 2) {
				d->need = get16(d->lenbuf);
				d->have = 0;
				if (!d->need) {
					rc = -EBADMSG;
					d->nlen = 0;
				}
			}
			continue;
		}
		take = n - i < d->need ? n - i : d->need;
		before = d->have;
		copy = take < sizeof(d->buf) - before ? take : sizeof(d->buf) - before;
		memcpy(d->buf + before, p + i, copy);
		d->have = (uint16_t)(before + copy);
		d->need = (uint16_t)(d->need - take);
		i += take;
		if (before < sizeof(d->buf) && (copy < take || (d->have == sizeof(d->buf) && d->need))) {
			/* Longer than the buffer: decoded from its head once, a cut name is no error. */
			(void)dns_parse(d->buf, d->have, s);
		} else if (!d->need && before < sizeof(d->buf)) {
			if (dns_parse(d->buf, d->have, s) < 0)
				rc = -EBADMSG;
		}
		if (!d->need)
			d->nlen = 0;
	}
	return rc;
}
