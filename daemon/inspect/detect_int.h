/* detect's own: the compiled database, shared by the compiler (detect_build.c, which only the
 * privfw-compile program links) and the scanner (detect.c, in privfwd with Vectorscan's
 * runtime alone). */
#ifndef PRIVFW_DETECT_INT_H
#define PRIVFW_DETECT_INT_H

#include <hs/hs.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "finding.h"

#define KDIG_MAX 16
#define KDIG_LEN 24             /* digits of a run kept; longer known digit values are cut */

enum kind {
	K_KNOWN,        /* a literal form of a known value: it starts len bytes before its end */
	K_EMAIL,
	K_E164,
	K_PHONE_KEY,
	K_IMSI_KEY,
	K_MAC_KEY,
	K_ADID,
	K_LAT,          /* one half of a position: lat and lon may come in separate fields */
	K_LON,
	K_LOC_PAIR,
	K_LOC_NEAR,
	K_BASIC,
	K_BEARER,
	K_CRED_KEY,
	K_TOKEN,
	K_AUTH,         /* an Authorization key: its scheme and value are read by judge_auth */
	K_AT,           /* an escaped at sign and a byte: judge_at reads the domain */
	K_PLUS,         /* "%2B" and a digit: judge_plus reads the number */
	/* Keys alone, their values read by judge_key: as regexes to the value they cost the pattern
	 * engine at every occurrence of the word. pat.len: the key's length when the byte before
	 * it must not be a letter or digit (B, BU for tel), 0 when any may be. */
	K_KEY_PHONE,    /* phone|mobile|msisdn|number and one byte: a suffix or the glue */
	K_KEY_TEL,
	K_KEY_LAT,
	K_KEY_LON,
	K_KEY_PAIR,
};

struct pat {
	uint8_t kind;
	uint8_t enc;
	uint16_t known;  /* index of the known value, or FINDING_NO_LABEL */
	uint16_t len;    /* K_KNOWN: literal length */
};

struct kval {
	uint8_t type;
	uint8_t ndigits;
	char cc[4];
	uint32_t h[3];  /* hashes of the value as the generic detectors normalize it */
	char *label;
	char mask[FINDING_MASK_MAX];
};

/* A known value's digits, looked for in digit runs whatever separates them. */
struct kdig {
	char d[KDIG_LEN];
	uint8_t n, ncc;  /* ncc: phone country code digits */
	uint16_t known;
};

struct detect_db {
	hs_database_t *hs;
	struct kdig kdig[KDIG_MAX];
	unsigned n_kdig;
	uint16_t kdig_pre[100];  /* bit i: kdig[i] starts with these two digits (10 * d0 + d1) */
	uint8_t kdig_min;        /* digits of the shortest */
	uint8_t run_min;  /* digits a run needs to be worth judging */
	struct pat *pat;
	size_t n_pat;
	struct kval *kv;
	size_t n_kv;
	bool have_location;
	double lat, lon, radius;
	size_t hs_stream;
};


/* c is one of set (NUL is not). */
static inline bool in(const char *set, int c)
{
	return c > 0 && strchr(set, c);
}

/* The hash a value of a type is remembered by (reported values, known values). */
uint32_t detect_hash(unsigned type, const char *v, size_t n);

/* Fills the index the digit-run scanner uses from db->kdig. */
void detect_kdig_index(struct detect_db *db);

#endif
