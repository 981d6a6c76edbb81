/* tests/unit/test_qr.c — render/qr.c: the QR code of a seal, SVG and PNG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cairo.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <qrencode.h>

#include "render/qr.h"

#define BASE "https://verify.civseal.example"

/* A seal as long as a real ES256 one (about 120 bytes, 17 digits a block). */
static char digits[400];

static int
setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 374; i++)
		digits[i] = (char)('0' + (i * 7 + i / 3) % 10);
	digits[374] = '\0';
	return 0;
}

static void
test_qr_text_is_url_prefix_and_digits(void **state)
{
	struct render_qr *q = NULL;
	struct cs_err e;
	char want[600];

	(void)state;
	snprintf(want, sizeof(want), "%s/v/%s", BASE, digits);
	assert_int_equal(render_qr_new(BASE, digits, &q, &e), 0);
	assert_string_equal(render_qr_text(q), want);
	render_qr_free(q);
	/* A trailing slash on the base URL does not double. */
	assert_int_equal(render_qr_new(BASE "/", digits, &q, &e), 0);
	assert_string_equal(render_qr_text(q), want);
	render_qr_free(q);
	/* No base URL: the bare digits. */
	assert_int_equal(render_qr_new(NULL, "0123456789", &q, &e), 0);
	assert_string_equal(render_qr_text(q), "0123456789");
	render_qr_free(q);
	assert_int_equal(render_qr_new("", "42", &q, &e), 0);
	assert_string_equal(render_qr_text(q), "42");
	render_qr_free(q);
	render_qr_free(NULL);
}

/* Encode the same text with libqrencode directly at a fixed version. */
static QRcode *
encode_at(int version, const char *prefix, const char *d, QRencodeMode dmode)
{
	QRinput *in = QRinput_new2(version, QR_ECLEVEL_Q);
	QRcode *c = NULL;

	assert_non_null(in);
	if (prefix[0] != '\0')
		assert_int_equal(QRinput_append(in, QR_MODE_8,
		    (int)strlen(prefix), (const unsigned char *)prefix), 0);
	assert_int_equal(QRinput_append(in, dmode, (int)strlen(d),
	    (const unsigned char *)d), 0);
	c = QRcode_encodeInput(in);
	QRinput_free(in);
	return c;
}

static void
test_qr_smallest_version_level_q_numeric_segment(void **state)
{
	struct render_qr *q = NULL;
	struct cs_err e;
	QRcode *c;
	int v, x, y;

	(void)state;
	assert_int_equal(render_qr_new(BASE, digits, &q, &e), 0);
	v = render_qr_version(q);
	assert_in_range(v, 1, 40);
	assert_int_equal(render_qr_width(q), 17 + 4 * v);
	/*
	 * libqrencode takes a version as a minimum and grows it until the
	 * data fits: from version 1 up, the first that holds it is v...
	 */
	c = encode_at(1, BASE "/v/", digits, QR_MODE_NUM);
	assert_non_null(c);
	assert_int_equal(c->version, v);
	QRcode_free(c);
	/* ...and at v, the modules are exactly these (level Q). */
	c = encode_at(v, BASE "/v/", digits, QR_MODE_NUM);
	assert_non_null(c);
	assert_int_equal(c->width, render_qr_width(q));
	for (y = 0; y < c->width; y++)
		for (x = 0; x < c->width; x++)
			assert_int_equal(c->data[y * c->width + x] & 1,
			    render_qr_dark(q, x, y));
	QRcode_free(c);
	/* Numeric mode makes it smaller than the digits in byte mode. */
	c = encode_at(0, BASE "/v/", digits, QR_MODE_8);
	assert_non_null(c);
	assert_true(c->version > v);
	QRcode_free(c);
	/* Outside the symbol is the light quiet zone. */
	assert_int_equal(render_qr_dark(q, -1, 0), 0);
	assert_int_equal(render_qr_dark(q, 0, render_qr_width(q)), 0);
	/* The finder pattern's corner is dark. */
	assert_int_equal(render_qr_dark(q, 0, 0), 1);
	render_qr_free(q);
}

static void
test_qr_refuses_bad_url_and_seal(void **state)
{
	static const struct {
		const char *url, *digits, *cause;
	} bad[] = {
		{ "https://x.example/a b", "123", "space" },
		{ "https://x.example/%41", "123", "'%'" },
		{ "https://x.example/\n", "123", "0x0a" },
		{ "https://xé.example", "123", "printable ASCII" },
		{ BASE, "12a4", "digits" },
		{ BASE, "", "empty" },
		{ BASE, " 123", "digits" },
		{ NULL, "-1", "digits" },
	};
	struct render_qr *q = (struct render_qr *)&q;
	struct cs_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(render_qr_new(bad[i].url, bad[i].digits, &q,
		    &e), CS_E_INVALID);
		assert_null(q);
		if (strstr(e.msg, bad[i].cause) == NULL)
			fail_msg("case %zu: '%s' does not name '%s'", i, e.msg,
			    bad[i].cause);
	}
	assert_int_equal(render_qr_new(BASE, NULL, &q, &e), CS_E_INVALID);
}

static void
test_qr_too_long_for_any_version(void **state)
{
	static char big[5000];
	struct render_qr *q = NULL;
	struct cs_err e;

	(void)state;
	memset(big, '7', sizeof(big) - 1);
	assert_int_equal(render_qr_new(BASE, big, &q, &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "fit no QR version"));
	assert_null(q);
}

