/* Validators: positives, close negatives, and every truncation of each seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "validate.h"

#define S(x) x, strlen(x)

static void test_luhn(void)
{
	CU_ASSERT(validate_luhn(S("79927398713")));
	CU_ASSERT(!validate_luhn(S("79927398710")));
	CU_ASSERT(!validate_luhn(S("7992739871a")));
	CU_ASSERT(!validate_luhn(S("")));
}

static void test_imei(void)
{
	CU_ASSERT(validate_imei(S("490154203237518")));
	CU_ASSERT(validate_imei(S("351234567890124")));
	CU_ASSERT(!validate_imei(S("490154203237517")));   /* check digit */
	CU_ASSERT(!validate_imei(S("49015420323751")));    /* 14 digits */
	CU_ASSERT(!validate_imei(S("4901542032375180")));  /* 16 digits */
	CU_ASSERT(!validate_imei(S("000000000000000")));   /* placeholder */
	CU_ASSERT(!validate_imei(S("201234567890126")));   /* no such reporting body */
}

static void test_iccid_imsi(void)
{
	CU_ASSERT(validate_iccid(S("8941011234567890123")));
	CU_ASSERT(validate_iccid(S("89441234567890123454")));
	CU_ASSERT(!validate_iccid(S("8941011234567890124")));
	CU_ASSERT(!validate_iccid(S("7941011234567890123")));
	CU_ASSERT(!validate_iccid(S("894101123456789012")));
	CU_ASSERT(validate_imsi(S("228011234567890")));
	CU_ASSERT(validate_imsi(S("31015012345678")));
	CU_ASSERT(!validate_imsi(S("128011234567890")));   /* no such country */
	CU_ASSERT(!validate_imsi(S("2280112345678")));
	CU_ASSERT(!validate_imsi(S("228000000000000")));
}

