/*
 * store/store.c — the register of issued documents and its hash-chained audit
 * log, on SQLite (see store.h for the contract).
 *
 * Connections and threads.  SQLite is used in "multi-thread" mode
 * (SQLITE_OPEN_NOMUTEX): a connection is never used by two threads at once,
 * and our own locks guarantee it, so SQLite's per-connection mutex would only
 * add cost.
 *   - One writer connection (st->wdb), used only while holding st->wmu, by
 *     whichever caller is the group-commit leader at the time (or by ping).
 *   - A pool of reader connections (st->rpool) for get/find/verify: a
 *     reader takes one, uses it alone, gives it back.  With WAL, readers see
 *     the last committed snapshot and never block the writer or each other.
 *
 * Group commit (leader/follower, no background thread).  cs_store_put and
 * cs_store_revoke validate their input, queue an item and wait.  The first
 * waiter that finds no leader becomes the leader: it takes everything queued
 * (up to WQ_BATCH_MAX), runs it in ONE transaction — BEGIN IMMEDIATE, one
 * SAVEPOINT per item so that a per-item failure (a uniqueness conflict, an
 * unknown supersede target) is rolled back alone, COMMIT — and only after
 * COMMIT has returned wakes every caller of the batch with its own result.
 * While a leader waits for its fsync, new requests pile up in the queue and
 * the next leader commits them together: one fsync for many documents, with
 * no timer and no added latency when the load is light.
 *
 * The audit log.  Every put and revoke appends an entry in the same
 * transaction as the change it records:
 *   hash = SHA-256(enc("civseal-audit-v1") || enc(prev_hash) || enc(seq) ||
 *                  enc(ts) || enc(event) || enc(doc_id) || enc(client) ||
 *                  enc(office) || enc(detail))
 * where enc(x) is the 8-byte big-endian length of x followed by its bytes
 * (seq as decimal text), so no two different entries encode alike.  The
 * first entry's prev_hash is 64 zeros.  The table head(seq, hash) holds the
 * last entry, updated in the same transaction, so that dropping entries from
 * the tail is seen too.
 *
 * What the chain proves, honestly: it detects an edit, a deletion or a
 * reordering made by someone who changes some rows without recomputing the
 * chain.  Someone with full write access to the file can rewrite documents,
 * audit entries and head consistently, and nothing inside the file can tell.
 * Detecting that needs an anchor outside their reach: the head hash
 * published periodically elsewhere (another system's log, a signed and
 * timestamped checkpoint, a transparency log), then compared with the
 * entry of that sequence number.
 */
#include "core/clock.h"
#include "core/hex.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#define STORE_SCHEMA_VERSION	1
#define STORE_BUSY_TIMEOUT_MS	5000
#define WQ_BATCH_MAX		256	/* documents per transaction at most */
#define RPOOL_MAX		16	/* idle reader connections kept */

static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

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
    /* DOMAIN.md §2: the number (số) is unique per office, book and type. */
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

/* Text columns of a document, in the order of DOC_COLS. */
#define DOC_FIELD(f) { #f, offsetof(struct cs_store_doc, f), \
	sizeof(((struct cs_store_doc *)0)->f) }
static const struct {
	const char *name;
	size_t off, len;
} doc_text[] = {
	DOC_FIELD(id), DOC_FIELD(type), DOC_FIELD(office),
	DOC_FIELD(reg_number), DOC_FIELD(reg_book), DOC_FIELD(reg_date),
	DOC_FIELD(sha256), DOC_FIELD(signed_at), DOC_FIELD(client),
	DOC_FIELD(idem_key), DOC_FIELD(request_sha256),
	DOC_FIELD(status_reason), DOC_FIELD(status_at),
	DOC_FIELD(superseded_by),
};
#undef DOC_FIELD
#define N_DOC_TEXT (sizeof(doc_text) / sizeof(doc_text[0]))
#define DOC_COLS "id, type, office, reg_number, reg_book, reg_date, sha256, " \
	"signed_at, client, idem_key, request_sha256, status_reason, " \
	"status_at, superseded_by, status, xml"
#define DOC_COL_STATUS	14
#define DOC_COL_XML	15

enum wq_kind { WQ_PUT, WQ_REVOKE };

/* One queued write; lives on its caller's stack until done is set. */
struct wq_item {
	enum wq_kind kind;
	const struct cs_store_doc *doc;		/* WQ_PUT */
	char detail[2048];			/* WQ_PUT: audit detail JSON */
	const char *id, *reason, *superseded_by, *client; /* WQ_REVOKE */
	struct cs_store_doc **existing;		/* WQ_PUT, may be NULL */
	struct cs_err *err;
	int rc;
	int done;				/* under qmu */
	struct wq_item *next;
};

/* The end of the audit chain, as the current transaction sees it. */
struct chain {
	long long seq;
	char hash[65];
};

struct cs_store {
	char *path;
	int readonly;

	sqlite3 *wdb;			/* writer; only under wmu */
	pthread_mutex_t wmu;

	pthread_mutex_t qmu;		/* the write queue and leadership */
	pthread_cond_t qcv;
	struct wq_item *qhead, **qtail;
	int leading;

	pthread_mutex_t rmu;		/* the reader pool */
	sqlite3 *rpool[RPOOL_MAX];
	size_t n_rpool;

	pthread_mutex_t smu;		/* stats */
	struct cs_store_stats stats;
};

/* --- small helpers ------------------------------------------------------ */

/* UTC with milliseconds, "2025-01-31T08:15:02.123Z". */
static void
utc_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
		snprintf(out, 32, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out, 32, "%.19s.%03uZ", buf,
	    (unsigned)(ts.tv_nsec / 1000000) % 1000u);
}

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* SHA-256 of a buffer, as lower-case hex. */
static int
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	cs_hex_encode(md, 32, out);
	return 0;
}

static int
enc_field(EVP_MD_CTX *ctx, const char *s)
{
	unsigned char len[8];
	uint64_t n = strlen(s);
	int i;

	for (i = 7; i >= 0; i--) {
		len[i] = (unsigned char)(n & 0xff);
		n >>= 8;
	}
	return EVP_DigestUpdate(ctx, len, 8) == 1 &&
	    EVP_DigestUpdate(ctx, s, strlen(s)) == 1;
}

