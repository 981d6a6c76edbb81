/*
 * core/xml.c — the document record as XML and back; see xml.h.
 *
 * One table per element describes the mapping once, and both directions
 * (cs_xml_from_doc and cs_xml_to_doc) walk the same table, so the XML and
 * the record cannot drift apart.  The element order is the order of the
 * JSON samples and of templates/{birth,death}.xsd.
 */
#include "core/xml.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlschemas.h>
#include <libxml/xmlsave.h>

#ifndef CS_DATADIR
#define CS_DATADIR "/usr/local/share/civseal"
#endif

enum fkind {
	FK_STR,		/* char *, required */
	FK_STR_OPT,	/* char *, element omitted when NULL */
	FK_DATE,	/* struct cs_date */
	FK_DATETIME,	/* struct cs_datetime */
	FK_GENDER,	/* enum cs_gender */
	FK_TITLE,	/* enum cs_signer_title */
	FK_GROUP,	/* a nested element described by sub */
	FK_GROUP_OPT,	/* nested, optional; int flag at present_off */
};

struct table;

struct field {
	const char *xml;
	const char *json;	/* for problem paths */
	enum fkind kind;
	size_t off;		/* from the base of the enclosing struct */
	const struct table *sub;
	size_t present_off;	/* FK_GROUP_OPT: offset of its int flag */
};

struct table {
	const struct field *f;
	size_t n;
};

#define TABLE(a) { a, sizeof(a) / sizeof(a[0]) }
#define S(st, xml, json, kind, m) { xml, json, kind, offsetof(st, m), NULL, 0 }

static const struct field registration_f[] = {
	S(struct cs_registration, "Number", "number", FK_STR, number),
	S(struct cs_registration, "Book", "book", FK_STR, book),
	S(struct cs_registration, "Date", "date", FK_DATE, date),
	S(struct cs_registration, "Place", "place", FK_STR, place),
};
static const struct field child_f[] = {
	S(struct cs_child, "FullName", "full_name", FK_STR, full_name),
	S(struct cs_child, "BirthDate", "birth_date", FK_DATE, birth_date),
	S(struct cs_child, "Gender", "gender", FK_GENDER, gender),
	S(struct cs_child, "Ethnicity", "ethnicity", FK_STR, ethnicity),
	S(struct cs_child, "Nationality", "nationality", FK_STR, nationality),
	S(struct cs_child, "BirthPlace", "birth_place", FK_STR, birth_place),
	S(struct cs_child, "Hometown", "hometown", FK_STR, hometown),
	S(struct cs_child, "PersonalId", "personal_id", FK_STR, personal_id),
};
static const struct field parent_f[] = {
	S(struct cs_parent, "FullName", "full_name", FK_STR, full_name),
	S(struct cs_parent, "BirthDate", "birth_date", FK_DATE, birth_date),
	S(struct cs_parent, "Ethnicity", "ethnicity", FK_STR_OPT, ethnicity),
	S(struct cs_parent, "Nationality", "nationality", FK_STR, nationality),
	S(struct cs_parent, "Residence", "residence", FK_STR, residence),
	S(struct cs_parent, "PersonalId", "personal_id", FK_STR_OPT, personal_id),
};
static const struct field deceased_f[] = {
	S(struct cs_deceased, "FullName", "full_name", FK_STR, full_name),
	S(struct cs_deceased, "BirthDate", "birth_date", FK_DATE, birth_date),
	S(struct cs_deceased, "Gender", "gender", FK_GENDER, gender),
	S(struct cs_deceased, "Ethnicity", "ethnicity", FK_STR, ethnicity),
	S(struct cs_deceased, "Nationality", "nationality", FK_STR, nationality),
	S(struct cs_deceased, "PersonalId", "personal_id", FK_STR, personal_id),
	S(struct cs_deceased, "LastResidence", "last_residence", FK_STR,
	    last_residence),
};
static const struct field notice_f[] = {
	S(struct cs_notice, "Number", "number", FK_STR, number),
	S(struct cs_notice, "Issuer", "issuer", FK_STR, issuer),
	S(struct cs_notice, "Date", "date", FK_DATE, date),
};
static const struct table notice_t = TABLE(notice_f);
static const struct field death_f[] = {
	S(struct cs_death, "Time", "time", FK_DATETIME, time),
	S(struct cs_death, "Place", "place", FK_STR, place),
	S(struct cs_death, "Cause", "cause", FK_STR, cause),
	{ "Notice", "notice", FK_GROUP, offsetof(struct cs_death, notice),
	    &notice_t, 0 },
};
static const struct field declarant_f[] = {
	S(struct cs_declarant, "FullName", "full_name", FK_STR, full_name),
	S(struct cs_declarant, "Relationship", "relationship", FK_STR,
	    relationship),
	S(struct cs_declarant, "PersonalId", "personal_id", FK_STR, personal_id),
};
static const struct field signatory_f[] = {
	S(struct cs_signer, "FullName", "full_name", FK_STR, full_name),
	S(struct cs_signer, "Title", "title", FK_TITLE, title),
};

