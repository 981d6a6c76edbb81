/*
 * tests/unit/test_xml_parse.c — cs_xml_parse_strict refuses what a verifier
 * must not parse (DOCTYPE, entities, XXE, comments, PIs, depth, size) and
 * accepts a plain document unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/xml.h"

#define GOOD \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<BirthCertificate xmlns=\"urn:civseal:extract:1\" version=\"1\">\n" \
	"  <Header><DocumentId>x</DocumentId></Header>\n" \
	"  <Child><FullName>Nguyễn Ngọc Minh Châu &amp; co</FullName></Child>\n" \
	"</BirthCertificate>\n"

static int
parse(const char *s, xmlDocPtr *doc, struct cs_err *err)
{
	cs_err_clear(err);
	return cs_xml_parse_strict(s, strlen(s), doc, err);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_parse_good_document_keeps_whitespace(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	xmlChar *name;

	(void)state;
	assert_int_equal(parse(GOOD, &doc, &err), 0);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "BirthCertificate");
	/* NOBLANKS is not set: the whitespace text node before <Header> stays. */
	assert_non_null(root->children);
	assert_int_equal(root->children->type, XML_TEXT_NODE);
	name = xmlNodeGetContent(root->children->next->next->next);
	assert_string_equal((const char *)name, "Nguyễn Ngọc Minh Châu & co");
	xmlFree(name);
	xmlFreeDoc(doc);
}

static void
test_parse_cdata_becomes_text(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;

	(void)state;
	assert_int_equal(parse("<a>x<![CDATA[<b>]]>y</a>", &doc, &err), 0);
	root = xmlDocGetRootElement(doc);
	assert_int_equal(root->children->type, XML_TEXT_NODE);
	assert_string_equal((const char *)root->children->content, "x<b>y");
	assert_null(root->children->next);
	xmlFreeDoc(doc);
}

static void
test_parse_doctype_refused(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;

	(void)state;
	assert_int_equal(parse("<!DOCTYPE a><a/>", &doc, &err), CS_E_POLICY);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "DOCTYPE"));
}

static void
test_parse_internal_entity_refused(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;

	(void)state;
	assert_int_equal(parse("<!DOCTYPE a [<!ENTITY e \"Bob\">]><a>&e;</a>",
	    &doc, &err), CS_E_POLICY);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "DOCTYPE"));
}

static void
test_parse_undeclared_entity_is_malformed(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;
	int r;

	(void)state;
	r = parse("<a>&e;</a>", &doc, &err);
	assert_true(r == CS_E_INVALID || r == CS_E_POLICY);
	assert_null(doc);
}

static void
test_parse_xxe_file_refused(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;

	(void)state;
	assert_int_equal(parse("<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
	    "<a>&xxe;</a>", &doc, &err), CS_E_POLICY);
	assert_null(doc);
	assert_null(strstr(err.msg, "root:"));
}

static void
test_parse_external_dtd_refused(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;

	(void)state;
	assert_int_equal(parse("<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/x.dtd\">"
	    "<a/>", &doc, &err), CS_E_POLICY);
	assert_null(doc);
}

static void
test_parse_billion_laughs_refused_quickly(void **state)
{
	static const char bomb[] =
	    "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	    "]>\n<lolz>&lol9;</lolz>\n";
	struct cs_err err;
	xmlDocPtr doc = NULL;
	double t0, dt;

	(void)state;
	t0 = now_s();
	assert_int_equal(parse(bomb, &doc, &err), CS_E_POLICY);
	dt = now_s() - t0;
	assert_null(doc);
	assert_true(dt < 1.0);
}

static void
test_parse_comment_refused(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;

	(void)state;
	assert_int_equal(parse("<a><b>Alice<!---->Bob</b></a>", &doc, &err),
	    CS_E_POLICY);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "comment-truncation"));
	/* Outside the root element too. */
	assert_int_equal(parse("<!-- x --><a/>", &doc, &err), CS_E_POLICY);
	assert_int_equal(parse("<a/><!-- x -->", &doc, &err), CS_E_POLICY);
}

static void
test_parse_processing_instruction_refused(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;

	(void)state;
	assert_int_equal(parse("<?xml-stylesheet href=\"x.xsl\"?><a/>", &doc,
	    &err), CS_E_POLICY);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "processing instruction"));
	assert_int_equal(parse("<a><?php x ?></a>", &doc, &err), CS_E_POLICY);
}

static char *
nested(int depth)
{
	char *s = malloc((size_t)depth * 7 + 1), *p = s;
	int i;

	assert_non_null(s);
	for (i = 0; i < depth; i++)
		p += sprintf(p, "<e>");
	for (i = 0; i < depth; i++)
		p += sprintf(p, "</e>");
	return s;
}

static void
test_parse_depth_limit(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;
	char *s;

	(void)state;
	s = nested(40);
	assert_int_equal(parse(s, &doc, &err), CS_E_POLICY);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "nesting"));
	free(s);
	s = nested(CS_XML_MAX_DEPTH);
	assert_int_equal(parse(s, &doc, &err), 0);
	xmlFreeDoc(doc);
	free(s);
}

static void
test_parse_oversize_refused_before_parsing(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;
	size_t n = CS_XML_MAX_BYTES + 1;
	char *s = malloc(n);

	(void)state;
	assert_non_null(s);
	/* Not even XML: the size check must come first. */
	memset(s, 'x', n);
	assert_int_equal(cs_xml_parse_strict(s, n, &doc, &err), CS_E_POLICY);
	assert_non_null(strstr(err.msg, "bytes"));
	assert_null(doc);
	free(s);
}

static void
test_parse_malformed_names_line(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;

	(void)state;
	assert_int_equal(parse("<a>\n<b></a>", &doc, &err), CS_E_INVALID);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "not well-formed"));
	assert_non_null(strstr(err.msg, "line 2"));
	assert_int_equal(parse("not xml at all", &doc, &err), CS_E_INVALID);
	assert_int_equal(parse("<a/>trailing", &doc, &err), CS_E_INVALID);
	assert_int_equal(parse("<a/><b/>", &doc, &err), CS_E_INVALID);
	assert_int_equal(cs_xml_parse_strict("", 0, &doc, &err), CS_E_INVALID);
}

static void
test_parse_non_utf8_encoding_refused(void **state)
{
	struct cs_err err;
	xmlDocPtr doc = NULL;

	(void)state;
	assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
	    "<a>x</a>", &doc, &err), CS_E_POLICY);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "ISO-8859-1"));
	/* Invalid UTF-8 bytes are a well-formedness error. */
	assert_int_equal(parse("<a>Nguy\xd4n</a>", &doc, &err), CS_E_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good_document_keeps_whitespace),
		cmocka_unit_test(test_parse_cdata_becomes_text),
		cmocka_unit_test(test_parse_doctype_refused),
		cmocka_unit_test(test_parse_internal_entity_refused),
		cmocka_unit_test(test_parse_undeclared_entity_is_malformed),
		cmocka_unit_test(test_parse_xxe_file_refused),
		cmocka_unit_test(test_parse_external_dtd_refused),
		cmocka_unit_test(test_parse_billion_laughs_refused_quickly),
		cmocka_unit_test(test_parse_comment_refused),
		cmocka_unit_test(test_parse_processing_instruction_refused),
		cmocka_unit_test(test_parse_depth_limit),
		cmocka_unit_test(test_parse_oversize_refused_before_parsing),
		cmocka_unit_test(test_parse_malformed_names_line),
		cmocka_unit_test(test_parse_non_utf8_encoding_refused),
	};
	int r;

	xmlInitParser();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return r;
}
