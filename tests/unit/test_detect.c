/* Detector engine end to end through the streaming API: every type and encoding, values split
 * across segments, trailing numbers, escapes, dedupe, negatives, masks, truncations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "decode.h"
#include "digest.h"
#include "detect.h"
#include "known.h"
#include "unit.h"

#define MAXF 32
#define PAD 1500

static const struct known_value known[] = {
	{ DT_IMEI, "imei", "351234567890124" },
	{ DT_IMSI, "imsi", "228011234567890" },
	{ DT_ICCID, "iccid", "8941011234567890123" },
	{ DT_PHONE, "phone", "+41 79 123 45 67" },
	{ DT_EMAIL, "email", "jane.doe@example.org" },
	{ DT_MACHINE_ID, "machine_id", "5f3c0e9a8b7d4c2e9f1a0b3c4d5e6f70" },
	{ DT_MAC, "wlan0", "02:1a:2b:3c:4d:5e" },
	{ DT_MAC, "eth0", "a4:5e:60:c2:11:07" },
	{ DT_HOSTNAME, "hostname", "pinephone-jane" },
	{ DT_SECRET, "bank", "Tr0ub4dor&3" },
	{ DT_SECRET, "diary", "correct horse battery" },
	{ DT_PHONE, "us", "+1 415 555 2671" },
};
#define N_KNOWN (sizeof(known) / sizeof(known[0]))

static struct detect_db *db, *db_loc;
static struct detect_scratch *sc, *sc_loc;

/* Feeds s in one piece, then detect_end. */
static size_t scan_db(struct detect_db *d, struct detect_scratch *x, const char *s, struct finding *out)
{
	struct detect_stream *st = detect_stream_new(d);
	size_t n;

	CU_ASSERT_FATAL(st != NULL);
	n = detect_feed(st, x, (const uint8_t *)s, strlen(s), 0, out, MAXF);
	n += detect_end(st, x, out + n, MAXF - n);
	detect_stream_free(st);
	return n;
}

static size_t scan(const char *s, struct finding *out)
{
	return scan_db(db, sc, s, out);
}

/* The one finding of type (and label, unless NULL) with that encoding. */
static const struct finding *find(const struct finding *f, size_t n, unsigned type, unsigned enc,
				  const char *label)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].type == type && f[i].enc == enc &&
		    (!label || (f[i].label != FINDING_NO_LABEL && !strcmp(detect_db_label(db, f[i].label), label))))
			return &f[i];
	return NULL;
}

static bool found(const char *s, unsigned type, unsigned enc, const char *label)
{
	struct finding f[MAXF];
	size_t n = scan(s, f);

	return find(f, n, type, enc, label) != NULL;
}

static bool expect(const char *s, unsigned type, unsigned enc, const char *label)
{
	struct finding f[MAXF];
	size_t n = scan(s, f);
	const struct finding *hit = find(f, n, type, enc, label);

	if (!hit)
		fprintf(stderr, "\n  missed %s/%s in \"%.60s\" (%zu findings)\n", data_type_name(type),
			data_enc_name(enc), s, n);
	return hit != NULL;
}

static bool none(struct detect_db *d, struct detect_scratch *x, const char *s)
{
	struct finding f[MAXF];
	size_t n = scan_db(d, x, s, f);

	if (n)
		fprintf(stderr, "\n  unexpected %s (%s) in \"%.70s\"\n", data_type_name(f[0].type), f[0].mask, s);
	return n == 0;
}

static void hex_digest(const char *alg, const char *s, char *out, bool upper)
{
	uint8_t md[DIGEST_MAX];
	size_t n = digest(alg, s, md);

	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, upper ? "%02X" : "%02x", md[i]);
}

static void b64_digest(const char *alg, const char *s, char *out, bool url)
{
	uint8_t md[DIGEST_MAX];

	known_base64(out, md, digest(alg, s, md), url, true);
}

static void b64(const char *s, char *out, bool url)
{
	known_base64(out, (const uint8_t *)s, strlen(s), url, true);
}

static void test_db(void)
{
	const struct known_value bad = { DT_IMEI, "identity.imei", "351234567890123" };
	struct detect_config c = { .known = &bad, .n_known = 1 };
	char err[256] = "";

	CU_ASSERT(detect_db_patterns(db) > 100);
	CU_ASSERT(detect_db_stream_size(db) > 0 && detect_db_stream_size(db) < 2048);
	CU_ASSERT(!strcmp(detect_db_label(db, 0), "imei"));
	CU_ASSERT(!strcmp(detect_db_label(db, 9), "bank"));
	CU_ASSERT(detect_db_label(db, N_KNOWN) == NULL);
	CU_ASSERT(detect_db_label(db, FINDING_NO_LABEL) == NULL);
	CU_ASSERT(detect_db_new(&c, err, sizeof(err)) == NULL);
	CU_ASSERT(!strcmp(err, "identity.imei: not 15 digits or fails Luhn"));
	detect_db_free(NULL);
	detect_scratch_free(NULL);
	detect_stream_free(NULL);
}

