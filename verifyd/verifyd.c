/*
 * verifyd/verifyd.c — civseal-verifyd routes and handlers; see verifyd.h
 * and docs/verifyd.md.
 *
 * What is logged of a verification: route, status, verdict, document id and
 * office (only for documents a trusted office signed), latency and client
 * address.  Never a seal, a document, a field or a name: they are personal
 * data (the seal's path is logged as "/v/...").
 */
#include "verifyd/verifyd.h"

#include <math.h>
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
#include "core/fileio.h"
#include "service/httpd.h"
#include "core/log.h"
#include "service/metrics.h"
#include "core/seal.h"
#include "store/store.h"
#include "core/xml.h"
#include "verifyd/pages.h"
#include "verifyd/ratelimit.h"
#include "verifier/status.h"
#include "verifier/verifier.h"

#define CONN_LIMIT 256
#define PER_IP_CONN_LIMIT 16
#define IDLE_TIMEOUT_S 15
#define REQUEST_S 30		/* longest a request may take to arrive */
#define HEADER_MEM (32 * 1024)	/* per connection: request line and headers */
#define RATE_SLOTS 65536
#define STORE_RETRY_S 5.0	/* between attempts to open the register */
#define CSS_MAX (64 * 1024)
#define SEAL_INPUT_MAX (CS_SEAL_TEXT_MAX + 2048)	/* digits, or a URL */

#define M_VERIFICATIONS "civseal_verifications_total"
#define M_VERIFY_SECONDS "civseal_verify_seconds"
#define M_RATE_LIMITED "civseal_rate_limited_total"
#define M_REGISTER "civseal_register_lookups_total"
#define M_RELOADS "civseal_config_reloads_total"

/* A generation of what SIGHUP reloads; requests hold a reference. */
struct gen {
	unsigned refs;			/* under verifyd.lock */
	unsigned number;
	struct cs_config *cfg;
	struct verifier *v;
	double rate, burst;		/* [verifyd] rate_limit, rate_burst */
};

struct verifyd {
	char *config_path;
	char listen[128];
	struct cs_httpd *httpd;
	struct cs_metrics *metrics;
	struct verifyd_ratelimit *rl;
	char *css;
	char csp[256];
	const char *headers[9];

	pthread_mutex_t lock;		/* cur, refs */
	struct gen *cur;
	unsigned generations;

	pthread_mutex_t store_lock;	/* store, store_next_try */
	char *store_path;		/* NULL: no register configured */
	struct cs_store *store;		/* read-only; NULL until it opens */
	double store_next_try;
};

enum route {
	R_NONE = 0,
	R_HEALTHZ,
	R_READYZ,
	R_METRICS,
	R_API,		/* POST /v1/verify */
	R_HOME,		/* GET / */
	R_VERIFY,	/* GET /verify: the upload page; POST: its result */
	R_SEAL,		/* GET /v/<seal> */
};

static const struct {
	const char *tmpl;	/* metrics label */
	const char *allow;	/* methods served */
	int html;		/* errors as HTML pages, not problem+json */
	int limited;		/* counts against the client's rate */
} routes[] = {
	[R_NONE] = { "other", "", 1, 0 },
	[R_HEALTHZ] = { "/healthz", "GET, HEAD", 0, 0 },
	[R_READYZ] = { "/readyz", "GET, HEAD", 0, 0 },
	[R_METRICS] = { "/metrics", "GET, HEAD", 0, 0 },
	[R_API] = { "/v1/verify", "POST", 0, 1 },
	[R_HOME] = { "/", "GET, HEAD", 1, 0 },
	[R_VERIFY] = { "/verify", "GET, HEAD, POST", 1, 1 },
	[R_SEAL] = { "/v/{seal}", "GET, HEAD", 1, 1 },
};

/* What a request carries from on_headers to on_done. */
struct vreq {
	enum route route;
	struct gen *gen;
	enum verifier_lang lang;
	int form;		/* the body is read as a form */
};

/* --- generations ------------------------------------------------------- */

