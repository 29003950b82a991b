/* known: a known value (an identifier of the device, an owner's secret) expanded into the forms
 * leaking apps send it in: case and separator variants, URL and JSON escapes, base64 at each
 * alignment, hex, MD5/SHA-1/SHA-256 digests, reversed. Pure: no I/O; runs at start and reload. */
#ifndef PRIVFW_KNOWN_H
#define PRIVFW_KNOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct known_value;

/* Longest literal kept: longer forms are cut to their first KNOWN_LIT_MAX bytes, which still
 * name the value, so the scanner's per-flow history stays small. */
#define KNOWN_LIT_MAX 96
#define KNOWN_CANON_MAX 260
/* Characters of a digest's base64 kept: 96 bits name it, and both alphabets often agree on them. */
#define KNOWN_DIGEST_B64 16
/* Plain forms of shorter values match too much by chance; only their digests are used. */
#define KNOWN_SHORT 6

struct known_pat {
	char *s;          /* literal bytes, or a Vectorscan expression when regex */
	size_t len;
	uint8_t enc;      /* enum data_enc */
	bool caseless;
	bool regex;       /* digits of the value with up to two separators between them */
};

struct known_exp {
	uint8_t type;                 /* enum data_type */
	char canon[KNOWN_CANON_MAX];  /* canonical form: what a finding's mask is made from */
	size_t canon_len;
	char cc[4];                   /* phone: the country code digits */
	uint8_t ndigits;              /* regex forms: how many digits a match ends with */
	struct known_pat *pat;
	size_t n, cap;
};

/* Checks kv and fills x (which must be zeroed) with its forms. 0, -EINVAL with a message in err
 * naming the label, or -ENOMEM. known_exp_clear() releases x in every case. */
int known_expand(struct known_exp *x, const struct known_value *kv, char *err, size_t errlen);
void known_exp_clear(struct known_exp *x);

/* Base64 of in[0..n) into out (room for 4 * ((n + 2) / 3) + 1); returns the length. */
size_t known_base64(char *out, const uint8_t *in, size_t n, bool url, bool pad);
/* The characters of base64(P + v + S) that do not depend on P (align bytes) nor on S: the
 * stable core any blob containing v at that alignment holds. Returns its length (0 if none). */
size_t known_base64_core(char *out, const uint8_t *v, size_t n, unsigned align, bool url);

#endif
