/* tests/unit/test_config.c — core/config.c: the configuration file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"

static char path[64];

static void
write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/cs-test-config-%d/civseal.conf",
	    (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	char dir[64];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cs-test-config-%d", (int)getpid());
	if (access(dir, F_OK) != 0 && mkdir(dir, 0700) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static const char good[] =
    "# comment\n"
    "[pkcs11]\n"
    "module = /usr/lib/softhsm/libsofthsm2.so\n"
    "pin_file = pin\n"
    "\n"
    "[trust]\n"
    "anchors = /etc/civseal/trust.pem\n"
    "[office 01-BADINH]\n"
    "name = UBND phường Ba Đình, Thành phố Hà Nội\n"
    "key = pkcs11:token=civseal-dev;object=01-BADINH\n"
    "cert = offices/01-BADINH.pem\n";

static void
test_config_relative_paths_resolve_against_file_dir(void **state)
{
	struct cs_config *cfg = NULL;
	struct cs_err err;
	char want[128];

	(void)state;
	write_conf(good);
	assert_int_equal(cs_config_load(path, &cfg, &err), 0);
	snprintf(want, sizeof(want), "/tmp/cs-test-config-%d/pin", (int)getpid());
	assert_string_equal(cfg->p11_pin_file, want);
	assert_string_equal(cfg->trust_anchors, "/etc/civseal/trust.pem");
	assert_int_equal(cfg->n_offices, 1);
	assert_string_equal(cs_config_office(cfg, "01-BADINH")->name,
	    "UBND phường Ba Đình, Thành phố Hà Nội");
	assert_string_equal(cs_config_office(cfg, "01-BADINH")->key_uri,
	    "pkcs11:token=civseal-dev;object=01-BADINH");
	assert_null(cs_config_office(cfg, "48-HOACUONGBAC"));
	cs_config_free(cfg);
}

static void
expect_refused(const char *text, const char *needle)
{
	struct cs_config *cfg = NULL;
	struct cs_err err;

	write_conf(text);
	assert_int_equal(cs_config_load(path, &cfg, &err), CS_E_CONFIG);
	assert_null(cfg);
	if (strstr(err.msg, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void
test_config_unknown_key_names_line(void **state)
{
	(void)state;
	expect_refused("[pkcs11]\nmodule = x\npin = 1234\n",
	    ":3: unknown key 'pin'");
}

static void
test_config_unknown_section_refused(void **state)
{
	(void)state;
	expect_refused("[pkcs12]\n", "unknown section [pkcs12]");
}

static void
test_config_duplicate_key_refused(void **state)
{
	(void)state;
	expect_refused("[pkcs11]\nmodule = a\nmodule = b\n", "given twice");
}

static void
test_config_duplicate_office_refused(void **state)
{
	(void)state;
	expect_refused("[office A]\nname=a\nkey=k\ncert=c\n[office A]\n",
	    "configured twice");
}

static void
test_config_office_needs_key_and_cert(void **state)
{
	(void)state;
	expect_refused("[office 01-X]\nname = x\n", "needs 'key' and 'cert'");
}

static void
test_config_office_code_charset(void **state)
{
	(void)state;
	expect_refused("[office 01 X]\n", "office code");
}

static void
test_config_pin_file_and_env_exclusive(void **state)
{
	(void)state;
	expect_refused("[pkcs11]\npin_file = a\npin_env = B\n", "keep one");
}

static void
test_config_missing_file_names_it(void **state)
{
	struct cs_config *cfg = NULL;
	struct cs_err err;

	(void)state;
	assert_int_equal(cs_config_load("/nonexistent/civseal.conf", &cfg, &err),
	    CS_E_CONFIG);
	assert_non_null(strstr(err.msg, "/nonexistent/civseal.conf"));
}

static void
test_config_line_without_equals_refused(void **state)
{
	(void)state;
	expect_refused("[trust]\nanchors\n", "expected 'key = value'");
}

static void
test_config_tsa_urls_list_and_repeat_add_up_in_order(void **state)
{
	struct cs_config *cfg = NULL;
	struct cs_err err;
	char want[128];

	(void)state;
	write_conf("[tsa]\n"
	    "url = http://a.example/tsa, https://b.example/\n"
	    "url = http://127.0.0.1:8443/\n"
	    "timeout_ms = 2500\n"
	    "anchors = tsa-trust.pem\n"
	    "policy = 1.3.6.1.4.1.99999.1.1\n"
	    "[tsad]\n"
	    "listen = 127.0.0.1:8443\n"
	    "key = pkcs11:token=civseal-dev;object=tsa\n"
	    "cert = /etc/civseal/tsa.pem\n"
	    "policy = 1.3.6.1.4.1.99999.1.1\n"
	    "accuracy_ms = 1000\n");
	assert_int_equal(cs_config_load(path, &cfg, &err), 0);
	assert_int_equal(cfg->tsa_urls.n, 3);
	assert_string_equal(cfg->tsa_urls.v[0], "http://a.example/tsa");
	assert_string_equal(cfg->tsa_urls.v[1], "https://b.example/");
	assert_string_equal(cfg->tsa_urls.v[2], "http://127.0.0.1:8443/");
	assert_int_equal(cfg->tsa_timeout_ms, 2500);
	snprintf(want, sizeof(want), "/tmp/cs-test-config-%d/tsa-trust.pem",
	    (int)getpid());
	assert_string_equal(cfg->tsa_anchors, want);
	assert_string_equal(cfg->tsa_policy, "1.3.6.1.4.1.99999.1.1");
	assert_int_equal(cfg->tsa_require, 1);	/* the default */
	assert_string_equal(cfg->tsad_key, "pkcs11:token=civseal-dev;object=tsa");
	assert_string_equal(cfg->tsad_cert, "/etc/civseal/tsa.pem");
	assert_null(cfg->tsad_chain);
	assert_int_equal(cfg->tsad_accuracy_ms, 1000);
	cs_config_free(cfg);
}

