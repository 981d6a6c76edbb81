/*
 * core/pem.h — certificates and CRLs from PEM files, and ASN.1 times as
 * time_t: one way to read a trust list, a certificate chain or a CRL file,
 * wherever civseal loads one.
 */
#ifndef CS_PEM_H
#define CS_PEM_H

#include <time.h>

#include <openssl/x509.h>

#include "core/err.h"

/*
 * Every certificate of the PEM file path, in file order (at least one).
 * CS_E_IO when the file cannot be read; CS_E_CONFIG when it holds
 * something that is not a PEM certificate, or none.  *out is owned by the
 * caller (sk_X509_pop_free(..., X509_free)).
 */
int cs_pem_read_certs(const char *path, STACK_OF(X509) **out,
    struct cs_err *err);

/* The same for CRLs (sk_X509_CRL_pop_free(..., X509_CRL_free)). */
int cs_pem_read_crls(const char *path, STACK_OF(X509_CRL) **out,
    struct cs_err *err);

/* An ASN.1 UTCTime or GeneralizedTime as seconds; (time_t)-1 if unreadable. */
time_t cs_asn1_time(const ASN1_TIME *t);

#endif
