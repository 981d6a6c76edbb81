/*
 * verifier/trust.c — trust anchors, CRLs, and the chain judged at the signing
 * time.
 *
 * A civil-status document stays valid for decades while office certificates
 * expire and offices merge (docs/domain.md §4): the question is not "is the
 * certificate valid now" but "was it valid when the office signed".  So the
 * chain is verified with the verification time set to the document's signing
 * time, and a revocation counts according to its reason (table below).
 *
 * OpenSSL's own CRL checking is not used: it would judge every revocation as
 * fatal and judge CRL validity periods at the signing time too.  The CRLs are
 * checked here, each against the signature of its issuer in the built chain.
 */
#include "verifier/trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/*
 * CRL reason codes (RFC 5280 §5.3.1) and whether a revocation with that reason
 * leaves earlier signatures standing.  Only reasons that say the key was
 * never at fault are judged at the signing time; a compromise, an unspecified
 * reason or none at all invalidates every signature, whenever made, because
 * an attacker holding the key can backdate SignedAt.
 */
static const struct {
	int code;
	const char *name;
	int judged_at_signing_time;
} crl_reasons[] = {
	{ CRL_REASON_UNSPECIFIED, "unspecified", 0 },
	{ CRL_REASON_KEY_COMPROMISE, "keyCompromise", 0 },
	{ CRL_REASON_CA_COMPROMISE, "cACompromise", 0 },
	{ CRL_REASON_AFFILIATION_CHANGED, "affiliationChanged", 1 },
	{ CRL_REASON_SUPERSEDED, "superseded", 1 },
	{ CRL_REASON_CESSATION_OF_OPERATION, "cessationOfOperation", 1 },
	{ CRL_REASON_CERTIFICATE_HOLD, "certificateHold", 0 },
	{ CRL_REASON_REMOVE_FROM_CRL, "removeFromCRL", 0 },
	{ CRL_REASON_PRIVILEGE_WITHDRAWN, "privilegeWithdrawn", 0 },
	{ CRL_REASON_AA_COMPROMISE, "aACompromise", 0 },
};

#define CHAIN_DEPTH_MAX 4	/* leaf, issuing CA, root, one spare */

struct known {
	X509 *cert;
	unsigned char kid[CS_SEAL_KID_LEN];
};

struct verifier_trust {
	X509_STORE *store;		/* anchors only */
	STACK_OF(X509) *intermediates;	/* known, not self-signed */
	struct known *known;		/* every certificate of the file */
	size_t n_known;
	STACK_OF(X509_CRL) *crls;
};

void
verifier_trust_free(struct verifier_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->intermediates, X509_free);
	for (size_t i = 0; i < t->n_known; i++)
		X509_free(t->known[i].cert);
	free(t->known);
	sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
	free(t);
}

/* True when the OpenSSL error queue holds only "no more PEM blocks". */
static int
pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
		ERR_clear_error();
		return 1;
	}
	return 0;
}

