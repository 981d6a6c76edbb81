/*
 * signer/qr.h — the QR code of a seal: "<base URL>/v/" in byte mode followed
 * by the seal digits in numeric mode (two segments), error correction level Q,
 * the smallest version that holds it; drawn as SVG or PNG with a 4-module
 * quiet zone.
 */
#ifndef CS_SIGNER_QR_H
#define CS_SIGNER_QR_H

#include <stddef.h>

#include "core/err.h"

struct signer_qr;

/*
 * Encode base_url + "/v/" + digits.  base_url NULL or "" encodes the bare
 * digits (one numeric segment).  CS_E_INVALID when the URL holds a space or
 * '%' or the seal is not digits; CS_E_INVALID when no QR version holds it.
 */
int signer_qr_new(const char *base_url, const char *digits,
    struct signer_qr **out, struct cs_err *err);
void signer_qr_free(struct signer_qr *q);

/*
 * Check a base URL as signer_qr_new would (NULL and "" are fine): for
 * configuration and command lines, refused before any document is at hand.
 */
int signer_qr_check_base_url(const char *base_url, struct cs_err *err);

int signer_qr_version(const struct signer_qr *q);	/* 1..40 */
int signer_qr_width(const struct signer_qr *q);		/* modules, without quiet zone */
int signer_qr_dark(const struct signer_qr *q, int x, int y);	/* 1 dark, 0 light */
const char *signer_qr_text(const struct signer_qr *q);	/* what the code holds */

/*
 * SVG document (one <path>, viewBox in modules, size_mm wide when > 0, else
 * unitless); *out malloc'd, NUL-terminated.  With standalone 0 the XML
 * declaration is left out, for inlining in HTML.
 */
int signer_qr_svg(const struct signer_qr *q, double size_mm, int standalone,
    char **out, size_t *len, struct cs_err *err);

/* PNG, scale pixels per module; *out malloc'd. */
#define SIGNER_QR_PNG_SCALE 8	/* the scale civseal qr and signd use */
int signer_qr_png(const struct signer_qr *q, int scale, unsigned char **out,
    size_t *len, struct cs_err *err);

#endif
