/*
 * verifier/verify.c — verify a signed document; see verifier.h.
 *
 * Order of the checks, and why:
 *   1. hardened parse (core/xml_parse.c): nothing hostile reaches the rest;
 *   2. signature structure against the allow-list (policy.c), before xmlsec
 *      runs, so xmlsec only ever executes the transforms we allow;
 *   3. the signer certificate is chosen by us from ds:X509Data and its public
 *      key handed to xmlsec as dsigCtx->signKey: xmlsec never picks a key;
 *   4. XML-DSig core validation (digest, then signature value);
 *   5. trust chain and CRLs at the signing time (trust.c);
 *   6. the document itself: schema, read-back, record validation, office in
 *      the certificate = office in the document.
 * Every check that can run does run, so the report lists all reasons.
 */
#include "verifier/verifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/list.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "core/date.h"
#include "core/doc.h"
#include "core/seal.h"
#include "core/xml.h"
#include "verifier/policy.h"
#include "verifier/report.h"
#include "verifier/seal.h"
#include "verifier/trust.h"

/* A signing time this far ahead of our clock is a lie, not clock skew. */
#define FUTURE_SKEW_SECONDS (5 * 60)

struct verifier {
	struct verifier_trust *trust;
};

int
verifier_new(const char *trust_pem, const char *crl_pem, struct verifier **out,
    struct cs_err *err)
{
	struct verifier *v = NULL;
	int r;

	*out = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	if ((r = verifier_trust_load(trust_pem, crl_pem, &v->trust, err)) != 0) {
		free(v);
		return r;
	}
	*out = v;
	return 0;
}

void
verifier_free(struct verifier *v)
{
	if (v == NULL)
		return;
	verifier_trust_free(v->trust);
	free(v);
}

/* ---- certificates from ds:X509Data ---------------------------------- */

static xmlNodePtr
child_ds(xmlNodePtr n, const char *name)
{
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		    xmlStrEqual(n->ns->href, BAD_CAST CS_XML_DSIG_NS) &&
		    xmlStrEqual(n->name, BAD_CAST name))
			return n;
	return NULL;
}

/* Base64 text of an element (whitespace allowed) to DER, then X509. */
static X509 *
decode_cert(xmlNodePtr n)
{
	xmlChar *text = xmlNodeGetContent(n);
	unsigned char *b64 = NULL, *der = NULL;
	const unsigned char *p;
	X509 *x = NULL;
	size_t i, k = 0, len;
	int dlen, pad = 0;

	if (text == NULL)
		return NULL;
	len = strlen((const char *)text);
	if ((b64 = malloc(len + 1)) == NULL || (der = malloc(len + 1)) == NULL)
		goto out;
	for (i = 0; i < len; i++) {
		unsigned char ch = text[i];

		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		b64[k++] = ch;
	}
	if (k == 0 || k % 4 != 0 || k > 64 * 1024)
		goto out;
	if (b64[k - 1] == '=')
		pad++;
	if (b64[k - 2] == '=')
		pad++;
	if ((dlen = EVP_DecodeBlock(der, b64, (int)k)) < 0 || dlen < pad)
		goto out;
	dlen -= pad;
	p = der;
	x = d2i_X509(NULL, &p, dlen);
	/* Trailing bytes after the certificate: not a certificate. */
	if (x != NULL && p != der + dlen) {
		X509_free(x);
		x = NULL;
	}
out:
	ERR_clear_error();
	free(b64);
	free(der);
	xmlFree(text);
	return x;
}

/*
 * The leaf is the one end-entity (non-CA) certificate; the others are
 * untrusted intermediates that may help build the chain, nothing more.
 */
static int
select_certs(xmlNodePtr sig, X509 **leaf, STACK_OF(X509) **others,
    struct verifier_report *rep)
{
	xmlNodePtr xd = child_ds(child_ds(sig, "KeyInfo"), "X509Data"), c;
	X509 *x;
	int idx = 0, n_leaf = 0;

