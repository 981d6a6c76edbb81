/*
 * signer/xmldsig.c — enveloped XML-DSig (W3C XML Signature 1.1) computed with
 * libxml2's C14N and OpenSSL's EVP_PKEY_sign; see xmldsig.h.
 */
#include "signer/xmldsig.h"

#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include "core/xml.h"

#define ALG_EXC_C14N	"http://www.w3.org/2001/10/xml-exc-c14n#"
#define ALG_ENVELOPED	"http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define ALG_SHA256	"http://www.w3.org/2001/04/xmlenc#sha256"
#define ALG_ECDSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define ALG_RSA_SHA256	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"

/* C14N node-set selection: a subtree, included or excluded. */
struct subtree {
	xmlNodePtr top;
	int include;
};

static int
in_subtree(xmlNodePtr top, xmlNodePtr node, xmlNodePtr parent)
{
	xmlNodePtr n;

	/* Namespace nodes are xmlNs, not xmlNode: judge them by their element. */
	n = (node != NULL && node->type == XML_NAMESPACE_DECL) ? parent : node;
	for (; n != NULL; n = n->parent)
		if (n == top)
			return 1;
	return 0;
}

static int
visible(void *user, xmlNodePtr node, xmlNodePtr parent)
{
	const struct subtree *s = user;

	return in_subtree(s->top, node, parent) == s->include;
}

static int
digest_write(void *ctx, const char *buf, int len)
{
	return EVP_DigestUpdate(ctx, buf, (size_t)len) == 1 ? len : -1;
}

/* SHA-256 of the exclusive canonical form (without comments) of a node-set. */
static int
c14n_sha256(xmlDocPtr xml, struct subtree *sel, unsigned char md[32],
    struct cs_err *err)
{
	xmlOutputBufferPtr ob = NULL;
	EVP_MD_CTX *mdctx = NULL;
	unsigned int mdlen = 0;
	int r = CS_E_CRYPTO;

