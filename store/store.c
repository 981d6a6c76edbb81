/*
 * store/store.c — the register's public calls (see store.h): which backend
 * a location names, the reader pool, lookups, the checks a write passes
 * before it is queued, and the row shape every backend hands back.
 *
 * Where the rest is: the group commit and the rules of a write in
 * store/commit.c, the audit chain in store/audit.c, the database in one
 * file per backend (store/sqlite.c) behind the operations of
 * store/backend.h.
 *
 * Connections.  One writer connection, owned by the group commit (absent
 * when the register is opened read-only), and a pool of reader
 * connections for lookups and the audit verification: a reader takes one,
 * uses it alone, gives it back.
 */
#include "store/store.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "core/hex.h"
#include "store/audit.h"
#include "store/backend.h"
#include "store/commit.h"

#define RPOOL_MAX	16	/* idle reader connections kept */

struct cs_store {
	const struct cs_store_ops *ops;
	struct cs_store_db *db;
	int readonly;
	struct cs_commit *commit;	/* NULL when read-only */

	pthread_mutex_t rmu;		/* the reader pool */
	struct cs_store_conn *rpool[RPOOL_MAX];
	size_t n_rpool;
};

/* The backends built into this civseal, by URL scheme. */
static const struct cs_store_ops *const backends[] = {
	&cs_store_sqlite_ops,
};

/* Text fields of a document, in the column order of store/backend.h. */
#define DOC_FIELD(f) { #f, offsetof(struct cs_store_doc, f), \
	sizeof(((struct cs_store_doc *)0)->f) }
static const struct {
	const char *name;
	size_t off, len;
} doc_text[CS_STORE_DOC_TEXT_COLS] = {
	DOC_FIELD(id), DOC_FIELD(type), DOC_FIELD(office),
	DOC_FIELD(reg_number), DOC_FIELD(reg_book), DOC_FIELD(reg_date),
	DOC_FIELD(sha256), DOC_FIELD(signed_at), DOC_FIELD(client),
	DOC_FIELD(idem_key), DOC_FIELD(request_sha256),
	DOC_FIELD(status_reason), DOC_FIELD(status_at),
	DOC_FIELD(superseded_by),
};
#undef DOC_FIELD

/* --- small helpers shared by the store/ files ------------------------------ */

void
cs_store_utc_now(char out[32])
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

int
cs_store_sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
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

void
cs_store_doc_free(struct cs_store_doc *d)
{
	if (d == NULL)
		return;
	free(d->xml);
	free(d);
}

