/*
 * core/doc.c — the document record: JSON in, validation, JSON out; see doc.h.
 *
 * Two passes.  Parsing (cs_doc_from_json) checks what only the JSON shows —
 * one object, no duplicate or unknown keys, types, presence — and stores
 * every string NFC-normalised and cleaned by the rules of core/text.c.
 * Checking (shared with cs_doc_validate) applies the rules between fields:
 * dates in order and not in the future, personal IDs against their holder,
 * foreign parents.  Every problem is collected with its JSON pointer; nothing
 * stops at the first (docs/domain.md §2).
 */
#include "core/doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "core/pid.h"
#include "core/text.h"

#define PATH_MAX_LEN CS_PROBLEM_PATH_MAX
/* NFC; docs/domain.md §6: nationality is the country's Vietnamese name. */
#define VIETNAM "Việt Nam"
#define TITLE_CHAIRMAN "Chủ tịch"
#define TITLE_VICE_CHAIRMAN "Phó Chủ tịch"

/* The exact key sets of each object (docs/domain.md §2: exact names). */
static const char *const birth_keys[] = { "type", "office", "registration",
	"child", "mother", "father", "declarant", "signer", NULL };
static const char *const death_keys[] = { "type", "office", "registration",
	"deceased", "death", "declarant", "signer", NULL };
static const char *const common_keys[] = { "type", "office", "registration",
	"declarant", "signer", "child", "mother", "father", "deceased",
	"death", NULL };
static const char *const registration_keys[] = { "number", "book", "date",
	"place", NULL };
static const char *const child_keys[] = { "full_name", "birth_date",
	"gender", "ethnicity", "nationality", "birth_place", "hometown",
	"personal_id", NULL };
static const char *const parent_keys[] = { "full_name", "birth_date",
	"ethnicity", "nationality", "residence", "personal_id", NULL };
static const char *const deceased_keys[] = { "full_name", "birth_date",
	"gender", "ethnicity", "nationality", "personal_id", "last_residence",
	NULL };
static const char *const death_event_keys[] = { "time", "place", "cause",
	"notice", NULL };
static const char *const notice_keys[] = { "number", "issuer", "date", NULL };
static const char *const declarant_keys[] = { "full_name", "relationship",
	"personal_id", NULL };
static const char *const signatory_keys[] = { "full_name", "title", NULL };

/* ---- names --------------------------------------------------------------- */

const char *
cs_doc_type_name(enum cs_doc_type t)
{
	switch (t) {
	case CS_DOC_BIRTH:
		return "birth";
	case CS_DOC_DEATH:
		return "death";
	}
	return NULL;
}

const char *
cs_gender_name(enum cs_gender g)
{
	switch (g) {
	case CS_GENDER_MALE:
		return "male";
	case CS_GENDER_FEMALE:
		return "female";
	case CS_GENDER_NONE:
		break;
	}
	return NULL;
}

const char *
cs_signer_title_name(enum cs_signer_title t)
{
	switch (t) {
	case CS_TITLE_CHAIRMAN:
		return TITLE_CHAIRMAN;
	case CS_TITLE_VICE_CHAIRMAN:
		return TITLE_VICE_CHAIRMAN;
	case CS_TITLE_NONE:
		break;
	}
	return NULL;
}

const char *
cs_doc_holder_name(const struct cs_doc *doc)
{
	if (doc == NULL)
		return NULL;
	if (doc->type == CS_DOC_BIRTH)
		return doc->child.full_name;
	if (doc->type == CS_DOC_DEATH)
		return doc->deceased.full_name;
	return NULL;
}

/* ---- new / free ---------------------------------------------------------- */

struct cs_doc *
cs_doc_new(void)
{
	return calloc(1, sizeof(struct cs_doc));
}

static void
parent_free(struct cs_parent *p)
{
	free(p->full_name);
	free(p->ethnicity);
	free(p->nationality);
	free(p->residence);
	free(p->personal_id);
}

void
cs_doc_free(struct cs_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->office);
	free(doc->registration.number);
	free(doc->registration.book);
	free(doc->registration.place);
	free(doc->child.full_name);
	free(doc->child.ethnicity);
	free(doc->child.nationality);
	free(doc->child.birth_place);
	free(doc->child.hometown);
	free(doc->child.personal_id);
	parent_free(&doc->mother);
	parent_free(&doc->father);
	free(doc->deceased.full_name);
	free(doc->deceased.ethnicity);
	free(doc->deceased.nationality);
	free(doc->deceased.personal_id);
	free(doc->deceased.last_residence);
	free(doc->death.place);
	free(doc->death.cause);
	free(doc->death.notice.number);
	free(doc->death.notice.issuer);
	free(doc->declarant.full_name);
	free(doc->declarant.relationship);
	free(doc->declarant.personal_id);
	free(doc->signer.full_name);
	free(doc);
}

/* ---- helpers shared by both passes --------------------------------------- */

/* parent path + "/" + key, the key escaped as RFC 6901 requires. */
static void
join(char *dst, const char *path, const char *key)
{
	size_t n;

	n = (size_t)snprintf(dst, PATH_MAX_LEN, "%s/", path);
	for (; *key != '\0' && n + 3 < PATH_MAX_LEN; key++) {
		if (*key == '~' || *key == '/') {
			dst[n++] = '~';
			dst[n++] = *key == '~' ? '0' : '1';
		} else
			dst[n++] = *key;
	}
	if (n < PATH_MAX_LEN)
		dst[n] = '\0';
	else
		dst[PATH_MAX_LEN - 1] = '\0';
}

