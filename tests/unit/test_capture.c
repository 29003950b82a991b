/* Capture reader: pcap and pcapng written here in both byte orders, every link type replay
 * knows, several interfaces and sections, unknown blocks, every truncation, corrupt lengths. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "unit.h"

#define SHB 0x0a0d0d0au
#define IDB 1u
#define SPB 3u
#define EPB 6u

/* A capture being written, in one byte order. */
struct w {
	uint8_t *b;
	size_t n, cap;
	bool be;
};

struct got {
	uint32_t link, caplen, len;
	int64_t sec;
	int32_t usec;
	uint8_t first, last;
};

static const uint8_t frame[60] = { 0x45, 0, 0, 60, [59] = 0xee };

static struct w *w_new(bool be)
{
	struct w *w = calloc(1, sizeof(*w));

	w->cap = 1 << 20;
	w->b = calloc(1, w->cap);
	w->be = be;
	return w;
}

static void w_free(struct w *w)
{
	free(w->b);
	free(w);
}

static void put(struct w *w, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		w->b[w->n + i] = (uint8_t)(v >> 8 * (w->be ? size - 1 - i : i));
	w->n += size;
}

static void raw(struct w *w, const void *p, size_t n)
{
	if (n)
		memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void pad4(struct w *w)
{
	while (w->n % 4)
		w->b[w->n++] = 0;
}

/* pcap */

static void pcap_hdr(struct w *w, bool ns, uint32_t link, uint32_t snap)
{
	put(w, ns ? 0xa1b23c4d : 0xa1b2c3d4, 4);
	put(w, 2, 2);
	put(w, 4, 2);
	put(w, 0, 4);
	put(w, 0, 4);
	put(w, snap, 4);
	put(w, link, 4);
}

static void pcap_rec(struct w *w, uint32_t sec, uint32_t frac, const uint8_t *d, uint32_t caplen,
		     uint32_t len)
{
	put(w, sec, 4);
	put(w, frac, 4);
	put(w, caplen, 4);
	put(w, len, 4);
	raw(w, d, caplen);
}

/* pcapng: a block is begun, filled, then ended, which pads it and writes both lengths. */

static size_t blk(struct w *w, uint32_t type)
{
	size_t at = w->n;

	put(w, type, 4);
	put(w, 0, 4);
	return at;
}

static void blk_end(struct w *w, size_t at)
{
	size_t end;

	pad4(w);
	end = w->n;
	w->n = at + 4;
	put(w, end + 4 - at, 4);
	w->n = end;
	put(w, end + 4 - at, 4);
}

static void opt(struct w *w, uint16_t code, const void *v, uint16_t len)
{
	put(w, code, 2);
	put(w, len, 2);
	raw(w, v, len);
	pad4(w);
}

static void shb(struct w *w)
{
	size_t at = blk(w, SHB);

	put(w, 0x1a2b3c4d, 4);
	put(w, 1, 2);
	put(w, 0, 2);
	put(w, UINT64_MAX, 8);
	opt(w, 4, "privfw", 6);  /* shb_userappl */
	opt(w, 0, NULL, 0);
	blk_end(w, at);
}

/* tsresol < 0: none. */
static void idb(struct w *w, uint16_t link, uint32_t snap, int tsresol)
{
	size_t at = blk(w, IDB);
	uint8_t r = (uint8_t)tsresol;

	put(w, link, 2);
	put(w, 0, 2);
	put(w, snap, 4);
	opt(w, 2, "wlan0", 5);
	if (tsresol >= 0)
		opt(w, 9, &r, 1);
	opt(w, 0, NULL, 0);
	blk_end(w, at);
}

static void epb(struct w *w, uint32_t iface, uint64_t t, const uint8_t *d, uint32_t caplen, uint32_t len)
{
	size_t at = blk(w, EPB);

	put(w, iface, 4);
	put(w, t >> 32, 4);
	put(w, (uint32_t)t, 4);
	put(w, caplen, 4);
	put(w, len, 4);
	raw(w, d, caplen);
	pad4(w);
	opt(w, 1, "a comment", 9);
	opt(w, 0, NULL, 0);
	blk_end(w, at);
}

static void spb(struct w *w, const uint8_t *d, uint32_t len)
{
	size_t at = blk(w, SPB);

	put(w, len, 4);
	raw(w, d, len);
	blk_end(w, at);
}

static void unknown(struct w *w, uint32_t type, size_t n)
{
	size_t at = blk(w, type);

	for (size_t i = 0; i < n; i++)
		w->b[w->n++] = (uint8_t)i;
	blk_end(w, at);
}

static FILE *mem(const uint8_t *b, size_t n)
{
	/* fmemopen wants a non-empty buffer. */
	FILE *f = n ? fmemopen((void *)b, n, "rb") : fopen("/dev/null", "rb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	return f;
}

/* Reads n bytes of b to the end: the packets into g (up to max), the result of the last call
 * in *rc (the error of capture_new included), its link in *link. Returns the packet count. */
static size_t read_all(const uint8_t *b, size_t n, struct got *g, size_t max, int *rc, uint32_t *link,
		       char *err, size_t errsize)
{
	FILE *f = mem(b, n);
	struct capture *c;
	struct capture_pkt p;
	size_t k = 0;

	err[0] = 0;
	*rc = capture_new(&c, f, err, errsize);
	if (*rc == 0) {
		if (link)
			*link = capture_link(c);
		while ((*rc = capture_next(c, &p, err, errsize)) == 1) {
			if (k < max)
				g[k] = (struct got){ p.link, p.caplen, p.len, p.sec, p.usec,
						     p.caplen ? p.data[0] : 0, p.caplen ? p.data[p.caplen - 1] : 0 };
			k++;
		}
		capture_free(c);
	} else {
		CU_ASSERT_PTR_NULL(c);
	}
	fclose(f);
	return k;
}

static void test_pcap_orders(void)
{
	for (int be = 0; be < 2; be++) {
		for (int ns = 0; ns < 2; ns++) {
			struct w *w = w_new(be);
			struct got g[4];
			char err[256];
			uint32_t link = 0;
			int rc;

			pcap_hdr(w, ns, 1, 65535);
			pcap_rec(w, 1700000000, ns ? 123456789 : 123456, frame, 60, 60);
			pcap_rec(w, 1700000001, 0, frame, 0, 1514);
			pcap_rec(w, 0xffffffff, ns ? 999 : 1, frame, 14, 100);
			CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 4, &rc, &link, err, sizeof(err)), 3);
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL(link, CAPTURE_LINK_ETHERNET);
			CU_ASSERT_EQUAL(g[0].link, CAPTURE_LINK_ETHERNET);
			CU_ASSERT_EQUAL(g[0].caplen, 60);
			CU_ASSERT_EQUAL(g[0].len, 60);
			CU_ASSERT_EQUAL(g[0].first, 0x45);
			CU_ASSERT_EQUAL(g[0].last, 0xee);
			CU_ASSERT_EQUAL(g[0].sec, 1700000000);
			CU_ASSERT_EQUAL(g[0].usec, 123456);
			CU_ASSERT_EQUAL(g[1].caplen, 0);
			CU_ASSERT_EQUAL(g[1].len, 1514);
			CU_ASSERT_EQUAL(g[1].sec, 1700000001);
			CU_ASSERT_EQUAL(g[2].caplen, 14);
			CU_ASSERT_EQUAL(g[2].len, 100);
			/* libpcap reads the seconds as signed 32 bits. */
			CU_ASSERT_EQUAL(g[2].sec, -1);
			CU_ASSERT_EQUAL(g[2].usec, ns ? 0 : 1);
			w_free(w);
		}
	}
}