static void
gen_free(struct gen *g)
{
	if (g == NULL)
		return;
	verifier_free(g->v);
	cs_config_free(g->cfg);
	free(g);
}

static struct gen *
gen_acquire(struct verifyd *vd)
{
	struct gen *g;

	pthread_mutex_lock(&vd->lock);
	g = vd->cur;
	g->refs++;
	pthread_mutex_unlock(&vd->lock);
	return g;
}

static void
gen_release(struct verifyd *vd, struct gen *g)
{
	int last;

	if (g == NULL)
		return;
	pthread_mutex_lock(&vd->lock);
	last = --g->refs == 0;
	pthread_mutex_unlock(&vd->lock);
	if (last)
		gen_free(g);
}

/* A positive number from the configuration (or the default when unset). */
static int
conf_number(const struct cs_config *cfg, const char *key, const char *v,
    double def, double min, double *out, struct cs_err *err)
{
	char *end;
	double d;

	*out = def;
	if (v == NULL)
		return 0;
	d = strtod(v, &end);
	if (end == v || *end != '\0' || !isfinite(d) || d < min || d > 1e6)
		return cs_err_set(err, CS_E_CONFIG, "%s: [verifyd] %s must be "
		    "a number from %g to 1000000", cfg->path, key, min);
	*out = d;
	return 0;
}

static int
gen_load(const char *config_path, struct gen **out, struct cs_err *err)
{
	struct gen *g;
	int r;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	if ((r = cs_config_load(config_path, &g->cfg, err)) != 0)
		goto fail;
	if (g->cfg->trust_anchors == NULL) {
		r = cs_err_set(err, CS_E_CONFIG, "%s: [trust] anchors is not "
		    "set: nothing could be trusted", g->cfg->path);
		goto fail;
	}
	if ((r = verifier_new(g->cfg->trust_anchors, g->cfg->trust_crl, &g->v,
	    err)) != 0)
		goto fail;
	/* Checked at every load, so a reload refuses what a restart would. */
	if ((r = conf_number(g->cfg, "rate_limit", g->cfg->verifyd_rate_limit,
	    VERIFYD_RATE_DEFAULT, 0.001, &g->rate, err)) != 0 ||
	    (r = conf_number(g->cfg, "rate_burst", g->cfg->verifyd_rate_burst,
	    VERIFYD_BURST_DEFAULT, 1, &g->burst, err)) != 0)
		goto fail;
	g->refs = 1;		/* the reference of vd->cur */
	*out = g;
	return 0;
fail:
	gen_free(g);
	return r;
}

/* --- the register ------------------------------------------------------ */

/*
 * The register, opened read-only on first need and kept; NULL while it
 * cannot be opened (tried again every STORE_RETRY_S, not per request).
 */
static struct cs_store *
get_store(struct verifyd *vd)
{
	struct cs_store *st;
	struct cs_err err;
	double now;

	pthread_mutex_lock(&vd->store_lock);
	if ((st = vd->store) == NULL && vd->store_path != NULL &&
	    (now = cs_mono_seconds()) >= vd->store_next_try) {
		cs_err_clear(&err);
		if (cs_store_open(vd->store_path, 1, &vd->store, &err) == 0) {
			st = vd->store;
			cs_logf(CS_LOG_INFO, "register", "register %s open "
			    "(read-only)", vd->store_path);
		} else {
			vd->store_next_try = now + STORE_RETRY_S;
			cs_logf(CS_LOG_WARN, "store_error", "%s", err.msg);
		}
	}
	pthread_mutex_unlock(&vd->store_lock);
	return st;
}

/* --- verification ---------------------------------------------------------- */

/*
 * Check an XML document (xml != NULL) or a seal, and the document's status
 * in the register.  The report belongs to the caller.
 */
static int
check(struct verifyd *vd, struct gen *g, struct cs_httpd_req *req,
    const char *xml, size_t len, const char *seal,
    struct verifier_report **rep, struct verifier_status *st,
    struct cs_err *err)
{
	struct cs_err serr;
	double t0 = cs_mono_seconds();
	const char *verdict;
	int r;

