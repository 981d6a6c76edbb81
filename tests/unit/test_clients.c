/* tests/unit/test_clients.c — signd/clients.c: client systems and tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/config.h"
#include "signd/clients.h"

/*
 * CRYPTO_memcmp interposed: the executable's definition wins over
 * libcrypto's for calls from signd/clients.o, so the test can count the
 * comparisons.  It stays constant-time itself.
 */
static unsigned memcmp_calls;

int
CRYPTO_memcmp(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	memcmp_calls++;
	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d;
}

/* Three tokens of the right shape (43 base64url characters). */
static const char tok_a[] = "AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjj-_0";
static const char tok_b[] = "BBBBccccDDDDeeeeFFFFggggHHHHiiiiJJJJkkkk-_1";
static const char tok_c[] = "CCCCddddEEEEffffGGGGhhhhIIIIjjjjKKKKllll-_2";

static void
hash_line(char *out, size_t n, const char *name, const char *tok,
    const char *offices)
{
	unsigned char md[32];
	unsigned int len = 0;
	char hex[65];
	int i;

	EVP_Digest(tok, strlen(tok), md, &len, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(out, n, "%s\tsha256:%s   %s\n", name, hex, offices);
}

static struct clients *
parse_ok(const char *text, const struct cs_config *cfg)
{
	struct clients *cl = NULL;
	struct cs_err err = { 0, "" };

	if (signd_clients_parse(text, strlen(text), "clients.conf", cfg, &cl,
	    &err) != 0)
		fail_msg("refused: %s", err.msg);
	return cl;
}

static int
parse_err(const char *text, const struct cs_config *cfg, struct cs_err *err)
{
	struct clients *cl = NULL;
	int r;

	cs_err_clear(err);
	r = signd_clients_parse(text, strlen(text), "clients.conf", cfg, &cl, err);
	assert_null(cl);
	return r;
}

static char three[1024];

static void
make_three(void)
{
	char a[256], b[256], c[256];

	hash_line(a, sizeof(a), "hanoi", tok_a, "01-BADINH,01-HANGBAC");
	hash_line(b, sizeof(b), "hub", tok_b, "*");
	hash_line(c, sizeof(c), "saigon", tok_c, "79-SAIGON");
	snprintf(three, sizeof(three), "# clients\n\n%s  # trailing comment\n"
	    "%s\r\n   \n%s", a, b, c);
}

static void
test_file_with_comments_blank_lines_and_crlf_parses(void **state)
{
	struct clients *cl;

	(void)state;
	make_three();
	cl = parse_ok(three, NULL);
	assert_int_equal(cl->n, 3);
	assert_string_equal(cl->item[0].name, "hanoi");
	assert_int_equal(cl->item[0].n_offices, 2);
	assert_string_equal(cl->item[0].offices[1], "01-HANGBAC");
	assert_true(cl->item[1].all_offices);
	assert_string_equal(cl->item[2].offices[0], "79-SAIGON");
	signd_clients_free(cl);
}

static void
test_right_token_names_its_client(void **state)
{
	struct clients *cl;
	const struct client *c;

	(void)state;
	make_three();
	cl = parse_ok(three, NULL);
	c = signd_clients_authenticate(cl, tok_b, strlen(tok_b));
	assert_non_null(c);
	assert_string_equal(c->name, "hub");
	c = signd_clients_authenticate(cl, tok_c, strlen(tok_c));
	assert_non_null(c);
	assert_string_equal(c->name, "saigon");
	signd_clients_free(cl);
}

static void
test_wrong_token_is_refused(void **state)
{
	struct clients *cl;
	char t[64];

	(void)state;
	make_three();
	cl = parse_ok(three, NULL);
	snprintf(t, sizeof(t), "%s", tok_a);
	t[10] ^= 1;		/* one bit off */
	assert_null(signd_clients_authenticate(cl, t, strlen(t)));
	/* A prefix or an extension of a good token is another token. */
	assert_null(signd_clients_authenticate(cl, tok_a, strlen(tok_a) - 1));
	snprintf(t, sizeof(t), "%sx", tok_a);
	assert_null(signd_clients_authenticate(cl, t, strlen(t)));
	assert_null(signd_clients_authenticate(NULL, tok_a, strlen(tok_a)));
	signd_clients_free(cl);
}

static void
test_token_of_wrong_shape_is_refused_without_comparing(void **state)
{
	struct clients *cl;
	char t[64];

	(void)state;
	make_three();
	cl = parse_ok(three, NULL);
	memcmp_calls = 0;
	assert_null(signd_clients_authenticate(cl, "short", 5));
	snprintf(t, sizeof(t), "%s", tok_a);
	t[5] = '+';		/* base64, not base64url */
	assert_null(signd_clients_authenticate(cl, t, strlen(t)));
	t[5] = ' ';
	assert_null(signd_clients_authenticate(cl, t, strlen(t)));
	assert_int_equal(memcmp_calls, 0);
	assert_false(signd_clients_token_shape_ok(t, 129));
	assert_true(signd_clients_token_shape_ok(tok_a, strlen(tok_a)));
	signd_clients_free(cl);
}

static void
test_every_client_is_compared_with_crypto_memcmp(void **state)
{
	struct clients *cl;

	(void)state;
	make_three();
	cl = parse_ok(three, NULL);
	/* First, last, or no match: always one comparison per client. */
	memcmp_calls = 0;
	assert_non_null(signd_clients_authenticate(cl, tok_a, strlen(tok_a)));
	assert_int_equal(memcmp_calls, 3);
	memcmp_calls = 0;
	assert_non_null(signd_clients_authenticate(cl, tok_c, strlen(tok_c)));
	assert_int_equal(memcmp_calls, 3);
	memcmp_calls = 0;
	assert_null(signd_clients_authenticate(cl,
	    "ZZZZddddEEEEffffGGGGhhhhIIIIjjjjKKKKllll-_2", 43));
	assert_int_equal(memcmp_calls, 3);
	signd_clients_free(cl);
}

static void
test_office_allow_list(void **state)
{
	struct clients *cl;

	(void)state;
	make_three();
	cl = parse_ok(three, NULL);
	assert_true(signd_clients_allows(&cl->item[0], "01-BADINH"));
	assert_true(signd_clients_allows(&cl->item[0], "01-HANGBAC"));
	assert_false(signd_clients_allows(&cl->item[0], "79-SAIGON"));
	assert_false(signd_clients_allows(&cl->item[0], "01-BADIN"));
	assert_false(signd_clients_allows(&cl->item[0], "01-BADINHX"));
	assert_false(signd_clients_allows(&cl->item[0], ""));
	assert_false(signd_clients_allows(&cl->item[0], NULL));
	assert_true(signd_clients_allows(&cl->item[1], "48-HOACUONGBAC"));
	assert_false(signd_clients_allows(NULL, "01-BADINH"));
	signd_clients_free(cl);
}

static void
test_office_must_be_configured(void **state)
{
	struct cs_office offices[2] = {
		{ .code = "01-BADINH" }, { .code = "01-HANGBAC" },
	};
	struct cs_config cfg = { .path = "civseal.conf", .offices = offices,
	    .n_offices = 2 };
	struct cs_err err;
	char line[256];
	struct clients *cl;

	(void)state;
	hash_line(line, sizeof(line), "hanoi", tok_a, "01-BADINH,01-HANGBAC");
	cl = parse_ok(line, &cfg);
	signd_clients_free(cl);
	hash_line(line, sizeof(line), "x", tok_a, "01-BADINH,79-SAIGON");
	assert_int_equal(parse_err(line, &cfg, &err), CS_E_CONFIG);
	assert_non_null(strstr(err.msg, "clients.conf:1"));
	assert_non_null(strstr(err.msg, "79-SAIGON is not configured"));
}

static void
test_malformed_lines_name_file_and_line(void **state)
{
	static const struct {
		const char *offices;	/* NULL: the raw text below */
		const char *raw;
		const char *want;
	} cases[] = {
		{ "01-A,*", NULL, "'*' stands alone" },
		{ "01-A,,01-B", NULL, "single commas" },
		{ "01-A,01-A", NULL, "listed twice" },
		{ NULL, "hanoi sha256:abcd 01-A\n", "64 hex digits" },
		{ NULL, "hanoi md5:0123 01-A\n", "64 hex digits" },
		{ NULL, "hanoi 01-A\n", "three fields" },
		{ NULL, "a b c d\n", "three fields" },
		{ NULL, "bad/name sha256:00 01-A\n", "client name" },
	};
	struct cs_err err;
	char text[512], line[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].offices != NULL) {
			hash_line(line, sizeof(line), "hanoi", tok_a,
			    cases[i].offices);
			snprintf(text, sizeof(text), "# one\n%s", line);
		} else {
			snprintf(text, sizeof(text), "# one\n%s", cases[i].raw);
		}
		assert_int_equal(parse_err(text, NULL, &err), CS_E_CONFIG);
		if (strstr(err.msg, cases[i].want) == NULL ||
		    strstr(err.msg, "clients.conf:2") == NULL)
			fail_msg("case %zu: '%s'", i, err.msg);
	}
}

