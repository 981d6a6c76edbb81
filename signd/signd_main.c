/*
 * signd/signd_main.c — civseal-signd: start the signing service, then
 * wait for signals in the main thread (signalfd: no work in a handler).
 *   SIGHUP           reload configuration, certificates, clients
 *   SIGTERM, SIGINT  stop accepting, finish requests in flight, exit 0
 */
#include <stdio.h>

#include "service/daemon.h"
#include "signd/signd.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal-signd --config FILE [--listen ADDR:PORT] "
	    "[--threads N] [--log-level LEVEL]\n"
	    "\n"
	    "The civseal signing service (API: docs/api.md).  Listens on\n"
	    "ADDR:PORT (default: [signd] listen of the config, else %s).\n"
	    "Logs one JSON object per line on stderr.\n"
	    "\n"
	    "  --config FILE      civseal.conf ([pkcs11], [store], [signd] clients, offices)\n"
	    "  --listen ADDR:PORT address to serve, e.g. 127.0.0.1:8441 or [::1]:8441\n"
	    "  --threads N        worker threads (default: online CPUs, at least 2)\n"
	    "  --log-level LEVEL  debug, info (default), warn, error\n"
	    "\n"
	    "Signals: SIGHUP reloads the config, office certificates and clients\n"
	    "file without dropping connections; SIGTERM or SIGINT stops accepting,\n"
	    "finishes the requests in flight and exits 0.\n"
	    "\n"
	    "Exit status: 0 stopped by a signal, 2 usage, configuration or I/O\n"
	    "error at start, 3 HSM error at start, 1 other errors.\n",
	    SIGND_DEFAULT_LISTEN);
}

/* Adapters from the generic daemon driver to the signd API. */
static int
start(const struct cs_daemon_opts *o, void **h, struct cs_err *err)
{
	struct signd_opts so = { o->config_path, o->listen, o->threads };
	struct signd *d = NULL;
	int r;

	r = signd_start(&so, &d, err);
	*h = d;
	return r;
}

static const char *
listen_of(const void *h)
{
	return signd_listen(h);
}

static unsigned
port_of(const void *h)
{
	return signd_port(h);
}

static int
reload(void *h, struct cs_err *err)
{
	return signd_reload(h, err);
}

static unsigned
stop(void *h, unsigned timeout_ms)
{
	return signd_stop(h, timeout_ms);
}

int
main(int argc, char **argv)
{
	static const struct cs_daemon_ops ops = {
		"civseal-signd", usage, start, listen_of, port_of, reload, stop,
	};

	return cs_daemon_main(argc, argv, &ops);
}