int
cs_store_doc_from_row(const char *where,
    const char *const text[CS_STORE_DOC_TEXT_COLS], const char *status,
    int has_xml, const void *xml, size_t xml_len, struct cs_store_doc **out,
    struct cs_err *err)
{
	struct cs_store_doc *d;
	const char *v;
	size_t i, n;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	for (i = 0; i < CS_STORE_DOC_TEXT_COLS; i++) {
		v = text[i] != NULL ? text[i] : "";
		if ((n = strlen(v)) >= doc_text[i].len) {
			r = cs_err_set(err, CS_E_INVALID, "register %s: document "
			    "%.36s: %s is %zu bytes long (at most %zu)", where,
			    text[0] != NULL ? text[0] : "", doc_text[i].name, n,
			    doc_text[i].len - 1);
			goto out;
		}
		memcpy((char *)d + doc_text[i].off, v, n + 1);
	}
	if (status_from_name(status != NULL ? status : "", &d->status) != 0) {
		r = cs_err_set(err, CS_E_INVALID, "register %s: document %s has "
		    "an unknown status", where, d->id);
		goto out;
	}
	if (has_xml) {
		/* NUL-terminated for callers that treat it as a string. */
		if ((d->xml = malloc(xml_len + 1)) == NULL) {
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
		if (xml_len > 0)
			memcpy(d->xml, xml, xml_len);
		d->xml[xml_len] = '\0';
		d->xml_len = xml_len;
	}
	*out = d;
	d = NULL;	/* transferred to caller */
	r = 0;
out:
	cs_store_doc_free(d);
	return r;
}

/* --- where the register is ------------------------------------------------- */

const char *
cs_store_location(const struct cs_config *cfg)
{
	return cfg->store_url != NULL ? cfg->store_url : cfg->store_path;
}

/*
 * The backend and its target for a location: "scheme://rest" names a
 * backend by its scheme; anything else is the path of an SQLite file.
 * Messages never repeat a URL that is not SQLite's: it may carry a
 * password.
 */
static int
pick_backend(const char *where, const struct cs_store_ops **ops,
    const char **target, struct cs_err *err)
{
	size_t i, n;

	for (n = 0; isalnum((unsigned char)where[n]) || where[n] == '+' ||
	    where[n] == '.' || where[n] == '-'; n++)
		;
	if (n == 0 || !isalpha((unsigned char)where[0]) ||
	    strncmp(where + n, "://", 3) != 0) {
		*ops = &cs_store_sqlite_ops;	/* a path */
		*target = where;
		return 0;
	}
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strlen(backends[i]->scheme) != n ||
		    strncasecmp(where, backends[i]->scheme, n) != 0)
			continue;
		*ops = backends[i];
		*target = where + n + 3;
		/* sqlite:///abs/path: no host, an absolute path, nothing after. */
		if (*ops == &cs_store_sqlite_ops && ((*target)[0] != '/' ||
		    strpbrk(*target, "?#") != NULL))
			return cs_err_set(err, CS_E_CONFIG, "register URL %s: "
			    "write sqlite:///absolute/path/to/register.db (no "
			    "host, no query)", where);
		return 0;
	}
	if ((n == 10 && strncasecmp(where, "postgresql", n) == 0) ||
	    (n == 8 && strncasecmp(where, "postgres", n) == 0))
		return cs_err_set(err, CS_E_CONFIG, "register URL postgresql://"
		    "…: the PostgreSQL register is not built yet; use an SQLite "
		    "register ([store] path = FILE, or url = sqlite:///FILE)");
	return cs_err_set(err, CS_E_CONFIG, "register URL scheme '%.*s' is "
	    "not known (sqlite:///FILE, or [store] path = FILE)", (int)n, where);
}

/* --- open, close ------------------------------------------------------------- */

int
cs_store_open(const char *where, int readonly, struct cs_store **out,
    struct cs_err *err)
{
	struct cs_store *st = NULL;
	struct cs_store_conn *w = NULL;
	const struct cs_store_ops *ops = NULL;
	const char *target = NULL;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if (where == NULL || where[0] == '\0')
		return cs_err_set(err, CS_E_CONFIG, "no register given "
		    "([store] path or url)");
	if ((r = pick_backend(where, &ops, &target, err)) != 0)
		return r;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	st->ops = ops;
	st->readonly = readonly;
	pthread_mutex_init(&st->rmu, NULL);
	if ((r = ops->open(target, readonly, &st->db, err)) != 0)
		goto out;
	if (!readonly) {
		if ((r = ops->connect(st->db, 1, &w, err)) != 0 ||
		    (r = cs_commit_new(ops, w, target, &st->commit, err)) != 0)
			goto out;	/* cs_commit_new disconnected w */
	}
	*out = st;
	st = NULL;	/* transferred to caller */
	r = 0;
out:
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
		st->ops->disconnect(st->rpool[i]);
	/* Last: SQLite's writer checkpoints the WAL into the file on close. */
	cs_commit_free(st->commit);
	if (st->db != NULL)
		st->ops->close(st->db);
	pthread_mutex_destroy(&st->rmu);
	free(st);
}

/* --- the reader pool ----------------------------------------------------------- */

static int
reader_get(struct cs_store *st, struct cs_store_conn **out, struct cs_err *err)
{
	struct cs_store_conn *c = NULL;

	pthread_mutex_lock(&st->rmu);
	if (st->n_rpool > 0)
		c = st->rpool[--st->n_rpool];
	pthread_mutex_unlock(&st->rmu);
	if (c != NULL) {
		*out = c;
		return 0;
	}
	return st->ops->connect(st->db, 0, out, err);
}