static const uint32_t links[] = { 0, 1, 101, 108, 113, 228, 229, 276, 147 };

static void test_pcap_links(void)
{
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]) + 2; i++) {
		/* Then the legacy raw value, and Ethernet with an FCS length in the top bits. */
		uint32_t in = i < 9 ? links[i] : i == 9 ? 12 : 0x04000001, want = i < 9 ? in : i == 9 ? 101 : 1;
		struct w *w = w_new(i % 2);
		struct got g[1];
		char err[256];
		uint32_t link = 9999;
		int rc;

		pcap_hdr(w, false, in, 262144);
		pcap_rec(w, 1, 2, frame, 20, 20);
		CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 1, &rc, &link, err, sizeof(err)), 1);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(link, want);
		CU_ASSERT_EQUAL(g[0].link, want);
		w_free(w);
	}
}

static void test_pcap_lengths(void)
{
	struct w *w = w_new(false);
	struct got g[2];
	char err[256];
	int rc;

	/* Longer than the snap length: cut to it and the rest skipped, as libpcap does. */
	pcap_hdr(w, false, 101, 20);
	pcap_rec(w, 1, 0, frame, 60, 60);
	pcap_rec(w, 2, 0, frame, 10, 60);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 2, &rc, NULL, err, sizeof(err)), 2);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(g[0].caplen, 20);
	CU_ASSERT_EQUAL(g[0].len, 60);
	CU_ASSERT_EQUAL(g[1].caplen, 10);
	CU_ASSERT_EQUAL(g[1].sec, 2);

	/* Version 2.2 wrote the original length first. */
	w->n = 0;
	pcap_hdr(w, false, 101, 0);
	w->b[6] = 2;
	pcap_rec(w, 1, 0, frame, 60, 20);
	w->n -= 60 - 20;
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 2, &rc, NULL, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(g[0].caplen, 20);
	CU_ASSERT_EQUAL(g[0].len, 60);

	/* Over the 256 KiB bound: an error naming the record's offset, nothing allocated for it. */
	w->n = 0;
	pcap_hdr(w, false, 101, 0);
	pcap_rec(w, 1, 0, frame, 20, 20);
	put(w, 1, 4);
	put(w, 0, 4);
	put(w, CAPTURE_SNAP_MAX + 1, 4);
	put(w, CAPTURE_SNAP_MAX + 1, 4);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 2, &rc, NULL, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at byte 60"));
	w_free(w);
}

