/*
 * core/text.c — the Vietnamese text rules of docs/domain.md §7; see text.h.
 *
 * Order matters: NFC first (docs/domain.md §7: macOS emits NFD, Windows-1258
 * a hybrid of precomposed base vowels and combining tones), then every
 * character rule on the normalised form, so that what is checked is exactly
 * what is signed.
 */
#include "core/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

size_t
cs_text_max(enum cs_text_kind kind)
{
	switch (kind) {
	case CS_TEXT_NAME:
		return CS_TEXT_NAME_MAX;
	case CS_TEXT_PLACE:
		return CS_TEXT_PLACE_MAX;
	case CS_TEXT_CODE:
		return CS_TEXT_CODE_MAX;
	}
	return 0;
}

/* Names of the characters people actually paste by mistake. */
static const char *
known_name(utf8proc_int32_t c)
{
	switch (c) {
	case 0x0000: return "NUL";
	case 0x0009: return "TAB";
	case 0x000A: return "LINE FEED";
	case 0x000D: return "CARRIAGE RETURN";
	case 0x00A0: return "NO-BREAK SPACE";
	case 0x00AD: return "SOFT HYPHEN";
	case 0x200B: return "ZERO WIDTH SPACE";
	case 0x200C: return "ZERO WIDTH NON-JOINER";
	case 0x200D: return "ZERO WIDTH JOINER";
	case 0x200E: return "LEFT-TO-RIGHT MARK";
	case 0x200F: return "RIGHT-TO-LEFT MARK";
	case 0x202A: return "LEFT-TO-RIGHT EMBEDDING";
	case 0x202B: return "RIGHT-TO-LEFT EMBEDDING";
	case 0x202C: return "POP DIRECTIONAL FORMATTING";
	case 0x202D: return "LEFT-TO-RIGHT OVERRIDE";
	case 0x202E: return "RIGHT-TO-LEFT OVERRIDE";
	case 0x2028: return "LINE SEPARATOR";
	case 0x2029: return "PARAGRAPH SEPARATOR";
	case 0x2066: return "LEFT-TO-RIGHT ISOLATE";
	case 0x2067: return "RIGHT-TO-LEFT ISOLATE";
	case 0x2068: return "FIRST STRONG ISOLATE";
	case 0x2069: return "POP DIRECTIONAL ISOLATE";
	case 0x3000: return "IDEOGRAPHIC SPACE";
	case 0xFEFF: return "ZERO WIDTH NO-BREAK SPACE (BOM)";
	}
	return NULL;
}

/* Unicode noncharacters: U+FDD0..U+FDEF and the last two of every plane. */
static int
is_noncharacter(utf8proc_int32_t c)
{
	return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
}

/* Set err for code point c at character position pos (1-based), or return 0. */
static int
check_char(utf8proc_int32_t c, utf8proc_int32_t prev, size_t pos,
    struct cs_err *err)
{
	const char *name = known_name(c);
	char label[64];

	if (name != NULL)
		snprintf(label, sizeof(label), "U+%04X %s", (unsigned)c, name);
	else
		snprintf(label, sizeof(label), "U+%04X", (unsigned)c);

	/* docs/domain.md §7: NFC keeps this look-alike; refuse, never map. */
	if (c == 0x00D0)
		return cs_err_set(err, CS_E_INVALID,
		    "contains Ð U+00D0 (Icelandic Eth) at character %zu; "
		    "use Đ U+0110", pos);
	if (is_noncharacter(c))
		return cs_err_set(err, CS_E_INVALID,
		    "contains noncharacter %s at character %zu", label, pos);
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_CN:
		return cs_err_set(err, CS_E_INVALID,
		    "contains unassigned code point %s at character %zu",
		    label, pos);
	case UTF8PROC_CATEGORY_CC:
		/* NUL would truncate the value in every C consumer. */
		return cs_err_set(err, CS_E_INVALID,
		    "contains control character %s at character %zu", label,
		    pos);
	case UTF8PROC_CATEGORY_CF:
		/* Bidi overrides and zero-width characters hide text. */
		return cs_err_set(err, CS_E_INVALID,
		    "contains invisible format character %s at character %zu",
		    label, pos);
	case UTF8PROC_CATEGORY_CO:
	case UTF8PROC_CATEGORY_CS:
		return cs_err_set(err, CS_E_INVALID,
		    "contains private-use character %s at character %zu",
		    label, pos);
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		if (c == ' ')
			break;
		return cs_err_set(err, CS_E_INVALID,
		    "contains whitespace %s at character %zu; only the ASCII "
		    "space U+0020 is allowed", label, pos);
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		/* After NFC a Vietnamese mark is part of its letter. */
		if (prev == 0 || prev == ' ')
			return cs_err_set(err, CS_E_INVALID,
			    "contains combining mark %s with no base letter at "
			    "character %zu", label, pos);
		break;
	default:
		break;
	}
	return 0;
}

