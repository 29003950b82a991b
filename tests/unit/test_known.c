/* Known values: each type's forms are in the expansion; unusable values are refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "detect.h"
#include "digest.h"
#include "known.h"
#include "unit.h"

static int expand(struct known_exp *x, uint8_t type, const char *v)
{
	const struct known_value kv = { type, "test", v };
	char err[256] = "";

	memset(x, 0, sizeof(*x));
	return known_expand(x, &kv, err, sizeof(err));
}

/* A literal form equal to s (in any case when the form is caseless) with that encoding. */
static bool has(const struct known_exp *x, const char *s, unsigned enc)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < x->n; i++) {
		const struct known_pat *p = &x->pat[i];

		if (p->regex || p->enc != enc || p->len != n)
			continue;
		if (p->caseless ? !strncasecmp(p->s, s, n) : !memcmp(p->s, s, n))
			return true;
	}
	return false;
}

/* A literal form of that encoding occurs in blob: what the scanner would match. */
static bool found_in(const struct known_exp *x, const char *blob, unsigned enc)
{
	size_t bn = strlen(blob);

	for (size_t i = 0; i < x->n; i++) {
		const struct known_pat *p = &x->pat[i];

		if (p->regex || p->enc != enc || p->len > bn)
			continue;
		for (size_t j = 0; j + p->len <= bn; j++)
			if (p->caseless ? !strncasecmp(blob + j, p->s, p->len) : !memcmp(blob + j, p->s, p->len))
				return true;
	}
	return false;
}


static void digest_hex(const char *alg, const char *s, char *out)
{
	uint8_t md[DIGEST_MAX];
	size_t n = digest(alg, s, md);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void digest_b64(const char *alg, const char *s, bool url, char *out)
{
	uint8_t md[DIGEST_MAX];

	known_base64(out, md, digest(alg, s, md), url, false);
}

/* base64 of pre + v + post, either alphabet. */
static void b64_around(const char *pre, const char *v, const char *post, bool url, char *out)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s%s%s", pre, v, post);
	known_base64(out, (const uint8_t *)buf, strlen(buf), url, true);
}

static void test_base64(void)
{
	char out[64], core[64];

	CU_ASSERT(known_base64(out, (const uint8_t *)"foobar", 6, false, true) == 8 && !strcmp(out, "Zm9vYmFy"));
	CU_ASSERT(known_base64(out, (const uint8_t *)"fooba", 5, false, true) == 8 && !strcmp(out, "Zm9vYmE="));
	CU_ASSERT(known_base64(out, (const uint8_t *)"fooba", 5, false, false) == 7 && !strcmp(out, "Zm9vYmE"));
	CU_ASSERT(known_base64(out, (const uint8_t *)"\xfb\xff", 2, false, true) == 4 && !strcmp(out, "+/8="));
	CU_ASSERT(known_base64(out, (const uint8_t *)"\xfb\xff", 2, true, true) == 4 && !strcmp(out, "-_8="));
	/* The core at each alignment is in the encoding of any blob holding the value there. */
	for (unsigned a = 0; a < 3; a++) {
		static const char *const pre[] = { "", "x", "xy" };
		char blob[128];

		CU_ASSERT(known_base64_core(core, (const uint8_t *)"secretvalue", 11, a, false) >= 12);
		b64_around(pre[a], "secretvalue", "tail", false, blob);
		CU_ASSERT(strstr(blob, core) != NULL);
		b64_around(pre[a], "secretvalue", "", false, blob);
		CU_ASSERT(strstr(blob, core) != NULL);
	}
	CU_ASSERT(known_base64_core(core, (const uint8_t *)"a", 1, 1, false) == 0);
}

static void test_imei(void)
{
	struct known_exp x;
	char h[200], blob[200];

	CU_ASSERT_FATAL(expand(&x, DT_IMEI, "35-123456-789012-4") == 0);
	CU_ASSERT(!strcmp(x.canon, "351234567890124"));
	CU_ASSERT(x.ndigits == 15);
	/* Separator variants are one regex over the digits. */
	{
		bool re = false;

		for (size_t i = 0; i < x.n; i++)
			re |= x.pat[i].regex && strstr(x.pat[i].s, "3[ .()/-]{0,2}5") != NULL;
		CU_ASSERT(re);
	}
	/* Digests as other tools print them (sha1sum, md5sum, sha256sum). */
	CU_ASSERT(has(&x, "73e9725d8561a1ed8c57350f20f33e292e588186", ENC_SHA1));
	CU_ASSERT(has(&x, "a4dafa976b5a048669cae49813c5c8dd", ENC_MD5));
	CU_ASSERT(has(&x, "9281312cad4095437c4c328237b7d57628d44fdad38d12fbb1903586300f8696", ENC_SHA256));
	digest_hex("sha1", "351234567890124", h);
	CU_ASSERT(has(&x, h, ENC_SHA1));
	h[16] = '\0';
	CU_ASSERT(has(&x, h, ENC_SHA1));
	digest_hex("md5", "351234567890124", h);
	CU_ASSERT(has(&x, h, ENC_MD5));
	digest_hex("sha256", "351234567890124", h);
	CU_ASSERT(has(&x, h, ENC_SHA256));
	digest_b64("sha256", "351234567890124", false, h);
	CU_ASSERT(found_in(&x, h, ENC_SHA256_B64));
	digest_b64("md5", "351234567890124", true, h);
	CU_ASSERT(found_in(&x, h, ENC_MD5_B64));
	b64_around("", "351234567890124", "", false, blob);
	CU_ASSERT(found_in(&x, blob, ENC_BASE64));
	b64_around("x", "351234567890124", "&a=1", false, blob);
	CU_ASSERT(found_in(&x, blob, ENC_BASE64));
	b64_around("xy", "351234567890124", "}", true, blob);
	CU_ASSERT(found_in(&x, blob, ENC_BASE64URL) || found_in(&x, blob, ENC_BASE64));
	CU_ASSERT(has(&x, "333531323334353637383930313234", ENC_HEX));
	CU_ASSERT(has(&x, "421098765432153", ENC_REVERSED));
	known_exp_clear(&x);
}

