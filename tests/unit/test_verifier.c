/*
 * tests/unit/test_verifier.c — verdicts and reasons of the verifier on
 * documents signed by an independent implementation (xmlsec1 --sign, see
 * tests/data/verify/gen.sh), and on policy-violating variants made here.
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include "verifier/verifier.h"

static char datadir[PATH_MAX + 64];
static struct verifier *V;		/* test trust + CRL */

static const char *
data(const char *name)
{
	static char p[4][PATH_MAX + 128];	/* several may be in use at once */
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", datadir, name);
	return p[i];
}

static char *
slurp(const char *name, size_t *len)
{
	FILE *f = fopen(data(name), "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* s with the first occurrence of from replaced by to (from must occur). */
static char *
subst(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	size_t a, b, c;
	char *r;

	assert_non_null(p);
	a = (size_t)(p - s);
	b = strlen(to);
	c = strlen(p + strlen(from));
	r = malloc(a + b + c + 1);
	assert_non_null(r);
	memcpy(r, s, a);
	memcpy(r + a, to, b);
	memcpy(r + a + b, p + strlen(from), c + 1);
	return r;
}

static struct verifier_report *
check_text(const char *xml)
{
	struct verifier_report *rep = NULL;
	struct cs_err err = { 0, "" };

	assert_int_equal(verifier_check(V, xml, strlen(xml), &rep, &err), 0);
	assert_non_null(rep);
	return rep;
}

static struct verifier_report *
check_file(const char *name)
{
	struct verifier_report *rep;
	char *xml = slurp(name, NULL);

	rep = check_text(xml);
	free(xml);
	return rep;
}

/* Some reason contains needle. */
static int
has_reason(const struct verifier_report *r, const char *needle)
{
	size_t i;

	for (i = 0; i < r->n_reasons; i++)
		if (strstr(r->reasons[i], needle) != NULL)
			return 1;
	fprintf(stderr, "# no reason with \"%s\"; reasons:\n", needle);
	for (i = 0; i < r->n_reasons; i++)
		fprintf(stderr, "#   %s\n", r->reasons[i]);
	return 0;
}

static void
expect_file(const char *name, enum verifier_verdict want, const char *reason)
{
	struct verifier_report *rep = check_file(name);

	if (rep->verdict != want) {
		size_t i;

		fprintf(stderr, "# %s: verdict %s, want %s\n", name,
		    verifier_verdict_name(rep->verdict),
		    verifier_verdict_name(want));
		for (i = 0; i < rep->n_reasons; i++)
			fprintf(stderr, "#   %s\n", rep->reasons[i]);
	}
	assert_int_equal(rep->verdict, want);
	if (reason != NULL)
		assert_true(has_reason(rep, reason));
	verifier_report_free(rep);
}

/* Mutate good-ec.xml and expect verdict invalid with a reason. */
static void
expect_mutation(const char *from, const char *to, const char *reason)
{
	struct verifier_report *rep;
	char *good = slurp("good-ec.xml", NULL), *bad;

	bad = subst(good, from, to);
	rep = check_text(bad);
	assert_int_equal(rep->verdict, VERIFIER_INVALID);
	assert_true(has_reason(rep, reason));
	/* Nothing unverified is handed out as signed fields. */
	assert_null(rep->fields);
	verifier_report_free(rep);
	free(bad);
	free(good);
}

#define SIG_OPEN "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"

/* ---- genuine documents ------------------------------------------------ */

static void
test_verify_good_ecdsa_document_is_valid(void **state)
{
	struct verifier_report *rep = check_file("good-ec.xml");
	json_t *j, *f;

	(void)state;
	assert_int_equal(rep->verdict, VERIFIER_VALID);
	assert_int_equal(rep->n_reasons, 0);
	assert_string_equal(rep->doc_type, "birth");
	assert_string_equal(rep->doc_id, "019ab0c1-2f3e-7a4b-9c1d-0e2f3a4b5c6d");
	assert_string_equal(rep->office, "01-BADINH");
	assert_string_equal(rep->signed_at, "2026-01-15T03:00:00Z");
	assert_non_null(rep->leaf);
	assert_string_equal(rep->signer_office, "01-BADINH");
	assert_non_null(rep->fields);

	j = verifier_report_json(rep);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")),
	    "valid");
	f = json_object_get(json_object_get(j, "fields"), "child");
	assert_string_equal(json_string_value(json_object_get(f, "full_name")),
	    "Nguyễn Ngọc Minh Châu");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "signer"), "office")), "01-BADINH");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "document"), "type")), "birth");
	json_decref(j);
	verifier_report_free(rep);
}

