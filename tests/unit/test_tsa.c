/*
 * tests/unit/test_tsa.c — tsa/: requests, responses, the responder, and
 * every refusal of tsa_token_verify.
 *
 * A small PKI is made at start (keys and certificates dated from now, so
 * nothing here expires): a TSA CA and its TSA, another CA the trust does not
 * know, and TSA certificates that must not be accepted (no extended key
 * usage, a non-critical one, expired, revoked).  OpenSSL's TS_RESP_CTX
 * refuses to sign with such certificates, so forge_token() plays a rogue
 * TSA that signs any TSTInfo with any certificate, as an attacker would.
 * The HTTP side is tested against the real civseal-tsad in
 * tests/integration/test_tsad.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "tsa/client.h"
#include "tsa/resp.h"
#include "tsa/responder.h"
#include "tsa/token.h"

#define POLICY "1.3.6.1.4.1.99999.1.1"
#define DAY (24 * 3600L)

enum eku { EKU_NONE, EKU_TS_CRITICAL, EKU_TS_NONCRITICAL };

static char dir[64];
static EVP_PKEY *ca_key, *other_ca_key, *tsa_key;
static X509 *ca, *other_ca, *tsa, *other_tsa, *noeku_tsa, *noncrit_tsa,
    *expired_tsa, *short_tsa, *revoked_tsa;
static struct tsa_trust *trust, *other_trust, *crl_trust;
static struct tsa_responder *responder, *short_responder;
static long next_serial = 1000;

/* --- a PKI of our own ------------------------------------------------------- */

