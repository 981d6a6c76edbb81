/*
 * core/xml.h — the document record as XML (templates/birth.xsd, death.xsd).
 *
 * Namespace CS_XML_NS; root <BirthCertificate> or <DeathExtract>; a <Header>
 * with the document id, office, office name and signing time comes first, then
 * the registration data in the same structure as the JSON input, element names
 * in UpperCamelCase of the JSON keys (full_name -> FullName).  The enveloped
 * <ds:Signature> is the last child of the root.
 */
#ifndef CS_XML_H
#define CS_XML_H

#include <stddef.h>
#include <time.h>

#include <libxml/tree.h>

#include "core/doc.h"
#include "core/err.h"

#define CS_XML_NS "urn:civseal:extract:1"
#define CS_XML_DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define CS_DOCID_MAX 37		/* UUID text + NUL */
#define CS_OFFICE_MAX 64
#define CS_OFFICE_NAME_MAX 512
#define CS_TIMESTAMP_MAX 32	/* "YYYY-MM-DDTHH:MM:SSZ" */
#define CS_XML_SEAL_MAX 2176	/* >= CS_SEAL_TEXT_MAX (core/seal.h) */

/* What the issuer adds to a record: identity and signing time. */
struct cs_xml_header {
	char id[CS_DOCID_MAX];		/* UUID (RFC 9562 v7), lower-case */
	char office[CS_OFFICE_MAX];
	char office_name[CS_OFFICE_NAME_MAX];
	char signed_at[CS_TIMESTAMP_MAX];	/* UTC, "…Z" */
	time_t signed_at_t;
	char seal[CS_XML_SEAL_MAX];	/* Header/Seal digits; "" when absent */
};

/* A new header: fresh UUIDv7 id, signing time now (UTC). */
int cs_xml_header_init(struct cs_xml_header *hdr, const char *office,
    const char *office_name, struct cs_err *err);

/*
 * Build the XML tree of a record; *out owned by the caller (xmlFreeDoc).
 * Header/Seal is written (empty when hdr->seal is ""): cs_xml_set_seal fills it.
 */
int cs_xml_from_doc(const struct cs_doc *doc, const struct cs_xml_header *hdr,
    xmlDocPtr *out, struct cs_err *err);

/* Set the text of Header/Seal (digits); CS_E_INVALID when the tree has none. */
int cs_xml_set_seal(xmlDocPtr xml, const char *digits, struct cs_err *err);

/* The Header/Seal element of a tree, or NULL. */
xmlNodePtr cs_xml_seal_node(xmlDocPtr xml);

/*
 * Read a record back from a (signed) document tree.  The ds:Signature child
 * is ignored.  Unknown or missing elements are problems (element path).
 */
int cs_xml_to_doc(xmlDocPtr xml, struct cs_doc **out, struct cs_xml_header *hdr,
    struct cs_problems *probs, struct cs_err *err);

/*
 * Hardened parse of untrusted XML: bounded size, no network, no DTD, no
 * entity substitution; a DOCTYPE, comments, processing instructions, or
 * excessive depth are refused with CS_E_POLICY; malformed XML is CS_E_INVALID.
 */
#define CS_XML_MAX_BYTES (1024 * 1024)
#define CS_XML_MAX_DEPTH 32
int cs_xml_parse_strict(const char *buf, size_t len, xmlDocPtr *out,
    struct cs_err *err);

/* Validate against templates/<type>.xsd (loaded once); CS_E_INVALID with reason. */
int cs_xml_schema_validate(xmlDocPtr xml, struct cs_err *err);

/* Serialize exactly (no reformatting) as UTF-8; *out is malloc'd, NUL-terminated. */
int cs_xml_serialize(xmlDocPtr xml, char **out, size_t *len, struct cs_err *err);

/* The templates directory: $CIVSEAL_TEMPLATES, the source tree, or the installed copy. */
const char *cs_templates_dir(void);

#endif
