/*
 * verifier/trust.h — trust anchors and CRLs; chain building at the signing
 * time (internal to verifier/).
 */
#ifndef VERIFIER_TRUST_H
#define VERIFIER_TRUST_H

#include <time.h>

#include <openssl/x509.h>

#include "core/err.h"
#include "verifier/report.h"

struct verifier_trust;

/* Load anchors (PEM, >= 1 certificate) and CRLs (PEM, >= 1 CRL; NULL for none). */
int verifier_trust_load(const char *trust_pem, const char *crl_pem,
    struct verifier_trust **out, struct cs_err *err);
void verifier_trust_free(struct verifier_trust *t);

/*
 * Build the chain from leaf through the untrusted certificates to an anchor,
 * judging validity periods at the instant at; then check every non-anchor
 * certificate of the chain against the CRLs.  Failures are added to rep as
 * reasons (invalid: expired / not yet valid at signing time; untrusted: no
 * chain; revoked).  Returns 0, or CS_E_NOMEM / CS_E_INTERNAL.
 * Thread-safe for a shared const trust.
 */
int verifier_trust_check(const struct verifier_trust *t, X509 *leaf,
    STACK_OF(X509) *untrusted, time_t at, struct verifier_report *rep);

#endif
