/* libFuzzer target for the HTTP decoder: any bytes, fed whole and fed cut at points drawn from
 * the input; both must give the same output (compared by a hash that ignores piece boundaries),
 * and the sink's contract must hold (escape flags, host length). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct rec {
	uint64_t h;
};

static void mix(struct rec *r, unsigned v)
{
	r->h = (r->h ^ v) * 0x100000001b3ull;
}

static void rec_data(void *a, const uint8_t *p, size_t n, unsigned esc)
{
	if (!n || esc > DEC_ESC_JSON)
		abort();
	for (size_t i = 0; i < n; i++)
		mix(a, p[i] | esc << 8);
}

static void rec_brk(void *a)
{
	mix(a, 0x10000);
}

static void rec_host(void *a, const char *name, size_t n)
{
	if (!n || n > 255)
		abort();
	mix(a, 0x20000);
	for (size_t i = 0; i < n; i++)
		mix(a, (uint8_t)name[i]);
	mix(a, 0x30000);
}

static int run(const uint8_t *d, size_t n, uint64_t seed, struct rec *r)
{
	struct decode_sink s = {.data = rec_data, .brk = rec_brk, .host = rec_host, .arg = r};
	struct http_state *h = http_new();
	size_t at = 0;
	int rc = 0;

	if (!h)
		abort();
	r->h = 0xcbf29ce484222325ull;
	while (at < n) {
		size_t len = n - at;

		if (seed) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			len = 1 + (size_t)(seed >> 33) % (seed >> 62 ? 8 : 300);
			if (len > n - at)
				len = n - at;
		}
		rc = http_feed(h, d + at, len, &s);
		if (rc != 0 && rc != -EBADMSG)
			abort();
		if (http_mem(h) < 64 || http_mem(h) > (1u << 20))
			abort();
		at += len;
	}
	http_free(h);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct rec whole, cut;
	uint64_t seed = 1 + n;

	for (size_t i = 0; i < n && i < 8; i++)
		seed = seed * 31 + d[i];
	if (run(d, n, 0, &whole) != run(d, n, seed, &cut) || whole.h != cut.h)
		abort();
	(void)http_sniff(d, n);
	return 0;
}
