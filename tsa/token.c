/*
 * tsa/token.c — check an RFC 3161 timestamp token; see token.h for the
 * list of checks and what a struct tsa_proof means.
 *
 * OpenSSL's TS_RESP_verify_token does most of this too, but its failures
 * come out as one generic error ("certificate verify error") and it judges
 * the chain with the store's own time and flags, which are shared by every
 * thread.  Here each step names its cause, and the judging time and CRLs
 * are set on the per-call X509_STORE_CTX.
 */
#include "tsa/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "core/hex.h"
#include "core/pem.h"

/* The imprint and signature digests a token may use. */
static const int DIGESTS_ALLOWED[] = { NID_sha256, NID_sha384, NID_sha512 };

/* Signature algorithms of the SignerInfo (the digest is checked apart). */
static const int SIGALGS_ALLOWED[] = {
	NID_rsaEncryption, NID_sha256WithRSAEncryption,
	NID_sha384WithRSAEncryption, NID_sha512WithRSAEncryption,
	NID_ecdsa_with_SHA256, NID_ecdsa_with_SHA384, NID_ecdsa_with_SHA512,
};

/* TSA keys: RSA of at least this size, or one of these curves. */
#define RSA_BITS_MIN 2048
static const int CURVES_ALLOWED[] = {
	NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1,
};

#define CHAIN_DEPTH_MAX 5

struct tsa_trust {
	X509_STORE *store;		/* anchors only */
	STACK_OF(X509) *certs;		/* for chain building, not trusted */
	STACK_OF(X509_CRL) *crls;
};

static int
nid_in(int nid, const int *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == nid)
			return 1;
	return 0;
}
#define NID_IN(nid, list) nid_in((nid), (list), sizeof(list) / sizeof(list[0]))

static const char *
nid_name(int nid)
{
	const char *s = OBJ_nid2ln(nid);	/* "sha256", not "SHA256" */

	return s != NULL ? s : "unknown";
}

/* An OID as text ("sha256" or "1.2.3.4") for messages. */
static const char *
oid_text(const ASN1_OBJECT *o, char *buf, size_t n)
{
	if (o == NULL || OBJ_obj2txt(buf, (int)n, o, 0) <= 0)
		snprintf(buf, n, "(none)");
	return buf;
}

static const char *
subject_of(const X509 *x, char *buf, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	buf[0] = '\0';
	if (b != NULL && X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_read(b, buf, (int)n - 1)) > 0)
		buf[len] = '\0';
	BIO_free(b);
	if (buf[0] == '\0')
		snprintf(buf, n, "(no subject)");
	return buf;
}

static const char *
iso_time(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "(time %lld)", (long long)t);
	return buf;
}

/* --- trust ---------------------------------------------------------------- */

void
tsa_trust_free(struct tsa_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->certs, X509_free);
	sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
	free(t);
}

/*
 * The certificates of a PEM file: with anchors, its self-signed ones go into
 * the store as anchors; every other one helps to build chains.
 */
static int
load_certs(struct tsa_trust *t, const char *path, int anchors,
    struct cs_err *err)
{
	STACK_OF(X509) *sk = NULL;
	X509 *x;
	int n_anchor = 0, r;

	if ((r = cs_pem_read_certs(path, &sk, err)) != 0)
		return r;
	while ((x = sk_X509_shift(sk)) != NULL) {
		if (anchors && X509_check_issued(x, x) == X509_V_OK) {
			if (X509_STORE_add_cert(t->store, x) != 1) {
				X509_free(x);
				r = cs_err_openssl(err, CS_E_CONFIG,
				    "adding a TSA anchor");
				goto out;
			}
			n_anchor++;
			X509_free(x);	/* the store holds its own reference */
		} else if (sk_X509_push(t->certs, x) <= 0) {
			X509_free(x);
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (anchors && n_anchor == 0)
		r = cs_err_set(err, CS_E_CONFIG, "%s holds no self-signed "
		    "certificate (TSA trust anchor)", path);
out:
	sk_X509_pop_free(sk, X509_free);
	return r;
}

int
tsa_trust_load(const char *anchors_pem, const char *certs_pem,
    const char *crl_pem, struct tsa_trust **out, struct cs_err *err)
{
	struct tsa_trust *t = NULL;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if (anchors_pem == NULL)
		return cs_err_set(err, CS_E_CONFIG, "no TSA anchors configured");
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->store = X509_STORE_new()) == NULL ||
	    (t->certs = sk_X509_new_null()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = load_certs(t, anchors_pem, 1, err)) != 0)
		goto out;
	if (certs_pem != NULL && (r = load_certs(t, certs_pem, 0, err)) != 0)
		goto out;
	if (crl_pem != NULL)
		r = cs_pem_read_crls(crl_pem, &t->crls, err);
	else if ((t->crls = sk_X509_CRL_new_null()) == NULL)
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
	if (r != 0)
		goto out;
	*out = t;
	t = NULL;		/* transferred to caller */
	r = 0;
out:
	tsa_trust_free(t);
	return r;
}