static const struct table registration_t = TABLE(registration_f);
static const struct table child_t = TABLE(child_f);
static const struct table parent_t = TABLE(parent_f);
static const struct table deceased_t = TABLE(deceased_f);
static const struct table death_t = TABLE(death_f);
static const struct table declarant_t = TABLE(declarant_f);
static const struct table signatory_t = TABLE(signatory_f);

#define G(xml, json, m, t) { xml, json, FK_GROUP, offsetof(struct cs_doc, m), &t, 0 }

static const struct field birth_f[] = {
	G("Registration", "registration", registration, registration_t),
	G("Child", "child", child, child_t),
	G("Mother", "mother", mother, parent_t),
	{ "Father", "father", FK_GROUP_OPT, offsetof(struct cs_doc, father),
	    &parent_t, offsetof(struct cs_doc, father.present) },
	G("Declarant", "declarant", declarant, declarant_t),
	G("Signer", "signer", signer, signatory_t),
};
static const struct field death_doc_f[] = {
	G("Registration", "registration", registration, registration_t),
	G("Deceased", "deceased", deceased, deceased_t),
	G("Death", "death", death, death_t),
	G("Declarant", "declarant", declarant, declarant_t),
	G("Signer", "signer", signer, signatory_t),
};
static const struct table birth_t = TABLE(birth_f);
static const struct table death_doc_t = TABLE(death_doc_f);

static const char *
root_name(enum cs_doc_type t)
{
	return t == CS_DOC_BIRTH ? "BirthCertificate" : "DeathExtract";
}

/* ---- header ---------------------------------------------------------- */

