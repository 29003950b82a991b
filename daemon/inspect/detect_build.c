/* detect_build: compiles the detectors and the known values' encodings into one Vectorscan
 * streaming database. Only privfw-compile links it: the running daemon takes the database
 * serialized and needs Vectorscan's runtime alone. */
#include <errno.h>
#include <hs/hs.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "detect.h"
#include "detect_int.h"
#include "known.h"

/* Key context. B: the key starts a word; GLUE: what joins a key to its value in query strings,
 * forms, JSON (also JSON inside a JSON string), XML and headers. Keys of three letters or fewer
 * are written with the glue's first character (SG): short caseless literals are frequent in
 * text and cost the literal matcher dearly. */
#define B "(?:^|[^a-z0-9])"
#define BU "(?:^|[^a-z0-9_-])"
#define SG "(?:=|\"|:|\\\\\")"
#define GLUE1 "(?:=|:|>|\"|'|\\\\\")"
#define GREST "[ \\t]{0,2}(?:[:=][ \\t]{0,2})?\\\\?[\"']?"
#define GLUE GLUE1 GREST
#define UUID "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#define VAL1 "[^\\s\"'&,;:=}<>\\\\]"
#define MACV "(?:[0-9a-f]{2}(?::[0-9a-f]{2}){5}|[0-9a-f]{2}(?:-[0-9a-f]{2}){5}|[0-9a-f]{12})"

static const struct generic {
	const char *re;
	uint8_t kind;
	bool caseless;
	uint8_t key;     /* pat.len of a K_KEY_ kind */
} generic[] = {
	/* A plain at sign or plus sign is found by the run scanner: as a one-byte literal it cost
	 * the pattern engine more than any regex. Their escaped forms are rare literals. */
	{ "(?:%40|\\\\u0040)[A-Za-z0-9-]", K_AT, false, 0 },
	{ "%2[Bb][1-9]", K_PLUS, false, 0 },
	{ "(?:phone|mobile|msisdn|number)[=:>\"'\\\\_n]", K_KEY_PHONE, true, 0 },
	{ "tel" SG, K_KEY_TEL, true, 3 },
	/* Keys may be compound: the word ends them (subscriberImsi, sim_imsi, wifiMac, bt_mac). */
	{ "(?:imsi|subscriber_?id)" GLUE "[0-9]{14,15}", K_IMSI_KEY, true, 0 },
	{ "(?:(?:mac|bssid|hwaddr|hw_addr)(?:addr|address|[_-][a-z_]{0,8})?" GLUE1 "|" B "wifi" SG ")" GREST MACV,
	  K_MAC_KEY, true, 0 },
	{ "(?:(?:adid|ad_id|ad-id|advertising_?id|advertiser_?id|idfa|gaid|aaid|oaid)" GLUE1 "|" B "ifa" SG
	  ")" GREST UUID, K_ADID, true, 0 },
	{ "lat" SG, K_KEY_LAT, true, 3 },
	{ "latitude" GLUE1, K_KEY_LAT, true, 0 },
	{ "(?:lon|lng)" SG, K_KEY_LON, true, 3 },
	{ "long" SG, K_KEY_LON, true, 4 },
	{ "longitude" GLUE1, K_KEY_LON, true, 0 },
	{ "ll" SG, K_KEY_PAIR, true, 2 },
	{ "geo" SG, K_KEY_PAIR, true, 3 },
	{ "(?:latlng|latlon|latlong|lat_lng|lat_lon|lat_long|coords|coordinates|location|position|center)"
	  GLUE1, K_KEY_PAIR, true, 0 },
	/* Sent with nearly every request: the key alone is a cheap literal, and judge_auth reads the
	 * scheme and token in C. As a regex to the token it cost more than all the others. */
	{ "authorization" GLUE1, K_AUTH, true, 0 },
	{ B "(?:(?:password|passwd|passphrase|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|"
	  "refresh[_-]?token|private[_-]?key)" GLUE1 "|(?:pwd|pass)" SG ")" GREST VAL1, K_CRED_KEY, true, 0 },
	{ BU "token" GLUE VAL1 "{8}", K_TOKEN, true, 0 },
};

/* ---- compiling ---- */

struct build {
	char **expr;
	unsigned *flags;
	struct pat *pat;
	size_t n, cap;
};