/* The entry hash; see the comment at the top of the file. */
static int
audit_hash(const char *prev, long long seq, const char *ts, const char *event,
    const char *doc_id, const char *client, const char *office,
    const char *detail, char out[65])
{
	const char *fields[8];
	char seqs[24];
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	size_t i;
	int ok;

	snprintf(seqs, sizeof(seqs), "%lld", seq);
	fields[0] = prev; fields[1] = seqs; fields[2] = ts; fields[3] = event;
	fields[4] = doc_id; fields[5] = client; fields[6] = office;
	fields[7] = detail;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    enc_field(ctx, "civseal-audit-v1");
	for (i = 0; ok && i < 8; i++)
		ok = enc_field(ctx, fields[i]);
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	cs_hex_encode(md, 32, out);
	return 0;
}

const char *
cs_store_status_name(enum cs_doc_status s)
{
	switch (s) {
	case CS_STATUS_VALID:		return "valid";
	case CS_STATUS_REVOKED:		return "revoked";
	case CS_STATUS_SUPERSEDED:	return "superseded";
	default:			return "unknown";
	}
}

static int
status_from_name(const char *s, enum cs_doc_status *out)
{
	if (strcmp(s, "valid") == 0)
		*out = CS_STATUS_VALID;
	else if (strcmp(s, "revoked") == 0)
		*out = CS_STATUS_REVOKED;
	else if (strcmp(s, "superseded") == 0)
		*out = CS_STATUS_SUPERSEDED;
	else
		return -1;
	return 0;
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

/* --- SQLite plumbing ----------------------------------------------------- */

/* A database failure: the file, what we were doing, and SQLite's words. */
static int
db_err(const struct cs_store *st, sqlite3 *db, struct cs_err *err,
    const char *what)
{
	int ec = sqlite3_errcode(db);
	const char *hint = "";

	if (ec == SQLITE_BUSY || ec == SQLITE_LOCKED)
		hint = " (held by another process for more than 5 s)";
	return cs_err_set(err, CS_E_UNAVAILABLE, "register %s: %s: %s%s",
	    st->path, what, sqlite3_errmsg(db), hint);
}

static int
db_exec(const struct cs_store *st, sqlite3 *db, const char *sql,
    struct cs_err *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(st, db, err, sql);
	return 0;
}

/*
 * Statements are compiled once per connection and kept (a connection serves
 * one thread at a time): db_prep hands out the connection's idle statement of
 * that text, or compiles it; db_done resets it for the next use; db_close
 * finalises them all.  A statement is idle once reset: callers bind and step
 * straight after db_prep, so none is handed out twice.
 */
static int
db_prep(const struct cs_store *st, sqlite3 *db, const char *sql,
    sqlite3_stmt **out, struct cs_err *err)
{
	sqlite3_stmt *p = NULL;

	*out = NULL;
	while ((p = sqlite3_next_stmt(db, p)) != NULL)
		if (!sqlite3_stmt_busy(p) && strcmp(sqlite3_sql(p), sql) == 0) {
			*out = p;
			return 0;
		}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out,
	    NULL) != SQLITE_OK)
		return db_err(st, db, err, "preparing a statement");
	return 0;
}

static void
db_done(sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void
db_close(sqlite3 *db)
{
	sqlite3_stmt *p;

	while ((p = sqlite3_next_stmt(db, NULL)) != NULL)
		sqlite3_finalize(p);
	sqlite3_close(db);
}

/* One statement without results, through the kept statements. */
static int
db_run(const struct cs_store *st, sqlite3 *db, const char *sql,
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = db_prep(st, db, sql, &s, err)) != 0)
		return r;
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : db_err(st, db, err, sql);
	db_done(s);
	return r;
}

static void
bind_str(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v != NULL ? v : "", -1, SQLITE_STATIC);
}

/* One value of a single-row, single-column query; *found 0 when no row. */
static int
db_query_int(const struct cs_store *st, sqlite3 *db, const char *sql,
    long long *out, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = db_prep(st, db, sql, &s, err)) != 0)
		return r;
	if (sqlite3_step(s) != SQLITE_ROW) {
		r = db_err(st, db, err, sql);
		goto out;
	}
	*out = sqlite3_column_int64(s, 0);
	r = 0;
out:
	db_done(s);
	return r;
}

static int
db_connect(const struct cs_store *st, int flags, sqlite3 **out,
    struct cs_err *err)
{
	sqlite3 *db = NULL;
	int rc;

