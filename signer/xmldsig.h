/*
 * signer/xmldsig.h — enveloped XML-DSig over a whole document, computed by
 * civseal itself so that the private key can stay in the HSM (xmlsec 1.2.37
 * cannot sign with a libp11 EVP_PKEY; see DESIGN.md "Known pitfall").
 */
#ifndef CS_SIGNER_XMLDSIG_H
#define CS_SIGNER_XMLDSIG_H

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/err.h"

/*
 * Append <ds:Signature> as the last child of the root of xml: Reference
 * URI="" with the enveloped-signature and exclusive C14N transforms, SHA-256,
 * ECDSA-SHA256 or RSA-SHA256 chosen from key, and KeyInfo/X509Data holding
 * cert then the chain.  key signs through EVP_PKEY_sign (on the token for a
 * PKCS#11 key).  The tree must not change afterwards.  CS_E_HSM when the key
 * refuses to sign, CS_E_CRYPTO for other signature failures.
 */
int signer_xmldsig_sign(xmlDocPtr xml, EVP_PKEY *key, X509 *cert,
    STACK_OF(X509) *chain, struct cs_err *err);

/*
 * Sign a SHA-256 digest with key (on the token for a PKCS#11 key): RSA
 * PKCS#1 v1.5, or ECDSA as raw big-endian r||s each padded to the order
 * size (XML-DSig and the QR seal both want it so).  *siglen: capacity in,
 * length out.  CS_E_HSM when the key refuses, CS_E_CRYPTO otherwise.
 */
int signer_sign_sha256(EVP_PKEY *key, const unsigned char md[32],
    unsigned char *sig, size_t *siglen, struct cs_err *err);

/*
 * Verify the signature of serialized signed XML with pub only, the office
 * certificate's public key (xmlsec, an independent implementation of the
 * verification): the final guard before a document leaves the signer.
 * CS_E_CRYPTO when it fails.  pub may be shared by threads.
 */
int signer_xmldsig_selfcheck(const char *xml, size_t len, EVP_PKEY *pub,
    struct cs_err *err);

#endif
