/*
 * verifyd/pages.h — the HTML pages of civseal-verifyd: the seal page a QR
 * code opens, the staff upload page and its result, and short message
 * pages (not found, too many requests...).
 *
 * One small self-contained page each: no JavaScript, no external asset, the
 * stylesheet inline (the Content-Security-Policy allows exactly it, by
 * hash).  Vietnamese by default, English on request.  Every value that
 * comes from a document, a seal or a request is HTML-escaped.  <body>
 * carries data-verdict: "valid", "invalid", "revoked", "superseded",
 * "unknown-issuer", or "none" on pages that give no verdict.
 */
#ifndef VERIFIER_PAGES_H
#define VERIFIER_PAGES_H

#include <stddef.h>

#include "core/err.h"
#include "verifier/status.h"
#include "verifier/verifier.h"

enum verifier_lang {
	VERIFIER_LANG_VI = 0,
	VERIFIER_LANG_EN = 1,
};

/* What every page needs. */
struct verifyd_page {
	enum verifier_lang lang;
	const char *css;	/* the stylesheet, inlined in <style> */
	/* Where the language switch points: NULL for "?lang=xx" (this page). */
	const char *switch_path;
};

/* "vi" or "en" from a ?lang= value (NULL or unknown: Vietnamese). */
enum verifier_lang verifier_lang_parse(const char *s);

/*
 * The result of a verification.  office_name: the issuing office's name
 * to show (NULL: taken from the signer certificate's O, else the office
 * code).  from_seal: the report is of a QR seal (fields are the seal's).
 * *out malloc'd, NUL-terminated.  CS_E_NOMEM.
 */
int verifyd_page_result(const struct verifyd_page *pg,
    const struct verifier_report *rep, const struct verifier_status *st,
    const char *office_name, int from_seal, char **out, size_t *len,
    struct cs_err *err);

/* The staff page: upload a signed XML file or paste a seal. */
int verifyd_page_upload(const struct verifyd_page *pg, char **out,
    size_t *len, struct cs_err *err);

enum verifier_msg {
	VERIFIER_MSG_NOT_FOUND,
	VERIFIER_MSG_TOO_MANY,		/* rate limited */
	VERIFIER_MSG_TOO_LARGE,
	VERIFIER_MSG_BAD_FORM,		/* no file or seal, or a broken upload */
	VERIFIER_MSG_INTERNAL,
};

/* A short page saying what went wrong and what to do. */
int verifyd_page_message(const struct verifyd_page *pg,
    enum verifier_msg msg, char **out, size_t *len, struct cs_err *err);

#endif
