/*
 * core/config.h — the civseal configuration file, shared by the CLI and both
 * daemons.  An INI-style text file:
 *
 *   [pkcs11]
 *   module = /usr/lib/softhsm/libsofthsm2.so
 *   pin_file = pin              ; or: pin_env = CIVSEAL_PIN (never the PIN itself)
 *   softhsm2_conf = softhsm2.conf
 *
 *   [trust]
 *   anchors = trust.pem
 *   crl = crl.pem
 *
 *   [store]
 *   path = register.db          ; or: url = sqlite:///var/lib/civseal/register.db
 *
 *   [office 01-BADINH]
 *   name = UBND phường Ba Đình, Thành phố Hà Nội
 *   key = pkcs11:token=civseal-dev;object=01-BADINH
 *   cert = offices/01-BADINH.pem
 *   chain = issuing-ca.pem
 *
 *   [tsa]                       ; RFC 3161 timestamps (docs/tsa.md)
 *   url = http://tsa1.example/ http://tsa2.example/   ; in order of failover
 *   timeout_ms = 5000           ; per URL
 *   anchors = tsa-trust.pem     ; the TSA trust anchors (client and verifier)
 *   policy = 1.2.3.4            ; TSA policy OID to ask for (optional)
 *   require = yes               ; no: a document may go out without one (B-B)
 *
 *   [tsad]                      ; civseal-tsad, the development TSA
 *   listen = 127.0.0.1:8443
 *   key = pkcs11:token=civseal-dev;object=tsa
 *   cert = tsa.pem
 *   chain = tsa-ca.pem          ; optional: certificates sent in tokens
 *   policy = 1.2.3.4
 *   accuracy_ms = 1000          ; optional
 *
 * Relative paths are relative to the directory of the file.  Unknown sections
 * or keys, duplicates and malformed lines are errors naming file:line.  A
 * list key (url) may be repeated, and a line may hold several values
 * separated by spaces or commas; they add up in order.
 */
#ifndef CS_CONFIG_H
#define CS_CONFIG_H

#include <stddef.h>

#include "core/err.h"

struct cs_office {
	char *code;		/* stable opaque id, e.g. "01-BADINH" */
	char *name;		/* display name of the registry office (UBND) */
	char *key_uri;		/* RFC 7512 PKCS#11 URI of the signing key */
	char *cert_path;	/* PEM: the office certificate */
	char *chain_path;	/* PEM: issuing CA certificate(s), may be NULL */
	char *seal_key_uri;	/* QR seal key (NULL: the signing key) */
	char *seal_cert_path;	/* its certificate (with seal_key_uri) */
};

/* A list of values (a list key given once or more). */
struct cs_strlist {
	char **v;
	size_t n;
};

struct cs_config {
	char *path;		/* the file read */
	char *dir;		/* its directory, for relative paths */

	/* [pkcs11] */
	char *p11_module;
	char *p11_pin_file;
	char *p11_pin_env;
	char *softhsm2_conf;

	/* [trust] */
	char *trust_anchors;
	char *trust_crl;

	/* [store]: path = FILE (SQLite), or url = sqlite:///FILE | postgresql://… */
	char *store_path;
	char *store_url;	/* as written; the register backend reads it */

	/* [signd] */
	char *signd_listen;
	char *signd_clients;

	/* [verifyd] */
	char *verifyd_listen;
	char *verify_base_url;
	char *verifyd_rate_limit;	/* requests per second per client address */
	char *verifyd_rate_burst;	/* requests a client may send at once */

	/* [tsa]: the RFC 3161 client, and the anchors a verifier trusts */
	struct cs_strlist tsa_urls;	/* in order of failover */
	unsigned tsa_timeout_ms;	/* per URL; 0: not set */
	char *tsa_anchors;
	char *tsa_policy;		/* dotted OID, or NULL */
	int tsa_require;		/* 1 (default): no document without one */

	/* [tsad]: civseal-tsad */
	char *tsad_listen;
	char *tsad_key;			/* RFC 7512 PKCS#11 URI */
	char *tsad_cert;
	char *tsad_chain;
	char *tsad_policy;
	unsigned tsad_accuracy_ms;	/* 0: no accuracy in the tokens */

	struct cs_office *offices;
	size_t n_offices;
};

/* Read and check a config file; *out is owned by the caller. */
int cs_config_load(const char *path, struct cs_config **out, struct cs_err *err);
void cs_config_free(struct cs_config *cfg);

/* The office with this code, or NULL when it is not configured. */
const struct cs_office *cs_config_office(const struct cs_config *cfg,
    const char *code);

/*
 * Export SOFTHSM2_CONF when the config names one, before a PKCS#11 module is
 * loaded.  Returns 0 or CS_E_CONFIG.
 */
int cs_config_apply_env(const struct cs_config *cfg, struct cs_err *err);

#endif