	*out = NULL;
	rc = sqlite3_open_v2(st->path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (db == NULL)
			return cs_err_set(err, CS_E_NOMEM,
			    "register %s: out of memory", st->path);
		cs_err_set(err, CS_E_UNAVAILABLE, "register %s: cannot open: %s",
		    st->path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return CS_E_UNAVAILABLE;
	}
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	*out = db;
	return 0;
}

/* --- the reader pool ----------------------------------------------------- */

static int
reader_get(struct cs_store *st, sqlite3 **out, struct cs_err *err)
{
	sqlite3 *db = NULL;
	int r;

	pthread_mutex_lock(&st->rmu);
	if (st->n_rpool > 0)
		db = st->rpool[--st->n_rpool];
	pthread_mutex_unlock(&st->rmu);
	if (db != NULL) {
		*out = db;
		return 0;
	}
	if (st->readonly)
		return db_connect(st, SQLITE_OPEN_READONLY, out, err);
	if ((r = db_connect(st, SQLITE_OPEN_READWRITE, &db, err)) != 0)
		return r;
	/* A reader never writes, even by mistake. */
	if ((r = db_exec(st, db, "PRAGMA query_only=1", err)) != 0) {
		sqlite3_close(db);
		return r;
	}
	*out = db;
	return 0;
}

static void
reader_put(struct cs_store *st, sqlite3 *db)
{
	if (db == NULL)
		return;
	pthread_mutex_lock(&st->rmu);
	if (st->n_rpool < RPOOL_MAX) {
		st->rpool[st->n_rpool++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&st->rmu);
	if (db != NULL)
		db_close(db);	/* the pool is full */
}

/* --- documents ------------------------------------------------------------ */

void
cs_store_doc_free(struct cs_store_doc *d)
{
	if (d == NULL)
		return;
	free(d->xml);
	free(d);
}

/* A document from a row selected with DOC_COLS. */
static int
doc_from_row(const struct cs_store *st, sqlite3_stmt *s, int with_xml,
    struct cs_store_doc **out, struct cs_err *err)
{
	struct cs_store_doc *d;
	const char *v;
	const void *blob;
	size_t i, n;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	for (i = 0; i < N_DOC_TEXT; i++) {
		v = col_text(s, (int)i);
		if ((n = strlen(v)) >= doc_text[i].len) {
			r = cs_err_set(err, CS_E_INVALID,
			    "register %s: document %.36s: %s is %zu bytes long "
			    "(at most %zu)", st->path, col_text(s, 0),
			    doc_text[i].name, n, doc_text[i].len - 1);
			goto out;
		}
		memcpy((char *)d + doc_text[i].off, v, n + 1);
	}
	if (status_from_name(col_text(s, DOC_COL_STATUS), &d->status) != 0) {
		r = cs_err_set(err, CS_E_INVALID,
		    "register %s: document %s has an unknown status", st->path,
		    d->id);
		goto out;
	}
	if (with_xml && sqlite3_column_type(s, DOC_COL_XML) != SQLITE_NULL) {
		blob = sqlite3_column_blob(s, DOC_COL_XML);
		n = (size_t)sqlite3_column_bytes(s, DOC_COL_XML);
		/* NUL-terminated for callers that treat it as a string. */
		if ((d->xml = malloc(n + 1)) == NULL) {
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
		if (n > 0)
			memcpy(d->xml, blob, n);
		d->xml[n] = '\0';
		d->xml_len = n;
	}
	*out = d;
	d = NULL;	/* transferred to caller */
	r = 0;
out:
	cs_store_doc_free(d);
	return r;
}

/*
 * Run a prepared query that selects DOC_COLS (at most one row).
 * CS_E_NOTFOUND when there is none (err untouched then: callers word it).
 */
static int
doc_query(const struct cs_store *st, sqlite3 *db, sqlite3_stmt *s,
    int with_xml, struct cs_store_doc **out, struct cs_err *err)
{
	int rc = sqlite3_step(s);

	*out = NULL;
	if (rc == SQLITE_DONE)
		return CS_E_NOTFOUND;
	if (rc != SQLITE_ROW)
		return db_err(st, db, err, "reading a document");
	return doc_from_row(st, s, with_xml, out, err);
}

int
cs_store_get(struct cs_store *st, const char *id, int with_xml,
    struct cs_store_doc **out, struct cs_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	*out = NULL;
	if (id == NULL)
		return cs_err_set(err, CS_E_USAGE, "cs_store_get: no id");
	if ((r = reader_get(st, &db, err)) != 0)
		return r;
	if ((r = db_prep(st, db, "SELECT " DOC_COLS " FROM documents "
	    "WHERE id = ?", &s, err)) != 0)
		goto out;
	bind_str(s, 1, id);
	r = doc_query(st, db, s, with_xml, out, err);
	if (r == CS_E_NOTFOUND)
		cs_err_set(err, r, "document %.64s is not in the register", id);
out:
	db_done(s);
	reader_put(st, db);
	return r;
}

int
cs_store_find_idem(struct cs_store *st, const char *client,
    const char *idem_key, struct cs_store_doc **out, struct cs_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int r;

	*out = NULL;
	if (client == NULL || idem_key == NULL || idem_key[0] == '\0')
		return cs_err_set(err, CS_E_NOTFOUND, "no idempotency key");
	if ((r = reader_get(st, &db, err)) != 0)
		return r;
	if ((r = db_prep(st, db, "SELECT " DOC_COLS " FROM documents "
	    "WHERE client = ? AND idem_key = ? AND idem_key <> ''", &s,
	    err)) != 0)
		goto out;
	bind_str(s, 1, client);
	bind_str(s, 2, idem_key);
	r = doc_query(st, db, s, 0, out, err);
	if (r == CS_E_NOTFOUND)
		cs_err_set(err, r, "client %.64s has no document under this "
		    "idempotency key", client);
out:
	db_done(s);
	reader_put(st, db);
	return r;
}

/* --- the audit log: appending ---------------------------------------------- */

static int
chain_load(const struct cs_store *st, struct chain *ch, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = db_prep(st, st->wdb, "SELECT seq, hash FROM head WHERE one = 1",
	    &s, err)) != 0)
		return r;
	if ((r = sqlite3_step(s)) != SQLITE_ROW) {
		r = r == SQLITE_DONE ? cs_err_set(err, CS_E_UNAVAILABLE,
		    "register %s: the audit head row is missing", st->path) :
		    db_err(st, st->wdb, err, "reading the audit head");
		goto out;
	}
	ch->seq = sqlite3_column_int64(s, 0);
	snprintf(ch->hash, sizeof(ch->hash), "%s", col_text(s, 1));
	r = 0;
out:
	db_done(s);
	return r;
}

static int
chain_store(const struct cs_store *st, const struct chain *ch,
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = db_prep(st, st->wdb, "UPDATE head SET seq = ?, hash = ? "
	    "WHERE one = 1", &s, err)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, ch->seq);
	bind_str(s, 2, ch->hash);
	r = sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(st->wdb) == 1 ? 0 :
	    db_err(st, st->wdb, err, "updating the audit head");
	db_done(s);
	return r;
}

