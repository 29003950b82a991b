/* quic: QUIC v1 Initial packets (RFC 9000, 9001). Derives the client's Initial keys from the
 * destination connection ID, removes header protection, decrypts (nettle), gathers CRYPTO
 * frames and reads the ClientHello's SNI and ALPN with tls_hello_parse. */
#ifndef PRIVFW_QUIC_H
#define PRIVFW_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct decode_sink;
struct tls_hello;

/* Whether a UDP payload is a QUIC v1 long-header Initial packet (by its header alone). */
bool quic_is_initial(const uint8_t *p, size_t n);

/* Per-flow state: CRYPTO bytes gathered across Initial packets (a large ClientHello spans
 * several), at most QUIC_CRYPTO_MAX bytes, allocated on first use. */
#define QUIC_CRYPTO_MAX 8192
struct quic_state;
struct quic_state *quic_new(void);
void quic_free(struct quic_state *q);

/* Feeds one UDP datagram (which may coalesce several QUIC packets). Returns 1 once the
 * ClientHello is complete (SNI to s->host and as a field to s->data; *out filled), 0 when
 * more Initial packets are needed, -EBADMSG when the datagram is not a decryptable v1
 * Initial. Never blocks. */
int quic_feed(struct quic_state *q, const uint8_t *p, size_t n, const struct decode_sink *s,
	      struct tls_hello *out);

/* Bytes of heap the state holds now (CRYPTO and plaintext buffers while gathering). */
size_t quic_mem(const struct quic_state *q);

#endif