	*leaf = NULL;
	if ((*others = sk_X509_new_null()) == NULL)
		return CS_E_NOMEM;
	for (c = xd != NULL ? xd->children : NULL; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		idx++;
		if ((x = decode_cert(c)) == NULL) {
			(void)verifier_report_reason(rep, VERIFIER_INVALID,
			    "ds:X509Certificate #%d is not a valid DER "
			    "certificate in base64", idx);
			continue;
		}
		if (X509_check_ca(x) == 0) {
			n_leaf++;
			if (*leaf == NULL) {
				*leaf = x;
				continue;
			}
		}
		if (sk_X509_push(*others, x) <= 0) {
			X509_free(x);
			return CS_E_NOMEM;
		}
	}
	if (n_leaf != 1) {
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "ds:X509Data holds %d end-entity certificates (exactly one "
		    "signer certificate is required)", n_leaf);
		X509_free(*leaf);
		*leaf = NULL;
	}
	return 0;
}

/* ---- XML-DSig core validation with xmlsec --------------------------- */

/*
 * Verify the one ds:Signature with the leaf's public key.  Returns 1 when the
 * digest and the signature value verified, 0 otherwise (reason added).
 */
static int
xmldsig_verify(xmlNodePtr sig, X509 *leaf, struct verifier_report *rep)
{
	xmlSecDSigCtxPtr dctx = NULL;
	xmlSecKeyDataPtr data = NULL;
	xmlSecKeyPtr key = NULL;
	xmlSecDSigReferenceCtxPtr ref;
	EVP_PKEY *pkey = NULL;
	xmlSecSize i, n;
	int ok = 0, digest_bad = 0;

	if ((pkey = X509_get0_pubkey(leaf)) == NULL) {
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "signer certificate has no usable public key");
		goto out;
	}
	if (!verifier_policy_key(sig, pkey, rep))
		goto out;
	if ((pkey = xmlSecOpenSSLEvpKeyDup(pkey)) == NULL)
		goto fail;
	if ((data = xmlSecOpenSSLEvpKeyAdopt(pkey)) == NULL) {
		EVP_PKEY_free(pkey);
		goto fail;
	}
	pkey = NULL;		/* owned by data */
	if ((key = xmlSecKeyCreate()) == NULL ||
	    xmlSecKeySetValue(key, data) < 0)
		goto fail;
	data = NULL;		/* owned by key */

	/* No keys manager: the only key xmlsec can use is the one we give. */
	if ((dctx = xmlSecDSigCtxCreate(NULL)) == NULL)
		goto fail;
	dctx->signKey = key;
	key = NULL;		/* owned by dctx */
	dctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
	/* Same-document "#id" and external URIs are refused by xmlsec too. */
	dctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
	/*
	 * The allow-list again, enforced inside xmlsec (defence in depth).
	 * The implicit node-set-to-octets C14N after [enveloped-signature]
	 * alone is added by xmlsec itself and needs no entry here.
	 */
	if (xmlSecDSigCtxEnableReferenceTransform(dctx,
	    xmlSecTransformEnvelopedId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(dctx,
	    xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(dctx,
	    xmlSecTransformSha256Id) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(dctx,
	    xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(dctx,
	    xmlSecTransformEcdsaSha256Id) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(dctx,
	    xmlSecTransformRsaSha256Id) < 0)
		goto fail;

	if (xmlSecDSigCtxVerify(dctx, sig) < 0) {
		/*
		 * A processing failure, not a mismatch: e.g. a signature
		 * value of the wrong length for the key.
		 */
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "signature could not be processed (malformed "
		    "SignatureValue or DigestValue, or a key/algorithm "
		    "mismatch)");
		goto out;
	}
	if (dctx->status == xmlSecDSigStatusSucceeded) {
		ok = 1;
		goto out;
	}
	/* Core validation (XML-DSig §3.2): references first, then the value. */
	n = xmlSecPtrListGetSize(&dctx->signedInfoReferences);
	for (i = 0; i < n; i++) {
		ref = xmlSecPtrListGetItem(&dctx->signedInfoReferences, i);
		if (ref == NULL || ref->status != xmlSecDSigStatusSucceeded)
			digest_bad = 1;
	}
	if (digest_bad || n == 0)
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "digest mismatch: the document content was changed after "
		    "signing (Reference URI=\"\")");
	else
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "signature value does not verify with the signer "
		    "certificate's key (SignedInfo or SignatureValue changed, "
		    "or another key signed)");
	goto out;
fail:
	(void)verifier_report_reason(rep, VERIFIER_INVALID,
	    "signature could not be checked (xmlsec setup failed)");