/* Sum the run lengths of "M x y h n v1 h-n z" subpaths; check each in range. */
static long
dark_in_path(const char *d, int full)
{
	long total = 0;
	int x, y, n, m, used;

	while (*d != '\0') {
		assert_int_equal(sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &m,
		    &used), 4);
		assert_int_equal(n, m);
		assert_true(x >= 4 && y >= 4 && x + n <= full - 4 &&
		    y < full - 4);
		total += n;
		d += used;
	}
	return total;
}

static void
test_qr_svg_well_formed_one_path_quiet_zone(void **state)
{
	struct render_qr *q = NULL;
	struct cs_err e;
	char *svg = NULL, vb[64];
	size_t len;
	xmlDocPtr doc;
	xmlNodePtr root, n;
	xmlChar *a;
	long dark = 0;
	int paths = 0, full, x, y;

	(void)state;
	assert_int_equal(render_qr_new(BASE, digits, &q, &e), 0);
	full = render_qr_width(q) + 8;
	for (y = 0; y < render_qr_width(q); y++)
		for (x = 0; x < render_qr_width(q); x++)
			dark += render_qr_dark(q, x, y);

	assert_int_equal(render_qr_svg(q, 30, 1, &svg, &len, &e), 0);
	assert_int_equal(strlen(svg), len);
	assert_memory_equal(svg, "<?xml", 5);
	doc = xmlReadMemory(svg, (int)len, "qr.svg", NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "svg");
	assert_string_equal((const char *)root->ns->href,
	    "http://www.w3.org/2000/svg");
	snprintf(vb, sizeof(vb), "0 0 %d %d", full, full);
	a = xmlGetProp(root, BAD_CAST "viewBox");
	assert_string_equal((const char *)a, vb);
	xmlFree(a);
	a = xmlGetProp(root, BAD_CAST "width");
	assert_string_equal((const char *)a, "30.00mm");
	xmlFree(a);
	a = xmlGetProp(root, BAD_CAST "shape-rendering");
	assert_string_equal((const char *)a, "crispEdges");
	xmlFree(a);
	for (n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    !xmlStrEqual(n->name, BAD_CAST "path"))
			continue;
		paths++;
		a = xmlGetProp(n, BAD_CAST "d");
		assert_int_equal(dark_in_path((const char *)a, full), dark);
		xmlFree(a);
	}
	assert_int_equal(paths, 1);
	xmlFreeDoc(doc);
	free(svg);

	/* Inline form: no XML declaration, unitless, still well-formed. */
	assert_int_equal(render_qr_svg(q, 0, 0, &svg, &len, &e), 0);
	assert_memory_equal(svg, "<svg ", 5);
	assert_null(strstr(svg, "mm\""));
	doc = xmlReadMemory(svg, (int)len, "qr.svg", NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	free(svg);
	assert_int_equal(render_qr_svg(q, -1, 0, &svg, &len, &e), CS_E_USAGE);
	assert_null(svg);
	render_qr_free(q);
}

struct rd {
	const unsigned char *p;
	size_t len, off;
};

static cairo_status_t
png_read(void *closure, unsigned char *data, unsigned int length)
{
	struct rd *r = closure;

	if (r->off + length > r->len)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->p + r->off, length);
	r->off += length;
	return CAIRO_STATUS_SUCCESS;
}

static void
test_qr_png_pixels_match_modules(void **state)
{
	struct render_qr *q = NULL;
	struct cs_err e;
	unsigned char *png = NULL, *px;
	size_t len;
	cairo_surface_t *sf;
	struct rd rd;
	int scale = 3, full, x, y, stride;
	uint32_t v;

	(void)state;
	assert_int_equal(render_qr_new(BASE, digits, &q, &e), 0);
	full = render_qr_width(q) + 8;
	assert_int_equal(render_qr_png(q, scale, &png, &len, &e), 0);
	assert_true(len > 8);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	rd.p = png;
	rd.len = len;
	rd.off = 0;
	sf = cairo_image_surface_create_from_png_stream(png_read, &rd);
	assert_int_equal(cairo_surface_status(sf), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_image_surface_get_width(sf), full * scale);
	assert_int_equal(cairo_image_surface_get_height(sf), full * scale);
	px = cairo_image_surface_get_data(sf);
	stride = cairo_image_surface_get_stride(sf);
	for (y = 0; y < full; y++)
		for (x = 0; x < full; x++) {
			/* The centre pixel of each module. */
			memcpy(&v, px + (size_t)(y * scale + 1) * (size_t)stride +
			    (size_t)(x * scale + 1) * 4, 4);
			assert_int_equal((v & 0xffffff) == 0,
			    render_qr_dark(q, x - 4, y - 4));
		}
	cairo_surface_destroy(sf);
	free(png);
	assert_int_equal(render_qr_png(q, 0, &png, &len, &e), CS_E_USAGE);
	assert_int_equal(render_qr_png(q, 65, &png, &len, &e), CS_E_USAGE);
	assert_non_null(strstr(e.msg, "65"));
	render_qr_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qr_text_is_url_prefix_and_digits),
		cmocka_unit_test(test_qr_smallest_version_level_q_numeric_segment),
		cmocka_unit_test(test_qr_refuses_bad_url_and_seal),
		cmocka_unit_test(test_qr_too_long_for_any_version),
		cmocka_unit_test(test_qr_svg_well_formed_one_path_quiet_zone),
		cmocka_unit_test(test_qr_png_pixels_match_modules),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