	*rep = NULL;
	memset(st, 0, sizeof(*st));
	r = xml != NULL ? verifier_check(g->v, xml, len, rep, err) :
	    verifier_check_seal(g->v, seal, rep, err);
	if (r != 0)
		return r;
	cs_err_clear(&serr);
	if ((r = verifier_status_apply(get_store(vd), 1, *rep, st, &serr)) != 0)
		return cs_err_set(err, r, "out of memory");
	if (st->state == VERIFIER_STATUS_UNAVAILABLE && serr.msg[0] != '\0')
		cs_logf(CS_LOG_WARN, "store_error", "%s", serr.msg);
	if (st->state != VERIFIER_STATUS_UNCHECKED)
		cs_metrics_add(vd->metrics, M_REGISTER, 1, "result",
		    verifier_status_name(st->state), NULL);
	verdict = verifyd_page_verdict(*rep, st);
	cs_metrics_add(vd->metrics, M_VERIFICATIONS, 1, "source",
	    xml != NULL ? "xml" : "seal", "verdict", verdict, NULL);
	cs_metrics_observe(vd->metrics, M_VERIFY_SECONDS, cs_mono_seconds() - t0, NULL);
	cs_httpd_log_str(req, "source", xml != NULL ? "xml" : "seal");
	cs_httpd_log_str(req, "verdict", verdict);
	/* Ids are worth logging only when a trusted office issued them. */
	if (strcmp(verdict, "invalid") != 0 &&
	    strcmp(verdict, "unknown-issuer") != 0) {
		cs_httpd_log_str(req, "doc", (*rep)->doc_id);
		cs_httpd_log_str(req, "office", (*rep)->office);
	}
	return 0;
}

/* --- replies ---------------------------------------------------------------- */

static void
reply_html(struct cs_httpd_req *req, unsigned status, char *html, size_t len)
{
	cs_httpd_reply(req, status, "text/html; charset=utf-8", html, len);
	free(html);
}

static void
page_init(struct verifyd *vd, struct vreq *vr, struct verifyd_page *pg)
{
	memset(pg, 0, sizeof(*pg));
	pg->lang = vr->lang;
	pg->css = vd->css;
	/* A result of a POST cannot be fetched again: switch on the form. */
	pg->switch_path = vr->route == R_VERIFY ? "/verify" : NULL;
}

static void
reply_message(struct verifyd *vd, struct vreq *vr, struct cs_httpd_req *req,
    unsigned status, enum verifier_msg msg, const char *code)
{
	struct verifyd_page pg;
	struct cs_err err;
	char *html = NULL;
	size_t len;

	page_init(vd, vr, &pg);
	cs_httpd_log_str(req, "code", code);
	if (verifyd_page_message(&pg, msg, &html, &len, &err) != 0) {
		cs_httpd_reply_problem(req, 500, "internal", "out of memory",
		    NULL);
		return;
	}
	reply_html(req, status, html, len);
}

/* An error in the form the route speaks: an HTML page or problem+json. */
static void
reply_error(struct verifyd *vd, struct vreq *vr, struct cs_httpd_req *req,
    unsigned status, const char *code, const char *detail,
    enum verifier_msg msg)
{
	if (routes[vr->route].html)
		reply_message(vd, vr, req, status, msg, code);
	else
		cs_httpd_reply_problem(req, status, code, detail, NULL);
}

static void
reply_internal(struct verifyd *vd, struct vreq *vr, struct cs_httpd_req *req,
    const struct cs_err *err)
{
	cs_logf(CS_LOG_ERROR, "verify_error", "%s", err->msg);
	reply_error(vd, vr, req, 500, "internal", "the document could not be "
	    "checked", VERIFIER_MSG_INTERNAL);
}

