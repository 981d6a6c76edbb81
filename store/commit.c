/*
 * store/commit.c — the register's writes; see commit.h.
 *
 * Group commit (leader/follower, no background thread).  cs_store_put and
 * cs_store_revoke check their input, queue an item and wait.  The first
 * waiter that finds no leader becomes the leader: it takes everything queued
 * (up to WQ_BATCH_MAX), runs it in ONE transaction on the writer connection
 * — CS_TX_BEGIN_WRITE, one savepoint per item so that a per-item failure (a
 * uniqueness conflict, an unknown supersede target) is rolled back alone,
 * CS_TX_COMMIT — and only after the commit has returned wakes every caller
 * of the batch with its own result.  While a leader waits for its fsync,
 * new requests pile up in the queue and the next leader commits them
 * together: one fsync for many documents, with no timer and no added
 * latency when the load is light.
 *
 * The rules of a write are checked here, inside that transaction, so that
 * they hold at commit whatever other writers do (the backend's
 * CS_TX_BEGIN_WRITE serialises writers, across processes too): a retry
 * with a known (client, idempotency key) gets the registered document; a
 * document id, and a registration (office, type, book, number), is
 * registered once; only a valid document is revoked or superseded, and
 * only by a registered one.  Each change appends its audit entry
 * (store/audit.c) in the same transaction.
 */
#include "store/commit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/audit.h"

#define WQ_BATCH_MAX	256	/* documents per transaction at most */

enum wq_kind { WQ_PUT, WQ_REVOKE };

/* One queued write; lives on its caller's stack until done is set. */
struct wq_item {
	enum wq_kind kind;
	const struct cs_store_doc *doc;		/* WQ_PUT */
	char detail[CS_AUDIT_DETAIL_MAX];	/* WQ_PUT: audit detail JSON */
	const char *id, *reason, *superseded_by, *client; /* WQ_REVOKE */
	struct cs_store_doc **existing;		/* WQ_PUT, may be NULL */
	struct cs_err *err;
	int rc;
	int done;				/* under qmu */
	struct wq_item *next;
};

struct cs_commit {
	const struct cs_store_ops *ops;
	char *where;

	struct cs_store_conn *w;	/* the writer; only under wmu */
	pthread_mutex_t wmu;

	pthread_mutex_t qmu;		/* the write queue and leadership */
	pthread_cond_t qcv;
	struct wq_item *qhead, **qtail;
	int leading;

	pthread_mutex_t smu;		/* stats */
	struct cs_store_stats stats;
};

int
cs_commit_new(const struct cs_store_ops *ops, struct cs_store_conn *w,
    const char *where, struct cs_commit **out, struct cs_err *err)
{
	struct cs_commit *c;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->where = strdup(where)) == NULL) {
		free(c);
		ops->disconnect(w);
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	}
	c->ops = ops;
	c->w = w;
	c->qtail = &c->qhead;
	pthread_mutex_init(&c->wmu, NULL);
	pthread_mutex_init(&c->qmu, NULL);
	pthread_cond_init(&c->qcv, NULL);
	pthread_mutex_init(&c->smu, NULL);
	*out = c;
	return 0;
}

void
cs_commit_free(struct cs_commit *c)
{
	if (c == NULL)
		return;
	c->ops->disconnect(c->w);
	pthread_mutex_destroy(&c->wmu);
	pthread_mutex_destroy(&c->qmu);
	pthread_cond_destroy(&c->qcv);
	pthread_mutex_destroy(&c->smu);
	free(c->where);
	free(c);
}

/* --- the work of one queued item, inside the batch transaction ------------ */

/* The document found by key, or NULL; *r set (0 also when none). */
static struct cs_store_doc *
find(const struct cs_commit *c, enum cs_store_by by, const char *const *key,
    int *r, struct cs_err *err)
{
	struct cs_store_doc *d = NULL;

	*r = c->ops->doc_find(c->w, by, key, 0, &d, err);
	if (*r == CS_E_NOTFOUND)
		*r = 0;
	return d;
}

static int
wq_do_put(const struct cs_commit *c, struct cs_audit_head *head,
    struct wq_item *it, const char *now)
{
	const struct cs_store_doc *d = it->doc;
	const char *key[4];
	struct cs_store_doc *other;
	int r;

