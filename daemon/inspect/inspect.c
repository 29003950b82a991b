/* Inspection glue: TCP reassembly, decoder choice, detector feeding, per-flow budget. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "decode.h"
#include "detect.h"
#include "dns.h"
#include "http.h"
#include "inspect.h"
#include "pkt.h"
#include "quic.h"
#include "tls.h"

/* A database with its scratch, shared by the flows opened on it. */
struct dbref {
	struct detect_db *db;
	struct detect_scratch *scratch;
	unsigned refs;  /* flows, plus one while it is the engine's current database */
	bool borrowed;  /* db belongs to the caller */
};

/* Flow states kept for reuse: short connections and datagrams come and go by the thousand,
 * and a reset stream costs no allocation. */
#define INSPECT_SPARE 64

struct inspect {
	struct dbref *cur;
	uint32_t budget;
	struct inspect_stats st;
	struct inspect_flow *spare[INSPECT_SPARE];
	unsigned nspare;
};

struct inspect_flow {
	struct dbref *ref;
	struct detect_stream *ds;
	struct inspect_result *r;   /* the packet being inspected */
	union {
		struct http_state *http;
		struct tls_stream *tls;
		struct dns_tcp *dns_tcp;
		struct quic_state *quic;
	} dec;
	uint32_t next_seq;          /* TCP: next in-order byte */
	uint32_t seen;              /* payload bytes inspected */
	uint8_t proto;
	uint8_t carrier;            /* enum inspect_carrier */
	bool have_seq, done, dns_tcp;
	uint8_t npend;
	uint8_t pend[6];            /* an escape cut short by the end of a segment */
	uint16_t dport;
	char host[256];
};

static void dbref_put(struct dbref *d)
{
	if (!d || --d->refs)
		return;
	detect_scratch_free(d->scratch);
	if (!d->borrowed)
		detect_db_free(d->db);
	free(d);
}

static struct dbref *dbref_new(struct detect_db *db)
{
	struct dbref *d = calloc(1, sizeof(*d));

	if (!d || !(d->scratch = detect_scratch_new(db))) {
		free(d);
		detect_db_free(db);
		return NULL;
	}
	d->db = db;
	d->refs = 1;
	return d;
}

struct inspect *inspect_new_borrowed(const struct detect_db *db, uint32_t budget)
{
	struct inspect *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->cur = calloc(1, sizeof(*in->cur));
	if (!in->cur || !(in->cur->scratch = detect_scratch_new(db))) {
		free(in->cur);
		free(in);
		return NULL;
	}
	in->cur->db = (struct detect_db *)db;
	in->cur->refs = 1;
	in->cur->borrowed = true;
	in->budget = budget;
	return in;
}

struct inspect *inspect_new(struct detect_db *db, uint32_t budget)
{
	struct inspect *in = calloc(1, sizeof(*in));

	if (!in) {
		detect_db_free(db);
		return NULL;
	}
	if (!(in->cur = dbref_new(db))) {
		free(in);
		return NULL;
	}
	in->budget = budget;
	return in;
}

static void flow_destroy(struct inspect_flow *f)
{
	detect_stream_free(f->ds);
	dbref_put(f->ref);
	free(f);
}

static void spares_drop(struct inspect *in)
{
	while (in->nspare)
		flow_destroy(in->spare[--in->nspare]);
}

void inspect_free(struct inspect *in)
{
	if (!in)
		return;
	spares_drop(in);
	dbref_put(in->cur);
	free(in);
}

void inspect_set_db(struct inspect *in, struct detect_db *db)
{
	struct dbref *d = dbref_new(db);

	/* Out of memory: keep scanning with the old database rather than not at all. */
	if (!d)
		return;
	spares_drop(in);
	dbref_put(in->cur);
	in->cur = d;
}

const struct detect_db *inspect_db(const struct inspect *in)
{
	return in->cur->db;
}

struct inspect_flow *inspect_flow_new(struct inspect *in, uint8_t proto, uint16_t dport)
{
	struct inspect_flow *f;

	/* Memory stays bounded however many connections apps open. */
	if (in->st.flows_live >= INSPECT_LIVE_MAX) {
		in->st.busy++;
		return NULL;
	}
	if (in->nspare) {
		f = in->spare[--in->nspare];
		if (!f->ds && !(f->ds = detect_stream_new(f->ref->db))) {
			flow_destroy(f);
			in->st.oom++;
			return NULL;
		}
	} else {
		f = calloc(1, sizeof(*f));
		if (!f || !(f->ds = detect_stream_new(in->cur->db))) {
			free(f);
			in->st.oom++;
			return NULL;
		}
		f->ref = in->cur;
		f->ref->refs++;
	}
	f->proto = proto;
	f->dport = dport;
	in->st.flows++;
	in->st.flows_live++;
	return f;
}

