/*
 * store/audit.c — the register's hash-chained audit log; see audit.h.
 *
 * Every put and revoke appends an entry in the same transaction as the
 * change it records (store/commit.c):
 *   hash = SHA-256(enc("civseal-audit-v1") || enc(prev_hash) || enc(seq) ||
 *                  enc(ts) || enc(event) || enc(doc_id) || enc(client) ||
 *                  enc(office) || enc(detail))
 * where enc(x) is the 8-byte big-endian length of x followed by its bytes
 * (seq as decimal text), so no two different entries encode alike.  The
 * first entry's prev_hash is 64 zeros.  The head (seq, hash) records the
 * last entry, updated in the same transaction, so that dropping entries
 * from the tail is seen too.
 *
 * What the chain proves, honestly: it detects an edit, a deletion or a
 * reordering made by someone who changes some rows without recomputing the
 * chain.  Someone with full write access to the database can rewrite
 * documents, audit entries and head consistently, and nothing inside it can
 * tell.  Detecting that needs an anchor outside their reach: the head hash
 * published periodically elsewhere (another system's log, a signed and
 * timestamped checkpoint, a transparency log), then compared with the
 * entry of that sequence number.
 */
#include "store/audit.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/hex.h"

static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* --- the entry hash -------------------------------------------------------- */

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

/* --- appending --------------------------------------------------------------- */

int
cs_audit_detail(char out[CS_AUDIT_DETAIL_MAX], struct cs_err *err,
    const char *fmt, ...)
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
	n = json_dumpb(j, out, CS_AUDIT_DETAIL_MAX - 1,
	    JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (n == 0 || n >= CS_AUDIT_DETAIL_MAX - 1)
		return cs_err_set(err, CS_E_INVALID, "audit detail too long");
	out[n] = '\0';
	return 0;
}

int
cs_audit_append(const struct cs_store_ops *ops, struct cs_store_conn *c,
    struct cs_audit_head *head, const char *ts, const char *event,
    const char *doc_id, const char *client, const char *office,
    const char *detail, struct cs_err *err)
{
	struct cs_audit_row row;
	char hash[65];
	int r;

	row.seq = head->seq + 1;
	if (audit_hash(head->hash, row.seq, ts, event, doc_id, client, office,
	    detail, hash) != 0)
		return cs_err_openssl(err, CS_E_CRYPTO, "audit entry hash");
	row.ts = ts;
	row.event = event;
	row.doc_id = doc_id;
	row.client = client;
	row.office = office;
	row.detail = detail;
	row.prev_hash = head->hash;
	row.hash = hash;
	if ((r = ops->audit_insert(c, &row, err)) != 0)
		return r;
	head->seq = row.seq;
	memcpy(head->hash, hash, sizeof(head->hash));
	return 0;
}

/* --- verification: the chain ------------------------------------------------ */

struct chain_walk {
	char prev[65];
	long long want;		/* the next sequence number */
	size_t *entries;
	struct cs_err *err;
};

/*
 * One entry in sequence order.  Reports, in this order of precedence: a
 * gap, a broken link (prev_hash), an altered entry.
 */
static int
chain_entry(const struct cs_audit_row *e, void *arg)
{
	struct chain_walk *w = arg;
	char hash[65];

	if (e->seq != w->want) {
		if (w->want == 1)
			return cs_err_set(w->err, CS_E_INVALID, "audit entry 1 "
			    "is missing (the log starts at %lld)", e->seq);
		if (e->seq == w->want + 1)
			return cs_err_set(w->err, CS_E_INVALID, "audit entry "
			    "%lld is missing (sequence jumps from %lld to %lld)",
			    w->want, w->want - 1, e->seq);
		return cs_err_set(w->err, CS_E_INVALID, "audit entries %lld "
		    "to %lld are missing (sequence jumps from %lld to %lld)",
		    w->want, e->seq - 1, w->want - 1, e->seq);
	}
	if (strcmp(e->prev_hash, w->prev) != 0)
		return cs_err_set(w->err, CS_E_INVALID, "audit entry %lld does "
		    "not link to entry %lld (prev_hash differs): one of them "
		    "was altered", e->seq, e->seq - 1);
	if (audit_hash(w->prev, e->seq, e->ts, e->event, e->doc_id, e->client,
	    e->office, e->detail, hash) != 0)
		return cs_err_openssl(w->err, CS_E_CRYPTO, "audit entry hash");
	if (strcmp(hash, e->hash) != 0)
		return cs_err_set(w->err, CS_E_INVALID, "audit entry %lld was "
		    "altered (its hash does not match its content)", e->seq);
	memcpy(w->prev, hash, sizeof(w->prev));
	w->want++;
	(*w->entries)++;
	return 0;
}

