/* detect: one Vectorscan streaming database for every detector and known value; matches are
 * confirmed by the validators on a copy of the bytes around them.
 *
 * The database is compiled without start-of-match tracking, which keeps the per-flow scanner
 * state small and the scan fast. Instead each stream keeps the last WIN bytes of the current
 * field: a match reports where it ends, and its validator walks back from there (and forward,
 * for the few detectors that need to see what follows). A candidate whose end is the last byte
 * fed so far waits in a small pending list until the next bytes (or detect_end) decide it. */
#include <errno.h>
#include <hs/hs.h>
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "decode.h"
#include "detect.h"
#include "detect_int.h"
#include "known.h"
#include "validate.h"

#define LOOKB 96                /* bytes a validator may look back from a match's end */
#define LOOKA 64                /* bytes it may look ahead */
#define WIN (LOOKB + LOOKA)     /* a pending candidate is decided before it leaves the window */
#define PEND_MAX 4
#define SEEN_MAX 16
#define ESC_MAX 8
#define RUN_DIGITS 32
#define RUN_GROUPS 8
#define PAIR_SPAN 1024          /* bytes a latitude and its longitude may be apart */
#define ID_IBAN 0xfffffff0u     /* a pending IBAN (found by the run scanner, not a pattern) */
#define ID_AT 0xfffffff1u       /* an at sign and the byte after it (run scanner) */
#define ID_PLUS 0xfffffff2u     /* a plus sign and the digit after it (run scanner) */
#define NEED (-2)               /* judging needs bytes that have not arrived */
#define EDGE (-1)               /* no byte there: the field's start or end */

struct detect_scratch {
	hs_scratch_t *hs;
};

struct pend {
	uint64_t end;
	uint32_t id;
};

/* Stream bytes that were produced by undoing an escape; lo is the low 32 bits of the offset. */
struct esc {
	uint32_t lo;
	uint16_t len;
	uint8_t esc;
};

/* The digit run being read: digits with at most two separators between them. */
struct run {
	uint64_t start;            /* stream offset of its first digit */
	char d[RUN_DIGITS];        /* its digits (the last ones when it is longer) */
	uint8_t grp[RUN_GROUPS];   /* index in d where each group after the first starts */
	uint8_t nd, ng, gap, maxgap, seps;
	uint8_t gseps;             /* separators since the last digit: the run's only if one follows */
	bool on, cut;              /* cut: d lost its first digits */
};

struct detect_stream {
	const struct detect_db *db;
	hs_stream_t *hs;
	uint64_t off;            /* stream offset of the next byte */
	uint64_t base;           /* stream offset of the field's first byte: the scanner's 0 */
	struct pend pend[PEND_MAX];
	struct esc esc[ESC_MAX];
	uint32_t seen[SEEN_MAX]; /* hashes of values reported */
	uint16_t win_len;
	uint8_t n_pend, n_seen, seen_next, esc_next;
	struct run run;
	/* The last latitude (0) and longitude (1) seen with their keys, and 1 + the stream offset
	 * where each starts (0: none); unlike the window they survive field breaks: a form or multipart
	 * request sends the two in fields of their own. */
	double half[2];
	uint64_t half_at[2];
	uint8_t win[WIN];        /* the field's last bytes before off */
};







static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

uint32_t detect_hash(unsigned type, const char *v, size_t n)
{
	uint8_t t = (uint8_t)type;

	return fnv(fnv(2166136261u, &t, 1), v, n);
}

/* What the run scanner derives from the known digit values: the index on their first two
 * digits and the digits a run needs to be worth judging. */
void detect_kdig_index(struct detect_db *db)
{
	memset(db->kdig_pre, 0, sizeof(db->kdig_pre));
	db->kdig_min = 0;
	db->run_min = 13;  /* the shortest number run_generic judges */
	for (unsigned i = 0; i < db->n_kdig; i++) {
		const struct kdig *k = &db->kdig[i];

		db->kdig_pre[10 * (k->d[0] - '0') + (k->d[1] - '0')] |= (uint16_t)(1u << i);
		if (!db->kdig_min || k->n < db->kdig_min)
			db->kdig_min = k->n;
	}
	if (db->kdig_min && db->kdig_min < db->run_min)
		db->run_min = db->kdig_min;
}

void detect_db_free(struct detect_db *db)
{
	if (!db)
		return;
	hs_free_database(db->hs);
	for (size_t i = 0; i < db->n_kv; i++)
		free(db->kv[i].label);
	free(db->kv);
	free(db->pat);
	free(db);
}

/* ---- serialized form ----
 * Native byte order and sizes (the same build reads it back), every field at its own size:
 *   magic[8] version:u32 total:u64 sum:u64 hs_len:u64 n_pat:u32 n_kv:u32 n_kdig:u32
 *   have_location:u8 lat lon radius:f64
 *   n_pat x { kind:u8 enc:u8 known:u16 len:u16 }
 *   n_kv x { type:u8 ndigits:u8 cc[4] h[3]:u32 mask[FINDING_MASK_MAX] label_len:u16 label }
 *   n_kdig x { d[KDIG_LEN] n:u8 ncc:u8 known:u16 }
 *   hs_len bytes of hs_serialize_database
 * sum is FNV-1a over the bytes after it: it catches truncation and corruption in transit,
 * including inside the Vectorscan bytecode, which hs_deserialize_database does not check.
 * The reader trusts nothing else either: it comes from another process.
 * TODO: a hostile compiler process could still hand over crafted bytecode with a matching
 * sum; Vectorscan bytecode is not built to be safe against that. */
#define SER_MAGIC "privfwDB"
#define SER_VERSION 2u
#define SER_KIND_MAX K_KEY_PAIR
#define SER_LABEL_MAX 4096
#define SER_SUM_AT (8 + 4 + 8)

static uint64_t ser_sum(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
	return h;
}

struct ser {
	char *p;
	size_t n, cap;
	bool fail;
};

static void ser_put(struct ser *w, const void *v, size_t n)
{
	if (w->fail)
		return;
	if (n > w->cap - w->n) {
		size_t cap = w->cap ? w->cap : 4096;
		char *np;

		while (n > cap - w->n)
			cap *= 2;
		if (!(np = realloc(w->p, cap))) {
			w->fail = true;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->n, v, n);
	w->n += n;
}

#define PUT(w, v) ser_put((w), &(v), sizeof(v))

int detect_db_serialize(const struct detect_db *db, char **out, size_t *len)
{
	struct ser w = { 0 };
	char *hs = NULL;
	size_t hs_len = 0;
	uint64_t total, sum = 0, hl;
	uint32_t version = SER_VERSION, n_pat = (uint32_t)db->n_pat, n_kv = (uint32_t)db->n_kv;
	uint32_t n_kdig = db->n_kdig;
	uint8_t loc = db->have_location;

	*out = NULL;
	*len = 0;
	if (hs_serialize_database(db->hs, &hs, &hs_len) != HS_SUCCESS)
		return -ENOMEM;
	hl = hs_len;
	total = 0;  /* patched below */
	ser_put(&w, SER_MAGIC, 8);
	PUT(&w, version);
	PUT(&w, total);
	PUT(&w, sum);
	PUT(&w, hl);
	PUT(&w, n_pat);
	PUT(&w, n_kv);
	PUT(&w, n_kdig);
	PUT(&w, loc);
	PUT(&w, db->lat);
	PUT(&w, db->lon);
	PUT(&w, db->radius);
	for (size_t i = 0; i < db->n_pat; i++) {
		const struct pat *pt = &db->pat[i];

		PUT(&w, pt->kind);
		PUT(&w, pt->enc);
		PUT(&w, pt->known);
		PUT(&w, pt->len);
	}
	for (size_t i = 0; i < db->n_kv; i++) {
		const struct kval *k = &db->kv[i];
		size_t ll = strlen(k->label);
		uint16_t l16 = (uint16_t)(ll < SER_LABEL_MAX ? ll : SER_LABEL_MAX);

		PUT(&w, k->type);
		PUT(&w, k->ndigits);
		PUT(&w, k->cc);
		PUT(&w, k->h);
		PUT(&w, k->mask);
		PUT(&w, l16);
		ser_put(&w, k->label, l16);
	}
	for (unsigned i = 0; i < db->n_kdig; i++) {
		const struct kdig *k = &db->kdig[i];

		PUT(&w, k->d);
		PUT(&w, k->n);
		PUT(&w, k->ncc);
		PUT(&w, k->known);
	}
	ser_put(&w, hs, hs_len);
	free(hs);
	if (w.fail) {
		free(w.p);
		return -ENOMEM;
	}
	total = w.n;
	memcpy(w.p + 8 + sizeof(version), &total, sizeof(total));
	sum = ser_sum(w.p + SER_SUM_AT + sizeof(sum), w.n - SER_SUM_AT - sizeof(sum));
	memcpy(w.p + SER_SUM_AT, &sum, sizeof(sum));
	*out = w.p;
	*len = w.n;
	return 0;
}

struct rd {
	const char *p;
	size_t n, at;
	bool fail;
};

static void rd_get(struct rd *r, void *v, size_t n)
{
	if (r->fail || n > r->n - r->at) {
		r->fail = true;
		memset(v, 0, n);
		return;
	}
	memcpy(v, r->p + r->at, n);
	r->at += n;
}

#define GET(r, v) rd_get((r), &(v), sizeof(v))

static bool all_digits(const char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(d[i]))
			return false;
	return true;
}

