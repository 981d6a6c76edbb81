/* verifier/report.c — the verification report and its JSON; see verifier.h. */
#include "verifier/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

struct verifier_report *
verifier_report_new(void)
{
	struct verifier_report *r = calloc(1, sizeof(*r));

	if (r != NULL)
		r->verdict = VERIFIER_VALID;
	return r;
}

static void
free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
verifier_report_free(struct verifier_report *r)
{
	if (r == NULL)
		return;
	free_strings(r->reasons, r->n_reasons);
	free_strings(r->warnings, r->n_warnings);
	X509_free(r->leaf);
	free(r->signer_subject);
	free(r->signer_office);
	free(r->signer_serial);
	free(r->signer_issuer);
	json_decref(r->fields);
	free(r->seal);
	free(r);
}

static int
severity(enum verifier_verdict v)
{
	switch (v) {
	case VERIFIER_INVALID:		return 3;
	case VERIFIER_REVOKED:		return 2;
	case VERIFIER_UNTRUSTED:	return 1;
	default:			return 0;
	}
}

static int
append(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char buf[1024], *s, **nv;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if ((s = strdup(buf)) == NULL)
		return CS_E_NOMEM;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(s);
		return CS_E_NOMEM;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

int
verifier_report_reason(struct verifier_report *r, enum verifier_verdict kind,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	/* Verdict first: a lost message must never lose the failure. */
	if (severity(kind) > severity(r->verdict))
		r->verdict = kind;
	va_start(ap, fmt);
	rc = append(&r->reasons, &r->n_reasons, fmt, ap);
	va_end(ap);
	return rc;
}

int
verifier_report_warning(struct verifier_report *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = append(&r->warnings, &r->n_warnings, fmt, ap);
	va_end(ap);
	return rc;
}

void
verifier_time_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ",
	    &tm) == 0) {
		if (len > 0)
			buf[0] = '\0';
	}
}

void
verifier_asn1_time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (len > 0)
		buf[0] = '\0';
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	if (strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 && len > 0)
		buf[0] = '\0';
}

char *
verifier_name_str(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *s = NULL;
	long n;

	if (b == NULL)
		return NULL;
	/* RFC 2253 with UTF-8 kept as is (Vietnamese office names). */
	if (X509_NAME_print_ex(b, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_get_mem_data(b, &p)) >= 0 && (s = malloc((size_t)n + 1)) != NULL) {
		memcpy(s, p, (size_t)n);
		s[n] = '\0';
	}
	BIO_free(b);
	return s;
}

char *
verifier_cert_office(X509 *x)
{
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_ENTRY *e;
	unsigned char *u = NULL;
	char *s = NULL;
	int i, n;

	if ((i = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1)) < 0)
		return NULL;
	/* A second serialNumber would make "the office" ambiguous. */
	if (X509_NAME_get_index_by_NID(name, NID_serialNumber, i) >= 0)
		return NULL;
	e = X509_NAME_get_entry(name, i);
	if ((n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e))) < 0)
		return NULL;
	if (memchr(u, '\0', (size_t)n) == NULL && (s = malloc((size_t)n + 1)) != NULL) {
		memcpy(s, u, (size_t)n);
		s[n] = '\0';
	}
	OPENSSL_free(u);
	return s;
}

int
verifier_report_set_leaf(struct verifier_report *r, X509 *leaf)
{
	BIGNUM *bn = NULL;
	char *hex;

	if (!X509_up_ref(leaf))
		return CS_E_INTERNAL;
	X509_free(r->leaf);
	r->leaf = leaf;
	free(r->signer_subject);
	free(r->signer_issuer);
	free(r->signer_office);
	free(r->signer_serial);
	r->signer_subject = verifier_name_str(X509_get_subject_name(leaf));
	r->signer_issuer = verifier_name_str(X509_get_issuer_name(leaf));
	r->signer_office = verifier_cert_office(leaf);
	r->signer_serial = NULL;
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL)) != NULL &&
	    (hex = BN_bn2hex(bn)) != NULL) {
		r->signer_serial = strdup(hex);
		OPENSSL_free(hex);
	}
	BN_free(bn);
	verifier_asn1_time_str(X509_get0_notBefore(leaf), r->signer_not_before,
	    sizeof(r->signer_not_before));
	verifier_asn1_time_str(X509_get0_notAfter(leaf), r->signer_not_after,
	    sizeof(r->signer_not_after));
	if (r->signer_subject == NULL || r->signer_issuer == NULL ||
	    r->signer_serial == NULL)
		return CS_E_NOMEM;
	return 0;
}

const char *
verifier_verdict_name(enum verifier_verdict v)
{
	switch (v) {
	case VERIFIER_VALID:		return "valid";
	case VERIFIER_INVALID:		return "invalid";
	case VERIFIER_UNTRUSTED:	return "untrusted";
	case VERIFIER_REVOKED:		return "revoked";
	}
	return "invalid";
}

static json_t *
strings_json(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* A JSON string, or null for an empty / absent value. */
static json_t *
str_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

json_t *
verifier_report_json(const struct verifier_report *r)
{
	json_t *o = NULL, *doc = NULL, *signer = NULL;
	int bad = 0;

	if ((o = json_object()) == NULL || (doc = json_object()) == NULL)
		goto fail;
	bad |= json_object_set_new(o, "verdict",
	    json_string(verifier_verdict_name(r->verdict)));
	bad |= json_object_set_new(o, "reasons",
	    strings_json(r->reasons, r->n_reasons));
	bad |= json_object_set_new(o, "warnings",
	    strings_json(r->warnings, r->n_warnings));
	bad |= json_object_set_new(doc, "id", str_or_null(r->doc_id));
	bad |= json_object_set_new(doc, "type", str_or_null(r->doc_type));
	bad |= json_object_set_new(doc, "office", str_or_null(r->office));
	bad |= json_object_set_new(doc, "signed_at", str_or_null(r->signed_at));
	bad |= json_object_set_new(o, "document", doc);
	doc = NULL;		/* owned by o */
	if (r->leaf == NULL)
		bad |= json_object_set_new(o, "signer", json_null());
	else {
		if ((signer = json_object()) == NULL)
			goto fail;
		bad |= json_object_set_new(signer, "subject",
		    str_or_null(r->signer_subject));
		bad |= json_object_set_new(signer, "office",
		    str_or_null(r->signer_office));
		bad |= json_object_set_new(signer, "serial",
		    str_or_null(r->signer_serial));
		bad |= json_object_set_new(signer, "issuer",
		    str_or_null(r->signer_issuer));
		bad |= json_object_set_new(signer, "not_before",
		    str_or_null(r->signer_not_before));
		bad |= json_object_set_new(signer, "not_after",
		    str_or_null(r->signer_not_after));
		bad |= json_object_set_new(o, "signer", signer);
		signer = NULL;	/* owned by o */
	}
	bad |= json_object_set(o, "fields",
	    r->fields != NULL ? r->fields : json_null());
	bad |= json_object_set_new(o, "seal", r->seal != NULL ?
	    cs_seal_fields_json(r->seal) : json_null());
	bad |= json_object_set_new(o, "unknown_issuer",
	    json_boolean(r->unknown_issuer));
	if (bad)
		goto fail;
	return o;
fail:
	json_decref(o);
	json_decref(doc);
	json_decref(signer);
	return NULL;
}
