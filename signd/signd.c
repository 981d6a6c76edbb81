/* signd/signd.c — civseal-signd routes and handlers; see signd.h, docs/api.md. */
#include "signd/signd.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/date.h"
#include "core/doc.h"
#include "core/hex.h"
#include "service/httpd.h"
#include "core/log.h"
#include "service/metrics.h"
#include "store/store.h"
#include "signd/clients.h"
#include "render/qr.h"
#include "render/render.h"
#include "signer/issue.h"
#include "signer/signer.h"

#define IDEM_KEY_MAX 255
#define IDEM_WAIT_S 60		/* a retry waits this long for the first try */
#define REASON_CHARS_MAX 256
#define RETRY_AFTER "5"

#define M_SIGN_SECONDS "civseal_sign_seconds"
#define M_HSM_ERRORS "civseal_hsm_errors_total"
#define M_HSM_RECONNECTS "civseal_hsm_reconnects_total"
#define M_ISSUED "civseal_documents_issued_total"
#define M_REPLAYS "civseal_idempotent_replays_total"
#define M_RELOADS "civseal_config_reloads_total"
#define M_COMMIT_SECONDS "civseal_store_commit_seconds"
#define M_COMMIT_MAX "civseal_store_commit_seconds_max"
#define M_COMMITS "civseal_store_commits_total"
#define M_ROWS "civseal_store_documents_committed_total"

/*
 * A generation of what SIGHUP reloads.  Requests hold a reference from
 * on_headers to on_done.  The signer is never freed while the process
 * runs: freeing it unloads the PKCS#11 module (C_Finalize), which would
 * end the sessions of the generation that replaced it, since a module is
 * loaded once per process.  Retired signers wait in a list until exit.
 */
struct gen {
	unsigned refs;			/* under signd.lock */
	unsigned number;
	struct cs_config *cfg;
	struct signer *signer;
	struct clients *clients;
	struct gen *next_retired;
};

/* A request with this (client, Idempotency-Key) is being signed. */
struct idem {
	char key[CLIENTS_NAME_MAX + 1 + IDEM_KEY_MAX + 1];
	char request_sha256[65];
	int finished;			/* the first try is over */
	int registered;			/* ...and left a document in the register */
	unsigned waiters;
	pthread_cond_t cond;
	struct idem *next;
};

struct signd {
	char *config_path;
	char listen[128];
	struct cs_httpd *httpd;
	struct cs_store *store;
	struct cs_metrics *metrics;

	pthread_mutex_t lock;		/* cur, refs, retired */
	struct gen *cur;
	struct gen *retired;		/* signers waiting for exit */
	unsigned generations;

	pthread_mutex_t idem_lock;
	struct idem *idem;

};

enum route {
	R_NONE = 0,
	R_HEALTHZ,
	R_READYZ,
	R_METRICS,
	R_ISSUE,
	R_DOC,
	R_STATUS,
	R_REVOKE,
	R_HTML,
	R_PDF,
	R_QR_SVG,
	R_QR_PNG,
};

/* What a request carries from on_headers to on_done. */
struct sreq {
	enum route route;
	struct gen *gen;
	const struct client *client;	/* in gen->clients */
	char id[37];			/* the {id} of the path */
};

/* --- generations --------------------------------------------------------- */

static void
gen_free(struct gen *g)
{
	if (g == NULL)
		return;
	signd_clients_free(g->clients);
	signer_free(g->signer);
	cs_config_free(g->cfg);
	free(g);
}

static struct gen *
gen_acquire(struct signd *sd)
{
	struct gen *g;

	pthread_mutex_lock(&sd->lock);
	g = sd->cur;
	g->refs++;
	pthread_mutex_unlock(&sd->lock);
	return g;
}

static void
gen_release(struct signd *sd, struct gen *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&sd->lock);
	if (--g->refs == 0) {
		/* Only a replaced generation reaches 0: cur holds a reference. */
		signd_clients_free(g->clients);
		g->clients = NULL;
		g->next_retired = sd->retired;
		sd->retired = g;
	}
	pthread_mutex_unlock(&sd->lock);
}

/* The QR codes point to [verifyd] base_url: refuse one they cannot hold. */
static int
check_base_url(const struct cs_config *cfg, struct cs_err *err)
{
	if (render_qr_check_base_url(cfg->verify_base_url, err) == 0)
		return 0;
	cs_err_prefix(err, "%s: [verifyd] base_url", cfg->path);
	err->code = CS_E_CONFIG;
	return CS_E_CONFIG;
}

/* Config, clients and signer with its keys: all of it, or an error. */
static int
gen_load(struct signd *sd, struct gen **out, struct cs_err *err)
{
	struct gen *g = NULL;
	int r;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	if ((r = cs_config_load(sd->config_path, &g->cfg, err)) != 0)
		goto out;
	if (g->cfg->signd_clients == NULL) {
		r = cs_err_set(err, CS_E_CONFIG, "%s: [signd] clients is not "
		    "set: without a clients file no one may call", g->cfg->path);
		goto out;
	}
	if ((r = signd_clients_load(g->cfg->signd_clients, g->cfg, &g->clients,
	    err)) != 0)
		goto out;
	if ((r = check_base_url(g->cfg, err)) != 0)
		goto out;
	if ((r = signer_new(g->cfg, &g->signer, err)) != 0 ||
	    (r = signer_load_keys(g->signer, err)) != 0)
		goto out;
	g->refs = 1;		/* the reference of sd->cur */
	*out = g;
	g = NULL;		/* transferred to caller */
	r = 0;
out:
	if (g != NULL && g->signer != NULL) {
		/* A signer that reached the HSM stays loaded: see struct gen. */
		pthread_mutex_lock(&sd->lock);
		signd_clients_free(g->clients);
		g->clients = NULL;
		g->next_retired = sd->retired;
		sd->retired = g;
		pthread_mutex_unlock(&sd->lock);
		g = NULL;
	}
	gen_free(g);
	return r;
}

