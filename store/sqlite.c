/*
 * store/sqlite.c — the register on SQLite: one file, WAL journal,
 * synchronous=FULL (a COMMIT is on disk, WAL included, when it returns).
 * The embedded default; the operations of store/backend.h.
 *
 * Connections and threads.  SQLite is used in "multi-thread" mode
 * (SQLITE_OPEN_NOMUTEX): a connection is never used by two threads at once
 * (store/ guarantees it), so SQLite's per-connection mutex would only add
 * cost.  With WAL, readers see the last committed snapshot and never block
 * the writer or each other; BEGIN IMMEDIATE takes the file's write lock, so
 * writers in other processes wait for it (up to STORE_BUSY_TIMEOUT_MS).
 *
 * Statements are compiled once per connection and kept: prep hands out the
 * connection's idle statement of that text, or compiles it; done resets it
 * for the next use; disconnect finalises them all.  A statement is idle
 * once reset: callers bind and step straight after prep, so none is handed
 * out twice (a scan's callback may run other statements on the connection).
 */
#include "store/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define STORE_SCHEMA_VERSION	1
#define STORE_BUSY_TIMEOUT_MS	5000

/*
 * documents.superseded_by is NULL unless superseded (the API's ""), so that
 * the foreign key can name the document that replaces it.
 */
static const char schema_sql[] =
    "CREATE TABLE documents ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " type TEXT NOT NULL CHECK (type IN ('birth','death')),"
    " office TEXT NOT NULL,"
    " reg_number TEXT NOT NULL,"
    " reg_book TEXT NOT NULL,"
    " reg_date TEXT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " signed_at TEXT NOT NULL,"
    " client TEXT NOT NULL,"
    " idem_key TEXT NOT NULL DEFAULT '',"
    " request_sha256 TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL CHECK (status IN ('valid','revoked','superseded')),"
    " status_reason TEXT NOT NULL DEFAULT '',"
    " status_at TEXT NOT NULL DEFAULT '',"
    " superseded_by TEXT REFERENCES documents(id),"
    " xml BLOB,"
    " created_at TEXT NOT NULL,"
    /* docs/domain.md §2: the number (số) is unique per office, book, type. */
    " UNIQUE (office, type, reg_book, reg_number)"
    ");"
    "CREATE UNIQUE INDEX documents_idem ON documents(client, idem_key)"
    " WHERE idem_key <> '';"
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY,"
    " ts TEXT NOT NULL,"
    " event TEXT NOT NULL CHECK (event IN ('issue','revoke','supersede')),"
    " doc_id TEXT NOT NULL REFERENCES documents(id),"
    " client TEXT NOT NULL,"
    " office TEXT NOT NULL,"
    " detail TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL"
    ");"
    "CREATE INDEX audit_doc ON audit(doc_id, seq);"
    "CREATE TABLE head ("
    " one INTEGER PRIMARY KEY CHECK (one = 1),"
    " seq INTEGER NOT NULL,"
    " hash TEXT NOT NULL"
    ");"
    "INSERT INTO head VALUES (1, 0,"
    " '0000000000000000000000000000000000000000000000000000000000000000');";

#define DOC_COL_STATUS	CS_STORE_DOC_TEXT_COLS
#define DOC_COL_XML	(CS_STORE_DOC_TEXT_COLS + 1)

#define AUDIT_COLS "seq, ts, event, doc_id, client, office, detail, " \
	"prev_hash, hash"

struct cs_store_db {
	char *path;
	int readonly;
};

struct cs_store_conn {
	const struct cs_store_db *db;
	sqlite3 *h;
};

/* --- plumbing ------------------------------------------------------------- */

static const char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

/* A database failure: the file, what we were doing, and SQLite's words. */
static int
db_err(const struct cs_store_conn *c, struct cs_err *err, const char *what)
{
	int ec = sqlite3_errcode(c->h);
	const char *hint = "";

	if (ec == SQLITE_BUSY || ec == SQLITE_LOCKED)
		hint = " (held by another process for more than 5 s)";
	return cs_err_set(err, CS_E_UNAVAILABLE, "register %s: %s: %s%s",
	    c->db->path, what, sqlite3_errmsg(c->h), hint);
}