/* RFC 9562 UUIDv7: 48-bit Unix milliseconds, then random bits. */
static int
uuid7(char out[CS_DOCID_MAX], struct cs_err *err)
{
	unsigned char b[16];
	struct timespec ts;
	unsigned long long ms;
	int i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return cs_err_set(err, CS_E_INTERNAL, "getrandom: %s",
		    strerror(errno));
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (unsigned long long)ts.tv_sec * 1000 +
	    (unsigned long long)ts.tv_nsec / 1000000;
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (8 * (5 - i)));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	snprintf(out, CS_DOCID_MAX,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

int
cs_xml_header_init(struct cs_xml_header *hdr, const char *office,
    const char *office_name, struct cs_err *err)
{
	struct tm tm;
	int r;

	memset(hdr, 0, sizeof(*hdr));
	if (strlen(office) >= sizeof(hdr->office) ||
	    strlen(office_name) >= sizeof(hdr->office_name))
		return cs_err_set(err, CS_E_CONFIG,
		    "office code or name of %s is too long", office);
	if ((r = uuid7(hdr->id, err)) != 0)
		return r;
	snprintf(hdr->office, sizeof(hdr->office), "%s", office);
	snprintf(hdr->office_name, sizeof(hdr->office_name), "%s", office_name);
	hdr->signed_at_t = time(NULL);
	gmtime_r(&hdr->signed_at_t, &tm);
	strftime(hdr->signed_at, sizeof(hdr->signed_at), "%Y-%m-%dT%H:%M:%SZ",
	    &tm);
	return 0;
}

/* ---- record -> XML --------------------------------------------------- */

struct builder {
	xmlDocPtr doc;
	xmlNsPtr ns;
	int failed;
};

static void
indent(struct builder *b, xmlNodePtr parent, int depth)
{
	char ws[2 + 2 * 16];
	int i;

	if (depth > 16)
		depth = 16;
	ws[0] = '\n';
	for (i = 0; i < depth; i++) {
		ws[1 + 2 * i] = ' ';
		ws[2 + 2 * i] = ' ';
	}
	ws[1 + 2 * depth] = '\0';
	if (xmlAddChild(parent, xmlNewDocText(b->doc, BAD_CAST ws)) == NULL)
		b->failed = 1;
}

static void
add_text(struct builder *b, xmlNodePtr parent, int depth, const char *name,
    const char *value)
{
	indent(b, parent, depth);
	if (xmlNewTextChild(parent, b->ns, BAD_CAST name, BAD_CAST value) ==
	    NULL)
		b->failed = 1;
}

static void build_table(struct builder *b, xmlNodePtr parent, int depth,
    const struct table *t, const void *base);

static void
build_field(struct builder *b, xmlNodePtr parent, int depth,
    const struct field *f, const void *base)
{
	const char *p = (const char *)base + f->off;
	char buf[CS_DATETIME_STR_MAX];
	xmlNodePtr child;

	switch (f->kind) {
	case FK_STR:
	case FK_STR_OPT:
		if (*(char *const *)p != NULL)
			add_text(b, parent, depth, f->xml, *(char *const *)p);
		else if (f->kind == FK_STR)
			b->failed = 1;
		break;
	case FK_DATE:
		cs_date_format((const struct cs_date *)p, buf, sizeof(buf));
		add_text(b, parent, depth, f->xml, buf);
		break;
	case FK_DATETIME:
		cs_datetime_format((const struct cs_datetime *)p, buf,
		    sizeof(buf));
		add_text(b, parent, depth, f->xml, buf);
		break;
	case FK_GENDER:
		add_text(b, parent, depth, f->xml,
		    cs_gender_name(*(const enum cs_gender *)p));
		break;
	case FK_TITLE:
		add_text(b, parent, depth, f->xml,
		    cs_signer_title_name(*(const enum cs_signer_title *)p));
		break;
	case FK_GROUP_OPT:
		if (!*(const int *)((const char *)base + f->present_off))
			break;
		/* FALLTHROUGH */
	case FK_GROUP:
		indent(b, parent, depth);
		if ((child = xmlNewChild(parent, b->ns, BAD_CAST f->xml,
		    NULL)) == NULL) {
			b->failed = 1;
			break;
		}
		build_table(b, child, depth + 1, f->sub, p);
		indent(b, child, depth);
		break;
	}
}

static void
build_table(struct builder *b, xmlNodePtr parent, int depth,
    const struct table *t, const void *base)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		build_field(b, parent, depth, &t->f[i], base);
}

