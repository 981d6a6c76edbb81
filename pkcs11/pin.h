/*
 * pkcs11/pin.h — PINs for PKCS#11 login, read from a file or an environment
 * variable, never from argv.  A PIN lives in one heap buffer that
 * p11_pin_wipe overwrites before freeing it.  No message here ever contains
 * a PIN; at most the file or variable it came from.
 */
#ifndef CS_P11_PIN_H
#define CS_P11_PIN_H

#include "core/err.h"

#define P11_PIN_MAX 256		/* longer PINs are refused */

/*
 * Read the PIN from path: a regular file, not readable or writable by group
 * or others (like ssh with private keys: the message names the file and its
 * mode).  One trailing newline (LF or CRLF) is removed; an empty PIN is
 * refused.  *out is owned by the caller and must be given to p11_pin_wipe.
 * Errors: CS_E_IO (cannot read), CS_E_CONFIG (mode, empty, too long).
 */
int p11_pin_read_file(const char *path, char **out, struct cs_err *err);

/* The PIN in environment variable name (copied; same rules as above). */
int p11_pin_read_env(const char *name, char **out, struct cs_err *err);

/* From pin_file if set, else from pin_env; CS_E_CONFIG when neither is set. */
int p11_pin_read(const char *pin_file, const char *pin_env, char **out,
    struct cs_err *err);

/* Overwrite the PIN with OPENSSL_cleanse and free it; NULL is a no-op. */
void p11_pin_wipe(char *pin);

#endif
