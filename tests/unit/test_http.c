/* HTTP decoder: request line and query, headers, Content-Length and chunked bodies, gzip and
 * deflate, form, JSON and multipart content, pipelining, errors; each seed at every split point
 * and many random multi-splits gives the same output, and every truncation is safe. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "decode.h"
#include "http.h"
#include "unit.h"

/* Sink output as text: bytes as they came, URL-unescaped runs as "%(...)", JSON-unescaped runs
 * as "\(...)", "|" for brk, "<host:...>" for host. */
struct rec {
	char *b;
	size_t n, cap;
	unsigned esc;
	unsigned nhost;
	bool bad;
};

static void rec_put(struct rec *r, const void *p, size_t n)
{
	if (r->n + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;

		while (r->n + n + 1 > cap)
			cap *= 2;
		r->b = realloc(r->b, cap);
		if (!r->b)
			abort();
		r->cap = cap;
	}
	memcpy(r->b + r->n, p, n);
	r->n += n;
	r->b[r->n] = '\0';
}

static void rec_close(struct rec *r)
{
	if (r->esc)
		rec_put(r, ")", 1);
	r->esc = 0;
}

static void rec_data(void *a, const uint8_t *p, size_t n, unsigned esc)
{
	struct rec *r = a;

	if (!n || esc > DEC_ESC_JSON)
		r->bad = true;
	if (esc != r->esc) {
		rec_close(r);
		if (esc)
			rec_put(r, esc == DEC_ESC_URL ? "%(" : "\\(", 2);
		r->esc = esc;
	}
	rec_put(r, p, n);
}

static void rec_brk(void *a)
{
	rec_close(a);
	rec_put(a, "|", 1);
}

static void rec_host(void *a, const char *name, size_t n)
{
	struct rec *r = a;

	if (!n || n > 255)
		r->bad = true;
	r->nhost++;
	rec_close(r);
	rec_put(r, "<host:", 6);
	rec_put(r, name, n);
	rec_put(r, ">", 1);
}

static struct decode_sink sink(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	rec_put(r, "", 0);
	return (struct decode_sink){.data = rec_data, .brk = rec_brk, .host = rec_host, .arg = r};
}

/* Feeds b[0..n) cut at cuts[], each piece an exact heap copy. Returns the recording (to be
 * freed); *rc is the last result. */
static char *feed_cuts(const uint8_t *b, size_t n, const size_t *cuts, size_t ncuts, int *rc)
{
	struct rec r;
	struct decode_sink s = sink(&r);
	struct http_state *h = http_new();
	size_t at = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		uint8_t *c = malloc(to - at + 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		memcpy(c, b + at, to - at);
		*rc = http_feed(h, c, to - at, &s);
		free(c);
		at = to;
	}
	rec_close(&r);
	CU_ASSERT(!r.bad);
	http_free(h);
	return r.b;
}

static char *feed(const void *b, size_t n, int *rc)
{
	return feed_cuts(b, n, NULL, 0, rc);
}

static unsigned long rnd_state = 1;