static void
test_verify_good_rsa_document_is_valid(void **state)
{
	(void)state;
	expect_file("good-rsa.xml", VERIFIER_VALID, NULL);
}

static void
test_verify_enveloped_only_transform_is_valid(void **state)
{
	(void)state;
	expect_file("enveloped-only.xml", VERIFIER_VALID, NULL);
}

/* ---- tampering -------------------------------------------------------- */

static void
test_verify_changed_name_is_digest_mismatch(void **state)
{
	(void)state;
	expect_mutation("Nguyễn Ngọc Minh Châu", "Nguyễn Ngọc Minh Chân",
	    "digest mismatch");
}

static void
test_verify_changed_date_is_digest_mismatch(void **state)
{
	(void)state;
	expect_mutation("<BirthDate>2025-09-12</BirthDate>",
	    "<BirthDate>2025-09-11</BirthDate>", "digest mismatch");
}

static void
test_verify_changed_signature_value_does_not_verify(void **state)
{
	struct verifier_report *rep;
	char *good = slurp("good-ec.xml", NULL), *p;

	(void)state;
	p = strstr(good, "<ds:SignatureValue>");
	assert_non_null(p);
	p += strlen("<ds:SignatureValue>") + 5;
	*p = *p == 'A' ? 'B' : 'A';
	rep = check_text(good);
	assert_int_equal(rep->verdict, VERIFIER_INVALID);
	assert_true(has_reason(rep, "signature value does not verify"));
	verifier_report_free(rep);
	free(good);
}

/* The signer certificate replaced by another office's: the key no longer fits. */
static void
test_verify_swapped_certificate_does_not_verify(void **state)
{
	struct verifier_report *rep;
	char *good = slurp("good-ec.xml", NULL), *other = slurp("merged-before.xml",
	    NULL), *bad, *a, *b, *ca, *cb;
	const char *tag = "<ds:X509Certificate>";

	(void)state;
	a = strstr(good, tag);
	b = strstr(other, tag);
	assert_non_null(a);
	assert_non_null(b);
	ca = strndup(a, (size_t)(strstr(a, "</ds:X509Certificate>") - a));
	cb = strndup(b, (size_t)(strstr(b, "</ds:X509Certificate>") - b));
	bad = subst(good, ca, cb);
	rep = check_text(bad);
	assert_int_equal(rep->verdict, VERIFIER_INVALID);
	assert_true(has_reason(rep, "signature value does not verify"));
	assert_true(has_reason(rep, "certificate is for office 01-MERGED, "
	    "document names office 01-BADINH"));
	verifier_report_free(rep);
	free(ca);
	free(cb);
	free(bad);
	free(good);
	free(other);
}

/* ---- trust, time and revocation ----------------------------------------- */

static void
test_verify_rogue_ca_is_untrusted(void **state)
{
	(void)state;
	expect_file("rogue.xml", VERIFIER_UNTRUSTED,
	    "does not chain to a trust anchor");
}

static void
test_verify_key_compromise_revokes_earlier_signatures(void **state)
{
	(void)state;
	expect_file("revoked-keycompromise.xml", VERIFIER_REVOKED,
	    "keyCompromise");
}

static void
test_verify_cessation_after_signing_keeps_signature(void **state)
{
	struct verifier_report *rep = check_file("merged-before.xml");

	(void)state;
	assert_int_equal(rep->verdict, VERIFIER_VALID);
	assert_true(rep->n_warnings > 0);
	assert_non_null(strstr(rep->warnings[0], "cessationOfOperation"));
	verifier_report_free(rep);
}