/* Append one entry after ch, and advance ch. */
static int
audit_append(const struct cs_store *st, struct chain *ch, const char *ts,
    const char *event, const char *doc_id, const char *client,
    const char *office, const char *detail, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	char hash[65];
	long long seq = ch->seq + 1;
	int r;

	if (audit_hash(ch->hash, seq, ts, event, doc_id, client, office, detail,
	    hash) != 0)
		return cs_err_openssl(err, CS_E_CRYPTO, "audit entry hash");
	if ((r = db_prep(st, st->wdb, "INSERT INTO audit (seq, ts, event, "
	    "doc_id, client, office, detail, prev_hash, hash) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &s, err)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, seq);
	bind_str(s, 2, ts);
	bind_str(s, 3, event);
	bind_str(s, 4, doc_id);
	bind_str(s, 5, client);
	bind_str(s, 6, office);
	bind_str(s, 7, detail);
	bind_str(s, 8, ch->hash);
	bind_str(s, 9, hash);
	if (sqlite3_step(s) != SQLITE_DONE) {
		r = db_err(st, st->wdb, err, "appending to the audit log");
		goto out;
	}
	ch->seq = seq;
	memcpy(ch->hash, hash, sizeof(ch->hash));
	r = 0;
out:
	db_done(s);
	return r;
}

/*
 * The detail of an entry: the fields the verifier cross-checks against the
 * document row, as compact JSON with sorted keys.
 */
static int
detail_json(char *out, size_t outlen, struct cs_err *err, const char *fmt, ...)
{
	json_t *j;
	json_error_t jerr;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	j = json_vpack_ex(&jerr, 0, fmt, ap);
	va_end(ap);
	if (j == NULL)
		return cs_err_set(err, CS_E_INVALID, "audit detail: %s "
		    "(text must be UTF-8)", jerr.text);
	n = json_dumpb(j, out, outlen - 1, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (n == 0 || n >= outlen - 1)
		return cs_err_set(err, CS_E_INVALID, "audit detail too long");
	out[n] = '\0';
	return 0;
}

/* --- writes: the work of one queued item, inside the batch transaction ---- */

/* A single id looked up by a one-row query; *found set. */
static int
lookup_id(const struct cs_store *st, const char *sql, const char **args,
    int nargs, char found[37], struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int i, rc, r;

	found[0] = '\0';
	if ((r = db_prep(st, st->wdb, sql, &s, err)) != 0)
		return r;
	for (i = 0; i < nargs; i++)
		bind_str(s, i + 1, args[i]);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(found, 37, "%s", col_text(s, 0));
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    db_err(st, st->wdb, err, "looking up a document");
	db_done(s);
	return r;
}

static int
wq_do_put(const struct cs_store *st, struct chain *ch, struct wq_item *it,
    const char *now)
{
	const struct cs_store_doc *d = it->doc;
	const char *args[4];
	sqlite3_stmt *s = NULL;
	struct cs_store_doc *ex = NULL;
	char other[37];
	int r, rc;

	/*
	 * A retry of an earlier request — also one queued in this very batch,
	 * which this transaction already sees — gets the registered document.
	 */
	if (d->idem_key[0] != '\0') {
		if ((r = db_prep(st, st->wdb, "SELECT " DOC_COLS " FROM documents "
		    "WHERE client = ? AND idem_key = ? AND idem_key <> ''", &s,
		    it->err)) != 0)
			return r;
		bind_str(s, 1, d->client);
		bind_str(s, 2, d->idem_key);
		r = doc_query(st, st->wdb, s, 0, &ex, it->err);
		db_done(s);
		s = NULL;
		if (r == 0) {
			cs_err_set(it->err, CS_E_CONFLICT, "client %s already "
			    "registered document %s under this idempotency key",
			    d->client, ex->id);
			if (it->existing != NULL)
				*it->existing = ex;
			else
				cs_store_doc_free(ex);
			return CS_E_CONFLICT;
		}
		if (r != CS_E_NOTFOUND)
			return r;
	}
	args[0] = d->id;
	if ((r = lookup_id(st, "SELECT id FROM documents WHERE id = ?", args, 1,
	    other, it->err)) != 0)
		return r;
	if (other[0] != '\0')
		return cs_err_set(it->err, CS_E_CONFLICT,
		    "document id %s is already registered", d->id);
	args[0] = d->office; args[1] = d->type; args[2] = d->reg_book;
	args[3] = d->reg_number;
	if ((r = lookup_id(st, "SELECT id FROM documents WHERE office = ? AND "
	    "type = ? AND reg_book = ? AND reg_number = ?", args, 4, other,
	    it->err)) != 0)
		return r;
	if (other[0] != '\0')
		return cs_err_set(it->err, CS_E_CONFLICT, "registration number "
		    "%s of book %s (%s) at office %s is already registered to "
		    "document %s", d->reg_number, d->reg_book, d->type, d->office,
		    other);

	if ((r = db_prep(st, st->wdb, "INSERT INTO documents (id, type, office, "
	    "reg_number, reg_book, reg_date, sha256, signed_at, client, "
	    "idem_key, request_sha256, status, xml, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'valid', ?, ?)", &s,
	    it->err)) != 0)
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
	bind_str(s, 13, now);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		/* The look-ups above make this unlikely; the index decides. */
		r = rc == SQLITE_CONSTRAINT ?
		    cs_err_set(it->err, CS_E_CONFLICT, "document %s: %s", d->id,
			sqlite3_errmsg(st->wdb)) :
		    db_err(st, st->wdb, it->err, "inserting a document");
		db_done(s);
		return r;
	}
	db_done(s);
	return audit_append(st, ch, now, "issue", d->id, d->client, d->office,
	    it->detail, it->err);
}

static int
wq_do_revoke(const struct cs_store *st, struct chain *ch, struct wq_item *it,
    const char *now)
{
	const char *args[1];
	sqlite3_stmt *s = NULL;
	char sha[65], office[64], status[16], detail[2048], other[37];
	const char *sup = it->superseded_by;
	int r, rc;

	if ((r = db_prep(st, st->wdb, "SELECT status, sha256, office FROM "
	    "documents WHERE id = ?", &s, it->err)) != 0)
		return r;
	bind_str(s, 1, it->id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(status, sizeof(status), "%s", col_text(s, 0));
		snprintf(sha, sizeof(sha), "%s", col_text(s, 1));
		snprintf(office, sizeof(office), "%s", col_text(s, 2));
	}
	db_done(s);
	s = NULL;
	if (rc == SQLITE_DONE)
		return cs_err_set(it->err, CS_E_NOTFOUND, "document %s is not in "
		    "the register", it->id);
	if (rc != SQLITE_ROW)
		return db_err(st, st->wdb, it->err, "reading a document");
	if (strcmp(status, "valid") != 0)
		return cs_err_set(it->err, CS_E_CONFLICT, "document %s is "
		    "already %s", it->id, status);
	if (sup[0] != '\0') {
		args[0] = sup;
		if ((r = lookup_id(st, "SELECT id FROM documents WHERE id = ?",
		    args, 1, other, it->err)) != 0)
			return r;
		if (other[0] == '\0')
			return cs_err_set(it->err, CS_E_CONFLICT, "document %s "
			    "cannot be superseded by %s: no such document",
			    it->id, sup);
		r = detail_json(detail, sizeof(detail), it->err,
		    "{s:s, s:s, s:s, s:s}", "sha256", sha, "status", "superseded",
		    "reason", it->reason, "superseded_by", sup);
	} else
		r = detail_json(detail, sizeof(detail), it->err,
		    "{s:s, s:s, s:s}", "sha256", sha, "status", "revoked",
		    "reason", it->reason);
	if (r != 0)
		return r;

	if ((r = db_prep(st, st->wdb, "UPDATE documents SET status = ?, "
	    "status_reason = ?, status_at = ?, superseded_by = ? "
	    "WHERE id = ? AND status = 'valid'", &s, it->err)) != 0)
		return r;
	bind_str(s, 1, sup[0] != '\0' ? "superseded" : "revoked");
	bind_str(s, 2, it->reason);
	bind_str(s, 3, now);
	if (sup[0] != '\0')
		bind_str(s, 4, sup);
	else
		sqlite3_bind_null(s, 4);
	bind_str(s, 5, it->id);
	rc = sqlite3_step(s);
	db_done(s);
	if (rc != SQLITE_DONE || sqlite3_changes(st->wdb) != 1)
		return db_err(st, st->wdb, it->err, "updating a document status");
	return audit_append(st, ch, now, sup[0] != '\0' ? "supersede" : "revoke",
	    it->id, it->client, office, detail, it->err);
}

/* --- group commit ------------------------------------------------------------ */

static void
batch_fail(struct wq_item *batch, int code, const struct cs_err *why)
{
	struct wq_item *it;

	for (it = batch; it != NULL; it = it->next) {
		if (it->existing != NULL) {
			cs_store_doc_free(*it->existing);
			*it->existing = NULL;
		}
		it->rc = cs_err_set(it->err, code, "%s", why->msg);
	}
}

/*
 * Run one batch in one transaction.  Every item's rc is final on return and
 * no item reports success unless COMMIT returned SQLITE_OK.
 */
static void
batch_run(struct cs_store *st, struct wq_item *batch)
{
	struct wq_item *it;
	struct chain ch, before;
	struct cs_err berr = { 0, "" };
	char now[32];
	unsigned long long n_ok = 0;
	double t0, dt;

	pthread_mutex_lock(&st->wmu);
	/* commit_seconds: from BEGIN to the end of COMMIT (its fsync). */
	t0 = cs_mono_seconds();
	if (db_run(st, st->wdb, "BEGIN IMMEDIATE", &berr) != 0) {
		batch_fail(batch, CS_E_UNAVAILABLE, &berr);
		goto out;
	}
	if (chain_load(st, &ch, &berr) != 0)
		goto abort;
	utc_now(now);
	for (it = batch; it != NULL; it = it->next) {
		if (db_run(st, st->wdb, "SAVEPOINT item", &berr) != 0)
			goto abort;
		before = ch;
		it->rc = it->kind == WQ_PUT ? wq_do_put(st, &ch, it, now) :
		    wq_do_revoke(st, &ch, it, now);
		if (it->rc == 0) {
			if (db_run(st, st->wdb, "RELEASE item", &berr) != 0)
				goto abort;
			n_ok++;
			continue;
		}
		/*
		 * An I/O or disk-full error may have rolled back the whole
		 * transaction already; then nothing in it will commit.
		 */
		if (sqlite3_get_autocommit(st->wdb)) {
			cs_err_set(&berr, CS_E_UNAVAILABLE, "%s", it->err != NULL ?
			    it->err->msg : "register transaction rolled back");
			goto abort;
		}
		ch = before;
		if (db_run(st, st->wdb, "ROLLBACK TO item", &berr) != 0 ||
		    db_run(st, st->wdb, "RELEASE item", &berr) != 0)
			goto abort;
	}
	if (n_ok == 0) {
		/* Nothing to make durable: spare the fsync. */
		if (db_run(st, st->wdb, "ROLLBACK", &berr) != 0)
			goto abort;
		goto out;
	}
	if (chain_store(st, &ch, &berr) != 0 ||
	    db_run(st, st->wdb, "COMMIT", &berr) != 0)
		goto abort;
	dt = cs_mono_seconds() - t0;
	pthread_mutex_lock(&st->smu);
	st->stats.commits++;
	st->stats.rows += n_ok;
	st->stats.commit_seconds += dt;
	if (dt > st->stats.commit_seconds_max)
		st->stats.commit_seconds_max = dt;
	pthread_mutex_unlock(&st->smu);
	goto out;
abort:
	if (!sqlite3_get_autocommit(st->wdb))
		sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
	if (berr.code == 0)
		cs_err_set(&berr, CS_E_UNAVAILABLE, "register %s: transaction "
		    "failed", st->path);
	batch_fail(batch, CS_E_UNAVAILABLE, &berr);
out:
	pthread_mutex_unlock(&st->wmu);
}

/* Queue it, then wait until a leader (perhaps this caller) has run it. */
static int
wq_submit(struct cs_store *st, struct wq_item *it)
{
	struct wq_item *batch, *last, *p, *next;
	size_t n;

	it->done = 0;
	it->next = NULL;
	pthread_mutex_lock(&st->qmu);
	*st->qtail = it;
	st->qtail = &it->next;
	while (!it->done) {
		if (st->leading) {
			pthread_cond_wait(&st->qcv, &st->qmu);
			continue;
		}
		/* Lead: take up to WQ_BATCH_MAX items off the queue. */
		st->leading = 1;
		batch = st->qhead;
		for (last = batch, n = 1; last->next != NULL &&
		    n < WQ_BATCH_MAX; last = last->next, n++)
			;
		st->qhead = last->next;
		if (st->qhead == NULL)
			st->qtail = &st->qhead;
		last->next = NULL;
		pthread_mutex_unlock(&st->qmu);

		batch_run(st, batch);

		pthread_mutex_lock(&st->qmu);
		/* Still under qmu: no owner can return before we unlock. */
		for (p = batch; p != NULL; p = next) {
			next = p->next;
			p->done = 1;
		}
		st->leading = 0;
		pthread_cond_broadcast(&st->qcv);
	}
	pthread_mutex_unlock(&st->qmu);
	return it->rc;
}

/* --- the public write calls ---------------------------------------------- */

static int
valid_uuid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	}
	return s[36] == '\0';
}

static int
valid_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; i < 10; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != '-')
			return 0;
	return s[10] == '\0';
}