static size_t rnd(size_t below)
{
	rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
	return below ? (size_t)(rnd_state >> 33) % below : 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Same output and result at every single split point, at random multi-splits, byte by byte;
 * and every prefix is fed safely. */
static void check_splits(const void *v, size_t n, unsigned nrandom)
{
	const uint8_t *b = v;
	size_t cuts[16];
	int rc0, rc;
	char *whole = feed(b, n, &rc0), *got;

	for (size_t i = 0; i <= n; i++) {
		cuts[0] = i;
		got = feed_cuts(b, n, cuts, 1, &rc);
		CU_ASSERT_STRING_EQUAL(got, whole);
		CU_ASSERT_EQUAL(rc, rc0);
		free(got);
		free(feed(b, i, &rc));
	}
	for (unsigned k = 0; k < nrandom; k++) {
		size_t nc = 1 + rnd(16);

		for (size_t i = 0; i < nc; i++)
			cuts[i] = rnd(n + 1);
		qsort(cuts, nc, sizeof(cuts[0]), cmp_size);
		got = feed_cuts(b, n, cuts, nc, &rc);
		CU_ASSERT_STRING_EQUAL(got, whole);
		CU_ASSERT_EQUAL(rc, rc0);
		free(got);
	}
	{
		struct rec r;
		struct decode_sink s = sink(&r);
		struct http_state *h = http_new();

		for (size_t i = 0; i < n; i++)
			rc = http_feed(h, b + i, 1, &s);
		rec_close(&r);
		CU_ASSERT_STRING_EQUAL(r.b, whole);
		if (n)
			CU_ASSERT_EQUAL(rc, rc0);
		free(r.b);
		http_free(h);
	}
	free(whole);
}

/* Compresses with zlib: wbits 31 gzip, 15 zlib, -15 raw deflate. */
static size_t zcomp(const void *in, size_t n, int wbits, uint8_t *out, size_t cap)
{
	z_stream z;
	size_t got;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	got = z.total_out;
	deflateEnd(&z);
	return got;
}

/* Chunked framing with chunks of the given size (the last may be shorter), an extension on the
 * first chunk and a trailer. */
static size_t chunked(uint8_t *out, const uint8_t *p, size_t n, size_t size)
{
	size_t o = 0;

	for (size_t at = 0; at < n; at += size) {
		size_t l = n - at < size ? n - at : size;

		o += (size_t)sprintf((char *)out + o, at ? "%zX\r\n" : "%zx;ext=1\r\n", l);
		memcpy(out + o, p + at, l);
		o += l;
		memcpy(out + o, "\r\n", 2);
		o += 2;
	}
	memcpy(out + o, "0\r\nX-Trailer: t\r\n\r\n", 19);
	return o + 19;
}

/* A request with the given extra headers and body; Content-Length added unless chunked. */
static size_t request(uint8_t *out, const char *head, const uint8_t *body, size_t n, bool chunk)
{
	size_t o = (size_t)sprintf((char *)out, "POST /api/v2/collect HTTP/1.1\r\nHost: t.example\r\n%s", head);

	if (!chunk)
		o += (size_t)sprintf((char *)out + o, "Content-Length: %zu\r\n", n);
	memcpy(out + o, "\r\n", 2);
	o += 2;
	memcpy(out + o, body, n);
	return o + n;
}

#define POST_HEAD "POST /api/v2/collect HTTP/1.1|Host: t.example<host:t.example>|"

static void expect(const void *b, size_t n, const char *want, int want_rc)
{
	int rc;
	char *got = feed(b, n, &rc);

	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_EQUAL(rc, want_rc);
	if (strcmp(got, want))
		fprintf(stderr, "\n got: %s\nwant: %s\n", got, want);
	free(got);
}

#define EXPECT(lit, want, rc) expect(lit, sizeof(lit) - 1, want, rc)

static const char get_query[] =
	"GET /v1/loc?lat=47.37&lon=8.54&name=J%C3%bCrg+M%zz%4 HTTP/1.1\r\n"
	"Host: api.example.com:8080\r\n"
	"User-Agent: x/1\r\n"
	"Cookie: uid=abc123; sid=Zm9v\r\n"
	"Referer: https://example.org/p?q=%41\r\n"
	"\r\n";

static void test_request_line(void)
{
	expect(get_query, sizeof(get_query) - 1,
	       "GET /v1/loc?lat=47.37&lon=8.54&name=J%(\xc3\xbc)rg%( )M%zz%4 HTTP/1.1|"
	       "Host: api.example.com:8080<host:api.example.com>|User-Agent: x/1|"
	       "Cookie: uid=abc123; sid=Zm9v|Referer: https://example.org/p?q=%41|", 0);
	check_splits(get_query, sizeof(get_query) - 1, 300);

	/* Every method; HTTP/1.0; bare LF line ends; [v6]:port; a '?' only in the path part. */
	EXPECT("OPTIONS * HTTP/1.0\nHost: [2001:db8::1]:443\n\n",
	       "OPTIONS * HTTP/1.0|Host: [2001:db8::1]:443<host:2001:db8::1>|", 0);
	EXPECT("DELETE /a%20b? HTTP/1.1\r\n\r\n", "DELETE /a%20b? HTTP/1.1|", 0);
	EXPECT("HEAD /?%%41=%2 HTTP/1.1\r\n\r\n", "HEAD /?%%(A)=%2 HTTP/1.1|", 0);
	EXPECT("PATCH /x HTTP/1.1\r\n\r\nPUT /y HTTP/1.1\r\n\r\nTRACE /z HTTP/1.1\r\n\r\n",
	       "PATCH /x HTTP/1.1|PUT /y HTTP/1.1|TRACE /z HTTP/1.1|", 0);
}

static void test_sniff(void)
{
	CU_ASSERT(http_sniff((const uint8_t *)"GET / HTTP/1.1", 14));
	CU_ASSERT(http_sniff((const uint8_t *)"OPTIONS *", 9));
	CU_ASSERT(http_sniff((const uint8_t *)"PO", 2));
	CU_ASSERT(http_sniff((const uint8_t *)"CONNECT ", 8));
	CU_ASSERT(!http_sniff((const uint8_t *)"GETX / HTTP/1.1", 15));
	CU_ASSERT(!http_sniff((const uint8_t *)"get / HTTP/1.1", 14));
	CU_ASSERT(!http_sniff((const uint8_t *)"\x16\x03\x01", 3));
	CU_ASSERT(!http_sniff((const uint8_t *)"", 0));
	CU_ASSERT(!http_sniff((const uint8_t *)"BREW ", 5));
}

static void test_headers(void)
{
	static char b[8192];
	size_t n = 0;
	char *got;
	int rc;

	/* A header line longer than the line buffer is still emitted whole; later ones parse. */
	n += (size_t)sprintf(b, "GET /%0*d HTTP/1.1\r\nX-Long: ", 3000, 7);
	memset(b + n, 'L', 2000);
	n += 2000;
	n += (size_t)sprintf(b + n, "\r\nhOsT:\t  Tracker.Example  \r\nX-Empty:\r\nno colon here\r\n\r\n");
	got = feed(b, n, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	/* "GET /" 3000 " HTTP/1.1|", "X-Long: " 2000 "|", then the short lines. */
	CU_ASSERT_EQUAL(strlen(got), 5 + 3000 + 10 + 8 + 2000 + 1 + 48 + 9 + 14);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "LLL|hOsT:\t  Tracker.Example  <host:Tracker.Example>|X-Empty:|no colon here|"));
	free(got);
	check_splits(b, n, 50);
	/* A bare CR inside a line is part of it. */
	EXPECT("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", "GET / HTTP/1.1|A: b\rc|", 0);
	/* Empty or port-only Host: nothing to report. */
	EXPECT("GET / HTTP/1.1\r\nHost:\r\nHost: :80\r\n\r\n", "GET / HTTP/1.1|Host:|Host: :80|", 0);
}

