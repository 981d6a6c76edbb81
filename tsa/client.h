/*
 * tsa/client.h — RFC 3161 timestamps from timestamp authorities over HTTP
 * (RFC 3161 §3.4: POST application/timestamp-query, answer
 * application/timestamp-reply), through libcurl.
 *
 * For each timestamp the client builds a TimeStampReq (SHA-256 imprint, a
 * random 64-bit nonce, certReq true, the configured policy if any) and
 * asks the configured URLs in order, each with its own timeout, until one
 * answers with a token that checks: status granted, and everything
 * tsa_token_verify checks (tsa/token.h) against the configured TSA
 * anchors, plus this request's imprint, nonce and policy.  A TSA that does
 * not answer, answers something else or a token that does not check is
 * skipped for the next one; when none is left the error names each URL
 * and its cause.
 *
 * Threads: tsa_client_stamp may be called from any number of threads at
 * once (the signing workers).  Each call takes a curl handle from a small
 * pool (a mutex held only to pop and push it, never during a request) and
 * gives it back, so connections to a TSA are kept alive and reused.
 */
#ifndef CS_TSA_CLIENT_H
#define CS_TSA_CLIENT_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"
#include "tsa/token.h"

#define TSA_TIMEOUT_MS_DEFAULT 5000
#define TSA_URLS_MAX 16
#define TSA_NONCE_LEN 8

/* A TimeStampReq and what its answer must match. */
struct tsa_request {
	unsigned char *der;		/* DER TimeStampReq */
	size_t len;
	struct tsa_imprint imprint;	/* SHA-256 */
	unsigned char nonce[TSA_NONCE_LEN];	/* big-endian, positive */
	char *policy;			/* dotted OID, or NULL */
};

/*
 * A request for the SHA-256 imprint (32 bytes) and policy (NULL: the
 * TSA's default).  CS_E_CONFIG for a policy that is no OID.  *out is owned
 * by the caller.
 */
int tsa_request_new(const unsigned char imprint[32], const char *policy,
    struct tsa_request **out, struct cs_err *err);
void tsa_request_free(struct tsa_request *req);

/* A timestamp obtained and checked. */
struct tsa_stamp {
	unsigned char *token;		/* the TimeStampToken, as the TSA sent it */
	size_t token_len;
	struct tsa_proof *proof;	/* what it proves: genTime, TSA, policy */
	const char *url;		/* the URL that gave it (the client's) */
	unsigned failovers;		/* URLs that failed before it */
};

void tsa_stamp_free(struct tsa_stamp *s);

/*
 * Check the DER TimeStampResp resp (len bytes) as the answer to req:
 * granted, a token, and the token checks against trust with req's imprint,
 * nonce and policy.  CS_E_INVALID (malformed, refused by the TSA, another
 * imprint or nonce) or tsa_token_verify's codes.  On success *out (owned
 * by the caller; url NULL) holds the token.
 */
int tsa_response_check(const struct tsa_trust *trust,
    const struct tsa_request *req, const unsigned char *resp, size_t len,
    struct tsa_stamp **out, struct cs_err *err);

struct tsa_client_opts {
	const char *const *urls;	/* http:// or https://, in order */
	size_t n_urls;
	unsigned timeout_ms;		/* per URL; 0: TSA_TIMEOUT_MS_DEFAULT */
	const char *anchors;		/* PEM: the TSA trust anchors */
	const char *policy;		/* dotted OID to ask for, or NULL */
};

struct tsa_client;

/*
 * A client for opts.  CS_E_CONFIG names the URL that is not http(s), holds
 * credentials (they would show in messages and logs) or does not parse,
 * a policy that is no OID, missing anchors.  *out is owned by the caller.
 */
int tsa_client_new(const struct tsa_client_opts *opts, struct tsa_client **out,
    struct cs_err *err);

/* The same from the [tsa] section of cfg; CS_E_CONFIG when it has no url. */
int tsa_client_from_config(const struct cs_config *cfg,
    struct tsa_client **out, struct cs_err *err);

void tsa_client_free(struct tsa_client *c);

/* The trust the client checks tokens against (owned by the client). */
const struct tsa_trust *tsa_client_trust(const struct tsa_client *c);

/*
 * A checked timestamp over the SHA-256 imprint (32 bytes), from the first
 * URL that gives one.  CS_E_UNAVAILABLE when none did: err lists each URL
 * and why ("timeout after 2000 ms", "HTTP 503", "refused the request:
 * rejection (badAlg)", the token's fault).  *out is owned by the caller.
 */
int tsa_client_stamp(struct tsa_client *c, const unsigned char imprint[32],
    struct tsa_stamp **out, struct cs_err *err);

#endif
