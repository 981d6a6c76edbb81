/*
 * cli/cmd_sign.c — civseal sign: validate a registration request (JSON) and
 * write the signed XML document.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/config.h"
#include "core/fileio.h"
#include "signer/signer.h"

#define SIGN_MAX_INPUT (256 * 1024)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal sign --config FILE --in DOC.json --out DOC.xml\n"
	    "\n"
	    "Validate a birth or death registration (JSON, the format of the\n"
	    "samples) and issue the electronic document: XML signed with the\n"
	    "office key held in the HSM.  '-' reads standard input or writes\n"
	    "standard output.  The result is verified before it is written;\n"
	    "the output file is replaced atomically.\n"
	    "\n"
	    "exit status: 0 signed; 1 input refused (each reason on stderr,\n"
	    "naming the field); 2 usage, configuration or I/O error; 3 the HSM\n"
	    "or the signature failed (nothing written)\n");
}

static int
exit_code(int r)
{
	switch (r) {
	case 0:
		return 0;
	case CS_E_INVALID:
		return 1;
	case CS_E_HSM:
	case CS_E_CRYPTO:
		return 3;
	default:
		return 2;
	}
}

int
cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *in = NULL, *outp = NULL;
	struct cs_config *cfg = NULL;
	struct signer *s = NULL;
	struct signer_doc *d = NULL;
	struct cs_problems probs;
	struct cs_err err = { 0, "" };
	char *json = NULL;
	size_t len, i;
	int c, r;

	cs_problems_init(&probs);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:i:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'i': in = optarg; break;
		case 'o': outp = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL || in == NULL || outp == NULL || optind != argc) {
		fprintf(stderr, "civseal sign: --config, --in and --out are required\n");
		usage(stderr);
		return 2;
	}
	if ((r = cs_config_load(config, &cfg, &err)) != 0 ||
	    (r = cs_file_read(in, SIGN_MAX_INPUT, &json, &len, &err)) != 0 ||
	    (r = signer_new(cfg, &s, &err)) != 0)
		goto out;
	if ((r = signer_issue(s, json, len, NULL, &d, &probs, &err)) != 0)
		goto out;
	if ((r = cs_file_write_atomic(outp, d->xml, d->xml_len, 0644, &err)) != 0)
		goto out;
	fprintf(stderr, "civseal sign: issued %s %s for office %s, signed at %s, "
	    "sha256 %s\n", cs_doc_type_name(d->doc->type), d->hdr.id,
	    d->hdr.office, d->hdr.signed_at, d->sha256_hex);
out:
	if (r != 0) {
		if (probs.n > 0) {
			for (i = 0; i < probs.n; i++)
				fprintf(stderr, "civseal sign: %s: %s\n",
				    probs.item[i].path, probs.item[i].msg);
			if (probs.dropped > 0)
				fprintf(stderr, "civseal sign: (%zu more problems)\n",
				    probs.dropped);
		} else
			fprintf(stderr, "civseal sign: %s\n", err.msg);
	}
	signer_doc_free(d);
	signer_free(s);
	cs_config_free(cfg);
	free(json);
	return exit_code(r);
}
