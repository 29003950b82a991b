/* finding: names of types, categories and encodings, and the masked form of a value. */
#include <stddef.h>
#include <string.h>

#include "finding.h"

static const char *const type_names[DT_COUNT] = {
	[DT_IMEI] = "imei", [DT_IMSI] = "imsi", [DT_ICCID] = "iccid", [DT_MAC] = "mac",
	[DT_MACHINE_ID] = "machine_id", [DT_AD_ID] = "ad_id", [DT_SERIAL] = "serial",
	[DT_HOSTNAME] = "hostname", [DT_EMAIL] = "email", [DT_PHONE] = "phone",
	[DT_LOCATION] = "location", [DT_CARD] = "card", [DT_IBAN] = "iban",
	[DT_CREDENTIAL] = "credential", [DT_SECRET] = "secret",
};

static const char *const cat_names[CAT_COUNT] = {
	[CAT_DEVICE_ID] = "device_id", [CAT_CONTACT] = "contact", [CAT_LOCATION] = "location",
	[CAT_FINANCIAL] = "financial", [CAT_CREDENTIAL] = "credential", [CAT_SECRET] = "secret",
};

static const char *const enc_names[ENC_COUNT] = {
	[ENC_PLAIN] = "plain", [ENC_URL] = "url", [ENC_JSON] = "json", [ENC_BASE64] = "base64",
	[ENC_BASE64URL] = "base64url", [ENC_HEX] = "hex", [ENC_MD5] = "md5", [ENC_SHA1] = "sha1",
	[ENC_SHA256] = "sha256", [ENC_MD5_B64] = "md5_base64", [ENC_SHA1_B64] = "sha1_base64",
	[ENC_SHA256_B64] = "sha256_base64", [ENC_REVERSED] = "reversed",
};

static const uint8_t type_cat[DT_COUNT] = {
	[DT_IMEI] = CAT_DEVICE_ID, [DT_IMSI] = CAT_DEVICE_ID, [DT_ICCID] = CAT_DEVICE_ID,
	[DT_MAC] = CAT_DEVICE_ID, [DT_MACHINE_ID] = CAT_DEVICE_ID, [DT_AD_ID] = CAT_DEVICE_ID,
	[DT_SERIAL] = CAT_DEVICE_ID, [DT_HOSTNAME] = CAT_DEVICE_ID, [DT_EMAIL] = CAT_CONTACT,
	[DT_PHONE] = CAT_CONTACT, [DT_LOCATION] = CAT_LOCATION, [DT_CARD] = CAT_FINANCIAL,
	[DT_IBAN] = CAT_FINANCIAL, [DT_CREDENTIAL] = CAT_CREDENTIAL, [DT_SECRET] = CAT_SECRET,
};

const char *data_type_name(unsigned type)
{
	return type < DT_COUNT ? type_names[type] : NULL;
}

const char *data_cat_name(unsigned cat)
{
	return cat < CAT_COUNT ? cat_names[cat] : NULL;
}

const char *data_enc_name(unsigned enc)
{
	return enc < ENC_COUNT ? enc_names[enc] : NULL;
}

enum data_cat data_type_cat(unsigned type)
{
	/* Unknown types fall in the strictest category a policy is likely to deny. */
	return type < DT_COUNT ? (enum data_cat)type_cat[type] : CAT_SECRET;
}

static int lookup(const char *const *names, unsigned n, const char *s)
{
	if (!s)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

int data_type_parse(const char *s)
{
	return lookup(type_names, DT_COUNT, s);
}

int data_cat_parse(const char *s)
{
	return lookup(cat_names, CAT_COUNT, s);
}

#define BULLET "\xe2\x80\xa2"
/* Enough bullets to show "something long" without spelling out the length of long values. */
#define BULLETS_MAX 12

void finding_mask(char out[FINDING_MASK_MAX], const char *value, size_t n, unsigned type)
{
	size_t head, tail, bullets, o = 0;

	/* A position, even in part, says where someone is; a secret's or password's characters are
	 * worth guessing from. */
	if (type == DT_SECRET || type == DT_CREDENTIAL || type == DT_LOCATION) {
		head = tail = 0;
		bullets = 6;
	} else {
		if (n >= 10)
			head = 2, tail = 3;
		else if (n >= 6)
			head = 1, tail = 1;
		else
			head = tail = 0;
		bullets = n - head - tail;
		if (bullets > BULLETS_MAX)
			bullets = BULLETS_MAX;
		if (!n)
			bullets = 6;
	}
	/* Kept characters are printable ASCII only: a cut UTF-8 sequence would break the JSON and
	 * journald output the mask ends up in. */
	for (size_t i = 0; i < head; i++)
		out[o++] = (value[i] > 0x20 && value[i] < 0x7f) ? value[i] : '*';
	for (size_t i = 0; i < bullets; i++) {
		memcpy(out + o, BULLET, 3);
		o += 3;
	}
	for (size_t i = n - tail; i < n; i++)
		out[o++] = (value[i] > 0x20 && value[i] < 0x7f) ? value[i] : '*';
	out[o] = '\0';
}
