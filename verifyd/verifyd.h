/*
 * verifyd/verifyd.h — civseal-verifyd: the verification service for
 * receiving systems (POST /v1/verify: JSON report), staff (the upload page)
 * and citizens (the page a QR code opens, /v/<seal>); docs/verifyd.md.
 *
 * The trust list and CRLs (with the configuration) form a generation that
 * requests take a reference on; verifyd_reload builds a new one and swaps
 * it in, so requests in flight finish with the one they started with.  The
 * register is opened read-only, lazily: when it cannot be opened or read
 * the verdict of the signature is still given, with the status unchecked.
 */
#ifndef VERIFIER_VERIFYD_H
#define VERIFIER_VERIFYD_H

#include "core/err.h"

struct verifyd;

struct verifyd_opts {
	const char *config_path;
	const char *listen;	/* NULL: [verifyd] listen, else 127.0.0.1:8442 */
	unsigned threads;	/* 0: online CPUs, at least 2 */
};

#define VERIFYD_DEFAULT_LISTEN "127.0.0.1:8442"
/* A signed document is at most CS_XML_MAX_BYTES; a form adds a little. */
#define VERIFYD_MAX_BODY (1024 * 1024 + 16 * 1024)
#define VERIFYD_RATE_DEFAULT 5.0	/* requests per second per address */
#define VERIFYD_BURST_DEFAULT 30.0

/*
 * Load the configuration, the trust list and CRLs ([trust] anchors, crl)
 * and the page stylesheet, and start serving.  CS_E_CONFIG, CS_E_IO name
 * the cause.
 */
int verifyd_start(const struct verifyd_opts *opts, struct verifyd **out,
    struct cs_err *err);

const char *verifyd_listen(const struct verifyd *vd);
unsigned verifyd_port(const struct verifyd *vd);

/*
 * Re-read the configuration, trust list and CRLs and swap them in without
 * dropping a connection.  On failure nothing changes.  The listen address,
 * the register path and the rate limit take effect at the next restart.
 */
int verifyd_reload(struct verifyd *vd, struct cs_err *err);

/*
 * Stop accepting, let requests in flight finish (at most timeout_ms), then
 * stop and free everything.  Returns the number of requests still running
 * when the time was up.
 */
unsigned verifyd_stop(struct verifyd *vd, unsigned timeout_ms);

#endif