static EVP_PKEY *
new_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate for key, valid from now+from to now+to seconds. */
static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
    long from, long to, int is_ca, enum eku eku)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
	    (const unsigned char *)"civseal test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) :
	    n);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	if (issuer == NULL)
		issuer = x;
	if (is_ca) {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
	}
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (eku == EKU_TS_CRITICAL)
		add_ext(x, issuer, NID_ext_key_usage, "critical,timeStamping");
	else if (eku == EKU_TS_NONCRITICAL)
		add_ext(x, issuer, NID_ext_key_usage, "timeStamping");
	assert_true(X509_sign(x, issuer_key != NULL ? issuer_key : key,
	    EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

static void
write_pem(const char *name, X509 *a, X509 *b)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	PEM_write_X509(f, a);
	if (b != NULL)
		PEM_write_X509(f, b);
	fclose(f);
}

static const char *
in_dir(const char *name)
{
	static char path[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

/* A CRL of the TSA CA that revokes revoked_tsa. */
static void
write_crl(void)
{
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *rv = X509_REVOKED_new();
	ASN1_TIME *t = ASN1_TIME_new();
	FILE *f;

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	X509_gmtime_adj(t, -3600);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, 30 * DAY);
	X509_CRL_set1_nextUpdate(crl, t);
	X509_REVOKED_set_serialNumber(rv, X509_get_serialNumber(revoked_tsa));
	X509_gmtime_adj(t, -1800);
	X509_REVOKED_set_revocationDate(rv, t);
	X509_CRL_add0_revoked(crl, rv);
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0);
	assert_non_null(f = fopen(in_dir("crl.pem"), "w"));
	PEM_write_X509_CRL(f, crl);
	fclose(f);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
}

static struct tsa_responder *
new_responder(const char *cert_file, struct cs_err *err, int *rc)
{
	struct tsa_responder_opts o;
	struct tsa_responder *r = NULL;

	memset(&o, 0, sizeof(o));
	o.cert_path = in_dir(cert_file);
	o.policy = POLICY;
	o.accuracy_ms = 1500;
	*rc = tsa_responder_new(&o, &r, err);
	return r;
}

static int
setup(void **state)
{
	struct cs_err err;
	int rc;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cs-test-tsa-%d", (int)getpid());
	if (mkdir(dir, 0700) != 0)
		return -1;
	ca_key = new_key();
	other_ca_key = new_key();
	tsa_key = new_key();
	ca = make_cert("Test TSA CA", ca_key, NULL, NULL, -DAY, 3650 * DAY, 1,
	    EKU_NONE);
	other_ca = make_cert("Unknown TSA CA", other_ca_key, NULL, NULL, -DAY,
	    3650 * DAY, 1, EKU_NONE);
	tsa = make_cert("Test TSA", tsa_key, ca, ca_key, -DAY, 365 * DAY, 0,
	    EKU_TS_CRITICAL);
	other_tsa = make_cert("Rogue TSA", tsa_key, other_ca, other_ca_key,
	    -DAY, 365 * DAY, 0, EKU_TS_CRITICAL);
	noeku_tsa = make_cert("TSA without EKU", tsa_key, ca, ca_key, -DAY,
	    365 * DAY, 0, EKU_NONE);
	noncrit_tsa = make_cert("TSA with a non-critical EKU", tsa_key, ca,
	    ca_key, -DAY, 365 * DAY, 0, EKU_TS_NONCRITICAL);
	expired_tsa = make_cert("Expired TSA", tsa_key, ca, ca_key, -10 * DAY,
	    -DAY, 0, EKU_TS_CRITICAL);
	short_tsa = make_cert("Short-lived TSA", tsa_key, ca, ca_key, -DAY,
	    3600, 0, EKU_TS_CRITICAL);
	revoked_tsa = make_cert("Revoked TSA", tsa_key, ca, ca_key, -DAY,
	    365 * DAY, 0, EKU_TS_CRITICAL);
	write_pem("anchors.pem", ca, NULL);
	write_pem("other-anchors.pem", other_ca, NULL);
	write_pem("tsa.pem", tsa, NULL);
	write_pem("short.pem", short_tsa, NULL);
	write_pem("noeku.pem", noeku_tsa, NULL);
	write_pem("expired.pem", expired_tsa, NULL);
	write_crl();
	if (tsa_trust_load(in_dir("anchors.pem"), NULL, NULL, &trust, &err) != 0 ||
	    tsa_trust_load(in_dir("other-anchors.pem"), NULL, NULL,
	    &other_trust, &err) != 0 ||
	    tsa_trust_load(in_dir("anchors.pem"), NULL, in_dir("crl.pem"),
	    &crl_trust, &err) != 0) {
		fprintf(stderr, "trust: %s\n", err.msg);
		return -1;
	}
	if ((responder = new_responder("tsa.pem", &err, &rc)) == NULL ||
	    (short_responder = new_responder("short.pem", &err, &rc)) == NULL) {
		fprintf(stderr, "responder: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	static const char *const files[] = { "anchors.pem", "other-anchors.pem",
		"tsa.pem", "short.pem", "noeku.pem", "expired.pem", "crl.pem" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(in_dir(files[i]));
	rmdir(dir);
	tsa_responder_free(responder);
	tsa_responder_free(short_responder);
	tsa_trust_free(trust);
	tsa_trust_free(other_trust);
	tsa_trust_free(crl_trust);
	X509_free(ca);
	X509_free(other_ca);
	X509_free(tsa);
	X509_free(other_tsa);
	X509_free(noeku_tsa);
	X509_free(noncrit_tsa);
	X509_free(expired_tsa);
	X509_free(short_tsa);
	X509_free(revoked_tsa);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_ca_key);
	EVP_PKEY_free(tsa_key);
	return 0;
}

/* --- helpers ------------------------------------------------------------------- */

static void
sha256_of(const char *s, unsigned char md[32])
{
	assert_int_equal(EVP_Digest(s, strlen(s), md, NULL, EVP_sha256(),
	    NULL), 1);
}

/* A request for data, answered by r; the reply is left in *rep. */
static struct tsa_request *
ask(struct tsa_responder *r, const char *data, struct tsa_reply *rep)
{
	struct tsa_request *req = NULL;
	unsigned char md[32];
	struct cs_err err;

	sha256_of(data, md);
	assert_int_equal(tsa_request_new(md, NULL, &req, &err), 0);
	if (tsa_responder_reply(r, tsa_key, req->der, req->len, rep, &err) != 0)
		fail_msg("responder: %s", err.msg);
	assert_true(rep->granted);
	return req;
}

/* The token of a granted reply (copied; free with free()). */
static unsigned char *
token_of(const struct tsa_reply *rep, size_t *len)
{
	struct tsa_resp_status st;
	const unsigned char *tok;
	unsigned char *copy;
	struct cs_err err;

	assert_int_equal(tsa_resp_parse(rep->der, rep->len, &st, &tok, len,
	    &err), 0);
	assert_non_null(tok);
	copy = malloc(*len);
	memcpy(copy, tok, *len);
	return copy;
}

static void
expect_msg(const struct cs_err *err, const char *needle)
{
	if (strstr(err->msg, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", err->msg, needle);
}

/* A fresh token for data from the real responder. */
static unsigned char *
good_token(const char *data, size_t *len)
{
	struct tsa_reply rep;
	struct tsa_request *req = ask(responder, data, &rep);
	unsigned char *t = token_of(&rep, len);

	tsa_request_free(req);
	tsa_reply_clear(&rep);
	return t;
}

/*
 * A rogue TSA: sign tst with key under cert, whatever the certificate
 * says, with SigningCertificateV2 naming ess_cert (usually cert itself)
 * and the TSA name the subject of name_of.  This is what ts_RESP_sign
 * does, without its checks.
 */
static unsigned char *
forge_named(TS_TST_INFO *tst, EVP_PKEY *key, X509 *cert, X509 *ess_cert,
    X509 *name_of, size_t *len)
{
	PKCS7 *p7 = PKCS7_new(), *content = PKCS7_new();
	PKCS7_SIGNER_INFO *si;
	ESS_SIGNING_CERT_V2 *sc;
	ASN1_STRING *seq = ASN1_STRING_new();
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	unsigned char *der = NULL, *out;
	BIO *b;
	int n;

	if (TS_TST_INFO_get_tsa(tst) != NULL) {
		GENERAL_NAME *gn = GENERAL_NAME_new();

		gn->type = GEN_DIRNAME;
		gn->d.directoryName = X509_NAME_dup(X509_get_subject_name(
		    name_of));
		TS_TST_INFO_set_tsa(tst, gn);
		GENERAL_NAME_free(gn);
	}
	assert_int_equal(PKCS7_set_type(p7, NID_pkcs7_signed), 1);
	ASN1_INTEGER_set(p7->d.sign->version, 3);
	PKCS7_add_certificate(p7, cert);
	assert_non_null(si = PKCS7_add_signature(p7, cert, key, EVP_sha256()));
	PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
	    OBJ_nid2obj(NID_id_smime_ct_TSTInfo));
	sc = OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), ess_cert, NULL, 0);
	assert_non_null(sc);
	n = i2d_ESS_SIGNING_CERT_V2(sc, &der);
	ASN1_STRING_set(seq, der, n);
	OPENSSL_free(der);
	der = NULL;
	PKCS7_add_signed_attribute(si, NID_id_smime_aa_signingCertificateV2,
	    V_ASN1_SEQUENCE, seq);
	ESS_SIGNING_CERT_V2_free(sc);
	content->type = OBJ_nid2obj(NID_id_smime_ct_TSTInfo);
	content->d.other = ASN1_TYPE_new();
	ASN1_TYPE_set(content->d.other, V_ASN1_OCTET_STRING, os);
	assert_int_equal(PKCS7_set_content(p7, content), 1);
	assert_non_null(b = PKCS7_dataInit(p7, NULL));
	assert_true(i2d_TS_TST_INFO_bio(b, tst) > 0);
	assert_int_equal(PKCS7_dataFinal(p7, b), 1);
	BIO_free_all(b);
	n = i2d_PKCS7(p7, &der);
	assert_true(n > 0);
	out = malloc((size_t)n);
	memcpy(out, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	PKCS7_free(p7);
	return out;
}

/* A TSA names itself as the certificate it signs with. */
static unsigned char *
forge_token(TS_TST_INFO *tst, EVP_PKEY *key, X509 *cert, X509 *ess_cert,
    size_t *len)
{
	return forge_named(tst, key, cert, ess_cert, cert, len);
}

/* The TSTInfo of a good token for data (to forge with). */
static TS_TST_INFO *
tst_for(const char *data)
{
	size_t len;
	unsigned char *t = good_token(data, &len);
	const unsigned char *p = t;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
	TS_TST_INFO *tst = PKCS7_to_TS_TST_INFO(p7);

	assert_non_null(tst);
	PKCS7_free(p7);
	free(t);
	return tst;
}

static int
verify_for(const struct tsa_trust *t, const unsigned char *tok, size_t len,
    const char *data, const struct tsa_verify_opts *o, struct cs_err *err)
{
	struct tsa_imprint want;
	struct tsa_proof *proof = (struct tsa_proof *)1;
	int r;

	assert_int_equal(tsa_imprint_of("sha256", data, strlen(data), &want,
	    err), 0);
	r = tsa_token_verify(t, tok, len, &want, o, &proof, err);
	if (r != 0)
		assert_null(proof);
	tsa_proof_free(proof);
	return r;
}

/* --- requests ------------------------------------------------------------------ */

static void
test_request_has_imprint_nonce_certreq_policy(void **state)
{
	struct tsa_request *a = NULL, *b = NULL;
	unsigned char md[32];
	const unsigned char *p;
	TS_REQ *tr;
	TS_MSG_IMPRINT *mi;
	const ASN1_OBJECT *alg;
	BIGNUM *bn, *want;
	struct cs_err err;
	char oid[64];

	(void)state;
	sha256_of("birth certificate", md);
	assert_int_equal(tsa_request_new(md, POLICY, &a, &err), 0);
	assert_int_equal(tsa_request_new(md, NULL, &b, &err), 0);
	p = a->der;
	assert_non_null(tr = d2i_TS_REQ(NULL, &p, (long)a->len));
	assert_ptr_equal(p, a->der + a->len);
	assert_int_equal(TS_REQ_get_version(tr), 1);
	mi = TS_REQ_get_msg_imprint(tr);
	X509_ALGOR_get0(&alg, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
	assert_int_equal(OBJ_obj2nid(alg), NID_sha256);
	assert_int_equal(ASN1_STRING_length(TS_MSG_IMPRINT_get_msg(mi)), 32);
	assert_memory_equal(ASN1_STRING_get0_data(TS_MSG_IMPRINT_get_msg(mi)),
	    md, 32);
	assert_int_equal(TS_REQ_get_cert_req(tr), 1);
	OBJ_obj2txt(oid, sizeof(oid), TS_REQ_get_policy_id(tr), 1);
	assert_string_equal(oid, POLICY);
	bn = ASN1_INTEGER_to_BN(TS_REQ_get_nonce(tr), NULL);
	want = BN_bin2bn(a->nonce, sizeof(a->nonce), NULL);
	assert_int_equal(BN_cmp(bn, want), 0);
	assert_false(BN_is_negative(bn));
	assert_int_equal(BN_num_bytes(bn), TSA_NONCE_LEN);
	/* Every request its own nonce; no policy asked when none is set. */
	assert_memory_not_equal(a->nonce, b->nonce, TSA_NONCE_LEN);
	assert_null(b->policy);
	BN_free(bn);
	BN_free(want);
	TS_REQ_free(tr);
	p = b->der;
	assert_non_null(tr = d2i_TS_REQ(NULL, &p, (long)b->len));
	assert_null(TS_REQ_get_policy_id(tr));
	TS_REQ_free(tr);
	tsa_request_free(a);
	tsa_request_free(b);
}

static void
test_request_policy_must_be_an_oid(void **state)
{
	struct tsa_request *req = (struct tsa_request *)1;
	unsigned char md[32] = { 0 };
	struct cs_err err;

	(void)state;
	assert_int_equal(tsa_request_new(md, "civseal policy", &req, &err),
	    CS_E_CONFIG);
	assert_null(req);
	expect_msg(&err, "is not a dotted OID");
}

/* --- the responder and a good token ------------------------------------------ */

static void
test_token_with_its_imprint_proves_gen_time(void **state)
{
	struct tsa_request *req;
	struct tsa_reply rep;
	struct tsa_stamp *s = NULL;
	struct cs_err err;
	time_t before = time(NULL), after;
	size_t len;

	(void)state;
	req = ask(responder, "birth certificate 1", &rep);
	after = time(NULL);
	if (tsa_response_check(trust, req, rep.der, rep.len, &s, &err) != 0)
		fail_msg("check: %s", err.msg);
	assert_true(s->proof->gen_time >= before && s->proof->gen_time <= after);
	/* accuracy 1.5 s: existence is proved by genTime + 1.5 s, rounded up */
	assert_int_equal(s->proof->accuracy_ms, 1500);
	assert_true(s->proof->existed_by >= s->proof->gen_time + 1 &&
	    s->proof->existed_by <= s->proof->gen_time + 3);
	assert_string_equal(s->proof->policy, POLICY);
	assert_string_equal(s->proof->serial, rep.serial);
	assert_int_equal(s->proof->imprint_nid, NID_sha256);
	assert_non_null(strstr(s->proof->tsa_subject, "CN=Test TSA"));
	assert_int_equal(X509_cmp(s->proof->tsa_cert, tsa), 0);
	assert_int_equal(sk_X509_num(s->proof->chain), 2);
	/* Milliseconds, without trailing zeros (RFC 3161): 20 to 24 chars. */
	len = strlen(s->proof->gen_time_iso);
	assert_true(len >= 20 && len <= 24 && len != 21);
	assert_int_equal(s->proof->gen_time_iso[len - 1], 'Z');
	assert_true(s->proof->gen_time_iso[19] == (len == 20 ? 'Z' : '.'));
	assert_true(len > 20 || s->proof->gen_time_ms == 0);
	tsa_stamp_free(s);
	tsa_request_free(req);
	tsa_reply_clear(&rep);
}

static void
test_token_verify_data_uses_the_tokens_digest(void **state)
{
	struct tsa_proof *p = NULL;
	struct cs_err err;
	size_t len;
	unsigned char *t = good_token("a death extract", &len);

	(void)state;
	assert_int_equal(tsa_token_verify_data(trust, t, len, "a death extract",
	    15, NULL, &p, &err), 0);
	tsa_proof_free(p);
	p = NULL;
	assert_int_equal(tsa_token_verify_data(trust, t, len, "a death extracT",
	    15, NULL, &p, &err), CS_E_INVALID);
	assert_null(p);
	expect_msg(&err, "covers other data");
	free(t);
}

static void
test_serials_unique_and_increasing(void **state)
{
	struct tsa_serial *s = NULL;
	unsigned char a[TSA_SERIAL_LEN], b[TSA_SERIAL_LEN];
	struct cs_err err;
	int i;

	(void)state;
	assert_int_equal(tsa_serial_new(&s, &err), 0);
	tsa_serial_next(s, a);
	assert_true(a[0] < 0x80);	/* a positive INTEGER of 20 octets */
	for (i = 0; i < 10000; i++) {
		tsa_serial_next(s, b);
		assert_true(memcmp(a, b, sizeof(a)) < 0);
		memcpy(a, b, sizeof(a));
	}
	tsa_serial_free(s);
}

static void
test_tokens_of_one_responder_have_distinct_serials(void **state)
{
	struct tsa_reply r1, r2;
	struct tsa_request *q1 = ask(responder, "x", &r1);
	struct tsa_request *q2 = ask(responder, "x", &r2);

	(void)state;
	assert_string_not_equal(r1.serial, r2.serial);
	tsa_request_free(q1);
	tsa_request_free(q2);
	tsa_reply_clear(&r1);
	tsa_reply_clear(&r2);
}

static void
expect_rejected(const unsigned char *req, size_t len, const char *failure)
{
	struct tsa_reply rep;
	struct tsa_resp_status st;
	struct cs_err err;

	assert_int_equal(tsa_responder_reply(responder, tsa_key, req, len, &rep,
	    &err), 0);
	assert_false(rep.granted);
	assert_non_null(rep.failure);
	assert_string_equal(rep.failure, failure);
	/* ... in a well-formed TimeStampResp that says so. */
	assert_int_equal(tsa_resp_parse(rep.der, rep.len, &st, NULL, NULL,
	    &err), 0);
	assert_int_equal(st.status, TS_STATUS_REJECTION);
	assert_string_equal(st.failure, failure);
	tsa_reply_clear(&rep);
}

static void
test_responder_rejects_garbage_and_trailing_bytes(void **state)
{
	static const unsigned char garbage[] = "GET / HTTP/1.1\r\n\r\n";
	struct tsa_request *req = NULL;
	unsigned char md[32] = { 1 }, *longer;
	struct cs_err err;

	(void)state;
	expect_rejected(garbage, sizeof(garbage) - 1, "badDataFormat");
	expect_rejected(garbage, 0, "badDataFormat");
	assert_int_equal(tsa_request_new(md, NULL, &req, &err), 0);
	longer = malloc(req->len + 1);
	memcpy(longer, req->der, req->len);
	longer[req->len] = 0;
	expect_rejected(longer, req->len + 1, "badDataFormat");
	expect_rejected(req->der, req->len - 1, "badDataFormat");
	free(longer);
	tsa_request_free(req);
}

static void
test_responder_rejects_sha1_and_other_policies(void **state)
{
	TS_REQ *tr = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	unsigned char md[32] = { 2 }, *der = NULL;
	struct tsa_request *req = NULL;
	struct cs_err err;
	int n;

	(void)state;
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha1), V_ASN1_NULL, NULL);
	TS_MSG_IMPRINT_set_algo(mi, alg);
	TS_MSG_IMPRINT_set_msg(mi, md, 20);
	TS_REQ_set_version(tr, 1);
	TS_REQ_set_msg_imprint(tr, mi);
	n = i2d_TS_REQ(tr, &der);
	expect_rejected(der, (size_t)n, "badAlg");
	OPENSSL_free(der);
	TS_REQ_free(tr);
	TS_MSG_IMPRINT_free(mi);
	X509_ALGOR_free(alg);
	assert_int_equal(tsa_request_new(md, "1.2.3.4.5", &req, &err), 0);
	expect_rejected(req->der, req->len, "unacceptedPolicy");
	tsa_request_free(req);
}

static void
test_responder_refuses_a_certificate_without_timestamping_eku(void **state)
{
	struct cs_err err;
	int rc;

	(void)state;
	assert_null(new_responder("noeku.pem", &err, &rc));
	assert_int_equal(rc, CS_E_CONFIG);
	expect_msg(&err, "is no TSA certificate");
	assert_null(new_responder("expired.pem", &err, &rc));
	assert_int_equal(rc, CS_E_CONFIG);
	expect_msg(&err, "expired");
}

static void
test_responder_refuses_a_key_not_the_certificates(void **state)
{
	struct tsa_request *req = NULL;
	struct tsa_reply rep;
	struct tsa_resp_status st;
	EVP_PKEY *wrong = new_key();
	unsigned char md[32] = { 3 };
	struct cs_err err;

	(void)state;
	assert_int_equal(tsa_responder_check_key(responder, tsa_key, &err), 0);
	assert_int_equal(tsa_responder_check_key(responder, wrong, &err),
	    CS_E_CONFIG);
	expect_msg(&err, "the TSA key is not the one of certificate "
	    "CN=Test TSA");
	/* Given anyway: no token, a systemFailure, the cause named. */
	assert_int_equal(tsa_request_new(md, NULL, &req, &err), 0);
	assert_int_not_equal(tsa_responder_reply(responder, wrong, req->der,
	    req->len, &rep, &err), 0);
	expect_msg(&err, "signing the timestamp token failed (OpenSSL: ");
	expect_msg(&err, "key values mismatch");
	assert_false(rep.granted);
	assert_string_equal(rep.failure, "systemFailure");
	assert_int_equal(tsa_resp_parse(rep.der, rep.len, &st, NULL, NULL,
	    &err), 0);
	assert_int_equal(st.status, TS_STATUS_REJECTION);
	assert_string_equal(st.failure, "systemFailure");
	tsa_reply_clear(&rep);
	tsa_request_free(req);
	EVP_PKEY_free(wrong);
}

static void
test_system_failure_response_is_a_timestamp_resp(void **state)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len;
	TS_RESP *resp;
	struct cs_err err;

	(void)state;
	assert_int_equal(tsa_resp_system_failure("the TSA cannot sign now",
	    &der, &len, &err), 0);
	p = der;
	assert_non_null(resp = d2i_TS_RESP(NULL, &p, (long)len));
	assert_ptr_equal(p, der + len);
	assert_int_equal(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
	    TS_RESP_get_status_info(resp))), TS_STATUS_REJECTION);
	assert_int_equal(ASN1_BIT_STRING_get_bit(TS_STATUS_INFO_get0_failure_info(
	    TS_RESP_get_status_info(resp)), TS_INFO_SYSTEM_FAILURE), 1);
	assert_null(TS_RESP_get_token(resp));
	TS_RESP_free(resp);
	free(der);
}

