/*
 * cli/cmd_hsm.c — civseal hsm: token administration (init-token, keygen,
 * list) and a signing check of configured keys (check).  PINs come from
 * files, never from the command line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/cmd.h"
#include "core/config.h"
#include "pkcs11/admin.h"
#include "pkcs11/key.h"

#define EXIT_OK 0
#define EXIT_USAGE 2		/* usage, configuration, I/O */
#define EXIT_HSM 3		/* module, token, login, key */

static const char exit_help[] =
    "exit status: 0 success; 2 usage, configuration or I/O error (a PIN\n"
    "file readable by others is refused); 3 HSM failure (module, token,\n"
    "login, key), with the PKCS#11 return code named\n";

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: civseal hsm COMMAND [OPTIONS]   (civseal hsm COMMAND --help)\n"
	    "\n"
	    "commands:\n"
	    "  init-token  initialise a free token and set its user PIN\n"
	    "  keygen      generate a signing key pair inside a token\n"
	    "  list        list the private keys of a token and their flags\n"
	    "  check       sign with configured keys on the token and verify\n"
	    "\n"
	    "PINs are read from files (mode 0600), never from the command line.\n"
	    "\n%s", exit_help);
}

static void
usage_init(FILE *f)
{
	fprintf(f,
	    "usage: civseal hsm init-token --module SO --label LABEL\n"
	    "           --so-pin-file FILE --pin-file FILE\n"
	    "\n"
	    "Initialise the first uninitialised token of the PKCS#11 module with\n"
	    "LABEL and the security officer PIN, then set the user PIN.  Refuses\n"
	    "when a token called LABEL exists already.\n"
	    "\n"
	    "  --module SO         PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so)\n"
	    "  --label LABEL       token label (at most 32 bytes)\n"
	    "  --so-pin-file FILE  security officer PIN, one line, mode 0600\n"
	    "  --pin-file FILE     user PIN, one line, mode 0600\n"
	    "\n%s", exit_help);
}

static void
usage_keygen(FILE *f)
{
	fprintf(f,
	    "usage: civseal hsm keygen --module SO --token LABEL --pin-file FILE\n"
	    "           --label NAME --id HEX --type ec-p256|rsa-2048|rsa-3072\n"
	    "\n"
	    "Generate a key pair inside the token.  The private key is sensitive,\n"
	    "not extractable and may only sign; it never leaves the token.  Both\n"
	    "halves carry NAME (CKA_LABEL) and HEX (CKA_ID).  Refuses when an\n"
	    "object with this label or id exists already.\n"
	    "\n"
	    "  --module SO       PKCS#11 module\n"
	    "  --token LABEL     token label\n"
	    "  --pin-file FILE   user PIN, one line, mode 0600\n"
	    "  --label NAME      key label, e.g. the office code 01-BADINH\n"
	    "  --id HEX          key id, 1 to 64 bytes in hex, e.g. 01\n"
	    "  --type TYPE       ec-p256 (default), rsa-2048 or rsa-3072\n"
	    "\n%s", exit_help);
}

static void
usage_list(FILE *f)
{
	fprintf(f,
	    "usage: civseal hsm list (--module SO --pin-file FILE | --config FILE)\n"
	    "           [--token LABEL]\n"
	    "\n"
	    "List the private keys of the token (of every token without --token):\n"
	    "one line per key with token, label, id, type, and whether it is\n"
	    "sensitive, extractable, always-sensitive, never-extractable.\n"
	    "\n"
	    "  --module SO       PKCS#11 module\n"
	    "  --pin-file FILE   user PIN, one line, mode 0600\n"
	    "  --config FILE     take module, pin_file and softhsm2_conf from\n"
	    "                    [pkcs11] of a civseal config\n"
	    "  --token LABEL     only this token\n"
	    "\n%s", exit_help);
}

