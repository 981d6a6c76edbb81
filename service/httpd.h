/*
 * service/httpd.h — the HTTP plumbing both daemons share, over libmicrohttpd:
 * a worker pool with connection, time and memory limits, request bodies
 * read into memory up to a cap, JSON and problem+json (RFC 9457) replies,
 * request ids, and one access-log line plus one metric per request.
 *
 * A request goes through the application in up to three calls, all on the
 * worker thread that owns its connection:
 *   on_headers  the headers are in, no body read yet: the place to refuse
 *               early (401, 405, 415) without reading a large body.  It
 *               may reply; then the body is never read.
 *   on_request  the whole body is in (at most max_body bytes; beyond that
 *               the plumbing answers 413 itself and on_request is skipped).
 *               It must reply; if it does not, the client gets a 500.
 *   on_done     the request is over (answered, or the client went away):
 *               release what on_headers took.  Always called once.
 * Handlers may block (the HSM, the register's group commit): the pool is
 * sized so that a blocked worker does not stall the process.
 */
#ifndef CS_HTTPD_H
#define CS_HTTPD_H

#include <stddef.h>

#include <jansson.h>

#include "core/err.h"
#include "service/metrics.h"

struct cs_httpd;
struct cs_httpd_req;

struct cs_httpd_opts {
	const char *listen;		/* "127.0.0.1:8441", "[::1]:8441", "localhost:0" */
	unsigned threads;		/* worker pool; 0: online CPUs, at least 2 */
	unsigned conn_limit;		/* simultaneous connections; 0: 512 */
	unsigned timeout_s;		/* idle connection timeout; 0: 30 */
	size_t conn_mem_limit;		/* per connection, for headers; 0: 64 KiB */
	size_t max_body;		/* larger bodies are 413; 0: 256 KiB */
	unsigned per_ip_limit;		/* connections per client address; 0: none */
	unsigned request_s;		/* longest a request may take to arrive; 0: none */
	/* name, value, name, value, ..., NULL: sent with every response. */
	const char *const *headers;
	struct cs_metrics *metrics;	/* NULL, or where http requests are counted */
	void (*on_headers)(void *ctx, struct cs_httpd_req *req);
	void (*on_request)(void *ctx, struct cs_httpd_req *req);
	void (*on_done)(void *ctx, struct cs_httpd_req *req);
	void *ctx;
};

/* Name of the counter family the plumbing declares in opts.metrics. */
#define CS_HTTPD_METRIC_REQUESTS "civseal_http_requests_total"

/*
 * Start listening and serving; *out is owned by the caller (cs_httpd_stop).
 * CS_E_CONFIG for a malformed listen address, CS_E_IO when it cannot be
 * bound (naming it and the reason).
 */
int cs_httpd_start(const struct cs_httpd_opts *opts, struct cs_httpd **out,
    struct cs_err *err);

/* The port actually bound (useful with port 0). */
unsigned cs_httpd_port(const struct cs_httpd *h);

/*
 * Graceful stop, in three steps: quiesce (stop accepting; requests on open
 * connections are still served, with "Connection: close"), wait until no
 * request is in flight or timeout_ms passed (returns the number still in
 * flight), then stop (closes every connection, joins the workers, frees).
 */
void cs_httpd_quiesce(struct cs_httpd *h);
unsigned cs_httpd_wait_idle(struct cs_httpd *h, unsigned timeout_ms);
void cs_httpd_stop(struct cs_httpd *h);

/* quiesce, wait_idle and stop in one: returns what wait_idle returned. */
unsigned cs_httpd_drain(struct cs_httpd *h, unsigned timeout_ms);

/* Requests being handled now. */
unsigned cs_httpd_inflight(const struct cs_httpd *h);

/* --- the request ---------------------------------------------------- */

const char *cs_httpd_method(const struct cs_httpd_req *req);
const char *cs_httpd_path(const struct cs_httpd_req *req);	/* without the query */
const char *cs_httpd_request_id(const struct cs_httpd_req *req);
/* A request header (case-insensitive name), or NULL. */
const char *cs_httpd_header(const struct cs_httpd_req *req, const char *name);
/* How many times the header was sent (a repeated credential is ambiguous). */
unsigned cs_httpd_header_count(const struct cs_httpd_req *req,
    const char *name);
