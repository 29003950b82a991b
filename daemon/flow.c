/* Flow table: a fixed pool of flows, a chained hash over indices and a CLOCK hand for eviction,
 * so lookups and inserts are O(1) expected and memory is bounded by flows_max.
 *
 * A flow is known by a 96-bit SipHash of its key under the table's seed, not by the 40-byte
 * key. A new key is taken for a live flow only when the two collide in all 96 bits: with n
 * flows in the table the odds are n / 2^96, 2^-80 for a full table of 65,536. Even 10,000 new
 * flows a second into a full table for ten years (2^41.5 keys) leaves odds of 2^-38 that it
 * ever happens. The hash is keyed by the seed, so an app that does not know it cannot aim for a
 * collision (which would hand its packets another flow's verdict). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "pkt.h"

#define F_USED 0x01
#define F_REF 0x02        /* used again since the clock hand last passed */
#define TICK_SHIFT 8      /* 256 ms: 32 bits of ticks last 34 years */
#define EVICT_SCAN 64     /* bounds the work of one eviction */
#define SWEEP_MIN 4096    /* flow_expire sweeps tables up to this size whole */

_Static_assert(sizeof(struct flow) <= 48, "a full default table must stay near 3 MiB");
_Static_assert(sizeof(struct flow_key) == 40, "flow_key is hashed as five words");

struct flow_table {
	struct flow *pool;
	uint32_t *buckets;   /* index + 1 so that calloc's zero pages mean empty and stay untouched */
	uint32_t nbuckets;   /* power of two */
	uint32_t max, used;
	uint32_t free_head;  /* index + 1, through next */
	uint32_t fresh;      /* pool[fresh..max) never used: their pages are not touched yet */
	uint32_t hand;       /* CLOCK hand for eviction */
	uint32_t sweep;      /* where flow_expire goes on */
	bool started;
	uint64_t epoch_ms;   /* first time seen: ticks count from here */
	uint64_t k0, k1;     /* SipHash key */
	uint64_t evictions;
	void (*release)(struct flow *f, void *arg);
	void *release_arg;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                       \
	do {                                                           \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                 \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                 \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* SipHash-2-4 with 128-bit output (the reference's outlen 16) over the key's five words. */
static void flow_hash(const struct flow_table *t, const struct flow_key *k, uint64_t out[2])
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ t->k0, v1 = 0x646f72616e646f6dULL ^ t->k1 ^ 0xee;
	uint64_t v2 = 0x6c7967656e657261ULL ^ t->k0, v3 = 0x7465646279746573ULL ^ t->k1;
	uint64_t w[6];

	memcpy(w, k, 40);
	w[5] = (uint64_t)40 << 56;  /* the length word that ends every message */
	for (int i = 0; i < 6; i++) {
		v3 ^= w[i];
		SIPROUND;
		SIPROUND;
		v0 ^= w[i];
	}
	v2 ^= 0xee;
	for (int i = 0; i < 4; i++)
		SIPROUND;
	out[0] = v0 ^ v1 ^ v2 ^ v3;
	v1 ^= 0xdd;
	for (int i = 0; i < 4; i++)
		SIPROUND;
	out[1] = v0 ^ v1 ^ v2 ^ v3;
}

struct flow_table *flow_table_new(size_t max, uint64_t seed)
{
	struct flow_table *t;
	uint32_t nb = 16;

	if (max < 16 || max > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	while (nb < max)
		nb <<= 1;
	/* Both come zeroed from calloc and the pool is handed out in order, so a table that holds
	 * few flows touches few pages. */
	t->pool = calloc(max, sizeof(*t->pool));
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (!t->pool || !t->buckets) {
		flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->nbuckets = nb;
	t->max = (uint32_t)max;
	t->k0 = seed;
	t->k1 = mix64(seed ^ 0x9e3779b97f4a7c15ULL);
	return t;
}

static void release(struct flow_table *t, struct flow *f)
{
	if (f->ext && t->release)
		t->release(f, t->release_arg);
	f->ext = NULL;
}

void flow_table_set_release(struct flow_table *t, void (*fn)(struct flow *f, void *arg), void *arg)
{
	t->release = fn;
	t->release_arg = arg;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; t->pool && i < t->fresh; i++)
		if (t->pool[i].flags & F_USED)
			release(t, &t->pool[i]);
	free(t->pool);
	free(t->buckets);
	free(t);
}

void flow_key_from_pkt(struct flow_key *k, const struct pkt *p)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, p->src, sizeof(k->src));
	memcpy(k->dst, p->dst, sizeof(k->dst));
	k->sport = p->sport;
	k->dport = p->dport;
	k->family = p->family;
	k->proto = p->proto;
}

static uint32_t now_tick(struct flow_table *t, uint64_t now_ms)
{
	if (!t->started) {
		t->started = true;
		t->epoch_ms = now_ms;
	}
	if (now_ms <= t->epoch_ms)
		return 0;
	/* Rounded up, so that a flow never expires early, only up to a tick late. */
	return (uint32_t)((now_ms - t->epoch_ms + (1u << TICK_SHIFT) - 1) >> TICK_SHIFT);
}

static bool expired(const struct flow_table *t, const struct flow *f, uint64_t now_ms)
{
	uint64_t timeout;

	if (f->stage == FLOW_SETTLED)
		timeout = FLOW_TIMEOUT_SETTLED_MS;
	else
		timeout = f->proto == 6 ? FLOW_TIMEOUT_TCP_MS : FLOW_TIMEOUT_UDP_MS;
	return now_ms >= t->epoch_ms + ((uint64_t)f->tick << TICK_SHIFT) + timeout;
}

static uint32_t find_index(struct flow_table *t, const uint64_t h[2], uint8_t proto)
{
	uint32_t n;

	for (n = t->buckets[h[0] & (t->nbuckets - 1)]; n; n = t->pool[n - 1].next) {
		const struct flow *f = &t->pool[n - 1];

		if (f->id == h[0] && f->id_hi == (uint32_t)h[1] && f->proto == proto)
			return n - 1;
	}
	return UINT32_MAX;
}

static void remove_index(struct flow_table *t, uint32_t i)
{
	struct flow *f = &t->pool[i];
	uint32_t *pp = &t->buckets[f->id & (t->nbuckets - 1)];

	while (*pp != i + 1)
		pp = &t->pool[*pp - 1].next;
	*pp = f->next;
	release(t, f);
	f->flags = 0;
	f->next = t->free_head;
	t->free_head = i + 1;
	t->used--;
}

/* Second chance: the hand clears F_REF as it passes and takes the first flow without it, so a
 * flow seen once (a scan, a flood of new tuples) goes before one in use. When every flow within
 * EVICT_SCAN is in use, the oldest of them goes, so one packet never walks the whole table. */
static uint32_t victim(struct flow_table *t)
{
	uint32_t best = t->hand;

	for (int n = 0; n < EVICT_SCAN; n++) {
		uint32_t i = t->hand;
		struct flow *f = &t->pool[i];

		t->hand = i + 1 == t->max ? 0 : i + 1;
		if (!(f->flags & F_REF))
			return i;
		f->flags &= (uint8_t)~F_REF;
		if (f->tick < t->pool[best].tick)
			best = i;
	}
	return best;
}

struct flow *flow_find(struct flow_table *t, const struct flow_key *k)
{
	uint64_t h[2];
	uint32_t i;

