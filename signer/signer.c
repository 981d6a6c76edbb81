/* signer/signer.c — the issuing pipeline; see signer.h. */
#include "signer/signer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/seal.h"
#include "pkcs11/key.h"
#include "signer/xmldsig.h"

struct office {
	const struct cs_office *cfg;
	X509 *cert;
	STACK_OF(X509) *chain;
	EVP_PKEY *key;		/* NULL until first use */
	/* The QR seal key: its own (seal_key/seal_cert) or the signing key. */
	X509 *seal_cert;
	EVP_PKEY *seal_key;	/* NULL until first use */
	unsigned char seal_kid[CS_SEAL_KID_LEN];
	enum cs_seal_alg seal_alg;
};

/* Between two attempts to reconnect to an HSM that failed. */
#define RECONNECT_INTERVAL_S 1.0

/* Reconnects that worked, by every signer of the process. */
static atomic_ulong reconnects;

/*
 * The HSM connection.  Every use of a key holds hsm for reading; a
 * reconnect holds it for writing, so no key is in use while the keys are
 * dropped and the module starts over (writers are preferred: a reconnect is
 * not starved by a stream of requests).  An HSM error marks the signer
 * broken; the next caller reconnects, at most once per interval.
 */
struct signer {
	const struct cs_config *cfg;
	struct p11_ctx *p11;
	struct office *offices;
	size_t n;
	pthread_mutex_t lock;	/* guards lazy key loading only */
	pthread_rwlock_t hsm;
	atomic_int broken;
	double next_try;		/* under hsm (write) */
	char cause[CS_ERR_MSG_MAX];	/* under lock: what broke it */
};

static int
read_certs(const char *path, STACK_OF(X509) **out, struct cs_err *err)
{
	STACK_OF(X509) *sk = NULL;
	X509 *x;
	FILE *f;
	int r = CS_E_CONFIG;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL)
		return cs_err_set(err, CS_E_CONFIG, "cannot open certificate %s",
		    path);
	if ((sk = sk_X509_new_null()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_push(sk, x) == 0) {
			X509_free(x);
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
	}
	ERR_clear_error();	/* the read loop ends on "no start line" */
	if (sk_X509_num(sk) == 0) {
		r = cs_err_set(err, CS_E_CONFIG, "no PEM certificate in %s", path);
		goto out;
	}
	*out = sk;
	sk = NULL;		/* transferred to caller */
	r = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	fclose(f);
	return r;
}

/* The subject serialNumber (2.5.4.5) is the office code: the verifier's contract. */
static int
check_office_cert(const struct cs_office *o, X509 *cert, struct cs_err *err)
{
	X509_NAME *subj = X509_get_subject_name(cert);
	char code[128] = "";

	if (X509_NAME_get_text_by_NID(subj, NID_serialNumber, code,
	    sizeof(code)) <= 0 || strcmp(code, o->code) != 0)
		return cs_err_set(err, CS_E_CONFIG,
		    "certificate %s is for office '%s', not %s (subject "
		    "serialNumber)", o->cert_path, code, o->code);
	return 0;
}

/* The first certificate of a PEM file, checked to be the office's. */
static int
read_office_cert(const struct cs_office *cfg, const char *path, X509 **out,
    struct cs_err *err)
{
	STACK_OF(X509) *sk = NULL;
	int r;

	if ((r = read_certs(path, &sk, err)) != 0)
		return r;
	*out = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	return check_office_cert(cfg, *out, err);
}

/* The seal's key id and algorithm from the sealing certificate. */
static int
seal_params(struct office *o, struct cs_err *err)
{
	switch (EVP_PKEY_base_id(X509_get0_pubkey(o->seal_cert))) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_bits(X509_get0_pubkey(o->seal_cert)) != 256)
			return cs_err_set(err, CS_E_CONFIG,
			    "seal certificate: only P-256 EC keys are allowed");
		o->seal_alg = CS_SEAL_ES256;
		break;
	case EVP_PKEY_RSA:
		if (EVP_PKEY_bits(X509_get0_pubkey(o->seal_cert)) < 2048 ||
		    EVP_PKEY_bits(X509_get0_pubkey(o->seal_cert)) > 4096)
			return cs_err_set(err, CS_E_CONFIG,
			    "seal certificate: RSA keys of 2048-4096 bits only");
		o->seal_alg = CS_SEAL_RS256;
		break;
	default:
		return cs_err_set(err, CS_E_CONFIG,
		    "seal certificate: key type is neither EC nor RSA");
	}
	return cs_seal_kid(o->seal_cert, o->seal_kid, err);
}

