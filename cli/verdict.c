/* cli/verdict.c — see verdict.h. */
#include "cli/verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/errors.h>

#include "core/config.h"
#include "store/store.h"

int
cli_verifier_load(const char *prog, const char *trust, const char *crl,
    const char *config, struct verifier **out)
{
	struct cs_config *cfg = NULL;
	struct cs_err err = { 0, "" };
	int rc = -1;

	*out = NULL;
	if (config != NULL) {
		if (cs_config_load(config, &cfg, &err) != 0) {
			fprintf(stderr, "%s: %s\n", prog, err.msg);
			goto out;
		}
		if (trust == NULL)
			trust = cfg->trust_anchors;
		if (crl == NULL)
			crl = cfg->trust_crl;
	}
	if (trust == NULL) {
		fprintf(stderr, "%s: no trust anchors: give --trust PEM or "
		    "--config FILE with [trust] anchors\n", prog);
		goto out;
	}
	/*
	 * The verdict and its reasons are the output; xmlsec's own error
	 * trace for a tampered document would only bury them.
	 */
	xmlSecErrorsDefaultCallbackEnableOutput(0);
	if (verifier_new(trust, crl, out, &err) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		goto out;
	}
	rc = 0;
out:
	cs_config_free(cfg);
	return rc;
}

void
cli_print_reasons(const struct verifier_report *rep)
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

int
cli_status(const char *prog, const char *path, struct verifier_report *rep,
    struct verifier_status *st)
{
	struct cs_store *store = NULL;
	struct cs_err err = { 0, "" };
	int r;

	if (path != NULL && cs_store_open(path, 1, &store, &err) != 0)
		fprintf(stderr, "%s: %s\n", prog, err.msg);
	r = verifier_status_apply(store, path != NULL, rep, st, &err);
	if (r == 0 && st->state == VERIFIER_STATUS_UNAVAILABLE &&
	    store != NULL)
		fprintf(stderr, "%s: %s\n", prog, err.msg);
	cs_store_close(store);
	if (r != 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	return 0;
}

int
cli_print_json(const char *prog, const struct verifier_report *rep,
    const struct verifier_status *st)
{
	json_t *j;
	char *s = NULL;

	if ((j = verifier_full_json(rep, st)) == NULL ||
	    (s = json_dumps(j, JSON_INDENT(2))) == NULL) {
		json_decref(j);
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	printf("%s\n", s);
	free(s);
	json_decref(j);
	cli_print_reasons(rep);
	return 0;
}

const char *
cli_type_words(const char *t)
{
	if (strcmp(t, "birth") == 0)
		return "birth certificate";
	if (strcmp(t, "death") == 0)
		return "death extract";
	return "document";
}
