/*
 * signer/signd_main.c — civseal-signd: start the signing service, then
 * wait for signals in the main thread (signalfd: no work in a handler).
 *   SIGHUP           reload configuration, certificates, clients
 *   SIGTERM, SIGINT  stop accepting, finish requests in flight, exit 0
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

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

/* Trim trailing newlines in place; returns s. */
static char *
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/*
 * libxml2 and xmlsec print their messages on stderr by default: that
 * would break the one-JSON-object-per-line log, so they are routed into it.
 */
static void
xml_error(void *ctx, xmlErrorPtr e)
{
	char msg[512];

	(void)ctx;
	if (e == NULL || e->message == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s", e->message);
	cs_log_event(CS_LOG_WARN, "libxml2", json_pack("{s:s, s:i, s:i}",
	    "msg", chomp(msg), "domain", e->domain, "code", e->code));
}

__attribute__((format(printf, 2, 3)))
static void
xml_generic_error(void *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (*chomp(msg) != '\0')
		cs_logf(CS_LOG_WARN, "libxml2", "%s", msg);
}

static void
xmlsec_error(const char *file, int line, const char *func,
    const char *object, const char *subject, int reason, const char *msg)
{
	(void)file;
	(void)line;
	cs_log_event(CS_LOG_WARN, "xmlsec", json_pack("{s:s, s:s, s:s, s:i, s:s}",
	    "func", func != NULL ? func : "", "object", object != NULL ?
	    object : "", "subject", subject != NULL ? subject : "",
	    "reason", reason, "msg", msg != NULL ? msg : ""));
}

/* xmlsec and libxml2 are set up once per process, before any thread. */
static int
crypto_init(void)
{
	/* The thread defaults, so that the HTTP workers inherit them. */
	xmlThrDefSetStructuredErrorFunc(NULL, xml_error);
	xmlThrDefSetGenericErrorFunc(NULL, xml_generic_error);
	xmlSetStructuredErrorFunc(NULL, xml_error);
	xmlSetGenericErrorFunc(NULL, xml_generic_error);
	xmlInitParser();
	if (xmlSecInit() < 0)
		return -1;
	xmlSecErrorsSetCallback(xmlsec_error);
	if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0)
		return -1;
	return 0;
}

static void
crypto_shutdown(void)
{
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	xmlCleanupParser();
}

static int
exit_code(int r)
{
	switch (r) {
	case CS_E_USAGE:
	case CS_E_CONFIG:
	case CS_E_IO:
		return 2;
	case CS_E_HSM:
		return 3;
	default:
		return 1;
	}
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
	struct signalfd_siginfo si;
	struct cs_err err;
	sigset_t set;
	ssize_t n;
	unsigned left;
	char *end;
	long v;
	int c, lvl, sfd = -1, rc = 1, r;

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
	 * HSM module's), so that only the signalfd below receives them.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		fprintf(stderr, "civseal-signd: signalfd: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (crypto_init() != 0) {
		cs_logf(CS_LOG_ERROR, "start_failed", "xmlsec initialisation "
		    "failed");
		goto out;
	}
	if ((r = signd_start(&opts, &sd, &err)) != 0) {
		cs_log_event(CS_LOG_ERROR, "start_failed", json_pack("{s:s, s:s}",
		    "error", cs_err_name(r), "msg", err.msg));
		/* Operators read this one on a terminal too. */
		fprintf(stderr, "civseal-signd: %s\n", err.msg);
		rc = exit_code(r);
		goto out;
	}
	cs_log_event(CS_LOG_INFO, "start", json_pack("{s:s, s:i, s:i, s:s}",
	    "listen", signd_listen(sd), "port", (int)signd_port(sd),
	    "pid", (int)getpid(), "config", opts.config_path));

	for (;;) {
		n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si)) {
			cs_logf(CS_LOG_ERROR, "signal", "signalfd read failed: %s",
			    strerror(errno));
			break;
		}
		if (si.ssi_signo == SIGHUP) {
			cs_err_clear(&err);
			if (signd_reload(sd, &err) != 0)
				cs_log_event(CS_LOG_ERROR, "reload_failed",
				    json_pack("{s:s}", "msg", err.msg));
			continue;
		}
		cs_log_event(CS_LOG_INFO, "stopping", json_pack("{s:s, s:i}",
		    "signal", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM",
		    "sender_pid", (int)si.ssi_pid));
		break;
	}
	left = signd_stop(sd, DRAIN_MS);
	sd = NULL;
	cs_log_event(CS_LOG_INFO, "stop", json_pack("{s:i}", "unfinished",
	    (int)left));
	rc = 0;
out:
	crypto_shutdown();
	if (sfd >= 0)
		close(sfd);
	return rc;
}