static void test_known_plain(void)
{
	CU_ASSERT(expect("GET /a?imei=351234567890124&x=1", DT_IMEI, ENC_PLAIN, "imei"));
	CU_ASSERT(expect("imei: 35 123456 789012 4\n", DT_IMEI, ENC_PLAIN, "imei"));
	CU_ASSERT(expect("id 35-123456-789012-4", DT_IMEI, ENC_PLAIN, "imei"));
	CU_ASSERT(expect("\"sub\":\"228011234567890\"", DT_IMSI, ENC_PLAIN, "imsi"));
	CU_ASSERT(expect("sim=8941011234567890123", DT_ICCID, ENC_PLAIN, "iccid"));
	CU_ASSERT(expect("to=+41791234567", DT_PHONE, ENC_PLAIN, "phone"));
	CU_ASSERT(expect("to=0041 79 123 45 67;", DT_PHONE, ENC_PLAIN, "phone"));
	CU_ASSERT(expect("order=x&num=079 123 45 67&", DT_PHONE, ENC_PLAIN, "phone"));
	CU_ASSERT(expect("call (079) 123-45-67 now", DT_PHONE, ENC_PLAIN, "phone"));
	CU_ASSERT(expect("n=(415) 555-2671", DT_PHONE, ENC_PLAIN, "us"));
	CU_ASSERT(expect("{\"user\":\"Jane.Doe@Example.ORG\"}", DT_EMAIL, ENC_PLAIN, "email"));
	CU_ASSERT(expect("mid=5F3C0E9A8B7D4C2E9F1A0B3C4D5E6F70", DT_MACHINE_ID, ENC_PLAIN, "machine_id"));
	CU_ASSERT(expect("id=5f3c0e9a-8b7d-4c2e-9f1a-0b3c4d5e6f70", DT_MACHINE_ID, ENC_PLAIN, "machine_id"));
	CU_ASSERT(expect("m=02:1A:2B:3C:4D:5E", DT_MAC, ENC_PLAIN, "wlan0"));
	CU_ASSERT(expect("m=02-1a-2b-3c-4d-5e", DT_MAC, ENC_PLAIN, "wlan0"));
	CU_ASSERT(expect("m=A45E60C21107&", DT_MAC, ENC_PLAIN, "eth0"));
	CU_ASSERT(expect("dev=pinephone-jane.local", DT_HOSTNAME, ENC_PLAIN, "hostname"));
	CU_ASSERT(expect("{\"p\":\"Tr0ub4dor&3\"}", DT_SECRET, ENC_PLAIN, "bank"));
	CU_ASSERT(expect("note: correct horse battery staple", DT_SECRET, ENC_PLAIN, "diary"));
}

static void test_known_encoded(void)
{
	char buf[512], enc[256], h[200];

	CU_ASSERT(expect("e=jane.doe%40example.org", DT_EMAIL, ENC_URL, "email"));
	CU_ASSERT(expect("e=JANE%2Edoe%40EXAMPLE%2Eorg", DT_EMAIL, ENC_URL, "email"));
	CU_ASSERT(expect("{\"e\":\"jane\\u002edoe\\u0040example\\u002eorg\"}", DT_EMAIL, ENC_JSON, "email"));
	CU_ASSERT(expect("m=02%3A1a%3A2b%3A3c%3A4d%3A5e", DT_MAC, ENC_URL, "wlan0"));
	CU_ASSERT(found("p=%2B41791234567", DT_PHONE, ENC_URL, "phone") ||
		  expect("p=%2B41791234567", DT_PHONE, ENC_PLAIN, "phone"));
	/* base64 at each alignment, both alphabets, inside a bigger blob. */
	{
		static const char *const pre[] = { "", "x", "xy", "{\"imei\":\"" };

		for (size_t i = 0; i < 4; i++) {
			snprintf(buf, sizeof(buf), "%s351234567890124\",\"t\":1}", pre[i]);
			b64(buf, enc, false);
			snprintf(buf, sizeof(buf), "d=%s&", enc);
			CU_ASSERT(expect(buf, DT_IMEI, ENC_BASE64, "imei"));
			snprintf(buf, sizeof(buf), "%sjane.doe@example.org?>?>", pre[i]);
			b64(buf, enc, true);
			snprintf(buf, sizeof(buf), "t=%s", enc);
			CU_ASSERT(found(buf, DT_EMAIL, ENC_BASE64URL, "email") ||
				  expect(buf, DT_EMAIL, ENC_BASE64, "email"));
		}
	}
	b64("correct horse battery", enc, false);
	snprintf(buf, sizeof(buf), "Authorization: X %s\r\n", enc);
	CU_ASSERT(expect(buf, DT_SECRET, ENC_BASE64, "diary"));
	CU_ASSERT(expect("h=333531323334353637383930313234", DT_IMEI, ENC_HEX, "imei"));
	CU_ASSERT(expect("h=6A616E652E646F65406578616D706C652E6F7267", DT_EMAIL, ENC_HEX, "email"));
	hex_digest("sha1", "351234567890124", h, false);
	snprintf(buf, sizeof(buf), "{\"did\":\"%s\"}", h);
	CU_ASSERT(expect(buf, DT_IMEI, ENC_SHA1, "imei"));
	hex_digest("sha1", "351234567890124", h, true);
	h[16] = '\0';
	snprintf(buf, sizeof(buf), "did=%s&", h);
	CU_ASSERT(expect(buf, DT_IMEI, ENC_SHA1, "imei"));
	hex_digest("md5", "jane.doe@example.org", h, false);
	snprintf(buf, sizeof(buf), "em=%s", h);
	CU_ASSERT(expect(buf, DT_EMAIL, ENC_MD5, "email"));
	hex_digest("sha256", "+41791234567", h, false);
	snprintf(buf, sizeof(buf), "ph=%s", h);
	CU_ASSERT(expect(buf, DT_PHONE, ENC_SHA256, "phone"));
	hex_digest("sha256", "02:1A:2B:3C:4D:5E", h, false);
	snprintf(buf, sizeof(buf), "x=%s", h);
	CU_ASSERT(expect(buf, DT_MAC, ENC_SHA256, "wlan0"));
	hex_digest("md5", "5f3c0e9a8b7d4c2e9f1a0b3c4d5e6f70", h, true);
	snprintf(buf, sizeof(buf), "x=%s", h);
	CU_ASSERT(expect(buf, DT_MACHINE_ID, ENC_MD5, "machine_id"));
	b64_digest("sha256", "351234567890124", h, false);
	snprintf(buf, sizeof(buf), "x=%s;", h);
	CU_ASSERT(expect(buf, DT_IMEI, ENC_SHA256_B64, "imei"));
	b64_digest("sha1", "jane.doe@example.org", h, true);
	h[strcspn(h, "=")] = '\0';
	snprintf(buf, sizeof(buf), "x=%s;", h);
	CU_ASSERT(expect(buf, DT_EMAIL, ENC_SHA1_B64, "email"));
	hex_digest("md5", "Tr0ub4dor&3", h, false);
	snprintf(buf, sizeof(buf), "k=%s", h);
	CU_ASSERT(expect(buf, DT_SECRET, ENC_MD5, "bank"));
	CU_ASSERT(expect("r=421098765432153", DT_IMEI, ENC_REVERSED, "imei"));
	CU_ASSERT(expect("r=gro.elpmaxe@eod.enaj", DT_EMAIL, ENC_REVERSED, "email"));
}