static int
is_vietnam(const char *s)
{
	return s != NULL && strcmp(s, VIETNAM) == 0;
}

/*
 * "Viet Nam", "VIỆT NAM", "Vietnam": Vietnam spelt otherwise.  Caught because
 * a parent whose nationality is not exactly "Việt Nam" may omit the personal
 * ID (docs/domain.md §6, decision 7); a misspelling must not open that door.
 */
static int
looks_like_vietnam(const char *s)
{
	utf8proc_uint8_t *f = NULL;
	char squeezed[32];
	size_t i, o = 0;
	int r = 0;

	if (s == NULL || is_vietnam(s) || strlen(s) > 30)
		return 0;
	if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &f,
	    UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE |
	    UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD) < 0)
		return 0;
	for (i = 0; f[i] != '\0' && o + 1 < sizeof(squeezed); i++)
		if (f[i] != ' ' && f[i] != '-')
			squeezed[o++] = (char)f[i];
	squeezed[o] = '\0';
	r = strcmp(squeezed, "vietnam") == 0;
	free(f);
	return r;
}

/* An office id is opaque printable ASCII, as in core/config.c. */
int
cs_office_code_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

/* ---- checks between fields (both entry points) --------------------------- */

struct check {
	struct cs_problems *probs;
	const struct cs_date *today;	/* NULL: the future is not checked */
	int full;	/* cs_doc_validate: presence and text rules too */
};

/* A text field of a record not built by the parser: present and clean. */
static void
check_text(struct check *c, const char *path, const char *s,
    enum cs_text_kind kind, int flags)
{
	struct cs_err e;
	char *clean = NULL;

	if (!c->full)
		return;		/* the parser has cleaned it already */
	if (s == NULL) {
		cs_problems_add(c->probs, path, "is required");
		return;
	}
	cs_err_clear(&e);
	if (cs_text_clean(s, strlen(s), kind, flags, &clean, &e) != 0)
		cs_problems_add(c->probs, path, "%s", e.msg);
	else if (strcmp(clean, s) != 0)
		cs_problems_add(c->probs, path, "is not in normal form "
		    "(Unicode NFC, single spaces, no leading or trailing "
		    "space)");
	free(clean);
}

/* 1 when d is usable; reports it missing, impossible or in the future. */
static int
check_date(struct check *c, const char *path, const struct cs_date *d)
{
	char s[CS_DATE_STR_MAX], t[CS_DATE_STR_MAX];

	if (d->y == 0 && d->m == 0 && d->d == 0) {
		if (c->full)
			cs_problems_add(c->probs, path, "is required");
		return 0;
	}
	if (!cs_date_valid(d)) {
		cs_problems_add(c->probs, path, "%04d-%02d-%02d is not a "
		    "calendar date", d->y, d->m, d->d);
		return 0;
	}
	if (c->today != NULL && cs_date_cmp(d, c->today) > 0) {
		cs_date_format(d, s, sizeof(s));
		cs_date_format(c->today, t, sizeof(t));
		cs_problems_add(c->probs, path, "%s is in the future (today is "
		    "%s in Vietnam)", s, t);
	}
	return 1;
}

/*
 * Date order.  v (the field at path) must not be after other (named name);
 * with strict, it must be before it.
 */
static void
check_before(struct check *c, const char *path, const struct cs_date *v,
    const char *name, const struct cs_date *other, int strict)
{
	char vs[CS_DATE_STR_MAX], os[CS_DATE_STR_MAX];
	int cmp = cs_date_cmp(v, other);

	if (cmp < 0 || (cmp == 0 && !strict))
		return;
	cs_date_format(v, vs, sizeof(vs));
	cs_date_format(other, os, sizeof(os));
	cs_problems_add(c->probs, path, "%s is %s %s %s", vs,
	    cmp == 0 ? "the same day as" : "after", name, os);
}

/* v (the field at path) must not be before other (named name). */
static void
check_after(struct check *c, const char *path, const struct cs_date *v,
    const char *name, const struct cs_date *other)
{
	char vs[CS_DATE_STR_MAX], os[CS_DATE_STR_MAX];

	if (cs_date_cmp(v, other) >= 0)
		return;
	cs_date_format(v, vs, sizeof(vs));
	cs_date_format(other, os, sizeof(os));
	cs_problems_add(c->probs, path, "%s is before %s %s", vs, name, os);
}

static void
check_gender(struct check *c, const char *path, enum cs_gender g)
{
	if (c->full && g != CS_GENDER_MALE && g != CS_GENDER_FEMALE)
		cs_problems_add(c->probs, path, "is required: male or female");
}

/*
 * A personal ID against its holder (docs/domain.md §3); gender NONE and
 * date_ok 0 leave out what is unknown or already reported.
 */
static void
check_pid(struct check *c, const char *path, const char *pid,
    enum cs_gender g, const struct cs_date *birth, int date_ok, int required)
{
	struct cs_err e;

