/* known: expansion of known values into the forms they travel in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "ascii.h"
#include "detect.h"
#include "known.h"
#include "validate.h"




size_t known_base64(char *out, const uint8_t *in, size_t n, bool url, bool pad)
{
	const char *a = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			    : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		if (left > 1)
			out[o++] = a[v >> 6 & 63];
		else if (pad)
			out[o++] = '=';
		if (left > 2)
			out[o++] = a[v & 63];
		else if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

size_t known_base64_core(char *out, const uint8_t *v, size_t n, unsigned align, bool url)
{
	uint8_t buf[KNOWN_CANON_MAX + 4] = { 0 };
	char enc[4 * (sizeof(buf) + 2) / 3 + 4];
	size_t first, last;

	if (align > 2 || n > KNOWN_CANON_MAX) {
		out[0] = '\0';
		return 0;
	}
	/* Output character j covers bits [6j, 6j+6); the value's bits are [8a, 8a+8n). */
	first = (8 * align + 5) / 6;
	last = (8 * align + 8 * n) / 6;  /* one past the last stable character */
	if (last <= first) {
		out[0] = '\0';
		return 0;
	}
	memcpy(buf + align, v, n);
	known_base64(enc, buf, align + n + 2, url, false);
	memcpy(out, enc + first, last - first);
	out[last - first] = '\0';
	return last - first;
}

static int add(struct known_exp *x, const char *s, size_t len, uint8_t enc, bool caseless, bool regex)
{
	struct known_pat *p;

	if (!len)
		return 0;
	if (!regex && len > KNOWN_LIT_MAX)
		len = KNOWN_LIT_MAX;
	for (size_t i = 0; i < x->n; i++)
		if (x->pat[i].len == len && x->pat[i].caseless == caseless && !memcmp(x->pat[i].s, s, len))
			return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct known_pat *np = realloc(x->pat, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		x->pat = np;
		x->cap = cap;
	}
	p = &x->pat[x->n];
	if (!(p->s = malloc(len + 1)))
		return -ENOMEM;
	memcpy(p->s, s, len);
	p->s[len] = '\0';
	p->len = len;
	p->enc = enc;
	p->caseless = caseless;
	p->regex = regex;
	x->n++;
	return 0;
}

static void lower(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] |= 0x20;
}

static void upper(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			s[i] &= ~0x20;
}

/* Canonical forms. Each returns false when the value is unusable. */
static bool digits_only(const char *v, char *out, size_t *n, size_t max, const char *seps)
{
	size_t o = 0;

	for (; *v; v++) {
		if (is_digit(*v)) {
			if (o == max)
				return false;
			out[o++] = *v;
		} else if (!strchr(seps, *v)) {
			return false;
		}
	}
	out[o] = '\0';
	*n = o;
	return true;
}

static bool canon_mac(const char *v, char *out, size_t *n)
{
	uint8_t b[6];
	size_t k = 0, zero = 0;
	int h;

	for (; *v && k < 12; v++) {
		if (strchr(":-. ", *v))
			continue;
		if ((h = hexval(*v)) < 0)
			return false;
		if (k & 1)
			b[k / 2] |= (uint8_t)h;
		else
			b[k / 2] = (uint8_t)(h << 4);
		k++;
	}
	if (k != 12 || *v)
		return false;
	for (int i = 0; i < 6; i++)
		zero += !b[i];
	if (zero == 6)
		return false;
	*n = (size_t)snprintf(out, KNOWN_CANON_MAX, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2],
			      b[3], b[4], b[5]);
	return true;
}

static bool canon_machine_id(const char *v, char *out, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; v[i]; i++) {
		if (v[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23))
			continue;
		if (hexval(v[i]) < 0 || k == 32)
			return false;
		out[k++] = (char)(v[i] | (is_digit(v[i]) ? 0 : 0x20));
	}
	out[k] = '\0';
	*n = k;
	return k == 32;
}