static void
test_duplicate_name_or_token_is_refused(void **state)
{
	struct cs_err err;
	char a[256], b[256], text[600];

	(void)state;
	hash_line(a, sizeof(a), "hanoi", tok_a, "*");
	hash_line(b, sizeof(b), "hanoi", tok_b, "*");
	snprintf(text, sizeof(text), "%s%s", a, b);
	assert_int_equal(parse_err(text, NULL, &err), CS_E_CONFIG);
	assert_non_null(strstr(err.msg, "defined twice"));
	hash_line(b, sizeof(b), "other", tok_a, "*");
	snprintf(text, sizeof(text), "%s%s", a, b);
	assert_int_equal(parse_err(text, NULL, &err), CS_E_CONFIG);
	assert_non_null(strstr(err.msg, "same token as client hanoi"));
}

static void
test_messages_never_show_a_hash(void **state)
{
	struct cs_err err;
	char line[256], prefix[21], *hash;

	(void)state;
	/* A refused office list: the (good) hash is not in the message. */
	hash_line(line, sizeof(line), "hanoi", tok_a, "01-A,*");
	hash = strstr(line, "sha256:") + 7;
	memcpy(prefix, hash, 20);
	prefix[20] = '\0';
	parse_err(line, NULL, &err);
	assert_non_null(strstr(err.msg, "stands alone"));
	assert_null(strstr(err.msg, prefix));
	/* A malformed hash: not echoed either. */
	hash[40] = 'g';
	parse_err(line, NULL, &err);
	assert_non_null(strstr(err.msg, "64 hex digits"));
	assert_null(strstr(err.msg, prefix));
}

