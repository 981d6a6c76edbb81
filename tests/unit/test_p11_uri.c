/*
 * tests/unit/test_p11_uri.c — RFC 7512 PKCS#11 URIs (pkcs11/uri.c), plus
 * the PIN-file rules (pkcs11/pin.c) and CKR_ names (pkcs11/ckr.c) that the
 * URI's pin-source leads to.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkcs11/ckr.h"
#include "pkcs11/pin.h"
#include "pkcs11/uri.h"

static struct p11_uri *
parse_ok(const char *s)
{
	struct p11_uri *u = NULL;
	struct cs_err err = { 0, "" };

	if (p11_uri_parse(s, &u, &err) != 0)
		fail_msg("%s: %s", s, err.msg);
	assert_non_null(u);
	return u;
}

/* Parse must fail with CS_E_INVALID and a message containing want. */
static void
parse_fails(const char *s, const char *want)
{
	struct p11_uri *u = NULL;
	struct cs_err err = { 0, "" };

	assert_int_equal(p11_uri_parse(s, &u, &err), CS_E_INVALID);
	assert_null(u);
	if (strstr(err.msg, want) == NULL)
		fail_msg("%s: message '%s' lacks '%s'", s, err.msg, want);
}

static void
test_token_object_type(void **state)
{
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:token=civseal-dev;object=01-BADINH;type=private");
	assert_string_equal(u->token, "civseal-dev");
	assert_string_equal(u->object, "01-BADINH");
	assert_string_equal(u->type, "private");
	assert_null(u->id);
	assert_int_equal(u->id_len, 0);
	assert_null(u->serial);
	assert_null(u->module_path);
	assert_null(u->pin_source);
	p11_uri_free(u);
}

static void
test_all_path_attributes(void **state)
{
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:token=T;manufacturer=SoftHSM%20project;"
	    "serial=2913b59fe3eaee2e;model=SoftHSM%20v2;"
	    "library-manufacturer=SoftHSM;library-description=Implementation;"
	    "library-version=2.6;object=K;id=%01;type=cert");
	assert_string_equal(u->manufacturer, "SoftHSM project");
	assert_string_equal(u->serial, "2913b59fe3eaee2e");
	assert_string_equal(u->model, "SoftHSM v2");
	assert_string_equal(u->library_manufacturer, "SoftHSM");
	assert_string_equal(u->library_description, "Implementation");
	assert_string_equal(u->library_version, "2.6");
	assert_string_equal(u->type, "cert");
	p11_uri_free(u);
}

static void
test_scheme_is_case_insensitive(void **state)
{
	struct p11_uri *u;

	(void)state;
	u = parse_ok("PKCS11:token=a");
	assert_string_equal(u->token, "a");
	p11_uri_free(u);
}

static void
test_empty_path_is_valid(void **state)
{
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:");
	assert_null(u->token);
	p11_uri_free(u);
}

static void
test_percent_decoding_in_text(void **state)
{
	struct p11_uri *u;

	(void)state;
	/* UTF-8 "Hà Nội" percent-encoded, and an encoded ';' and '?' */
	u = parse_ok("pkcs11:token=H%C3%A0%20N%E1%BB%99i;object=a%3Bb%3fc");
	assert_string_equal(u->token, "H\xc3\xa0 N\xe1\xbb\x99i");
	assert_string_equal(u->object, "a;b?c");
	p11_uri_free(u);
}

static void
test_id_bytes_percent_encoded(void **state)
{
	static const unsigned char want[] = { 0x00, 0x01, 0xab, 0xff, 'A' };
	struct p11_uri *u;
	char hex[16];

	(void)state;
	u = parse_ok("pkcs11:id=%00%01%AB%ffA");
	assert_int_equal(u->id_len, sizeof(want));
	assert_memory_equal(u->id, want, sizeof(want));
	assert_string_equal(p11_uri_id_hex(u->id, u->id_len, hex,
	    sizeof(hex)), "0001abff41");
	p11_uri_free(u);
}

static void
test_id_hex_truncates_to_buffer(void **state)
{
	static const unsigned char id[] = { 1, 2, 3, 4 };
	char hex[6];

	(void)state;
	assert_string_equal(p11_uri_id_hex(id, sizeof(id), hex, sizeof(hex)),
	    "0102");
}

static void
test_nul_byte_refused_in_text(void **state)
{
	(void)state;
	parse_fails("pkcs11:object=ab%00cd", "%00");
}

static void
test_bad_percent_encoding_refused(void **state)
{
	(void)state;
	parse_fails("pkcs11:object=ab%zz", "two hex digits");
	parse_fails("pkcs11:object=ab%4", "truncated percent-encoding");
	parse_fails("pkcs11:object=ab%", "truncated percent-encoding");
}

