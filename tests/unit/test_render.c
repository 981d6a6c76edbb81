/*
 * tests/unit/test_render.c — render/render.c: HTML and PDF from a document
 * record, with and without a seal, from many threads at once, and the
 * refusals.  The documents are built from the example registrations
 * (examples/, or $CIVSEAL_SAMPLES) without signing: rendering does not
 * verify.  The expected words and capitals are known answers for
 * examples/birth-01.json and death-01.json, written out by hand.
 */
#define _GNU_SOURCE		/* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "core/doc.h"
#include "core/fileio.h"
#include "core/xml.h"
#include "render/render.h"

#define BASE "https://kiemtra.example"
#define SEAL "00282582190975227558602198293959761648877222472227316555"
#define THREADS 8

/* A document of a sample as XML text; seal "" leaves Header/Seal empty. */
static char *
build(const char *sample, const char *seal, const char *edit_from,
    const char *edit_to, size_t *len)
{
	const char *dir = getenv("CIVSEAL_SAMPLES");
	struct cs_problems probs;
	struct cs_xml_header hdr;
	struct cs_doc *doc = NULL;
	struct cs_err e;
	xmlDocPtr x = NULL;
	char path[512], *json, *out, *at;
	size_t jlen, n;

	snprintf(path, sizeof(path), "%s/%s.json", dir != NULL ? dir :
	    "examples", sample);
	if (cs_file_read(path, 1 << 20, &json, &jlen, &e) != 0)
		fail_msg("%s (set CIVSEAL_SAMPLES)", e.msg);
	/* Every occurrence of edit_from becomes edit_to (longer addresses). */
	while (edit_from != NULL && (at = strstr(json, edit_from)) != NULL) {
		n = jlen - strlen(edit_from) + strlen(edit_to) + 1;
		assert_non_null(out = malloc(n));
		snprintf(out, n, "%.*s%s%s", (int)(at - json), json, edit_to,
		    at + strlen(edit_from));
		free(json);
		json = out;
		jlen = strlen(json);
	}
	cs_problems_init(&probs);
	if (cs_doc_from_json(json, jlen, NULL, &doc, &probs, &e) != 0)
		fail_msg("%s: %s", sample, probs.n > 0 ? probs.item[0].msg :
		    e.msg);
	assert_int_equal(cs_xml_header_init(&hdr, doc->office,
	    "UBND phường Thử, Thành phố Thử", &e), 0);
	/* 2026-11-23T00:30:00Z: 07:30 on the 23rd in ICT. */
	snprintf(hdr.signed_at, sizeof(hdr.signed_at), "2026-11-23T00:30:00Z");
	snprintf(hdr.seal, sizeof(hdr.seal), "%s", seal);
	assert_int_equal(cs_xml_from_doc(doc, &hdr, &x, &e), 0);
	assert_int_equal(cs_xml_serialize(x, &out, len, &e), 0);
	xmlFreeDoc(x);
	cs_doc_free(doc);
	free(json);
	return out;
}

