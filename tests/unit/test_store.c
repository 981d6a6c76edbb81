/*
 * tests/unit/test_store.c — store/: the register and its audit log, on real
 * SQLite files under /tmp (unique names, removed after each test): the
 * public calls (store.h), the location forms (path, sqlite:// URL), and the
 * backend operations table (backend.h) that every backend must honour.
 *
 * CS_TEST_KEEP_DB=PATH: run only test_keep_db_for_integration, which leaves
 * an intact register with 7 audit entries at PATH (6 documents, 1 revoked)
 * for tests/integration/test_audit.sh to verify and tamper with.
 *
 * CS_TEST_SMALL=1: fewer threads and documents (for valgrind).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "store/backend.h"
#include "store/store.h"

static char dbpath[128];
static int small;

/* --- fixtures ------------------------------------------------------------- */

static void
rm_db(const char *p)
{
	char x[160];

	unlink(p);
	snprintf(x, sizeof(x), "%s-wal", p);
	unlink(x);
	snprintf(x, sizeof(x), "%s-shm", p);
	unlink(x);
}

static int
setup(void **state)
{
	static int n;

	(void)state;
	snprintf(dbpath, sizeof(dbpath), "/tmp/cs-test-store-%d-%d.db",
	    (int)getpid(), ++n);
	rm_db(dbpath);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rm_db(dbpath);
	return 0;
}

static void
sha_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	size_t i;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
doc_id(unsigned n, char out[37])
{
	snprintf(out, 37, "01900000-0000-7000-8000-%012x", n);
}

/*
 * Document number n of an office: its own id, registration number and
 * XML (so its own sha256).  idem may be NULL.
 */
static void
make_doc(struct cs_store_doc *d, unsigned n, const char *office,
    const char *client, const char *idem)
{
	memset(d, 0, sizeof(*d));
	doc_id(n, d->id);
	snprintf(d->type, sizeof(d->type), "birth");
	snprintf(d->office, sizeof(d->office), "%s", office);
	snprintf(d->reg_number, sizeof(d->reg_number), "%u", n);
	snprintf(d->reg_book, sizeof(d->reg_book), "01/2025");
	snprintf(d->reg_date, sizeof(d->reg_date), "2025-03-14");
	snprintf(d->signed_at, sizeof(d->signed_at), "2025-03-14T08:00:00Z");
	snprintf(d->client, sizeof(d->client), "%s", client);
	snprintf(d->idem_key, sizeof(d->idem_key), "%s", idem ? idem : "");
	snprintf(d->request_sha256, sizeof(d->request_sha256), "%064x", n);
	d->status = CS_STATUS_VALID;
	if ((d->xml = malloc(64)) == NULL)
		abort();
	d->xml_len = (size_t)snprintf(d->xml, 64, "<KhaiSinh n=\"%u\"/>", n);
	sha_hex(d->xml, d->xml_len, d->sha256);
}

static void
free_doc_xml(struct cs_store_doc *d)
{
	free(d->xml);
	d->xml = NULL;
}

static struct cs_store *
open_rw(void)
{
	struct cs_store *st = NULL;
	struct cs_err err = { 0, "" };

	if (cs_store_open(dbpath, 0, &st, &err) != 0)
		fail_msg("open %s: %s", dbpath, err.msg);
	return st;
}

static void
put_ok(struct cs_store *st, unsigned n, const char *idem)
{
	struct cs_store_doc d, *ex = NULL;
	struct cs_err err = { 0, "" };
	int r;

	make_doc(&d, n, "01-BADINH", "hotich", idem);
	r = cs_store_put(st, &d, &ex, &err);
	free_doc_xml(&d);
	if (r != 0)
		fail_msg("put %u: %s", n, err.msg);
	assert_null(ex);
}

/* Run SQL on the file through a connection of its own, as an intruder. */
static void
tamper(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	assert_int_equal(sqlite3_changes(db) > 0, 1);
	sqlite3_close(db);
}