static bool printable(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

static bool canon_hostname(const char *v, char *out, size_t *n)
{
	size_t len = strlen(v);

	if (!len || len > 253)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(v[i]) && v[i] != '-' && v[i] != '.' && v[i] != '_')
			return false;
	memcpy(out, v, len + 1);
	lower(out, len);
	*n = len;
	return true;
}

static bool canon_phone(struct known_exp *x, const char *v, char *out, size_t *n)
{
	char d[20];
	size_t nd, cc;

	while (*v == ' ')
		v++;
	if (v[0] == '+')
		v++;
	else if (v[0] == '0' && v[1] == '0')
		v += 2;
	else
		return false;
	if (!digits_only(v, d, &nd, 15, " .-()/") || !validate_e164(d, nd))
		return false;
	cc = validate_cc_len(d, nd);
	memcpy(x->cc, d, cc);
	x->cc[cc] = '\0';
	*n = (size_t)snprintf(out, KNOWN_CANON_MAX, "+%s", d);
	return true;
}

static int canon(struct known_exp *x, const struct known_value *kv, const char **why)
{
	const char *v = kv->value ? kv->value : "";
	char *c = x->canon;
	size_t n = 0, len = strlen(v);

	*why = NULL;
	switch (kv->type) {
	case DT_IMEI:
		if (!digits_only(v, c, &n, 15, " -./") || n != 15 || !validate_luhn(c, n))
			*why = "not 15 digits or fails Luhn";
		break;
	case DT_IMSI:
		if (!digits_only(v, c, &n, 15, " -") || n < 6)
			*why = "not 6 to 15 digits";
		break;
	case DT_ICCID:
		/* SIMs pad odd lengths with F. */
		while (len && (v[len - 1] == 'F' || v[len - 1] == 'f'))
			len--;
		if (len > KNOWN_CANON_MAX - 1)
			len = KNOWN_CANON_MAX - 1;
		memcpy(c, v, len);
		c[len] = '\0';
		if (!digits_only(c, c, &n, 22, " -") || n < 18)
			*why = "not 18 to 22 digits";
		break;
	case DT_MAC:
		if (!canon_mac(v, c, &n))
			*why = "not a MAC address (6 hex octets, not all zero)";
		break;
	case DT_MACHINE_ID:
		if (!canon_machine_id(v, c, &n))
			*why = "not 32 hex digits";
		break;
	case DT_HOSTNAME:
		if (!canon_hostname(v, c, &n))
			*why = "not a host name";
		break;
	case DT_EMAIL:
		if (len >= KNOWN_CANON_MAX || !validate_email(v, len))
			*why = "not an e-mail address";
		else {
			memcpy(c, v, len + 1);
			lower(c, len);
			n = len;
		}
		break;
	case DT_PHONE:
		if (!canon_phone(x, v, c, &n))
			*why = "not an international number (+ and 8 to 15 digits)";
		break;
	case DT_SERIAL:
	case DT_SECRET:
		if (!len || len >= KNOWN_CANON_MAX || !printable(v, len))
			*why = "empty, too long or not printable";
		else {
			memcpy(c, v, len + 1);
			n = len;
		}
		break;
	default:
		*why = "not a type known values can have";
	}
	x->canon_len = n;
	return *why ? -EINVAL : 0;
}

/* The forms digests are taken of: the canonical form and the variants apps hash (MAC upper and
 * lower, with and without colons; phone E.164, bare and national...). Base64 and hex are taken
 * only of the forms that have bit i set in *encoded: apps serialize a MAC or a phone number the
 * way the system gives it to them, and hash whatever their back end expects. */
#define FORMS_MAX 4

