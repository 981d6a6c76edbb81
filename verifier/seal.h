/*
 * verifier/seal.h — checking a QR seal offline against the trust file
 * (internal to verifier/; the public entry is verifier_check_seal).
 */
#ifndef VERIFIER_SEAL_H
#define VERIFIER_SEAL_H

#include "core/err.h"
#include "verifier/trust.h"
#include "verifier/verifier.h"

/* See verifier_check_seal in verifier.h. */
int verifier_seal_check(const struct verifier_trust *t, const char *text,
    struct verifier_report **out, struct cs_err *err);

#endif
