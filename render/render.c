/*
 * render/render.c — HTML and PDF renderings of a signed document; see
 * render.h and docs/rendering.md.
 *
 * One source of words: templates/render.xsl turns the signed XML (plus the
 * parameters computed here) into polyglot HTML5.  The PDF is that HTML tree
 * drawn by a small block layout below — paragraphs, two-column rows, the QR
 * code — with pango for text, so the two renderings cannot drift apart.
 */
#include "render/render.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <pango/pangocairo.h>

#include "render/datewords.h"
#include "core/doc.h"
#include "core/text.h"
#include "core/xml.h"

#define STYLESHEET "render.xsl"
#define XHTML_NS "http://www.w3.org/1999/xhtml"
#define ICT_OFFSET_S (7 * 3600)

/* PDF page geometry (points): the margins of an administrative document. */
#define MM (72.0 / 25.4)
#define MARGIN_LEFT (30 * MM)
#define MARGIN_RIGHT (20 * MM)
#define MARGIN_TOP (20 * MM)
#define MARGIN_BOTTOM (20 * MM)
#define COL_GAP (6 * MM)
#define FONT_FAMILY "Noto Serif, DejaVu Serif, serif"
#define FONT_PT 11.5
#define FONT_SMALL_PT 8.5
#define FONT_H1_PT 15.5
#define FIT_MIN 0.55		/* smallest font scale tried to fit one page */

/* ---- the stylesheet, parsed once --------------------------------------- */

static xsltStylesheetPtr style;
static xsltSecurityPrefsPtr secprefs;
static char style_error[PATH_MAX + 128];
static pthread_once_t style_once = PTHREAD_ONCE_INIT;

static void
load_style(void)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", cs_templates_dir(), STYLESHEET);
	/* The transform touches no file and no network, whatever it says. */
	if ((secprefs = xsltNewSecurityPrefs()) == NULL ||
	    xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_READ_FILE,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_WRITE_FILE,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_CREATE_DIRECTORY,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_READ_NETWORK,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(secprefs, XSLT_SECPREF_WRITE_NETWORK,
	    xsltSecurityForbid) != 0) {
		snprintf(style_error, sizeof(style_error),
		    "cannot set XSLT security preferences");
		return;
	}
	if ((style = xsltParseStylesheetFile(BAD_CAST path)) == NULL)
		snprintf(style_error, sizeof(style_error),
		    "cannot load stylesheet %s (set CIVSEAL_TEMPLATES)", path);
}

int
render_init(struct cs_err *err)
{
	pthread_once(&style_once, load_style);
	if (style == NULL)
		return cs_err_set(err, CS_E_CONFIG, "%s", style_error);
	return 0;
}

void
render_done(void)
{
	/*
	 * The font map of this thread (pango keeps one per thread; a worker
	 * thread's goes when it exits), then fontconfig's configuration and
	 * caches: what is left would be reported as leaks.  Not
	 * cairo_debug_reset_static_data: it asserts that no cairo font is
	 * alive, and pango may still hold one from its own threads (1 run in
	 * about 100 aborted).
	 */
	pango_cairo_font_map_set_default(NULL);
	FcFini();
}

/* ---- the document and what XSLT cannot compute ------------------------- */

/* Everything one rendering needs; strings are owned here. */
struct rdoc {
	xmlDocPtr xml;
	struct cs_doc *doc;
	struct cs_xml_header hdr;
	struct render_qr *qr;		/* NULL without a seal */
	char *office_upper, *holder_upper, *mother_upper, *father_upper,
	    *declarant_upper;
	char birth_words[RENDER_DATEWORDS_MAX];
	char death_time_digits[96];
	char death_time_words[2 * RENDER_DATEWORDS_MAX + 8];
	char sign_date_line[64];
	char signed_by[CS_OFFICE_NAME_MAX];
	char signed_at_local[64];
	char *qr_svg;			/* HTML only: the PDF draws r->qr */
	char title[CS_OFFICE_NAME_MAX];
};

