/*
 * render/qr.c — the QR code of a seal; see qr.h.
 *
 * Two segments keep the code small: the URL prefix in byte mode, the seal in
 * numeric mode (3.33 bits a digit instead of 8), error correction level Q
 * (25 % of the code words may be lost: a creased or stamped-on printout
 * still scans).  libqrencode picks the smallest version when asked for 0.
 */
#include "render/qr.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <qrencode.h>

#define QUIET 4			/* modules of light margin (ISO/IEC 18004) */
#define PNG_SCALE_MAX 64
#define URL_MAX 512

struct render_qr {
	int version;
	int width;
	unsigned char *dark;	/* width * width, 1 dark */
	char *text;
};

void
render_qr_free(struct render_qr *q)
{
	if (q == NULL)
		return;
	free(q->dark);
	free(q->text);
	free(q);
}

/* The URL goes into byte mode as is: refuse what a scanner would mangle. */
static int
check_url(const char *url, size_t len, struct cs_err *err)
{
	size_t i;

	if (len > URL_MAX)
		return cs_err_set(err, CS_E_INVALID,
		    "QR base URL is longer than %d bytes", URL_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c == ' ')
			return cs_err_set(err, CS_E_INVALID, "QR base URL holds "
			    "a space at byte %zu", i);
		if (c == '%')
			return cs_err_set(err, CS_E_INVALID, "QR base URL holds "
			    "'%%' at byte %zu (give it without percent-"
			    "encoding)", i);
		if (c < 0x20 || c >= 0x7f)
			return cs_err_set(err, CS_E_INVALID, "QR base URL holds "
			    "byte 0x%02x at byte %zu: printable ASCII only", c,
			    i);
	}
	return 0;
}

int
render_qr_check_base_url(const char *base_url, struct cs_err *err)
{
	if (base_url == NULL || base_url[0] == '\0')
		return 0;
	return check_url(base_url, strlen(base_url), err);
}

static int
check_digits(const char *digits, struct cs_err *err)
{
	size_t i;

	if (digits == NULL || digits[0] == '\0')
		return cs_err_set(err, CS_E_INVALID, "the seal is empty");
	for (i = 0; digits[i] != '\0'; i++)
		if (digits[i] < '0' || digits[i] > '9')
			return cs_err_set(err, CS_E_INVALID, "the seal must be "
			    "decimal digits: byte %zu is not one", i);
	return 0;
}

int
render_qr_new(const char *base_url, const char *digits,
    struct render_qr **out, struct cs_err *err)
{
	struct render_qr *q = NULL;
	QRinput *in = NULL;
	QRcode *code = NULL;
	size_t ulen = 0, dlen, i;
	char prefix[URL_MAX + 4];
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((r = check_digits(digits, err)) != 0)
		goto out;
	dlen = strlen(digits);
	prefix[0] = '\0';
	if (base_url != NULL && base_url[0] != '\0') {
		ulen = strlen(base_url);
		if ((r = check_url(base_url, ulen, err)) != 0)
			goto out;
		while (ulen > 0 && base_url[ulen - 1] == '/')
			ulen--;
		/* One slash before "v/", however the base URL ends. */
		snprintf(prefix, sizeof(prefix), "%.*s/v/", (int)ulen, base_url);
		ulen = strlen(prefix);
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->text = malloc(ulen + dlen + 1)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(q->text, prefix, ulen);
	memcpy(q->text + ulen, digits, dlen + 1);

	if ((in = QRinput_new2(0, QR_ECLEVEL_Q)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "QRinput_new2: %s",
		    strerror(errno));
		goto out;
	}
	if ((ulen > 0 && QRinput_append(in, QR_MODE_8, (int)ulen,
	    (const unsigned char *)prefix) != 0) ||
	    QRinput_append(in, QR_MODE_NUM, (int)dlen,
	    (const unsigned char *)digits) != 0) {
		r = cs_err_set(err, errno == ENOMEM ? CS_E_NOMEM : CS_E_INVALID,
		    "QR segment refused: %s", strerror(errno));
		goto out;
	}
	errno = 0;
	if ((code = QRcode_encodeInput(in)) == NULL) {
		if (errno == ERANGE)
			r = cs_err_set(err, CS_E_INVALID, "%zu bytes of URL and "
			    "%zu seal digits fit no QR version at level Q",
			    ulen, dlen);
		else
			r = cs_err_set(err, errno == ENOMEM ? CS_E_NOMEM :
			    CS_E_INTERNAL, "QRcode_encodeInput: %s",
			    strerror(errno));
		goto out;
	}
	q->version = code->version;
	q->width = code->width;
	if ((q->dark = malloc((size_t)code->width * (size_t)code->width)) ==
	    NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	/* Bit 0 of each libqrencode module byte is the colour. */
	for (i = 0; i < (size_t)code->width * (size_t)code->width; i++)
		q->dark[i] = code->data[i] & 1;
	*out = q;
	q = NULL;		/* transferred to caller */
	r = 0;
out:
	QRcode_free(code);
	QRinput_free(in);
	render_qr_free(q);
	return r;
}

int
render_qr_version(const struct render_qr *q)
{
	return q->version;
}

int
render_qr_width(const struct render_qr *q)
{
	return q->width;
}

int
render_qr_dark(const struct render_qr *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;	/* the quiet zone */
	return q->dark[(size_t)y * (size_t)q->width + (size_t)x];
}

const char *
render_qr_text(const struct render_qr *q)
{
	return q->text;
}

int
render_qr_svg(const struct render_qr *q, double size_mm, int standalone,
    char **out, size_t *len, struct cs_err *err)
{
	FILE *f = NULL;
	char *buf = NULL, size[128];
	size_t n = 0;
	int full = q->width + 2 * QUIET, x, y, run, bad, r = CS_E_INTERNAL;
	long hundredths;

	*out = NULL;
	*len = 0;
	if (size_mm < 0 || size_mm > 10000)
		return cs_err_set(err, CS_E_USAGE, "QR size %g mm is out of "
		    "range", size_mm);
	size[0] = '\0';
	if (size_mm > 0) {
		/* No %f: the decimal separator would follow the locale. */
		hundredths = (long)(size_mm * 100 + 0.5);
		snprintf(size, sizeof(size), " width=\"%ld.%02ldmm\" "
		    "height=\"%ld.%02ldmm\"", hundredths / 100, hundredths % 100,
		    hundredths / 100, hundredths % 100);
	}
	if ((f = open_memstream(&buf, &n)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "open_memstream: %s",
		    strerror(errno));
		goto out;
	}
	if (standalone)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "viewBox=\"0 0 %d %d\"%s shape-rendering=\"crispEdges\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", full, full, size, full, full);
	/* One subpath per horizontal run of dark modules. */
	for (y = 0; y < q->width; y++) {
		for (x = 0; x < q->width; x += run > 0 ? run : 1) {
			for (run = 0; x + run < q->width &&
			    render_qr_dark(q, x + run, y); run++)
				;
			if (run > 0)
				fprintf(f, "M%d %dh%dv1h-%dz", x + QUIET,
				    y + QUIET, run, run);
		}
	}
	fputs("\"/></svg>\n", f);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		f = NULL;
		r = cs_err_set(err, CS_E_NOMEM, "writing the SVG failed");
		goto out;
	}
	f = NULL;
	*out = buf;
	*len = n;
	buf = NULL;		/* transferred to caller */
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return r;
}