static void
test_missing_file_is_io_error(void **state)
{
	struct clients *cl = NULL;
	struct cs_err err;

	(void)state;
	cs_err_clear(&err);
	assert_int_equal(signd_clients_load("/nonexistent/clients.conf", NULL, &cl,
	    &err), CS_E_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/clients.conf"));
	assert_int_equal(signd_clients_load(NULL, NULL, &cl, &err), CS_E_CONFIG);
	signd_clients_free(NULL);
}

static void
test_empty_file_has_no_client(void **state)
{
	struct clients *cl;

	(void)state;
	cl = parse_ok("# nobody yet\n", NULL);
	assert_int_equal(cl->n, 0);
	assert_null(signd_clients_authenticate(cl, tok_a, strlen(tok_a)));
	signd_clients_free(cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_with_comments_blank_lines_and_crlf_parses),
		cmocka_unit_test(test_right_token_names_its_client),
		cmocka_unit_test(test_wrong_token_is_refused),
		cmocka_unit_test(test_token_of_wrong_shape_is_refused_without_comparing),
		cmocka_unit_test(test_every_client_is_compared_with_crypto_memcmp),
		cmocka_unit_test(test_office_allow_list),
		cmocka_unit_test(test_office_must_be_configured),
		cmocka_unit_test(test_malformed_lines_name_file_and_line),
		cmocka_unit_test(test_duplicate_name_or_token_is_refused),
		cmocka_unit_test(test_messages_never_show_a_hash),
		cmocka_unit_test(test_missing_file_is_io_error),
		cmocka_unit_test(test_empty_file_has_no_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