/* Declared Content-Length, or -1 when absent (chunked). */
long long cs_httpd_content_length(const struct cs_httpd_req *req);
/*
 * The body read so far (NUL-terminated, len bytes; "" when none).  A body
 * read as a form (cs_httpd_want_form) is not kept: its fields are.
 */
const char *cs_httpd_body(const struct cs_httpd_req *req, size_t *len);
/* A query-string argument (decoded), or NULL. */
const char *cs_httpd_query(const struct cs_httpd_req *req, const char *name);
/* The client's address as text ("127.0.0.1", "::1"); "" when unknown. */
const char *cs_httpd_client_addr(const struct cs_httpd_req *req);
/*
 * Log path instead of the request path (which may carry personal data,
 * like a seal in /v/<seal>): the access-log line shows this instead.
 */
void cs_httpd_log_path(struct cs_httpd_req *req, const char *shown);

/*
 * From on_headers: read the body as a form (multipart/form-data or
 * application/x-www-form-urlencoded, parsed by libmicrohttpd as it
 * arrives).  -1 when the Content-Type is no form (nothing changes).
 */
int cs_httpd_want_form(struct cs_httpd_req *req);
/*
 * In on_request: 1 when the whole form was read and well-formed, with at
 * most CS_HTTPD_FORM_FIELDS fields, none given twice; 0 otherwise.
 */
int cs_httpd_form_ok(const struct cs_httpd_req *req);
/*
 * A form field's value (NUL-terminated, *len bytes), or NULL when the form
 * has none of that name; *filename (may be NULL) is the uploaded file's
 * name, or NULL for a plain field.  Owned by the request.
 */
const char *cs_httpd_form_field(const struct cs_httpd_req *req,
    const char *name, size_t *len, const char **filename);
#define CS_HTTPD_FORM_FIELDS 8

/* Seconds since the headers arrived. */
double cs_httpd_elapsed(const struct cs_httpd_req *req);

/* The application's pointer for this request (on_headers to on_done). */
void cs_httpd_set_user(struct cs_httpd_req *req, void *user);
void *cs_httpd_user(const struct cs_httpd_req *req);

/* Route template for metrics and logs ("/v1/documents/{id}"); default "other". */
void cs_httpd_set_route(struct cs_httpd_req *req, const char *route);

/*
 * Add a member to the request's access-log line (client, office, doc,
 * code...).  The plumbing already logs rid, method, path, route, status,
 * bytes and ms.  Never a secret.
 */
void cs_httpd_log_str(struct cs_httpd_req *req, const char *key,
    const char *value);

/* --- replies (one per request) ---------------------------------------- */

/* A response header for the reply to come (Location, Retry-After...). */
void cs_httpd_add_header(struct cs_httpd_req *req, const char *name,
    const char *value);

/* Reply with len bytes of body (copied). 0, or -1 if the reply failed. */
int cs_httpd_reply(struct cs_httpd_req *req, unsigned status,
    const char *content_type, const void *body, size_t len);

/* Reply with a JSON value (stolen). */
int cs_httpd_reply_json(struct cs_httpd_req *req, unsigned status,
    json_t *body);

/*
 * Reply application/problem+json (RFC 9457): type urn:civseal:problem:<code>,
 * title (the status reason), status, detail, code, request_id, and the
 * members of extra (an object, stolen, may be NULL: "errors" for 422).
 * detail must never reflect raw input.
 */
int cs_httpd_reply_problem(struct cs_httpd_req *req, unsigned status,
    const char *code, const char *detail, json_t *extra);

/* Reply 200 with the exposition text of m (500 on ENOMEM). */
int cs_httpd_reply_metrics(struct cs_httpd_req *req, struct cs_metrics *m);

/* Has this request been answered already? */
int cs_httpd_replied(const struct cs_httpd_req *req);

#endif
