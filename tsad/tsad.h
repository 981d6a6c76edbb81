/*
 * tsad/tsad.h — civseal-tsad: an RFC 3161 timestamp authority over HTTP
 * (docs/tsa.md), its key in the HSM through pkcs11/.
 *
 *   POST /          Content-Type: application/timestamp-query, a DER
 *                   TimeStampReq (at most TSA_REQUEST_MAX bytes) ->
 *                   application/timestamp-reply, a DER TimeStampResp:
 *                   200 granted; 400 refused for the request's fault
 *                   (badDataFormat, badAlg, unacceptedPolicy...); 503 with
 *                   Retry-After and a systemFailure response when the TSA
 *                   cannot sign (HSM down).  415 for another media type,
 *                   413 for a larger body, before the body is read.
 *   GET /healthz    the process answers
 *   GET /readyz     the key signs on the HSM now
 *   GET /metrics    timestamps issued, refused, failures, signing time
 *
 * It signs with libp11's EVP_PKEY, whose signatures take a PKCS#11 session
 * from libp11's pool per slot, one per concurrent signer (pkcs11/key.h):
 * the HTTP workers sign in parallel, with no lock of ours around signing
 * but a read lock that only an HSM reconnect takes for writing.
 */
#ifndef CS_TSAD_TSAD_H
#define CS_TSAD_TSAD_H

#include "core/err.h"

struct tsad;

struct tsad_opts {
	const char *config_path;
	const char *listen;	/* NULL: [tsad] listen, else TSAD_DEFAULT_LISTEN */
	unsigned threads;	/* 0: online CPUs, at least 2 */
};

#define TSAD_DEFAULT_LISTEN "127.0.0.1:8443"

/*
 * Load the configuration ([pkcs11], [tsad]), the TSA key from the HSM and
 * its certificate, prove that the key signs and is the certificate's, and
 * start serving.  CS_E_CONFIG, CS_E_IO, CS_E_HSM, CS_E_CRYPTO name the
 * cause.
 */
int tsad_start(const struct tsad_opts *opts, struct tsad **out,
    struct cs_err *err);

const char *tsad_listen(const struct tsad *d);
unsigned tsad_port(const struct tsad *d);

/*
 * SIGHUP: not supported yet; a new key, certificate or policy needs a
 * restart.  Returns CS_E_USAGE saying so (logged by the daemon driver).
 */
int tsad_reload(struct tsad *d, struct cs_err *err);

/* Stop accepting, finish requests in flight (at most timeout_ms), free. */
unsigned tsad_stop(struct tsad *d, unsigned timeout_ms);

#endif
