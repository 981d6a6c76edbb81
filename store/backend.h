/*
 * store/backend.h — what a register backend implements, and the row shapes
 * it hands back.  SQLite today (store/sqlite.c); a PostgreSQL backend on
 * libpq (store/pg.c) implements the same table.
 *
 * Everything that does not depend on the database lives above this table
 * and is shared by every backend: the public API, the choice of backend and
 * the reader pool (store/store.c); the group-commit queue and the rules of a
 * write — idempotency key, registration uniqueness, status changes
 * (store/commit.c); the audit chain's hashing, appending and verification
 * (store/audit.c).  A backend stores and finds rows and runs transactions:
 * it never decides whether a write is allowed, never hashes, never batches.
 *
 * Handles.  open() gives one struct cs_store_db per register (a file, a
 * server); connect() gives connections on it.  A connection is used by one
 * thread at a time (the callers guarantee it): one writer connection runs
 * every write transaction, under the group-commit lock; reader connections
 * run lookups and the audit verification.  Each backend defines both
 * structs for itself.
 *
 * Transactions (tx).  CS_TX_BEGIN_WRITE starts the write transaction and
 * serialises it against every other writer of the register, in this process
 * or in another one (SQLite: BEGIN IMMEDIATE; a server: lock the audit head
 * row), so that what the rules read inside it still holds at COMMIT.
 * CS_TX_COMMIT returns only once the transaction is durable.  SAVEPOINT,
 * RELEASE and ROLLBACK_TO undo one item of a batch and keep the others.
 * CS_TX_BEGIN_READ gives one consistent snapshot to several reads.
 * in_tx() tells whether a transaction is still open: a disk or I/O error
 * may have rolled the whole of it back.
 *
 * Errors.  CS_E_UNAVAILABLE when the database fails, the message naming
 * the register and what was being done (never a password); CS_E_NOTFOUND
 * with err untouched when a lookup finds no row; CS_E_CONFLICT when an
 * insert breaks a unique constraint (the rules look first, so this is the
 * database's last word on a race, not the usual path); CS_E_CONFIG at open
 * for something that is not a register or has another schema version;
 * CS_E_INVALID for a row that cannot be read back (too long, unknown
 * status: it was written outside civseal).
 */
#ifndef CS_STORE_BACKEND_H
#define CS_STORE_BACKEND_H

#include <stddef.h>

#include "core/err.h"
#include "store/store.h"

struct cs_store_db;		/* one register, as a backend opened it */
struct cs_store_conn;		/* one connection to it */

enum cs_store_tx {
	CS_TX_BEGIN_READ,
	CS_TX_BEGIN_WRITE,
	CS_TX_SAVEPOINT,
	CS_TX_RELEASE,
	CS_TX_ROLLBACK_TO,
	CS_TX_COMMIT,
	CS_TX_ROLLBACK,
};

/* How doc_find looks a document up, and the key values it takes. */
enum cs_store_by {
	CS_STORE_BY_ID,		/* id */
	CS_STORE_BY_IDEM,	/* client, idem_key (never "") */
	CS_STORE_BY_REG,	/* office, type, reg_book, reg_number */
};

/* The end of the audit chain: the last entry's number and hash. */
struct cs_audit_head {
	long long seq;		/* 0 while the log is empty */
	char hash[65];		/* 64 zeros while the log is empty */
};

/*
 * One audit entry as stored.  The strings belong to the backend and live
 * until the callback that receives the row returns.
 */
struct cs_audit_row {
	long long seq;
	const char *ts, *event, *doc_id, *client, *office, *detail;
	const char *prev_hash, *hash;
};

/* A scan's callback: 0 goes on; anything else stops the scan, returned. */
typedef int cs_store_doc_fn(const struct cs_store_doc *d, void *arg);
typedef int cs_store_audit_fn(const struct cs_audit_row *row, void *arg);

struct cs_store_ops {
	const char *scheme;	/* of its URL, "sqlite"; also its name */

