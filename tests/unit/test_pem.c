/* tests/unit/test_pem.c — core/pem.c: certificates and CRLs from PEM files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/pem.h"

static char path[64];
static X509 *cert;
static EVP_PKEY *key;

static int
setup(void **state)
{
	X509_NAME *n;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/cs-test-pem-%d.pem", (int)getpid());
	if ((key = EVP_EC_gen("P-256")) == NULL || (cert = X509_new()) == NULL)
		return -1;
	n = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"pem test", -1, -1, 0);
	X509_set_issuer_name(cert, n);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	ASN1_TIME_set_string(X509_getm_notBefore(cert), "20240101000000Z");
	ASN1_TIME_set_string(X509_getm_notAfter(cert), "20340101000000Z");
	X509_set_pubkey(cert, key);
	return X509_sign(cert, key, EVP_sha256()) > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	X509_free(cert);
	EVP_PKEY_free(key);
	return 0;
}

static void
write_file(const char *prefix, int ncerts, int crl, const char *suffix)
{
	FILE *f = fopen(path, "w");
	X509_CRL *c;
	int i;

	assert_non_null(f);
	fputs(prefix, f);
	for (i = 0; i < ncerts; i++)
		PEM_write_X509(f, cert);
	if (crl) {
		c = X509_CRL_new();
		X509_CRL_set_issuer_name(c, X509_get_subject_name(cert));
		X509_CRL_set1_lastUpdate(c, X509_get0_notBefore(cert));
		X509_CRL_sign(c, key, EVP_sha256());
		PEM_write_X509_CRL(f, c);
		X509_CRL_free(c);
	}
	fputs(suffix, f);
	fclose(f);
}

static void
test_pem_certs_in_file_order(void **state)
{
	STACK_OF(X509) *sk = NULL;
	struct cs_err err;

	(void)state;
	write_file("# a comment line before the blocks\n", 3, 0, "");
	assert_int_equal(cs_pem_read_certs(path, &sk, &err), 0);
	assert_int_equal(sk_X509_num(sk), 3);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 2), cert), 0);
	sk_X509_pop_free(sk, X509_free);
}

static void
test_pem_no_certificate_refused(void **state)
{
	STACK_OF(X509) *sk = (STACK_OF(X509) *)1;
	struct cs_err err;

	(void)state;
	write_file("nothing here\n", 0, 0, "");
	assert_int_equal(cs_pem_read_certs(path, &sk, &err), CS_E_CONFIG);
	assert_null(sk);
	assert_non_null(strstr(err.msg, "holds no PEM certificate"));
}

static void
test_pem_broken_block_refused(void **state)
{
	STACK_OF(X509) *sk = (STACK_OF(X509) *)1;
	struct cs_err err;

	(void)state;
	write_file("", 1, 0, "-----BEGIN CERTIFICATE-----\nnot base64!\n"
	    "-----END CERTIFICATE-----\n");
	assert_int_equal(cs_pem_read_certs(path, &sk, &err), CS_E_CONFIG);
	assert_null(sk);
	assert_non_null(strstr(err.msg, path));
}

static void
test_pem_missing_file_names_it(void **state)
{
	STACK_OF(X509) *sk = (STACK_OF(X509) *)1;
	struct cs_err err;

	(void)state;
	assert_int_equal(cs_pem_read_certs("/nonexistent/x.pem", &sk, &err),
	    CS_E_IO);
	assert_null(sk);
	assert_non_null(strstr(err.msg, "/nonexistent/x.pem"));
	assert_non_null(strstr(err.msg, "No such file"));
}

static void
test_pem_crls_and_not_certificates(void **state)
{
	STACK_OF(X509_CRL) *sk = NULL;
	STACK_OF(X509) *certs = NULL;
	struct cs_err err;

	(void)state;
	write_file("", 0, 1, "");
	assert_int_equal(cs_pem_read_crls(path, &sk, &err), 0);
	assert_int_equal(sk_X509_CRL_num(sk), 1);
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	/* A CRL file holds no certificate, a certificate file no CRL. */
	assert_int_equal(cs_pem_read_certs(path, &certs, &err), CS_E_CONFIG);
	write_file("", 1, 0, "");
	sk = (STACK_OF(X509_CRL) *)1;
	assert_int_equal(cs_pem_read_crls(path, &sk, &err), CS_E_CONFIG);
	assert_null(sk);
	assert_non_null(strstr(err.msg, "holds no PEM CRL"));
}

static void
test_asn1_time_as_seconds(void **state)
{
	ASN1_TIME *t = ASN1_TIME_new();

	(void)state;
	assert_int_equal(cs_asn1_time(X509_get0_notBefore(cert)), 1704067200);
	ASN1_TIME_set_string(t, "500101000000Z");	/* UTCTime: 1950 */
	assert_int_equal(cs_asn1_time(t), -631152000);
	assert_int_equal(cs_asn1_time(NULL), -1);
	ASN1_TIME_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pem_certs_in_file_order),
		cmocka_unit_test(test_pem_no_certificate_refused),
		cmocka_unit_test(test_pem_broken_block_refused),
		cmocka_unit_test(test_pem_missing_file_names_it),
		cmocka_unit_test(test_pem_crls_and_not_certificates),
		cmocka_unit_test(test_asn1_time_as_seconds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
