/*
 * tests/bench/bench_issue.c — the issuing pipeline in process, one thread:
 * how long parsing and signing take per document (cs_doc_from_json and
 * signer_sign: validation, XML, seal with its HSM signature and check, XSD,
 * XML-DSig with its HSM signature, xmlsec self-check), against the raw cost
 * of the HSM signatures it contains.  What is left after the two HSM
 * signatures is civseal's own overhead.  The register is left out (the
 * same sample is signed again and again; signer_issue would refuse it
 * after the first): its cost is the API figures' concern.
 *
 *   bench_issue --config FILE --in SAMPLE.json [--count N]
 *
 * Prints one line: "issue office=… docs=… ms_per_doc=… docs_per_s=…".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/xmlsec.h>

#include "core/config.h"
#include "core/doc.h"
#include "core/fileio.h"
#include "signer/signer.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "in", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *in = NULL;
	struct cs_config *cfg = NULL;
	struct signer *s = NULL;
	struct signer_doc *d = NULL;
	struct cs_doc *doc = NULL;
	struct cs_problems probs;
	struct cs_err err = { 0, "" };
	char *json = NULL, office[64] = "";
	size_t len;
	long i, count = 2000;
	double t0 = 0, t;
	int c, rc = 2;

	while ((c = getopt_long(argc, argv, "c:i:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'i': in = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (config == NULL || in == NULL || count < 1) {
		fprintf(stderr, "usage: bench_issue --config FILE --in SAMPLE.json "
		    "[--count N]\n");
		return 2;
	}
	xmlInitParser();
	if (xmlSecInit() < 0 || xmlSecCryptoAppInit(NULL) < 0 ||
	    xmlSecCryptoInit() < 0) {
		fprintf(stderr, "bench_issue: xmlsec initialisation failed\n");
		return 2;
	}
	if (cs_config_load(config, &cfg, &err) != 0 ||
	    cs_file_read(in, 1 << 20, &json, &len, &err) != 0 ||
	    signer_new(cfg, &s, &err) != 0 || signer_load_keys(s, &err) != 0) {
		fprintf(stderr, "bench_issue: %s\n", err.msg);
		goto out;
	}
	/* One warm-up document (first-use costs are not the steady state). */
	for (i = -1; i < count; i++) {
		if (i == 0)
			t0 = now();
		cs_problems_init(&probs);
		if (cs_doc_from_json(json, len, NULL, &doc, &probs, &err) != 0 ||
		    signer_sign(s, doc, &d, &probs, &err) != 0) {
			fprintf(stderr, "bench_issue: %s\n", err.msg);
			goto out;
		}
		snprintf(office, sizeof(office), "%s", d->hdr.office);
		signer_doc_free(d);
		d = NULL;
	}
	t = now() - t0;
	printf("issue office=%s docs=%ld ms_per_doc=%.3f docs_per_s=%.0f\n",
	    office, count, 1000 * t / (double)count, (double)count / t);
	rc = 0;
out:
	free(json);
	signer_free(s);
	cs_config_free(cfg);
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	return rc;
}
