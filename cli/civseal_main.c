/*
 * cli/civseal_main.c — the civseal command: dispatch to a subcommand.
 * The program owns the global initialisation of libxml2 and xmlsec.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/xmlsec.h>

#include "cli/cmd.h"


static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "sign", cmd_sign, "validate a registration (JSON) and issue the signed XML" },
	{ "verify", cmd_verify, "verify a signed document (signature, trust, policy)" },
	{ "hsm", cmd_hsm, "HSM administration: init-token, keygen, list" },
	{ "audit", cmd_audit, "verify the register's hash-chained audit log" },
	{ "qr", cmd_qr, "draw a signed document's QR seal as SVG or PNG" },
	{ "verify-qr", cmd_verify_qr, "check a QR seal offline (text, URL or picture)" },
	{ "render", cmd_render, "a signed document as HTML or A4 PDF, with its QR" },
	{ "timestamp", cmd_timestamp, "get or check an RFC 3161 timestamp ([tsa])" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: civseal COMMAND [OPTIONS]  (civseal COMMAND --help)\n\n"
	    "commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nexit status: 0 success, 1 invalid input or document, "
	    "2 usage, configuration or I/O error, 3 HSM failure\n");
}

static int
crypto_init(void)
{
	xmlInitParser();
	if (xmlSecInit() < 0) {
		fprintf(stderr, "civseal: xmlsec initialisation failed\n");
		return -1;
	}
	if (xmlSecCheckVersion() != 1) {
		fprintf(stderr, "civseal: xmlsec library version mismatch\n");
		return -1;
	}
	if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) {
		fprintf(stderr, "civseal: xmlsec OpenSSL backend initialisation failed\n");
		return -1;
	}
	return 0;
}

static void
crypto_done(void)
{
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	xmlCleanupParser();
}

int
main(int argc, char **argv)
{
	size_t i;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		if (crypto_init() != 0)
			return 2;
		rc = cmds[i].fn(argc - 1, argv + 1);
		crypto_done();
		return rc;
	}
	fprintf(stderr, "civseal: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
