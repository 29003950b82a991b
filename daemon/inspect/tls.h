/* tls: TLS ClientHello decoder (SNI, ALPN), for TCP streams and for QUIC's CRYPTO data.
 * Bounded: extension walks are limited by the declared lengths and a maximum count. */
#ifndef PRIVFW_TLS_H
#define PRIVFW_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct decode_sink;

struct tls_hello {
	char sni[256];      /* NUL-terminated; empty when absent */
	char alpn[64];      /* protocols joined with ',', truncated; empty when absent */
	uint16_t version;   /* legacy_version of the ClientHello */
};

/* Parses a ClientHello handshake message (type 1, its 4-byte header included) in p[0..n).
 * 0, -EAGAIN when n is short of the declared length, -EBADMSG when malformed. Pure. */
int tls_hello_parse(const uint8_t *p, size_t n, struct tls_hello *out);

/* Whether p[0..n) (n may be short) could start a TLS handshake record. */
bool tls_sniff(const uint8_t *p, size_t n);

/* Stream side: gathers the ClientHello from handshake records across segments, up to
 * TLS_HELLO_MAX bytes (allocated on the first record, freed by tls_stream_free). */
#define TLS_HELLO_MAX 16384
struct tls_stream;
struct tls_stream *tls_stream_new(void);
void tls_stream_free(struct tls_stream *t);

/* Consumes in-order client bytes. Returns 1 once the ClientHello is complete (SNI sent to
 * s->host and, as a field, to s->data; *out filled), 0 when more bytes are needed, -EBADMSG
 * when the stream is not a TLS client hello (or exceeds TLS_HELLO_MAX). */
int tls_stream_feed(struct tls_stream *t, const uint8_t *p, size_t n, const struct decode_sink *s,
		    struct tls_hello *out);

/* Bytes of heap the stream holds now (the hello buffer while one is being gathered). */
size_t tls_stream_mem(const struct tls_stream *t);

/* Sends a parsed hello's SNI to s->host and, as a field, to s->data + s->brk (nothing when
 * absent). Used by tls_stream_feed and quic_feed. */
void tls_hello_emit(const struct tls_hello *h, const struct decode_sink *s);

#endif