static void test_email(void)
{
	struct known_exp x;
	char h[200], blob[200];

	CU_ASSERT_FATAL(expand(&x, DT_EMAIL, "Jane.Doe@Example.org") == 0);
	CU_ASSERT(!strcmp(x.canon, "jane.doe@example.org"));
	CU_ASSERT(has(&x, "JANE.DOE@example.org", ENC_PLAIN));   /* caseless */
	CU_ASSERT(has(&x, "jane.doe%40example.org", ENC_URL));
	CU_ASSERT(has(&x, "jane%2Edoe%40example%2Eorg", ENC_URL));
	CU_ASSERT(has(&x, "jane\\u002edoe\\u0040example\\u002eorg", ENC_JSON));
	CU_ASSERT(has(&x, "jane.doe\\u0040example.org", ENC_JSON));
	CU_ASSERT(has(&x, "\\u006a\\u0061\\u006e\\u0065\\u002e\\u0064\\u006f\\u0065\\u0040", ENC_JSON) ||
		  found_in(&x, "\\u006a\\u0061\\u006e\\u0065\\u002e\\u0064\\u006f\\u0065\\u0040\\u0065\\u0078"
			   "\\u0061\\u006d\\u0070\\u006c\\u0065\\u002e\\u006f\\u0072\\u0067", ENC_JSON));
	digest_hex("md5", "jane.doe@example.org", h);
	CU_ASSERT(has(&x, h, ENC_MD5));
	digest_hex("sha256", "Jane.Doe@Example.org", h);  /* as given, too */
	CU_ASSERT(has(&x, h, ENC_SHA256));
	b64_around("xy", "jane.doe@example.org", "\"}", false, blob);
	CU_ASSERT(found_in(&x, blob, ENC_BASE64));
	CU_ASSERT(has(&x, "gro.elpmaxe@eod.enaj", ENC_REVERSED));
	known_exp_clear(&x);
}

static void test_mac(void)
{
	struct known_exp x;
	char h[200];

	CU_ASSERT_FATAL(expand(&x, DT_MAC, "02-1A-2B-3C-4D-5E") == 0);
	CU_ASSERT(!strcmp(x.canon, "02:1a:2b:3c:4d:5e"));
	CU_ASSERT(has(&x, "02:1A:2B:3C:4D:5E", ENC_PLAIN));
	CU_ASSERT(has(&x, "02-1a-2b-3c-4d-5e", ENC_PLAIN));
	CU_ASSERT(has(&x, "021a2b3c4d5e", ENC_PLAIN));
	CU_ASSERT(has(&x, "021a.2b3c.4d5e", ENC_PLAIN));
	CU_ASSERT(has(&x, "02%3A1a%3A2b%3A3c%3A4d%3A5e", ENC_URL));
	digest_hex("sha256", "02:1A:2B:3C:4D:5E", h);
	CU_ASSERT(has(&x, h, ENC_SHA256));
	digest_hex("md5", "021a2b3c4d5e", h);
	CU_ASSERT(has(&x, h, ENC_MD5));
	digest_hex("sha1", "021A2B3C4D5E", h);
	h[16] = '\0';
	CU_ASSERT(has(&x, h, ENC_SHA1));
	known_exp_clear(&x);
}

