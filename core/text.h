/*
 * core/text.h — the Vietnamese text rules of docs/domain.md §7: UTF-8 only,
 * Unicode NFC, no control, format, unassigned or noncharacter code points,
 * no Ð (U+00D0) look-alike of Đ, single ASCII spaces, bounded length.
 *
 * Apostrophes U+0027 and U+2019 are both accepted and kept as given
 * (decision 5).  Lengths count Unicode characters (code points) of the
 * NFC form, not bytes.
 */
#ifndef CS_TEXT_H
#define CS_TEXT_H

#include <stddef.h>

#include "core/err.h"

enum cs_text_kind {
	CS_TEXT_NAME,	/* a person's name, ethnicity, nationality, relation */
	CS_TEXT_PLACE,	/* a place, an address, an issuer, a cause of death */
	CS_TEXT_CODE,	/* an opaque short code: số, quyển số, notice number */
};

#define CS_TEXT_NAME_MAX 100	/* characters */
#define CS_TEXT_PLACE_MAX 300
#define CS_TEXT_CODE_MAX 32

/* Flags for cs_text_clean. */
#define CS_TEXT_ALLOW_EMPTY 0x1	/* "" is acceptable (death.cause) */

/* The length limit, in characters, of a kind. */
size_t cs_text_max(enum cs_text_kind kind);

/*
 * NFC-normalise the len bytes at s (which may contain NUL bytes, e.g. from
 * a JSON "\u0000") without any other check than UTF-8 validity.  On success
 * *out is a new NUL-terminated string owned by the caller and *outlen (when
 * not NULL) its length.  CS_E_INVALID: not UTF-8 (err names the byte);
 * CS_E_NOMEM.
 */
int cs_text_nfc(const char *s, size_t len, char **out, size_t *outlen,
    struct cs_err *err);

/*
 * Normalise and check a text field: NFC first, then trim leading and
 * trailing ASCII spaces and collapse runs of them into one, then refuse
 * invalid UTF-8, Cc (including NUL), Cf (bidi overrides, zero-width
 * characters), private-use, unassigned and noncharacter code points, any
 * whitespace other than the ASCII space, a combining mark with no base
 * letter, U+00D0 (use Đ U+0110), an empty value unless CS_TEXT_ALLOW_EMPTY,
 * and more characters than cs_text_max(kind).
 * On success *out is a new normalised string owned by the caller.
 * CS_E_INVALID: err->msg names the rule, e.g. "contains U+202E RIGHT-TO-LEFT
 * OVERRIDE ..." (without the field name; the caller adds the path).
 * CS_E_NOMEM.
 */
int cs_text_clean(const char *s, size_t len, enum cs_text_kind kind,
    int flags, char **out, struct cs_err *err);

/* Number of code points in a valid UTF-8 string. */
size_t cs_text_chars(const char *s);

/*
 * Upper-case for display, code point by code point (Vietnamese case maps
 * are one-to-one: ơ→Ơ, đ→Đ, ễ→Ễ; docs/domain.md §7).  s must be valid UTF-8
 * (e.g. cleaned by cs_text_clean); the result is in NFC.  Sign and compare the
 * original, never this.  *out is owned by the caller.  CS_E_INVALID for
 * invalid UTF-8, CS_E_NOMEM.
 */
int cs_text_upper(const char *s, char **out, struct cs_err *err);

#endif
