/*
 * tests/unit/test_ratelimit.c — verifyd/ratelimit.c: token buckets per
 * client address, refill, IPv6 /64 grouping, eviction, and threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "verifyd/ratelimit.h"

static struct verifyd_ratelimit *
mk(double rate, double burst, size_t slots)
{
	struct verifyd_ratelimit *rl = NULL;
	struct cs_err err;

	assert_int_equal(verifyd_ratelimit_new(rate, burst, slots, &rl, &err),
	    0);
	return rl;
}

static void
test_ratelimit_burst_then_refused_with_retry_after(void **state)
{
	struct verifyd_ratelimit *rl = mk(2, 5, 64);
	unsigned ra = 99;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(verifyd_ratelimit_take(rl, "192.0.2.1", 100.0,
		    &ra), 1);
	assert_int_equal(verifyd_ratelimit_take(rl, "192.0.2.1", 100.0, &ra),
	    0);
	/* One token at 2 per second: half a second, said as 1 s. */
	assert_int_equal(ra, 1);
	verifyd_ratelimit_free(rl);
}

static void
test_ratelimit_refills_at_rate_up_to_burst(void **state)
{
	struct verifyd_ratelimit *rl = mk(1, 3, 64);
	unsigned ra;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(verifyd_ratelimit_take(rl, "192.0.2.9", 10.0,
		    &ra), 1);
	assert_int_equal(verifyd_ratelimit_take(rl, "192.0.2.9", 10.5, &ra), 0);
	assert_int_equal(verifyd_ratelimit_take(rl, "192.0.2.9", 11.1, &ra), 1);
	/* A long pause refills to burst, not beyond. */
	for (i = 0; i < 3; i++)
		assert_int_equal(verifyd_ratelimit_take(rl, "192.0.2.9",
		    1000.0, &ra), 1);
	assert_int_equal(verifyd_ratelimit_take(rl, "192.0.2.9", 1000.0, &ra),
	    0);
	verifyd_ratelimit_free(rl);
}

static void
test_ratelimit_addresses_are_independent(void **state)
{
	struct verifyd_ratelimit *rl = mk(1, 1, 64);
	unsigned ra;

	(void)state;
	assert_int_equal(verifyd_ratelimit_take(rl, "198.51.100.1", 1, &ra), 1);
	assert_int_equal(verifyd_ratelimit_take(rl, "198.51.100.1", 1, &ra), 0);
	assert_int_equal(verifyd_ratelimit_take(rl, "198.51.100.2", 1, &ra), 1);
	verifyd_ratelimit_free(rl);
}

static void
test_ratelimit_ipv6_counts_per_64(void **state)
{
	struct verifyd_ratelimit *rl = mk(1, 2, 64);
	unsigned ra;

	(void)state;
	assert_int_equal(verifyd_ratelimit_take(rl, "2001:db8:1:2::1", 1, &ra),
	    1);
	assert_int_equal(verifyd_ratelimit_take(rl, "2001:db8:1:2:ffff::9", 1,
	    &ra), 1);
	/* Same /64, third request: refused. */
	assert_int_equal(verifyd_ratelimit_take(rl, "2001:db8:1:2::abcd", 1,
	    &ra), 0);
	/* Another /64: its own bucket. */
	assert_int_equal(verifyd_ratelimit_take(rl, "2001:db8:1:3::1", 1, &ra),
	    1);
	verifyd_ratelimit_free(rl);
}

