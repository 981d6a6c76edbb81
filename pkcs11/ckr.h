/*
 * pkcs11/ckr.h — names of PKCS#11 return values (CKR_*), for error messages.
 */
#ifndef CS_P11_CKR_H
#define CS_P11_CKR_H

/*
 * The name of a PKCS#11 return value, e.g. "CKR_PIN_INCORRECT".  Values
 * not in the table give "CKR_0x...", formatted into a static per-thread
 * buffer, so the result is always printable and never NULL.
 */
const char *p11_strerror(unsigned long ckr);

/*
 * Drain this thread's OpenSSL error queue and return the newest CKR_* value
 * libp11 put on it, or 0 (CKR_OK) when there was none.  OpenSSL keeps 23
 * bits of a reason, which covers every standard CKR_* value.
 */
unsigned long p11_take_ckr(void);

#endif