static void
rdoc_free(struct rdoc *r)
{
	if (r == NULL)
		return;
	xmlFreeDoc(r->xml);
	cs_doc_free(r->doc);
	render_qr_free(r->qr);
	free(r->office_upper);
	free(r->holder_upper);
	free(r->mother_upper);
	free(r->father_upper);
	free(r->declarant_upper);
	free(r->qr_svg);
	free(r);
}

/* Names in capitals for display only (docs/domain.md §7); "" if absent. */
static int
upper(const char *s, char **out, struct cs_err *err)
{
	return cs_text_upper(s != NULL ? s : "", out, err);
}

/* Words start with an ASCII letter ("ngày", "bốn"): capitalise it. */
static void
capitalise(char *s)
{
	if ((unsigned char)s[0] < 0x80)
		s[0] = (char)toupper((unsigned char)s[0]);
}

/*
 * "Đã chết vào lúc": hour and minute in digits and words, then the day.
 * An unknown hour is left blank on the form (docs/domain.md §8, decision 2).
 */
static int
death_time(struct rdoc *r, struct cs_err *err)
{
	const struct cs_datetime *t = &r->doc->death.time;
	char dw[RENDER_DATEWORDS_MAX], tw[RENDER_DATEWORDS_MAX], off[32];
	int rc;

	if ((rc = render_datewords_date(&t->date, RENDER_DATEWORDS_DEFAULT, dw,
	    sizeof(dw), err)) != 0)
		return rc;
	if (!t->has_time) {
		snprintf(r->death_time_digits, sizeof(r->death_time_digits),
		    "\u00a0\u00a0\u00a0\u00a0giờ\u00a0\u00a0\u00a0\u00a0phút, "
		    "ngày %02d/%02d/%04d", t->date.d, t->date.m, t->date.y);
		snprintf(r->death_time_words, sizeof(r->death_time_words),
		    "%s", dw);
		capitalise(r->death_time_words);
		return 0;
	}
	if ((rc = render_datewords_time(t->hh, t->mm, RENDER_DATEWORDS_DEFAULT, tw,
	    sizeof(tw), err)) != 0)
		return rc;
	/* The hour as registered; name its offset when it is not ICT's. */
	off[0] = '\0';
	if (t->offset_min != 420)
		snprintf(off, sizeof(off), " (UTC%c%02d:%02d)",
		    t->offset_min < 0 ? '-' : '+', abs(t->offset_min) / 60,
		    abs(t->offset_min) % 60);
	snprintf(r->death_time_digits, sizeof(r->death_time_digits),
	    "%02d giờ %02d phút%s, ngày %02d/%02d/%04d", t->hh, t->mm, off,
	    t->date.d, t->date.m, t->date.y);
	snprintf(r->death_time_words, sizeof(r->death_time_words), "%s, %s",
	    tw, dw);
	capitalise(r->death_time_words);
	return 0;
}

/*
 * The subject CN of the first certificate in ds:KeyInfo (the office's,
 * docs/document-format.md); the office name when there is none to read.
 */
