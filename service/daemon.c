/* service/daemon.c — process set-up shared by the daemons; see daemon.h. */
#include "service/daemon.h"

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

#include "core/log.h"

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

int
cs_daemon_crypto_init(struct cs_err *err)
{
	/* The thread defaults, so that the HTTP workers inherit them. */
	xmlThrDefSetStructuredErrorFunc(NULL, xml_error);
	xmlThrDefSetGenericErrorFunc(NULL, xml_generic_error);
	xmlSetStructuredErrorFunc(NULL, xml_error);
	xmlSetGenericErrorFunc(NULL, xml_generic_error);
	xmlInitParser();
	if (xmlSecInit() < 0)
		return cs_err_set(err, CS_E_CRYPTO, "xmlSecInit failed");
	xmlSecErrorsSetCallback(xmlsec_error);
	if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0)
		return cs_err_set(err, CS_E_CRYPTO, "xmlsec OpenSSL "
		    "initialisation failed");
	return 0;
}

void
cs_daemon_crypto_shutdown(void)
{
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	xmlCleanupParser();
}

int
cs_daemon_signals(int *fd, struct cs_err *err)
{
	sigset_t set;

	*fd = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (*fd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		return cs_err_set(err, CS_E_IO, "signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int
cs_daemon_next_signal(int fd, int *sender)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (;;) {
		n = read(fd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si)) {
			cs_logf(CS_LOG_ERROR, "signal", "signalfd read failed: %s",
			    n < 0 ? strerror(errno) : "short read");
			return -1;
		}
		*sender = (int)si.ssi_pid;
		return (int)si.ssi_signo;
	}
}

int
cs_daemon_exit_code(int r)
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

/* Command-line parsing: 0 to go on, else 1 + the exit status. */
static int
parse_args(int argc, char **argv, const struct cs_daemon_ops *ops,
    struct cs_daemon_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c, lvl;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'l':
			o->listen = optarg;
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 1024) {
				fprintf(stderr, "%s: --threads must be 1 to "
				    "1024\n", ops->name);
				return 1 + 2;
			}
			o->threads = (unsigned)v;
			break;
		case 'L':
			if ((lvl = cs_log_level_parse(optarg)) < 0) {
				fprintf(stderr, "%s: --log-level must be debug, "
				    "info, warn or error\n", ops->name);
				return 1 + 2;
			}
			cs_log_set_level((enum cs_log_level)lvl);
			break;
		case 'h':
			ops->usage(stdout);
			return 1 + 0;
		default:
			fprintf(stderr, "%s: see --help\n", ops->name);
			return 1 + 2;
		}
	}
	if (optind != argc || o->config_path == NULL) {
		fprintf(stderr, "%s: %s (see --help)\n", ops->name,
		    optind != argc ? "unexpected argument" : "--config FILE is "
		    "required");
		return 1 + 2;
	}
	return 0;
}

int
cs_daemon_main(int argc, char **argv, const struct cs_daemon_ops *ops)
{
	struct cs_daemon_opts o;
	struct cs_err err;
	void *h = NULL;
	unsigned left;
	int sfd = -1, rc = 1, r, sig, sender = 0, crypto = 0;

	cs_err_clear(&err);
	if ((r = parse_args(argc, argv, ops, &o)) != 0)
		return r - 1;
	/*
	 * Block the signals before any thread starts (the HTTP workers, an
	 * HSM module's), so that only the signalfd receives them.
	 */
	if (cs_daemon_signals(&sfd, &err) != 0) {
		fprintf(stderr, "%s: %s\n", ops->name, err.msg);
		return 1;
	}
	if (cs_daemon_crypto_init(&err) != 0) {
		cs_logf(CS_LOG_ERROR, "start_failed", "%s", err.msg);
		goto out;
	}
	crypto = 1;
	if ((r = ops->start(&o, &h, &err)) != 0) {
		cs_log_event(CS_LOG_ERROR, "start_failed", json_pack("{s:s, s:s}",
		    "error", cs_err_name(r), "msg", err.msg));
		/* Operators read this one on a terminal too. */
		fprintf(stderr, "%s: %s\n", ops->name, err.msg);
		rc = cs_daemon_exit_code(r);
		goto out;
	}
	cs_log_event(CS_LOG_INFO, "start", json_pack("{s:s, s:i, s:i, s:s}",
	    "listen", ops->listen(h), "port", (int)ops->port(h),
	    "pid", (int)getpid(), "config", o.config_path));

	while ((sig = cs_daemon_next_signal(sfd, &sender)) == SIGHUP) {
		cs_err_clear(&err);
		if (ops->reload(h, &err) != 0)
			cs_log_event(CS_LOG_ERROR, "reload_failed",
			    json_pack("{s:s}", "msg", err.msg));
	}
	if (sig > 0)
		cs_log_event(CS_LOG_INFO, "stopping", json_pack("{s:s, s:i}",
		    "signal", sig == SIGINT ? "SIGINT" : "SIGTERM",
		    "sender_pid", sender));
	left = ops->stop(h, CS_DAEMON_DRAIN_MS);
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