static void
reply_result_page(struct verifyd *vd, struct vreq *vr,
    struct cs_httpd_req *req, const struct verifier_report *rep,
    const struct verifier_status *st, int from_seal)
{
	const struct cs_office *o = NULL;
	struct verifyd_page pg;
	struct cs_err err;
	char *html = NULL;
	size_t len;

	page_init(vd, vr, &pg);
	/* The certificate names the office; the configuration, failing that. */
	if (rep->leaf == NULL && rep->office[0] != '\0')
		o = cs_config_office(vr->gen->cfg, rep->office);
	if (verifyd_page_result(&pg, rep, st, o != NULL ? o->name : NULL,
	    from_seal, &html, &len, &err) != 0) {
		reply_internal(vd, vr, req, &err);
		return;
	}
	reply_html(req, 200, html, len);
}

/* --- handlers --------------------------------------------------------------- */

/* Leading and trailing white space of pasted text, removed in place. */
static char *
trim(char *s)
{
	char *e;

	s += strspn(s, " \t\r\n");
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]) != NULL)
		*--e = '\0';
	return s;
}

/*
 * The one thing a form asks to check: a file field "xml" or a text field
 * "seal" (exactly one of the two, not empty).  0, or -1 (nothing replied).
 */
static int
form_input(struct cs_httpd_req *req, const char **xml, size_t *xml_len,
    char **seal)
{
	const char *x, *s;
	size_t xl = 0, sl = 0;

	*xml = NULL;
	*seal = NULL;
	if (!cs_httpd_form_ok(req))
		return -1;
	x = cs_httpd_form_field(req, "xml", &xl, NULL);
	s = cs_httpd_form_field(req, "seal", &sl, NULL);
	if (x != NULL && xl == 0)
		x = NULL;	/* a browser sends an empty file field */
	if (s != NULL && strspn(s, " \t\r\n") == sl)
		s = NULL;
	if ((x == NULL) == (s == NULL) || sl > SEAL_INPUT_MAX)
		return -1;
	if (x != NULL) {
		*xml = x;
		*xml_len = xl;
		return 0;
	}
	/* Copied: trim works in place, and the form's value is not ours. */
	return (*seal = strdup(s)) != NULL ? 0 : -1;
}

/*
 * POST /v1/verify (the JSON report) and POST /verify (the staff form's
 * result, as a page): the signed XML as the body, or a form with a file
 * "xml" or a text "seal".
 */
static void
h_post(struct verifyd *vd, struct vreq *vr, struct cs_httpd_req *req)
{
	struct verifier_report *rep = NULL;
	struct verifier_status st;
	struct cs_err err;
	const char *xml = NULL;
	char *seal = NULL;
	size_t len = 0;
	int html = vr->route == R_VERIFY;
	json_t *j;

	cs_err_clear(&err);
	if (vr->form) {
		if (form_input(req, &xml, &len, &seal) != 0) {
			reply_error(vd, vr, req, 400, "malformed-form", "the "
			    "multipart body must be complete and hold exactly "
			    "one of the fields xml (the signed document) and "
			    "seal", VERIFIER_MSG_BAD_FORM);
			goto out;
		}
	} else {
		xml = cs_httpd_body(req, &len);
		if (len == 0) {
			reply_error(vd, vr, req, 400, "empty-body", "the body "
			    "must be the signed XML document",
			    VERIFIER_MSG_BAD_FORM);
			goto out;
		}
	}
	if (check(vd, vr->gen, req, xml, len, seal != NULL ? trim(seal) : NULL,
	    &rep, &st, &err) != 0) {
		reply_internal(vd, vr, req, &err);
		goto out;
	}
	if (html) {
		reply_result_page(vd, vr, req, rep, &st, seal != NULL);
	} else if ((j = verifier_full_json(rep, &st)) == NULL) {
		cs_httpd_reply_problem(req, 500, "internal", "out of memory",
		    NULL);
	} else {
		cs_httpd_reply_json(req, 200, j);
	}
out:
	verifier_report_free(rep);
	free(seal);
}

