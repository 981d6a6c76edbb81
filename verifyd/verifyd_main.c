/*
 * verifyd/verifyd_main.c — civseal-verifyd: start the verification
 * service, then wait for signals in the main thread (signalfd).
 *   SIGHUP           reload configuration, trust list and CRLs
 *   SIGTERM, SIGINT  stop accepting, finish requests in flight, exit 0
 */
#include <stdio.h>

#include "service/daemon.h"
#include "verifyd/verifyd.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal-verifyd --config FILE [--listen ADDR:PORT] "
	    "[--threads N] [--log-level LEVEL]\n"
	    "\n"
	    "The civseal verification service (docs/verifyd.md): POST /v1/verify\n"
	    "for systems, the upload page / for staff, /v/<seal> for the QR code.\n"
	    "Listens on ADDR:PORT (default: [verifyd] listen of the config, else\n"
	    "%s).  Logs one JSON object per line on stderr.\n"
	    "\n"
	    "  --config FILE      civseal.conf ([trust] anchors and crl, [store] path,\n"
	    "                     [verifyd] listen, rate_limit, rate_burst)\n"
	    "  --listen ADDR:PORT address to serve, e.g. 127.0.0.1:8442 or [::1]:8442\n"
	    "  --threads N        worker threads (default: online CPUs, at least 2)\n"
	    "  --log-level LEVEL  debug, info (default), warn, error\n"
	    "\n"
	    "Signals: SIGHUP reloads the config, trust list and CRLs without\n"
	    "dropping connections; SIGTERM or SIGINT stops accepting, finishes the\n"
	    "requests in flight and exits 0.\n"
	    "\n"
	    "Exit status: 0 stopped by a signal, 2 usage, configuration or I/O\n"
	    "error at start, 1 other errors.\n",
	    VERIFYD_DEFAULT_LISTEN);
}

/* Adapters from the generic daemon driver to the verifyd API. */
static int
start(const struct cs_daemon_opts *o, void **h, struct cs_err *err)
{
	struct verifyd_opts so = { o->config_path, o->listen, o->threads };
	struct verifyd *d = NULL;
	int r;

	r = verifyd_start(&so, &d, err);
	*h = d;
	return r;
}

static const char *
listen_of(const void *h)
{
	return verifyd_listen(h);
}

static unsigned
port_of(const void *h)
{
	return verifyd_port(h);
}

static int
reload(void *h, struct cs_err *err)
{
	return verifyd_reload(h, err);
}

static unsigned
stop(void *h, unsigned timeout_ms)
{
	return verifyd_stop(h, timeout_ms);
}

int
main(int argc, char **argv)
{
	static const struct cs_daemon_ops ops = {
		"civseal-verifyd", usage, start, listen_of, port_of, reload, stop,
	};

	return cs_daemon_main(argc, argv, &ops);
}