static int
verify_chain(const struct cs_store_ops *ops, struct cs_store_conn *c,
    size_t *entries, struct cs_err *err)
{
	struct chain_walk w;
	struct cs_audit_head head;
	long long last;
	int r;

	memcpy(w.prev, zero_hash, sizeof(w.prev));
	w.want = 1;
	w.entries = entries;
	w.err = err;
	if ((r = ops->audit_scan(c, NULL, chain_entry, &w, err)) != 0)
		return r;
	/* The tail: entries dropped from the end leave no gap, but a head. */
	if ((r = ops->head_get(c, &head, err)) != 0)
		return r == CS_E_NOTFOUND ? cs_err_set(err, CS_E_INVALID,
		    "the audit head record is missing") : r;
	last = w.want - 1;
	if (head.seq > last)
		return cs_err_set(err, CS_E_INVALID, "the audit log was "
		    "truncated: it ends at entry %lld but entry %lld was "
		    "written", last, head.seq);
	if (head.seq < last)
		return cs_err_set(err, CS_E_INVALID, "audit entries %lld to "
		    "%lld were appended outside civseal (the head records "
		    "entry %lld)", head.seq + 1, last, head.seq);
	if (strcmp(head.hash, w.prev) != 0)
		return cs_err_set(err, CS_E_INVALID, "audit entry %lld does not "
		    "match the recorded head (the log was rewritten)", head.seq);
	return 0;
}

/* --- verification: the register against the chain ------------------------- */

/* A document's history, replayed from its audit entries. */
struct replay {
	const struct cs_store_doc *d;
	const char *what;		/* the first field that differs */
	long long issue_seq, last_seq, bad_seq;
	char status[16], reason[256], sup[37], at[32];
	struct cs_err *err;
};

/* A string member of a parsed detail, "" when absent. */
static const char *
jstr(json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	return v != NULL ? v : "";
}

static int
replay_entry(const struct cs_audit_row *e, void *arg)
{
	struct replay *p = arg;
	const struct cs_store_doc *d = p->d;
	json_t *j;
	int r = 0;

	if ((j = json_loads(e->detail, 0, NULL)) == NULL)
		return cs_err_set(p->err, CS_E_INVALID, "audit entry %lld has "
		    "an unreadable detail", e->seq);
	p->last_seq = e->seq;
	if (strcmp(e->event, "issue") == 0) {
		if (p->issue_seq != 0) {
			r = cs_err_set(p->err, CS_E_INVALID, "audit entry %lld "
			    "issues document %s a second time (first: entry "
			    "%lld)", e->seq, d->id, p->issue_seq);
			goto out;
		}
		p->issue_seq = e->seq;
		if (strcmp(e->client, d->client) != 0)
			p->what = "client";
		else if (strcmp(e->office, d->office) != 0)
			p->what = "office";
		else if (strcmp(jstr(j, "type"), d->type) != 0)
			p->what = "type";
		else if (strcmp(jstr(j, "reg_number"), d->reg_number) != 0)
			p->what = "reg_number";
		else if (strcmp(jstr(j, "reg_book"), d->reg_book) != 0)
			p->what = "reg_book";
		else if (strcmp(jstr(j, "reg_date"), d->reg_date) != 0)
			p->what = "reg_date";
	} else if (p->issue_seq == 0) {
		r = cs_err_set(p->err, CS_E_INVALID, "audit entry %lld changes "
		    "document %s before it was issued", e->seq, d->id);
		goto out;
	}
	if (p->what == NULL && strcmp(jstr(j, "sha256"), d->sha256) != 0)
		p->what = "sha256";
	if (p->what != NULL) {
		p->bad_seq = e->seq;
		r = CS_E_INVALID;	/* worded by verify_doc */
		goto out;
	}
	snprintf(p->status, sizeof(p->status), "%s", jstr(j, "status"));
	snprintf(p->reason, sizeof(p->reason), "%s", jstr(j, "reason"));
	snprintf(p->sup, sizeof(p->sup), "%s", jstr(j, "superseded_by"));
	if (strcmp(e->event, "issue") != 0)
		snprintf(p->at, sizeof(p->at), "%s", e->ts);
out:
	json_decref(j);
	return r;
}

