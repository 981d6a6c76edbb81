/* core/err.c — error recording; see err.h. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

int
cs_err_set(struct cs_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int
cs_err_prefix(struct cs_err *err, const char *fmt, ...)
{
	char old[CS_ERR_MSG_MAX];
	va_list ap;
	int n;

	if (err == NULL)
		return CS_E_INTERNAL;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->msg) - 2) {
		err->msg[n] = ':';
		err->msg[n + 1] = ' ';
		memcpy(err->msg + n + 2, old, sizeof(err->msg) - (size_t)n - 2);
		err->msg[sizeof(err->msg) - 1] = '\0';
	}
	return err->code;
}

int
cs_err_openssl(struct cs_err *err, int code, const char *what)
{
	char detail[256] = "";
	unsigned long e;

	/* The most recent error is the most specific one. */
	while ((e = ERR_get_error()) != 0)
		ERR_error_string_n(e, detail, sizeof(detail));
	if (detail[0] != '\0')
		return cs_err_set(err, code, "%s (OpenSSL: %s)", what, detail);
	return cs_err_set(err, code, "%s", what);
}

void
cs_err_clear(struct cs_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *
cs_err_name(int code)
{
	switch (code) {
	case CS_E_OK:		return "ok";
	case CS_E_INVALID:	return "invalid";
	case CS_E_USAGE:	return "usage";
	case CS_E_IO:		return "io";
	case CS_E_CONFIG:	return "config";
	case CS_E_HSM:		return "hsm";
	case CS_E_CRYPTO:	return "crypto";
	case CS_E_POLICY:	return "policy";
	case CS_E_UNTRUSTED:	return "untrusted";
	case CS_E_REVOKED:	return "revoked";
	case CS_E_NOMEM:	return "nomem";
	case CS_E_NOTFOUND:	return "not-found";
	case CS_E_CONFLICT:	return "conflict";
	case CS_E_UNAVAILABLE:	return "unavailable";
	case CS_E_DENIED:	return "denied";
	default:		return "internal";
	}
}

void
cs_problems_init(struct cs_problems *p)
{
	memset(p, 0, sizeof(*p));
}

void
cs_problems_add(struct cs_problems *p, const char *path, const char *fmt, ...)
{
	struct cs_problem *it;
	va_list ap;

	if (p->n >= CS_PROBLEMS_MAX) {
		p->dropped++;
		return;
	}
	it = &p->item[p->n++];
	snprintf(it->path, sizeof(it->path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(it->msg, sizeof(it->msg), fmt, ap);
	va_end(ap);
}
