/* libFuzzer target for appid_from_cgroup and appid_unescape: any bytes as a cgroup path. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appid.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char out[APPID_MAX], small[8], un[64];
	enum appid_kind k;
	char *s;
	int r;

	s = malloc(n + 1);
	if (!s)
		return 0;
	memcpy(s, d, n);
	s[n] = '\0';

	memset(out, 'X', sizeof(out));
	k = appid_from_cgroup(s, out, sizeof(out));
	if (k > APPID_UNKNOWN || !memchr(out, '\0', sizeof(out)))
		abort();
	/* Only apps and system units have a name; names never carry control characters. */
	if ((k == APPID_SESSION || k == APPID_UNKNOWN) != (out[0] == '\0'))
		abort();
	for (const char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			abort();
	if (k == APPID_APP && (strchr(out, ':') || strchr(out, '/')))
		abort();
	if (k == APPID_SYSTEM && strncmp(out, "system:", 7) != 0)
		abort();
	/* A smaller buffer gives the same kind and a prefix of the same name. */
	if (appid_from_cgroup(s, small, sizeof(small)) != k || strncmp(small, out, strlen(small)) != 0)
		abort();

	r = appid_unescape(s, n, un, sizeof(un));
	if (r != -ENAMETOOLONG && (r < 0 || (size_t)r >= sizeof(un) || (size_t)r > n || un[r] != '\0'))
		abort();
	free(s);
	return 0;
}
