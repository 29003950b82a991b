/* libFuzzer target for the packet parser: any bytes, checking that every view stays in the buffer. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct pkt p;
	char s[64];
	int r;

	r = pkt_parse(&p, d, n);
	if (r != 0 && r != -EBADMSG && r != -EPROTONOSUPPORT)
		abort();
	/* Even on error nothing may point outside the buffer. */
	if (p.payload_len && (p.payload < d || p.payload_len > n || (size_t)(p.payload - d) > n - p.payload_len))
		abort();
	if (r < 0)
		return 0;
	if (p.family != AF_INET && p.family != AF_INET6)
		abort();
	if (p.l4_off > n || (p.payload && (size_t)(p.payload - d) < p.l4_off))
		abort();
	if (p.proto != 6 && p.proto != 17 && (p.sport || p.dport))
		abort();
	/* Touch every payload byte so ASan sees an overread. */
	for (size_t i = 0; i < p.payload_len; i++)
		sink ^= p.payload[i];
	pkt_dest_str(&p, s, sizeof(s));
	if (!memchr(s, '\0', sizeof(s)))
		abort();
	pkt_dest_str(&p, s, 1 + (n & 15));
	(void)pkt_proto_name(p.proto);
	return 0;
}
