/* service/httpd.c — HTTP plumbing over libmicrohttpd; see httpd.h. */
#include "service/httpd.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/rand.h>

#include "core/hex.h"
#include "core/log.h"

#define DEF_CONN_LIMIT 512
#define DEF_TIMEOUT_S 30
#define DEF_CONN_MEM (64 * 1024)
#define DEF_MAX_BODY (256 * 1024)
#define MAX_RESP_HEADERS 16
#define RID_MAX 65
#define LOG_PATH_MAX 256
#define ADDR_MAX 64
#define PP_BUFFER 4096		/* the post processor's buffer for keys */

struct cs_httpd {
	struct cs_httpd_opts opts;
	struct MHD_Daemon *mhd;
	MHD_socket listen_fd;		/* after quiesce: ours to close after stop */
	unsigned port;
	atomic_uint inflight;
	atomic_int draining;
};

struct cs_httpd_req {
	struct cs_httpd *h;
	struct MHD_Connection *conn;
	char *method;
	char *path;
	char rid[RID_MAX];
	const char *route;
	struct timespec start;
	char *body;
	size_t body_len, body_cap;
	int too_large;
	int replied;
	int queue_failed;
	unsigned status;
	size_t resp_bytes;
	char *hdr_name[MAX_RESP_HEADERS];
	char *hdr_value[MAX_RESP_HEADERS];
	size_t n_hdr;
	json_t *log;			/* extra access-log members */
	char *log_path;			/* shown instead of path, or NULL */
	char addr[ADDR_MAX];
	struct MHD_PostProcessor *pp;	/* while a form is being read */
	int form_state;			/* 0 none, 1 reading, 2 ok, -1 bad */
	struct form_field {
		char *name, *filename, *data;
		size_t len, cap;
	} form[CS_HTTPD_FORM_FIELDS];
	size_t n_form;
	void *user;
};

/* --- request ------------------------------------------------------------ */

/* A client's X-Request-Id is kept when it is short and harmless to log. */
static int
rid_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' &&
		    s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
		    s[n] == '-' || s[n] == '_' || s[n] == '.' || s[n] == ':'))
			return 0;
	return n > 0 && n < RID_MAX;
}

static void
rid_new(char *buf)
{
	static atomic_ullong fallback;
	unsigned char r[12];

	if (RAND_bytes(r, sizeof(r)) != 1) {
		/* Unique is what matters here, not unpredictable. */
		unsigned long long c = atomic_fetch_add(&fallback, 1);

		memset(r, 0, sizeof(r));
		memcpy(r, &c, sizeof(c));
	}
	cs_hex_encode(r, sizeof(r), buf);
}

static void
req_free(struct cs_httpd_req *req)
{
	size_t i;

	if (req == NULL)
		return;
	if (req->pp != NULL)
		MHD_destroy_post_processor(req->pp);
	for (i = 0; i < req->n_form; i++) {
		free(req->form[i].name);
		free(req->form[i].filename);
		free(req->form[i].data);
	}
	free(req->log_path);
	for (i = 0; i < req->n_hdr; i++) {
		free(req->hdr_name[i]);
		free(req->hdr_value[i]);
	}
	json_decref(req->log);
	free(req->body);
	free(req->method);
	free(req->path);
	free(req);
}

static void
client_addr(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	buf[0] = '\0';
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, buf, (socklen_t)len);
}

static struct cs_httpd_req *
req_new(struct cs_httpd *h, struct MHD_Connection *c, const char *url,
    const char *method)
{
	struct cs_httpd_req *req;
	const char *rid;

	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (req->method = strdup(method)) == NULL ||
	    (req->path = strdup(url)) == NULL ||
	    (req->log = json_object()) == NULL) {
		req_free(req);
		return NULL;
	}
	req->h = h;
	req->conn = c;
	req->route = "other";
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	client_addr(c, req->addr, sizeof(req->addr));
	rid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
	if (rid != NULL && rid_ok(rid))
		snprintf(req->rid, sizeof(req->rid), "%s", rid);
	else
		rid_new(req->rid);
	return req;
}

