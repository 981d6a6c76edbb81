/* pkcs11/key.c — HSM keys as OpenSSL EVP_PKEYs through libp11; see key.h. */
#include "pkcs11/key.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libp11.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "pkcs11/pin.h"
#include "pkcs11/uri.h"

struct p11_ctx {
	PKCS11_CTX *p11;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	char *module_path;
	char *pin_file;
	char *pin_env;
	pthread_mutex_t lock;	/* slot list, login, key enumeration */
	int loaded;		/* PKCS11_CTX_load succeeded */
};

static char *
dup_or_null(const char *s, int *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = 1;
	return d;
}

/* C_Initialize failures are often a configuration problem of the module. */
static int
load_error(const char *module_path, struct cs_err *err)
{
	unsigned long ckr = p11_take_ckr();
	const char *dl = dlerror();
	const char *conf = getenv("SOFTHSM2_CONF");

	if (ckr != 0)
		return cs_err_set(err, CS_E_HSM, "PKCS#11 module %s cannot be "
		    "loaded: C_Initialize: %s%s%s%s", module_path,
		    p11_strerror(ckr),
		    strstr(module_path, "softhsm") != NULL ? " (SOFTHSM2_CONF=" : "",
		    strstr(module_path, "softhsm") != NULL ?
		    (conf != NULL ? conf : "unset") : "",
		    strstr(module_path, "softhsm") != NULL ? ")" : "");
	return cs_err_set(err, CS_E_HSM, "PKCS#11 module %s cannot be loaded: "
	    "%s", module_path, dl != NULL ? dl : "not a PKCS#11 module or "
	    "C_Initialize failed");
}

/*
 * C_Initialize and C_Finalize act on the whole process, whichever context
 * calls them: never two at once (a reload may open a context while another
 * reconnects).
 */
static pthread_mutex_t module_lock = PTHREAD_MUTEX_INITIALIZER;

/* Close sessions, C_Finalize, unload; the context is then empty. */
static void
module_close(struct p11_ctx *c)
{
	pthread_mutex_lock(&module_lock);
	if (c->slots != NULL)
		PKCS11_release_all_slots(c->p11, c->slots, c->nslots);
	c->slots = NULL;
	c->nslots = 0;
	if (c->p11 != NULL) {
		if (c->loaded)
			PKCS11_CTX_unload(c->p11);
		PKCS11_CTX_free(c->p11);
	}
	c->p11 = NULL;
	c->loaded = 0;
	pthread_mutex_unlock(&module_lock);
}