static void test_generic(void)
{
	CU_ASSERT(expect("imei=490154203237518", DT_IMEI, ENC_PLAIN, NULL));
	CU_ASSERT(expect("IMEI 49 015420 323751 8.", DT_IMEI, ENC_PLAIN, NULL));
	CU_ASSERT(expect("iccid=89441234567890123454", DT_ICCID, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"imsi\": \"310150123456789\"}", DT_IMSI, ENC_PLAIN, NULL));
	CU_ASSERT(expect("card=4111 1111 1111 1111&exp=12", DT_CARD, ENC_PLAIN, NULL));
	CU_ASSERT(expect("cc: 5500-0000-0000-0004", DT_CARD, ENC_PLAIN, NULL));
	CU_ASSERT(expect("pan=340000000000009", DT_CARD, ENC_PLAIN, NULL));
	CU_ASSERT(expect("ref 12 4111 1111 1111 1111", DT_CARD, ENC_PLAIN, NULL));
	CU_ASSERT(expect("iban=DE89370400440532013000&", DT_IBAN, ENC_PLAIN, NULL));
	CU_ASSERT(expect("IBAN: DE89 3704 0044 0532 0130 00\n", DT_IBAN, ENC_PLAIN, NULL));
	CU_ASSERT(expect("to GB29NWBK60161331926819.", DT_IBAN, ENC_PLAIN, NULL));
	CU_ASSERT(expect("from: bob.smith+news@mail.example.co.uk", DT_EMAIL, ENC_PLAIN, NULL));
	CU_ASSERT(expect("u=bob%40example.com&", DT_EMAIL, ENC_URL, NULL));
	CU_ASSERT(expect("{\"u\":\"bob\\u0040example.com\"}", DT_EMAIL, ENC_JSON, NULL));
	CU_ASSERT(expect("{\"contact\":\"+44 20 7946 0958\"}", DT_PHONE, ENC_PLAIN, NULL));
	CU_ASSERT(expect("tel=020 7946 0958&", DT_PHONE, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"phoneNumber\": \"(212) 555-0147\"}", DT_PHONE, ENC_PLAIN, NULL));
	CU_ASSERT(expect("msisdn=447946095812", DT_PHONE, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"bssid\":\"00:11:22:33:44:55\"}", DT_MAC, ENC_PLAIN, NULL));
	CU_ASSERT(expect("wifi_mac=001122334455&", DT_MAC, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"adid\":\"38400000-8cf0-11bd-b23e-10b96e40000d\"}", DT_AD_ID, ENC_PLAIN, NULL));
	CU_ASSERT(expect("advertisingId=38400000-8CF0-11BD-B23E-10B96E40000D", DT_AD_ID, ENC_PLAIN, NULL));
	CU_ASSERT(expect("X-IDFA: 38400000-8cf0-11bd-b23e-10b96e40000d\r\n", DT_AD_ID, ENC_PLAIN, NULL));
	CU_ASSERT(expect("lat=47.37&lon=8.54", DT_LOCATION, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"latitude\": 47.3769, \"longitude\": 8.5417}", DT_LOCATION, ENC_PLAIN, NULL));
	CU_ASSERT(expect("ll=47.37,8.54&z=3", DT_LOCATION, ENC_PLAIN, NULL));
	CU_ASSERT(expect("lng=-122.4194&lat=37.7749", DT_LOCATION, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"coordinates\":[8.5417,47.3769]}", DT_LOCATION, ENC_PLAIN, NULL));
	/* Latitude and longitude in fields of their own, other fields between. */
	CU_ASSERT(expect("lat=37.97&recipient=nina.weber37@bluewin.ch&lng=-122.30", DT_LOCATION, ENC_PLAIN, NULL));
	/* Compound keys end with the word. */
	CU_ASSERT(expect("subscriberImsi=262075739663748&", DT_IMSI, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"sim_imsi\":\"262075739663748\"}", DT_IMSI, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"wifiMac\":\"AA:05:B2:97:AE:47\"}", DT_MAC, ENC_PLAIN, NULL));
	CU_ASSERT(expect("macAddress=D0-7A-26-D2-81-4F", DT_MAC, ENC_PLAIN, NULL));
	CU_ASSERT(expect("bt_mac=d07a26d2814f;", DT_MAC, ENC_PLAIN, NULL));
	/* An identifier as a host-name label. */
	CU_ASSERT(expect("9w5.490154203237518.lookup.example", DT_IMEI, ENC_PLAIN, NULL));
	CU_ASSERT(expect("jl6.490154203237518.x.example", DT_IMEI, ENC_PLAIN, NULL));
	CU_ASSERT(expect("a.8941039547620075327.7.example", DT_ICCID, ENC_PLAIN, NULL));
	/* IBANs whose account part holds letters, in groups or not, at the end of a field. */
	CU_ASSERT(expect("{\"account\": \"CH9794580VF3A7PWFQ6F0\"}", DT_IBAN, ENC_PLAIN, NULL));
	CU_ASSERT(expect("d=IT95 K383 2364 056A 9G4M K0M4 KNK", DT_IBAN, ENC_PLAIN, NULL));
	CU_ASSERT(expect("GB73QLQI71954061358952", DT_IBAN, ENC_PLAIN, NULL));
	/* Digits with '+' for spaces, as in a form value inside a cookie. */
	CU_ASSERT(expect("Cookie: c=4111+1111+1111+1111; x=1", DT_CARD, ENC_PLAIN, NULL));
	/* A length byte delimits a host name in binary framing, whatever byte follows. */
	CU_ASSERT(expect("\x0epinephone-janes\x00", DT_HOSTNAME, ENC_PLAIN, "hostname"));
	CU_ASSERT(expect("x\x0e" "enaj-enohpenip0\"", DT_HOSTNAME, ENC_REVERSED, "hostname"));
	CU_ASSERT(expect("Authorization: Basic dXNlcjpwYXNzd29yZA==\r\n", DT_CREDENTIAL, ENC_PLAIN, NULL));
	CU_ASSERT(expect("authorization: bearer eyJhbGciOiJIUzI1NiJ9.e30.x\r\n", DT_CREDENTIAL, ENC_PLAIN, NULL));
	CU_ASSERT(expect("user=bob&password=hunter22", DT_CREDENTIAL, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"passwd\": \"s3cr3t!\"}", DT_CREDENTIAL, ENC_PLAIN, NULL));
	CU_ASSERT(expect("client_secret=abcd1234efgh", DT_CREDENTIAL, ENC_PLAIN, NULL));
	CU_ASSERT(expect("{\"api_key\":\"AIzaSyA-1234567\"}", DT_CREDENTIAL, ENC_PLAIN, NULL));
	CU_ASSERT(expect("token=0123456789abcdef", DT_CREDENTIAL, ENC_PLAIN, NULL));
}

