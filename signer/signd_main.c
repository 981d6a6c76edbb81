/*
 * signer/signd_main.c — civseal-signd: start the signing service, then
 * wait for signals in the main thread (signalfd: no work in a handler).
 *   SIGHUP           reload configuration, certificates, clients
 *   SIGTERM, SIGINT  stop accepting, finish requests in flight, exit 0
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/err.h"
#include "core/log.h"
#include "signer/signd.h"

#define DRAIN_MS 30000		/* longest wait for requests in flight at stop */

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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct signd_opts opts;
	struct signd *sd = NULL;
	struct cs_err err;
	unsigned left;
	char *end;
	long v;
	int c, lvl, sfd = -1, rc = 1, r, sig, sender, crypto = 0;

	memset(&opts, 0, sizeof(opts));
	cs_err_clear(&err);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 'l':
			opts.listen = optarg;
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 1024) {
				fprintf(stderr, "civseal-signd: --threads must "
				    "be 1 to 1024\n");
				return 2;
			}
			opts.threads = (unsigned)v;
			break;
		case 'L':
			if ((lvl = cs_log_level_parse(optarg)) < 0) {
				fprintf(stderr, "civseal-signd: --log-level "
				    "must be debug, info, warn or error\n");
				return 2;
			}
			cs_log_set_level((enum cs_log_level)lvl);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "civseal-signd: see --help\n");
			return 2;
		}
	}
	if (optind != argc || opts.config_path == NULL) {
		fprintf(stderr, "civseal-signd: %s (see --help)\n",
		    optind != argc ? "unexpected argument" : "--config FILE is "
		    "required");
		return 2;
	}

	/*
	 * Block the signals before any thread starts (the HTTP workers, the
	 * HSM module's), so that only the signalfd receives them.
	 */
	if (cs_daemon_signals(&sfd, &err) != 0) {
		fprintf(stderr, "civseal-signd: %s\n", err.msg);
		return 1;
	}
	if (cs_daemon_crypto_init(&err) != 0) {
		cs_logf(CS_LOG_ERROR, "start_failed", "%s", err.msg);
		goto out;
	}
	crypto = 1;
	if ((r = signd_start(&opts, &sd, &err)) != 0) {
		cs_log_event(CS_LOG_ERROR, "start_failed", json_pack("{s:s, s:s}",
		    "error", cs_err_name(r), "msg", err.msg));
		/* Operators read this one on a terminal too. */
		fprintf(stderr, "civseal-signd: %s\n", err.msg);
		rc = cs_daemon_exit_code(r);
		goto out;
	}
	cs_log_event(CS_LOG_INFO, "start", json_pack("{s:s, s:i, s:i, s:s}",
	    "listen", signd_listen(sd), "port", (int)signd_port(sd),
	    "pid", (int)getpid(), "config", opts.config_path));

	while ((sig = cs_daemon_next_signal(sfd, &sender)) == SIGHUP) {
		cs_err_clear(&err);
		if (signd_reload(sd, &err) != 0)
			cs_log_event(CS_LOG_ERROR, "reload_failed",
			    json_pack("{s:s}", "msg", err.msg));
	}
	if (sig > 0)
		cs_log_event(CS_LOG_INFO, "stopping", json_pack("{s:s, s:i}",
		    "signal", sig == SIGINT ? "SIGINT" : "SIGTERM",
		    "sender_pid", sender));
	left = signd_stop(sd, DRAIN_MS);
	sd = NULL;
	cs_log_event(CS_LOG_INFO, "stop", json_pack("{s:i}", "unfinished",
	    (int)left));
	rc = 0;
out:
	if (crypto)
		cs_daemon_crypto_shutdown();
	if (sfd >= 0)
		close(sfd);
	return rc;
}
