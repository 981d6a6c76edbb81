/* tests/unit/test_text.c — core/text.c: Vietnamese text (docs/domain.md §7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/text.h"

/* "Nguyễn" in NFC: ễ is U+1EC5. */
#define NGUYEN_NFC "Nguy\xe1\xbb\x85n"

/* Clean s (of len bytes) as kind; the result, or NULL with e filled. */
static char *
clean(const char *s, size_t len, enum cs_text_kind kind, int flags,
    struct cs_err *e)
{
	char *out = (char *)0x1;
	int r;

	cs_err_clear(e);
	r = cs_text_clean(s, len, kind, flags, &out, e);
	if (r != 0) {
		assert_null(out);
		assert_int_equal(r, CS_E_INVALID);
		assert_int_equal(e->code, CS_E_INVALID);
	}
	return out;
}

static void
assert_clean(const char *in, const char *want)
{
	struct cs_err e;
	char *out = clean(in, strlen(in), CS_TEXT_NAME, 0, &e);

	if (out == NULL)
		fail_msg("'%s' refused: %s", in, e.msg);
	assert_string_equal(out, want);
	free(out);
}

static void
assert_refused(const char *in, size_t len, const char *msgpart)
{
	struct cs_err e;
	char *out = clean(in, len, CS_TEXT_NAME, 0, &e);

	if (out != NULL) {
		free(out);
		fail_msg("accepted: %s", in);
	}
	if (strstr(e.msg, msgpart) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, msgpart);
}

static void
test_text_nfc_input_kept(void **state)
{
	(void)state;
	assert_clean(NGUYEN_NFC " V\xc4\x83n A", NGUYEN_NFC " V\xc4\x83n A");
}

static void
test_text_nfd_input_stored_as_nfc(void **state)
{
	struct cs_err e;
	/* ễ as e + U+0302 COMBINING CIRCUMFLEX + U+0303 COMBINING TILDE. */
	const char nfd[] = "Nguye\xcc\x82\xcc\x83n";
	/* "ệ": e + U+0323 DOT BELOW (ccc 220) + U+0302 (ccc 230) = U+1EC7. */
	const char nfd2[] = "Vie\xcc\xa3\xcc\x82t";
	char *out;

	(void)state;
	out = clean(nfd, strlen(nfd), CS_TEXT_NAME, 0, &e);
	assert_non_null(out);
	assert_int_equal(strlen(out), strlen(NGUYEN_NFC));
	assert_memory_equal(out, NGUYEN_NFC, strlen(NGUYEN_NFC) + 1);
	free(out);
	out = clean(nfd2, strlen(nfd2), CS_TEXT_NAME, 0, &e);
	assert_non_null(out);
	assert_string_equal(out, "Vi\xe1\xbb\x87t");
	free(out);
}

static void
test_text_windows1258_hybrid_normalised(void **state)
{
	(void)state;
	/* Windows-1258: precomposed ê (U+00EA), combining tilde U+0303. */
	assert_clean("Nguy\xc3\xaa\xcc\x83n", NGUYEN_NFC);
	/* ơ (U+01A1) + combining acute U+0301 = ớ U+1EDB. */
	assert_clean("Th\xc6\xa1\xcc\x81m", "Th\xe1\xbb\x9bm");
}

static void
test_text_invalid_utf8_refused(void **state)
{
	struct cs_err e;
	char *out = (char *)0x1;

	(void)state;
	/* TCVN3 "NguyÔn": the byte 0xD4 is not followed by a continuation. */
	assert_refused("Nguy\xd4n", 6, "invalid UTF-8 at byte 5 (0xD4)");
	assert_refused("\xff", 1, "invalid UTF-8");
	assert_refused("\xc0\xae", 2, "invalid UTF-8");		/* overlong */
	assert_refused("\xed\xa0\x80", 3, "invalid UTF-8");	/* surrogate */
	assert_refused("Nguy\xe1\xbb", 6, "invalid UTF-8");	/* truncated */
	assert_int_equal(cs_text_nfc("a\x80", 2, &out, NULL, &e),
	    CS_E_INVALID);
	assert_null(out);
}

static void
test_text_nul_refused(void **state)
{
	(void)state;
	/* What JSON "\u0000" decodes to: C would truncate at it. */
	assert_refused("Ng\0uyen", 8, "U+0000 NUL");
}

