/* tsa/responder.c — an RFC 3161 TSA over TS_RESP_CTX; see responder.h. */
#include "tsa/responder.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "core/pem.h"
#include "tsa/resp.h"
#include "tsa/token.h"

/* The imprint digests a request may use (others: badAlg). */
static const char *const MDS_ACCEPTED[] = { "SHA256", "SHA384", "SHA512" };

struct tsa_serial {
	unsigned char prefix[12];	/* start nanoseconds (8), random (4) */
	atomic_uint_least64_t counter;
};

struct tsa_responder {
	X509 *cert;
	STACK_OF(X509) *chain;		/* sent in tokens on certReq */
	ASN1_OBJECT *policy;
	unsigned accuracy_ms;
	time_t not_before, not_after;	/* of cert */
	struct tsa_serial *serial;
	struct tsa_serial *own_serial;
	char who[256];
};

/* --- serials ---------------------------------------------------------------- */

int
tsa_serial_new(struct tsa_serial **out, struct cs_err *err)
{
	struct tsa_serial *s;
	struct timespec ts;
	uint64_t ns;
	int i;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	clock_gettime(CLOCK_REALTIME, &ts);
	ns = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) &
	    0x7fffffffffffffffu;	/* a positive INTEGER without padding */
	for (i = 0; i < 8; i++)
		s->prefix[i] = (unsigned char)(ns >> (56 - 8 * i));
	if (RAND_bytes(s->prefix + 8, 4) != 1) {
		free(s);
		return cs_err_openssl(err, CS_E_CRYPTO, "random serial prefix");
	}
	atomic_init(&s->counter, 0);
	*out = s;
	return 0;
}

void
tsa_serial_free(struct tsa_serial *s)
{
	free(s);
}

void
tsa_serial_next(struct tsa_serial *s, unsigned char out[TSA_SERIAL_LEN])
{
	uint64_t n = atomic_fetch_add(&s->counter, 1) + 1;
	int i;

	memcpy(out, s->prefix, sizeof(s->prefix));
	for (i = 0; i < 8; i++)
		out[12 + i] = (unsigned char)(n >> (56 - 8 * i));
}

static ASN1_INTEGER *
serial_cb(TS_RESP_CTX *ctx, void *data)
{
	struct tsa_responder *r = data;
	unsigned char b[TSA_SERIAL_LEN];
	ASN1_INTEGER *i = NULL;
	BIGNUM *bn;

	(void)ctx;
	tsa_serial_next(r->serial, b);
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) != NULL)
		i = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	/* NULL makes TS_RESP_CTX answer addInfoNotAvailable itself. */
	return i;
}

/* --- set-up ------------------------------------------------------------------- */

void
tsa_responder_free(struct tsa_responder *r)
{
	if (r == NULL)
		return;
	X509_free(r->cert);
	sk_X509_pop_free(r->chain, X509_free);
	ASN1_OBJECT_free(r->policy);
	tsa_serial_free(r->own_serial);
	free(r);
}

int
tsa_responder_new(const struct tsa_responder_opts *o,
    struct tsa_responder **out, struct cs_err *err)
{
	struct tsa_responder *r = NULL;
	STACK_OF(X509) *certs = NULL;
	time_t now = time(NULL);
	BIO *b = NULL;
	int len, rc = CS_E_INTERNAL;

	*out = NULL;
	if (o->cert_path == NULL || o->policy == NULL) {
		rc = cs_err_set(err, CS_E_CONFIG, "a TSA needs a certificate "
		    "and a policy OID");
		goto out;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r->policy = OBJ_txt2obj(o->policy, 1)) == NULL) {
		ERR_clear_error();
		rc = cs_err_set(err, CS_E_CONFIG, "TSA policy '%s' is not a "
		    "dotted OID", o->policy);
		goto out;
	}
	if ((rc = cs_pem_read_certs(o->cert_path, &certs, err)) != 0)
		goto out;
	r->cert = sk_X509_shift(certs);	/* the first one is the TSA's */
	if (o->chain_path != NULL &&
	    (rc = cs_pem_read_certs(o->chain_path, &r->chain, err)) != 0)
		goto out;
	if ((b = BIO_new(BIO_s_mem())) != NULL &&
	    X509_NAME_print_ex(b, X509_get_subject_name(r->cert), 0,
	    XN_FLAG_RFC2253) >= 0 &&
	    (len = BIO_read(b, r->who, sizeof(r->who) - 1)) > 0)
		r->who[len] = '\0';
	/* TS_RESP_CTX would refuse it later, without saying which rule. */
	if (X509_check_purpose(r->cert, X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1) {
		ERR_clear_error();
		rc = cs_err_set(err, CS_E_CONFIG, "%s: certificate %s is no TSA "
		    "certificate: it needs the one extended key usage "
		    "timeStamping, marked critical (RFC 3161 2.3)",
		    o->cert_path, r->who);
		goto out;
	}
	r->not_before = cs_asn1_time(X509_get0_notBefore(r->cert));
	r->not_after = cs_asn1_time(X509_get0_notAfter(r->cert));
	if (now < r->not_before || now > r->not_after) {
		rc = cs_err_set(err, CS_E_CONFIG, "%s: TSA certificate %s is "
		    "not valid now (%s)", o->cert_path, r->who,
		    now < r->not_before ? "not yet valid" : "expired");
		goto out;
	}
	r->accuracy_ms = o->accuracy_ms;
	if ((r->serial = o->serial) == NULL) {
		if ((rc = tsa_serial_new(&r->own_serial, err)) != 0)
			goto out;
		r->serial = r->own_serial;
	}
	*out = r;
	r = NULL;		/* transferred to caller */
	rc = 0;
out:
	BIO_free(b);
	sk_X509_pop_free(certs, X509_free);
	tsa_responder_free(r);
	return rc;
}

