/* libFuzzer target for the TLS decoder: the input as a handshake message, as a record stream
 * (whole and cut), and wrapped into records of a size drawn from it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct rec {
	uint64_t h;
	unsigned hosts;
};

static void mix(struct rec *r, unsigned v)
{
	r->h = (r->h ^ v) * 0x100000001b3ull;
}

static void rec_data(void *a, const uint8_t *p, size_t n, unsigned esc)
{
	if (!n || n > 255 || esc)
		abort();
	for (size_t i = 0; i < n; i++)
		mix(a, p[i]);
}

static void rec_brk(void *a)
{
	mix(a, 0x10000);
}

static void rec_host(void *a, const char *name, size_t n)
{
	struct rec *r = a;

	if (!n || n > 255 || r->hosts++)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!name[i])
			abort();
}

static void hello_check(const struct tls_hello *h)
{
	size_t l = strnlen(h->sni, sizeof(h->sni));

	if (l == sizeof(h->sni) || strnlen(h->alpn, sizeof(h->alpn)) == sizeof(h->alpn))
		abort();
	for (size_t i = 0; i < l; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", h->sni[i]))
			abort();
}

static int stream(const uint8_t *d, size_t n, uint64_t seed, struct rec *r, struct tls_hello *h)
{
	struct decode_sink s = {.data = rec_data, .brk = rec_brk, .host = rec_host, .arg = r};
	struct tls_stream *t = tls_stream_new();
	size_t at = 0;
	int rc = 0;

	if (!t)
		abort();
	memset(r, 0, sizeof(*r));
	memset(h, 0, sizeof(*h));
	while (at < n && rc == 0) {
		size_t len = n - at;

		if (seed) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			len = 1 + (size_t)(seed >> 33) % 200;
			if (len > n - at)
				len = n - at;
		}
		rc = tls_stream_feed(t, d + at, len, &s, h);
		if (rc != 0 && rc != 1 && rc != -EBADMSG)
			abort();
		at += len;
	}
	if (rc == 1)
		hello_check(h);
	tls_stream_free(t);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct tls_hello h, h2;
	struct rec whole, cut;
	size_t frag, o = 0;
	uint8_t *w;
	int rc;

	rc = tls_hello_parse(d, n, &h);
	if (rc != 0 && rc != -EAGAIN && rc != -EBADMSG)
		abort();
	hello_check(&h);
	(void)tls_sniff(d, n);

	rc = stream(d, n, 0, &whole, &h);
	if (rc != stream(d, n, 3 + n, &cut, &h2) || whole.h != cut.h || memcmp(&h, &h2, sizeof(h)))
		abort();

	/* The input as a handshake message in records of 1..256 bytes. */
	frag = n ? 1 + d[n - 1] : 1;
	w = malloc(n + 5 * (n / frag + 1));
	if (!w)
		abort();
	for (size_t at = 0; at < n; at += frag) {
		size_t l = n - at < frag ? n - at : frag;

		memcpy(w + o, "\x16\x03\x01", 3);
		w[o + 3] = (uint8_t)(l >> 8);
		w[o + 4] = (uint8_t)l;
		memcpy(w + o + 5, d + at, l);
		o += 5 + l;
	}
	rc = stream(w, o, 0, &whole, &h);
	if (rc != stream(w, o, 5 + n, &cut, &h2) || whole.h != cut.h || memcmp(&h, &h2, sizeof(h)))
		abort();
	free(w);
	return 0;
}
