/* tsa/client.c — RFC 3161 client over libcurl; see client.h. */
#include "tsa/client.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "tsa/resp.h"

#define POOL_MAX 32		/* idle curl handles kept */

/* RFC 3161 §3.4; some TSAs still send the name of its drafts. */
static const char *const REPLY_TYPES[] = {
	"application/timestamp-reply", "application/timestamp-response",
};

/* No "Expect: 100-continue": a request is ~100 bytes. */
static const char *const HEADERS[] = {
	"Content-Type: application/timestamp-query",
	"Accept: application/timestamp-reply",
	"Expect:",
};

struct tsa_client {
	char **urls;
	size_t n_urls;
	unsigned timeout_ms;
	char *policy;
	struct tsa_trust *trust;
	struct curl_slist *headers;	/* read-only, shared by the handles */
	pthread_mutex_t lock;		/* pool, n_pool */
	CURL *pool[POOL_MAX];
	size_t n_pool;
};

/* --- requests ------------------------------------------------------------- */

void
tsa_request_free(struct tsa_request *req)
{
	if (req == NULL)
		return;
	OPENSSL_free(req->der);
	free(req->policy);
	free(req);
}

int
tsa_request_new(const unsigned char imprint[32], const char *policy,
    struct tsa_request **out, struct cs_err *err)
{
	struct tsa_request *req = NULL;
	TS_REQ *tr = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_OBJECT *pol = NULL;
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	int n, r = CS_E_INTERNAL;

	*out = NULL;
	if ((req = calloc(1, sizeof(*req))) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if (policy != NULL && ((pol = OBJ_txt2obj(policy, 1)) == NULL ||
	    (req->policy = strdup(policy)) == NULL)) {
		r = pol == NULL ? cs_err_set(err, CS_E_CONFIG, "TSA policy '%s' "
		    "is not a dotted OID", policy) : cs_err_set(err, CS_E_NOMEM,
		    "out of memory");
		goto out;
	}
	req->imprint.nid = NID_sha256;
	req->imprint.len = 32;
	memcpy(req->imprint.md, imprint, 32);
	/* A positive 64-bit nonce whose top octet is not zero: 8 octets. */
	do {
		if (RAND_bytes(req->nonce, sizeof(req->nonce)) != 1) {
			r = cs_err_openssl(err, CS_E_CRYPTO, "random nonce");
			goto out;
		}
		req->nonce[0] &= 0x7f;
	} while (req->nonce[0] == 0);
	if ((tr = TS_REQ_new()) == NULL || (mi = TS_MSG_IMPRINT_new()) == NULL ||
	    (alg = X509_ALGOR_new()) == NULL ||
	    (bn = BN_bin2bn(req->nonce, sizeof(req->nonce), NULL)) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL,
	    NULL) != 1 ||
	    TS_MSG_IMPRINT_set_algo(mi, alg) != 1 ||
	    TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)imprint, 32) != 1 ||
	    TS_REQ_set_version(tr, 1) != 1 ||
	    TS_REQ_set_msg_imprint(tr, mi) != 1 ||
	    TS_REQ_set_nonce(tr, nonce) != 1 ||
	    TS_REQ_set_cert_req(tr, 1) != 1 ||
	    (pol != NULL && TS_REQ_set_policy_id(tr, pol) != 1) ||
	    (n = i2d_TS_REQ(tr, &req->der)) <= 0) {
		r = cs_err_openssl(err, CS_E_INTERNAL, "building the "
		    "TimeStampReq");
		goto out;
	}
	req->len = (size_t)n;
	*out = req;
	req = NULL;		/* transferred to caller */
	r = 0;
out:
	ERR_clear_error();
	tsa_request_free(req);
	TS_REQ_free(tr);
	TS_MSG_IMPRINT_free(mi);
	X509_ALGOR_free(alg);
	ASN1_OBJECT_free(pol);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	return r;
}

/* --- responses ------------------------------------------------------------ */

void
tsa_stamp_free(struct tsa_stamp *s)
{
	if (s == NULL)
		return;
	free(s->token);
	tsa_proof_free(s->proof);
	free(s);
}