/* --- small helpers ----------------------------------------------------- */

static int
sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	if (EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) != 1)
		return -1;
	cs_hex_encode(md, sizeof(md), out);
	return 0;
}

/* A document id as we issue them: a lower-case UUID. */
static int
uuid_ok(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

/* Office codes are echoed in messages only when they look like one. */
static void
set_retry_after(struct cs_httpd_req *req)
{
	cs_httpd_add_header(req, "Retry-After", RETRY_AFTER);
}

/* 422 with one problem. */
static void
reply_invalid1(struct cs_httpd_req *req, const char *pointer,
    const char *detail)
{
	json_t *extra = json_pack("{s:[{s:s, s:s}]}", "errors", "pointer",
	    pointer, "detail", detail);

	cs_httpd_reply_problem(req, 422, "validation-failed", detail, extra);
}

/* 422 with every problem the validator found. */
static void
reply_problems(struct cs_httpd_req *req, const struct cs_problems *probs,
    const struct cs_err *err)
{
	json_t *errors = json_array(), *extra;
	char detail[128];
	size_t i;

	for (i = 0; i < probs->n; i++)
		json_array_append_new(errors, json_pack("{s:s, s:s}",
		    "pointer", probs->item[i].path, "detail",
		    probs->item[i].msg));
	if (probs->n == 0)
		/* A refusal without a listed problem still names its cause. */
		json_array_append_new(errors, json_pack("{s:s, s:s}",
		    "pointer", "", "detail", err->msg));
	extra = json_pack("{s:o}", "errors", errors);
	if (probs->dropped > 0)
		json_object_set_new(extra, "errors_dropped",
		    json_integer((json_int_t)probs->dropped));
	snprintf(detail, sizeof(detail), "the request breaks %zu rule%s",
	    probs->n + probs->dropped > 0 ? probs->n + probs->dropped : 1,
	    probs->n + probs->dropped > 1 ? "s" : "");
	cs_httpd_reply_problem(req, 422, "validation-failed", detail, extra);
}

/* The JSON of an issued document (201, or 200 for a replay). */
static json_t *
doc_json(const struct cs_store_doc *d)
{
	char self[64], status[80];

	snprintf(self, sizeof(self), "/v1/documents/%s", d->id);
	snprintf(status, sizeof(status), "/v1/documents/%s/status", d->id);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}}",
	    "id", d->id, "type", d->type, "office", d->office,
	    "sha256", d->sha256, "signed_at", d->signed_at,
	    "links", "self", self, "xml", self, "status", status);
}

static void
reply_doc(struct cs_httpd_req *req, unsigned status,
    const struct cs_store_doc *d)
{
	char loc[64];

	snprintf(loc, sizeof(loc), "/v1/documents/%s", d->id);
	cs_httpd_add_header(req, "Location", loc);
	cs_httpd_log_str(req, "doc", d->id);
	cs_httpd_reply_json(req, status, doc_json(d));
}

static json_t *
status_json(const struct cs_store_doc *d)
{
	json_t *j = json_pack("{s:s, s:s}", "id", d->id, "status",
	    cs_store_status_name(d->status));

	if (j != NULL && d->status != CS_STATUS_VALID) {
		json_object_set_new(j, "reason", json_string(d->status_reason));
		json_object_set_new(j, "revoked_at", json_string(d->status_at));
		if (d->superseded_by[0] != '\0')
			json_object_set_new(j, "superseded_by",
			    json_string(d->superseded_by));
	}
	return j;
}

/* 503 for the register. */
static void
reply_store_down(struct cs_httpd_req *req, const struct cs_err *err)
{
	cs_logf(CS_LOG_ERROR, "store_error", "%s", err->msg);
	set_retry_after(req);
	cs_httpd_reply_problem(req, 503, "register-unavailable",
	    "the register is unavailable; nothing was changed, retry later",
	    NULL);
}

/* Parse a JSON body: 400 on failure (position only: input is never echoed). */
static json_t *
parse_body(struct cs_httpd_req *req)
{
	json_error_t jerr;
	const char *body;
	size_t len;
	json_t *j;
	char detail[128];

	body = cs_httpd_body(req, &len);
	if ((j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr)) != NULL)
		return j;
	snprintf(detail, sizeof(detail), "%s at line %d, column %d",
	    strncmp(jerr.text, "duplicate object key", 20) == 0 ?
	    "duplicate object key" : len == 0 ? "empty body" :
	    "malformed JSON", jerr.line, jerr.column);
	cs_httpd_reply_problem(req, 400, "malformed-json", detail, NULL);
	return NULL;
}

/* --- idempotency --------------------------------------------------------- */

enum idem_role { IDEM_LEADER, IDEM_LOOKUP, IDEM_REUSED, IDEM_TIMEOUT };

/*
 * Decide who signs for (client, key): the first request becomes the leader
 * and signs; concurrent retries with the same body wait for its outcome and
 * then read the register (LOOKUP), or take over if it left nothing; a retry
 * with another body is REUSED.  The register's unique index on (client, key)
 * remains the final arbiter (another process, a crash between the two).
 */
static enum idem_role
idem_enter(struct signd *sd, const char *key, const char *req_sha,
    struct idem **entry)
{
	struct idem *e;
	struct timespec dl;
	enum idem_role role;

