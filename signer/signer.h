/*
 * signer/signer.h — the offices' keys in the HSM, and signing one
 * validated record: map to XML (core/xml), make the QR seal, check the
 * schema, sign with the office key (signer/xmldsig), check the signature
 * once more with xmlsec, and hand back the exact bytes.  Issuing — parse,
 * authorise, sign and register — is signer/issue.h.
 */
#ifndef CS_SIGNER_H
#define CS_SIGNER_H

#include <stddef.h>

#include "core/config.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/xml.h"

struct signer;

/* An issued document. */
struct signer_doc {
	struct cs_xml_header hdr;	/* id, office, signing time */
	struct cs_doc *doc;		/* the normalised record */
	char *xml;			/* the signed XML, NUL-terminated */
	size_t xml_len;
	unsigned char sha256[32];	/* of the xml bytes */
	char sha256_hex[65];
};

/*
 * A signer for the offices of cfg (which must outlive it).  Loads the
 * PKCS#11 module and the office certificates; keys are found on first use.
 * CS_E_CONFIG for a missing or inconsistent certificate, CS_E_HSM when the
 * module cannot be loaded.
 */
int signer_new(const struct cs_config *cfg, struct signer **out,
    struct cs_err *err);
void signer_free(struct signer *s);

/*
 * Log in and load every office key now (for daemons: fail at start, not
 * later; and for readiness checks).
 *
 * HSM outages.  A CS_E_HSM failure while signing marks the signer broken;
 * the next signer_sign or signer_load_keys then reconnects (pkcs11
 * p11_ctx_reconnect: the module starts over, the keys are found and logged
 * in again, and each signs a test digest), at most once a second, and fails with CS_E_HSM naming the
 * cause until that works.  Requests in flight finish first; none runs
 * while the keys are replaced.  Logged as hsm_reconnected or
 * hsm_reconnect_failed.
 */
int signer_load_keys(struct signer *s, struct cs_err *err);

/* Reconnects to the HSM that worked, by every signer of the process. */
unsigned long signer_hsm_reconnects(void);

/*
 * Sign a validated record (core/doc) for its office: XML, QR seal, schema,
 * XML-DSig with the office key, a last check that it verifies.  doc is
 * owned by the result (*out->doc) afterwards, and freed on failure.
 * CS_E_INVALID with a problem at /office when the office is not
 * configured; CS_E_CONFIG for an office certificate not valid now;
 * CS_E_HSM when the HSM fails; CS_E_CRYPTO when the result would not
 * verify (nothing is returned).
 *
 * The result is in no register: documents leave civseal through
 * signer_issue (signer/issue.h), which registers what this signs.  Only
 * that and the benchmark of the signing pipeline call this.
 */
int signer_sign(struct signer *s, struct cs_doc *doc, struct signer_doc **out,
    struct cs_problems *probs, struct cs_err *err);

void signer_doc_free(struct signer_doc *d);

#endif