out:
	ERR_clear_error();
	/* xmlsec destructors assert on NULL. */
	if (dctx != NULL)
		xmlSecDSigCtxDestroy(dctx);
	if (key != NULL)
		xmlSecKeyDestroy(key);
	if (data != NULL)
		xmlSecKeyDataDestroy(data);
	return ok;
}

/* ---- the QR seal inside the document -------------------------------- */

/*
 * The seal in Header/Seal must be the document's own: the same fields, the
 * content hash of this document, and a signature by a key the trust file
 * knows (or the document's signer).  The XML signature covers the seal, so
 * a mismatch means the signer printed a seal for other data.
 */
static int
check_embedded_seal(const struct verifier *v, xmlDocPtr xml,
    const struct cs_doc *doc, const struct cs_xml_header *hdr, X509 *leaf,
    struct verifier_report *rep)
{
	struct cs_seal own, *seal = NULL;
	struct cs_err e;
	unsigned char buf[CS_SEAL_BYTES_MAX], hash[CS_SEAL_HASH_LEN];
	unsigned char lkid[CS_SEAL_KID_LEN];
	X509 *cert;
	size_t len;

	if (hdr->seal[0] == '\0') {
		(void)verifier_report_warning(rep,
		    "the document carries no QR seal (Header/Seal)");
		return 0;
	}
	if ((seal = calloc(1, sizeof(*seal))) == NULL)
		return CS_E_NOMEM;
	cs_err_clear(&e);
	if (cs_seal_from_text(hdr->seal, buf, sizeof(buf), &len, &e) != 0 ||
	    cs_seal_decode(buf, len, seal, &e) != 0) {
		free(seal);
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "QR seal in the document: %s", e.msg);
		return 0;
	}
	rep->seal = seal;
	if (cs_seal_from_doc(doc, hdr, &own, &e) != 0 ||
	    cs_seal_compare_fields(seal, &own, &e) != 0)
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "QR seal does not match the document: %s", e.msg);
	if (cs_seal_content_hash(xml, hash, &e) != 0 ||
	    memcmp(hash, seal->content_hash, sizeof(hash)) != 0)
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "QR seal does not match the document: content hash differs");
	cert = verifier_trust_find_kid(v->trust, seal->kid);
	if (cert == NULL && leaf != NULL &&
	    cs_seal_kid(leaf, lkid, NULL) == 0 &&
	    memcmp(lkid, seal->kid, sizeof(lkid)) == 0)
		cert = leaf;
	if (cert == NULL)
		(void)verifier_report_warning(rep, "QR seal key id names no "
		    "certificate of the trust file; its signature was not "
		    "checked");
	else
		(void)verifier_seal_check_cert(cert, seal, buf, "QR seal: ",
		    rep);
	return 0;
}

/* ---- the document ----------------------------------------------------- */

static void
add_problems(struct verifier_report *rep, const char *what,
    const struct cs_problems *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "%s: %s: %s", what, p->item[i].path, p->item[i].msg);
	if (p->dropped > 0)
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "%s: %zu more problems", what, p->dropped);
}

/*
 * Schema, read-back and record validation.  On success *doc is the record.
 * "today" for the record rules is the signing date (ICT): nothing the office
 * signed may be dated after the day it signed.
 */
static void
check_document(xmlDocPtr xml, struct verifier_report *rep,
    struct cs_xml_header *hdr, struct cs_doc **doc)
{
	struct cs_problems probs;
	struct cs_err err;
	struct cs_date today;
	xmlNodePtr root = xmlDocGetRootElement(xml);
	int r;

	*doc = NULL;
	memset(hdr, 0, sizeof(*hdr));
	if (root != NULL && root->ns != NULL &&
	    xmlStrEqual(root->ns->href, BAD_CAST CS_XML_NS)) {
		if (xmlStrEqual(root->name, BAD_CAST "BirthCertificate"))
			snprintf(rep->doc_type, sizeof(rep->doc_type), "birth");
		else if (xmlStrEqual(root->name, BAD_CAST "DeathExtract"))
			snprintf(rep->doc_type, sizeof(rep->doc_type), "death");
	}
	cs_err_clear(&err);
	if (cs_xml_schema_validate(xml, &err) != 0)
		(void)verifier_report_reason(rep, VERIFIER_INVALID, "%s",
		    err.msg);