static int
load_office(struct office *o, const struct cs_office *cfg, struct cs_err *err)
{
	int r;

	o->cfg = cfg;
	if ((r = read_office_cert(cfg, cfg->cert_path, &o->cert, err)) != 0)
		return r;
	if (cfg->chain_path != NULL &&
	    (r = read_certs(cfg->chain_path, &o->chain, err)) != 0)
		return r;
	if (cfg->seal_cert_path != NULL) {
		if ((r = read_office_cert(cfg, cfg->seal_cert_path,
		    &o->seal_cert, err)) != 0)
			return r;
	} else {
		X509_up_ref(o->cert);
		o->seal_cert = o->cert;
	}
	return seal_params(o, err);
}

static int
hsm_lock_init(pthread_rwlock_t *l)
{
	pthread_rwlockattr_t a;
	int r;

	if (pthread_rwlockattr_init(&a) != 0)
		return -1;
	pthread_rwlockattr_setkind_np(&a,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	r = pthread_rwlock_init(l, &a);
	pthread_rwlockattr_destroy(&a);
	return r == 0 ? 0 : -1;
}

int
signer_new(const struct cs_config *cfg, struct signer **out,
    struct cs_err *err)
{
	struct signer *s = NULL;
	size_t i;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if (cfg->p11_module == NULL) {
		r = cs_err_set(err, CS_E_CONFIG, "%s: [pkcs11] module is not set",
		    cfg->path);
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (cfg->n_offices > 0 &&
	    (s->offices = calloc(cfg->n_offices, sizeof(*s->offices))) == NULL)) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&s->lock, NULL);
	if (hsm_lock_init(&s->hsm) != 0) {
		free(s->offices);
		free(s);
		s = NULL;
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	s->cfg = cfg;
	for (i = 0; i < cfg->n_offices; i++) {
		s->n = i + 1;
		if ((r = load_office(&s->offices[i], &cfg->offices[i], err)) != 0) {
			cs_err_prefix(err, "office %s", cfg->offices[i].code);
			goto out;
		}
	}
	if ((r = cs_config_apply_env(cfg, err)) != 0 ||
	    (r = p11_ctx_new(cfg->p11_module, cfg->p11_pin_file,
	    cfg->p11_pin_env, &s->p11, err)) != 0)
		goto out;
	*out = s;
	s = NULL;		/* transferred to caller */
	r = 0;
out:
	signer_free(s);
	return r;
}

void
signer_free(struct signer *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		EVP_PKEY_free(s->offices[i].key);
		X509_free(s->offices[i].cert);
		EVP_PKEY_free(s->offices[i].seal_key);
		X509_free(s->offices[i].seal_cert);
		sk_X509_pop_free(s->offices[i].chain, X509_free);
	}
	free(s->offices);
	p11_ctx_free(s->p11);
	pthread_mutex_destroy(&s->lock);
	pthread_rwlock_destroy(&s->hsm);
	free(s);
}

/* A key from the token, checked against its certificate. */
static int
load_key(struct signer *s, const char *code, const char *uri, X509 *cert,
    const char *cert_path, EVP_PKEY **out, struct cs_err *err)
{
	EVP_PKEY *k = NULL;
	int r;

	if ((r = p11_key_load(s->p11, uri, &k, err)) != 0) {
		cs_err_prefix(err, "office %s", code);
		return r;
	}
	if (EVP_PKEY_eq(k, X509_get0_pubkey(cert)) != 1) {
		EVP_PKEY_free(k);
		return cs_err_set(err, CS_E_CONFIG,
		    "office %s: the HSM key %s does not match certificate %s",
		    code, uri, cert_path);
	}
	*out = k;
	return 0;
}

/* The office's signing and seal keys, loaded from the token on first use. */
static int
office_key(struct signer *s, struct office *o, EVP_PKEY **key,
    EVP_PKEY **seal_key, struct cs_err *err)
{
	const struct cs_office *c = o->cfg;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	if (o->key == NULL && (r = load_key(s, c->code, c->key_uri, o->cert,
	    c->cert_path, &o->key, err)) != 0)
		goto out;
	if (o->seal_key == NULL) {
		if (c->seal_key_uri != NULL)
			r = load_key(s, c->code, c->seal_key_uri, o->seal_cert,
			    c->seal_cert_path, &o->seal_key, err);
		else if (EVP_PKEY_up_ref(o->key) == 1)
			o->seal_key = o->key;
		else
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
	}
out:
	*key = o->key;
	*seal_key = o->seal_key;
	pthread_mutex_unlock(&s->lock);
	return r;
}

static int
load_all_keys(struct signer *s, struct cs_err *err)
{
	EVP_PKEY *k, *sk;
	size_t i;
	int r;

	for (i = 0; i < s->n; i++)
		if ((r = office_key(s, &s->offices[i], &k, &sk, err)) != 0)
			return r;
	return 0;
}

/*
 * Called with hsm held for writing: drop the keys, start over, reload, and
 * sign a test digest with every key (checked against its certificate), so
 * that a signer that is not broken is one whose keys sign.
 */