/* GET /v/<seal>: the page a QR code opens. */
static void
h_seal(struct verifyd *vd, struct vreq *vr, struct cs_httpd_req *req)
{
	struct verifier_report *rep = NULL;
	struct verifier_status st;
	struct cs_err err;
	const char *seal = cs_httpd_path(req) + 3;

	cs_err_clear(&err);
	/* Longer than any seal: not one (the verifier says why, unlogged). */
	if (strlen(seal) > SEAL_INPUT_MAX)
		seal = "";
	if (check(vd, vr->gen, req, NULL, 0, seal, &rep, &st, &err) != 0) {
		reply_internal(vd, vr, req, &err);
		goto out;
	}
	reply_result_page(vd, vr, req, rep, &st, 1);
out:
	verifier_report_free(rep);
}

static void
h_page(struct verifyd *vd, struct vreq *vr, struct cs_httpd_req *req)
{
	struct verifyd_page pg;
	struct cs_err err;
	char *html = NULL;
	size_t len;

	page_init(vd, vr, &pg);
	pg.switch_path = NULL;
	if (verifyd_page_upload(&pg, &html, &len, &err) != 0) {
		reply_internal(vd, vr, req, &err);
		return;
	}
	reply_html(req, 200, html, len);
}

/*
 * GET /readyz: the trust list is loaded (always, once started) and the
 * register answers.  A register that does not answer leaves the service
 * able to judge signatures, so it is reported, not fatal: 200 either way,
 * with checks.register naming the state.
 */
static void
h_readyz(struct verifyd *vd, struct cs_httpd_req *req)
{
	struct cs_store *st = get_store(vd);
	struct cs_err err;
	const char *reg = "ok";

	cs_err_clear(&err);
	if (vd->store_path == NULL)
		reg = "not-configured";
	else if (st == NULL || cs_store_ping(st, &err) != 0)
		reg = "unavailable";
	cs_httpd_reply_json(req, 200, json_pack("{s:s, s:{s:s, s:s}}",
	    "status", "ready", "checks", "trust", "ok", "register", reg));
}

/* --- routing ----------------------------------------------------------------- */

static enum route
route_of(const char *path)
{
	if (strcmp(path, "/healthz") == 0)
		return R_HEALTHZ;
	if (strcmp(path, "/readyz") == 0)
		return R_READYZ;
	if (strcmp(path, "/metrics") == 0)
		return R_METRICS;
	if (strcmp(path, "/v1/verify") == 0)
		return R_API;
	if (strcmp(path, "/") == 0)
		return R_HOME;
	if (strcmp(path, "/verify") == 0)
		return R_VERIFY;
	/* The seal is checked by the verifier, whatever the path holds. */
	if (strncasecmp(path, "/v/", 3) == 0)
		return R_SEAL;
	return R_NONE;
}

/* The media type of a Content-Type, without parameters, is want. */
static int
media_type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	ct += strspn(ct, " \t");
	return *ct == '\0' || *ct == ';';
}