static void test_form(void)
{
	static const char form[] = "email=a%40b.ch&pw=x+y&lat=47.37&lon=8.54&bad=%G1%";
	uint8_t b[1024], z[1024];
	size_t n, zn;

	n = request(b, "Content-Type: application/x-www-form-urlencoded; charset=UTF-8\r\n",
		    (const uint8_t *)form, sizeof(form) - 1, false);
	expect(b, n, POST_HEAD "Content-Type: application/x-www-form-urlencoded; charset=UTF-8|"
	       "Content-Length: 49|email=a%(@)b.ch&pw=x%( )y&lat=47.37&lon=8.54&bad=%G1%|", 0);
	check_splits(b, n, 300);

	/* x-gzip, then chunked framing over it. */
	zn = zcomp(form, sizeof(form) - 1, 31, z, sizeof(z));
	n = request(b, "Content-Type: application/x-www-form-urlencoded\r\nContent-Encoding: x-gzip\r\n",
		    z, zn, false);
	{
		char want[512];
		int rc;
		char *got = feed(b, n, &rc);

		snprintf(want, sizeof(want), POST_HEAD "Content-Type: application/x-www-form-urlencoded|"
			 "Content-Encoding: x-gzip|Content-Length: %zu|email=a%%(@)b.ch&pw=x%%( )y&"
			 "lat=47.37&lon=8.54&bad=%%G1%%|", zn);
		CU_ASSERT_STRING_EQUAL(got, want);
		free(got);
	}
	check_splits(b, n, 300);
}

static const char json[] =
	"{\"latitude\": 47.37, \"name\": \"Z\\u00fcrich \\ud83d\\ude00 \\\"q\\\"\\/\\n\", "
	"\"bad\": \"\\x \\u12G4 \\ud800x \\udc00 \\ud800\\u0041 \\ud800\\n\"}";
static const char json_want[] =
	"{\"latitude\": 47.37, \"name\": \"Z\\(\xc3\xbc)rich \\(\xf0\x9f\x98\x80) \\(\")q\\(\"/\n)\", "
	"\"bad\": \"\\x \\u12G4 \\(\xef\xbf\xbd)x \\(\xef\xbf\xbd) \\(\xef\xbf\xbd" "A) \\(\xef\xbf\xbd\n)\"}|";

