/* pkt: IPv4/IPv6 + TCP/UDP views. Every field is read only after its bounds are checked against
 * the end the IP header declares, which is itself checked against the buffer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "pkt.h"

#define IPV4_HDR_MIN  20
#define IPV6_HDR_LEN  40
#define TCP_HDR_MIN   20
#define UDP_HDR_LEN    8
#define IPV4_MF       0x2000
#define IPV4_OFFMASK  0x1fff
#define IPV6_NONXT    59

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Each option must lie inside the header; the walk advances at least one byte per step. */
static int tcp_options_check(const uint8_t *o, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (o[i] == 0)          /* end of option list */
			break;
		if (o[i] == 1) {        /* no-op */
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i)
			return -EBADMSG;
		i += o[i + 1];
	}
	return 0;
}

/* The L4 header at buf[off..end). In a first fragment the header or the UDP datagram may run
 * past this fragment: that is not malformed, only incomplete, so ports are left 0 when the
 * header is cut. len_unknown: the IP length field was 0 (GSO super-packet or jumbogram). */
static int l4_parse(struct pkt *p, const uint8_t *buf, size_t off, size_t end, bool len_unknown)
{
	const uint8_t *h = buf + off;
	size_t avail = end - off, hlen, ulen;
	int r;

	p->l4_off = (uint16_t)off;
	p->payload = h;
	p->payload_len = 0;
	switch (p->proto) {
	case IPPROTO_TCP:
		if (avail < TCP_HDR_MIN)
			return p->fragment ? 0 : -EBADMSG;
		hlen = (size_t)(h[12] >> 4) * 4;
		if (hlen < TCP_HDR_MIN)
			return -EBADMSG;
		if (hlen > avail)
			return p->fragment ? 0 : -EBADMSG;
		if ((r = tcp_options_check(h + TCP_HDR_MIN, hlen - TCP_HDR_MIN)) < 0)
			return r;
		p->sport = get16(h);
		p->dport = get16(h + 2);
		p->seq = get32(h + 4);
		p->tcp_flags = h[13];
		p->payload = h + hlen;
		p->payload_len = avail - hlen;
		return 0;
	case IPPROTO_UDP:
		if (avail < UDP_HDR_LEN)
			return p->fragment ? 0 : -EBADMSG;
		ulen = get16(h + 4);
		/* RFC 2675: a jumbo UDP datagram carries length 0, as may a UDP GSO super-packet. */
		if (ulen == 0 && len_unknown && !p->fragment)
			ulen = avail;
		if (ulen < UDP_HDR_LEN)
			return -EBADMSG;
		if (ulen > avail) {
			if (!p->fragment)
				return -EBADMSG;
			ulen = avail;   /* the rest is in later fragments */
		}
		p->sport = get16(h);
		p->dport = get16(h + 2);
		p->payload = h + UDP_HDR_LEN;
		p->payload_len = ulen - UDP_HDR_LEN;
		return 0;
	default:
		/* Other protocols: the payload is everything after the IP headers. */
		p->payload_len = avail;
		return 0;
	}
}

/* A non-first fragment carries no L4 header; its payload is left empty so it is never
 * mistaken for the start of a stream. */
static int nonfirst_fragment(struct pkt *p, const uint8_t *buf, size_t off)
{
	p->fragment = true;
	p->l4_off = (uint16_t)off;
	p->payload = buf + off;
	p->payload_len = 0;
	return 0;
}

static int ipv4_parse(struct pkt *p, const uint8_t *buf, size_t len)
{
	size_t hlen, end;
	uint16_t tot, frag;

	if (len < IPV4_HDR_MIN)
		return -EBADMSG;
	hlen = (size_t)(buf[0] & 0x0f) * 4;
	if (hlen < IPV4_HDR_MIN || hlen > len)
		return -EBADMSG;
	tot = get16(buf + 2);
	if (tot == 0)
		end = len;      /* TSO/GSO super-packet: the kernel leaves tot_len 0 */
	else if (tot < hlen || tot > len)
		return -EBADMSG;
	else
		end = tot;      /* link-layer padding past tot_len is ignored */
	p->family = AF_INET;
	p->proto = buf[9];
	memcpy(p->src, buf + 12, 4);
	memcpy(p->dst, buf + 16, 4);
	frag = get16(buf + 6);
	if (frag & IPV4_OFFMASK)
		return nonfirst_fragment(p, buf, hlen);
	p->fragment = (frag & IPV4_MF) != 0;
	return l4_parse(p, buf, hlen, end, tot == 0);
}

static bool ipv6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

static int ipv6_parse(struct pkt *p, const uint8_t *buf, size_t len)
{
	size_t end, off = IPV6_HDR_LEN, hlen;
	uint16_t plen, fo;
	uint8_t nh;

	if (len < IPV6_HDR_LEN)
		return -EBADMSG;
	plen = get16(buf + 4);
	if (plen == 0)
		end = len;      /* jumbogram or GSO super-packet */
	else if (plen > len - IPV6_HDR_LEN)
		return -EBADMSG;
	else
		end = IPV6_HDR_LEN + (size_t)plen;
	p->family = AF_INET6;
	memcpy(p->src, buf + 8, 16);
	memcpy(p->dst, buf + 24, 16);
	nh = buf[6];
	for (int i = 0; ipv6_is_ext(nh); i++) {
		const uint8_t *h = buf + off;

		if (i == PKT_MAX_EXT_HDRS || end - off < 8)
			return -EBADMSG;
		if (nh == 44) {
			hlen = 8;
			fo = get16(h + 2);
			if (fo >> 3) {
				p->proto = h[0];
				return nonfirst_fragment(p, buf, off + hlen);
			}
			/* An atomic fragment (offset 0, no M) is a whole datagram (RFC 6946). */
			if (fo & 1)
				p->fragment = true;
		} else if (nh == 51) {
			hlen = ((size_t)h[1] + 2) * 4;
		} else {
			hlen = ((size_t)h[1] + 1) * 8;
		}
		if (hlen > end - off)
			return -EBADMSG;
		nh = h[0];
		off += hlen;
	}
	p->proto = nh;
	if (nh == IPV6_NONXT) {
		p->l4_off = (uint16_t)off;
		p->payload = buf + off;
		p->payload_len = 0;
		return 0;
	}
	return l4_parse(p, buf, off, end, plen == 0);
}

int pkt_parse(struct pkt *p, const uint8_t *buf, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->payload = buf;
	if (!buf || len == 0)
		return -EBADMSG;
	switch (buf[0] >> 4) {
	case 4:
		return ipv4_parse(p, buf, len);
	case 6:
		return ipv6_parse(p, buf, len);
	default:
		return -EPROTONOSUPPORT;
	}
}

char *pkt_dest_str(const struct pkt *p, char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN];

	if (outlen == 0)
		return out;
	if (p->family == AF_INET6 && inet_ntop(AF_INET6, p->dst, a, sizeof(a)))
		snprintf(out, outlen, "[%s]:%u", a, (unsigned)p->dport);
	else if (p->family == AF_INET && inet_ntop(AF_INET, p->dst, a, sizeof(a)))
		snprintf(out, outlen, "%s:%u", a, (unsigned)p->dport);
	else
		snprintf(out, outlen, "?");
	return out;
}

const char *pkt_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return "ip";
	}
}
