/* Inspection throughput of the detector engine against memcpy of the same bytes, database
 * compile time and per-flow state. A benchmark: it prints figures and asserts nothing.
 *
 *   scan [-k KNOWNFILE] [-p PASSES] [-g MIB] [-m typical|dense] [-w OUT] [FILE...]
 *
 * FILEs are read as raw payload bytes; without any, MIB (default 4) of HTTP-like traffic is
 * generated: typical (default: mostly headers, few numbers) or dense (digits and keys). The data is fed in 1448-byte segments (detect_feed, then detect_end, per segment)
 * with a new stream every 64 KiB, like flows. KNOWNFILE lines are "type label value"; without
 * it a realistic set of ten-odd device identifiers and secrets is used. -w writes the input
 * to OUT and exits. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detect.h"

#define SEG 1448
#define FLOW (64 * 1024)
#define KNOWN_MAX 64

static const struct known_value default_known[] = {
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
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Deterministic: the same input on every machine and run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

struct buf {
	char *p;
	size_t n, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	for (;;) {
		va_start(ap, fmt);
		r = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (r >= 0 && (size_t)r < b->cap - b->n)
			break;
		b->cap = b->cap * 2 + (size_t)r + 1;
		if (!(b->p = realloc(b->p, b->cap))) {
			perror("scan");
			exit(1);
		}
	}
	b->n += (size_t)r;
}

static const char *const words[] = {
	"the", "weather", "today", "map", "search", "coffee", "near", "me", "train", "to", "zurich",
	"news", "football", "results", "recipe", "pasta", "open", "source", "phone", "linux", "music",
	"playlist", "best", "cheap", "flights", "hotel", "review", "how", "install", "update",
};

static const char *word(void)
{
	return words[rnd() % (sizeof(words) / sizeof(words[0]))];
}

static void uuid(struct buf *b)
{
	put(b, "%08x-%04x-4%03x-a%03x-%08x%04x", rnd(), rnd() & 0xffff, rnd() & 0xfff, rnd() & 0xfff, rnd(),
	    rnd() & 0xffff);
}

static void b64blob(struct buf *b, unsigned n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (unsigned i = 0; i < n; i++)
		put(b, "%c", a[rnd() & 63]);
}

static void alnum(char *out, unsigned n)
{
	static const char a[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

	for (unsigned i = 0; i < n; i++)
		out[i] = a[rnd() % 64];
	out[n] = '\0';
}

static void text(struct buf *b, unsigned words_n)
{
	for (unsigned i = 0; i < words_n; i++)
		put(b, "%s%s", i ? " " : "", word());
}

/* Typical API traffic: most bytes are headers (long user agents, client hints, opaque cookies
 * and bearer tokens), bodies are JSON or forms of words with a few small numbers, and personal
 * data is rare. About 6 % of the bytes are digits. A flow (64 KiB) keeps its token and session
 * cookie, as an app's connection does. */
