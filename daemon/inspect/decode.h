/* decode: what the protocol decoders (http, dns, tls, quic) hand to the detectors. */
#ifndef PRIVFW_DECODE_H
#define PRIVFW_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Where decoded bytes came from: copied as they were (0), or produced by undoing an escape. */
#define DEC_ESC_URL 1   /* %XX, or '+' for a space in a query string or form */
#define DEC_ESC_JSON 2  /* \uXXXX, \", \/ ... inside a JSON string */

struct decode_sink {
	/* Bytes that continue the flow's scan stream, in order. esc is 0 or one DEC_ESC_* for
	 * the whole piece; a decoder splits its output so escaped bytes come in their own pieces. */
	void (*data)(void *arg, const uint8_t *p, size_t n, unsigned esc);
	/* A boundary between unrelated fields (header lines, DNS questions, form fields, body
	 * parts): no value may be joined across it. */
	void (*brk)(void *arg);
	/* The destination's host name (HTTP Host, TLS/QUIC SNI, DNS query name), not
	 * NUL-terminated, at most 255 bytes. */
	void (*host)(void *arg, const char *name, size_t n);
	void *arg;
};

#endif