static int
reconnect_locked(struct signer *s, struct cs_err *err)
{
	struct office *o;
	size_t i;
	int r;

	for (i = 0; i < s->n; i++) {
		EVP_PKEY_free(s->offices[i].key);
		EVP_PKEY_free(s->offices[i].seal_key);
		s->offices[i].key = s->offices[i].seal_key = NULL;
	}
	if ((r = p11_ctx_reconnect(s->p11, err)) != 0 ||
	    (r = load_all_keys(s, err)) != 0)
		return r;
	for (i = 0; i < s->n; i++) {
		o = &s->offices[i];
		if ((r = p11_key_check(o->key, X509_get0_pubkey(o->cert),
		    err)) != 0 || (o->seal_key != o->key &&
		    (r = p11_key_check(o->seal_key,
		    X509_get0_pubkey(o->seal_cert), err)) != 0))
			return cs_err_prefix(err, "office %s", o->cfg->code);
	}
	return 0;
}

/*
 * If an HSM error marked the signer broken, reconnect (one caller at a
 * time; the others wait, then see it done).  Within the interval after a
 * failed attempt, CS_E_HSM with the cause, without trying.
 */
static int
hsm_recover(struct signer *s, struct cs_err *err)
{
	char cause[CS_ERR_MSG_MAX];
	double now;
	int r = 0;

	if (!atomic_load(&s->broken))
		return 0;
	pthread_rwlock_wrlock(&s->hsm);
	if (!atomic_load(&s->broken))
		goto out;
	pthread_mutex_lock(&s->lock);
	snprintf(cause, sizeof(cause), "%s", s->cause);
	pthread_mutex_unlock(&s->lock);
	now = cs_mono_seconds();
	if (now < s->next_try) {
		r = cs_err_set(err, CS_E_HSM, "HSM unavailable: %s", cause);
		goto out;
	}
	s->next_try = now + RECONNECT_INTERVAL_S;
	if ((r = reconnect_locked(s, err)) != 0) {
		pthread_mutex_lock(&s->lock);
		snprintf(s->cause, sizeof(s->cause), "%s", err->msg);
		pthread_mutex_unlock(&s->lock);
		cs_logf(CS_LOG_ERROR, "hsm_reconnect_failed", "%s", err->msg);
		goto out;
	}
	atomic_store(&s->broken, 0);
	atomic_fetch_add(&reconnects, 1);
	cs_logf(CS_LOG_WARN, "hsm_reconnected", "the PKCS#11 module was "
	    "loaded again and every office key found (after: %s)", cause);
out:
	pthread_rwlock_unlock(&s->hsm);
	return r;
}

/* Enter a stretch that uses keys; leave with hsm_leave(s, r). */
static int
hsm_enter(struct signer *s, struct cs_err *err)
{
	int r;

	if ((r = hsm_recover(s, err)) != 0)
		return r;
	pthread_rwlock_rdlock(&s->hsm);
	return 0;
}

/* r: the stretch's result; an HSM error marks the signer broken. */
static void
hsm_leave(struct signer *s, int r, const struct cs_err *err)
{
	if (r == CS_E_HSM) {
		pthread_mutex_lock(&s->lock);
		if (!atomic_load(&s->broken)) {
			/* The first failure names the cause. */
			snprintf(s->cause, sizeof(s->cause), "%s", err->msg);
			atomic_store(&s->broken, 1);
		}
		pthread_mutex_unlock(&s->lock);
	}
	pthread_rwlock_unlock(&s->hsm);
}

int
signer_load_keys(struct signer *s, struct cs_err *err)
{
	int r;

	if ((r = hsm_enter(s, err)) != 0)
		return r;
	r = load_all_keys(s, err);
	hsm_leave(s, r, err);
	return r;
}

unsigned long
signer_hsm_reconnects(void)
{
	return atomic_load(&reconnects);
}

static struct office *
find_office(struct signer *s, const char *code)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->offices[i].cfg->code, code) == 0)
			return &s->offices[i];
	return NULL;
}

/* Refuse to sign with a certificate that is not valid now. */
static int
check_validity(const struct office *o, X509 *cert, const char *what,
    struct cs_err *err)
{
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0)
		return cs_err_set(err, CS_E_CONFIG,
		    "%s certificate of office %s is not valid yet", what,
		    o->cfg->code);
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0)
		return cs_err_set(err, CS_E_CONFIG,
		    "%s certificate of office %s has expired", what,
		    o->cfg->code);
	return 0;
}

/*
 * Make the QR seal of a document tree whose Header/Seal is still empty:
 * bind the record's fields and the content hash, sign with the seal key,
 * check the signature once more with the certificate, and write the text
 * form into the tree and into hdr->seal.
 */