static void
test_text_control_characters_refused(void **state)
{
	(void)state;
	assert_refused("Nguy\tA", 6, "U+0009 TAB");
	assert_refused("Nguy\nA", 6, "control character");
	assert_refused("A\x7f", 2, "control character");
	assert_refused("A\xc2\x85", 3, "control character");	/* NEL */
}

static void
test_text_bidi_override_refused(void **state)
{
	(void)state;
	assert_refused("Nguy\xe2\x80\xae" "A", 8,
	    "U+202E RIGHT-TO-LEFT OVERRIDE at character 5");
	assert_refused("Nguy\xe2\x81\xa6" "A", 8, "format character");
}

static void
test_text_zero_width_refused(void **state)
{
	(void)state;
	assert_refused("Ng\xe2\x80\x8buy", 7, "U+200B ZERO WIDTH SPACE");
	assert_refused("Ng\xe2\x80\x8duy", 7, "format character");
	assert_refused("\xef\xbb\xbfNguy", 7, "BOM");
	assert_refused("Ng\xc2\xad" "uy", 6, "SOFT HYPHEN");
}

static void
test_text_icelandic_eth_refused_with_hint(void **state)
{
	struct cs_err e;
	char *out;

	(void)state;
	/* "Ðồng Nai" with Ð U+00D0, as on old web pages. */
	assert_refused("\xc3\x90\xe1\xbb\x93ng Nai", 10,
	    "Icelandic Eth) at character 1; use \xc4\x90 U+0110");
	/* The real Đ U+0110 is fine. */
	out = clean("\xc4\x90\xe1\xbb\x93ng Nai", 10, CS_TEXT_PLACE, 0, &e);
	assert_non_null(out);
	free(out);
}

static void
test_text_unassigned_and_noncharacters_refused(void **state)
{
	(void)state;
	assert_refused("A\xcd\xb8", 3, "unassigned code point U+0378");
	assert_refused("A\xef\xb7\x90", 4, "noncharacter U+FDD0");
	assert_refused("A\xef\xbf\xbe", 4, "noncharacter U+FFFE");
	assert_refused("A\xf0\x9f\xbf\xbf", 5, "noncharacter U+1FFFF");
	assert_refused("A\xee\x80\x80", 4, "private-use");
}

static void
test_text_whitespace_other_than_space_refused(void **state)
{
	(void)state;
	assert_refused("Nguy\xc3\xaan\xc2\xa0" "A", 9,
	    "U+00A0 NO-BREAK SPACE at character 7; only the ASCII space");
	assert_refused("A\xe3\x80\x80" "B", 5, "IDEOGRAPHIC SPACE");
	assert_refused("A\xe2\x80\xa8" "B", 5, "LINE SEPARATOR");
	assert_refused("A\xe2\x80\x83" "B", 5, "whitespace U+2003");
}

static void
test_text_spaces_trimmed_and_collapsed(void **state)
{
	(void)state;
	assert_clean("  " NGUYEN_NFC "   V\xc4\x83n  A  ",
	    NGUYEN_NFC " V\xc4\x83n A");
	assert_clean("A B", "A B");
}

static void
test_text_empty_refused_unless_allowed(void **state)
{
	struct cs_err e;
	char *out;

	(void)state;
	assert_refused("", 0, "must not be empty");
	assert_refused("    ", 4, "must not be empty");
	out = clean("", 0, CS_TEXT_PLACE, CS_TEXT_ALLOW_EMPTY, &e);
	assert_non_null(out);
	assert_string_equal(out, "");
	free(out);
	out = clean("  ", 2, CS_TEXT_PLACE, CS_TEXT_ALLOW_EMPTY, &e);
	assert_non_null(out);
	assert_string_equal(out, "");
	free(out);
}

static void
test_text_both_apostrophes_kept(void **state)
{
	(void)state;
	/* Decision 5: U+0027 and U+2019 accepted and kept as given. */
	assert_clean("H'Y\xe1\xba\xbfn Ni\xc3\xaa",
	    "H'Y\xe1\xba\xbfn Ni\xc3\xaa");
	assert_clean("H\xe2\x80\x99M\xc3\xb4ng", "H\xe2\x80\x99M\xc3\xb4ng");
}

static void
test_text_combining_mark_without_base_refused(void **state)
{
	(void)state;
	assert_refused("\xcc\x81" "Anh", 5, "no base letter");
	assert_refused("A \xcc\x81" "Anh", 7, "no base letter");
}