	/*
	 * The register at target (the part of the URL after "scheme://", or a
	 * path), created with its schema unless readonly.  A read-only open
	 * never creates anything and proves the target is a register.
	 */
	int (*open)(const char *target, int readonly, struct cs_store_db **out,
	    struct cs_err *err);
	void (*close)(struct cs_store_db *db);
	int (*connect)(struct cs_store_db *db, int writer,
	    struct cs_store_conn **out, struct cs_err *err);
	void (*disconnect)(struct cs_store_conn *c);

	int (*tx)(struct cs_store_conn *c, enum cs_store_tx op,
	    struct cs_err *err);
	int (*in_tx)(struct cs_store_conn *c);

	/*
	 * The document with these key values (see enum cs_store_by); with_xml
	 * loads its XML too.  CS_E_NOTFOUND, err untouched, when none.
	 */
	int (*doc_find)(struct cs_store_conn *c, enum cs_store_by by,
	    const char *const *key, int with_xml, struct cs_store_doc **out,
	    struct cs_err *err);
	/* A new document row, status valid, created_at as given. */
	int (*doc_insert)(struct cs_store_conn *c, const struct cs_store_doc *d,
	    const char *created_at, struct cs_err *err);
	/*
	 * Move a valid document to status (revoked, or superseded by
	 * superseded_by), with its reason and time.  CS_E_CONFLICT when the
	 * document is not valid any more.
	 */
	int (*doc_set_status)(struct cs_store_conn *c, const char *id,
	    enum cs_doc_status status, const char *reason, const char *at,
	    const char *superseded_by, struct cs_err *err);
	/* Every document, XML included, in the order they were registered. */
	int (*doc_scan)(struct cs_store_conn *c, cs_store_doc_fn *each,
	    void *arg, struct cs_err *err);

	/* The audit head, read (and, in a write transaction, locked). */
	int (*head_get)(struct cs_store_conn *c, struct cs_audit_head *out,
	    struct cs_err *err);
	int (*head_set)(struct cs_store_conn *c, const struct cs_audit_head *h,
	    struct cs_err *err);
	int (*audit_insert)(struct cs_store_conn *c,
	    const struct cs_audit_row *row, struct cs_err *err);
	/* Entries in sequence order: every one, or only doc_id's. */
	int (*audit_scan)(struct cs_store_conn *c, const char *doc_id,
	    cs_store_audit_fn *each, void *arg, struct cs_err *err);
	/*
	 * The first entry whose document is not in the register: its seq and
	 * doc_id (cut to 64 bytes).  CS_E_NOTFOUND, err untouched, when none.
	 */
	int (*audit_orphan)(struct cs_store_conn *c, long long *seq,
	    char doc_id[65], struct cs_err *err);
};

extern const struct cs_store_ops cs_store_sqlite_ops;

/*
 * The text columns of a document row, in this order; then its status (a
 * name, see cs_store_status_name) and its XML.  SQL backends select them
 * in this order (CS_STORE_DOC_COLS) and build the document with
 * cs_store_doc_from_row.
 */
#define CS_STORE_DOC_TEXT_COLS 14
#define CS_STORE_DOC_COLS "id, type, office, reg_number, reg_book, " \
	"reg_date, sha256, signed_at, client, idem_key, request_sha256, " \
	"status_reason, status_at, superseded_by, status, xml"

/*
 * A document from a row's values: text[] in the order above (NULL reads as
 * ""), its status name, and its XML (has_xml 0: none, or not loaded).
 * CS_E_INVALID, naming where and the column, for a value too long for its
 * field or an unknown status; CS_E_NOMEM.
 */
int cs_store_doc_from_row(const char *where,
    const char *const text[CS_STORE_DOC_TEXT_COLS], const char *status,
    int has_xml, const void *xml, size_t xml_len, struct cs_store_doc **out,
    struct cs_err *err);

/* The SHA-256 of n bytes as lower-case hex.  0, or -1 when OpenSSL fails. */
int cs_store_sha256_hex(const void *p, size_t n, char out[65]);

/* UTC now with milliseconds, "2025-01-31T08:15:02.123Z". */
void cs_store_utc_now(char out[32]);

#endif
