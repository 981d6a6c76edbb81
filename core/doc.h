/*
 * core/doc.h — the document record: a birth certificate (Giấy khai sinh) or a
 * death extract (Trích lục khai tử), validated and normalised.
 *
 * Every string is UTF-8 in Unicode NFC, owned by the record.  The JSON input
 * format is the one of examples/ (snake_case keys, ISO 8601 dates).
 */
#ifndef CS_DOC_H
#define CS_DOC_H

#include <stddef.h>

#include <jansson.h>

#include "core/date.h"
#include "core/err.h"

enum cs_doc_type {
	CS_DOC_BIRTH = 1,
	CS_DOC_DEATH = 2,
};

enum cs_gender {
	CS_GENDER_NONE = 0,
	CS_GENDER_MALE = 1,
	CS_GENDER_FEMALE = 2,
};

enum cs_signer_title {
	CS_TITLE_NONE = 0,
	CS_TITLE_CHAIRMAN = 1,		/* "Chủ tịch" */
	CS_TITLE_VICE_CHAIRMAN = 2,	/* "Phó Chủ tịch" */
};

struct cs_registration {
	char *number;		/* số: opaque, printable, <= 32 chars */
	char *book;		/* quyển số: opaque, printable, <= 32 chars */
	struct cs_date date;
	char *place;
};

struct cs_child {
	char *full_name;
	struct cs_date birth_date;
	enum cs_gender gender;
	char *ethnicity;
	char *nationality;
	char *birth_place;
	char *hometown;
	char *personal_id;
};

struct cs_parent {
	int present;		/* father may be absent */
	char *full_name;
	struct cs_date birth_date;
	char *ethnicity;	/* NULL for a foreign parent who has none */
	char *nationality;
	char *residence;
	char *personal_id;	/* NULL for a foreign parent who has none */
};

struct cs_deceased {
	char *full_name;
	struct cs_date birth_date;
	enum cs_gender gender;
	char *ethnicity;
	char *nationality;
	char *personal_id;
	char *last_residence;
};

struct cs_notice {
	char *number;
	char *issuer;
	struct cs_date date;
};

struct cs_death {
	struct cs_datetime time;
	char *place;
	char *cause;		/* "" when undetermined */
	struct cs_notice notice;
};

struct cs_declarant {
	char *full_name;
	char *relationship;
	char *personal_id;
};

struct cs_signer {
	char *full_name;
	enum cs_signer_title title;
};

struct cs_doc {
	enum cs_doc_type type;
	char *office;		/* stable office id, e.g. "01-BADINH" */
	struct cs_registration registration;
	/* birth */
	struct cs_child child;
	struct cs_parent mother;
	struct cs_parent father;
	/* death */
	struct cs_deceased deceased;
	struct cs_death death;
	/* both */
	struct cs_declarant declarant;
	struct cs_signer signer;
};

/* A zeroed record (all strings NULL). */
struct cs_doc *cs_doc_new(void);
void cs_doc_free(struct cs_doc *doc);

/*
 * An office code: 1 to 63 of A-Z a-z 0-9 . _ - (s need not be
 * NUL-terminated; n bytes are read).  The one rule for config, requests,
 * documents and seals.
 */
int cs_office_code_ok(const char *s, size_t n);

/*
 * Parse and validate a registration request (JSON text of len bytes).
 * today is the current ICT date (NULL: computed from the clock); it bounds
 * "no date in the future".  On success *out owns a normalised record.
 * When the input breaks rules, returns CS_E_INVALID and lists every problem
 * (JSON pointer + rule) in probs; err summarises.  Other codes: CS_E_NOMEM.
 * The same as cs_doc_json_load, then cs_doc_from_json_value.
 */
int cs_doc_from_json(const char *json, size_t len, const struct cs_date *today,
    struct cs_doc **out, struct cs_problems *probs, struct cs_err *err);

/*
 * The JSON text of a request, parsed as the rules want it read (duplicate
 * keys refused; a NUL inside a string kept, so that the field holding it
 * is named).  *out is a new reference.  CS_E_INVALID with the syntax error
 * (line, column) as a problem at "" when it is not one JSON text.
 */
int cs_doc_json_load(const char *json, size_t len, json_t **out,
    struct cs_problems *probs, struct cs_err *err);

/* Validate a request already parsed (by cs_doc_json_load, or by a caller
 * that refuses malformed JSON its own way), as cs_doc_from_json does. */
int cs_doc_from_json_value(json_t *root, const struct cs_date *today,
    struct cs_doc **out, struct cs_problems *probs, struct cs_err *err);

/*
 * Validate a record built elsewhere (e.g. read back from signed XML): the
 * same rules as cs_doc_from_json, except that "today" is not checked when
 * today is NULL.  Returns 0 or CS_E_INVALID with probs filled.
 */
int cs_doc_validate(const struct cs_doc *doc, const struct cs_date *today,
    struct cs_problems *probs);

/* The record as JSON in the input format (new reference; NULL on ENOMEM). */
json_t *cs_doc_to_json(const struct cs_doc *doc);

/* The holder: child's or deceased's full name, birth date and personal ID. */
const char *cs_doc_holder_name(const struct cs_doc *doc);

const char *cs_doc_type_name(enum cs_doc_type t);	/* "birth" | "death" */
const char *cs_gender_name(enum cs_gender g);		/* "male" | "female" */
const char *cs_signer_title_name(enum cs_signer_title t); /* "Chủ tịch" | ... */

#endif
