/* libFuzzer target for the detector engine: any bytes, split where the first byte says, fed in
 * pieces with escapes, breaks and ends; findings must stay inside the stream and be masked. The
 * database scanned with is one that went through detect_db_serialize and back, the way privfwd
 * receives it, and the input is also offered to detect_db_deserialize, raw and spliced into a
 * real database, which must refuse it without a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define MAXF 8

static const struct known_value known[] = {
	{ DT_IMEI, "imei", "351234567890124" },
	{ DT_PHONE, "phone", "+41 79 123 45 67" },
	{ DT_EMAIL, "email", "jane.doe@example.org" },
	{ DT_MAC, "wlan0", "02:1a:2b:3c:4d:5e" },
	{ DT_HOSTNAME, "hostname", "pinephone" },
	{ DT_SECRET, "pin", "Tr0ub4dor&3" },
	{ DT_SECRET, "short", "1234" },
};

static struct detect_db *db;
static struct detect_scratch *sc;
static char *ser;
static size_t ser_len;

static void check(const struct finding *f, size_t got, size_t max, uint64_t end)
{
	if (got > max)
		abort();
	for (size_t i = 0; i < got; i++) {
		if (f[i].offset >= end || f[i].type >= DT_COUNT || f[i].enc >= ENC_COUNT)
			abort();
		if (!memchr(f[i].mask, '\0', FINDING_MASK_MAX))
			abort();
		if (f[i].label != FINDING_NO_LABEL && !detect_db_label(db, f[i].label))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct detect_stream *s;
	struct finding f[MAXF];
	size_t cut, got, off = 0;
	uint8_t ctl;

	if (!db) {
		struct detect_config c = { .known = known, .n_known = sizeof(known) / sizeof(known[0]),
					   .have_location = true, .lat = 47.3769, .lon = 8.5417 };
		char err[256];
		struct detect_db *fresh = detect_db_new(&c, err, sizeof(err));

		if (!fresh || detect_db_serialize(fresh, &ser, &ser_len) < 0)
			abort();
		detect_db_free(fresh);
		db = detect_db_deserialize(ser, ser_len, err, sizeof(err));
		sc = db ? detect_scratch_new(db) : NULL;
		if (!sc)
			abort();
	}
	{
		char err[64];
		size_t at = n ? d[0] * (ser_len / 256) : 0;
		struct detect_db *x = detect_db_deserialize((const char *)d, n, err, sizeof(err));

		detect_db_free(x);
		/* The input over a real database's bytes from a point the first byte picks; one input
		 * in 16, as checking a whole database is slow next to scanning a few bytes. */
		if (n && at < ser_len && n % 16 == 0) {
			char *b = malloc(ser_len);

			if (!b)
				abort();
			memcpy(b, ser, ser_len);
			memcpy(b + at, d, n < ser_len - at ? n : ser_len - at);
			x = detect_db_deserialize(b, ser_len, err, sizeof(err));
			detect_db_free(x);
			free(b);
		}
	}
	if (n < 1)
		return 0;
	ctl = d[0];
	d++;
	n--;
	if (!(s = detect_stream_new(db)))
		return 0;
	/* Pieces of the size the control byte says; each boundary may be a break or an end, and
	 * every other piece comes from an escape. */
	cut = (size_t)(ctl & 0x3f) + 1;
	while (off < n) {
		size_t len = n - off < cut ? n - off : cut;
		size_t room = 1 + (off & 7);
		unsigned esc = (ctl & 0x40) && (off / cut) % 2 ? DEC_ESC_URL + ((off / cut) & 2) / 2 : 0;

		got = detect_feed(s, sc, d + off, len, esc, f, room);
		off += len;
		check(f, got, room, off);
		if (detect_stream_offset(s) != off)
			abort();
		if (ctl & 0x80) {
			got = detect_end(s, sc, f, MAXF);
			check(f, got, MAXF, off);
		}
		if (len && d[off - 1] == '\n') {
			got = detect_break(s, sc, f, MAXF);
			check(f, got, MAXF, off);
		}
	}
	got = detect_end(s, sc, f, MAXF);
	check(f, got, MAXF, off ? off : 1);
	detect_stream_free(s);
	return 0;
}