const char *
cs_httpd_method(const struct cs_httpd_req *req)
{
	return req->method;
}

const char *
cs_httpd_path(const struct cs_httpd_req *req)
{
	return req->path;
}

const char *
cs_httpd_request_id(const struct cs_httpd_req *req)
{
	return req->rid;
}

const char *
cs_httpd_header(const struct cs_httpd_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct count_ctx {
	const char *name;
	unsigned n;
};

static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct count_ctx *cc = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, cc->name) == 0)
		cc->n++;
	return MHD_YES;
}

unsigned
cs_httpd_header_count(const struct cs_httpd_req *req, const char *name)
{
	struct count_ctx cc = { name, 0 };

	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, count_header, &cc);
	return cc.n;
}

long long
cs_httpd_content_length(const struct cs_httpd_req *req)
{
	const char *v = cs_httpd_header(req, "Content-Length");
	char *end;
	long long n;

	if (v == NULL)
		return -1;
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || n < 0)
		return -1;
	return n;
}

const char *
cs_httpd_body(const struct cs_httpd_req *req, size_t *len)
{
	*len = req->body_len;
	return req->body != NULL ? req->body : "";
}

const char *
cs_httpd_query(const struct cs_httpd_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

const char *
cs_httpd_client_addr(const struct cs_httpd_req *req)
{
	return req->addr;
}

void
cs_httpd_log_path(struct cs_httpd_req *req, const char *shown)
{
	char *p = strdup(shown);

	if (p == NULL)
		return;		/* the real path is then logged: never NULL */
	free(req->log_path);
	req->log_path = p;
}

/* --- forms ---------------------------------------------------------------- */

/*
 * libmicrohttpd hands a field over in pieces (off is the offset of data in
 * the value).  A piece at offset 0 starts a field, unless it continues the
 * last one while that is still empty; a name seen before is a duplicate:
 * the form is refused rather than guessing which value was meant.
 */
static enum MHD_Result
form_iter(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *content_type,
    const char *transfer_encoding, const char *data, uint64_t off,
    size_t size)
{
	struct cs_httpd_req *req = cls;
	struct form_field *f = req->n_form > 0 ? &req->form[req->n_form - 1] :
	    NULL;
	size_t i, cap;
	char *p;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (key == NULL)
		goto bad;
	if (f == NULL || strcmp(f->name, key) != 0 || (off == 0 && f->len > 0)) {
		if (off != 0)
			goto bad;
		for (i = 0; i < req->n_form; i++)
			if (strcmp(req->form[i].name, key) == 0)
				goto bad;
		if (req->n_form >= CS_HTTPD_FORM_FIELDS)
			goto bad;
		f = &req->form[req->n_form];
		memset(f, 0, sizeof(*f));
		if ((f->name = strdup(key)) == NULL || (filename != NULL &&
		    (f->filename = strdup(filename)) == NULL)) {
			free(f->name);
			free(f->filename);
			goto bad;
		}
		req->n_form++;
	}
	if (off != f->len || size > req->h->opts.max_body - f->len)
		goto bad;
	if (f->len + size + 1 > f->cap) {
		cap = f->cap > 0 ? f->cap : 256;
		while (cap < f->len + size + 1)
			cap *= 2;
		if ((p = realloc(f->data, cap)) == NULL)
			goto bad;
		f->data = p;
		f->cap = cap;
	}
	if (size > 0)
		memcpy(f->data + f->len, data, size);
	f->len += size;
	f->data[f->len] = '\0';
	return MHD_YES;
bad:
	req->form_state = -1;
	return MHD_NO;
}

int
cs_httpd_want_form(struct cs_httpd_req *req)
{
	if (req->pp != NULL || req->form_state != 0)
		return 0;
	req->pp = MHD_create_post_processor(req->conn, PP_BUFFER, form_iter,
	    req);
	if (req->pp == NULL)
		return -1;
	req->form_state = 1;
	return 0;
}

/* The body is all in: the form is complete only if the processor says so. */
static void
form_finish(struct cs_httpd_req *req)
{
	if (req->pp == NULL)
		return;
	if (MHD_destroy_post_processor(req->pp) != MHD_YES)
		req->form_state = -1;
	req->pp = NULL;
	if (req->form_state == 1)
		req->form_state = 2;
}

int
cs_httpd_form_ok(const struct cs_httpd_req *req)
{
	return req->form_state == 2;
}

const char *
cs_httpd_form_field(const struct cs_httpd_req *req, const char *name,
    size_t *len, const char **filename)
{
	size_t i;

	for (i = 0; i < req->n_form; i++) {
		if (strcmp(req->form[i].name, name) != 0)
			continue;
		*len = req->form[i].len;
		if (filename != NULL)
			*filename = req->form[i].filename;
		return req->form[i].data != NULL ? req->form[i].data : "";
	}
	return NULL;
}

double
cs_httpd_elapsed(const struct cs_httpd_req *req)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - req->start.tv_sec) +
	    (double)(now.tv_nsec - req->start.tv_nsec) / 1e9;
}

