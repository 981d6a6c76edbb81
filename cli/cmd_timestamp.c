/*
 * cli/cmd_timestamp.c — civseal timestamp: ask the configured TSAs for an
 * RFC 3161 timestamp over a file, or check a timestamp token, with the
 * same code the signer and the verifier use (tsa/).  For operators: does
 * the [tsa] configuration work, and what does this token prove?
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "cli/cmd.h"
#include "core/config.h"
#include "core/fileio.h"
#include "tsa/client.h"
#include "tsa/token.h"

#define TS_MAX_INPUT (64 * 1024 * 1024)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal timestamp --config FILE --in DATA [--out TOKEN]\n"
	    "       civseal timestamp --config FILE --in DATA --check TOKEN\n"
	    "\n"
	    "The first form asks the TSAs of [tsa] url, in order, for an RFC 3161\n"
	    "timestamp over the SHA-256 of DATA, checks the answer (status,\n"
	    "signature, critical timeStamping EKU, chain to [tsa] anchors,\n"
	    "imprint, nonce, policy) and prints what it proves; --out writes the\n"
	    "token (DER).  The second form checks an existing token over DATA\n"
	    "against [tsa] anchors, as a verifier does.  '-' reads standard input.\n"
	    "\n"
	    "exit status: 0 a checked timestamp; 1 the token is refused (the\n"
	    "cause on stderr); 2 usage, configuration or I/O error; 3 no TSA gave\n"
	    "a timestamp (each URL and its cause on stderr)\n");
}

static int
exit_code(int r)
{
	switch (r) {
	case 0:
		return 0;
	case CS_E_UNAVAILABLE:
		return 3;
	case CS_E_INVALID:
	case CS_E_POLICY:
	case CS_E_UNTRUSTED:
	case CS_E_REVOKED:
		return 1;
	default:
		return 2;
	}
}

static void
print_proof(const struct tsa_proof *p)
{
	char by[32];
	struct tm tm;

	gmtime_r(&p->existed_by, &tm);
	strftime(by, sizeof(by), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("  genTime     %s", p->gen_time_iso);
	if (p->accuracy_ms >= 0)
		printf(" (accuracy %lld ms)", p->accuracy_ms);
	printf("\n  existed by  %s\n", by);
	printf("  TSA         %s\n", p->tsa_subject);
	printf("  policy      %s\n", p->policy);
	printf("  serial      %s\n", p->serial);
}

int
cmd_timestamp(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "check", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *in = NULL, *outp = NULL, *check = NULL;
	struct cs_config *cfg = NULL;
	struct tsa_client *client = NULL;
	struct tsa_trust *trust = NULL;
	struct tsa_stamp *stamp = NULL;
	struct tsa_proof *proof = NULL;
	struct cs_err err = { 0, "" };
	unsigned char md[32];
	char *data = NULL, *token = NULL;
	size_t len, tlen;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:i:o:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'i': in = optarg; break;
		case 'o': outp = optarg; break;
		case 'k': check = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL || in == NULL || optind != argc ||
	    (check != NULL && outp != NULL)) {
		fprintf(stderr, "civseal timestamp: --config and --in are "
		    "required; --out and --check exclude each other\n");
		usage(stderr);
		return 2;
	}
	if ((r = cs_config_load(config, &cfg, &err)) != 0 ||
	    (r = cs_file_read(in, TS_MAX_INPUT, &data, &len, &err)) != 0)
		goto out;
	if (check != NULL) {
		if ((r = cs_file_read(check, TSA_TOKEN_MAX, &token, &tlen,
		    &err)) != 0 ||
		    (r = tsa_trust_load(cfg->tsa_anchors, NULL, NULL, &trust,
		    &err)) != 0)
			goto out;
		if ((r = tsa_token_verify_data(trust, (unsigned char *)token,
		    tlen, data, len, NULL, &proof, &err)) != 0)
			goto out;
		printf("timestamp token %s checks: %s existed at its genTime\n",
		    check, in);
		print_proof(proof);
		goto out;
	}
	if (EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) != 1) {
		r = cs_err_set(&err, CS_E_CRYPTO, "SHA-256 failed");
		goto out;
	}
	if ((r = tsa_client_from_config(cfg, &client, &err)) != 0 ||
	    (r = tsa_client_stamp(client, md, &stamp, &err)) != 0)
		goto out;
	if (outp != NULL && (r = cs_file_write_atomic(outp, stamp->token,
	    stamp->token_len, 0644, &err)) != 0)
		goto out;
	printf("timestamp from %s", stamp->url);
	if (stamp->failovers > 0)
		printf(" (after %u TSA%s failed)", stamp->failovers,
		    stamp->failovers > 1 ? "s" : "");
	printf("\n");
	print_proof(stamp->proof);
out:
	if (r != 0)
		fprintf(stderr, "civseal timestamp: %s\n", err.msg);
	tsa_proof_free(proof);
	tsa_stamp_free(stamp);
	tsa_client_free(client);
	tsa_trust_free(trust);
	cs_config_free(cfg);
	free(data);
	free(token);
	return exit_code(r);
}
