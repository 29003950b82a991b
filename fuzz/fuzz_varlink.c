/* libFuzzer target for proto/varlink.c: the input is a byte stream cut into chunks by its first
 * byte, framed as the control server frames it; every message is parsed as a call and as a reply,
 * and what parses must re-encode to something that parses the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "varlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct varlink_call *c)
{
	struct varlink_call again;
	size_t len = 0;
	char *enc = varlink_call_put(c->method, c->parameters, &len);

	if (!enc)
		return;
	if (len == 0 || enc[len - 1] != '\0' || strlen(enc) != len - 1)
		abort();
	if (varlink_call_parse(&again, enc, len - 1, NULL, 0) < 0 ||
	    strcmp(again.method, c->method) || !json_equal(again.parameters, c->parameters))
		abort();
	varlink_call_clear(&again);
	free(enc);
}

static void one_message(const char *m, size_t len)
{
	struct varlink_call c;
	struct varlink_reply r;
	char why[128];

	if (varlink_call_parse(&c, m, len, why, sizeof(why)) == 0) {
		check_roundtrip(&c);
		varlink_call_clear(&c);
	} else if (c.parameters || !why[0] || !memchr(why, '\0', sizeof(why))) {
		abort();
	}
	if (varlink_reply_parse(&r, m, len) == 0)
		varlink_reply_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct varlink_buf b;
	size_t chunk, off = 0, len;
	char *m;
	int r;

	if (size < 1)
		return 0;
	/* A small bound so that -EMSGSIZE is reachable with short inputs. */
	chunk = (size_t)(data[0] & 0x3f) + 1;
	data++;
	size--;
	varlink_buf_init(&b, data[-1] & 0x40 ? 64 : VARLINK_MSG_MAX);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;

		r = varlink_buf_append(&b, data + off, n);
		if (r < 0)
			break;
		off += n;
		while ((r = varlink_buf_pop(&b, &m, &len)) == 1) {
			if (len > b.max || memchr(m, '\0', len) || m[len] != '\0')
				abort();
			one_message(m, len);
			free(m);
		}
	}
	varlink_buf_free(&b);
	return 0;
}
