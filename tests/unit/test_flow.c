/* Flow table and app registry: bounded, O(1), second-chance eviction, expiry. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "apps.h"
#include "flow.h"
#include "unit.h"

static struct flow_key key(uint16_t sport, uint8_t proto)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	k.proto = proto;
	k.src[0] = 192; k.src[3] = 1;
	k.dst[0] = 192; k.dst[3] = 2;
	k.sport = sport;
	k.dport = 443;
	return k;
}

/* Key number n, spread over the IPv6 addresses and the source port. */
static struct flow_key keyn(uint32_t n, uint8_t proto)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = AF_INET6;
	k.proto = proto;
	k.src[0] = 0xfd;
	k.src[15] = (uint8_t)n;
	k.dst[0] = 0x20;
	k.dst[15] = (uint8_t)(n >> 8);
	k.sport = (uint16_t)(n >> 16);
	k.dport = 443;
	return k;
}

struct released {
	unsigned n;
};

static void count_release(struct flow *f, void *arg)
{
	((struct released *)arg)->n++;
	CU_ASSERT_PTR_NOT_NULL(f->ext);
}

static void count_flow(struct flow *f, void *arg)
{
	(*(size_t *)arg)++;
}

static void test_get_find(void)
{
	struct flow_table *t = flow_table_new(64, 42);
	struct flow_key k = key(1000, 6), k2 = key(1001, 6);
	struct flow *f, *g;
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	f = flow_get(t, &k, 1, &created);
	CU_ASSERT(created);
	CU_ASSERT_EQUAL(f->stage, FLOW_NEW);
	f->stage = FLOW_SETTLED;
	g = flow_get(t, &k, 2, &created);
	CU_ASSERT(!created);
	CU_ASSERT_PTR_EQUAL(f, g);
	CU_ASSERT_EQUAL(g->stage, FLOW_SETTLED);
	CU_ASSERT_PTR_NULL(flow_find(t, &k2));
	CU_ASSERT_PTR_EQUAL(flow_find(t, &k), f);
	CU_ASSERT_EQUAL(flow_count(t), 1);
	flow_table_free(t);
}

static void test_bounded_lru(void)
{
	struct flow_table *t = flow_table_new(16, 7);
	struct flow_key k;
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (uint16_t i = 0; i < 16; i++) {
		k = key(i, 17);
		flow_get(t, &k, i, &created);
	}
	/* touch flow 0: flow 1, not used again, goes first */
	k = key(0, 17);
	flow_get(t, &k, 100, &created);
	CU_ASSERT(!created);
	k = key(500, 17);
	flow_get(t, &k, 101, &created);
	CU_ASSERT(created);
	CU_ASSERT_EQUAL(flow_count(t), 16);
	CU_ASSERT_EQUAL(flow_evictions(t), 1);
	k = key(1, 17);
	CU_ASSERT_PTR_NULL(flow_find(t, &k));
	k = key(0, 17);
	CU_ASSERT_PTR_NOT_NULL(flow_find(t, &k));
	/* thousands more never grow the table */
	for (uint16_t i = 1000; i < 5000; i++) {
		k = key(i, 6);
		flow_get(t, &k, 200 + i, &created);
	}
	CU_ASSERT_EQUAL(flow_count(t), 16);
	flow_table_free(t);
}

static void test_expire(void)
{
	struct flow_table *t = flow_table_new(64, 1);
	struct flow_key udp = key(1, 17), tcp = key(2, 6);
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	flow_get(t, &udp, 0, &created);
	flow_get(t, &tcp, 0, &created);
	CU_ASSERT_EQUAL(flow_expire(t, FLOW_TIMEOUT_UDP_MS - 1), 0);
	CU_ASSERT_EQUAL(flow_expire(t, FLOW_TIMEOUT_UDP_MS), 1);
	CU_ASSERT_PTR_NULL(flow_find(t, &udp));
	CU_ASSERT_PTR_NOT_NULL(flow_find(t, &tcp));
	CU_ASSERT_EQUAL(flow_expire(t, FLOW_TIMEOUT_TCP_MS), 1);
	CU_ASSERT_EQUAL(flow_count(t), 0);
	/* freed slots are reused */
	flow_get(t, &udp, FLOW_TIMEOUT_TCP_MS, &created);
	CU_ASSERT(created);
	flow_table_free(t);
}