void
cs_httpd_set_user(struct cs_httpd_req *req, void *user)
{
	req->user = user;
}

void *
cs_httpd_user(const struct cs_httpd_req *req)
{
	return req->user;
}

void
cs_httpd_set_route(struct cs_httpd_req *req, const char *route)
{
	req->route = route;	/* a string literal of the application */
}

void
cs_httpd_log_str(struct cs_httpd_req *req, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(req->log, key, json_string(value));
}

int
cs_httpd_replied(const struct cs_httpd_req *req)
{
	return req->replied;
}

/* --- replies ------------------------------------------------------------ */

void
cs_httpd_add_header(struct cs_httpd_req *req, const char *name,
    const char *value)
{
	if (req->n_hdr >= MAX_RESP_HEADERS)
		return;
	if ((req->hdr_name[req->n_hdr] = strdup(name)) == NULL ||
	    (req->hdr_value[req->n_hdr] = strdup(value)) == NULL) {
		free(req->hdr_name[req->n_hdr]);
		return;
	}
	req->n_hdr++;
}

int
cs_httpd_reply(struct cs_httpd_req *req, unsigned status,
    const char *content_type, const void *body, size_t len)
{
	struct MHD_Response *resp;
	size_t i;
	int ok = 1;

	if (req->replied)
		return -1;
	req->replied = 1;
	req->status = status;
	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL) {
		req->queue_failed = 1;
		return -1;
	}
	if (content_type != NULL)
		ok &= MHD_add_response_header(resp, "Content-Type",
		    content_type) == MHD_YES;
	ok &= MHD_add_response_header(resp, "X-Request-Id", req->rid) == MHD_YES;
	ok &= MHD_add_response_header(resp, "X-Content-Type-Options",
	    "nosniff") == MHD_YES;
	ok &= MHD_add_response_header(resp, "Cache-Control", "no-store") ==
	    MHD_YES;
	/* Draining: tell keep-alive clients to go, so the stop is not held up. */
	if (atomic_load(&req->h->draining))
		ok &= MHD_add_response_header(resp, "Connection", "close") ==
		    MHD_YES;
	for (i = 0; req->h->opts.headers != NULL &&
	    req->h->opts.headers[i] != NULL; i += 2)
		ok &= MHD_add_response_header(resp, req->h->opts.headers[i],
		    req->h->opts.headers[i + 1]) == MHD_YES;
	for (i = 0; i < req->n_hdr; i++)
		ok &= MHD_add_response_header(resp, req->hdr_name[i],
		    req->hdr_value[i]) == MHD_YES;
	if (!ok || MHD_queue_response(req->conn, status, resp) != MHD_YES)
		req->queue_failed = 1;
	MHD_destroy_response(resp);
	req->resp_bytes = len;
	return req->queue_failed ? -1 : 0;
}