	cs_problems_init(&probs);
	cs_err_clear(&err);
	r = cs_xml_to_doc(xml, doc, hdr, &probs, &err);
	snprintf(rep->doc_id, sizeof(rep->doc_id), "%s", hdr->id);
	snprintf(rep->office, sizeof(rep->office), "%s", hdr->office);
	snprintf(rep->signed_at, sizeof(rep->signed_at), "%s", hdr->signed_at);
	rep->signed_at_t = hdr->signed_at_t;
	if (r != 0) {
		if (probs.n > 0)
			add_problems(rep, "document structure", &probs);
		else
			(void)verifier_report_reason(rep, VERIFIER_INVALID,
			    "document structure: %s", err.msg);
		return;
	}
	cs_problems_init(&probs);
	cs_date_ict(hdr->signed_at_t, &today);
	if (cs_doc_validate(*doc, hdr->signed_at_t != 0 ? &today : NULL,
	    &probs) != 0)
		add_problems(rep, "document field", &probs);
}

int
verifier_check(const struct verifier *v, const char *xml, size_t len,
    struct verifier_report **out, struct cs_err *err)
{
	struct verifier_report *rep = NULL;
	struct cs_xml_header hdr;
	struct cs_doc *doc = NULL;
	struct cs_err perr;
	xmlDocPtr tree = NULL;
	xmlNodePtr sig = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *others = NULL;
	char now_s[32];
	time_t now, at;
	int policy_ok, crypto_ok = 0, r = CS_E_INTERNAL;

	*out = NULL;
	if ((rep = verifier_report_new()) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");

	cs_err_clear(&perr);
	if (cs_xml_parse_strict(xml, len, &tree, &perr) != 0) {
		(void)verifier_report_reason(rep, VERIFIER_INVALID, "%s",
		    perr.msg);
		goto done;
	}
	policy_ok = verifier_policy_check(tree, &sig, rep);
	check_document(tree, rep, &hdr, &doc);

	/* Only a signature of the accepted shape is handed to xmlsec. */
	if (policy_ok) {
		if ((r = select_certs(sig, &leaf, &others, rep)) != 0) {
			cs_err_set(err, r, "out of memory");
			goto out;
		}
	}
	if (leaf != NULL) {
		if ((r = verifier_report_set_leaf(rep, leaf)) != 0) {
			cs_err_set(err, r, "out of memory");
			goto out;
		}
		crypto_ok = xmldsig_verify(sig, leaf, rep);
		verifier_trust_check_usage(leaf, rep->signer_office, hdr.office,
		    rep);

		now = time(NULL);
		at = hdr.signed_at_t;
		if (at == 0) {
			(void)verifier_report_reason(rep, VERIFIER_INVALID,
			    "no valid signing time in Header/SignedAt; "
			    "certificates judged at the current time");
			at = now;
		} else if (at > now + FUTURE_SKEW_SECONDS) {
			verifier_time_str(now, now_s, sizeof(now_s));
			(void)verifier_report_reason(rep, VERIFIER_INVALID,
			    "signing time %s is in the future (now %s)",
			    hdr.signed_at, now_s);
		}
		if ((r = verifier_trust_check(v->trust, leaf, others, at,
		    rep)) != 0) {
			cs_err_set(err, r, "trust check failed");
			goto out;
		}
	}
	/*
	 * The seal is checked even when the XML signature fails: its reasons
	 * say which part was changed.  Seal and fields are reported only when
	 * they are what was signed.
	 */
	if (doc != NULL && (r = check_embedded_seal(v, tree, doc, &hdr, leaf,
	    rep)) != 0) {
		cs_err_set(err, r, "out of memory");
		goto out;
	}
	if (!crypto_ok) {
		free(rep->seal);
		rep->seal = NULL;
	}
	if (crypto_ok && doc != NULL) {
		if ((rep->fields = cs_doc_to_json(doc)) == NULL) {
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
	}
done:
	if (rep->verdict == VERIFIER_VALID && !crypto_ok)
		/* Unreachable by construction; never let it through. */
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "signature was not verified");
	*out = rep;
	rep = NULL;		/* transferred to caller */
	r = 0;
out:
	X509_free(leaf);
	sk_X509_pop_free(others, X509_free);
	cs_doc_free(doc);
	xmlFreeDoc(tree);
	verifier_report_free(rep);
	return r;
}

int
verifier_check_seal(const struct verifier *v, const char *text,
    struct verifier_report **out, struct cs_err *err)
{
	return verifier_seal_check(v->trust, text, out, err);
}
