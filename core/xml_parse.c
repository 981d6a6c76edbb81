/*
 * core/xml_parse.c — hardened parse of untrusted XML (cs_xml_parse_strict,
 * declared in core/xml.h).
 *
 * What a signed civil-status document may contain is small: elements,
 * attributes, text.  Everything else that XML allows is an attack surface for
 * a verifier, so it is refused rather than tolerated:
 *   - a DOCTYPE: entity expansion (billion laughs), external entities (XXE,
 *     file:///etc/passwd), attribute defaults that change what is signed;
 *   - comments: exclusive C14N without comments drops them, so
 *     "<Name>Alice<!---->Bob</Name>" signs as "AliceBob" while a naive reader
 *     sees "Alice" (the comment-truncation attack);
 *   - processing instructions: invisible to readers, meaningful to some tools;
 *   - deep nesting and oversized input: resource exhaustion.
 *
 * The parse never touches libxml2 global state (no xmlSubstituteEntitiesDefault,
 * no xmlLoadExtDtdDefaultValue): everything is per parser context, so the
 * function is safe to call from several threads at once.
 */
#include "core/xml.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

/*
 * Per-parse options.  Deliberately absent: XML_PARSE_NOENT (substitutes
 * entities), XML_PARSE_DTDLOAD / DTDATTR / DTDVALID (fetch and apply a DTD),
 * XML_PARSE_HUGE (lifts libxml2's own size and depth limits), XML_PARSE_NOBLANKS
 * (whitespace is part of what was signed), XML_PARSE_XINCLUDE.
 * XML_PARSE_NOCDATA is set: a CDATA section canonicalises (C14N 1.0 §2.3) to
 * the same bytes as the equivalent escaped text, so merging it into text
 * changes nothing that is signed, and readers of the tree see text nodes only.
 */
#define STRICT_PARSE_OPTIONS \
	(XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | \
	    XML_PARSE_NOWARNING)

/* What the SAX hooks saw; reached through ctxt->_private. */
struct strict_state {
	const char *refused;	/* first refused construct, a static string */
	int err_line;
	char err_msg[256];	/* first well-formedness error from libxml2 */
};

static void
strict_refuse(xmlParserCtxtPtr ctxt, const char *what)
{
	struct strict_state *st = ctxt->_private;

	if (st->refused == NULL)
		st->refused = what;
	/*
	 * Stop at once: for a DOCTYPE this happens before the internal subset
	 * is read, so no entity is ever declared, let alone expanded.
	 */
	xmlStopParser(ctxt);
}

static void
sax_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
    const xmlChar *sys_id)
{
	(void)name;
	(void)ext_id;
	(void)sys_id;
	strict_refuse(ctx, "a DOCTYPE (refused: entity expansion and external "
	    "entities)");
}

static void
sax_entity_decl(void *ctx, const xmlChar *name, int type,
    const xmlChar *public_id, const xmlChar *system_id, xmlChar *content)
{
	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	strict_refuse(ctx, "an entity declaration (refused: entity expansion)");
}

static void
sax_comment(void *ctx, const xmlChar *value)
{
	(void)value;
	strict_refuse(ctx, "a comment (refused: comment-truncation attack)");
}

static void
sax_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	(void)target;
	(void)data;
	strict_refuse(ctx, "a processing instruction (refused: not signed "
	    "content a reader can see)");
}

static xmlEntityPtr
sax_get_entity(void *ctx, const xmlChar *name)
{
	/* Only the five predefined entities exist; they never reach here. */
	(void)name;
	strict_refuse(ctx, "an entity reference (refused: entity expansion)");
	return NULL;
}

/* Keep the first libxml2 error; nothing is printed to stderr. */
static void
sax_structured_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct strict_state *st;
	size_t n;

	if (ctxt == NULL || e == NULL || (st = ctxt->_private) == NULL)
		return;
	if (e->level < XML_ERR_ERROR || st->err_msg[0] != '\0')
		return;
	if (e->code == XML_ERR_USER_STOP)
		return;
	snprintf(st->err_msg, sizeof(st->err_msg), "%s",
	    e->message != NULL ? e->message : "unknown error");
	n = strlen(st->err_msg);
	while (n > 0 && (st->err_msg[n - 1] == '\n' || st->err_msg[n - 1] == ' '))
		st->err_msg[--n] = '\0';
	st->err_line = e->line;
}

/* The name of a node type the policy refuses, or NULL when it is allowed. */
static const char *
refused_node(xmlElementType t)
{
	switch (t) {
	case XML_ELEMENT_NODE:
	case XML_ATTRIBUTE_NODE:
	case XML_TEXT_NODE:
		return NULL;
	case XML_CDATA_SECTION_NODE:
		return NULL;	/* not produced with NOCDATA; harmless anyway */
	case XML_COMMENT_NODE:
		return "a comment (refused: comment-truncation attack)";
	case XML_PI_NODE:
		return "a processing instruction (refused: not signed content "
		    "a reader can see)";
	case XML_ENTITY_REF_NODE:
		return "an entity reference (refused: entity expansion)";
	case XML_ENTITY_NODE:
	case XML_ENTITY_DECL:
		return "an entity declaration (refused: entity expansion)";
	case XML_DTD_NODE:
	case XML_DOCUMENT_TYPE_NODE:
	case XML_ELEMENT_DECL:
	case XML_ATTRIBUTE_DECL:
	case XML_NOTATION_NODE:
		return "a DOCTYPE (refused: entity expansion and external "
		    "entities)";
	case XML_XINCLUDE_START:
	case XML_XINCLUDE_END:
		return "an XInclude node (refused)";
	default:
		return "an unexpected node type (refused)";
	}
}