static void
signed_by(struct rdoc *r)
{
	xmlNodePtr n = xmlDocGetRootElement(r->xml);
	unsigned char *der = NULL, *utf8 = NULL;
	const unsigned char *p;
	EVP_ENCODE_CTX *ctx = NULL;
	X509 *x = NULL;
	xmlChar *b64 = NULL;
	X509_NAME *name;
	int i, n1 = 0, n2 = 0, len;

	snprintf(r->signed_by, sizeof(r->signed_by), "%s", r->hdr.office_name);
	/* Depth-first to the first ds:X509Certificate. */
	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		    xmlStrEqual(n->ns->href, BAD_CAST CS_XML_DSIG_NS) &&
		    xmlStrEqual(n->name, BAD_CAST "X509Certificate"))
			break;
		if (n->children != NULL)
			n = n->children;
		else {
			while (n != NULL && n->next == NULL)
				n = n->parent;
			if (n != NULL)
				n = n->next;
		}
	}
	if (n == NULL || (b64 = xmlNodeGetContent(n)) == NULL)
		goto out;
	len = xmlStrlen(b64);
	if ((der = malloc((size_t)len)) == NULL ||
	    (ctx = EVP_ENCODE_CTX_new()) == NULL)
		goto out;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, der, &n1, b64, len) < 0 ||
	    EVP_DecodeFinal(ctx, der + n1, &n2) != 1)
		goto out;
	p = der;
	if ((x = d2i_X509(NULL, &p, n1 + n2)) == NULL ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    (i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(name, i))) <= 0)
		goto out;
	snprintf(r->signed_by, sizeof(r->signed_by), "%s", utf8);
out:
	OPENSSL_free(utf8);
	X509_free(x);
	EVP_ENCODE_CTX_free(ctx);
	free(der);
	xmlFree(b64);
}

/* Parse, read back the record, compute the parameters and the QR code. */
static int
rdoc_load(const char *xml, size_t len, const char *base_url,
    struct rdoc **out, struct cs_err *err)
{
	struct cs_problems *probs = NULL;
	struct rdoc *r = NULL;
	const struct cs_date *birth;
	const char *holder;
	time_t local;
	struct tm tm;
	size_t n;
	int rc = CS_E_INTERNAL;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (probs = malloc(sizeof(*probs))) == NULL) {
		rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	cs_problems_init(probs);
	if ((rc = cs_xml_parse_strict(xml, len, &r->xml, err)) != 0)
		goto out;
	if ((rc = cs_xml_to_doc(r->xml, &r->doc, &r->hdr, probs, err)) != 0)
		goto out;
	holder = cs_doc_holder_name(r->doc);
	birth = r->doc->type == CS_DOC_BIRTH ? &r->doc->child.birth_date :
	    &r->doc->deceased.birth_date;
	if ((rc = upper(r->hdr.office_name, &r->office_upper, err)) != 0 ||
	    (rc = upper(holder, &r->holder_upper, err)) != 0 ||
	    (rc = upper(r->doc->type == CS_DOC_BIRTH ?
	    r->doc->mother.full_name : NULL, &r->mother_upper, err)) != 0 ||
	    (rc = upper(r->doc->father.present ? r->doc->father.full_name :
	    NULL, &r->father_upper, err)) != 0 ||
	    (rc = upper(r->doc->declarant.full_name, &r->declarant_upper,
	    err)) != 0)
		goto out;
	if ((rc = render_datewords_date(birth, RENDER_DATEWORDS_DEFAULT,
	    r->birth_words, sizeof(r->birth_words), err)) != 0) {
		cs_err_prefix(err, "birth date");
		goto out;
	}
	capitalise(r->birth_words);
	if (r->doc->type == CS_DOC_DEATH &&
	    (rc = death_time(r, err)) != 0) {
		cs_err_prefix(err, "time of death");
		goto out;
	}
	/* NĐ 30/2020: days below 10 and months 1 and 2 take a leading zero. */
	snprintf(r->sign_date_line, sizeof(r->sign_date_line),
	    "Ngày %02d tháng %s%d năm %d", r->doc->registration.date.d,
	    r->doc->registration.date.m < 3 ? "0" : "",
	    r->doc->registration.date.m, r->doc->registration.date.y);
	local = r->hdr.signed_at_t + ICT_OFFSET_S;
	gmtime_r(&local, &tm);
	n = strftime(r->signed_at_local, sizeof(r->signed_at_local),
	    "%H:%M:%S ngày %d/%m/%Y (UTC+07:00)", &tm);
	if (n == 0) {
		rc = cs_err_set(err, CS_E_INTERNAL, "cannot format %s",
		    r->hdr.signed_at);
		goto out;
	}
	signed_by(r);
	snprintf(r->title, sizeof(r->title), "%s — %s",
	    r->doc->type == CS_DOC_BIRTH ? "Giấy khai sinh" :
	    "Trích lục khai tử", r->holder_upper);
	if (r->hdr.seal[0] != '\0' && (rc = render_qr_new(base_url,
	    r->hdr.seal, &r->qr, err)) != 0) {
		cs_err_prefix(err, "QR code of Header/Seal");
		goto out;
	}
	*out = r;
	r = NULL;		/* transferred to caller */
	rc = 0;
out:
	free(probs);
	rdoc_free(r);
	return rc;
}

