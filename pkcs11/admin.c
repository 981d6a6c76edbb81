/* pkcs11/admin.c — token administration with raw PKCS#11; see admin.h. */
#include "pkcs11/admin.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <p11-kit/pkcs11.h>

#include "core/hex.h"
#include "pkcs11/ckr.h"
#include "pkcs11/pin.h"

#define MAX_SLOTS 256
#define MAX_OBJECTS 1024

struct p11_admin {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	char *module_path;
	int initialized;	/* we called C_Initialize and must finalise */
};

/* DER of the namedCurve OID prime256v1 (1.2.840.10045.3.1.7), CKA_EC_PARAMS. */
static const CK_BYTE p256_params[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
	0x3d, 0x03, 0x01, 0x07 };
static const CK_BYTE rsa_f4[] = { 0x01, 0x00, 0x01 };

static const struct {
	const char *name;
	enum p11_keytype type;
	CK_ULONG bits;
} keytypes[] = {
	{ "ec-p256", P11_KEY_EC_P256, 256 },
	{ "rsa-2048", P11_KEY_RSA_2048, 2048 },
	{ "rsa-3072", P11_KEY_RSA_3072, 3072 },
};

int
p11_keytype_parse(const char *s, enum p11_keytype *out)
{
	size_t i;

	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
		if (strcmp(s, keytypes[i].name) == 0) {
			*out = keytypes[i].type;
			return 0;
		}
	return -1;
}

const char *
p11_keytype_name(enum p11_keytype t)
{
	size_t i;

	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
		if (keytypes[i].type == t)
			return keytypes[i].name;
	return "?";
}

static int
ckr_err(struct cs_err *err, const char *fn, CK_RV rv, const char *what)
{
	return cs_err_set(err, CS_E_HSM, "%s: %s: %s", what, fn,
	    p11_strerror(rv));
}

