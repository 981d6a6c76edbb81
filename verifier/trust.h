/*
 * verifier/trust.h — trust anchors and CRLs; chain building at the signing
 * time (internal to verifier/).
 */
#ifndef VERIFIER_TRUST_H
#define VERIFIER_TRUST_H

#include <time.h>

#include <openssl/x509.h>

#include "core/err.h"
#include "core/seal.h"
#include "verifier/report.h"

struct verifier_trust;

/*
 * Load the trust file (PEM: its self-signed certificates are the anchors,
 * >= 1; the others are known certificates — issuing CAs, office and seal
 * certificates) and CRLs (PEM, >= 1 CRL; NULL for none).
 */
int verifier_trust_load(const char *trust_pem, const char *crl_pem,
    struct verifier_trust **out, struct cs_err *err);
void verifier_trust_free(struct verifier_trust *t);

/*
 * Build the chain from leaf through the untrusted certificates (and the known
 * certificates of the trust file) to an anchor,
 * judging validity periods at the instant at; then check every non-anchor
 * certificate of the chain against the CRLs.  Failures are added to rep as
 * reasons (invalid: expired / not yet valid at signing time; untrusted: no
 * chain; revoked).  Returns 0, or CS_E_NOMEM / CS_E_INTERNAL.
 * Thread-safe for a shared const trust.
 */
int verifier_trust_check(const struct verifier_trust *t, X509 *leaf,
    STACK_OF(X509) *untrusted, time_t at, struct verifier_report *rep);

/* The known or anchor certificate whose key id (core/seal.h) is kid; borrowed. */
X509 *verifier_trust_find_kid(const struct verifier_trust *t,
    const unsigned char kid[CS_SEAL_KID_LEN]);

/*
 * The signer certificate against what it signed: keyUsage must allow
 * digitalSignature or nonRepudiation, the subject serialNumber (signer_office,
 * NULL when absent) must name office (unless office is "").
 */
void verifier_trust_check_usage(X509 *leaf, const char *signer_office,
    const char *office, struct verifier_report *rep);

#endif