/* --- imprints ------------------------------------------------------------- */

static int
imprint_nid(int nid, const void *data, size_t len, struct tsa_imprint *out,
    struct cs_err *err)
{
	const EVP_MD *md = EVP_get_digestbynid(nid);
	unsigned int n = 0;

	memset(out, 0, sizeof(*out));
	if (!NID_IN(nid, DIGESTS_ALLOWED) || md == NULL)
		return cs_err_set(err, CS_E_POLICY, "imprint digest %s is not "
		    "allowed (sha256, sha384, sha512)", nid_name(nid));
	if (EVP_Digest(data, len, out->md, &n, md, NULL) != 1)
		return cs_err_openssl(err, CS_E_CRYPTO, "imprint digest");
	out->nid = nid;
	out->len = n;
	return 0;
}

int
tsa_imprint_of(const char *md, const void *data, size_t len,
    struct tsa_imprint *out, struct cs_err *err)
{
	int nid = md != NULL ? OBJ_txt2nid(md) : NID_undef;

	if (nid == NID_undef) {
		memset(out, 0, sizeof(*out));
		return cs_err_set(err, CS_E_POLICY, "imprint digest %s is not "
		    "allowed (sha256, sha384, sha512)", md != NULL ? md : "(none)");
	}
	return imprint_nid(nid, data, len, out, err);
}

/* --- the checks, one function each -------------------------------------- */

/* What tsa_token_verify works on. */
struct tok {
	PKCS7 *p7;
	PKCS7_SIGNER_INFO *si;
	TS_TST_INFO *tst;
	X509 *signer;			/* borrowed from the token or a stack */
	STACK_OF(X509) *chain;		/* built, owned */
	char who[256];			/* the signer's subject, for messages */
};

/* One DER SignedData of TSTInfo, one signer, nothing after it. */
static int
parse_token(const unsigned char *der, size_t len, struct tok *t,
    struct cs_err *err)
{
	const unsigned char *p = der;
	STACK_OF(PKCS7_SIGNER_INFO) *sis;
	char oid[96];

	if (len == 0)
		return cs_err_set(err, CS_E_INVALID, "timestamp token is empty");
	if (len > TSA_TOKEN_MAX)
		return cs_err_set(err, CS_E_INVALID, "timestamp token is larger "
		    "than %d bytes", TSA_TOKEN_MAX);
	ERR_clear_error();
	if ((t->p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL)
		return cs_err_openssl(err, CS_E_INVALID, "timestamp token is "
		    "not a DER CMS ContentInfo");
	if (p != der + len)
		return cs_err_set(err, CS_E_INVALID, "timestamp token is "
		    "followed by %zu more bytes", (size_t)(der + len - p));
	if (!PKCS7_type_is_signed(t->p7) || t->p7->d.sign == NULL)
		return cs_err_set(err, CS_E_INVALID, "timestamp token is a "
		    "CMS %s, not a SignedData", oid_text(t->p7->type, oid,
		    sizeof(oid)));
	if (t->p7->d.sign->contents == NULL ||
	    OBJ_obj2nid(t->p7->d.sign->contents->type) !=
	    NID_id_smime_ct_TSTInfo)
		return cs_err_set(err, CS_E_INVALID, "timestamp token content "
		    "is %s, not id-ct-TSTInfo", t->p7->d.sign->contents ==
		    NULL ? "absent" : oid_text(t->p7->d.sign->contents->type,
		    oid, sizeof(oid)));
	sis = PKCS7_get_signer_info(t->p7);
	if (sk_PKCS7_SIGNER_INFO_num(sis) != 1)
		return cs_err_set(err, CS_E_INVALID, "timestamp token has %d "
		    "signers; exactly one is allowed",
		    sk_PKCS7_SIGNER_INFO_num(sis));
	t->si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
	if ((t->tst = PKCS7_to_TS_TST_INFO(t->p7)) == NULL)
		return cs_err_openssl(err, CS_E_INVALID, "timestamp token: "
		    "TSTInfo is malformed");
	ERR_clear_error();
	if (TS_TST_INFO_get_version(t->tst) != 1)
		return cs_err_set(err, CS_E_INVALID, "timestamp token: TSTInfo "
		    "version %ld, not 1", TS_TST_INFO_get_version(t->tst));
	return 0;
}

/* No TSTInfo extension is understood, so none may be critical. */
static int
check_extensions(struct tok *t, struct cs_err *err)
{
	STACK_OF(X509_EXTENSION) *exts = TS_TST_INFO_get_exts(t->tst);
	X509_EXTENSION *e;
	char oid[96];
	int i;

	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		e = sk_X509_EXTENSION_value(exts, i);
		if (X509_EXTENSION_get_critical(e))
			return cs_err_set(err, CS_E_INVALID, "timestamp token "
			    "has a critical extension %s, which is not "
			    "understood", oid_text(X509_EXTENSION_get_object(e),
			    oid, sizeof(oid)));
	}
	return 0;
}

