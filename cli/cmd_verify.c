/*
 * cli/cmd_verify.c — civseal verify: check a signed document (signature,
 * policy, trust at the signing time, revocation) and print the verdict.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/verdict.h"
#include "core/fileio.h"
#include "core/xml.h"
#include "verifier/verifier.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal verify [--trust PEM] [--crl PEM] [--config FILE] "
	    "[--register DB] [--json] FILE\n"
	    "\n"
	    "Verify a signed birth certificate or death extract (XML; '-' reads\n"
	    "standard input): the document structure and signature policy, the\n"
	    "XML signature, the signer certificate chain to a trust anchor and\n"
	    "its revocation, all judged at the document's signing time.\n"
	    "\n"
	    "  --trust PEM    trust anchors (root certificates)\n"
	    "  --crl PEM      certificate revocation lists (optional)\n"
	    "  --config FILE  take [trust] anchors and crl from this file when\n"
	    "                 --trust / --crl are not given\n"
	    "  --register DB  also check the document's status (revoked,\n"
	    "                 superseded) in this register, opened read-only\n"
	    "  --json         print the full report as JSON on standard output\n"
	    "                 (the report civseal-verifyd answers)\n"
	    "\n"
	    "Without --json, prints 'VALID: …' on standard output, or one line\n"
	    "per failed check ('INVALID: reason', 'UNTRUSTED: …', 'REVOKED: …')\n"
	    "on standard error.\n"
	    "\n"
	    "exit status: 0 valid; 1 invalid, tampered, untrusted, revoked,\n"
	    "policy-violating or not well-formed; 2 usage, configuration or I/O\n"
	    "error\n");
}

static void
print_human(const struct verifier_report *rep)
{
	cli_print_reasons(rep);
	if (rep->verdict == VERIFIER_VALID)
		printf("VALID: %s %s signed by %s (%s) at %s\n",
		    cli_type_words(rep->doc_type), rep->doc_id, rep->office,
		    rep->signer_subject != NULL ? rep->signer_subject : "?",
		    rep->signed_at);
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "crl", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "register", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trust = NULL, *crl = NULL, *config = NULL, *path;
	struct verifier *v = NULL;
	struct verifier_report *rep = NULL;
	struct verifier_status st;
	const char *reg = NULL;
	struct cs_err err = { 0, "" };
	char *xml = NULL;
	size_t len;
	int c, as_json = 0, rc = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:r:c:jh", opts, NULL)) != -1) {
		switch (c) {
		case 't': trust = optarg; break;
		case 'r': crl = optarg; break;
		case 'c': config = optarg; break;
		case 'R': reg = optarg; break;
		case 'j': as_json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "civseal verify: exactly one FILE is required\n");
		usage(stderr);
		return 2;
	}
	path = argv[optind];

	if (cli_verifier_load("civseal verify", trust, crl, config, &v) != 0)
		goto out;
	/* One byte more than the parser accepts, so oversize is reported. */
	if (cs_file_read(path, CS_XML_MAX_BYTES + 1, &xml, &len, &err) != 0) {
		fprintf(stderr, "civseal verify: %s\n", err.msg);
		rc = err.code == CS_E_INVALID ? 1 : 2;
		goto out;
	}
	if (verifier_check(v, xml, len, &rep, &err) != 0) {
		fprintf(stderr, "civseal verify: %s\n", err.msg);
		goto out;
	}
	if (cli_status("civseal verify", reg, rep, &st) != 0)
		goto out;
	if (as_json) {
		if (cli_print_json("civseal verify", rep, &st) != 0)
			goto out;
	} else
		print_human(rep);
	rc = rep->verdict == VERIFIER_VALID ? 0 : 1;
out:
	if (fflush(stdout) != 0 && rc == 0)
		rc = 2;
	free(xml);
	verifier_report_free(rep);
	verifier_free(v);
	return rc;
}
