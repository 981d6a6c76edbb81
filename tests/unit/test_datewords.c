/* tests/unit/test_datewords.c — render/datewords.c: dates and times in words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "render/datewords.h"

struct ncase {
	int n;
	const char *north;
	const char *south;
};

/* Every rule of datewords.h, in both profiles where they differ. */
static const struct ncase numbers[] = {
	{ 0, "không", "không" },
	{ 1, "một", "một" },
	{ 4, "bốn", "bốn" },
	{ 5, "năm", "năm" },
	{ 10, "mười", "mười" },
	{ 11, "mười một", "mười một" },
	{ 14, "mười bốn", "mười bốn" },
	{ 15, "mười lăm", "mười lăm" },
	{ 20, "hai mươi", "hai mươi" },
	{ 21, "hai mươi mốt", "hai mươi mốt" },
	{ 24, "hai mươi bốn", "hai mươi tư" },
	{ 25, "hai mươi lăm", "hai mươi lăm" },
	{ 30, "ba mươi", "ba mươi" },
	{ 31, "ba mươi mốt", "ba mươi mốt" },
	{ 59, "năm mươi chín", "năm mươi chín" },
	{ 100, "một trăm", "một trăm" },
	{ 101, "một trăm linh một", "một trăm lẻ một" },
	{ 1900, "một nghìn chín trăm", "một ngàn chín trăm" },
	{ 1937, "một nghìn chín trăm ba mươi bảy",
	    "một ngàn chín trăm ba mươi bảy" },
	{ 1990, "một nghìn chín trăm chín mươi",
	    "một ngàn chín trăm chín mươi" },
	{ 1948, "một nghìn chín trăm bốn mươi tám",
	    "một ngàn chín trăm bốn mươi tám" },
	{ 2000, "hai nghìn", "hai ngàn" },
	{ 2001, "hai nghìn không trăm linh một",
	    "hai ngàn không trăm lẻ một" },
	{ 2004, "hai nghìn không trăm linh bốn",
	    "hai ngàn không trăm lẻ bốn" },
	{ 2005, "hai nghìn không trăm linh năm",
	    "hai ngàn không trăm lẻ năm" },
	{ 2010, "hai nghìn không trăm mười", "hai ngàn không trăm mười" },
	{ 2011, "hai nghìn không trăm mười một",
	    "hai ngàn không trăm mười một" },
	{ 2015, "hai nghìn không trăm mười lăm",
	    "hai ngàn không trăm mười lăm" },
	{ 2021, "hai nghìn không trăm hai mươi mốt",
	    "hai ngàn không trăm hai mươi mốt" },
	{ 2024, "hai nghìn không trăm hai mươi bốn",
	    "hai ngàn không trăm hai mươi tư" },
	{ 2025, "hai nghìn không trăm hai mươi lăm",
	    "hai ngàn không trăm hai mươi lăm" },
	{ 2100, "hai nghìn một trăm", "hai ngàn một trăm" },
	{ 2105, "hai nghìn một trăm linh năm", "hai ngàn một trăm lẻ năm" },
	{ 9999, "chín nghìn chín trăm chín mươi chín",
	    "chín ngàn chín trăm chín mươi chín" },
};

static void
test_datewords_number_table_both_profiles(void **state)
{
	char buf[RENDER_DATEWORDS_MAX];
	struct cs_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		assert_int_equal(render_datewords_number(numbers[i].n,
		    RENDER_DATEWORDS_NORTH, buf, sizeof(buf), &e), 0);
		if (strcmp(buf, numbers[i].north) != 0)
			fail_msg("%d north: got '%s', want '%s'", numbers[i].n,
			    buf, numbers[i].north);
		assert_int_equal(render_datewords_number(numbers[i].n,
		    RENDER_DATEWORDS_SOUTH, buf, sizeof(buf), &e), 0);
		if (strcmp(buf, numbers[i].south) != 0)
			fail_msg("%d south: got '%s', want '%s'", numbers[i].n,
			    buf, numbers[i].south);
	}
}

static void
test_datewords_default_profile_is_north(void **state)
{
	char buf[RENDER_DATEWORDS_MAX];

	(void)state;
	assert_int_equal(RENDER_DATEWORDS_DEFAULT, RENDER_DATEWORDS_NORTH);
	assert_int_equal(render_datewords_number(2005, RENDER_DATEWORDS_DEFAULT, buf,
	    sizeof(buf), NULL), 0);
	assert_string_equal(buf, "hai nghìn không trăm linh năm");
}

struct dcase {
	struct cs_date d;
	const char *want;
};

static const struct dcase dates[] = {
	{ { 2023, 4, 15 },
	    "ngày mười lăm tháng tư năm hai nghìn không trăm hai mươi ba" },
	{ { 2024, 1, 1 },
	    "ngày một tháng một năm hai nghìn không trăm hai mươi bốn" },
	{ { 2025, 9, 12 },
	    "ngày mười hai tháng chín năm hai nghìn không trăm hai mươi lăm" },
	{ { 2005, 10, 4 },
	    "ngày bốn tháng mười năm hai nghìn không trăm linh năm" },
	{ { 2010, 11, 10 },
	    "ngày mười tháng mười một năm hai nghìn không trăm mười" },
	{ { 1937, 12, 14 },
	    "ngày mười bốn tháng mười hai năm một nghìn chín trăm ba mươi bảy" },
	{ { 2000, 5, 21 },
	    "ngày hai mươi mốt tháng năm năm hai nghìn" },
	{ { 2001, 3, 24 },
	    "ngày hai mươi bốn tháng ba năm hai nghìn không trăm linh một" },
	{ { 1900, 7, 25 },
	    "ngày hai mươi lăm tháng bảy năm một nghìn chín trăm" },
	{ { 2015, 6, 30 },
	    "ngày ba mươi tháng sáu năm hai nghìn không trăm mười lăm" },
	{ { 2105, 8, 31 },
	    "ngày ba mươi mốt tháng tám năm hai nghìn một trăm linh năm" },
	{ { 2024, 2, 29 },
	    "ngày hai mươi chín tháng hai năm hai nghìn không trăm hai mươi bốn" },
};