/* --- refusals ---------------------------------------------------------------------- */

static void
test_token_for_other_data_refused(void **state)
{
	struct cs_err err;
	size_t len;
	unsigned char *t = good_token("the document", &len);

	(void)state;
	assert_int_equal(verify_for(trust, t, len, "the document", NULL, &err),
	    0);
	assert_int_equal(verify_for(trust, t, len, "another document", NULL,
	    &err), CS_E_INVALID);
	expect_msg(&err, "covers other data: imprint sha256 ");
	free(t);
}

static void
test_token_from_untrusted_tsa_refused(void **state)
{
	struct cs_err err;
	size_t len;
	unsigned char *t = good_token("doc", &len);
	TS_TST_INFO *tst = tst_for("doc");
	unsigned char *rogue;

	(void)state;
	/* Our TSA, judged by someone who trusts only another CA... */
	assert_int_equal(verify_for(other_trust, t, len, "doc", NULL, &err),
	    CS_E_UNTRUSTED);
	expect_msg(&err, "does not chain to a configured TSA anchor");
	/* ... and a TSA of an unknown CA, judged by our trust. */
	rogue = forge_token(tst, tsa_key, other_tsa, other_tsa, &len);
	assert_int_equal(verify_for(trust, rogue, len, "doc", NULL, &err),
	    CS_E_UNTRUSTED);
	expect_msg(&err, "CN=Rogue TSA");
	expect_msg(&err, "does not chain to a configured TSA anchor");
	free(rogue);
	free(t);
	TS_TST_INFO_free(tst);
}