static size_t main_forms(const struct known_exp *x, const char *given, char f[FORMS_MAX][KNOWN_CANON_MAX],
			 unsigned *encoded)
{
	size_t n = 0, len = x->canon_len;

	*encoded = ~0u;

	memcpy(f[n++], x->canon, len + 1);
	switch (x->type) {
	case DT_MAC: {
		size_t k = 0;

		memcpy(f[n], x->canon, len + 1);
		upper(f[n++], len);
		for (size_t i = 0; i < len; i++)
			if (x->canon[i] != ':')
				f[n][k++] = x->canon[i];
		f[n][k] = '\0';
		memcpy(f[n + 1], f[n], k + 1);
		upper(f[n + 1], k);
		n += 2;
		*encoded = 1u << 0 | 1u << 2;  /* lower case, with and without colons */
		break;
	}
	case DT_MACHINE_ID:
		snprintf(f[n++], KNOWN_CANON_MAX, "%.8s-%.4s-%.4s-%.4s-%.12s", x->canon, x->canon + 8,
			 x->canon + 12, x->canon + 16, x->canon + 20);
		*encoded = 1u << 0;
		break;
	case DT_PHONE: {
		const char *nsn = x->canon + 1 + strlen(x->cc);
		const char *trunk = !strcmp(x->cc, "1") || !strcmp(x->cc, "39") ? "" :
				    !strcmp(x->cc, "7") ? "8" : "0";

		snprintf(f[n++], KNOWN_CANON_MAX, "%s", x->canon + 1);
		snprintf(f[n++], KNOWN_CANON_MAX, "%s%s", trunk, nsn);
		*encoded = 1u << 0 | 1u << 1;  /* E.164, with and without its + */
		break;
	}
	case DT_EMAIL:
	case DT_HOSTNAME:
		if (strcmp(given, x->canon) && strlen(given) < KNOWN_CANON_MAX)
			snprintf(f[n++], KNOWN_CANON_MAX, "%s", given);
		break;
	default:
		break;
	}
	return n;
}

/* Digits with up to two separators between them ("35 123456-789012 3", "(079) 123 45 67"). */
static int add_digits_regex(struct known_exp *x, const char *d, size_t n)
{
	char re[20 * 16 + 1];
	size_t o = 0;

	for (size_t i = 0; i < n && i < 20; i++) {
		if (i)
			o += (size_t)snprintf(re + o, sizeof(re) - o, "[ .()/-]{0,2}");
		re[o++] = d[i];
	}
	re[o] = '\0';
	x->ndigits = (uint8_t)(n < 20 ? n : 20);
	return add(x, re, o, ENC_PLAIN, false, true);
}

/* plus: a space is '+', the way forms (and cookies that hold form values) write it. */
static size_t url_escape(char *out, const char *s, size_t n, bool all, bool up, bool plus)
{
	const char *hx = up ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 3 < 3 * KNOWN_CANON_MAX; i++) {
		uint8_t c = (uint8_t)s[i];

		/* encodeURIComponent leaves - _ . ! ~ * ' ( ) as they are. */
		if (is_alnum(c) || (!all && strchr("-_.!~*'()", c) && c)) {
			out[o++] = (char)c;
		} else if (plus && c == ' ') {
			out[o++] = '+';
		} else {
			out[o++] = '%';
			out[o++] = hx[c >> 4];
			out[o++] = hx[c & 15];
		}
	}
	return o;
}

static size_t json_escape(char *out, const char *s, size_t n, int mode, bool up)
{
	const char *hx = up ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 6 < 6 * KNOWN_CANON_MAX; i++) {
		uint8_t c = (uint8_t)s[i];

		if (mode == 2) {  /* only the solidus, the way many encoders write it */
			if (c == '/')
				out[o++] = '\\';
			out[o++] = (char)c;
		} else if ((mode == 1 && is_alnum(c)) || (mode == 3 && (is_alnum(c) || (c && strchr(".-_", c))))) {
			out[o++] = (char)c;
		} else {
			o += (size_t)sprintf(out + o, "\\u00%c%c", hx[c >> 4], hx[c & 15]);
		}
	}
	return o;
}

