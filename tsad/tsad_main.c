/*
 * tsad/tsad_main.c — civseal-tsad: start the timestamp authority, then wait
 * for signals in the main thread (signalfd: no work in a handler).
 *   SIGTERM, SIGINT  stop accepting, finish requests in flight, exit 0
 *   SIGHUP           logged: a restart is needed to change anything
 */
#include <stdio.h>

#include "service/daemon.h"
#include "tsad/tsad.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal-tsad --config FILE [--listen ADDR:PORT] "
	    "[--threads N] [--log-level LEVEL]\n"
	    "\n"
	    "An RFC 3161 timestamp authority over HTTP, its key in the HSM\n"
	    "(docs/tsa.md).  POST / with Content-Type: application/timestamp-query\n"
	    "answers application/timestamp-reply.  Listens on ADDR:PORT (default:\n"
	    "[tsad] listen of the config, else %s).  Logs one JSON object per\n"
	    "line on stderr.  For development, and for an agency that runs its\n"
	    "own TSA on its own HSM; civseal itself may use any RFC 3161 TSA.\n"
	    "\n"
	    "  --config FILE      civseal.conf ([pkcs11]; [tsad] key, cert, chain,\n"
	    "                     policy, accuracy_ms, listen)\n"
	    "  --listen ADDR:PORT address to serve, e.g. 127.0.0.1:8443 or [::1]:8443\n"
	    "  --threads N        worker threads (default: online CPUs, at least 2)\n"
	    "  --log-level LEVEL  debug, info (default), warn, error\n"
	    "\n"
	    "The system clock gives genTime (faketime(1) can shift it for tests).\n"
	    "Signals: SIGTERM or SIGINT stops accepting, finishes the requests in\n"
	    "flight and exits 0; SIGHUP changes nothing (restart instead).\n"
	    "\n"
	    "Exit status: 0 stopped by a signal, 2 usage, configuration or I/O\n"
	    "error at start, 3 HSM error at start, 1 other errors.\n",
	    TSAD_DEFAULT_LISTEN);
}

/* Adapters from the generic daemon driver to the tsad API. */
static int
start(const struct cs_daemon_opts *o, void **h, struct cs_err *err)
{
	struct tsad_opts to = { o->config_path, o->listen, o->threads };
	struct tsad *d = NULL;
	int r;

	r = tsad_start(&to, &d, err);
	*h = d;
	return r;
}

static const char *
listen_of(const void *h)
{
	return tsad_listen(h);
}

static unsigned
port_of(const void *h)
{
	return tsad_port(h);
}

static int
reload(void *h, struct cs_err *err)
{
	return tsad_reload(h, err);
}

static unsigned
stop(void *h, unsigned timeout_ms)
{
	return tsad_stop(h, timeout_ms);
}

int
main(int argc, char **argv)
{
	static const struct cs_daemon_ops ops = {
		"civseal-tsad", usage, start, listen_of, port_of, reload, stop,
	};

	return cs_daemon_main(argc, argv, &ops);
}