int
cs_httpd_reply_json(struct cs_httpd_req *req, unsigned status, json_t *body)
{
	char *s = NULL;
	int r;

	if (body != NULL)
		s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	if (s == NULL)
		return cs_httpd_reply_problem(req, 500, "internal",
		    "the response could not be formatted", NULL);
	r = cs_httpd_reply(req, status, "application/json", s, strlen(s));
	free(s);
	return r;
}

int
cs_httpd_reply_problem(struct cs_httpd_req *req, unsigned status,
    const char *code, const char *detail, json_t *extra)
{
	json_t *p;
	char type[128], *s = NULL;
	const char *title = MHD_get_reason_phrase_for(status);
	int r;

	snprintf(type, sizeof(type), "urn:civseal:problem:%s", code);
	p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", type,
	    "title", title != NULL && *title != '\0' ? title : "Error",
	    "status", (int)status, "detail", detail != NULL ? detail : "",
	    "code", code, "request_id", req->rid);
	if (p != NULL && json_is_object(extra))
		json_object_update(p, extra);
	json_decref(extra);
	cs_httpd_log_str(req, "code", code);
	if (p != NULL)
		s = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(p);
	if (s == NULL) {
		static const char oom[] = "{\"status\":500,\"code\":\"internal\"}";

		return cs_httpd_reply(req, 500, "application/problem+json",
		    oom, sizeof(oom) - 1);
	}
	r = cs_httpd_reply(req, status, "application/problem+json", s,
	    strlen(s));
	free(s);
	return r;
}

int
cs_httpd_reply_metrics(struct cs_httpd_req *req, struct cs_metrics *m)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if (cs_metrics_render(m, &text, &len) != 0)
		return cs_httpd_reply_problem(req, 500, "internal",
		    "out of memory", NULL);
	r = cs_httpd_reply(req, 200, CS_METRICS_CONTENT_TYPE, text, len);
	free(text);
	return r;
}

/* --- libmicrohttpd callbacks ------------------------------------------ */

