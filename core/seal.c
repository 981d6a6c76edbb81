/*
 * core/seal.c — encode and decode the QR seal (layout in core/seal.h, the
 * full specification in docs/seal-format.md).
 *
 * Nothing here signs or verifies: the signer signs the message with the
 * office key in the HSM, the verifier checks it against the trust list.
 * Decoding is strict: every length, date and digit is checked, and trailing
 * or missing bytes are refused, so that one seal has one meaning.
 */
#include "core/hex.h"
#include "core/seal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "core/text.h"

_Static_assert(CS_SEAL_TEXT_MAX <= CS_XML_SEAL_MAX,
    "core/xml.h CS_XML_SEAL_MAX too small for a seal");

#define PID_NONE UINT64_C(0xFFFFFFFFFF)
#define BLOCK 7			/* bytes per decimal block */
#define BLOCK_DIGITS 17		/* digits of a full block */

/* Digits of a block of k bytes: the fewest that hold 256^k - 1. */
static const int block_digits[BLOCK + 1] = { 0, 3, 5, 8, 10, 13, 15, 17 };

static int
sig_len_ok(enum cs_seal_alg alg, size_t n)
{
	if (alg == CS_SEAL_ES256)
		return n == 64;
	if (alg == CS_SEAL_RS256)
		return n >= 256 && n <= CS_SEAL_SIG_MAX;
	return 0;
}

static void
put_date(unsigned char *p, const struct cs_date *d)
{
	uint32_t v = ((uint32_t)d->y << 9) | ((uint32_t)d->m << 5) |
	    (uint32_t)d->d;

	p[0] = (unsigned char)(v >> 16);
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)v;
}

static int
get_date(const unsigned char *p, struct cs_date *d, int optional)
{
	uint32_t v = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
	struct cs_date t = { (int)(v >> 9), (int)((v >> 5) & 0xF),
	    (int)(v & 0x1F) };

	memset(d, 0, sizeof(*d));
	if (v == 0)
		return optional ? 0 : -1;
	if (!cs_date_valid(&t))		/* a real calendar day */
		return -1;
	*d = t;
	return 0;
}

