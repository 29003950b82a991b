/* capture: pcap and pcapng read record by record through stdio. Only the packet bytes are kept
 * (at most CAPTURE_SNAP_MAX); everything else is parsed as it streams past or skipped, so a
 * hostile length costs reading time, never memory. Timestamps and lengths follow libpcap's
 * reading of the same file, so replay's output did not change when it replaced libpcap. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

#define PCAP_HDR 24
#define PCAP_REC 16
#define NG_SHB 0x0a0d0d0au       /* the same read in either byte order */
#define NG_IDB 1u
#define NG_PB 2u                  /* obsolete Packet Block; libpcap still reads it */
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_BOM 0x1a2b3c4du
#define NG_BLOCK_MAX (16u << 20)  /* libpcap's limit: a longer block is a corrupt length */
#define NG_IFACES_MAX 4096        /* per section; real captures have a handful */
#define US 1000000u

struct iface {
	uint32_t link, snap;
	uint64_t tsresol;  /* timestamp units per second */
	int64_t tsoffset;  /* seconds added to every timestamp */
	bool binary;       /* tsresol is a power of 2, not of 10 */
};

struct capture {
	FILE *f;
	uint64_t off;       /* bytes consumed, for messages */
	char *err;
	size_t errsize;
	bool ng, be;        /* pcapng; the file (or section) is big-endian */
	bool nsec;          /* pcap with nanosecond timestamps */
	uint8_t lenswap;    /* pcap before 2.3 wrote len before caplen: 1 always, 2 when caplen > len */
	uint32_t link;      /* of the pcap header or the first pcapng interface */
	uint32_t snap;      /* of the pcap header */
	struct iface *ifs;  /* of the current pcapng section */
	uint32_t nifs, ifs_size;
	uint8_t *buf;
	size_t bufsize;
};

static int fail(struct capture *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errsize, fmt, ap);
	va_end(ap);
	return rc;
}

static uint16_t get16(const struct capture *c, const uint8_t *b)
{
	return c->be ? (uint16_t)(b[0] << 8 | b[1]) : (uint16_t)(b[1] << 8 | b[0]);
}