/* The checks that need no database, done before the write queue. */
static int
put_check(const struct cs_store_doc *d, struct cs_err *err)
{
	char sha[65];
	size_t i;

	for (i = 0; i < N_DOC_TEXT; i++)
		if (strnlen((const char *)d + doc_text[i].off, doc_text[i].len) >=
		    doc_text[i].len)
			return cs_err_set(err, CS_E_INVALID, "document %s is "
			    "not terminated or too long", doc_text[i].name);
	if (!valid_uuid(d->id))
		return cs_err_set(err, CS_E_INVALID, "document id '%s' is not "
		    "a UUID", d->id);
	if (strcmp(d->type, "birth") != 0 && strcmp(d->type, "death") != 0)
		return cs_err_set(err, CS_E_INVALID, "document %s: type '%s' is "
		    "not birth or death", d->id, d->type);
	if (d->office[0] == '\0' || d->reg_number[0] == '\0' ||
	    d->reg_book[0] == '\0' || d->client[0] == '\0' ||
	    d->signed_at[0] == '\0')
		return cs_err_set(err, CS_E_INVALID, "document %s: office, "
		    "reg_number, reg_book, client and signed_at are required",
		    d->id);
	if (!valid_date(d->reg_date))
		return cs_err_set(err, CS_E_INVALID, "document %s: reg_date "
		    "'%s' is not YYYY-MM-DD", d->id, d->reg_date);
	if (!is_hex64(d->sha256))
		return cs_err_set(err, CS_E_INVALID, "document %s: sha256 is "
		    "not 64 lower-case hex digits", d->id);
	if (d->request_sha256[0] != '\0' && !is_hex64(d->request_sha256))
		return cs_err_set(err, CS_E_INVALID, "document %s: "
		    "request_sha256 is not 64 lower-case hex digits", d->id);
	if (d->status != 0 && d->status != CS_STATUS_VALID)
		return cs_err_set(err, CS_E_INVALID, "document %s: a new "
		    "document must be valid, not %s", d->id,
		    cs_store_status_name(d->status));
	if (d->superseded_by[0] != '\0' || d->status_reason[0] != '\0')
		return cs_err_set(err, CS_E_INVALID, "document %s: a new "
		    "document has no status reason or successor", d->id);
	/* The register's sha256 is the fingerprint of the XML it keeps. */
	if (d->xml != NULL) {
		if (sha256_hex(d->xml, d->xml_len, sha) != 0)
			return cs_err_openssl(err, CS_E_CRYPTO, "SHA-256");
		if (strcmp(sha, d->sha256) != 0)
			return cs_err_set(err, CS_E_INVALID, "document %s: "
			    "sha256 does not match the XML given", d->id);
	}
	return 0;
}

