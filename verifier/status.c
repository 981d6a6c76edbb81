/* verifier/status.c — document status from the register; see status.h. */
#include "verifier/status.h"

#include <stdio.h>
#include <string.h>

#include "verifier/report.h"

const char *
verifier_status_name(enum verifier_status_state s)
{
	switch (s) {
	case VERIFIER_STATUS_VALID:		return "valid";
	case VERIFIER_STATUS_REVOKED:		return "revoked";
	case VERIFIER_STATUS_SUPERSEDED:	return "superseded";
	case VERIFIER_STATUS_NOT_FOUND:		return "not-found";
	case VERIFIER_STATUS_UNAVAILABLE:	return "unavailable";
	case VERIFIER_STATUS_UNCHECKED:		break;
	}
	return "unchecked";
}

int
verifier_status_apply(struct cs_store *st, int want_register,
    struct verifier_report *rep, struct verifier_status *out,
    struct cs_err *st_err)
{
	struct cs_store_doc *d = NULL;
	struct cs_err err;
	int r;

	memset(out, 0, sizeof(*out));
	/* Only a document the office really signed names a real id. */
	if ((rep->verdict != VERIFIER_VALID &&
	    rep->verdict != VERIFIER_REVOKED) || rep->unknown_issuer ||
	    rep->doc_id[0] == '\0')
		return 0;
	if (st == NULL) {
		if (!want_register)
			return 0;
		out->state = VERIFIER_STATUS_UNAVAILABLE;
		return verifier_report_warning(rep, "document status not "
		    "checked: the register is unavailable");
	}
	cs_err_clear(&err);
	r = cs_store_get(st, rep->doc_id, 0, &d, &err);
	if (r == CS_E_NOTFOUND) {
		out->state = VERIFIER_STATUS_NOT_FOUND;
		return verifier_report_warning(rep, "document status unknown: "
		    "the register has no document %s", rep->doc_id);
	}
	if (r == CS_E_NOMEM)
		return r;
	if (r != 0) {
		if (st_err != NULL)
			*st_err = err;
		out->state = VERIFIER_STATUS_UNAVAILABLE;
		return verifier_report_warning(rep, "document status not "
		    "checked: the register is unavailable");
	}
	snprintf(out->reason, sizeof(out->reason), "%s", d->status_reason);
	snprintf(out->at, sizeof(out->at), "%s", d->status_at);
	snprintf(out->superseded_by, sizeof(out->superseded_by), "%s",
	    d->superseded_by);
	switch (d->status) {
	case CS_STATUS_VALID:
		out->state = VERIFIER_STATUS_VALID;
		r = 0;
		break;
	case CS_STATUS_SUPERSEDED:
		out->state = VERIFIER_STATUS_SUPERSEDED;
		r = verifier_report_reason(rep, VERIFIER_REVOKED, "document "
		    "superseded by %s on %s: %s", out->superseded_by, out->at,
		    out->reason);
		break;
	case CS_STATUS_REVOKED:
	default:
		out->state = VERIFIER_STATUS_REVOKED;
		r = verifier_report_reason(rep, VERIFIER_REVOKED, "document "
		    "revoked by the issuing office on %s: %s", out->at,
		    out->reason);
		break;
	}
	cs_store_doc_free(d);
	return r;
}

const char *
verifyd_page_verdict(const struct verifier_report *rep,
    const struct verifier_status *st)
{
	switch (rep->verdict) {
	case VERIFIER_INVALID:
		return "invalid";
	case VERIFIER_UNTRUSTED:
		return "unknown-issuer";
	case VERIFIER_REVOKED:
		if (rep->unknown_issuer)
			return "unknown-issuer";
		return st->state == VERIFIER_STATUS_SUPERSEDED ? "superseded" :
		    "revoked";
	case VERIFIER_VALID:
		break;
	}
	/* Never "valid" for anything the register or the seal doubts. */
	if (rep->unknown_issuer)
		return "unknown-issuer";
	if (st->state == VERIFIER_STATUS_SUPERSEDED)
		return "superseded";
	if (st->state == VERIFIER_STATUS_REVOKED)
		return "revoked";
	return "valid";
}

static json_t *
str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

json_t *
verifier_full_json(const struct verifier_report *rep,
    const struct verifier_status *st)
{
	json_t *o, *s;
	int known = st->state == VERIFIER_STATUS_REVOKED ||
	    st->state == VERIFIER_STATUS_SUPERSEDED;

	if ((o = verifier_report_json(rep)) == NULL)
		return NULL;
	s = json_pack("{s:s, s:o, s:o, s:o}",
	    "state", verifier_status_name(st->state),
	    "reason", known ? str_or_null(st->reason) : json_null(),
	    "revoked_at", known ? str_or_null(st->at) : json_null(),
	    "superseded_by", st->state == VERIFIER_STATUS_SUPERSEDED ?
	    str_or_null(st->superseded_by) : json_null());
	if (s == NULL || json_object_set_new(o, "status", s) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
