/*
 * core/daemon.h — what both daemons' main() share: libxml2 and xmlsec set
 * up once per process with their messages routed into the JSON-lines log,
 * signals taken through a signalfd (no work in a handler), and the exit
 * status of a start failure.
 */
#ifndef CS_DAEMON_H
#define CS_DAEMON_H

#include "core/err.h"

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
