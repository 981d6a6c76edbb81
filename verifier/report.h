/*
 * verifier/report.h — building a struct verifier_report (internal to verifier/).
 */
#ifndef VERIFIER_REPORT_H
#define VERIFIER_REPORT_H

#include "verifier/verifier.h"

/* A report with verdict valid and no reasons; NULL on ENOMEM. */
struct verifier_report *verifier_report_new(void);

/*
 * Record a failed check.  kind is the verdict this failure implies; the
 * report's verdict becomes the most severe seen (invalid > revoked >
 * untrusted > valid).  The verdict is updated before any allocation, so an
 * out-of-memory never turns a failure into "valid".  Returns 0 or CS_E_NOMEM.
 */
int verifier_report_reason(struct verifier_report *r,
    enum verifier_verdict kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record something worth knowing that does not change the verdict. */
int verifier_report_warning(struct verifier_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fill the signer_* fields from the selected leaf (takes a reference). */
int verifier_report_set_leaf(struct verifier_report *r, X509 *leaf);

/* The subject's single serialNumber (the office code), malloc'd; or NULL. */
char *verifier_cert_office(X509 *x);

/* Format an ASN1_TIME as "YYYY-MM-DDTHH:MM:SSZ" (empty on failure). */
void verifier_asn1_time_str(const ASN1_TIME *t, char *buf, size_t len);

/* Format a time_t as "YYYY-MM-DDTHH:MM:SSZ". */
void verifier_time_str(time_t t, char *buf, size_t len);

/* The RFC 2253 text of a name (malloc'd; NULL on ENOMEM). */
char *verifier_name_str(const X509_NAME *name);

#endif