static void
test_verify_cessation_before_signing_is_revoked(void **state)
{
	(void)state;
	expect_file("merged-after.xml", VERIFIER_REVOKED, "cessationOfOperation");
}

static void
test_verify_expired_at_signing_time_is_invalid(void **state)
{
	(void)state;
	expect_file("expired-at-signing.xml", VERIFIER_INVALID,
	    "certificate expired at signing time");
}

static void
test_verify_expired_since_signing_is_valid(void **state)
{
	(void)state;
	expect_file("expired-later.xml", VERIFIER_VALID, NULL);
}

static void
test_verify_key_usage_without_signature_is_invalid(void **state)
{
	(void)state;
	expect_file("no-keyusage.xml", VERIFIER_INVALID, "keyUsage");
}

static void
test_verify_office_mismatch_is_invalid(void **state)
{
	(void)state;
	expect_file("wrong-office.xml", VERIFIER_INVALID,
	    "certificate is for office 01-BADINH, document names office "
	    "79-SAIGON");
}

static void
test_verify_future_signing_time_is_invalid(void **state)
{
	(void)state;
	expect_file("future.xml", VERIFIER_INVALID, "in the future");
}

/* ---- the signature policy ----------------------------------------------- */

static void
test_policy_second_signature_refused(void **state)
{
	(void)state;
	expect_mutation("<Child>", "<Child>" SIG_OPEN "</ds:Signature>",
	    "2 ds:Signature elements");
}

static void
test_policy_reference_to_id_refused(void **state)
{
	(void)state;
	expect_mutation("URI=\"\"", "URI=\"#x\"", "URI=\"#x\" is not allowed");
}

static void
test_policy_sha1_digest_refused(void **state)
{
	(void)state;
	expect_mutation("http://www.w3.org/2001/04/xmlenc#sha256",
	    "http://www.w3.org/2000/09/xmldsig#sha1", "DigestMethod sha1");
}

static void
test_policy_hmac_signature_method_refused(void **state)
{
	(void)state;
	expect_mutation("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
	    "http://www.w3.org/2000/09/xmldsig#hmac-sha1", "hmac-sha1");
}

static void
test_policy_xslt_transform_refused(void **state)
{
	(void)state;
	expect_mutation("<ds:Transform Algorithm=\"http://www.w3.org/2001/10/"
	    "xml-exc-c14n#\"/>", "<ds:Transform Algorithm=\"http://www.w3.org/"
	    "TR/1999/REC-xslt-19991116\"/>", "xslt");
}

static void
test_policy_xpath_transform_refused(void **state)
{
	(void)state;
	expect_mutation("<ds:Transform Algorithm=\"http://www.w3.org/2001/10/"
	    "xml-exc-c14n#\"/>", "<ds:Transform Algorithm=\"http://www.w3.org/"
	    "TR/1999/REC-xpath-19991116\"><ds:XPath>1</ds:XPath>"
	    "</ds:Transform>", "xpath");
}

static void
test_policy_c14n_with_comments_refused(void **state)
{
	(void)state;
	expect_mutation("<ds:CanonicalizationMethod Algorithm=\"http://www.w3."
	    "org/2001/10/xml-exc-c14n#\"/>", "<ds:CanonicalizationMethod "
	    "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#WithComments\"/>",
	    "with comments");
}

static void
test_policy_transforms_out_of_order_refused(void **state)
{
	(void)state;
	expect_mutation("<ds:Transform Algorithm=\"http://www.w3.org/2000/09/"
	    "xmldsig#enveloped-signature\"/>", "", "transforms must be");
}

static void
test_policy_object_refused(void **state)
{
	(void)state;
	expect_mutation("</ds:KeyInfo>", "</ds:KeyInfo><ds:Object>x</ds:Object>",
	    "ds:Object is not allowed");
}

static void
test_policy_key_value_refused(void **state)
{
	(void)state;
	expect_mutation("<ds:KeyInfo>", "<ds:KeyInfo><ds:KeyValue/>",
	    "ds:KeyValue in ds:KeyInfo is not allowed");
}