/* A fresh libp11 context: load the module (C_Initialize), read the slots. */
static int
module_open(struct p11_ctx *c, struct cs_err *err)
{
	int r = 0;

	pthread_mutex_lock(&module_lock);
	if ((c->p11 = PKCS11_CTX_new()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	ERR_clear_error();
	(void)dlerror();
	if (PKCS11_CTX_load(c->p11, c->module_path) != 0) {
		r = load_error(c->module_path, err);
		goto out;
	}
	c->loaded = 1;
	if (PKCS11_enumerate_slots(c->p11, &c->slots, &c->nslots) != 0) {
		c->slots = NULL;
		c->nslots = 0;
		r = cs_err_set(err, CS_E_HSM, "PKCS#11 module %s: C_GetSlotList "
		    "failed: %s", c->module_path, p11_strerror(p11_take_ckr()));
	}
out:
	pthread_mutex_unlock(&module_lock);
	return r;
}

int
p11_ctx_new(const char *module_path, const char *pin_file,
    const char *pin_env, struct p11_ctx **out, struct cs_err *err)
{
	struct p11_ctx *c = NULL;
	struct stat st;
	int fail = 0, r = CS_E_INTERNAL;

	*out = NULL;
	if (module_path == NULL) {
		r = cs_err_set(err, CS_E_CONFIG, "no PKCS#11 module configured");
		goto out;
	}
	/* dlopen's own message for a missing file is vague; say it plainly. */
	if (stat(module_path, &st) == -1) {
		r = cs_err_set(err, CS_E_HSM, "PKCS#11 module %s cannot be "
		    "loaded: %s", module_path, strerror(errno));
		goto out;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->module_path = dup_or_null(module_path, &fail);
	c->pin_file = dup_or_null(pin_file, &fail);
	c->pin_env = dup_or_null(pin_env, &fail);
	if (fail) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = module_open(c, err)) != 0)
		goto out;
	*out = c;
	c = NULL;		/* transferred to caller */
	r = 0;
out:
	p11_ctx_free(c);
	return r;
}

void
p11_ctx_free(struct p11_ctx *c)
{
	if (c == NULL)
		return;
	module_close(c);
	free(c->module_path);
	free(c->pin_file);
	free(c->pin_env);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int
p11_ctx_reconnect(struct p11_ctx *c, struct cs_err *err)
{
	int r;

	pthread_mutex_lock(&c->lock);
	module_close(c);
	if ((r = module_open(c, err)) != 0) {
		module_close(c);	/* p11_key_load says so until the next try */
		cs_err_prefix(err, "reconnecting to the HSM");
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* Attributes the URI gives must all match; absent ones match anything. */
static int
token_matches(const PKCS11_TOKEN *t, const struct p11_uri *u)
{
	if (!t->initialized)
		return 0;
	if (u->token != NULL && strcmp(t->label, u->token) != 0)
		return 0;
	if (u->manufacturer != NULL &&
	    strcmp(t->manufacturer, u->manufacturer) != 0)
		return 0;
	if (u->serial != NULL && strcmp(t->serialnr, u->serial) != 0)
		return 0;
	if (u->model != NULL && strcmp(t->model, u->model) != 0)
		return 0;
	return 1;
}

static const char *
uri_token_name(const struct p11_uri *u)
{
	if (u->token != NULL)
		return u->token;
	if (u->serial != NULL)
		return u->serial;
	return "(any)";
}

/* "token X not found; tokens present: a (serial s), b (serial t)" */
static int
token_not_found(struct p11_ctx *c, const struct p11_uri *u,
    struct cs_err *err)
{
	char list[256] = "";
	size_t len = 0;
	unsigned int i;
	int n;

	for (i = 0; i < c->nslots && len < sizeof(list); i++) {
		const PKCS11_TOKEN *t = c->slots[i].token;

		if (t == NULL || !t->initialized)
			continue;
		n = snprintf(list + len, sizeof(list) - len, "%s%s (serial %s)",
		    len > 0 ? ", " : "", t->label, t->serialnr);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	return cs_err_set(err, CS_E_HSM, "token %s%s%s not found in %s; "
	    "tokens present: %s", uri_token_name(u),
	    u->serial != NULL && u->token != NULL ? " serial " : "",
	    u->serial != NULL && u->token != NULL ? u->serial : "",
	    c->module_path, len > 0 ? list : "none");
}

/* Library attributes name the module: check them against the loaded one. */
static int
library_matches(struct p11_ctx *c, const struct p11_uri *u,
    struct cs_err *err)
{
	if (u->module_path != NULL && strcmp(u->module_path, c->module_path))
		return cs_err_set(err, CS_E_CONFIG, "PKCS#11 URI module-path "
		    "%s is not the configured module %s", u->module_path,
		    c->module_path);
	if (u->library_manufacturer != NULL &&
	    strcmp(u->library_manufacturer, c->p11->manufacturer) != 0)
		return cs_err_set(err, CS_E_HSM, "PKCS#11 URI asks for "
		    "library-manufacturer=%s; module %s is by '%s'",
		    u->library_manufacturer, c->module_path,
		    c->p11->manufacturer);
	if (u->library_description != NULL &&
	    strcmp(u->library_description, c->p11->description) != 0)
		return cs_err_set(err, CS_E_HSM, "PKCS#11 URI asks for "
		    "library-description=%s; module %s is '%s'",
		    u->library_description, c->module_path,
		    c->p11->description);
	return 0;
}

/* Log in as user once per token; the PIN buffer is wiped at once. */
static int
login(struct p11_ctx *c, PKCS11_SLOT *slot, const struct p11_uri *u,
    struct cs_err *err)
{
	PKCS11_TOKEN *t = slot->token;
	char *pin = NULL;
	unsigned long ckr;
	int logged = 0, rc, r;

	if (!t->loginRequired)
		return 0;
	if (PKCS11_is_logged_in(slot, 0, &logged) == 0 && logged)
		return 0;
	if (c->pin_file == NULL && c->pin_env == NULL && u->pin_source != NULL)
		r = p11_pin_read_file(u->pin_source, &pin, err);
	else
		r = p11_pin_read(c->pin_file, c->pin_env, &pin, err);
	if (r != 0)
		return cs_err_prefix(err, "login to token %s", t->label);
	ERR_clear_error();
	rc = PKCS11_login(slot, 0, pin);
	p11_pin_wipe(pin);
	if (rc != 0) {
		ckr = p11_take_ckr();
		return cs_err_set(err, CS_E_HSM, "login to token %s failed: %s%s",
		    t->label, ckr != 0 ? p11_strerror(ckr) : "C_Login failed",
		    ckr == CKR_PIN_INCORRECT ? " (wrong PIN)" : "");
	}
	return 0;
}

static int
key_matches(const PKCS11_KEY *k, const struct p11_uri *u)
{
	if (!k->isPrivate)
		return 0;
	if (u->object != NULL && (k->label == NULL ||
	    strcmp(k->label, u->object) != 0))
		return 0;
	if (u->id != NULL && (k->id_len != u->id_len ||
	    memcmp(k->id, u->id, u->id_len) != 0))
		return 0;
	return 1;
}

/* Search one token; *found stays NULL when the key is not there. */
static int
find_key(struct p11_ctx *c, PKCS11_SLOT *slot, const struct p11_uri *u,
    PKCS11_KEY **found, struct cs_err *err)
{
	PKCS11_KEY *keys = NULL;
	unsigned int n = 0, i;
	int r;

	*found = NULL;
	if ((r = login(c, slot, u, err)) != 0)
		return r;
	ERR_clear_error();
	if (PKCS11_enumerate_keys(slot->token, &keys, &n) != 0)
		return cs_err_set(err, CS_E_HSM, "listing keys on token %s "
		    "failed: %s", slot->token->label,
		    p11_strerror(p11_take_ckr()));
	for (i = 0; i < n; i++) {
		if (key_matches(&keys[i], u)) {
			*found = &keys[i];
			break;
		}
	}
	return 0;
}

/* "object=01-X id=01" for messages */
static const char *
key_name(const struct p11_uri *u, char *buf, size_t n)
{
	char hex[2 * 32 + 1];

	snprintf(buf, n, "%s%s%s%s%s", u->object != NULL ? "object=" : "",
	    u->object != NULL ? u->object : "",
	    u->object != NULL && u->id != NULL ? " " : "",
	    u->id != NULL ? "id=" : "",
	    u->id != NULL ? p11_uri_id_hex(u->id, u->id_len, hex,
	    sizeof(hex)) : "");
	return buf;
}

int
p11_key_load(struct p11_ctx *c, const char *uri, EVP_PKEY **out,
    struct cs_err *err)
{
	struct p11_uri *u = NULL;
	PKCS11_KEY *key = NULL;
	PKCS11_SLOT *slot = NULL;
	EVP_PKEY *pk = NULL;
	char name[160];
	unsigned int i, ntok = 0;
	int r = CS_E_INTERNAL, locked = 0;

	*out = NULL;
	if ((r = p11_uri_parse(uri, &u, err)) != 0)
		goto out;
	if (u->type != NULL && strcmp(u->type, "private") != 0) {
		r = cs_err_set(err, CS_E_INVALID, "PKCS#11 URI %s: type=%s, "
		    "but a signing key is type=private", uri, u->type);
		goto out;
	}
	if (u->object == NULL && u->id == NULL) {
		r = cs_err_set(err, CS_E_INVALID, "PKCS#11 URI %s names no key: "
		    "give object= and/or id=", uri);
		goto out;
	}
	pthread_mutex_lock(&c->lock);
	locked = 1;
	if (!c->loaded) {
		r = cs_err_set(err, CS_E_HSM, "PKCS#11 module %s is not loaded "
		    "(the last reconnect failed)", c->module_path);
		goto out;
	}
	if ((r = library_matches(c, u, err)) != 0)
		goto out;
	/*
	 * The slot list is the one read when the context began: libp11
	 * 0.4.12's PKCS11_update_slots crashed here when asked to rescan, and
	 * a fresh enumeration would free the key objects behind EVP_PKEYs
	 * already handed out.  A token made later needs a new context.
	 */
	for (i = 0; i < c->nslots && key == NULL; i++) {
		if (c->slots[i].token == NULL ||
		    !token_matches(c->slots[i].token, u))
			continue;
		ntok++;
		slot = &c->slots[i];
		if ((r = find_key(c, slot, u, &key, err)) != 0)
			goto out;
	}
	if (ntok == 0) {
		r = token_not_found(c, u, err);
		goto out;
	}
	if (key == NULL) {
		r = cs_err_set(err, CS_E_HSM, "key %s not found on token %s",
		    key_name(u, name, sizeof(name)),
		    ntok == 1 ? slot->token->label : uri_token_name(u));
		goto out;
	}
	ERR_clear_error();
	if ((pk = PKCS11_get_private_key(key)) == NULL) {
		unsigned long ckr = p11_take_ckr();

		r = cs_err_set(err, CS_E_HSM, "key %s on token %s cannot be "
		    "used: %s", key_name(u, name, sizeof(name)),
		    slot->token->label, ckr != 0 ? p11_strerror(ckr) :
		    "libp11 could not build an EVP_PKEY (unsupported key type?)");
		goto out;
	}
	*out = pk;
	pk = NULL;		/* transferred to caller */
	r = 0;
out:
	if (locked)
		pthread_mutex_unlock(&c->lock);
	EVP_PKEY_free(pk);
	p11_uri_free(u);
	return r;
}

int
p11_key_is_ec(const EVP_PKEY *key)
{
	return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC;
}

const char *
p11_key_describe(const EVP_PKEY *key, char *buf, size_t n)
{
	int bits = EVP_PKEY_get_bits(key);

	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_EC:
		snprintf(buf, n, bits == 256 ? "ec-p256" : "ec-%d", bits);
		break;
	case EVP_PKEY_RSA:
		snprintf(buf, n, "rsa-%d", bits);
		break;
	default:
		snprintf(buf, n, "type-%d", EVP_PKEY_get_base_id(key));
		break;
	}
	return buf;
}

/* The public half of key as a plain software key, for independent checks. */
static EVP_PKEY *
public_copy(const EVP_PKEY *key)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	int len;

	if ((len = i2d_PUBKEY((EVP_PKEY *)key, &der)) <= 0)
		return NULL;
	p = der;
	pub = d2i_PUBKEY(NULL, &p, len);
	OPENSSL_free(der);
	return pub;
}

int
p11_key_check(EVP_PKEY *key, const EVP_PKEY *pub, struct cs_err *err)
{
	static const char msg[] = "civseal HSM key check";
	unsigned char md[32], *sig = NULL;
	size_t siglen = 0;
	EVP_PKEY_CTX *sctx = NULL, *vctx = NULL;
	EVP_PKEY *own = NULL;
	unsigned long ckr;
	int r = CS_E_INTERNAL;

	ERR_clear_error();
	if (EVP_Digest(msg, sizeof(msg) - 1, md, NULL, EVP_sha256(), NULL) != 1 ||
	    (sctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(sctx) <= 0 ||
	    (!p11_key_is_ec(key) &&
	    EVP_PKEY_CTX_set_rsa_padding(sctx, RSA_PKCS1_PADDING) <= 0) ||
	    EVP_PKEY_CTX_set_signature_md(sctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_sign(sctx, NULL, &siglen, md, sizeof(md)) <= 0 ||
	    (sig = OPENSSL_malloc(siglen)) == NULL ||
	    EVP_PKEY_sign(sctx, sig, &siglen, md, sizeof(md)) <= 0) {
		ckr = p11_take_ckr();
		r = cs_err_set(err, CS_E_HSM, "signing on the token failed: %s",
		    ckr != 0 ? p11_strerror(ckr) : "EVP_PKEY_sign failed");
		goto out;
	}
	if (pub == NULL) {
		if ((own = public_copy(key)) == NULL) {
			r = cs_err_openssl(err, CS_E_CRYPTO, "public key of the "
			    "token key");
			goto out;
		}
		pub = own;
	}
	if ((vctx = EVP_PKEY_CTX_new((EVP_PKEY *)pub, NULL)) == NULL ||
	    EVP_PKEY_verify_init(vctx) <= 0 ||
	    (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) <= 0) ||
	    EVP_PKEY_CTX_set_signature_md(vctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_verify(vctx, sig, siglen, md, sizeof(md)) != 1) {
		ERR_clear_error();
		r = cs_err_set(err, CS_E_CRYPTO, "the token's signature does "
		    "not verify with the expected public key");
		goto out;
	}
	r = 0;
out:
	OPENSSL_free(sig);
	EVP_PKEY_CTX_free(sctx);
	EVP_PKEY_CTX_free(vctx);
	EVP_PKEY_free(own);
	return r;
}