static int
db_exec(const struct cs_store_conn *c, const char *sql, struct cs_err *err)
{
	if (sqlite3_exec(c->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(c, err, sql);
	return 0;
}

/* The connection's idle statement of this text, or a new one; see the top. */
static int
prep(const struct cs_store_conn *c, const char *sql, sqlite3_stmt **out,
    struct cs_err *err)
{
	sqlite3_stmt *p = NULL;

	*out = NULL;
	while ((p = sqlite3_next_stmt(c->h, p)) != NULL)
		if (!sqlite3_stmt_busy(p) && strcmp(sqlite3_sql(p), sql) == 0) {
			*out = p;
			return 0;
		}
	if (sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, out,
	    NULL) != SQLITE_OK)
		return db_err(c, err, "preparing a statement");
	return 0;
}

static void
done(sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* One statement without results, through the kept statements. */
static int
run(const struct cs_store_conn *c, const char *sql, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, sql, &s, err)) != 0)
		return r;
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : db_err(c, err, sql);
	done(s);
	return r;
}

static void
bind_str(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v != NULL ? v : "", -1, SQLITE_STATIC);
}

/* The value of a single-row, single-column query. */
static int
query_int(const struct cs_store_conn *c, const char *sql, long long *out,
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, sql, &s, err)) != 0)
		return r;
	if (sqlite3_step(s) != SQLITE_ROW) {
		r = db_err(c, err, sql);
		goto out;
	}
	*out = sqlite3_column_int64(s, 0);
	r = 0;
out:
	done(s);
	return r;
}

/* --- connections ------------------------------------------------------------ */

static void
sq_disconnect(struct cs_store_conn *c)
{
	sqlite3_stmt *p;

	if (c == NULL)
		return;
	while ((p = sqlite3_next_stmt(c->h, NULL)) != NULL)
		sqlite3_finalize(p);
	/* The last connection checkpoints the WAL into the database. */
	sqlite3_close(c->h);
	free(c);
}

static int
sq_open_handle(const struct cs_store_db *db, int flags,
    struct cs_store_conn **out, struct cs_err *err)
{
	struct cs_store_conn *c;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	c->db = db;
	rc = sqlite3_open_v2(db->path, &c->h, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (c->h == NULL)
			rc = cs_err_set(err, CS_E_NOMEM, "register %s: out of "
			    "memory", db->path);
		else
			rc = cs_err_set(err, CS_E_UNAVAILABLE, "register %s: "
			    "cannot open: %s", db->path, sqlite3_errmsg(c->h));
		sqlite3_close(c->h);
		free(c);
		return rc;
	}
	sqlite3_busy_timeout(c->h, STORE_BUSY_TIMEOUT_MS);
	*out = c;
	return 0;
}

/* The writer's durability settings: WAL, synchronous=FULL, foreign keys. */
static int
writer_settings(struct cs_store_conn *c, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, "PRAGMA journal_mode=WAL", &s, err)) != 0)
		return r;
	if (sqlite3_step(s) != SQLITE_ROW)
		r = db_err(c, err, "PRAGMA journal_mode=WAL");
	else if (strcmp(col_text(s, 0), "wal") != 0)
		r = cs_err_set(err, CS_E_UNAVAILABLE, "register %s: cannot "
		    "switch to WAL journal mode (got %s)", c->db->path,
		    col_text(s, 0));
	done(s);
	if (r != 0)
		return r;
	/* FULL: a commit is on disk, WAL included, when COMMIT returns. */
	if ((r = db_exec(c, "PRAGMA synchronous=FULL", err)) != 0)
		return r;
	return db_exec(c, "PRAGMA foreign_keys=ON", err);
}

static int
sq_connect(struct cs_store_db *db, int writer, struct cs_store_conn **out,
    struct cs_err *err)
{
	struct cs_store_conn *c = NULL;
	int r;

	*out = NULL;
	if (writer && db->readonly)
		return cs_err_set(err, CS_E_CONFIG, "register opened read-only");
	if ((r = sq_open_handle(db, db->readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE, &c, err)) != 0)
		return r;
	/* A reader never writes, even by mistake. */
	r = writer ? writer_settings(c, err) : db->readonly ? 0 :
	    db_exec(c, "PRAGMA query_only=1", err);
	if (r != 0) {
		sq_disconnect(c);
		return r;
	}
	*out = c;
	return 0;
}

/* --- open, schema ---------------------------------------------------------- */

