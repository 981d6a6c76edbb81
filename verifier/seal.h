/*
 * verifier/seal.h — checking a QR seal offline against the trust file
 * (internal to verifier/; the public entry is verifier_check_seal).
 */
#ifndef VERIFIER_SEAL_H
#define VERIFIER_SEAL_H

#include "core/err.h"
#include "core/seal.h"
#include "verifier/trust.h"
#include "verifier/verifier.h"

/*
 * The seal's signature (over msg, seal->msg_len bytes) with cert, then
 * cert's keyUsage and office against the office the seal names: the checks
 * a seal gets wherever it is read.  Failures become reasons, the signature's
 * prefixed with what.  0 when the signature verifies (the usage checked),
 * CS_E_CRYPTO when it does not.
 */
int verifier_seal_check_cert(X509 *cert, const struct cs_seal *seal,
    const unsigned char *msg, const char *what, struct verifier_report *rep);

/* See verifier_check_seal in verifier.h. */
int verifier_seal_check(const struct verifier_trust *t, const char *text,
    struct verifier_report **out, struct cs_err *err);

#endif
