/*
 * cli/cmd_verify.c — civseal verify: check a signed document (signature,
 * policy, trust at the signing time, revocation) and print the verdict.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/errors.h>

#include "cli/cmd.h"
#include "core/config.h"
#include "core/fileio.h"
#include "core/xml.h"
#include "verifier/verifier.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal verify [--trust PEM] [--crl PEM] [--config FILE] "
	    "[--json] FILE\n"
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
	    "  --json         print the full report as JSON on standard output\n"
	    "\n"
	    "Without --json, prints 'VALID: …' on standard output, or one line\n"
	    "per failed check ('INVALID: reason', 'UNTRUSTED: …', 'REVOKED: …')\n"
	    "on standard error.\n"
	    "\n"
	    "exit status: 0 valid; 1 invalid, tampered, untrusted, revoked,\n"
	    "policy-violating or not well-formed; 2 usage, configuration or I/O\n"
	    "error\n");
}

static const char *
type_words(const char *t)
{
	if (strcmp(t, "birth") == 0)
		return "birth certificate";
	if (strcmp(t, "death") == 0)
		return "death extract";
	return "document";
}

/* One line per failed check and per warning, on stderr. */
static void
print_reasons(const struct verifier_report *rep)
{
	const char *tag;
	size_t i;

	for (i = 0; i < rep->n_warnings; i++)
		fprintf(stderr, "warning: %s\n", rep->warnings[i]);
	if (rep->verdict == VERIFIER_VALID)
		return;
	tag = rep->verdict == VERIFIER_REVOKED ? "REVOKED" :
	    rep->verdict == VERIFIER_UNTRUSTED ? "UNTRUSTED" : "INVALID";
	for (i = 0; i < rep->n_reasons; i++)
		fprintf(stderr, "%s: %s\n", tag, rep->reasons[i]);
	if (rep->n_reasons == 0)
		fprintf(stderr, "%s: no reason recorded\n", tag);
}

static void
print_human(const struct verifier_report *rep)
{
	print_reasons(rep);
	if (rep->verdict == VERIFIER_VALID)
		printf("VALID: %s %s signed by %s (%s) at %s\n",
		    type_words(rep->doc_type), rep->doc_id, rep->office,
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
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trust = NULL, *crl = NULL, *config = NULL, *path;
	struct cs_config *cfg = NULL;
	struct verifier *v = NULL;
	struct verifier_report *rep = NULL;
	struct cs_err err = { 0, "" };
	json_t *j = NULL;
	char *xml = NULL, *s;
	size_t len;
	int c, as_json = 0, rc = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:r:c:jh", opts, NULL)) != -1) {
		switch (c) {
		case 't': trust = optarg; break;
		case 'r': crl = optarg; break;
		case 'c': config = optarg; break;
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

	if (config != NULL) {
		if (cs_config_load(config, &cfg, &err) != 0) {
			fprintf(stderr, "civseal verify: %s\n", err.msg);
			goto out;
		}
		if (trust == NULL)
			trust = cfg->trust_anchors;
		if (crl == NULL)
			crl = cfg->trust_crl;
	}
	if (trust == NULL) {
		fprintf(stderr, "civseal verify: no trust anchors: give --trust "
		    "PEM or --config FILE with [trust] anchors\n");
		usage(stderr);
		goto out;
	}
	/*
	 * The verdict and its reasons are this command's output; xmlsec's own
	 * error trace for a tampered document would only bury them.
	 */
	xmlSecErrorsDefaultCallbackEnableOutput(0);

	if (verifier_new(trust, crl, &v, &err) != 0) {
		fprintf(stderr, "civseal verify: %s\n", err.msg);
		goto out;
	}
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
	if (as_json) {
		if ((j = verifier_report_json(rep)) == NULL ||
		    (s = json_dumps(j, JSON_INDENT(2))) == NULL) {
			fprintf(stderr, "civseal verify: out of memory\n");
			goto out;
		}
		printf("%s\n", s);
		free(s);
		print_reasons(rep);
	} else
		print_human(rep);
	rc = rep->verdict == VERIFIER_VALID ? 0 : 1;
out:
	if (fflush(stdout) != 0 && rc == 0)
		rc = 2;
	json_decref(j);
	free(xml);
	verifier_report_free(rep);
	verifier_free(v);
	cs_config_free(cfg);
	return rc;
}