static void
test_policy_retrieval_method_refused(void **state)
{
	(void)state;
	expect_mutation("<ds:KeyInfo>", "<ds:KeyInfo><ds:RetrievalMethod "
	    "URI=\"http://127.0.0.1:9/k\"/>", "RetrievalMethod");
}

static void
test_policy_id_attribute_refused(void **state)
{
	(void)state;
	expect_mutation("<ds:SignedInfo>", "<ds:SignedInfo Id=\"si\">",
	    "attribute Id on ds:SignedInfo");
}

static void
test_policy_signature_not_last_refused(void **state)
{
	(void)state;
	expect_mutation("</ds:Signature>", "</ds:Signature><Extra/>",
	    "last child element");
}

static void
test_policy_unsigned_document_refused(void **state)
{
	struct verifier_report *rep;
	char *good = slurp("good-ec.xml", NULL), *p, *e;

	(void)state;
	p = strstr(good, SIG_OPEN);
	e = strstr(good, "</ds:Signature>");
	assert_non_null(p);
	memmove(p, e + strlen("</ds:Signature>"),
	    strlen(e + strlen("</ds:Signature>")) + 1);
	rep = check_text(good);
	assert_int_equal(rep->verdict, VERIFIER_INVALID);
	assert_true(has_reason(rep, "not signed"));
	verifier_report_free(rep);
	free(good);
}

static void
test_policy_comment_refused(void **state)
{
	(void)state;
	expect_mutation("Minh Châu", "Minh<!-- --> Châu", "comment");
}

static void
test_policy_doctype_refused(void **state)
{
	(void)state;
	expect_mutation("<BirthCertificate", "<!DOCTYPE BirthCertificate [ "
	    "<!ENTITY x SYSTEM \"file:///etc/passwd\"> ]><BirthCertificate",
	    "DOCTYPE");
}

static void
test_verify_not_xml_is_invalid(void **state)
{
	struct verifier_report *rep = check_text("this is not XML");

	(void)state;
	assert_int_equal(rep->verdict, VERIFIER_INVALID);
	assert_true(has_reason(rep, "not well-formed"));
	assert_null(rep->leaf);
	verifier_report_free(rep);
}

/* ---- API --------------------------------------------------------------- */

static void
test_verifier_new_reports_missing_and_empty_files(void **state)
{
	struct verifier *v = NULL;
	struct cs_err err = { 0, "" };

	(void)state;
	assert_int_equal(verifier_new("/nonexistent/trust.pem", NULL, &v, &err),
	    CS_E_IO);
	assert_null(v);
	assert_non_null(strstr(err.msg, "/nonexistent/trust.pem"));
	/* A CRL file where anchors are expected holds no certificate. */
	assert_int_equal(verifier_new(data("crl.pem"), NULL, &v, &err),
	    CS_E_CONFIG);
	assert_int_equal(verifier_new(data("trust.pem"), data("trust.pem"), &v,
	    &err), CS_E_CONFIG);
	verifier_free(NULL);
	verifier_report_free(NULL);
}

static void
test_verifier_without_crl_does_not_see_revocation(void **state)
{
	struct verifier *v = NULL;
	struct verifier_report *rep = NULL;
	struct cs_err err = { 0, "" };
	char *xml;
	size_t len;

	(void)state;
	assert_int_equal(verifier_new(data("trust.pem"), NULL, &v, &err), 0);
	xml = slurp("revoked-keycompromise.xml", &len);
	assert_int_equal(verifier_check(v, xml, len, &rep, &err), 0);
	assert_int_equal(rep->verdict, VERIFIER_VALID);
	verifier_report_free(rep);
	free(xml);
	verifier_free(v);
}

struct thread_arg {
	char *good, *bad;
	int failures;
};

static void *
worker(void *p)
{
	struct thread_arg *a = p;
	struct verifier_report *rep;
	struct cs_err err;
	int i;

	for (i = 0; i < 10; i++) {
		rep = NULL;
		if (verifier_check(V, a->good, strlen(a->good), &rep, &err) != 0 ||
		    rep->verdict != VERIFIER_VALID)
			a->failures++;
		verifier_report_free(rep);
		rep = NULL;
		if (verifier_check(V, a->bad, strlen(a->bad), &rep, &err) != 0 ||
		    rep->verdict != VERIFIER_INVALID)
			a->failures++;
		verifier_report_free(rep);
	}
	return NULL;
}