static void
test_render_html_birth_has_capitals_words_block_and_qr(void **state)
{
	char *xml, *html = NULL;
	size_t len, hlen;
	struct cs_err e;

	(void)state;
	xml = build("birth-01", SEAL, NULL, NULL, &len);
	assert_int_equal(render_html(xml, len, BASE, &html, &hlen, &e),
	    0);
	assert_int_equal(strlen(html), hlen);
	assert_memory_equal(html, "<!DOCTYPE html>\n", 16);
	assert_non_null(strstr(html, "<b>VŨ HOÀNG BẢO NGỌC</b>"));
	assert_non_null(strstr(html, "HOÀNG THỊ MAI ANH"));
	/* Born 2025-10-18. */
	assert_non_null(strstr(html, "Ghi bằng chữ: Ngày mười tám tháng mười "
	    "năm hai nghìn không trăm hai mươi lăm<"));
	assert_non_null(strstr(html, ">KT. CHỦ TỊCH<"));
	assert_non_null(strstr(html, ">PHÓ CHỦ TỊCH<"));
	assert_non_null(strstr(html, "Đinh Thị Thanh Vân"));
	assert_non_null(strstr(html, "07:30:00 ngày 23/11/2026 (UTC+07:00)"));
	assert_non_null(strstr(html, "Ngày 27 tháng 10 năm 2025"));
	assert_non_null(strstr(html, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_null(strstr(html, "<script"));
	free(html);
	free(xml);
}

static void
test_render_html_death_time_in_words(void **state)
{
	char *xml, *html = NULL;
	size_t len, hlen;
	struct cs_err e;

	(void)state;
	xml = build("death-01", SEAL, NULL, NULL, &len);
	assert_int_equal(render_html(xml, len, NULL, &html, &hlen, &e),
	    0);
	/* Died 2025-10-21T05:25:00+07:00. */
	assert_non_null(strstr(html, "05 giờ 25 phút, ngày 21/10/2025"));
	assert_non_null(strstr(html, "Năm giờ hai mươi lăm phút, ngày hai "
	    "mươi mốt tháng mười năm hai nghìn không trăm hai mươi lăm"));
	assert_non_null(strstr(html, "TRÍCH LỤC KHAI TỬ"));
	free(html);
	free(xml);
}

static void
test_render_without_seal_has_no_qr(void **state)
{
	struct render_qr *q = NULL;
	char *xml, *html = NULL;
	size_t len, hlen;
	struct cs_err e;

	(void)state;
	xml = build("birth-02", "", NULL, NULL, &len);
	assert_int_equal(render_html(xml, len, BASE, &html, &hlen, &e),
	    0);
	assert_null(strstr(html, "<svg"));
	assert_int_equal(render_qr(xml, len, BASE, &q, &e),
	    CS_E_NOTFOUND);
	assert_null(q);
	assert_non_null(strstr(e.msg, "Header/Seal"));
	free(html);
	free(xml);
	xml = build("birth-02", SEAL, NULL, NULL, &len);
	assert_int_equal(render_qr(xml, len, BASE, &q, &e), 0);
	assert_string_equal(render_qr_text(q), BASE "/v/" SEAL);
	render_qr_free(q);
	free(xml);
}

static int
pdf_pages(const unsigned char *pdf, size_t len)
{
	const char *p = "/Type /Pages";
	size_t i, n = strlen(p);
	int count = -1;

	for (i = 0; i + n < len; i++)
		if (memcmp(pdf + i, p, n) == 0) {
			const unsigned char *c = memmem(pdf + i, len - i,
			    "/Count ", 7);

			assert_non_null(c);
			count = atoi((const char *)c + 7);
		}
	return count;
}

static void
test_render_pdf_one_a4_page_even_with_long_addresses(void **state)
{
	char *xml, longplace[256];
	unsigned char *pdf = NULL;
	size_t len, plen, i;
	struct cs_err e;

	(void)state;
	xml = build("birth-01", SEAL, NULL, NULL, &len);
	assert_int_equal(render_pdf(xml, len, BASE, &pdf, &plen, &e),
	    0);
	assert_memory_equal(pdf, "%PDF-", 5);
	assert_int_equal(pdf_pages(pdf, plen), 1);
	assert_non_null(memmem(pdf, plen, "/MediaBox [ 0 0 595.28 841.89 ]",
	    31));
	free(pdf);
	free(xml);

	/*
	 * Every place near the 300-character limit: at the normal type size
	 * the page would overflow, so the type shrinks until it fits.
	 */
	for (i = 0; i < 240; i++)
		longplace[i] = i % 8 == 7 ? ' ' : 'x';
	longplace[i] = '\0';
	xml = build("birth-01", SEAL, "phường Ba Đình", longplace, &len);
	assert_int_equal(render_pdf(xml, len, BASE, &pdf, &plen, &e),
	    0);
	assert_int_equal(pdf_pages(pdf, plen), 1);
	free(pdf);
	free(xml);
}

struct job {
	const char *xml;
	size_t len;
	const char *want_html;
	const unsigned char *want_pdf;
	size_t want_pdf_len;
	int ok;
};

static void *
render_many(void *arg)
{
	struct job *j = arg;
	unsigned char *pdf;
	char *html;
	size_t n;
	struct cs_err e;
	int i;

	j->ok = 1;
	for (i = 0; i < 3; i++) {
		if (render_html(j->xml, j->len, BASE, &html, &n, &e) != 0 ||
		    strcmp(html, j->want_html) != 0)
			j->ok = 0;
		free(html);
		if (render_pdf(j->xml, j->len, BASE, &pdf, &n, &e) != 0 ||
		    n != j->want_pdf_len || memcmp(pdf, j->want_pdf, n) != 0)
			j->ok = 0;
		free(pdf);
	}
	return NULL;
}

static void
test_render_threads_share_the_stylesheet(void **state)
{
	struct job jobs[THREADS];
	pthread_t t[THREADS];
	char *xml[2], *html[2];
	unsigned char *pdf[2];
	size_t len[2], hl, pl[2];
	struct cs_err e;
	int i;

	(void)state;
	xml[0] = build("birth-03", SEAL, NULL, NULL, &len[0]);
	xml[1] = build("death-02", SEAL, NULL, NULL, &len[1]);
	for (i = 0; i < 2; i++) {
		assert_int_equal(render_html(xml[i], len[i], BASE,
		    &html[i], &hl, &e), 0);
		assert_int_equal(render_pdf(xml[i], len[i], BASE,
		    &pdf[i], &pl[i], &e), 0);
	}
	for (i = 0; i < THREADS; i++) {
		jobs[i].xml = xml[i % 2];
		jobs[i].len = len[i % 2];
		jobs[i].want_html = html[i % 2];
		jobs[i].want_pdf = pdf[i % 2];
		jobs[i].want_pdf_len = pl[i % 2];
		assert_int_equal(pthread_create(&t[i], NULL, render_many,
		    &jobs[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_true(jobs[i].ok);
	}
	for (i = 0; i < 2; i++) {
		free(xml[i]);
		free(html[i]);
		free(pdf[i]);
	}
}

static void
test_render_refuses_what_is_not_a_document(void **state)
{
	static const char notxml[] = "<BirthCertificate";
	static const char dtd[] = "<!DOCTYPE x [<!ENTITY a \"b\">]><x/>";
	static const char other[] = "<x xmlns=\"urn:other\"/>";
	char *xml, *html;
	unsigned char *pdf;
	size_t len, n;
	struct cs_err e;
	int marker;

	(void)state;
	/*
	 * The outputs are set to a marker before each refused call, so that
	 * assert_null proves the call cleared them.
	 */
	html = (char *)&marker;
	n = 12345;
	assert_int_equal(render_html(notxml, sizeof(notxml) - 1, NULL,
	    &html, &n, &e), CS_E_INVALID);
	assert_null(html);
	assert_int_equal(n, 0);
	pdf = (unsigned char *)&marker;
	n = 12345;
	assert_int_equal(render_pdf(dtd, sizeof(dtd) - 1, NULL, &pdf,
	    &n, &e), CS_E_POLICY);
	assert_null(pdf);
	assert_int_equal(n, 0);
	html = (char *)&marker;
	n = 12345;
	assert_int_equal(render_html(other, sizeof(other) - 1, NULL,
	    &html, &n, &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "namespace"));
	assert_null(html);
	assert_int_equal(n, 0);
	/* The QR's base URL is checked too. */
	xml = build("birth-01", SEAL, NULL, NULL, &len);
	html = (char *)&marker;
	n = 12345;
	assert_int_equal(render_html(xml, len, "http://a b", &html, &n,
	    &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "space"));
	assert_null(html);
	assert_int_equal(n, 0);
	pdf = (unsigned char *)&marker;
	n = 12345;
	assert_int_equal(render_pdf(xml, len, "http://a b", &pdf, &n,
	    &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "space"));
	assert_null(pdf);
	assert_int_equal(n, 0);
	free(xml);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_html_birth_has_capitals_words_block_and_qr),
		cmocka_unit_test(test_render_html_death_time_in_words),
		cmocka_unit_test(test_render_without_seal_has_no_qr),
		cmocka_unit_test(test_render_pdf_one_a4_page_even_with_long_addresses),
		cmocka_unit_test(test_render_threads_share_the_stylesheet),
		cmocka_unit_test(test_render_refuses_what_is_not_a_document),
	};
	int r;

	xmlInitParser();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	render_done();
	xmlCleanupParser();
	return r;
}
