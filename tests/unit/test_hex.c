/*
 * tests/unit/test_hex.c — core/hex.c: encoding, digits of either case,
 * decoding that refuses anything but hex digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"

static void
test_hex_encode_lower_case_and_terminated(void **state)
{
	static const unsigned char in[] = { 0x00, 0x0f, 0xa5, 0xff, 0x10 };
	char out[2 * sizeof(in) + 2];

	(void)state;
	memset(out, 'x', sizeof(out));
	cs_hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "000fa5ff10");
	assert_int_equal(out[sizeof(out) - 1], 'x');	/* nothing past the NUL */
	cs_hex_encode(in, 0, out);
	assert_string_equal(out, "");
}

static void
test_hex_digit_both_cases_and_refusals(void **state)
{
	static const char bad[] = "gG/:@`\x7f \n";
	size_t i;

	(void)state;
	assert_int_equal(cs_hex_digit('0'), 0);
	assert_int_equal(cs_hex_digit('9'), 9);
	assert_int_equal(cs_hex_digit('a'), 10);
	assert_int_equal(cs_hex_digit('F'), 15);
	for (i = 0; i < sizeof(bad) - 1; i++)
		assert_int_equal(cs_hex_digit(bad[i]), -1);
	assert_int_equal(cs_hex_digit(0xe1), -1);
}

static void
test_hex_decode_round_trip_and_refusals(void **state)
{
	unsigned char all[256], back[256];
	char text[2 * 256 + 1];
	unsigned char two[2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	cs_hex_encode(all, sizeof(all), text);
	assert_int_equal(cs_hex_decode(text, sizeof(all), back), 0);
	assert_memory_equal(all, back, sizeof(all));
	assert_int_equal(cs_hex_decode("ABcd", 2, two), 0);
	assert_int_equal(two[0], 0xab);
	assert_int_equal(two[1], 0xcd);
	assert_int_equal(cs_hex_decode("a-cd", 2, two), -1);
	assert_int_equal(cs_hex_decode("abc ", 2, two), -1);
	/* Only 2n characters are read: what follows does not matter. */
	assert_int_equal(cs_hex_decode("01zz", 1, two), 0);
	assert_int_equal(two[0], 0x01);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_encode_lower_case_and_terminated),
		cmocka_unit_test(test_hex_digit_both_cases_and_refusals),
		cmocka_unit_test(test_hex_decode_round_trip_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