static void test_expire_settled(void)
{
	struct flow_table *t = flow_table_new(64, 1);
	struct flow_key a = key(1, 6), b = key(2, 6);
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	flow_get(t, &a, 0, &created)->stage = FLOW_SETTLED;
	flow_get(t, &b, 0, &created)->stage = FLOW_INSPECT;
	CU_ASSERT_EQUAL(flow_expire(t, FLOW_TIMEOUT_SETTLED_MS - 1), 0);
	CU_ASSERT_EQUAL(flow_expire(t, FLOW_TIMEOUT_SETTLED_MS), 1);
	CU_ASSERT_PTR_NULL(flow_find(t, &a));
	CU_ASSERT_PTR_NOT_NULL(flow_find(t, &b));
	flow_table_free(t);
}

static void test_size(void)
{
	CU_ASSERT(sizeof(struct flow) <= 48);
}

/* Many keys share buckets: each is found, and unlinking from the middle of a chain keeps the
 * rest. */
static void test_chains(void)
{
	static const uint32_t sizes[] = { 16, 1024 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t max = sizes[s];
		struct flow_table *t = flow_table_new(max, 99);
		struct flow_key k;
		bool created, ok = true;
		size_t seen = 0;

		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		for (uint32_t i = 0; i < max; i++) {
			k = keyn(i, 6);
			if (i % 2)
				flow_get(t, &k, 0, &created)->stage = FLOW_SETTLED;
			else
				flow_get(t, &k, 0, &created);
			ok = ok && created;
		}
		CU_ASSERT(ok);
		CU_ASSERT_EQUAL(flow_count(t), max);
		CU_ASSERT_EQUAL(flow_evictions(t), 0);
		flow_foreach(t, count_flow, &seen);
		CU_ASSERT_EQUAL(seen, max);
		for (uint32_t i = 0; i < max; i++) {
			k = keyn(i, 6);
			ok = ok && flow_find(t, &k) && flow_get(t, &k, 1, &created) == flow_find(t, &k) && !created;
		}
		CU_ASSERT(ok);
		/* the settled half goes */
		CU_ASSERT_EQUAL(flow_expire(t, FLOW_TIMEOUT_SETTLED_MS + 1000), max / 2);
		for (uint32_t i = 0; i < max; i++) {
			k = keyn(i, 6);
			ok = ok && (flow_find(t, &k) == NULL) == (i % 2 == 1);
		}
		CU_ASSERT(ok);
		CU_ASSERT_EQUAL(flow_count(t), max / 2);
		flow_table_free(t);
	}
}

/* Keys that differ in one byte anywhere in the 5-tuple are different flows. */
static void test_one_byte_apart(void)
{
	struct flow_table *t = flow_table_new(64, 5);
	struct flow_key base = key(1000, 6), k;
	struct flow *fb, *f;
	size_t offs[40], n = 0;
	bool created, ok = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (size_t i = 0; i < sizeof(base.src); i++)
		offs[n++] = offsetof(struct flow_key, src) + i;
	for (size_t i = 0; i < sizeof(base.dst); i++)
		offs[n++] = offsetof(struct flow_key, dst) + i;
	offs[n++] = offsetof(struct flow_key, sport);
	offs[n++] = offsetof(struct flow_key, sport) + 1;
	offs[n++] = offsetof(struct flow_key, dport);
	offs[n++] = offsetof(struct flow_key, dport) + 1;
	offs[n++] = offsetof(struct flow_key, family);
	offs[n++] = offsetof(struct flow_key, proto);
	fb = flow_get(t, &base, 0, &created);
	for (size_t i = 0; i < n; i++) {
		k = base;
		((uint8_t *)&k)[offs[i]] ^= 0x01;
		f = flow_get(t, &k, 0, &created);
		ok = ok && created && f != fb;
		f->bytes = (uint32_t)i + 1;
	}
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(flow_count(t), n + 1);
	for (size_t i = 0; i < n; i++) {
		k = base;
		((uint8_t *)&k)[offs[i]] ^= 0x01;
		f = flow_find(t, &k);
		ok = ok && f && f->bytes == i + 1;
	}
	CU_ASSERT(ok);
	CU_ASSERT_PTR_EQUAL(flow_find(t, &base), fb);
	/* the same addresses with the ports swapped are another flow too */
	k = base;
	k.sport = base.dport;
	k.dport = base.sport;
	CU_ASSERT_PTR_NULL(flow_find(t, &k));
	flow_table_free(t);
}