static int
method_allowed(enum route r, const char *m)
{
	if (r == R_API)
		return strcmp(m, "POST") == 0;
	if (r == R_VERIFY && strcmp(m, "POST") == 0)
		return 1;
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* Refuse what need not be read: route, method, rate, type, size. */
static void
on_headers(void *ctx, struct cs_httpd_req *req)
{
	struct verifyd *vd = ctx;
	struct vreq *vr;
	const char *m = cs_httpd_method(req), *ct;
	unsigned retry;
	char ra[16];
	long long clen;

	if ((vr = calloc(1, sizeof(*vr))) == NULL) {
		cs_httpd_reply_problem(req, 503, "overloaded", "out of memory",
		    NULL);
		return;
	}
	cs_httpd_set_user(req, vr);
	vr->gen = gen_acquire(vd);
	vr->route = route_of(cs_httpd_path(req));
	vr->lang = verifier_lang_parse(cs_httpd_query(req, "lang"));
	cs_httpd_set_route(req, routes[vr->route].tmpl);
	if (vr->route == R_SEAL)
		cs_httpd_log_path(req, "/v/...");	/* the seal is personal data */
	if (vr->route == R_NONE) {
		if (strncmp(cs_httpd_path(req), "/v1/", 4) == 0)
			cs_httpd_reply_problem(req, 404, "not-found", "no such "
			    "resource", NULL);
		else
			reply_message(vd, vr, req, 404, VERIFIER_MSG_NOT_FOUND,
			    "not-found");
		return;
	}
	if (!method_allowed(vr->route, m)) {
		cs_httpd_add_header(req, "Allow", routes[vr->route].allow);
		cs_httpd_reply_problem(req, 405, "method-not-allowed",
		    "this resource does not take this method", NULL);
		return;
	}
	if (routes[vr->route].limited && (vr->route != R_VERIFY ||
	    strcmp(m, "POST") == 0) && !verifyd_ratelimit_take(vd->rl,
	    cs_httpd_client_addr(req), cs_mono_seconds(), &retry)) {
		cs_metrics_add(vd->metrics, M_RATE_LIMITED, 1, NULL);
		snprintf(ra, sizeof(ra), "%u", retry);
		cs_httpd_add_header(req, "Retry-After", ra);
		reply_error(vd, vr, req, 429, "rate-limited", "too many "
		    "requests from this address; retry after the number of "
		    "seconds in Retry-After", VERIFIER_MSG_TOO_MANY);
		return;
	}
	if (strcmp(m, "POST") != 0)
		return;
	clen = cs_httpd_content_length(req);
	if (clen >= 0 && (unsigned long long)clen > VERIFYD_MAX_BODY) {
		reply_error(vd, vr, req, 413, "body-too-large", "the request "
		    "body is larger than a signed document can be",
		    VERIFIER_MSG_TOO_LARGE);
		return;
	}
	ct = cs_httpd_header(req, "Content-Type");
	if (cs_httpd_header_count(req, "Content-Type") > 1)
		ct = NULL;
	if (media_type_is(ct, "multipart/form-data") ||
	    (vr->route == R_VERIFY &&
	    media_type_is(ct, "application/x-www-form-urlencoded"))) {
		vr->form = cs_httpd_want_form(req) == 0;
		if (!vr->form)
			reply_error(vd, vr, req, 400, "malformed-form", "the "
			    "multipart body has no usable boundary",
			    VERIFIER_MSG_BAD_FORM);
		return;
	}
	if (vr->route == R_API && (media_type_is(ct, "application/xml") ||
	    media_type_is(ct, "text/xml")))
		return;
	reply_error(vd, vr, req, 415, "unsupported-media-type", "send the "
	    "signed document as Content-Type: application/xml, or a "
	    "multipart/form-data upload", VERIFIER_MSG_BAD_FORM);
}

static void
on_request(void *ctx, struct cs_httpd_req *req)
{
	struct verifyd *vd = ctx;
	struct vreq *vr = cs_httpd_user(req);

	switch (vr->route) {
	case R_HEALTHZ:
		cs_httpd_reply_json(req, 200, json_pack("{s:s}", "status",
		    "ok"));
		break;
	case R_READYZ:
		h_readyz(vd, req);
		break;
	case R_METRICS:
		cs_httpd_reply_metrics(req, vd->metrics);
		break;
	case R_API:
		h_post(vd, vr, req);
		break;
	case R_HOME:
		h_page(vd, vr, req);
		break;
	case R_VERIFY:
		if (strcmp(cs_httpd_method(req), "POST") == 0)
			h_post(vd, vr, req);
		else
			h_page(vd, vr, req);
		break;
	case R_SEAL:
		h_seal(vd, vr, req);
		break;
	case R_NONE:
		break;
	}
}

static void
on_done(void *ctx, struct cs_httpd_req *req)
{
	struct verifyd *vd = ctx;
	struct vreq *vr = cs_httpd_user(req);

	if (vr == NULL)
		return;
	gen_release(vd, vr->gen);
	free(vr);
}

/* --- life cycle -------------------------------------------------------------- */

static int
declare_metrics(struct cs_metrics *m, struct cs_err *err)
{
	static const double bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
	    0.025, 0.05, 0.1, 0.25, 0.5, 1 };
	int r;

	if ((r = cs_metrics_declare(m, M_VERIFICATIONS, CS_METRIC_COUNTER, 1,
	    "Documents and seals checked, by source (xml, seal) and verdict "
	    "(as the pages show it)", NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_VERIFY_SECONDS, CS_METRIC_HISTOGRAM, 0,
	    "Time to check one document or seal, register lookup included",
	    bounds, sizeof(bounds) / sizeof(bounds[0]), err)) != 0 ||
	    (r = cs_metrics_declare(m, M_RATE_LIMITED, CS_METRIC_COUNTER, 0,
	    "Requests refused with 429 by the per-address rate limit", NULL, 0,
	    err)) != 0 ||
	    (r = cs_metrics_declare(m, M_REGISTER, CS_METRIC_COUNTER, 1,
	    "Document status lookups in the register, by result", NULL, 0,
	    err)) != 0 ||
	    (r = cs_metrics_declare(m, M_RELOADS, CS_METRIC_COUNTER, 1,
	    "Configuration, trust list and CRL reloads (SIGHUP), by result",
	    NULL, 0, err)) != 0)
		return r;
	return 0;
}