	*entry = NULL;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += IDEM_WAIT_S;
	pthread_mutex_lock(&sd->idem_lock);
	for (;;) {
		for (e = sd->idem; e != NULL; e = e->next)
			if (strcmp(e->key, key) == 0)
				break;
		if (e == NULL) {
			if ((e = calloc(1, sizeof(*e))) == NULL) {
				/* No table entry: the register still arbitrates. */
				role = IDEM_LEADER;
				goto out;
			}
			snprintf(e->key, sizeof(e->key), "%s", key);
			memcpy(e->request_sha256, req_sha, 65);
			pthread_cond_init(&e->cond, NULL);
			e->next = sd->idem;
			sd->idem = e;
			*entry = e;
			role = IDEM_LEADER;
			goto out;
		}
		if (strcmp(e->request_sha256, req_sha) != 0) {
			role = IDEM_REUSED;
			goto out;
		}
		e->waiters++;
		while (!e->finished) {
			if (pthread_cond_timedwait(&e->cond, &sd->idem_lock,
			    &dl) == ETIMEDOUT)
				break;
		}
		e->waiters--;
		if (!e->finished) {
			role = IDEM_TIMEOUT;
			goto out;
		}
		role = e->registered ? IDEM_LOOKUP : IDEM_LEADER;
		if (e->waiters == 0) {
			pthread_cond_destroy(&e->cond);
			free(e);
		}
		if (role == IDEM_LOOKUP)
			goto out;
		/* The first try left nothing: the next in line tries itself. */
	}
out:
	pthread_mutex_unlock(&sd->idem_lock);
	return role;
}