/*
 * The token's imprint: algorithm on the allow-list, no parameters other
 * than NULL, the digest's length; then, when want is given, equal to it.
 */
static int
check_imprint(struct tok *t, const struct tsa_imprint *want, int *nid_out,
    struct cs_err *err)
{
	TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(t->tst);
	X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(mi);
	ASN1_OCTET_STRING *md = TS_MSG_IMPRINT_get_msg(mi);
	const ASN1_OBJECT *obj;
	const void *pval;
	const EVP_MD *evp;
	char got_hex[17], want_hex[17];
	int ptype, nid;

	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	nid = OBJ_obj2nid(obj);
	if (!NID_IN(nid, DIGESTS_ALLOWED) || (evp = EVP_get_digestbynid(nid)) ==
	    NULL)
		return cs_err_set(err, CS_E_POLICY, "timestamp token imprint "
		    "digest %s is not allowed (sha256, sha384, sha512)",
		    nid_name(nid));
	if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL)
		return cs_err_set(err, CS_E_INVALID, "timestamp token imprint "
		    "algorithm %s has parameters", nid_name(nid));
	if (ASN1_STRING_length(md) != EVP_MD_get_size(evp))
		return cs_err_set(err, CS_E_INVALID, "timestamp token imprint "
		    "is %d bytes long; %s is %d", ASN1_STRING_length(md),
		    nid_name(nid), EVP_MD_get_size(evp));
	*nid_out = nid;
	if (want == NULL)
		return 0;
	/* The first 8 bytes of each say enough in a message. */
	cs_hex_encode(ASN1_STRING_get0_data(md), 8, got_hex);
	cs_hex_encode(want->md, want->len < 8 ? want->len : 8, want_hex);
	if (want->nid != nid)
		return cs_err_set(err, CS_E_INVALID, "timestamp token covers "
		    "other data: its imprint is %s, the expected one %s",
		    nid_name(nid), nid_name(want->nid));
	if ((size_t)ASN1_STRING_length(md) != want->len ||
	    memcmp(ASN1_STRING_get0_data(md), want->md, want->len) != 0)
		return cs_err_set(err, CS_E_INVALID, "timestamp token covers "
		    "other data: imprint %s %s... is not the expected %s...",
		    nid_name(nid), got_hex, want_hex);
	return 0;
}

static int
check_nonce_policy(struct tok *t, const struct tsa_verify_opts *o,
    struct cs_err *err)
{
	const ASN1_INTEGER *nonce = TS_TST_INFO_get_nonce(t->tst);
	ASN1_OBJECT *want = NULL;
	BIGNUM *a = NULL, *b = NULL;
	char got[96], wanted[96];
	int r = CS_E_INTERNAL;