static cairo_status_t
png_write(void *closure, const unsigned char *data, unsigned int length)
{
	return fwrite(data, 1, length, closure) == length ?
	    CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int
render_qr_png(const struct render_qr *q, int scale, unsigned char **out,
    size_t *len, struct cs_err *err)
{
	cairo_surface_t *sf = NULL;
	cairo_t *cr = NULL;
	cairo_status_t st;
	FILE *f = NULL;
	char *buf = NULL;
	size_t n = 0;
	int full = q->width + 2 * QUIET, x, y, r = CS_E_INTERNAL;

	*out = NULL;
	*len = 0;
	if (scale < 1 || scale > PNG_SCALE_MAX)
		return cs_err_set(err, CS_E_USAGE, "QR PNG scale %d is not in "
		    "1..%d pixels per module", scale, PNG_SCALE_MAX);
	sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, full * scale,
	    full * scale);
	if ((st = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS) {
		r = cs_err_set(err, CS_E_NOMEM, "cairo image surface: %s",
		    cairo_status_to_string(st));
		goto out;
	}
	cr = cairo_create(sf);
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (y = 0; y < q->width; y++)
		for (x = 0; x < q->width; x++)
			if (render_qr_dark(q, x, y))
				cairo_rectangle(cr, (x + QUIET) * scale,
				    (y + QUIET) * scale, scale, scale);
	cairo_fill(cr);
	if ((st = cairo_status(cr)) != CAIRO_STATUS_SUCCESS) {
		r = cs_err_set(err, CS_E_INTERNAL, "cairo drawing the QR: %s",
		    cairo_status_to_string(st));
		goto out;
	}
	cairo_surface_flush(sf);
	if ((f = open_memstream(&buf, &n)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "open_memstream: %s",
		    strerror(errno));
		goto out;
	}
	if ((st = cairo_surface_write_to_png_stream(sf, png_write, f)) !=
	    CAIRO_STATUS_SUCCESS) {
		/* A failed write is the memory stream running out of memory. */
		r = cs_err_set(err, st == CAIRO_STATUS_NO_MEMORY || ferror(f) ?
		    CS_E_NOMEM : CS_E_INTERNAL, "cairo writing the PNG: %s",
		    cairo_status_to_string(st));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		r = cs_err_set(err, CS_E_NOMEM, "writing the PNG failed");
		goto out;
	}
	f = NULL;
	*out = (unsigned char *)buf;
	*len = n;
	buf = NULL;		/* transferred to caller */
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	if (cr != NULL)
		cairo_destroy(cr);
	cairo_surface_destroy(sf);
	return r;
}