/* Remember a certificate of the trust file under its key id. */
static int
add_known(struct verifier_trust *t, X509 *x, struct cs_err *err)
{
	struct known *k;
	int r;

	if ((k = realloc(t->known, (t->n_known + 1) * sizeof(*k))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	t->known = k;
	k = &t->known[t->n_known];
	if ((r = cs_seal_kid(x, k->kid, err)) != 0)
		return r;
	X509_up_ref(x);
	k->cert = x;
	t->n_known++;
	return 0;
}

/*
 * The trust file: self-signed certificates are anchors; the others are
 * intermediates for chain building.  Every one is known by its key id.
 */
static int
load_anchors(struct verifier_trust *t, const char *path, struct cs_err *err)
{
	BIO *b = NULL;
	X509 *x = NULL;
	int n = 0, r = CS_E_INTERNAL;

	ERR_clear_error();
	if ((b = BIO_new_file(path, "r")) == NULL) {
		r = cs_err_set(err, CS_E_IO, "cannot read trust anchors %s", path);
		goto out;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if ((r = add_known(t, x, err)) != 0)
			goto out;
		if (X509_check_issued(x, x) == X509_V_OK) {
			if (X509_STORE_add_cert(t->store, x) != 1) {
				r = cs_err_openssl(err, CS_E_CONFIG,
				    "adding trust anchor");
				goto out;
			}
			n++;
		} else {
			if (sk_X509_push(t->intermediates, x) <= 0) {
				r = cs_err_set(err, CS_E_NOMEM, "out of memory");
				goto out;
			}
			x = NULL;	/* owned by the stack */
		}
		X509_free(x);	/* the store holds its own reference */
		x = NULL;
	}
	if (!pem_at_end()) {
		r = cs_err_openssl(err, CS_E_CONFIG, "reading trust anchors");
		cs_err_prefix(err, "%s", path);
		goto out;
	}
	if (n == 0) {
		r = cs_err_set(err, CS_E_CONFIG,
		    "%s holds no self-signed certificate (trust anchor)", path);
		goto out;
	}
	r = 0;
out:
	X509_free(x);
	BIO_free(b);
	return r;
}

X509 *
verifier_trust_find_kid(const struct verifier_trust *t,
    const unsigned char kid[CS_SEAL_KID_LEN])
{
	size_t i;

	for (i = 0; i < t->n_known; i++)
		if (memcmp(t->known[i].kid, kid, CS_SEAL_KID_LEN) == 0)
			return t->known[i].cert;
	return NULL;
}

static int
load_crls(struct verifier_trust *t, const char *path, struct cs_err *err)
{
	BIO *b = NULL;
	X509_CRL *c;
	int r = CS_E_INTERNAL;

	ERR_clear_error();
	if ((b = BIO_new_file(path, "r")) == NULL) {
		r = cs_err_set(err, CS_E_IO, "cannot read CRL file %s", path);
		goto out;
	}
	while ((c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_CRL_push(t->crls, c) <= 0) {
			X509_CRL_free(c);
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (!pem_at_end()) {
		r = cs_err_openssl(err, CS_E_CONFIG, "reading CRLs");
		cs_err_prefix(err, "%s", path);
		goto out;
	}
	if (sk_X509_CRL_num(t->crls) == 0) {
		r = cs_err_set(err, CS_E_CONFIG, "%s holds no CRL", path);
		goto out;
	}
	r = 0;
out:
	BIO_free(b);
	return r;
}

int
verifier_trust_load(const char *trust_pem, const char *crl_pem,
    struct verifier_trust **out, struct cs_err *err)
{
	struct verifier_trust *t = NULL;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if (trust_pem == NULL)
		return cs_err_set(err, CS_E_USAGE, "no trust anchors given");
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->store = X509_STORE_new()) == NULL ||
	    (t->intermediates = sk_X509_new_null()) == NULL ||
	    (t->crls = sk_X509_CRL_new_null()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = load_anchors(t, trust_pem, err)) != 0)
		goto out;
	if (crl_pem != NULL && (r = load_crls(t, crl_pem, err)) != 0)
		goto out;
	*out = t;
	t = NULL;		/* transferred to caller */
	r = 0;
out:
	verifier_trust_free(t);
	return r;
}

static char *
serial_hex(const ASN1_INTEGER *s)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(s, NULL);
	char *hex = NULL, *copy = NULL;

	if (bn != NULL && (hex = BN_bn2hex(bn)) != NULL)
		copy = strdup(hex);
	OPENSSL_free(hex);
	BN_free(bn);
	return copy;
}

static time_t
asn1_to_time_t(const ASN1_TIME *a)
{
	struct tm tm;

	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return (time_t)-1;
	return timegm(&tm);
}

/*
 * Check cert (issued by issuer, both from the built chain) against every CRL
 * that names its issuer and carries a valid signature by it.
 */
static void
check_revocation(const struct verifier_trust *t, X509 *cert, X509 *issuer,
    int is_leaf, time_t at, struct verifier_report *rep)
{
	X509_NAME *iname = X509_get_issuer_name(cert);
	EVP_PKEY *ikey = X509_get0_pubkey(issuer);
	X509_REVOKED *rev;
	ASN1_ENUMERATED *reason;
	char *subj = NULL, *ser = NULL, rdate[32], stime[32], nu[32];
	const char *rname;
	time_t rtime;
	int i, j, code, covered = 0, judged, crit;

	subj = verifier_name_str(X509_get_subject_name(cert));
	for (i = 0; i < sk_X509_CRL_num(t->crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(t->crls, i);

		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), iname) != 0)
			continue;
		/* A CRL is only evidence when its issuer signed it. */
		if (ikey == NULL || X509_CRL_verify(crl, ikey) != 1) {
			ERR_clear_error();
			(void)verifier_report_warning(rep, "a CRL naming issuer "
			    "of %s has a bad signature and was ignored",
			    subj != NULL ? subj : "?");
			continue;
		}
		covered = 1;
		if (X509_cmp_time(X509_CRL_get0_nextUpdate(crl), NULL) < 0) {
			verifier_asn1_time_str(X509_CRL_get0_nextUpdate(crl),
			    nu, sizeof(nu));
			(void)verifier_report_warning(rep, "the CRL for %s was "
			    "due for renewal at %s; revocation status may be "
			    "stale", subj != NULL ? subj : "?", nu);
		}
		if (X509_CRL_get0_by_serial(crl, &rev,
		    X509_get0_serialNumber(cert)) != 1)
			continue;

		code = -1;	/* no reasonCode extension */
		crit = 0;
		reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
		if (reason != NULL) {
			code = (int)ASN1_ENUMERATED_get(reason);
			ASN1_ENUMERATED_free(reason);
		}
		rname = "none given";
		judged = 0;
		for (j = 0; j < (int)(sizeof(crl_reasons) / sizeof(crl_reasons[0]));
		    j++) {
			if (crl_reasons[j].code == code) {
				rname = crl_reasons[j].name;
				judged = crl_reasons[j].judged_at_signing_time;
			}
		}
		if (code >= 0 && strcmp(rname, "none given") == 0)
			rname = "unknown reason code";
		rtime = asn1_to_time_t(X509_REVOKED_get0_revocationDate(rev));
		verifier_asn1_time_str(X509_REVOKED_get0_revocationDate(rev),
		    rdate, sizeof(rdate));
		verifier_time_str(at, stime, sizeof(stime));
		free(ser);
		ser = serial_hex(X509_get0_serialNumber(cert));
		if (judged && rtime != (time_t)-1 && rtime > at) {
			/* Office merged or certificate replaced after signing. */
			(void)verifier_report_warning(rep, "%s certificate "
			    "serial %s (%s) was revoked on %s (%s), after the "
			    "signing time %s; the signature stands",
			    is_leaf ? "signer" : "CA", ser != NULL ? ser : "?",
			    subj != NULL ? subj : "?", rdate, rname, stime);
			continue;
		}
		(void)verifier_report_reason(rep, VERIFIER_REVOKED, "%s "
		    "certificate serial %s (%s) revoked on %s, reason %s%s",
		    is_leaf ? "signer" : "CA", ser != NULL ? ser : "?",
		    subj != NULL ? subj : "?", rdate, rname,
		    judged ? " (before the signing time)" :
		    " (invalidates every signature, whenever made)");
	}
	if (!covered && sk_X509_CRL_num(t->crls) > 0)
		(void)verifier_report_warning(rep, "no CRL from the issuer of %s; "
		    "its revocation status was not checked",
		    subj != NULL ? subj : "?");
	free(subj);
	free(ser);
}

