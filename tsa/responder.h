/*
 * tsa/responder.h — an RFC 3161 timestamp authority: a TimeStampReq in, a
 * TimeStampResp out, built with OpenSSL's TS_RESP_CTX.
 *
 * The key is any EVP_PKEY, given to each reply: a daemon that borrows an
 * HSM key per use, and drops it for an HSM reconnect, keeps one responder
 * for its certificate and policy.  A key in the HSM (pkcs11/, libp11 0.4.12 on
 * OpenSSL 3.0) signs through TS_RESP_CTX as it is: CMS signing reaches
 * EVP_PKEY_sign on the token: tests/integration/test_tsad.sh signs with
 * SoftHSM2 keys, EC P-256 (the dev TSA) and RSA-2048, and has openssl
 * verify the tokens.  Every token made is checked against the TSA
 * certificate's public key before it is sent.
 *
 * The time is the system clock (gettimeofday, as TS_RESP_CTX reads it),
 * with milliseconds; faketime(1) can shift it for a set-up.
 *
 * Threads: a struct tsa_responder is read-only after tsa_responder_new;
 * each reply builds its own TS_RESP_CTX, so any number of threads may call
 * tsa_responder_reply at once (the HSM's own limits aside), with one key
 * or several.
 */
#ifndef CS_TSA_RESPONDER_H
#define CS_TSA_RESPONDER_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/err.h"

#define TSA_REQUEST_MAX 4096	/* a TimeStampReq is ~100 bytes */
#define TSA_SERIAL_LEN 20	/* RFC 3161 §2.4.2: up to 160 bits */

/*
 * Serial numbers, unique for every token of a TSA and increasing: the
 * wall-clock nanoseconds when the source was made (63 bits), 32 random
 * bits (two instances started in the same nanosecond still differ), then
 * a 64-bit counter.  They increase across restarts as long as the clock
 * does.  Thread-safe (an atomic counter).
 */
struct tsa_serial;

int tsa_serial_new(struct tsa_serial **out, struct cs_err *err);
void tsa_serial_free(struct tsa_serial *s);
/* The next serial, big-endian, into out. */
void tsa_serial_next(struct tsa_serial *s, unsigned char out[TSA_SERIAL_LEN]);

struct tsa_responder_opts {
	const char *cert_path;		/* PEM: the TSA certificate first */
	const char *chain_path;		/* PEM: more certificates for tokens, or NULL */
	const char *policy;		/* the TSA policy OID, dotted */
	unsigned accuracy_ms;		/* 0: no accuracy in the tokens */
	struct tsa_serial *serial;	/* borrowed; NULL: a source of its own */
};

struct tsa_responder;

/*
 * A responder for opts.  CS_E_CONFIG names what is wrong: a certificate
 * file, a certificate that is no TSA certificate (the one critical
 * extended key usage timeStamping), one expired or not yet valid, a
 * policy that is no OID.  *out is owned by the caller.
 */
int tsa_responder_new(const struct tsa_responder_opts *opts,
    struct tsa_responder **out, struct cs_err *err);
void tsa_responder_free(struct tsa_responder *r);

/* The TSA certificate (owned by the responder). */
X509 *tsa_responder_cert(const struct tsa_responder *r);

/*
 * Is key the certificate's?  (Its public half is compared; that the key
 * signs on its token is p11_key_check's to prove.)  CS_E_CONFIG names
 * the certificate when it is not.
 */
int tsa_responder_check_key(const struct tsa_responder *r, EVP_PKEY *key,
    struct cs_err *err);

/* What tsa_responder_reply made. */
struct tsa_reply {
	unsigned char *der;		/* the TimeStampResp to send */
	size_t len;
	int granted;			/* 1: it holds a token */
	char serial[48];		/* granted: the token's serial, hex */
	char gen_time[40];		/* granted: its genTime, as written */
	/*
	 * Not granted: the PKIFailureInfo name ("badDataFormat", "badAlg",
	 * "unacceptedPolicy", "unacceptedExtension", "badRequest",
	 * "systemFailure"...) and OpenSSL's status text.
	 */
	const char *failure;
	char detail[200];
};

/*
 * Answer the DER TimeStampReq req (len bytes), signing with key (borrowed
 * for the call; the certificate's, see tsa_responder_check_key).  0: out
 * holds a response to
 * send, granted or refused for a fault of the request (RFC 3161 status
 * rejection with its failure info).  Otherwise the fault is ours (CS_E_HSM
 * when signing failed, CS_E_CRYPTO when the token does not verify with the
 * TSA certificate, CS_E_UNAVAILABLE when the certificate is out of its
 * validity), err names it, and out->der holds a systemFailure response to
 * send, when one could be made.  tsa_reply_clear frees out in every case.
 */
int tsa_responder_reply(struct tsa_responder *r, EVP_PKEY *key,
    const unsigned char *req, size_t len, struct tsa_reply *out,
    struct cs_err *err);
void tsa_reply_clear(struct tsa_reply *rep);

#endif