int
cs_store_put(struct cs_store *st, const struct cs_store_doc *doc,
    struct cs_store_doc **existing, struct cs_err *err)
{
	struct wq_item it;
	int r;

	if (existing != NULL)
		*existing = NULL;
	if (st->readonly)
		return cs_err_set(err, CS_E_CONFIG, "register opened read-only");
	if (doc == NULL)
		return cs_err_set(err, CS_E_USAGE, "cs_store_put: no document");
	if ((r = put_check(doc, err)) != 0)
		return r;
	memset(&it, 0, sizeof(it));
	it.kind = WQ_PUT;
	it.doc = doc;
	it.existing = existing;
	it.err = err;
	if ((r = detail_json(it.detail, sizeof(it.detail), err,
	    "{s:s, s:s, s:s, s:s, s:s, s:s}", "sha256", doc->sha256,
	    "status", "valid", "type", doc->type, "reg_book", doc->reg_book,
	    "reg_number", doc->reg_number, "reg_date", doc->reg_date)) != 0)
		return r;
	return wq_submit(st, &it);
}

int
cs_store_revoke(struct cs_store *st, const char *id, const char *reason,
    const char *superseded_by, const char *client, struct cs_err *err)
{
	struct wq_item it;

	if (st->readonly)
		return cs_err_set(err, CS_E_CONFIG, "register opened read-only");
	if (id == NULL || id[0] == '\0')
		return cs_err_set(err, CS_E_USAGE, "cs_store_revoke: no id");
	if (reason == NULL || reason[0] == '\0')
		return cs_err_set(err, CS_E_INVALID, "revoking document %.64s: "
		    "a reason is required", id);
	if (strlen(reason) >= sizeof(((struct cs_store_doc *)0)->status_reason))
		return cs_err_set(err, CS_E_INVALID, "revoking document %.64s: "
		    "reason is longer than 255 bytes", id);
	if (superseded_by != NULL && strcmp(superseded_by, id) == 0)
		return cs_err_set(err, CS_E_CONFLICT, "document %.64s cannot "
		    "supersede itself", id);
	memset(&it, 0, sizeof(it));
	it.kind = WQ_REVOKE;
	it.id = id;
	it.reason = reason;
	it.superseded_by = superseded_by != NULL ? superseded_by : "";
	it.client = client != NULL ? client : "";
	it.err = err;
	return wq_submit(st, &it);
}

/* --- open, close, ping, stats ---------------------------------------------- */

static int
schema_check(const struct cs_store *st, sqlite3 *db, struct cs_err *err)
{
	long long v;
	int r;

	if ((r = db_query_int(st, db, "PRAGMA user_version", &v, err)) != 0)
		return r;
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	if (v == 0)
		return cs_err_set(err, CS_E_CONFIG, "%s is not a civseal "
		    "register (no schema)", st->path);
	return cs_err_set(err, CS_E_CONFIG, "register %s has schema version "
	    "%lld; this civseal knows version %d", st->path, v,
	    STORE_SCHEMA_VERSION);
}

/* The writer connection: durability settings, then the schema if absent. */
static int
writer_open(struct cs_store *st, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	long long v;
	int fd, r;

	/* Personal data: the file is not world-readable (-wal/-shm follow). */
	if ((fd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0)
		return cs_err_set(err, CS_E_UNAVAILABLE, "register %s: cannot "
		    "open: %s", st->path, strerror(errno));
	close(fd);
	if ((r = db_connect(st, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    &st->wdb, err)) != 0)
		return r;
	if ((r = db_prep(st, st->wdb, "PRAGMA journal_mode=WAL", &s, err)) != 0)
		return r;
	if (sqlite3_step(s) != SQLITE_ROW) {
		r = db_err(st, st->wdb, err, "PRAGMA journal_mode=WAL");
		goto out;
	}
	if (strcmp(col_text(s, 0), "wal") != 0) {
		r = cs_err_set(err, CS_E_UNAVAILABLE, "register %s: cannot "
		    "switch to WAL journal mode (got %s)", st->path,
		    col_text(s, 0));
		goto out;
	}
	db_done(s);
	s = NULL;
	/* FULL: a commit is on disk, WAL included, when COMMIT returns. */
	if ((r = db_exec(st, st->wdb, "PRAGMA synchronous=FULL", err)) != 0 ||
	    (r = db_exec(st, st->wdb, "PRAGMA foreign_keys=ON", err)) != 0 ||
	    (r = db_exec(st, st->wdb, "BEGIN IMMEDIATE", err)) != 0)
		goto out;
	if ((r = db_query_int(st, st->wdb, "PRAGMA user_version", &v, err)) != 0)
		goto rollback;
	if (v == 0) {
		if ((r = db_query_int(st, st->wdb, "SELECT count(*) FROM "
		    "sqlite_master", &v, err)) != 0)
			goto rollback;
		if (v != 0) {
			r = cs_err_set(err, CS_E_CONFIG, "%s is a database but "
			    "not a civseal register", st->path);
			goto rollback;
		}
		if ((r = db_exec(st, st->wdb, schema_sql, err)) != 0 ||
		    (r = db_exec(st, st->wdb, "PRAGMA user_version = 1", err)) != 0)
			goto rollback;
	} else if ((r = schema_check(st, st->wdb, err)) != 0)
		goto rollback;
	r = db_exec(st, st->wdb, "COMMIT", err);
	if (r == 0)
		goto out;
rollback:
	sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
out:
	db_done(s);
	return r;
}

int
cs_store_open(const char *path, int readonly, struct cs_store **out,
    struct cs_err *err)
{
	struct cs_store *st = NULL;
	sqlite3 *db = NULL;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return cs_err_set(err, CS_E_CONFIG, "no register path "
		    "([store] path)");
	/* Our locking relies on SQLite's own being compiled in. */
	if (!sqlite3_threadsafe())
		return cs_err_set(err, CS_E_CONFIG, "SQLite was built without "
		    "thread support");
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		free(st);
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	}
	st->readonly = readonly;
	st->qtail = &st->qhead;
	pthread_mutex_init(&st->wmu, NULL);
	pthread_mutex_init(&st->qmu, NULL);
	pthread_cond_init(&st->qcv, NULL);
	pthread_mutex_init(&st->rmu, NULL);
	pthread_mutex_init(&st->smu, NULL);
	if (!readonly && (r = writer_open(st, err)) != 0)
		goto out;
	/* A first reader proves the file readable as the register it claims. */
	if ((r = reader_get(st, &db, err)) != 0)
		goto out;
	if ((r = schema_check(st, db, err)) != 0)
		goto out;
	reader_put(st, db);
	db = NULL;
	*out = st;
	st = NULL;	/* transferred to caller */
	r = 0;
out:
	if (db != NULL)
		db_close(db);
	cs_store_close(st);
	return r;
}