/* A full table evicts, releases what it evicts, and keeps the flows in use through a flood of
 * new ones. */
static void test_evict_full(void)
{
	struct flow_table *t = flow_table_new(16, 3);
	struct released rel = { 0 };
	static int ext;
	struct flow_key k;
	struct flow *f;
	bool created, ok = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	flow_table_set_release(t, count_release, &rel);
	for (uint32_t i = 0; i < 16; i++) {
		k = keyn(i, 6);
		flow_get(t, &k, 0, &created)->ext = &ext;
	}
	for (uint32_t i = 100; i < 1100; i++) {
		/* flows 0..7 see a packet between any two new flows */
		for (uint32_t j = 0; j < 8; j++) {
			k = keyn(j, 6);
			flow_get(t, &k, i, &created);
			ok = ok && !created;
		}
		k = keyn(i, 17);
		f = flow_get(t, &k, i, &created);
		ok = ok && created && f->stage == FLOW_NEW && !f->ext && !f->app;
		CU_ASSERT_EQUAL(flow_count(t), 16);
	}
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(flow_evictions(t), 1000);
	/* flows 8..15 (with ext) went, 0..7 stayed */
	CU_ASSERT_EQUAL(rel.n, 8);
	for (uint32_t j = 0; j < 16; j++) {
		k = keyn(j, 6);
		ok = ok && (flow_find(t, &k) == NULL) == (j >= 8);
	}
	CU_ASSERT(ok);
	flow_table_free(t);
	CU_ASSERT_EQUAL(rel.n, 16);
}

/* Timeouts by protocol and stage, to within a 256 ms tick and never early. */
static void test_expire_stages(void)
{
	struct flow_table *t = flow_table_new(64, 11);
	struct flow_key tcp = key(1, 6), udp = key(2, 17), tset = key(3, 6), uins = key(4, 17);
	const uint64_t t0 = 5000, t1 = 25777;
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	flow_get(t, &tcp, t0, &created);
	flow_get(t, &udp, t0, &created);
	flow_get(t, &tset, t0, &created)->stage = FLOW_SETTLED;
	flow_get(t, &uins, t0, &created)->stage = FLOW_INSPECT;
	/* last use t1, not on a tick */
	flow_get(t, &tcp, t1, &created);
	flow_get(t, &udp, t1, &created);
	flow_get(t, &tset, t1, &created);
	flow_get(t, &uins, t1, &created);
	CU_ASSERT_EQUAL(flow_expire(t, t1 + FLOW_TIMEOUT_SETTLED_MS - 1), 0);
	CU_ASSERT_EQUAL(flow_expire(t, t1 + FLOW_TIMEOUT_SETTLED_MS + 256), 1);
	CU_ASSERT_PTR_NULL(flow_find(t, &tset));
	CU_ASSERT_EQUAL(flow_expire(t, t1 + FLOW_TIMEOUT_UDP_MS - 1), 0);
	CU_ASSERT_EQUAL(flow_expire(t, t1 + FLOW_TIMEOUT_UDP_MS + 256), 2);
	CU_ASSERT_PTR_NULL(flow_find(t, &udp));
	CU_ASSERT_PTR_NULL(flow_find(t, &uins));
	CU_ASSERT_PTR_NOT_NULL(flow_find(t, &tcp));
	CU_ASSERT_EQUAL(flow_expire(t, t1 + FLOW_TIMEOUT_TCP_MS - 1), 0);
	CU_ASSERT_EQUAL(flow_expire(t, t1 + FLOW_TIMEOUT_TCP_MS + 256), 1);
	CU_ASSERT_EQUAL(flow_count(t), 0);
	flow_table_free(t);
}