	if (pid == NULL) {
		if (c->full && required)
			cs_problems_add(c->probs, path, "is required");
		return;
	}
	cs_err_clear(&e);
	if (cs_pid_check_person(pid, g, date_ok ? birth->y : 0, &e) != 0)
		cs_problems_add(c->probs, path, "%s", e.msg);
}

static void
check_nationality(struct check *c, const char *path, const char *s)
{
	check_text(c, path, s, CS_TEXT_NAME, 0);
	if (looks_like_vietnam(s))
		cs_problems_add(c->probs, path, "'%s': write the nationality "
		    "exactly as \"" VIETNAM "\"", s);
}

static void
check_registration(struct check *c, const struct cs_registration *reg,
    int *reg_ok)
{
	check_text(c, "/registration/number", reg->number, CS_TEXT_CODE, 0);
	check_text(c, "/registration/book", reg->book, CS_TEXT_CODE, 0);
	*reg_ok = check_date(c, "/registration/date", &reg->date);
	check_text(c, "/registration/place", reg->place, CS_TEXT_PLACE, 0);
}

static void
check_parent(struct check *c, const char *name, const struct cs_parent *p,
    enum cs_gender g, const struct cs_date *child_birth, int child_ok)
{
	char path[PATH_MAX_LEN];
	int ok, foreign;

	join(path, name, "full_name");
	check_text(c, path, p->full_name, CS_TEXT_NAME, 0);
	join(path, name, "birth_date");
	ok = check_date(c, path, &p->birth_date);
	/* A parent is born before the child, never on the same day. */
	if (ok && child_ok)
		check_before(c, path, &p->birth_date, "child.birth_date",
		    child_birth, 1);
	join(path, name, "nationality");
	check_nationality(c, path, p->nationality);
	/* docs/domain.md §6: a foreigner may lack personal ID, ethnicity. */
	foreign = p->nationality != NULL && !is_vietnam(p->nationality);
	join(path, name, "ethnicity");
	if (p->ethnicity != NULL || !foreign)
		check_text(c, path, p->ethnicity, CS_TEXT_NAME, 0);
	join(path, name, "residence");
	check_text(c, path, p->residence, CS_TEXT_PLACE, 0);
	join(path, name, "personal_id");
	check_pid(c, path, p->personal_id, g, &p->birth_date, ok, !foreign);
}

static void
check_birth(struct check *c, const struct cs_doc *doc, int reg_ok)
{
	const struct cs_child *ch = &doc->child;
	int ok;

	check_text(c, "/child/full_name", ch->full_name, CS_TEXT_NAME, 0);
	ok = check_date(c, "/child/birth_date", &ch->birth_date);
	if (ok && reg_ok)
		check_before(c, "/child/birth_date", &ch->birth_date,
		    "registration.date", &doc->registration.date, 0);
	check_gender(c, "/child/gender", ch->gender);
	check_text(c, "/child/ethnicity", ch->ethnicity, CS_TEXT_NAME, 0);
	check_nationality(c, "/child/nationality", ch->nationality);
	check_text(c, "/child/birth_place", ch->birth_place, CS_TEXT_PLACE, 0);
	check_text(c, "/child/hometown", ch->hometown, CS_TEXT_PLACE, 0);
	check_pid(c, "/child/personal_id", ch->personal_id, ch->gender,
	    &ch->birth_date, ok, 1);

	/* Decision 1 (docs/domain.md §9): mother required, father not. */
	check_parent(c, "/mother", &doc->mother, CS_GENDER_FEMALE,
	    &ch->birth_date, ok);
	if (doc->father.present)
		check_parent(c, "/father", &doc->father, CS_GENDER_MALE,
		    &ch->birth_date, ok);
}