static void generate_typical(struct buf *b, size_t size)
{
	static const char *const ctype[] = { "application/json", "application/x-www-form-urlencoded" };
	char token[200], session[40];
	size_t flow = SIZE_MAX;

	while (b->n < size) {
		unsigned kind = rnd() % 10;

		if (b->n / FLOW != flow) {
			flow = b->n / FLOW;
			alnum(token, 120 + rnd() % 60);
			alnum(session, 32);
		}

		put(b, "%s /api/%s/%s?lang=en&q=%s+%s HTTP/1.1\r\n", kind < 5 ? "GET" : "POST", word(), word(),
		    word(), word());
		put(b, "Host: %s.%s.example.com\r\nConnection: keep-alive\r\n", word(), word());
		put(b, "User-Agent: Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like "
		       "Gecko) Chrome/120.0.6099.%u Mobile Safari/537.36\r\n", rnd() % 200);
		put(b, "sec-ch-ua: \"Not_A Brand\";v=\"8\", \"Chromium\";v=\"120\"\r\nsec-ch-ua-mobile: ?1\r\n"
		       "sec-ch-ua-platform: \"Android\"\r\nAccept: application/json, text/plain, */*\r\n"
		       "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\n"
		       "Origin: https://www.%s.example.com\r\nReferer: https://www.%s.example.com/%s/%s\r\n"
		       "Sec-Fetch-Site: same-site\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\n",
		    word(), word(), word(), word());
		put(b, "Authorization: Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.%s\r\n", token);
		put(b, "Cookie: session=%s; theme=dark; consent=%s\r\n", session, rnd() % 2 ? "yes" : "no");
		if (kind < 5) {
			put(b, "\r\n");
			continue;
		}
		put(b, "Content-Type: %s\r\n\r\n", ctype[kind % 2]);
		if (kind % 2) {
			put(b, "title=%s+%s&body=", word(), word());
			text(b, 12 + rnd() % 20);
			put(b, "&tags=%s,%s&draft=false&page=%u\r\n", word(), word(), rnd() % 20);
			continue;
		}
		put(b, "{\"event\":\"%s_%s\",\"screen\":\"%s\",\"props\":{\"title\":\"", word(), word(), word());
		text(b, 8 + rnd() % 24);
		put(b, "\",\"category\":\"%s\",\"count\":%u,\"enabled\":true,\"theme\":\"dark\"},"
		       "\"client\":{\"name\":\"%s-app\",\"platform\":\"android\",\"locale\":\"en_US\"}",
		    word(), rnd() % 100, word());
		switch (rnd() % 40) {
		case 0: put(b, ",\"email\":\"jane.doe@example.org\""); break;
		case 1: put(b, ",\"lat\":47.3769,\"lng\":8.5417"); break;
		case 2: put(b, ",\"contact\":\"someone.else@mail.example.com\""); break;
		case 3: put(b, ",\"imei\":\"351234567890124\""); break;
		default: break;
		}
		put(b, "}\r\n");
	}
}

/* Dense traffic: every request carries timestamps, numeric ids, analytics cookies, hex hashes
 * and base64 blobs, and now and then a piece of personal data: about a fifth of the bytes are
 * digits, the hard case for the digit-run scanner. */
static void generate(struct buf *b, size_t size)
{
	while (b->n < size) {
		unsigned kind = rnd() % 10;

		put(b, "%s /api/v%u/%s/%s?id=%u&page=%u&q=%s+%s&ts=%u%03u HTTP/1.1\r\n",
		    kind < 6 ? "GET" : "POST", rnd() % 3 + 1, word(), word(), rnd() % 1000000, rnd() % 50, word(),
		    word(), 1700000000 + rnd() % 100000000, rnd() % 1000);
		put(b, "Host: api%u.%s-cdn.example.net\r\n", rnd() % 20, word());
		put(b, "User-Agent: Mozilla/5.0 (X11; Linux aarch64) AppleWebKit/537.36 (KHTML, like Gecko) "
		       "Chrome/120.0.%u.%u Mobile Safari/537.36\r\n", rnd() % 9999, rnd() % 200);
		put(b, "Accept: application/json, text/plain, */*\r\nAccept-Language: en-US,en;q=0.9\r\n"
		       "Accept-Encoding: gzip, deflate, br\r\n");
		put(b, "Cookie: sid=%08x%08x; _ga=GA1.2.%u.%u; consent=1\r\nX-Request-ID: ", rnd(), rnd(), rnd(), rnd());
		uuid(b);
		put(b, "\r\n");
		if (kind >= 6) {
			put(b, "Content-Type: application/json\r\n\r\n{\"ts\":%u%03u,\"event\":\"%s_%s\",\"session\":\"",
			    1700000000 + rnd() % 100000000, rnd() % 1000, word(), word());
			uuid(b);
			put(b, "\",\"params\":{\"screen\":\"%s\",\"duration_ms\":%u,\"price\":%u.%02u,\"count\":%u,"
			       "\"version\":\"%u.%u.%u\"},\"device\":{\"model\":\"PinePhone\",\"os\":\"postmarketOS "
			       "v23.12\",\"locale\":\"en_US\",\"screen\":\"720x1440\"},\"text\":\"%s %s %s %s %s\","
			       "\"blob\":\"", word(), rnd() % 100000, rnd() % 500, rnd() % 100, rnd() % 20, rnd() % 20,
			       rnd() % 10, rnd() % 100, word(), word(), word(), word(), word());
			b64blob(b, 64 + rnd() % 256);
			put(b, "\",\"hash\":\"%08x%08x%08x%08x%08x\"", rnd(), rnd(), rnd(), rnd(), rnd());
			switch (rnd() % 40) {
			case 0: put(b, ",\"imei\":\"351234567890124\""); break;
			case 1: put(b, ",\"email\":\"jane.doe@example.org\""); break;
			case 2: put(b, ",\"lat\":47.3769,\"lng\":8.5417"); break;
			case 3: put(b, ",\"contact\":\"someone.else@mail.example.com\""); break;
			case 4: put(b, ",\"wifi\":\"02:1a:2b:3c:4d:5e\""); break;
			default: break;
			}
			put(b, "}\r\n");
		} else {
			put(b, "\r\n");
		}
	}
}