/* n copies of the 3-byte NFC "ễ", plus NUL. */
static char *
repeat_e(size_t n, const char *unit)
{
	size_t u = strlen(unit), i;
	char *s = malloc(n * u + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	s[n * u] = '\0';
	return s;
}

static void
check_limit(enum cs_text_kind kind, size_t max)
{
	struct cs_err e;
	char *s, *out;

	assert_int_equal(cs_text_max(kind), max);
	s = repeat_e(max, "\xe1\xbb\x85");	/* characters, not bytes */
	out = clean(s, strlen(s), kind, 0, &e);
	assert_non_null(out);
	assert_int_equal(cs_text_chars(out), max);
	free(out);
	free(s);
	s = repeat_e(max + 1, "\xe1\xbb\x85");
	out = clean(s, strlen(s), kind, 0, &e);
	assert_null(out);
	assert_non_null(strstr(e.msg, "at most"));
	free(s);
}

static void
test_text_name_at_most_100_characters(void **state)
{
	(void)state;
	check_limit(CS_TEXT_NAME, 100);
}

static void
test_text_place_at_most_300_characters(void **state)
{
	(void)state;
	check_limit(CS_TEXT_PLACE, 300);
}

static void
test_text_code_at_most_32_characters(void **state)
{
	(void)state;
	check_limit(CS_TEXT_CODE, 32);
}

static void
test_text_length_counted_after_nfc(void **state)
{
	struct cs_err e;
	char *s, *out;

	(void)state;
	/* 100 NFD "ễ" are 300 code points before NFC, 100 after. */
	s = repeat_e(100, "e\xcc\x82\xcc\x83");
	out = clean(s, strlen(s), CS_TEXT_NAME, 0, &e);
	assert_non_null(out);
	assert_int_equal(cs_text_chars(out), 100);
	free(out);
	free(s);
}

static void
test_text_upper_per_code_point(void **state)
{
	struct cs_err e;
	char *out = NULL;

	(void)state;
	/* "nguyễn thị ngọc ẩn" → "NGUYỄN THỊ NGỌC ẨN" */
	assert_int_equal(cs_text_upper("nguy\xe1\xbb\x85n th\xe1\xbb\x8b "
	    "ng\xe1\xbb\x8d" "c \xe1\xba\xa9n", &out, &e), 0);
	assert_string_equal(out, "NGUY\xe1\xbb\x84N TH\xe1\xbb\x8a "
	    "NG\xe1\xbb\x8c" "C \xe1\xba\xa8N");
	free(out);
	/* đ→Đ, ơ→Ơ, ư→Ư, H'Mông keeps its apostrophe. */
	assert_int_equal(cs_text_upper("\xc4\x91\xc6\xa1\xc6\xb0 h'm\xc3\xb4ng",
	    &out, &e), 0);
	assert_string_equal(out, "\xc4\x90\xc6\xa0\xc6\xaf H'M\xc3\x94NG");
	free(out);
	assert_int_equal(cs_text_upper("a\xff", &out, &e), CS_E_INVALID);
	assert_null(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_nfc_input_kept),
		cmocka_unit_test(test_text_nfd_input_stored_as_nfc),
		cmocka_unit_test(test_text_windows1258_hybrid_normalised),
		cmocka_unit_test(test_text_invalid_utf8_refused),
		cmocka_unit_test(test_text_nul_refused),
		cmocka_unit_test(test_text_control_characters_refused),
		cmocka_unit_test(test_text_bidi_override_refused),
		cmocka_unit_test(test_text_zero_width_refused),
		cmocka_unit_test(test_text_icelandic_eth_refused_with_hint),
		cmocka_unit_test(
		    test_text_unassigned_and_noncharacters_refused),
		cmocka_unit_test(test_text_whitespace_other_than_space_refused),
		cmocka_unit_test(test_text_spaces_trimmed_and_collapsed),
		cmocka_unit_test(test_text_empty_refused_unless_allowed),
		cmocka_unit_test(test_text_both_apostrophes_kept),
		cmocka_unit_test(test_text_combining_mark_without_base_refused),
		cmocka_unit_test(test_text_name_at_most_100_characters),
		cmocka_unit_test(test_text_place_at_most_300_characters),
		cmocka_unit_test(test_text_code_at_most_32_characters),
		cmocka_unit_test(test_text_length_counted_after_nfc),
		cmocka_unit_test(test_text_upper_per_code_point),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