struct doc_walk {
	const struct cs_store_ops *ops;
	struct cs_store_conn *c;
	struct cs_err *err;
};

/*
 * Replay one document's audit entries (already proven genuine by the chain)
 * and compare the outcome with its register row.
 */
static int
verify_doc(const struct cs_store_doc *d, void *arg)
{
	struct doc_walk *w = arg;
	struct replay p;
	char sha[65];
	int r;

	memset(&p, 0, sizeof(p));
	p.d = d;
	p.err = w->err;
	r = w->ops->audit_scan(w->c, d->id, replay_entry, &p, w->err);
	if (r != 0 && p.what == NULL)
		return r;
	if (p.what == NULL && p.issue_seq == 0)
		return cs_err_set(w->err, CS_E_INVALID, "document %s has no "
		    "audit entry (it was added outside civseal)", d->id);
	if (p.what == NULL) {
		p.bad_seq = p.last_seq;
		if (strcmp(p.status, cs_store_status_name(d->status)) != 0)
			p.what = "status";
		else if (strcmp(p.reason, d->status_reason) != 0)
			p.what = "status_reason";
		else if (strcmp(p.at, d->status_at) != 0)
			p.what = "status_at";
		else if (strcmp(p.sup, d->superseded_by) != 0)
			p.what = "superseded_by";
	}
	if (p.what != NULL)
		return cs_err_set(w->err, CS_E_INVALID, "document %s does not "
		    "match audit entry %lld (%s differs)", d->id, p.bad_seq,
		    p.what);
	/* The XML kept must still be the XML whose digest was recorded. */
	if (d->xml != NULL) {
		if (cs_store_sha256_hex(d->xml, d->xml_len, sha) != 0)
			return cs_err_openssl(w->err, CS_E_CRYPTO, "SHA-256");
		if (strcmp(sha, d->sha256) != 0)
			return cs_err_set(w->err, CS_E_INVALID, "document %s does "
			    "not match audit entry %lld (its stored XML has "
			    "another SHA-256)", d->id, p.issue_seq);
	}
	return 0;
}

static int
verify_docs(const struct cs_store_ops *ops, struct cs_store_conn *c,
    struct cs_err *err)
{
	struct doc_walk w = { ops, c, err };
	char doc_id[65];
	long long seq;
	int r;

	if ((r = ops->doc_scan(c, verify_doc, &w, err)) != 0)
		return r;
	/* And the other way round: an issued document deleted from the register. */
	r = ops->audit_orphan(c, &seq, doc_id, err);
	if (r == CS_E_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	return cs_err_set(err, CS_E_INVALID, "document %s of audit entry %lld "
	    "is missing from the register", doc_id, seq);
}

int
cs_audit_verify(const struct cs_store_ops *ops, struct cs_store_conn *c,
    size_t *entries, struct cs_err *err)
{
	int r;

	/* One read transaction: one consistent snapshot of the register. */
	if ((r = ops->tx(c, CS_TX_BEGIN_READ, err)) != 0)
		return r;
	if ((r = verify_chain(ops, c, entries, err)) == 0)
		r = verify_docs(ops, c, err);
	ops->tx(c, CS_TX_ROLLBACK, NULL);
	return r;
}