static void test_not_a_capture(void)
{
	static const uint8_t text[] = "GET / HTTP/1.1\r\n\r\n";
	struct w *w = w_new(false);
	struct got g[1];
	char err[256];
	int rc;

	CU_ASSERT_EQUAL(read_all(text, sizeof(text), g, 1, &rc, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "not a pcap or pcapng file");
	CU_ASSERT_EQUAL(read_all(text, 0, g, 1, &rc, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "empty file");
	pcap_hdr(w, false, 1, 0);
	w->b[4] = 3;  /* version 3.4 */
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 1, &rc, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "version 3.4"));
	w_free(w);
}

static void test_ng_orders(void)
{
	for (int be = 0; be < 2; be++) {
		struct w *w = w_new(be);
		struct got g[4];
		char err[256];
		uint32_t link = 0;
		int rc;

		shb(w);
		idb(w, 1, 0, -1);
		epb(w, 0, 1700000000123456ull, frame, 60, 60);
		epb(w, 0, 1700000001000000ull, frame, 3, 1514);
		spb(w, frame, 60);
		CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 4, &rc, &link, err, sizeof(err)), 3);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(link, CAPTURE_LINK_ETHERNET);
		CU_ASSERT_EQUAL(g[0].link, CAPTURE_LINK_ETHERNET);
		CU_ASSERT_EQUAL(g[0].caplen, 60);
		CU_ASSERT_EQUAL(g[0].first, 0x45);
		CU_ASSERT_EQUAL(g[0].last, 0xee);
		CU_ASSERT_EQUAL(g[0].sec, 1700000000);
		CU_ASSERT_EQUAL(g[0].usec, 123456);
		CU_ASSERT_EQUAL(g[1].caplen, 3);
		CU_ASSERT_EQUAL(g[1].len, 1514);
		CU_ASSERT_EQUAL(g[1].sec, 1700000001);
		CU_ASSERT_EQUAL(g[1].usec, 0);
		/* A simple packet block has no time and no captured length of its own. */
		CU_ASSERT_EQUAL(g[2].caplen, 60);
		CU_ASSERT_EQUAL(g[2].len, 60);
		CU_ASSERT_EQUAL(g[2].last, 0xee);
		CU_ASSERT_EQUAL(g[2].sec, 0);
		CU_ASSERT_EQUAL(g[2].usec, 0);
		w_free(w);
	}
}