static void
reader_put(struct cs_store *st, struct cs_store_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&st->rmu);
	if (st->n_rpool < RPOOL_MAX) {
		st->rpool[st->n_rpool++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&st->rmu);
	st->ops->disconnect(c);	/* the pool is full, or NULL */
}

/* --- reads ---------------------------------------------------------------------- */

static int
find_one(struct cs_store *st, enum cs_store_by by, const char *const *key,
    int with_xml, struct cs_store_doc **out, struct cs_err *err)
{
	struct cs_store_conn *c = NULL;
	int r;

	if ((r = reader_get(st, &c, err)) != 0)
		return r;
	r = st->ops->doc_find(c, by, key, with_xml, out, err);
	reader_put(st, c);
	return r;
}

int
cs_store_get(struct cs_store *st, const char *id, int with_xml,
    struct cs_store_doc **out, struct cs_err *err)
{
	int r;

	*out = NULL;
	if (id == NULL)
		return cs_err_set(err, CS_E_USAGE, "cs_store_get: no id");
	r = find_one(st, CS_STORE_BY_ID, &id, with_xml, out, err);
	if (r == CS_E_NOTFOUND)
		cs_err_set(err, r, "document %.64s is not in the register", id);
	return r;
}

int
cs_store_find_idem(struct cs_store *st, const char *client,
    const char *idem_key, struct cs_store_doc **out, struct cs_err *err)
{
	const char *key[2] = { client, idem_key };
	int r;

	*out = NULL;
	if (client == NULL || idem_key == NULL || idem_key[0] == '\0')
		return cs_err_set(err, CS_E_NOTFOUND, "no idempotency key");
	r = find_one(st, CS_STORE_BY_IDEM, key, 0, out, err);
	if (r == CS_E_NOTFOUND)
		cs_err_set(err, r, "client %.64s has no document under this "
		    "idempotency key", client);
	return r;
}

int
cs_store_ping(struct cs_store *st, struct cs_err *err)
{
	struct cs_store_conn *c = NULL;
	struct cs_audit_head head;
	int r;

	if ((r = reader_get(st, &c, err)) != 0)
		return r;
	r = st->ops->head_get(c, &head, err);
	reader_put(st, c);
	if (r == CS_E_NOTFOUND)
		r = cs_err_set(err, CS_E_UNAVAILABLE, "the register's audit "
		    "head is missing");
	if (r != 0 || st->commit == NULL)
		return r;
	return cs_commit_ping(st->commit, err);
}

void
cs_store_stats(struct cs_store *st, struct cs_store_stats *out)
{
	if (st->commit != NULL)
		cs_commit_stats(st->commit, out);
	else
		memset(out, 0, sizeof(*out));
}

int
cs_store_audit_verify(struct cs_store *st, size_t *entries,
    struct cs_err *err)
{
	struct cs_store_conn *c = NULL;
	size_t n = 0;
	int r;

	if (entries != NULL)
		*entries = 0;
	if ((r = reader_get(st, &c, err)) != 0)
		return r;
	r = cs_audit_verify(st->ops, c, &n, err);
	if (entries != NULL)
		*entries = n;
	reader_put(st, c);
	return r;
}

/* --- writes: what needs no database, checked before the queue ------------- */

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

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

static int
put_check(const struct cs_store_doc *d, struct cs_err *err)
{
	char sha[65];
	size_t i;

	for (i = 0; i < CS_STORE_DOC_TEXT_COLS; i++)
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
		if (cs_store_sha256_hex(d->xml, d->xml_len, sha) != 0)
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
	int r;

	if (existing != NULL)
		*existing = NULL;
	if (st->readonly)
		return cs_err_set(err, CS_E_CONFIG, "register opened read-only");
	if (doc == NULL)
		return cs_err_set(err, CS_E_USAGE, "cs_store_put: no document");
	if ((r = put_check(doc, err)) != 0)
		return r;
	return cs_commit_put(st->commit, doc, existing, err);
}

int
cs_store_revoke(struct cs_store *st, const char *id, const char *reason,
    const char *superseded_by, const char *client, struct cs_err *err)
{
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
	return cs_commit_revoke(st->commit, id, reason, superseded_by, client,
	    err);
}