	if (o == NULL)
		return 0;
	if (o->nonce != NULL) {
		if (nonce == NULL) {
			r = cs_err_set(err, CS_E_INVALID, "timestamp token has "
			    "no nonce; the request sent one");
			goto out;
		}
		if ((a = ASN1_INTEGER_to_BN(nonce, NULL)) == NULL ||
		    (b = BN_bin2bn(o->nonce, (int)o->nonce_len, NULL)) == NULL) {
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
		if (BN_is_negative(a) || BN_cmp(a, b) != 0) {
			r = cs_err_set(err, CS_E_INVALID, "timestamp token "
			    "nonce differs from the request's (a replayed or "
			    "misdirected reply)");
			goto out;
		}
	}
	if (o->policy != NULL) {
		if ((want = OBJ_txt2obj(o->policy, 1)) == NULL) {
			r = cs_err_set(err, CS_E_CONFIG, "TSA policy %s is not a "
			    "dotted OID", o->policy);
			goto out;
		}
		if (OBJ_cmp(want, TS_TST_INFO_get_policy_id(t->tst)) != 0) {
			r = cs_err_set(err, CS_E_INVALID, "timestamp token "
			    "policy is %s, not %s",
			    oid_text(TS_TST_INFO_get_policy_id(t->tst), got,
			    sizeof(got)), oid_text(want, wanted, sizeof(wanted)));
			goto out;
		}
	}
	r = 0;
out:
	ERR_clear_error();
	ASN1_OBJECT_free(want);
	BN_free(a);
	BN_free(b);
	return r;
}

static int
all_digits(const char *s, int n)
{
	while (n-- > 0)
		if (*s < '0' || *s++ > '9')
			return 0;
	return 1;
}

/* The value of n (at most 4) decimal digits, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/*
 * genTime as RFC 3161 §2.4.2 writes it: YYYYMMDDhhmmss[.f*]Z, UTC, no
 * trailing zeros in the fraction.  Anything else is refused.
 */
static int
parse_gen_time(struct tok *t, struct tsa_proof *p, struct cs_err *err)
{
	const ASN1_GENERALIZEDTIME *g = TS_TST_INFO_get_time(t->tst);
	const char *s = (const char *)ASN1_STRING_get0_data(g);
	int n = ASN1_STRING_length(g), i, frac_len = 0;
	struct tm tm, back;
	char frac[4] = "000";
	time_t when;

	if (n < 15 || n > 15 + 1 + 9 || s[n - 1] != 'Z' ||
	    !all_digits(s, 14) || (n > 15 && (s[14] != '.' || n == 16 ||
	    s[n - 2] == '0')))
		goto bad;
	if (n > 15 && !all_digits(s + 15, n - 16))
		goto bad;
	for (i = 15; i < n - 1 && frac_len < 3; i++)
		frac[frac_len++] = s[i];
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 4, 2) - 1;
	tm.tm_mday = digits(s + 6, 2);
	tm.tm_hour = digits(s + 8, 2);
	tm.tm_min = digits(s + 10, 2);
	tm.tm_sec = digits(s + 12, 2);
	back = tm;
	when = timegm(&back);
	if (when == (time_t)-1 || back.tm_year != tm.tm_year ||
	    back.tm_mon != tm.tm_mon || back.tm_mday != tm.tm_mday ||
	    back.tm_hour != tm.tm_hour || back.tm_min != tm.tm_min ||
	    back.tm_sec != tm.tm_sec)
		goto bad;
	p->gen_time = when;
	p->gen_time_ms = (unsigned)digits(frac, 3);
	strftime(p->gen_time_iso, sizeof(p->gen_time_iso), "%Y-%m-%dT%H:%M:%S",
	    &tm);
	if (n > 15)
		snprintf(p->gen_time_iso + 19, sizeof(p->gen_time_iso) - 19,
		    ".%.*sZ", n - 16, s + 15);
	else
		strcat(p->gen_time_iso, "Z");
	return 0;
bad:
	return cs_err_set(err, CS_E_INVALID, "timestamp token genTime '%.*s' "
	    "is not YYYYMMDDhhmmss[.f]Z", n > 32 ? 32 : n, s);
}

/* Accuracy in milliseconds, and existed_by = genTime + accuracy, rounded up. */
static int
parse_accuracy(struct tok *t, struct tsa_proof *p, struct cs_err *err)
{
	const TS_ACCURACY *a = TS_TST_INFO_get_accuracy(t->tst);
	long long s = 0, ms = 0, us = 0, total_us;

	p->accuracy_ms = -1;
	if (a != NULL) {
		if (TS_ACCURACY_get_seconds(a) != NULL)
			s = ASN1_INTEGER_get(TS_ACCURACY_get_seconds(a));
		if (TS_ACCURACY_get_millis(a) != NULL)
			ms = ASN1_INTEGER_get(TS_ACCURACY_get_millis(a));
		if (TS_ACCURACY_get_micros(a) != NULL)
			us = ASN1_INTEGER_get(TS_ACCURACY_get_micros(a));
		/* RFC 3161 §2.4.2: millis and micros are 1..999. */
		if (s < 0 || s > 86400LL * 366 * 100 || ms < 0 || ms > 999 ||
		    us < 0 || us > 999)
			return cs_err_set(err, CS_E_INVALID, "timestamp token "
			    "accuracy is out of range");
		p->accuracy_ms = s * 1000 + ms + (us > 0 ? 1 : 0);
	}
	total_us = (long long)p->gen_time_ms * 1000 + s * 1000000 + ms * 1000 +
	    us;
	p->existed_by = p->gen_time + (time_t)((total_us + 999999) / 1000000);
	return 0;
}