/* Takes ownership of expr. */
static int push(struct build *b, char *expr, unsigned flags, struct pat p)
{
	if (!expr)
		return -ENOMEM;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		char **e = realloc(b->expr, cap * sizeof(*e));
		unsigned *f;
		struct pat *pp;

		if (e)
			b->expr = e;
		f = e ? realloc(b->flags, cap * sizeof(*f)) : NULL;
		if (f)
			b->flags = f;
		pp = f ? realloc(b->pat, cap * sizeof(*pp)) : NULL;
		if (!pp) {
			free(expr);
			return -ENOMEM;
		}
		b->pat = pp;
		b->cap = cap;
	}
	b->expr[b->n] = expr;
	b->flags[b->n] = flags;
	b->pat[b->n] = p;
	b->n++;
	return 0;
}

static char *lit_regex(const char *s, size_t n)
{
	char *re = malloc(4 * n + 1), *o = re;

	if (!re)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (is_alnum(s[i]))
			*o++ = s[i];
		else
			o += sprintf(o, "\\x%02x", (uint8_t)s[i]);
	}
	*o = '\0';
	return re;
}

static bool contains(const struct known_pat *big, const struct known_pat *small)
{
	if (small->len > big->len)
		return false;
	for (size_t i = 0; i + small->len <= big->len; i++)
		if (small->caseless ? !strncasecmp(big->s + i, small->s, small->len)
				    : !memcmp(big->s + i, small->s, small->len))
			return true;
	return false;
}

/* A literal that contains another form of the same value in the same encoding matches only
 * where that one does (the full digest hex holds its 16-character prefix; padded base64 holds
 * the core): compiling it would only cost time. */
static bool subsumed(const struct known_exp *x, size_t i)
{
	const struct known_pat *p = &x->pat[i];

	for (size_t j = 0; j < x->n; j++) {
		const struct known_pat *q = &x->pat[j];
		bool same = q->len == p->len && !memcmp(q->s, p->s, p->len);

		/* q must match wherever p does. */
		if (j == i || q->regex || p->regex || (p->caseless && !q->caseless))
			continue;
		if (q->enc != p->enc && !same)
			continue;
		/* Two copies of one form: the first stays. */
		if (q->len == p->len && q->caseless == p->caseless && j > i)
			continue;
		if (contains(p, q))
			return true;
	}
	return false;
}

/* A generic detector that finds a known value reports it as that value, once. Phones are
 * normalized to their digits: international, national, or the national number alone. */
static void known_hashes(struct kval *k, const struct known_exp *x)
{
	const char *c = x->canon;
	size_t ncc = strlen(x->cc);
	char nat[KNOWN_CANON_MAX];

	k->h[0] = k->h[1] = k->h[2] = detect_hash(x->type, c, x->canon_len);
	if (x->type != DT_PHONE)
		return;
	k->h[0] = detect_hash(DT_PHONE, c + 1, x->canon_len - 1);
	k->h[1] = detect_hash(DT_PHONE, c + 1 + ncc, x->canon_len - 1 - ncc);
	snprintf(nat, sizeof(nat), "%s%s", !strcmp(x->cc, "7") ? "8" : "0", c + 1 + ncc);
	k->h[2] = detect_hash(DT_PHONE, nat, strlen(nat));
}

static void add_kdig(struct detect_db *db, const struct known_exp *x, uint16_t idx)
{
	const char *d = x->type == DT_PHONE ? x->canon + 1 + strlen(x->cc) : x->canon;
	struct kdig *k = &db->kdig[db->n_kdig];
	size_t n = strlen(d);

	if (db->n_kdig == KDIG_MAX)
		return;
	if (n > KDIG_LEN)
		n = KDIG_LEN;
	memcpy(k->d, d, n);
	k->n = (uint8_t)n;
	k->ncc = (uint8_t)strlen(x->cc);
	k->known = idx;
	db->n_kdig++;
}

static int add_known(struct build *b, struct detect_db *db, const struct known_value *kv, uint16_t idx,
		     char *err, size_t errlen)
{
	struct known_exp x = { 0 };
	struct kval *k = &db->kv[idx];
	int r;

	r = known_expand(&x, kv, err, errlen);
	if (r < 0)
		goto out;
	k->type = x.type;
	k->ndigits = x.ndigits;
	memcpy(k->cc, x.cc, sizeof(k->cc));
	finding_mask(k->mask, x.canon, x.canon_len, x.type);
	known_hashes(k, &x);
	for (size_t i = 0; i < x.n && !r; i++) {
		const struct known_pat *p = &x.pat[i];
		struct pat pt = { .kind = K_KNOWN, .enc = p->enc, .known = idx, .len = (uint16_t)p->len };
		unsigned fl = p->caseless ? HS_FLAG_CASELESS : 0;

		if (p->regex) {
			/* The run scanner looks for the digits; a regex per value would cost every byte. */
			add_kdig(db, &x, idx);
			continue;
		}
		if (subsumed(&x, i))
			continue;
		r = push(b, lit_regex(p->s, p->len), fl, pt);
	}
	if (r < 0)
		snprintf(err, errlen, "%s: out of memory", kv->label ? kv->label : "known value");
out:
	known_exp_clear(&x);
	explicit_bzero(&x, sizeof(x));
	return r;
}