static void test_card(void)
{
	static const char *const good[] = {
		"4111111111111111", "5500000000000004", "2221000000000009", "340000000000009",
		"6011000000000004", "3530111333300000", "30569309025904", "6200000000000005",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT(validate_card(S(good[i])));
	CU_ASSERT(!validate_card(S("4111111111111112")));   /* Luhn */
	CU_ASSERT(!validate_card(S("5600000000000003")));   /* not an issuer prefix */
	CU_ASSERT(!validate_card(S("34000000000000")));     /* Amex is 15 */
	CU_ASSERT(!validate_card(S("1732871234567")));      /* a millisecond timestamp */
	CU_ASSERT(!validate_card(S("0000000000000000")));
}

static void test_iban(void)
{
	CU_ASSERT(validate_iban(S("DE89370400440532013000")));
	CU_ASSERT(validate_iban(S("DE89 3704 0044 0532 0130 00")));
	CU_ASSERT(validate_iban(S("GB29NWBK60161331926819")));
	CU_ASSERT(validate_iban(S("fr1420041010050500013m02606")));
	CU_ASSERT(validate_iban(S("CH9300762011623852957")));
	CU_ASSERT(!validate_iban(S("DE89370400440532013001")));  /* mod 97 */
	CU_ASSERT(!validate_iban(S("DE8937040044053201300")));   /* length for DE */
	CU_ASSERT(!validate_iban(S("QQ89370400440532013000")));  /* no such country */
	CU_ASSERT(!validate_iban(S("DE89 370 40044 0532 0130 00")));
	CU_ASSERT(validate_iban_len("DE") == 22 && validate_iban_len("CH") == 21);
	CU_ASSERT(validate_iban_len("QQ") == 0 && validate_iban_len("de") == 0);
}

static void test_email(void)
{
	CU_ASSERT(validate_email(S("jane.doe@example.org")));
	CU_ASSERT(validate_email(S("a+tag@mail.example.co.uk")));
	CU_ASSERT(validate_email(S("x@b.technology")));
	CU_ASSERT(!validate_email(S("image@2x.png")));
	CU_ASSERT(!validate_email(S("bundle@1.0.min.js")));
	CU_ASSERT(!validate_email(S("style@x.css")));
	CU_ASSERT(!validate_email(S("a@b")));
	CU_ASSERT(!validate_email(S("a@b.c1")));
	CU_ASSERT(!validate_email(S(".a@example.org")));
	CU_ASSERT(!validate_email(S("a..b@example.org")));
	CU_ASSERT(!validate_email(S("a@-example.org")));
	CU_ASSERT(!validate_email(S("a@example..org")));
	/* An asset's scale is no domain, whatever extension follows. */
	CU_ASSERT(!validate_email(S("icon@2x.webpf")));
	CU_ASSERT(!validate_email(S("logo@1.5x.sprite")));
	CU_ASSERT(validate_email(S("ops@2xample.com")));
	CU_ASSERT(validate_email(S("a@x2.example.com")));
	CU_ASSERT(validate_tld(S("example.com")));
	CU_ASSERT(validate_tld(S("example.COM")));
	CU_ASSERT(validate_tld(S("example.Com")));
	CU_ASSERT(!validate_tld(S("logo.svg")));
	CU_ASSERT(!validate_tld(S("icon.webpF")));   /* glued to the next field */
}

static void test_phone(void)
{
	CU_ASSERT(validate_cc_len(S("41791234567")) == 2);
	CU_ASSERT(validate_cc_len(S("14155552671")) == 1);
	CU_ASSERT(validate_cc_len(S("3531234567")) == 3);
	CU_ASSERT(validate_cc_len(S("0791234567")) == 0);
	CU_ASSERT(validate_e164(S("41791234567")));
	CU_ASSERT(validate_e164(S("14155552671")));
	CU_ASSERT(!validate_e164(S("4179123")));           /* too short */
	CU_ASSERT(!validate_e164(S("4179123456789012")));  /* too long */
	CU_ASSERT(!validate_e164(S("2801234567")));        /* unassigned code */
	CU_ASSERT(validate_phone(S("+41 79 123 45 67")));
	CU_ASSERT(validate_phone(S("(415) 555-2671")));
	CU_ASSERT(validate_phone(S("0041791234567")));
	CU_ASSERT(validate_phone(S("079.123.45.67")));
	CU_ASSERT(!validate_phone(S("1732871234")));        /* a Unix time */
	CU_ASSERT(!validate_phone(S("0000000000")));
	CU_ASSERT(!validate_phone(S("12345")));
	CU_ASSERT(!validate_phone(S("079   123")));
	CU_ASSERT(!validate_phone(S("+41 79 12a 45 67")));
}

static void test_coord(void)
{
	double v;
	unsigned dec;

	CU_ASSERT(validate_decimal(S("47.3769"), &v, &dec) && fabs(v - 47.3769) < 1e-9 && dec == 4);
	CU_ASSERT(validate_decimal(S("-122.41"), &v, &dec) && fabs(v + 122.41) < 1e-9 && dec == 2);
	CU_ASSERT(!validate_decimal(S("47"), &v, &dec));
	CU_ASSERT(!validate_decimal(S("47."), &v, &dec));
	CU_ASSERT(!validate_decimal(S("1.2.3"), &v, &dec));
	CU_ASSERT(!validate_decimal(S("1234.5"), &v, &dec));
	/* Two decimals at least: one decimal is city level, and common in other fields. */
	CU_ASSERT(validate_coord_text(S("47.37"), &v) && fabs(v - 47.37) < 1e-9);
	CU_ASSERT(validate_coord_text(S("-122.4194"), &v) && fabs(v + 122.4194) < 1e-9);
	CU_ASSERT(!validate_coord_text(S("-19.2"), &v));
	CU_ASSERT(!validate_coord_text(S("155.3"), &v));
	CU_ASSERT(!validate_coord_text(S("47"), &v));
	CU_ASSERT(!validate_coord_text(S("180.01"), &v));
	CU_ASSERT(!validate_coord_text(S("999.99"), &v));
	CU_ASSERT(validate_coord(47.37, 8.54));
	CU_ASSERT(validate_coord(-33.86, 151.2));
	CU_ASSERT(!validate_coord(91.0, 8.54));
	CU_ASSERT(!validate_coord(47.0, 181.0));
	CU_ASSERT(!validate_coord(0.0, 0.0));
	/* Zurich to Winterthur, about 20 km. */
	v = validate_distance_km(47.3769, 8.5417, 47.4988, 8.7237);
	CU_ASSERT(v > 15 && v < 25);
	CU_ASSERT(validate_distance_km(47.0, 8.0, 47.0, 8.0) < 1e-9);
}

static void test_uuid_mac(void)
{
	uint8_t m[6];

	CU_ASSERT(validate_uuid(S("38400000-8cf0-11bd-b23e-10b96e40000d")));
	CU_ASSERT(validate_uuid(S("38400000-8CF0-11BD-B23E-10B96E40000D")));
	CU_ASSERT(!validate_uuid(S("00000000-0000-0000-0000-000000000000")));
	CU_ASSERT(!validate_uuid(S("38400000-8cf0-11bd-b23e-10b96e40000")));
	CU_ASSERT(!validate_uuid(S("38400000x8cf0-11bd-b23e-10b96e40000d")));
	CU_ASSERT(!validate_uuid(S("g8400000-8cf0-11bd-b23e-10b96e40000d")));
	CU_ASSERT(validate_mac(S("02:1a:2B:3c:4d:5e"), m) && m[0] == 2 && m[2] == 0x2b && m[5] == 0x5e);
	CU_ASSERT(validate_mac(S("02-1a-2b-3c-4d-5e"), m));
	CU_ASSERT(validate_mac(S("021a2b3c4d5e"), m));
	CU_ASSERT(!validate_mac(S("02:1a-2b:3c:4d:5e"), m));   /* mixed separators */
	CU_ASSERT(!validate_mac(S("00:00:00:00:00:00"), m));
	CU_ASSERT(!validate_mac(S("ff:ff:ff:ff:ff:ff"), m));
	CU_ASSERT(!validate_mac(S("02:1a:2b:3c:4d:5g"), m));
}

static void test_credentials(void)
{
	CU_ASSERT(validate_basic(S("dXNlcjpwYXNzd29yZA==")));   /* user:password */
	CU_ASSERT(validate_basic(S("dXNlcjpw")));               /* a prefix shows the colon */
	CU_ASSERT(!validate_basic(S("aGVsbG8gd29ybGQ=")));      /* hello world */
	CU_ASSERT(!validate_basic(S("OnBhc3M=")));              /* :pass, no user */
	CU_ASSERT(!validate_basic(S("@@@@")));
	CU_ASSERT(validate_secret_value(S("hunter22")));
	CU_ASSERT(!validate_secret_value(S("")));
	CU_ASSERT(!validate_secret_value(S("null")));
	CU_ASSERT(!validate_secret_value(S("UNDEFINED")));
	CU_ASSERT(!validate_secret_value(S("********")));
	CU_ASSERT(!validate_secret_value(S("{{token}}")));
	CU_ASSERT(!validate_secret_value(S("${API_KEY}")));
}

/* Every prefix of every seed, in a buffer of exactly that size so ASan sees any overread. */
static void test_truncations(void)
{
	static const char *const seeds[] = {
		"490154203237518", "8941011234567890123", "228011234567890", "4111111111111111",
		"DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819", "jane.doe@example.org",
		"a@b.c", "+41 79 123 45 67", "(415) 555-2671", "-122.4194", "47.3769",
		"38400000-8cf0-11bd-b23e-10b96e40000d", "02:1a:2b:3c:4d:5e", "dXNlcjpwYXNzd29yZA==",
		"{{x}}", "@.", "..", "+", "\xe2\x80\xa2\xe2\x80\xa2",
	};
	uint8_t m[6];
	double v;
	unsigned dec, hits = 0;

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		size_t len = strlen(seeds[i]);

		for (size_t n = 0; n <= len; n++) {
			char *b = malloc(n ? n : 1);

			memcpy(b, seeds[i], n);
			hits += validate_luhn(b, n) + validate_imei(b, n) + validate_iccid(b, n) +
				validate_imsi(b, n) + validate_card(b, n) + validate_iban(b, n) +
				validate_email(b, n) + validate_tld(b, n) + (validate_cc_len(b, n) > 0) +
				validate_e164(b, n) + validate_phone(b, n) + validate_decimal(b, n, &v, &dec) +
				validate_uuid(b, n) + validate_mac(b, n, m) + validate_basic(b, n) +
				validate_secret_value(b, n);
			free(b);
		}
	}
	CU_ASSERT(hits > 0);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "luhn", test_luhn },
		{ "imei", test_imei },
		{ "iccid and imsi", test_iccid_imsi },
		{ "card", test_card },
		{ "iban", test_iban },
		{ "email", test_email },
		{ "phone", test_phone },
		{ "coordinates", test_coord },
		{ "uuid and mac", test_uuid_mac },
		{ "credentials", test_credentials },
		{ "truncations", test_truncations },
		{ NULL, NULL },
	};

	return unit_run("validate", cases);
}