static void dec_free(struct inspect_flow *f)
{
	switch (f->carrier) {
	case CARRIER_HTTP: http_free(f->dec.http); break;
	case CARRIER_TLS: tls_stream_free(f->dec.tls); break;
	case CARRIER_DNS: free(f->dec.dns_tcp); break;
	case CARRIER_QUIC: quic_free(f->dec.quic); break;
	default: break;
	}
	memset(&f->dec, 0, sizeof(f->dec));
}

void inspect_flow_free(struct inspect *in, struct inspect_flow *f)
{
	struct detect_stream *ds;
	struct dbref *ref;

	if (!f)
		return;
	dec_free(f);
	in->st.flows_live--;
	if (f->ref != in->cur || in->nspare == INSPECT_SPARE) {
		flow_destroy(f);
		return;
	}
	ds = f->ds;
	ref = f->ref;
	if (ds)
		detect_stream_reset(ds);
	memset(f, 0, sizeof(*f));
	f->ds = ds;
	f->ref = ref;
	in->spare[in->nspare++] = f;
}

const char *inspect_flow_host(const struct inspect_flow *f)
{
	return f->host[0] ? f->host : NULL;
}

enum inspect_carrier inspect_flow_carrier(const struct inspect_flow *f)
{
	return (enum inspect_carrier)f->carrier;
}

const char *inspect_carrier_name(enum inspect_carrier c)
{
	static const char *const names[] = { "none", "raw", "http", "tls", "dns", "quic" };

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "none";
}

const char *inspect_flow_label(const struct inspect_flow *f, unsigned label)
{
	return detect_db_label(f->ref->db, label);
}

void inspect_get_stats(const struct inspect *in, struct inspect_stats *s)
{
	*s = in->st;
}

/* Findings go into the packet's result; beyond its room they are counted, not kept. */
static void take(struct inspect_flow *f, const struct finding *tmp, size_t n)
{
	struct inspect_result *r = f->r;

	for (size_t i = 0; i < n; i++) {
		if (r->n < INSPECT_FINDINGS_MAX)
			r->findings[r->n++] = tmp[i];
		else
			r->lost++;
	}
}

static void scan(struct inspect_flow *f, const uint8_t *p, size_t n, unsigned esc)
{
	struct finding tmp[INSPECT_FINDINGS_MAX];

	take(f, tmp, detect_feed(f->ds, f->ref->scratch, p, n, esc, tmp, INSPECT_FINDINGS_MAX));
}


/* Length of the escape at p[0..n) (0: none, -1: cut short by the end of p); *out gets the
 * bytes it stands for (*outn of them) and *esc its kind. */