static int
schema_check(const struct cs_store_conn *c, struct cs_err *err)
{
	long long v;
	int r;

	if ((r = query_int(c, "PRAGMA user_version", &v, err)) != 0)
		return r;
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	if (v == 0)
		return cs_err_set(err, CS_E_CONFIG, "%s is not a civseal "
		    "register (no schema)", c->db->path);
	return cs_err_set(err, CS_E_CONFIG, "register %s has schema version "
	    "%lld; this civseal knows version %d", c->db->path, v,
	    STORE_SCHEMA_VERSION);
}

/* Create the schema in an empty file, or check the one that is there. */
static int
schema_create(struct cs_store_conn *c, struct cs_err *err)
{
	long long v;
	int r;

	if ((r = db_exec(c, "BEGIN IMMEDIATE", err)) != 0)
		return r;
	if ((r = query_int(c, "PRAGMA user_version", &v, err)) != 0)
		goto rollback;
	if (v == 0) {
		if ((r = query_int(c, "SELECT count(*) FROM sqlite_master", &v,
		    err)) != 0)
			goto rollback;
		if (v != 0) {
			r = cs_err_set(err, CS_E_CONFIG, "%s is a database but "
			    "not a civseal register", c->db->path);
			goto rollback;
		}
		if ((r = db_exec(c, schema_sql, err)) != 0 ||
		    (r = db_exec(c, "PRAGMA user_version = 1", err)) != 0)
			goto rollback;
	} else if ((r = schema_check(c, err)) != 0)
		goto rollback;
	if ((r = db_exec(c, "COMMIT", err)) == 0)
		return 0;
rollback:
	sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static void
sq_close(struct cs_store_db *db)
{
	if (db == NULL)
		return;
	free(db->path);
	free(db);
}

static int
sq_open(const char *target, int readonly, struct cs_store_db **out,
    struct cs_err *err)
{
	struct cs_store_db *db = NULL;
	struct cs_store_conn *c = NULL;
	int fd, r;

	*out = NULL;
	/* store/ relies on SQLite's own locking being compiled in. */
	if (!sqlite3_threadsafe())
		return cs_err_set(err, CS_E_CONFIG, "SQLite was built without "
		    "thread support");
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->path = strdup(target)) == NULL) {
		free(db);
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	}
	db->readonly = readonly;
	if (!readonly) {
		/* Personal data: the file is not world-readable (-wal/-shm follow). */
		if ((fd = open(target, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
			r = cs_err_set(err, CS_E_UNAVAILABLE, "register %s: "
			    "cannot open: %s", target, strerror(errno));
			goto out;
		}
		close(fd);
		if ((r = sq_connect(db, 1, &c, err)) != 0 ||
		    (r = schema_create(c, err)) != 0)
			goto out;
		sq_disconnect(c);
		c = NULL;
	}
	/* A first reader proves the file readable as the register it claims. */
	if ((r = sq_connect(db, 0, &c, err)) != 0 ||
	    (r = schema_check(c, err)) != 0)
		goto out;
	*out = db;
	db = NULL;	/* transferred to caller */
	r = 0;
out:
	sq_disconnect(c);
	sq_close(db);
	return r;
}

/* --- transactions ------------------------------------------------------------- */

static int
sq_tx(struct cs_store_conn *c, enum cs_store_tx op, struct cs_err *err)
{
	static const char *const sql[] = {
		[CS_TX_BEGIN_READ] = "BEGIN",
		[CS_TX_BEGIN_WRITE] = "BEGIN IMMEDIATE",
		[CS_TX_SAVEPOINT] = "SAVEPOINT item",
		[CS_TX_RELEASE] = "RELEASE item",
		[CS_TX_ROLLBACK_TO] = "ROLLBACK TO item",
		[CS_TX_COMMIT] = "COMMIT",
		[CS_TX_ROLLBACK] = "ROLLBACK",
	};

	if ((unsigned)op >= sizeof(sql) / sizeof(sql[0]))
		return cs_err_set(err, CS_E_INTERNAL, "unknown transaction step");
	return run(c, sql[op], err);
}

static int
sq_in_tx(struct cs_store_conn *c)
{
	return !sqlite3_get_autocommit(c->h);
}

/* --- documents ----------------------------------------------------------------- */

/* The document of a row selected with CS_STORE_DOC_COLS. */
static int
doc_of_row(const struct cs_store_conn *c, sqlite3_stmt *s, int with_xml,
    struct cs_store_doc **out, struct cs_err *err)
{
	const char *text[CS_STORE_DOC_TEXT_COLS];
	int i, has_xml;

	for (i = 0; i < CS_STORE_DOC_TEXT_COLS; i++)
		text[i] = col_text(s, i);
	has_xml = with_xml && sqlite3_column_type(s, DOC_COL_XML) != SQLITE_NULL;
	return cs_store_doc_from_row(c->db->path, text,
	    col_text(s, DOC_COL_STATUS), has_xml,
	    has_xml ? sqlite3_column_blob(s, DOC_COL_XML) : NULL,
	    has_xml ? (size_t)sqlite3_column_bytes(s, DOC_COL_XML) : 0, out,
	    err);
}

static int
sq_doc_find(struct cs_store_conn *c, enum cs_store_by by,
    const char *const *key, int with_xml, struct cs_store_doc **out,
    struct cs_err *err)
{
	static const struct {
		const char *sql;
		int nkey;
	} q[] = {
		[CS_STORE_BY_ID] = { "SELECT " CS_STORE_DOC_COLS " FROM documents "
		    "WHERE id = ?", 1 },
		[CS_STORE_BY_IDEM] = { "SELECT " CS_STORE_DOC_COLS " FROM "
		    "documents WHERE client = ? AND idem_key = ? AND "
		    "idem_key <> ''", 2 },
		[CS_STORE_BY_REG] = { "SELECT " CS_STORE_DOC_COLS " FROM "
		    "documents WHERE office = ? AND type = ? AND reg_book = ? "
		    "AND reg_number = ?", 4 },
	};
	sqlite3_stmt *s = NULL;
	int i, rc, r;

	*out = NULL;
	if ((unsigned)by >= sizeof(q) / sizeof(q[0]))
		return cs_err_set(err, CS_E_INTERNAL, "unknown document key");
	if ((r = prep(c, q[by].sql, &s, err)) != 0)
		return r;
	for (i = 0; i < q[by].nkey; i++)
		bind_str(s, i + 1, key[i]);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		r = CS_E_NOTFOUND;
	else if (rc != SQLITE_ROW)
		r = db_err(c, err, "reading a document");
	else
		r = doc_of_row(c, s, with_xml, out, err);
	done(s);
	return r;
}

static int
sq_doc_insert(struct cs_store_conn *c, const struct cs_store_doc *d,
    const char *created_at, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, r;

	if ((r = prep(c, "INSERT INTO documents (id, type, office, reg_number, "
	    "reg_book, reg_date, sha256, signed_at, client, idem_key, "
	    "request_sha256, status, xml, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'valid', ?, ?)", &s, err)) != 0)
		return r;
	bind_str(s, 1, d->id);
	bind_str(s, 2, d->type);
	bind_str(s, 3, d->office);
	bind_str(s, 4, d->reg_number);
	bind_str(s, 5, d->reg_book);
	bind_str(s, 6, d->reg_date);
	bind_str(s, 7, d->sha256);
	bind_str(s, 8, d->signed_at);
	bind_str(s, 9, d->client);
	bind_str(s, 10, d->idem_key);
	bind_str(s, 11, d->request_sha256);
	if (d->xml != NULL)
		sqlite3_bind_blob64(s, 12, d->xml, d->xml_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 12);
	bind_str(s, 13, created_at);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		r = 0;
	else if (rc == SQLITE_CONSTRAINT)
		r = cs_err_set(err, CS_E_CONFLICT, "document %s: %s", d->id,
		    sqlite3_errmsg(c->h));
	else
		r = db_err(c, err, "inserting a document");
	done(s);
	return r;
}

static int
sq_doc_set_status(struct cs_store_conn *c, const char *id,
    enum cs_doc_status status, const char *reason, const char *at,
    const char *superseded_by, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, r;

	if ((r = prep(c, "UPDATE documents SET status = ?, status_reason = ?, "
	    "status_at = ?, superseded_by = ? WHERE id = ? AND "
	    "status = 'valid'", &s, err)) != 0)
		return r;
	bind_str(s, 1, cs_store_status_name(status));
	bind_str(s, 2, reason);
	bind_str(s, 3, at);
	if (superseded_by != NULL && superseded_by[0] != '\0')
		bind_str(s, 4, superseded_by);
	else
		sqlite3_bind_null(s, 4);
	bind_str(s, 5, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = db_err(c, err, "updating a document status");
	else if (sqlite3_changes(c->h) != 1)
		r = cs_err_set(err, CS_E_CONFLICT, "document %s is not valid "
		    "any more", id);
	done(s);
	return r;
}

static int
sq_doc_scan(struct cs_store_conn *c, cs_store_doc_fn *each, void *arg,
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	struct cs_store_doc *d;
	int rc, r;

	if ((r = prep(c, "SELECT " CS_STORE_DOC_COLS " FROM documents "
	    "ORDER BY created_at, id", &s, err)) != 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = doc_of_row(c, s, 1, &d, err)) != 0)
			goto out;
		r = each(d, arg);
		cs_store_doc_free(d);
		if (r != 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : db_err(c, err, "reading the register");
out:
	done(s);
	return r;
}

/* --- the audit log and its head ---------------------------------------------- */

static int
sq_head_get(struct cs_store_conn *c, struct cs_audit_head *out,
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, r;

	if ((r = prep(c, "SELECT seq, hash FROM head WHERE one = 1", &s,
	    err)) != 0)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->seq = sqlite3_column_int64(s, 0);
		snprintf(out->hash, sizeof(out->hash), "%s", col_text(s, 1));
		r = 0;
	} else
		r = rc == SQLITE_DONE ? CS_E_NOTFOUND :
		    db_err(c, err, "reading the audit head");
	done(s);
	return r;
}

static int
sq_head_set(struct cs_store_conn *c, const struct cs_audit_head *h,
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, "UPDATE head SET seq = ?, hash = ? WHERE one = 1", &s,
	    err)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, h->seq);
	bind_str(s, 2, h->hash);
	r = sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(c->h) == 1 ? 0 :
	    db_err(c, err, "updating the audit head");
	done(s);
	return r;
}

