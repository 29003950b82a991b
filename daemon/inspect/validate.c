/* validate: checksums, structure and range checks that confirm detector candidates. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "validate.h"





/* c is one of set (NUL is not). */
static bool in(const char *set, int c)
{
	return c > 0 && strchr(set, c);
}

static bool all_digits(const char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(d[i]))
			return false;
	return n > 0;
}

/* One digit repeated is a placeholder, not an identifier. */
static bool one_digit(const char *d, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (d[i] != d[0])
			return false;
	return true;
}

static unsigned num(const char *d, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(d[i] - '0');
	return v;
}

bool validate_luhn(const char *d, size_t n)
{
	unsigned sum = 0;

	if (!all_digits(d, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned v = (unsigned)(d[n - 1 - i] - '0');

		if (i & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

bool validate_imei(const char *d, size_t n)
{
	/* Reporting bodies that allocate type allocation codes (GSMA TS.06). */
	static const char rbi[][3] = { "01", "10", "30", "33", "35", "44", "45", "49", "50", "51",
				       "52", "53", "54", "86", "91", "98", "99" };
	bool ok = false;

	if (n != 15 || !all_digits(d, n) || one_digit(d, n))
		return false;
	for (size_t i = 0; i < sizeof(rbi) / sizeof(rbi[0]); i++)
		ok |= d[0] == rbi[i][0] && d[1] == rbi[i][1];
	return ok && validate_luhn(d, n);
}

bool validate_iccid(const char *d, size_t n)
{
	return (n == 19 || n == 20) && d[0] == '8' && d[1] == '9' && validate_luhn(d, n);
}

bool validate_imsi(const char *d, size_t n)
{
	unsigned mcc;

	if ((n != 14 && n != 15) || !all_digits(d, n) || one_digit(d + 3, n - 3))
		return false;
	mcc = num(d, 3);
	/* Geographic MCCs are 2xx-7xx; 901 is the international range. */
	return (mcc >= 202 && mcc <= 750) || mcc == 901;
}

bool validate_card(const char *d, size_t n)
{
	unsigned p2, p3, p4;
	bool ok = false;

	/* Issuers start with 2 to 6: most numbers (timestamps, ids) fail here, before Luhn. */
	if (n < 13 || n > 19 || d[0] < '2' || d[0] > '6' || !all_digits(d, n) || one_digit(d, n))
		return false;
	p2 = num(d, 2);
	p3 = num(d, 3);
	p4 = num(d, 4);
	switch (d[0]) {
	case '4': /* Visa */
		ok = n == 13 || n == 16 || n == 19;
		break;
	case '2': /* Mastercard 2-series */
		ok = p4 >= 2221 && p4 <= 2720 && n == 16;
		break;
	case '5': /* Mastercard */
		ok = p2 >= 51 && p2 <= 55 && n == 16;
		break;
	case '3':
		if (p2 == 34 || p2 == 37) /* Amex */
			ok = n == 15;
		else if (p4 >= 3528 && p4 <= 3589) /* JCB */
			ok = n >= 16;
		else if (p2 == 36 || p2 == 38 || (p3 >= 300 && p3 <= 305)) /* Diners */
			ok = n == 14;
		break;
	case '6':
		if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) /* Discover */
			ok = n >= 16;
		else if (p2 == 62) /* UnionPay, Maestro */
			ok = n >= 16;
		break;
	}
	return ok && validate_luhn(d, n);
}

/* IBAN lengths by country (SWIFT IBAN registry). */
static const struct {
	char cc[3];
	uint8_t len;
} iban_len[] = {
	{ "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 }, { "BA", 20 }, { "BE", 16 },
	{ "BG", 22 }, { "BH", 22 }, { "BI", 27 }, { "BR", 29 }, { "BY", 28 }, { "CH", 21 }, { "CR", 22 },
	{ "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DJ", 27 }, { "DK", 18 }, { "DO", 28 }, { "EE", 20 },
	{ "EG", 29 }, { "ES", 24 }, { "FI", 18 }, { "FK", 18 }, { "FO", 18 }, { "FR", 27 }, { "GB", 22 },
	{ "GE", 22 }, { "GI", 23 }, { "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HN", 28 }, { "HR", 21 },
	{ "HU", 28 }, { "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 }, { "IT", 27 }, { "JO", 30 },
	{ "KW", 30 }, { "KZ", 20 }, { "LB", 28 }, { "LC", 32 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 },
	{ "LV", 21 }, { "LY", 25 }, { "MC", 27 }, { "MD", 24 }, { "ME", 22 }, { "MK", 19 }, { "MN", 20 },
	{ "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 }, { "NL", 18 }, { "NO", 15 }, { "OM", 23 },
	{ "PK", 24 }, { "PL", 28 }, { "PS", 29 }, { "PT", 25 }, { "QA", 29 }, { "RO", 24 }, { "RS", 22 },
	{ "RU", 33 }, { "SA", 24 }, { "SC", 31 }, { "SD", 18 }, { "SE", 24 }, { "SI", 19 }, { "SK", 24 },
	{ "SM", 27 }, { "SO", 23 }, { "ST", 25 }, { "SV", 28 }, { "TL", 23 }, { "TN", 24 }, { "TR", 26 },
	{ "UA", 29 }, { "VA", 22 }, { "VG", 24 }, { "XK", 20 }, { "YE", 30 },
};

size_t validate_iban_len(const char cc[2])
{
	for (size_t i = 0; i < sizeof(iban_len) / sizeof(iban_len[0]); i++)
		if (cc[0] == iban_len[i].cc[0] && cc[1] == iban_len[i].cc[1])
			return iban_len[i].len;
	return 0;
}

bool validate_iban(const char *s, size_t n)
{
	char c[34];
	size_t len = 0, want = 0;
	unsigned rem = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' && i % 5 == 4)
			continue;  /* groups of four */
		if (!is_alnum(s[i]) || len == sizeof(c))
			return false;
		c[len++] = (char)(is_alpha(s[i]) ? s[i] & ~0x20 : s[i]);
	}
	if (len < 15 || !is_alpha(c[0]) || !is_alpha(c[1]) || !is_digit(c[2]) || !is_digit(c[3]))
		return false;
	for (size_t i = 0; i < sizeof(iban_len) / sizeof(iban_len[0]); i++)
		if (c[0] == iban_len[i].cc[0] && c[1] == iban_len[i].cc[1])
			want = iban_len[i].len;
	if (len != want)
		return false;
	/* mod 97 of the number with the first four characters moved to the end and A=10..Z=35. */
	for (size_t k = 0; k < len; k++) {
		char ch = c[(k + 4) % len];

		if (is_digit(ch))
			rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
	}
	return rem == 1;
}

bool validate_tld(const char *s, size_t n)
{
	/* File extensions that follow an '@' in asset names (icon@2x.png, bundle@1.0.min.js). */
	static const char *const ext[] = {
		"png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "avif", "heic",
		"css", "js", "mjs", "cjs", "map", "json", "xml", "html", "htm", "xhtml", "php", "asp",
		"aspx", "jsp", "txt", "pdf", "zip", "gz", "tgz", "mp3", "mp4", "m4a", "wav", "ogg", "webm",
		"mov", "avi", "woff", "ttf", "otf", "eot", "apk", "dll", "exe", "bin", "dat", "csv",
		"ts", "tsx", "jsx", "vue", "scss", "sass", "less", "yml", "yaml", "lock", "log", "wasm",
	};
	size_t i = n;

	while (i > 0 && s[i - 1] != '.')
		i--;
	s += i;
	n -= i;
	if (n < 2 || n > 24)
		return false;
	for (i = 0; i < n; i++)
		if (!is_alpha(s[i]) || (i && s[i - 1] >= 'a' && s[i] <= 'Z'))
			return false;  /* a letter, and no "webpF": a name glued to the next field */
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strlen(ext[i]) == n && !strncasecmp(ext[i], s, n))
			return false;
	return true;
}

bool validate_email(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t ln, dn, label = 0, dots = 0;
	const char *d;

	if (!at)
		return false;
	ln = (size_t)(at - s);
	d = at + 1;
	dn = n - ln - 1;
	if (ln < 1 || ln > 64 || dn < 4 || dn > 253 || s[0] == '.' || s[ln - 1] == '.')
		return false;
	for (size_t i = 0; i < ln; i++) {
		char c = s[i];

		if (!is_alnum(c) && !in("._%+-", c))
			return false;
		if (c == '.' && s[i + 1] == '.')
			return false;
	}
	for (size_t i = 0; i <= dn; i++) {
		if (i == dn || d[i] == '.') {
			if (label < 1 || label > 63 || d[i - 1] == '-' || d[i - label] == '-')
				return false;
			label = 0;
			dots += i < dn;
			continue;
		}
		if (!is_alnum(d[i]) && d[i] != '-')
			return false;
		label++;
	}
	/* An asset's scale (icon@2x.png, logo@1.5x.webp) is no mail domain. */
	for (label = 0; label < dn && (is_digit(d[label]) || d[label] == '.'); label++)
		;
	if (label && label < dn && (d[label] | 0x20) == 'x' && label + 1 < dn && d[label + 1] == '.')
		return false;
	return dots >= 1 && validate_tld(d, dn);
}

size_t validate_cc_len(const char *d, size_t n)
{
	/* Two-digit codes; every other code starting 2-6, 8 or 9 has three digits. */
	static const char two[][3] = {
		"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
		"46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61",
		"62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94",
		"95", "98",
	};
	/* Unassigned three-digit codes and blocks. */
	static const char none[][4] = { "210", "214", "215", "217", "219", "259", "292", "293", "294",
					"295", "296", "384", "422", "424", "425", "426", "427", "428",
					"429", "693", "694", "695", "696", "697", "698", "699", "801",
					"802", "803", "804", "805", "806", "807", "809", "851", "854",
					"857", "858", "859", "871", "872", "873", "874", "875", "876",
					"877", "879", "969", "990", "997", "999" };

	if (n < 3 || !all_digits(d, 3) || d[0] == '0')
		return 0;
	if (d[0] == '1' || d[0] == '7')
		return 1;
	for (size_t i = 0; i < sizeof(two) / sizeof(two[0]); i++)
		if (d[0] == two[i][0] && d[1] == two[i][1])
			return 2;
	if ((d[0] == '2' && d[1] == '8') || (d[0] == '8' && (d[1] == '3' || d[1] == '9')))
		return 0;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (!memcmp(d, none[i], 3))
			return 0;
	return 3;
}

bool validate_e164(const char *d, size_t n)
{
	size_t cc;

	if (n < 8 || n > 15 || !all_digits(d, n))
		return false;
	cc = validate_cc_len(d, n);
	return cc && !one_digit(d + cc, n - cc);
}

bool validate_phone(const char *s, size_t n)
{
	char d[24];
	size_t nd = 0, seps = 0;
	bool plus = false;

	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			if (nd == sizeof(d))
				return false;
			d[nd++] = s[i];
			seps = 0;
		} else if (s[i] == '+' && i == 0) {
			plus = true;
		} else if (in(" .-()/", s[i]) && ++seps <= 2) {
			continue;
		} else {
			return false;
		}
	}
	if (plus)
		return validate_e164(d, nd);
	if (nd > 2 && d[0] == '0' && d[1] == '0')
		return validate_e164(d + 2, nd - 2);
	if (nd < 7 || nd > 12 || one_digit(d, nd))
		return false;
	/* A 10-digit number starting with 1 is a Unix time; no national plan starts that way. */
	return !(nd == 10 && d[0] == '1');
}

bool validate_decimal(const char *s, size_t n, double *v, unsigned *decimals)
{
	size_t i = 0, ip = 0, fp = 0;
	double x = 0, scale = 1;
	bool neg = false;

	if (i < n && s[i] == '-')
		neg = true, i++;
	for (; i < n && is_digit(s[i]); i++, ip++)
		x = x * 10 + (s[i] - '0');
	if (!ip || ip > 3 || i >= n || s[i] != '.')
		return false;
	for (i++; i < n && is_digit(s[i]); i++, fp++)
		if (fp < 15)
			x += (s[i] - '0') * (scale /= 10);
	if (i != n || !fp)
		return false;
	*v = neg ? -x : x;
	*decimals = (unsigned)fp;
	return true;
}

bool validate_coord_text(const char *s, size_t n, double *v)
{
	unsigned dec;

	return validate_decimal(s, n, v, &dec) && dec >= 2 && fabs(*v) <= 180;
}

bool validate_coord(double lat, double lon)
{
	if (fabs(lat) > 90 || fabs(lon) > 180)
		return false;
	return fabs(lat) >= 0.01 || fabs(lon) >= 0.01;
}

double validate_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double r = 6371.0, rad = M_PI / 180;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	return 2 * r * asin(sqrt(a > 1 ? 1 : a));
}

bool validate_uuid(const char *s, size_t n)
{
	bool zero = true;

	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (hexval(s[i]) < 0) {
			return false;
		} else if (s[i] != '0') {
			zero = false;
		}
	}
	return !zero;
}