static int escape_at(const uint8_t *p, size_t n, uint8_t out[3], size_t *outn, unsigned *esc)
{
	int v = 0;

	if (p[0] == '%') {
		if (n < 3)
			return n == 1 || hexval(p[1]) >= 0 ? -1 : 0;
		if (hexval(p[1]) < 0 || hexval(p[2]) < 0)
			return 0;
		out[0] = (uint8_t)(hexval(p[1]) << 4 | hexval(p[2]));
		*outn = 1;
		*esc = DEC_ESC_URL;
		return 3;
	}
	/* p[0] == '\\' */
	if (n < 2)
		return -1;
	*esc = DEC_ESC_JSON;
	if (p[1] == '"' || p[1] == '\\' || p[1] == '/') {
		out[0] = p[1];
		*outn = 1;
		return 2;
	}
	if (p[1] != 'u')
		return 0;
	for (size_t i = 2; i < 6; i++) {
		if (i >= n)
			return -1;
		if (hexval(p[i]) < 0)
			return 0;
		v = v << 4 | hexval(p[i]);
	}
	/* Surrogates stay as they are: values leak through the BMP. */
	if (v >= 0xd800 && v <= 0xdfff)
		return 0;
	if (v < 0x80) {
		out[0] = (uint8_t)v;
		*outn = 1;
	} else if (v < 0x800) {
		out[0] = (uint8_t)(0xc0 | v >> 6);
		out[1] = (uint8_t)(0x80 | (v & 0x3f));
		*outn = 2;
	} else {
		out[0] = (uint8_t)(0xe0 | v >> 12);
		out[1] = (uint8_t)(0x80 | ((v >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (v & 0x3f));
		*outn = 3;
	}
	return 6;
}

/* Bytes that came through as they were may still hide escaped values: a percent-encoded
 * Cookie or Referer, JSON in a raw TCP stream. Undo %XX and JSON escapes on the way to the
 * detectors; an escape cut by a segment end waits (at most 5 bytes) for the next one. */
static void unescape(struct inspect_flow *f, const uint8_t *p, size_t n)
{
	/* Where the next '%' and '\\' are (n: none), each found once by memchr: most bodies have
	 * few escapes, and a byte loop cost more than the scan. */
	size_t i = 0, run = 0, pct = 0, bs = 0;
	bool pct_known = false, bs_known = false;

	while (i < n) {
		uint8_t tmp[12], out[3];
		size_t take_n, outn = 0, next;
		unsigned esc = 0;
		int len;

		if (!f->npend && p[i] != '%' && p[i] != '\\') {
			if (!pct_known || pct < i) {
				const uint8_t *q = memchr(p + i, '%', n - i);

				pct = q ? (size_t)(q - p) : n;
				pct_known = true;
			}
			if (!bs_known || bs < i) {
				const uint8_t *q = memchr(p + i, '\\', n - i);

				bs = q ? (size_t)(q - p) : n;
				bs_known = true;
			}
			next = pct < bs ? pct : bs;
			run += next - i;
			i = next;
			continue;
		}
		if (run) {
			scan(f, p + i - run, run, 0);
			run = 0;
		}
		/* The escape starts in the pending bytes or here; look at up to 6 bytes of it. */
		memcpy(tmp, f->pend, f->npend);
		take_n = n - i < 6 ? n - i : 6;
		memcpy(tmp + f->npend, p + i, take_n);
		len = escape_at(tmp, f->npend + take_n, out, &outn, &esc);
		if (len < 0) {
			/* Cut short: keep what there is for the next segment. */
			memcpy(f->pend + f->npend, p + i, n - i);
			f->npend = (uint8_t)(f->npend + n - i);
			return;
		}
		if (len == 0) {
			/* Not an escape after all: its first byte passes as it is. */
			scan(f, tmp, 1, 0);
			len = 1;
		} else {
			scan(f, out, outn, esc);
		}
		if ((size_t)len >= f->npend) {
			i += (size_t)len - f->npend;
			f->npend = 0;
		} else {
			memmove(f->pend, f->pend + len, f->npend - (size_t)len);
			f->npend = (uint8_t)(f->npend - (size_t)len);
		}
	}
	if (run)
		scan(f, p + n - run, run, 0);
}

static void sink_data(void *arg, const uint8_t *p, size_t n, unsigned esc)
{
	struct inspect_flow *f = arg;

	if (esc)
		scan(f, p, n, esc);
	else
		unescape(f, p, n);
}

static void sink_brk(void *arg)
{
	struct inspect_flow *f = arg;
	struct finding tmp[INSPECT_FINDINGS_MAX];

	/* A field ends: a dangling half escape is just bytes. */
	if (f->npend) {
		scan(f, f->pend, f->npend, 0);
		f->npend = 0;
	}

	take(f, tmp, detect_break(f->ds, f->ref->scratch, tmp, INSPECT_FINDINGS_MAX));
}

static void sink_host(void *arg, const char *name, size_t n)
{
	struct inspect_flow *f = arg;

	if (n >= sizeof(f->host))
		n = sizeof(f->host) - 1;
	if (n == strlen(f->host) && !memcmp(f->host, name, n))
		return;
	memcpy(f->host, name, n);
	f->host[n] = '\0';
	f->r->host_changed = true;
}

/* The first payload bytes tell the decoder; the port only breaks ties. */
static void pick_decoder(struct inspect_flow *f, const uint8_t *p, size_t n)
{
	if (f->proto == IPPROTO_TCP) {
		if (http_sniff(p, n) && (f->dec.http = http_new()))
			f->carrier = CARRIER_HTTP;
		else if (tls_sniff(p, n) && (f->dec.tls = tls_stream_new()))
			f->carrier = CARRIER_TLS;
		else if (f->dport == 53 && (f->dec.dns_tcp = malloc(sizeof(*f->dec.dns_tcp)))) {
			dns_tcp_init(f->dec.dns_tcp);
			f->carrier = CARRIER_DNS;
		} else
			f->carrier = CARRIER_RAW;
		return;
	}
	if ((f->dport == 53 || f->dport == 5353) && dns_sniff(p, n))
		f->carrier = CARRIER_DNS;
	else if (quic_is_initial(p, n) && (f->dec.quic = quic_new()))
		f->carrier = CARRIER_QUIC;
	else
		f->carrier = CARRIER_RAW;
}

/* Feeds in-order payload to the flow's decoder; returns true when the flow has nothing more
 * to tell (its hello is read). */
static bool feed(struct inspect_flow *f, const uint8_t *p, size_t n)
{
	const struct decode_sink s = { sink_data, sink_brk, sink_host, f };
	struct tls_hello hello;
	int r;

	if (f->carrier == CARRIER_NONE)
		pick_decoder(f, p, n);
	switch (f->carrier) {
	case CARRIER_HTTP:
		http_feed(f->dec.http, p, n, &s);
		return false;
	case CARRIER_TLS:
		r = tls_stream_feed(f->dec.tls, p, n, &s, &hello);
		if (r == 0)
			return false;
		/* Hello read, or not TLS after all: the rest is ciphertext or unknown bytes. */
		if (r < 0) {
			tls_stream_free(f->dec.tls);
			f->dec.tls = NULL;
			f->carrier = CARRIER_RAW;
			sink_data(f, p, n, 0);
			return false;
		}
		return true;
	case CARRIER_DNS:
		if (f->proto == IPPROTO_TCP)
			dns_tcp_feed(f->dec.dns_tcp, p, n, &s);
		else if (dns_parse(p, n, &s) < 0)
			sink_data(f, p, n, 0);  /* not DNS after all: scan as bytes */
		return false;
	case CARRIER_QUIC:
		r = quic_feed(f->dec.quic, p, n, &s, &hello);
		if (r < 0 && !quic_is_initial(p, n)) {
			/* Short-header packets follow the Initial: nothing readable is left. */
			return true;
		}
		return r == 1;
	default:
		sink_data(f, p, n, 0);
		if (f->proto == IPPROTO_UDP)
			sink_brk(f);
		return false;
	}
}

/* Nothing more will be read: only the host and the counters stay. */
static void finish(struct inspect_flow *f, struct inspect_result *r)
{
	f->done = true;
	r->status = INSPECT_DONE;
	dec_free(f);
	detect_stream_free(f->ds);
	f->ds = NULL;
}

/* seq arithmetic modulo 2^32 */
static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

void inspect_packet(struct inspect *in, struct inspect_flow *f, const struct pkt *p,
		    struct inspect_result *r)
{
	const uint8_t *data = p->payload;
	size_t n = p->payload_len;
	struct finding tmp[INSPECT_FINDINGS_MAX];

	memset(r, 0, sizeof(*r));
	f->r = r;
	r->status = f->done ? INSPECT_DONE : INSPECT_MORE;
	if (f->done)
		goto out;
	if (p->proto == IPPROTO_TCP) {
		uint32_t seq = p->seq;

		if (p->tcp_flags & PKT_TCP_SYN) {
			seq++;  /* the SYN takes one sequence number; any data follows it */
			f->next_seq = seq;
			f->have_seq = true;
		} else if (!f->have_seq) {
			f->next_seq = seq;
			f->have_seq = true;
		}
		/* A bare FIN right after the last byte seen, or a RST: the client has sent all it
		 * will on this connection. A FIN past a hole waits for the hole. */
		if (!n && ((p->tcp_flags & PKT_TCP_RST) ||
			   ((p->tcp_flags & PKT_TCP_FIN) && seq == f->next_seq))) {
			finish(f, r);
			goto out;
		}
		if (!n)
			goto out;
		in->st.segments++;
		if (seq_before(f->next_seq, seq)) {
			in->st.gaps++;
			r->status = INSPECT_GAP;
			goto out;
		}
		if (seq_before(seq, f->next_seq)) {
			uint32_t old = f->next_seq - seq;

			if (old >= n) {
				in->st.retransmits++;
				goto out;
			}
			data += old;
			n -= old;
		}
		f->next_seq += (uint32_t)n;
	} else if (!n) {
		goto out;
	}
	/* Past the budget only the part inside it is scanned, then the flow settles. */
	if (n > in->budget - f->seen)
		n = in->budget - f->seen;
	f->seen += (uint32_t)n;
	in->st.bytes += n;
	if (feed(f, data, n) || f->seen >= in->budget)
		f->done = true;
	/* The client's FIN or RST ends what it sends on this connection. */
	if (p->proto == IPPROTO_TCP && (p->tcp_flags & (PKT_TCP_FIN | PKT_TCP_RST)))
		f->done = true;
	take(f, tmp, detect_end(f->ds, f->ref->scratch, tmp, INSPECT_FINDINGS_MAX));
	if (f->done)
		finish(f, r);
out:
	f->r = NULL;
}