static long long
count_rows(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long n = -1;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* 6 documents, the 4th revoked: 7 audit entries. */
static void
fill_register(void)
{
	struct cs_store *st = open_rw();
	struct cs_err err = { 0, "" };
	char id[37];
	unsigned i;

	for (i = 1; i <= 6; i++)
		put_ok(st, i, NULL);
	doc_id(4, id);
	assert_int_equal(cs_store_revoke(st, id, "entered twice", NULL,
	    "hotich", &err), 0);
	cs_store_close(st);
}

/* Verify on a read-only view; returns the code, the message in err. */
static int
verify(size_t *n, struct cs_err *err)
{
	struct cs_store *st = NULL;
	int r;

	if (cs_store_open(dbpath, 1, &st, err) != 0)
		fail_msg("open read-only: %s", err->msg);
	r = cs_store_audit_verify(st, n, err);
	cs_store_close(st);
	return r;
}

static void
expect_broken(const char *want)
{
	struct cs_err err = { 0, "" };
	size_t n;

	assert_int_equal(verify(&n, &err), CS_E_INVALID);
	if (strstr(err.msg, want) == NULL)
		fail_msg("verify said '%s', want '%s'", err.msg, want);
	printf("# verify: %s\n", err.msg);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- register ------------------------------------------------------------ */

static void
test_put_get_round_trip_keeps_every_field_and_xml_byte(void **state)
{
	static const char xml[] = "<KhaiSinh>Nguy\xe1\xbb\x85n\0tail</KhaiSinh>";
	struct cs_store *st = open_rw();
	struct cs_store_doc d, *got = NULL, *ex = NULL;
	struct cs_err err = { 0, "" };

	(void)state;
	make_doc(&d, 1, "01-BADINH", "hotich", "k-1");
	free(d.xml);
	d.xml_len = sizeof(xml) - 1;	/* with the embedded NUL */
	d.xml = malloc(d.xml_len);
	memcpy(d.xml, xml, d.xml_len);
	sha_hex(d.xml, d.xml_len, d.sha256);
	snprintf(d.reg_book, sizeof(d.reg_book), "Quy\xe1\xbb\x83n 01/2025");
	assert_int_equal(cs_store_put(st, &d, &ex, &err), 0);
	assert_null(ex);

	assert_int_equal(cs_store_get(st, d.id, 1, &got, &err), 0);
	assert_string_equal(got->id, d.id);
	assert_string_equal(got->type, "birth");
	assert_string_equal(got->office, d.office);
	assert_string_equal(got->reg_number, d.reg_number);
	assert_string_equal(got->reg_book, d.reg_book);
	assert_string_equal(got->reg_date, d.reg_date);
	assert_string_equal(got->sha256, d.sha256);
	assert_string_equal(got->signed_at, d.signed_at);
	assert_string_equal(got->client, d.client);
	assert_string_equal(got->idem_key, "k-1");
	assert_string_equal(got->request_sha256, d.request_sha256);
	assert_int_equal(got->status, CS_STATUS_VALID);
	assert_string_equal(got->status_reason, "");
	assert_string_equal(got->superseded_by, "");
	assert_int_equal(got->xml_len, d.xml_len);
	assert_memory_equal(got->xml, xml, d.xml_len);
	cs_store_doc_free(got);

	assert_int_equal(cs_store_get(st, d.id, 0, &got, &err), 0);
	assert_null(got->xml);
	cs_store_doc_free(got);

	assert_int_equal(cs_store_find_idem(st, "hotich", "k-1", &got, &err), 0);
	assert_string_equal(got->id, d.id);
	cs_store_doc_free(got);
	assert_int_equal(cs_store_find_idem(st, "other", "k-1", &got, &err),
	    CS_E_NOTFOUND);
	assert_null(got);
	assert_int_equal(cs_store_get(st, "01900000-0000-7000-8000-ffffffffffff",
	    0, &got, &err), CS_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "not in the register"));
	free_doc_xml(&d);
	cs_store_close(st);
}

static void
test_put_refuses_sha256_that_is_not_the_xml_digest(void **state)
{
	struct cs_store *st = open_rw();
	struct cs_store_doc d;
	struct cs_err err = { 0, "" };

	(void)state;
	make_doc(&d, 1, "01-BADINH", "hotich", NULL);
	d.xml[1] = 'X';
	assert_int_equal(cs_store_put(st, &d, NULL, &err), CS_E_INVALID);
	assert_non_null(strstr(err.msg, "sha256"));
	assert_null(strstr(err.msg, "KhaiSinh"));	/* never the XML */
	free_doc_xml(&d);
	make_doc(&d, 2, "01-BADINH", "hotich", NULL);
	snprintf(d.id, sizeof(d.id), "not-a-uuid");
	assert_int_equal(cs_store_put(st, &d, NULL, &err), CS_E_INVALID);
	free_doc_xml(&d);
	cs_store_close(st);
}

static void
test_same_idempotency_key_returns_conflict_and_the_stored_document(void **state)
{
	struct cs_store *st = open_rw();
	struct cs_store_doc d, *ex = NULL;
	struct cs_err err = { 0, "" };
	char first[37];

	(void)state;
	put_ok(st, 1, "retry-me");
	doc_id(1, first);
	make_doc(&d, 2, "01-BADINH", "hotich", "retry-me");
	assert_int_equal(cs_store_put(st, &d, &ex, &err), CS_E_CONFLICT);
	assert_non_null(ex);
	assert_string_equal(ex->id, first);
	assert_null(ex->xml);
	cs_store_doc_free(ex);
	ex = NULL;
	/* The same key from another client system is another request. */
	snprintf(d.client, sizeof(d.client), "baohiem");
	assert_int_equal(cs_store_put(st, &d, &ex, &err), 0);
	assert_null(ex);
	free_doc_xml(&d);
	cs_store_close(st);
	assert_int_equal(count_rows("SELECT count(*) FROM documents"), 2);
}

static void
test_registration_number_unique_per_office_type_and_book(void **state)
{
	struct cs_store *st = open_rw();
	struct cs_store_doc d, *ex = NULL;
	struct cs_err err = { 0, "" };

	(void)state;
	put_ok(st, 1, NULL);
	make_doc(&d, 2, "01-BADINH", "hotich", NULL);
	snprintf(d.reg_number, sizeof(d.reg_number), "1");	/* as doc 1 */
	assert_int_equal(cs_store_put(st, &d, &ex, &err), CS_E_CONFLICT);
	assert_null(ex);
	assert_non_null(strstr(err.msg, "registration number 1 of book "
	    "01/2025 (birth) at office 01-BADINH"));
	assert_non_null(strstr(err.msg, "01900000-0000-7000-8000-000000000001"));
	/* Another event type, book or office: a different register entry. */
	snprintf(d.type, sizeof(d.type), "death");
	assert_int_equal(cs_store_put(st, &d, &ex, &err), 0);
	free_doc_xml(&d);
	make_doc(&d, 3, "01-BADINH", "hotich", NULL);
	snprintf(d.reg_number, sizeof(d.reg_number), "1");
	snprintf(d.reg_book, sizeof(d.reg_book), "02/2025");
	assert_int_equal(cs_store_put(st, &d, &ex, &err), 0);
	free_doc_xml(&d);
	make_doc(&d, 4, "79-BENTHANH", "hotich", NULL);
	snprintf(d.reg_number, sizeof(d.reg_number), "1");
	assert_int_equal(cs_store_put(st, &d, &ex, &err), 0);
	/* The same id twice is refused as well. */
	snprintf(d.reg_number, sizeof(d.reg_number), "99");
	assert_int_equal(cs_store_put(st, &d, &ex, &err), CS_E_CONFLICT);
	assert_non_null(strstr(err.msg, "already registered"));
	free_doc_xml(&d);
	cs_store_close(st);
}

static void
test_revoke_sets_status_and_twice_is_refused(void **state)
{
	struct cs_store *st = open_rw();
	struct cs_store_doc *got = NULL;
	struct cs_err err = { 0, "" };
	char id[37];

	(void)state;
	put_ok(st, 1, NULL);
	doc_id(1, id);
	/* The reason goes into the audit detail (JSON): UTF-8 only. */
	assert_int_equal(cs_store_revoke(st, id, "bad \xff byte", NULL,
	    "hotich", &err), CS_E_INVALID);
	assert_int_equal(cs_store_revoke(st, id, "court decision 12/2025",
	    NULL, "hotich", &err), 0);
	assert_int_equal(cs_store_get(st, id, 0, &got, &err), 0);
	assert_int_equal(got->status, CS_STATUS_REVOKED);
	assert_string_equal(cs_store_status_name(got->status), "revoked");
	assert_string_equal(got->status_reason, "court decision 12/2025");
	assert_int_not_equal(got->status_at[0], '\0');
	cs_store_doc_free(got);
	assert_int_equal(cs_store_revoke(st, id, "again", NULL, "hotich", &err),
	    CS_E_CONFLICT);
	assert_non_null(strstr(err.msg, "already revoked"));
	assert_int_equal(cs_store_revoke(st, "01900000-0000-7000-8000-0000000000ff",
	    "x", NULL, "hotich", &err), CS_E_NOTFOUND);
	assert_int_equal(cs_store_revoke(st, id, "", NULL, "hotich", &err),
	    CS_E_INVALID);
	cs_store_close(st);
}

static void
test_supersede_needs_a_registered_successor(void **state)
{
	struct cs_store *st = open_rw();
	struct cs_store_doc *got = NULL;
	struct cs_err err = { 0, "" };
	char id1[37], id2[37], unknown[37];

	(void)state;
	put_ok(st, 1, NULL);
	put_ok(st, 2, NULL);
	doc_id(1, id1);
	doc_id(2, id2);
	doc_id(77, unknown);
	assert_int_equal(cs_store_revoke(st, id1, "corrected name", unknown,
	    "hotich", &err), CS_E_CONFLICT);
	assert_non_null(strstr(err.msg, "no such document"));
	assert_int_equal(cs_store_get(st, id1, 0, &got, &err), 0);
	assert_int_equal(got->status, CS_STATUS_VALID);
	cs_store_doc_free(got);
	assert_int_equal(cs_store_revoke(st, id1, "corrected name", id1,
	    "hotich", &err), CS_E_CONFLICT);

	assert_int_equal(cs_store_revoke(st, id1, "corrected name", id2,
	    "hotich", &err), 0);
	assert_int_equal(cs_store_get(st, id1, 0, &got, &err), 0);
	assert_int_equal(got->status, CS_STATUS_SUPERSEDED);
	assert_string_equal(got->superseded_by, id2);
	cs_store_doc_free(got);
	cs_store_close(st);
	assert_int_equal(count_rows("SELECT count(*) FROM audit WHERE "
	    "event = 'supersede'"), 1);
}

static void
test_read_only_register_reads_and_refuses_writes(void **state)
{
	struct cs_store *st = NULL;
	struct cs_store_doc d, *got = NULL;
	struct cs_err err = { 0, "" };
	char id[37];

	(void)state;
	assert_int_equal(cs_store_open(dbpath, 1, &st, &err), CS_E_UNAVAILABLE);
	assert_non_null(strstr(err.msg, dbpath));
	assert_null(st);
	fill_register();
	assert_int_equal(cs_store_open(dbpath, 1, &st, &err), 0);
	doc_id(2, id);
	assert_int_equal(cs_store_get(st, id, 1, &got, &err), 0);
	assert_non_null(got->xml);
	cs_store_doc_free(got);
	make_doc(&d, 9, "01-BADINH", "hotich", NULL);
	assert_int_equal(cs_store_put(st, &d, NULL, &err), CS_E_CONFIG);
	assert_string_equal(err.msg, "register opened read-only");
	assert_int_equal(cs_store_revoke(st, id, "r", NULL, "c", &err),
	    CS_E_CONFIG);
	assert_string_equal(err.msg, "register opened read-only");
	assert_int_equal(cs_store_ping(st, &err), 0);
	free_doc_xml(&d);
	cs_store_close(st);
}

/*
 * civseal-verifyd keeps a read-only view open (and its pooled connections)
 * while civseal-signd writes: a revocation committed after the view was
 * opened, and after it last read, must be what the next lookup sees.
 */
static void
test_read_only_view_sees_revocations_committed_later(void **state)
{
	struct cs_store *w = open_rw(), *ro = NULL;
	struct cs_store_doc *got = NULL;
	struct cs_err err = { 0, "" };
	char id1[37], id2[37];

	(void)state;
	put_ok(w, 1, NULL);
	put_ok(w, 2, NULL);
	doc_id(1, id1);
	doc_id(2, id2);
	assert_int_equal(cs_store_open(dbpath, 1, &ro, &err), 0);
	assert_int_equal(cs_store_get(ro, id1, 0, &got, &err), 0);
	assert_int_equal(got->status, CS_STATUS_VALID);
	assert_null(got->xml);
	cs_store_doc_free(got);
	assert_int_equal(cs_store_revoke(w, id1, "Ghi sai ng\xc3\xa0y", NULL,
	    "hotich", &err), 0);
	put_ok(w, 3, NULL);
	doc_id(3, id2);
	doc_id(2, id1);
	assert_int_equal(cs_store_revoke(w, id1, "C\xe1\xba\xa5p l\xe1\xba"
	    "\xa1i", id2, "hotich", &err), 0);
	doc_id(1, id1);
	assert_int_equal(cs_store_get(ro, id1, 0, &got, &err), 0);
	assert_int_equal(got->status, CS_STATUS_REVOKED);
	assert_string_equal(got->status_reason, "Ghi sai ng\xc3\xa0y");
	assert_true(strlen(got->status_at) > 0);
	cs_store_doc_free(got);
	doc_id(2, id1);
	assert_int_equal(cs_store_get(ro, id1, 0, &got, &err), 0);
	assert_int_equal(got->status, CS_STATUS_SUPERSEDED);
	assert_string_equal(got->superseded_by, id2);
	cs_store_doc_free(got);
	/* A document issued after the view opened is found too. */
	assert_int_equal(cs_store_get(ro, id2, 0, &got, &err), 0);
	assert_int_equal(got->status, CS_STATUS_VALID);
	cs_store_doc_free(got);
	doc_id(7, id1);
	assert_int_equal(cs_store_get(ro, id1, 0, &got, &err), CS_E_NOTFOUND);
	assert_null(got);
	cs_store_close(ro);
	cs_store_close(w);
}

static void
test_open_refuses_a_database_that_is_not_a_register(void **state)
{
	struct cs_store *st = NULL;
	struct cs_err err = { 0, "" };
	sqlite3 *db = NULL;

	(void)state;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(cs_store_open(dbpath, 0, &st, &err), CS_E_CONFIG);
	assert_non_null(strstr(err.msg, "not a civseal register"));
	assert_int_equal(cs_store_open(dbpath, 1, &st, &err), CS_E_CONFIG);
	assert_null(st);
}

static void
test_ping_takes_the_write_lock(void **state)
{
	struct cs_store *st = open_rw();
	struct cs_err err = { 0, "" };
	sqlite3 *db = NULL;

	(void)state;
	assert_int_equal(cs_store_ping(st, &err), 0);
	/* Another process holding the write lock: unavailable, file named. */
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(cs_store_ping(st, &err), CS_E_UNAVAILABLE);
	assert_non_null(strstr(err.msg, dbpath));
	assert_non_null(strstr(err.msg, "locked"));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	assert_int_equal(cs_store_ping(st, &err), 0);
	cs_store_close(st);
}

/* --- durability ---------------------------------------------------------- */

static void
test_put_is_durable_before_the_store_is_closed(void **state)
{
	struct cs_store *st = NULL;
	struct cs_store_doc *got = NULL;
	struct cs_err err = { 0, "" };
	char id[37];
	pid_t pid;
	int status;

	(void)state;
	/*
	 * A child registers one document and dies at once: no
	 * cs_store_close, no WAL checkpoint, no atexit handlers.
	 */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (cs_store_open(dbpath, 0, &st, &err) != 0)
			_exit(2);
		put_ok(st, 42, "crash-test");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(cs_store_open(dbpath, 1, &st, &err), 0);
	doc_id(42, id);
	assert_int_equal(cs_store_get(st, id, 1, &got, &err), 0);
	assert_string_equal(got->idem_key, "crash-test");
	assert_non_null(got->xml);
	cs_store_doc_free(got);
	assert_int_equal(cs_store_audit_verify(st, NULL, &err), 0);
	cs_store_close(st);
}

/* --- concurrency ---------------------------------------------------------- */

struct worker {
	struct cs_store *st;
	pthread_barrier_t *start;
	unsigned first, count;
	const char *idem;
	int failures;
	int rc;
	char existing_id[37];
	char msg[CS_ERR_MSG_MAX];
};

static void *
put_worker(void *arg)
{
	struct worker *w = arg;
	struct cs_store_doc d, *ex = NULL;
	struct cs_err err = { 0, "" };
	unsigned i;

	if (w->start != NULL)
		pthread_barrier_wait(w->start);
	for (i = 0; i < w->count; i++) {
		make_doc(&d, w->first + i, "01-BADINH", "hotich", w->idem);
		w->rc = cs_store_put(w->st, &d, &ex, &err);
		free(d.xml);
		if (w->rc != 0) {
			w->failures++;
			snprintf(w->msg, sizeof(w->msg), "%s", err.msg);
		}
		if (ex != NULL)
			snprintf(w->existing_id, sizeof(w->existing_id), "%s",
			    ex->id);
		cs_store_doc_free(ex);
		ex = NULL;
	}
	return NULL;
}

/* nthreads × per puts, distinct documents; returns the seconds taken. */
static double
run_puts(struct cs_store *st, unsigned nthreads, unsigned per, unsigned base)
{
	pthread_t tid[64];
	struct worker w[64];
	pthread_barrier_t start;
	double t0;
	unsigned i;

	assert_true(nthreads <= 64);
	pthread_barrier_init(&start, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].st = st;
		w[i].start = &start;
		w[i].first = base + i * per;
		w[i].count = per;
		assert_int_equal(pthread_create(&tid[i], NULL, put_worker, &w[i]),
		    0);
	}
	pthread_barrier_wait(&start);
	t0 = now_s();
	for (i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	t0 = now_s() - t0;
	pthread_barrier_destroy(&start);
	for (i = 0; i < nthreads; i++)
		if (w[i].failures != 0)
			fail_msg("thread %u: %d puts failed: %s", i, w[i].failures,
			    w[i].msg);
	return t0;
}

static void
test_concurrent_puts_all_succeed_and_share_commits(void **state)
{
	struct cs_store *st = open_rw();
	struct cs_store_stats stats;
	struct cs_store_doc *got = NULL;
	struct cs_err err = { 0, "" };
	unsigned nthreads = small ? 4 : 16, per = small ? 10 : 50, i;
	char id[37];
	size_t n;
	double dt;

	(void)state;
	dt = run_puts(st, nthreads, per, 1);
	for (i = 1; i <= nthreads * per; i++) {
		doc_id(i, id);
		if (cs_store_get(st, id, 1, &got, &err) != 0)
			fail_msg("document %u: %s", i, err.msg);
		assert_non_null(got->xml);
		cs_store_doc_free(got);
	}
	cs_store_stats(st, &stats);
	printf("# %u threads x %u puts: %.0f puts/s, %llu commits for %llu "
	    "rows (%.1f rows/commit), commit max %.1f ms\n", nthreads, per,
	    nthreads * per / dt, stats.commits, stats.rows,
	    (double)stats.rows / (double)stats.commits,
	    stats.commit_seconds_max * 1e3);
	assert_int_equal(stats.rows, nthreads * per);
	assert_true(stats.commits < stats.rows);	/* grouping happened */
	assert_true(stats.commit_seconds > 0);
	assert_int_equal(cs_store_audit_verify(st, &n, &err), 0);
	assert_int_equal(n, nthreads * per);
	cs_store_close(st);
}

static void
test_same_idempotency_key_from_50_threads_registers_one_document(void **state)
{
	struct cs_store *st = open_rw();
	pthread_t tid[50];
	struct worker w[50];
	pthread_barrier_t start;
	unsigned nthreads = small ? 8 : 50, i, won = 0, lost = 0;
	char want[37];

	(void)state;
	pthread_barrier_init(&start, NULL, nthreads);
	for (i = 0; i < nthreads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].st = st;
		w[i].start = &start;
		w[i].first = 1000 + i;	/* each its own id and number */
		w[i].count = 1;
		w[i].idem = "the-same-key";
		assert_int_equal(pthread_create(&tid[i], NULL, put_worker, &w[i]),
		    0);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);
	for (i = 0; i < nthreads; i++) {
		if (w[i].rc == 0) {
			won++;
			doc_id(w[i].first, want);
			continue;
		}
		assert_int_equal(w[i].rc, CS_E_CONFLICT);
		lost++;
	}
	assert_int_equal(won, 1);
	assert_int_equal(lost, nthreads - 1);
	for (i = 0; i < nthreads; i++) {
		if (w[i].rc == 0)
			continue;
		assert_string_equal(w[i].existing_id, want);
	}
	cs_store_close(st);
	assert_int_equal(count_rows("SELECT count(*) FROM documents"), 1);
	assert_int_equal(count_rows("SELECT count(*) FROM audit"), 1);
}

