/* finding: what the detectors report. Type, category and encoding names are stable: they appear
 * in policy files, journald fields and JSON output. */
#ifndef PRIVFW_FINDING_H
#define PRIVFW_FINDING_H

#include <stdint.h>

enum data_cat {
	CAT_DEVICE_ID,
	CAT_CONTACT,
	CAT_LOCATION,
	CAT_FINANCIAL,
	CAT_CREDENTIAL,
	CAT_SECRET,
	CAT_COUNT
};

enum data_type {
	DT_IMEI,
	DT_IMSI,
	DT_ICCID,
	DT_MAC,
	DT_MACHINE_ID,
	DT_AD_ID,
	DT_SERIAL,
	DT_HOSTNAME,
	DT_EMAIL,
	DT_PHONE,
	DT_LOCATION,
	DT_CARD,
	DT_IBAN,
	DT_CREDENTIAL,
	DT_SECRET,
	DT_COUNT
};

/* How the value appeared on the wire. Digest encodings cover the full and the 16-character
 * truncated hex, lower or upper case; the _B64 ones are base64 (either alphabet) of the digest. */
enum data_enc {
	ENC_PLAIN,      /* as is, or a case/separator variant */
	ENC_URL,        /* percent-encoded */
	ENC_JSON,       /* JSON \u escapes */
	ENC_BASE64,
	ENC_BASE64URL,
	ENC_HEX,        /* hex of the bytes */
	ENC_MD5,
	ENC_SHA1,
	ENC_SHA256,
	ENC_MD5_B64,
	ENC_SHA1_B64,
	ENC_SHA256_B64,
	ENC_REVERSED,
	ENC_COUNT
};

#define FINDING_NO_LABEL 0xffff
#define FINDING_MASK_MAX 48

struct finding {
	uint64_t offset;        /* stream offset of the first byte of the match */
	uint16_t label;         /* index of the known value (detect_db_label), or FINDING_NO_LABEL */
	uint8_t type;           /* enum data_type */
	uint8_t enc;            /* enum data_enc */
	char mask[FINDING_MASK_MAX]; /* masked form, NUL-terminated; never the matched bytes */
};

/* Names; NULL for out-of-range values. */
const char *data_type_name(unsigned type);
const char *data_cat_name(unsigned cat);
const char *data_enc_name(unsigned enc);
enum data_cat data_type_cat(unsigned type);

/* Name to value; -1 when unknown. */
int data_type_parse(const char *s);
int data_cat_parse(const char *s);

/* Masks value[0..n) into out: the first 2 and last 3 characters kept when n >= 10, fewer for
 * shorter values, every other character replaced by a bullet. Secrets are masked entirely. */
void finding_mask(char out[FINDING_MASK_MAX], const char *value, size_t n, unsigned type);

#endif