X509 *
tsa_responder_cert(const struct tsa_responder *r)
{
	return r->cert;
}

int
tsa_responder_check_key(const struct tsa_responder *r, EVP_PKEY *key,
    struct cs_err *err)
{
	/* What TS_RESP_CTX checks before each signature, said plainly. */
	if (X509_check_private_key(r->cert, key) != 1) {
		ERR_clear_error();
		return cs_err_set(err, CS_E_CONFIG, "the TSA key is not the one "
		    "of certificate %s", r->who);
	}
	return 0;
}

/* --- replies ---------------------------------------------------------------------- */

/* A TS_RESP_CTX for one reply: the responder's settings, nothing shared. */
static TS_RESP_CTX *
make_ctx(struct tsa_responder *r, EVP_PKEY *key)
{
	TS_RESP_CTX *c;
	size_t i;
	int ok;

	if ((c = TS_RESP_CTX_new()) == NULL)
		return NULL;
	ok = TS_RESP_CTX_set_signer_cert(c, r->cert) == 1 &&
	    TS_RESP_CTX_set_signer_key(c, key) == 1 &&
	    TS_RESP_CTX_set_signer_digest(c, EVP_sha256()) == 1 &&
	    /* SigningCertificateV2 with SHA-256 ids (RFC 5816) */
	    TS_RESP_CTX_set_ess_cert_id_digest(c, EVP_sha256()) == 1 &&
	    TS_RESP_CTX_set_def_policy(c, r->policy) == 1 &&
	    TS_RESP_CTX_set_clock_precision_digits(c, 3) == 1 &&
	    (r->chain == NULL || TS_RESP_CTX_set_certs(c, r->chain) == 1) &&
	    (r->accuracy_ms == 0 || TS_RESP_CTX_set_accuracy(c,
	    (int)(r->accuracy_ms / 1000), (int)(r->accuracy_ms % 1000), 0) ==
	    1);
	for (i = 0; ok && i < sizeof(MDS_ACCEPTED) / sizeof(MDS_ACCEPTED[0]);
	    i++)
		ok = TS_RESP_CTX_add_md(c, EVP_get_digestbyname(
		    MDS_ACCEPTED[i])) == 1;
	if (!ok) {
		TS_RESP_CTX_free(c);
		return NULL;
	}
	TS_RESP_CTX_add_flags(c, TS_TSA_NAME);
	TS_RESP_CTX_set_serial_cb(c, serial_cb, r);
	return c;
}

void
tsa_reply_clear(struct tsa_reply *rep)
{
	if (rep == NULL)
		return;
	free(rep->der);
	memset(rep, 0, sizeof(*rep));
}

/* Our own fault: a systemFailure response to send, and err as it is. */
static int
system_failure(struct tsa_reply *out, int code, struct cs_err *err)
{
	struct cs_err ignored;

	(void)err;
	free(out->der);
	out->der = NULL;
	out->len = 0;
	out->granted = 0;
	out->failure = "systemFailure";	/* the cause is in err */
	(void)tsa_resp_system_failure("the TSA cannot sign now", &out->der,
	    &out->len, &ignored);
	return code;
}

/*
 * TS_RESP_CTX adds a generic "response setup error" last; the cause (a
 * PKCS#11 return value from libp11, say) is the first error queued.
 */
static void
first_error(struct cs_err *err, int code, const char *what, unsigned long e)
{
	char detail[256];

	if (e == 0) {
		cs_err_set(err, code, "%s", what);
		return;
	}
	ERR_error_string_n(e, detail, sizeof(detail));
	cs_err_set(err, code, "%s (OpenSSL: %s)", what, detail);
}