static void
test_datewords_date_table(void **state)
{
	char buf[RENDER_DATEWORDS_MAX];
	struct cs_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		assert_int_equal(render_datewords_date(&dates[i].d,
		    RENDER_DATEWORDS_NORTH, buf, sizeof(buf), &e), 0);
		if (strcmp(buf, dates[i].want) != 0)
			fail_msg("%04d-%02d-%02d: got '%s', want '%s'",
			    dates[i].d.y, dates[i].d.m, dates[i].d.d, buf,
			    dates[i].want);
	}
}

static void
test_datewords_month_four_is_tu_in_both_profiles(void **state)
{
	struct cs_date d = { 2005, 4, 5 };
	char buf[RENDER_DATEWORDS_MAX];

	(void)state;
	assert_int_equal(render_datewords_date(&d, RENDER_DATEWORDS_SOUTH, buf,
	    sizeof(buf), NULL), 0);
	assert_string_equal(buf,
	    "ngày năm tháng tư năm hai ngàn không trăm lẻ năm");
}

static void
test_datewords_invalid_date_refused(void **state)
{
	static const struct cs_date bad[] = { { 2023, 2, 29 }, { 2024, 13, 1 },
		{ 2024, 4, 31 }, { 0, 0, 0 } };
	char buf[RENDER_DATEWORDS_MAX];
	struct cs_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(render_datewords_date(&bad[i], RENDER_DATEWORDS_NORTH,
		    buf, sizeof(buf), &e), CS_E_INVALID);
		assert_non_null(strstr(e.msg, "not a calendar date"));
		assert_string_equal(buf, "");
	}
}

static void
test_datewords_time_of_death(void **state)
{
	static const struct {
		int hh, mm;
		const char *want;
	} t[] = {
		{ 4, 30, "bốn giờ ba mươi phút" },
		{ 0, 5, "không giờ năm phút" },
		{ 14, 15, "mười bốn giờ mười lăm phút" },
		{ 21, 1, "hai mươi mốt giờ một phút" },
		{ 23, 59, "hai mươi ba giờ năm mươi chín phút" },
		{ 10, 0, "mười giờ không phút" },
		{ 20, 24, "hai mươi giờ hai mươi bốn phút" },
		{ 22, 45, "hai mươi hai giờ bốn mươi lăm phút" },
	};
	char buf[RENDER_DATEWORDS_MAX];
	struct cs_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(render_datewords_time(t[i].hh, t[i].mm,
		    RENDER_DATEWORDS_NORTH, buf, sizeof(buf), &e), 0);
		assert_string_equal(buf, t[i].want);
	}
	assert_int_equal(render_datewords_time(24, 0, RENDER_DATEWORDS_NORTH, buf,
	    sizeof(buf), &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "24:00"));
	assert_int_equal(render_datewords_time(3, 60, RENDER_DATEWORDS_NORTH, buf,
	    sizeof(buf), &e), CS_E_INVALID);
	assert_int_equal(render_datewords_time(-1, 0, RENDER_DATEWORDS_NORTH, buf,
	    sizeof(buf), &e), CS_E_INVALID);
}

static void
test_datewords_bad_arguments_refused(void **state)
{
	char buf[RENDER_DATEWORDS_MAX], small[12];
	struct cs_date d = { 2023, 4, 15 };
	struct cs_err e;

	(void)state;
	assert_int_equal(render_datewords_number(10000, RENDER_DATEWORDS_NORTH, buf,
	    sizeof(buf), &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "10000"));
	assert_int_equal(render_datewords_number(-1, RENDER_DATEWORDS_NORTH, buf,
	    sizeof(buf), &e), CS_E_INVALID);
	assert_int_equal(render_datewords_number(5, (enum render_datewords_profile)7,
	    buf, sizeof(buf), &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "profile"));
	/* Too small a buffer: an error and an empty string, never a cut word. */
	assert_int_equal(render_datewords_date(&d, RENDER_DATEWORDS_NORTH, small,
	    sizeof(small), &e), CS_E_INTERNAL);
	assert_string_equal(small, "");
	assert_int_equal(render_datewords_number(1937, RENDER_DATEWORDS_NORTH, buf, 0,
	    &e), CS_E_INTERNAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datewords_number_table_both_profiles),
		cmocka_unit_test(test_datewords_default_profile_is_north),
		cmocka_unit_test(test_datewords_date_table),
		cmocka_unit_test(test_datewords_month_four_is_tu_in_both_profiles),
		cmocka_unit_test(test_datewords_invalid_date_refused),
		cmocka_unit_test(test_datewords_time_of_death),
		cmocka_unit_test(test_datewords_bad_arguments_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