static void
check_death(struct check *c, const struct cs_doc *doc, int reg_ok)
{
	const struct cs_deceased *dc = &doc->deceased;
	const struct cs_death *de = &doc->death;
	struct cs_date death_day;
	char s[CS_DATETIME_STR_MAX], t[CS_DATE_STR_MAX];
	int birth_ok, death_ok = 0, notice_ok;

	check_text(c, "/deceased/full_name", dc->full_name, CS_TEXT_NAME, 0);
	birth_ok = check_date(c, "/deceased/birth_date", &dc->birth_date);
	check_gender(c, "/deceased/gender", dc->gender);
	check_text(c, "/deceased/ethnicity", dc->ethnicity, CS_TEXT_NAME, 0);
	check_nationality(c, "/deceased/nationality", dc->nationality);
	check_pid(c, "/deceased/personal_id", dc->personal_id, dc->gender,
	    &dc->birth_date, birth_ok, 1);
	check_text(c, "/deceased/last_residence", dc->last_residence,
	    CS_TEXT_PLACE, 0);

	/* The order is judged on the ICT calendar day of the death. */
	if (de->time.date.y == 0 && de->time.date.m == 0 &&
	    de->time.date.d == 0) {
		if (c->full)
			cs_problems_add(c->probs, "/death/time", "is required");
	} else if (!cs_date_valid(&de->time.date) || (de->time.has_time &&
	    (de->time.hh < 0 || de->time.hh > 23 || de->time.mm < 0 ||
	    de->time.mm > 59 || de->time.ss < 0 || de->time.ss > 59 ||
	    de->time.offset_min < -14 * 60 || de->time.offset_min > 14 * 60)))
		cs_problems_add(c->probs, "/death/time", "is not a valid date "
		    "or time of day with its UTC offset");
	else {
		cs_datetime_ict_date(&de->time, &death_day);
		death_ok = 1;
		if (c->today != NULL && cs_date_cmp(&death_day, c->today) > 0) {
			cs_datetime_format(&de->time, s, sizeof(s));
			cs_date_format(c->today, t, sizeof(t));
			cs_problems_add(c->probs, "/death/time", "%s is in the "
			    "future (today is %s in Vietnam)", s, t);
		}
	}
	/* docs/domain.md §8: birth ≤ death ≤ notice ≤ registration. */
	if (birth_ok && death_ok)
		check_before(c, "/deceased/birth_date", &dc->birth_date,
		    "the date of death", &death_day, 0);
	check_text(c, "/death/place", de->place, CS_TEXT_PLACE, 0);
	check_text(c, "/death/cause", de->cause, CS_TEXT_PLACE,
	    CS_TEXT_ALLOW_EMPTY);
	check_text(c, "/death/notice/number", de->notice.number, CS_TEXT_CODE,
	    0);
	check_text(c, "/death/notice/issuer", de->notice.issuer, CS_TEXT_PLACE,
	    0);
	notice_ok = check_date(c, "/death/notice/date", &de->notice.date);
	if (notice_ok && death_ok)
		check_after(c, "/death/notice/date", &de->notice.date,
		    "the date of death", &death_day);
	if (notice_ok && reg_ok)
		check_after(c, "/registration/date", &doc->registration.date,
		    "death.notice.date", &de->notice.date);
	else if (death_ok && reg_ok)
		check_after(c, "/registration/date", &doc->registration.date,
		    "the date of death", &death_day);
}

static void
check_doc(struct check *c, const struct cs_doc *doc)
{
	int reg_ok;

	if (doc->type != CS_DOC_BIRTH && doc->type != CS_DOC_DEATH) {
		if (c->full)
			cs_problems_add(c->probs, "/type",
			    "must be \"birth\" or \"death\"");
	}
	if (doc->office == NULL) {
		if (c->full)
			cs_problems_add(c->probs, "/office", "is required");
	} else if (!cs_office_code_ok(doc->office, strlen(doc->office)))
		cs_problems_add(c->probs, "/office", "'%s' is not an office id "
		    "(1-63 ASCII letters, digits, '-', '_' or '.')",
		    doc->office);
	check_registration(c, &doc->registration, &reg_ok);
	if (doc->type == CS_DOC_BIRTH)
		check_birth(c, doc, reg_ok);
	else if (doc->type == CS_DOC_DEATH)
		check_death(c, doc, reg_ok);
	check_text(c, "/declarant/full_name", doc->declarant.full_name,
	    CS_TEXT_NAME, 0);
	check_text(c, "/declarant/relationship", doc->declarant.relationship,
	    CS_TEXT_NAME, 0);
	/* The declarant's sex and birth year are unknown: structure only. */
	check_pid(c, "/declarant/personal_id", doc->declarant.personal_id,
	    CS_GENDER_NONE, NULL, 0, 1);
	check_text(c, "/signer/full_name", doc->signer.full_name, CS_TEXT_NAME,
	    0);
	if (c->full && doc->signer.title != CS_TITLE_CHAIRMAN &&
	    doc->signer.title != CS_TITLE_VICE_CHAIRMAN)
		cs_problems_add(c->probs, "/signer/title", "is required: \""
		    TITLE_CHAIRMAN "\" or \"" TITLE_VICE_CHAIRMAN "\"");
}

/*
 * Validate a record built elsewhere (read back from signed XML): every rule,
 * presence and text rules included; today NULL skips "not in the future".
 * Problems are appended to probs (initialised by the caller).
 */
int
cs_doc_validate(const struct cs_doc *doc, const struct cs_date *today,
    struct cs_problems *probs)
{
	struct cs_problems local;
	struct check c;
	size_t before;

	if (probs == NULL) {
		cs_problems_init(&local);
		probs = &local;
	}
	before = probs->n + probs->dropped;
	if (doc == NULL) {
		cs_problems_add(probs, "", "no document");
		return CS_E_INVALID;
	}
	c.probs = probs;
	c.today = today;
	c.full = 1;
	check_doc(&c, doc);
	return probs->n + probs->dropped == before ? 0 : CS_E_INVALID;
}

/* ---- parsing ------------------------------------------------------------- */

struct parse {
	struct cs_problems *probs;
	int nomem;
};

static const char *
json_type_desc(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a JSON value";
}

/* The member key of obj, or NULL (reported at path/key when required). */
static json_t *
member(struct parse *p, json_t *obj, const char *path, const char *key,
    int required)
{
	char fp[PATH_MAX_LEN];
	json_t *v;

	if (obj == NULL)
		return NULL;
	if ((v = json_object_get(obj, key)) == NULL && required) {
		join(fp, path, key);
		cs_problems_add(p->probs, fp, "is required");
	}
	return v;
}

/* Every key of obj not in keys is a problem at its own pointer. */
static void
unknown_keys(struct parse *p, json_t *obj, const char *path,
    const char *const *keys)
{
	char fp[PATH_MAX_LEN];
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(obj, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			join(fp, path, k);
			cs_problems_add(p->probs, fp, "unknown key");
		}
	}
}