static uint32_t get32(const struct capture *c, const uint8_t *b)
{
	return c->be ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
		     : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static uint64_t get64(const struct capture *c, const uint8_t *b)
{
	uint64_t hi = get32(c, c->be ? b : b + 4), lo = get32(c, c->be ? b + 4 : b);

	return hi << 32 | lo;
}

/* n bytes of the record (what) that starts at byte start. */
static int rd(struct capture *c, void *b, size_t n, const char *what, uint64_t start)
{
	size_t got = fread(b, 1, n, c->f);

	c->off += got;
	if (got == n)
		return 0;
	if (ferror(c->f))
		return fail(c, -EIO, "read error at byte %" PRIu64 ": %s", c->off, strerror(errno));
	return fail(c, -EINVAL, "truncated at byte %" PRIu64 ", inside the %s at byte %" PRIu64,
		    c->off, what, start);
}

/* The head of the next record: 1, or 0 when the file ends cleanly before it. */
static int rd_head(struct capture *c, uint8_t *b, size_t n, const char *what)
{
	uint64_t start = c->off;
	int ch = getc(c->f), r;

	if (ch == EOF) {
		if (ferror(c->f))
			return fail(c, -EIO, "read error at byte %" PRIu64 ": %s", c->off, strerror(errno));
		return 0;
	}
	b[0] = (uint8_t)ch;
	c->off++;
	r = rd(c, b + 1, n - 1, what, start);
	return r < 0 ? r : 1;
}

static int skip(struct capture *c, uint64_t n, const char *what, uint64_t start)
{
	uint8_t tmp[4096];

	while (n) {
		size_t k = n < sizeof(tmp) ? (size_t)n : sizeof(tmp);
		int r = rd(c, tmp, k, what, start);

		if (r)
			return r;
		n -= k;
	}
	return 0;
}

/* Room for n <= CAPTURE_SNAP_MAX bytes; grows in powers of two as packets need it. */
static int reserve(struct capture *c, size_t n)
{
	size_t size = c->bufsize ? c->bufsize : 2048;
	uint8_t *b;

	if (n <= c->bufsize)
		return 0;
	while (size < n)
		size *= 2;
	if (size > CAPTURE_SNAP_MAX)
		size = CAPTURE_SNAP_MAX;
	if (!(b = realloc(c->buf, size)))
		return fail(c, -ENOMEM, "out of memory");
	c->buf = b;
	c->bufsize = size;
	return 0;
}

static uint32_t snap_adjust(uint32_t snap)
{
	return snap == 0 || snap > CAPTURE_SNAP_MAX ? CAPTURE_SNAP_MAX : snap;
}

/* Old writers put DLT_RAW's value (12) where LINKTYPE_RAW belongs. */
static uint32_t link_norm(uint32_t link)
{
	return link == 12 ? CAPTURE_LINK_RAW : link;
}

static int pcap_header(struct capture *c, const uint8_t *h)
{
	uint16_t major = get16(c, h + 4), minor = get16(c, h + 6);

	if (major != 2 || minor > 4)
		return fail(c, -EINVAL, "pcap version %u.%u is not supported", major, minor);
	c->lenswap = minor < 3 ? 1 : minor == 3 ? 2 : 0;
	c->snap = snap_adjust(get32(c, h + 16));
	/* The top bits of the link type say whether frames carry an FCS. */
	c->link = link_norm(get32(c, h + 20) & 0x03ffffff);
	return 0;
}

static int pcap_next(struct capture *c, struct capture_pkt *p)
{
	uint64_t start = c->off;
	uint8_t h[PCAP_REC];
	uint32_t caplen, len, keep;
	int r;

	if ((r = rd_head(c, h, sizeof(h), "packet record")) <= 0)
		return r;
	/* Signed, as in libpcap's struct pcap_timeval. */
	p->sec = (int32_t)get32(c, h);
	p->usec = (int32_t)get32(c, h + 4);
	if (c->nsec)
		p->usec /= 1000;
	caplen = get32(c, h + 8);
	len = get32(c, h + 12);
	if (c->lenswap == 1 || (c->lenswap == 2 && caplen > len)) {
		uint32_t t = caplen;

		caplen = len;
		len = t;
	}
	if (caplen > CAPTURE_SNAP_MAX)
		return fail(c, -EINVAL, "packet record at byte %" PRIu64 ": captured length %" PRIu32
			    " is over the limit of %u", start, caplen, CAPTURE_SNAP_MAX);
	/* Longer than the file's snap length: cut to it, as libpcap does. */
	keep = caplen > c->snap ? c->snap : caplen;
	if ((r = reserve(c, keep)) || (r = rd(c, c->buf, keep, "packet record", start)) ||
	    (r = skip(c, caplen - keep, "packet record", start)))
		return r;
	p->data = c->buf;
	p->caplen = keep;
	p->len = len;
	p->link = c->link;
	return 1;
}

/* The rest of a Section Header Block whose first 8 bytes are in h. */
static int ng_shb(struct capture *c, const uint8_t *h, uint64_t start)
{
	uint8_t b[16];
	uint32_t len;
	int r;

	if ((r = rd(c, b, 4, "section header", start)))
		return r;
	/* Each section has its own byte order, given by this magic. */
	c->be = true;
	if (get32(c, b) != NG_BOM) {
		c->be = false;
		if (get32(c, b) != NG_BOM)
			return fail(c, -EINVAL, "section header at byte %" PRIu64 ": bad byte-order magic", start);
	}
	len = get32(c, h + 4);
	if (len < 28 || len % 4 || len > NG_BLOCK_MAX)
		return fail(c, -EINVAL, "section header at byte %" PRIu64 ": bad length %" PRIu32, start, len);
	if ((r = rd(c, b, 12, "section header", start)))
		return r;
	if (get16(c, b) != 1 || (get16(c, b + 2) != 0 && get16(c, b + 2) != 2))
		return fail(c, -EINVAL, "section header at byte %" PRIu64 ": pcapng version %u.%u is not supported",
			    start, get16(c, b), get16(c, b + 2));
	if ((r = skip(c, len - 28, "section header", start)) || (r = rd(c, b, 4, "section header", start)))
		return r;
	if (get32(c, b) != len)
		return fail(c, -EINVAL, "section header at byte %" PRIu64 ": length %" PRIu32 " at its end, %"
			    PRIu32 " at its start", start, get32(c, b), len);
	c->nifs = 0;  /* interface numbers start again in each section */
	return 0;
}

static int ng_trailer(struct capture *c, uint32_t len, uint64_t start)
{
	uint8_t b[4];
	int r;

	if ((r = rd(c, b, 4, "block", start)))
		return r;
	if (get32(c, b) != len)
		return fail(c, -EINVAL, "block at byte %" PRIu64 ": length %" PRIu32 " at its end, %" PRIu32
			    " at its start", start, get32(c, b), len);
	return 0;
}

/* The rest of an Interface Description Block of len bytes; of its options only the timestamp
 * ones matter. */
static int ng_idb(struct capture *c, uint32_t len, uint64_t start)
{
	struct iface i = { .tsresol = US };
	uint32_t rest = len - 12;
	bool tsresol = false, tsoffset = false;
	uint8_t b[8];
	int r;

	if (rest < 8)
		return fail(c, -EINVAL, "interface description at byte %" PRIu64 ": too short", start);
	if ((r = rd(c, b, 8, "interface description", start)))
		return r;
	i.link = link_norm(get16(c, b));
	i.snap = snap_adjust(get32(c, b + 4));
	rest -= 8;
	while (rest >= 4) {
		uint16_t code, olen;
		uint32_t padded;

		if ((r = rd(c, b, 4, "interface description", start)))
			return r;
		code = get16(c, b);
		olen = get16(c, b + 2);
		padded = ((uint32_t)olen + 3) & ~3u;
		rest -= 4;
		if (padded > rest)
			return fail(c, -EINVAL, "interface description at byte %" PRIu64 ": option %u overruns the block",
				    start, code);
		if (code == 0) {
			if (olen)
				return fail(c, -EINVAL, "interface description at byte %" PRIu64
					    ": end of options with a length", start);
			break;
		} else if (code == 9) {  /* if_tsresol */
			if (olen != 1 || tsresol)
				return fail(c, -EINVAL, "interface description at byte %" PRIu64
					    ": bad if_tsresol", start);
			if ((r = rd(c, b, 4, "interface description", start)))
				return r;
			tsresol = true;
			i.binary = b[0] & 0x80;
			if ((i.binary && (b[0] & 0x7f) > 63) || (!i.binary && b[0] > 19))
				return fail(c, -EINVAL, "interface description at byte %" PRIu64
					    ": if_tsresol %u is too fine", start, b[0]);
			i.tsresol = 1;
			if (i.binary)
				i.tsresol <<= b[0] & 0x7f;
			else
				for (unsigned k = 0; k < b[0]; k++)
					i.tsresol *= 10;
		} else if (code == 14) {  /* if_tsoffset */
			if (olen != 8 || tsoffset)
				return fail(c, -EINVAL, "interface description at byte %" PRIu64
					    ": bad if_tsoffset", start);
			if ((r = rd(c, b, 8, "interface description", start)))
				return r;
			tsoffset = true;
			i.tsoffset = (int64_t)get64(c, b);
		} else if ((r = skip(c, padded, "interface description", start))) {
			return r;
		}
		rest -= padded;
	}
	if ((r = skip(c, rest, "interface description", start)) || (r = ng_trailer(c, len, start)))
		return r;
	if (c->nifs == NG_IFACES_MAX)
		return fail(c, -EINVAL, "interface description at byte %" PRIu64 ": more than %u interfaces "
			    "in a section", start, NG_IFACES_MAX);
	if (c->nifs == c->ifs_size) {
		uint32_t size = c->ifs_size ? c->ifs_size * 2 : 4;
		struct iface *n = realloc(c->ifs, size * sizeof(*n));

		if (!n)
			return fail(c, -ENOMEM, "out of memory");
		c->ifs = n;
		c->ifs_size = size;
	}
	c->ifs[c->nifs++] = i;
	return 0;
}

/* libpcap's conversion to microseconds, wrap-arounds included, so times print the same. */
static void ng_time(const struct iface *i, uint64_t t, struct capture_pkt *p)
{
	uint64_t sec = t / i->tsresol + (uint64_t)i->tsoffset, frac = t % i->tsresol;

	if (i->tsresol == US)
		;
	else if (i->binary)
		frac = frac * US / i->tsresol;
	else if (i->tsresol > US)
		frac /= i->tsresol / US;
	else
		frac *= US / i->tsresol;
	p->sec = (int64_t)sec;
	p->usec = (int32_t)(uint32_t)frac;
}

/* The rest of an Enhanced, Simple or old Packet Block of blen bytes, into p. */
static int ng_packet(struct capture *c, uint32_t type, uint32_t blen, uint64_t start, struct capture_pkt *p)
{
	uint8_t b[20];
	uint32_t fixed = type == NG_SPB ? 4 : 20, rest = blen - 12, id = 0, caplen, len;
	uint64_t t = 0;
	int r;

	if (rest < fixed)
		return fail(c, -EINVAL, "packet block at byte %" PRIu64 ": too short", start);
	if ((r = rd(c, b, fixed, "packet block", start)))
		return r;
	rest -= fixed;
	if (type == NG_SPB) {
		len = get32(c, b);
	} else {
		id = type == NG_EPB ? get32(c, b) : get16(c, b);
		t = (uint64_t)get32(c, b + 4) << 32 | get32(c, b + 8);
		caplen = get32(c, b + 12);
		len = get32(c, b + 16);
	}
	if (id >= c->nifs)
		return fail(c, -EINVAL, "packet block at byte %" PRIu64 ": interface %" PRIu32
			    " is not described in its section", start, id);
	if (type == NG_SPB) {
		/* No captured length: the packet was cut to the snap length, if at all. */
		caplen = len < c->ifs[0].snap ? len : c->ifs[0].snap;
	} else if (caplen > c->ifs[id].snap) {
		return fail(c, -EINVAL, "packet block at byte %" PRIu64 ": captured length %" PRIu32
			    " is over the interface's snap length %" PRIu32, start, caplen, c->ifs[id].snap);
	}
	if (caplen > rest)
		return fail(c, -EINVAL, "packet block at byte %" PRIu64 ": captured length %" PRIu32
			    " overruns the block", start, caplen);
	if ((r = reserve(c, caplen)) || (r = rd(c, c->buf, caplen, "packet block", start)) ||
	    (r = skip(c, rest - caplen, "packet block", start)) ||
	    (r = ng_trailer(c, blen, start)))
		return r;
	ng_time(&c->ifs[id], t, p);
	p->data = c->buf;
	p->caplen = caplen;
	p->len = len;
	p->link = c->ifs[id].link;
	return 1;
}

/* One block: 1 with a packet in p, 2 for any other block, 0 at a clean end of the file. */
static int ng_block(struct capture *c, struct capture_pkt *p)
{
	uint64_t start = c->off;
	uint8_t h[8];
	uint32_t type, len;
	int r;

	if ((r = rd_head(c, h, sizeof(h), "block")) <= 0)
		return r;
	type = get32(c, h);
	if (type == NG_SHB) {
		r = ng_shb(c, h, start);
		return r < 0 ? r : 2;
	}
	len = get32(c, h + 4);
	if (len < 12 || len % 4 || len > NG_BLOCK_MAX)
		return fail(c, -EINVAL, "block at byte %" PRIu64 ": bad length %" PRIu32, start, len);
	switch (type) {
	case NG_IDB:
		r = ng_idb(c, len, start);
		break;
	case NG_EPB:
	case NG_PB:
	case NG_SPB:
		return ng_packet(c, type, len, start, p);
	default:
		/* Statistics, name resolution, secrets, custom blocks: nothing replay needs. */
		if (!(r = skip(c, len - 12, "block", start)))
			r = ng_trailer(c, len, start);
		break;
	}
	return r < 0 ? r : 2;
}

int capture_new(struct capture **cp, FILE *f, char *err, size_t errsize)
{
	static const uint8_t le_us[4] = { 0xd4, 0xc3, 0xb2, 0xa1 }, be_us[4] = { 0xa1, 0xb2, 0xc3, 0xd4 },
			     le_ns[4] = { 0x4d, 0x3c, 0xb2, 0xa1 }, be_ns[4] = { 0xa1, 0xb2, 0x3c, 0x4d };
	struct capture *c = calloc(1, sizeof(*c));
	struct capture_pkt p;
	uint8_t h[PCAP_HDR];
	int r;

	*cp = NULL;
	if (!c) {
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	c->f = f;
	c->err = err;
	c->errsize = errsize;
	if ((r = rd_head(c, h, 4, "file header")) <= 0) {
		if (!r)
			r = fail(c, -EINVAL, "empty file");
		goto out;
	}
	if (!memcmp(h, le_us, 4) || !memcmp(h, be_us, 4) || !memcmp(h, le_ns, 4) || !memcmp(h, be_ns, 4)) {
		c->be = h[0] == 0xa1;
		c->nsec = h[2] == 0x3c || h[1] == 0x3c;
		if ((r = rd(c, h + 4, PCAP_HDR - 4, "file header", 0)) || (r = pcap_header(c, h)))
			goto out;
	} else if (get32(c, h) == NG_SHB) {
		c->ng = true;
		if ((r = rd(c, h + 4, 4, "section header", 0)) || (r = ng_shb(c, h, 0)))
			goto out;
		/* The first interface's link type is the file's, as libpcap reports it. */
		while ((r = ng_block(c, &p)) == 2 && !c->nifs)
			;
		if (r < 0)
			goto out;
		if (!c->nifs) {
			r = fail(c, -EINVAL, "no interface description before byte %" PRIu64, c->off);
			goto out;
		}
		c->link = c->ifs[0].link;
	} else {
		r = fail(c, -EINVAL, "not a pcap or pcapng file");
		goto out;
	}
	r = 0;
	*cp = c;
out:
	if (r)
		capture_free(c);
	return r;
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	free(c->ifs);
	free(c->buf);
	free(c);
}

uint32_t capture_link(const struct capture *c)
{
	return c->link;
}

int capture_next(struct capture *c, struct capture_pkt *p, char *err, size_t errsize)
{
	int r;

	c->err = err;
	c->errsize = errsize;
	if (!c->ng)
		return pcap_next(c, p);
	while ((r = ng_block(c, p)) == 2)
		;
	return r;
}
