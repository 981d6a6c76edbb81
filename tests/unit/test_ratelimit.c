/*
 * tests/unit/test_ratelimit.c — verifier/ratelimit.c: token buckets per
 * client address, refill, IPv6 /64 grouping, eviction, and threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "verifier/ratelimit.h"

static struct verifier_ratelimit *
mk(double rate, double burst, size_t slots)
{
	struct verifier_ratelimit *rl = NULL;
	struct cs_err err;

	assert_int_equal(verifier_ratelimit_new(rate, burst, slots, &rl, &err),
	    0);
	return rl;
}

static void
test_ratelimit_burst_then_refused_with_retry_after(void **state)
{
	struct verifier_ratelimit *rl = mk(2, 5, 64);
	unsigned ra = 99;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(verifier_ratelimit_take(rl, "192.0.2.1", 100.0,
		    &ra), 1);
	assert_int_equal(verifier_ratelimit_take(rl, "192.0.2.1", 100.0, &ra),
	    0);
	/* One token at 2 per second: half a second, said as 1 s. */
	assert_int_equal(ra, 1);
	verifier_ratelimit_free(rl);
}

static void
test_ratelimit_refills_at_rate_up_to_burst(void **state)
{
	struct verifier_ratelimit *rl = mk(1, 3, 64);
	unsigned ra;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(verifier_ratelimit_take(rl, "192.0.2.9", 10.0,
		    &ra), 1);
	assert_int_equal(verifier_ratelimit_take(rl, "192.0.2.9", 10.5, &ra), 0);
	assert_int_equal(verifier_ratelimit_take(rl, "192.0.2.9", 11.1, &ra), 1);
	/* A long pause refills to burst, not beyond. */
	for (i = 0; i < 3; i++)
		assert_int_equal(verifier_ratelimit_take(rl, "192.0.2.9",
		    1000.0, &ra), 1);
	assert_int_equal(verifier_ratelimit_take(rl, "192.0.2.9", 1000.0, &ra),
	    0);
	verifier_ratelimit_free(rl);
}

static void
test_ratelimit_addresses_are_independent(void **state)
{
	struct verifier_ratelimit *rl = mk(1, 1, 64);
	unsigned ra;

	(void)state;
	assert_int_equal(verifier_ratelimit_take(rl, "198.51.100.1", 1, &ra), 1);
	assert_int_equal(verifier_ratelimit_take(rl, "198.51.100.1", 1, &ra), 0);
	assert_int_equal(verifier_ratelimit_take(rl, "198.51.100.2", 1, &ra), 1);
	verifier_ratelimit_free(rl);
}

static void
test_ratelimit_ipv6_counts_per_64(void **state)
{
	struct verifier_ratelimit *rl = mk(1, 2, 64);
	unsigned ra;

	(void)state;
	assert_int_equal(verifier_ratelimit_take(rl, "2001:db8:1:2::1", 1, &ra),
	    1);
	assert_int_equal(verifier_ratelimit_take(rl, "2001:db8:1:2:ffff::9", 1,
	    &ra), 1);
	/* Same /64, third request: refused. */
	assert_int_equal(verifier_ratelimit_take(rl, "2001:db8:1:2::abcd", 1,
	    &ra), 0);
	/* Another /64: its own bucket. */
	assert_int_equal(verifier_ratelimit_take(rl, "2001:db8:1:3::1", 1, &ra),
	    1);
	verifier_ratelimit_free(rl);
}

static void
test_ratelimit_full_table_evicts_least_recent(void **state)
{
	struct verifier_ratelimit *rl = mk(0.001, 1, 8);
	char a[32];
	unsigned ra;
	int i;

	(void)state;
	/* More addresses than slots: every newcomer is still served. */
	for (i = 0; i < 200; i++) {
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 250, i % 250);
		assert_int_equal(verifier_ratelimit_take(rl, a, (double)i, &ra),
		    1);
	}
	/* The last one is remembered (it was just seen). */
	assert_int_equal(verifier_ratelimit_take(rl, a, 200.0, &ra), 0);
	verifier_ratelimit_free(rl);
}

static void
test_ratelimit_rejects_bad_parameters(void **state)
{
	struct verifier_ratelimit *rl = NULL;
	struct cs_err err;

	(void)state;
	assert_int_equal(verifier_ratelimit_new(0, 5, 64, &rl, &err),
	    CS_E_INVALID);
	assert_int_equal(verifier_ratelimit_new(1, 0.5, 64, &rl, &err),
	    CS_E_INVALID);
	assert_int_equal(verifier_ratelimit_new(1, 5, 0, &rl, &err),
	    CS_E_INVALID);
	assert_null(rl);
	verifier_ratelimit_free(NULL);
}

static struct verifier_ratelimit *shared;
static int granted[8];

static void *
taker(void *arg)
{
	int *n = arg, i;
	unsigned ra;

	for (i = 0; i < 1000; i++)
		*n += verifier_ratelimit_take(shared, "203.0.113.7", 5.0, &ra);
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
	verifier_ratelimit_free(shared);
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