struct detect_db *detect_db_deserialize(const char *buf, size_t len, char *err, size_t errlen)
{
	struct detect_db *db = NULL;
	struct rd r = { buf, buf ? len : 0, 0, false };
	char magic[8];
	uint32_t version, n_pat, n_kv, n_kdig;
	uint64_t total, sum, hl;
	uint8_t loc;
	const char *why = "truncated";

	len = r.n;
	rd_get(&r, magic, sizeof(magic));
	GET(&r, version);
	GET(&r, total);
	GET(&r, sum);
	GET(&r, hl);
	GET(&r, n_pat);
	GET(&r, n_kv);
	GET(&r, n_kdig);
	if (r.fail)
		goto bad;
	why = "not a detector database";
	if (memcmp(magic, SER_MAGIC, 8))
		goto bad;
	why = "database of another version";
	if (version != SER_VERSION)
		goto bad;
	why = "bad length";
	/* Each count is bounded by what the bytes can hold before anything is allocated. */
	if (total != len || hl > len || !n_pat || n_pat > len / 6 || n_kv >= FINDING_NO_LABEL ||
	    n_kv > len / 60 || n_kdig > KDIG_MAX)
		goto bad;
	why = "corrupted";
	if (sum != ser_sum(buf + SER_SUM_AT + sizeof(sum), len - SER_SUM_AT - sizeof(sum)))
		goto bad;
	why = "out of memory";
	if (!(db = calloc(1, sizeof(*db))) || !(db->pat = calloc(n_pat, sizeof(*db->pat))) ||
	    (n_kv && !(db->kv = calloc(n_kv, sizeof(*db->kv)))))
		goto bad;
	db->n_pat = n_pat;
	db->n_kv = n_kv;
	GET(&r, loc);
	GET(&r, db->lat);
	GET(&r, db->lon);
	GET(&r, db->radius);
	db->have_location = loc;
	why = "bad field";
	if (loc > 1 || !isfinite(db->lat) || !isfinite(db->lon) || !isfinite(db->radius))
		goto bad_or_short;
	for (size_t i = 0; i < n_pat && !r.fail; i++) {
		struct pat *pt = &db->pat[i];

		GET(&r, pt->kind);
		GET(&r, pt->enc);
		GET(&r, pt->known);
		GET(&r, pt->len);
		if (r.fail)
			break;
		if (pt->kind > SER_KIND_MAX || pt->enc >= ENC_COUNT)
			goto bad;
		if (pt->kind == K_KNOWN ? pt->known >= n_kv || !pt->len || pt->len > KNOWN_LIT_MAX
					: pt->known != FINDING_NO_LABEL)
			goto bad;
	}
	for (size_t i = 0; i < n_kv && !r.fail; i++) {
		struct kval *k = &db->kv[i];
		uint16_t ll;

		GET(&r, k->type);
		GET(&r, k->ndigits);
		GET(&r, k->cc);
		GET(&r, k->h);
		GET(&r, k->mask);
		GET(&r, ll);
		if (r.fail)
			break;
		if (k->type >= DT_COUNT || ll > SER_LABEL_MAX || ll > len - r.at ||
		    !memchr(k->cc, '\0', sizeof(k->cc)) || !memchr(k->mask, '\0', sizeof(k->mask)))
			goto bad_or_short;
		why = "out of memory";
		if (!(k->label = malloc((size_t)ll + 1)))
			goto bad;
		why = "bad field";
		rd_get(&r, k->label, ll);
		k->label[ll] = '\0';
		if (memchr(k->label, '\0', ll))
			goto bad;
	}
	for (unsigned i = 0; i < n_kdig && !r.fail; i++) {
		struct kdig *k = &db->kdig[i];

		GET(&r, k->d);
		GET(&r, k->n);
		GET(&r, k->ncc);
		GET(&r, k->known);
		if (r.fail)
			break;
		if (k->n < 2 || k->n > KDIG_LEN || !all_digits(k->d, k->n) || k->ncc > 3 || k->known >= n_kv)
			goto bad;
		db->n_kdig++;
	}
	if (r.fail)
		goto bad_or_short;
	why = "bad length";
	if (hl != len - r.at)
		goto bad;
	why = "bad pattern database";
	if (hs_deserialize_database(buf + r.at, (size_t)hl, &db->hs) != HS_SUCCESS) {
		db->hs = NULL;
		goto bad;
	}
	if (hs_stream_size(db->hs, &db->hs_stream) != HS_SUCCESS)
		goto bad;
	detect_kdig_index(db);
	return db;
bad_or_short:
	if (r.fail)
		why = "truncated";
bad:
	snprintf(err, errlen, "detector database: %s", why);
	detect_db_free(db);
	return NULL;
}

size_t detect_db_patterns(const struct detect_db *db)
{
	return db->n_pat;
}

const char *detect_db_label(const struct detect_db *db, unsigned label)
{
	return label < db->n_kv ? db->kv[label].label : NULL;
}

size_t detect_db_stream_size(const struct detect_db *db)
{
	return db->hs_stream + sizeof(struct detect_stream);
}

struct detect_scratch *detect_scratch_new(const struct detect_db *db)
{
	struct detect_scratch *s = calloc(1, sizeof(*s));

	if (s && hs_alloc_scratch(db->hs, &s->hs) != HS_SUCCESS) {
		free(s);
		return NULL;
	}
	return s;
}

void detect_scratch_free(struct detect_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s);
}

struct detect_stream *detect_stream_new(const struct detect_db *db)
{
	struct detect_stream *s = calloc(1, sizeof(*s));

	if (s && hs_open_stream(db->hs, 0, &s->hs) != HS_SUCCESS) {
		free(s);
		return NULL;
	}
	if (s)
		s->db = db;
	return s;
}

void detect_stream_reset(struct detect_stream *s)
{
	const struct detect_db *db = s->db;
	hs_stream_t *hs = s->hs;

	hs_reset_stream(hs, 0, NULL, NULL, NULL);
	/* The window's bytes need no clearing: win_len says none are valid. */
	memset(s, 0, offsetof(struct detect_stream, win));
	s->db = db;
	s->hs = hs;
}