static void
idem_leave(struct signd *sd, struct idem *e, int registered)
{
	struct idem **pp;

	if (e == NULL)
		return;
	pthread_mutex_lock(&sd->idem_lock);
	for (pp = &sd->idem; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	e->finished = 1;
	e->registered = registered;
	pthread_cond_broadcast(&e->cond);
	if (e->waiters == 0) {
		pthread_cond_destroy(&e->cond);
		free(e);
	}
	pthread_mutex_unlock(&sd->idem_lock);
}

/* --- handlers ------------------------------------------------------------ */

/*
 * Issue and register (signer_issue); the leader's part of POST
 * /v1/documents.  Returns 1 when the register holds a document for this
 * (client, key) afterwards, for the retries that wait on it.
 */
static int
issue(struct signd *sd, struct sreq *sr, struct cs_httpd_req *req,
    const struct signer_request *rq, const char *idem_key,
    struct cs_problems *probs)
{
	struct signer_issued is;
	struct cs_err err;
	int r, registered = 0;

	cs_err_clear(&err);
	r = signer_issue(sr->gen->signer, sd->store, rq, idem_key, NULL, &is,
	    probs, &err);
	if (is.sign_seconds > 0)
		cs_metrics_observe(sd->metrics, M_SIGN_SECONDS, is.sign_seconds,
		    NULL);
	switch (r) {
	case 0:
		registered = 1;
		if (is.doc != NULL) {
			cs_metrics_add(sd->metrics, M_ISSUED, 1, "type",
			    is.reg->type, NULL);
			reply_doc(req, 201, is.reg);
		} else {
			/* A retry: the document registered the first time. */
			cs_metrics_add(sd->metrics, M_REPLAYS, 1, NULL);
			reply_doc(req, 200, is.reg);
		}
		break;
	case CS_E_INVALID:
		reply_problems(req, probs, &err);
		break;
	case CS_E_HSM:
		cs_metrics_add(sd->metrics, M_HSM_ERRORS, 1, NULL);
		cs_logf(CS_LOG_ERROR, "hsm_error", "%s", err.msg);
		set_retry_after(req);
		cs_httpd_reply_problem(req, 503, "hsm-unavailable", err.msg,
		    NULL);
		break;
	case CS_E_CONFIG:
		/* An expired office certificate, say: an operator must act. */
		cs_logf(CS_LOG_ERROR, "signer_error", "%s", err.msg);
		set_retry_after(req);
		cs_httpd_reply_problem(req, 503, "signer-unavailable", err.msg,
		    NULL);
		break;
	case CS_E_CRYPTO:
		cs_logf(CS_LOG_ERROR, "signer_error", "%s", err.msg);
		cs_httpd_reply_problem(req, 500, "signature-check-failed",
		    "the signed document did not verify, so it was not issued",
		    NULL);
		break;
	case CS_E_CONFLICT:
		if (is.reg != NULL) {
			/* The key holds a document of another request body. */
			registered = 1;
			cs_httpd_log_str(req, "doc", is.reg->id);
			cs_httpd_reply_problem(req, 409, "idempotency-key-reused",
			    "this Idempotency-Key was used for a different "
			    "request body", NULL);
		} else
			cs_httpd_reply_problem(req, 409, "registration-exists",
			    err.msg, NULL);
		break;
	case CS_E_UNAVAILABLE:
		reply_store_down(req, &err);
		break;
	default:
		cs_logf(CS_LOG_ERROR, "signer_error", "%s", err.msg);
		cs_httpd_reply_problem(req, 500, "internal",
		    "the document could not be issued", NULL);
		break;
	}
	signer_issued_clear(&is);
	return registered;
}

/* POST /v1/documents */
static void
h_issue(struct signd *sd, struct sreq *sr, struct cs_httpd_req *req)
{
	struct signer_client who;
	struct signer_request *rq = NULL;
	struct cs_problems *probs = NULL;
	struct idem *entry = NULL;
	struct cs_err err;
	const char *idem_key = NULL, *body, *p;
	char req_sha[65], key[sizeof(entry->key)];
	json_t *root = NULL, *jo;
	size_t len;
	int r, registered = 0;

	cs_err_clear(&err);
	if (cs_httpd_header_count(req, "Idempotency-Key") > 1) {
		cs_httpd_reply_problem(req, 400, "invalid-idempotency-key",
		    "Idempotency-Key is given more than once", NULL);
		goto out;
	}
	if ((idem_key = cs_httpd_header(req, "Idempotency-Key")) != NULL) {
		for (p = idem_key; *p != '\0'; p++)
			if (*p < 0x21 || *p > 0x7e)
				break;
		if (*p != '\0' || p == idem_key ||
		    (size_t)(p - idem_key) > IDEM_KEY_MAX) {
			cs_httpd_reply_problem(req, 400,
			    "invalid-idempotency-key", "Idempotency-Key must "
			    "be 1 to 255 printable ASCII characters", NULL);
			goto out;
		}
	}
	body = cs_httpd_body(req, &len);
	if (sha256_hex(body, len, req_sha) != 0) {
		cs_httpd_reply_problem(req, 500, "internal", "SHA-256 failed",
		    NULL);
		goto out;
	}
	if ((root = parse_body(req)) == NULL)
		goto out;
	jo = json_is_object(root) ? json_object_get(root, "office") : NULL;
	if (json_is_string(jo) && cs_office_code_ok(json_string_value(jo),
	    json_string_length(jo)))
		cs_httpd_log_str(req, "office", json_string_value(jo));
	if ((probs = malloc(sizeof(*probs))) == NULL) {
		cs_httpd_reply_problem(req, 500, "internal", "out of memory",
		    NULL);
		goto out;
	}
	cs_problems_init(probs);
	/* Authorised once, before any signing: the office is read from the body. */
	signd_clients_who(sr->client, &who);
	switch ((r = signer_request_new(root, req_sha, &who, &rq, probs,
	    &err))) {
	case 0:
		break;
	case CS_E_INVALID:
		reply_problems(req, probs, &err);
		goto out;
	case CS_E_DENIED:
		cs_httpd_reply_problem(req, 403, "office-not-allowed", err.msg,
		    NULL);
		goto out;
	default:
		cs_logf(CS_LOG_ERROR, "signer_error", "%s", err.msg);
		cs_httpd_reply_problem(req, 500, "internal",
		    "the document could not be issued", NULL);
		goto out;
	}
	if (idem_key == NULL) {
		issue(sd, sr, req, rq, NULL, probs);
		goto out;
	}
	snprintf(key, sizeof(key), "%s\n%s", sr->client->name, idem_key);
	switch (idem_enter(sd, key, req_sha, &entry)) {
	case IDEM_REUSED:
		cs_httpd_reply_problem(req, 409, "idempotency-key-reused",
		    "this Idempotency-Key was used for a different request "
		    "body", NULL);
		goto out;
	case IDEM_TIMEOUT:
		set_retry_after(req);
		cs_httpd_reply_problem(req, 503, "request-in-progress",
		    "a request with this Idempotency-Key is still being "
		    "processed; retry later", NULL);
		goto out;
	case IDEM_LOOKUP:
	case IDEM_LEADER:
		break;
	}
	/*
	 * signer_issue answers from the register when an earlier try (the
	 * leader we waited for, another process) registered this key.
	 */
	registered = issue(sd, sr, req, rq, idem_key, probs);
out:
	idem_leave(sd, entry, registered);
	signer_request_free(rq);
	free(probs);
	json_decref(root);
}

/* Read a document for GET, status or revoke: 404 unless this client may see it. */
static struct cs_store_doc *
load_doc(struct signd *sd, struct sreq *sr, struct cs_httpd_req *req,
    int with_xml)
{
	struct cs_store_doc *d = NULL;
	struct cs_err err;
	int r;

	cs_err_clear(&err);
	r = cs_store_get(sd->store, sr->id, with_xml, &d, &err);
	if (r == CS_E_NOTFOUND || (r == 0 && !signd_clients_allows(sr->client,
	    d->office))) {
		/*
		 * Another office's document is "not found" too: a client
		 * learns nothing about documents it may not read.
		 */
		cs_store_doc_free(d);
		cs_httpd_reply_problem(req, 404, "not-found", "no such "
		    "document", NULL);
		return NULL;
	}
	if (r != 0) {
		reply_store_down(req, &err);
		return NULL;
	}
	cs_httpd_log_str(req, "office", d->office);
	return d;
}

/* GET /v1/documents/{id} */
static void
h_doc(struct signd *sd, struct sreq *sr, struct cs_httpd_req *req)
{
	struct cs_store_doc *d;
	char etag[70];

	if ((d = load_doc(sd, sr, req, 1)) == NULL)
		return;
	if (d->xml == NULL) {
		cs_httpd_reply_problem(req, 500, "internal", "the register "
		    "holds no XML for this document", NULL);
	} else {
		snprintf(etag, sizeof(etag), "\"%s\"", d->sha256);
		cs_httpd_add_header(req, "ETag", etag);
		cs_httpd_reply(req, 200, "application/xml; charset=utf-8",
		    d->xml, d->xml_len);
	}
	cs_store_doc_free(d);
}

/* GET /v1/documents/{id}/status */
static void
h_status(struct signd *sd, struct sreq *sr, struct cs_httpd_req *req)
{
	struct cs_store_doc *d;

	if ((d = load_doc(sd, sr, req, 0)) == NULL)
		return;
	cs_httpd_reply_json(req, 200, status_json(d));
	cs_store_doc_free(d);
}

/*
 * GET /v1/documents/{id}.html, {id}.pdf, {id}/qr.svg, {id}/qr.png: the
 * page of a registered document, or the QR code of its seal (404 when it
 * has none).  The QR holds [verifyd] base_url + "/v/" + the seal.
 */
static void
h_render(struct signd *sd, struct sreq *sr, struct cs_httpd_req *req)
{
	const char *base, *type = NULL;
	struct cs_store_doc *d;
	struct render_qr *q = NULL;
	struct cs_err err;
	char *body = NULL, disp[64];
	size_t len = 0;
	int r;

	cs_err_clear(&err);
	if ((d = load_doc(sd, sr, req, 1)) == NULL)
		return;
	if (d->xml == NULL) {
		cs_httpd_reply_problem(req, 500, "internal", "the register "
		    "holds no XML for this document", NULL);
		goto out;
	}
	base = sr->gen->cfg->verify_base_url;
	switch (sr->route) {
	case R_HTML:
		type = "text/html; charset=utf-8";
		r = render_html(d->xml, d->xml_len, base, &body, &len,
		    &err);
		break;
	case R_PDF:
		type = "application/pdf";
		snprintf(disp, sizeof(disp), "inline; filename=\"%s.pdf\"",
		    d->id);
		cs_httpd_add_header(req, "Content-Disposition", disp);
		r = render_pdf(d->xml, d->xml_len, base,
		    (unsigned char **)&body, &len, &err);
		break;
	default:
		r = render_qr(d->xml, d->xml_len, base, &q, &err);
		if (r == CS_E_NOTFOUND) {
			cs_httpd_reply_problem(req, 404, "no-seal", "this "
			    "document carries no QR seal", NULL);
			goto out;
		}
		if (r != 0)
			break;
		if (sr->route == R_QR_SVG) {
			type = "image/svg+xml";
			r = render_qr_svg(q, 0, 1, &body, &len, &err);
		} else {
			type = "image/png";
			r = render_qr_png(q, RENDER_QR_PNG_SCALE,
			    (unsigned char **)&body, &len, &err);
		}
		break;
	}
	if (r != 0) {
		cs_logf(CS_LOG_ERROR, "render_error", "%s", err.msg);
		cs_httpd_reply_problem(req, 500, "render-failed", "the document "
		    "could not be rendered", NULL);
		goto out;
	}
	cs_httpd_reply(req, 200, type, body, len);
out:
	free(body);
	render_qr_free(q);
	cs_store_doc_free(d);
}

/* Number of UTF-8 code points (the body was valid UTF-8: jansson checked). */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* RFC 6901 pointer of a top-level key, when it is printable ASCII. */
static void
key_pointer(const char *k, char *out, size_t n)
{
	size_t o = 0;

	out[o++] = '/';
	for (; *k != '\0' && o + 3 < n; k++) {
		if (*k < 0x20 || *k > 0x7e) {
			snprintf(out, n, "/");
			return;
		}
		if (*k == '~' || *k == '/') {
			out[o++] = '~';
			out[o++] = *k == '~' ? '0' : '1';
		} else {
			out[o++] = *k;
		}
	}
	out[o] = '\0';
}

/* POST /v1/documents/{id}/revoke */
static void
h_revoke(struct signd *sd, struct sreq *sr, struct cs_httpd_req *req)
{
	struct cs_store_doc *d = NULL, *by = NULL, probe;
	struct cs_err err;
	json_t *root = NULL, *v;
	const char *k, *reason = NULL, *sup = NULL, *p;
	char ptr[80];
	int r;

	cs_err_clear(&err);
	if ((root = parse_body(req)) == NULL)
		goto out;
	if (!json_is_object(root)) {
		reply_invalid1(req, "", "the request must be a JSON object");
		goto out;
	}
	json_object_foreach(root, k, v) {
		if (strcmp(k, "reason") != 0 && strcmp(k, "superseded_by") != 0) {
			key_pointer(k, ptr, sizeof(ptr));
			reply_invalid1(req, ptr, "unknown member: a revocation "
			    "has reason and superseded_by only");
			goto out;
		}
	}
	v = json_object_get(root, "reason");
	if (!json_is_string(v) || (reason = json_string_value(v))[0] == '\0') {
		reply_invalid1(req, "/reason", "reason is required: a "
		    "non-empty string");
		goto out;
	}
	for (p = reason; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			break;
	/* The register keeps the reason in sizeof(status_reason) bytes. */
	if (*p != '\0' || utf8_chars(reason) > REASON_CHARS_MAX ||
	    strlen(reason) >= sizeof(probe.status_reason)) {
		reply_invalid1(req, "/reason", *p != '\0' ? "reason must not "
		    "contain control characters" : "reason is too long (at "
		    "most 256 characters and 255 bytes of UTF-8)");
		goto out;
	}
	v = json_object_get(root, "superseded_by");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || !uuid_ok(json_string_value(v))) {
			reply_invalid1(req, "/superseded_by", "superseded_by "
			    "must be the id of an issued document");
			goto out;
		}
		sup = json_string_value(v);
		if (strcmp(sup, sr->id) == 0) {
			reply_invalid1(req, "/superseded_by", "a document "
			    "cannot supersede itself");
			goto out;
		}
	}
	if ((d = load_doc(sd, sr, req, 0)) == NULL)
		goto out;
	if (sup != NULL) {
		r = cs_store_get(sd->store, sup, 0, &by, &err);
		if (r == CS_E_NOTFOUND || (r == 0 && !signd_clients_allows(sr->client,
		    by->office))) {
			reply_invalid1(req, "/superseded_by", "superseded_by "
			    "names no document this client may see");
			goto out;
		}
		if (r != 0) {
			reply_store_down(req, &err);
			goto out;
		}
	}
	cs_httpd_log_str(req, "doc", d->id);
	r = cs_store_revoke(sd->store, d->id, reason, sup,
	    sr->client->name, &err);
	switch (r) {
	case 0:
		break;
	case CS_E_NOTFOUND:
		cs_httpd_reply_problem(req, 404, "not-found", "no such "
		    "document", NULL);
		goto out;
	case CS_E_CONFLICT:
		cs_httpd_reply_problem(req, 409, "document-not-valid",
		    "the document is already revoked or superseded", NULL);
		goto out;
	case CS_E_UNAVAILABLE:
		reply_store_down(req, &err);
		goto out;
	default:
		cs_logf(CS_LOG_ERROR, "store_error", "%s", err.msg);
		cs_httpd_reply_problem(req, 500, "internal", "the revocation "
		    "could not be registered", NULL);
		goto out;
	}
	cs_store_doc_free(d);
	d = NULL;
	if ((r = cs_store_get(sd->store, sr->id, 0, &d, &err)) != 0) {
		reply_store_down(req, &err);
		goto out;
	}
	cs_httpd_reply_json(req, 200, status_json(d));
out:
	cs_store_doc_free(d);
	cs_store_doc_free(by);
	json_decref(root);
}