void
cs_store_close(struct cs_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n_rpool; i++)
		db_close(st->rpool[i]);
	/* Last: the writer checkpoints the WAL into the database on close. */
	if (st->wdb != NULL)
		db_close(st->wdb);
	pthread_mutex_destroy(&st->wmu);
	pthread_mutex_destroy(&st->qmu);
	pthread_cond_destroy(&st->qcv);
	pthread_mutex_destroy(&st->rmu);
	pthread_mutex_destroy(&st->smu);
	free(st->path);
	free(st);
}

int
cs_store_ping(struct cs_store *st, struct cs_err *err)
{
	sqlite3 *db = NULL;
	long long v;
	int r;

	if ((r = reader_get(st, &db, err)) != 0)
		return r;
	r = db_query_int(st, db, "SELECT seq FROM head WHERE one = 1", &v, err);
	reader_put(st, db);
	if (r != 0 || st->readonly)
		return r;
	/* Prove the write lock can be taken (waits for a running batch). */
	pthread_mutex_lock(&st->wmu);
	if ((r = db_exec(st, st->wdb, "BEGIN IMMEDIATE", err)) == 0)
		r = db_exec(st, st->wdb, "ROLLBACK", err);
	pthread_mutex_unlock(&st->wmu);
	return r;
}

void
cs_store_stats(struct cs_store *st, struct cs_store_stats *out)
{
	pthread_mutex_lock(&st->smu);
	*out = st->stats;
	pthread_mutex_unlock(&st->smu);
}

/* --- the audit log: verification ------------------------------------------- */

/*
 * Walk the chain in sequence order.  Reports, in this order of precedence
 * for one entry: a gap, a broken link (prev_hash), an altered entry.
 */
static int
verify_chain(const struct cs_store *st, sqlite3 *db, size_t *entries,
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	char prev[65], hash[65];
	long long seq, want = 1, head_seq;
	int rc, r;

	memcpy(prev, zero_hash, sizeof(prev));
	if ((r = db_prep(st, db, "SELECT seq, ts, event, doc_id, client, office, "
	    "detail, prev_hash, hash FROM audit ORDER BY seq", &s, err)) != 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		if (seq != want) {
			if (want == 1)
				r = cs_err_set(err, CS_E_INVALID, "audit entry 1 "
				    "is missing (the log starts at %lld)", seq);
			else if (seq == want + 1)
				r = cs_err_set(err, CS_E_INVALID, "audit entry "
				    "%lld is missing (sequence jumps from %lld to "
				    "%lld)", want, want - 1, seq);
			else
				r = cs_err_set(err, CS_E_INVALID, "audit entries "
				    "%lld to %lld are missing (sequence jumps from "
				    "%lld to %lld)", want, seq - 1, want - 1, seq);
			goto out;
		}
		if (strcmp(col_text(s, 7), prev) != 0) {
			r = cs_err_set(err, CS_E_INVALID, "audit entry %lld does "
			    "not link to entry %lld (prev_hash differs): one of "
			    "them was altered", seq, seq - 1);
			goto out;
		}
		if (audit_hash(prev, seq, col_text(s, 1), col_text(s, 2),
		    col_text(s, 3), col_text(s, 4), col_text(s, 5),
		    col_text(s, 6), hash) != 0) {
			r = cs_err_openssl(err, CS_E_CRYPTO, "audit entry hash");
			goto out;
		}
		if (strcmp(hash, col_text(s, 8)) != 0) {
			r = cs_err_set(err, CS_E_INVALID, "audit entry %lld was "
			    "altered (its hash does not match its content)", seq);
			goto out;
		}
		memcpy(prev, hash, sizeof(prev));
		want++;
		(*entries)++;
	}
	if (rc != SQLITE_DONE) {
		r = db_err(st, db, err, "reading the audit log");
		goto out;
	}
	db_done(s);
	s = NULL;

	/* The tail: entries dropped from the end leave no gap, but a head. */
	if ((r = db_prep(st, db, "SELECT seq, hash FROM head WHERE one = 1", &s,
	    err)) != 0)
		return r;
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? cs_err_set(err, CS_E_INVALID, "the audit "
		    "head record is missing") :
		    db_err(st, db, err, "reading the audit head");
		goto out;
	}
	head_seq = sqlite3_column_int64(s, 0);
	if (head_seq > want - 1)
		r = cs_err_set(err, CS_E_INVALID, "the audit log was truncated: "
		    "it ends at entry %lld but entry %lld was written",
		    want - 1, head_seq);
	else if (head_seq < want - 1)
		r = cs_err_set(err, CS_E_INVALID, "audit entries %lld to %lld "
		    "were appended outside civseal (the head records entry %lld)",
		    head_seq + 1, want - 1, head_seq);
	else if (strcmp(col_text(s, 1), prev) != 0)
		r = cs_err_set(err, CS_E_INVALID, "audit entry %lld does not "
		    "match the recorded head (the log was rewritten)", head_seq);
	else
		r = 0;
out:
	db_done(s);
	return r;
}

