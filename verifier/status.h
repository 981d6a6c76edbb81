/*
 * verifier/status.h — a document's status in the register (valid, revoked,
 * superseded), and how it joins the cryptographic verdict.  One policy for
 * `civseal verify` and civseal-verifyd:
 *
 *   - the register is consulted only for a document whose signature
 *     verified and chains to a trusted office (verdict valid, or revoked
 *     for its certificate): for anything else the id it claims is not
 *     worth asking about;
 *   - a document the register says is revoked or superseded gets verdict
 *     revoked, with a reason naming the date, the reason and the document
 *     that replaces it: a client reading only "verdict" never acts on it;
 *   - when the register cannot be read, or does not hold the document, the
 *     verdict is left as the signature made it and a warning says so.
 */
#ifndef VERIFIER_STATUS_H
#define VERIFIER_STATUS_H

#include <jansson.h>

#include "store/store.h"
#include "verifier/verifier.h"

enum verifier_status_state {
	VERIFIER_STATUS_UNCHECKED = 0,	/* no register, or not worth asking */
	VERIFIER_STATUS_VALID,
	VERIFIER_STATUS_REVOKED,
	VERIFIER_STATUS_SUPERSEDED,
	VERIFIER_STATUS_NOT_FOUND,	/* the register has no such document */
	VERIFIER_STATUS_UNAVAILABLE,	/* the register could not be read */
};

struct verifier_status {
	enum verifier_status_state state;
	char reason[256];		/* revocation reason, UTF-8 */
	char at[32];			/* when revoked / superseded (UTC) */
	char superseded_by[37];		/* the replacing document's id */
};

/*
 * Look the report's document up in st (NULL: no register, state
 * unavailable when want_register, else unchecked) and apply the policy
 * above to rep.  Returns 0, or CS_E_NOMEM.  st_err, when not NULL,
 * receives why the register could not be read (for the operator's log,
 * not for the public).
 */
int verifier_status_apply(struct cs_store *st, int want_register,
    struct verifier_report *rep, struct verifier_status *out,
    struct cs_err *st_err);

/* "unchecked" | "valid" | "revoked" | "superseded" | "not-found" | "unavailable" */
const char *verifier_status_name(enum verifier_status_state s);

/*
 * The verdict a page shows, one of "valid", "invalid", "revoked",
 * "superseded", "unknown-issuer" (untrusted, or a seal key id that names
 * no known certificate).
 */
const char *verifyd_page_verdict(const struct verifier_report *rep,
    const struct verifier_status *st);

/*
 * The full report: verifier_report_json plus "status":{"state", "reason",
 * "revoked_at", "superseded_by"} (null members when not applicable).
 * New reference; NULL on ENOMEM.
 */
json_t *verifier_full_json(const struct verifier_report *rep,
    const struct verifier_status *st);

#endif
