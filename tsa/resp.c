/* tsa/resp.c — TimeStampResp parsing and the systemFailure response; see resp.h. */
#include "tsa/resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/ts.h>

static const char *const STATUS_NAMES[] = {
	"granted", "grantedWithMods", "rejection", "waiting",
	"revocationWarning", "revocationNotification",
};

/* PKIFailureInfo (RFC 3161 §2.4.2): bit, name. */
static const struct {
	int bit;
	const char *name;
} FAILURES[] = {
	{ TS_INFO_BAD_ALG, "badAlg" },
	{ TS_INFO_BAD_REQUEST, "badRequest" },
	{ TS_INFO_BAD_DATA_FORMAT, "badDataFormat" },
	{ TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable" },
	{ TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy" },
	{ TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension" },
	{ TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable" },
	{ TS_INFO_SYSTEM_FAILURE, "systemFailure" },
};

/* The TSA's free text, cut short and with control characters replaced:
 * it comes from the network and ends up in logs and messages. */
static void
status_text(const TS_STATUS_INFO *si, char *buf, size_t n)
{
	const STACK_OF(ASN1_UTF8STRING) *t = TS_STATUS_INFO_get0_text(si);
	const ASN1_UTF8STRING *s;
	const unsigned char *p;
	size_t i, len, k = 0;

	buf[0] = '\0';
	if (t == NULL || sk_ASN1_UTF8STRING_num(t) == 0)
		return;
	s = sk_ASN1_UTF8STRING_value(t, 0);
	p = ASN1_STRING_get0_data(s);
	len = (size_t)ASN1_STRING_length(s);
	for (i = 0; i < len && k + 1 < n && k < 100; i++)
		buf[k++] = p[i] < 0x20 || p[i] == 0x7f ? '?' : (char)p[i];
	buf[k] = '\0';
}

static void
describe(const TS_STATUS_INFO *si, struct tsa_resp_status *st)
{
	const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(si);
	char text[104];
	size_t i;

	st->failure = NULL;
	for (i = 0; fi != NULL && i < sizeof(FAILURES) / sizeof(FAILURES[0]);
	    i++) {
		if (ASN1_BIT_STRING_get_bit(fi, FAILURES[i].bit)) {
			st->failure = FAILURES[i].name;
			break;
		}
	}
	status_text(si, text, sizeof(text));
	snprintf(st->text, sizeof(st->text), "%s%s%s%s%s%s%s",
	    st->status >= 0 && st->status < 6 ? STATUS_NAMES[st->status] :
	    "unknown status", st->failure != NULL ? " (" : "",
	    st->failure != NULL ? st->failure : "",
	    st->failure != NULL ? ")" : "", text[0] ? ": \"" : "", text,
	    text[0] ? "\"" : "");
}

/* One definite-length TLV header at *p; its content length in *clen. */
static int
tlv(const unsigned char **p, long max, long *clen, int *tag)
{
	int xclass, ret;

	ret = ASN1_get_object(p, clen, tag, &xclass, max);
	return (ret & 0x80) || ret == 0x21 ? -1 : 0;
}

int
tsa_resp_parse(const unsigned char *der, size_t len,
    struct tsa_resp_status *st, const unsigned char **token,
    size_t *token_len, struct cs_err *err)
{
	const unsigned char *p = der, *end, *tok;
	TS_RESP *resp = NULL;
	long clen;
	int tag, r = CS_E_INTERNAL;

	memset(st, 0, sizeof(*st));
	st->status = -1;
	if (token != NULL)
		*token = NULL;
	if (token_len != NULL)
		*token_len = 0;
	if (len == 0)
		return cs_err_set(err, CS_E_INVALID, "empty TimeStampResp");
	if (len > TSA_RESPONSE_MAX)
		return cs_err_set(err, CS_E_INVALID, "TimeStampResp larger than "
		    "%d bytes", TSA_RESPONSE_MAX);
	ERR_clear_error();
	if ((resp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL) {
		r = cs_err_openssl(err, CS_E_INVALID, "not a DER TimeStampResp");
		goto out;
	}
	if (p != der + len) {
		r = cs_err_set(err, CS_E_INVALID, "TimeStampResp followed by "
		    "%zu more bytes", (size_t)(der + len - p));
		goto out;
	}
	st->status = (int)ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
	    TS_RESP_get_status_info(resp)));
	describe(TS_RESP_get_status_info(resp), st);
	/*
	 * The token's bytes as the TSA sent them, not re-encoded: they are
	 * what goes into a signature, and must be what the TSA signed.
	 * TimeStampResp ::= SEQUENCE { status PKIStatusInfo, token OPTIONAL }
	 */
	p = der;
	if (tlv(&p, (long)len, &clen, &tag) != 0 || tag != V_ASN1_SEQUENCE)
		goto malformed;
	end = p + clen;
	if (tlv(&p, end - p, &clen, &tag) != 0 || tag != V_ASN1_SEQUENCE)
		goto malformed;
	p += clen;
	if (p < end && token != NULL) {
		tok = p;
		if (tlv(&p, end - p, &clen, &tag) != 0 || p + clen != end)
			goto malformed;
		*token = tok;
		*token_len = (size_t)(end - tok);
	}
	r = 0;
	goto out;
malformed:
	r = cs_err_set(err, CS_E_INVALID, "TimeStampResp is not DER");
out:
	ERR_clear_error();
	TS_RESP_free(resp);
	return r;
}

int
tsa_resp_granted(const struct tsa_resp_status *st)
{
	return st->status == TS_STATUS_GRANTED ||
	    st->status == TS_STATUS_GRANTED_WITH_MODS;
}

/*
 * OpenSSL offers no setter for a PKIStatusInfo's failInfo outside a
 * TS_RESP_CTX at work, so this one is written out:
 *   SEQUENCE { SEQUENCE { INTEGER 2, SEQUENCE { UTF8String text },
 *                         BIT STRING systemFailure(25) } }
 * Bit 25 is the second bit of the fourth octet (0x40), six bits unused.
 */
int
tsa_resp_system_failure(const char *text, unsigned char **der, size_t *len,
    struct cs_err *err)
{
	static const unsigned char fail_info[] = { 0x03, 0x05, 0x06, 0x00,
		0x00, 0x00, 0x40 };
	size_t tl = strnlen(text, 100), info, n;
	unsigned char *b;

	/* Lengths stay below 128: one length octet each. */
	info = 3 + (2 + 2 + tl) + sizeof(fail_info);
	n = 2 + 2 + info;
	*der = NULL;
	*len = 0;
	if ((b = malloc(n)) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	b[0] = 0x30;				/* TimeStampResp */
	b[1] = (unsigned char)(2 + info);
	b[2] = 0x30;				/* PKIStatusInfo */
	b[3] = (unsigned char)info;
	b[4] = 0x02;				/* status */
	b[5] = 0x01;
	b[6] = TS_STATUS_REJECTION;
	b[7] = 0x30;				/* statusString */
	b[8] = (unsigned char)(2 + tl);
	b[9] = 0x0c;
	b[10] = (unsigned char)tl;
	memcpy(b + 11, text, tl);
	memcpy(b + 11 + tl, fail_info, sizeof(fail_info));
	*der = b;
	*len = n;
	return 0;
}
