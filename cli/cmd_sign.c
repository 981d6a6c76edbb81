/*
 * cli/cmd_sign.c — civseal sign: issue a registration request (JSON) as a
 * signed XML document, registered in the configured register exactly as
 * civseal-signd registers it (signer_issue), and write it.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/config.h"
#include "core/fileio.h"
#include "signer/issue.h"
#include "store/store.h"

#define SIGN_MAX_INPUT (256 * 1024)
#define SIGN_IDEM_PREFIX "sha256:"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal sign --config FILE --in DOC.json --out DOC.xml\n"
	    "\n"
	    "Validate a birth or death registration (JSON, the format of the\n"
	    "samples) and issue the electronic document: XML signed with the\n"
	    "office key held in the HSM, and registered, with its audit entry,\n"
	    "in the register of the configuration ([store] path or url) before\n"
	    "it is written - as civseal-signd issues it.  '-' reads standard\n"
	    "input or writes standard output.  The result is verified before it\n"
	    "is written; the output file is replaced atomically.\n"
	    "\n"
	    "A registration (office, type, register book, number) is issued\n"
	    "once.  Signing the same input again (the same bytes, as the same\n"
	    "user) signs nothing: the document registered the first time is\n"
	    "written again.  The register records the client \"cli:<user>\" and\n"
	    "takes \"sha256:<SHA-256 of the input>\" as the idempotency key,\n"
	    "like an API client's retry.  Any other input for a registration\n"
	    "that already has a document is refused, naming that document.\n"
	    "A configuration without [store] is refused: a document no register\n"
	    "knows cannot be told from a forgery that claims its id.\n"
	    "\n"
	    "exit status: 0 issued and registered, or the document registered\n"
	    "for this input written again; 1 input refused (each reason on\n"
	    "stderr, naming the field), the registration already has another\n"
	    "document, or the one registered for this input was revoked;\n"
	    "2 usage, configuration, register or I/O error; 3 the HSM or the\n"
	    "signature failed (nothing written)\n");
}

static int
exit_code(int r)
{
	switch (r) {
	case 0:
		return 0;
	case CS_E_INVALID:
	case CS_E_CONFLICT:
	case CS_E_DENIED:
		return 1;
	case CS_E_HSM:
	case CS_E_CRYPTO:
		return 3;
	default:
		return 2;
	}
}

/* The register's name for this user: "cli:<login>", or "cli:uid<N>". */
static void
client_name(char out[SIGNER_CLIENT_NAME_MAX])
{
	struct passwd *pw = getpwuid(geteuid());
	int n = -1;

	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
		n = snprintf(out, SIGNER_CLIENT_NAME_MAX, "cli:%s", pw->pw_name);
	if (n < 0 || n >= SIGNER_CLIENT_NAME_MAX)
		snprintf(out, SIGNER_CLIENT_NAME_MAX, "cli:uid%lu",
		    (unsigned long)geteuid());
}

/*
 * The document registered for this very input: written again while it is
 * valid; a revoked or superseded one is refused (CS_E_CONFLICT).
 */
static int
write_registered(struct cs_store *st, const struct cs_store_doc *reg,
    const char *outp, struct cs_err *err)
{
	struct cs_store_doc *d = NULL;
	int r;

	if (reg->status != CS_STATUS_VALID) {
		r = cs_err_set(err, CS_E_CONFLICT, "document %s was issued for "
		    "this input and has been %s (%s, %s)%s%s; nothing written",
		    reg->id, cs_store_status_name(reg->status),
		    reg->status_reason, reg->status_at,
		    reg->superseded_by[0] != '\0' ? "; it is replaced by " : "",
		    reg->superseded_by);
		return r;
	}
	if ((r = cs_store_get(st, reg->id, 1, &d, err)) != 0)
		return r;
	if (d->xml == NULL)
		r = cs_err_set(err, CS_E_UNAVAILABLE, "the register holds no XML "
		    "for document %s", reg->id);
	else
		r = cs_file_write_atomic(outp, d->xml, d->xml_len, 0644, err);
	cs_store_doc_free(d);
	if (r == 0)
		fprintf(stderr, "civseal sign: %s %s for office %s was already "
		    "issued for this input (signed at %s, by %s); the "
		    "registered document was written again\n", reg->type,
		    reg->id, reg->office, reg->signed_at, reg->client);
	return r;
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
	struct cs_store *st = NULL;
	struct signer *s = NULL;
	struct signer_request *rq = NULL;
	struct signer_client who;
	struct signer_issued is;
	struct cs_problems probs;
	struct cs_err err = { 0, "" };
	char name[SIGNER_CLIENT_NAME_MAX];
	char idem[sizeof(SIGN_IDEM_PREFIX) + 64];
	char *json = NULL;
	size_t len, i;
	int c, r;

	memset(&is, 0, sizeof(is));
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
	if ((r = cs_config_load(config, &cfg, &err)) != 0)
		goto out;
	if (cs_store_location(cfg) == NULL) {
		r = cs_err_set(&err, CS_E_CONFIG, "%s has no [store] path or url: "
		    "civseal sign registers what it issues, and a document no "
		    "register knows is not issued", config);
		goto out;
	}
	if ((r = cs_file_read(in, SIGN_MAX_INPUT, &json, &len, &err)) != 0)
		goto out;
	client_name(name);
	memset(&who, 0, sizeof(who));
	who.name = name;
	who.all_offices = 1;	/* the operator: every configured office */
	if ((r = signer_request_parse(json, len, &who, &rq, &probs, &err)) != 0 ||
	    (r = cs_store_open(cs_store_location(cfg), 0, &st, &err)) != 0 ||
	    (r = signer_new(cfg, &s, &err)) != 0)
		goto out;
	snprintf(idem, sizeof(idem), "%s%s", SIGN_IDEM_PREFIX,
	    signer_request_sha256(rq));
	if ((r = signer_issue(s, st, rq, idem, NULL, &is, &probs, &err)) != 0)
		goto out;
	if (is.doc == NULL) {
		r = write_registered(st, is.reg, outp, &err);
		goto out;
	}
	if ((r = cs_file_write_atomic(outp, is.doc->xml, is.doc->xml_len, 0644,
	    &err)) != 0) {
		cs_err_prefix(&err, "document %s is registered but was not "
		    "written (the same command writes it)", is.reg->id);
		goto out;
	}
	fprintf(stderr, "civseal sign: issued %s %s for office %s, signed at %s, "
	    "sha256 %s\n", is.reg->type, is.reg->id, is.reg->office,
	    is.reg->signed_at, is.reg->sha256);
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
	signer_issued_clear(&is);
	signer_request_free(rq);
	signer_free(s);
	cs_store_close(st);
	cs_config_free(cfg);
	free(json);
	return exit_code(r);
}