	flow_hash(t, k, h);
	i = find_index(t, h, k->proto);
	return i == UINT32_MAX ? NULL : &t->pool[i];
}

struct flow *flow_get(struct flow_table *t, const struct flow_key *k, uint64_t now_ms, bool *created)
{
	uint32_t tick = now_tick(t, now_ms), b, i;
	uint64_t h[2];
	struct flow *f;

	flow_hash(t, k, h);
	i = find_index(t, h, k->proto);
	if (i != UINT32_MAX) {
		f = &t->pool[i];
		if (!expired(t, f, now_ms)) {
			*created = false;
			f->tick = tick;
			f->flags |= F_REF;
			return f;
		}
		/* flow_expire has not come by yet: what it would have done. */
		remove_index(t, i);
	}
	if (!t->free_head && t->fresh == t->max) {
		remove_index(t, victim(t));
		t->evictions++;
	}
	if (t->free_head) {
		i = t->free_head - 1;
		t->free_head = t->pool[i].next;
	} else {
		i = t->fresh++;
	}
	f = &t->pool[i];
	memset(f, 0, sizeof(*f));
	f->id = h[0];
	f->id_hi = (uint32_t)h[1];
	f->proto = k->proto;
	f->tick = tick;
	f->flags = F_USED;
	b = (uint32_t)(h[0] & (t->nbuckets - 1));
	f->next = t->buckets[b];
	t->buckets[b] = i + 1;
	t->used++;
	*created = true;
	return f;
}

size_t flow_expire(struct flow_table *t, uint64_t now_ms)
{
	uint32_t budget = t->fresh / 4 + 1;
	size_t n = 0;

	now_tick(t, now_ms);
	if (budget < SWEEP_MIN)
		budget = SWEEP_MIN;
	if (budget > t->fresh)
		budget = t->fresh;
	/* A quarter of the pool per call: every flow is looked at within four calls, and no call
	 * reads the whole table. */
	while (budget--) {
		struct flow *f;

		if (t->sweep >= t->fresh)
			t->sweep = 0;
		f = &t->pool[t->sweep];
		if ((f->flags & F_USED) && expired(t, f, now_ms)) {
			remove_index(t, t->sweep);
			n++;
		}
		t->sweep++;
	}
	return n;
}

void flow_foreach(struct flow_table *t, void (*fn)(struct flow *f, void *arg), void *arg)
{
	for (uint32_t i = 0; i < t->fresh; i++)
		if (t->pool[i].flags & F_USED)
			fn(&t->pool[i], arg);
}

size_t flow_count(const struct flow_table *t)
{
	return t->used;
}

uint64_t flow_evictions(const struct flow_table *t)
{
	return t->evictions;
}
