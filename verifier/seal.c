/*
 * verifier/seal.c — a QR seal checked without the document and without a
 * network: the key id names a certificate of the trust file, the signature
 * must verify with it, and the certificate must chain to an anchor and not
 * be revoked at the time the seal was made.
 *
 * That time is the document id's: a UUIDv7 starts with the milliseconds
 * since the epoch at which the signer made it, and the id is signed inside
 * the seal.  A key compromise invalidates every seal whatever its time
 * (verifier/trust.c), so a backdated id gains a thief nothing.
 */
#include "verifier/seal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hex.h"
#include "core/seal.h"
#include "verifier/report.h"

#define FUTURE_SKEW_SECONDS (5 * 60)

/* Seconds since the epoch from a UUIDv7, or 0 when it is not one. */
static time_t
uuid7_time(const unsigned char id[16])
{
	unsigned long long ms = 0;
	int i;

	if ((id[6] >> 4) != 7 || (id[8] & 0xC0) != 0x80)
		return 0;
	for (i = 0; i < 6; i++)
		ms = ms << 8 | id[i];
	return (time_t)(ms / 1000);
}

int
verifier_seal_check_cert(X509 *cert, const struct cs_seal *seal,
    const unsigned char *msg, const char *what, struct verifier_report *rep)
{
	struct cs_err e;
	char *office;

	cs_err_clear(&e);
	if (cs_seal_verify_signature(seal, msg, seal->msg_len,
	    X509_get0_pubkey(cert), &e) != 0) {
		(void)verifier_report_reason(rep, VERIFIER_INVALID, "%s%s",
		    what, e.msg);
		return CS_E_CRYPTO;
	}
	office = verifier_cert_office(cert);
	verifier_trust_check_usage(cert, office, seal->office, rep);
	free(office);
	return 0;
}

/* Checks once the seal is decoded; failures become reasons. */
static int
check_decoded(const struct verifier_trust *t, struct cs_seal *seal,
    const unsigned char *msg, struct verifier_report *rep)
{
	char kid[2 * CS_SEAL_KID_LEN + 1], now_s[32];
	X509 *cert;
	time_t at, now = time(NULL);
	int r;

	snprintf(rep->doc_id, sizeof(rep->doc_id), "%s", seal->doc_id_text);
	snprintf(rep->doc_type, sizeof(rep->doc_type), "%s",
	    cs_doc_type_name(seal->type));
	snprintf(rep->office, sizeof(rep->office), "%s", seal->office);
	if ((cert = verifier_trust_find_kid(t, seal->kid)) == NULL) {
		cs_hex_encode(seal->kid, CS_SEAL_KID_LEN, kid);
		rep->unknown_issuer = 1;
		return verifier_report_reason(rep, VERIFIER_UNTRUSTED,
		    "unknown issuer: the seal's key id %s names no "
		    "certificate of the trust list", kid);
	}
	if ((r = verifier_report_set_leaf(rep, cert)) != 0)
		return r;
	if (verifier_seal_check_cert(cert, seal, msg, "", rep) != 0)
		return 0;	/* a bad signature: nothing below is vouched for */
	if ((at = uuid7_time(seal->doc_id)) == 0) {
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "the seal's document id is not a UUIDv7; certificates "
		    "judged at the current time");
		at = now;
	} else if (at > now + FUTURE_SKEW_SECONDS) {
		verifier_time_str(now, now_s, sizeof(now_s));
		(void)verifier_report_reason(rep, VERIFIER_INVALID,
		    "the seal's document id dates from the future (now %s)",
		    now_s);
	}
	rep->signed_at_t = at;
	verifier_time_str(at, rep->signed_at, sizeof(rep->signed_at));
	if ((r = verifier_trust_check(t, cert, NULL, at, rep)) != 0)
		return r;
	/* What the office signed; shown whatever the certificate's status. */
	if ((rep->seal = malloc(sizeof(*seal))) == NULL ||
	    (rep->fields = cs_seal_fields_json(seal)) == NULL)
		return CS_E_NOMEM;
	memcpy(rep->seal, seal, sizeof(*seal));
	return 0;
}

int
verifier_seal_check(const struct verifier_trust *t, const char *text,
    struct verifier_report **out, struct cs_err *err)
{
	struct verifier_report *rep = NULL;
	struct cs_seal *seal = NULL;
	struct cs_err e;
	unsigned char buf[CS_SEAL_BYTES_MAX];
	size_t len;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if ((rep = verifier_report_new()) == NULL ||
	    (seal = calloc(1, sizeof(*seal))) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	cs_err_clear(&e);
	if (cs_seal_from_text(text, buf, sizeof(buf), &len, &e) != 0 ||
	    cs_seal_decode(buf, len, seal, &e) != 0)
		(void)verifier_report_reason(rep, VERIFIER_INVALID, "%s", e.msg);
	else if ((r = check_decoded(t, seal, buf, rep)) != 0) {
		cs_err_set(err, r, "out of memory");
		goto out;
	}
	*out = rep;
	rep = NULL;		/* transferred to caller */
	r = 0;
out:
	free(seal);
	verifier_report_free(rep);
	return r;
}