/* The signer named by the SignerInfo, in the token or in the stacks given. */
static X509 *
find_signer(struct tok *t, const struct tsa_trust *trust,
    const struct tsa_verify_opts *o)
{
	PKCS7_ISSUER_AND_SERIAL *ias = t->si->issuer_and_serial;
	X509 *x = NULL;

	if (ias == NULL)
		return NULL;
	if (t->p7->d.sign->cert != NULL)
		x = X509_find_by_issuer_and_serial(t->p7->d.sign->cert,
		    ias->issuer, ias->serial);
	if (x == NULL)
		x = X509_find_by_issuer_and_serial(trust->certs, ias->issuer,
		    ias->serial);
	if (x == NULL && o != NULL && o->certs != NULL)
		x = X509_find_by_issuer_and_serial(o->certs, ias->issuer,
		    ias->serial);
	return x;
}

/*
 * RFC 3161 §2.3: the TSA's certificate "MUST contain only one instance of
 * the extended key usage field extension ... with KeyPurposeID having
 * value id-kp-timeStamping.  This extension MUST be critical."  Checked
 * here by itself for a plain message; the chain check's purpose repeats it.
 */
static int
check_eku(struct tok *t, struct cs_err *err)
{
	X509 *x = t->signer;
	int i, count = 0;

	for (i = -1; (i = X509_get_ext_by_NID(x, NID_ext_key_usage, i)) >= 0;)
		count++;
	if (count == 0)
		return cs_err_set(err, CS_E_UNTRUSTED, "TSA certificate %s has "
		    "no extended key usage; a TSA needs the critical "
		    "timeStamping one", t->who);
	if (count > 1)
		return cs_err_set(err, CS_E_UNTRUSTED, "TSA certificate %s has "
		    "%d extended key usage extensions; one is allowed", t->who,
		    count);
	i = X509_get_ext_by_NID(x, NID_ext_key_usage, -1);
	if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) == 0 ||
	    X509_get_extended_key_usage(x) != XKU_TIMESTAMP)
		return cs_err_set(err, CS_E_UNTRUSTED, "TSA certificate %s: its "
		    "extended key usage is not timeStamping alone", t->who);
	if (!X509_EXTENSION_get_critical(X509_get_ext(x, i)))
		return cs_err_set(err, CS_E_UNTRUSTED, "TSA certificate %s: its "
		    "timeStamping extended key usage is not marked critical",
		    t->who);
	return 0;
}

static int
push_all(STACK_OF(X509) *to, const STACK_OF(X509) *from)
{
	int i;

	for (i = 0; from != NULL && i < sk_X509_num(from); i++)
		if (sk_X509_push(to, sk_X509_value(from, i)) <= 0)
			return -1;
	return 0;
}

/* A failed chain check, named: which certificate, why, at what time. */
static int
chain_error(struct tok *t, X509_STORE_CTX *ctx, time_t at,
    struct cs_err *err)
{
	int e = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
	char who[512], when[32], lim[32], s[200];

	if (bad == NULL || depth == 0)
		snprintf(who, sizeof(who), "TSA certificate %.256s", t->who);
	else
		snprintf(who, sizeof(who), "CA certificate %.200s (of TSA "
		    "%.256s)", subject_of(bad, s, sizeof(s)), t->who);
	iso_time(at, when, sizeof(when));
	switch (e) {
	case X509_V_ERR_CERT_REVOKED:
		return cs_err_set(err, CS_E_REVOKED, "%s is revoked", who);
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return cs_err_set(err, CS_E_UNTRUSTED, "%s expired at %s "
		    "(judged at %s)", who, iso_time(cs_asn1_time(
		    X509_get0_notAfter(bad)), lim, sizeof(lim)), when);
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return cs_err_set(err, CS_E_UNTRUSTED, "%s is not valid before "
		    "%s (judged at %s)", who, iso_time(cs_asn1_time(
		    X509_get0_notBefore(bad)), lim, sizeof(lim)), when);
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return cs_err_set(err, CS_E_UNTRUSTED, "TSA certificate %s does "
		    "not chain to a configured TSA anchor (%s)", t->who,
		    X509_verify_cert_error_string(e));
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		return cs_err_set(err, CS_E_UNTRUSTED, "%s: no CRL for it among "
		    "the CRLs given", who);
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return cs_err_set(err, CS_E_UNTRUSTED, "%s: the CRL for it is "
		    "out of date (judged at %s)", who, when);
	case X509_V_ERR_INVALID_PURPOSE:
		return cs_err_set(err, CS_E_UNTRUSTED, "%s may not be used for "
		    "timestamping", who);
	default:
		return cs_err_set(err, CS_E_UNTRUSTED, "%s: chain check failed: "
		    "%s", who, X509_verify_cert_error_string(e));
	}
}

/*
 * The chain from the TSA certificate to an anchor, judged at `at`, with
 * the purpose timestampsign and, when CRLs are given, the TSA certificate's
 * revocation.  Every setting is on this call's context: trust is shared.
 */