static void test_json(void)
{
	uint8_t b[2048], z[1024], c[2048];
	size_t n, zn, cn;
	char want[1024];

	n = request(b, "Content-Type: application/json\r\n", (const uint8_t *)json, sizeof(json) - 1, false);
	snprintf(want, sizeof(want), POST_HEAD "Content-Type: application/json|Content-Length: %zu|%s",
		 sizeof(json) - 1, json_want);
	expect(b, n, want, 0);
	check_splits(b, n, 300);

	/* gzip inside chunked, several chunk sizes; +json media type. */
	zn = zcomp(json, sizeof(json) - 1, 31, z, sizeof(z));
	for (size_t size = 1; size < zn + 2; size += size < 8 ? 1 : 29) {
		cn = chunked(c, z, zn, size);
		n = request(b, "Content-Type: application/vnd.api+json\r\nContent-Encoding: gzip\r\n"
			    "Transfer-Encoding: chunked\r\n", c, cn, true);
		snprintf(want, sizeof(want), POST_HEAD "Content-Type: application/vnd.api+json|"
			 "Content-Encoding: gzip|Transfer-Encoding: chunked|%s", json_want);
		expect(b, n, want, 0);
		if (size == 7)
			check_splits(b, n, 300);
	}
	/* Cut JSON: escapes pending at the end go out as they came. */
	n = request(b, "Content-Type: text/json\r\n", (const uint8_t *)"\"a\\u00", 6, false);
	expect(b, n, POST_HEAD "Content-Type: text/json|Content-Length: 6|\"a\\u00|", 0);
	n = request(b, "Content-Type: text/json\r\n", (const uint8_t *)"\"\\ud83d\\", 8, false);
	expect(b, n, POST_HEAD "Content-Type: text/json|Content-Length: 8|\"\\(\xef\xbf\xbd)\\|", 0);
}

static const char mp_body[] =
	"preamble\r\n"
	"------WebKitFormBoundaryABC\r\n"
	"Content-Disposition: form-data; name=\"q\"\r\n"
	"\r\n"
	"hello world\r\n"
	"------WebKitFormBoundaryABC\r\n"
	"Content-Disposition: form-data; name=\"meta\"\r\n"
	"Content-Type: application/json\r\n"
	"\r\n"
	"{\"k\": \"a\\u0041\"}\r\n"
	"------WebKitFormBoundaryABC  \r\n"
	"Content-Type: application/x-www-form-urlencoded\r\n"
	"\r\n"
	"a=1%2C2\r\n--not-boundary\r\n-\r\r\n"
	"------WebKitFormBoundaryABC\r\n"
	"\r\n"
	"\r\n"
	"------WebKitFormBoundaryABC--\r\n"
	"epilogue\r\n------WebKitFormBoundaryABC\r\n";