int
tsa_response_check(const struct tsa_trust *trust,
    const struct tsa_request *req, const unsigned char *resp, size_t len,
    struct tsa_stamp **out, struct cs_err *err)
{
	struct tsa_verify_opts vo;
	struct tsa_resp_status st;
	struct tsa_stamp *s = NULL;
	const unsigned char *token;
	size_t token_len;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((r = tsa_resp_parse(resp, len, &st, &token, &token_len, err)) != 0)
		goto out;
	if (!tsa_resp_granted(&st)) {
		r = cs_err_set(err, CS_E_INVALID, "refused the request: %s",
		    st.text);
		goto out;
	}
	if (token == NULL) {
		r = cs_err_set(err, CS_E_INVALID, "status %s but no token",
		    st.text);
		goto out;
	}
	memset(&vo, 0, sizeof(vo));
	vo.nonce = req->nonce;
	vo.nonce_len = sizeof(req->nonce);
	vo.policy = req->policy;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = tsa_token_verify(trust, token, token_len, &req->imprint, &vo,
	    &s->proof, err)) != 0)
		goto out;
	if ((s->token = malloc(token_len)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(s->token, token, token_len);
	s->token_len = token_len;
	*out = s;
	s = NULL;		/* transferred to caller */
	r = 0;
out:
	tsa_stamp_free(s);
	return r;
}

/* --- the client ----------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/*
 * http:// or https://, a host, no user or password: a URL is named in
 * messages and logs, and credentials have no place there.
 */
static int
check_url(const char *url, struct cs_err *err)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *user = NULL;
	int r = CS_E_CONFIG;

	if ((u = curl_url()) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		r = cs_err_set(err, CS_E_CONFIG, "TSA URL '%.200s' does not "
		    "parse", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0)) {
		r = cs_err_set(err, CS_E_CONFIG, "TSA URL '%.200s' is not "
		    "http:// or https://", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0') {
		r = cs_err_set(err, CS_E_CONFIG, "TSA URL '%.200s' has no host",
		    url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &user, 0) == CURLUE_OK) {
		r = cs_err_set(err, CS_E_CONFIG, "a TSA URL may not hold a "
		    "user or password (it would show in messages and logs)");
		goto out;
	}
	r = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return r;
}

void
tsa_client_free(struct tsa_client *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_urls; i++)
		free(c->urls[i]);
	free(c->urls);
	free(c->policy);
	tsa_trust_free(c->trust);
	curl_slist_free_all(c->headers);
	for (i = 0; i < c->n_pool; i++)
		curl_easy_cleanup(c->pool[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int
tsa_client_new(const struct tsa_client_opts *o, struct tsa_client **out,
    struct cs_err *err)
{
	struct tsa_client *c = NULL;
	struct curl_slist *h;
	ASN1_OBJECT *pol = NULL;
	size_t i;
	int r = CS_E_INTERNAL;

	*out = NULL;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return cs_err_set(err, CS_E_INTERNAL, "curl_global_init: %s",
		    curl_easy_strerror(curl_init_rc));
	if (o->n_urls == 0)
		return cs_err_set(err, CS_E_CONFIG, "no TSA URL configured");
	if (o->n_urls > TSA_URLS_MAX)
		return cs_err_set(err, CS_E_CONFIG, "more than %d TSA URLs",
		    TSA_URLS_MAX);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->urls = calloc(o->n_urls, sizeof(*c->urls))) == NULL) {
		free(c);
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	}
	pthread_mutex_init(&c->lock, NULL);
	for (i = 0; i < o->n_urls; i++) {
		if ((r = check_url(o->urls[i], err)) != 0)
			goto out;
		if ((c->urls[i] = strdup(o->urls[i])) == NULL) {
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
		c->n_urls++;
	}
	c->timeout_ms = o->timeout_ms != 0 ? o->timeout_ms :
	    TSA_TIMEOUT_MS_DEFAULT;
	if (o->policy != NULL) {
		if ((pol = OBJ_txt2obj(o->policy, 1)) == NULL) {
			ERR_clear_error();
			r = cs_err_set(err, CS_E_CONFIG, "TSA policy '%s' is not "
			    "a dotted OID", o->policy);
			goto out;
		}
		if ((c->policy = strdup(o->policy)) == NULL) {
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if ((r = tsa_trust_load(o->anchors, NULL, NULL, &c->trust, err)) != 0)
		goto out;
	for (i = 0; i < sizeof(HEADERS) / sizeof(HEADERS[0]); i++) {
		if ((h = curl_slist_append(c->headers, HEADERS[i])) == NULL) {
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
		c->headers = h;
	}
	*out = c;
	c = NULL;		/* transferred to caller */
	r = 0;
out:
	ASN1_OBJECT_free(pol);
	tsa_client_free(c);
	return r;
}

int
tsa_client_from_config(const struct cs_config *cfg, struct tsa_client **out,
    struct cs_err *err)
{
	struct tsa_client_opts o;
	int r;

	*out = NULL;
	if (cfg->tsa_urls.n == 0)
		return cs_err_set(err, CS_E_CONFIG, "%s: [tsa] has no url",
		    cfg->path);
	memset(&o, 0, sizeof(o));
	o.urls = (const char *const *)cfg->tsa_urls.v;
	o.n_urls = cfg->tsa_urls.n;
	o.timeout_ms = cfg->tsa_timeout_ms;
	o.anchors = cfg->tsa_anchors;
	o.policy = cfg->tsa_policy;
	if ((r = tsa_client_new(&o, out, err)) != 0)
		cs_err_prefix(err, "%s: [tsa]", cfg->path);
	return r;
}

const struct tsa_trust *
tsa_client_trust(const struct tsa_client *c)
{
	return c->trust;
}

static CURL *
handle_get(struct tsa_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->n_pool > 0)
		h = c->pool[--c->n_pool];
	pthread_mutex_unlock(&c->lock);
	return h != NULL ? h : curl_easy_init();
}

static void
handle_put(struct tsa_client *c, CURL *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->n_pool < POOL_MAX) {
		c->pool[c->n_pool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	curl_easy_cleanup(h);
}

/* The response body, bounded. */
struct body {
	unsigned char *buf;
	size_t len;
	int too_large;
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct body *b = user;
	size_t n = size * nmemb;
	unsigned char *nb;

	if (n > TSA_RESPONSE_MAX - b->len) {
		b->too_large = 1;
		return 0;	/* CURLE_WRITE_ERROR ends the transfer */
	}
	if ((nb = realloc(b->buf, b->len + n)) == NULL)
		return 0;
	memcpy(nb + b->len, data, n);
	b->buf = nb;
	b->len += n;
	return n;
}

static int
reply_type_ok(const char *ct)
{
	size_t i, n;

	if (ct == NULL)
		return 0;
	for (i = 0; i < sizeof(REPLY_TYPES) / sizeof(REPLY_TYPES[0]); i++) {
		n = strlen(REPLY_TYPES[i]);
		if (strncasecmp(ct, REPLY_TYPES[i], n) == 0 &&
		    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
			return 1;
	}
	return 0;
}

/* One URL: POST the request, check the answer.  err names the cause only. */
static int
ask(struct tsa_client *c, CURL *h, const char *url,
    const struct tsa_request *req, struct tsa_stamp **out, struct cs_err *err)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct body b = { NULL, 0, 0 };
	char *ct = NULL;
	long status = 0;
	CURLcode cc;
	int r = CS_E_INTERNAL;

	curl_easy_reset(h);	/* options only: connections stay cached */
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->der) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)req->len) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "civseal") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b) != CURLE_OK) {
		r = cs_err_set(err, CS_E_INTERNAL, "curl set-up failed");
		goto out;
	}
	cc = curl_easy_perform(h);
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		r = cs_err_set(err, CS_E_UNAVAILABLE, "timeout after %u ms",
		    c->timeout_ms);
		goto out;
	}
	if (cc == CURLE_WRITE_ERROR && b.too_large) {
		r = cs_err_set(err, CS_E_INVALID, "response larger than %d bytes",
		    TSA_RESPONSE_MAX);
		goto out;
	}
	if (cc != CURLE_OK) {
		/* curl's buffer is the more precise, and names the cause too. */
		r = cs_err_set(err, CS_E_UNAVAILABLE, "%s", ebuf[0] ? ebuf :
		    curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	if (status != 200) {
		struct tsa_resp_status st;

		/* A TSA may say why in a TimeStampResp (RFC 3161 status). */
		if (reply_type_ok(ct) && tsa_resp_parse(b.buf, b.len, &st, NULL,
		    NULL, NULL) == 0)
			r = cs_err_set(err, CS_E_UNAVAILABLE, "HTTP %ld: %s",
			    status, st.text);
		else
			r = cs_err_set(err, CS_E_UNAVAILABLE, "HTTP %ld", status);
		goto out;
	}
	if (!reply_type_ok(ct)) {
		r = cs_err_set(err, CS_E_INVALID, "answered Content-Type "
		    "%.60s, not application/timestamp-reply", ct != NULL ? ct :
		    "(none)");
		goto out;
	}
	r = tsa_response_check(c->trust, req, b.buf, b.len, out, err);
out:
	free(b.buf);
	return r;
}

int
tsa_client_stamp(struct tsa_client *c, const unsigned char imprint[32],
    struct tsa_stamp **out, struct cs_err *err)
{
	struct tsa_request *req = NULL;
	struct cs_err one;
	char why[CS_ERR_MSG_MAX] = "";
	size_t i, len = 0;
	CURL *h = NULL;
	int r = CS_E_INTERNAL, n;

	*out = NULL;
	if ((r = tsa_request_new(imprint, c->policy, &req, err)) != 0)
		goto out;
	if ((h = handle_get(c)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "curl_easy_init failed");
		goto out;
	}
	for (i = 0; i < c->n_urls; i++) {
		cs_err_clear(&one);
		if (ask(c, h, c->urls[i], req, out, &one) == 0) {
			(*out)->url = c->urls[i];
			(*out)->failovers = (unsigned)i;
			r = 0;
			goto out;
		}
		n = snprintf(why + len, sizeof(why) - len, "%s%s: %s",
		    i > 0 ? "; " : "", c->urls[i], one.msg);
		if (n > 0)
			len = len + (size_t)n < sizeof(why) ? len + (size_t)n :
			    sizeof(why) - 1;
	}
	r = cs_err_set(err, CS_E_UNAVAILABLE, "no timestamp from %zu TSA%s: %s",
	    c->n_urls, c->n_urls > 1 ? "s" : "", why);
out:
	handle_put(c, h);
	tsa_request_free(req);
	return r;
}