static int
body_append(struct cs_httpd_req *req, const char *data, size_t n)
{
	size_t max = req->h->opts.max_body, cap;
	char *p;

	if (req->too_large)
		return 0;
	if (n > max - req->body_len) {
		/* Keep reading (and dropping) so the 413 can be sent cleanly. */
		req->too_large = 1;
		free(req->body);
		req->body = NULL;
		req->body_len = req->body_cap = 0;
		return 0;
	}
	if (req->form_state != 0) {
		/* A form is parsed as it arrives (form_iter keeps its fields):
		 * only the size counts. */
		req->body_len += n;
		return 0;
	}
	if (req->body_len + n + 1 > req->body_cap) {
		cap = req->body_cap > 0 ? req->body_cap : 4096;
		while (cap < req->body_len + n + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		if ((p = realloc(req->body, cap)) == NULL)
			return -1;
		req->body = p;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, n);
	req->body_len += n;
	req->body[req->body_len] = '\0';
	return 0;
}

static void
too_large(struct cs_httpd_req *req)
{
	char detail[96];

	snprintf(detail, sizeof(detail), "the request body is larger than "
	    "%zu bytes", req->h->opts.max_body);
	cs_httpd_reply_problem(req, 413, "body-too-large", detail, NULL);
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct cs_httpd *h = cls;
	struct cs_httpd_req *req = *con_cls;
	long long clen;

	(void)version;
	if (req == NULL) {
		if ((req = req_new(h, c, url, method)) == NULL)
			return MHD_NO;	/* out of memory: drop the connection */
		*con_cls = req;
		atomic_fetch_add(&h->inflight, 1);
		if (h->opts.on_headers != NULL)
			h->opts.on_headers(h->opts.ctx, req);
		if (!req->replied && (clen = cs_httpd_content_length(req)) >= 0 &&
		    (unsigned long long)clen > h->opts.max_body)
			too_large(req);	/* refused before reading it */
		return req->queue_failed ? MHD_NO : MHD_YES;
	}
	if (*upload_data_size > 0) {
		/* A body trickled in to hold a worker: the connection goes. */
		if (h->opts.request_s > 0 &&
		    cs_httpd_elapsed(req) > (double)h->opts.request_s)
			return MHD_NO;
		if (!req->replied && body_append(req, upload_data,
		    *upload_data_size) != 0)
			return MHD_NO;
		if (!req->replied && !req->too_large && req->pp != NULL &&
		    req->form_state == 1 && MHD_post_process(req->pp,
		    upload_data, *upload_data_size) != MHD_YES)
			req->form_state = -1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->replied)
		return req->queue_failed ? MHD_NO : MHD_YES;
	form_finish(req);
	if (req->too_large)
		too_large(req);
	else if (h->opts.on_request != NULL)
		h->opts.on_request(h->opts.ctx, req);
	if (!req->replied)
		cs_httpd_reply_problem(req, 500, "internal",
		    "the request was not answered", NULL);
	return req->queue_failed ? MHD_NO : MHD_YES;
}

/* The request path as logged: printable ASCII, bounded. */
static void
log_path(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i < n - 1; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

static void
completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct cs_httpd *h = cls;
	struct cs_httpd_req *req = *con_cls;
	char path[LOG_PATH_MAX], method[16], status[8];
	const char *outcome;
	double ms;
	json_t *line;

	(void)c;
	if (req == NULL)
		return;
	*con_cls = NULL;
	ms = cs_httpd_elapsed(req) * 1000.0;
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		outcome = "sent";
		break;
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		outcome = "timeout";
		break;
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		outcome = "shutdown";
		break;
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		outcome = "client-abort";
		break;
	default:
		outcome = "error";
		break;
	}
	log_path(path, sizeof(path), req->log_path != NULL ? req->log_path :
	    req->path);
	log_path(method, sizeof(method), req->method);
	line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:f}",
	    "rid", req->rid, "addr", req->addr, "method", method, "path", path,
	    "route", req->route, "status", (int)req->status,
	    "outcome", outcome, "bytes", (json_int_t)req->resp_bytes,
	    "ms", (double)(long long)(ms * 100.0 + 0.5) / 100.0);
	if (line != NULL)
		json_object_update(line, req->log);
	cs_log_event(req->status >= 500 || toe !=
	    MHD_REQUEST_TERMINATED_COMPLETED_OK ? CS_LOG_WARN : CS_LOG_INFO,
	    "http_request", line);
	if (h->opts.metrics != NULL) {
		snprintf(status, sizeof(status), "%u", req->status);
		cs_metrics_add(h->opts.metrics, CS_HTTPD_METRIC_REQUESTS, 1,
		    "route", req->route, "status", req->status != 0 ? status :
		    "none", NULL);
	}
	if (h->opts.on_done != NULL)
		h->opts.on_done(h->opts.ctx, req);
	req_free(req);
	atomic_fetch_sub(&h->inflight, 1);
}

__attribute__((format(printf, 2, 0)))
static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	cs_logf(CS_LOG_WARN, "httpd", "%s", msg);
}

/* --- daemon --------------------------------------------------------------- */

