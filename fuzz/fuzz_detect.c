/* libFuzzer target for the detector engine: any bytes, split where the first byte says, fed in
 * pieces with escapes, breaks and ends; findings must stay inside the stream and be masked. */
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

		db = detect_db_new(&c, err, sizeof(err));
		sc = db ? detect_scratch_new(db) : NULL;
		if (!sc)
			abort();
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