/* flow_get never hands back a flow idle past its timeout, swept or not. */
static void test_get_expired(void)
{
	struct flow_table *t = flow_table_new(64, 12);
	struct released rel = { 0 };
	static int ext;
	struct flow_key k = key(9, 6);
	struct flow *f;
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	flow_table_set_release(t, count_release, &rel);
	f = flow_get(t, &k, 0, &created);
	f->stage = FLOW_SETTLED;
	f->verdict = FLOW_DENY;
	f->ext = &ext;
	f = flow_get(t, &k, FLOW_TIMEOUT_SETTLED_MS - 1, &created);
	CU_ASSERT(!created);
	f = flow_get(t, &k, 2 * FLOW_TIMEOUT_SETTLED_MS + 256, &created);
	CU_ASSERT(created);
	CU_ASSERT_EQUAL(f->stage, FLOW_NEW);
	CU_ASSERT_EQUAL(f->verdict, FLOW_ACCEPT);
	CU_ASSERT_PTR_NULL(f->ext);
	CU_ASSERT_EQUAL(rel.n, 1);
	CU_ASSERT_EQUAL(flow_count(t), 1);
	flow_table_free(t);
}

/* The default size: full without evictions, then swept within four calls of expiring. */
static void test_65536(void)
{
	const uint32_t max = 65536;
	struct flow_table *t = flow_table_new(max, 0x1234);
	struct flow_key k;
	bool created, ok = true;
	size_t n, total = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (uint32_t i = 0; i < max; i++) {
		k = keyn(i, 17);
		flow_get(t, &k, i / 64, &created);
		ok = ok && created;
	}
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(flow_count(t), max);
	CU_ASSERT_EQUAL(flow_evictions(t), 0);
	for (uint32_t i = 0; i < max; i++) {
		k = keyn(i, 17);
		ok = ok && flow_find(t, &k);
	}
	CU_ASSERT(ok);
	k = keyn(max, 17);
	flow_get(t, &k, 2000, &created);
	CU_ASSERT(created);
	CU_ASSERT_EQUAL(flow_evictions(t), 1);
	CU_ASSERT_EQUAL(flow_count(t), max);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(flow_expire(t, FLOW_TIMEOUT_UDP_MS - 1), 0);
	for (int i = 0; i < 4; i++) {
		n = flow_expire(t, FLOW_TIMEOUT_UDP_MS + 3000);
		CU_ASSERT(n < max);  /* no call reads the whole table */
		total += n;
	}
	CU_ASSERT_EQUAL(total, max);
	CU_ASSERT_EQUAL(flow_count(t), 0);
	flow_table_free(t);
}

static void test_bad_size(void)
{
	CU_ASSERT_PTR_NULL(flow_table_new(3, 0));
	flow_table_free(NULL);
}

static void test_apps(void)
{
	struct apps *a = apps_new(3);
	struct app_entry *e, *f;
	bool created;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	e = apps_get(a, "org.gnome.Maps", 10, &created);
	CU_ASSERT(created);
	CU_ASSERT_EQUAL(e->first_seen, 10);
	CU_ASSERT_EQUAL(e->net, -1);
	e->net = 1;
	f = apps_get(a, "org.gnome.Maps", 20, &created);
	CU_ASSERT(!created);
	CU_ASSERT_PTR_EQUAL(e, f);
	apps_get(a, "b", 1, &created);
	apps_get(a, "c", 1, &created);
	CU_ASSERT_PTR_NULL(apps_get(a, "d", 1, &created));
	CU_ASSERT_EQUAL(apps_count(a), 3);
	CU_ASSERT_STRING_EQUAL(apps_at(a, 0)->id, "org.gnome.Maps");
	CU_ASSERT_PTR_NULL(apps_at(a, 3));
	CU_ASSERT_PTR_NULL(apps_find(a, "d"));
	apps_invalidate(a);
	CU_ASSERT_EQUAL(e->net, -1);
	apps_free(a);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "get and find", test_get_find },
		{ "bounded, a flow in use outlives one that is not", test_bounded_lru },
		{ "expiry by protocol", test_expire },
		{ "settled flows expire sooner", test_expire_settled },
		{ "an entry is 48 bytes at most", test_size },
		{ "keys sharing buckets", test_chains },
		{ "keys one byte apart are different flows", test_one_byte_apart },
		{ "full table evicts flows not in use", test_evict_full },
		{ "expiry by protocol and stage", test_expire_stages },
		{ "an expired flow is created anew", test_get_expired },
		{ "65,536 flows", test_65536 },
		{ "bad size", test_bad_size },
		{ "app registry", test_apps },
		{ NULL, NULL },
	};

	return unit_run("flow", cases);
}