static void test_near(void)
{
	struct finding f[MAXF];

	CU_ASSERT(scan_db(db_loc, sc_loc, "price=47.37&qty=8.54", f) == 1 && f[0].type == DT_LOCATION);
	CU_ASSERT(scan_db(db_loc, sc_loc, "[8.5401, 47.3712]", f) == 1 && f[0].type == DT_LOCATION);
	CU_ASSERT(none(db_loc, sc_loc, "price=47.37&qty=9.54"));    /* 75 km away */
	CU_ASSERT(none(db_loc, sc_loc, "price=12.37&qty=8.54"));
	CU_ASSERT(none(db, sc, "price=47.37&qty=8.54"));            /* no location known */
}

/* Latitude and longitude in fields of their own (a multipart request) pair across the break;
 * too far apart they do not. */
static void test_pair(void)
{
	struct detect_stream *st = detect_stream_new(db);
	struct finding f[MAXF];
	char pad[PAD];
	size_t n = 0;

	n += detect_feed(st, sc, (const uint8_t *)"lat=47.3769", 11, 0, f + n, MAXF - n);
	n += detect_break(st, sc, f + n, MAXF - n);
	n += detect_feed(st, sc, (const uint8_t *)"x=1", 3, 0, f + n, MAXF - n);
	n += detect_break(st, sc, f + n, MAXF - n);
	n += detect_feed(st, sc, (const uint8_t *)"lon=8.5417", 10, 0, f + n, MAXF - n);
	n += detect_break(st, sc, f + n, MAXF - n);
	CU_ASSERT(n == 1 && f[0].type == DT_LOCATION && f[0].offset == 4);
	detect_stream_free(st);

	memset(pad, 'x', sizeof(pad));
	st = detect_stream_new(db);
	n = detect_feed(st, sc, (const uint8_t *)"lat=47.3769&", 12, 0, f, MAXF);
	n += detect_feed(st, sc, (const uint8_t *)pad, sizeof(pad), 0, f + n, MAXF - n);
	n += detect_feed(st, sc, (const uint8_t *)"&lon=8.5417&", 12, 0, f + n, MAXF - n);
	n += detect_end(st, sc, f + n, MAXF - n);
	CU_ASSERT(n == 0);
	detect_stream_free(st);
}

/* A value split across two feeds at every point is found once, at its offset. */
/* Findings of type among f[0..n), each checked to sit at offset off; how many. */
static size_t hits_of(const struct finding *f, size_t n, unsigned type, uint64_t off, const char *s, size_t cut)
{
	size_t hits = 0;

	for (size_t i = 0; i < n; i++) {
		if (f[i].type != type)
			continue;
		hits++;
		if (f[i].offset != off)
			fprintf(stderr, "\n  %s cut %zu: offset %llu\n", s, cut, (unsigned long long)f[i].offset);
		CU_ASSERT(f[i].offset == off);
	}
	return hits;
}