/* A string member of a parsed detail, "" when absent. */
static const char *
jstr(json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	return v != NULL ? v : "";
}

/*
 * Replay one document's audit entries (already proven genuine by the chain)
 * and compare the outcome with its register row.
 */
static int
verify_doc(const struct cs_store *st, sqlite3 *db, sqlite3_stmt *row,
    struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	json_t *j = NULL;
	const char *id = col_text(row, 0), *event, *what = NULL;
	char status[16] = "", reason[256] = "", sup[37] = "", at[32] = "";
	char sha[65];
	const void *xml;
	long long seq, issue_seq = 0, last_seq = 0;
	int rc, r;

	if ((r = db_prep(st, db, "SELECT seq, event, client, office, detail, ts "
	    "FROM audit WHERE doc_id = ? ORDER BY seq", &s, err)) != 0)
		return r;
	bind_str(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		event = col_text(s, 1);
		json_decref(j);
		if ((j = json_loads(col_text(s, 4), 0, NULL)) == NULL) {
			r = cs_err_set(err, CS_E_INVALID, "audit entry %lld has "
			    "an unreadable detail", seq);
			goto out;
		}
		last_seq = seq;
		if (strcmp(event, "issue") == 0) {
			if (issue_seq != 0) {
				r = cs_err_set(err, CS_E_INVALID, "audit entry "
				    "%lld issues document %s a second time "
				    "(first: entry %lld)", seq, id, issue_seq);
				goto out;
			}
			issue_seq = seq;
			if (strcmp(col_text(s, 2), col_text(row, 8)) != 0)
				what = "client";
			else if (strcmp(col_text(s, 3), col_text(row, 2)) != 0)
				what = "office";
			else if (strcmp(jstr(j, "type"), col_text(row, 1)) != 0)
				what = "type";
			else if (strcmp(jstr(j, "reg_number"), col_text(row, 3)) != 0)
				what = "reg_number";
			else if (strcmp(jstr(j, "reg_book"), col_text(row, 4)) != 0)
				what = "reg_book";
			else if (strcmp(jstr(j, "reg_date"), col_text(row, 5)) != 0)
				what = "reg_date";
		} else if (issue_seq == 0) {
			r = cs_err_set(err, CS_E_INVALID, "audit entry %lld "
			    "changes document %s before it was issued", seq, id);
			goto out;
		}
		if (what == NULL && strcmp(jstr(j, "sha256"), col_text(row, 6)) != 0)
			what = "sha256";
		if (what != NULL) {
			r = cs_err_set(err, CS_E_INVALID, "document %s does not "
			    "match audit entry %lld (%s differs)", id, seq, what);
			goto out;
		}
		snprintf(status, sizeof(status), "%s", jstr(j, "status"));
		snprintf(reason, sizeof(reason), "%s", jstr(j, "reason"));
		snprintf(sup, sizeof(sup), "%s", jstr(j, "superseded_by"));
		if (strcmp(event, "issue") != 0)
			snprintf(at, sizeof(at), "%s", col_text(s, 5));
	}
	if (rc != SQLITE_DONE) {
		r = db_err(st, db, err, "reading the audit log");
		goto out;
	}
	if (issue_seq == 0) {
		r = cs_err_set(err, CS_E_INVALID, "document %s has no audit entry "
		    "(it was added outside civseal)", id);
		goto out;
	}
	if (strcmp(status, col_text(row, DOC_COL_STATUS)) != 0)
		what = "status";
	else if (strcmp(reason, col_text(row, 11)) != 0)
		what = "status_reason";
	else if (strcmp(at, col_text(row, 12)) != 0)
		what = "status_at";
	else if (strcmp(sup, col_text(row, 13)) != 0)
		what = "superseded_by";
	if (what != NULL) {
		r = cs_err_set(err, CS_E_INVALID, "document %s does not match "
		    "audit entry %lld (%s differs)", id, last_seq, what);
		goto out;
	}
	/* The XML kept must still be the XML whose digest was recorded. */
	if (sqlite3_column_type(row, DOC_COL_XML) != SQLITE_NULL) {
		xml = sqlite3_column_blob(row, DOC_COL_XML);
		if (sha256_hex(xml != NULL ? xml : "", (size_t)sqlite3_column_bytes(
		    row, DOC_COL_XML), sha) != 0) {
			r = cs_err_openssl(err, CS_E_CRYPTO, "SHA-256");
			goto out;
		}
		if (strcmp(sha, col_text(row, 6)) != 0) {
			r = cs_err_set(err, CS_E_INVALID, "document %s does not "
			    "match audit entry %lld (its stored XML has another "
			    "SHA-256)", id, issue_seq);
			goto out;
		}
	}
	r = 0;
out:
	json_decref(j);
	db_done(s);
	return r;
}

static int
verify_docs(const struct cs_store *st, sqlite3 *db, struct cs_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, r;

	if ((r = db_prep(st, db, "SELECT " DOC_COLS " FROM documents "
	    "ORDER BY created_at, id", &s, err)) != 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((r = verify_doc(st, db, s, err)) != 0)
			goto out;
	if (rc != SQLITE_DONE) {
		r = db_err(st, db, err, "reading the register");
		goto out;
	}
	db_done(s);
	s = NULL;
	/* And the other way round: an issued document deleted from the register. */
	if ((r = db_prep(st, db, "SELECT a.seq, a.doc_id FROM audit a "
	    "LEFT JOIN documents d ON d.id = a.doc_id WHERE d.id IS NULL "
	    "ORDER BY a.seq LIMIT 1", &s, err)) != 0)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = cs_err_set(err, CS_E_INVALID, "document %.64s of audit entry "
		    "%lld is missing from the register", col_text(s, 1),
		    (long long)sqlite3_column_int64(s, 0));
	else if (rc != SQLITE_DONE)
		r = db_err(st, db, err, "reading the audit log");
	else
		r = 0;
out:
	db_done(s);
	return r;
}

int
cs_store_audit_verify(struct cs_store *st, size_t *entries,
    struct cs_err *err)
{
	sqlite3 *db = NULL;
	size_t n = 0;
	int r;

	if (entries != NULL)
		*entries = 0;
	if ((r = reader_get(st, &db, err)) != 0)
		return r;
	/* One read transaction: one consistent snapshot of all three tables. */
	if ((r = db_exec(st, db, "BEGIN", err)) != 0)
		goto out;
	if ((r = verify_chain(st, db, &n, err)) == 0)
		r = verify_docs(st, db, err);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
out:
	if (entries != NULL)
		*entries = n;
	reader_put(st, db);
	return r;
}