static void
test_forged_token_with_good_certificate_verifies(void **state)
{
	/* The forger itself is sound: with the real TSA certificate it passes,
	 * so the refusals below are the certificates' doing. */
	struct cs_err err;
	TS_TST_INFO *tst = tst_for("doc");
	size_t len;
	unsigned char *t = forge_token(tst, tsa_key, tsa, tsa, &len);

	(void)state;
	if (verify_for(trust, t, len, "doc", NULL, &err) != 0)
		fail_msg("forged token with the good certificate: %s", err.msg);
	free(t);
	TS_TST_INFO_free(tst);
}

static void
test_tsa_without_eku_refused(void **state)
{
	struct cs_err err;
	TS_TST_INFO *tst = tst_for("doc");
	size_t len;
	unsigned char *t = forge_token(tst, tsa_key, noeku_tsa, noeku_tsa, &len);

	(void)state;
	assert_int_equal(verify_for(trust, t, len, "doc", NULL, &err),
	    CS_E_UNTRUSTED);
	expect_msg(&err, "has no extended key usage");
	free(t);
	t = forge_token(tst, tsa_key, noncrit_tsa, noncrit_tsa, &len);
	assert_int_equal(verify_for(trust, t, len, "doc", NULL, &err),
	    CS_E_UNTRUSTED);
	expect_msg(&err, "is not marked critical");
	free(t);
	TS_TST_INFO_free(tst);
}