/*
 * Walk the whole tree without recursion (depth-first, parent pointers) and
 * check every node and every attribute's children.  Defence in depth: the SAX
 * hooks already stop at these constructs.
 */
static int
check_tree(xmlDocPtr doc, struct cs_err *err)
{
	xmlNodePtr n, root;
	xmlAttrPtr a;
	xmlNodePtr c;
	const char *why;
	int depth;

	if (doc->intSubset != NULL || doc->extSubset != NULL)
		return cs_err_set(err, CS_E_POLICY, "document contains a DOCTYPE "
		    "(refused: entity expansion and external entities)");
	for (n = doc->children; n != NULL; n = n->next) {
		if ((why = refused_node(n->type)) != NULL)
			return cs_err_set(err, CS_E_POLICY,
			    "document contains %s", why);
	}
	if ((root = xmlDocGetRootElement(doc)) == NULL)
		return cs_err_set(err, CS_E_INVALID, "document has no root element");

	n = root;
	depth = 1;
	while (n != NULL) {
		if ((why = refused_node(n->type)) != NULL)
			return cs_err_set(err, CS_E_POLICY,
			    "document contains %s at line %ld", why,
			    xmlGetLineNo(n));
		if (n->type == XML_ELEMENT_NODE) {
			if (depth > CS_XML_MAX_DEPTH)
				return cs_err_set(err, CS_E_POLICY,
				    "document nesting exceeds %d levels at "
				    "element <%s> line %ld", CS_XML_MAX_DEPTH,
				    (const char *)n->name, xmlGetLineNo(n));
			for (a = n->properties; a != NULL; a = a->next) {
				for (c = a->children; c != NULL; c = c->next) {
					if (c->type == XML_TEXT_NODE)
						continue;
					why = refused_node(c->type);
					return cs_err_set(err, CS_E_POLICY,
					    "document contains %s in attribute "
					    "%s", why != NULL ? why :
					    "an unexpected node", a->name);
				}
			}
		}
		/* Next node in document order. */
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			depth++;
			continue;
		}
		while (n != NULL && n != root && n->next == NULL) {
			n = n->parent;
			depth--;
		}
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
	return 0;
}

int
cs_xml_parse_strict(const char *buf, size_t len, xmlDocPtr *out,
    struct cs_err *err)
{
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	struct strict_state st;
	int r = CS_E_INTERNAL;

	*out = NULL;
	memset(&st, 0, sizeof(st));
	if (buf == NULL)
		return cs_err_set(err, CS_E_USAGE, "no document");
	/* Bound the work before any of it is done. */
	if (len > CS_XML_MAX_BYTES)
		return cs_err_set(err, CS_E_POLICY, "document is %zu bytes, more "
		    "than the limit of %d", len, CS_XML_MAX_BYTES);
	if (len == 0)
		return cs_err_set(err, CS_E_INVALID, "document is empty");

	/*
	 * A memory context parsed with xmlParseDocument rather than
	 * xmlCtxtReadMemory, which resets the context (and its _private).
	 */
	if ((ctxt = xmlCreateMemoryParserCtxt(buf, (int)len)) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "cannot create XML parser");
	/*
	 * ctxt->sax is this context's own copy of the handler table, so the
	 * hooks below affect this parse only.
	 */
	ctxt->_private = &st;
	ctxt->sax->internalSubset = sax_internal_subset;
	ctxt->sax->externalSubset = sax_internal_subset;
	ctxt->sax->entityDecl = sax_entity_decl;
	ctxt->sax->getEntity = sax_get_entity;
	ctxt->sax->getParameterEntity = sax_get_entity;
	ctxt->sax->comment = sax_comment;
	ctxt->sax->processingInstruction = sax_pi;
	ctxt->sax->serror = sax_structured_error;

	xmlCtxtUseOptions(ctxt, STRICT_PARSE_OPTIONS);
	(void)xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;

	if (st.refused != NULL) {
		r = cs_err_set(err, CS_E_POLICY, "document contains %s",
		    st.refused);
		goto out;
	}
	if (doc == NULL || !ctxt->wellFormed) {
		if (st.err_msg[0] == '\0') {
			xmlErrorPtr e = xmlCtxtGetLastError(ctxt);

			if (e != NULL && e->message != NULL) {
				snprintf(st.err_msg, sizeof(st.err_msg), "%s",
				    e->message);
				st.err_msg[strcspn(st.err_msg, "\n")] = '\0';
				st.err_line = e->line;
			} else {
				snprintf(st.err_msg, sizeof(st.err_msg),
				    "parser failed");
			}
		}
		r = cs_err_set(err, CS_E_INVALID, "not well-formed XML: %s "
		    "(line %d)", st.err_msg, st.err_line);
		goto out;
	}
	/* The document is defined as UTF-8; a declared other encoding is refused. */
	if (doc->encoding != NULL &&
	    strcasecmp((const char *)doc->encoding, "UTF-8") != 0) {
		r = cs_err_set(err, CS_E_POLICY, "document declares encoding %s "
		    "(only UTF-8 is accepted)", (const char *)doc->encoding);
		goto out;
	}
	if ((r = check_tree(doc, err)) != 0)
		goto out;

	*out = doc;
	doc = NULL;		/* transferred to caller */
	r = 0;
out:
	xmlFreeDoc(doc);
	if (ctxt != NULL)
		ctxt->_private = NULL;
	xmlFreeParserCtxt(ctxt);
	return r;
}