static void test_multipart(void)
{
	uint8_t b[2048];
	size_t n;
	char want[2048];

	n = request(b, "Content-Type: multipart/form-data; charset=x; boundary=\"----WebKitFormBoundaryABC\"\r\n",
		    (const uint8_t *)mp_body, sizeof(mp_body) - 1, false);
	snprintf(want, sizeof(want), POST_HEAD
		 "Content-Type: multipart/form-data; charset=x; boundary=\"----WebKitFormBoundaryABC\"|"
		 "Content-Length: %zu|"
		 "Content-Disposition: form-data; name=\"q\"|q=hello world|"
		 "Content-Disposition: form-data; name=\"meta\"|Content-Type: application/json|"
		 "meta={\"k\": \"a\\(A)\"}|"
		 "Content-Type: application/x-www-form-urlencoded|a=1%%(,)2\r\n--not-boundary\r\n-\r|"
		 "|", sizeof(mp_body) - 1);
	expect(b, n, want, 0);
	check_splits(b, n, 300);

	/* Unquoted boundary, no preamble, body cut inside a part (Content-Length says so). */
	n = request(b, "Content-Type: multipart/mixed; boundary=xyz\r\n",
		    (const uint8_t *)"--xyz\r\nA: b\r\n\r\nval\r\n--x", 23, false);
	expect(b, n, POST_HEAD "Content-Type: multipart/mixed; boundary=xyz|Content-Length: 23|"
	       "A: b|val\r\n--x|", 0);
	check_splits(b, n, 100);
	/* Cut inside the part headers. */
	n = request(b, "Content-Type: multipart/mixed; boundary=xyz\r\n",
		    (const uint8_t *)"--xyz\r\nA: b", 11, false);
	expect(b, n, POST_HEAD "Content-Type: multipart/mixed; boundary=xyz|Content-Length: 11|A: b|", 0);
	/* The field name goes before the value as a key; a file name is no field name, and a
	 * name that is not plain (or too long to be a key) is left out. */
	n = request(b, "Content-Type: multipart/form-data; boundary=xyz\r\n",
		    (const uint8_t *)"--xyz\r\nContent-Disposition: form-data; filename=\"a.png\"; name=imsi\r\n\r\n1\r\n"
		    "--xyz\r\nContent-Disposition: form-data; filename=\"a.png\"\r\n\r\n2\r\n"
		    "--xyz\r\nContent-Disposition: form-data; name=\"a b\"\r\n\r\n3\r\n"
		    "--xyz\r\nContent-Disposition: form-data; name=\"abcdefghijklmnopqrstuvwxyz0123456789\"\r\n\r\n4\r\n"
		    "--xyz--\r\n", 289, false);
	expect(b, n, POST_HEAD "Content-Type: multipart/form-data; boundary=xyz|Content-Length: 289|"
	       "Content-Disposition: form-data; filename=\"a.png\"; name=imsi|imsi=1|"
	       "Content-Disposition: form-data; filename=\"a.png\"|2|"
	       "Content-Disposition: form-data; name=\"a b\"|3|"
	       "Content-Disposition: form-data; name=\"abcdefghijklmnopqrstuvwxyz0123456789\"|4|", 0);
	check_splits(b, n, 100);
	/* Without a usable boundary the body is raw. */
	n = request(b, "Content-Type: multipart/form-data\r\n", (const uint8_t *)"--a\r\n", 5, false);
	expect(b, n, POST_HEAD "Content-Type: multipart/form-data|Content-Length: 5|--a\r\n|", 0);
}

static void test_pipeline(void)
{
	static const char p[] =
		"GET /a?x=1 HTTP/1.1\r\nHost: one.example\r\n\r\n"
		"\r\n"
		"POST /b HTTP/1.1\r\nHost: two.example\r\nContent-Length: 5\r\n"
		"Content-Type: text/plain\r\n\r\nab%41"
		"GET /c HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
		"POST /d HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n"
		"3\r\nabc\n0\r\n\r\n"
		"DELETE /e HTTP/1.1\r\n\r\n";

	expect(p, sizeof(p) - 1,
	       "GET /a?x=1 HTTP/1.1|Host: one.example<host:one.example>|"
	       "POST /b HTTP/1.1|Host: two.example<host:two.example>|Content-Length: 5|"
	       "Content-Type: text/plain|ab%41|"
	       "GET /c HTTP/1.1|Content-Length: 0|"
	       "POST /d HTTP/1.1|Transfer-Encoding: chunked|Content-Length: 99|abc|"
	       "DELETE /e HTTP/1.1|", 0);
	check_splits(p, sizeof(p) - 1, 500);
}

