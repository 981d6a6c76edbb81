/*
 * verifier/policy.h — the structural allow-list policy for the enveloped
 * XML-DSig signature (internal to verifier/).
 */
#ifndef VERIFIER_POLICY_H
#define VERIFIER_POLICY_H

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "verifier/report.h"

/*
 * Check that the document carries exactly one ds:Signature, last child of the
 * root, whose structure and algorithms are all on the allow-list.  Every
 * violation is added to rep as an "invalid" reason.  *sig is the signature
 * element when exactly one exists (even if it violates the policy), else NULL.
 * Returns 1 when the policy holds, 0 otherwise.
 */
int verifier_policy_check(xmlDocPtr doc, xmlNodePtr *sig,
    struct verifier_report *rep);

/*
 * Check the signer's public key against the policy: its type matches the
 * SignatureMethod and its size is allowed.  Returns 1 or 0 (reason added).
 */
int verifier_policy_key(xmlNodePtr sig, EVP_PKEY *pkey,
    struct verifier_report *rep);

/* The X509Certificate elements of the signature's KeyInfo, in order. */
#define VERIFIER_MAX_CERTS 4

#endif
