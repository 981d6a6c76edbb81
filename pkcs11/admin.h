/*
 * pkcs11/admin.h — token administration through the raw PKCS#11 API (the
 * module is dlopen'd here, not through libp11): initialise a token, generate
 * a key pair inside it, list its private keys with their protection flags.
 * PINs are read from files (pkcs11/pin.h) and wiped after use.  Every
 * CS_E_HSM message names the PKCS#11 function and the CKR_ return value.
 */
#ifndef CS_P11_ADMIN_H
#define CS_P11_ADMIN_H

#include <stddef.h>

#include "core/err.h"

struct p11_admin;

enum p11_keytype {
	P11_KEY_EC_P256,
	P11_KEY_RSA_2048,
	P11_KEY_RSA_3072,
};

/* "ec-p256", "rsa-2048", "rsa-3072" to a type; 0, or -1 when unknown. */
int p11_keytype_parse(const char *s, enum p11_keytype *out);
const char *p11_keytype_name(enum p11_keytype t);

/* dlopen module_path and C_Initialize it; *out is owned by the caller. */
int p11_admin_open(const char *module_path, struct p11_admin **out,
    struct cs_err *err);

/* C_Finalize (when we initialised the module); NULL is a no-op. */
void p11_admin_close(struct p11_admin *a);

/*
 * Initialise a free (uninitialised) token with label, the SO PIN from
 * so_pin_file, then set the user PIN from pin_file (C_InitToken, C_Login as
 * SO, C_InitPIN).  Refuses when a token with this label exists already.
 */
int p11_admin_init_token(struct p11_admin *a, const char *label,
    const char *so_pin_file, const char *pin_file, struct cs_err *err);

/*
 * Generate a key pair inside token (C_GenerateKeyPair): the private key is
 * CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE, CKA_SIGN only;
 * both halves carry label and id.  CS_E_CONFLICT when an object with this
 * label or id exists already.
 */
int p11_admin_keygen(struct p11_admin *a, const char *token,
    const char *pin_file, const char *label, const unsigned char *id,
    size_t id_len, enum p11_keytype type, struct cs_err *err);

/* One private key as p11_admin_list sees it. */
struct p11_keyinfo {
	char token[33];
	char *label;
	char *id_hex;
	char alg[32];		/* "ec-p256", "rsa-2048", "ec-?", ... */
	int sensitive;
	int extractable;
	int always_sensitive;
	int never_extractable;
	int sign;
};

/*
 * The private keys on token (every initialised token when token is NULL),
 * after logging in with the PIN in pin_file.  *out is an array of *n
 * entries owned by the caller (p11_keyinfo_free).
 */
int p11_admin_list(struct p11_admin *a, const char *token,
    const char *pin_file, struct p11_keyinfo **out, size_t *n,
    struct cs_err *err);
void p11_keyinfo_free(struct p11_keyinfo *k, size_t n);

#endif