static void test_not_http(void)
{
	static const char a[] = "FOO / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char c[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n";
	struct rec r;
	struct decode_sink s = sink(&r);
	struct http_state *h;

	expect(a, sizeof(a) - 1, "|FOO / HTTP/1.1\r\nHost: x\r\n\r\n", -EBADMSG);
	check_splits(a, sizeof(a) - 1, 100);
	EXPECT("GET /path\r\nX", "GET /path|\r\nX", -EBADMSG);
	EXPECT("GET /p?a=%4\r\n", "GET /p?a=%4|\r\n", -EBADMSG);
	EXPECT("GET / HTTP/2.0\r\n\r\n", "GET / |HTTP/2.0\r\n\r\n", -EBADMSG);
	EXPECT("GET / HTTP/1.1x\r\n", "GET / |HTTP/1.1x\r\n", -EBADMSG);
	EXPECT("GET / HTTP/1.1\rx", "GET / |HTTP/1.1\rx", -EBADMSG);
	EXPECT("GETTING / HTTP/1.1", "|GETTING / HTTP/1.1", -EBADMSG);
	expect(c, sizeof(c) - 1, "POST / HTTP/1.1|Transfer-Encoding: chunked|hello|zz\r\n", -EBADMSG);
	check_splits(c, sizeof(c) - 1, 100);
	/* Chunk sizes: too many digits, none, data not followed by CRLF. */
	EXPECT("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000001\r\nx",
	       "PUT / HTTP/1.1|Transfer-Encoding: chunked||1\r\nx", -EBADMSG);
	EXPECT("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n",
	       "PUT / HTTP/1.1|Transfer-Encoding: chunked||;x\r\n", -EBADMSG);
	EXPECT("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy",
	       "PUT / HTTP/1.1|Transfer-Encoding: chunked|x|y", -EBADMSG);
	/* Lengths we cannot follow. */
	EXPECT("PUT / HTTP/1.1\r\nContent-Length: 1x\r\n\r\nab",
	       "PUT / HTTP/1.1|Content-Length: 1x|\r\nab", -EBADMSG);
	EXPECT("PUT / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n",
	       "PUT / HTTP/1.1|Content-Length: 1234567890123456789|\r\n", -EBADMSG);
	EXPECT("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
	       "PUT / HTTP/1.1|Transfer-Encoding: gzip|\r\n", -EBADMSG);

	/* Once broken, later bytes pass through as they are. */
	h = http_new();
	CU_ASSERT_EQUAL(http_feed(h, (const uint8_t *)"BAD", 3, &s), 0);
	CU_ASSERT_EQUAL(http_feed(h, (const uint8_t *)"!", 1, &s), -EBADMSG);
	CU_ASSERT_EQUAL(http_feed(h, (const uint8_t *)"GET / HTTP/1.1\r\n", 16, &s), -EBADMSG);
	rec_close(&r);
	CU_ASSERT_STRING_EQUAL(r.b, "|BAD!GET / HTTP/1.1\r\n");
	free(r.b);
	http_free(h);
	http_free(NULL);
}

static void test_connect(void)
{
	static const char a[] = "CONNECT t.example:443 HTTP/1.1\r\nHost: t.example:443\r\n\r\n\x16\x03\x01\x00\x05hello";

	expect(a, sizeof(a) - 1, "CONNECT t.example:443 HTTP/1.1|Host: t.example:443<host:t.example>|"
	       "\x16\x03\x01\x00\x05hello", 0);
	check_splits(a, sizeof(a) - 1, 100);
}

static void test_deflate(void)
{
	static const char txt[] = "device_id=3f2a9c1e-77aa-4b0e-9d2f-00c0ffee1234&adid=abc";
	uint8_t b[1024], z[512];
	size_t n, zn;
	char want[512];

	snprintf(want, sizeof(want), "%s|", txt);
	/* zlib-wrapped and raw deflate are both "deflate" in the wild. */
	for (int wbits = -15; wbits <= 15; wbits += 30) {
		char *got;
		int rc;

		zn = zcomp(txt, sizeof(txt) - 1, wbits, z, sizeof(z));
		n = request(b, "Content-Encoding: deflate\r\n", z, zn, false);
		got = feed(b, n, &rc);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT(strlen(got) > strlen(want) &&
			  !strcmp(got + strlen(got) - strlen(want), want));
		free(got);
		check_splits(b, n, 100);
	}
	/* Unknown coding: raw. "gzip" without its magic: a plain body mislabelled. */
	n = request(b, "Content-Encoding: br\r\n", (const uint8_t *)"xyz", 3, false);
	expect(b, n, POST_HEAD "Content-Encoding: br|Content-Length: 3|xyz|", 0);
	n = request(b, "Content-Type: application/json\r\nContent-Encoding: zstd\r\n",
		    (const uint8_t *)"\"\\u0041\"", 8, false);
	expect(b, n, POST_HEAD "Content-Type: application/json|Content-Encoding: zstd|Content-Length: 8|"
	       "\"\\u0041\"|", 0);
	n = request(b, "Content-Encoding: gzip\r\n", (const uint8_t *)"plain=1", 7, false);
	expect(b, n, POST_HEAD "Content-Encoding: gzip|Content-Length: 7|plain=1|", 0);
	n = request(b, "Content-Encoding: gzip\r\n", (const uint8_t *)"p", 1, false);
	expect(b, n, POST_HEAD "Content-Encoding: gzip|Content-Length: 1|p|", 0);
	check_splits(b, n, 10);
}