/*
 * GET /readyz: every office key is loaded (a signer an HSM error broke is
 * reconnected here, and proves each key signs), and the register takes a
 * write lock.
 */
static void
h_readyz(struct signd *sd, struct sreq *sr, struct cs_httpd_req *req)
{
	struct cs_err err;
	char detail[CS_ERR_MSG_MAX + 32];

	cs_err_clear(&err);
	if (signer_load_keys(sr->gen->signer, &err) != 0) {
		snprintf(detail, sizeof(detail), "hsm: %s", err.msg);
		set_retry_after(req);
		cs_httpd_reply_problem(req, 503, "not-ready", detail, NULL);
		return;
	}
	if (cs_store_ping(sd->store, &err) != 0) {
		snprintf(detail, sizeof(detail), "register: %s", err.msg);
		set_retry_after(req);
		cs_httpd_reply_problem(req, 503, "not-ready", detail, NULL);
		return;
	}
	cs_httpd_reply_json(req, 200, json_pack("{s:s, s:{s:s, s:s}}",
	    "status", "ready", "checks", "hsm", "ok", "register", "ok"));
}

/* GET /metrics */
static void
h_metrics(struct signd *sd, struct cs_httpd_req *req)
{
	struct cs_store_stats st;

	cs_metrics_set(sd->metrics, M_HSM_RECONNECTS,
	    (double)signer_hsm_reconnects(), NULL);
	memset(&st, 0, sizeof(st));
	cs_store_stats(sd->store, &st);
	cs_metrics_set_summary(sd->metrics, M_COMMIT_SECONDS, st.commit_seconds,
	    st.commits, NULL);
	cs_metrics_set(sd->metrics, M_COMMIT_MAX, st.commit_seconds_max, NULL);
	cs_metrics_set(sd->metrics, M_COMMITS, (double)st.commits, NULL);
	cs_metrics_set(sd->metrics, M_ROWS, (double)st.rows, NULL);
	cs_httpd_reply_metrics(req, sd->metrics);
}