	/*
	 * A retry of an earlier request — also one queued in this very batch,
	 * which this transaction already sees — gets the registered document.
	 */
	if (d->idem_key[0] != '\0') {
		key[0] = d->client;
		key[1] = d->idem_key;
		if ((other = find(c, CS_STORE_BY_IDEM, key, &r, it->err)) != NULL) {
			cs_err_set(it->err, CS_E_CONFLICT, "client %s already "
			    "registered document %s under this idempotency key",
			    d->client, other->id);
			if (it->existing != NULL)
				*it->existing = other;
			else
				cs_store_doc_free(other);
			return CS_E_CONFLICT;
		}
		if (r != 0)
			return r;
	}
	key[0] = d->id;
	if ((other = find(c, CS_STORE_BY_ID, key, &r, it->err)) != NULL) {
		cs_store_doc_free(other);
		return cs_err_set(it->err, CS_E_CONFLICT,
		    "document id %s is already registered", d->id);
	}
	if (r != 0)
		return r;
	/* docs/domain.md §2: the number (số) is unique per office, book, type. */
	key[0] = d->office;
	key[1] = d->type;
	key[2] = d->reg_book;
	key[3] = d->reg_number;
	if ((other = find(c, CS_STORE_BY_REG, key, &r, it->err)) != NULL) {
		r = cs_err_set(it->err, CS_E_CONFLICT, "registration number %s "
		    "of book %s (%s) at office %s is already registered to "
		    "document %s", d->reg_number, d->reg_book, d->type,
		    d->office, other->id);
		cs_store_doc_free(other);
		return r;
	}
	if (r != 0)
		return r;
	if ((r = c->ops->doc_insert(c->w, d, now, it->err)) != 0)
		return r;
	return cs_audit_append(c->ops, c->w, head, now, "issue", d->id,
	    d->client, d->office, it->detail, it->err);
}

static int
wq_do_revoke(const struct cs_commit *c, struct cs_audit_head *head,
    struct wq_item *it, const char *now)
{
	const char *key[1];
	struct cs_store_doc *d = NULL, *by = NULL;
	char detail[CS_AUDIT_DETAIL_MAX];
	const char *sup = it->superseded_by;
	int r;

	key[0] = it->id;
	if ((d = find(c, CS_STORE_BY_ID, key, &r, it->err)) == NULL) {
		if (r == 0)
			r = cs_err_set(it->err, CS_E_NOTFOUND, "document %s is "
			    "not in the register", it->id);
		goto out;
	}
	if (d->status != CS_STATUS_VALID) {
		r = cs_err_set(it->err, CS_E_CONFLICT, "document %s is already "
		    "%s", it->id, cs_store_status_name(d->status));
		goto out;
	}
	if (sup[0] != '\0') {
		key[0] = sup;
		if ((by = find(c, CS_STORE_BY_ID, key, &r, it->err)) == NULL) {
			if (r == 0)
				r = cs_err_set(it->err, CS_E_CONFLICT, "document "
				    "%s cannot be superseded by %s: no such "
				    "document", it->id, sup);
			goto out;
		}
		r = cs_audit_detail(detail, it->err, "{s:s, s:s, s:s, s:s}",
		    "sha256", d->sha256, "status", "superseded", "reason",
		    it->reason, "superseded_by", sup);
	} else
		r = cs_audit_detail(detail, it->err, "{s:s, s:s, s:s}",
		    "sha256", d->sha256, "status", "revoked", "reason",
		    it->reason);
	if (r != 0)
		goto out;
	if ((r = c->ops->doc_set_status(c->w, it->id, sup[0] != '\0' ?
	    CS_STATUS_SUPERSEDED : CS_STATUS_REVOKED, it->reason, now, sup,
	    it->err)) != 0)
		goto out;
	r = cs_audit_append(c->ops, c->w, head, now, sup[0] != '\0' ?
	    "supersede" : "revoke", it->id, it->client, d->office, detail,
	    it->err);
out:
	cs_store_doc_free(d);
	cs_store_doc_free(by);
	return r;
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
 * no item reports success unless the commit returned 0.
 */
static void
batch_run(struct cs_commit *c, struct wq_item *batch)
{
	const struct cs_store_ops *ops = c->ops;
	struct wq_item *it;
	struct cs_audit_head head, before;
	struct cs_err berr = { 0, "" };
	char now[32];
	unsigned long long n_ok = 0;
	double t0, dt;
	int r;

	pthread_mutex_lock(&c->wmu);
	/* commit_seconds: from BEGIN to the end of COMMIT (its fsync). */
	t0 = cs_mono_seconds();
	if (ops->tx(c->w, CS_TX_BEGIN_WRITE, &berr) != 0) {
		batch_fail(batch, CS_E_UNAVAILABLE, &berr);
		goto out;
	}
	if ((r = ops->head_get(c->w, &head, &berr)) != 0) {
		if (r == CS_E_NOTFOUND)
			cs_err_set(&berr, CS_E_UNAVAILABLE, "register %s: the "
			    "audit head row is missing", c->where);
		goto abort;
	}
	cs_store_utc_now(now);
	for (it = batch; it != NULL; it = it->next) {
		if (ops->tx(c->w, CS_TX_SAVEPOINT, &berr) != 0)
			goto abort;
		before = head;
		it->rc = it->kind == WQ_PUT ? wq_do_put(c, &head, it, now) :
		    wq_do_revoke(c, &head, it, now);
		if (it->rc == 0) {
			if (ops->tx(c->w, CS_TX_RELEASE, &berr) != 0)
				goto abort;
			n_ok++;
			continue;
		}
		/*
		 * An I/O or disk-full error may have rolled back the whole
		 * transaction already; then nothing in it will commit.
		 */
		if (!ops->in_tx(c->w)) {
			cs_err_set(&berr, CS_E_UNAVAILABLE, "%s", it->err != NULL ?
			    it->err->msg : "register transaction rolled back");
			goto abort;
		}
		head = before;
		if (ops->tx(c->w, CS_TX_ROLLBACK_TO, &berr) != 0 ||
		    ops->tx(c->w, CS_TX_RELEASE, &berr) != 0)
			goto abort;
	}
	if (n_ok == 0) {
		/* Nothing to make durable: spare the fsync. */
		if (ops->tx(c->w, CS_TX_ROLLBACK, &berr) != 0)
			goto abort;
		goto out;
	}
	if (ops->head_set(c->w, &head, &berr) != 0 ||
	    ops->tx(c->w, CS_TX_COMMIT, &berr) != 0)
		goto abort;
	dt = cs_mono_seconds() - t0;
	pthread_mutex_lock(&c->smu);
	c->stats.commits++;
	c->stats.rows += n_ok;
	c->stats.commit_seconds += dt;
	if (dt > c->stats.commit_seconds_max)
		c->stats.commit_seconds_max = dt;
	pthread_mutex_unlock(&c->smu);
	goto out;
abort:
	if (ops->in_tx(c->w))
		ops->tx(c->w, CS_TX_ROLLBACK, NULL);
	if (berr.code == 0)
		cs_err_set(&berr, CS_E_UNAVAILABLE, "register %s: transaction "
		    "failed", c->where);
	batch_fail(batch, CS_E_UNAVAILABLE, &berr);
out:
	pthread_mutex_unlock(&c->wmu);
}

/* Queue it, then wait until a leader (perhaps this caller) has run it. */
static int
wq_submit(struct cs_commit *c, struct wq_item *it)
{
	struct wq_item *batch, *last, *p, *next;
	size_t n;

	it->done = 0;
	it->next = NULL;
	pthread_mutex_lock(&c->qmu);
	*c->qtail = it;
	c->qtail = &it->next;
	while (!it->done) {
		if (c->leading) {
			pthread_cond_wait(&c->qcv, &c->qmu);
			continue;
		}
		/* Lead: take up to WQ_BATCH_MAX items off the queue. */
		c->leading = 1;
		batch = c->qhead;
		for (last = batch, n = 1; last->next != NULL &&
		    n < WQ_BATCH_MAX; last = last->next, n++)
			;
		c->qhead = last->next;
		if (c->qhead == NULL)
			c->qtail = &c->qhead;
		last->next = NULL;
		pthread_mutex_unlock(&c->qmu);

		batch_run(c, batch);

		pthread_mutex_lock(&c->qmu);
		/* Still under qmu: no owner can return before we unlock. */
		for (p = batch; p != NULL; p = next) {
			next = p->next;
			p->done = 1;
		}
		c->leading = 0;
		pthread_cond_broadcast(&c->qcv);
	}
	pthread_mutex_unlock(&c->qmu);
	return it->rc;
}

/* --- the calls of store.c ------------------------------------------------- */

int
cs_commit_put(struct cs_commit *c, const struct cs_store_doc *doc,
    struct cs_store_doc **existing, struct cs_err *err)
{
	struct wq_item it;
	int r;