static int
make_seal(struct office *o, EVP_PKEY *seal_key, const struct cs_doc *doc,
    struct cs_xml_header *hdr, xmlDocPtr xml, struct cs_err *err)
{
	struct cs_seal seal;
	unsigned char msg[CS_SEAL_BYTES_MAX], md[32];
	unsigned int mdlen = 0;
	size_t len;
	int r;

	if ((r = cs_seal_from_doc(doc, hdr, &seal, err)) != 0)
		return r;
	seal.alg = o->seal_alg;
	memcpy(seal.kid, o->seal_kid, CS_SEAL_KID_LEN);
	if ((r = cs_seal_content_hash(xml, seal.content_hash, err)) != 0 ||
	    (r = cs_seal_encode_message(&seal, msg, sizeof(msg), &len, err)) != 0)
		return r;
	if (EVP_Digest(msg, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return cs_err_openssl(err, CS_E_CRYPTO, "SHA-256 of the seal");
	seal.sig_len = sizeof(seal.sig);
	if ((r = signer_sign_sha256(seal_key, md, seal.sig, &seal.sig_len,
	    err)) != 0) {
		cs_err_prefix(err, "QR seal");
		return r;
	}
	/* Never print a seal that does not verify. */
	if ((r = cs_seal_verify_signature(&seal, msg, len,
	    X509_get0_pubkey(o->seal_cert), err)) != 0) {
		cs_err_prefix(err, "QR seal self-check");
		return CS_E_CRYPTO;
	}
	if ((r = cs_seal_encode(&seal, msg, sizeof(msg), &len, err)) != 0 ||
	    (r = cs_seal_to_text(msg, len, hdr->seal, sizeof(hdr->seal),
	    err)) != 0)
		return r;
	return cs_xml_set_seal(xml, hdr->seal, err);
}

int
signer_sign(struct signer *s, struct cs_doc *doc, struct signer_doc **out,
    struct cs_problems *probs, struct cs_err *err)
{
	struct signer_doc *d = NULL;
	struct office *o;
	xmlDocPtr xml = NULL;
	EVP_PKEY *key, *seal_key;
	unsigned int mdlen = 0;
	int in_hsm = 0, r = CS_E_INTERNAL;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		cs_doc_free(doc);
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	d->doc = doc;		/* owned by d from here on */
	if ((o = find_office(s, d->doc->office)) == NULL) {
		cs_problems_add(probs, "/office",
		    "office %s is not configured on this signer", d->doc->office);
		r = cs_err_set(err, CS_E_INVALID,
		    "/office: office %s is not configured on this signer",
		    d->doc->office);
		goto out;
	}
	if ((r = check_validity(o, o->cert, "signing", err)) != 0 ||
	    (r = check_validity(o, o->seal_cert, "seal", err)) != 0 ||
	    (r = hsm_enter(s, err)) != 0)
		goto out;
	in_hsm = 1;		/* key and seal_key valid until hsm_leave */
	if ((r = office_key(s, o, &key, &seal_key, err)) != 0)
		goto out;
	if ((r = cs_xml_header_init(&d->hdr, o->cfg->code, o->cfg->name,
	    err)) != 0 ||
	    (r = cs_xml_from_doc(d->doc, &d->hdr, &xml, err)) != 0 ||
	    (r = make_seal(o, seal_key, d->doc, &d->hdr, xml, err)) != 0)
		goto out;
	/* What we sign must be what the receivers' schema accepts. */
	if ((r = cs_xml_schema_validate(xml, err)) != 0) {
		cs_err_prefix(err, "internal: generated XML");
		r = CS_E_INTERNAL;
		goto out;
	}
	if ((r = signer_xmldsig_sign(xml, key, o->cert, o->chain, err)) != 0)
		goto out;
	hsm_leave(s, 0, err);
	in_hsm = 0;
	if ((r = cs_xml_serialize(xml, &d->xml, &d->xml_len, err)) != 0)
		goto out;
	/* civseal never emits a document that does not verify. */
	if ((r = signer_xmldsig_selfcheck(d->xml, d->xml_len,
	    X509_get0_pubkey(o->cert), err)) != 0)
		goto out;
	if (EVP_Digest(d->xml, d->xml_len, d->sha256, &mdlen, EVP_sha256(),
	    NULL) != 1) {
		r = cs_err_openssl(err, CS_E_CRYPTO, "SHA-256 of the document");
		goto out;
	}
	cs_hex_encode(d->sha256, 32, d->sha256_hex);
	*out = d;
	d = NULL;		/* transferred to caller */
	r = 0;
out:
	if (in_hsm)
		hsm_leave(s, r, err);
	xmlFreeDoc(xml);
	signer_doc_free(d);
	return r;
}

void
signer_doc_free(struct signer_doc *d)
{
	if (d == NULL)
		return;
	cs_doc_free(d->doc);
	free(d->xml);
	free(d);
}
