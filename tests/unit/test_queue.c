/* queue: the verdict-latency percentiles over the histogram bins. */
#include <string.h>

#include "queue.h"
#include "unit.h"

static void test_latency_pct(void)
{
	struct queue_stats s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 50), -1);
	s.lat_hist[3] = 90;     /* 3 µs */
	s.lat_hist[20] = 9;     /* 20 µs */
	s.lat_hist[101] = 1;    /* 150..199 µs */
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 0), 3);
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 50), 3);
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 89), 3);
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 90), 20);
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 98), 20);
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 99), 150);
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 100), 150);
	memset(&s, 0, sizeof(s));
	s.lat_hist[QUEUE_LAT_BINS - 1] = 1;
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 50), 10000);
	s.lat_hist[118] = 1;
	CU_ASSERT_EQUAL(queue_latency_pct(&s, 0), 1000);
}

static const struct unit_case cases[] = {
	{ "latency percentiles", test_latency_pct },
	{ NULL, NULL },
};

int main(void)
{
	return unit_run("queue", cases);
}