static int add_escapes(struct known_exp *x, const char *s, size_t n, bool caseless)
{
	char *buf = malloc(6 * KNOWN_CANON_MAX + 8);
	bool special = false, slash = memchr(s, '/', n) != NULL;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		special |= !is_alnum(s[i]);
	for (int up = 0; up < (caseless ? 1 : 2) && !r; up++) {
		if (special) {
			r = add(x, buf, url_escape(buf, s, n, false, up, false), ENC_URL, caseless, false);
			if (!r)
				r = add(x, buf, url_escape(buf, s, n, true, up, false), ENC_URL, caseless, false);
			if (!r && memchr(s, ' ', n))
				r = add(x, buf, url_escape(buf, s, n, false, up, true), ENC_URL, caseless, false);
			if (!r)
				r = add(x, buf, json_escape(buf, s, n, 1, up), ENC_JSON, caseless, false);
			if (!r)
				r = add(x, buf, json_escape(buf, s, n, 3, up), ENC_JSON, caseless, false);
		}
		if (!r)
			r = add(x, buf, json_escape(buf, s, n, 0, up), ENC_JSON, caseless, false);
	}
	if (!r && slash)
		r = add(x, buf, json_escape(buf, s, n, 2, false), ENC_JSON, caseless, false);
	free(buf);
	return r;
}

static int add_base64(struct known_exp *x, const uint8_t *v, size_t n, uint8_t enc_std, uint8_t enc_url,
		      bool cores)
{
	uint8_t tmp[KNOWN_CANON_MAX + 2] = { 0 };
	char out[4 * (KNOWN_CANON_MAX + 2) / 3 + 8];
	size_t len;
	int r = 0;

	for (int url = 0; url < 2 && !r; url++) {
		uint8_t enc = url ? enc_url : enc_std;

		if (!cores) {
			/* A digest: its first characters name it, padded or not, and in both alphabets
			 * when no character that differs comes that early (one literal, not four). */
			len = known_base64(out, v, n, url, false);
			r = add(x, out, len < KNOWN_DIGEST_B64 ? len : KNOWN_DIGEST_B64, enc, false, false);
			continue;
		}
		for (unsigned a = 0; a < 3 && !r; a++) {
			size_t first = (8 * a + 5) / 6;

			len = known_base64_core(out, v, n, a, url);
			if (len >= KNOWN_SHORT)
				r = add(x, out, len, enc, false, false);
			/* The value ending the blob: the core plus its last bits and the padding. */
			memcpy(tmp + a, v, n);
			len = known_base64(out, tmp, a + n, url, true);
			if (!r && len - first >= KNOWN_SHORT)
				r = add(x, out + first, len - first, enc, false, false);
			memset(tmp, 0, sizeof(tmp));
		}
	}
	return r;
}

static size_t hex(char *out, const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", v[i]);
	return 2 * n;
}

static int add_digests(struct known_exp *x, const char *s, size_t n)
{
	static const struct {
		const struct nettle_hash *alg;
		uint8_t enc, enc_b64;
	} alg[] = { { &nettle_md5, ENC_MD5, ENC_MD5_B64 }, { &nettle_sha1, ENC_SHA1, ENC_SHA1_B64 },
		    { &nettle_sha256, ENC_SHA256, ENC_SHA256_B64 } };
	union {
		struct md5_ctx md5;
		struct sha1_ctx sha1;
		struct sha256_ctx sha256;
	} ctx;
	uint8_t md[SHA256_DIGEST_SIZE];
	char h[2 * SHA256_DIGEST_SIZE + 1];
	int r = 0;

	for (size_t i = 0; i < sizeof(alg) / sizeof(alg[0]) && !r; i++) {
		const struct nettle_hash *a = alg[i].alg;
		size_t hl;

		a->init(&ctx);
		a->update(&ctx, n, (const uint8_t *)s);
		a->digest(&ctx, a->digest_size, md);
		hl = hex(h, md, a->digest_size);
		r = add(x, h, hl, alg[i].enc, true, false);
		if (!r)
			r = add(x, h, 16, alg[i].enc, true, false);
		if (!r)
			r = add_base64(x, md, a->digest_size, alg[i].enc_b64, alg[i].enc_b64, false);
	}
	return r;
}