	memset(&it, 0, sizeof(it));
	it.kind = WQ_PUT;
	it.doc = doc;
	it.existing = existing;
	it.err = err;
	if ((r = cs_audit_detail(it.detail, err,
	    "{s:s, s:s, s:s, s:s, s:s, s:s}", "sha256", doc->sha256,
	    "status", "valid", "type", doc->type, "reg_book", doc->reg_book,
	    "reg_number", doc->reg_number, "reg_date", doc->reg_date)) != 0)
		return r;
	return wq_submit(c, &it);
}

int
cs_commit_revoke(struct cs_commit *c, const char *id, const char *reason,
    const char *superseded_by, const char *client, struct cs_err *err)
{
	struct wq_item it;

	memset(&it, 0, sizeof(it));
	it.kind = WQ_REVOKE;
	it.id = id;
	it.reason = reason;
	it.superseded_by = superseded_by != NULL ? superseded_by : "";
	it.client = client != NULL ? client : "";
	it.err = err;
	return wq_submit(c, &it);
}

int
cs_commit_ping(struct cs_commit *c, struct cs_err *err)
{
	int r;

	pthread_mutex_lock(&c->wmu);
	if ((r = c->ops->tx(c->w, CS_TX_BEGIN_WRITE, err)) == 0)
		r = c->ops->tx(c->w, CS_TX_ROLLBACK, err);
	pthread_mutex_unlock(&c->wmu);
	return r;
}

void
cs_commit_stats(struct cs_commit *c, struct cs_store_stats *out)
{
	pthread_mutex_lock(&c->smu);
	*out = c->stats;
	pthread_mutex_unlock(&c->smu);
}