/* --- routing ----------------------------------------------------------- */

static const struct {
	enum route route;
	const char *tmpl;	/* metrics label */
	const char *method;	/* the one method served ("GET" serves HEAD too) */
	int auth;		/* needs a client token */
	int json_body;		/* needs Content-Type: application/json */
} routes[] = {
	{ R_NONE, "other", NULL, 0, 0 },
	{ R_HEALTHZ, "/healthz", "GET", 0, 0 },
	{ R_READYZ, "/readyz", "GET", 0, 0 },
	{ R_METRICS, "/metrics", "GET", 0, 0 },
	{ R_ISSUE, "/v1/documents", "POST", 1, 1 },
	{ R_DOC, "/v1/documents/{id}", "GET", 1, 0 },
	{ R_STATUS, "/v1/documents/{id}/status", "GET", 1, 0 },
	{ R_REVOKE, "/v1/documents/{id}/revoke", "POST", 1, 1 },
	{ R_HTML, "/v1/documents/{id}.html", "GET", 1, 0 },
	{ R_PDF, "/v1/documents/{id}.pdf", "GET", 1, 0 },
	{ R_QR_SVG, "/v1/documents/{id}/qr.svg", "GET", 1, 0 },
	{ R_QR_PNG, "/v1/documents/{id}/qr.png", "GET", 1, 0 },
};

/* The route of a path, and the {id} it carries; R_NONE when unknown. */
static enum route
route_of(const char *path, char id[37])
{
	const char *rest;
	size_t n;

	id[0] = '\0';
	if (strcmp(path, "/healthz") == 0)
		return R_HEALTHZ;
	if (strcmp(path, "/readyz") == 0)
		return R_READYZ;
	if (strcmp(path, "/metrics") == 0)
		return R_METRICS;
	if (strcmp(path, "/v1/documents") == 0)
		return R_ISSUE;
	if (strncmp(path, "/v1/documents/", 14) != 0)
		return R_NONE;
	path += 14;
	n = strcspn(path, "/.");
	if (n != 36)
		return R_NONE;
	memcpy(id, path, 36);
	id[36] = '\0';
	if (!uuid_ok(id))
		return R_NONE;
	rest = path + 36;
	if (*rest == '\0')
		return R_DOC;
	if (strcmp(rest, "/status") == 0)
		return R_STATUS;
	if (strcmp(rest, "/revoke") == 0)
		return R_REVOKE;
	if (strcmp(rest, ".html") == 0)
		return R_HTML;
	if (strcmp(rest, ".pdf") == 0)
		return R_PDF;
	if (strcmp(rest, "/qr.svg") == 0)
		return R_QR_SVG;
	if (strcmp(rest, "/qr.png") == 0)
		return R_QR_PNG;
	return R_NONE;
}

/* application/json, optionally with charset=utf-8. */
static int
json_type_ok(const char *ct)
{
	const char *p;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	p = ct + 16;
	p += strspn(p, " \t");
	if (*p == '\0')
		return 1;
	if (*p != ';')
		return 0;
	p++;
	p += strspn(p, " \t");
	if (strncasecmp(p, "charset=", 8) != 0)
		return 0;
	p += 8;
	return strcasecmp(p, "utf-8") == 0 || strcasecmp(p, "\"utf-8\"") == 0;
}

