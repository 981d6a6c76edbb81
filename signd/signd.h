/*
 * signd/signd.h — civseal-signd: the signing service that civil-registry
 * software calls (routes and handlers over service/httpd; API in docs/api.md).
 *
 * One struct signd serves the process.  Its configuration, signer (office
 * certificates, HSM keys) and client list form a generation that requests
 * take a reference on; signd_reload builds a new generation and swaps it in,
 * so requests in flight finish with the one they started with.
 */
#ifndef CS_SIGNER_SIGND_H
#define CS_SIGNER_SIGND_H

#include "core/err.h"

struct signd;

struct signd_opts {
	const char *config_path;
	const char *listen;	/* NULL: [signd] listen, else 127.0.0.1:8441 */
	unsigned threads;	/* 0: online CPUs, at least 2 */
};

#define SIGND_DEFAULT_LISTEN "127.0.0.1:8441"
#define SIGND_MAX_BODY (256 * 1024)

/*
 * Load the configuration, the clients file and the office certificates,
 * log in to the HSM and load every office key (a broken HSM fails here, not
 * at the first request), open the register, and start serving.
 * CS_E_CONFIG, CS_E_IO, CS_E_HSM, CS_E_UNAVAILABLE name the cause.
 */
int signd_start(const struct signd_opts *opts, struct signd **out,
    struct cs_err *err);

/* The address and port served. */
const char *signd_listen(const struct signd *sd);
unsigned signd_port(const struct signd *sd);

/*
 * Re-read the configuration file, office certificates and clients file
 * and swap them in without dropping a connection.  On failure nothing
 * changes (the error names the cause).  The register and the listen
 * address stay as they were started (a change needs a restart: logged).
 */
int signd_reload(struct signd *sd, struct cs_err *err);

/*
 * Stop accepting, let requests in flight finish (at most timeout_ms),
 * then stop and free everything.  Returns the number of requests that
 * were still running when the time was up (0 for a clean stop).
 */
unsigned signd_stop(struct signd *sd, unsigned timeout_ms);

#endif
