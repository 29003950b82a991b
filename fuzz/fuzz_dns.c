/* libFuzzer target for the DNS decoder: one message as is, and the input as a TCP stream fed
 * whole and cut at points drawn from it (same output, same verdict). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct rec {
	uint64_t h;
	unsigned names, hosts;
};

static void mix(struct rec *r, unsigned v)
{
	r->h = (r->h ^ v) * 0x100000001b3ull;
}

static void rec_data(void *a, const uint8_t *p, size_t n, unsigned esc)
{
	struct rec *r = a;

	/* A dotted name is at most 253 bytes, sent in one piece. */
	if (!n || n > 253 || esc)
		abort();
	r->names++;
	for (size_t i = 0; i < n; i++)
		mix(r, p[i]);
}

static void rec_brk(void *a)
{
	mix(a, 0x10000);
}

static void rec_host(void *a, const char *name, size_t n)
{
	struct rec *r = a;

	if (!n || n > 255)
		abort();
	r->hosts++;
	mix(r, 0x20000 | (unsigned)n);
}

static struct decode_sink sink(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	return (struct decode_sink){.data = rec_data, .brk = rec_brk, .host = rec_host, .arg = r};
}

static int tcp(const uint8_t *d, size_t n, uint64_t seed, struct rec *r)
{
	struct decode_sink s = sink(r);
	struct dns_tcp t;
	size_t at = 0;
	int rc = 0, x;

	dns_tcp_init(&t);
	while (at < n) {
		size_t len = n - at;

		if (seed) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			len = 1 + (size_t)(seed >> 33) % 40;
			if (len > n - at)
				len = n - at;
		}
		x = dns_tcp_feed(&t, d + at, len, &s);
		if (x != 0 && x != -EBADMSG)
			abort();
		if (x)
			rc = x;
		if (t.have > sizeof(t.buf) || t.nlen > 2)
			abort();
		at += len;
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct rec r, whole, cut;
	struct decode_sink s = sink(&r);
	int rc = dns_parse(d, n, &s);

	if (rc != -EBADMSG && (rc < 1 || rc > 16 || (unsigned)rc < r.names))
		abort();
	if (r.hosts > 1)
		abort();
	(void)dns_sniff(d, n);
	if (tcp(d, n, 0, &whole) != tcp(d, n, 7 + n, &cut) || whole.h != cut.h)
		abort();
	return 0;
}