static int
check_chain(struct tok *t, const struct tsa_trust *trust,
    const struct tsa_verify_opts *o, time_t at, struct cs_err *err)
{
	STACK_OF(X509) *untrusted = NULL;
	STACK_OF(X509_CRL) *crls = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	int i, r = CS_E_INTERNAL;

	if ((untrusted = sk_X509_new_null()) == NULL ||
	    push_all(untrusted, t->p7->d.sign->cert) != 0 ||
	    push_all(untrusted, trust->certs) != 0 ||
	    push_all(untrusted, o != NULL ? o->certs : NULL) != 0 ||
	    (crls = sk_X509_CRL_dup(trust->crls)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; o != NULL && o->crls != NULL &&
	    i < sk_X509_CRL_num(o->crls); i++)
		if (sk_X509_CRL_push(crls, sk_X509_CRL_value(o->crls, i)) <= 0) {
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, trust->store, t->signer, untrusted) != 1) {
		r = cs_err_openssl(err, CS_E_INTERNAL, "chain check set-up");
		goto out;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, at);
	X509_VERIFY_PARAM_set_depth(param, CHAIN_DEPTH_MAX);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_TIMESTAMP_SIGN);
	if (sk_X509_CRL_num(crls) > 0) {
		X509_STORE_CTX_set0_crls(ctx, crls);
		X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK);
	}
	ERR_clear_error();
	if (X509_verify_cert(ctx) != 1) {
		r = chain_error(t, ctx, at, err);
		ERR_clear_error();
		goto out;
	}
	if ((t->chain = X509_STORE_CTX_get1_chain(ctx)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_CRL_free(crls);
	sk_X509_free(untrusted);
	return r;
}

/* A TSA does not sign outside its certificate's validity. */
static int
check_gen_time_in_validity(struct tok *t, const struct tsa_proof *p,
    struct cs_err *err)
{
	time_t nb = cs_asn1_time(X509_get0_notBefore(t->signer));
	time_t na = cs_asn1_time(X509_get0_notAfter(t->signer));
	char a[32], b[32];

	if (nb == (time_t)-1 || na == (time_t)-1)
		return cs_err_set(err, CS_E_INVALID, "TSA certificate %s has "
		    "an unreadable validity period", t->who);
	if (p->gen_time < nb || p->gen_time > na)
		return cs_err_set(err, CS_E_UNTRUSTED, "timestamp token genTime "
		    "%s is outside its TSA certificate's validity (%s to %s)",
		    p->gen_time_iso, iso_time(nb, a, sizeof(a)),
		    iso_time(na, b, sizeof(b)));
	return 0;
}

/* The TSA name is a hint, but when given it must be the certificate's. */
static int
check_tsa_name(struct tok *t, struct cs_err *err)
{
	GENERAL_NAME *gn = TS_TST_INFO_get_tsa(t->tst);
	GENERAL_NAMES *alt = NULL;
	int i, ok = 0;

	if (gn == NULL)
		return 0;
	if (gn->type == GEN_DIRNAME &&
	    X509_NAME_cmp(gn->d.directoryName,
	    X509_get_subject_name(t->signer)) == 0)
		return 0;
	alt = X509_get_ext_d2i(t->signer, NID_subject_alt_name, NULL, NULL);
	for (i = 0; alt != NULL && i < sk_GENERAL_NAME_num(alt) && !ok; i++)
		ok = GENERAL_NAME_cmp(sk_GENERAL_NAME_value(alt, i), gn) == 0;
	GENERAL_NAMES_free(alt);
	ERR_clear_error();
	if (ok)
		return 0;
	return cs_err_set(err, CS_E_INVALID, "timestamp token names another "
	    "TSA than its signer %s", t->who);
}

/*
 * The signed attributes: contentType TSTInfo, and a SigningCertificate
 * (SHA-1 ids, RFC 2634) or SigningCertificateV2 (RFC 5035) whose first id
 * is the TSA certificate.
 */
static int
check_signed_attrs(struct tok *t, struct cs_err *err)
{
	ESS_SIGNING_CERT *ss = NULL;
	ESS_SIGNING_CERT_V2 *ss2 = NULL;
	ASN1_TYPE *ct;
	const unsigned char *p;
	int has1, has2, r = CS_E_INTERNAL;

	ct = PKCS7_get_signed_attribute(t->si, NID_pkcs9_contentType);
	if (ct == NULL || ct->type != V_ASN1_OBJECT ||
	    OBJ_obj2nid(ct->value.object) != NID_id_smime_ct_TSTInfo) {
		r = cs_err_set(err, CS_E_INVALID, "timestamp token: the signed "
		    "contentType attribute is not id-ct-TSTInfo");
		goto out;
	}
	ct = PKCS7_get_signed_attribute(t->si,
	    NID_id_smime_aa_signingCertificate);
	has1 = ct != NULL;
	if (has1 && ct->type == V_ASN1_SEQUENCE) {
		p = ct->value.sequence->data;
		ss = d2i_ESS_SIGNING_CERT(NULL, &p, ct->value.sequence->length);
	}
	ct = PKCS7_get_signed_attribute(t->si,
	    NID_id_smime_aa_signingCertificateV2);
	has2 = ct != NULL;
	if (has2 && ct->type == V_ASN1_SEQUENCE) {
		p = ct->value.sequence->data;
		ss2 = d2i_ESS_SIGNING_CERT_V2(NULL, &p,
		    ct->value.sequence->length);
	}
	if ((has1 && ss == NULL) || (has2 && ss2 == NULL)) {
		r = cs_err_set(err, CS_E_INVALID, "timestamp token: its "
		    "SigningCertificate attribute is malformed");
		goto out;
	}
	if (!has1 && !has2) {
		r = cs_err_set(err, CS_E_INVALID, "timestamp token has no "
		    "SigningCertificate(V2) attribute naming the TSA "
		    "certificate");
		goto out;
	}
	ERR_clear_error();
	if (OSSL_ESS_check_signing_certs(ss, ss2, t->chain, 1) <= 0) {
		r = cs_err_set(err, CS_E_INVALID, "timestamp token: its "
		    "SigningCertificate attribute does not name the TSA "
		    "certificate %s", t->who);
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	ESS_SIGNING_CERT_free(ss);
	ESS_SIGNING_CERT_V2_free(ss2);
	return r;
}

static int
check_algorithms(struct tok *t, struct cs_err *err)
{
	int dnid = OBJ_obj2nid(t->si->digest_alg->algorithm);
	int snid = OBJ_obj2nid(t->si->digest_enc_alg->algorithm);
	EVP_PKEY *pk = X509_get0_pubkey(t->signer);
	char curve[64] = "";
	size_t clen = 0;

	if (!NID_IN(dnid, DIGESTS_ALLOWED))
		return cs_err_set(err, CS_E_POLICY, "timestamp token signature "
		    "digest %s is not allowed (sha256, sha384, sha512)",
		    nid_name(dnid));
	if (!NID_IN(snid, SIGALGS_ALLOWED))
		return cs_err_set(err, CS_E_POLICY, "timestamp token signature "
		    "algorithm %s is not allowed", nid_name(snid));
	if (pk == NULL)
		return cs_err_set(err, CS_E_INVALID, "TSA certificate %s has "
		    "an unreadable public key", t->who);
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
		if (EVP_PKEY_get_bits(pk) < RSA_BITS_MIN)
			return cs_err_set(err, CS_E_POLICY, "TSA key is "
			    "RSA-%d; at least RSA-%d is required",
			    EVP_PKEY_get_bits(pk), RSA_BITS_MIN);
		return 0;
	}
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(pk, "group", curve, sizeof(curve),
	    &clen) == 1 && NID_IN(OBJ_sn2nid(curve) != NID_undef ?
	    OBJ_sn2nid(curve) : EC_curve_nist2nid(curve), CURVES_ALLOWED))
		return 0;
	ERR_clear_error();
	return cs_err_set(err, CS_E_POLICY, "TSA key type %s%s%s is not allowed "
	    "(RSA-2048 or more, EC P-256, P-384, P-521)",
	    nid_name(EVP_PKEY_get_base_id(pk)), curve[0] ? " " : "", curve);
}

