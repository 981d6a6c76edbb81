/*
 * verifier/verifier.h — verify a signed civil-status document: hardened parse,
 * strict signature policy, XML-DSig with xmlsec, trust chain and CRLs judged
 * at the signing time, and a report with every reason and the signed fields.
 *
 * One library for `civseal verify` and civseal-verifyd.  The program must have
 * initialised libxml2 and xmlsec (xmlInitParser, xmlSecInit,
 * xmlSecCryptoAppInit, xmlSecCryptoInit) before verifier_new.
 */
#ifndef VERIFIER_VERIFIER_H
#define VERIFIER_VERIFIER_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "core/err.h"
#include "core/seal.h"

struct verifier;

enum verifier_verdict {
	VERIFIER_VALID = 0,	/* signature verifies, chains, not revoked */
	VERIFIER_INVALID,	/* malformed, policy, tampered, expired, wrong office */
	VERIFIER_UNTRUSTED,	/* signature verifies but no chain to an anchor */
	VERIFIER_REVOKED,	/* signer certificate revoked (see reasons) */
};

struct verifier_report {
	enum verifier_verdict verdict;
	char **reasons;		/* every check that failed, one line each */
	size_t n_reasons;
	char **warnings;	/* did not change the verdict (e.g. stale CRL) */
	size_t n_warnings;

	/* From the document's Header (empty strings when unreadable). */
	char doc_id[40];
	char doc_type[8];	/* "birth" | "death" | "" */
	char office[64];
	char signed_at[32];
	time_t signed_at_t;	/* 0 when unknown */

	/* The signer certificate (NULL when none could be selected). */
	X509 *leaf;
	char *signer_subject;	/* RFC 2253 */
	char *signer_office;	/* subject serialNumber */
	char *signer_serial;	/* hex */
	char *signer_issuer;
	char signer_not_before[32];	/* "YYYY-MM-DDTHH:MM:SSZ" */
	char signer_not_after[32];

	/*
	 * The signed fields in the JSON input format; set only when the
	 * signature value and digest verified (so they are what was signed),
	 * NULL otherwise.
	 */
	json_t *fields;

	/*
	 * The QR seal: for verifier_check_seal the decoded seal; for a
	 * document, its Header/Seal when it could be decoded.  NULL otherwise.
	 * unknown_issuer: the seal's key id (or the document's signer) names
	 * no certificate of the trust list (verdict untrusted).
	 */
	struct cs_seal *seal;
	int unknown_issuer;
};

/*
 * Load the trust file (PEM: the self-signed certificates in it are the
 * anchors; the others — issuing CAs, office and seal certificates — are
 * known certificates used to build chains and to resolve seal key ids)
 * and optionally CRLs
 * (PEM, one or more; NULL for none).  *out is owned by the caller.  The
 * verifier is immutable afterwards and may be shared by threads.
 * Errors: CS_E_IO (file), CS_E_CONFIG (no certificate / CRL in the file).
 */
int verifier_new(const char *trust_pem, const char *crl_pem,
    struct verifier **out, struct cs_err *err);
void verifier_free(struct verifier *v);

/*
 * Check a document (len bytes of XML).  Returns 0 whenever a report was
 * produced, whatever its verdict (a malformed or hostile document is a report
 * with verdict invalid); a negative CS_E_* code only when the check itself
 * could not run (CS_E_NOMEM, CS_E_INTERNAL).  *out is owned by the caller.
 * Thread-safe for a shared const verifier.
 */
int verifier_check(const struct verifier *v, const char *xml, size_t len,
    struct verifier_report **out, struct cs_err *err);

/*
 * Check a QR seal offline: text is the digits or the URL a QR code holds.
 * Decode it, find the certificate whose key id it names among the
 * certificates of the trust file (anchors, CAs and office certificates),
 * verify the seal signature with that key, build the chain to an anchor at
 * the time the document id carries (UUIDv7 milliseconds), check the CRLs.
 * The report's doc_id, doc_type and office come from the seal, fields is
 * cs_seal_fields_json of the seal.  An undecodable seal is a report with
 * verdict invalid (never an error).  Same return convention as
 * verifier_check.  The text is personal data: never log it.
 */
int verifier_check_seal(const struct verifier *v, const char *text,
    struct verifier_report **out, struct cs_err *err);

/* "valid" | "invalid" | "untrusted" | "revoked" */
const char *verifier_verdict_name(enum verifier_verdict v);

/*
 * The report as JSON: {"verdict", "reasons":[…], "warnings":[…],
 * "document":{"id","type","office","signed_at"},
 * "signer":{"subject","office","serial","issuer","not_before","not_after"}
 * or null, "fields":{…} or null, "seal":{cs_seal_fields_json} or null,
 * "unknown_issuer":bool}.  New reference; NULL on ENOMEM.
 */
json_t *verifier_report_json(const struct verifier_report *r);

void verifier_report_free(struct verifier_report *r);

#endif
