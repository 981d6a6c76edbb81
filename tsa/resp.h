/*
 * tsa/resp.h — the TimeStampResp of RFC 3161 §2.4.2, both ways: what a
 * response says (its PKIStatusInfo, the token's exact bytes) for the client
 * and the responder, and the systemFailure response a TSA sends when it
 * cannot sign.
 */
#ifndef CS_TSA_RESP_H
#define CS_TSA_RESP_H

#include <stddef.h>

#include "core/err.h"

#define TSA_RESPONSE_MAX (256 * 1024)	/* larger responses are refused */

/* The PKIStatusInfo of a response. */
struct tsa_resp_status {
	int status;		/* PKIStatus: 0 granted, 1 grantedWithMods, 2 rejection... */
	const char *failure;	/* first PKIFailureInfo bit's name, or NULL */
	/* "rejection (badAlg): unsupported algorithm" — for messages */
	char text[200];
};

/*
 * Parse the DER TimeStampResp der (len bytes, nothing after it) into st,
 * and point *token (may be NULL) at the TimeStampToken's own bytes inside
 * der, *token_len long (0 when the response has none).  CS_E_INVALID names
 * what is malformed.
 */
int tsa_resp_parse(const unsigned char *der, size_t len,
    struct tsa_resp_status *st, const unsigned char **token,
    size_t *token_len, struct cs_err *err);

/* 1 when status grants a token (granted or grantedWithMods). */
int tsa_resp_granted(const struct tsa_resp_status *st);

/*
 * A response with status rejection, failInfo systemFailure and text (at
 * most 100 bytes of UTF-8): what a TSA answers when the fault is its own.
 * *der is malloc'd.  CS_E_NOMEM.
 */
int tsa_resp_system_failure(const char *text, unsigned char **der,
    size_t *len, struct cs_err *err);

#endif
