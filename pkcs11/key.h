/*
 * pkcs11/key.h — private keys held in an HSM, through libp11.
 * (Contract agreed with the signer; the pkcs11 module owns this file.)
 *
 * Threads.  One struct p11_ctx serves the whole process.  p11_key_load
 * (token search, login, key lookup) is serialised by a mutex inside the
 * context.  An EVP_PKEY it returns may then be used by several threads at
 * once: libp11 0.4.12 keeps a pool of PKCS#11 sessions per slot (up to 16,
 * opened on demand, guarded by a per-slot mutex and condition variable) and
 * every C_SignInit/C_Sign pair takes a session from the pool and gives it
 * back, so concurrent EVP_PKEY_sign calls run on separate sessions; a 17th
 * concurrent signer waits for a free session.  The module is initialised
 * with CKF_OS_LOCKING_OK.  The login is per token, shared by all sessions.
 *
 * Slots.  The token list is read by p11_ctx_new and p11_ctx_reconnect only:
 * a token initialised later needs a new context or a reconnect (libp11 0.4.12's PKCS11_update_slots crashed
 * when we tried to rescan, and a fresh enumeration would free the key
 * objects behind EVP_PKEYs already handed out).
 *
 * Errors.  libp11 puts a module's CKR_* value on the OpenSSL error queue as
 * the reason of an error whose library is ERR_get_CKR_code(); p11_take_ckr
 * (pkcs11/ckr.h) fetches it and p11_strerror names it.
 *
 * PINs.  Our copy of the PIN is wiped right after C_Login.  libp11 itself
 * keeps a private copy (to log in again after a fork) until the context is
 * freed; it cleanses it then.
 */
#ifndef CS_P11_KEY_H
#define CS_P11_KEY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "core/err.h"
#include "pkcs11/ckr.h"

struct p11_ctx;

/*
 * Load the PKCS#11 module at module_path.  The user PIN comes from pin_file
 * (mode 0600 or stricter) or the environment variable pin_env, read only
 * when a token must be logged in, and wiped right after.  CS_E_HSM names
 * the cause ("PKCS#11 module /x.so cannot be loaded: ...", with the CKR_
 * name when C_Initialize fails).  *out is owned by the caller.
 */
int p11_ctx_new(const char *module_path, const char *pin_file,
    const char *pin_env, struct p11_ctx **out, struct cs_err *err);

/* Log out, close every session and unload the module; NULL is a no-op.
 * Every EVP_PKEY from p11_key_load must have been freed before. */
void p11_ctx_free(struct p11_ctx *ctx);

/*
 * Start over with the HSM after an outage (a restarted network HSM, a token
 * that went away and came back): close every session, C_Finalize, unload,
 * then load the module again and re-read the slots; keys are logged in again
 * by the next p11_key_load.  Every EVP_PKEY from p11_key_load must have been
 * freed before, and no other thread may use the context meanwhile.  The
 * module is per process, so other contexts on it lose their sessions too.
 * On failure the context stays empty (p11_key_load: CS_E_HSM) and may be
 * reconnected again later.
 */
int p11_ctx_reconnect(struct p11_ctx *ctx, struct cs_err *err);

/*
 * The private key named by an RFC 7512 URI (token + object and/or id).
 * *out signs on the token through EVP_PKEY_sign; it must not outlive ctx.
 * The caller frees it with EVP_PKEY_free.  A pin-source in the URI is used
 * only when the context was given neither pin_file nor pin_env.
 * CS_E_INVALID: the URI.  CS_E_HSM: token not found (naming the tokens
 * present), login failed (with the CKR_ name), key not found.
 */
int p11_key_load(struct p11_ctx *ctx, const char *uri, EVP_PKEY **out,
    struct cs_err *err);

/* 1 when key is an EC key, 0 otherwise (RSA). */
int p11_key_is_ec(const EVP_PKEY *key);

/* "ec-p256", "rsa-2048", ... into buf (n bytes); returns buf. */
const char *p11_key_describe(const EVP_PKEY *key, char *buf, size_t n);

/*
 * Sign a SHA-256 digest with key (on the token) and verify the signature
 * in software against pub, or against key's own public part when pub is
 * NULL: proves that the key signs and that it is the one pub belongs to.
 * CS_E_HSM when signing fails (with the CKR_ name), CS_E_CRYPTO when the
 * signature does not verify.
 */
int p11_key_check(EVP_PKEY *key, const EVP_PKEY *pub, struct cs_err *err);

#endif
