/* tsad/tsad.c — civseal-tsad routes and life cycle; see tsad.h, docs/tsa.md. */
#include "tsad/tsad.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/pem.h"
#include "pkcs11/key.h"
#include "service/httpd.h"
#include "service/metrics.h"
#include "tsa/responder.h"

#define QUERY_TYPE "application/timestamp-query"
#define REPLY_TYPE "application/timestamp-reply"
#define RETRY_AFTER "1"
#define RECONNECT_EVERY_S 1.0	/* at most one HSM reconnect a second */

#define M_ISSUED "civseal_tsa_timestamps_issued_total"
#define M_REFUSED "civseal_tsa_requests_refused_total"
#define M_FAILURES "civseal_tsa_failures_total"
#define M_SIGN_SECONDS "civseal_tsa_sign_seconds"
#define M_RECONNECTS "civseal_tsa_hsm_reconnects_total"
#define M_CERT_EXPIRY "civseal_tsa_certificate_expiry_seconds"

struct tsad {
	struct cs_config *cfg;
	char listen[128];
	struct cs_httpd *httpd;
	struct cs_metrics *metrics;
	struct tsa_serial *serial;	/* the process's, across reconnects */
	struct p11_ctx *p11;
	struct tsa_responder *resp;	/* certificate, policy: read-only */
	time_t cert_not_after;
	/*
	 * Signing holds hsm for reading; a reconnect (which must free every
	 * EVP_PKEY before C_Finalize) holds it for writing.  key is NULL
	 * while the HSM is away.
	 */
	pthread_rwlock_t hsm;
	EVP_PKEY *key;
	atomic_int broken;		/* an HSM error was seen */
	atomic_ullong reconnects;
	pthread_mutex_t fix_lock;	/* next_try, cause */
	double next_try;
	char cause[CS_ERR_MSG_MAX];
};

enum route { R_NONE, R_STAMP, R_HEALTHZ, R_READYZ, R_METRICS };

static const struct {
	const char *path;
	const char *method;
} routes[] = {
	[R_NONE] = { "other", NULL },
	[R_STAMP] = { "/", "POST" },
	[R_HEALTHZ] = { "/healthz", "GET" },
	[R_READYZ] = { "/readyz", "GET" },
	[R_METRICS] = { "/metrics", "GET" },
};

/* --- the HSM -------------------------------------------------------------- */

/*
 * The key from the HSM, proved to be the certificate's and to sign.
 * Called at start and by a reconnect (hsm held for writing).
 */
static int
load_key(struct tsad *d, struct cs_err *err)
{
	X509 *cert = tsa_responder_cert(d->resp);
	int r;

	if ((r = p11_key_load(d->p11, d->cfg->tsad_key, &d->key, err)) != 0)
		return cs_err_prefix(err, "[tsad] key");
	if ((r = tsa_responder_check_key(d->resp, d->key, err)) != 0 ||
	    (r = p11_key_check(d->key, X509_get0_pubkey(cert), err)) != 0)
		return cs_err_prefix(err, "TSA key %s", d->cfg->tsad_key);
	return 0;
}

static void
unload_key(struct tsad *d)
{
	EVP_PKEY_free(d->key);
	d->key = NULL;
}

/*
 * After an HSM error: start over with the module (pkcs11/key.h,
 * p11_ctx_reconnect), at most once a second; requests in flight finish
 * first (the write lock waits for them).
 */
static void
try_fix(struct tsad *d)
{
	struct cs_err err;
	double now = cs_mono_seconds();
	int r;

	pthread_mutex_lock(&d->fix_lock);
	if (!atomic_load(&d->broken) || now < d->next_try) {
		pthread_mutex_unlock(&d->fix_lock);
		return;
	}
	d->next_try = now + RECONNECT_EVERY_S;
	cs_err_clear(&err);
	pthread_rwlock_wrlock(&d->hsm);
	unload_key(d);
	if ((r = p11_ctx_reconnect(d->p11, &err)) == 0)
		r = load_key(d, &err);
	if (r != 0)
		unload_key(d);
	else {
		atomic_store(&d->broken, 0);
		atomic_fetch_add(&d->reconnects, 1);
	}
	pthread_rwlock_unlock(&d->hsm);
	snprintf(d->cause, sizeof(d->cause), "%s", r != 0 ? err.msg : "");
	pthread_mutex_unlock(&d->fix_lock);
	/* The events civseal-signd logs for the same. */
	if (r != 0)
		cs_log_event(CS_LOG_ERROR, "hsm_reconnect_failed",
		    json_pack("{s:s}", "msg", err.msg));
	else
		cs_log_event(CS_LOG_INFO, "hsm_reconnected", NULL);
}