static void
test_config_tsa_require_no_allows_b_b(void **state)
{
	struct cs_config *cfg = NULL;
	struct cs_err err;

	(void)state;
	write_conf("[tsa]\nrequire = no\n");
	assert_int_equal(cs_config_load(path, &cfg, &err), 0);
	assert_int_equal(cfg->tsa_require, 0);
	assert_int_equal(cfg->tsa_urls.n, 0);
	cs_config_free(cfg);
}

static void
test_config_tsa_require_must_be_yes_or_no(void **state)
{
	(void)state;
	expect_refused("[tsa]\nrequire = maybe\n", ":2: 'require' must be yes or no");
	expect_refused("[tsa]\nrequire = no\nrequire = yes\n", ":3: key 'require' given twice");
}

static void
test_config_tsa_timeout_must_be_milliseconds(void **state)
{
	(void)state;
	expect_refused("[tsa]\ntimeout_ms = 0\n", "'timeout_ms' must be a number");
	expect_refused("[tsa]\ntimeout_ms = 5s\n", "'timeout_ms' must be a number");
	expect_refused("[tsa]\ntimeout_ms = -1\n", "'timeout_ms' must be a number");
	expect_refused("[tsa]\ntimeout_ms = 600001\n", "'timeout_ms' must be a number");
	expect_refused("[tsad]\naccuracy_ms = 1.5\n", "'accuracy_ms' must be a number");
}

static void
test_config_tsa_url_needs_anchors(void **state)
{
	(void)state;
	expect_refused("[tsa]\nurl = http://127.0.0.1:1/\n", "[tsa] has url but no anchors");
}

static void
test_config_tsa_too_many_urls_refused(void **state)
{
	(void)state;
	expect_refused("[tsa]\nurl = a b c d e f g h i j k l m n o p q\n",
	    "more than 16 values for 'url'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
		    test_config_relative_paths_resolve_against_file_dir, teardown),
		cmocka_unit_test_teardown(test_config_unknown_key_names_line,
		    teardown),
		cmocka_unit_test_teardown(test_config_unknown_section_refused,
		    teardown),
		cmocka_unit_test_teardown(test_config_duplicate_key_refused,
		    teardown),
		cmocka_unit_test_teardown(test_config_duplicate_office_refused,
		    teardown),
		cmocka_unit_test_teardown(test_config_office_needs_key_and_cert,
		    teardown),
		cmocka_unit_test_teardown(test_config_office_code_charset,
		    teardown),
		cmocka_unit_test_teardown(test_config_pin_file_and_env_exclusive,
		    teardown),
		cmocka_unit_test(test_config_missing_file_names_it),
		cmocka_unit_test_teardown(test_config_line_without_equals_refused,
		    teardown),
		cmocka_unit_test_teardown(
		    test_config_tsa_urls_list_and_repeat_add_up_in_order, teardown),
		cmocka_unit_test_teardown(test_config_tsa_require_no_allows_b_b,
		    teardown),
		cmocka_unit_test_teardown(
		    test_config_tsa_require_must_be_yes_or_no, teardown),
		cmocka_unit_test_teardown(
		    test_config_tsa_timeout_must_be_milliseconds, teardown),
		cmocka_unit_test_teardown(test_config_tsa_url_needs_anchors,
		    teardown),
		cmocka_unit_test_teardown(test_config_tsa_too_many_urls_refused,
		    teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