static void
test_throughput_one_thread_versus_eight(void **state)
{
	struct cs_store *st = open_rw();
	struct cs_store_stats a, b;
	unsigned n1 = small ? 20 : 200, per8 = small ? 10 : 100;
	double t1, t8;

	(void)state;
	/* Timings are reported, never asserted: machines differ. */
	t1 = run_puts(st, 1, n1, 1);
	cs_store_stats(st, &a);
	t8 = run_puts(st, 8, per8, 100000);
	cs_store_stats(st, &b);
	printf("# synchronous=FULL, 1 thread: %.0f puts/s (%llu commits)\n",
	    n1 / t1, a.commits);
	printf("# synchronous=FULL, 8 threads: %.0f puts/s (%llu commits for "
	    "%llu rows)\n", 8 * per8 / t8, b.commits - a.commits,
	    b.rows - a.rows);
	cs_store_close(st);
}

/* --- the audit log --------------------------------------------------------- */

static void
test_audit_chain_intact_after_puts_and_revokes(void **state)
{
	struct cs_err err = { 0, "" };
	size_t n = 0;

	(void)state;
	fill_register();
	assert_int_equal(verify(&n, &err), 0);
	assert_int_equal(n, 7);
	assert_int_equal(count_rows("SELECT seq FROM head"), 7);
}