static void test_split(void)
{
	static const char *const inputs[] = {
		"GET /?a=1&imei=351234567890124&b=2", "x=490154203237518;", "{\"e\":\"jane.doe@example.org\"}",
		"card 4111 1111 1111 1111 ok", "lat=47.3769&lon=8.5417 ", "z=02:1a:2b:3c:4d:5e ",
		"Authorization: Bearer abcdefghijklmnop123\r\n", "to=+41 79 123 45 67;",
		"a=IT95 K383 2364 056A 9G4M K0M4 KNK&", "h.490154203237518.example",
	};
	static const struct { unsigned type; size_t off; } want[] = {
		{ DT_IMEI, 15 }, { DT_IMEI, 2 }, { DT_EMAIL, 6 }, { DT_CARD, 5 }, { DT_LOCATION, 4 },
		{ DT_MAC, 2 }, { DT_CREDENTIAL, 22 }, { DT_PHONE, 3 }, { DT_IBAN, 2 }, { DT_IMEI, 2 },
	};

	/* An IBAN (and Basic credentials before the colon) stays pending across detect_end: the
	 * rest of the field may still come. */
	static const struct { const char *s; unsigned type; size_t off; } soft[] = {
		{ "a=IT95 K383 2364 056A 9G4M K0M4 KNK&", DT_IBAN, 2 },
		{ "Authorization: Basic bGVhOTQ6QVpteFFCeHdoOWFuZkFmRC54\r\n", DT_CREDENTIAL, 21 },
	};

	for (size_t t = 0; t < sizeof(soft) / sizeof(soft[0]); t++) {
		for (size_t cut = 0; cut <= strlen(soft[t].s); cut++) {
			const char *s = soft[t].s;
			struct detect_stream *st = detect_stream_new(db);
			struct finding f[MAXF];
			size_t n = 0;

			n += detect_feed(st, sc, (const uint8_t *)s, cut, 0, f + n, MAXF - n);
			n += detect_end(st, sc, f + n, MAXF - n);
			n += detect_feed(st, sc, (const uint8_t *)s + cut, strlen(s) - cut, 0, f + n, MAXF - n);
			n += detect_end(st, sc, f + n, MAXF - n);
			n += detect_break(st, sc, f + n, MAXF - n);
			CU_ASSERT(n == 1 && f[0].type == soft[t].type && f[0].offset == soft[t].off);
			detect_stream_free(st);
		}
	}
	for (size_t t = 0; t < sizeof(inputs) / sizeof(inputs[0]); t++) {
		const char *s = inputs[t];
		size_t len = strlen(s);

		for (size_t cut = 0; cut <= len; cut++) {
			struct detect_stream *st = detect_stream_new(db);
			struct finding f[MAXF];
			size_t n = 0, hits;

			n += detect_feed(st, sc, (const uint8_t *)s, cut, 0, f + n, MAXF - n);
			n += detect_feed(st, sc, (const uint8_t *)s + cut, len - cut, 0, f + n, MAXF - n);
			n += detect_break(st, sc, f + n, MAXF - n);
			hits = hits_of(f, n, want[t].type, want[t].off, s, cut);
			if (hits != 1)
				fprintf(stderr, "\n  \"%s\" cut at %zu: %zu hits\n", s, cut, hits);
			CU_ASSERT(hits == 1);
			CU_ASSERT(detect_stream_offset(st) == len);
			detect_stream_free(st);
		}
	}
}

/* The candidates read forward in C (Authorization, at and plus signs, keys): split at every
 * point, with detect_end after each piece as the daemon calls it, found at their offset (the
 * part before the cut may be reported too: detect_end judges it as if the value ended there). */
static void test_split_keys(void)
{
	static const struct { const char *s; unsigned type; size_t off; } in[] = {
		{ "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.xyz\r\n", DT_CREDENTIAL, 22 },
		{ "authorization=\"bearer  aBcdefghijklmnop123\"", DT_CREDENTIAL, 23 },
		{ "u=bob@mail.example.com&", DT_EMAIL, 2 },
		{ "u=bob%40example.com&", DT_EMAIL, 2 },
		{ "x=1&to=+44 20 7946 0958;", DT_PHONE, 7 },
		{ "n=%2B447946095812&", DT_PHONE, 2 },
		{ "{\"mobileNumber\": \"(212) 555-0147\"}", DT_PHONE, 18 },
		{ "a=1&tel=020 7946 0958&", DT_PHONE, 8 },
		{ "{\"geo\":\"47.3769,8.5417\"}", DT_LOCATION, 8 },
		{ "{\"latitude\": 47.3769, \"lng\": 8.5417}", DT_LOCATION, 13 },
	};

	for (size_t t = 0; t < sizeof(in) / sizeof(in[0]); t++) {
		const char *s = in[t].s;
		size_t len = strlen(s);

		for (size_t cut = 0; cut <= len; cut++) {
			struct detect_stream *st = detect_stream_new(db);
			struct finding f[MAXF];
			size_t n = 0, hits;

			n += detect_feed(st, sc, (const uint8_t *)s, cut, 0, f + n, MAXF - n);
			n += detect_end(st, sc, f + n, MAXF - n);
			n += detect_feed(st, sc, (const uint8_t *)s + cut, len - cut, 0, f + n, MAXF - n);
			n += detect_end(st, sc, f + n, MAXF - n);
			n += detect_break(st, sc, f + n, MAXF - n);
			hits = hits_of(f, n, in[t].type, in[t].off, s, cut);
			if (hits < 1 || hits > 2)
				fprintf(stderr, "\n  \"%s\" cut at %zu: %zu hits\n", s, cut, hits);
			CU_ASSERT(hits >= 1 && hits <= 2);
			detect_stream_free(st);
		}
	}
	/* Not a credential, a key or an address: the scheme, the glue or the domain is wrong. */
	CU_ASSERT(none(db, sc, "Authorization: Token abcdefghijklmnop\r\nX-Authorization: Bearer abc\r\n"));
	CU_ASSERT(none(db, sc, "{\"screen\":\"phone\",\"type\":\"mobile\",\"hotel=\":\"0612345678\"}"));
	CU_ASSERT(none(db, sc, "x@y q@example.c @home a+12345678 1+44207946095"));
	CU_ASSERT(none(db, sc, "platform=47.3769&xlon=8.5417 flat:47.37 along=8.54"));
}

