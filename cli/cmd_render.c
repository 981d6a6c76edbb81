/*
 * cli/cmd_render.c — civseal render: a signed document as an HTML page or
 * a one-page A4 PDF, laid out like the paper form, with its QR seal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/config.h"
#include "core/fileio.h"
#include "core/xml.h"
#include "render/qr.h"
#include "render/render.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal render --format html|pdf [--config FILE | "
	    "--base-url URL]\n"
	    "                      -o OUT FILE.xml\n"
	    "\n"
	    "Render a signed birth certificate or death extract (XML; '-' reads\n"
	    "standard input) as an HTML5 page or a one-page A4 PDF laid out like\n"
	    "the paper form: names in capitals, dates in digits and in words,\n"
	    "the signature block, and the QR code of the document's seal.  OUT\n"
	    "is replaced atomically ('-' writes standard output).\n"
	    "\n"
	    "  --format F     html or pdf\n"
	    "  -o, --out OUT  the file to write\n"
	    "  --base-url URL the verification site the QR code points to\n"
	    "                 (URL/v/<seal>)\n"
	    "  --config FILE  take the base URL from [verifyd] base_url\n"
	    "\n"
	    "With neither --base-url nor --config, the QR code holds the bare\n"
	    "seal digits.  Rendering does not verify the signature: run\n"
	    "'civseal verify' first on a document you did not issue.\n"
	    "\n"
	    "exit status: 0 written; 1 the document is not a well-formed civseal\n"
	    "document; 2 usage, configuration or I/O error\n");
}

static int
exit_code(int r)
{
	switch (r) {
	case 0:
		return 0;
	case CS_E_INVALID:
	case CS_E_POLICY:
		return 1;
	default:
		return 2;
	}
}

int
cmd_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "base-url", required_argument, NULL, 'b' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL, *outp = NULL, *base_url = NULL;
	const char *config = NULL, *from = "--base-url";
	struct cs_config *cfg = NULL;
	struct cs_err err = { 0, "" };
	char *xml = NULL, *res = NULL;
	size_t len, rlen = 0;
	int c, r, pdf;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:b:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': outp = optarg; break;
		case 'b': base_url = optarg; break;
		case 'c': config = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (format == NULL || outp == NULL || optind != argc - 1) {
		fprintf(stderr, "civseal render: --format, -o and exactly one "
		    "FILE are required\n");
		usage(stderr);
		return 2;
	}
	if (strcmp(format, "html") != 0 && strcmp(format, "pdf") != 0) {
		fprintf(stderr, "civseal render: --format must be html or pdf, "
		    "not '%s'\n", format);
		return 2;
	}
	pdf = strcmp(format, "pdf") == 0;
	if (config != NULL && base_url != NULL) {
		fprintf(stderr, "civseal render: give --config or --base-url, "
		    "not both\n");
		return 2;
	}
	if (config != NULL) {
		if ((r = cs_config_load(config, &cfg, &err)) != 0)
			goto out;
		base_url = cfg->verify_base_url;
		from = "[verifyd] base_url";
		if (base_url == NULL)
			fprintf(stderr, "civseal render: warning: %s sets no "
			    "[verifyd] base_url; the QR code holds the bare "
			    "seal\n", config);
	}
	/* A base URL the QR encoder would refuse is said up front. */
	if (render_qr_check_base_url(base_url, &err) != 0) {
		cs_err_prefix(&err, "%s", from);
		r = CS_E_USAGE;
		goto out;
	}
	if ((r = render_init(&err)) != 0)
		goto out;
	/* One byte more than the parser accepts, so oversize is reported. */
	if ((r = cs_file_read(argv[optind], CS_XML_MAX_BYTES + 1, &xml, &len,
	    &err)) != 0)
		goto out;
	if (pdf)
		r = render_pdf(xml, len, base_url,
		    (unsigned char **)&res, &rlen, &err);
	else
		r = render_html(xml, len, base_url, &res, &rlen, &err);
	if (r != 0) {
		cs_err_prefix(&err, "%s", argv[optind]);
		goto out;
	}
	r = cs_file_write_atomic(outp, res, rlen, 0644, &err);
out:
	if (r != 0)
		fprintf(stderr, "civseal render: %s\n", err.msg);
	free(res);
	free(xml);
	cs_config_free(cfg);
	if (pdf)
		render_done();
	return exit_code(r);
}