/* The CMS signature over the signed attributes, and their message digest. */
static int
check_signature(PKCS7 *p7, PKCS7_SIGNER_INFO *si, X509 *signer,
    struct cs_err *err)
{
	unsigned char buf[4096];
	BIO *b = NULL;
	int n, r = CS_E_INTERNAL;

	ERR_clear_error();
	if ((b = PKCS7_dataInit(p7, NULL)) == NULL) {
		r = cs_err_openssl(err, CS_E_INVALID, "timestamp token content "
		    "cannot be read");
		goto out;
	}
	while ((n = BIO_read(b, buf, sizeof(buf))) > 0)
		;
	if (PKCS7_signatureVerify(b, p7, si, signer) <= 0) {
		ERR_clear_error();
		r = cs_err_set(err, CS_E_INVALID, "timestamp token signature "
		    "does not verify");
		goto out;
	}
	r = 0;
out:
	BIO_free_all(b);
	return r;
}

static int
fill_proof(struct tok *t, struct tsa_proof *p, struct cs_err *err)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(t->tst), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	int r = 0;

	oid_text(TS_TST_INFO_get_policy_id(t->tst), p->policy,
	    sizeof(p->policy));
	if (hex == NULL || strlen(hex) >= sizeof(p->serial))
		r = cs_err_set(err, CS_E_INVALID, "timestamp token serial "
		    "number is missing or longer than 160 bits");
	else
		snprintf(p->serial, sizeof(p->serial), "%s", hex);
	snprintf(p->tsa_subject, sizeof(p->tsa_subject), "%s", t->who);
	OPENSSL_free(hex);
	BN_free(bn);
	if (r == 0) {
		X509_up_ref(t->signer);
		p->tsa_cert = t->signer;
		p->chain = t->chain;
		t->chain = NULL;	/* transferred to the proof */
	}
	return r;
}