static void
test_audit_altered_entry_is_named(void **state)
{
	(void)state;
	fill_register();
	tamper("UPDATE audit SET detail = replace(detail, '\"valid\"', "
	    "'\"revoked\"') WHERE seq = 3");
	expect_broken("audit entry 3 was altered");
}

static void
test_audit_relinked_entry_is_named(void **state)
{
	(void)state;
	fill_register();
	tamper("UPDATE audit SET prev_hash = "
	    "'1111111111111111111111111111111111111111111111111111111111111111' "
	    "WHERE seq = 4");
	expect_broken("audit entry 4 does not link to entry 3");
}

static void
test_audit_deleted_middle_entry_names_the_gap(void **state)
{
	(void)state;
	fill_register();
	tamper("PRAGMA foreign_keys=OFF; DELETE FROM audit WHERE seq = 3");
	expect_broken("audit entry 3 is missing (sequence jumps from 2 to 4)");
}

static void
test_audit_truncated_tail_is_detected(void **state)
{
	(void)state;
	fill_register();
	tamper("DELETE FROM audit WHERE seq = 7");
	expect_broken("truncated: it ends at entry 6 but entry 7 was written");
}

static void
test_document_sha256_changed_names_the_document(void **state)
{
	(void)state;
	fill_register();
	tamper("UPDATE documents SET sha256 = "
	    "'abababababababababababababababababababababababababababababababab' "
	    "WHERE id = '01900000-0000-7000-8000-000000000002'");
	expect_broken("document 01900000-0000-7000-8000-000000000002 does not "
	    "match audit entry 2");
}

