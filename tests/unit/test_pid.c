/* tests/unit/test_pid.c — core/pid.c: the personal ID (docs/domain.md §3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/pid.h"

static void
assert_person_refused(const char *pid, enum cs_gender g, int year,
    const char *msg)
{
	struct cs_err e;

	cs_err_clear(&e);
	assert_int_equal(cs_pid_check_person(pid, g, year, &e), CS_E_INVALID);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, msg);
}

static void
test_pid_source_example_accepted(void **state)
{
	struct cs_err e;

	(void)state;
	/* 087 0 84 000999: Đồng Tháp, male, born 1984. */
	assert_int_equal(cs_pid_check_person("087084000999", CS_GENDER_MALE,
	    1984, &e), 0);
	assert_string_equal(cs_pid_province("087"), "\xc4\x90\xe1\xbb\x93ng "
	    "Th\xc3\xa1p");
}

static void
test_pid_every_century_digit_accepted(void **state)
{
	static const struct {
		const char *pid;
		enum cs_gender g;
		int year;
	} ok[] = {
		{ "001096023415", CS_GENDER_MALE, 1996 },
		{ "001196023415", CS_GENDER_FEMALE, 1996 },
		{ "001200112604", CS_GENDER_MALE, 2000 },
		{ "001325048317", CS_GENDER_FEMALE, 2025 },
		{ "001400000001", CS_GENDER_MALE, 2100 },
		{ "001599000001", CS_GENDER_FEMALE, 2199 },
		{ "001601000001", CS_GENDER_MALE, 2201 },
		{ "001750000001", CS_GENDER_FEMALE, 2250 },
		{ "001800000001", CS_GENDER_MALE, 2300 },
		{ "001999000001", CS_GENDER_FEMALE, 2399 },
	};
	struct cs_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (cs_pid_check_person(ok[i].pid, ok[i].g, ok[i].year, &e))
			fail_msg("%s refused: %s", ok[i].pid, e.msg);
}

static void
test_pid_all_63_prefixes_accepted(void **state)
{
	static const int codes[63] = { 1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17,
		19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40,
		42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67,
		68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92,
		93, 94, 95, 96 };
	char pid[16];
	struct cs_err e;
	int i, n = 0;

	(void)state;
	for (i = 0; i < 63; i++) {
		snprintf(pid, sizeof(pid), "%03d325048317", codes[i]);
		assert_int_equal(cs_pid_check_structure(pid, &e), 0);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(pid, sizeof(pid), "%03d325048317", i);
		n += cs_pid_check_structure(pid, NULL) == 0;
	}
	assert_int_equal(n, 63);
}

static void
test_pid_post_2025_codes_are_old_codes(void **state)
{
	(void)state;
	/* docs/domain.md §4: the 34 new codes are a subset (15: Yên Bái's). */
	assert_non_null(cs_pid_province("015"));
	assert_non_null(cs_pid_province("024"));
	assert_non_null(cs_pid_province("091"));
}

static void
test_pid_unknown_province_prefix_refused(void **state)
{
	struct cs_err e;

	(void)state;
	assert_int_equal(cs_pid_check_structure("003325048317", &e),
	    CS_E_INVALID);
	assert_string_equal(e.msg,
	    "prefix 003 is not one of the 63 province codes");
	assert_int_equal(cs_pid_check_structure("000325048317", &e),
	    CS_E_INVALID);
	assert_int_equal(cs_pid_check_structure("097325048317", &e),
	    CS_E_INVALID);
	assert_int_equal(cs_pid_check_structure("100325048317", &e),
	    CS_E_INVALID);
	assert_null(cs_pid_province("003"));
}

static void
test_pid_must_be_12_ascii_digits(void **state)
{
	struct cs_err e;

	(void)state;
	assert_int_equal(cs_pid_check_structure("00132504831", &e),
	    CS_E_INVALID);
	assert_non_null(strstr(e.msg, "has 11 digits"));
	assert_int_equal(cs_pid_check_structure("0013250483170", &e),
	    CS_E_INVALID);
	assert_int_equal(cs_pid_check_structure("", &e), CS_E_INVALID);
	assert_int_equal(cs_pid_check_structure("001 325048317", &e),
	    CS_E_INVALID);
	assert_non_null(strstr(e.msg, "U+0020 at position 4"));
	assert_int_equal(cs_pid_check_structure("00132504831X", &e),
	    CS_E_INVALID);
	assert_non_null(strstr(e.msg, "'X' at position 12"));
	assert_int_equal(cs_pid_check_structure("-01325048317", &e),
	    CS_E_INVALID);
}

