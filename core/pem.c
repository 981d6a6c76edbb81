/* core/pem.c — PEM certificates and CRLs, ASN.1 times; see pem.h. */
#include "core/pem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

/* A PEM read loop ends on "no start line": then nothing went wrong. */
static int
pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		ERR_clear_error();
		return 1;
	}
	return 0;
}

static int
open_file(const char *path, const char *what, BIO **out,
    struct cs_err *err)
{
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return cs_err_set(err, CS_E_IO, "cannot read %s %s: %s", what,
		    path, strerror(errno));
	if ((*out = BIO_new_fp(f, BIO_CLOSE)) == NULL) {
		fclose(f);
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	}
	return 0;
}

int
cs_pem_read_certs(const char *path, STACK_OF(X509) **out, struct cs_err *err)
{
	STACK_OF(X509) *sk = NULL;
	BIO *b = NULL;
	X509 *x;
	int r = CS_E_INTERNAL;

	*out = NULL;
	ERR_clear_error();
	if ((r = open_file(path, "certificates", &b, err)) != 0)
		return r;
	if ((sk = sk_X509_new_null()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_push(sk, x) <= 0) {
			X509_free(x);
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (!pem_at_end()) {
		r = cs_err_openssl(err, CS_E_CONFIG, "reading certificates");
		cs_err_prefix(err, "%s", path);
		goto out;
	}
	if (sk_X509_num(sk) == 0) {
		r = cs_err_set(err, CS_E_CONFIG, "%s holds no PEM certificate",
		    path);
		goto out;
	}
	*out = sk;
	sk = NULL;		/* transferred to caller */
	r = 0;
out:
	sk_X509_pop_free(sk, X509_free);
	BIO_free(b);
	return r;
}

int
cs_pem_read_crls(const char *path, STACK_OF(X509_CRL) **out,
    struct cs_err *err)
{
	STACK_OF(X509_CRL) *sk = NULL;
	BIO *b = NULL;
	X509_CRL *c;
	int r = CS_E_INTERNAL;

	*out = NULL;
	ERR_clear_error();
	if ((r = open_file(path, "CRLs", &b, err)) != 0)
		return r;
	if ((sk = sk_X509_CRL_new_null()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	while ((c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_CRL_push(sk, c) <= 0) {
			X509_CRL_free(c);
			r = cs_err_set(err, CS_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (!pem_at_end()) {
		r = cs_err_openssl(err, CS_E_CONFIG, "reading CRLs");
		cs_err_prefix(err, "%s", path);
		goto out;
	}
	if (sk_X509_CRL_num(sk) == 0) {
		r = cs_err_set(err, CS_E_CONFIG, "%s holds no PEM CRL", path);
		goto out;
	}
	*out = sk;
	sk = NULL;		/* transferred to caller */
	r = 0;
out:
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	BIO_free(b);
	return r;
}

time_t
cs_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return (time_t)-1;
	return timegm(&tm);
}