bool validate_mac(const char *s, size_t n, uint8_t out[6])
{
	size_t step;
	unsigned ones = 0, zeros = 0;

	if (n == 12)
		step = 2;
	else if (n == 17 && (s[2] == ':' || s[2] == '-'))
		step = 3;
	else
		return false;
	for (size_t i = 0; i < 6; i++) {
		const char *p = s + i * step;
		int h = hexval(p[0]), l = hexval(p[1]);

		if (h < 0 || l < 0 || (step == 3 && i < 5 && p[2] != s[2]))
			return false;
		out[i] = (uint8_t)(h << 4 | l);
		ones += out[i] == 0xff;
		zeros += out[i] == 0;
	}
	return ones < 6 && zeros < 6;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (is_digit(c))
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

bool validate_basic(const char *s, size_t n)
{
	unsigned acc = 0, bits = 0;
	size_t out = 0;

	for (size_t i = 0; i < n && s[i] != '='; i++) {
		int v = b64val(s[i]);

		if (v < 0)
			return false;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			uint8_t c = (uint8_t)(acc >> (bits - 8));

			bits -= 8;
			if (c == ':')
				return out > 0;
			if (c < 0x20 || c == 0x7f)
				return false;
			out++;
		}
	}
	return false;
}

bool validate_secret_value(const char *s, size_t n)
{
	static const char *const none[] = { "null", "nil", "none", "undefined", "true", "false",
					    "redacted", "hidden", "password", "secret", "xxx" };
	bool masked = true;

	if (!n)
		return false;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (strlen(none[i]) == n && !strncasecmp(none[i], s, n))
			return false;
	/* Template placeholders: {{token}}, ${TOKEN}, <%= x %>, [REDACTED], %s. */
	if (n >= 2 && in("{$<[%", s[0]) && in("{<%(sR", s[1]))
		return false;
	for (size_t i = 0; i < n && masked; i++)
		if (!in("*x.\xe2\x80\xa2", s[i]))
			masked = false;
	return !masked;
}