/* The token's serial and genTime, for the log. */
static void
note_token(TS_RESP *resp, struct tsa_reply *out)
{
	TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);
	const ASN1_GENERALIZEDTIME *g;
	BIGNUM *bn;
	char *hex = NULL;

	if (tst == NULL)
		return;
	if ((bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), NULL)) !=
	    NULL && (hex = BN_bn2hex(bn)) != NULL)
		snprintf(out->serial, sizeof(out->serial), "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
	if ((g = TS_TST_INFO_get_time(tst)) != NULL)
		snprintf(out->gen_time, sizeof(out->gen_time), "%.*s",
		    ASN1_STRING_length(g), ASN1_STRING_get0_data(g));
}

int
tsa_responder_reply(struct tsa_responder *r, EVP_PKEY *key,
    const unsigned char *req, size_t len, struct tsa_reply *out,
    struct cs_err *err)
{
	TS_RESP_CTX *ctx = NULL;
	TS_RESP *resp = NULL;
	TS_REQ *parsed = NULL;
	BIO *in = NULL;
	struct tsa_resp_status st;
	const unsigned char *p = req, *token;
	unsigned char *der = NULL;
	size_t token_len;
	time_t now = time(NULL);
	unsigned long cause;
	int n, rc = CS_E_INTERNAL;

	memset(out, 0, sizeof(*out));
	if (now < r->not_before || now > r->not_after) {
		cs_err_set(err, CS_E_UNAVAILABLE, "TSA certificate %s is %s",
		    r->who, now < r->not_before ? "not yet valid" : "expired");
		return system_failure(out, CS_E_UNAVAILABLE, err);
	}
	/*
	 * TS_RESP_CTX reads the request with d2i_TS_REQ_bio, which stops after
	 * the first object: bytes after it would go unnoticed.  A request with
	 * trailing bytes (or too long) is given as empty input instead, which
	 * gets OpenSSL's own badDataFormat answer.
	 */
	ERR_clear_error();
	if (len <= TSA_REQUEST_MAX &&
	    (parsed = d2i_TS_REQ(NULL, &p, (long)len)) != NULL && p != req + len)
		len = 0;
	if (len > TSA_REQUEST_MAX)
		len = 0;
	ERR_clear_error();
	if ((ctx = make_ctx(r, key)) == NULL ||
	    (in = BIO_new_mem_buf(req, (int)len)) == NULL) {
		cs_err_openssl(err, CS_E_INTERNAL, "TS_RESP_CTX set-up");
		rc = system_failure(out, CS_E_INTERNAL, err);
		goto out;
	}
	resp = TS_RESP_create_response(ctx, in);
	cause = ERR_peek_error();	/* the first, before anything clears it */
	if (resp == NULL) {
		cs_err_openssl(err, CS_E_INTERNAL, "TS_RESP_create_response");
		rc = system_failure(out, CS_E_INTERNAL, err);
		goto out;
	}
	if ((n = i2d_TS_RESP(resp, &der)) <= 0) {
		cs_err_openssl(err, CS_E_INTERNAL, "encoding the TimeStampResp");
		rc = system_failure(out, CS_E_INTERNAL, err);
		goto out;
	}
	if ((rc = tsa_resp_parse(der, (size_t)n, &st, &token, &token_len,
	    err)) != 0) {
		rc = system_failure(out, CS_E_INTERNAL, err);
		goto out;
	}
	if (!tsa_resp_granted(&st)) {
		/*
		 * With no failure info, or one that is not the request's
		 * fault, TS_RESP_CTX failed itself: in practice the signature
		 * (an HSM error), since everything else was set up above.
		 */
		if (st.failure == NULL ||
		    strcmp(st.failure, "systemFailure") == 0 ||
		    strcmp(st.failure, "timeNotAvailable") == 0 ||
		    strcmp(st.failure, "addInfoNotAvailable") == 0) {
			first_error(err, CS_E_HSM, "signing the timestamp "
			    "token failed", cause);
			rc = system_failure(out, CS_E_HSM, err);
			goto out;
		}
		out->failure = st.failure;
		snprintf(out->detail, sizeof(out->detail), "%s", st.text);
	} else {
		/* Never send a token that the TSA certificate does not verify. */
		if (tsa_token_check_signature(token, token_len, r->cert,
		    err) != 0) {
			cs_err_set(err, CS_E_CRYPTO, "the new token does not "
			    "verify with TSA certificate %s: is the key the "
			    "certificate's?", r->who);
			rc = system_failure(out, CS_E_CRYPTO, err);
			goto out;
		}
		out->granted = 1;
		note_token(resp, out);
	}
	if ((out->der = malloc((size_t)n)) == NULL) {
		cs_err_set(err, CS_E_NOMEM, "out of memory");
		rc = system_failure(out, CS_E_NOMEM, err);
		goto out;
	}
	memcpy(out->der, der, (size_t)n);
	out->len = (size_t)n;
	rc = 0;
out:
	ERR_clear_error();
	OPENSSL_free(der);
	TS_RESP_free(resp);
	TS_REQ_free(parsed);
	BIO_free(in);
	TS_RESP_CTX_free(ctx);
	return rc;
}