/* detect_end judges a number that ends the data so far; more digits make it another number. */
static void test_end(void)
{
	struct detect_stream *st = detect_stream_new(db);
	struct finding f[MAXF];
	const char *a = "imei=490154203237518";

	CU_ASSERT(detect_feed(st, sc, (const uint8_t *)a, strlen(a), 0, f, MAXF) == 0);
	CU_ASSERT(detect_end(st, sc, f, MAXF) == 1 && f[0].type == DT_IMEI && f[0].offset == 5);
	CU_ASSERT(detect_end(st, sc, f, MAXF) == 0);
	detect_stream_free(st);

	/* Without detect_end, the 16th digit decides: not an IMEI. */
	st = detect_stream_new(db);
	CU_ASSERT(detect_feed(st, sc, (const uint8_t *)a, strlen(a), 0, f, MAXF) == 0);
	CU_ASSERT(detect_feed(st, sc, (const uint8_t *)"7&", 2, 0, f, MAXF) == 0);
	CU_ASSERT(detect_end(st, sc, f, MAXF) == 0);
	detect_stream_free(st);

	/* A non-digit next decides without detect_end. */
	st = detect_stream_new(db);
	CU_ASSERT(detect_feed(st, sc, (const uint8_t *)a, strlen(a), 0, f, MAXF) == 0);
	CU_ASSERT(detect_feed(st, sc, (const uint8_t *)"&", 1, 0, f, MAXF) == 1 && f[0].type == DT_IMEI);
	detect_stream_free(st);

	/* An e-mail address that may go on (".or" of ".org") waits too. */
	st = detect_stream_new(db);
	CU_ASSERT(detect_feed(st, sc, (const uint8_t *)"u=bob@example.or", 16, 0, f, MAXF) == 0);
	CU_ASSERT(detect_feed(st, sc, (const uint8_t *)"g&", 2, 0, f, MAXF) == 1 && f[0].type == DT_EMAIL);
	detect_stream_free(st);
}

/* Escaped bytes make a plain match URL or JSON. */
static void test_escapes(void)
{
	static const struct { unsigned esc, enc; } k[] = { { DEC_ESC_URL, ENC_URL }, { DEC_ESC_JSON, ENC_JSON } };

	for (size_t i = 0; i < 2; i++) {
		struct detect_stream *st = detect_stream_new(db);
		struct finding f[MAXF];
		size_t n = 0;

		n += detect_feed(st, sc, (const uint8_t *)"email=jane.doe", 14, 0, f + n, MAXF - n);
		n += detect_feed(st, sc, (const uint8_t *)"@", 1, k[i].esc, f + n, MAXF - n);
		n += detect_feed(st, sc, (const uint8_t *)"example.org&x=1", 15, 0, f + n, MAXF - n);
		n += detect_feed(st, sc, (const uint8_t *)"&m=bob", 6, 0, f + n, MAXF - n);
		n += detect_feed(st, sc, (const uint8_t *)"@", 1, k[i].esc, f + n, MAXF - n);
		n += detect_feed(st, sc, (const uint8_t *)"example.com", 11, 0, f + n, MAXF - n);
		n += detect_end(st, sc, f + n, MAXF - n);
		CU_ASSERT(n == 2);
		CU_ASSERT(n >= 1 && f[0].type == DT_EMAIL && f[0].enc == k[i].enc && f[0].offset == 6);
		CU_ASSERT(n >= 2 && f[1].type == DT_EMAIL && f[1].enc == k[i].enc && f[1].label == FINDING_NO_LABEL);
		detect_stream_free(st);
	}
	/* An escape elsewhere in the stream does not. */
	{
		struct detect_stream *st = detect_stream_new(db);
		struct finding f[MAXF];
		size_t n = 0;

		n += detect_feed(st, sc, (const uint8_t *)"q=a b", 5, DEC_ESC_URL, f + n, MAXF - n);
		n += detect_feed(st, sc, (const uint8_t *)"&imei=351234567890124&", 22, 0, f + n, MAXF - n);
		CU_ASSERT(n == 1 && f[0].enc == ENC_PLAIN);
		detect_stream_free(st);
	}
}

static void test_dedupe_break_max(void)
{
	struct detect_stream *st = detect_stream_new(db);
	struct finding f[MAXF];
	const char *s = "imei=351234567890124&again=351234567890124&h=35-123456-789012-4;";
	size_t n;

	n = detect_feed(st, sc, (const uint8_t *)s, strlen(s), 0, f, MAXF);
	n += detect_feed(st, sc, (const uint8_t *)s, strlen(s), 0, f + n, MAXF - n);
	CU_ASSERT(n == 1);
	/* No value joins across a break. */
	n = detect_feed(st, sc, (const uint8_t *)"x=4901542032", 12, 0, f, MAXF);
	n += detect_break(st, sc, f + n, MAXF - n);
	n += detect_feed(st, sc, (const uint8_t *)"37518&", 6, 0, f + n, MAXF - n);
	n += detect_end(st, sc, f + n, MAXF - n);
	CU_ASSERT(n == 0);
	detect_stream_free(st);

	/* Room for one finding: one is reported, the others come when seen again. */
	st = detect_stream_new(db);
	s = "imei=490154203237518&e=bob@example.com&card=4111111111111111&";
	n = detect_feed(st, sc, (const uint8_t *)s, strlen(s), 0, f, 1);
	CU_ASSERT(n == 1);
	n = detect_feed(st, sc, (const uint8_t *)s, strlen(s), 0, f, MAXF);
	CU_ASSERT(n == 2);
	CU_ASSERT(detect_feed(st, sc, (const uint8_t *)s, 0, 0, f, MAXF) == 0);
	detect_stream_free(st);
}