static void
test_expired_tsa_certificate_refused(void **state)
{
	struct tsa_verify_opts o;
	struct tsa_reply rep;
	struct tsa_request *req;
	struct cs_err err;
	TS_TST_INFO *tst = tst_for("doc");
	size_t len;
	unsigned char *t;

	(void)state;
	/* A TSA signing with a certificate that had expired. */
	t = forge_token(tst, tsa_key, expired_tsa, expired_tsa, &len);
	assert_int_equal(verify_for(trust, t, len, "doc", NULL, &err),
	    CS_E_UNTRUSTED);
	expect_msg(&err, "TSA certificate CN=Expired TSA,O=civseal test");
	expect_msg(&err, "expired at");
	free(t);
	/* A good token whose TSA certificate expires in an hour: fine now,
	 * refused when judged two hours from now. */
	req = ask(short_responder, "doc", &rep);
	t = token_of(&rep, &len);
	assert_int_equal(verify_for(trust, t, len, "doc", NULL, &err), 0);
	memset(&o, 0, sizeof(o));
	o.at = time(NULL) + 7200;
	assert_int_equal(verify_for(trust, t, len, "doc", &o, &err),
	    CS_E_UNTRUSTED);
	expect_msg(&err, "expired at");
	expect_msg(&err, "judged at");
	free(t);
	tsa_request_free(req);
	tsa_reply_clear(&rep);
	TS_TST_INFO_free(tst);
}