/* The object at path/key, its keys checked, or NULL when absent or wrong. */
static json_t *
section(struct parse *p, json_t *obj, const char *path, const char *key,
    const char *const *keys, int required, char *fp)
{
	json_t *v;

	join(fp, path, key);
	if ((v = member(p, obj, path, key, required)) == NULL)
		return NULL;
	if (!json_is_object(v)) {
		cs_problems_add(p->probs, fp, "must be an object, not %s",
		    json_type_desc(v));
		return NULL;
	}
	unknown_keys(p, v, fp, keys);
	return v;
}

/*
 * The NFC form of the string at path/key.  Returns 0 with *out set (owned by
 * the caller), 1 when absent or refused (already reported), -1 on ENOMEM.
 */
static int
raw_string(struct parse *p, json_t *obj, const char *path, const char *key,
    int required, const char *hint, char **out, size_t *outlen)
{
	char fp[PATH_MAX_LEN];
	struct cs_err e;
	json_t *v;
	int r;

	*out = NULL;
	if ((v = member(p, obj, path, key, required)) == NULL)
		return 1;
	join(fp, path, key);
	if (!json_is_string(v)) {
		cs_problems_add(p->probs, fp, "must be a string, not %s%s",
		    json_type_desc(v), hint);
		return 1;
	}
	cs_err_clear(&e);
	r = cs_text_nfc(json_string_value(v), json_string_length(v), out,
	    outlen, &e);
	if (r == CS_E_NOMEM) {
		p->nomem = 1;
		return -1;
	}
	if (r != 0) {
		cs_problems_add(p->probs, fp, "%s", e.msg);
		return 1;
	}
	/* "\u0000" is loaded (JSON_ALLOW_NUL) so that it is named here. */
	if (strlen(*out) != *outlen) {
		cs_problems_add(p->probs, fp, "contains control character "
		    "U+0000 NUL");
		free(*out);
		*out = NULL;
		return 1;
	}
	return 0;
}

/* A text field: NFC, then the §6 rules; *dst owns the clean value. */
static void
text(struct parse *p, json_t *obj, const char *path, const char *key,
    enum cs_text_kind kind, int flags, int required, char **dst)
{
	char fp[PATH_MAX_LEN];
	struct cs_err e;
	json_t *v;
	int r;

	if ((v = member(p, obj, path, key, required)) == NULL)
		return;
	join(fp, path, key);
	if (!json_is_string(v)) {
		cs_problems_add(p->probs, fp, "must be a string, not %s",
		    json_type_desc(v));
		return;
	}
	cs_err_clear(&e);
	r = cs_text_clean(json_string_value(v), json_string_length(v), kind,
	    flags, dst, &e);
	if (r == CS_E_NOMEM)
		p->nomem = 1;
	else if (r != 0)
		cs_problems_add(p->probs, fp, "%s", e.msg);
}

static void
date(struct parse *p, json_t *obj, const char *path, const char *key,
    struct cs_date *dst)
{
	char fp[PATH_MAX_LEN], *s = NULL;
	struct cs_err e;
	size_t len;

	if (raw_string(p, obj, path, key, 1, "", &s, &len) != 0)
		return;
	join(fp, path, key);
	cs_err_clear(&e);
	if (cs_date_parse(s, dst, &e) != 0)
		cs_problems_add(p->probs, fp, "%s", e.msg);
	free(s);
}

static void
datetime(struct parse *p, json_t *obj, const char *path, const char *key,
    struct cs_datetime *dst)
{
	char fp[PATH_MAX_LEN], *s = NULL;
	struct cs_err e;
	size_t len;

	if (raw_string(p, obj, path, key, 1, "", &s, &len) != 0)
		return;
	join(fp, path, key);
	cs_err_clear(&e);
	if (cs_datetime_parse(s, dst, &e) != 0)
		cs_problems_add(p->probs, fp, "%s", e.msg);
	free(s);
}

static void
gender(struct parse *p, json_t *obj, const char *path, const char *key,
    enum cs_gender *dst)
{
	char fp[PATH_MAX_LEN], *s = NULL;
	size_t len;

	if (raw_string(p, obj, path, key, 1, "", &s, &len) != 0)
		return;
	join(fp, path, key);
	if (strcmp(s, "male") == 0)
		*dst = CS_GENDER_MALE;
	else if (strcmp(s, "female") == 0)
		*dst = CS_GENDER_FEMALE;
	else
		cs_problems_add(p->probs, fp, "'%.40s' must be \"male\" or "
		    "\"female\"", s);
	free(s);
}

/* A personal ID is kept as given (NFC); the checks need its holder. */
static void
pid(struct parse *p, json_t *obj, const char *path, const char *key,
    int required, char **dst)
{
	size_t len;

	(void)raw_string(p, obj, path, key, required,
	    " (a JSON number loses the leading zeros)", dst, &len);
}

static void
title(struct parse *p, json_t *obj, const char *path, const char *key,
    enum cs_signer_title *dst)
{
	char fp[PATH_MAX_LEN], *s = NULL;
	size_t len;