static int
uuid_parse(const char *s, unsigned char out[16])
{
	static const int dash[] = { 8, 13, 18, 23 };
	size_t i, j = 0, k = 0;
	int hi = -1, v;

	if (strlen(s) != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		if (k < 4 && (int)i == dash[k]) {
			if (s[i] != '-')
				return -1;
			k++;
			continue;
		}
		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = s[i] - 'a' + 10;
		else
			return -1;
		if (hi < 0)
			hi = v;
		else {
			out[j++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return 0;
}

static void
uuid_format(const unsigned char id[16], char out[CS_DOCID_MAX])
{
	snprintf(out, CS_DOCID_MAX,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", id[0], id[1], id[2], id[3], id[4],
	    id[5], id[6], id[7], id[8], id[9], id[10], id[11], id[12], id[13],
	    id[14], id[15]);
}

int
cs_seal_from_doc(const struct cs_doc *doc, const struct cs_xml_header *hdr,
    struct cs_seal *out, struct cs_err *err)
{
	const char *name, *pid;
	const struct cs_date *birth;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->version = CS_SEAL_VERSION;
	out->type = doc->type;
	if (doc->type == CS_DOC_BIRTH) {
		birth = &doc->child.birth_date;
		pid = doc->child.personal_id;
	} else if (doc->type == CS_DOC_DEATH) {
		birth = &doc->deceased.birth_date;
		pid = doc->deceased.personal_id;
	} else
		return cs_err_set(err, CS_E_INVALID, "seal: unknown document type");
	if (uuid_parse(hdr->id, out->doc_id) != 0)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: document id is not a lower-case UUID");
	snprintf(out->doc_id_text, sizeof(out->doc_id_text), "%s", hdr->id);
	if (!cs_office_code_ok(hdr->office, strlen(hdr->office)))
		return cs_err_set(err, CS_E_INVALID,
		    "seal: office code must be 1-63 of A-Z a-z 0-9 - _ .");
	snprintf(out->office, sizeof(out->office), "%s", hdr->office);
	out->reg_date = doc->registration.date;
	out->birth_date = *birth;
	name = cs_doc_holder_name(doc);
	if (name == NULL || (n = strlen(name)) == 0 || n > CS_SEAL_NAME_MAX)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: the holder's full name must be 1-%d bytes of UTF-8",
		    CS_SEAL_NAME_MAX);
	memcpy(out->full_name, name, n + 1);
	if (pid != NULL && *pid != '\0') {
		if (strlen(pid) != 12 || strspn(pid, "0123456789") != 12)
			return cs_err_set(err, CS_E_INVALID,
			    "seal: personal ID must be 12 digits");
		memcpy(out->personal_id, pid, 13);
	}
	return 0;
}

int
cs_seal_encode_message(const struct cs_seal *s, unsigned char *buf,
    size_t cap, size_t *len, struct cs_err *err)
{
	size_t lo = strlen(s->office), ln = strlen(s->full_name), n;
	uint64_t pid = PID_NONE;
	int i;

	*len = 0;
	if (s->version != CS_SEAL_VERSION ||
	    (s->type != CS_DOC_BIRTH && s->type != CS_DOC_DEATH) ||
	    (s->alg != CS_SEAL_ES256 && s->alg != CS_SEAL_RS256))
		return cs_err_set(err, CS_E_INVALID,
		    "seal: version, type or algorithm out of range");
	if (!cs_office_code_ok(s->office, lo) || ln < 1 || ln > CS_SEAL_NAME_MAX)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: office code or name length out of range");
	n = CS_SEAL_FIXED_LEN + 1 + lo + 1 + ln;
	if (n > cap)
		return cs_err_set(err, CS_E_INVALID, "seal: buffer too small");
	if (s->personal_id[0] != '\0') {
		pid = 0;
		for (i = 0; i < 12; i++)
			pid = pid * 10 + (uint64_t)(s->personal_id[i] - '0');
	}
	buf[0] = (unsigned char)s->version;
	buf[1] = (unsigned char)s->type;
	buf[2] = (unsigned char)s->alg;
	memcpy(buf + 3, s->kid, CS_SEAL_KID_LEN);
	memcpy(buf + 11, s->doc_id, 16);
	put_date(buf + 27, &s->reg_date);
	put_date(buf + 30, &s->birth_date);
	for (i = 0; i < 5; i++)
		buf[33 + i] = (unsigned char)(pid >> (8 * (4 - i)));
	memcpy(buf + 38, s->content_hash, CS_SEAL_HASH_LEN);
	buf[54] = (unsigned char)lo;
	memcpy(buf + 55, s->office, lo);
	buf[55 + lo] = (unsigned char)ln;
	memcpy(buf + 56 + lo, s->full_name, ln);
	*len = n;
	return 0;
}

int
cs_seal_encode(const struct cs_seal *s, unsigned char *buf, size_t cap,
    size_t *len, struct cs_err *err)
{
	size_t n;
	int r;

	*len = 0;
	if (!sig_len_ok(s->alg, s->sig_len))
		return cs_err_set(err, CS_E_INVALID,
		    "seal: a %zu-byte signature does not fit algorithm %d",
		    s->sig_len, (int)s->alg);
	if ((r = cs_seal_encode_message(s, buf, cap, &n, err)) != 0)
		return r;
	if (n + s->sig_len > cap)
		return cs_err_set(err, CS_E_INVALID, "seal: buffer too small");
	memcpy(buf + n, s->sig, s->sig_len);
	*len = n + s->sig_len;
	return 0;
}

/* Valid UTF-8, no NUL, and already in NFC. */
static int
is_nfc(const char *s, size_t n)
{
	char *norm = NULL;
	size_t nlen = 0;
	int ok;

	if (memchr(s, '\0', n) != NULL ||
	    cs_text_nfc(s, n, &norm, &nlen, NULL) != 0)
		return 0;
	ok = nlen == n && memcmp(norm, s, n) == 0;
	free(norm);
	return ok;
}

int
cs_seal_decode(const unsigned char *buf, size_t len, struct cs_seal *out,
    struct cs_err *err)
{
	uint64_t pid = 0;
	size_t lo, ln, off;
	int i;

	memset(out, 0, sizeof(*out));
	if (len < CS_SEAL_FIXED_LEN + 2)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: truncated (%zu bytes)", len);
	if (buf[0] != CS_SEAL_VERSION)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: unknown version %u", buf[0]);
	out->version = buf[0];
	if (buf[1] != CS_DOC_BIRTH && buf[1] != CS_DOC_DEATH)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: unknown document type %u", buf[1]);
	out->type = (enum cs_doc_type)buf[1];
	if (buf[2] != CS_SEAL_ES256 && buf[2] != CS_SEAL_RS256)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: unknown signature algorithm %u", buf[2]);
	out->alg = (enum cs_seal_alg)buf[2];
	memcpy(out->kid, buf + 3, CS_SEAL_KID_LEN);
	memcpy(out->doc_id, buf + 11, 16);
	uuid_format(out->doc_id, out->doc_id_text);
	if (get_date(buf + 27, &out->reg_date, 0) != 0)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: registration date is not a calendar date");
	if (get_date(buf + 30, &out->birth_date, 1) != 0)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: birth date is not a calendar date");
	for (i = 0; i < 5; i++)
		pid = pid << 8 | buf[33 + i];
	if (pid != PID_NONE) {
		if (pid > UINT64_C(999999999999))
			return cs_err_set(err, CS_E_INVALID,
			    "seal: personal ID out of range");
		snprintf(out->personal_id, sizeof(out->personal_id),
		    "%012llu", (unsigned long long)pid);
	}
	memcpy(out->content_hash, buf + 38, CS_SEAL_HASH_LEN);
	lo = buf[54];
	if (CS_SEAL_FIXED_LEN + 1 + lo + 1 > len ||
	    !cs_office_code_ok((const char *)buf + 55, lo))
		return cs_err_set(err, CS_E_INVALID,
		    "seal: office code malformed or truncated");
	memcpy(out->office, buf + 55, lo);
	off = 55 + lo;
	ln = buf[off++];
	if (ln < 1 || off + ln > len)
		return cs_err_set(err, CS_E_INVALID,
		    "seal: full name empty or truncated");
	memcpy(out->full_name, buf + off, ln);
	if (!is_nfc(out->full_name, ln))
		return cs_err_set(err, CS_E_INVALID,
		    "seal: full name is not UTF-8 in NFC");
	off += ln;
	out->msg_len = off;
	out->sig_len = len - off;
	if (!sig_len_ok(out->alg, out->sig_len))
		return cs_err_set(err, CS_E_INVALID,
		    "seal: %zu signature bytes do not fit the algorithm "
		    "(truncated or extended seal)", out->sig_len);
	memcpy(out->sig, buf + off, out->sig_len);
	return 0;
}

int
cs_seal_to_text(const unsigned char *buf, size_t len, char *out, size_t cap,
    struct cs_err *err)
{
	size_t i, k, o = 0;
	uint64_t v;
	int nd, d;

	for (i = 0; i < len; i += k) {
		k = len - i < BLOCK ? len - i : BLOCK;
		nd = block_digits[k];
		if (o + (size_t)nd + 1 > cap)
			return cs_err_set(err, CS_E_INVALID,
			    "seal: text buffer too small");
		v = 0;
		for (size_t j = 0; j < k; j++)
			v = v << 8 | buf[i + j];
		for (d = nd - 1; d >= 0; d--) {
			out[o + (size_t)d] = (char)('0' + v % 10);
			v /= 10;
		}
		o += (size_t)nd;
	}
	if (o + 1 > cap)
		return cs_err_set(err, CS_E_INVALID, "seal: text buffer too small");
	out[o] = '\0';
	return 0;
}

/* The digits of a seal text: bare, or after the last "/v/" of a URL. */
static const char *
seal_digits(const char *text, size_t *n)
{
	const char *p = text, *q;

	for (q = text; (q = strchr(q, '/')) != NULL; q++)
		if ((q[1] == 'v' || q[1] == 'V') && q[2] == '/')
			p = q + 3;
	*n = strlen(p);
	return p;
}

int
cs_seal_from_text(const char *text, unsigned char *buf, size_t cap,
    size_t *len, struct cs_err *err)
{
	const char *p;
	size_t n, full, rem, i, o = 0;
	int k = 0, j;
	uint64_t v;

	*len = 0;
	p = seal_digits(text, &n);
	if (n == 0)
		return cs_err_set(err, CS_E_INVALID, "seal: empty");
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return cs_err_set(err, CS_E_INVALID,
			    "seal: character %zu is not a digit", i + 1);
	full = n / BLOCK_DIGITS;
	rem = n % BLOCK_DIGITS;
	if (rem != 0) {
		for (k = 1; k < BLOCK; k++)
			if ((size_t)block_digits[k] == rem)
				break;
		if (k == BLOCK)
			return cs_err_set(err, CS_E_INVALID,
			    "seal: %zu digits is not a length the encoding "
			    "gives (truncated?)", n);
	}
	if (full * BLOCK + (size_t)(rem ? k : 0) > cap)
		return cs_err_set(err, CS_E_INVALID, "seal: too long");
	for (i = 0; i < n; ) {
		size_t nd = n - i >= BLOCK_DIGITS ? BLOCK_DIGITS : rem;
		int nb = nd == BLOCK_DIGITS ? BLOCK : k;

		v = 0;
		for (size_t d = 0; d < nd; d++)
			v = v * 10 + (uint64_t)(p[i + d] - '0');
		if (nb < 8 && v >> (8 * nb) != 0)
			return cs_err_set(err, CS_E_INVALID,
			    "seal: digit block at %zu is out of range", i + 1);
		for (j = nb - 1; j >= 0; j--)
			buf[o + (size_t)(nb - 1 - j)] =
			    (unsigned char)(v >> (8 * j));
		o += (size_t)nb;
		i += nd;
	}
	*len = o;
	return 0;
}

static int
is_elem(xmlNodePtr n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST ns) &&
	    xmlStrEqual(n->name, BAD_CAST name);
}

/* Remove n and the whitespace-only text node right before it, if any. */
static void
drop_with_indent(xmlNodePtr n)
{
	xmlNodePtr prev = n->prev;

	if (prev != NULL && prev->type == XML_TEXT_NODE &&
	    xmlIsBlankNode(prev)) {
		xmlUnlinkNode(prev);
		xmlFreeNode(prev);
	}
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

int
cs_seal_content_hash(xmlDocPtr xml, unsigned char out[CS_SEAL_HASH_LEN],
    struct cs_err *err)
{
	xmlDocPtr copy = NULL;
	xmlNodePtr root, n, next, seal;
	xmlChar *c14n = NULL;
	unsigned char md[32];
	unsigned int mdlen = 0;
	int clen, r = CS_E_INTERNAL;

	if ((copy = xmlCopyDoc(xml, 1)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "seal: out of memory");
		goto out;
	}
	if ((root = xmlDocGetRootElement(copy)) == NULL) {
		r = cs_err_set(err, CS_E_INVALID, "seal: document has no root");
		goto out;
	}
	for (n = root->children; n != NULL; n = next) {
		next = n->next;
		if (is_elem(n, CS_XML_DSIG_NS, "Signature"))
			drop_with_indent(n);
	}
	if ((seal = cs_xml_seal_node(copy)) != NULL)
		drop_with_indent(seal);
	if ((clen = xmlC14NDocDumpMemory(copy, NULL, XML_C14N_EXCLUSIVE_1_0,
	    NULL, 0, &c14n)) < 0) {
		r = cs_err_set(err, CS_E_INVALID,
		    "seal: cannot canonicalise the document");
		goto out;
	}
	if (EVP_Digest(c14n, (size_t)clen, md, &mdlen, EVP_sha256(), NULL) != 1) {
		r = cs_err_set(err, CS_E_CRYPTO, "seal: SHA-256 failed");
		goto out;
	}
	memcpy(out, md, CS_SEAL_HASH_LEN);
	r = 0;
out:
	xmlFree(c14n);
	xmlFreeDoc(copy);
	return r;
}

int
cs_seal_compare_fields(const struct cs_seal *a, const struct cs_seal *b,
    struct cs_err *err)
{
	if (a->version != b->version)
		return cs_err_set(err, CS_E_INVALID, "seal version differs");
	if (a->type != b->type)
		return cs_err_set(err, CS_E_INVALID, "seal document type differs");
	if (memcmp(a->doc_id, b->doc_id, 16) != 0)
		return cs_err_set(err, CS_E_INVALID, "seal document id differs");
	if (strcmp(a->office, b->office) != 0)
		return cs_err_set(err, CS_E_INVALID, "seal office differs");
	if (cs_date_cmp(&a->reg_date, &b->reg_date) != 0)
		return cs_err_set(err, CS_E_INVALID,
		    "seal registration date differs");
	if (strcmp(a->full_name, b->full_name) != 0)
		return cs_err_set(err, CS_E_INVALID, "seal full name differs");
	if (cs_date_cmp(&a->birth_date, &b->birth_date) != 0)
		return cs_err_set(err, CS_E_INVALID, "seal birth date differs");
	if (strcmp(a->personal_id, b->personal_id) != 0)
		return cs_err_set(err, CS_E_INVALID, "seal personal ID differs");
	return 0;
}

static json_t *
hex_json(const unsigned char *p, size_t n)
{
	char buf[2 * 32 + 1];

	cs_hex_encode(p, n < 32 ? n : 32, buf);
	return json_string(buf);
}

static json_t *
date_json(const struct cs_date *d)
{
	char buf[CS_DATE_STR_MAX];

	if (d->y == 0)
		return json_null();
	cs_date_format(d, buf, sizeof(buf));
	return json_string(buf);
}

json_t *
cs_seal_fields_json(const struct cs_seal *s)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:s}",
	    "version", s->version,
	    "type", cs_doc_type_name(s->type),
	    "document_id", s->doc_id_text,
	    "office", s->office,
	    "registration_date", date_json(&s->reg_date),
	    "full_name", s->full_name,
	    "birth_date", date_json(&s->birth_date),
	    "personal_id", s->personal_id[0] ? json_string(s->personal_id) :
	    json_null(),
	    "key_id", hex_json(s->kid, CS_SEAL_KID_LEN),
	    "content_hash", hex_json(s->content_hash, CS_SEAL_HASH_LEN),
	    "alg", s->alg == CS_SEAL_ES256 ? "ES256" : "RS256");
}

