/*
 * render/render.h — a signed document as a page a person reads: HTML5 (for
 * a browser, printable on A4) and PDF (one A4 page), laid out like the paper
 * form, with the QR code of its seal (docs/rendering.md).
 *
 * The HTML comes from templates/render.xsl (libxslt), parsed once and shared
 * read-only by every thread.  The PDF is drawn with cairo and pango from
 * that same HTML, so both carry the same words.  Values XSLT cannot compute
 * (names in capitals, dates in words, the signing time in ICT) are computed
 * here from the record read back from the XML, never taken from a client.
 *
 * Rendering does not verify the signature: render what was issued (the
 * register) or what `civseal verify` accepted.
 *
 * base_url: the verification site of the QR ("<base_url>/v/<seal>"); NULL or
 * "" puts the bare seal digits in the code.  A document without a
 * Header/Seal is rendered without a QR code.
 *
 * Errors: CS_E_INVALID / CS_E_POLICY for XML that is not a well-formed
 * civseal document (as cs_xml_parse_strict and cs_xml_to_doc say),
 * CS_E_CONFIG when templates/render.xsl cannot be loaded, CS_E_NOMEM,
 * CS_E_INTERNAL for a transform or drawing failure (message names it).
 */
#ifndef CS_RENDER_H
#define CS_RENDER_H

#include <stddef.h>

#include "core/err.h"
#include "render/qr.h"

#define RENDER_QR_MM 30		/* printed size of the QR code */
#define RENDER_PAGE_W 595.28	/* A4 in PostScript points */
#define RENDER_PAGE_H 841.89

/*
 * Load and compile the stylesheet now (a daemon calls this at start so a
 * broken installation fails there).  Every render function calls it too;
 * after the first call it costs nothing.  Thread-safe.
 */
int render_init(struct cs_err *err);

/*
 * At the end of a program that rendered PDFs, after its other threads have
 * ended: frees the fonts pango, cairo and fontconfig keep.  No render call
 * may follow.
 */
void render_done(void);

/* HTML5 page of the document (len bytes of XML); *out malloc'd, NUL-terminated. */
int render_html(const char *xml, size_t len, const char *base_url,
    char **out, size_t *outlen, struct cs_err *err);

/* One-page A4 PDF of the document; *out malloc'd. */
int render_pdf(const char *xml, size_t len, const char *base_url,
    unsigned char **out, size_t *outlen, struct cs_err *err);

/*
 * The QR code of the document's seal (render/qr.h); CS_E_NOTFOUND when the
 * document has no Header/Seal or an empty one.
 */
int render_qr(const char *xml, size_t len, const char *base_url,
    struct render_qr **out, struct cs_err *err);

#endif