/* ---- HTML: the transform ------------------------------------------------ */

struct xerr {
	char msg[CS_ERR_MSG_MAX];
	int n;
};

static void
xslt_error(void *ctx, const char *fmt, ...)
{
	struct xerr *x = ctx;
	size_t l;
	va_list ap;

	/* libxslt reports a message in pieces; keep the first line. */
	if (x->n > 0 && strchr(x->msg, '\n') != NULL)
		return;
	l = strlen(x->msg);
	va_start(ap, fmt);
	vsnprintf(x->msg + l, sizeof(x->msg) - l, fmt, ap);
	va_end(ap);
	x->n++;
}

static int
transform(const struct rdoc *r, xmlDocPtr *out, struct cs_err *err)
{
	const char *params[] = {
		"office_upper", r->office_upper,
		"holder_upper", r->holder_upper,
		"mother_upper", r->mother_upper,
		"father_upper", r->father_upper,
		"declarant_upper", r->declarant_upper,
		"birth_words", r->birth_words,
		"death_time_digits", r->death_time_digits,
		"death_time_words", r->death_time_words,
		"sign_date_line", r->sign_date_line,
		"signed_by", r->signed_by,
		"signed_at_local", r->signed_at_local,
		"has_qr", r->qr != NULL ? "1" : "",
		"qr_svg", r->qr_svg != NULL ? r->qr_svg : "",
		NULL,
	};
	xsltTransformContextPtr ctxt = NULL;
	struct xerr xe = { "", 0 };
	xmlDocPtr res = NULL;
	int rc = CS_E_INTERNAL;

	*out = NULL;
	if ((rc = render_init(err)) != 0)
		return rc;
	/* A context per call: the compiled stylesheet is shared read-only. */
	if ((ctxt = xsltNewTransformContext(style, r->xml)) == NULL) {
		rc = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	xsltSetTransformErrorFunc(ctxt, &xe, xslt_error);
	if (xsltSetCtxtSecurityPrefs(secprefs, ctxt) != 0 ||
	    xsltQuoteUserParams(ctxt, params) != 0) {
		rc = cs_err_set(err, CS_E_INTERNAL, "XSLT parameters refused");
		goto out;
	}
	res = xsltApplyStylesheetUser(style, r->xml, NULL, NULL, NULL, ctxt);
	if (res == NULL || ctxt->state != XSLT_STATE_OK) {
		xe.msg[strcspn(xe.msg, "\n")] = '\0';
		rc = cs_err_set(err, CS_E_INTERNAL, "%s: %s", STYLESHEET,
		    xe.msg[0] != '\0' ? xe.msg : "transform failed");
		goto out;
	}
	*out = res;
	res = NULL;		/* transferred to caller */
	rc = 0;
out:
	xmlFreeDoc(res);
	if (ctxt != NULL)
		xsltFreeTransformContext(ctxt);
	return rc;
}

int
render_html(const char *xml, size_t len, const char *base_url,
    char **out, size_t *outlen, struct cs_err *err)
{
	struct rdoc *r = NULL;
	xmlDocPtr res = NULL;
	xmlChar *buf = NULL;
	size_t svglen;
	int n = 0, rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = rdoc_load(xml, len, base_url, &r, err)) != 0)
		goto out;
	if (r->qr != NULL && (rc = render_qr_svg(r->qr, RENDER_QR_MM, 0,
	    &r->qr_svg, &svglen, err)) != 0)
		goto out;
	if ((rc = transform(r, &res, err)) != 0)
		goto out;
	if (xsltSaveResultToString(&buf, &n, res, style) != 0 || buf == NULL ||
	    n <= 0) {
		rc = cs_err_set(err, CS_E_NOMEM, "cannot serialise the HTML");
		goto out;
	}
	*out = (char *)buf;	/* xmlFree == free with the default allocator */
	*outlen = (size_t)n;
	buf = NULL;		/* transferred to caller */
	rc = 0;