	if ((mdctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(mdctx, EVP_sha256(), NULL) != 1) {
		r = cs_err_openssl(err, CS_E_CRYPTO, "SHA-256 init");
		goto out;
	}
	if ((ob = xmlOutputBufferCreateIO(digest_write, NULL, mdctx, NULL)) ==
	    NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	if (xmlC14NExecute(xml, visible, sel, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
	    ob) < 0) {
		r = cs_err_set(err, CS_E_CRYPTO, "exclusive C14N failed");
		goto out;
	}
	if (xmlOutputBufferClose(ob) < 0) {
		ob = NULL;
		r = cs_err_set(err, CS_E_CRYPTO, "digest of canonical XML failed");
		goto out;
	}
	ob = NULL;
	if (EVP_DigestFinal_ex(mdctx, md, &mdlen) != 1 || mdlen != 32) {
		r = cs_err_openssl(err, CS_E_CRYPTO, "SHA-256 final");
		goto out;
	}
	r = 0;
out:
	if (ob != NULL)
		xmlOutputBufferClose(ob);
	EVP_MD_CTX_free(mdctx);
	return r;
}

static xmlChar *
base64(const unsigned char *in, size_t len)
{
	xmlChar *out;

	if ((out = xmlMalloc(4 * ((len + 2) / 3) + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock(out, in, (int)len);
	return out;
}

static xmlNodePtr
ds_child(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *alg)
{
	xmlNodePtr n = xmlNewChild(parent, ns, BAD_CAST name, NULL);

	if (n != NULL && alg != NULL &&
	    xmlNewProp(n, BAD_CAST "Algorithm", BAD_CAST alg) == NULL)
		return NULL;
	return n;
}

static int
add_cert(xmlNodePtr x509data, xmlNsPtr ns, X509 *cert)
{
	unsigned char *der = NULL;
	xmlChar *b64;
	int len, ok;

	if ((len = i2d_X509(cert, &der)) <= 0)
		return -1;
	b64 = base64(der, (size_t)len);
	OPENSSL_free(der);
	if (b64 == NULL)
		return -1;
	ok = xmlNewTextChild(x509data, ns, BAD_CAST "X509Certificate", b64) !=
	    NULL;
	xmlFree(b64);
	return ok ? 0 : -1;
}

/*
 * Sign the SHA-256 digest of the canonical SignedInfo.  An ECDSA signature
 * comes from OpenSSL as DER SEQUENCE{r,s}; XML-DSig (RFC 4051 §3.3) wants
 * the raw big-endian r‖s, each padded to the curve order size.
 */
int
signer_sign_sha256(EVP_PKEY *key, const unsigned char md[32],
    unsigned char *sig, size_t *siglen, struct cs_err *err)
{
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char der[1024];
	const unsigned char *p;
	size_t derlen = sizeof(der);
	ECDSA_SIG *es = NULL;
	const BIGNUM *br, *bs;
	int isec = EVP_PKEY_base_id(key) == EVP_PKEY_EC;
	int half, r = CS_E_HSM;

	if ((pctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(pctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) != 1 ||
	    (!isec && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)) {
		r = cs_err_openssl(err, CS_E_HSM, "cannot prepare signing key");
		goto out;
	}
	if (EVP_PKEY_sign(pctx, der, &derlen, md, 32) != 1) {
		r = cs_err_openssl(err, CS_E_HSM, "the HSM key refused to sign");
		goto out;
	}
	if (!isec) {
		if (derlen > *siglen) {
			r = cs_err_set(err, CS_E_CRYPTO, "RSA signature too long");
			goto out;
		}
		memcpy(sig, der, derlen);
		*siglen = derlen;
		r = 0;
		goto out;
	}
	half = (EVP_PKEY_bits(key) + 7) / 8;
	p = der;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL ||
	    (size_t)(2 * half) > *siglen) {
		r = cs_err_openssl(err, CS_E_CRYPTO, "malformed ECDSA signature");
		goto out;
	}
	ECDSA_SIG_get0(es, &br, &bs);
	if (BN_bn2binpad(br, sig, half) != half ||
	    BN_bn2binpad(bs, sig + half, half) != half) {
		r = cs_err_set(err, CS_E_CRYPTO, "ECDSA r or s out of range");
		goto out;
	}
	*siglen = (size_t)(2 * half);
	r = 0;
out:
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(pctx);
	return r;
}

int
signer_xmldsig_sign(xmlDocPtr xml, EVP_PKEY *key, X509 *cert,
    STACK_OF(X509) *chain, struct cs_err *err)
{
	xmlNodePtr root, sig = NULL, si, ref, tr, dv, sv, ki, xd, last;
	unsigned char md[32], sigbuf[1024];
	size_t siglen = sizeof(sigbuf);
	struct subtree sel;
	xmlChar *b64 = NULL;
	xmlNsPtr ns;
	const char *alg;
	int i, r = CS_E_INTERNAL;

	switch (EVP_PKEY_base_id(key)) {
	case EVP_PKEY_EC:
		alg = ALG_ECDSA_SHA256;
		break;
	case EVP_PKEY_RSA:
		alg = ALG_RSA_SHA256;
		break;
	default:
		return cs_err_set(err, CS_E_CONFIG,
		    "signing key type %d is neither EC nor RSA",
		    EVP_PKEY_base_id(key));
	}
	if ((root = xmlDocGetRootElement(xml)) == NULL)
		return cs_err_set(err, CS_E_INTERNAL, "document has no root");

	if ((sig = xmlNewDocNode(xml, NULL, BAD_CAST "Signature", NULL)) == NULL ||
	    (ns = xmlNewNs(sig, BAD_CAST CS_XML_DSIG_NS, BAD_CAST "ds")) == NULL)
		goto nomem;
	xmlSetNs(sig, ns);
	if ((si = ds_child(sig, ns, "SignedInfo", NULL)) == NULL ||
	    ds_child(si, ns, "CanonicalizationMethod", ALG_EXC_C14N) == NULL ||
	    ds_child(si, ns, "SignatureMethod", alg) == NULL ||
	    (ref = ds_child(si, ns, "Reference", NULL)) == NULL ||
	    xmlNewProp(ref, BAD_CAST "URI", BAD_CAST "") == NULL ||
	    (tr = ds_child(ref, ns, "Transforms", NULL)) == NULL ||
	    ds_child(tr, ns, "Transform", ALG_ENVELOPED) == NULL ||
	    ds_child(tr, ns, "Transform", ALG_EXC_C14N) == NULL ||
	    ds_child(ref, ns, "DigestMethod", ALG_SHA256) == NULL ||
	    (dv = ds_child(ref, ns, "DigestValue", NULL)) == NULL ||
	    (sv = ds_child(sig, ns, "SignatureValue", NULL)) == NULL ||
	    (ki = ds_child(sig, ns, "KeyInfo", NULL)) == NULL ||
	    (xd = ds_child(ki, ns, "X509Data", NULL)) == NULL)
		goto nomem;
	if (add_cert(xd, ns, cert) != 0)
		goto nomem;
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (add_cert(xd, ns, sk_X509_value(chain, i)) != 0)
			goto nomem;

	/*
	 * Place it as the last element, indented like the rest.  All the
	 * white space around it is added now: it is part of what is signed.
	 */
	last = root->last;
	if (last != NULL && last->type == XML_TEXT_NODE) {
		/* Text inserted next to text merges: place the element first. */
		if (xmlAddPrevSibling(last, sig) == NULL ||
		    xmlAddPrevSibling(sig, xmlNewDocText(xml, BAD_CAST "\n  ")) ==
		    NULL)
			goto nomem;
	} else if (xmlAddChild(root, sig) == NULL)
		goto nomem;

	/* Reference URI="" + enveloped: the document minus this Signature. */
	sel.top = sig;
	sel.include = 0;
	if ((r = c14n_sha256(xml, &sel, md, err)) != 0)
		goto out;
	if ((b64 = base64(md, sizeof(md))) == NULL)
		goto nomem;
	xmlNodeSetContent(dv, b64);
	xmlFree(b64);
	b64 = NULL;

	sel.top = si;
	sel.include = 1;
	if ((r = c14n_sha256(xml, &sel, md, err)) != 0 ||
	    (r = signer_sign_sha256(key, md, sigbuf, &siglen, err)) != 0)
		goto out;
	if ((b64 = base64(sigbuf, siglen)) == NULL)
		goto nomem;
	xmlNodeSetContent(sv, b64);
	sig = NULL;		/* now owned by the document */
	r = 0;
	goto out;
nomem:
	r = cs_err_set(err, CS_E_NOMEM, "out of memory building the signature");
out:
	if (sig != NULL && r != 0) {
		xmlUnlinkNode(sig);
		xmlFreeNode(sig);
	}
	xmlFree(b64);
	return r;
}

int
signer_xmldsig_selfcheck(const char *xml, size_t len, EVP_PKEY *pub,
    struct cs_err *err)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr node;
	xmlSecDSigCtxPtr ctx = NULL;
	xmlSecKeyDataPtr data = NULL;
	int r = CS_E_CRYPTO;

	if ((doc = xmlReadMemory(xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET)) == NULL) {
		r = cs_err_set(err, CS_E_CRYPTO,
		    "self-check: the signed document does not parse");
		goto out;
	}
	if ((node = xmlSecFindNode(xmlDocGetRootElement(doc),
	    xmlSecNodeSignature, xmlSecDSigNs)) == NULL) {
		r = cs_err_set(err, CS_E_CRYPTO, "self-check: no Signature");
		goto out;
	}
	if ((ctx = xmlSecDSigCtxCreate(NULL)) == NULL ||
	    (ctx->signKey = xmlSecKeyCreate()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "self-check: out of memory");
		goto out;
	}
	/*
	 * The key is the office certificate's, never one found in the
	 * document.  Adopting a reference to the public key costs a fraction
	 * of parsing the certificate again for every document.
	 */
	if (EVP_PKEY_up_ref(pub) != 1 ||
	    (data = xmlSecOpenSSLEvpKeyAdopt(pub)) == NULL) {
		EVP_PKEY_free(pub);	/* the reference taken above */
		r = cs_err_set(err, CS_E_CRYPTO,
		    "self-check: cannot use the office certificate key");
		goto out;
	}
	if (xmlSecKeySetValue(ctx->signKey, data) < 0) {
		xmlSecKeyDataDestroy(data);
		r = cs_err_set(err, CS_E_CRYPTO,
		    "self-check: cannot use the office certificate key");
		goto out;
	}
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
	if (xmlSecDSigCtxVerify(ctx, node) < 0 ||
	    ctx->status != xmlSecDSigStatusSucceeded) {
		r = cs_err_set(err, CS_E_CRYPTO,
		    "self-check: the signature just made does not verify; "
		    "nothing was issued");
		goto out;
	}
	r = 0;
out:
	if (ctx != NULL)
		xmlSecDSigCtxDestroy(ctx);
	xmlFreeDoc(doc);
	return r;
}