int
cs_xml_from_doc(const struct cs_doc *doc, const struct cs_xml_header *hdr,
    xmlDocPtr *out, struct cs_err *err)
{
	struct builder b = { NULL, NULL, 0 };
	xmlNodePtr root, h;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if (doc->type != CS_DOC_BIRTH && doc->type != CS_DOC_DEATH)
		return cs_err_set(err, CS_E_INVALID, "unknown document type");
	if ((b.doc = xmlNewDoc(BAD_CAST "1.0")) == NULL ||
	    (root = xmlNewDocNode(b.doc, NULL, BAD_CAST root_name(doc->type),
	    NULL)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory building XML");
		goto out;
	}
	xmlDocSetRootElement(b.doc, root);
	if ((b.ns = xmlNewNs(root, BAD_CAST CS_XML_NS, NULL)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory building XML");
		goto out;
	}
	xmlSetNs(root, b.ns);
	if (xmlNewProp(root, BAD_CAST "version", BAD_CAST "1") == NULL)
		b.failed = 1;

	indent(&b, root, 1);
	if ((h = xmlNewChild(root, b.ns, BAD_CAST "Header", NULL)) == NULL)
		b.failed = 1;
	else {
		add_text(&b, h, 2, "DocumentId", hdr->id);
		add_text(&b, h, 2, "Office", hdr->office);
		add_text(&b, h, 2, "OfficeName", hdr->office_name);
		add_text(&b, h, 2, "SignedAt", hdr->signed_at);
		add_text(&b, h, 2, "Seal", hdr->seal);
		indent(&b, h, 1);
	}
	build_table(&b, root, 1,
	    doc->type == CS_DOC_BIRTH ? &birth_t : &death_doc_t, doc);
	indent(&b, root, 0);
	if (b.failed) {
		r = cs_err_set(err, CS_E_INVALID,
		    "record incomplete or out of memory building XML");
		goto out;
	}
	*out = b.doc;
	b.doc = NULL;		/* transferred to caller */
	r = 0;
out:
	xmlFreeDoc(b.doc);
	return r;
}

/* ---- XML -> record --------------------------------------------------- */

static int
is_ours(xmlNodePtr n)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST CS_XML_NS);
}

/* Next element child from n on; non-whitespace text between elements is an error. */
static xmlNodePtr
next_element(xmlNodePtr n, int *stray)
{
	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE)
			return n;
		if (n->type == XML_TEXT_NODE && !xmlIsBlankNode(n))
			*stray = 1;
	}
	return NULL;
}

/* The text of a leaf element; NULL (a problem) when it has element children. */
static char *
leaf_text(xmlNodePtr n)
{
	xmlNodePtr c;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			return NULL;
	return (char *)xmlNodeGetContent(n);
}

static void
join_path(char *dst, size_t len, const char *base, const char *name)
{
	snprintf(dst, len, "%s/%s", base, name);
}

static int read_table(xmlNodePtr parent, xmlNodePtr first,
    const struct table *t, void *base, const char *path,
    struct cs_problems *probs);

static int
read_leaf(xmlNodePtr n, const struct field *f, void *base, const char *path,
    struct cs_problems *probs)
{
	char *p = (char *)base + f->off;
	struct cs_err e;
	char *v;
	int r = 0;

	if ((v = leaf_text(n)) == NULL) {
		cs_problems_add(probs, path, "element must hold text only");
		return 0;
	}
	switch (f->kind) {
	case FK_STR:
	case FK_STR_OPT:
		if ((*(char **)p = strdup(v)) == NULL)
			r = CS_E_NOMEM;
		break;
	case FK_DATE:
		if (cs_date_parse(v, (struct cs_date *)p, &e) != 0)
			cs_problems_add(probs, path, "%s", e.msg);
		break;
	case FK_DATETIME:
		if (cs_datetime_parse(v, (struct cs_datetime *)p, &e) != 0)
			cs_problems_add(probs, path, "%s", e.msg);
		break;
	case FK_GENDER:
		if (strcmp(v, "male") == 0)
			*(enum cs_gender *)p = CS_GENDER_MALE;
		else if (strcmp(v, "female") == 0)
			*(enum cs_gender *)p = CS_GENDER_FEMALE;
		else
			cs_problems_add(probs, path, "must be male or female");
		break;
	case FK_TITLE:
		if (strcmp(v, cs_signer_title_name(CS_TITLE_CHAIRMAN)) == 0)
			*(enum cs_signer_title *)p = CS_TITLE_CHAIRMAN;
		else if (strcmp(v,
		    cs_signer_title_name(CS_TITLE_VICE_CHAIRMAN)) == 0)
			*(enum cs_signer_title *)p = CS_TITLE_VICE_CHAIRMAN;
		else
			cs_problems_add(probs, path, "unknown signer title");
		break;
	default:
		break;
	}
	xmlFree(v);
	return r;
}