void detect_stream_free(struct detect_stream *s)
{
	if (!s)
		return;
	hs_close_stream(s->hs, NULL, NULL, NULL);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

uint64_t detect_stream_offset(const struct detect_stream *s)
{
	return s->off;
}

/* ---- scanning ---- */

struct ctx {
	struct detect_stream *s;
	const uint8_t *p;   /* the piece being scanned; p[0] is at stream offset s->off */
	size_t n;
	struct finding *out;
	size_t max, cnt;
	bool soft;          /* detect_end: the data stops here for now, the field goes on */
};

/* The bytes around a match, copied out of the window and the piece. */
struct cand {
	uint8_t b[LOOKB + LOOKA];
	size_t e;        /* the match ends before b[e] */
	size_t n;
	uint64_t off0;   /* stream offset of b[0] */
	bool open;       /* bytes after b[n) may still come */
};

static uint64_t view_lo(const struct ctx *c)
{
	return c->s->off - c->s->win_len;
}

static int vbyte(const struct ctx *c, uint64_t x)
{
	const struct detect_stream *s = c->s;

	if (x < view_lo(c) || x >= s->off + c->n)
		return EDGE;
	if (x >= s->off)
		return c->p[x - s->off];
	return s->win[s->win_len - (s->off - x)];
}

static void load(const struct ctx *c, uint64_t end, bool eof, struct cand *k)
{
	const struct detect_stream *s = c->s;
	uint64_t lo = view_lo(c), hi = s->off + c->n;
	size_t w;

	if (end >= lo + LOOKB)
		lo = end - LOOKB;
	if (hi > end + LOOKA)
		hi = end + LOOKA;
	k->n = 0;
	if (lo < s->off) {
		w = (size_t)((hi < s->off ? hi : s->off) - lo);
		memcpy(k->b, s->win + s->win_len - (s->off - lo), w);
		k->n = w;
	}
	if (hi > s->off) {
		uint64_t from = lo > s->off ? lo : s->off;

		memcpy(k->b + k->n, c->p + (from - s->off), (size_t)(hi - from));
		k->n += (size_t)(hi - from);
	}
	k->e = (size_t)(end - lo);
	k->off0 = lo;
	k->open = !eof && hi < end + LOOKA;
}

/* Byte i of the candidate (which may be past its end), EDGE or NEED. */
static int at(const struct cand *k, size_t i)
{
	if (i < k->n)
		return k->b[i];
	return k->open ? NEED : EDGE;
}

static bool seen(const struct detect_stream *s, uint32_t h)
{
	for (unsigned i = 0; i < s->n_seen; i++)
		if (s->seen[i] == h)
			return true;
	return false;
}

static uint8_t esc_enc(const struct detect_stream *s, uint64_t start, uint64_t end)
{
	uint32_t a = (uint32_t)start, n = (uint32_t)(end - start);

	for (unsigned i = 0; i < ESC_MAX; i++) {
		const struct esc *e = &s->esc[i];

		if (e->len && ((uint32_t)(a - e->lo) < e->len || (uint32_t)(e->lo - a) < n))
			return e->esc == DEC_ESC_JSON ? ENC_JSON : ENC_URL;
	}
	return ENC_PLAIN;
}

static int emit(struct ctx *c, uint32_t h, uint64_t start, uint64_t end, unsigned type, unsigned enc,
		unsigned label, const char *mask)
{
	struct detect_stream *s = c->s;
	struct finding *f;

	if (seen(s, h))
		return 1;
	/* No room: not marked seen, so it is reported when it comes again. */
	if (c->cnt >= c->max)
		return 1;
	if (enc == ENC_PLAIN)
		enc = esc_enc(s, start, end);
	f = &c->out[c->cnt++];
	f->offset = start;
	f->label = (uint16_t)label;
	f->type = (uint8_t)type;
	f->enc = (uint8_t)enc;
	memcpy(f->mask, mask, FINDING_MASK_MAX);
	f->mask[FINDING_MASK_MAX - 1] = '\0';
	if (s->n_seen < SEEN_MAX)
		s->seen[s->n_seen++] = h;
	else
		s->seen[s->seen_next++ % SEEN_MAX] = h;
	return 1;
}

/* A generic finding, from its normalized value v: reported as the known value it is, if any. */
static int emit_norm(struct ctx *c, uint64_t start, uint64_t end, unsigned type, unsigned enc, const char *v,
		     size_t n)
{
	const struct detect_db *db = c->s->db;
	char mask[FINDING_MASK_MAX];
	uint32_t h = detect_hash(type, v, n);

	for (size_t i = 0; i < db->n_kv; i++) {
		const struct kval *kv = &db->kv[i];

		if (kv->type == type && (kv->h[0] == h || kv->h[1] == h || kv->h[2] == h))
			return emit(c, 0x80000000u | (uint32_t)i, start, end, type, enc, (unsigned)i, kv->mask);
	}
	finding_mask(mask, v, n, type);
	return emit(c, h, start, end, type, enc, FINDING_NO_LABEL, mask);
}

static int emit_value(struct ctx *c, const struct cand *k, size_t start, unsigned type, unsigned enc,
		      const char *v, size_t n)
{
	return emit_norm(c, k->off0 + start, k->off0 + k->e, type, enc, v, n);
}

/* Walks back from b[i) over up to max digits with at most maxsep separators from seps between
 * them; the digits go to d in order, *start gets the first one's index. */
static size_t digits_back(const struct cand *k, size_t i, const char *seps, unsigned maxsep, size_t max,
			  char *d, size_t *start)
{
	char r[32];
	size_t nd = 0;
	unsigned sep = 0;

	*start = i;
	while (i > 0 && nd < max && nd < sizeof(r)) {
		int ch = k->b[i - 1];

		if (is_digit(ch)) {
			r[nd++] = (char)ch;
			sep = 0;
			*start = i - 1;
		} else if (in(seps, ch) && ++sep <= maxsep) {
			;
		} else {
			break;
		}
		i--;
	}
	for (size_t j = 0; j < nd; j++)
		d[j] = r[nd - 1 - j];
	d[nd] = '\0';
	return nd;
}

/* The value continues when the next byte is a digit, or a separator and then a digit. */
static int digit_follows(const struct cand *k, const char *seps)
{
	int a = at(k, k->e), b;

	if (a == NEED || is_digit(a))
		return a == NEED ? NEED : 1;
	if (!in(seps, a))
		return 0;
	b = at(k, k->e + 1);
	return b == NEED ? NEED : is_digit(b);
}

static int judge_known(struct ctx *c, const struct pat *pt, uint64_t end, bool eof)
{
	const struct kval *kv = &c->s->db->kv[pt->known];
	uint64_t start = end - pt->len;

	if (kv->type == DT_HOSTNAME && (pt->enc == ENC_PLAIN || pt->enc == ENC_REVERSED)) {
		/* A host name is a word: "pixel" must not match inside "pixels". In binary framing
		 * (TLV, MQTT) a length byte before it delimits it whatever byte follows. */
		int a = start > c->s->base ? vbyte(c, start - 1) : EDGE;
		int z = vbyte(c, end);

		if (a != pt->len) {
			if (z == EDGE && !eof)
				return NEED;
			if (is_alnum(a) || is_alnum(z))
				return 0;
		}
	}
	return emit(c, 0x80000000u | pt->known, start, end, kv->type, pt->enc, pt->known, kv->mask);
}

static int judge_imsi(struct ctx *c, const struct cand *k)
{
	char d[32];
	size_t start, nd;
	int f = digit_follows(k, "");

	if (f)
		return f == NEED ? NEED : 0;
	nd = digits_back(k, k->e, "", 0, 15, d, &start);
	return validate_imsi(d, nd) ? emit_value(c, k, start, DT_IMSI, ENC_PLAIN, d, nd) : 0;
}

/* An IBAN whose check digits end before b[e): its country code and check digits, then groups
 * of four up to the country's length, with a space between every two groups or none. */
static int judge_iban(struct ctx *c, const struct cand *k)
{
	char v[48];
	size_t st, i, n = 0, want;
	bool spaced = false;
	int z;

	if (k->e < 4 || !(want = validate_iban_len((const char *)k->b + k->e - 4)))
		return 0;
	st = i = k->e - 4;
	while (n < want) {
		z = at(k, i);
		if (z == NEED || (z == EDGE && i >= k->n && c->soft))
			return NEED;
		if (z == ' ') {
			/* After a group of four, once; then after every group. */
			if (n % 4 || !n || k->b[i - 1] == ' ' || (n > 4 && !spaced))
				return 0;
			spaced = true;
		} else if (is_alnum(z)) {
			if (spaced && n % 4 == 0 && k->b[i - 1] != ' ')
				return 0;
			v[n++] = (char)z;
		} else {
			return 0;
		}
		i++;
	}
	z = at(k, i);
	if (z == NEED)
		return NEED;
	if (is_alnum(z) || !validate_iban(v, n))
		return 0;
	for (size_t j = 0; j < n; j++)
		v[j] = (char)(is_alpha(v[j]) ? v[j] & ~0x20 : v[j]);
	return emit_norm(c, k->off0 + st, k->off0 + i, DT_IBAN, ENC_PLAIN, v, n);
}

static int judge_email(struct ctx *c, const struct cand *k)
{
	char v[LOOKB + 1];
	size_t i = k->e, at_i, local, n = 0;
	unsigned enc = ENC_PLAIN;
	int z = at(k, k->e);

	if (z == NEED)
		return NEED;
	if (is_alnum(z) || z == '-' || z == '_')
		return 0;
	if (z == '.') {
		z = at(k, k->e + 1);
		if (z == NEED)
			return NEED;
		if (is_alnum(z))
			return 0;
	}
	/* Back over the domain to the '@', written as is or escaped. */
	for (;; i--) {
		if (i >= 1 && k->b[i - 1] == '@') {
			at_i = i - 1;
			break;
		}
		if (i >= 3 && !strncasecmp((const char *)k->b + i - 3, "%40", 3)) {
			at_i = i - 3, enc = ENC_URL;
			break;
		}
		if (i >= 6 && !memcmp(k->b + i - 6, "\\u0040", 6)) {
			at_i = i - 6, enc = ENC_JSON;
			break;
		}
		if (i == 0 || !(is_alnum(k->b[i - 1]) || k->b[i - 1] == '.' || k->b[i - 1] == '-'))
			return 0;
	}
	local = at_i;
	while (local > 0 && (is_alnum(k->b[local - 1]) || in("._%+-", k->b[local - 1]))) {
		/* An escape before the address (%20, %3D) is not part of it. */
		if (k->b[local - 1] == '%' && local + 1 < at_i && is_hex(k->b[local]) && is_hex(k->b[local + 1])) {
			local += 2;
			break;
		}
		local--;
	}
	if (local >= 5 && k->b[local - 1] == '\\' && k->b[local] == 'u')
		local += 5;  /* "\u003cuser@...": the escape is not part of the address */
	if (local >= at_i)
		return 0;
	for (size_t j = local; j < at_i; j++)
		v[n++] = (char)k->b[j];
	v[n++] = '@';
	for (size_t j = i; j < k->e; j++)
		v[n++] = (char)k->b[j];
	/* Before case folding: "icon@2x.webpF" is a name glued to the next field, not a domain. */
	if (!validate_tld(v, n))
		return 0;
	for (size_t j = 0; j < n; j++)
		if (v[j] >= 'A' && v[j] <= 'Z')
			v[j] |= 0x20;
	if (!validate_email(v, n))
		return 0;
	return emit_value(c, k, local, DT_EMAIL, enc, v, n);
}

static int judge_phone(struct ctx *c, const struct pat *pt, const struct cand *k)
{
	char v[40] = "", d[32];
	size_t i = k->e, start, n = 0, nd = 0;
	unsigned enc = ENC_PLAIN;
	int f = digit_follows(k, " .-");

	if (f)
		return f == NEED ? NEED : 0;
	while (i > 0 && k->e - i < 30 && (is_digit(k->b[i - 1]) || in(" .()-", k->b[i - 1])))
		i--;
	while (i < k->e && !is_digit(k->b[i]) && k->b[i] != '(')
		i++;
	start = i;
	if (i > 0 && k->b[i - 1] == '+')
		start = i - 1, v[n++] = '+';
	else if (i >= 3 && !strncasecmp((const char *)k->b + i - 3, "%2b", 3))
		start = i - 3, v[n++] = '+', enc = ENC_URL;
	else if (pt->kind == K_E164)
		return 0;
	for (size_t j = i; j < k->e && n < sizeof(v); j++)
		v[n++] = (char)k->b[j];
	if (!validate_phone(v, n))
		return 0;
	for (size_t j = 0; j < n; j++)
		if (is_digit(v[j]))
			d[nd++] = v[j];
	return emit_value(c, k, start, DT_PHONE, enc, d, nd);
}

static int judge_mac(struct ctx *c, const struct cand *k)
{
	uint8_t m[6];
	char v[18];
	size_t len = k->e >= 17 && (k->b[k->e - 3] == ':' || k->b[k->e - 3] == '-') ? 17 : 12;
	int z = at(k, k->e);

	if (z == NEED)
		return NEED;
	if (is_alnum(z) || len > k->e || !validate_mac((const char *)k->b + k->e - len, len, m))
		return 0;
	snprintf(v, sizeof(v), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return emit_value(c, k, k->e - len, DT_MAC, ENC_PLAIN, v, 17);
}

static int judge_adid(struct ctx *c, const struct cand *k)
{
	char v[37];
	int z = at(k, k->e);

	if (z == NEED)
		return NEED;
	if (is_alnum(z) || z == '-' || k->e < 36 || !validate_uuid((const char *)k->b + k->e - 36, 36))
		return 0;
	for (size_t j = 0; j < 36; j++)
		v[j] = (char)(k->b[k->e - 36 + j] | (is_alpha(k->b[k->e - 36 + j]) ? 0x20 : 0));
	return emit_value(c, k, k->e - 36, DT_AD_ID, ENC_PLAIN, v, 36);
}

/* The coordinate that ends before b[i) (two decimals at least): its value and first index. */
static bool number_back(const struct cand *k, size_t i, double *v, size_t *start)
{
	size_t j = i;

	while (j > 0 && is_digit(k->b[j - 1]))
		j--;
	if (j == i || j == 0 || k->b[j - 1] != '.')
		return false;
	j--;
	while (j > 0 && is_digit(k->b[j - 1]))
		j--;
	if (j > 0 && k->b[j - 1] == '-')
		j--;
	*start = j;
	return validate_coord_text((const char *)k->b + j, i - j, v);
}

static int emit_location(struct ctx *c, uint64_t start, uint64_t end, double lat, double lon)
{
	char v[48];
	int n;

	/* Findings of one place dedupe whichever detector saw it. */
	n = snprintf(v, sizeof(v), "%.3f,%.3f", lat, lon);
	return emit_norm(c, start, end, DT_LOCATION, ENC_PLAIN, v, (size_t)n);
}

/* A latitude or a longitude after its key: kept, and a finding once the other half is near. */
static int judge_half(struct ctx *c, const struct pat *pt, const struct cand *k)
{
	struct detect_stream *s = c->s;
	unsigned me = pt->kind == K_LON, other = !me;
	uint64_t at;
	double v;
	size_t st;
	int f = digit_follows(k, ".");

	if (f)
		return f == NEED ? NEED : 0;
	if (!number_back(k, k->e, &v, &st) || fabs(v) > (me ? 180 : 90))
		return 0;
	at = k->off0 + st;
	s->half[me] = v;
	s->half_at[me] = at + 1;
	if (!s->half_at[other] || at + 1 - s->half_at[other] > PAIR_SPAN)
		return 0;
	if (!validate_coord(s->half[0], s->half[1]))
		return 0;
	return emit_location(c, s->half_at[other] - 1 < at ? s->half_at[other] - 1 : at, k->off0 + k->e,
			     s->half[0], s->half[1]);
}

static int judge_location(struct ctx *c, const struct pat *pt, const struct cand *k)
{
	const struct detect_db *db = c->s->db;
	double a, b;
	size_t s1, s2, i;
	bool ok;
	int f = digit_follows(k, ".");

	if (f)
		return f == NEED ? NEED : 0;
	if (!number_back(k, k->e, &b, &s2))
		return 0;
	for (i = s2; i > 0 && !is_digit(k->b[i - 1]) && s2 - i < 32; i--)
		;
	if (!number_back(k, i, &a, &s1))
		return 0;
	if (pt->kind == K_LOC_PAIR)
		ok = validate_coord(a, b) || validate_coord(b, a);
	else /* K_LOC_NEAR: either order */
		ok = (validate_coord(a, b) && validate_distance_km(a, b, db->lat, db->lon) <= db->radius) ||
		     (validate_coord(b, a) && validate_distance_km(b, a, db->lat, db->lon) <= db->radius);
	if (!ok)
		return 0;
	return emit_location(c, k->off0 + s1, k->off0 + k->e, a, b);
}

/* The credential value starting at b[i): up to its terminator. */
static int value_fwd(const struct cand *k, size_t i, size_t *len)
{
	static const bool stop[256] = { [0] = true, [' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true,
		['"'] = true, ['\''] = true, ['&'] = true, [','] = true, [';'] = true, ['}'] = true,
		['<'] = true, ['>'] = true, ['\\'] = true };
	size_t j = i, m = k->n < i + LOOKA - 8 ? k->n : i + LOOKA - 8;

	while (j < m && !stop[k->b[j]])
		j++;
	if (j >= k->n && k->open)
		return NEED;
	*len = j - i;
	return 0;
}

static int judge_cred(struct ctx *c, const struct pat *pt, const struct cand *k)
{
	static const char *const scheme[] = { [K_BASIC] = "basic", [K_BEARER] = "bearer", [K_TOKEN] = "token" };
	char key[24], mask[FINDING_MASK_MAX], bullets[FINDING_MASK_MAX];
	size_t vs, len, kn = 0, back = pt->kind == K_BASIC ? 4 : pt->kind == K_CRED_KEY ? 1 : 8;
	const char *v;
	uint32_t h;

	if (k->e < back)
		return 0;
	vs = k->e - back;
	if (value_fwd(k, vs, &len) == NEED)
		return NEED;
	v = (const char *)k->b + vs;
	if (pt->kind == K_CRED_KEY) {
		/* The key names the credential in the log: "password", "api_key". */
		size_t j = vs;

		while (j > 0 && !is_alpha(k->b[j - 1]) && vs - j < 8)
			j--;
		while (j > 0 && (is_alpha(k->b[j - 1]) || k->b[j - 1] == '_' || k->b[j - 1] == '-') &&
		       kn < sizeof(key) - 1)
			j--, kn++;
		for (size_t m = 0; m < kn; m++)
			key[m] = (char)(is_alpha(k->b[j + m]) ? k->b[j + m] | 0x20 : k->b[j + m]);
		key[kn] = '\0';
	} else {
		kn = strlen(scheme[pt->kind]);
		memcpy(key, scheme[pt->kind], kn + 1);
	}
	/* A token sent with every request of the flow is judged once: the checks below depend on
	 * nothing but the key and the value. */
	h = fnv(detect_hash(DT_CREDENTIAL, key, kn), v, len);
	if (seen(c->s, h))
		return 1;
	switch (pt->kind) {
	case K_BASIC:
		/* The colon may still be on its way: a cut value waits for the rest of its field. */
		if (!validate_basic(v, len))
			return c->soft && vs + len >= k->n ? NEED : 0;
		break;
	case K_BEARER: {
		bool letters = true;

		for (size_t j = 0; j < len; j++)
			letters &= (v[j] >= 'a' && v[j] <= 'z');
		if ((letters && len < 16) || !validate_secret_value(v, len))
			return 0;
		break;
	}
	default:
		if (!validate_secret_value(v, len) || v[0] == '/' || (pt->kind == K_TOKEN && len < 8))
			return 0;
	}
	finding_mask(bullets, v, len, DT_CREDENTIAL);
	snprintf(mask, sizeof(mask), "%.20s:%.24s", key, bullets);
	return emit(c, h, k->off0 + vs, k->off0 + k->e, DT_CREDENTIAL, ENC_PLAIN, FINDING_NO_LABEL, mask);
}

/* A key's bytes and what follows, for a parse forward from the key's end (k->e): bytes that
 * have not arrived are NEED while they may still come (detect_end only pauses the field). */
static void load_key(const struct ctx *c, uint64_t end, bool eof, struct cand *k)
{
	load(c, end, eof && !c->soft, k);
}

/* Index past GREST from i (blanks, a second ':' or '=', blanks, an escape and a quote):
 * greedily, since no value starts with those bytes. */
static size_t skip_glue(const struct cand *k, size_t i)
{
	int ch = at(k, i);

	for (unsigned n = 0; n < 2 && (ch == ' ' || ch == '\t'); n++)
		ch = at(k, ++i);
	if (ch == ':' || ch == '=') {
		ch = at(k, ++i);
		for (unsigned n = 0; n < 2 && (ch == ' ' || ch == '\t'); n++)
			ch = at(k, ++i);
	}
	if (ch == '\\')
		ch = at(k, ++i);
	if (ch == '"' || ch == '\'')
		i++;
	return i;
}

/* After an Authorization key: "basic" and 4 bytes of credentials or "bearer" and 8 of token,
 * the bytes the regex this replaces matched; judge_cred decides at their end. */
static int judge_auth(struct ctx *c, uint64_t end, bool eof)
{
	static const struct { char name[8]; uint8_t kind, n; const char *set; } sch[] = {
		{ "basic", K_BASIC, 4, "+/=" }, { "bearer", K_BEARER, 8, "._~+/=-" },
	};
	struct pat pt = { .known = FINDING_NO_LABEL };
	struct cand k;
	size_t i, n;
	unsigned s;
	int ch;

	load_key(c, end, eof, &k);
	i = skip_glue(&k, k.e);
	s = (at(&k, i + 1) | 0x20) == 'e';
	for (n = 0; sch[s].name[n]; n++, i++) {
		ch = at(&k, i);
		if (ch == NEED)
			return NEED;
		if (ch < 0 || (ch | 0x20) != sch[s].name[n])
			return 0;
	}
	for (n = 0; n < 4 && ((ch = at(&k, i)) == ' ' || ch == '\t'); n++)
		i++;
	if (ch == NEED)
		return NEED;
	if (n < 1 || n > 3)
		return 0;
	for (n = 0; n < sch[s].n; n++, i++) {
		ch = at(&k, i);
		if (ch == NEED)
			return NEED;
		if (!is_alnum(ch) && !in(sch[s].set, ch))
			return 0;
	}
	pt.kind = sch[s].kind;
	load(c, k.off0 + i, eof, &k);
	return judge_cred(c, &pt, &k);
}

static int judge_pat(struct ctx *c, const struct pat *pt, uint64_t end, bool eof);

/* Several ends of one candidate: NEED when any is undecided (the decided ones are judged again
 * with the same bytes then, and a finding is reported once), else 1 when any is a finding. */
static int merge(int r, int one)
{
	if (r == NEED || one == NEED)
		return NEED;
	return r | one;
}

/* GLUE1 at b[i]: 1 with *o past it, 0, or NEED. */
static int glue1(const struct cand *k, size_t i, size_t *o)
{
	int ch = at(k, i);

	if (ch == '\\') {
		ch = at(k, i + 1);
		if (ch == NEED)
			return NEED;
		*o = i + 2;
		return ch == '"';
	}
	*o = i + 1;
	return ch == NEED ? NEED : in("=:>\"'", ch);
}

/* After phone|mobile|msisdn|number: (?:_?(?:no|num|number))? and GLUE1 from b[e - 1]. */
static int phone_suffix(const struct cand *k, size_t *o)
{
	static const char *const suf[] = { "number", "num", "no" };
	size_t i = k->e - 1;
	int ch = at(k, i);

	if (ch != '_' && (ch | 0x20) != 'n')
		return glue1(k, i, o);
	i += ch == '_';
	for (unsigned s = 0; s < 3; s++) {
		size_t j = i;
		unsigned m;

		for (m = 0; suf[s][m]; m++, j++) {
			ch = at(k, j);
			if (ch == NEED)
				return NEED;
			if (ch < 0 || (ch | 0x20) != suf[s][m])
				break;
		}
		if (!suf[s][m])
			return glue1(k, j, o);
	}
	return 0;
}

/* The byte before a key that must start a word: not a letter or digit (nor '_' or '-' before
 * tel, which ends many compound words). The key ends before its one or two bytes of glue. */
static bool key_starts(const struct ctx *c, const struct pat *pt, uint64_t end)
{
	uint64_t x = end - 1 - pt->len;
	int b;

	if (vbyte(c, end - 1) == '"' && vbyte(c, end - 2) == '\\')
		x--;
	if (x <= c->s->base)
		return true;
	b = vbyte(c, x - 1);
	return !is_alnum(b) && !(pt->kind == K_KEY_TEL && (b == '_' || b == '-'));
}

/* DEC2 (-?[0-9]{1,3}\.[0-9]{2,15}) at b[i]: 1 with *dec at its first decimal, 0, or NEED. */
static int dec2_start(const struct cand *k, size_t i, size_t *dec)
{
	size_t n = 0;
	int ch = at(k, i);

	if (ch == '-')
		ch = at(k, ++i);
	while (n < 4 && is_digit(ch))
		ch = at(k, i + ++n);
	if (ch == NEED)
		return NEED;
	if (n < 1 || n > 3 || ch != '.')
		return 0;
	*dec = i + n + 1;
	return 1;
}

/* Each end of DEC2's decimals from b[i] (two to fifteen), judged as pt. */
static int dec2_ends(struct ctx *c, const struct cand *k, size_t i, const struct pat *pt, bool eof)
{
	int r = 0;

	for (size_t j = 0; j < 15; j++) {
		int ch = at(k, i + j);

		if (ch == NEED)
			return NEED;
		if (!is_digit(ch))
			break;
		if (j >= 1)
			r = merge(r, judge_pat(c, pt, k->off0 + i + j + 1, eof));
	}
	return r;
}

/* A key and its value: the ends the regex to the value (key, GLUE, value) would have reported,
 * each judged by the value's judge. */
static int judge_key(struct ctx *c, const struct pat *pt, uint64_t end, bool eof)
{
	static const struct pat phone = { .kind = K_PHONE_KEY, .known = FINDING_NO_LABEL };
	static const struct pat half[2] = { { .kind = K_LAT, .known = FINDING_NO_LABEL },
					    { .kind = K_LON, .known = FINDING_NO_LABEL } };
	static const struct pat pair = { .kind = K_LOC_PAIR, .known = FINDING_NO_LABEL };
	struct cand k;
	size_t i, j;
	int r = 0, ch;

	if (pt->len && !key_starts(c, pt, end))
		return 0;
	load_key(c, end, eof, &k);
	i = k.e;
	if (pt->kind == K_KEY_PHONE && (r = phone_suffix(&k, &i)) != 1)
		return r;
	i = skip_glue(&k, i);
	switch (pt->kind) {
	case K_KEY_PHONE:
	case K_KEY_TEL:
		/* \+?[0-9(][0-9 .()-]{5,22}[0-9] */
		if (at(&k, i) == '+')
			i++;
		ch = at(&k, i);
		if (ch == NEED)
			return NEED;
		if (!is_digit(ch) && ch != '(')
			return 0;
		r = 0;
		for (j = 1; j <= 23; j++) {
			ch = at(&k, i + j);
			if (ch == NEED)
				return NEED;
			if (ch < 0 || !(is_digit(ch) || in(" .()-", ch)))
				break;
			if (j >= 6 && is_digit(ch))
				r = merge(r, judge_pat(c, &phone, k.off0 + i + j + 1, eof));
		}
		return r;
	case K_KEY_LAT:
	case K_KEY_LON:
		if ((r = dec2_start(&k, i, &j)) != 1)
			return r;
		return dec2_ends(c, &k, j, &half[pt->kind == K_KEY_LON], eof);
	default:
		/* [\[(]?[ ]? DEC2 [ ]{0,2}(?:,|%2C|;)[ ]{0,2} DEC2: the first number's decimals must
		 * all be taken for the separator to follow. */
		ch = at(&k, i);
		if (ch == '[' || ch == '(')
			ch = at(&k, ++i);
		if (ch == ' ')
			i++;
		if ((r = dec2_start(&k, i, &j)) != 1)
			return r;
		for (i = j; is_digit(ch = at(&k, i)) && i - j < 16; i++)
			;
		if (ch == NEED)
			return NEED;
		if (i - j < 2 || i - j > 15)
			return 0;
		for (j = 0; j < 3 && (ch = at(&k, i)) == ' '; j++)
			i++;
		if (ch == NEED)
			return NEED;
		if (j > 2)
			return 0;
		if (ch == ',' || ch == ';') {
			i++;
		} else if (ch == '%') {
			int a = at(&k, i + 1), b = at(&k, i + 2);

			if (a == NEED || b == NEED)
				return NEED;
			if (a != '2' || (b | 0x20) != 'c')
				return 0;
			i += 3;
		} else {
			return 0;
		}
		for (j = 0; j < 2 && (ch = at(&k, i)) == ' '; j++)
			i++;
		if ((r = dec2_start(&k, i, &j)) != 1)
			return r;
		return dec2_ends(c, &k, j, &pair, eof);
	}
}

/* After an at sign (or its escape) and the domain's first byte, b[e - 1]: each end of a domain
 * that the e-mail regex this replaces would have reported and judge_email could take (after a
 * whole label: one that ends inside a label is followed by a letter or digit). */
static int judge_at(struct ctx *c, uint64_t end, bool eof)
{
	static const struct pat email = { .kind = K_EMAIL, .known = FINDING_NO_LABEL };
	struct cand k;
	size_t i, lab, labels = 0;
	int r = 0, ch;

	load_key(c, end, eof, &k);
	for (i = k.e - 1;;) {
		bool letters = true;

		for (lab = i; (ch = at(&k, i)) >= 0 && (is_alnum(ch) || ch == '-'); i++)
			letters &= is_alpha(ch);
		if (i == lab)
			return ch == NEED ? NEED : r;
		/* At the end of the bytes so far too: detect_end judges that end now, and the
		 * candidate waits for the rest of the domain. */
		if (++labels >= 2 && letters && i - lab >= 2 && i - lab <= 24)
			r = merge(r, judge_pat(c, &email, k.off0 + i, eof));
		if (ch == NEED)
			return NEED;
		if (ch != '.')
			break;
		ch = at(&k, i + 1);
		if (ch == NEED)
			return NEED;
		if (ch < 0 || !(is_alnum(ch) || ch == '-'))
			break;
		i++;
	}
	return r;
}

/* After a plus sign ("+" or sign bytes of "%2B") and a digit, b[e - 1]: each end the regex
 * (?:^|[^0-9A-Za-z+%])(?:\+|%2[Bb])[1-9][0-9 .()-]{6,24}[0-9] would have reported. */
static int judge_plus(struct ctx *c, uint64_t end, unsigned sign, bool eof)
{
	static const struct pat e164 = { .kind = K_E164, .known = FINDING_NO_LABEL };
	uint64_t x = end - 1 - sign;
	struct cand k;
	int r = 0, ch = x > c->s->base ? vbyte(c, x - 1) : EDGE;

	if (is_alnum(ch) || ch == '+' || ch == '%')
		return 0;
	load_key(c, end, eof, &k);
	ch = at(&k, k.e - 1);
	if (ch == NEED)
		return NEED;
	if (ch < '1' || ch > '9')
		return 0;
	for (size_t j = 1; j <= 25; j++) {
		ch = at(&k, k.e - 1 + j);
		if (ch == NEED)
			return NEED;
		if (ch < 0 || !(is_digit(ch) || in(" .()-", ch)))
			break;
		if (j >= 7 && is_digit(ch))
			r = merge(r, judge_pat(c, &e164, k.off0 + k.e + j, eof));
	}
	return r;
}

/* 1: a finding (or one already reported), 0: not one, NEED: wait for more bytes. */
static int judge(struct ctx *c, unsigned id, uint64_t end, bool eof)
{
	struct cand k;

	switch (id) {
	case ID_IBAN:
		load(c, end, eof, &k);
		return judge_iban(c, &k);
	case ID_AT:
		return judge_at(c, end, eof);
	case ID_PLUS:
		return judge_plus(c, end, 1, eof);
	default:
		return judge_pat(c, &c->s->db->pat[id], end, eof);
	}
}

static int judge_pat(struct ctx *c, const struct pat *pt, uint64_t end, bool eof)
{
	struct cand k;

	switch (pt->kind) {
	case K_KNOWN:
		return judge_known(c, pt, end, eof);
	case K_AUTH:
		return judge_auth(c, end, eof);
	case K_AT:
		return judge_at(c, end, eof);
	case K_PLUS:
		return judge_plus(c, end, 3, eof);
	case K_KEY_PHONE:
	case K_KEY_TEL:
	case K_KEY_LAT:
	case K_KEY_LON:
	case K_KEY_PAIR:
		return judge_key(c, pt, end, eof);
	case K_EMAIL:
	case K_MAC_KEY:
	case K_ADID:
	case K_BASIC:
	case K_BEARER:
	case K_CRED_KEY:
	case K_TOKEN:
		break;
	default:
		/* Digit runs: a digit next means the real end is still to come. */
		if (is_digit(vbyte(c, end)))
			return 0;
	}
	load(c, end, eof, &k);
	switch (pt->kind) {
	case K_IMSI_KEY:
		return judge_imsi(c, &k);
	case K_EMAIL:
		return judge_email(c, &k);
	case K_E164:
	case K_PHONE_KEY:
		return judge_phone(c, pt, &k);
	case K_MAC_KEY:
		return judge_mac(c, &k);
	case K_ADID:
		return judge_adid(c, &k);
	case K_LAT:
	case K_LON:
		return judge_half(c, pt, &k);
	case K_LOC_PAIR:
	case K_LOC_NEAR:
		return judge_location(c, pt, &k);
	default:
		return judge_cred(c, pt, &k);
	}
}

/* ---- digit runs ----
 * Numbers are found by a plain scan rather than by the pattern engine: a digit-run regex has no
 * literal to anchor on, so it would cost every byte, and separators may fall anywhere. A run is
 * digits with at most two separators between them; when it ends it is checked for the known
 * digit values (IMEI, IMSI, ICCID, a phone's national number) and, if it is one number written
 * bare or in groups, for an IMEI, ICCID or card; its last digits may also end an IBAN. */

/* '+' is a space in form values, and cookies that hold them. */
enum { C_DIGIT = 1, C_SP = 2, C_DASH = 4, C_DOT = 8, C_PAREN = 16, C_SLASH = 32, C_PLUS = 64 };

static const uint8_t cls[256] = {
	['0' ... '9'] = C_DIGIT, [' '] = C_SP, ['-'] = C_DASH, ['.'] = C_DOT, ['('] = C_PAREN,
	[')'] = C_PAREN, ['/'] = C_SLASH, ['+'] = C_PLUS,
};

/* masks16: bit i of *d is set when p[i] is a digit, of *sp when p[i] may separate digits (a
 * superset: space and 0x28-0x2f), of *up when p[i] is an upper-case letter. */
#if defined(__SSE2__)
#include <emmintrin.h>
static inline void masks16(const uint8_t *p, unsigned *d, unsigned *sp, unsigned *up)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i t = _mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - '0')));
	__m128i u = _mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - 0x28)));
	__m128i a = _mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - 'A')));
	__m128i s = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
				 _mm_cmplt_epi8(u, _mm_set1_epi8((char)(0x80 + 8))));

	*d = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(t, _mm_set1_epi8((char)(0x80 + 10))));
	*sp = (unsigned)_mm_movemask_epi8(s);
	*up = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(a, _mm_set1_epi8((char)(0x80 + 26))));
}
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
static inline unsigned movemask(uint8x16_t m)
{
	static const uint8_t bit[16] = { 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128 };
	uint8x16_t t = vandq_u8(m, vld1q_u8(bit));

	return vaddv_u8(vget_low_u8(t)) | (unsigned)vaddv_u8(vget_high_u8(t)) << 8;
}

