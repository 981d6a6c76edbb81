/* tests/unit/test_date.c — core/date.c: calendar dates and times of death. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/date.h"

static void
test_date_parse_accepts_calendar_date(void **state)
{
	struct cs_date d;
	struct cs_err e;

	(void)state;
	assert_int_equal(cs_date_parse("2025-09-12", &d, &e), 0);
	assert_int_equal(d.y, 2025);
	assert_int_equal(d.m, 9);
	assert_int_equal(d.d, 12);
}

static void
test_date_leap_day_only_in_leap_years(void **state)
{
	struct cs_date d;
	struct cs_err e;

	(void)state;
	assert_int_equal(cs_date_parse("2024-02-29", &d, &e), 0);
	assert_int_equal(cs_date_parse("2000-02-29", &d, &e), 0);
	assert_int_equal(cs_date_parse("2023-02-29", &d, &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "not a leap year"));
	assert_int_equal(cs_date_parse("1900-02-29", &d, &e), CS_E_INVALID);
	assert_int_equal(d.y, 0);	/* unset on failure */
	assert_true(cs_date_is_leap(2024));
	assert_false(cs_date_is_leap(2100));
	assert_true(cs_date_is_leap(2400));
}

static void
test_date_impossible_days_refused(void **state)
{
	static const char *bad[] = { "2025-04-31", "2025-13-01", "2025-00-10",
		"2025-01-00", "2025-01-32", "0000-01-01" };
	struct cs_date d;
	struct cs_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cs_date_parse(bad[i], &d, &e), CS_E_INVALID);
}

static void
test_date_format_must_be_exact(void **state)
{
	static const char *bad[] = { "2025-9-12", "2025/09/12", "12/09/2025",
		"2025-09-12 ", " 2025-09-12", "2025-09-12T00:00:00+07:00",
		"20250912", "", "２０２５-09-12", "+2025-09-12" };
	struct cs_date d;
	struct cs_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cs_date_parse(bad[i], &d, &e), CS_E_INVALID);
}

static void
test_datetime_date_only_means_hour_unknown(void **state)
{
	struct cs_datetime t;
	struct cs_err e;
	char buf[CS_DATETIME_STR_MAX];

	(void)state;
	assert_int_equal(cs_datetime_parse("2025-10-03", &t, &e), 0);
	assert_int_equal(t.has_time, 0);
	cs_datetime_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2025-10-03");
}

static void
test_datetime_with_offset_round_trips(void **state)
{
	struct cs_datetime t;
	struct cs_err e;
	char buf[CS_DATETIME_STR_MAX];

	(void)state;
	assert_int_equal(cs_datetime_parse("2025-10-03T04:30:00+07:00", &t,
	    &e), 0);
	assert_int_equal(t.has_time, 1);
	assert_int_equal(t.hh, 4);
	assert_int_equal(t.mm, 30);
	assert_int_equal(t.offset_min, 420);
	cs_datetime_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2025-10-03T04:30:00+07:00");

	assert_int_equal(cs_datetime_parse("2025-10-03T04:30-05:30", &t, &e),
	    0);
	assert_int_equal(t.offset_min, -330);
	cs_datetime_format(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2025-10-03T04:30:00-05:30");
}

static void
test_datetime_z_offset_refused(void **state)
{
	struct cs_datetime t;
	struct cs_err e;

	(void)state;
	assert_int_equal(cs_datetime_parse("2025-10-03T04:30:00Z", &t, &e),
	    CS_E_INVALID);
	assert_non_null(strstr(e.msg, "\"Z\""));
	assert_int_equal(cs_datetime_parse("2025-10-03T04:30:00z", &t, &e),
	    CS_E_INVALID);
}

static void
test_datetime_missing_offset_refused(void **state)
{
	struct cs_datetime t;
	struct cs_err e;

	(void)state;
	assert_int_equal(cs_datetime_parse("2025-10-03T04:30:00", &t, &e),
	    CS_E_INVALID);
	assert_non_null(strstr(e.msg, "no UTC offset"));
	assert_int_equal(cs_datetime_parse("2025-10-03T04:30", &t, &e),
	    CS_E_INVALID);
}

static void
test_datetime_malformed_or_impossible_refused(void **state)
{
	static const char *bad[] = { "2025-10-03T24:00:00+07:00",
		"2025-10-03T04:60:00+07:00", "2025-10-03T04:30:60+07:00",
		"2025-10-03T04:30:00+0700", "2025-10-03T04:30:00+07",
		"2025-10-03T04:30:00+15:00", "2025-10-03T04:30:00+07:60",
		"2025-10-03T04:30:00-00:00", "2025-10-03 04:30:00+07:00",
		"2025-10-03T4:30:00+07:00", "2025-10-03T04:30:00+07:00x",
		"2023-02-29T04:30:00+07:00", "2025-10-03T" };
	struct cs_datetime t;
	struct cs_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cs_datetime_parse(bad[i], &t, &e),
		    CS_E_INVALID);
		assert_int_equal(t.has_time, 0);
	}
}

