/* signer/issue.c — issuing: parse, authorise, sign, register; see issue.h. */
#include "signer/issue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/clock.h"
#include "core/doc.h"
#include "core/hex.h"

struct signer_request {
	json_t *root;			/* a reference of ours */
	const char *office;		/* in root */
	char client[SIGNER_CLIENT_NAME_MAX];
	char sha256[65];		/* of the request's bytes, hex */
};

int
signer_client_allows(const struct signer_client *who, const char *office)
{
	size_t i;

	if (who == NULL || office == NULL)
		return 0;
	if (who->all_offices)
		return 1;
	for (i = 0; i < who->n_offices; i++)
		if (strcmp(who->offices[i], office) == 0)
			return 1;
	return 0;
}

int
signer_request_new(json_t *root, const char *request_sha256,
    const struct signer_client *who, struct signer_request **out,
    struct cs_problems *probs, struct cs_err *err)
{
	struct signer_request *rq;
	struct cs_doc *doc = NULL;
	const char *office;
	json_t *jo;
	int r;

	*out = NULL;
	if (root == NULL)
		return cs_err_set(err, CS_E_USAGE, "signer_request_new: no request");
	if (who == NULL || who->name == NULL || who->name[0] == '\0' ||
	    strlen(who->name) >= SIGNER_CLIENT_NAME_MAX)
		return cs_err_set(err, CS_E_USAGE, "a client name of 1 to %d "
		    "bytes is required", SIGNER_CLIENT_NAME_MAX - 1);
	/* Its digits are the register's to check (cs_store_put). */
	if (request_sha256 == NULL || strlen(request_sha256) != 64)
		return cs_err_set(err, CS_E_USAGE, "the request's SHA-256 must "
		    "be 64 hex digits");
	jo = json_is_object(root) ? json_object_get(root, "office") : NULL;
	if (!json_is_string(jo)) {
		/* Not signable, and nothing to authorise: list all that is wrong. */
		r = cs_doc_from_json_value(root, NULL, &doc, probs, err);
		cs_doc_free(doc);
		if (r != 0)
			return r;
		/* The validator requires an office: this is not reached. */
		if (probs != NULL)
			cs_problems_add(probs, "/office", "office is required "
			    "and must be a string");
		return cs_err_set(err, CS_E_INVALID, "/office: office is "
		    "required and must be a string");
	}
	/* Authorise before anything else is looked at, let alone signed. */
	office = json_string_value(jo);
	if (!signer_client_allows(who, office))
		return cs_err_set(err, CS_E_DENIED, "client %s may not act for "
		    "office %s", who->name, cs_office_code_ok(office,
		    json_string_length(jo)) ? office : "(malformed code)");
	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	rq->root = json_incref(root);
	rq->office = office;
	snprintf(rq->client, sizeof(rq->client), "%s", who->name);
	memcpy(rq->sha256, request_sha256, sizeof(rq->sha256));
	*out = rq;
	return 0;
}

int
signer_request_parse(const char *json, size_t len,
    const struct signer_client *who, struct signer_request **out,
    struct cs_problems *probs, struct cs_err *err)
{
	json_t *root = NULL;
	unsigned char md[32];
	unsigned int mdlen = 0;
	char sha[65];
	int r;

