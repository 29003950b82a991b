/* detect: one Vectorscan database (streaming mode) of candidate patterns, confirmed by C
 * validators. Known values (the device's identifiers, the owner's secrets) are expanded once,
 * at compile time, into every encoding leaking apps use. Matched bytes never leave this module:
 * findings carry a masked form. */
#ifndef PRIVFW_DETECT_H
#define PRIVFW_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"

struct known_value {
	uint8_t type;        /* enum data_type: IMEI, IMSI, ICCID, MAC, MACHINE_ID, SERIAL, HOSTNAME,
	                      * EMAIL, PHONE or SECRET */
	const char *label;   /* reported with findings: "imei", "eth0", the owner's label ... */
	const char *value;
};

struct detect_config {
	const struct known_value *known;
	size_t n_known;
	bool have_location;  /* the device's position is known: flag any coordinate pair near it */
	double lat, lon;
	double radius_km;    /* "near"; 0 means the default (25 km) */
};

struct detect_db;
struct detect_scratch;
struct detect_stream;

/* Expands the known values and compiles the database. NULL on failure with a message in err
 * (an unusable known value, a compile error, ENOMEM). Slow (milliseconds): call at start and
 * reload only. The config is copied; the caller keeps its own. */
struct detect_db *detect_db_new(const struct detect_config *c, char *err, size_t errlen);
void detect_db_free(struct detect_db *db);

/* The compiled database and everything the detectors need besides it (labels, pattern table,
 * known-value metadata, location), as one self-contained byte string owned by the caller
 * (free()). 0 or -ENOMEM. */
int detect_db_serialize(const struct detect_db *db, char **out, size_t *len);
/* The inverse, on a buffer from detect_db_serialize of the same build. NULL with a message in
 * err when the bytes are not a database of this build (checked: magic, version, lengths). */
struct detect_db *detect_db_deserialize(const char *buf, size_t len, char *err, size_t errlen);

/* Patterns compiled, and the label of finding.label (NULL for FINDING_NO_LABEL). */
size_t detect_db_patterns(const struct detect_db *db);
const char *detect_db_label(const struct detect_db *db, unsigned label);
/* Bytes of per-flow state a stream needs (Vectorscan stream state plus the lookback window). */
size_t detect_db_stream_size(const struct detect_db *db);

/* Scratch space for scanning; one per thread. NULL on ENOMEM. */
struct detect_scratch *detect_scratch_new(const struct detect_db *db);
void detect_scratch_free(struct detect_scratch *s);

/* A flow's scan stream; it must not outlive db. NULL on ENOMEM. */
struct detect_stream *detect_stream_new(const struct detect_db *db);
void detect_stream_free(struct detect_stream *s);
/* Makes s as new (stream offset 0, nothing pending or reported), without allocating. */
void detect_stream_reset(struct detect_stream *s);

/* Scans n more bytes of the stream (esc: 0 or a DEC_ESC_* of decode.h, which becomes the
 * finding's encoding when a plain-text match covers escaped bytes). Appends at most max
 * findings to out and returns how many; a value is reported once per stream. Never blocks. */
size_t detect_feed(struct detect_stream *s, struct detect_scratch *sc, const uint8_t *p, size_t n,
		   unsigned esc, struct finding *out, size_t max);

/* A boundary between unrelated fields: no match may span it. */
size_t detect_break(struct detect_stream *s, struct detect_scratch *sc, struct finding *out, size_t max);

/* The caller is about to decide on everything fed so far: candidates that end at the last
 * byte fed are judged now, as if the value ended there (more data may follow; a longer value
 * is judged again when it ends). Appends findings like detect_feed. */
size_t detect_end(struct detect_stream *s, struct detect_scratch *sc, struct finding *out, size_t max);

/* Bytes fed so far (the stream offset of the next byte). */
uint64_t detect_stream_offset(const struct detect_stream *s);

#endif