static void
test_raw_space_refused(void **state)
{
	(void)state;
	parse_fails("pkcs11:object=a b", "percent-encoded");
}

static void
test_query_module_path_and_pin_source(void **state)
{
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:token=T;object=K?module-path=/usr/lib/softhsm/"
	    "libsofthsm2.so&pin-source=file:/var/dev/pin");
	assert_string_equal(u->module_path, "/usr/lib/softhsm/libsofthsm2.so");
	assert_string_equal(u->pin_source, "/var/dev/pin");
	p11_uri_free(u);
	u = parse_ok("pkcs11:object=K?pin-source=file:///etc/pin%20file");
	assert_string_equal(u->pin_source, "/etc/pin file");
	p11_uri_free(u);
}

static void
test_pin_source_other_than_file_refused(void **state)
{
	(void)state;
	parse_fails("pkcs11:object=K?pin-source=|/bin/echo", "only file:");
	parse_fails("pkcs11:object=K?pin-source=file://host/pin", "host");
	parse_fails("pkcs11:object=K?pin-source=file:", "empty file name");
}

static void
test_pin_value_refused_without_echoing_it(void **state)
{
	struct p11_uri *u = NULL;
	struct cs_err err = { 0, "" };

	(void)state;
	assert_int_equal(p11_uri_parse("pkcs11:token=T;object=K?"
	    "pin-value=S3cr3t-8812", &u, &err), CS_E_INVALID);
	assert_null(u);
	assert_non_null(strstr(err.msg, "pin-value"));
	assert_null(strstr(err.msg, "S3cr3t"));
	assert_null(strstr(err.msg, "8812"));
}

static void
test_unknown_attribute_refused_by_name(void **state)
{
	(void)state;
	parse_fails("pkcs11:token=T;colour=blue", "unknown attribute 'colour'");
	parse_fails("pkcs11:token=T?x-vendor=1", "unknown attribute 'x-vendor'");
	parse_fails("pkcs11:slot-id=3", "slot-id");
	parse_fails("pkcs11:object=K?module-name=softhsm2", "module-name");
}

static void
test_attribute_on_wrong_side_refused(void **state)
{
	(void)state;
	parse_fails("pkcs11:module-path=/x.so", "query");
	parse_fails("pkcs11:object=K?token=T", "path");
}

static void
test_duplicate_attribute_refused(void **state)
{
	(void)state;
	parse_fails("pkcs11:token=a;token=b", "token given twice");
	parse_fails("pkcs11:id=%01;object=K;id=%02", "id given twice");
	parse_fails("pkcs11:object=K?module-path=/a.so&module-path=/b.so",
	    "module-path given twice");
}

static void
test_wrong_scheme_refused(void **state)
{
	(void)state;
	parse_fails("pkcs12:token=T", "pkcs11:");
	parse_fails("token=T;object=K", "pkcs11:");
	parse_fails("", "pkcs11:");
	parse_fails("file:/etc/pin", "pkcs11:");
}

static void
test_bad_type_refused(void **state)
{
	(void)state;
	parse_fails("pkcs11:object=K;type=secret", "type=secret");
}

static void
test_malformed_lists_refused(void **state)
{
	(void)state;
	parse_fails("pkcs11:token=T;", "empty attribute");
	parse_fails("pkcs11:token=T;;object=K", "empty attribute");
	parse_fails("pkcs11:token", "no '='");
	parse_fails("pkcs11:token=T?", "empty query");
	parse_fails("pkcs11:token=T?pin-source=file:/p&", "empty attribute");
	parse_fails("pkcs11:token=T#frag", "fragment");
	parse_fails("pkcs11:id=", "id is empty");
}

static void
test_overlong_uri_refused(void **state)
{
	char *s;

	(void)state;
	s = malloc(P11_URI_MAX + 32);
	assert_non_null(s);
	strcpy(s, "pkcs11:object=");
	memset(s + 14, 'a', P11_URI_MAX);
	s[14 + P11_URI_MAX] = '\0';
	parse_fails(s, "longer than");
	free(s);
}

static void
test_free_null_is_noop(void **state)
{
	(void)state;
	p11_uri_free(NULL);
	p11_pin_wipe(NULL);
}

/* --- pin-source files --- */

