/*
 * verifier/policy.c — what an acceptable signature looks like, as data.
 *
 * XML-DSig is a very general format: references to arbitrary URIs, XPath,
 * XSLT and XPointer transforms, Manifests, RetrievalMethod, keys carried
 * inline...  Each of those generalities has been the root of a published
 * attack (signature wrapping, XSLT code execution, SSRF through
 * RetrievalMethod, key substitution via KeyValue).  A civseal document needs
 * exactly one shape, so the verifier accepts that shape and nothing else,
 * before xmlsec sees the signature.  Everything refused is named in a reason.
 */
#include "verifier/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "core/xml.h"

#define DS CS_XML_DSIG_NS

#define ALG_EXC_C14N	"http://www.w3.org/2001/10/xml-exc-c14n#"
#define ALG_ENVELOPED	"http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define ALG_SHA256	"http://www.w3.org/2001/04/xmlenc#sha256"
#define ALG_ECDSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define ALG_RSA_SHA256	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"

/* ---- the allow-list ------------------------------------------------- */

/* SignedInfo/CanonicalizationMethod: exclusive C14N without comments only. */
static const char *const c14n_allowed[] = { ALG_EXC_C14N };

/* Reference/DigestMethod. */
static const char *const digest_allowed[] = { ALG_SHA256 };

/* SignatureMethod, with the key type each one needs. */
static const struct {
	const char *uri;
	int pkey_type;		/* EVP_PKEY_EC / EVP_PKEY_RSA */
} sigalg_allowed[] = {
	{ ALG_ECDSA_SHA256, EVP_PKEY_EC },
	{ ALG_RSA_SHA256, EVP_PKEY_RSA },
};

/*
 * Reference/Transforms, as whole sequences: the enveloped-signature transform
 * (XML-DSig §6.6.4) first, optionally followed by exclusive C14N.  Without an
 * explicit C14N the node-set is canonicalised with inclusive C14N by the
 * implicit conversion (XML-DSig §4.3.3.2), which is also sound.
 */
#define TRANSFORMS_MAX 2
static const char *const transforms_allowed[][TRANSFORMS_MAX] = {
	{ ALG_ENVELOPED, ALG_EXC_C14N },
	{ ALG_ENVELOPED, NULL },
};

/* Signer keys: curves and minimum RSA size. */
static const int ec_curves_allowed[] = { NID_X9_62_prime256v1, NID_secp384r1 };
#define RSA_BITS_MIN 2048

/* ---- names for what is refused -------------------------------------- */

/* Well-known algorithms off the list, so reasons say "sha1", not a URI only. */
static const struct {
	const char *uri, *name;
} known_algs[] = {
	{ "http://www.w3.org/2000/09/xmldsig#sha1", "sha1" },
	{ "http://www.w3.org/2001/04/xmldsig-more#md5", "md5" },
	{ "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "rsa-sha1" },
	{ "http://www.w3.org/2001/04/xmldsig-more#rsa-md5", "rsa-md5" },
	{ "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", "ecdsa-sha1" },
	{ "http://www.w3.org/2000/09/xmldsig#dsa-sha1", "dsa-sha1" },
	{ "http://www.w3.org/2000/09/xmldsig#hmac-sha1", "hmac-sha1" },
	{ "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", "hmac-sha256" },
	{ "http://www.w3.org/2001/04/xmldsig-more#hmac-md5", "hmac-md5" },
	{ "http://www.w3.org/TR/1999/REC-xslt-19991116", "xslt" },
	{ "http://www.w3.org/TR/1999/REC-xpath-19991116", "xpath" },
	{ "http://www.w3.org/2002/06/xmldsig-filter2", "xpath2 (XPath Filter 2.0)" },
	{ "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
	    "exc-c14n with comments" },
	{ "http://www.w3.org/TR/2001/REC-xml-c14n-20010315", "inclusive c14n" },
	{ "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
	    "inclusive c14n with comments" },
	{ "http://www.w3.org/2006/12/xml-c14n11", "c14n 1.1" },
	{ "http://www.w3.org/2000/09/xmldsig#base64", "base64" },
	{ ALG_EXC_C14N, "exc-c14n" },
	{ ALG_ENVELOPED, "enveloped-signature" },
	{ ALG_SHA256, "sha256" },
	{ ALG_ECDSA_SHA256, "ecdsa-sha256" },
	{ ALG_RSA_SHA256, "rsa-sha256" },
};

static const char *
alg_name(const char *uri)
{
	size_t i;

	for (i = 0; i < sizeof(known_algs) / sizeof(known_algs[0]); i++)
		if (strcmp(known_algs[i].uri, uri) == 0)
			return known_algs[i].name;
	return "unknown algorithm";
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
in_list(const char *uri, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(uri, list[i]) == 0)
			return 1;
	return 0;
}

/* ---- tree helpers --------------------------------------------------- */

static int
is_ds(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST DS) &&
	    (name == NULL || xmlStrEqual(n->name, BAD_CAST name));
}