static void
unauthorized(struct cs_httpd_req *req, const char *code, const char *detail,
    int invalid)
{
	cs_httpd_add_header(req, "WWW-Authenticate", invalid ?
	    "Bearer realm=\"civseal\", error=\"invalid_token\"" :
	    "Bearer realm=\"civseal\"");
	cs_httpd_reply_problem(req, 401, code, detail, NULL);
}

/* Authenticate the Bearer token; replies 401 and returns NULL when it fails. */
static const struct client *
authenticate(struct gen *g, struct cs_httpd_req *req)
{
	const struct client *c;
	const char *h, *tok;

	if (cs_httpd_header_count(req, "Authorization") > 1) {
		unauthorized(req, "invalid-token", "more than one "
		    "Authorization header", 1);
		return NULL;
	}
	if ((h = cs_httpd_header(req, "Authorization")) == NULL) {
		unauthorized(req, "missing-token", "this route needs "
		    "Authorization: Bearer <token>", 0);
		return NULL;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		unauthorized(req, "invalid-token", "the Authorization scheme "
		    "must be Bearer", 1);
		return NULL;
	}
	tok = h + 7;
	tok += strspn(tok, " ");
	if ((c = signd_clients_authenticate(g->clients, tok, strlen(tok))) == NULL) {
		unauthorized(req, "invalid-token", "the token is not valid", 1);
		return NULL;
	}
	cs_httpd_log_str(req, "client", c->name);
	return c;
}

static void
on_headers(void *ctx, struct cs_httpd_req *req)
{
	struct signd *sd = ctx;
	struct sreq *sr;
	const char *m = cs_httpd_method(req), *want;
	char allow[16];

	if ((sr = calloc(1, sizeof(*sr))) == NULL) {
		cs_httpd_reply_problem(req, 503, "overloaded", "out of memory",
		    NULL);
		return;
	}
	cs_httpd_set_user(req, sr);
	sr->gen = gen_acquire(sd);
	sr->route = route_of(cs_httpd_path(req), sr->id);
	cs_httpd_set_route(req, routes[sr->route].tmpl);
	if (sr->id[0] != '\0')
		cs_httpd_log_str(req, "doc", sr->id);
	if (sr->route == R_NONE) {
		cs_httpd_reply_problem(req, 404, "not-found", "no such "
		    "resource", NULL);
		return;
	}
	want = routes[sr->route].method;
	if (strcmp(m, want) != 0 && !(strcmp(want, "GET") == 0 &&
	    strcmp(m, "HEAD") == 0)) {
		snprintf(allow, sizeof(allow), "%s%s", want,
		    strcmp(want, "GET") == 0 ? ", HEAD" : "");
		cs_httpd_add_header(req, "Allow", allow);
		cs_httpd_reply_problem(req, 405, "method-not-allowed",
		    strcmp(want, "GET") == 0 ? "this resource is read with "
		    "GET" : "this resource takes POST", NULL);
		return;
	}
	if (routes[sr->route].auth &&
	    (sr->client = authenticate(sr->gen, req)) == NULL)
		return;
	if (routes[sr->route].json_body) {
		if (cs_httpd_header_count(req, "Content-Type") != 1 ||
		    !json_type_ok(cs_httpd_header(req, "Content-Type"))) {
			cs_httpd_reply_problem(req, 415,
			    "unsupported-media-type", "the body must be sent "
			    "as Content-Type: application/json", NULL);
			return;
		}
	}
}

static void
on_request(void *ctx, struct cs_httpd_req *req)
{
	struct signd *sd = ctx;
	struct sreq *sr = cs_httpd_user(req);

	switch (sr->route) {
	case R_HEALTHZ:
		cs_httpd_reply_json(req, 200, json_pack("{s:s}", "status",
		    "ok"));
		break;
	case R_READYZ:
		h_readyz(sd, sr, req);
		break;
	case R_METRICS:
		h_metrics(sd, req);
		break;
	case R_ISSUE:
		h_issue(sd, sr, req);
		break;
	case R_DOC:
		h_doc(sd, sr, req);
		break;
	case R_STATUS:
		h_status(sd, sr, req);
		break;
	case R_REVOKE:
		h_revoke(sd, sr, req);
		break;
	case R_HTML:
	case R_PDF:
	case R_QR_SVG:
	case R_QR_PNG:
		h_render(sd, sr, req);
		break;
	case R_NONE:
		break;
	}
}

static void
on_done(void *ctx, struct cs_httpd_req *req)
{
	struct signd *sd = ctx;
	struct sreq *sr = cs_httpd_user(req);

	if (sr == NULL)
		return;
	gen_release(sd, sr->gen);
	free(sr);
}

/* --- life cycle ----------------------------------------------------------- */