static char *
pin_file(const char *content, size_t n, mode_t mode)
{
	char *path = strdup("/tmp/test_p11_pin.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
test_pin_file_newline_stripped(void **state)
{
	struct cs_err err = { 0, "" };
	char *path = pin_file("123456\r\n", 8, 0600), *pin = NULL;

	(void)state;
	assert_int_equal(p11_pin_read_file(path, &pin, &err), 0);
	assert_string_equal(pin, "123456");
	p11_pin_wipe(pin);
	unlink(path);
	free(path);
}

static void
test_pin_file_readable_by_others_refused(void **state)
{
	struct cs_err err = { 0, "" };
	char *path = pin_file("987123", 6, 0644), *pin = NULL;

	(void)state;
	assert_int_equal(p11_pin_read_file(path, &pin, &err), CS_E_CONFIG);
	assert_null(pin);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "0644"));
	assert_null(strstr(err.msg, "987123"));
	unlink(path);
	free(path);
}

static void
test_pin_file_empty_or_multiline_refused(void **state)
{
	struct cs_err err = { 0, "" };
	char *path = pin_file("\n", 1, 0600), *pin = NULL;

	(void)state;
	assert_int_equal(p11_pin_read_file(path, &pin, &err), CS_E_CONFIG);
	unlink(path);
	free(path);
	path = pin_file("1234\n5678\n", 10, 0400);
	assert_int_equal(p11_pin_read_file(path, &pin, &err), CS_E_CONFIG);
	assert_null(strstr(err.msg, "1234"));
	unlink(path);
	free(path);
}

static void
test_pin_file_missing_names_file(void **state)
{
	struct cs_err err = { 0, "" };
	char *pin = NULL;

	(void)state;
	assert_int_equal(p11_pin_read_file("/nonexistent/pin", &pin, &err),
	    CS_E_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/pin"));
}

static void
test_pin_env(void **state)
{
	struct cs_err err = { 0, "" };
	char *pin = NULL;

	(void)state;
	setenv("TEST_P11_PIN", "4321", 1);
	assert_int_equal(p11_pin_read(NULL, "TEST_P11_PIN", &pin, &err), 0);
	assert_string_equal(pin, "4321");
	p11_pin_wipe(pin);
	unsetenv("TEST_P11_PIN");
	assert_int_equal(p11_pin_read(NULL, "TEST_P11_PIN", &pin, &err),
	    CS_E_CONFIG);
	assert_int_equal(p11_pin_read(NULL, NULL, &pin, &err), CS_E_CONFIG);
}

/* --- CKR_ names --- */

static void
test_ckr_names(void **state)
{
	(void)state;
	assert_string_equal(p11_strerror(0xa0), "CKR_PIN_INCORRECT");
	assert_string_equal(p11_strerror(0), "CKR_OK");
	assert_string_equal(p11_strerror(0xe0), "CKR_TOKEN_NOT_PRESENT");
	assert_string_equal(p11_strerror(0x101), "CKR_USER_NOT_LOGGED_IN");
	assert_string_equal(p11_strerror(0x9999), "CKR_0x9999");
	assert_string_equal(p11_strerror(0x80000001UL),
	    "CKR_VENDOR_DEFINED+0x1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_object_type),
		cmocka_unit_test(test_all_path_attributes),
		cmocka_unit_test(test_scheme_is_case_insensitive),
		cmocka_unit_test(test_empty_path_is_valid),
		cmocka_unit_test(test_percent_decoding_in_text),
		cmocka_unit_test(test_id_bytes_percent_encoded),
		cmocka_unit_test(test_id_hex_truncates_to_buffer),
		cmocka_unit_test(test_nul_byte_refused_in_text),
		cmocka_unit_test(test_bad_percent_encoding_refused),
		cmocka_unit_test(test_raw_space_refused),
		cmocka_unit_test(test_query_module_path_and_pin_source),
		cmocka_unit_test(test_pin_source_other_than_file_refused),
		cmocka_unit_test(test_pin_value_refused_without_echoing_it),
		cmocka_unit_test(test_unknown_attribute_refused_by_name),
		cmocka_unit_test(test_attribute_on_wrong_side_refused),
		cmocka_unit_test(test_duplicate_attribute_refused),
		cmocka_unit_test(test_wrong_scheme_refused),
		cmocka_unit_test(test_bad_type_refused),
		cmocka_unit_test(test_malformed_lists_refused),
		cmocka_unit_test(test_overlong_uri_refused),
		cmocka_unit_test(test_free_null_is_noop),
		cmocka_unit_test(test_pin_file_newline_stripped),
		cmocka_unit_test(test_pin_file_readable_by_others_refused),
		cmocka_unit_test(test_pin_file_empty_or_multiline_refused),
		cmocka_unit_test(test_pin_file_missing_names_file),
		cmocka_unit_test(test_pin_env),
		cmocka_unit_test(test_ckr_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
