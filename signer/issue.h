/*
 * signer/issue.h — issuing a document: the one way a signed document
 * leaves civseal, for the HTTP API (civseal-signd) and `civseal sign`
 * alike.
 *
 * A registration request is parsed once and its office authorised once
 * (signer_request_new / signer_request_parse); signer_issue then validates
 * it (core/doc), signs it (signer_sign) and registers it durably with its
 * audit entry (store/) before it returns.  So every document handed out is
 * one the register knows, under the same rules whoever asked: a
 * registration (office, type, book, number) is issued once; a retry under
 * the same (client, idempotency key) with the same request gets the
 * document registered the first time.  The caller may do its own work
 * between the two steps (civseal-signd waits there for a concurrent retry).
 */
#ifndef CS_SIGNER_ISSUE_H
#define CS_SIGNER_ISSUE_H

#include <stddef.h>

#include <jansson.h>

#include "core/date.h"
#include "core/err.h"
#include "signer/signer.h"
#include "store/store.h"

#define SIGNER_CLIENT_NAME_MAX 64	/* with the NUL; the register's limit */

/* Who asks: the name the register records, and the offices it may act for. */
struct signer_client {
	const char *name;		/* an API client, or "cli:<user>" */
	int all_offices;		/* every office the signer is configured with */
	char *const *offices;		/* otherwise these office codes */
	size_t n_offices;
};

/* May who act for office?  (0 for NULL arguments.) */
int signer_client_allows(const struct signer_client *who, const char *office);

/* A request parsed and authorised, not yet issued. */
struct signer_request;

/*
 * A request the caller parsed (root: a reference is taken, dropped by
 * signer_request_free), with the lower-case hex SHA-256 of its bytes, from
 * who (copied).  Its office must be one who may act for: CS_E_DENIED
 * otherwise, naming client and office.  A request that is not an object
 * or has no office string is validated in full at once: CS_E_INVALID with
 * every problem in probs.  CS_E_USAGE for a client name too long for the
 * register, or a request_sha256 that is not 64 characters long.
 */
int signer_request_new(json_t *root, const char *request_sha256,
    const struct signer_client *who, struct signer_request **out,
    struct cs_problems *probs, struct cs_err *err);

/*
 * The same from JSON text of len bytes (parsed by cs_doc_json_load: a
 * syntax error is CS_E_INVALID with a problem at ""); its SHA-256 is
 * computed here.
 */
int signer_request_parse(const char *json, size_t len,
    const struct signer_client *who, struct signer_request **out,
    struct cs_problems *probs, struct cs_err *err);

const char *signer_request_office(const struct signer_request *rq);
const char *signer_request_sha256(const struct signer_request *rq);
void signer_request_free(struct signer_request *rq);

/* What signer_issue hands back; signer_issued_clear frees what it holds. */
struct signer_issued {
	struct cs_store_doc *reg;	/* the register's record, without XML */
	struct signer_doc *doc;		/* signed by this call; NULL: a replay */
	double sign_seconds;		/* validation to self-check; 0 if none */
};

/*
 * Issue rq: the one call that validates, signs and registers.
 *
 * With an idempotency key (NULL or "": none), a document the register
 * already holds under (client, key) is the answer, nothing is signed: the
 * same request gives 0 with out->reg set and out->doc NULL (a replay,
 * also when a concurrent try registered it first); another request gives
 * CS_E_CONFLICT with out->reg set to that document.  Otherwise the
 * request is validated (today bounds "not in the future"; NULL: the
 * clock), signed, and registered: 0 with out->reg and out->doc, durable on
 * return.
 *
 * Errors: CS_E_INVALID with every problem in probs (nothing signed);
 * CS_E_CONFIG, CS_E_HSM, CS_E_CRYPTO from signing (signer_sign; nothing
 * issued); CS_E_CONFLICT with out->reg NULL when the registration (office,
 * type, book, number) already has a document, the message naming it and
 * the document (the one just signed is dropped, unseen by anyone);
 * CS_E_UNAVAILABLE when the register cannot be read or written (nothing
 * registered); CS_E_INTERNAL.  out->sign_seconds is set whenever signing
 * finished, whatever followed.
 */
int signer_issue(struct signer *s, struct cs_store *st,
    const struct signer_request *rq, const char *idem_key,
    const struct cs_date *today, struct signer_issued *out,
    struct cs_problems *probs, struct cs_err *err);

void signer_issued_clear(struct signer_issued *is);

#endif
