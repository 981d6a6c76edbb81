/*
 * tsa/token.h — RFC 3161 timestamp tokens: checking one, and what it proves.
 *
 * A token is a CMS SignedData (RFC 5652) whose content is a TSTInfo: the
 * imprint (a hash) of some data, the time the TSA saw it (genTime), a
 * serial and the TSA's policy.  It proves that the data existed at genTime
 * only when all of this holds, and tsa_token_verify checks every point:
 *
 *   - one DER SignedData, nothing after it, exactly one signer,
 *     eContentType id-ct-TSTInfo, TSTInfo version 1, no critical TSTInfo
 *     extension (none is understood);
 *   - the imprint algorithm is on the allow-list (SHA-256/384/512) and the
 *     imprint is the expected one;
 *   - the signer's certificate (from the token or the certificates given)
 *     has the one extended key usage id-kp-timeStamping, marked critical
 *     (RFC 3161 §2.3), and chains to a configured TSA anchor at the judging
 *     time (now unless told otherwise), not revoked by the CRLs given;
 *   - genTime lies within that certificate's validity period;
 *   - the signed attribute SigningCertificate or SigningCertificateV2
 *     names that certificate (RFC 5035: no other certificate with the same
 *     key may be swapped in), and the contentType attribute is TSTInfo;
 *   - the signature verifies, with a digest and a key on the allow-list;
 *   - the TSA name, when the token gives one, is the certificate's subject;
 *   - the nonce and the policy are the expected ones, when expected.
 *
 * Only then is a struct tsa_proof returned.  There is no other way to get
 * one: code holding a proof holds a checked timestamp, and may say "the
 * data existed by existed_by".  A refusal names its cause in err:
 *   CS_E_INVALID    malformed token, other imprint, other nonce or policy,
 *                   a signature that does not verify
 *   CS_E_POLICY     an algorithm or key off the allow-list
 *   CS_E_UNTRUSTED  no TSA certificate, no critical timeStamping EKU, no
 *                   chain to an anchor, a certificate expired or not yet
 *                   valid at the judging time, genTime outside it
 *   CS_E_REVOKED    the TSA certificate (or its CA) is on a CRL given
 *
 * Revocation is judged as OpenSSL does: a TSA certificate on a CRL fails
 * whatever the reason and date.  A verifier that must weigh reasons against
 * genTime passes no CRLs here and looks at proof->chain itself.
 *
 * Everything here is thread-safe: a struct tsa_trust is read-only once
 * loaded and may serve many threads at once.
 */
#ifndef CS_TSA_TOKEN_H
#define CS_TSA_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "core/err.h"

#define TSA_TOKEN_MAX (64 * 1024)	/* larger tokens are refused */
#define TSA_IMPRINT_MAX 64		/* SHA-512 */

/* The TSA anchors, with certificates and CRLs for chain building. */
struct tsa_trust;

/*
 * Load the trust: anchors_pem holds the TSA anchors (its self-signed
 * certificates are anchors, the others only help to build chains);
 * certs_pem (may be NULL) more certificates for chain building; crl_pem
 * (may be NULL) CRLs, which then must cover every TSA certificate checked.
 * CS_E_IO when a file cannot be read, CS_E_CONFIG when it holds no anchor
 * or something that is not PEM.  *out is owned by the caller.
 */
int tsa_trust_load(const char *anchors_pem, const char *certs_pem,
    const char *crl_pem, struct tsa_trust **out, struct cs_err *err);
void tsa_trust_free(struct tsa_trust *t);

/* A message imprint: the hash of the data a token must cover. */
struct tsa_imprint {
	int nid;			/* NID_sha256, NID_sha384, NID_sha512 */
	unsigned char md[TSA_IMPRINT_MAX];
	size_t len;
};

/*
 * The imprint of data with the digest md ("sha256", "sha384", "sha512").
 * CS_E_POLICY for another digest.
 */
int tsa_imprint_of(const char *md, const void *data, size_t len,
    struct tsa_imprint *out, struct cs_err *err);

/* What a caller expects beyond the imprint; every member may be 0/NULL. */
struct tsa_verify_opts {
	time_t at;			/* judge the chain then; 0: now */
	STACK_OF(X509) *certs;		/* more untrusted certificates */
	STACK_OF(X509_CRL) *crls;	/* more CRLs */
	const unsigned char *nonce;	/* this nonce (big-endian magnitude) */
	size_t nonce_len;
	const char *policy;		/* this policy OID (dotted) */
};

/* What a checked token proves. */
struct tsa_proof {
	time_t gen_time;		/* genTime, whole seconds (UTC) */
	unsigned gen_time_ms;		/* its milliseconds, 0-999 */
	long long accuracy_ms;		/* -1 when the token gives none */
	/*
	 * The data existed no later than this (genTime plus accuracy, rounded
	 * up to the second): the time a rule must compare against.
	 */
	time_t existed_by;
	char gen_time_iso[32];		/* "2025-06-15T10:30:00.123Z" */
	char policy[96];		/* dotted OID */
	char serial[48];		/* hex, upper case */
	int imprint_nid;
	char tsa_subject[256];		/* RFC 2253 */
	X509 *tsa_cert;			/* owned by the proof */
	STACK_OF(X509) *chain;		/* TSA certificate ... anchor, owned */
};

/*
 * Check the token der (len bytes) against trust: it must cover the imprint
 * want, and meet opts (may be NULL).  On success *out (owned by the caller)
 * says what it proves; on failure *out is NULL and err names the cause
 * (see the top of this file).
 */
int tsa_token_verify(const struct tsa_trust *trust, const unsigned char *der,
    size_t len, const struct tsa_imprint *want,
    const struct tsa_verify_opts *opts, struct tsa_proof **out,
    struct cs_err *err);

/*
 * The same, with the imprint computed here from data (data_len bytes) with
 * the token's own imprint algorithm, which must be on the allow-list.
 */
int tsa_token_verify_data(const struct tsa_trust *trust,
    const unsigned char *der, size_t len, const void *data, size_t data_len,
    const struct tsa_verify_opts *opts, struct tsa_proof **out,
    struct cs_err *err);

void tsa_proof_free(struct tsa_proof *p);

/*
 * Only the signature: the token's signature verifies with cert's public
 * key.  No chain, no time, no imprint: a responder's check of what it has
 * just signed (it proves that the HSM key belongs to the certificate).
 * CS_E_INVALID when it does not verify.
 */
int tsa_token_check_signature(const unsigned char *der, size_t len, X509 *cert,
    struct cs_err *err);

#endif
