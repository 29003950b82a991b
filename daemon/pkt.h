/* pkt: bounds-checked IPv4/IPv6 + TCP/UDP views over raw packet bytes. Pure: no I/O, no allocation. */
#ifndef PRIVFW_PKT_H
#define PRIVFW_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

/* IPv6 extension headers walked before giving up (bounded loop). */
#define PKT_MAX_EXT_HDRS 8

struct pkt {
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t proto;           /* IPPROTO_TCP, IPPROTO_UDP, or the final next-header for others */
	uint8_t tcp_flags;       /* PKT_TCP_* (TCP only) */
	bool fragment;           /* part of a fragmented datagram; ports valid only when first */
	uint8_t src[16];         /* IPv4 uses the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport, dport;   /* host order; 0 when not TCP/UDP */
	uint32_t seq;            /* TCP sequence number, host order */
	uint16_t l4_off;         /* offset of the TCP/UDP header in the buffer */
	const uint8_t *payload;  /* L4 payload inside the caller's buffer */
	size_t payload_len;
};

/* Parses buf[0..len) as one IP packet. Returns 0, -EBADMSG when truncated or malformed,
 * -EPROTONOSUPPORT when not IPv4/IPv6. TCP/UDP headers are validated; other protocols
 * return 0 with ports 0. p->payload points into buf; nothing is copied. */
int pkt_parse(struct pkt *p, const uint8_t *buf, size_t len);

/* Writes "addr:port" ("[v6]:port" for IPv6) of the destination into out. Returns out. */
char *pkt_dest_str(const struct pkt *p, char *out, size_t outlen);

/* Short protocol name: "tcp", "udp", or "ip". */
const char *pkt_proto_name(uint8_t proto);

#endif