static void test_gzip_garbage(void)
{
	uint8_t b[2048], z[512], body[600];
	size_t n, zn;
	char *got;
	int rc;

	/* Magic, then noise: the rest of the body is dropped, the next request parses. */
	memcpy(body, "\x1f\x8b\x08\x00", 4);
	for (size_t i = 4; i < 300; i++)
		body[i] = (uint8_t)(i * 131 + 7);
	n = request(b, "Content-Encoding: gzip\r\n", body, 300, false);
	memcpy(b + n, "GET /next HTTP/1.1\r\n\r\n", 22);
	n += 22;
	got = feed(b, n, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(strlen(got) >= 20 && !strcmp(got + strlen(got) - 20, "|GET /next HTTP/1.1|"));
	free(got);
	check_splits(b, n, 100);

	/* A good stream cut short, and one with a bad CRC: what inflated goes out. */
	zn = zcomp("hello hello hello", 17, 31, z, sizeof(z));
	z[zn - 5] ^= 1;
	n = request(b, "Content-Encoding: gzip\r\n", z, zn, false);
	got = feed(b, n, &rc);
	CU_ASSERT(strstr(got, "|hello hello hello|") != NULL);
	free(got);
	check_splits(b, n, 100);
	n = request(b, "Content-Encoding: deflate\r\n", (const uint8_t *)"\x78\x9c\xff\xff\xff", 5, false);
	check_splits(b, n, 100);
}

/* 4 MiB of zeros compress to a few KiB; only HTTP_INFLATE_MAX (1 MiB) come out. */
static void test_bomb(void)
{
	size_t big = 4u << 20, zn, n, cut;
	uint8_t *zeros = calloc(1, big), *z = malloc(64 << 10), *b = malloc(80 << 10);
	struct rec r;
	struct decode_sink s;
	struct http_state *h = http_new();
	size_t base = http_mem(h), zeros_out = 0;
	const char *body;

	CU_ASSERT_FATAL(zeros && z && b && h);
	zn = zcomp(zeros, big, 31, z, 64 << 10);
	n = request(b, "Content-Encoding: gzip\r\n", z, zn, false);
	memcpy(b + n, "GET /after HTTP/1.1\r\n\r\n", 23);
	n += 23;
	cut = n - 23 - zn + 64;
	s = sink(&r);
	CU_ASSERT_EQUAL(http_feed(h, b, cut, &s), 0);
	/* The inflate state is held while the body is open, and shows in http_mem. */
	CU_ASSERT(http_mem(h) > base + 32768);
	CU_ASSERT_EQUAL(http_feed(h, b + cut, n - cut, &s), 0);
	CU_ASSERT_EQUAL(http_mem(h), base);
	rec_close(&r);
	body = strstr(r.b, "Content-Length: ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	body = strchr(body, '|') + 1;
	while (body[zeros_out] == '\0' && body + zeros_out < r.b + r.n)
		zeros_out++;
	CU_ASSERT_EQUAL(zeros_out, 1u << 20);
	CU_ASSERT_STRING_EQUAL(body + zeros_out, "|GET /after HTTP/1.1|");
	free(r.b);
	http_free(h);
	free(zeros);
	free(z);
	free(b);
}

/* Freeing with a compressed body open releases zlib. */
static void test_free_open(void)
{
	uint8_t b[1024], z[512];
	size_t zn = zcomp(json, sizeof(json) - 1, 31, z, sizeof(z));
	size_t n = request(b, "Content-Encoding: gzip\r\n", z, zn, false);
	struct rec r;
	struct decode_sink s = sink(&r);
	struct http_state *h = http_new();

	CU_ASSERT_EQUAL(http_feed(h, b, n - 10, &s), 0);
	CU_ASSERT(http_mem(h) > 1024);
	http_free(h);
	free(r.b);
}

static const struct unit_case cases[] = {
	{"request line and query", test_request_line},
	{"sniff", test_sniff},
	{"header lines", test_headers},
	{"form body, gzip", test_form},
	{"json body, chunked gzip", test_json},
	{"multipart", test_multipart},
	{"pipelined requests", test_pipeline},
	{"not http: raw from there on", test_not_http},
	{"connect tunnel", test_connect},
	{"deflate, unknown and mislabelled codings", test_deflate},
	{"gzip garbage", test_gzip_garbage},
	{"decompression bomb", test_bomb},
	{"free with a body open", test_free_open},
	{NULL, NULL},
};

int main(void)
{
	return unit_run("http", cases);
}
