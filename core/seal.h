/*
 * core/seal.h — the QR seal: a compact, signed summary of a document that a
 * phone or an offline verifier checks without the XML (docs/seal-format.md).
 *
 * Binary layout, version 1 (all integers big-endian):
 *
 *   0   1  version (1)
 *   1   1  document type: 1 birth, 2 death
 *   2   1  signature algorithm: 1 ES256 (raw r||s, 64 bytes), 2 RS256
 *   3   8  key id: first 8 bytes of SHA-256(DER of the sealing certificate)
 *  11  16  document id (UUID bytes)
 *  27   3  registration date, packed year<<9 | month<<5 | day
 *  30   3  holder's birth date, packed likewise (0 when unknown)
 *  33   5  holder's personal ID number, 12 digits as an integer
 *          (0xFFFFFFFFFF when the holder has none)
 *  38  16  content hash: SHA-256 of the canonical document (below), truncated
 *  54   1  length L1 of the office code, 1..63; then L1 bytes of ASCII
 *   .   1  length L2 of the holder's full name, 1..255; then L2 bytes UTF-8 NFC
 *   .   *  signature over every byte before it (SHA-256): the rest of the seal
 *
 * Text form: the bytes in blocks of 7, each block written as a 17-digit
 * decimal number (a last block of k < 7 bytes as 3, 5, 8, 10, 13 or 15
 * digits), so the seal travels in QR numeric mode.  The QR code holds
 * "<base URL>/v/<digits>".
 *
 * The content hash covers the document with its ds:Signature and its
 * Header/Seal elements removed (each with the whitespace-only text node right
 * before it), in exclusive C14N: the seal lives inside the signed XML (so the
 * XML signature covers it) and cannot hash itself.
 */
#ifndef CS_SEAL_H
#define CS_SEAL_H

#include <stddef.h>

#include <jansson.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/date.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/xml.h"

#define CS_SEAL_VERSION 1
#define CS_SEAL_FIXED_LEN 54	/* bytes before the office code */
#define CS_SEAL_KID_LEN 8
#define CS_SEAL_HASH_LEN 16
#define CS_SEAL_NAME_MAX 255	/* bytes of UTF-8 */
#define CS_SEAL_SIG_MAX 512	/* RSA-4096 */
#define CS_SEAL_BYTES_MAX (CS_SEAL_FIXED_LEN + 1 + 63 + 1 + 255 + CS_SEAL_SIG_MAX)
/* Digits for CS_SEAL_BYTES_MAX bytes, plus NUL. */
#define CS_SEAL_TEXT_MAX ((CS_SEAL_BYTES_MAX + 6) / 7 * 17 + 1)

enum cs_seal_alg {
	CS_SEAL_ES256 = 1,	/* ECDSA P-256, SHA-256, raw r||s (64 bytes) */
	CS_SEAL_RS256 = 2,	/* RSASSA-PKCS1-v1_5, SHA-256 (modulus size) */
};

/* A decoded seal.  Strings are NUL-terminated. */
struct cs_seal {
	int version;
	enum cs_doc_type type;
	enum cs_seal_alg alg;
	unsigned char kid[CS_SEAL_KID_LEN];
	unsigned char doc_id[16];
	char doc_id_text[CS_DOCID_MAX];		/* lower-case UUID */
	struct cs_date reg_date;
	struct cs_date birth_date;		/* all zero when unknown */
	char personal_id[13];			/* "" when none */
	unsigned char content_hash[CS_SEAL_HASH_LEN];
	char office[CS_OFFICE_MAX];
	char full_name[CS_SEAL_NAME_MAX + 1];
	unsigned char sig[CS_SEAL_SIG_MAX];
	size_t sig_len;
	size_t msg_len;		/* signed prefix length in the encoded form */
};

/*
 * Fill the fields a seal binds from a record and its header (everything but
 * alg, kid, content_hash and the signature).  CS_E_INVALID when a field does
 * not fit the format (name longer than 255 bytes, id not a UUID).
 */
int cs_seal_from_doc(const struct cs_doc *doc, const struct cs_xml_header *hdr,
    struct cs_seal *out, struct cs_err *err);

/*
 * The signed part (everything before the signature) into buf (cap bytes,
 * CS_SEAL_BYTES_MAX is always enough); *len set.
 */
int cs_seal_encode_message(const struct cs_seal *s, unsigned char *buf,
    size_t cap, size_t *len, struct cs_err *err);

/* Message and signature (s->sig, s->sig_len) into buf; *len set. */
int cs_seal_encode(const struct cs_seal *s, unsigned char *buf, size_t cap,
    size_t *len, struct cs_err *err);

/*
 * Decode and check the structure (version, lengths, dates, digits, the
 * signature length for the algorithm).  Does not verify the signature.
 * CS_E_INVALID naming the field that is wrong.
 */
int cs_seal_decode(const unsigned char *buf, size_t len, struct cs_seal *out,
    struct cs_err *err);

/* Bytes to decimal digits (text form); out holds >= CS_SEAL_TEXT_MAX bytes. */
int cs_seal_to_text(const unsigned char *buf, size_t len, char *out,
    size_t cap, struct cs_err *err);

/*
 * Text form back to bytes.  Accepts the bare digits or a URL ending in
 * "/v/<digits>" (any scheme and host, upper- or lower-case V).  CS_E_INVALID
 * for anything else: a non-digit, a length that no block size gives, a block
 * whose value does not fit its bytes.
 */
int cs_seal_from_text(const char *text, unsigned char *buf, size_t cap,
    size_t *len, struct cs_err *err);

/*
 * The content hash of a document tree (which is not modified): SHA-256 of the
 * exclusive C14N of a copy without ds:Signature and Header/Seal (each with
 * the whitespace-only text node before it), first 16 bytes.
 */
int cs_seal_content_hash(xmlDocPtr xml, unsigned char out[CS_SEAL_HASH_LEN],
    struct cs_err *err);

/*
 * Compare the bound fields of two seals (not alg, kid, hash or signature).
 * 0 when equal; otherwise CS_E_INVALID naming the first field that differs.
 */
int cs_seal_compare_fields(const struct cs_seal *a, const struct cs_seal *b,
    struct cs_err *err);

/*
 * The seal's fields as JSON (new reference; NULL on ENOMEM):
 * {"version","type","document_id","office","registration_date",
 *  "full_name","birth_date","personal_id","key_id","content_hash","alg"};
 * birth_date and personal_id are null when the seal has none.
 */
json_t *cs_seal_fields_json(const struct cs_seal *s);

/*
 * Check the seal's signature over msg (its signed prefix, msg_len bytes)
 * with pub.  The key must match the seal's algorithm (ES256: a P-256 key;
 * RS256: RSA of 2048-4096 bits with a signature as long as the modulus).
 * CS_E_CRYPTO when the signature does not verify, naming why.
 */
int cs_seal_verify_signature(const struct cs_seal *s,
    const unsigned char *msg, size_t msg_len, EVP_PKEY *pub,
    struct cs_err *err);

/* Key id of a certificate: first 8 bytes of SHA-256 over its DER. */
int cs_seal_kid(X509 *cert, unsigned char kid[CS_SEAL_KID_LEN],
    struct cs_err *err);

#endif