int
verifier_trust_check(const struct verifier_trust *t, X509 *leaf,
    STACK_OF(X509) *untrusted, time_t at, struct verifier_report *rep)
{
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	STACK_OF(X509) *chain = NULL, *pool = NULL;
	X509 *bad;
	char stime[32], when[32], *subj = NULL;
	int e, i, n, r = CS_E_INTERNAL;

	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    (pool = untrusted != NULL ? sk_X509_dup(untrusted) :
	    sk_X509_new_null()) == NULL) {
		r = CS_E_NOMEM;
		goto out;
	}
	/* The document's certificates first, then the trust file's. */
	for (i = 0; i < sk_X509_num(t->intermediates); i++)
		if (sk_X509_push(pool, sk_X509_value(t->intermediates, i)) <= 0) {
			r = CS_E_NOMEM;
			goto out;
		}
	/* The store is shared read-only; each check has its own context. */
	if (X509_STORE_CTX_init(ctx, t->store, leaf, pool) != 1)
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, at);
	X509_VERIFY_PARAM_set_depth(param, CHAIN_DEPTH_MAX);
	ERR_clear_error();
	if (X509_verify_cert(ctx) != 1) {
		e = X509_STORE_CTX_get_error(ctx);
		bad = X509_STORE_CTX_get_current_cert(ctx);
		subj = verifier_name_str(X509_get_subject_name(bad != NULL ?
		    bad : leaf));
		verifier_time_str(at, stime, sizeof(stime));
		ERR_clear_error();
		if (e == X509_V_ERR_CERT_HAS_EXPIRED) {
			verifier_asn1_time_str(X509_get0_notAfter(bad != NULL ?
			    bad : leaf), when, sizeof(when));
			(void)verifier_report_reason(rep, VERIFIER_INVALID,
			    "certificate expired at signing time: %s expired "
			    "%s, document signed %s", subj != NULL ? subj : "?",
			    when, stime);
		} else if (e == X509_V_ERR_CERT_NOT_YET_VALID) {
			verifier_asn1_time_str(X509_get0_notBefore(bad != NULL ?
			    bad : leaf), when, sizeof(when));
			(void)verifier_report_reason(rep, VERIFIER_INVALID,
			    "certificate not yet valid at signing time: %s valid "
			    "from %s, document signed %s",
			    subj != NULL ? subj : "?", when, stime);
		} else {
			(void)verifier_report_reason(rep, VERIFIER_UNTRUSTED,
			    "certificate does not chain to a trust anchor: %s "
			    "(at %s)", X509_verify_cert_error_string(e),
			    subj != NULL ? subj : "?");
		}
		r = 0;
		goto out;
	}
	if ((chain = X509_STORE_CTX_get1_chain(ctx)) == NULL) {
		r = CS_E_NOMEM;
		goto out;
	}
	/* Every certificate but the anchor, against its issuer's CRLs. */
	n = sk_X509_num(chain);
	for (i = 0; i + 1 < n; i++)
		check_revocation(t, sk_X509_value(chain, i),
		    sk_X509_value(chain, i + 1), i == 0, at, rep);
	r = 0;
out:
	free(subj);
	sk_X509_pop_free(chain, X509_free);
	X509_STORE_CTX_free(ctx);
	sk_X509_free(pool);	/* borrowed references */
	return r;
}

void
verifier_trust_check_usage(X509 *leaf, const char *signer_office,
    const char *office, struct verifier_report *rep)
{
	uint32_t ku;

	/* X509_get_key_usage returns UINT32_MAX when the extension is absent. */
	if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) == 0)
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "signer certificate has no keyUsage extension "
		    "(digitalSignature or nonRepudiation required)");
	else {
		ku = X509_get_key_usage(leaf);
		if ((ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0)
			(void)verifier_report_reason(rep, VERIFIER_INVALID,
			    "signer certificate keyUsage allows neither "
			    "digitalSignature nor nonRepudiation");
	}
	if (signer_office == NULL)
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "signer certificate subject has no (single) serialNumber "
		    "naming the office");
	else if (office[0] != '\0' && strcmp(signer_office, office) != 0)
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "certificate is for office %s, document names office %s",
		    signer_office, office);
}