static int
declare_metrics(struct cs_metrics *m, struct cs_err *err)
{
	static const double sign_bounds[] = { 0.001, 0.0025, 0.005, 0.01,
	    0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
	int r;

	if ((r = cs_metrics_declare(m, M_SIGN_SECONDS, CS_METRIC_HISTOGRAM, 0,
	    "Time to issue one document: validation, XML, HSM signature and "
	    "self-check", sign_bounds, sizeof(sign_bounds) /
	    sizeof(sign_bounds[0]), err)) != 0 ||
	    (r = cs_metrics_declare(m, M_HSM_ERRORS, CS_METRIC_COUNTER, 0,
	    "Signatures that failed in the HSM", NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_HSM_RECONNECTS, CS_METRIC_COUNTER, 0,
	    "Reconnects to the HSM after it failed", NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_ISSUED, CS_METRIC_COUNTER, 1,
	    "Documents issued and registered, by type", NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_REPLAYS, CS_METRIC_COUNTER, 0,
	    "Retries answered with the document of an earlier request",
	    NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_RELOADS, CS_METRIC_COUNTER, 1,
	    "Configuration reloads (SIGHUP), by result", NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_COMMIT_SECONDS, CS_METRIC_SUMMARY, 0,
	    "Time spent in durable register commits", NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_COMMIT_MAX, CS_METRIC_GAUGE, 0,
	    "Longest durable register commit", NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_COMMITS, CS_METRIC_COUNTER, 0,
	    "Durable register commits (each may carry many documents)",
	    NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_ROWS, CS_METRIC_COUNTER, 0,
	    "Documents written by durable register commits", NULL, 0,
	    err)) != 0)
		return r;
	return 0;
}

static void
signd_free(struct signd *sd)
{
	struct gen *g, *next;

	if (sd == NULL)
		return;
	/* Newest first; each signer unloads the module (see struct gen). */
	if (sd->cur != NULL && --sd->cur->refs == 0)
		gen_free(sd->cur);
	for (g = sd->retired; g != NULL; g = next) {
		next = g->next_retired;
		gen_free(g);
	}
	cs_store_close(sd->store);
	cs_metrics_free(sd->metrics);
	pthread_mutex_destroy(&sd->lock);
	pthread_mutex_destroy(&sd->idem_lock);
	free(sd->config_path);
	free(sd);
}

int
signd_start(const struct signd_opts *opts, struct signd **out,
    struct cs_err *err)
{
	struct cs_httpd_opts ho;
	struct signd *sd = NULL;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((sd = calloc(1, sizeof(*sd))) == NULL ||
	    (sd->config_path = strdup(opts->config_path)) == NULL ||
	    (sd->metrics = cs_metrics_new()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&sd->lock, NULL);
	pthread_mutex_init(&sd->idem_lock, NULL);
	if ((r = declare_metrics(sd->metrics, err)) != 0)
		goto out;
	/* The stylesheet now: a broken installation fails at start. */
	if ((r = render_init(err)) != 0)
		goto out;
	if ((r = gen_load(sd, &sd->cur, err)) != 0)
		goto out;
	sd->cur->number = ++sd->generations;
	if (cs_store_location(sd->cur->cfg) == NULL) {
		r = cs_err_set(err, CS_E_CONFIG, "%s: [store] path is not set",
		    sd->cur->cfg->path);
		goto out;
	}
	/* The register names itself in its errors (never a URL's password). */
	if ((r = cs_store_open(cs_store_location(sd->cur->cfg), 0, &sd->store,
	    err)) != 0)
		goto out;
	snprintf(sd->listen, sizeof(sd->listen), "%s", opts->listen != NULL ?
	    opts->listen : sd->cur->cfg->signd_listen != NULL ?
	    sd->cur->cfg->signd_listen : SIGND_DEFAULT_LISTEN);
	memset(&ho, 0, sizeof(ho));
	ho.listen = sd->listen;
	ho.threads = opts->threads;
	ho.max_body = SIGND_MAX_BODY;
	ho.metrics = sd->metrics;
	ho.on_headers = on_headers;
	ho.on_request = on_request;
	ho.on_done = on_done;
	ho.ctx = sd;
	if ((r = cs_httpd_start(&ho, &sd->httpd, err)) != 0)
		goto out;
	*out = sd;
	sd = NULL;		/* transferred to caller */
	r = 0;
out:
	signd_free(sd);
	return r;
}

const char *
signd_listen(const struct signd *sd)
{
	return sd->listen;
}

unsigned
signd_port(const struct signd *sd)
{
	return cs_httpd_port(sd->httpd);
}

/* Settings a reload cannot apply; logged so nobody believes they took. */
static void
warn_fixed(const struct cs_config *old, const struct cs_config *new)
{
	const char *a = cs_store_location(old), *b = cs_store_location(new);

	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		cs_logf(CS_LOG_WARN, "reload", "[store] changed: the register "
		    "stays the same until a restart");
	if ((old->signd_listen == NULL) != (new->signd_listen == NULL) ||
	    (old->signd_listen != NULL &&
	    strcmp(old->signd_listen, new->signd_listen) != 0))
		cs_logf(CS_LOG_WARN, "reload", "[signd] listen changed: the "
		    "listen address changes at the next restart");
}

int
signd_reload(struct signd *sd, struct cs_err *err)
{
	struct gen *g = NULL, *old;
	int r;

	if ((r = gen_load(sd, &g, err)) != 0) {
		cs_metrics_add(sd->metrics, M_RELOADS, 1, "result", "failed",
		    NULL);
		return r;
	}
	pthread_mutex_lock(&sd->lock);
	g->number = ++sd->generations;
	old = sd->cur;
	sd->cur = g;
	pthread_mutex_unlock(&sd->lock);
	warn_fixed(old->cfg, g->cfg);
	gen_release(sd, old);	/* the reference cur held */
	cs_metrics_add(sd->metrics, M_RELOADS, 1, "result", "ok", NULL);
	cs_log_event(CS_LOG_INFO, "reload", json_pack("{s:i, s:i, s:i}",
	    "generation", (int)g->number, "offices", (int)g->cfg->n_offices,
	    "clients", (int)g->clients->n));
	return 0;
}

unsigned
signd_stop(struct signd *sd, unsigned timeout_ms)
{
	unsigned left;

	if (sd == NULL)
		return 0;
	left = cs_httpd_drain(sd->httpd, timeout_ms);	/* workers joined */
	sd->httpd = NULL;
	signd_free(sd);
	render_done();
	return left;
}