	if (raw_string(p, obj, path, key, 1, "", &s, &len) != 0)
		return;
	join(fp, path, key);
	if (strcmp(s, TITLE_CHAIRMAN) == 0)
		*dst = CS_TITLE_CHAIRMAN;
	else if (strcmp(s, TITLE_VICE_CHAIRMAN) == 0)
		*dst = CS_TITLE_VICE_CHAIRMAN;
	else
		cs_problems_add(p->probs, fp, "'%.60s' must be \""
		    TITLE_CHAIRMAN "\" or \"" TITLE_VICE_CHAIRMAN "\"", s);
	free(s);
}

static void
parse_parent(struct parse *p, json_t *root, const char *key, int required,
    struct cs_parent *par)
{
	char path[PATH_MAX_LEN];
	json_t *o;
	int foreign;

	if ((o = section(p, root, "", key, parent_keys, required, path)) ==
	    NULL)
		return;
	par->present = 1;
	text(p, o, path, "full_name", CS_TEXT_NAME, 0, 1, &par->full_name);
	date(p, o, path, "birth_date", &par->birth_date);
	text(p, o, path, "nationality", CS_TEXT_NAME, 0, 1,
	    &par->nationality);
	/*
	 * Decision 7 (docs/domain.md §6): a foreign parent may have neither;
	 * when the nationality itself is refused, do not pile on.
	 */
	foreign = par->nationality == NULL || !is_vietnam(par->nationality);
	text(p, o, path, "ethnicity", CS_TEXT_NAME, 0, !foreign,
	    &par->ethnicity);
	text(p, o, path, "residence", CS_TEXT_PLACE, 0, 1, &par->residence);
	pid(p, o, path, "personal_id", !foreign, &par->personal_id);
}

static void
parse_birth(struct parse *p, json_t *root, struct cs_doc *doc)
{
	struct cs_child *ch = &doc->child;
	char path[PATH_MAX_LEN];
	json_t *o;

	if ((o = section(p, root, "", "child", child_keys, 1, path)) != NULL) {
		text(p, o, path, "full_name", CS_TEXT_NAME, 0, 1,
		    &ch->full_name);
		date(p, o, path, "birth_date", &ch->birth_date);
		gender(p, o, path, "gender", &ch->gender);
		text(p, o, path, "ethnicity", CS_TEXT_NAME, 0, 1,
		    &ch->ethnicity);
		text(p, o, path, "nationality", CS_TEXT_NAME, 0, 1,
		    &ch->nationality);
		text(p, o, path, "birth_place", CS_TEXT_PLACE, 0, 1,
		    &ch->birth_place);
		text(p, o, path, "hometown", CS_TEXT_PLACE, 0, 1,
		    &ch->hometown);
		pid(p, o, path, "personal_id", 1, &ch->personal_id);
	}
	parse_parent(p, root, "mother", 1, &doc->mother);
	parse_parent(p, root, "father", 0, &doc->father);
}

static void
parse_death(struct parse *p, json_t *root, struct cs_doc *doc)
{
	struct cs_deceased *dc = &doc->deceased;
	struct cs_death *de = &doc->death;
	char path[PATH_MAX_LEN], npath[PATH_MAX_LEN];
	json_t *o, *n;

	if ((o = section(p, root, "", "deceased", deceased_keys, 1, path)) !=
	    NULL) {
		text(p, o, path, "full_name", CS_TEXT_NAME, 0, 1,
		    &dc->full_name);
		date(p, o, path, "birth_date", &dc->birth_date);
		gender(p, o, path, "gender", &dc->gender);
		text(p, o, path, "ethnicity", CS_TEXT_NAME, 0, 1,
		    &dc->ethnicity);
		text(p, o, path, "nationality", CS_TEXT_NAME, 0, 1,
		    &dc->nationality);
		pid(p, o, path, "personal_id", 1, &dc->personal_id);
		text(p, o, path, "last_residence", CS_TEXT_PLACE, 0, 1,
		    &dc->last_residence);
	}
	if ((o = section(p, root, "", "death", death_event_keys, 1, path)) ==
	    NULL)
		return;
	datetime(p, o, path, "time", &de->time);
	text(p, o, path, "place", CS_TEXT_PLACE, 0, 1, &de->place);
	/* TT 04/2020 Art. 34: blank without a notice or when undetermined. */
	text(p, o, path, "cause", CS_TEXT_PLACE, CS_TEXT_ALLOW_EMPTY, 0,
	    &de->cause);
	if (de->cause == NULL && json_object_get(o, "cause") == NULL &&
	    (de->cause = strdup("")) == NULL)
		p->nomem = 1;
	if ((n = section(p, o, path, "notice", notice_keys, 1, npath)) !=
	    NULL) {
		text(p, n, npath, "number", CS_TEXT_CODE, 0, 1,
		    &de->notice.number);
		text(p, n, npath, "issuer", CS_TEXT_PLACE, 0, 1,
		    &de->notice.issuer);
		date(p, n, npath, "date", &de->notice.date);
	}
}