static void
test_gen_time_outside_certificate_validity_refused(void **state)
{
	/* genTime before the certificate existed, judged while it is valid. */
	struct cs_err err;
	TS_TST_INFO *tst = tst_for("doc");
	ASN1_GENERALIZEDTIME *g = ASN1_GENERALIZEDTIME_new();
	size_t len;
	unsigned char *t;

	(void)state;
	ASN1_GENERALIZEDTIME_set_string(g, "20200101000000Z");
	TS_TST_INFO_set_time(tst, g);
	t = forge_token(tst, tsa_key, tsa, tsa, &len);
	assert_int_equal(verify_for(trust, t, len, "doc", NULL, &err),
	    CS_E_UNTRUSTED);
	expect_msg(&err, "genTime 2020-01-01T00:00:00Z is outside its TSA "
	    "certificate's validity");
	free(t);
	ASN1_GENERALIZEDTIME_free(g);
	TS_TST_INFO_free(tst);
}

static void
test_tsa_name_of_another_refused(void **state)
{
	/* Signed by Test TSA, but the token's TSA name is another CA's. */
	struct cs_err err;
	TS_TST_INFO *tst = tst_for("doc");
	size_t len;
	unsigned char *t = forge_named(tst, tsa_key, tsa, tsa, other_ca, &len);

	(void)state;
	assert_int_equal(verify_for(trust, t, len, "doc", NULL, &err),
	    CS_E_INVALID);
	expect_msg(&err, "names another TSA than its signer CN=Test TSA");
	free(t);
	TS_TST_INFO_free(tst);
}

/* A token of ours with genTime now (minus a minute) and the suffix given. */
static int
verify_gen_time(const char *suffix, struct tsa_proof **proof,
    struct cs_err *err)
{
	TS_TST_INFO *tst = tst_for("doc");
	ASN1_GENERALIZEDTIME *g = ASN1_GENERALIZEDTIME_new();
	struct tsa_imprint want;
	time_t now = time(NULL) - 60;
	struct tm tm;
	char text[40];
	size_t len;
	unsigned char *t;
	int r;

	gmtime_r(&now, &tm);
	strftime(text, sizeof(text), "%Y%m%d%H%M%S", &tm);
	strcat(text, suffix);
	/* Set as written, without OpenSSL's own checks of the format. */
	assert_int_equal(ASN1_STRING_set(g, text, (int)strlen(text)), 1);
	TS_TST_INFO_set_time(tst, g);
	t = forge_token(tst, tsa_key, tsa, tsa, &len);
	tsa_imprint_of("sha256", "doc", 3, &want, err);
	r = tsa_token_verify(trust, t, len, &want, NULL, proof, err);
	free(t);
	ASN1_GENERALIZEDTIME_free(g);
	TS_TST_INFO_free(tst);
	return r;
}