static void
usage_check(FILE *f)
{
	fprintf(f,
	    "usage: civseal hsm check --config FILE [--office CODE]\n"
	    "       civseal hsm check --module SO --pin-file FILE --key URI\n"
	    "           [--cert PEM]\n"
	    "\n"
	    "Load each office key (or the key URI) through libp11, as the signer\n"
	    "does, sign a SHA-256 digest on the token, and verify the signature\n"
	    "against the office certificate (or --cert, or the key's own public\n"
	    "half).  Prints one line per key.\n"
	    "\n"
	    "  --config FILE   civseal config: [pkcs11] and the [office] keys\n"
	    "  --office CODE   only this office\n"
	    "  --module SO     PKCS#11 module\n"
	    "  --pin-file FILE user PIN, one line, mode 0600\n"
	    "  --key URI       RFC 7512 URI, e.g. pkcs11:token=T;object=01-BADINH\n"
	    "  --cert PEM      certificate the key must match\n"
	    "\n%s", exit_help);
}

static int
exit_for(const struct cs_err *err)
{
	switch (err->code) {
	case CS_E_HSM:
	case CS_E_CONFLICT:
	case CS_E_CRYPTO:
	case CS_E_UNAVAILABLE:
		return EXIT_HSM;
	default:
		return EXIT_USAGE;
	}
}

static int
fail(const char *sub, const struct cs_err *err)
{
	fprintf(stderr, "civseal hsm %s: %s\n", sub, err->msg);
	return exit_for(err);
}

/* Usage errors are one line too; the full usage is behind --help. */
static int
missing(const char *sub, const char *opt)
{
	fprintf(stderr, "civseal hsm %s: %s is required (see civseal hsm %s "
	    "--help)\n", sub, opt, sub);
	return EXIT_USAGE;
}

/* getopt_long returned '?' or ':' (opterr is 0: we print the one line). */
static int
bad_option(const char *sub, char **argv)
{
	fprintf(stderr, "civseal hsm %s: unknown option or missing value: "
	    "'%s' (see civseal hsm %s --help)\n", sub, argv[optind - 1], sub);
	return EXIT_USAGE;
}

/* HEX ("01", "0a1b") to bytes; -1 when malformed or longer than max. */
static int
parse_hex(const char *s, unsigned char *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;
	unsigned int b;

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return -1;
	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	*len = n / 2;
	return 0;
}

/* --config: module and PIN source from [pkcs11], SOFTHSM2_CONF exported. */
static int
from_config(const char *path, struct cs_config **cfg, const char **module,
    const char **pin_file, struct cs_err *err)
{
	int r;

	if ((r = cs_config_load(path, cfg, err)) != 0 ||
	    (r = cs_config_apply_env(*cfg, err)) != 0)
		return r;
	if (*module == NULL)
		*module = (*cfg)->p11_module;
	if (*pin_file == NULL)
		*pin_file = (*cfg)->p11_pin_file;
	return 0;
}

static int
hsm_init_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "label", required_argument, NULL, 'l' },
		{ "so-pin-file", required_argument, NULL, 's' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = NULL, *label = NULL, *so_pin = NULL, *pin = NULL;
	struct p11_admin *a = NULL;
	struct cs_err err = { 0, "" };
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "m:l:s:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': module = optarg; break;
		case 'l': label = optarg; break;
		case 's': so_pin = optarg; break;
		case 'p': pin = optarg; break;
		case 'h': usage_init(stdout); return EXIT_OK;
		default: return bad_option("init-token", argv);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "civseal hsm init-token: unexpected argument "
		    "'%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (module == NULL)
		return missing("init-token", "--module");
	if (label == NULL)
		return missing("init-token", "--label");
	if (so_pin == NULL)
		return missing("init-token", "--so-pin-file");
	if (pin == NULL)
		return missing("init-token", "--pin-file");
	if (p11_admin_open(module, &a, &err) != 0 ||
	    p11_admin_init_token(a, label, so_pin, pin, &err) != 0) {
		rc = fail("init-token", &err);
		goto out;
	}
	printf("token %s initialised; user PIN set\n", label);
	rc = EXIT_OK;
out:
	p11_admin_close(a);
	return rc;
}