static int expand(struct known_exp *x, const char *given)
{
	char f[FORMS_MAX][KNOWN_CANON_MAX];
	char *buf = malloc(2 * KNOWN_CANON_MAX + 8);
	const char *c = x->canon;
	unsigned encoded;
	size_t nf = main_forms(x, given, f, &encoded), len = x->canon_len;
	bool ci = x->type != DT_SECRET;  /* owners' secrets are exact; identifiers are not */
	bool longv = len >= KNOWN_SHORT;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	/* Plain forms. */
	if (longv) {
		switch (x->type) {
		case DT_IMEI:
		case DT_IMSI:
		case DT_ICCID:
			r = add_digits_regex(x, c, len);
			break;
		case DT_PHONE: {
			const char *nsn = c + 1 + strlen(x->cc);

			/* The national significant number is inside every written form. */
			if (strlen(nsn) >= KNOWN_SHORT)
				r = add_digits_regex(x, nsn, strlen(nsn));
			break;
		}
		case DT_MAC: {
			char v[3][18];

			for (int k = 0; k < 6; k++) {
				memcpy(v[0] + 3 * k, c + 3 * k, 2);
				v[0][3 * k + 2] = '-';
				memcpy(v[1] + 2 * k, c + 3 * k, 2);
			}
			v[0][17] = '\0';
			v[1][12] = '\0';
			snprintf(v[2], sizeof(v[2]), "%.4s.%.4s.%.4s", v[1], v[1] + 4, v[1] + 8);
			r = add(x, c, len, ENC_PLAIN, true, false);
			for (int k = 0; k < 3 && !r; k++)
				r = add(x, v[k], strlen(v[k]), ENC_PLAIN, true, false);
			break;
		}
		case DT_MACHINE_ID:
			r = add(x, c, len, ENC_PLAIN, true, false);
			if (!r)
				r = add(x, f[1], strlen(f[1]), ENC_PLAIN, true, false);
			break;
		case DT_SECRET:
			r = add(x, c, len, ENC_PLAIN, false, false);
			memcpy(buf, c, len);
			lower(buf, len);
			if (!r)
				r = add(x, buf, len, ENC_PLAIN, false, false);
			upper(buf, len);
			if (!r)
				r = add(x, buf, len, ENC_PLAIN, false, false);
			break;
		default:
			r = add(x, c, len, ENC_PLAIN, ci, false);
		}
		if (!r)
			r = add_escapes(x, c, len, ci);
		if (!r && x->type == DT_MACHINE_ID)
			r = add_escapes(x, f[1], strlen(f[1]), ci);
		/* Reversed. */
		for (size_t i = 0; i < len; i++)
			buf[i] = c[len - 1 - i];
		if (!r && memcmp(buf, c, len))
			r = add(x, buf, len, ENC_REVERSED, ci, false);
	}
	for (size_t i = 0; i < nf && !r; i++) {
		size_t fl = strlen(f[i]);

		if (fl >= KNOWN_SHORT && (encoded >> i & 1)) {
			r = add_base64(x, (const uint8_t *)f[i], fl, ENC_BASE64, ENC_BASE64URL, true);
			if (!r)
				r = add(x, buf, hex(buf, (const uint8_t *)f[i], fl), ENC_HEX, true, false);
		}
		if (!r)
			r = add_digests(x, f[i], fl);
	}
	free(buf);
	return r;
}

int known_expand(struct known_exp *x, const struct known_value *kv, char *err, size_t errlen)
{
	const char *why;
	const char *label = kv->label ? kv->label : data_type_name(kv->type);
	int r;

	x->type = kv->type;
	r = canon(x, kv, &why);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", label ? label : "known value", why);
		return r;
	}
	r = expand(x, kv->value);
	if (r < 0)
		snprintf(err, errlen, "%s: out of memory", label ? label : "known value");
	return r;
}

void known_exp_clear(struct known_exp *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++) {
		explicit_bzero(x->pat[i].s, x->pat[i].len);
		free(x->pat[i].s);
	}
	free(x->pat);
	x->pat = NULL;
	x->n = x->cap = 0;
}