static void test_ng_links(void)
{
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		struct w *w = w_new(i % 2);
		struct got g[1];
		char err[256];
		uint32_t link = 9999;
		int rc;

		shb(w);
		idb(w, (uint16_t)links[i], 65535, -1);
		epb(w, 0, 0, frame, 20, 20);
		CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 1, &rc, &link, err, sizeof(err)), 1);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(link, links[i]);
		CU_ASSERT_EQUAL(g[0].link, links[i]);
		w_free(w);
	}
}

/* Each interface its own link type, snap length and timestamp resolution. */
static void test_ng_interfaces(void)
{
	struct w *w = w_new(true);
	struct got g[8];
	char err[256];
	size_t n;
	uint32_t link = 0;
	int rc;

	shb(w);
	idb(w, 1, 0, 9);                /* nanoseconds */
	idb(w, 113, 30, 0x80 | 10);     /* 1/1024 s */
	idb(w, 276, 65535, 3);          /* milliseconds */
	idb(w, 101, 65535, -1);
	epb(w, 0, 1700000000123456789ull, frame, 60, 60);
	epb(w, 1, 5ull * 1024 + 512, frame, 30, 60);
	epb(w, 2, 1700000000123ull, frame, 20, 20);
	epb(w, 3, 42, frame, 20, 20);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 8, &rc, &link, err, sizeof(err)), 4);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(link, CAPTURE_LINK_ETHERNET);
	CU_ASSERT_EQUAL(g[0].link, CAPTURE_LINK_ETHERNET);
	CU_ASSERT_EQUAL(g[0].sec, 1700000000);
	CU_ASSERT_EQUAL(g[0].usec, 123456);
	CU_ASSERT_EQUAL(g[1].link, CAPTURE_LINK_LINUX_SLL);
	CU_ASSERT_EQUAL(g[1].sec, 5);
	CU_ASSERT_EQUAL(g[1].usec, 500000);
	CU_ASSERT_EQUAL(g[2].link, CAPTURE_LINK_LINUX_SLL2);
	CU_ASSERT_EQUAL(g[2].sec, 1700000000);
	CU_ASSERT_EQUAL(g[2].usec, 123000);
	CU_ASSERT_EQUAL(g[3].link, CAPTURE_LINK_RAW);
	CU_ASSERT_EQUAL(g[3].usec, 42);

	/* Interface 1 allows 30 bytes; 31 is a corrupt length. */
	n = w->n;
	epb(w, 1, 0, frame, 31, 60);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 8, &rc, &link, err, sizeof(err)), 4);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "snap length 30"));
	w->n = n;
	epb(w, 4, 0, frame, 20, 20);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 8, &rc, &link, err, sizeof(err)), 4);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "interface 4"));
	w_free(w);
}

/* Blocks replay has no use for are skipped, however long, with their lengths still checked. */
static void test_ng_unknown_blocks(void)
{
	struct w *w = w_new(false);
	struct got g[4];
	char err[256];
	int rc;

	shb(w);
	unknown(w, 4, 20);            /* name resolution */
	unknown(w, 0x40000bad, 0);    /* custom, empty */
	idb(w, 1, 0, -1);
	unknown(w, 5, 200);           /* interface statistics */
	epb(w, 0, 1, frame, 60, 60);
	unknown(w, 0x0a, 300000);     /* decryption secrets, longer than any packet */
	epb(w, 0, 2, frame, 60, 60);
	unknown(w, 2000, 4);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 4, &rc, NULL, err, sizeof(err)), 2);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(g[1].usec, 2);
	w_free(w);
}