static inline void masks16(const uint8_t *p, unsigned *d, unsigned *sp, unsigned *up)
{
	uint8x16_t v = vld1q_u8(p);

	*d = movemask(vcltq_u8(vsubq_u8(v, vdupq_n_u8('0')), vdupq_n_u8(10)));
	*sp = movemask(vorrq_u8(vceqq_u8(v, vdupq_n_u8(' ')),
				vcltq_u8(vsubq_u8(v, vdupq_n_u8(0x28)), vdupq_n_u8(8))));
	*up = movemask(vcltq_u8(vsubq_u8(v, vdupq_n_u8('A')), vdupq_n_u8(26)));
}
#else
static inline void masks16(const uint8_t *p, unsigned *d, unsigned *sp, unsigned *up)
{
	*d = *sp = *up = 0;
	for (unsigned i = 0; i < 16; i++) {
		*d |= (unsigned)((uint8_t)(p[i] - '0') < 10) << i;
		*sp |= (unsigned)(p[i] == ' ' || (uint8_t)(p[i] - 0x28) < 8) << i;
		*up |= (unsigned)((uint8_t)(p[i] - 'A') < 26) << i;
	}
}
#endif

/* Stream offset of the cnt-th digit before end. */
static uint64_t digit_offset(const struct ctx *c, uint64_t end, unsigned cnt)
{
	uint64_t x = end, lo = view_lo(c);

	while (cnt && x > lo) {
		x--;
		if (is_digit(vbyte(c, x)))
			cnt--;
	}
	return x;
}

