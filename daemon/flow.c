/* Flow table: a fixed pool of flows, a chained hash over indices and an LRU list, so lookups,
 * inserts and evictions are O(1) and memory is bounded by flows_max. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "pkt.h"

#define NIL UINT32_MAX

struct flow_table {
	struct flow *pool;
	uint32_t *buckets;
	uint32_t nbuckets;   /* power of two */
	uint32_t max, used;
	uint32_t free_head;  /* free list through hnext */
	uint32_t fresh;      /* pool[fresh..max) never used: their pages are not touched yet */
	uint32_t lru_head, lru_tail;  /* head = most recent */
	uint64_t seed;
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

static uint32_t flow_hash(const struct flow_table *t, const struct flow_key *k)
{
	uint64_t w[5], h = t->seed;

	memcpy(w, k, sizeof(w));
	for (int i = 0; i < 5; i++)
		h = mix64(h ^ w[i]) + (uint64_t)i;
	return (uint32_t)h & (t->nbuckets - 1);
}

_Static_assert(sizeof(struct flow_key) == 40, "flow_key is hashed as five words");

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
	t->pool = calloc(max, sizeof(*t->pool));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	if (!t->pool || !t->buckets) {
		flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	memset(t->buckets, 0xff, nb * sizeof(*t->buckets));
	t->nbuckets = nb;
	t->max = (uint32_t)max;
	t->seed = seed;
	/* The pool comes zeroed from calloc and is handed out in order, so a table that holds few
	 * flows touches few pages. */
	t->free_head = NIL;
	t->fresh = 0;
	t->lru_head = t->lru_tail = NIL;
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
	for (uint32_t i = t->lru_head; t->pool && i != NIL; i = t->pool[i].lnext)
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

static void lru_unlink(struct flow_table *t, uint32_t i)
{
	struct flow *f = &t->pool[i];

	if (f->lprev != NIL)
		t->pool[f->lprev].lnext = f->lnext;
	else
		t->lru_head = f->lnext;
	if (f->lnext != NIL)
		t->pool[f->lnext].lprev = f->lprev;
	else
		t->lru_tail = f->lprev;
}

static void lru_push(struct flow_table *t, uint32_t i)
{
	struct flow *f = &t->pool[i];

	f->lprev = NIL;
	f->lnext = t->lru_head;
	if (t->lru_head != NIL)
		t->pool[t->lru_head].lprev = i;
	t->lru_head = i;
	if (t->lru_tail == NIL)
		t->lru_tail = i;
}

static uint32_t find_index(struct flow_table *t, const struct flow_key *k, uint32_t *bucket)
{
	uint32_t b = flow_hash(t, k), i;

	*bucket = b;
	for (i = t->buckets[b]; i != NIL; i = t->pool[i].hnext)
		if (!memcmp(&t->pool[i].key, k, sizeof(*k)))
			return i;
	return NIL;
}

static void remove_index(struct flow_table *t, uint32_t i)
{
	uint32_t b = flow_hash(t, &t->pool[i].key);
	uint32_t *pp = &t->buckets[b];

	while (*pp != i)
		pp = &t->pool[*pp].hnext;
	*pp = t->pool[i].hnext;
	release(t, &t->pool[i]);
	lru_unlink(t, i);
	t->pool[i].hnext = t->free_head;
	t->free_head = i;
	t->used--;
}

struct flow *flow_find(struct flow_table *t, const struct flow_key *k)
{
	uint32_t b, i = find_index(t, k, &b);

	return i == NIL ? NULL : &t->pool[i];
}

struct flow *flow_get(struct flow_table *t, const struct flow_key *k, uint64_t now_ms, bool *created)
{
	uint32_t b, i = find_index(t, k, &b);
	struct flow *f;

	if (i != NIL) {
		*created = false;
		f = &t->pool[i];
		f->last_ms = now_ms;
		lru_unlink(t, i);
		lru_push(t, i);
		return f;
	}
	if (t->free_head == NIL && t->fresh == t->max) {
		remove_index(t, t->lru_tail);
		t->evictions++;
		b = flow_hash(t, k);
	}
	if (t->free_head != NIL) {
		i = t->free_head;
		t->free_head = t->pool[i].hnext;
	} else {
		i = t->fresh++;
	}
	f = &t->pool[i];
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->last_ms = now_ms;
	f->hnext = t->buckets[b];
	t->buckets[b] = i;
	lru_push(t, i);
	t->used++;
	*created = true;
	return f;
}

static uint64_t timeout_of(const struct flow *f)
{
	if (f->stage == FLOW_SETTLED)
		return FLOW_TIMEOUT_SETTLED_MS;
	return f->key.proto == 6 ? FLOW_TIMEOUT_TCP_MS : FLOW_TIMEOUT_UDP_MS;
}

size_t flow_expire(struct flow_table *t, uint64_t now_ms)
{
	size_t n = 0;
	uint32_t i = t->lru_tail;

	/* The LRU tail is the oldest. Timeouts differ, so a long-lived entry may shield a stale
	 * one for a while; that only delays its removal. */
	while (i != NIL) {
		struct flow *f = &t->pool[i];
		uint32_t prev = f->lprev;

		if (now_ms - f->last_ms < FLOW_TIMEOUT_SETTLED_MS)
			break;
		if (now_ms - f->last_ms >= timeout_of(f)) {
			remove_index(t, i);
			n++;
		}
		i = prev;
	}
	return n;
}

void flow_foreach(struct flow_table *t, void (*fn)(struct flow *f, void *arg), void *arg)
{
	for (uint32_t i = t->lru_head; i != NIL; i = t->pool[i].lnext)
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