/* Sections each with their byte order and interfaces. */
static void test_ng_sections(void)
{
	struct w *w = w_new(false);
	struct got g[4];
	char err[256];
	uint32_t link = 0;
	int rc;

	shb(w);
	idb(w, 1, 0, -1);
	idb(w, 1, 0, -1);
	epb(w, 1, 7, frame, 60, 60);
	w->be = true;
	shb(w);
	idb(w, 113, 0, 9);
	epb(w, 0, 1000000000ull + 8000, frame, 40, 40);
	w->be = false;
	shb(w);
	idb(w, 276, 0, -1);
	spb(w, frame, 24);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 4, &rc, &link, err, sizeof(err)), 3);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(link, CAPTURE_LINK_ETHERNET);
	CU_ASSERT_EQUAL(g[0].link, CAPTURE_LINK_ETHERNET);
	CU_ASSERT_EQUAL(g[0].usec, 7);
	CU_ASSERT_EQUAL(g[1].link, CAPTURE_LINK_LINUX_SLL);
	CU_ASSERT_EQUAL(g[1].caplen, 40);
	CU_ASSERT_EQUAL(g[1].sec, 1);
	CU_ASSERT_EQUAL(g[1].usec, 8);
	CU_ASSERT_EQUAL(g[2].link, CAPTURE_LINK_LINUX_SLL2);
	CU_ASSERT_EQUAL(g[2].caplen, 24);

	/* Interface numbers start again: the new section has only interface 0. */
	shb(w);
	idb(w, 1, 0, -1);
	epb(w, 1, 0, frame, 20, 20);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 4, &rc, &link, err, sizeof(err)), 3);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "interface 1"));
	w_free(w);
}

/* Every prefix of a file: an error at open, or the packets wholly inside it and then a clean
 * end exactly when the cut falls between records, an error naming the offset otherwise. */
static void truncations(struct w *w, const size_t *ends, size_t nends, size_t opened, const bool *is_pkt)
{
	struct got g[16];
	char err[256];

	for (size_t n = 0; n < w->n; n++) {
		size_t want = 0;
		bool boundary = false;
		int rc;

		for (size_t i = 0; i < nends; i++) {
			if (ends[i] <= n && is_pkt[i])
				want++;
			if (ends[i] == n)
				boundary = true;
		}
		CU_ASSERT_EQUAL(read_all(w->b, n, g, 16, &rc, NULL, err, sizeof(err)), want);
		if (n < opened) {
			CU_ASSERT_EQUAL(rc, -EINVAL);
		} else if (boundary) {
			CU_ASSERT_EQUAL(rc, 0);
		} else {
			CU_ASSERT_EQUAL(rc, -EINVAL);
			CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated at byte"));
		}
		CU_ASSERT(rc == 0 || err[0]);
	}
}

static void test_truncations(void)
{
	for (int be = 0; be < 2; be++) {
		struct w *w = w_new(be);
		size_t ends[16], n = 0, opened;
		bool pkt[16];

		pcap_hdr(w, true, 1, 0);
		opened = w->n;
		pkt[n] = false;
		ends[n++] = w->n;
		for (uint32_t i = 0; i < 3; i++) {
			pcap_rec(w, i, i, frame, 20 + i, 60);
			pkt[n] = true;
			ends[n++] = w->n;
		}
		truncations(w, ends, n, opened, pkt);

		w->n = n = 0;
		shb(w);
		pkt[n] = false;
		ends[n++] = w->n;
		unknown(w, 4, 6);
		pkt[n] = false;
		ends[n++] = w->n;
		idb(w, 113, 0, 9);
		opened = w->n;
		pkt[n] = false;
		ends[n++] = w->n;
		epb(w, 0, 5, frame, 21, 60);
		pkt[n] = true;
		ends[n++] = w->n;
		spb(w, frame, 13);
		pkt[n] = true;
		ends[n++] = w->n;
		idb(w, 1, 0, -1);
		pkt[n] = false;
		ends[n++] = w->n;
		epb(w, 1, 5, frame, 0, 60);
		pkt[n] = true;
		ends[n++] = w->n;
		truncations(w, ends, n, opened, pkt);
		w_free(w);
	}
}