static void run_known(struct ctx *c, uint64_t end)
{
	const struct detect_db *db = c->s->db;
	const struct run *r = &c->s->run;
	uint8_t at[KDIG_MAX];
	unsigned found = 0;

	if (!db->n_kdig || r->nd < db->kdig_min)
		return;
	/* Where each known value first starts, found on its first two digits. */
	for (size_t t = 0; t + db->kdig_min <= r->nd; t++) {
		unsigned cand = db->kdig_pre[10 * (r->d[t] - '0') + (r->d[t + 1] - '0')] & ~found;

		for (; cand; cand &= cand - 1) {
			unsigned i = (unsigned)__builtin_ctz(cand);
			const struct kdig *k = &db->kdig[i];

			if (t + k->n <= r->nd && !memcmp(r->d + t, k->d, k->n)) {
				at[i] = (uint8_t)t;
				found |= 1u << i;
			}
		}
	}
	for (; found; found &= found - 1) {
		unsigned i = (unsigned)__builtin_ctz(found);
		const struct kdig *k = &db->kdig[i];
		const struct kval *kv = &db->kv[k->known];
		size_t j = at[i], ncc = k->ncc;
		uint64_t start;

		if (kv->type == DT_PHONE) {
			/* Take in the country code (and its 00) or the trunk prefix written before. */
			if (ncc && j >= ncc && !memcmp(r->d + j - ncc, kv->cc, ncc)) {
				j -= ncc;
				if (j >= 2 && r->d[j - 1] == '0' && r->d[j - 2] == '0')
					j -= 2;
			} else if (j >= 1 && (r->d[j - 1] == '0' || r->d[j - 1] == '8')) {
				j--;
			}
		}
		start = digit_offset(c, end, (unsigned)(r->nd - j));
		if (kv->type == DT_PHONE && start > c->s->base && vbyte(c, start - 1) == '+')
			start--;
		emit(c, 0x80000000u | k->known, start, end, kv->type, ENC_PLAIN, k->known, kv->mask);
	}
}