static void
test_ratelimit_full_table_evicts_least_recent(void **state)
{
	/*
	 * 8 slots, which is also PROBE: every lookup sees the whole table, so
	 * the entry replaced is exactly the least recently seen of all.  A
	 * burst of 2 and a refill too slow to matter (one token per 1000 s).
	 */
	struct verifyd_ratelimit *rl = mk(0.001, 2, 8);
	char a[32];
	unsigned ra;
	int i;

	(void)state;
	/*
	 * More addresses than slots: every newcomer is still served, its whole
	 * burst.  10.0.0.i at time i, so 10.0.0.192 to .199 are kept.
	 */
	for (i = 0; i < 200; i++) {
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 250, i % 250);
		assert_int_equal(verifyd_ratelimit_take(rl, a, (double)i, &ra),
		    1);
		assert_int_equal(verifyd_ratelimit_take(rl, a, (double)i, &ra),
		    1);
	}
	/*
	 * The last one is remembered (it was just seen): its bucket is still
	 * empty, a token 999 s away (1 s of refill had 0.001 of it back).
	 */
	assert_string_equal(a, "10.0.0.199");
	ra = 0;
	assert_int_equal(verifyd_ratelimit_take(rl, a, 200.0, &ra), 0);
	assert_in_range(ra, 999, 1000);
	/* So is the least recent of the kept ones (now seen again at 200). */
	ra = 0;
	assert_int_equal(verifyd_ratelimit_take(rl, "10.0.0.192", 200.0, &ra),
	    0);
	assert_in_range(ra, 990, 1000);
	/*
	 * The least recently used, 10.0.0.0, was evicted: served again with a
	 * full burst (2), then refused.  Remembered, it would have had 0.201
	 * of a token and been refused at once.
	 */
	assert_int_equal(verifyd_ratelimit_take(rl, "10.0.0.0", 201.0, &ra), 1);
	assert_int_equal(ra, 0);
	assert_int_equal(verifyd_ratelimit_take(rl, "10.0.0.0", 201.0, &ra), 1);
	assert_int_equal(verifyd_ratelimit_take(rl, "10.0.0.0", 201.0, &ra), 0);
	assert_in_range(ra, 999, 1000);
	/*
	 * Its slot was the least recently *used* one, 10.0.0.193 (seen at
	 * 193), not the oldest inserted, 10.0.0.192 (seen again at 200):
	 * .192 keeps its empty bucket, .193 starts over with a full one.
	 */
	ra = 0;
	assert_int_equal(verifyd_ratelimit_take(rl, "10.0.0.192", 202.0, &ra),
	    0);
	assert_in_range(ra, 990, 1000);
	assert_int_equal(verifyd_ratelimit_take(rl, "10.0.0.193", 202.0, &ra),
	    1);
	assert_int_equal(verifyd_ratelimit_take(rl, "10.0.0.193", 202.0, &ra),
	    1);
	assert_int_equal(verifyd_ratelimit_take(rl, "10.0.0.193", 202.0, &ra),
	    0);
	verifyd_ratelimit_free(rl);
}

static void
test_ratelimit_rejects_bad_parameters(void **state)
{
	struct verifyd_ratelimit *rl;
	struct cs_err err;
	int marker;

	(void)state;
	/* rl is set to a marker before each call: a refusal must NULL it. */
	rl = (struct verifyd_ratelimit *)(void *)&marker;
	assert_int_equal(verifyd_ratelimit_new(0, 5, 64, &rl, &err),
	    CS_E_INVALID);
	assert_null(rl);
	rl = (struct verifyd_ratelimit *)(void *)&marker;
	assert_int_equal(verifyd_ratelimit_new(1, 0.5, 64, &rl, &err),
	    CS_E_INVALID);
	assert_null(rl);
	rl = (struct verifyd_ratelimit *)(void *)&marker;
	assert_int_equal(verifyd_ratelimit_new(1, 5, 0, &rl, &err),
	    CS_E_INVALID);
	assert_null(rl);
	verifyd_ratelimit_free(NULL);
}

static struct verifyd_ratelimit *shared;
static int granted[8];

static void *
taker(void *arg)
{
	int *n = arg, i;
	unsigned ra;

	for (i = 0; i < 1000; i++)
		*n += verifyd_ratelimit_take(shared, "203.0.113.7", 5.0, &ra);
	return NULL;
}

static void
test_ratelimit_threads_never_grant_more_than_burst(void **state)
{
	pthread_t t[8];
	int i, sum = 0;

	(void)state;
	shared = mk(0.0001, 100, 64);
	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, taker,
		    &granted[i]), 0);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		sum += granted[i];
	}
	assert_int_equal(sum, 100);
	verifyd_ratelimit_free(shared);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_burst_then_refused_with_retry_after),
		cmocka_unit_test(test_ratelimit_refills_at_rate_up_to_burst),
		cmocka_unit_test(test_ratelimit_addresses_are_independent),
		cmocka_unit_test(test_ratelimit_ipv6_counts_per_64),
		cmocka_unit_test(test_ratelimit_full_table_evicts_least_recent),
		cmocka_unit_test(test_ratelimit_rejects_bad_parameters),
		cmocka_unit_test(test_ratelimit_threads_never_grant_more_than_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