static void
test_date_cmp_orders_dates(void **state)
{
	struct cs_date a = { 2024, 12, 31 }, b = { 2025, 1, 1 };

	(void)state;
	assert_true(cs_date_cmp(&a, &b) < 0);
	assert_true(cs_date_cmp(&b, &a) > 0);
	assert_int_equal(cs_date_cmp(&a, &a), 0);
}

static void
test_date_ict_is_utc_plus_seven(void **state)
{
	struct cs_date d;

	(void)state;
	/* 2026-11-22T16:59:59Z is 23:59:59 in Hà Nội; a second later, 23rd. */
	cs_date_ict(1795366799, &d);
	assert_int_equal(d.y, 2026);
	assert_int_equal(d.m, 11);
	assert_int_equal(d.d, 22);
	cs_date_ict(1795366800, &d);
	assert_int_equal(d.d, 23);
	cs_date_ict(0, &d);
	assert_int_equal(d.y, 1970);
	assert_int_equal(d.d, 1);
	cs_date_ict(-25201, &d);	/* 1969-12-31T23:59:59 ICT */
	assert_int_equal(d.y, 1969);
	assert_int_equal(d.d, 31);
}

static void
test_datetime_ict_date_converts_offset(void **state)
{
	struct cs_datetime t;
	struct cs_date d;
	struct cs_err e;

	(void)state;
	/* 20:00 in Paris (+01:00) on 31 Dec is 02:00 on 1 Jan in Vietnam. */
	assert_int_equal(cs_datetime_parse("2024-12-31T20:00:00+01:00", &t,
	    &e), 0);
	cs_datetime_ict_date(&t, &d);
	assert_int_equal(d.y, 2025);
	assert_int_equal(d.m, 1);
	assert_int_equal(d.d, 1);
	/* 01:00 in Tokyo (+09:00) on 1 Mar 2024 is 23:00 on 29 Feb in ICT. */
	assert_int_equal(cs_datetime_parse("2024-03-01T01:00:00+09:00", &t,
	    &e), 0);
	cs_datetime_ict_date(&t, &d);
	assert_int_equal(d.m, 2);
	assert_int_equal(d.d, 29);
	/* A date alone is an ICT date already. */
	assert_int_equal(cs_datetime_parse("2025-10-03", &t, &e), 0);
	cs_datetime_ict_date(&t, &d);
	assert_int_equal(d.d, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_parse_accepts_calendar_date),
		cmocka_unit_test(test_date_leap_day_only_in_leap_years),
		cmocka_unit_test(test_date_impossible_days_refused),
		cmocka_unit_test(test_date_format_must_be_exact),
		cmocka_unit_test(test_datetime_date_only_means_hour_unknown),
		cmocka_unit_test(test_datetime_with_offset_round_trips),
		cmocka_unit_test(test_datetime_z_offset_refused),
		cmocka_unit_test(test_datetime_missing_offset_refused),
		cmocka_unit_test(test_datetime_malformed_or_impossible_refused),
		cmocka_unit_test(test_date_cmp_orders_dates),
		cmocka_unit_test(test_date_ict_is_utc_plus_seven),
		cmocka_unit_test(test_datetime_ict_date_converts_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
