/*
 * pkcs11/key.h — private keys held in an HSM, through libp11.
 * (Contract agreed with the signer; the pkcs11 module owns this file.)
 */
#ifndef CS_P11_KEY_H
#define CS_P11_KEY_H

#include <openssl/evp.h>

#include "core/err.h"

struct p11_ctx;

/*
 * Load the PKCS#11 module at module_path.  The user PIN comes from pin_file
 * (mode 0600 or stricter) or the environment variable pin_env, read only
 * when a token must be logged in, and wiped right after.  CS_E_HSM names
 * the cause (module not found, …).
 */
int p11_ctx_new(const char *module_path, const char *pin_file,
    const char *pin_env, struct p11_ctx **out, struct cs_err *err);
void p11_ctx_free(struct p11_ctx *ctx);

/*
 * The private key named by an RFC 7512 URI (token + object and/or id).
 * *out signs on the token through EVP_PKEY_sign; it must not outlive ctx.
 * CS_E_HSM: token not found, wrong PIN, key not found (with the CKR_ name).
 */
int p11_key_load(struct p11_ctx *ctx, const char *uri, EVP_PKEY **out,
    struct cs_err *err);

#endif