/* "host:port" or "[v6]:port" into a socket address. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen,
    struct cs_err *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon, *port;
	size_t hl;
	int rc;

	if (s == NULL || *s == '\0')
		return cs_err_set(err, CS_E_CONFIG, "listen address is empty");
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		hl = (size_t)(close - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hl);
		port = close + 2;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    strchr(s, ':') != colon)
			goto bad;
		hl = (size_t)(colon - s);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, s, hl);
		port = colon + 1;
	}
	host[hl] = '\0';
	if (*port == '\0' || strspn(port, "0123456789") != strlen(port) ||
	    atol(port) > 65535)
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return cs_err_set(err, CS_E_CONFIG, "listen address %s: %s", s,
		    gai_strerror(rc));
	if (res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		goto bad;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	return cs_err_set(err, CS_E_CONFIG, "listen address '%s' is not "
	    "HOST:PORT or [IPV6]:PORT", s);
}

int
cs_httpd_start(const struct cs_httpd_opts *opts, struct cs_httpd **out,
    struct cs_err *err)
{
	struct cs_httpd *h = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	const union MHD_DaemonInfo *info;
	unsigned flags;
	long cpus;
	int r;

	*out = NULL;
	if ((r = parse_listen(opts->listen, &ss, &sslen, err)) != 0)
		return r;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	h->opts = *opts;
	h->listen_fd = MHD_INVALID_SOCKET;
	if (h->opts.threads == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		h->opts.threads = cpus > 2 ? (unsigned)cpus : 2;
	}
	if (h->opts.conn_limit == 0)
		h->opts.conn_limit = DEF_CONN_LIMIT;
	if (h->opts.timeout_s == 0)
		h->opts.timeout_s = DEF_TIMEOUT_S;
	if (h->opts.conn_mem_limit == 0)
		h->opts.conn_mem_limit = DEF_CONN_MEM;
	if (h->opts.max_body == 0)
		h->opts.max_body = DEF_MAX_BODY;
	if (h->opts.metrics != NULL &&
	    (r = cs_metrics_declare(h->opts.metrics, CS_HTTPD_METRIC_REQUESTS,
	    CS_METRIC_COUNTER, 1, "HTTP requests answered, by route template "
	    "and status", NULL, 0, err)) != 0 && r != CS_E_CONFLICT)
		goto fail;
	flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger first, or MHD reports earlier options on its own. */
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, h->opts.threads,
	    MHD_OPTION_CONNECTION_LIMIT, h->opts.conn_limit,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->opts.per_ip_limit,
	    MHD_OPTION_CONNECTION_TIMEOUT, h->opts.timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, h->opts.conn_mem_limit,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, h,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		r = cs_err_set(err, CS_E_IO, "cannot listen on %s (in use, or "
		    "not an address of this host)", opts->listen);
		goto fail;
	}
	if ((info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT)) !=
	    NULL)
		h->port = info->port;
	*out = h;
	return 0;
fail:
	free(h);
	return r;
}

unsigned
cs_httpd_port(const struct cs_httpd *h)
{
	return h->port;
}

unsigned
cs_httpd_inflight(const struct cs_httpd *h)
{
	return atomic_load(&h->inflight);
}

void
cs_httpd_quiesce(struct cs_httpd *h)
{
	if (h == NULL || atomic_exchange(&h->draining, 1))
		return;
	h->listen_fd = MHD_quiesce_daemon(h->mhd);
}

static unsigned
connections(struct cs_httpd *h)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return info != NULL ? info->num_connections : 0;
}

/*
 * A connection accepted just before the quiesce may wait, unread, behind a
 * busy worker: it is not in flight yet, but it should still be served.  So
 * wait for the connections to close too, except for a connection that stays
 * idle (keep-alive, nothing sent) a second after the last request ended.
 */
unsigned
cs_httpd_wait_idle(struct cs_httpd *h, unsigned timeout_ms)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	unsigned waited = 0, idle = 0, n;

	for (;;) {
		n = atomic_load(&h->inflight);
		if (n == 0 && (connections(h) == 0 || idle >= 1000))
			break;
		idle = n == 0 ? idle + 20 : 0;
		if (waited >= timeout_ms)
			break;
		nanosleep(&tick, NULL);
		waited += 20;
	}
	return n;
}

void
cs_httpd_stop(struct cs_httpd *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->mhd);
	/* MHD hands the quiesced socket to us, to close only after the stop. */
	if (h->listen_fd != MHD_INVALID_SOCKET)
		close(h->listen_fd);
	free(h);
}

unsigned
cs_httpd_drain(struct cs_httpd *h, unsigned timeout_ms)
{
	unsigned left;

	cs_httpd_quiesce(h);
	left = cs_httpd_wait_idle(h, timeout_ms);
	cs_httpd_stop(h);
	return left;
}