static int
hsm_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "token", required_argument, NULL, 't' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "label", required_argument, NULL, 'l' },
		{ "id", required_argument, NULL, 'i' },
		{ "type", required_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = NULL, *token = NULL, *pin = NULL, *label = NULL;
	const char *id_s = NULL, *type_s = "ec-p256";
	enum p11_keytype type;
	unsigned char id[64];
	size_t id_len = 0;
	struct p11_admin *a = NULL;
	struct cs_err err = { 0, "" };
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "m:t:p:l:i:y:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': module = optarg; break;
		case 't': token = optarg; break;
		case 'p': pin = optarg; break;
		case 'l': label = optarg; break;
		case 'i': id_s = optarg; break;
		case 'y': type_s = optarg; break;
		case 'h': usage_keygen(stdout); return EXIT_OK;
		default: return bad_option("keygen", argv);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "civseal hsm keygen: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if (module == NULL)
		return missing("keygen", "--module");
	if (token == NULL)
		return missing("keygen", "--token");
	if (pin == NULL)
		return missing("keygen", "--pin-file");
	if (label == NULL)
		return missing("keygen", "--label");
	if (id_s == NULL)
		return missing("keygen", "--id");
	if (parse_hex(id_s, id, sizeof(id), &id_len) != 0) {
		fprintf(stderr, "civseal hsm keygen: --id '%s' is not 1 to 64 "
		    "bytes of hex\n", id_s);
		return EXIT_USAGE;
	}
	if (p11_keytype_parse(type_s, &type) != 0) {
		fprintf(stderr, "civseal hsm keygen: --type '%s' is not one of "
		    "ec-p256, rsa-2048, rsa-3072\n", type_s);
		return EXIT_USAGE;
	}
	if (p11_admin_open(module, &a, &err) != 0 ||
	    p11_admin_keygen(a, token, pin, label, id, id_len, type,
	    &err) != 0) {
		rc = fail("keygen", &err);
		goto out;
	}
	printf("generated %s key %s (id %s) on token %s\n",
	    p11_keytype_name(type), label, id_s, token);
	rc = EXIT_OK;
out:
	p11_admin_close(a);
	return rc;
}

static const char *
yn(int v)
{
	return v < 0 ? "?" : v ? "yes" : "no";
}

static int
hsm_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "token", required_argument, NULL, 't' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = NULL, *token = NULL, *pin = NULL, *config = NULL;
	struct cs_config *cfg = NULL;
	struct p11_admin *a = NULL;
	struct p11_keyinfo *k = NULL;
	struct cs_err err = { 0, "" };
	size_t n = 0, i;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "m:t:p:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': module = optarg; break;
		case 't': token = optarg; break;
		case 'p': pin = optarg; break;
		case 'c': config = optarg; break;
		case 'h': usage_list(stdout); return EXIT_OK;
		default: return bad_option("list", argv);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "civseal hsm list: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if (config != NULL &&
	    from_config(config, &cfg, &module, &pin, &err) != 0) {
		rc = fail("list", &err);
		goto out;
	}
	if (module == NULL) {
		rc = missing("list", "--module (or --config)");
		goto out;
	}
	if (pin == NULL) {
		rc = missing("list", "--pin-file (or --config with pin_file)");
		goto out;
	}
	if (p11_admin_open(module, &a, &err) != 0 ||
	    p11_admin_list(a, token, pin, &k, &n, &err) != 0) {
		rc = fail("list", &err);
		goto out;
	}
	for (i = 0; i < n; i++)
		printf("%s\tlabel=%s\tid=%s\ttype=%s\tsensitive=%s\t"
		    "extractable=%s\talways-sensitive=%s\tnever-extractable=%s"
		    "\tsign=%s\n", k[i].token, k[i].label, k[i].id_hex,
		    k[i].alg, yn(k[i].sensitive), yn(k[i].extractable),
		    yn(k[i].always_sensitive), yn(k[i].never_extractable),
		    yn(k[i].sign));
	if (n == 0)
		fprintf(stderr, "civseal hsm list: no private keys\n");
	rc = EXIT_OK;
out:
	p11_keyinfo_free(k, n);
	p11_admin_close(a);
	cs_config_free(cfg);
	return rc;
}