/* Read the element children of parent, from first on, as table t says. */
static int
read_table(xmlNodePtr parent, xmlNodePtr first, const struct table *t,
    void *base, const char *path, struct cs_problems *probs)
{
	char sub[CS_PROBLEM_PATH_MAX];
	xmlNodePtr n;
	size_t i;
	int stray = 0, r;

	n = next_element(first, &stray);
	for (i = 0; i < t->n; i++) {
		const struct field *f = &t->f[i];
		int optional = f->kind == FK_STR_OPT || f->kind == FK_GROUP_OPT;

		join_path(sub, sizeof(sub), path, f->xml);
		if (n == NULL || !is_ours(n) ||
		    !xmlStrEqual(n->name, BAD_CAST f->xml)) {
			if (!optional)
				cs_problems_add(probs, sub, "element missing");
			continue;
		}
		if (f->kind == FK_GROUP || f->kind == FK_GROUP_OPT) {
			if (f->kind == FK_GROUP_OPT)
				*(int *)((char *)base + f->present_off) = 1;
			r = read_table(n, n->children, f->sub,
			    (char *)base + f->off, sub, probs);
		} else
			r = read_leaf(n, f, base, sub, probs);
		if (r != 0)
			return r;
		n = next_element(n->next, &stray);
	}
	/* The signature is checked by the verifier, not read as data. */
	for (; n != NULL; n = next_element(n->next, &stray)) {
		if (n->ns != NULL &&
		    xmlStrEqual(n->ns->href, BAD_CAST CS_XML_DSIG_NS) &&
		    xmlStrEqual(n->name, BAD_CAST "Signature") &&
		    parent == xmlDocGetRootElement(parent->doc))
			continue;
		join_path(sub, sizeof(sub), path, (const char *)n->name);
		cs_problems_add(probs, sub, "unexpected element");
	}
	if (stray)
		cs_problems_add(probs, path, "text outside elements");
	return 0;
}

