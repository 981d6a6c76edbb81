/*
 * cli/cmd_qr.c — civseal qr: draw the QR code of a signed document's seal
 * (Header/Seal) as SVG or PNG, pointing at the verification page.
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

#define PROG "civseal qr"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal qr FILE.xml (--svg OUT.svg | --png OUT.png)\n"
	    "                  [--config FILE | --base-url URL]\n"
	    "\n"
	    "Draw the QR code of the seal in a signed document (its Header/Seal):\n"
	    "\"<base URL>/v/<seal>\", error correction level Q, the smallest\n"
	    "version that holds it.  The version and size are printed.\n"
	    "\n"
	    "  --svg OUT      write SVG (35 mm wide)\n"
	    "  --png OUT      write PNG (%d pixels per module)\n"
	    "  --config FILE  the base URL is its [verifyd] base_url\n"
	    "  --base-url URL the verification service, e.g. https://xacthuc.example.vn\n"
	    "                 (with neither, the code holds the bare seal digits)\n"
	    "\n"
	    "exit status: 0 written; 1 the document has no valid seal; 2 usage,\n"
	    "configuration or I/O error\n", RENDER_QR_PNG_SCALE);
}

/* The QR code of a signed document's seal; 1 when it has none. */
static int
read_qr(const char *path, const char *base, struct render_qr **qr)
{
	struct cs_err err = { 0, "" };
	char *buf = NULL;
	size_t len;
	int r, rc = 2;

	if (cs_file_read(path, CS_XML_MAX_BYTES + 1, &buf, &len, &err) != 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	if ((r = render_qr(buf, len, base, qr, &err)) != 0) {
		rc = r == CS_E_NOTFOUND || r == CS_E_INVALID ||
		    r == CS_E_POLICY ? 1 : 2;
		if (r == CS_E_NOTFOUND)
			fprintf(stderr, PROG ": %s has no seal (Header/Seal)\n",
			    path);
		else
			fprintf(stderr, PROG ": %s: %s\n", path, err.msg);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int
cmd_qr(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "svg", required_argument, NULL, 's' },
		{ "png", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "base-url", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *svg = NULL, *png = NULL, *config = NULL, *base = NULL;
	const char *from = "--base-url", *text, *digits;
	struct cs_config *cfg = NULL;
	struct render_qr *qr = NULL;
	struct cs_err err = { 0, "" };
	unsigned char *out = NULL;
	size_t len;
	int c, rc = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:p:c:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': svg = optarg; break;
		case 'p': png = optarg; break;
		case 'c': config = optarg; break;
		case 'b': base = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || (svg == NULL) == (png == NULL) ||
	    (config != NULL && base != NULL)) {
		fprintf(stderr, PROG ": give one FILE, one of --svg and --png, "
		    "and at most one of --config and --base-url\n");
		usage(stderr);
		return 2;
	}
	if (config != NULL) {
		if (cs_config_load(config, &cfg, &err) != 0) {
			fprintf(stderr, PROG ": %s\n", err.msg);
			goto out;
		}
		if ((base = cfg->verify_base_url) == NULL) {
			fprintf(stderr, PROG ": %s: [verifyd] base_url is not "
			    "set\n", config);
			goto out;
		}
		from = "[verifyd] base_url";
	}
	/* A base URL the QR encoder would refuse is a usage error. */
	if (render_qr_check_base_url(base, &err) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", from, err.msg);
		goto out;
	}
	if ((rc = read_qr(argv[optind], base, &qr)) != 0)
		goto out;
	rc = 2;
	if ((svg != NULL ? render_qr_svg(qr, 35.0, 1, (char **)&out, &len,
	    &err) : render_qr_png(qr, RENDER_QR_PNG_SCALE, &out, &len,
	    &err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	if (cs_file_write_atomic(svg != NULL ? svg : png, out, len, 0644,
	    &err) != 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	/* The code holds "<base>/v/<digits>" or the bare digits. */
	text = render_qr_text(qr);
	digits = strrchr(text, '/') != NULL ? strrchr(text, '/') + 1 : text;
	printf("QR version %d, level Q, %d x %d modules, %zu seal digits\n",
	    render_qr_version(qr), render_qr_width(qr), render_qr_width(qr),
	    strlen(digits));
	rc = 0;
out:
	if (fflush(stdout) != 0 && rc == 0)
		rc = 2;
	free(out);
	render_qr_free(qr);
	cs_config_free(cfg);
	return rc;
}
