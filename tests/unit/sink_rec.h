/* Shared by the decoder tests: records a decode_sink's output as text, data as is, "|" for a
 * break, "<host:...>" for a host. A test may define REC_DATA_MAX (the longest data piece it
 * allows) before including this. Escaped pieces are refused: these decoders never escape. */
#ifndef PRIVFW_SINK_REC_H
#define PRIVFW_SINK_REC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"

#ifndef REC_DATA_MAX
#define REC_DATA_MAX SIZE_MAX
#endif

struct rec {
	char b[8192];
	size_t n;
	unsigned nhost;
	bool bad;
};

static void rec_put(struct rec *r, const void *p, size_t n)
{
	if (n > sizeof(r->b) - 1 - r->n) {
		r->bad = true;
		return;
	}
	memcpy(r->b + r->n, p, n);
	r->n += n;
	r->b[r->n] = '\0';
}

static void rec_data(void *a, const uint8_t *p, size_t n, unsigned esc)
{
	struct rec *r = a;

	if (!n || n > REC_DATA_MAX || esc)
		r->bad = true;
	rec_put(r, p, n);
}

static void rec_brk(void *a)
{
	rec_put(a, "|", 1);
}

static void rec_host(void *a, const char *name, size_t n)
{
	struct rec *r = a;

	if (!n || n > 255)
		r->bad = true;
	r->nhost++;
	rec_put(r, "<host:", 6);
	rec_put(r, name, n);
	rec_put(r, ">", 1);
}

static struct decode_sink sink(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	return (struct decode_sink){.data = rec_data, .brk = rec_brk, .host = rec_host, .arg = r};
}

#endif