static void test_negatives(void)
{
	static const char *const neg[] = {
		"id=351234567890125&n=4111111111111112",                /* Luhn fails */
		"request_id=38400000-8cf0-11bd-b23e-10b96e40000d",
		"X-Request-ID: 38400000-8cf0-11bd-b23e-10b96e40000d\r\n",
		"{\"id\": \"38400000-8cf0-11bd-b23e-10b96e40000d\"}",
		"{\"ts\":1732871234567,\"t\":1732871234}",
		"v=1.2.3.4&os=v10.0.19045&ua=Chrome/120.0.6099.199",
		"commit 3f786850e387550fdab836ed7e6dc881de23001b",
		"md5=9e107d9d372bb6826bd81d3542a419d6&sha256=d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
		"blob=U29tZSByYW5kb20gYmFzZTY0IGRhdGEgdGhhdCBtZWFucyBub3RoaW5nIGF0IGFsbA==",
		"price=47.37&qty=8.54",
		"The quick brown fox jumps over the lazy dog; results 1 to 10 of 4,210.",
		"q=best+coffee+near+me&page=2&num=20",
		".btn{margin:0 4px;color:#1a2b3c}@media (max-width:600px){a{x:1}}",
		"function f(a){return a.lat+a.lng*2;} var t = x.token; if(pass) return;",
		"<img src=\"image@2x.png\"> <link href=\"icon@3x.jpg\">",
		"order=0612345678&ref=0441234567",
		"GET / HTTP/1.1\r\nHost: 192.168.100.200\r\nX-Forwarded-For: 10.0.0.1, 172.16.254.1\r\n",
		"date=2024-11-29&time=12:30:45&d=29.11.2024",
		"{\"password\": \"\", \"pwd\": null, \"secret\": \"********\", \"token\": \"short\"}",
		"Authorization: Bearer undefined\r\n",
		"ll=all&loc=null&lat=north",
		"lat=-19.2&lon=155.3", "{\"lat\":47.3,\"lng\":8.5}", "ll=47.3,8.5",  /* one decimal */
		"lat=91.37&lon=8.54", "lat=47.37&q=x", "lon=8.54&z=1",
		"subscriberImsi=262075739663&", "sim_imsi=999075739663748",
		"machine=d07a26d2814f&macro=d07a26d2814f&hmac=d07a26d2814f0011",
		"v=0.490154203237518&x=5.490154203237518",              /* decimals, not labels */
		"CH4036426A48U8800DDAA", "IT46P52772040561SPQ0U2BC7FV",  /* mod 97 */
		"XGB73QLQI71954061358952", "GB73QLQI71954061358952X",    /* longer tokens */
		"GB73QLQI719540613589 52", "GB73 QLQI 7195 406135 8952", "GB73 QLQI 7195  4061 3589 52",
		"{\"account\":\"GB89TQZJ38583102341881\"}",            /* digits glued to letters */
		"\x0dpinephone-janes", "\x0fpinephone-janes",
		"\x0cicon@2x.webpF\x00\x06search", "icon@3x.jpgV", "a=logo@1.5x.png",
		"mac=00:00:00:00:00:00&adid=00000000-0000-0000-0000-000000000000",
		"iban=DE89370400440532013001",
		"pinephone-janex and xpinephone-jane",
		"sid=57eab0b7870fbf5c; _ga=GA1.2.255822760.1023929154",
		"n=+0041&x=+1.5e+10",
	};

	for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++)
		CU_ASSERT(none(db, sc, neg[i]));
}

/* Masks carry no value: not the canonical form, nor a long part of the matched bytes. */
static void test_masks(void)
{
	static const char *const pos[] = {
		"imei=351234567890124&", "e=jane.doe@example.org&", "p=+41791234567&", "s=Tr0ub4dor&3&",
		"card=4111111111111111&", "iban=DE89370400440532013000&", "lat=47.3769&lon=8.5417&",
		"password=hunter22&", "Authorization: Basic dXNlcjpwYXNzd29yZA==\r\n", "m=02:1a:2b:3c:4d:5e ",
		"e=bob.smith@mail.example.com ",
	};

	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		struct finding f[MAXF];
		size_t n = scan(pos[i], f);

		CU_ASSERT(n >= 1);
		for (size_t j = 0; j < n; j++) {
			const char *m = f[j].mask;

			CU_ASSERT(memchr(m, '\0', FINDING_MASK_MAX) != NULL);
			/* A credential's mask names its key ("password:"), never the value. */
			if (f[j].type == DT_CREDENTIAL) {
				CU_ASSERT_FATAL(strchr(m, ':') != NULL);
				m = strchr(m, ':') + 1;
			}
			CU_ASSERT(strstr(m, "\xe2\x80\xa2") != NULL);
			/* No 5 consecutive characters of the input survive. */
			for (size_t k = 0; m[k] && m[k + 1] && m[k + 2] && m[k + 3] && m[k + 4]; k++) {
				char part[6];

				memcpy(part, m + k, 5);
				part[5] = '\0';
				if (!strstr(part, "\xe2"))
					CU_ASSERT(strstr(pos[i], part) == NULL);
			}
			if (f[j].type == DT_SECRET || f[j].type == DT_LOCATION || f[j].type == DT_CREDENTIAL)
				CU_ASSERT(!strcmp(m, "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"));
		}
	}
	{
		struct finding f[MAXF];

		CU_ASSERT(scan("imei=351234567890124&", f) == 1);
		CU_ASSERT(!strcmp(f[0].mask, "35\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"
					     "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" "124"));
		/* An encoded known value shows its canonical form masked. */
		CU_ASSERT(scan("r=421098765432153&", f) == 1 && !strncmp(f[0].mask, "35", 2));
	}
}

/* Every prefix of every seed, fed byte-split, in exact-size buffers (ASan). */
static void test_truncations(void)
{
	static const char *const seeds[] = {
		"GET /a?imei=351234567890124&e=jane.doe%40example.org&lat=47.37&lon=8.54 HTTP/1.1\r\n",
		"{\"adid\":\"38400000-8cf0-11bd-b23e-10b96e40000d\",\"phone\":\"+41 79 123 45 67\"}",
		"Authorization: Basic dXNlcjpwYXNzd29yZA==\r\nX: DE89 3704 0044 0532 0130 00\r\n",
		"card=4111-1111-1111-1111&password=x&token=abcdefgh12&mac=02:1a:2b:3c:4d:5e",
		"\\u006a\\u0061\\u006e\\u0065\\u002e\\u0064\\u006f\\u0065\\u0040\\u0065",
		"ll=47.37,8.54&geo=1.5,2.5&imsi=228011234567890&iccid=8941011234567890123",
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		size_t len = strlen(seeds[i]);

		for (size_t n = 0; n <= len; n++) {
			uint8_t *b = malloc(n ? n : 1);
			struct detect_stream *st = detect_stream_new(db_loc);
			struct finding f[4];
			size_t k = 0;

			memcpy(b, seeds[i], n);
			for (size_t j = 0; j < n; j += 7) {
				size_t m = n - j < 7 ? n - j : 7;

				k += detect_feed(st, sc_loc, b + j, m, (j / 7) % 3, f, 4);
				if (j % 3 == 0)
					k += detect_end(st, sc_loc, f, 4);
				if (j % 35 == 0)
					k += detect_break(st, sc_loc, f, 4);
			}
			k += detect_end(st, sc_loc, f, 4);
			CU_ASSERT(detect_stream_offset(st) == n);
			detect_stream_free(st);
			free(b);
			(void)k;
		}
	}
}