out:
	xmlFree(buf);
	xmlFreeDoc(res);
	rdoc_free(r);
	return rc;
}

int
render_qr(const char *xml, size_t len, const char *base_url,
    struct render_qr **out, struct cs_err *err)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr n;
	xmlChar *digits = NULL;
	int rc;

	*out = NULL;
	if ((rc = cs_xml_parse_strict(xml, len, &doc, err)) != 0)
		goto out;
	if ((n = cs_xml_seal_node(doc)) == NULL ||
	    (digits = xmlNodeGetContent(n)) == NULL || digits[0] == '\0') {
		rc = cs_err_set(err, CS_E_NOTFOUND,
		    "the document has no Header/Seal");
		goto out;
	}
	if ((rc = render_qr_new(base_url, (const char *)digits, out, err)) != 0)
		cs_err_prefix(err, "QR code of Header/Seal");
out:
	xmlFree(digits);
	xmlFreeDoc(doc);
	return rc;
}

/* ---- PDF: the HTML tree drawn with cairo and pango --------------------- */

struct pdf {
	cairo_t *cr;
	const struct render_qr *qr;
	double scale;		/* font and spacing scale, to fit one page */
	int draw;		/* 0: measure only */
};

static int
is_el(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    xmlStrEqual(n->name, BAD_CAST name);
}

static int
has_class(xmlNodePtr n, const char *cls)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST "class");
	const char *p;
	size_t l = strlen(cls);
	int found = 0;

	for (p = (const char *)v; p != NULL && *p != '\0'; p += strcspn(p,
	    " ")) {
		p += strspn(p, " ");
		if (strncmp(p, cls, l) == 0 && (p[l] == ' ' || p[l] == '\0')) {
			found = 1;
			break;
		}
	}
	xmlFree(v);
	return found;
}

/* Text as HTML shows it: ASCII white space collapsed, markup-escaped. */
static void
add_text(GString *m, const char *s, int *space)
{
	gchar *esc;
	GString *t = g_string_new(NULL);

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			if (!*space)
				g_string_append_c(t, ' ');
			*space = 1;
		} else {
			g_string_append_c(t, *s);
			*space = 0;
		}
	}
	/* GLib aborts when out of memory: esc is never NULL. */
	esc = g_markup_escape_text(t->str, (gssize)t->len);
	g_string_append(m, esc);
	g_free(esc);
	g_string_free(t, TRUE);
}

/* Inline content of a paragraph as pango markup (render.xsl uses only b). */
static void
inline_markup(GString *m, xmlNodePtr n, int *space)
{
	xmlNodePtr c;
	int bold;

	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			add_text(m, (const char *)c->content, space);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if ((bold = is_el(c, "b")))
			g_string_append(m, "<b>");
		inline_markup(m, c, space);
		if (bold)
			g_string_append(m, "</b>");
	}
}