static int read_file(struct buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (!f)
		return -errno;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (b->n + n > b->cap) {
			b->cap = (b->n + n) * 2;
			if (!(b->p = realloc(b->p, b->cap))) {
				fclose(f);
				return -ENOMEM;
			}
		}
		memcpy(b->p + b->n, tmp, n);
		b->n += n;
	}
	fclose(f);
	return 0;
}

static size_t read_known(const char *path, struct known_value *kv, char lines[][512])
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (!f) {
		perror(path);
		exit(1);
	}
	while (n < KNOWN_MAX && fgets(lines[n], 512, f)) {
		char *type = strtok(lines[n], " \t\n"), *label = strtok(NULL, " \t\n"), *value = strtok(NULL, "\n");
		int t;

		if (!type || *type == '#' || !label || !value)
			continue;
		if ((t = data_type_parse(type)) < 0) {
			fprintf(stderr, "scan: %s: unknown type %s\n", path, type);
			exit(1);
		}
		kv[n++] = (struct known_value){ (uint8_t)t, label, value };
	}
	fclose(f);
	return n;
}

/* The measured work: a stream per 64 KiB flow, fed segment by segment. Not inlined, so a
 * profiler can count its instructions alone (callgrind --toggle-collect=scan_all). */
__attribute__((noinline)) size_t scan_all(const struct detect_db *db, struct detect_scratch *sc,
					  const uint8_t *p, size_t n);

__attribute__((noinline)) size_t scan_all(const struct detect_db *db, struct detect_scratch *sc,
					  const uint8_t *p, size_t n)
{
	struct finding out[16];
	size_t found = 0;

	for (size_t flow = 0; flow < n; flow += FLOW) {
		struct detect_stream *s = detect_stream_new(db);
		size_t end = flow + FLOW < n ? flow + FLOW : n;

		if (!s)
			abort();
		for (size_t off = flow; off < end; off += SEG) {
			size_t len = end - off < SEG ? end - off : SEG;

			found += detect_feed(s, sc, p + off, len, 0, out, 16);
			found += detect_end(s, sc, out, 16);
		}
		detect_stream_free(s);
	}
	return found;
}