static int
read_header(xmlNodePtr h, struct cs_xml_header *hdr, struct cs_problems *probs)
{
	static const struct {
		const char *name;
		size_t off, len;
	} hf[] = {
		{ "DocumentId", offsetof(struct cs_xml_header, id), CS_DOCID_MAX },
		{ "Office", offsetof(struct cs_xml_header, office), CS_OFFICE_MAX },
		{ "OfficeName", offsetof(struct cs_xml_header, office_name),
		    CS_OFFICE_NAME_MAX },
		{ "SignedAt", offsetof(struct cs_xml_header, signed_at),
		    CS_TIMESTAMP_MAX },
	};
	char path[CS_PROBLEM_PATH_MAX];
	xmlNodePtr n;
	struct tm tm;
	size_t i;
	char *v;
	int stray = 0, end = 0;

	n = next_element(h->children, &stray);
	for (i = 0; i < sizeof(hf) / sizeof(hf[0]); i++) {
		join_path(path, sizeof(path), "/Header", hf[i].name);
		if (n == NULL || !is_ours(n) ||
		    !xmlStrEqual(n->name, BAD_CAST hf[i].name)) {
			cs_problems_add(probs, path, "element missing");
			continue;
		}
		if ((v = leaf_text(n)) == NULL || strlen(v) >= hf[i].len)
			cs_problems_add(probs, path, "malformed or too long");
		else
			snprintf((char *)hdr + hf[i].off, hf[i].len, "%s", v);
		xmlFree(v);
		n = next_element(n->next, &stray);
	}
	/* The QR seal is optional: documents signed elsewhere may have none. */
	if (n != NULL && is_ours(n) && xmlStrEqual(n->name, BAD_CAST "Seal")) {
		if ((v = leaf_text(n)) == NULL || strlen(v) >= sizeof(hdr->seal))
			cs_problems_add(probs, "/Header/Seal",
			    "malformed or too long");
		else
			snprintf(hdr->seal, sizeof(hdr->seal), "%s", v);
		xmlFree(v);
		n = next_element(n->next, &stray);
	}
	if (n != NULL)
		cs_problems_add(probs, "/Header", "unexpected element %s", n->name);
	memset(&tm, 0, sizeof(tm));
	if (sscanf(hdr->signed_at, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &end) != 6 || end != 20 || strlen(hdr->signed_at) != 20)
		cs_problems_add(probs, "/Header/SignedAt",
		    "must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
	else {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		hdr->signed_at_t = timegm(&tm);
	}
	return 0;
}

xmlNodePtr
cs_xml_seal_node(xmlDocPtr xml)
{
	xmlNodePtr root, n;
	int stray = 0;

	if ((root = xmlDocGetRootElement(xml)) == NULL ||
	    (n = next_element(root->children, &stray)) == NULL ||
	    !is_ours(n) || !xmlStrEqual(n->name, BAD_CAST "Header"))
		return NULL;
	for (n = next_element(n->children, &stray); n != NULL;
	    n = next_element(n->next, &stray))
		if (is_ours(n) && xmlStrEqual(n->name, BAD_CAST "Seal"))
			return n;
	return NULL;
}

int
cs_xml_set_seal(xmlDocPtr xml, const char *digits, struct cs_err *err)
{
	xmlNodePtr n = cs_xml_seal_node(xml);
	xmlChar *esc;

	if (n == NULL)
		return cs_err_set(err, CS_E_INVALID, "document has no Header/Seal");
	if ((esc = xmlEncodeSpecialChars(xml, BAD_CAST digits)) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	xmlNodeSetContent(n, esc);
	xmlFree(esc);
	return 0;
}

int
cs_xml_to_doc(xmlDocPtr xml, struct cs_doc **out, struct cs_xml_header *hdr,
    struct cs_problems *probs, struct cs_err *err)
{
	struct cs_doc *doc = NULL;
	xmlNodePtr root, h;
	size_t before = probs->n + probs->dropped;
	int stray = 0, r = CS_E_INTERNAL;

	*out = NULL;
	memset(hdr, 0, sizeof(*hdr));
	if ((doc = cs_doc_new()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	root = xmlDocGetRootElement(xml);
	if (root == NULL || !is_ours(root)) {
		r = cs_err_set(err, CS_E_INVALID,
		    "root element is not in namespace %s", CS_XML_NS);
		goto out;
	}
	if (xmlStrEqual(root->name, BAD_CAST "BirthCertificate"))
		doc->type = CS_DOC_BIRTH;
	else if (xmlStrEqual(root->name, BAD_CAST "DeathExtract"))
		doc->type = CS_DOC_DEATH;
	else {
		r = cs_err_set(err, CS_E_INVALID, "unknown root element %s",
		    root->name);
		goto out;
	}
	h = next_element(root->children, &stray);
	if (h == NULL || !is_ours(h) || !xmlStrEqual(h->name, BAD_CAST "Header")) {
		r = cs_err_set(err, CS_E_INVALID, "first element must be Header");
		goto out;
	}
	read_header(h, hdr, probs);
	if ((doc->office = strdup(hdr->office)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = read_table(root, h->next, doc->type == CS_DOC_BIRTH ?
	    &birth_t : &death_doc_t, doc, "", probs)) != 0) {
		r = cs_err_set(err, r, "out of memory reading XML");
		goto out;
	}
	if (probs->n + probs->dropped != before) {
		r = cs_err_set(err, CS_E_INVALID,
		    "document structure: %s: %s", probs->item[before].path,
		    probs->item[before].msg);
		goto out;
	}
	*out = doc;
	doc = NULL;		/* transferred to caller */
	r = 0;
out:
	cs_doc_free(doc);
	return r;
}

/* ---- serialisation, schemas ------------------------------------------ */

int
cs_xml_serialize(xmlDocPtr xml, char **out, size_t *len, struct cs_err *err)
{
	xmlChar *mem = NULL;
	int n = 0;

	*out = NULL;
	*len = 0;
	/* No formatting: a signed tree must be written byte for byte. */
	xmlDocDumpFormatMemoryEnc(xml, &mem, &n, "UTF-8", 0);
	if (mem == NULL || n <= 0)
		return cs_err_set(err, CS_E_NOMEM, "cannot serialise XML");
	*out = (char *)mem;	/* xmlFree == free with the default allocator */
	*len = (size_t)n;
	return 0;
}

static char templates_dir[PATH_MAX];
static pthread_once_t templates_once = PTHREAD_ONCE_INIT;

static int
dir_has(const char *dir, const char *file)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return access(p, R_OK) == 0;
}

static void
find_templates(void)
{
	const char *env = getenv("CIVSEAL_TEMPLATES");
	char exe[PATH_MAX], cand[PATH_MAX + 32], *slash;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		snprintf(templates_dir, sizeof(templates_dir), "%s", env);
		return;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		/* build/bin/<prog> or build/tests/<prog> in the source tree */
		snprintf(cand, sizeof(cand), "%s/../../templates", exe);
		if (dir_has(cand, "birth.xsd") && realpath(cand, templates_dir))
			return;
		/* <prefix>/bin/<prog>: make install PREFIX=… DESTDIR=… */
		snprintf(cand, sizeof(cand), "%s/../share/civseal/templates", exe);
		if (dir_has(cand, "birth.xsd") && realpath(cand, templates_dir))
			return;
	}
	snprintf(templates_dir, sizeof(templates_dir), "%s/templates", CS_DATADIR);
}

const char *
cs_templates_dir(void)
{
	pthread_once(&templates_once, find_templates);
	return templates_dir;
}

static xmlSchemaPtr schemas[3];		/* by enum cs_doc_type */
static char schema_error[PATH_MAX + 128];
static pthread_once_t schemas_once = PTHREAD_ONCE_INIT;

static xmlSchemaPtr
load_schema(const char *file)
{
	char path[PATH_MAX + 64];
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr s;

	snprintf(path, sizeof(path), "%s/%s", cs_templates_dir(), file);
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL)
		return NULL;
	xmlSchemaSetParserErrors(pc, NULL, NULL, NULL);
	s = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (s == NULL)
		snprintf(schema_error, sizeof(schema_error),
		    "cannot load schema %s", path);
	return s;
}

static void
load_schemas(void)
{
	schemas[CS_DOC_BIRTH] = load_schema("birth.xsd");
	schemas[CS_DOC_DEATH] = load_schema("death.xsd");
}

struct verr {
	char msg[CS_ERR_MSG_MAX];
	int n;
};

static void
collect_error(void *ctx, xmlErrorPtr e)
{
	struct verr *v = ctx;

	if (v->n++ == 0 && e != NULL && e->message != NULL) {
		snprintf(v->msg, sizeof(v->msg), "line %d: %s", e->line,
		    e->message);
		v->msg[strcspn(v->msg, "\n")] = '\0';
	}
}

int
cs_xml_schema_validate(xmlDocPtr xml, struct cs_err *err)
{
	xmlNodePtr root = xmlDocGetRootElement(xml);
	xmlSchemaValidCtxtPtr vc = NULL;
	struct verr v = { "", 0 };
	xmlSchemaPtr s;
	int t, r;

	pthread_once(&schemas_once, load_schemas);
	if (root == NULL || !is_ours(root))
		return cs_err_set(err, CS_E_INVALID,
		    "root element is not in namespace %s", CS_XML_NS);
	t = xmlStrEqual(root->name, BAD_CAST "BirthCertificate") ? CS_DOC_BIRTH :
	    xmlStrEqual(root->name, BAD_CAST "DeathExtract") ? CS_DOC_DEATH : 0;
	if (t == 0)
		return cs_err_set(err, CS_E_INVALID, "unknown root element %s",
		    root->name);
	if ((s = schemas[t]) == NULL)
		return cs_err_set(err, CS_E_CONFIG, "%s (set CIVSEAL_TEMPLATES)",
		    schema_error);
	/* A validation context per call: the parsed schema is shared read-only. */
	if ((vc = xmlSchemaNewValidCtxt(s)) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	xmlSchemaSetValidStructuredErrors(vc, collect_error, &v);
	r = xmlSchemaValidateDoc(vc, xml);
	xmlSchemaFreeValidCtxt(vc);
	if (r != 0)
		return cs_err_set(err, CS_E_INVALID,
		    "document does not match %s.xsd: %s",
		    t == CS_DOC_BIRTH ? "birth" : "death",
		    v.msg[0] ? v.msg : "schema validation failed");
	return 0;
}