static void
mark_broken(struct tsad *d, const struct cs_err *err)
{
	pthread_mutex_lock(&d->fix_lock);
	snprintf(d->cause, sizeof(d->cause), "%s", err->msg);
	atomic_store(&d->broken, 1);
	pthread_mutex_unlock(&d->fix_lock);
}

static void
cause_of(struct tsad *d, char *buf, size_t n)
{
	pthread_mutex_lock(&d->fix_lock);
	snprintf(buf, n, "%s", d->cause[0] ? d->cause : "the HSM key is "
	    "not loaded");
	pthread_mutex_unlock(&d->fix_lock);
}

/* --- handlers ---------------------------------------------------------------- */

/* application/timestamp-query, with parameters or not. */
static int
query_type_ok(const char *ct)
{
	size_t n = strlen(QUERY_TYPE);

	return ct != NULL && strncasecmp(ct, QUERY_TYPE, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void
h_stamp(struct tsad *d, struct cs_httpd_req *req)
{
	const char *body;
	struct tsa_reply rep;
	struct cs_err err;
	char cause[CS_ERR_MSG_MAX];
	size_t len;
	double t0;
	int r, have = 0;

	body = cs_httpd_body(req, &len);
	cs_err_clear(&err);
	if (atomic_load(&d->broken))
		try_fix(d);
	pthread_rwlock_rdlock(&d->hsm);
	if (d->key != NULL) {
		have = 1;
		t0 = cs_mono_seconds();
		r = tsa_responder_reply(d->resp, d->key,
		    (const unsigned char *)body, len, &rep, &err);
		cs_metrics_observe(d->metrics, M_SIGN_SECONDS,
		    cs_mono_seconds() - t0, NULL);
	}
	pthread_rwlock_unlock(&d->hsm);
	if (!have) {
		cause_of(d, cause, sizeof(cause));
		cs_metrics_add(d->metrics, M_FAILURES, 1, "error", "hsm", NULL);
		cs_httpd_add_header(req, "Retry-After", RETRY_AFTER);
		cs_httpd_reply_problem(req, 503, "hsm-unavailable", cause, NULL);
		return;
	}
	if (r != 0) {
		if (r == CS_E_HSM)
			mark_broken(d, &err);
		cs_metrics_add(d->metrics, M_FAILURES, 1, "error",
		    cs_err_name(r), NULL);
		cs_httpd_log_str(req, "error", err.msg);
		cs_httpd_add_header(req, "Retry-After", RETRY_AFTER);
		if (rep.der != NULL)
			cs_httpd_reply(req, 503, REPLY_TYPE, rep.der, rep.len);
		else
			cs_httpd_reply_problem(req, 503, "tsa-unavailable",
			    "the TSA cannot sign now", NULL);
		tsa_reply_clear(&rep);
		return;
	}
	if (rep.granted) {
		cs_metrics_add(d->metrics, M_ISSUED, 1, NULL);
		cs_httpd_log_str(req, "serial", rep.serial);
		cs_httpd_log_str(req, "gen_time", rep.gen_time);
		cs_httpd_reply(req, 200, REPLY_TYPE, rep.der, rep.len);
	} else {
		/* The request's own fault: RFC 3161 says why, in the body. */
		cs_metrics_add(d->metrics, M_REFUSED, 1, "failure",
		    rep.failure != NULL ? rep.failure : "other", NULL);
		cs_httpd_log_str(req, "failure", rep.failure != NULL ?
		    rep.failure : "other");
		cs_httpd_reply(req, 400, REPLY_TYPE, rep.der, rep.len);
	}
	tsa_reply_clear(&rep);
}

/* GET /readyz: the key is loaded (reconnected if need be) and signs now. */
static void
h_readyz(struct tsad *d, struct cs_httpd_req *req)
{
	struct cs_err err;
	char detail[CS_ERR_MSG_MAX + 8];
	int r = CS_E_HSM;

	cs_err_clear(&err);
	if (atomic_load(&d->broken))
		try_fix(d);
	pthread_rwlock_rdlock(&d->hsm);
	if (d->key != NULL)
		r = p11_key_check(d->key, X509_get0_pubkey(
		    tsa_responder_cert(d->resp)), &err);
	else
		cause_of(d, err.msg, sizeof(err.msg));
	pthread_rwlock_unlock(&d->hsm);
	if (r != 0) {
		if (r == CS_E_HSM)
			mark_broken(d, &err);
		snprintf(detail, sizeof(detail), "hsm: %s", err.msg);
		cs_httpd_add_header(req, "Retry-After", RETRY_AFTER);
		cs_httpd_reply_problem(req, 503, "not-ready", detail, NULL);
		return;
	}
	cs_httpd_reply_json(req, 200, json_pack("{s:s, s:{s:s}}", "status",
	    "ready", "checks", "hsm", "ok"));
}

static void
h_metrics(struct tsad *d, struct cs_httpd_req *req)
{
	cs_metrics_set(d->metrics, M_RECONNECTS,
	    (double)atomic_load(&d->reconnects), NULL);
	if (d->cert_not_after != (time_t)-1)
		cs_metrics_set(d->metrics, M_CERT_EXPIRY,
		    difftime(d->cert_not_after, time(NULL)), NULL);
	cs_httpd_reply_metrics(req, d->metrics);
}

static enum route
route_of(const char *path)
{
	size_t i;

	for (i = 1; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(path, routes[i].path) == 0)
			return (enum route)i;
	return R_NONE;
}

/* Refusals that need no body: unknown path, method, media type. */
static void
on_headers(void *ctx, struct cs_httpd_req *req)
{
	enum route rt = route_of(cs_httpd_path(req));
	const char *m = cs_httpd_method(req), *want = routes[rt].method;

	(void)ctx;
	cs_httpd_set_route(req, routes[rt].path);
	if (rt == R_NONE) {
		cs_httpd_reply_problem(req, 404, "not-found", "no such "
		    "resource; timestamps are requested with POST /", NULL);
		return;
	}
	if (strcmp(m, want) != 0 && !(strcmp(want, "GET") == 0 &&
	    strcmp(m, "HEAD") == 0)) {
		cs_httpd_add_header(req, "Allow", strcmp(want, "GET") == 0 ?
		    "GET, HEAD" : want);
		cs_httpd_reply_problem(req, 405, "method-not-allowed",
		    rt == R_STAMP ? "a timestamp is requested with POST" :
		    "this resource is read with GET", NULL);
		return;
	}
	if (rt == R_STAMP && (cs_httpd_header_count(req, "Content-Type") != 1 ||
	    !query_type_ok(cs_httpd_header(req, "Content-Type")))) {
		cs_httpd_reply_problem(req, 415, "unsupported-media-type",
		    "a timestamp request is sent as Content-Type: "
		    QUERY_TYPE " (RFC 3161)", NULL);
		return;
	}
}

static void
on_request(void *ctx, struct cs_httpd_req *req)
{
	struct tsad *d = ctx;

	switch (route_of(cs_httpd_path(req))) {
	case R_STAMP:
		h_stamp(d, req);
		break;
	case R_HEALTHZ:
		cs_httpd_reply_json(req, 200, json_pack("{s:s}", "status",
		    "ok"));
		break;
	case R_READYZ:
		h_readyz(d, req);
		break;
	case R_METRICS:
		h_metrics(d, req);
		break;
	case R_NONE:
		break;
	}
}

/* --- life cycle ------------------------------------------------------------------- */

static int
declare_metrics(struct cs_metrics *m, struct cs_err *err)
{
	static const double sign_bounds[] = { 0.001, 0.002, 0.005, 0.01, 0.02,
		0.05, 0.1, 0.25, 0.5, 1, 2.5 };
	int r;

	if ((r = cs_metrics_declare(m, M_ISSUED, CS_METRIC_COUNTER, 0,
	    "Timestamp tokens issued", NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_REFUSED, CS_METRIC_COUNTER, 1,
	    "Requests refused for their own fault, by PKIFailureInfo", NULL, 0,
	    err)) != 0 ||
	    (r = cs_metrics_declare(m, M_FAILURES, CS_METRIC_COUNTER, 1,
	    "Requests the TSA could not answer (HSM, certificate), by error",
	    NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_SIGN_SECONDS, CS_METRIC_HISTOGRAM, 0,
	    "Time to answer a timestamp request, signature included",
	    sign_bounds, sizeof(sign_bounds) / sizeof(sign_bounds[0]),
	    err)) != 0 ||
	    (r = cs_metrics_declare(m, M_RECONNECTS, CS_METRIC_COUNTER, 0,
	    "HSM reconnects that worked, after an error", NULL, 0, err)) != 0 ||
	    (r = cs_metrics_declare(m, M_CERT_EXPIRY, CS_METRIC_GAUGE, 0,
	    "Seconds until the TSA certificate expires", NULL, 0, err)) != 0)
		return r;
	return 0;
}

static void
tsad_free(struct tsad *d)
{
	if (d == NULL)
		return;
	unload_key(d);
	tsa_responder_free(d->resp);
	p11_ctx_free(d->p11);
	tsa_serial_free(d->serial);
	cs_metrics_free(d->metrics);
	cs_config_free(d->cfg);
	pthread_rwlock_destroy(&d->hsm);
	pthread_mutex_destroy(&d->fix_lock);
	free(d);
}

/* What [tsad] must say before anything is loaded. */
static int
check_config(const struct cs_config *cfg, struct cs_err *err)
{
	if (cfg->tsad_key == NULL)
		return cs_err_set(err, CS_E_CONFIG, "%s: [tsad] key (the PKCS#11 "
		    "URI of the TSA key) is not set", cfg->path);
	if (cfg->tsad_cert == NULL)
		return cs_err_set(err, CS_E_CONFIG, "%s: [tsad] cert (the TSA "
		    "certificate) is not set", cfg->path);
	if (cfg->tsad_policy == NULL)
		return cs_err_set(err, CS_E_CONFIG, "%s: [tsad] policy (the TSA "
		    "policy OID) is not set", cfg->path);
	return 0;
}

int
tsad_start(const struct tsad_opts *opts, struct tsad **out,
    struct cs_err *err)
{
	struct tsa_responder_opts ro;
	struct cs_httpd_opts ho;
	pthread_rwlockattr_t rwa;
	struct tsad *d = NULL;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->metrics = cs_metrics_new()) == NULL) {
		free(d);
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	}
	/* Writers first: a stream of requests must not starve a reconnect. */
	pthread_rwlockattr_init(&rwa);
	pthread_rwlockattr_setkind_np(&rwa,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&d->hsm, &rwa);
	pthread_rwlockattr_destroy(&rwa);
	pthread_mutex_init(&d->fix_lock, NULL);
	atomic_init(&d->broken, 0);
	atomic_init(&d->reconnects, 0);
	if ((r = declare_metrics(d->metrics, err)) != 0 ||
	    (r = cs_config_load(opts->config_path, &d->cfg, err)) != 0 ||
	    (r = check_config(d->cfg, err)) != 0 ||
	    (r = cs_config_apply_env(d->cfg, err)) != 0 ||
	    (r = tsa_serial_new(&d->serial, err)) != 0)
		goto out;
	memset(&ro, 0, sizeof(ro));
	ro.cert_path = d->cfg->tsad_cert;
	ro.chain_path = d->cfg->tsad_chain;
	ro.policy = d->cfg->tsad_policy;
	ro.accuracy_ms = d->cfg->tsad_accuracy_ms;
	ro.serial = d->serial;
	if ((r = tsa_responder_new(&ro, &d->resp, err)) != 0) {
		cs_err_prefix(err, "%s: [tsad]", d->cfg->path);
		goto out;
	}
	d->cert_not_after = cs_asn1_time(X509_get0_notAfter(
	    tsa_responder_cert(d->resp)));
	if ((r = p11_ctx_new(d->cfg->p11_module, d->cfg->p11_pin_file,
	    d->cfg->p11_pin_env, &d->p11, err)) != 0 ||
	    (r = load_key(d, err)) != 0)
		goto out;
	snprintf(d->listen, sizeof(d->listen), "%s", opts->listen != NULL ?
	    opts->listen : d->cfg->tsad_listen != NULL ? d->cfg->tsad_listen :
	    TSAD_DEFAULT_LISTEN);
	memset(&ho, 0, sizeof(ho));
	ho.listen = d->listen;
	ho.threads = opts->threads;
	ho.max_body = TSA_REQUEST_MAX;
	ho.request_s = 10;	/* a request is ~100 bytes: no slow trickle */
	ho.metrics = d->metrics;
	ho.on_headers = on_headers;
	ho.on_request = on_request;
	ho.ctx = d;
	if ((r = cs_httpd_start(&ho, &d->httpd, err)) != 0)
		goto out;
	*out = d;
	d = NULL;		/* transferred to caller */
	r = 0;
out:
	tsad_free(d);
	return r;
}

const char *
tsad_listen(const struct tsad *d)
{
	return d->listen;
}

unsigned
tsad_port(const struct tsad *d)
{
	return cs_httpd_port(d->httpd);
}

int
tsad_reload(struct tsad *d, struct cs_err *err)
{
	(void)d;
	return cs_err_set(err, CS_E_USAGE, "civseal-tsad does not reload its "
	    "configuration; restart it to change the TSA key, certificate or "
	    "policy");
}

unsigned
tsad_stop(struct tsad *d, unsigned timeout_ms)
{
	unsigned left = cs_httpd_drain(d->httpd, timeout_ms);

	tsad_free(d);
	return left;
}