static void run_generic(struct ctx *c, uint64_t end)
{
	const struct run *r = &c->s->run;
	/* Digits glued to letters are part of a token (a serial, an account, a hex id). */
	unsigned g = is_alpha(vbyte(c, r->start - 1)) || is_alpha(vbyte(c, end)) ? 1 : 0;

	if (g && is_alpha(vbyte(c, end)))
		return;
	/* The number may begin at any group ("ref 12 4111 1111 1111 1111"). */
	for (; g <= r->ng; g++) {
		size_t j = g ? r->grp[g - 1] : 0, len = r->nd - j;
		const char *d = r->d + j;
		int type = -1;

		if (len < 13)
			break;
		if (len == 15 && validate_imei(d, len))
			type = DT_IMEI;
		else if (!r->seps && validate_iccid(d, len))
			type = DT_ICCID;
		else if (validate_card(d, len))
			type = DT_CARD;
		if (type >= 0) {
			emit_norm(c, digit_offset(c, end, (unsigned)len), end, (unsigned)type, ENC_PLAIN, d, len);
			return;
		}
	}
}

/* Host names put an identifier in a label of its own ("9w5.868995530542028.lookup.example",
 * "imei-351234567890124.t.example"): in a run with dots, a group of digits that ends at a dot
 * (a label follows, so it is not the decimals of a number) is judged alone. */