/* The stylesheet, and the Content-Security-Policy that allows just it. */
static int
load_css(struct verifyd *vd, struct cs_err *err)
{
	char path[4096], b64[64];
	unsigned char md[32];
	unsigned int mdlen = 0;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s/verifyd.css", cs_templates_dir());
	if ((r = cs_file_read(path, CSS_MAX, &vd->css, &len, err)) != 0)
		return r;
	if (strlen(vd->css) != len || strstr(vd->css, "</") != NULL)
		return cs_err_set(err, CS_E_CONFIG, "%s: not a plain "
		    "stylesheet", path);
	if (EVP_Digest(vd->css, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return cs_err_set(err, CS_E_CRYPTO, "SHA-256 failed");
	EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
	snprintf(vd->csp, sizeof(vd->csp), "default-src 'none'; style-src "
	    "'sha256-%s'; img-src 'self' data:; form-action 'self'; "
	    "base-uri 'none'; frame-ancestors 'none'", b64);
	vd->headers[0] = "Content-Security-Policy";
	vd->headers[1] = vd->csp;
	vd->headers[2] = "Referrer-Policy";
	vd->headers[3] = "no-referrer";
	vd->headers[4] = "X-Frame-Options";
	vd->headers[5] = "DENY";
	vd->headers[6] = "Cross-Origin-Resource-Policy";
	vd->headers[7] = "same-origin";
	vd->headers[8] = NULL;
	return 0;
}

static void
verifyd_free(struct verifyd *vd)
{
	if (vd == NULL)
		return;
	gen_release(vd, vd->cur);
	cs_store_close(vd->store);
	verifyd_ratelimit_free(vd->rl);
	cs_metrics_free(vd->metrics);
	pthread_mutex_destroy(&vd->lock);
	pthread_mutex_destroy(&vd->store_lock);
	free(vd->store_path);
	free(vd->css);
	free(vd->config_path);
	free(vd);
}

int
verifyd_start(const struct verifyd_opts *opts, struct verifyd **out,
    struct cs_err *err)
{
	struct cs_httpd_opts ho;
	struct verifyd *vd = NULL;
	const struct cs_config *cfg;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((vd = calloc(1, sizeof(*vd))) == NULL ||
	    (vd->config_path = strdup(opts->config_path)) == NULL ||
	    (vd->metrics = cs_metrics_new()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&vd->lock, NULL);
	pthread_mutex_init(&vd->store_lock, NULL);
	if ((r = declare_metrics(vd->metrics, err)) != 0 ||
	    (r = load_css(vd, err)) != 0 ||
	    (r = gen_load(vd->config_path, &vd->cur, err)) != 0)
		goto out;
	vd->cur->number = ++vd->generations;
	cfg = vd->cur->cfg;
	if ((r = verifyd_ratelimit_new(vd->cur->rate, vd->cur->burst,
	    RATE_SLOTS, &vd->rl, err)) != 0)
		goto out;
	if (cs_store_location(cfg) != NULL) {
		if ((vd->store_path = strdup(cs_store_location(cfg))) == NULL) {
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
		(void)get_store(vd);	/* logged if it cannot be opened yet */
	} else {
		cs_logf(CS_LOG_WARN, "register", "%s: no [store] path: document "
		    "status (revoked, superseded) cannot be checked", cfg->path);
	}
	snprintf(vd->listen, sizeof(vd->listen), "%s", opts->listen != NULL ?
	    opts->listen : cfg->verifyd_listen != NULL ? cfg->verifyd_listen :
	    VERIFYD_DEFAULT_LISTEN);
	memset(&ho, 0, sizeof(ho));
	ho.listen = vd->listen;
	ho.threads = opts->threads;
	ho.conn_limit = CONN_LIMIT;
	ho.per_ip_limit = PER_IP_CONN_LIMIT;
	ho.timeout_s = IDLE_TIMEOUT_S;
	ho.request_s = REQUEST_S;
	ho.conn_mem_limit = HEADER_MEM;
	ho.max_body = VERIFYD_MAX_BODY;
	ho.headers = vd->headers;
	ho.metrics = vd->metrics;
	ho.on_headers = on_headers;
	ho.on_request = on_request;
	ho.on_done = on_done;
	ho.ctx = vd;
	if ((r = cs_httpd_start(&ho, &vd->httpd, err)) != 0)
		goto out;
	*out = vd;
	vd = NULL;		/* transferred to caller */
	r = 0;
out:
	verifyd_free(vd);
	return r;
}

const char *
verifyd_listen(const struct verifyd *vd)
{
	return vd->listen;
}

unsigned
verifyd_port(const struct verifyd *vd)
{
	return cs_httpd_port(vd->httpd);
}

/* Settings a reload cannot apply; logged so nobody believes they took. */
static void
warn_fixed(const struct cs_config *old, const struct cs_config *new)
{
	static const struct {
		size_t off;
		const char *what;
	} fixed[] = {
		{ offsetof(struct cs_config, store_path), "[store] path" },
		{ offsetof(struct cs_config, store_url), "[store] url" },
		{ offsetof(struct cs_config, verifyd_listen), "[verifyd] listen" },
		{ offsetof(struct cs_config, verifyd_rate_limit),
		    "[verifyd] rate_limit" },
		{ offsetof(struct cs_config, verifyd_rate_burst),
		    "[verifyd] rate_burst" },
	};
	const char *a, *b;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		a = *(char *const *)(const void *)((const char *)old +
		    fixed[i].off);
		b = *(char *const *)(const void *)((const char *)new +
		    fixed[i].off);
		if ((a == NULL) != (b == NULL) || (a != NULL &&
		    strcmp(a, b) != 0))
			cs_logf(CS_LOG_WARN, "reload", "%s changed: it takes "
			    "effect at the next restart", fixed[i].what);
	}
}

int
verifyd_reload(struct verifyd *vd, struct cs_err *err)
{
	struct gen *g = NULL, *old;
	int r;

	if ((r = gen_load(vd->config_path, &g, err)) != 0) {
		cs_metrics_add(vd->metrics, M_RELOADS, 1, "result", "failed",
		    NULL);
		return r;
	}
	pthread_mutex_lock(&vd->lock);
	g->number = ++vd->generations;
	old = vd->cur;
	vd->cur = g;
	pthread_mutex_unlock(&vd->lock);
	warn_fixed(old->cfg, g->cfg);
	gen_release(vd, old);	/* the reference cur held */
	cs_metrics_add(vd->metrics, M_RELOADS, 1, "result", "ok", NULL);
	cs_log_event(CS_LOG_INFO, "reload", json_pack("{s:i}", "generation",
	    (int)g->number));
	return 0;
}

unsigned
verifyd_stop(struct verifyd *vd, unsigned timeout_ms)
{
	unsigned left;

	if (vd == NULL)
		return 0;
	left = cs_httpd_drain(vd->httpd, timeout_ms);
	vd->httpd = NULL;
	verifyd_free(vd);
	return left;
}