static void
test_pid_fullwidth_digits_refused(void **state)
{
	struct cs_err e;

	(void)state;
	/* "００１325048317": U+FF10 U+FF10 U+FF11, never NFKC-folded. */
	assert_int_equal(cs_pid_check_structure("\xef\xbc\x90\xef\xbc\x90"
	    "\xef\xbc\x91" "325048317", &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "fullwidth"));
	/* Arabic-Indic digits are digits too, but not ASCII. */
	assert_int_equal(cs_pid_check_structure("\xd9\xa0" "01325048317", &e),
	    CS_E_INVALID);
}

static void
test_pid_gender_digit_contradicts_gender(void **state)
{
	(void)state;
	assert_person_refused("001225048317", CS_GENDER_FEMALE, 2025,
	    "sex digit 2 (male, 2000\xe2\x80\x93" "2099) contradicts gender "
	    "female");
	assert_person_refused("001196023415", CS_GENDER_MALE, 1996,
	    "sex digit 1 (female, 1900\xe2\x80\x93" "1999) contradicts gender "
	    "male");
}

static void
test_pid_century_digit_contradicts_birth_year(void **state)
{
	(void)state;
	/* Female born 1996 must have 1, not 3. */
	assert_person_refused("001396023415", CS_GENDER_FEMALE, 1996,
	    "century digit 3 (female, 2000\xe2\x80\x93" "2099) contradicts "
	    "birth year 1996");
	/* Nobody born before 1900 has a digit. */
	assert_person_refused("001099023415", CS_GENDER_MALE, 1899,
	    "contradicts birth year 1899");
}

static void
test_pid_sex_and_century_both_reported(void **state)
{
	struct cs_err e;

	(void)state;
	assert_int_equal(cs_pid_check_person("001225048317", CS_GENDER_FEMALE,
	    1925, &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "contradicts gender female"));
	assert_non_null(strstr(e.msg, "contradicts birth year 1925"));
}

static void
test_pid_year_digits_contradict_birth_year(void **state)
{
	(void)state;
	assert_person_refused("001324048317", CS_GENDER_FEMALE, 2025,
	    "year digits 24 contradict birth year 2025");
	assert_person_refused("001300048317", CS_GENDER_FEMALE, 2001,
	    "year digits 00 contradict birth year 2001");
}

static void
test_pid_structure_only_ignores_sex_and_year(void **state)
{
	struct cs_err e;

	(void)state;
	/* A declarant: sex and birth year are not recorded. */
	assert_int_equal(cs_pid_check_structure("079175028841", &e), 0);
	assert_int_equal(cs_pid_check_person("079175028841", CS_GENDER_NONE,
	    0, &e), 0);
	assert_int_equal(cs_pid_check_person("079975028841", CS_GENDER_NONE,
	    0, &e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid_source_example_accepted),
		cmocka_unit_test(test_pid_every_century_digit_accepted),
		cmocka_unit_test(test_pid_all_63_prefixes_accepted),
		cmocka_unit_test(test_pid_post_2025_codes_are_old_codes),
		cmocka_unit_test(test_pid_unknown_province_prefix_refused),
		cmocka_unit_test(test_pid_must_be_12_ascii_digits),
		cmocka_unit_test(test_pid_fullwidth_digits_refused),
		cmocka_unit_test(test_pid_gender_digit_contradicts_gender),
		cmocka_unit_test(test_pid_century_digit_contradicts_birth_year),
		cmocka_unit_test(test_pid_sex_and_century_both_reported),
		cmocka_unit_test(test_pid_year_digits_contradict_birth_year),
		cmocka_unit_test(test_pid_structure_only_ignores_sex_and_year),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