static void run_labels(struct ctx *c, uint64_t end)
{
	const struct run *r = &c->s->run;

	for (unsigned g = 0; g <= r->ng; g++) {
		size_t j = g ? r->grp[g - 1] : 0, e = g < r->ng ? r->grp[g] : r->nd, len = e - j;
		uint64_t after;
		int type = -1;

		if (len == 15 && validate_imei(r->d + j, len))
			type = DT_IMEI;
		else if ((len == 19 || len == 20) && validate_iccid(r->d + j, len))
			type = DT_ICCID;
		if (type < 0)
			continue;
		after = g < r->ng ? digit_offset(c, end, (unsigned)(r->nd - e + 1)) + 1 : end;
		if (vbyte(c, after) != '.' || !is_alnum(vbyte(c, after + 1)))
			continue;
		emit_norm(c, digit_offset(c, end, (unsigned)(r->nd - j)), after, (unsigned)type, ENC_PLAIN,
			  r->d + j, len);
	}
}

static void run_end(struct ctx *c, uint64_t end)
{
	const struct run *r = &c->s->run;

	if (r->nd < c->s->db->run_min)
		return;
	run_known(c, end);
	if (r->nd >= 13 && !r->cut && !(r->seps & ~(C_SP | C_DASH | C_PLUS)) && r->maxgap <= 1)
		run_generic(c, end);
	else if (r->nd >= 15 && !r->cut && (r->seps & C_DOT) && r->ng < RUN_GROUPS)
		run_labels(c, end);
}

static void run_digit(struct ctx *c, struct run *r, uint8_t ch, uint64_t at)
{
	if (r->gap) {
		r->seps |= r->gseps;
		r->gseps = 0;
		if (r->ng < RUN_GROUPS)
			r->grp[r->ng++] = r->nd;
		if (r->gap > r->maxgap)
			r->maxgap = r->gap;
		r->gap = 0;
	}
	if (r->nd == RUN_DIGITS) {
		/* Keep the last digits; look for known values before the first ones go. */
		run_known(c, at);
		memmove(r->d, r->d + RUN_DIGITS - KDIG_LEN, KDIG_LEN);
		r->nd = KDIG_LEN;
		r->ng = 0;
		r->cut = true;
	}
	r->d[r->nd++] = (char)ch;
}

/* Reads runs exactly from p[i) to the end of the piece, or (one) to the end of the first run;
 * returns where it stopped. */
/* Digits at p[0..n), up to 16: long runs are copied, not read digit by digit. */
static size_t digits_at(const uint8_t *p, size_t n)
{
	unsigned d, sp, up;
	size_t k = 0;

	if (n >= 16) {
		masks16(p, &d, &sp, &up);
		return (size_t)__builtin_ctz(~d);
	}
	while (k < n && cls[p[k]] & C_DIGIT)
		k++;
	return k;
}

static size_t run_bytes(struct ctx *c, size_t i, bool one)
{
	struct run *r = &c->s->run;
	const uint8_t *p = c->p;
	size_t n = c->n;
	uint64_t off = c->s->off;
	unsigned need = c->s->db->run_min;

	while (i < n) {
		if (!r->on) {
			while (i < n && !(cls[p[i]] & C_DIGIT))
				i++;
			if (i == n)
				break;
			r->start = off + i;
			r->nd = r->ng = r->gap = r->maxgap = r->seps = r->gseps = 0;
			r->cut = false;
			r->on = true;
		}
		for (; i < n; i++) {
			uint8_t k = cls[p[i]];

			if (k & C_DIGIT) {
				size_t m;

				run_digit(c, r, p[i], off + i);
				m = digits_at(p + i + 1, n - i - 1);
				if (m > (size_t)(RUN_DIGITS - r->nd))
					m = RUN_DIGITS - r->nd;
				memcpy(r->d + r->nd, p + i + 1, m);
				r->nd = (uint8_t)(r->nd + m);
				i += m;
			} else if (k && r->gap < 2) {
				r->gap++;
				r->gseps |= k;
			} else {
				break;
			}
		}
		if (i == n)
			break;
		if (r->nd >= need)
			run_end(c, off + i - r->gap);
		r->on = false;
		if (one)
			break;
	}
	return i;
}

/* Where the stretch of digits and separators around p[i] begins, not before lo. */
static size_t span_start(const uint8_t *p, size_t i, size_t lo)
{
	while (i > lo && cls[p[i - 1]])
		i--;
	return i;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *arg);

/* p[y] may be the second check digit of an IBAN: two upper-case letters (a country that has
 * IBANs) and two digits at the start of a word. It is judged when the bytes that follow are in. */
static void iban_at(struct ctx *c, size_t y)
{
	uint64_t x = c->s->off + y;
	char cc[2];
	int a, b;

	if (x < c->s->base + 3 || !is_digit(c->p[y]) || !is_digit(vbyte(c, x - 1)))
		return;
	a = vbyte(c, x - 3);
	b = vbyte(c, x - 2);
	if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z' || (x > c->s->base + 3 && is_alnum(vbyte(c, x - 4))))
		return;
	cc[0] = (char)a;
	cc[1] = (char)b;
	if (validate_iban_len(cc))
		on_match(ID_IBAN, 0, x + 1 - c->s->base, 0, c);
}

/* The masks of masks16 for 64 bytes. Written out: as a loop it was not unrolled. */
static inline void masks64(const uint8_t *p, uint64_t *d, uint64_t *sp, uint64_t *up)
{
	unsigned d0, d1, d2, d3, s0, s1, s2, s3, u0, u1, u2, u3;

	masks16(p, &d0, &s0, &u0);
	masks16(p + 16, &d1, &s1, &u1);
	masks16(p + 32, &d2, &s2, &u2);
	masks16(p + 48, &d3, &s3, &u3);
	*d = d0 | (uint64_t)d1 << 16 | (uint64_t)d2 << 32 | (uint64_t)d3 << 48;
	*sp = s0 | (uint64_t)s1 << 16 | (uint64_t)s2 << 32 | (uint64_t)s3 << 48;
	*up = u0 | (uint64_t)u1 << 16 | (uint64_t)u2 << 32 | (uint64_t)u3 << 48;
}

