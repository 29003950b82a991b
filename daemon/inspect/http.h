/* http: streaming HTTP/1.x request decoder. Emits the request line (query string URL-decoded),
 * header lines, and bodies with their framing undone (Content-Length, chunked, gzip/deflate via
 * zlib) and their encoding decoded (form-urlencoded, multipart parts, JSON strings).
 * Pure apart from zlib's allocation, which happens only while a compressed body is open. */
#ifndef PRIVFW_HTTP_H
#define PRIVFW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct decode_sink;
struct http_state;

/* Whether p[0..n) (n may be short) could be the start of an HTTP/1.x request. */
bool http_sniff(const uint8_t *p, size_t n);

/* A decoder for one request stream (requests may be pipelined). NULL on ENOMEM. */
struct http_state *http_new(void);
void http_free(struct http_state *h);

/* Consumes the next in-order bytes of the client's stream. Returns 0, or -EBADMSG once the
 * stream stops being HTTP (the decoder then passes further bytes through as they are).
 * Never blocks; bounded work per byte. */
int http_feed(struct http_state *h, const uint8_t *p, size_t n, const struct decode_sink *s);

/* Bytes of heap the decoder holds now (line buffer, inflate state). */
size_t http_mem(const struct http_state *h);

#endif