static void
test_gen_time_as_rfc3161_writes_it(void **state)
{
	static const char *const bad[] = {
		".50Z",		/* trailing zero in the fraction */
		".Z", "", "+0700", "Z0", ".1234567890Z", ".5",
	};
	struct tsa_proof *p = NULL;
	struct cs_err err;
	size_t i;

	(void)state;
	assert_int_equal(verify_gen_time(".5Z", &p, &err), 0);
	assert_int_equal(p->gen_time_ms, 500);
	assert_string_equal(p->gen_time_iso + 19, ".5Z");
	assert_true(p->existed_by >= p->gen_time + 1);
	tsa_proof_free(p);
	assert_int_equal(verify_gen_time("Z", &p, &err), 0);
	assert_int_equal(p->gen_time_ms, 0);
	assert_string_equal(p->gen_time_iso + 19, "Z");
	tsa_proof_free(p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = NULL;
		assert_int_equal(verify_gen_time(bad[i], &p, &err),
		    CS_E_INVALID);
		assert_null(p);
		expect_msg(&err, "is not YYYYMMDDhhmmss[.f]Z");
	}
}

static void
test_revoked_tsa_certificate_refused(void **state)
{
	struct cs_err err;
	TS_TST_INFO *tst = tst_for("doc");
	size_t len;
	unsigned char *t = forge_token(tst, tsa_key, revoked_tsa, revoked_tsa,
	    &len), *good;

	(void)state;
	assert_int_equal(verify_for(trust, t, len, "doc", NULL, &err), 0);
	assert_int_equal(verify_for(crl_trust, t, len, "doc", NULL, &err),
	    CS_E_REVOKED);
	expect_msg(&err, "CN=Revoked TSA,O=civseal test is revoked");
	/* The CRL does not touch the TSA it does not list. */
	good = good_token("doc", &len);
	assert_int_equal(verify_for(crl_trust, good, len, "doc", NULL, &err), 0);
	free(good);
	free(t);
	TS_TST_INFO_free(tst);
}

static void
test_signing_certificate_must_name_the_signer(void **state)
{
	/* Signed by the TSA key, but SigningCertificateV2 names the CA. */
	struct cs_err err;
	TS_TST_INFO *tst = tst_for("doc");
	size_t len;
	unsigned char *t = forge_token(tst, tsa_key, tsa, ca, &len);

	(void)state;
	assert_int_equal(verify_for(trust, t, len, "doc", NULL, &err),
	    CS_E_INVALID);
	expect_msg(&err, "SigningCertificate attribute does not name");
	free(t);
	TS_TST_INFO_free(tst);
}

static void
test_signature_over_other_content_refused(void **state)
{
	struct cs_err err;
	TS_TST_INFO *tst = tst_for("doc");
	EVP_PKEY *other = new_key();
	size_t len;
	unsigned char *t, *good;

	(void)state;
	/* Signed with another key than the certificate's. */
	t = forge_token(tst, other, tsa, tsa, &len);
	assert_int_equal(verify_for(trust, t, len, "doc", NULL, &err),
	    CS_E_INVALID);
	expect_msg(&err, "signature does not verify");
	free(t);
	/* A good token with its last byte (in the signature) changed. */
	good = good_token("doc", &len);
	good[len - 1] ^= 0x01;
	assert_int_equal(verify_for(trust, good, len, "doc", NULL, &err),
	    CS_E_INVALID);
	expect_msg(&err, "signature does not verify");
	free(good);
	EVP_PKEY_free(other);
	TS_TST_INFO_free(tst);
}

static void
test_nonce_of_another_request_refused(void **state)
{
	struct tsa_request *a, *b = NULL;
	struct tsa_reply rep;
	struct tsa_stamp *s = (struct tsa_stamp *)1;
	struct cs_err err;

	(void)state;
	a = ask(responder, "doc", &rep);
	/* Same imprint, another nonce: the reply to a is no answer to b. */
	assert_int_equal(tsa_request_new(a->imprint.md, NULL, &b, &err), 0);
	assert_int_equal(tsa_response_check(trust, b, rep.der, rep.len, &s,
	    &err), CS_E_INVALID);
	assert_null(s);
	expect_msg(&err, "nonce differs");
	assert_int_equal(tsa_response_check(trust, a, rep.der, rep.len, &s,
	    &err), 0);
	tsa_stamp_free(s);
	tsa_request_free(a);
	tsa_request_free(b);
	tsa_reply_clear(&rep);
}

static void
test_policy_other_than_asked_refused(void **state)
{
	struct tsa_verify_opts o;
	struct cs_err err;
	size_t len;
	unsigned char *t = good_token("doc", &len);

	(void)state;
	memset(&o, 0, sizeof(o));
	o.policy = "1.2.3.4";
	assert_int_equal(verify_for(trust, t, len, "doc", &o, &err),
	    CS_E_INVALID);
	expect_msg(&err, "policy is " POLICY ", not 1.2.3.4");
	o.policy = POLICY;
	assert_int_equal(verify_for(trust, t, len, "doc", &o, &err), 0);
	free(t);
}

