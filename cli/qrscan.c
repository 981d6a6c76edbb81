/*
 * cli/qrscan.c — a PNG decoded with cairo, turned into the 8-bit grey image
 * zbar wants (ITU-R BT.601 luma), and scanned for QR codes only.
 */
#include "cli/qrscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <zbar.h>

/* Grey levels of an ARGB32/RGB24 surface, alpha composited on white. */
static unsigned char *
grey_of(cairo_surface_t *s, int w, int h)
{
	const unsigned char *data = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s), x, y;
	cairo_format_t fmt = cairo_image_surface_get_format(s);
	unsigned char *g;

	if ((g = malloc((size_t)w * (size_t)h)) == NULL)
		return NULL;
	for (y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)
		    (data + (size_t)y * (size_t)stride);

		for (x = 0; x < w; x++) {
			uint32_t p = row[x];
			unsigned a = fmt == CAIRO_FORMAT_ARGB32 ? p >> 24 : 255;
			/* Premultiplied: colour + (255 - alpha) of white. */
			unsigned r = ((p >> 16) & 0xFF) + 255 - a;
			unsigned gr = ((p >> 8) & 0xFF) + 255 - a;
			unsigned b = (p & 0xFF) + 255 - a;

			g[(size_t)y * (size_t)w + (size_t)x] = (unsigned char)
			    ((299 * (r > 255 ? 255 : r) + 587 * (gr > 255 ?
			    255 : gr) + 114 * (b > 255 ? 255 : b)) / 1000);
		}
	}
	return g;
}

int
cli_qr_scan_png(const char *path, char **out, struct cs_err *err)
{
	cairo_surface_t *s = NULL;
	zbar_image_scanner_t *sc = NULL;
	zbar_image_t *img = NULL;
	const zbar_symbol_t *sym;
	unsigned char *grey = NULL;
	int w, h, n, r = CS_E_INTERNAL;
	cairo_format_t fmt;

	*out = NULL;
	s = cairo_image_surface_create_from_png(path);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		r = cs_err_set(err, CS_E_IO, "%s: cannot read as PNG (%s)", path,
		    cairo_status_to_string(cairo_surface_status(s)));
		goto out;
	}
	fmt = cairo_image_surface_get_format(s);
	w = cairo_image_surface_get_width(s);
	h = cairo_image_surface_get_height(s);
	if (fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24) {
		r = cs_err_set(err, CS_E_IO, "%s: unsupported PNG pixel format",
		    path);
		goto out;
	}
	if ((grey = grey_of(s, w, h)) == NULL ||
	    (sc = zbar_image_scanner_create()) == NULL ||
	    (img = zbar_image_create()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, (unsigned)w, (unsigned)h);
	zbar_image_set_data(img, grey, (unsigned long)w * (unsigned long)h,
	    NULL);		/* grey stays ours */
	if ((n = zbar_scan_image(sc, img)) < 0) {
		r = cs_err_set(err, CS_E_INVALID, "%s: zbar could not scan it",
		    path);
		goto out;
	}
	if (n == 0) {
		r = cs_err_set(err, CS_E_INVALID, "%s: no QR code found", path);
		goto out;
	}
	if (n > 1) {
		r = cs_err_set(err, CS_E_INVALID,
		    "%s: %d QR codes found; crop the image to one", path, n);
		goto out;
	}
	sym = zbar_image_first_symbol(img);
	if ((*out = strdup(zbar_symbol_get_data(sym))) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	r = 0;
out:
	if (img != NULL)
		zbar_image_destroy(img);
	if (sc != NULL)
		zbar_image_scanner_destroy(sc);
	free(grey);
	cairo_surface_destroy(s);
	return r;
}
