/* Flow table and app registry: bounded, O(1), LRU eviction, expiry. */
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
	/* touch flow 0 so flow 1 is the least recently used */
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
		{ "bounded, least recently used evicted", test_bounded_lru },
		{ "expiry by protocol", test_expire },
		{ "settled flows expire sooner", test_expire_settled },
		{ "bad size", test_bad_size },
		{ "app registry", test_apps },
		{ NULL, NULL },
	};

	return unit_run("flow", cases);
}