int
p11_admin_open(const char *module_path, struct p11_admin **out,
    struct cs_err *err)
{
	struct p11_admin *a = NULL;
	CK_C_GetFunctionList getf;
	CK_C_INITIALIZE_ARGS args;
	struct stat st;
	const char *conf;
	void *sym;
	CK_RV rv;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if (stat(module_path, &st) == -1) {
		r = cs_err_set(err, CS_E_HSM, "PKCS#11 module %s cannot be "
		    "loaded: %s", module_path, strerror(errno));
		goto out;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->module_path = strdup(module_path)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	/*
	 * RTLD_NODELETE: some modules (SoftHSM2 with OpenSSL) register exit
	 * handlers; unmapping them before exit would crash the process.
	 */
	if ((a->dl = dlopen(module_path, RTLD_NOW | RTLD_LOCAL |
	    RTLD_NODELETE)) == NULL) {
		r = cs_err_set(err, CS_E_HSM, "PKCS#11 module %s cannot be "
		    "loaded: %s", module_path, dlerror());
		goto out;
	}
	if ((sym = dlsym(a->dl, "C_GetFunctionList")) == NULL) {
		r = cs_err_set(err, CS_E_HSM, "PKCS#11 module %s cannot be "
		    "loaded: no C_GetFunctionList (not a PKCS#11 module)",
		    module_path);
		goto out;
	}
	/* POSIX dlsym returns functions as void *; the copy avoids UB casts. */
	memcpy(&getf, &sym, sizeof(getf));
	if ((rv = getf(&a->f)) != CKR_OK) {
		r = cs_err_set(err, CS_E_HSM, "PKCS#11 module %s cannot be "
		    "loaded: C_GetFunctionList: %s", module_path,
		    p11_strerror(rv));
		goto out;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = a->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		conf = getenv("SOFTHSM2_CONF");
		r = cs_err_set(err, CS_E_HSM, "PKCS#11 module %s cannot be "
		    "loaded: C_Initialize: %s%s%s%s", module_path,
		    p11_strerror(rv),
		    strstr(module_path, "softhsm") ? " (SOFTHSM2_CONF=" : "",
		    strstr(module_path, "softhsm") ? (conf ? conf : "unset") : "",
		    strstr(module_path, "softhsm") ? ")" : "");
		goto out;
	}
	a->initialized = rv == CKR_OK;
	*out = a;
	a = NULL;		/* transferred to caller */
	r = 0;
out:
	p11_admin_close(a);
	return r;
}

void
p11_admin_close(struct p11_admin *a)
{
	if (a == NULL)
		return;
	if (a->initialized)
		a->f->C_Finalize(NULL);
	if (a->dl != NULL)
		dlclose(a->dl);
	free(a->module_path);
	free(a);
}

/* A blank-padded PKCS#11 text field as a C string. */
static void
padded(char *dst, const CK_UTF8CHAR *src, size_t n)
{
	memcpy(dst, src, n);
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

struct slotinfo {
	CK_SLOT_ID id;
	char label[33];
	int initialized;
};

/* Slots holding a token, with the label of each. */
static int
list_tokens(struct p11_admin *a, struct slotinfo **out, size_t *n,
    struct cs_err *err)
{
	CK_SLOT_ID ids[MAX_SLOTS];
	CK_ULONG count = MAX_SLOTS, i;
	CK_TOKEN_INFO ti;
	struct slotinfo *s;
	CK_RV rv;

	*out = NULL;
	*n = 0;
	if ((rv = a->f->C_GetSlotList(CK_TRUE, ids, &count)) != CKR_OK)
		return ckr_err(err, "C_GetSlotList", rv, a->module_path);
	if ((s = calloc(count + 1, sizeof(*s))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	for (i = 0; i < count; i++) {
		if ((rv = a->f->C_GetTokenInfo(ids[i], &ti)) != CKR_OK) {
			free(s);
			return ckr_err(err, "C_GetTokenInfo", rv,
			    a->module_path);
		}
		s[*n].id = ids[i];
		padded(s[*n].label, ti.label, sizeof(ti.label));
		s[*n].initialized = (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
		(*n)++;
	}
	*out = s;
	return 0;
}

/* The slot of the initialised token labelled label, or a message naming
 * the tokens present. */
static int
find_token(struct p11_admin *a, const char *label, CK_SLOT_ID *slot,
    struct cs_err *err)
{
	struct slotinfo *s = NULL;
	char list[256] = "";
	size_t n, i, len = 0;
	int r, k;

	if ((r = list_tokens(a, &s, &n, err)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if (s[i].initialized && strcmp(s[i].label, label) == 0) {
			*slot = s[i].id;
			free(s);
			return 0;
		}
	for (i = 0; i < n && len < sizeof(list); i++) {
		if (!s[i].initialized)
			continue;
		k = snprintf(list + len, sizeof(list) - len, "%s%s",
		    len > 0 ? ", " : "", s[i].label);
		if (k < 0)
			break;
		len += (size_t)k;
	}
	free(s);
	return cs_err_set(err, CS_E_HSM, "token %s not found in %s; tokens "
	    "present: %s", label, a->module_path, len > 0 ? list : "none");
}

/* Open a session on slot and log in as user with the PIN from pin_file. */
static int
open_login(struct p11_admin *a, CK_SLOT_ID slot, const char *token,
    const char *pin_file, int rw, CK_SESSION_HANDLE *sess, struct cs_err *err)
{
	char *pin = NULL;
	CK_RV rv;
	int r;

	if ((r = p11_pin_read_file(pin_file, &pin, err)) != 0)
		return r;
	rv = a->f->C_OpenSession(slot, CKF_SERIAL_SESSION |
	    (rw ? CKF_RW_SESSION : 0), NULL, NULL, sess);
	if (rv != CKR_OK) {
		p11_pin_wipe(pin);
		return cs_err_set(err, CS_E_HSM, "token %s: C_OpenSession: %s",
		    token, p11_strerror(rv));
	}
	rv = a->f->C_Login(*sess, CKU_USER, (CK_UTF8CHAR_PTR)pin,
	    (CK_ULONG)strlen(pin));
	p11_pin_wipe(pin);
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		a->f->C_CloseSession(*sess);
		return cs_err_set(err, CS_E_HSM, "login to token %s failed: "
		    "C_Login: %s", token, p11_strerror(rv));
	}
	return 0;
}

static void
close_logout(struct p11_admin *a, CK_SESSION_HANDLE sess)
{
	a->f->C_Logout(sess);
	a->f->C_CloseSession(sess);
}

int
p11_admin_init_token(struct p11_admin *a, const char *label,
    const char *so_pin_file, const char *pin_file, struct cs_err *err)
{
	struct slotinfo *s = NULL;
	CK_UTF8CHAR lab[32];
	CK_SESSION_HANDLE sess = CK_INVALID_HANDLE;
	CK_SLOT_ID slot = 0;
	char *so_pin = NULL, *pin = NULL;
	size_t n, i;
	int found = 0, r = CS_E_INTERNAL;
	CK_RV rv;

	if (strlen(label) == 0 || strlen(label) > sizeof(lab)) {
		r = cs_err_set(err, CS_E_USAGE, "token label '%s' must be 1 to "
		    "%zu bytes", label, sizeof(lab));
		goto out;
	}
	if ((r = p11_pin_read_file(so_pin_file, &so_pin, err)) != 0 ||
	    (r = p11_pin_read_file(pin_file, &pin, err)) != 0)
		goto out;
	if ((r = list_tokens(a, &s, &n, err)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (s[i].initialized && strcmp(s[i].label, label) == 0) {
			r = cs_err_set(err, CS_E_CONFLICT, "token %s exists "
			    "already (slot %lu); refusing to initialise it "
			    "again", label, (unsigned long)s[i].id);
			goto out;
		}
		if (!s[i].initialized && !found) {
			slot = s[i].id;
			found = 1;
		}
	}
	if (!found) {
		r = cs_err_set(err, CS_E_HSM, "%s has no free slot with an "
		    "uninitialised token", a->module_path);
		goto out;
	}
	memset(lab, ' ', sizeof(lab));
	memcpy(lab, label, strlen(label));
	if ((rv = a->f->C_InitToken(slot, (CK_UTF8CHAR_PTR)so_pin,
	    (CK_ULONG)strlen(so_pin), lab)) != CKR_OK) {
		r = ckr_err(err, "C_InitToken", rv, label);
		goto out;
	}
	if ((rv = a->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	    NULL, NULL, &sess)) != CKR_OK) {
		r = ckr_err(err, "C_OpenSession", rv, label);
		goto out;
	}
	if ((rv = a->f->C_Login(sess, CKU_SO, (CK_UTF8CHAR_PTR)so_pin,
	    (CK_ULONG)strlen(so_pin))) != CKR_OK) {
		r = ckr_err(err, "C_Login(CKU_SO)", rv, label);
		goto out;
	}
	if ((rv = a->f->C_InitPIN(sess, (CK_UTF8CHAR_PTR)pin,
	    (CK_ULONG)strlen(pin))) != CKR_OK) {
		r = ckr_err(err, "C_InitPIN", rv, label);
		goto out;
	}
	r = 0;
out:
	if (sess != CK_INVALID_HANDLE)
		close_logout(a, sess);
	p11_pin_wipe(so_pin);
	p11_pin_wipe(pin);
	free(s);
	return r;
}

/* Handle of an object with attribute at = value, or CK_INVALID_HANDLE. */
static int
find_one(struct p11_admin *a, CK_SESSION_HANDLE sess, CK_ATTRIBUTE *at,
    CK_OBJECT_HANDLE *h, struct cs_err *err)
{
	CK_ULONG got = 0;
	CK_RV rv;

	*h = CK_INVALID_HANDLE;
	if ((rv = a->f->C_FindObjectsInit(sess, at, 1)) != CKR_OK)
		return ckr_err(err, "C_FindObjectsInit", rv, a->module_path);
	rv = a->f->C_FindObjects(sess, h, 1, &got);
	a->f->C_FindObjectsFinal(sess);
	if (rv != CKR_OK)
		return ckr_err(err, "C_FindObjects", rv, a->module_path);
	if (got == 0)
		*h = CK_INVALID_HANDLE;
	return 0;
}

int
p11_admin_keygen(struct p11_admin *a, const char *token,
    const char *pin_file, const char *label, const unsigned char *id,
    size_t id_len, enum p11_keytype type, struct cs_err *err)
{
	CK_SESSION_HANDLE sess = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE h, pub, priv;
	CK_SLOT_ID slot;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_CLASS pubc = CKO_PUBLIC_KEY, privc = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = type == P11_KEY_EC_P256 ? CKK_EC : CKK_RSA;
	CK_ULONG bits = type == P11_KEY_RSA_3072 ? 3072 : 2048;
	CK_MECHANISM mech = { type == P11_KEY_EC_P256 ?
	    CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE q;
	char hex[2 * 64 + 1];
	int r = CS_E_INTERNAL;
	CK_RV rv;

	/* Slots 0 and 1 hold the algorithm's parameters, set below. */
	CK_ATTRIBUTE pubt[] = {
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
		{ CKA_PUBLIC_EXPONENT, (void *)rsa_f4, sizeof(rsa_f4) },
		{ CKA_CLASS, &pubc, sizeof(pubc) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &no, sizeof(no) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_ENCRYPT, &no, sizeof(no) },
		{ CKA_WRAP, &no, sizeof(no) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, (void *)id, id_len },
	};
	CK_ATTRIBUTE privt[] = {
		{ CKA_CLASS, &privc, sizeof(privc) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		/* The key never leaves the token, in clear or wrapped. */
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_DECRYPT, &no, sizeof(no) },
		{ CKA_UNWRAP, &no, sizeof(no) },
		{ CKA_DERIVE, &no, sizeof(no) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, (void *)id, id_len },
	};
	CK_ATTRIBUTE *pubp = pubt;
	CK_ULONG npub = sizeof(pubt) / sizeof(pubt[0]);

	if (kt == CKK_EC) {
		/* EC: the curve alone, in slot 1; start the template there. */
		pubt[1].type = CKA_EC_PARAMS;
		pubt[1].pValue = (void *)p256_params;
		pubt[1].ulValueLen = sizeof(p256_params);
		pubp = pubt + 1;
		npub--;
	}
	if (strlen(label) == 0 || id_len == 0 || id_len > 64) {
		r = cs_err_set(err, CS_E_USAGE, "a key needs a label and an id "
		    "of 1 to 64 bytes");
		goto out;
	}
	if ((r = find_token(a, token, &slot, err)) != 0 ||
	    (r = open_login(a, slot, token, pin_file, 1, &sess, err)) != 0)
		goto out;
	/* Labels and ids name keys in URIs: each must be unique. */
	q.type = CKA_LABEL;
	q.pValue = (void *)label;
	q.ulValueLen = strlen(label);
	if ((r = find_one(a, sess, &q, &h, err)) != 0)
		goto out;
	if (h != CK_INVALID_HANDLE) {
		r = cs_err_set(err, CS_E_CONFLICT, "token %s already holds an "
		    "object labelled %s; refusing to generate another", token,
		    label);
		goto out;
	}
	q.type = CKA_ID;
	q.pValue = (void *)id;
	q.ulValueLen = id_len;
	if ((r = find_one(a, sess, &q, &h, err)) != 0)
		goto out;
	if (h != CK_INVALID_HANDLE) {
		cs_hex_encode(id, id_len < 64 ? id_len : 64, hex);
		r = cs_err_set(err, CS_E_CONFLICT, "token %s already holds an "
		    "object with id %s; refusing to generate another", token,
		    hex);
		goto out;
	}
	rv = a->f->C_GenerateKeyPair(sess, &mech, pubp, npub, privt,
	    sizeof(privt) / sizeof(privt[0]), &pub, &priv);
	if (rv != CKR_OK) {
		r = cs_err_set(err, CS_E_HSM, "generating %s key %s on token "
		    "%s: C_GenerateKeyPair: %s", p11_keytype_name(type), label,
		    token, p11_strerror(rv));
		goto out;
	}
	r = 0;
out:
	if (sess != CK_INVALID_HANDLE)
		close_logout(a, sess);
	return r;
}

/* Variable-length attribute, malloc'd (+1 NUL byte); NULL when absent. */
static unsigned char *
get_var(struct p11_admin *a, CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE h,
    CK_ATTRIBUTE_TYPE type, CK_ULONG *len)
{
	CK_ATTRIBUTE at = { type, NULL, 0 };
	unsigned char *v;

	*len = 0;
	if (a->f->C_GetAttributeValue(sess, h, &at, 1) != CKR_OK ||
	    at.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return NULL;
	if ((v = calloc(1, at.ulValueLen + 1)) == NULL)
		return NULL;
	at.pValue = v;
	if (a->f->C_GetAttributeValue(sess, h, &at, 1) != CKR_OK) {
		free(v);
		return NULL;
	}
	*len = at.ulValueLen;
	return v;
}

static int
get_bool(struct p11_admin *a, CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE h,
    CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL b = CK_FALSE;
	CK_ATTRIBUTE at = { type, &b, sizeof(b) };

	if (a->f->C_GetAttributeValue(sess, h, &at, 1) != CKR_OK)
		return -1;
	return b == CK_TRUE;
}

static int
describe_key(struct p11_admin *a, CK_SESSION_HANDLE sess, CK_OBJECT_HANDLE h,
    const char *token, struct p11_keyinfo *k)
{
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE at = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	unsigned char *v;
	CK_ULONG len;

	snprintf(k->token, sizeof(k->token), "%s", token);
	if ((v = get_var(a, sess, h, CKA_LABEL, &len)) == NULL &&
	    (v = (unsigned char *)strdup("")) == NULL)
		return -1;
	k->label = (char *)v;
	v = get_var(a, sess, h, CKA_ID, &len);
	if ((k->id_hex = calloc(1, 2 * len + 1)) == NULL) {
		free(v);
		return -1;
	}
	cs_hex_encode(v, len, k->id_hex);
	free(v);
	a->f->C_GetAttributeValue(sess, h, &at, 1);
	if (kt == CKK_EC) {
		v = get_var(a, sess, h, CKA_EC_PARAMS, &len);
		snprintf(k->alg, sizeof(k->alg), "%s", v != NULL &&
		    len == sizeof(p256_params) && memcmp(v, p256_params,
		    len) == 0 ? "ec-p256" : "ec-other");
		free(v);
	} else if (kt == CKK_RSA) {
		v = get_var(a, sess, h, CKA_MODULUS, &len);
		snprintf(k->alg, sizeof(k->alg), "rsa-%lu",
		    (unsigned long)len * 8);
		free(v);
	} else
		snprintf(k->alg, sizeof(k->alg), "type-0x%lx",
		    (unsigned long)kt);
	k->sensitive = get_bool(a, sess, h, CKA_SENSITIVE);
	k->extractable = get_bool(a, sess, h, CKA_EXTRACTABLE);
	k->always_sensitive = get_bool(a, sess, h, CKA_ALWAYS_SENSITIVE);
	k->never_extractable = get_bool(a, sess, h, CKA_NEVER_EXTRACTABLE);
	k->sign = get_bool(a, sess, h, CKA_SIGN);
	return 0;
}

static int
list_one(struct p11_admin *a, CK_SLOT_ID slot, const char *token,
    const char *pin_file, struct p11_keyinfo **arr, size_t *n,
    struct cs_err *err)
{
	CK_SESSION_HANDLE sess = CK_INVALID_HANDLE;
	CK_OBJECT_CLASS privc = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE q = { CKA_CLASS, &privc, sizeof(privc) };
	CK_OBJECT_HANDLE *h = NULL;
	CK_ULONG got = 0, i;
	struct p11_keyinfo *grown;
	int r;
	CK_RV rv;

	if ((r = open_login(a, slot, token, pin_file, 0, &sess, err)) != 0)
		return r;
	if ((h = calloc(MAX_OBJECTS, sizeof(*h))) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if ((rv = a->f->C_FindObjectsInit(sess, &q, 1)) != CKR_OK) {
		r = ckr_err(err, "C_FindObjectsInit", rv, token);
		goto out;
	}
	rv = a->f->C_FindObjects(sess, h, MAX_OBJECTS, &got);
	a->f->C_FindObjectsFinal(sess);
	if (rv != CKR_OK) {
		r = ckr_err(err, "C_FindObjects", rv, token);
		goto out;
	}
	if ((grown = realloc(*arr, (*n + got + 1) * sizeof(**arr))) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	*arr = grown;
	for (i = 0; i < got; i++) {
		memset(&(*arr)[*n], 0, sizeof(**arr));
		if (describe_key(a, sess, h[i], token, &(*arr)[*n]) != 0) {
			(*n)++;
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
		(*n)++;
	}
	r = 0;
out:
	free(h);
	close_logout(a, sess);
	return r;
}

int
p11_admin_list(struct p11_admin *a, const char *token, const char *pin_file,
    struct p11_keyinfo **out, size_t *n, struct cs_err *err)
{
	struct p11_keyinfo *arr = NULL;
	struct slotinfo *s = NULL;
	CK_SLOT_ID slot;
	size_t ns = 0, cnt = 0, i;
	int r = CS_E_INTERNAL;

	*out = NULL;
	*n = 0;
	if (token != NULL) {
		if ((r = find_token(a, token, &slot, err)) != 0 ||
		    (r = list_one(a, slot, token, pin_file, &arr, &cnt,
		    err)) != 0)
			goto out;
	} else {
		if ((r = list_tokens(a, &s, &ns, err)) != 0)
			goto out;
		for (i = 0; i < ns; i++)
			if (s[i].initialized && (r = list_one(a, s[i].id,
			    s[i].label, pin_file, &arr, &cnt, err)) != 0)
				goto out;
	}
	*out = arr;
	*n = cnt;
	arr = NULL;		/* transferred to caller */
	r = 0;
out:
	p11_keyinfo_free(arr, cnt);
	free(s);
	return r;
}

void
p11_keyinfo_free(struct p11_keyinfo *k, size_t n)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(k[i].label);
		free(k[i].id_hex);
	}
	free(k);
}