/* Byte offset of the first invalid UTF-8 sequence, or -1. */
static long
first_invalid(const utf8proc_uint8_t *s, size_t len)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t n;
	size_t i = 0;

	while (i < len) {
		n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &c);
		if (n <= 0)
			return (long)i;
		i += (size_t)n;
	}
	return -1;
}

/*
 * NFC of len bytes (STABLE: no change across Unicode versions).  Invalid UTF-8
 * is refused, never guessed: TCVN3, VNI and VISCII bytes are not UTF-8, and
 * decoding them as anything else gives junk such as "NguyÔn"
 * (docs/domain.md §7).
 */
int
cs_text_nfc(const char *s, size_t len, char **out, size_t *outlen,
    struct cs_err *err)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t n;
	long bad;

	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if ((bad = first_invalid(u, len)) >= 0)
		return cs_err_set(err, CS_E_INVALID,
		    "invalid UTF-8 at byte %ld (0x%02X); legacy encodings "
		    "(TCVN3, VNI, VISCII) are not accepted", bad + 1,
		    (unsigned)u[bad]);
	if (len == 0) {
		/* utf8proc_map of "" is fine too, but strdup is simpler. */
		if ((*out = strdup("")) == NULL)
			return cs_err_set(err, CS_E_NOMEM, "out of memory");
		return 0;
	}
	n = utf8proc_map(u, (utf8proc_ssize_t)len, &dst,
	    UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0) {
		if (n == UTF8PROC_ERROR_NOMEM)
			return cs_err_set(err, CS_E_NOMEM, "out of memory");
		return cs_err_set(err, CS_E_INVALID, "cannot normalise: %s",
		    utf8proc_errmsg(n));
	}
	*out = (char *)dst;
	if (outlen != NULL)
		*outlen = (size_t)n;
	return 0;
}

int
cs_text_clean(const char *s, size_t len, enum cs_text_kind kind,
    int flags, char **out, struct cs_err *err)
{
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_int32_t c, prev = 0;
	utf8proc_ssize_t n;
	char *res = NULL;
	size_t nlen, i, o = 0, chars = 0, max = cs_text_max(kind);
	int space = 0, r;

	*out = NULL;
	if ((r = cs_text_nfc(s, len, (char **)&nfc, &nlen, err)) != 0)
		goto out;
	if ((res = malloc(nlen + 1)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nlen; i += (size_t)n) {
		n = utf8proc_iterate(nfc + i, (utf8proc_ssize_t)(nlen - i), &c);
		if (n <= 0) {
			r = cs_err_set(err, CS_E_INVALID, "invalid UTF-8");
			goto out;
		}
		if (c == ' ') {
			/* Trim and collapse: single inner spaces remain. */
			space = o > 0;
			continue;
		}
		if (space) {
			res[o++] = ' ';
			chars++;
			prev = ' ';
			space = 0;
		}
		if ((r = check_char(c, prev, chars + 1, err)) != 0)
			goto out;
		memcpy(res + o, nfc + i, (size_t)n);
		o += (size_t)n;
		chars++;
		prev = c;
	}
	res[o] = '\0';
	if (o == 0 && !(flags & CS_TEXT_ALLOW_EMPTY)) {
		r = cs_err_set(err, CS_E_INVALID, "must not be empty");
		goto out;
	}
	if (chars > max) {
		r = cs_err_set(err, CS_E_INVALID,
		    "is %zu characters long; at most %zu are allowed", chars,
		    max);
		goto out;
	}
	*out = res;
	res = NULL;		/* transferred to caller */
	r = 0;
out:
	free(res);
	free(nfc);
	return r;
}

size_t
cs_text_chars(const char *s)
{
	size_t n = 0;

	/* Count the bytes that do not continue a sequence. */
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int
cs_text_upper(const char *s, char **out, struct cs_err *err)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_uint8_t *buf = NULL;
	utf8proc_int32_t c;
	utf8proc_ssize_t n;
	size_t len = strlen(s), i, o = 0;
	int r;

	*out = NULL;
	if (first_invalid(u, len) >= 0) {
		r = cs_err_set(err, CS_E_INVALID, "invalid UTF-8");
		goto out;
	}
	/* A simple case map never needs more than 4 bytes per code point. */
	if ((buf = malloc(len * 4 + 1)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < len; i += (size_t)n) {
		n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &c);
		o += (size_t)utf8proc_encode_char(utf8proc_toupper(c), buf + o);
	}
	buf[o] = '\0';
	/* Vietnamese stays NFC when upper-cased; other scripts may not. */
	r = cs_text_nfc((const char *)buf, o, out, NULL, err);
out:
	free(buf);
	return r;
}