static void
test_document_status_changed_names_the_document(void **state)
{
	(void)state;
	fill_register();
	/* Quietly reinstating the revoked document. */
	tamper("UPDATE documents SET status = 'valid', status_reason = '', "
	    "status_at = '' WHERE id = '01900000-0000-7000-8000-000000000004'");
	expect_broken("document 01900000-0000-7000-8000-000000000004 does not "
	    "match audit entry 7 (status differs)");
}

static void
test_document_xml_changed_names_the_document(void **state)
{
	(void)state;
	fill_register();
	tamper("UPDATE documents SET xml = CAST('<KhaiSinh n=\"5\" forged=\"1\"/>' "
	    "AS BLOB) WHERE id = '01900000-0000-7000-8000-000000000005'");
	expect_broken("document 01900000-0000-7000-8000-000000000005 does not "
	    "match audit entry 5 (its stored XML has another SHA-256)");
}

static void
test_document_deleted_or_inserted_outside_civseal_is_named(void **state)
{
	(void)state;
	fill_register();
	tamper("PRAGMA foreign_keys=OFF; DELETE FROM documents WHERE "
	    "id = '01900000-0000-7000-8000-000000000006'");
	expect_broken("document 01900000-0000-7000-8000-000000000006 of audit "
	    "entry 6 is missing");
	rm_db(dbpath);
	fill_register();
	tamper("INSERT INTO documents (id, type, office, reg_number, reg_book, "
	    "reg_date, sha256, signed_at, client, status, created_at) VALUES "
	    "('01900000-0000-7000-8000-0000000000aa', 'birth', '01-BADINH', "
	    "'999', '01/2025', '2025-01-01', '00', 'x', 'broker', 'valid', 'z')");
	expect_broken("document 01900000-0000-7000-8000-0000000000aa has no "
	    "audit entry");
}

