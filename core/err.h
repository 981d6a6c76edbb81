/*
 * core/err.h — the one error type of civseal.
 *
 * Functions that can fail return 0 on success or a negative CS_E_* code, and
 * fill a caller-supplied struct cs_err whose message names the cause (the
 * field, the file, the PKCS#11 return value).  Messages never contain secrets.
 */
#ifndef CS_ERR_H
#define CS_ERR_H

#include <stddef.h>

enum cs_errcode {
	CS_E_OK = 0,
	CS_E_INVALID = -1,	/* input refused: validation, malformed data */
	CS_E_USAGE = -2,	/* bad command line or API use */
	CS_E_IO = -3,		/* file or network I/O */
	CS_E_CONFIG = -4,	/* configuration missing or wrong */
	CS_E_HSM = -5,		/* PKCS#11 module, token, login or key */
	CS_E_CRYPTO = -6,	/* signature or digest computation failed */
	CS_E_POLICY = -7,	/* document violates the verification policy */
	CS_E_UNTRUSTED = -8,	/* certificate does not chain to a trust anchor */
	CS_E_REVOKED = -9,	/* certificate or document revoked */
	CS_E_NOMEM = -10,
	CS_E_NOTFOUND = -11,
	CS_E_CONFLICT = -12,
	CS_E_UNAVAILABLE = -13,	/* a dependency (HSM, register) is down */
	CS_E_INTERNAL = -14,
	CS_E_DENIED = -15,	/* the caller may not do this (authorisation) */
};

#define CS_ERR_MSG_MAX 512

struct cs_err {
	int code;
	char msg[CS_ERR_MSG_MAX];
};

/* Record code and a formatted message in err (which may be NULL); returns code. */
int cs_err_set(struct cs_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with context ("loading office 01-X: ..."). */
int cs_err_prefix(struct cs_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append the OpenSSL error queue (most recent first) to the message and clear it. */
int cs_err_openssl(struct cs_err *err, int code, const char *what);

void cs_err_clear(struct cs_err *err);

/* Stable short name of a code, e.g. "invalid", "hsm". */
const char *cs_err_name(int code);

/*
 * Validation problems: every rule an input breaks, each with the JSON pointer
 * of the field at fault ("/child/personal_id") and a message naming the rule.
 */
#define CS_PROBLEMS_MAX 64
#define CS_PROBLEM_PATH_MAX 96
#define CS_PROBLEM_MSG_MAX 320

struct cs_problem {
	char path[CS_PROBLEM_PATH_MAX];
	char msg[CS_PROBLEM_MSG_MAX];
};

struct cs_problems {
	struct cs_problem item[CS_PROBLEMS_MAX];
	size_t n;
	size_t dropped;		/* problems beyond CS_PROBLEMS_MAX */
};

void cs_problems_init(struct cs_problems *p);
void cs_problems_add(struct cs_problems *p, const char *path, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

#endif
