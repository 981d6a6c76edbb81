/*
 * service/daemon.h — what both daemons' main() share: libxml2 and xmlsec set
 * up once per process with their messages routed into the JSON-lines log,
 * signals taken through a signalfd (no work in a handler), and the exit
 * status of a start failure.
 */
#ifndef CS_DAEMON_H
#define CS_DAEMON_H

#include <stdio.h>

#include "core/err.h"

/* The command line both daemons take. */
struct cs_daemon_opts {
	const char *config_path;	/* --config FILE (required) */
	const char *listen;		/* --listen ADDR:PORT, or NULL */
	unsigned threads;		/* --threads N, or 0 */
};

/* A daemon, as cs_daemon_main drives it. */
struct cs_daemon_ops {
	const char *name;		/* "civseal-signd" */
	void (*usage)(FILE *f);		/* --help */
	int (*start)(const struct cs_daemon_opts *o, void **handle,
	    struct cs_err *err);
	const char *(*listen)(const void *handle);
	unsigned (*port)(const void *handle);
	int (*reload)(void *handle, struct cs_err *err);
	/* Stop and free; the number of requests still running at timeout_ms. */
	unsigned (*stop)(void *handle, unsigned timeout_ms);
};

#define CS_DAEMON_DRAIN_MS 30000	/* longest wait for requests at stop */

/*
 * The whole main() of a daemon: parse --config, --listen, --threads,
 * --log-level and --help; block the signals and set up libxml2 and xmlsec
 * before any thread starts; start; then in the main thread reload on
 * SIGHUP (a failure is logged, nothing changes), and on SIGTERM or SIGINT
 * stop accepting, let the requests in flight finish and exit 0.  Returns
 * the exit status: 0 stopped by a signal, 2 usage, configuration or I/O
 * error at start, 3 HSM error at start, 1 other errors.
 */
int cs_daemon_main(int argc, char **argv, const struct cs_daemon_ops *ops);

/*
 * Initialise libxml2 and xmlsec (OpenSSL) before any thread starts, with
 * their error messages as "libxml2" / "xmlsec" log events instead of raw
 * lines on stderr.  CS_E_CRYPTO when xmlsec cannot be initialised.
 */
int cs_daemon_crypto_init(struct cs_err *err);
void cs_daemon_crypto_shutdown(void);

/*
 * Block SIGTERM, SIGINT and SIGHUP in the calling thread (do it before any
 * other thread exists, so they all inherit the mask), ignore SIGPIPE, and
 * return a signalfd that receives the three.  CS_E_IO naming the cause.
 */
int cs_daemon_signals(int *fd, struct cs_err *err);

/*
 * Wait for the next signal on fd: SIGHUP, SIGTERM or SIGINT; *sender is
 * the sending process.  -1 when the signalfd failed (logged).
 */
int cs_daemon_next_signal(int fd, int *sender);

/* Exit status for a start failure: 2 usage/config/I/O, 3 HSM, 1 other. */
int cs_daemon_exit_code(int r);

#endif
