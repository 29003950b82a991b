/* Digests for the tests, by nettle's name of the algorithm ("md5", "sha1", "sha256"). */
#ifndef PRIVFW_TEST_DIGEST_H
#define PRIVFW_TEST_DIGEST_H

#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <nettle/nettle-meta.h>

#define DIGEST_MAX 32

/* The digest of s into md; its length. */
static inline size_t digest(const char *alg, const char *s, uint8_t md[DIGEST_MAX])
{
	const struct nettle_hash *m = nettle_lookup_hash(alg);
	uint8_t ctx[512] __attribute__((aligned(16)));

	CU_ASSERT_FATAL(m && m->context_size <= sizeof(ctx) && m->digest_size <= DIGEST_MAX);
	m->init(ctx);
	m->update(ctx, strlen(s), (const uint8_t *)s);
	m->digest(ctx, m->digest_size, md);
	return m->digest_size;
}

#endif