/* A printable name for an element: "ds:Object" or "{ns}Local". */
static void
elem_name(xmlNodePtr n, char *buf, size_t len)
{
	if (n->ns != NULL && xmlStrEqual(n->ns->href, BAD_CAST DS))
		snprintf(buf, len, "ds:%s", (const char *)n->name);
	else if (n->ns != NULL)
		snprintf(buf, len, "{%s}%s", (const char *)n->ns->href,
		    (const char *)n->name);
	else
		snprintf(buf, len, "%s", (const char *)n->name);
}

/* Next element sibling; non-whitespace text between elements sets *text. */
static xmlNodePtr
next_elem(xmlNodePtr n, int *text)
{
	const xmlChar *p;

	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE)
			return n;
		if (n->type == XML_TEXT_NODE && n->content != NULL) {
			for (p = n->content; *p != '\0'; p++)
				if (*p != ' ' && *p != '\t' && *p != '\n' &&
				    *p != '\r')
					*text = 1;
		} else
			*text = 1;
	}
	return NULL;
}

struct pctx {
	struct verifier_report *rep;
	int ok;
};

static void
refuse(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
refuse(struct pctx *c, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->ok = 0;
	(void)verifier_report_reason(c->rep, VERIFIER_INVALID,
	    "signature policy: %s", buf);
}

/*
 * Attributes: only those named in allowed (NULL-terminated) may appear, in no
 * namespace.  Namespace declarations are not attributes in libxml2's tree.
 * An Id attribute is refused: with Reference URI="" nothing may point into
 * the signature, and IDs are the lever of signature-wrapping attacks.
 */
static void
check_attrs(struct pctx *c, xmlNodePtr n, const char *const *allowed)
{
	char en[128];
	xmlAttrPtr a;
	size_t i;
	int ok;

	for (a = n->properties; a != NULL; a = a->next) {
		ok = 0;
		for (i = 0; allowed != NULL && allowed[i] != NULL; i++)
			if (a->ns == NULL &&
			    xmlStrEqual(a->name, BAD_CAST allowed[i]))
				ok = 1;
		if (!ok) {
			elem_name(n, en, sizeof(en));
			refuse(c, "attribute %s%s%s on %s is not allowed",
			    a->ns != NULL && a->ns->prefix != NULL ?
			    (const char *)a->ns->prefix : "",
			    a->ns != NULL && a->ns->prefix != NULL ? ":" : "",
			    (const char *)a->name, en);
		}
	}
}

static const char *const attrs_none[] = { NULL };
static const char *const attrs_algorithm[] = { "Algorithm", NULL };
static const char *const attrs_uri[] = { "URI", NULL };

/* An element that must hold no element children and no text. */
static void
check_empty(struct pctx *c, xmlNodePtr n)
{
	char en[128], cn[128];
	xmlNodePtr k;
	int text = 0;

	if ((k = next_elem(n->children, &text)) != NULL) {
		elem_name(n, en, sizeof(en));
		elem_name(k, cn, sizeof(cn));
		refuse(c, "%s may not contain %s", en, cn);
	} else if (text) {
		elem_name(n, en, sizeof(en));
		refuse(c, "%s may not contain text", en);
	}
}

/* An element that must hold text only (base64 values). */
static void
check_text_only(struct pctx *c, xmlNodePtr n)
{
	char en[128], cn[128];
	xmlNodePtr k;

	for (k = n->children; k != NULL; k = k->next) {
		if (k->type == XML_TEXT_NODE)
			continue;
		elem_name(n, en, sizeof(en));
		if (k->type == XML_ELEMENT_NODE) {
			elem_name(k, cn, sizeof(cn));
			refuse(c, "%s may not contain %s", en, cn);
		} else
			refuse(c, "%s may contain text only", en);
		return;
	}
}

/* Algorithm attribute of n, checked against a list; where names the slot. */
static xmlChar *
get_alg(struct pctx *c, xmlNodePtr n, const char *where)
{
	xmlChar *alg = xmlGetNoNsProp(n, BAD_CAST "Algorithm");

	if (alg == NULL)
		refuse(c, "%s has no Algorithm", where);
	return alg;
}

static void
check_alg(struct pctx *c, xmlNodePtr n, const char *where,
    const char *const *list, size_t nlist)
{
	xmlChar *alg;

	check_attrs(c, n, attrs_algorithm);
	check_empty(c, n);
	if ((alg = get_alg(c, n, where)) == NULL)
		return;
	if (!in_list((const char *)alg, list, nlist))
		refuse(c, "%s %s (%s) is not on the allow-list", where,
		    alg_name((const char *)alg), (const char *)alg);
	xmlFree(alg);
}

/* Expect element `name` in the DSig namespace at n; refuse otherwise. */
static int
expect(struct pctx *c, xmlNodePtr n, const char *name, const char *parent)
{
	char en[128];

	if (is_ds(n, name))
		return 1;
	if (n == NULL)
		refuse(c, "ds:%s is missing in ds:%s", name, parent);
	else {
		elem_name(n, en, sizeof(en));
		refuse(c, "%s found in ds:%s where ds:%s was expected", en,
		    parent, name);
	}
	return 0;
}

static void
no_more(struct pctx *c, xmlNodePtr n, const char *parent, int text)
{
	char en[128];

	if (n != NULL) {
		elem_name(n, en, sizeof(en));
		refuse(c, "%s is not allowed in ds:%s", en, parent);
	}
	if (text)
		refuse(c, "text is not allowed in ds:%s", parent);
}

static void
check_transforms(struct pctx *c, xmlNodePtr ts)
{
	const char *seen[TRANSFORMS_MAX + 1];
	xmlChar *alg;
	xmlNodePtr t;
	size_t n = 0, i, j;
	int text = 0, match;

	check_attrs(c, ts, attrs_none);
	for (t = next_elem(ts->children, &text); t != NULL;
	    t = next_elem(t->next, &text)) {
		if (!expect(c, t, "Transform", "Transforms"))
			return;
		check_attrs(c, t, attrs_algorithm);
		/* An XPath or XSLT body would be a child: refused here too. */
		check_empty(c, t);
		if ((alg = get_alg(c, t, "Transform")) == NULL)
			return;
		if (strcmp((const char *)alg, ALG_ENVELOPED) == 0)
			seen[n] = ALG_ENVELOPED;
		else if (strcmp((const char *)alg, ALG_EXC_C14N) == 0)
			seen[n] = ALG_EXC_C14N;
		else {
			refuse(c, "Transform %s (%s) is not on the allow-list",
			    alg_name((const char *)alg), (const char *)alg);
			xmlFree(alg);
			return;
		}
		xmlFree(alg);
		if (++n > TRANSFORMS_MAX) {
			refuse(c, "more than %d transforms", TRANSFORMS_MAX);
			return;
		}
	}
	no_more(c, NULL, "Transforms", text);
	for (i = 0; i < NELEM(transforms_allowed); i++) {
		match = 1;
		for (j = 0; j < TRANSFORMS_MAX; j++) {
			const char *want = transforms_allowed[i][j];

			if ((want == NULL) != (j >= n) ||
			    (want != NULL && strcmp(want, seen[j]) != 0))
				match = 0;
		}
		if (match)
			return;
	}
	refuse(c, "transforms must be [enveloped-signature, exc-c14n] or "
	    "[enveloped-signature], found %zu transform(s) starting with %s", n,
	    n > 0 ? alg_name(seen[0]) : "nothing");
}

static void
check_reference(struct pctx *c, xmlNodePtr ref)
{
	xmlNodePtr k;
	xmlChar *uri;
	int text = 0;

	check_attrs(c, ref, attrs_uri);
	/*
	 * Only the whole document (URI="", XML-DSig §4.3.3.3) may be signed:
	 * a same-document "#id" or external URI lets a signature cover one
	 * part while a reader trusts another (signature wrapping).
	 */
	uri = xmlGetNoNsProp(ref, BAD_CAST "URI");
	if (uri == NULL)
		refuse(c, "ds:Reference has no URI (only URI=\"\" is accepted)");
	else if (uri[0] != '\0')
		refuse(c, "ds:Reference URI=\"%.200s\" is not allowed (only "
		    "URI=\"\", the whole document)", (const char *)uri);
	xmlFree(uri);

	k = next_elem(ref->children, &text);
	if (!expect(c, k, "Transforms", "Reference"))
		return;
	check_transforms(c, k);
	k = next_elem(k->next, &text);
	if (!expect(c, k, "DigestMethod", "Reference"))
		return;
	check_alg(c, k, "DigestMethod", digest_allowed, NELEM(digest_allowed));
	k = next_elem(k->next, &text);
	if (!expect(c, k, "DigestValue", "Reference"))
		return;
	check_attrs(c, k, attrs_none);
	check_text_only(c, k);
	k = next_elem(k->next, &text);
	no_more(c, k, "Reference", text);
}

static void
check_signed_info(struct pctx *c, xmlNodePtr si)
{
	const char *sig_uris[NELEM(sigalg_allowed)];
	xmlNodePtr k;
	size_t i;
	int text = 0;

	for (i = 0; i < NELEM(sigalg_allowed); i++)
		sig_uris[i] = sigalg_allowed[i].uri;
	check_attrs(c, si, attrs_none);
	k = next_elem(si->children, &text);
	if (!expect(c, k, "CanonicalizationMethod", "SignedInfo"))
		return;
	/* No InclusiveNamespaces child: check_alg refuses any child. */
	check_alg(c, k, "CanonicalizationMethod", c14n_allowed,
	    NELEM(c14n_allowed));
	k = next_elem(k->next, &text);
	if (!expect(c, k, "SignatureMethod", "SignedInfo"))
		return;
	/* No HMACOutputLength child (truncation attack, CVE-2009-0217). */
	check_alg(c, k, "SignatureMethod", sig_uris, NELEM(sig_uris));
	k = next_elem(k->next, &text);
	if (!expect(c, k, "Reference", "SignedInfo"))
		return;
	check_reference(c, k);
	k = next_elem(k->next, &text);
	if (is_ds(k, "Reference"))
		refuse(c, "ds:SignedInfo has more than one ds:Reference (exactly "
		    "one is accepted)");
	else
		no_more(c, k, "SignedInfo", text);
}

static void
check_key_info(struct pctx *c, xmlNodePtr ki)
{
	char en[128];
	xmlNodePtr k, x;
	int text = 0, n;

	check_attrs(c, ki, attrs_none);
	k = next_elem(ki->children, &text);
	if (k == NULL) {
		refuse(c, "ds:KeyInfo is empty (ds:X509Data with the signer "
		    "certificate is required)");
		return;
	}
	if (!is_ds(k, "X509Data")) {
		/*
		 * KeyValue would let the document bring its own key;
		 * RetrievalMethod fetches from a URI; KeyName selects a key by
		 * an attacker-chosen name.  Only certificates are accepted.
		 */
		elem_name(k, en, sizeof(en));
		refuse(c, "%s in ds:KeyInfo is not allowed (only ds:X509Data "
		    "with certificates)", en);
		return;
	}
	check_attrs(c, k, attrs_none);
	n = 0;
	for (x = next_elem(k->children, &text); x != NULL;
	    x = next_elem(x->next, &text)) {
		if (!is_ds(x, "X509Certificate")) {
			elem_name(x, en, sizeof(en));
			refuse(c, "%s in ds:X509Data is not allowed (only "
			    "ds:X509Certificate)", en);
			continue;
		}
		check_attrs(c, x, attrs_none);
		check_text_only(c, x);
		n++;
	}
	if (n == 0)
		refuse(c, "ds:X509Data holds no ds:X509Certificate");
	else if (n > VERIFIER_MAX_CERTS)
		refuse(c, "ds:X509Data holds %d certificates (at most %d)", n,
		    VERIFIER_MAX_CERTS);
	no_more(c, NULL, "X509Data", text);
	no_more(c, next_elem(k->next, &text), "KeyInfo", text);
}

/* Count ds:Signature elements anywhere in the tree (iteratively). */
static int
count_signatures(xmlNodePtr root, xmlNodePtr *first)
{
	xmlNodePtr n = root;
	int count = 0;

	*first = NULL;
	while (n != NULL) {
		if (is_ds(n, "Signature")) {
			if (count++ == 0)
				*first = n;
		}
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n != root && n->next == NULL)
			n = n->parent;
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
	return count;
}

int
verifier_policy_check(xmlDocPtr doc, xmlNodePtr *sig,
    struct verifier_report *rep)
{
	struct pctx c = { rep, 1 };
	xmlNodePtr root, s, last, k;
	int n, text = 0;

	*sig = NULL;
	if ((root = xmlDocGetRootElement(doc)) == NULL) {
		refuse(&c, "document has no root element");
		return 0;
	}
	n = count_signatures(root, &s);
	if (n == 0) {
		refuse(&c, "document is not signed (no ds:Signature)");
		return 0;
	}
	if (n > 1) {
		/* Two signatures: which one does the reader trust? Neither. */
		refuse(&c, "document holds %d ds:Signature elements (exactly "
		    "one is accepted)", n);
		return 0;
	}
	*sig = s;
	last = NULL;
	for (k = root->children; k != NULL; k = k->next)
		if (k->type == XML_ELEMENT_NODE)
			last = k;
	if (s->parent != root || s != last)
		refuse(&c, "ds:Signature must be the last child element of the "
		    "root element (enveloped signature)");

	check_attrs(&c, s, attrs_none);
	k = next_elem(s->children, &text);
	if (expect(&c, k, "SignedInfo", "Signature"))
		check_signed_info(&c, k);
	else
		return 0;
	k = next_elem(k->next, &text);
	if (!expect(&c, k, "SignatureValue", "Signature"))
		return 0;
	check_attrs(&c, k, attrs_none);
	check_text_only(&c, k);
	k = next_elem(k->next, &text);
	if (k == NULL) {
		refuse(&c, "ds:KeyInfo is missing (ds:X509Data with the signer "
		    "certificate is required)");
		return 0;
	}
	if (!expect(&c, k, "KeyInfo", "Signature"))
		return 0;
	check_key_info(&c, k);
	k = next_elem(k->next, &text);
	/* ds:Object may carry a Manifest or content: nothing of it is needed. */
	no_more(&c, k, "Signature", text);
	return c.ok;
}

int
verifier_policy_key(xmlNodePtr sig, EVP_PKEY *pkey,
    struct verifier_report *rep)
{
	xmlNodePtr si, sm;
	xmlChar *alg = NULL;
	char curve[80];
	size_t i;
	int text = 0, want = 0, type, nid = NID_undef, ok = 0;

	si = next_elem(sig->children, &text);
	sm = si != NULL ? next_elem(si->children, &text) : NULL;
	sm = sm != NULL ? next_elem(sm->next, &text) : NULL;
	if (sm == NULL || (alg = xmlGetNoNsProp(sm, BAD_CAST "Algorithm")) == NULL)
		goto out;
	for (i = 0; i < NELEM(sigalg_allowed); i++)
		if (strcmp((const char *)alg, sigalg_allowed[i].uri) == 0)
			want = sigalg_allowed[i].pkey_type;
	type = EVP_PKEY_get_base_id(pkey);
	if (want == 0 || type != want) {
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "signer certificate key (%s) does not match SignatureMethod %s",
		    type == EVP_PKEY_EC ? "EC" : type == EVP_PKEY_RSA ? "RSA" :
		    "other", alg_name((const char *)alg));
		goto out;
	}
	if (type == EVP_PKEY_EC) {
		if (EVP_PKEY_get_utf8_string_param(pkey, "group", curve,
		    sizeof(curve), NULL) == 1)
			nid = OBJ_sn2nid(curve);
		if (nid == NID_undef)
			nid = OBJ_ln2nid(curve);
		for (i = 0; i < NELEM(ec_curves_allowed); i++)
			if (nid == ec_curves_allowed[i])
				ok = 1;
		if (!ok)
			(void)verifier_report_reason(rep, VERIFIER_INVALID,
			    "signer key curve %s is not on the allow-list",
			    nid != NID_undef ? OBJ_nid2sn(nid) : "unknown");
	} else {
		ok = EVP_PKEY_get_bits(pkey) >= RSA_BITS_MIN;
		if (!ok)
			(void)verifier_report_reason(rep, VERIFIER_INVALID,
			    "signer RSA key has %d bits (at least %d required)",
			    EVP_PKEY_get_bits(pkey), RSA_BITS_MIN);
	}
out:
	xmlFree(alg);
	return ok;
}