static int
sq_audit_insert(struct cs_store_conn *c, const struct cs_audit_row *row,
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = prep(c, "INSERT INTO audit (" AUDIT_COLS ") VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?)", &s, err)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, row->seq);
	bind_str(s, 2, row->ts);
	bind_str(s, 3, row->event);
	bind_str(s, 4, row->doc_id);
	bind_str(s, 5, row->client);
	bind_str(s, 6, row->office);
	bind_str(s, 7, row->detail);
	bind_str(s, 8, row->prev_hash);
	bind_str(s, 9, row->hash);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 :
	    db_err(c, err, "appending to the audit log");
	done(s);
	return r;
}

static int
sq_audit_scan(struct cs_store_conn *c, const char *doc_id,
    cs_store_audit_fn *each, void *arg, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	struct cs_audit_row row;
	int rc, r;

	if ((r = prep(c, doc_id != NULL ? "SELECT " AUDIT_COLS " FROM audit "
	    "WHERE doc_id = ? ORDER BY seq" : "SELECT " AUDIT_COLS " FROM "
	    "audit ORDER BY seq", &s, err)) != 0)
		return r;
	if (doc_id != NULL)
		bind_str(s, 1, doc_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row.seq = sqlite3_column_int64(s, 0);
		row.ts = col_text(s, 1);
		row.event = col_text(s, 2);
		row.doc_id = col_text(s, 3);
		row.client = col_text(s, 4);
		row.office = col_text(s, 5);
		row.detail = col_text(s, 6);
		row.prev_hash = col_text(s, 7);
		row.hash = col_text(s, 8);
		if ((r = each(&row, arg)) != 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : db_err(c, err, "reading the audit log");
out:
	done(s);
	return r;
}

static int
sq_audit_orphan(struct cs_store_conn *c, long long *seq, char doc_id[65],
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, r;

	if ((r = prep(c, "SELECT a.seq, a.doc_id FROM audit a LEFT JOIN "
	    "documents d ON d.id = a.doc_id WHERE d.id IS NULL ORDER BY a.seq "
	    "LIMIT 1", &s, err)) != 0)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		snprintf(doc_id, 65, "%.64s", col_text(s, 1));
		r = 0;
	} else
		r = rc == SQLITE_DONE ? CS_E_NOTFOUND :
		    db_err(c, err, "reading the audit log");
	done(s);
	return r;
}

const struct cs_store_ops cs_store_sqlite_ops = {
	.scheme = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.tx = sq_tx,
	.in_tx = sq_in_tx,
	.doc_find = sq_doc_find,
	.doc_insert = sq_doc_insert,
	.doc_set_status = sq_doc_set_status,
	.doc_scan = sq_doc_scan,
	.head_get = sq_head_get,
	.head_set = sq_head_set,
	.audit_insert = sq_audit_insert,
	.audit_scan = sq_audit_scan,
	.audit_orphan = sq_audit_orphan,
};