/* --- where the register is ------------------------------------------------ */

static void
test_sqlite_url_names_the_same_register(void **state)
{
	struct cs_store *st = NULL;
	struct cs_store_doc *got = NULL;
	struct cs_err err = { 0, "" };
	char url[160], id[37];

	(void)state;
	st = open_rw();
	put_ok(st, 1, NULL);
	cs_store_close(st);
	snprintf(url, sizeof(url), "sqlite://%s", dbpath);	/* sqlite:///tmp/… */
	assert_int_equal(cs_store_open(url, 1, &st, &err), 0);
	doc_id(1, id);
	assert_int_equal(cs_store_get(st, id, 0, &got, &err), 0);
	cs_store_doc_free(got);
	cs_store_close(st);
	/* Writable through the URL too: the same file grows. */
	snprintf(url, sizeof(url), "SQLite://%s", dbpath);
	assert_int_equal(cs_store_open(url, 0, &st, &err), 0);
	put_ok(st, 2, NULL);
	cs_store_close(st);
	assert_int_equal(count_rows("SELECT count(*) FROM documents"), 2);
}

static void
test_postgresql_url_is_refused_without_its_password(void **state)
{
	static const char *const urls[] = {
		"postgresql://civseal:s3cr3t@db.example:5432/civseal",
		"postgres://civseal:s3cr3t@db.example/civseal",
	};
	struct cs_store *st = NULL;
	struct cs_err err = { 0, "" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		assert_int_equal(cs_store_open(urls[i], 0, &st, &err),
		    CS_E_CONFIG);
		assert_null(st);
		assert_non_null(strstr(err.msg, "not built yet"));
		assert_null(strstr(err.msg, "s3cr3t"));
		assert_null(strstr(err.msg, "db.example"));
	}
}

static void
test_relative_or_unknown_url_is_refused(void **state)
{
	struct cs_store *st = NULL;
	struct cs_err err = { 0, "" };

	(void)state;
	/* sqlite://reg.db would be host "reg.db": refused, not guessed. */
	assert_int_equal(cs_store_open("sqlite://reg.db", 0, &st, &err),
	    CS_E_CONFIG);
	assert_non_null(strstr(err.msg, "sqlite:///"));
	assert_int_equal(cs_store_open("sqlite:///tmp/x.db?mode=ro", 0, &st,
	    &err), CS_E_CONFIG);
	assert_int_equal(cs_store_open("mysql://h/db", 0, &st, &err),
	    CS_E_CONFIG);
	assert_non_null(strstr(err.msg, "'mysql' is not known"));
	assert_int_equal(cs_store_open("", 0, &st, &err), CS_E_CONFIG);
	assert_null(st);
	assert_int_equal(access("reg.db", F_OK), -1);	/* nothing created */
}

static void
test_location_is_url_or_path_from_the_config(void **state)
{
	struct cs_config *cfg = NULL;
	struct cs_err err = { 0, "" };
	char conf[160];
	FILE *f;

	(void)state;
	snprintf(conf, sizeof(conf), "%s.conf", dbpath);
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "[store]\nurl = sqlite://%s\n", dbpath);
	fclose(f);
	assert_int_equal(cs_config_load(conf, &cfg, &err), 0);
	assert_null(cfg->store_path);
	assert_string_equal(cs_store_location(cfg), cfg->store_url);
	cs_config_free(cfg);
	f = fopen(conf, "w");
	fprintf(f, "[store]\npath = reg.db\n");
	fclose(f);
	assert_int_equal(cs_config_load(conf, &cfg, &err), 0);
	assert_string_equal(cs_store_location(cfg), "/tmp/reg.db");
	cs_config_free(cfg);
	f = fopen(conf, "w");
	fprintf(f, "[store]\npath = reg.db\nurl = sqlite:///tmp/reg.db\n");
	fclose(f);
	assert_int_equal(cs_config_load(conf, &cfg, &err), CS_E_CONFIG);
	assert_non_null(strstr(err.msg, "both path and url"));
	f = fopen(conf, "w");
	fprintf(f, "[trust]\nanchors = t.pem\n");
	fclose(f);
	assert_int_equal(cs_config_load(conf, &cfg, &err), 0);
	assert_null(cs_store_location(cfg));
	cs_config_free(cfg);
	unlink(conf);
}

/* --- the backend operations table ------------------------------------------ */

