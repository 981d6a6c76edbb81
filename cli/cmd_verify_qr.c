/*
 * cli/cmd_verify_qr.c — civseal verify-qr: check a QR seal offline against
 * the trust list, from its text, the URL the QR code holds, or a picture.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/qrscan.h"
#include "cli/verdict.h"

#define PROG "civseal verify-qr"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal verify-qr [--trust PEM] [--crl PEM] [--config FILE]\n"
	    "                         [--register DB] [--json]\n"
	    "                         (SEAL | URL | --image PICTURE.png)\n"
	    "\n"
	    "Check the QR seal of a printed birth certificate or death extract\n"
	    "without a network: its signature by the key its key id names in the\n"
	    "trust list, that certificate's chain to a trust anchor and its\n"
	    "revocation at the time the seal was made.  The seal is the digits\n"
	    "the QR code holds, or the whole URL (…/v/DIGITS), or a PNG picture\n"
	    "of the code, read with zbar.\n"
	    "\n"
	    "  --trust PEM    the trust list: anchors (self-signed) and the\n"
	    "                 issuing CA, office and seal certificates\n"
	    "  --crl PEM      certificate revocation lists (optional)\n"
	    "  --config FILE  take [trust] anchors and crl from this file when\n"
	    "                 --trust / --crl are not given\n"
	    "  --register DB  also check the document's status (revoked,\n"
	    "                 superseded) in this register, opened read-only\n"
	    "  --image PNG    read the seal from the QR code in this picture\n"
	    "  --json         print the report, with the bound fields and the\n"
	    "                 signer, as JSON on standard output\n"
	    "\n"
	    "Compare the fields printed here with the paper: a genuine seal\n"
	    "copied onto a forged paper still names the real holder.\n"
	    "\n"
	    "exit status: 0 genuine; 1 not genuine (tampered, truncated, unknown\n"
	    "issuer, revoked); 2 usage, configuration or I/O error\n");
}

static void
print_human(const struct verifier_report *rep)
{
	const struct cs_seal *s = rep->seal;
	char reg[CS_DATE_STR_MAX], birth[CS_DATE_STR_MAX] = "-";

	cli_print_reasons(rep);
	if (rep->verdict != VERIFIER_VALID || s == NULL)
		return;
	cs_date_format(&s->reg_date, reg, sizeof(reg));
	if (s->birth_date.y != 0)
		cs_date_format(&s->birth_date, birth, sizeof(birth));
	printf("GENUINE: %s %s\n"
	    "  full name          %s\n"
	    "  date of birth      %s\n"
	    "  personal ID        %s\n"
	    "  issuing office     %s\n"
	    "  registration date  %s\n"
	    "  sealed by          %s\n"
	    "  sealed at          %s\n",
	    cli_type_words(rep->doc_type), rep->doc_id, s->full_name, birth,
	    s->personal_id[0] ? s->personal_id : "-", s->office, reg,
	    rep->signer_subject != NULL ? rep->signer_subject : "?",
	    rep->signed_at);
}

int
cmd_verify_qr(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "crl", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "register", required_argument, NULL, 'R' },
		{ "image", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trust = NULL, *crl = NULL, *config = NULL, *image = NULL;
	struct verifier *v = NULL;
	struct verifier_report *rep = NULL;
	struct verifier_status st;
	const char *reg = NULL;
	struct cs_err err = { 0, "" };
	char *scanned = NULL;
	const char *text;
	int c, as_json = 0, rc = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:r:c:i:jh", opts, NULL)) != -1) {
		switch (c) {
		case 't': trust = optarg; break;
		case 'r': crl = optarg; break;
		case 'c': config = optarg; break;
		case 'R': reg = optarg; break;
		case 'i': image = optarg; break;
		case 'j': as_json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != (image != NULL ? 0 : 1)) {
		fprintf(stderr, PROG ": give exactly one of SEAL, URL or "
		    "--image PICTURE\n");
		usage(stderr);
		return 2;
	}
	if (cli_verifier_load(PROG, trust, crl, config, &v) != 0)
		goto out;
	if (image != NULL) {
		if (cli_qr_scan_png(image, &scanned, &err) != 0) {
			fprintf(stderr, PROG ": %s\n", err.msg);
			rc = err.code == CS_E_INVALID ? 1 : 2;
			goto out;
		}
		text = scanned;
	} else
		text = argv[optind];
	if (verifier_check_seal(v, text, &rep, &err) != 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	if (cli_status(PROG, reg, rep, &st) != 0)
		goto out;
	if (as_json) {
		if (cli_print_json(PROG, rep, &st) != 0)
			goto out;
	} else
		print_human(rep);
	rc = rep->verdict == VERIFIER_VALID ? 0 : 1;
out:
	if (fflush(stdout) != 0 && rc == 0)
		rc = 2;
	free(scanned);
	verifier_report_free(rep);
	verifier_free(v);
	return rc;
}