/* Bit j of the result: g[j..j+need) all set. Bits whose stretch would pass bit 63 are clear. */
static inline uint64_t stretches(uint64_t g, unsigned need)
{
	unsigned have = 1;

	/* The usual case (need is run_min: 13, or a known phone's 9 to 12 digits) without the loop. */
	if (need >= 8 && need <= 16) {
		g &= g >> 1;
		g &= g >> 2;
		g &= g >> 4;
		return g & g >> (need - 8);
	}

	while (2 * have <= need) {
		g &= g >> have;
		have *= 2;
	}
	return have < need ? g & g >> (need - have) : g;
}

/* Most digits are in ids, hashes and blobs: short stretches that cannot hold any value looked
 * for. A window of 64 bytes moved 65 - run_min at a time holds every stretch of run_min digits
 * and separators whole, so windows without one are skipped on their bit masks, and the runs of
 * a window are read one after the other from the same masks. The same masks find where an IBAN
 * may start (letter, letter, digit, digit): windows overlap by more than the three bytes before
 * such a digit, and ib_done keeps a position from being looked at twice. */
static void run_scan(struct ctx *c)
{
	const uint8_t *p = c->p;
	size_t n = c->n, i = 0, done, ib_done = 3;
	unsigned need = c->s->db->run_min;

	/* The first digits of the piece may end a start that began in the bytes before. */
	for (size_t y = 0; y < 3 && y < n; y++)
		iban_at(c, y);
	if (c->s->run.on)
		i = run_bytes(c, 0, true);
	done = i;
	while (i + 64 <= n) {
		uint64_t d, sp, up, g, l, ib;
		size_t w = i;

		masks64(p + w, &d, &sp, &up);
		if (!d) {
			/* No digit: no run, no IBAN check digit. */
			if (ib_done < w + 64)
				ib_done = w + 64;
			i = w + 65 - need;
			continue;
		}
		ib = d & d << 1 & up << 2 & up << 3;
		if (ib) {
			if (ib_done > w)
				ib &= ib_done - w >= 64 ? 0 : ~0ull << (ib_done - w);
			for (; ib; ib &= ib - 1)
				iban_at(c, w + (size_t)__builtin_ctzll(ib));
		}
		if (ib_done < w + 64)
			ib_done = w + 64;
		/* Separators count only next to a digit. */
		g = d | (sp & (d << 1 | d << 2 | d >> 1 | d >> 2));
		l = stretches(g, need);
		/* Each stretch starts a run unless the one before took it in. */
		while (l && i < w + 64) {
			if (i > w)
				l &= ~0ull << (i - w);
			if (!l)
				break;
			i = span_start(p, w + (size_t)__builtin_ctzll(l), done);
			i = run_bytes(c, i, true);
			done = i;
		}
		if (i < w + 65 - need)
			i = w + 65 - need;
	}
	for (size_t y = ib_done; y < n; y++)
		if (cls[p[y]] & C_DIGIT && cls[p[y - 1]] & C_DIGIT)
			iban_at(c, y);
	run_bytes(c, span_start(p, i, done), false);
}

/* p[y] is an at sign or a plus sign: judged (or kept pending) once the byte after it is in. An
 * at sign needs a byte of a local part before it; a plus sign needs a digit after it. */
static void sign_at(struct ctx *c, size_t y)
{
	uint64_t x = c->s->off + y;
	int b = vbyte(c, x - 1), a = vbyte(c, x + 1);

	if (c->p[y] == '@') {
		if (is_alnum(b) || in("._%+-", b))
			on_match(ID_AT, 0, x + 2 - c->s->base, 0, c);
	} else if (a == EDGE || (a >= '1' && a <= '9')) {
		on_match(ID_PLUS, 0, x + 2 - c->s->base, 0, c);
	}
}

/* At signs (e-mail) and plus signs (international numbers) in the piece: rare enough that a
 * test of 64 bytes at a time finds them for about a quarter of an instruction a byte. */
static void sign_scan(struct ctx *c)
{
	const uint8_t *p = c->p;
	size_t n = c->n, i = 0;

#if defined(__SSE2__)
	const __m128i at = _mm_set1_epi8('@'), plus = _mm_set1_epi8('+');

	for (; i + 64 <= n; i += 64) {
		__m128i v[4], m[4];
		unsigned any;

		for (unsigned k = 0; k < 4; k++) {
			v[k] = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16 * k));
			m[k] = _mm_or_si128(_mm_cmpeq_epi8(v[k], at), _mm_cmpeq_epi8(v[k], plus));
		}
		any = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(m[0], m[1]), _mm_or_si128(m[2], m[3])));
		if (!any)
			continue;
		for (unsigned k = 0; k < 4; k++)
			for (unsigned b = (unsigned)_mm_movemask_epi8(m[k]); b; b &= b - 1)
				sign_at(c, i + 16 * k + (unsigned)__builtin_ctz(b));
	}
#endif
	for (; i < n; i++)
		if (p[i] == '@' || p[i] == '+')
			sign_at(c, i);
}

static void pend_drop(struct detect_stream *s, unsigned i)
{
	memmove(&s->pend[i], &s->pend[i + 1], (s->n_pend - i - 1) * sizeof(s->pend[0]));
	s->n_pend--;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *arg)
{
	struct ctx *c = arg;
	struct detect_stream *s = c->s;
	uint64_t end = s->base + to;

	(void)from;
	(void)flags;
	if ((id >= s->db->n_pat && id < ID_IBAN) || id > ID_PLUS)
		return 0;
	if (judge(c, id, end, false) != NEED)
		return 0;
	for (unsigned i = 0; i < s->n_pend; i++)
		if (s->pend[i].id == id && s->pend[i].end == end)
			return 0;
	/* Full: the oldest is judged with what is known. */
	if (s->n_pend == PEND_MAX) {
		judge(c, s->pend[0].id, s->pend[0].end, true);
		pend_drop(s, 0);
	}
	s->pend[s->n_pend++] = (struct pend){ end, id };
	return 0;
}

static void resolve(struct ctx *c, bool eof)
{
	struct detect_stream *s = c->s;

	for (unsigned i = 0; i < s->n_pend;) {
		if (judge(c, s->pend[i].id, s->pend[i].end, eof) == NEED)
			i++;
		else
			pend_drop(s, i);
	}
}

static void esc_add(struct detect_stream *s, size_t n, unsigned esc)
{
	struct esc *last = &s->esc[(s->esc_next + ESC_MAX - 1) % ESC_MAX];
	uint32_t lo = (uint32_t)s->off;

	if (last->len && last->esc == esc && (uint32_t)(last->lo + last->len) == lo && last->len + n < 0xffff) {
		last->len = (uint16_t)(last->len + n);
		return;
	}
	s->esc[s->esc_next] = (struct esc){ lo, (uint16_t)(n < 0xffff ? n : 0xffff), (uint8_t)esc };
	s->esc_next = (s->esc_next + 1) % ESC_MAX;
}

static void win_push(struct detect_stream *s, const uint8_t *p, size_t n)
{
	size_t keep;

	if (n >= WIN) {
		memcpy(s->win, p + n - WIN, WIN);
		s->win_len = WIN;
		return;
	}
	keep = s->win_len < WIN - n ? s->win_len : WIN - n;
	memmove(s->win, s->win + s->win_len - keep, keep);
	memcpy(s->win + keep, p, n);
	s->win_len = (uint16_t)(keep + n);
}

size_t detect_feed(struct detect_stream *s, struct detect_scratch *sc, const uint8_t *p, size_t n,
		   unsigned esc, struct finding *out, size_t max)
{
	struct ctx c = { s, p, n, out, max, 0, false };

	if (!n)
		return 0;
	if (esc)
		esc_add(s, n, esc);
	if (s->n_pend)
		resolve(&c, false);
	hs_scan_stream(s->hs, (const char *)p, (unsigned)n, 0, sc->hs, on_match, &c);
	run_scan(&c);
	sign_scan(&c);
	s->off += n;
	win_push(s, p, n);
	return c.cnt;
}

size_t detect_break(struct detect_stream *s, struct detect_scratch *sc, struct finding *out, size_t max)
{
	struct ctx c = { s, NULL, 0, out, max, 0, false };

	(void)sc;
	if (s->n_pend)
		resolve(&c, true);
	s->n_pend = 0;
	if (s->run.on)
		run_end(&c, s->off - s->run.gap);
	s->run.on = false;
	if (s->off != s->base) {
		/* The scanner starts over: nothing before the boundary can complete a match. */
		hs_reset_stream(s->hs, 0, NULL, NULL, NULL);
		s->base = s->off;
		s->win_len = 0;
	}
	return c.cnt;
}

size_t detect_end(struct detect_stream *s, struct detect_scratch *sc, struct finding *out, size_t max)
{
	struct ctx c = { s, NULL, 0, out, max, 0, true };

	(void)sc;
	/* What is still open after this (an IBAN that began here) stays pending. */
	if (s->n_pend)
		resolve(&c, true);
	/* A number at the end may go on in the next segment: judged now, and again when it ends. */
	if (s->run.on)
		run_end(&c, s->off - s->run.gap);
	return c.cnt;
}