static const char zeros64[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* One audit row for seq after head, as store/audit.c would write it. */
static void
audit_row(struct cs_audit_row *row, const struct cs_audit_head *head,
    const char *doc_id, const char *hash)
{
	memset(row, 0, sizeof(*row));
	row->seq = head->seq + 1;
	row->ts = "2025-03-14T08:00:00.000Z";
	row->event = "issue";
	row->doc_id = doc_id;
	row->client = "hotich";
	row->office = "01-BADINH";
	row->detail = "{}";
	row->prev_hash = head->hash;
	row->hash = hash;
}

static int
count_doc(const struct cs_store_doc *d, void *arg)
{
	(*(int *)arg)++;
	return d->status == CS_STATUS_REVOKED ? 0 : -99;
}

static int
count_row(const struct cs_audit_row *row, void *arg)
{
	(*(int *)arg)++;
	return strcmp(row->client, "hotich") == 0 && row->seq == *(int *)arg ?
	    0 : -99;
}

/*
 * What any backend must do (store/backend.h), on a fresh register at
 * target.  Run against SQLite here; a PostgreSQL backend runs it too.
 */
static void
backend_contract(const struct cs_store_ops *ops, const char *target)
{
	struct cs_store_db *db = NULL, *ro = NULL;
	struct cs_store_conn *w = NULL, *r = NULL, *rr = NULL;
	struct cs_store_doc d1, d2, *got = NULL;
	struct cs_audit_head h;
	struct cs_audit_row row;
	struct cs_err err = { 0, "" };
	const char *key[4];
	char hash1[65];
	int n;

	assert_int_equal(ops->open(target, 0, &db, &err), 0);
	assert_int_equal(ops->connect(db, 1, &w, &err), 0);
	assert_int_equal(ops->connect(db, 0, &r, &err), 0);

	/* An empty register: the head is (0, zeros). */
	assert_int_equal(ops->head_get(r, &h, &err), 0);
	assert_int_equal(h.seq, 0);
	assert_string_equal(h.hash, zeros64);

	/* A write transaction: a document, found by each of its keys. */
	assert_false(ops->in_tx(w));
	assert_int_equal(ops->tx(w, CS_TX_BEGIN_WRITE, &err), 0);
	assert_true(ops->in_tx(w));
	make_doc(&d1, 1, "01-BADINH", "hotich", "k-1");
	assert_int_equal(ops->doc_insert(w, &d1, "2025-03-14T08:00:00.000Z",
	    &err), 0);
	key[0] = d1.id;
	assert_int_equal(ops->doc_find(w, CS_STORE_BY_ID, key, 1, &got, &err), 0);
	assert_string_equal(got->reg_number, d1.reg_number);
	assert_int_equal(got->status, CS_STATUS_VALID);
	assert_int_equal(got->xml_len, d1.xml_len);
	assert_memory_equal(got->xml, d1.xml, d1.xml_len);
	cs_store_doc_free(got);
	key[0] = "hotich";
	key[1] = "k-1";
	assert_int_equal(ops->doc_find(w, CS_STORE_BY_IDEM, key, 0, &got, &err),
	    0);
	assert_string_equal(got->id, d1.id);
	assert_null(got->xml);
	cs_store_doc_free(got);
	key[0] = "01-BADINH";
	key[1] = "birth";
	key[2] = "01/2025";
	key[3] = "1";
	assert_int_equal(ops->doc_find(w, CS_STORE_BY_REG, key, 0, &got, &err),
	    0);
	assert_string_equal(got->id, d1.id);
	cs_store_doc_free(got);
	/* Not found: CS_E_NOTFOUND, err untouched. */
	key[1] = "death";
	cs_err_clear(&err);
	assert_int_equal(ops->doc_find(w, CS_STORE_BY_REG, key, 0, &got, &err),
	    CS_E_NOTFOUND);
	assert_null(got);
	assert_int_equal(err.code, 0);
	/* The database's last word on a duplicate: CS_E_CONFLICT. */
	assert_int_equal(ops->doc_insert(w, &d1, "x", &err), CS_E_CONFLICT);
	/* A savepoint undoes one item and keeps the transaction. */
	assert_int_equal(ops->tx(w, CS_TX_SAVEPOINT, &err), 0);
	make_doc(&d2, 2, "01-BADINH", "hotich", NULL);
	assert_int_equal(ops->doc_insert(w, &d2, "x", &err), 0);
	assert_int_equal(ops->tx(w, CS_TX_ROLLBACK_TO, &err), 0);
	assert_int_equal(ops->tx(w, CS_TX_RELEASE, &err), 0);
	assert_true(ops->in_tx(w));
	key[0] = d2.id;
	assert_int_equal(ops->doc_find(w, CS_STORE_BY_ID, key, 0, &got, &err),
	    CS_E_NOTFOUND);
	/* The audit entry and the head, in the same transaction. */
	memset(hash1, '1', 64);
	hash1[64] = '\0';
	audit_row(&row, &h, d1.id, hash1);
	assert_int_equal(ops->audit_insert(w, &row, &err), 0);
	h.seq = 1;
	memcpy(h.hash, hash1, sizeof(h.hash));
	assert_int_equal(ops->head_set(w, &h, &err), 0);
	/* Readers do not see it before the commit... */
	assert_int_equal(ops->head_get(r, &h, &err), 0);
	assert_int_equal(h.seq, 0);
	assert_int_equal(ops->tx(w, CS_TX_COMMIT, &err), 0);
	assert_false(ops->in_tx(w));
	/* ...and see all of it after. */
	assert_int_equal(ops->head_get(r, &h, &err), 0);
	assert_int_equal(h.seq, 1);
	assert_string_equal(h.hash, hash1);
	key[0] = d1.id;
	assert_int_equal(ops->doc_find(r, CS_STORE_BY_ID, key, 0, &got, &err), 0);
	cs_store_doc_free(got);

	/* A status change, once: a document no longer valid is a conflict. */
	assert_int_equal(ops->tx(w, CS_TX_BEGIN_WRITE, &err), 0);
	assert_int_equal(ops->doc_set_status(w, d1.id, CS_STATUS_REVOKED,
	    "court decision", "2025-03-15T00:00:00.000Z", NULL, &err), 0);
	assert_int_equal(ops->doc_set_status(w, d1.id, CS_STATUS_REVOKED,
	    "again", "2025-03-15T00:00:00.000Z", NULL, &err), CS_E_CONFLICT);
	assert_int_equal(ops->tx(w, CS_TX_COMMIT, &err), 0);
	/* A rolled-back transaction leaves nothing. */
	assert_int_equal(ops->tx(w, CS_TX_BEGIN_WRITE, &err), 0);
	assert_int_equal(ops->doc_insert(w, &d2, "x", &err), 0);
	assert_int_equal(ops->tx(w, CS_TX_ROLLBACK, &err), 0);

	/* Scans, in one read snapshot. */
	assert_int_equal(ops->tx(r, CS_TX_BEGIN_READ, &err), 0);
	n = 0;
	assert_int_equal(ops->doc_scan(r, count_doc, &n, &err), 0);
	assert_int_equal(n, 1);		/* d1, revoked; d2 rolled back */
	n = 0;
	assert_int_equal(ops->audit_scan(r, NULL, count_row, &n, &err), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(ops->audit_scan(r, d1.id, count_row, &n, &err), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(ops->audit_scan(r, d2.id, count_row, &n, &err), 0);
	assert_int_equal(n, 0);
	/* A callback's refusal stops the scan and is returned. */
	n = 5;
	assert_int_equal(ops->audit_scan(r, NULL, count_row, &n, &err), -99);
	cs_err_clear(&err);
	assert_int_equal(ops->audit_orphan(r, &h.seq, hash1, &err),
	    CS_E_NOTFOUND);
	assert_int_equal(err.code, 0);
	assert_int_equal(ops->tx(r, CS_TX_ROLLBACK, &err), 0);

	/* Read-only: no writer, readers see the register. */
	assert_int_equal(ops->open(target, 1, &ro, &err), 0);
	assert_int_equal(ops->connect(ro, 1, &rr, &err), CS_E_CONFIG);
	assert_null(rr);
	assert_int_equal(ops->connect(ro, 0, &rr, &err), 0);
	assert_int_equal(ops->head_get(rr, &h, &err), 0);
	assert_int_equal(h.seq, 1);
	ops->disconnect(rr);
	ops->close(ro);

	free_doc_xml(&d1);
	free_doc_xml(&d2);
	ops->disconnect(r);
	ops->disconnect(w);
	ops->close(db);
}

static void
test_sqlite_backend_keeps_the_backend_contract(void **state)
{
	(void)state;
	backend_contract(&cs_store_sqlite_ops, dbpath);
	/* What the contract wrote is a register the public calls accept. */
	{
		struct cs_store *st = NULL;
		struct cs_err err = { 0, "" };

		assert_int_equal(cs_store_open(dbpath, 1, &st, &err), 0);
		cs_store_close(st);
	}
}

static void
test_row_that_civseal_never_writes_is_refused_by_name(void **state)
{
	const char *text[CS_STORE_DOC_TEXT_COLS] = {
		"01900000-0000-7000-8000-000000000001", "birth", NULL, "1",
		"01/2025", "2025-03-14", "", "", "hotich", "", "", "", "", "",
	};
	char office[100];
	struct cs_store_doc *d = NULL;
	struct cs_err err = { 0, "" };

	(void)state;
	memset(office, 'X', sizeof(office) - 1);
	office[sizeof(office) - 1] = '\0';
	text[2] = office;
	assert_int_equal(cs_store_doc_from_row("reg.db", text, "valid", 0, NULL,
	    0, &d, &err), CS_E_INVALID);
	assert_null(d);
	assert_non_null(strstr(err.msg, "office is 99 bytes long (at most 63)"));
	text[2] = "01-BADINH";
	assert_int_equal(cs_store_doc_from_row("reg.db", text, "forged", 0, NULL,
	    0, &d, &err), CS_E_INVALID);
	assert_non_null(strstr(err.msg, "unknown status"));
	/* An empty XML is an XML (not "none"), NUL-terminated. */
	assert_int_equal(cs_store_doc_from_row("reg.db", text, "superseded", 1,
	    NULL, 0, &d, &err), 0);
	assert_non_null(d->xml);
	assert_int_equal(d->xml_len, 0);
	assert_int_equal(d->status, CS_STATUS_SUPERSEDED);
	assert_string_equal(d->superseded_by, "");	/* NULL reads as "" */
	cs_store_doc_free(d);
}

/* --- for tests/integration/test_audit.sh ----------------------------------- */

static void
test_keep_db_for_integration(void **state)
{
	struct cs_err err = { 0, "" };
	const char *keep = getenv("CS_TEST_KEEP_DB");
	size_t n = 0;

	(void)state;
	if (keep != NULL && keep[0] != '\0') {
		snprintf(dbpath, sizeof(dbpath), "%s", keep);
		rm_db(dbpath);
	}
	fill_register();
	assert_int_equal(verify(&n, &err), 0);
	assert_int_equal(n, 7);
	if (keep != NULL && keep[0] != '\0')
		dbpath[0] = '\0';	/* teardown leaves it */
}

int
main(void)
{
	const struct CMUnitTest keep[] = {
		cmocka_unit_test(test_keep_db_for_integration),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_put_get_round_trip_keeps_every_field_and_xml_byte, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_put_refuses_sha256_that_is_not_the_xml_digest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_same_idempotency_key_returns_conflict_and_the_stored_document,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registration_number_unique_per_office_type_and_book, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_revoke_sets_status_and_twice_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_supersede_needs_a_registered_successor, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_read_only_register_reads_and_refuses_writes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_open_refuses_a_database_that_is_not_a_register, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ping_takes_the_write_lock,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_put_is_durable_before_the_store_is_closed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_concurrent_puts_all_succeed_and_share_commits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_same_idempotency_key_from_50_threads_registers_one_document,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_throughput_one_thread_versus_eight, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_audit_chain_intact_after_puts_and_revokes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit_altered_entry_is_named,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_relinked_entry_is_named,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_audit_deleted_middle_entry_names_the_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_audit_truncated_tail_is_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_document_sha256_changed_names_the_document, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_document_status_changed_names_the_document, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_document_xml_changed_names_the_document, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_document_deleted_or_inserted_outside_civseal_is_named,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_read_only_view_sees_revocations_committed_later, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_sqlite_url_names_the_same_register, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_postgresql_url_is_refused_without_its_password, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_relative_or_unknown_url_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_location_is_url_or_path_from_the_config, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_sqlite_backend_keeps_the_backend_contract, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_row_that_civseal_never_writes_is_refused_by_name, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keep_db_for_integration,
		    setup, teardown),
	};
	const char *e = getenv("CS_TEST_SMALL");

	small = e != NULL && e[0] == '1';
	if (getenv("CS_TEST_KEEP_DB") != NULL)
		return cmocka_run_group_tests_name("store-keep-db", keep, NULL,
		    NULL);
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