int
cs_seal_kid(X509 *cert, unsigned char kid[CS_SEAL_KID_LEN],
    struct cs_err *err)
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	/* X509_digest hashes the DER encoding. */
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) != 1)
		return cs_err_openssl(err, CS_E_CRYPTO, "seal: key id");
	memcpy(kid, md, CS_SEAL_KID_LEN);
	return 0;
}

/* Raw r||s (2 x 32 bytes) to the DER SEQUENCE OpenSSL verifies. */
static int
ecdsa_der(const unsigned char *raw, unsigned char **der, int *len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(raw, 32, NULL), *bs = BN_bin2bn(raw + 32, 32,
	    NULL);
	int ok = 0;

	*der = NULL;
	if (es != NULL && br != NULL && bs != NULL &&
	    ECDSA_SIG_set0(es, br, bs) == 1) {
		br = bs = NULL;		/* owned by es */
		ok = (*len = i2d_ECDSA_SIG(es, der)) > 0;
	}
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(es);
	return ok ? 0 : -1;
}

int
cs_seal_verify_signature(const struct cs_seal *s, const unsigned char *msg,
    size_t msg_len, EVP_PKEY *pub, struct cs_err *err)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *sig = s->sig;
	size_t siglen = s->sig_len;
	int type = EVP_PKEY_base_id(pub), bits = EVP_PKEY_bits(pub), dlen;
	int r = CS_E_CRYPTO;

	if (s->alg == CS_SEAL_ES256) {
		if (type != EVP_PKEY_EC || bits != 256)
			return cs_err_set(err, CS_E_CRYPTO, "seal: algorithm "
			    "ES256 but the certificate key is not P-256");
		if (s->sig_len != 64 || ecdsa_der(s->sig, &der, &dlen) != 0)
			return cs_err_set(err, CS_E_CRYPTO,
			    "seal: malformed ECDSA signature");
		sig = der;
		siglen = (size_t)dlen;
	} else if (s->alg == CS_SEAL_RS256) {
		if (type != EVP_PKEY_RSA || bits < 2048 || bits > 4096 ||
		    s->sig_len != (size_t)EVP_PKEY_get_size(pub))
			return cs_err_set(err, CS_E_CRYPTO, "seal: algorithm "
			    "RS256 but the certificate key or signature length "
			    "does not match");
	} else
		return cs_err_set(err, CS_E_CRYPTO, "seal: unknown algorithm");
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, pub) != 1 ||
	    (s->alg == CS_SEAL_RS256 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)) {
		r = cs_err_openssl(err, CS_E_CRYPTO, "seal: verifier setup");
		goto out;
	}
	if (EVP_DigestVerify(ctx, sig, siglen, msg, msg_len) != 1) {
		ERR_clear_error();
		r = cs_err_set(err, CS_E_CRYPTO,
		    "seal: the signature does not verify with the key the key "
		    "id names");
		goto out;
	}
	r = 0;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return r;
}