static void
test_malformed_tokens_refused(void **state)
{
	struct cs_err err;
	size_t len;
	unsigned char *t = good_token("doc", &len), *longer;

	(void)state;
	assert_int_equal(verify_for(trust, t, 0, "doc", NULL, &err),
	    CS_E_INVALID);
	expect_msg(&err, "is empty");
	assert_int_equal(verify_for(trust, (const unsigned char *)"\x30\x03\x02"
	    "\x01\x01", 5, "doc", NULL, &err), CS_E_INVALID);
	expect_msg(&err, "not a DER CMS ContentInfo");
	assert_int_equal(verify_for(trust, t, len - 10, "doc", NULL, &err),
	    CS_E_INVALID);
	longer = malloc(len + 2);
	memcpy(longer, t, len);
	longer[len] = 0x05;
	longer[len + 1] = 0x00;
	assert_int_equal(verify_for(trust, longer, len + 2, "doc", NULL, &err),
	    CS_E_INVALID);
	expect_msg(&err, "followed by 2 more bytes");
	free(longer);
	free(t);
}

static void
test_response_refused_is_reported_with_its_status(void **state)
{
	struct tsa_request *req = NULL;
	struct tsa_stamp *s = NULL;
	unsigned char *der = NULL, md[32] = { 4 };
	size_t len;
	struct cs_err err;

	(void)state;
	assert_int_equal(tsa_request_new(md, NULL, &req, &err), 0);
	assert_int_equal(tsa_resp_system_failure("down for maintenance", &der,
	    &len, &err), 0);
	assert_int_equal(tsa_response_check(trust, req, der, len, &s, &err),
	    CS_E_INVALID);
	expect_msg(&err, "refused the request: rejection (systemFailure): "
	    "\"down for maintenance\"");
	free(der);
	tsa_request_free(req);
}

static void
test_client_refuses_non_http_urls(void **state)
{
	static const char *const bad[] = {
		"ftp://tsa.example/", "file:///etc/passwd", "tsa.example",
		"http://user:secret@tsa.example/", "gopher://x/",
	};
	struct tsa_client_opts o;
	struct tsa_client *c = (struct tsa_client *)1;
	struct cs_err err;
	size_t i;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.anchors = in_dir("anchors.pem");
	o.n_urls = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.urls = &bad[i];
		assert_int_equal(tsa_client_new(&o, &c, &err), CS_E_CONFIG);
		assert_null(c);
		assert_null(strstr(err.msg, "secret"));
	}
	o.urls = &bad[3];
	assert_int_equal(tsa_client_new(&o, &c, &err), CS_E_CONFIG);
	expect_msg(&err, "may not hold a user or password");
	o.urls = &bad[0];
	assert_int_equal(tsa_client_new(&o, &c, &err), CS_E_CONFIG);
	expect_msg(&err, "is not http:// or https://");
}

static void
test_client_refused_anchors_missing(void **state)
{
	static const char *const url = "http://127.0.0.1:1/";
	struct tsa_client_opts o;
	struct tsa_client *c = NULL;
	struct cs_err err;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.urls = &url;
	o.n_urls = 1;
	assert_int_equal(tsa_client_new(&o, &c, &err), CS_E_CONFIG);
	expect_msg(&err, "no TSA anchors");
	o.anchors = in_dir("tsa.pem");	/* no self-signed certificate */
	assert_int_equal(tsa_client_new(&o, &c, &err), CS_E_CONFIG);
	expect_msg(&err, "holds no self-signed certificate");
	o.anchors = in_dir("anchors.pem");
	assert_int_equal(tsa_client_new(&o, &c, &err), 0);
	tsa_client_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_has_imprint_nonce_certreq_policy),
		cmocka_unit_test(test_request_policy_must_be_an_oid),
		cmocka_unit_test(test_token_with_its_imprint_proves_gen_time),
		cmocka_unit_test(test_token_verify_data_uses_the_tokens_digest),
		cmocka_unit_test(test_serials_unique_and_increasing),
		cmocka_unit_test(test_tokens_of_one_responder_have_distinct_serials),
		cmocka_unit_test(test_responder_rejects_garbage_and_trailing_bytes),
		cmocka_unit_test(test_responder_rejects_sha1_and_other_policies),
		cmocka_unit_test(test_responder_refuses_a_certificate_without_timestamping_eku),
		cmocka_unit_test(test_responder_refuses_a_key_not_the_certificates),
		cmocka_unit_test(test_system_failure_response_is_a_timestamp_resp),
		cmocka_unit_test(test_token_for_other_data_refused),
		cmocka_unit_test(test_token_from_untrusted_tsa_refused),
		cmocka_unit_test(test_forged_token_with_good_certificate_verifies),
		cmocka_unit_test(test_tsa_without_eku_refused),
		cmocka_unit_test(test_expired_tsa_certificate_refused),
		cmocka_unit_test(test_gen_time_outside_certificate_validity_refused),
		cmocka_unit_test(test_gen_time_as_rfc3161_writes_it),
		cmocka_unit_test(test_tsa_name_of_another_refused),
		cmocka_unit_test(test_revoked_tsa_certificate_refused),
		cmocka_unit_test(test_signing_certificate_must_name_the_signer),
		cmocka_unit_test(test_signature_over_other_content_refused),
		cmocka_unit_test(test_nonce_of_another_request_refused),
		cmocka_unit_test(test_policy_other_than_asked_refused),
		cmocka_unit_test(test_malformed_tokens_refused),
		cmocka_unit_test(test_response_refused_is_reported_with_its_status),
		cmocka_unit_test(test_client_refuses_non_http_urls),
		cmocka_unit_test(test_client_refused_anchors_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