static void test_machine_id_phone(void)
{
	struct known_exp x;
	char h[200];

	CU_ASSERT_FATAL(expand(&x, DT_MACHINE_ID, "5F3C0E9A8B7D4C2E9F1A0B3C4D5E6F70") == 0);
	CU_ASSERT(!strcmp(x.canon, "5f3c0e9a8b7d4c2e9f1a0b3c4d5e6f70"));
	CU_ASSERT(has(&x, "5f3c0e9a-8b7d-4c2e-9f1a-0b3c4d5e6f70", ENC_PLAIN));
	digest_hex("sha256", "5f3c0e9a-8b7d-4c2e-9f1a-0b3c4d5e6f70", h);
	CU_ASSERT(has(&x, h, ENC_SHA256));
	known_exp_clear(&x);

	CU_ASSERT_FATAL(expand(&x, DT_PHONE, "+41 79 123 45 67") == 0);
	CU_ASSERT(!strcmp(x.canon, "+41791234567"));
	CU_ASSERT(!strcmp(x.cc, "41"));
	CU_ASSERT(x.ndigits == 9);  /* the national number */
	CU_ASSERT(has(&x, "%2B41791234567", ENC_URL));
	digest_hex("sha1", "+41791234567", h);
	CU_ASSERT(has(&x, h, ENC_SHA1));
	digest_hex("sha256", "41791234567", h);
	CU_ASSERT(has(&x, h, ENC_SHA256));
	digest_hex("md5", "0791234567", h);
	CU_ASSERT(has(&x, h, ENC_MD5));
	known_exp_clear(&x);

	CU_ASSERT_FATAL(expand(&x, DT_PHONE, "+1 415 555 2671") == 0);
	CU_ASSERT(x.ndigits == 10);
	digest_hex("md5", "4155552671", h);  /* NANP national: ten digits, no prefix */
	CU_ASSERT(has(&x, h, ENC_MD5));
	known_exp_clear(&x);
}

static void test_secret_short(void)
{
	struct known_exp x;
	char h[200];

	CU_ASSERT_FATAL(expand(&x, DT_SECRET, "Tr0ub4dor&3") == 0);
	CU_ASSERT(has(&x, "Tr0ub4dor&3", ENC_PLAIN));
	CU_ASSERT(!has(&x, "TR0UB4DOR&4", ENC_PLAIN));
	for (size_t i = 0; i < x.n; i++)
		if (x.pat[i].enc == ENC_PLAIN || x.pat[i].enc == ENC_BASE64)
			CU_ASSERT(!x.pat[i].caseless);
	CU_ASSERT(has(&x, "Tr0ub4dor%263", ENC_URL));
	CU_ASSERT(!has(&x, "Tr0ub4dor+3", ENC_URL));
	known_exp_clear(&x);

	/* A space is '+' in form values (and cookies that hold them). */
	CU_ASSERT_FATAL(expand(&x, DT_SECRET, "Lorenz Tschudi") == 0);
	CU_ASSERT(has(&x, "Lorenz+Tschudi", ENC_URL));
	CU_ASSERT(has(&x, "Lorenz%20Tschudi", ENC_URL));
	known_exp_clear(&x);

	/* Short values: digests only. */
	CU_ASSERT_FATAL(expand(&x, DT_SECRET, "1234") == 0);
	for (size_t i = 0; i < x.n; i++)
		CU_ASSERT(x.pat[i].enc >= ENC_MD5 && x.pat[i].enc <= ENC_SHA256_B64);
	digest_hex("sha1", "1234", h);
	CU_ASSERT(has(&x, h, ENC_SHA1));
	known_exp_clear(&x);

	CU_ASSERT_FATAL(expand(&x, DT_HOSTNAME, "PinePhone-Jane") == 0);
	CU_ASSERT(!strcmp(x.canon, "pinephone-jane"));
	CU_ASSERT(has(&x, "enaj-enohpenip", ENC_REVERSED));
	known_exp_clear(&x);
}

static void test_rejects(void)
{
	static const struct {
		uint8_t type;
		const char *v, *why;
	} bad[] = {
		{ DT_IMEI, "351234567890123", "Luhn" }, { DT_IMEI, "3512345678901", "15 digits" },
		{ DT_MAC, "02:1a:2b:3c:4d", "MAC" }, { DT_MAC, "00:00:00:00:00:00", "MAC" },
		{ DT_MACHINE_ID, "xyz", "hex" }, { DT_PHONE, "0791234567", "international" },
		{ DT_PHONE, "+41 79", "international" }, { DT_EMAIL, "not-an-address", "e-mail" },
		{ DT_SECRET, "", "empty" }, { DT_ICCID, "1234", "digits" }, { DT_LOCATION, "x", "type" },
		{ DT_HOSTNAME, "a b", "host" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct known_value kv = { bad[i].type, "identity.thing", bad[i].v };
		struct known_exp x = { 0 };
		char err[256] = "";

		CU_ASSERT(known_expand(&x, &kv, err, sizeof(err)) == -EINVAL);
		CU_ASSERT(strstr(err, "identity.thing: ") == err);
		CU_ASSERT(strstr(err, bad[i].why) != NULL);
		known_exp_clear(&x);
	}
	known_exp_clear(NULL);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "base64", test_base64 },
		{ "imei", test_imei },
		{ "email", test_email },
		{ "mac", test_mac },
		{ "machine id and phone", test_machine_id_phone },
		{ "secret, short value, hostname", test_secret_short },
		{ "rejects", test_rejects },
		{ NULL, NULL },
	};

	return unit_run("known", cases);
}