/* The same findings from a database that went through bytes; broken bytes are refused. */
static void test_serialize(void)
{
	static const char *const inputs[] = {
		"GET /a?imei=351234567890124&e=jane.doe%40example.org&lat=47.3769&lon=8.5417 HTTP/1.1\r\n",
		"{\"adid\":\"38400000-8cf0-11bd-b23e-10b96e40000d\",\"phone\":\"+41 79 123 45 67\"}",
		"Authorization: Basic dXNlcjpwYXNzd29yZA==\r\nX: DE89 3704 0044 0532 0130 00\r\n",
		"card=4111-1111-1111-1111&password=x&token=abcdefgh12&mac=02:1a:2b:3c:4d:5e",
		"h=pinephone-jane&s=Tr0ub4dor%263&m=5f3c0e9a-8b7d-4c2e-9f1a-0b3c4d5e6f70 8941011234567890123",
		"geo=47.38,8.55 near 47.40;8.50 sid=0041791234567 x=228011234567890",
	};
	struct detect_db *dbs[] = { db, db_loc };
	char err[256];

	for (size_t d = 0; d < 2; d++) {
		struct detect_db *copy;
		struct detect_scratch *x;
		char *buf = NULL, *bad;
		size_t len = 0;

		CU_ASSERT_FATAL(detect_db_serialize(dbs[d], &buf, &len) == 0);
		CU_ASSERT_FATAL(buf != NULL && len > 64);
		copy = detect_db_deserialize(buf, len, err, sizeof(err));
		CU_ASSERT_FATAL(copy != NULL);
		CU_ASSERT(detect_db_patterns(copy) == detect_db_patterns(dbs[d]));
		CU_ASSERT(detect_db_stream_size(copy) == detect_db_stream_size(dbs[d]));
		for (unsigned i = 0; i <= N_KNOWN; i++) {
			const char *a = detect_db_label(dbs[d], i), *b = detect_db_label(copy, i);

			CU_ASSERT(a == b || (a && b && !strcmp(a, b)));
		}
		x = detect_scratch_new(copy);
		CU_ASSERT_FATAL(x != NULL);
		for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
			struct finding f1[MAXF], f2[MAXF];
			size_t n1 = scan_db(dbs[d], d ? sc_loc : sc, inputs[i], f1);
			size_t n2 = scan_db(copy, x, inputs[i], f2);

			CU_ASSERT(n1 > 0);
			CU_ASSERT(n1 == n2);
			for (size_t k = 0; k < n1 && n1 == n2; k++)
				CU_ASSERT(f1[k].offset == f2[k].offset && f1[k].label == f2[k].label &&
					  f1[k].type == f2[k].type && f1[k].enc == f2[k].enc &&
					  !strcmp(f1[k].mask, f2[k].mask));
		}
		detect_scratch_free(x);
		detect_db_free(copy);

		/* Every truncation, and a flipped bit at every offset: refused, never a crash. Copies of
		 * exactly the bytes given, so ASan sees any read past them. */
		for (size_t n = 0; n < len; n += n < 256 ? 1 : 97) {
			bad = malloc(n ? n : 1);
			memcpy(bad, buf, n);
			err[0] = '\0';
			CU_ASSERT(detect_db_deserialize(bad, n, err, sizeof(err)) == NULL);
			CU_ASSERT(err[0] != '\0');
			free(bad);
		}
		bad = malloc(len);
		for (size_t o = 0; o < len; o += o < 512 ? 1 : 61) {
			memcpy(bad, buf, len);
			bad[o] ^= (char)(1u << (o % 8));
			copy = detect_db_deserialize(bad, len, err, sizeof(err));
			CU_ASSERT(copy == NULL);
			detect_db_free(copy);
		}
		free(bad);
		CU_ASSERT(detect_db_deserialize(NULL, 0, err, sizeof(err)) == NULL);
		CU_ASSERT(detect_db_deserialize("privfwDB", 8, err, sizeof(err)) == NULL);
		free(buf);
	}
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "database", test_db },
		{ "known values, plain", test_known_plain },
		{ "known values, encoded", test_known_encoded },
		{ "generic detectors", test_generic },
		{ "near the known location", test_near },
		{ "latitude and longitude apart", test_pair },
		{ "split at every point", test_split },
		{ "forward candidates split", test_split_keys },
		{ "detect_end", test_end },
		{ "escaped bytes", test_escapes },
		{ "dedupe, break, room", test_dedupe_break_max },
		{ "negatives", test_negatives },
		{ "masks", test_masks },
		{ "truncations", test_truncations },
		{ "serialized database", test_serialize },
		{ NULL, NULL },
	};
	struct detect_config c = { .known = known, .n_known = N_KNOWN };
	char err[256];
	int r;

	db = detect_db_new(&c, err, sizeof(err));
	c.have_location = true;
	c.lat = 47.3769;
	c.lon = 8.5417;
	db_loc = detect_db_new(&c, err, sizeof(err));
	if (!db || !db_loc) {
		fprintf(stderr, "test_detect: %s\n", err);
		return 2;
	}
	sc = detect_scratch_new(db);
	sc_loc = detect_scratch_new(db_loc);
	r = unit_run("detect", cases);
	detect_scratch_free(sc);
	detect_scratch_free(sc_loc);
	detect_db_free(db);
	detect_db_free(db_loc);
	return r;
}