static int
verify(const struct tsa_trust *trust, const unsigned char *der, size_t len,
    const struct tsa_imprint *want, const void *data, size_t data_len,
    const struct tsa_verify_opts *o, struct tsa_proof **out,
    struct cs_err *err)
{
	struct tok t;
	struct tsa_proof *p = NULL;
	struct tsa_imprint computed;
	time_t at = o != NULL && o->at != 0 ? o->at : time(NULL);
	int nid = NID_undef, r = CS_E_INTERNAL;

	*out = NULL;
	memset(&t, 0, sizeof(t));
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = parse_token(der, len, &t, err)) != 0 ||
	    (r = check_extensions(&t, err)) != 0 ||
	    (r = check_imprint(&t, want, &nid, err)) != 0)
		goto out;
	if (want == NULL) {
		if ((r = imprint_nid(nid, data, data_len, &computed, err)) != 0 ||
		    (r = check_imprint(&t, &computed, &nid, err)) != 0)
			goto out;
	}
	p->imprint_nid = nid;
	if ((r = check_nonce_policy(&t, o, err)) != 0 ||
	    (r = parse_gen_time(&t, p, err)) != 0 ||
	    (r = parse_accuracy(&t, p, err)) != 0)
		goto out;
	if ((t.signer = find_signer(&t, trust, o)) == NULL) {
		r = cs_err_set(err, CS_E_UNTRUSTED, "timestamp token: the TSA "
		    "certificate is neither in the token nor among the "
		    "certificates given");
		goto out;
	}
	subject_of(t.signer, t.who, sizeof(t.who));
	if ((r = check_eku(&t, err)) != 0 ||
	    (r = check_algorithms(&t, err)) != 0 ||
	    (r = check_chain(&t, trust, o, at, err)) != 0 ||
	    (r = check_gen_time_in_validity(&t, p, err)) != 0 ||
	    (r = check_tsa_name(&t, err)) != 0 ||
	    (r = check_signed_attrs(&t, err)) != 0 ||
	    (r = check_signature(t.p7, t.si, t.signer, err)) != 0 ||
	    (r = fill_proof(&t, p, err)) != 0)
		goto out;
	*out = p;
	p = NULL;		/* transferred to caller */
	r = 0;
out:
	ERR_clear_error();
	tsa_proof_free(p);
	sk_X509_pop_free(t.chain, X509_free);
	TS_TST_INFO_free(t.tst);
	PKCS7_free(t.p7);
	return r;
}

int
tsa_token_verify(const struct tsa_trust *trust, const unsigned char *der,
    size_t len, const struct tsa_imprint *want,
    const struct tsa_verify_opts *opts, struct tsa_proof **out,
    struct cs_err *err)
{
	if (want == NULL) {
		*out = NULL;
		return cs_err_set(err, CS_E_USAGE, "no imprint to check the "
		    "timestamp token against");
	}
	return verify(trust, der, len, want, NULL, 0, opts, out, err);
}

int
tsa_token_verify_data(const struct tsa_trust *trust,
    const unsigned char *der, size_t len, const void *data, size_t data_len,
    const struct tsa_verify_opts *opts, struct tsa_proof **out,
    struct cs_err *err)
{
	return verify(trust, der, len, NULL, data != NULL ? data : "",
	    data_len, opts, out, err);
}

void
tsa_proof_free(struct tsa_proof *p)
{
	if (p == NULL)
		return;
	X509_free(p->tsa_cert);
	sk_X509_pop_free(p->chain, X509_free);
	free(p);
}

int
tsa_token_check_signature(const unsigned char *der, size_t len, X509 *cert,
    struct cs_err *err)
{
	struct tok t;
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = parse_token(der, len, &t, err)) == 0)
		r = check_signature(t.p7, t.si, cert, err);
	TS_TST_INFO_free(t.tst);
	PKCS7_free(t.p7);
	return r;
}