static void
test_verifier_check_is_thread_safe(void **state)
{
	struct thread_arg a[4];
	pthread_t t[4];
	char *good = slurp("good-ec.xml", NULL);
	char *bad = subst(good, "Châu", "Chân");
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		a[i].good = good;
		a[i].bad = bad;
		a[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, worker, &a[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].failures, 0);
	}
	free(good);
	free(bad);
}

static int
setup(void **state)
{
	struct cs_err err = { 0, "" };
	char exe[PATH_MAX], *slash;
	const char *env = getenv("CIVSEAL_TEST_DATA");
	ssize_t n;

	(void)state;
	if (env != NULL)
		snprintf(datadir, sizeof(datadir), "%s", env);
	else if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		/* build/tests/<prog> in the source tree */
		snprintf(datadir, sizeof(datadir), "%s/../../tests/data/verify",
		    exe);
	}
	xmlInitParser();
	if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 ||
	    xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0)
		return -1;
	xmlSecErrorsDefaultCallbackEnableOutput(0);
	if (verifier_new(data("trust.pem"), data("crl.pem"), &V, &err) != 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	verifier_free(V);
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	xmlCleanupParser();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_good_ecdsa_document_is_valid),
		cmocka_unit_test(test_verify_good_rsa_document_is_valid),
		cmocka_unit_test(test_verify_enveloped_only_transform_is_valid),
		cmocka_unit_test(test_verify_changed_name_is_digest_mismatch),
		cmocka_unit_test(test_verify_changed_date_is_digest_mismatch),
		cmocka_unit_test(test_verify_changed_signature_value_does_not_verify),
		cmocka_unit_test(test_verify_swapped_certificate_does_not_verify),
		cmocka_unit_test(test_verify_rogue_ca_is_untrusted),
		cmocka_unit_test(test_verify_key_compromise_revokes_earlier_signatures),
		cmocka_unit_test(test_verify_cessation_after_signing_keeps_signature),
		cmocka_unit_test(test_verify_cessation_before_signing_is_revoked),
		cmocka_unit_test(test_verify_expired_at_signing_time_is_invalid),
		cmocka_unit_test(test_verify_expired_since_signing_is_valid),
		cmocka_unit_test(test_verify_key_usage_without_signature_is_invalid),
		cmocka_unit_test(test_verify_office_mismatch_is_invalid),
		cmocka_unit_test(test_verify_future_signing_time_is_invalid),
		cmocka_unit_test(test_policy_second_signature_refused),
		cmocka_unit_test(test_policy_reference_to_id_refused),
		cmocka_unit_test(test_policy_sha1_digest_refused),
		cmocka_unit_test(test_policy_hmac_signature_method_refused),
		cmocka_unit_test(test_policy_xslt_transform_refused),
		cmocka_unit_test(test_policy_xpath_transform_refused),
		cmocka_unit_test(test_policy_c14n_with_comments_refused),
		cmocka_unit_test(test_policy_transforms_out_of_order_refused),
		cmocka_unit_test(test_policy_object_refused),
		cmocka_unit_test(test_policy_key_value_refused),
		cmocka_unit_test(test_policy_retrieval_method_refused),
		cmocka_unit_test(test_policy_id_attribute_refused),
		cmocka_unit_test(test_policy_signature_not_last_refused),
		cmocka_unit_test(test_policy_unsigned_document_refused),
		cmocka_unit_test(test_policy_comment_refused),
		cmocka_unit_test(test_policy_doctype_refused),
		cmocka_unit_test(test_verify_not_xml_is_invalid),
		cmocka_unit_test(test_verifier_new_reports_missing_and_empty_files),
		cmocka_unit_test(test_verifier_without_crl_does_not_see_revocation),
		cmocka_unit_test(test_verifier_check_is_thread_safe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