static void
parse_doc(struct parse *p, json_t *root, struct cs_doc *doc)
{
	char path[PATH_MAX_LEN], *type = NULL;
	const char *const *keys = common_keys;
	size_t len;
	json_t *o;

	if (raw_string(p, root, "", "type", 1, "", &type, &len) == 0) {
		if (strcmp(type, "birth") == 0) {
			doc->type = CS_DOC_BIRTH;
			keys = birth_keys;
		} else if (strcmp(type, "death") == 0) {
			doc->type = CS_DOC_DEATH;
			keys = death_keys;
		} else
			cs_problems_add(p->probs, "/type", "'%.40s' must be "
			    "\"birth\" or \"death\"", type);
	}
	free(type);
	/* The other type's keys are unknown keys (docs/domain.md §2). */
	unknown_keys(p, root, "", keys);
	text(p, root, "", "office", CS_TEXT_CODE, 0, 1, &doc->office);

	if ((o = section(p, root, "", "registration", registration_keys, 1,
	    path)) != NULL) {
		text(p, o, path, "number", CS_TEXT_CODE, 0, 1,
		    &doc->registration.number);
		text(p, o, path, "book", CS_TEXT_CODE, 0, 1,
		    &doc->registration.book);
		date(p, o, path, "date", &doc->registration.date);
		text(p, o, path, "place", CS_TEXT_PLACE, 0, 1,
		    &doc->registration.place);
	}
	if (doc->type == CS_DOC_BIRTH)
		parse_birth(p, root, doc);
	else if (doc->type == CS_DOC_DEATH)
		parse_death(p, root, doc);

	if ((o = section(p, root, "", "declarant", declarant_keys, 1, path)) !=
	    NULL) {
		text(p, o, path, "full_name", CS_TEXT_NAME, 0, 1,
		    &doc->declarant.full_name);
		text(p, o, path, "relationship", CS_TEXT_NAME, 0, 1,
		    &doc->declarant.relationship);
		pid(p, o, path, "personal_id", 1, &doc->declarant.personal_id);
	}
	if ((o = section(p, root, "", "signer", signatory_keys, 1, path)) !=
	    NULL) {
		text(p, o, path, "full_name", CS_TEXT_NAME, 0, 1,
		    &doc->signer.full_name);
		title(p, o, path, "title", &doc->signer.title);
	}
}

/*
 * Parse and validate a registration request; see doc.h.  Problems are
 * appended to probs (initialised by the caller; may be NULL); err gets a
 * one-line summary naming the count and the first problem.
 */
/* The summary of the problems added since before: CS_E_INVALID. */
static int
problems_summary(const struct cs_problems *probs, size_t before,
    struct cs_err *err)
{
	size_t n = probs->n + probs->dropped - before;

	if (before < probs->n)
		return cs_err_set(err, CS_E_INVALID, "%zu problem%s in the "
		    "request%s %s%s%s", n, n == 1 ? "" : "s",
		    n == 1 ? ":" : "; first:", probs->item[before].path,
		    probs->item[before].path[0] ? ": " : "",
		    probs->item[before].msg);
	return cs_err_set(err, CS_E_INVALID, "%zu problems in the request", n);
}

int
cs_doc_json_load(const char *json, size_t len, json_t **out,
    struct cs_problems *probs, struct cs_err *err)
{
	struct cs_problems local;
	json_error_t jerr;
	size_t before;

	if (probs == NULL) {
		cs_problems_init(&local);
		probs = &local;
	}
	before = probs->n + probs->dropped;
	/*
	 * docs/domain.md §2: jansson keeps the last of duplicate keys unless
	 * told; NUL is allowed here only so that the field holding it is named.
	 * Without JSON_DECODE_ANY and JSON_DISABLE_EOF_CHECK, the input is one
	 * object or array with nothing after it.
	 */
	*out = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &jerr);
	if (*out != NULL)
		return 0;
	cs_problems_add(probs, "", "not a valid JSON document: %s (line %d, "
	    "column %d)", jerr.text, jerr.line, jerr.column);
	return problems_summary(probs, before, err);
}

int
cs_doc_from_json_value(json_t *root, const struct cs_date *today,
    struct cs_doc **out, struct cs_problems *probs, struct cs_err *err)
{
	struct cs_problems local;
	struct cs_doc *doc = NULL;
	struct cs_date now;
	struct parse p;
	struct check c;
	size_t before;
	int r = CS_E_INTERNAL;

	*out = NULL;
	if (probs == NULL) {
		cs_problems_init(&local);
		probs = &local;
	}
	before = probs->n + probs->dropped;
	if (today == NULL) {
		cs_date_ict(time(NULL), &now);
		today = &now;
	}
	if (!json_is_object(root)) {
		cs_problems_add(probs, "", "must be a JSON object, not %s",
		    json_type_desc(root));
		goto invalid;
	}
	if ((doc = cs_doc_new()) == NULL) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	p.probs = probs;
	p.nomem = 0;
	parse_doc(&p, root, doc);
	if (p.nomem) {
		r = cs_err_set(err, CS_E_NOMEM, "out of memory");
		goto out;
	}
	c.probs = probs;
	c.today = today;
	c.full = 0;
	check_doc(&c, doc);
	if (probs->n + probs->dropped != before)
		goto invalid;
	*out = doc;
	doc = NULL;		/* transferred to caller */
	r = 0;
	goto out;
invalid:
	r = problems_summary(probs, before, err);
out:
	cs_doc_free(doc);
	return r;
}

int
cs_doc_from_json(const char *json, size_t len, const struct cs_date *today,
    struct cs_doc **out, struct cs_problems *probs, struct cs_err *err)
{
	json_t *root = NULL;
	int r;