/* "(?:47|48)": the integer parts decimals within d of v are written with. */
static void int_parts(char *out, size_t len, double v, double d, double lim)
{
	double lo = fmax(v - d, -lim), hi = fmin(v + d, lim);
	size_t o = (size_t)snprintf(out, len, "(?:");

	for (long k = (long)floor(lo); k <= (long)floor(hi) && o < len - 16; k++)
		o += (size_t)snprintf(out + o, len - o, "%s%s%ld", o > 3 ? "|" : "", k < 0 ? "-" : "",
				      k < 0 ? -k - 1 : k);
	snprintf(out + o, len - o, ")");
}

static int add_near(struct build *b, const struct detect_db *db)
{
	double dlat = db->radius / 111.0;
	double c = cos(db->lat * M_PI / 180);
	double dlon = c > 0.01 ? db->radius / (111.0 * c) : 360;
	char lat[128], lon[1024], re[1400];
	struct pat pt = { .kind = K_LOC_NEAR, .known = FINDING_NO_LABEL };
	int r;

	int_parts(lat, sizeof(lat), db->lat, dlat, 90);
	int_parts(lon, sizeof(lon), db->lon, fmin(dlon, 360), 180);
	snprintf(re, sizeof(re), "(?:^|[^0-9.])%s\\.[0-9]{2,15}[^0-9]{1,16}%s\\.[0-9]{2,15}", lat, lon);
	r = push(b, strdup(re), 0, pt);
	snprintf(re, sizeof(re), "(?:^|[^0-9.])%s\\.[0-9]{2,15}[^0-9]{1,16}%s\\.[0-9]{2,15}", lon, lat);
	return r ? r : push(b, strdup(re), 0, pt);
}

static void build_free(struct build *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->expr[i]);
	free(b->expr);
	free(b->flags);
	free(b->pat);
}

struct detect_db *detect_db_new(const struct detect_config *c, char *err, size_t errlen)
{
	struct detect_db *db = calloc(1, sizeof(*db));
	struct build b = { 0 };
	hs_compile_error_t *ce = NULL;
	unsigned *ids = NULL;
	int r = 0;

	if (!db)
		goto nomem;
	if (c->n_known >= FINDING_NO_LABEL) {
		snprintf(err, errlen, "too many known values");
		goto fail;
	}
	db->have_location = c->have_location;
	db->lat = c->lat;
	db->lon = c->lon;
	db->radius = c->radius_km > 0 ? c->radius_km : 25;
	if (c->n_known && !(db->kv = calloc(c->n_known, sizeof(*db->kv))))
		goto nomem;
	db->n_kv = c->n_known;
	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]) && !r; i++)
		r = push(&b, strdup(generic[i].re), generic[i].caseless ? HS_FLAG_CASELESS : 0,
			 (struct pat){ .kind = generic[i].kind, .known = FINDING_NO_LABEL, .len = generic[i].key });
	if (!r && c->have_location)
		r = add_near(&b, db);
	if (r)
		goto nomem;
	for (size_t i = 0; i < c->n_known; i++) {
		const char *label = c->known[i].label ? c->known[i].label : "";

		if (!(db->kv[i].label = strdup(label)))
			goto nomem;
		if (add_known(&b, db, &c->known[i], (uint16_t)i, err, errlen) < 0)
			goto fail;
	}
	if (!(ids = malloc(b.n * sizeof(*ids))))
		goto nomem;
	for (size_t i = 0; i < b.n; i++)
		ids[i] = (unsigned)i;
	if (hs_compile_multi((const char *const *)b.expr, b.flags, ids, (unsigned)b.n, HS_MODE_STREAM,
			     NULL, &db->hs, &ce) != HS_SUCCESS) {
		snprintf(err, errlen, "compiling pattern %d: %s", ce ? ce->expression : -1,
			 ce ? ce->message : "failed");
		hs_free_compile_error(ce);
		goto fail;
	}
	if (hs_stream_size(db->hs, &db->hs_stream) != HS_SUCCESS)
		goto nomem;
	detect_kdig_index(db);
	db->pat = b.pat;
	db->n_pat = b.n;
	b.pat = NULL;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	detect_db_free(db);
	db = NULL;
out:
	free(ids);
	build_free(&b);
	return db;
}