/* A paragraph or heading at (x, y), width w; returns its height. */
static double
paragraph(struct pdf *p, xmlNodePtr n, double x, double y, double w)
{
	PangoFontDescription *fd;
	PangoLayout *lay;
	GString *m = g_string_new(NULL);
	double pt = FONT_PT;
	int space = 1, lw, lh, bold, italic;

	if (is_el(n, "h1"))
		pt = FONT_H1_PT;
	else if (has_class(n, "small"))
		pt = FONT_SMALL_PT;
	bold = is_el(n, "h1") || has_class(n, "bold");
	italic = has_class(n, "italic");
	if (bold)
		g_string_append(m, "<b>");
	if (italic)
		g_string_append(m, "<i>");
	inline_markup(m, n, &space);
	if (italic)
		g_string_append(m, "</i>");
	if (bold)
		g_string_append(m, "</b>");

	lay = pango_cairo_create_layout(p->cr);
	fd = pango_font_description_from_string(FONT_FAMILY);
	pango_font_description_set_absolute_size(fd,
	    pt * p->scale * PANGO_SCALE);
	pango_layout_set_font_description(lay, fd);
	pango_layout_set_width(lay, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(lay, has_class(n, "center") ||
	    is_el(n, "h1") ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
	pango_layout_set_markup(lay, m->str, (int)m->len);
	pango_layout_get_size(lay, &lw, &lh);
	if (p->draw) {
		cairo_move_to(p->cr, x, y);
		pango_cairo_show_layout(p->cr, lay);
	}
	pango_font_description_free(fd);
	g_object_unref(lay);
	g_string_free(m, TRUE);
	return (double)lh / PANGO_SCALE;
}

/* The QR code as vector squares, one per dark module, with its quiet zone. */
static double
qr_block(struct pdf *p, double x, double y)
{
	double size = RENDER_QR_MM * MM, mod;
	int w, i, j;

	if (p->qr == NULL)
		return 0;
	w = render_qr_width(p->qr);
	mod = size / (w + 8);
	if (p->draw) {
		cairo_save(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		for (j = 0; j < w; j++)
			for (i = 0; i < w; i++)
				if (render_qr_dark(p->qr, i, j))
					cairo_rectangle(p->cr, x + (i + 4) * mod,
					    y + (j + 4) * mod, mod, mod);
		cairo_fill(p->cr);
		cairo_restore(p->cr);
	}
	return size;
}

/* Space above and below an element, as in the stylesheet's CSS. */
static double
margin_top(xmlNodePtr n)
{
	if (is_el(n, "h1"))
		return 9 * MM;
	if (has_class(n, "gap"))
		return 5 * MM;
	if (has_class(n, "fields"))
		return 6 * MM;
	return 0;
}

static double
margin_bottom(xmlNodePtr n)
{
	if (is_el(n, "p"))
		return 1.6 * MM;
	if (is_el(n, "h1"))
		return 1 * MM;
	if (has_class(n, "qr"))
		return 2 * MM;
	return 0;
}

/* Lay out element n at (x, y) in width w; returns the height used. */
static double
block(struct pdf *p, xmlNodePtr n, double x, double y, double w)
{
	xmlNodePtr c;
	double h = 0, ch, colw, best, cx;
	int cols = 0;

	h += margin_top(n) * p->scale;
	if (is_el(n, "p") || is_el(n, "h1"))
		h += paragraph(p, n, x, y + h, w);
	else if (has_class(n, "qr"))
		h += qr_block(p, x, y + h);
	else if (has_class(n, "cols")) {
		for (c = n->children; c != NULL; c = c->next)
			cols += c->type == XML_ELEMENT_NODE;
		best = 0;
		cx = x;
		for (c = n->children; c != NULL; c = c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			/* Columns share the width equally unless w40/w60 say. */
			colw = (w - COL_GAP * (cols - 1)) * (has_class(c, "w40") ?
			    0.4 : has_class(c, "w60") ? 0.6 : 1.0 / cols);
			ch = block(p, c, cx, y + h, colw);
			best = ch > best ? ch : best;
			cx += colw + COL_GAP;
		}
		h += best;
	} else {
		for (c = n->children; c != NULL; c = c->next)
			if (c->type == XML_ELEMENT_NODE)
				h += block(p, c, x, y + h, w);
	}
	return h + margin_bottom(n) * p->scale;
}

/* The <main class="page"> of the HTML, or NULL. */
static xmlNodePtr
page_node(xmlDocPtr html)
{
	xmlNodePtr n = xmlDocGetRootElement(html), c;

	for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (is_el(c, "body"))
			break;
	for (c = c != NULL ? c->children : NULL; c != NULL; c = c->next)
		if (is_el(c, "main"))
			return c;
	return NULL;
}

static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int length)
{
	return fwrite(data, 1, length, closure) == length ?
	    CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int
render_pdf(const char *xml, size_t len, const char *base_url,
    unsigned char **out, size_t *outlen, struct cs_err *err)
{
	const double w = RENDER_PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
	const double avail = RENDER_PAGE_H - MARGIN_TOP - MARGIN_BOTTOM;
	struct rdoc *r = NULL;
	struct pdf p = { NULL, NULL, 1.0, 0 };
	cairo_surface_t *sf = NULL;
	cairo_status_t st;
	xmlDocPtr res = NULL;
	xmlNodePtr page;
	FILE *f = NULL;
	char *buf = NULL;
	size_t n = 0;
	double h;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = rdoc_load(xml, len, base_url, &r, err)) != 0 ||
	    (rc = transform(r, &res, err)) != 0)
		goto out;
	if ((page = page_node(res)) == NULL) {
		rc = cs_err_set(err, CS_E_INTERNAL, "%s produced no "
		    "<main> page", STYLESHEET);
		goto out;
	}
	if ((f = open_memstream(&buf, &n)) == NULL) {
		rc = cs_err_set(err, CS_E_NOMEM, "open_memstream: %s",
		    strerror(errno));
		goto out;
	}
	sf = cairo_pdf_surface_create_for_stream(pdf_write, f,
	    RENDER_PAGE_W, RENDER_PAGE_H);
	if ((st = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS) {
		rc = cs_err_set(err, CS_E_NOMEM, "cairo PDF surface: %s",
		    cairo_status_to_string(st));
		goto out;
	}
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, r->title);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR,
	    "civseal");
	/* The signing time, not the rendering time: the same bytes each time. */
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE,
	    r->hdr.signed_at);
	p.cr = cairo_create(sf);
	p.qr = r->qr;
	/* Shrink the type until the page holds everything (long addresses). */
	for (p.scale = 1.0; ; p.scale -= 0.05) {
		h = block(&p, page, MARGIN_LEFT, MARGIN_TOP, w);
		if (h <= avail || p.scale < FIT_MIN)
			break;
	}
	if (h > avail) {
		rc = cs_err_set(err, CS_E_INVALID, "the document does not fit "
		    "one A4 page even at %.0f%% type size", FIT_MIN * 100);
		goto out;
	}
	p.draw = 1;
	cairo_set_source_rgb(p.cr, 0, 0, 0);
	block(&p, page, MARGIN_LEFT, MARGIN_TOP, w);
	cairo_show_page(p.cr);
	cairo_destroy(p.cr);
	p.cr = NULL;
	cairo_surface_finish(sf);
	if ((st = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS) {
		rc = cs_err_set(err, CS_E_INTERNAL, "cairo writing the PDF: %s",
		    cairo_status_to_string(st));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = cs_err_set(err, CS_E_NOMEM, "writing the PDF failed");
		goto out;
	}
	f = NULL;
	*out = (unsigned char *)buf;
	*outlen = n;
	buf = NULL;		/* transferred to caller */
	rc = 0;
out:
	if (p.cr != NULL)
		cairo_destroy(p.cr);
	cairo_surface_destroy(sf);
	if (f != NULL)
		fclose(f);
	free(buf);
	xmlFreeDoc(res);
	rdoc_free(r);
	return rc;
}