/* One corrupt field in an otherwise good pcapng file: an error naming the block's offset. */
static void corrupt(bool be, size_t at, uint32_t v, unsigned size, const char *want)
{
	struct w *w = w_new(be);
	struct got g[4];
	char err[256];
	size_t end;
	int rc;

	shb(w);                       /* bytes 0..44 */
	idb(w, 1, 1000, 6);           /* 44..88 */
	epb(w, 0, 1, frame, 60, 60);  /* 88..200 */
	end = w->n;
	w->n = at;
	put(w, v, size);
	w->n = end;
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 4, &rc, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	if (!strstr(err, want))
		fprintf(stderr, "\n  corrupt %zu=%u: \"%s\", wanted \"%s\"\n", at, v, err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	w_free(w);
}

static void test_corrupt_lengths(void)
{
	for (int be = 0; be < 2; be++) {
		corrupt(be, 4, 20, 4, "section header at byte 0: bad length 20");
		corrupt(be, 4, 46, 4, "section header at byte 0: bad length 46");
		corrupt(be, 4, 40, 4, "section header at byte 0: length 0 at its end, 40 at its start");
		corrupt(be, 4, 2u << 20, 4, "truncated at byte 200, inside the section header at byte 0");
		corrupt(be, 8, 0x01020304, 4, "section header at byte 0: bad byte-order magic");
		corrupt(be, 12, 2, 2, "section header at byte 0: pcapng version 2.0");
		corrupt(be, 48, 8, 4, "block at byte 44: bad length 8");
		corrupt(be, 48, 42, 4, "block at byte 44: bad length 42");
		corrupt(be, 48, 17u << 20, 4, "block at byte 44: bad length 17825792");
		corrupt(be, 48, 16, 4, "interface description at byte 44: too short");
		corrupt(be, 84, 40, 4, "block at byte 44: length 40 at its end, 44 at its start");
		corrupt(be, 62, 30, 2, "interface description at byte 44: option 2 overruns the block");
		corrupt(be, 74, 2, 2, "interface description at byte 44: bad if_tsresol");
		corrupt(be, 76, 20, 1, "interface description at byte 44: if_tsresol 20 is too fine");
		corrupt(be, 76, 0xc0, 1, "if_tsresol 192 is too fine");
		corrupt(be, 92, 28, 4, "packet block at byte 88: too short");
		corrupt(be, 92, 0x80000000u, 4, "block at byte 88: bad length 2147483648");
		corrupt(be, 96, 1, 4, "packet block at byte 88: interface 1 is not described");
		corrupt(be, 108, 81, 4, "packet block at byte 88: captured length 81 overruns the block");
		corrupt(be, 108, 1001, 4, "captured length 1001 is over the interface's snap length 1000");
		corrupt(be, 108, 0xffffffffu, 4, "captured length 4294967295 is over");
		corrupt(be, 196, 100, 4, "block at byte 88: length 100 at its end, 112 at its start");
	}
}

/* A packet before any interface, or none at all: refused at open. */
static void test_ng_no_interface(void)
{
	struct w *w = w_new(false);
	struct got g[1];
	char err[256];
	int rc;

	shb(w);
	unknown(w, 5, 8);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 1, &rc, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no interface description before byte 64"));
	epb(w, 0, 0, frame, 20, 20);
	CU_ASSERT_EQUAL(read_all(w->b, w->n, g, 1, &rc, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "packet block at byte 64: interface 0"));
	w_free(w);
}

static const struct unit_case cases[] = {
	{ "pcap in both byte orders, us and ns", test_pcap_orders },
	{ "pcap link types", test_pcap_links },
	{ "pcap snap length, old versions, size bound", test_pcap_lengths },
	{ "neither pcap nor pcapng", test_not_a_capture },
	{ "pcapng in both byte orders, EPB and SPB", test_ng_orders },
	{ "pcapng link types", test_ng_links },
	{ "pcapng interfaces with their own link, snap, resolution", test_ng_interfaces },
	{ "pcapng unknown blocks skipped", test_ng_unknown_blocks },
	{ "pcapng sections", test_ng_sections },
	{ "pcapng packet before any interface", test_ng_no_interface },
	{ "every truncation", test_truncations },
	{ "corrupt lengths", test_corrupt_lengths },
	{ NULL, NULL },
};

int main(void)
{
	return unit_run("capture", cases);
}