	*out = NULL;
	if ((r = cs_doc_json_load(json, len, &root, probs, err)) != 0)
		return r;
	r = cs_doc_from_json_value(root, today, out, probs, err);
	json_decref(root);
	return r;
}

/* ---- JSON out ------------------------------------------------------------ */

/* Set key to s when s is not NULL; 0 or -1 on ENOMEM. */
static int
put_str(json_t *o, const char *key, const char *s)
{
	if (s == NULL)
		return 0;
	return json_object_set_new(o, key, json_string(s));
}

static int
put_date(json_t *o, const char *key, const struct cs_date *d)
{
	char buf[CS_DATE_STR_MAX];

	if (d->y == 0 && d->m == 0 && d->d == 0)
		return 0;
	cs_date_format(d, buf, sizeof(buf));
	return json_object_set_new(o, key, json_string(buf));
}

/* An object set under key in parent; NULL on ENOMEM. */
static json_t *
put_obj(json_t *parent, const char *key)
{
	json_t *o = json_object();

	if (json_object_set_new(parent, key, o) != 0)
		return NULL;
	return o;
}

static int
put_parent(json_t *root, const char *key, const struct cs_parent *p)
{
	json_t *o;

	if ((o = put_obj(root, key)) == NULL)
		return -1;
	return put_str(o, "full_name", p->full_name) |
	    put_date(o, "birth_date", &p->birth_date) |
	    put_str(o, "ethnicity", p->ethnicity) |
	    put_str(o, "nationality", p->nationality) |
	    put_str(o, "residence", p->residence) |
	    put_str(o, "personal_id", p->personal_id);
}

/*
 * The record in the input format (key order of the samples); absent optional
 * parts (father, a foreign parent's personal_id and ethnicity) are omitted.
 * A new reference, or NULL on ENOMEM.
 */
json_t *
cs_doc_to_json(const struct cs_doc *doc)
{
	char buf[CS_DATETIME_STR_MAX];
	json_t *root = NULL, *o, *n;
	int bad = 0;

	if (doc == NULL || (root = json_object()) == NULL)
		return NULL;
	bad |= put_str(root, "type", cs_doc_type_name(doc->type));
	bad |= put_str(root, "office", doc->office);
	if ((o = put_obj(root, "registration")) == NULL)
		goto fail;
	bad |= put_str(o, "number", doc->registration.number);
	bad |= put_str(o, "book", doc->registration.book);
	bad |= put_date(o, "date", &doc->registration.date);
	bad |= put_str(o, "place", doc->registration.place);

	if (doc->type == CS_DOC_BIRTH) {
		const struct cs_child *ch = &doc->child;

		if ((o = put_obj(root, "child")) == NULL)
			goto fail;
		bad |= put_str(o, "full_name", ch->full_name);
		bad |= put_date(o, "birth_date", &ch->birth_date);
		bad |= put_str(o, "gender", cs_gender_name(ch->gender));
		bad |= put_str(o, "ethnicity", ch->ethnicity);
		bad |= put_str(o, "nationality", ch->nationality);
		bad |= put_str(o, "birth_place", ch->birth_place);
		bad |= put_str(o, "hometown", ch->hometown);
		bad |= put_str(o, "personal_id", ch->personal_id);
		bad |= put_parent(root, "mother", &doc->mother);
		if (doc->father.present)
			bad |= put_parent(root, "father", &doc->father);
	} else if (doc->type == CS_DOC_DEATH) {
		const struct cs_deceased *dc = &doc->deceased;
		const struct cs_death *de = &doc->death;

		if ((o = put_obj(root, "deceased")) == NULL)
			goto fail;
		bad |= put_str(o, "full_name", dc->full_name);
		bad |= put_date(o, "birth_date", &dc->birth_date);
		bad |= put_str(o, "gender", cs_gender_name(dc->gender));
		bad |= put_str(o, "ethnicity", dc->ethnicity);
		bad |= put_str(o, "nationality", dc->nationality);
		bad |= put_str(o, "personal_id", dc->personal_id);
		bad |= put_str(o, "last_residence", dc->last_residence);
		if ((o = put_obj(root, "death")) == NULL)
			goto fail;
		if (de->time.date.y != 0) {
			cs_datetime_format(&de->time, buf, sizeof(buf));
			bad |= put_str(o, "time", buf);
		}
		bad |= put_str(o, "place", de->place);
		bad |= put_str(o, "cause", de->cause);
		if ((n = put_obj(o, "notice")) == NULL)
			goto fail;
		bad |= put_str(n, "number", de->notice.number);
		bad |= put_str(n, "issuer", de->notice.issuer);
		bad |= put_date(n, "date", &de->notice.date);
	}
	if ((o = put_obj(root, "declarant")) == NULL)
		goto fail;
	bad |= put_str(o, "full_name", doc->declarant.full_name);
	bad |= put_str(o, "relationship", doc->declarant.relationship);
	bad |= put_str(o, "personal_id", doc->declarant.personal_id);
	if ((o = put_obj(root, "signer")) == NULL)
		goto fail;
	bad |= put_str(o, "full_name", doc->signer.full_name);
	bad |= put_str(o, "title", cs_signer_title_name(doc->signer.title));
	if (bad)
		goto fail;
	return root;
fail:
	json_decref(root);
	return NULL;
}