__attribute__((noinline)) static void copy_all(uint8_t *dst, const uint8_t *p, size_t n)
{
	for (size_t off = 0; off < n; off += SEG) {
		size_t len = n - off < SEG ? n - off : SEG;

		memcpy(dst + (off % FLOW), p + off, len);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
}

int main(int argc, char **argv)
{
	static char lines[KNOWN_MAX][512];
	struct known_value kv[KNOWN_MAX];
	struct detect_config cfg = { .known = default_known,
				     .n_known = sizeof(default_known) / sizeof(default_known[0]),
				     .have_location = true, .lat = 47.3769, .lon = 8.5417 };
	struct buf in = { 0 };
	struct detect_db *db;
	struct detect_scratch *sc;
	uint8_t *dst;
	char err[512];
	double t0, t_compile, t_scan = 0, t_copy = 0;
	double mb, scan_mbs, copy_mbs;
	unsigned passes = 0, copies = 0, want = 0, gen_mib = 4;
	const char *dump = NULL, *mode = "typical";
	size_t found = 0;
	int o;

	while ((o = getopt(argc, argv, "k:p:g:m:w:")) != -1) {
		switch (o) {
		case 'k':
			cfg.n_known = read_known(optarg, kv, lines);
			cfg.known = kv;
			break;
		case 'p':
			want = (unsigned)atoi(optarg);
			break;
		case 'g':
			gen_mib = (unsigned)atoi(optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'w':
			dump = optarg;
			break;
		default:
			fprintf(stderr, "usage: scan [-k KNOWNFILE] [-p PASSES] [-g MIB] [-m typical|dense] [-w OUT] "
				"[FILE...]\n");
			return 2;
		}
	}
	for (int i = optind; i < argc; i++)
		if (read_file(&in, argv[i]) < 0) {
			perror(argv[i]);
			return 1;
		}
	if (optind == argc) {
		in.cap = (size_t)gen_mib * 1024 * 1024 + 4096;
		if (!(in.p = malloc(in.cap)))
			return 1;
		if (!strcmp(mode, "dense")) {
			generate(&in, (size_t)gen_mib * 1024 * 1024);
		} else if (!strcmp(mode, "typical")) {
			generate_typical(&in, (size_t)gen_mib * 1024 * 1024);
		} else {
			fprintf(stderr, "scan: -m typical or dense\n");
			return 2;
		}
	}
	if (dump) {
		FILE *f = fopen(dump, "wb");

		if (!f || fwrite(in.p, 1, in.n, f) != in.n || fclose(f)) {
			perror(dump);
			return 1;
		}
		return 0;
	}
	t0 = now();
	db = detect_db_new(&cfg, err, sizeof(err));
	t_compile = now() - t0;
	if (!db) {
		fprintf(stderr, "scan: %s\n", err);
		return 1;
	}
	sc = detect_scratch_new(db);
	dst = malloc(FLOW + SEG);
	if (!sc || !dst)
		return 1;
	/* At least a second of scanning unless a pass count is given (the profiler's run). */
	do {
		t0 = now();
		found = scan_all(db, sc, (const uint8_t *)in.p, in.n);
		t_scan += now() - t0;
		passes++;
	} while (want ? passes < want : t_scan < 1.0);
	do {
		t0 = now();
		copy_all(dst, (const uint8_t *)in.p, in.n);
		t_copy += now() - t0;
		copies++;
	} while (want ? copies < want : t_copy < 0.2);
	mb = (double)in.n / 1e6;
	scan_mbs = t_scan > 0 ? mb * passes / t_scan : 0;
	copy_mbs = t_copy > 0 ? mb * copies / t_copy : 0;
	printf("input_bytes      %zu\n", in.n);
	{
		size_t dig = 0;

		for (size_t i = 0; i < in.n; i++)
			dig += in.p[i] >= '0' && in.p[i] <= '9';
		printf("digits_pct       %.1f\n", in.n ? 100.0 * (double)dig / (double)in.n : 0);
	}
	printf("passes           %u\n", passes);
	printf("findings_pass    %zu\n", found);
	printf("compile_ms       %.1f\n", t_compile * 1e3);
	printf("patterns         %zu\n", detect_db_patterns(db));
	printf("stream_bytes     %zu\n", detect_db_stream_size(db));
	printf("scan_MBps        %.1f\n", scan_mbs);
	printf("memcpy_MBps      %.1f\n", copy_mbs);
	printf("scan_vs_memcpy   %.4f\n", copy_mbs > 0 ? scan_mbs / copy_mbs : 0);
	free(dst);
	free(in.p);
	detect_scratch_free(sc);
	detect_db_free(db);
	return 0;
}