static int
read_cert(const char *path, X509 **out, struct cs_err *err)
{
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return cs_err_set(err, CS_E_IO, "cannot open certificate %s",
		    path);
	*out = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (*out == NULL) {
		ERR_clear_error();
		return cs_err_set(err, CS_E_IO, "no PEM certificate in %s",
		    path);
	}
	return 0;
}

/* Load one key, sign on the token, verify against the certificate. */
static int
check_one(struct p11_ctx *ctx, const char *name, const char *uri,
    const char *cert_path)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	struct cs_err err = { 0, "" };
	char alg[32];
	int r;

	if ((r = p11_key_load(ctx, uri, &key, &err)) != 0 ||
	    (cert_path != NULL && (r = read_cert(cert_path, &cert, &err)) != 0) ||
	    (r = p11_key_check(key, cert != NULL ? X509_get0_pubkey(cert) :
	    NULL, &err)) != 0) {
		fprintf(stderr, "civseal hsm check: %s: %s\n", name, err.msg);
		r = exit_for(&err);
		goto out;
	}
	printf("ok %s %s %s signs on the token%s%s\n", name, uri,
	    p11_key_describe(key, alg, sizeof(alg)),
	    cert_path != NULL ? " and matches " : "",
	    cert_path != NULL ? cert_path : "");
	r = EXIT_OK;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	return r;
}

static int
hsm_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "office", required_argument, NULL, 'o' },
		{ "module", required_argument, NULL, 'm' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *office = NULL, *module = NULL, *pin = NULL;
	const char *key = NULL, *cert = NULL;
	struct cs_config *cfg = NULL;
	struct p11_ctx *ctx = NULL;
	struct cs_err err = { 0, "" };
	size_t i, done = 0;
	int c, r, rc = EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:o:m:p:k:x:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'o': office = optarg; break;
		case 'm': module = optarg; break;
		case 'p': pin = optarg; break;
		case 'k': key = optarg; break;
		case 'x': cert = optarg; break;
		case 'h': usage_check(stdout); return EXIT_OK;
		default: return bad_option("check", argv);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "civseal hsm check: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if ((config == NULL) == (key == NULL)) {
		fprintf(stderr, "civseal hsm check: give either --config or "
		    "--key (see civseal hsm check --help)\n");
		return EXIT_USAGE;
	}
	if (config != NULL &&
	    from_config(config, &cfg, &module, &pin, &err) != 0) {
		rc = fail("check", &err);
		goto out;
	}
	if (module == NULL) {
		rc = missing("check", "--module (or --config)");
		goto out;
	}
	if (p11_ctx_new(module, pin, cfg != NULL ? cfg->p11_pin_env : NULL,
	    &ctx, &err) != 0) {
		rc = fail("check", &err);
		goto out;
	}
	if (key != NULL) {
		/* Not the URI in messages: a refused one may hold a pin-value. */
		rc = check_one(ctx, "--key", key, cert);
		goto out;
	}
	for (i = 0; i < cfg->n_offices; i++) {
		const struct cs_office *o = &cfg->offices[i];

		if (office != NULL && strcmp(office, o->code) != 0)
			continue;
		done++;
		if ((r = check_one(ctx, o->code, o->key_uri, o->cert_path)) != 0)
			rc = r;
	}
	if (office != NULL && done == 0) {
		fprintf(stderr, "civseal hsm check: office %s is not in %s\n",
		    office, config);
		rc = EXIT_USAGE;
	}
out:
	p11_ctx_free(ctx);
	cs_config_free(cfg);
	return rc;
}

int
cmd_hsm(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {
		{ "init-token", hsm_init_token },
		{ "keygen", hsm_keygen },
		{ "list", hsm_list },
		{ "check", hsm_check },
	};
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "civseal hsm: a command is required: init-token, "
		    "keygen, list or check (see civseal hsm --help)\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "civseal hsm: unknown command '%s' (see civseal hsm "
	    "--help)\n", argv[1]);
	return EXIT_USAGE;
}
