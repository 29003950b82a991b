/* dns: DNS query decoder. Emits each question's name as dotted text, one per field.
 * Pure: no I/O, no allocation. Compression pointers are followed a bounded number of times. */
#ifndef PRIVFW_DNS_H
#define PRIVFW_DNS_H

#include <stddef.h>
#include <stdint.h>

struct decode_sink;

/* Decodes one DNS message (a UDP payload, or one TCP-framed message without its length).
 * Each name goes to s->data then s->brk; the first question's name also to s->host.
 * Returns the number of names, or -EBADMSG when the message is malformed (names decoded before
 * the error have been emitted). */
int dns_parse(const uint8_t *p, size_t n, const struct decode_sink *s);

/* Whether p[0..n) looks like a DNS query (header sane, QR=0, 1..16 questions). */
int dns_sniff(const uint8_t *p, size_t n);

/* DNS over TCP: 2-byte length framing across segments. Embedded, fixed size. */
struct dns_tcp {
	uint16_t need;    /* bytes of the current message still missing */
	uint16_t have;    /* bytes buffered */
	uint8_t lenbuf[2];
	uint8_t nlen;
	uint8_t buf[512]; /* longer queries are decoded from their first 512 bytes */
};

void dns_tcp_init(struct dns_tcp *d);
/* Consumes in-order stream bytes; decodes every complete message. 0 or -EBADMSG. */
int dns_tcp_feed(struct dns_tcp *d, const uint8_t *p, size_t n, const struct decode_sink *s);

#endif
