/*
 * store/store.h — the register of issued documents and the audit log.
 *
 * One interface over backends (store/backend.h): SQLite today (WAL,
 * synchronous=FULL; store/sqlite.c), PostgreSQL later.  Every acknowledged
 * document is durable: cs_store_put returns only after its transaction is
 * committed to disk.  Commits from concurrent callers are grouped (group
 * commit) so that many documents share one fsync.  Every put and revoke
 * appends an entry to a hash-chained audit log in the same transaction.
 *
 * All functions are safe to call from several threads on one struct cs_store.
 */
#ifndef CS_STORE_H
#define CS_STORE_H

#include <stddef.h>
#include <time.h>

#include "core/config.h"
#include "core/err.h"

enum cs_doc_status {
	CS_STATUS_VALID = 1,
	CS_STATUS_REVOKED = 2,
	CS_STATUS_SUPERSEDED = 3,
};

/* One issued document, as registered. */
struct cs_store_doc {
	char id[37];			/* UUID */
	char type[8];			/* "birth" | "death" */
	char office[64];
	char reg_number[128];		/* registration number (số) */
	char reg_book[128];		/* register book (quyển số) */
	char reg_date[11];		/* YYYY-MM-DD */
	char sha256[65];		/* hex, of the signed XML */
	char signed_at[32];		/* UTC "…Z" */
	char client[64];		/* the client system that asked */
	char idem_key[256];		/* Idempotency-Key, "" if none */
	char request_sha256[65];	/* hex, of the request body */
	enum cs_doc_status status;
	char status_reason[256];	/* revocation reason, "" if valid */
	char status_at[32];		/* when revoked, "" if valid */
	char superseded_by[37];		/* "" unless superseded */
	char *xml;			/* the signed XML (owned), may be NULL */
	size_t xml_len;
};

struct cs_store;

/*
 * Open (creating if needed, unless readonly) the register at where: the
 * path of an SQLite file, or a URL naming the backend — sqlite:///PATH
 * (an absolute path); postgresql://… is refused (CS_E_CONFIG) until that
 * backend is built.  readonly opens it without write access (the
 * verifier's view) and never creates it.  CS_E_UNAVAILABLE when it cannot
 * be opened, CS_E_CONFIG when it is not a register of this version.
 */
int cs_store_open(const char *where, int readonly, struct cs_store **out,
    struct cs_err *err);

/* The register cfg names, for cs_store_open: [store] url or path; NULL if none. */
const char *cs_store_location(const struct cs_config *cfg);
void cs_store_close(struct cs_store *st);

/*
 * Register a new document and append its audit entry; durable on return.
 * When (client, idem_key) is already registered, nothing is written and
 * CS_E_CONFLICT is returned with *existing (caller frees) set to that
 * document (without xml).  A (office, type, book, number) already
 * registered to another document is CS_E_CONFLICT too, with *existing NULL
 * and a message naming it.  CS_E_UNAVAILABLE when the disk or database fails.
 */
int cs_store_put(struct cs_store *st, const struct cs_store_doc *doc,
    struct cs_store_doc **existing, struct cs_err *err);

/* The document with this id; with_xml loads the XML too. CS_E_NOTFOUND. */
int cs_store_get(struct cs_store *st, const char *id, int with_xml,
    struct cs_store_doc **out, struct cs_err *err);

/* The document registered under (client, idem_key), or CS_E_NOTFOUND. */
int cs_store_find_idem(struct cs_store *st, const char *client,
    const char *idem_key, struct cs_store_doc **out, struct cs_err *err);

/*
 * Revoke (superseded_by NULL or "") or supersede a valid document, with a
 * reason, and append the audit entry; durable on return.  CS_E_NOTFOUND;
 * CS_E_CONFLICT when it is not valid any more, or superseded_by is unknown.
 */
int cs_store_revoke(struct cs_store *st, const char *id, const char *reason,
    const char *superseded_by, const char *client, struct cs_err *err);

/* Is the register usable (a read and, unless read-only, a write lock)? */
int cs_store_ping(struct cs_store *st, struct cs_err *err);

void cs_store_doc_free(struct cs_store_doc *d);
const char *cs_store_status_name(enum cs_doc_status s); /* "valid"|… */

/*
 * Recompute the audit chain.  0 when intact; CS_E_INVALID with a message
 * naming the first entry (sequence number) altered, removed or out of
 * order, or a register row that does not match its audit entry.
 */
int cs_store_audit_verify(struct cs_store *st, size_t *entries,
    struct cs_err *err);

/* Commit statistics for /metrics: commits, documents committed, seconds spent. */
struct cs_store_stats {
	unsigned long long commits;
	unsigned long long rows;
	double commit_seconds;
	double commit_seconds_max;
};
void cs_store_stats(struct cs_store *st, struct cs_store_stats *out);

#endif