	*out = NULL;
	if ((r = cs_doc_json_load(json, len, &root, probs, err)) != 0)
		return r;
	if (EVP_Digest(json, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		json_decref(root);
		return cs_err_openssl(err, CS_E_CRYPTO, "SHA-256 of the request");
	}
	cs_hex_encode(md, sizeof(md), sha);
	r = signer_request_new(root, sha, who, out, probs, err);
	json_decref(root);
	return r;
}

const char *
signer_request_office(const struct signer_request *rq)
{
	return rq->office;
}

const char *
signer_request_sha256(const struct signer_request *rq)
{
	return rq->sha256;
}

void
signer_request_free(struct signer_request *rq)
{
	if (rq == NULL)
		return;
	json_decref(rq->root);
	free(rq);
}

void
signer_issued_clear(struct signer_issued *is)
{
	if (is == NULL)
		return;
	cs_store_doc_free(is->reg);
	signer_doc_free(is->doc);
	memset(is, 0, sizeof(*is));
}

/*
 * The register's record of a signed document: the one place where a
 * document becomes a register row.  The XML is borrowed from d.
 */
static struct cs_store_doc *
record_of(const struct signer_request *rq, const struct signer_doc *d,
    const char *idem_key)
{
	struct cs_store_doc *reg;

	if ((reg = calloc(1, sizeof(*reg))) == NULL)
		return NULL;
	snprintf(reg->id, sizeof(reg->id), "%s", d->hdr.id);
	snprintf(reg->type, sizeof(reg->type), "%s",
	    cs_doc_type_name(d->doc->type));
	snprintf(reg->office, sizeof(reg->office), "%s", d->hdr.office);
	snprintf(reg->reg_number, sizeof(reg->reg_number), "%s",
	    d->doc->registration.number);
	snprintf(reg->reg_book, sizeof(reg->reg_book), "%s",
	    d->doc->registration.book);
	cs_date_format(&d->doc->registration.date, reg->reg_date,
	    sizeof(reg->reg_date));
	memcpy(reg->sha256, d->sha256_hex, sizeof(reg->sha256));
	snprintf(reg->signed_at, sizeof(reg->signed_at), "%s", d->hdr.signed_at);
	snprintf(reg->client, sizeof(reg->client), "%s", rq->client);
	snprintf(reg->idem_key, sizeof(reg->idem_key), "%s",
	    idem_key != NULL ? idem_key : "");
	memcpy(reg->request_sha256, rq->sha256, sizeof(reg->request_sha256));
	reg->status = CS_STATUS_VALID;
	reg->xml = d->xml;		/* borrowed: cs_store_put copies it */
	reg->xml_len = d->xml_len;
	return reg;
}

/*
 * The document registered under (client, key) answers rq if it was
 * registered for the same request: 0 (a replay), else CS_E_CONFLICT.
 * found becomes out->reg either way.
 */
static int
answer_retry(const struct signer_request *rq, struct cs_store_doc *found,
    struct signer_issued *out, struct cs_err *err)
{
	out->reg = found;
	if (strcmp(found->request_sha256, rq->sha256) == 0)
		return 0;
	return cs_err_set(err, CS_E_CONFLICT, "client %s used this "
	    "idempotency key for another request (document %s)", rq->client,
	    found->id);
}

int
signer_issue(struct signer *s, struct cs_store *st,
    const struct signer_request *rq, const char *idem_key,
    const struct cs_date *today, struct signer_issued *out,
    struct cs_problems *probs, struct cs_err *err)
{
	struct cs_store_doc *reg = NULL, *found = NULL;
	struct signer_doc *d = NULL;
	struct cs_doc *doc = NULL;
	struct cs_err scratch;
	double t0;
	int r;

	memset(out, 0, sizeof(*out));
	if (err == NULL)
		err = &scratch;	/* a code is changed below, keeping the words */
	if (idem_key != NULL && idem_key[0] == '\0')
		idem_key = NULL;
	/* A retry of a request already registered (perhaps by another process). */
	if (idem_key != NULL) {
		r = cs_store_find_idem(st, rq->client, idem_key, &found, err);
		if (r == 0)
			return answer_retry(rq, found, out, err);
		if (r != CS_E_NOTFOUND) {
			/* A register that cannot answer: nothing may be issued. */
			err->code = CS_E_UNAVAILABLE;
			return CS_E_UNAVAILABLE;
		}
	}
	t0 = cs_mono_seconds();
	if ((r = cs_doc_from_json_value(rq->root, today, &doc, probs, err)) != 0)
		goto out;
	/* What is signed is for the office that was authorised. */
	if (strcmp(doc->office, rq->office) != 0) {
		r = cs_err_set(err, CS_E_INTERNAL, "the validated office %s is "
		    "not the authorised office", doc->office);
		goto out;
	}
	r = signer_sign(s, doc, &d, probs, err);
	doc = NULL;		/* signer_sign owns it */
	if (r != 0)
		goto out;
	out->sign_seconds = cs_mono_seconds() - t0;
	if ((reg = record_of(rq, d, idem_key)) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	r = cs_store_put(st, reg, &found, err);
	reg->xml = NULL;	/* it was d's */
	reg->xml_len = 0;
	switch (r) {
	case 0:
		out->reg = reg;
		out->doc = d;
		reg = NULL;	/* transferred to caller */
		d = NULL;
		break;
	case CS_E_CONFLICT:
		/*
		 * found: another try registered this key first; its document
		 * is the answer, ours is dropped, unseen by anyone.  Else the
		 * registration already has a document; err names it.
		 */
		if (found != NULL) {
			r = answer_retry(rq, found, out, err);
			found = NULL;	/* out->reg */
		}
		break;
	case CS_E_UNAVAILABLE:
	case CS_E_NOMEM:
		break;
	default:
		/* The register refused a record it should accept: our bug. */
		cs_err_prefix(err, "registering document %s", reg->id);
		err->code = r = CS_E_INTERNAL;
		break;
	}
out:
	cs_doc_free(doc);
	cs_store_doc_free(found);
	cs_store_doc_free(reg);
	signer_doc_free(d);
	return r;
}
