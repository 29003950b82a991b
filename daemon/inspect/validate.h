/* validate: pure checks that turn a pattern's candidate into a finding (checksums, structure,
 * ranges). Inputs are plain byte strings; nothing here allocates, logs or keeps state. */
#ifndef PRIVFW_VALIDATE_H
#define PRIVFW_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Luhn checksum over d[0..n), digits only. */
bool validate_luhn(const char *d, size_t n);
/* 15 digits, a reporting-body prefix in use, Luhn. */
bool validate_imei(const char *d, size_t n);
/* 89 (telecom), 19 or 20 digits, Luhn. */
bool validate_iccid(const char *d, size_t n);
/* 14 or 15 digits whose first three are a mobile country code in use. */
bool validate_imsi(const char *d, size_t n);
/* Payment card: issuer prefix, a length that issuer uses, Luhn. */
bool validate_card(const char *d, size_t n);
/* IBAN, compact or in groups of four separated by spaces, either case: the country's length
 * and mod-97. */
bool validate_iban(const char *s, size_t n);
/* Length of the IBANs of the country whose upper-case code is cc[0..2), 0 when it has none. */
size_t validate_iban_len(const char cc[2]);

/* E-mail address local@domain: syntax, and a top-level domain that is letters (2 to 24) and not
 * a file extension (image@2x.png). */
bool validate_email(const char *s, size_t n);
/* The last label of a host name looks like a real top-level domain. */
bool validate_tld(const char *s, size_t n);

/* Length of the ITU country code at the start of an international number's digits, 0 when
 * d cannot start one. */
size_t validate_cc_len(const char *d, size_t n);
/* International number digits (no +): a country code and 8 to 15 digits in all. */
bool validate_e164(const char *d, size_t n);
/* A phone number's digits written with its separators s[0..n) (a key said it is a phone):
 * +/00 international, or a national form of 7 to 13 digits; not one repeated digit. */
bool validate_phone(const char *s, size_t n);

/* A decimal number -?D+.D+ in s[0..n): its value and decimals; false when s is not one. */
bool validate_decimal(const char *s, size_t n, double *v, unsigned *decimals);
/* One coordinate as written: a decimal with two decimals at least (one decimal is city level
 * and common in fields that are not positions), at most 180 in magnitude; its value in *v. */
bool validate_coord_text(const char *s, size_t n, double *v);
/* A latitude/longitude pair: in range, not the 0,0 placeholder. */
bool validate_coord(double lat, double lon);
/* Great-circle distance in km. */
double validate_distance_km(double lat1, double lon1, double lat2, double lon2);

/* 8-4-4-4-12 hex UUID; all-zero (a withheld advertising id) is rejected. */
bool validate_uuid(const char *s, size_t n);
/* MAC address: 12 hex digits, bare or in pairs with one separator (: or -), into out;
 * all-zero and broadcast are rejected. */
bool validate_mac(const char *s, size_t n, uint8_t out[6]);

/* HTTP Basic credentials: base64 of "user:password" (a prefix is enough to see the colon). */
bool validate_basic(const char *s, size_t n);
/* A credential value: non-empty, not a placeholder (null, undefined, ****, {{token}} ...). */
bool validate_secret_value(const char *s, size_t n);

#endif
