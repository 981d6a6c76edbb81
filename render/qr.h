/*
 * render/qr.h — the QR code of a seal: "<base URL>/v/" in byte mode followed
 * by the seal digits in numeric mode (two segments), error correction level Q,
 * the smallest version that holds it; drawn as SVG or PNG with a 4-module
 * quiet zone.
 */
#ifndef CS_RENDER_QR_H
#define CS_RENDER_QR_H

#include <stddef.h>

#include "core/err.h"

struct render_qr;

/*
 * Encode base_url + "/v/" + digits.  base_url NULL or "" encodes the bare
 * digits (one numeric segment).  CS_E_INVALID when the URL holds a space or
 * '%' or the seal is not digits; CS_E_INVALID when no QR version holds it.
 */
int render_qr_new(const char *base_url, const char *digits,
    struct render_qr **out, struct cs_err *err);
void render_qr_free(struct render_qr *q);

/*
 * Check a base URL as render_qr_new would (NULL and "" are fine): for
 * configuration and command lines, refused before any document is at hand.
 */
int render_qr_check_base_url(const char *base_url, struct cs_err *err);

int render_qr_version(const struct render_qr *q);	/* 1..40 */
int render_qr_width(const struct render_qr *q);		/* modules, without quiet zone */
int render_qr_dark(const struct render_qr *q, int x, int y);	/* 1 dark, 0 light */
const char *render_qr_text(const struct render_qr *q);	/* what the code holds */

/*
 * SVG document (one <path>, viewBox in modules, size_mm wide when > 0, else
 * unitless); *out malloc'd, NUL-terminated.  With standalone 0 the XML
 * declaration is left out, for inlining in HTML.
 */
int render_qr_svg(const struct render_qr *q, double size_mm, int standalone,
    char **out, size_t *len, struct cs_err *err);

/* PNG, scale pixels per module; *out malloc'd. */
#define RENDER_QR_PNG_SCALE 8	/* the scale civseal qr and signd use */
int render_qr_png(const struct render_qr *q, int scale, unsigned char **out,
    size_t *len, struct cs_err *err);

#endif
