/*
 * tests/unit/test_doc.c — core/doc.c: the JSON request, its validation
 * (docs/domain.md §2) and the record back as JSON.
 *
 * Most cases start from an example registration (examples/, or the
 * directory named by CIVSEAL_SAMPLES; tests run from the repository root)
 * and break one rule.  Values a test changes are derived from the example
 * where that is simple (a personal ID with one digit changed, a date a day
 * later); where a message names the example's own facts, the test first
 * asserts the facts it relies on, so that a changed example fails there and
 * says so rather than in the rule under test.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/doc.h"

#include "core/pid.h"

#ifndef CIVSEAL_SAMPLES
#define CIVSEAL_SAMPLES "examples"
#endif

static const struct cs_date today = { 2026, 11, 23 };

static struct cs_problems probs;
static struct cs_err err;

/* ---- helpers ------------------------------------------------------------- */

static const char *
samples_dir(void)
{
	const char *dir = getenv("CIVSEAL_SAMPLES");

	return dir != NULL ? dir : CIVSEAL_SAMPLES;
}

static char *
read_sample(const char *name, size_t *len)
{
	char path[512], *buf;
	FILE *f;
	long n;

	if (strchr(name, '/') != NULL)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", samples_dir(), name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s (set CIVSEAL_SAMPLES)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static json_t *
sample(const char *name)
{
	json_error_t je;
	size_t len;
	char *buf = read_sample(name, &len);
	json_t *j = json_loadb(buf, len, 0, &je);

	free(buf);
	assert_non_null(j);
	return j;
}

/* The object at a slash path ("/death/notice"); "" is the root. */
static json_t *
at(json_t *j, const char *path)
{
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		j = json_object_get(j, tok);
		assert_non_null(j);
	}
	return j;
}

/* The string at a slash path ("/child/personal_id"). */
static const char *
str(json_t *j, const char *path)
{
	const char *v = json_string_value(at(j, path));

	if (v == NULL)
		fail_msg("%s is not a string in the example", path);
	return v != NULL ? v : "";	/* fail_msg does not return */
}

/*
 * The personal ID at path with the digits at (0-based) position pos
 * replaced by digits, into buf (CS_PID_LEN + 1 bytes).
 */
static const char *
pid_with(json_t *j, const char *path, size_t pos, const char *digits,
    char *buf)
{
	snprintf(buf, CS_PID_LEN + 1, "%s", str(j, path));
	assert_int_equal(strlen(buf), CS_PID_LEN);
	assert_true(pos + strlen(digits) <= CS_PID_LEN);
	memcpy(buf + pos, digits, strlen(digits));
	return buf;
}

/* The sex-and-century digit (G) of the personal ID at path. */
static int
pid_g(json_t *j, const char *path)
{
	return str(j, path)[3] - '0';
}

/* The day after the date (or date-time) at path, as YYYY-MM-DD. */
static const char *
day_after(json_t *j, const char *path, char *buf, size_t cap)
{
	struct cs_date d;
	struct cs_err e;
	char iso[11];

	snprintf(iso, sizeof(iso), "%s", str(j, path));
	assert_int_equal(cs_date_parse(iso, &d, &e), 0);
	if (++d.d, !cs_date_valid(&d)) {
		d.d = 1;
		if (++d.m > 12) {
			d.m = 1;
			d.y++;
		}
	}
	cs_date_format(&d, buf, cap);
	return buf;
}

/* The first 10 characters (the date) of the string at path. */
static const char *
date_of(json_t *j, const char *path, char *buf)
{
	snprintf(buf, 11, "%s", str(j, path));
	return buf;
}

static void
set(json_t *j, const char *obj, const char *key, json_t *v)
{
	assert_int_equal(json_object_set_new(at(j, obj), key, v), 0);
}

static void
del(json_t *j, const char *obj, const char *key)
{
	assert_int_equal(json_object_del(at(j, obj), key), 0);
}

static int
submit_text(const char *text, size_t len, struct cs_doc **out)
{
	struct cs_doc *doc = NULL;
	int r;

	cs_problems_init(&probs);
	cs_err_clear(&err);
	r = cs_doc_from_json(text, len, &today, &doc, &probs, &err);
	if (r != 0)
		assert_null(doc);
	if (out != NULL)
		*out = doc;
	else
		cs_doc_free(doc);
	return r;
}

/* Submit j (consumed); returns the code, the record in *out when wanted. */
static int
submit(json_t *j, struct cs_doc **out)
{
	char *text = json_dumps(j, JSON_COMPACT);
	int r;

	assert_non_null(text);
	json_decref(j);
	r = submit_text(text, strlen(text), out);
	free(text);
	return r;
}

static void
dump_problems(void)
{
	size_t i;

	for (i = 0; i < probs.n; i++)
		print_message("# %s: %s\n", probs.item[i].path,
		    probs.item[i].msg);
}

static void
assert_accepted(json_t *j)
{
	if (submit(j, NULL) != 0) {
		dump_problems();
		fail_msg("refused: %s", err.msg);
	}
}

static int
has_problem(const char *path, const char *msgpart)
{
	size_t i;

	for (i = 0; i < probs.n; i++)
		if (strcmp(probs.item[i].path, path) == 0 &&
		    strstr(probs.item[i].msg, msgpart) != NULL)
			return 1;
	return 0;
}

/* j (consumed) is refused with exactly one problem, at path. */
static void
assert_refused_once(json_t *j, const char *path, const char *msgpart)
{
	int r = submit(j, NULL);

	if (r != CS_E_INVALID || probs.n != 1 || !has_problem(path,
	    msgpart)) {
		dump_problems();
		fail_msg("want one problem %s: ...%s...; got %d, %zu problems",
		    path, msgpart, r, probs.n);
	}
	assert_int_equal(err.code, CS_E_INVALID);
	assert_non_null(strstr(err.msg, "1 problem in the request: "));
	assert_non_null(strstr(err.msg, path));
}

/* Replace the first occurrence of from by to in the dump of j (consumed). */
static char *
dump_replace(json_t *j, const char *from, const char *to, size_t *len)
{
	char *text = json_dumps(j, JSON_COMPACT), *p, *out;
	size_t n;

	json_decref(j);
	assert_non_null(text);
	p = strstr(text, from);
	assert_non_null(p);
	n = strlen(text) - strlen(from) + strlen(to);
	out = malloc(n + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(p - text));
	memcpy(out + (p - text), to, strlen(to));
	strcpy(out + (p - text) + strlen(to), p + strlen(from));
	free(text);
	*len = n;
	return out;
}

/* ---- the samples --------------------------------------------------------- */

static void
test_doc_samples_validate_and_round_trip(void **state)
{
	static const char *const named[] = { "birth-01.json", "birth-02.json",
		"birth-03.json", "death-01.json", "death-02.json" };
	struct cs_doc *doc;
	json_t *in, *back;
	size_t i, len;
	char pattern[512], *text;
	glob_t g;

	(void)state;
	/* The examples the tests and docs name exist. */
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		free(read_sample(named[i], &len));
	snprintf(pattern, sizeof(pattern), "%s/*.json", samples_dir());
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= sizeof(named) / sizeof(named[0]));
	for (i = 0; i < g.gl_pathc; i++) {
		text = read_sample(g.gl_pathv[i], &len);
		if (submit_text(text, len, &doc) != 0) {
			dump_problems();
			fail_msg("%s refused: %s", g.gl_pathv[i], err.msg);
		}
		free(text);
		in = sample(g.gl_pathv[i]);
		back = cs_doc_to_json(doc);
		assert_non_null(back);
		if (!json_equal(in, back))
			fail_msg("%s does not round-trip", g.gl_pathv[i]);
		/* A record read back elsewhere passes the same rules. */
		cs_problems_init(&probs);
		assert_int_equal(cs_doc_validate(doc, &today, &probs), 0);
		assert_int_equal(cs_doc_validate(doc, NULL, &probs), 0);
		json_decref(in);
		json_decref(back);
		cs_doc_free(doc);
	}
	globfree(&g);
}

static void
test_doc_samples_fields_stored(void **state)
{
	json_t *j = sample("birth-02.json");
	struct cs_doc *doc;

	(void)state;
	/* birth-02: a boy without a father, signed by the chairman. */
	assert_int_equal(submit(json_incref(j), &doc), 0);
	assert_int_equal(doc->type, CS_DOC_BIRTH);
	assert_string_equal(doc->office, str(j, "/office"));
	assert_int_equal(doc->child.gender, CS_GENDER_MALE);
	assert_int_equal(doc->signer.title, CS_TITLE_CHAIRMAN);
	assert_int_equal(doc->mother.present, 1);
	assert_int_equal(doc->father.present, 0);
	assert_string_equal(cs_doc_holder_name(doc), str(j, "/child/full_name"));
	cs_doc_free(doc);
	json_decref(j);
	/* death-01: a full time of death in ICT. */
	j = sample("death-01.json");
	assert_int_equal(submit(json_incref(j), &doc), 0);
	assert_int_equal(doc->type, CS_DOC_DEATH);
	assert_int_equal(doc->death.time.has_time, 1);
	assert_int_equal(doc->death.time.hh, atoi(str(j, "/death/time") + 11));
	assert_int_equal(doc->death.time.mm, atoi(str(j, "/death/time") + 14));
	assert_int_equal(doc->death.time.offset_min, 420);
	assert_string_equal(cs_doc_holder_name(doc),
	    str(j, "/deceased/full_name"));
	cs_doc_free(doc);
	json_decref(j);
}

/* ---- structure ----------------------------------------------------------- */

static void
test_doc_duplicate_keys_refused(void **state)
{
	const char text[] = "{\"type\":\"birth\",\"type\":\"death\"}";

	(void)state;
	assert_int_equal(submit_text(text, strlen(text), NULL), CS_E_INVALID);
	assert_int_equal(probs.n, 1);
	assert_non_null(strstr(probs.item[0].msg, "duplicate object key"));
}

static void
test_doc_duplicate_nested_key_refused(void **state)
{
	size_t len;
	char *text;

	(void)state;
	text = dump_replace(sample("birth-01.json"), "\"gender\":\"female\"",
	    "\"gender\":\"female\",\"gender\":\"male\"", &len);
	assert_int_equal(submit_text(text, len, NULL), CS_E_INVALID);
	assert_non_null(strstr(err.msg, "duplicate object key"));
	free(text);
}

static void
test_doc_trailing_data_refused(void **state)
{
	size_t len;
	char *text;

	(void)state;
	text = read_sample("birth-01.json", &len);
	text = realloc(text, len + 4);
	assert_non_null(text);
	memcpy(text + len, " {}", 4);
	assert_int_equal(submit_text(text, len + 3, NULL), CS_E_INVALID);
	assert_non_null(strstr(probs.item[0].msg, "end of file expected"));
	free(text);
}

static void
test_doc_must_be_a_single_object(void **state)
{
	(void)state;
	assert_int_equal(submit_text("[{}]", 4, NULL), CS_E_INVALID);
	assert_non_null(strstr(probs.item[0].msg, "must be a JSON object"));
	assert_int_equal(submit_text("\"birth\"", 7, NULL), CS_E_INVALID);
	assert_int_equal(submit_text("", 0, NULL), CS_E_INVALID);
}

static void
test_doc_unknown_keys_refused_at_their_pointer(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/child", "nickname", json_string("Bống"));
	set(j, "", "Office", json_string("01-BADINH"));
	set(j, "/signer", "a/b~c", json_string("x"));
	assert_int_equal(submit(j, NULL), CS_E_INVALID);
	assert_int_equal(probs.n, 3);
	assert_true(has_problem("/child/nickname", "unknown key"));
	assert_true(has_problem("/Office", "unknown key"));
	assert_true(has_problem("/signer/a~1b~0c", "unknown key"));
}

static void
test_doc_keys_of_the_other_type_are_unknown(void **state)
{
	json_t *j = sample("death-01.json");

	(void)state;
	set(j, "", "child", json_object());
	assert_refused_once(j, "/child", "unknown key");
	j = sample("birth-01.json");
	set(j, "", "death", json_object());
	assert_refused_once(j, "/death", "unknown key");
}

static void
test_doc_type_must_be_birth_or_death(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "", "type", json_string("marriage"));
	assert_int_equal(submit(j, NULL), CS_E_INVALID);
	assert_true(has_problem("/type", "must be \"birth\" or \"death\""));
	j = sample("birth-01.json");
	set(j, "", "type", json_string("Birth"));
	assert_int_equal(submit(j, NULL), CS_E_INVALID);
	j = sample("birth-01.json");
	del(j, "", "type");
	assert_int_equal(submit(j, NULL), CS_E_INVALID);
	assert_true(has_problem("/type", "is required"));
}

static void
test_doc_required_fields_missing_refused(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	del(j, "/child", "personal_id");
	assert_refused_once(j, "/child/personal_id", "is required");
	j = sample("death-02.json");
	del(j, "/death/notice", "issuer");
	assert_refused_once(j, "/death/notice/issuer", "is required");
	j = sample("birth-02.json");
	del(j, "", "signer");
	assert_refused_once(j, "/signer", "is required");
	j = sample("birth-02.json");
	del(j, "", "office");
	assert_refused_once(j, "/office", "is required");
}

static void
test_doc_mother_required(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	/* Decision 1: abandoned children are out of this format. */
	del(j, "", "mother");
	assert_refused_once(j, "/mother", "is required");
}

static void
test_doc_father_absent_accepted(void **state)
{
	json_t *j = sample("birth-01.json");
	struct cs_doc *doc;
	json_t *back;

	(void)state;
	del(j, "", "father");
	assert_int_equal(submit(j, &doc), 0);
	assert_int_equal(doc->father.present, 0);
	back = cs_doc_to_json(doc);
	assert_null(json_object_get(back, "father"));
	json_decref(back);
	cs_doc_free(doc);
}

static void
test_doc_sections_must_be_objects(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "", "father", json_null());
	assert_refused_once(j, "/father", "must be an object, not null");
	j = sample("birth-01.json");
	set(j, "", "registration", json_string("215"));
	assert_refused_once(j, "/registration", "must be an object");
}

static void
test_doc_strings_must_be_strings(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/child", "full_name", json_integer(1));
	assert_refused_once(j, "/child/full_name", "must be a string, not a "
	    "number");
	j = sample("birth-01.json");
	set(j, "/registration", "number", json_integer(215));
	assert_refused_once(j, "/registration/number", "must be a string");
	j = sample("birth-01.json");
	set(j, "/child", "birth_date", json_null());
	assert_refused_once(j, "/child/birth_date", "must be a string");
}

static void
test_doc_all_problems_collected(void **state)
{
	json_t *j = sample("birth-01.json");
	char pid[CS_PID_LEN + 1];

	(void)state;
	/* birth-01's child is a girl born 2000–2099 (sex digit 3). */
	assert_string_equal(str(j, "/child/gender"), "female");
	assert_int_equal(pid_g(j, "/child/personal_id"), 3);
	set(j, "/child", "personal_id", json_string(pid_with(j,
	    "/child/personal_id", 3, "2", pid)));
	set(j, "/mother", "full_name", json_string("\xc3\x90\xc3\xa0o Th\xe1"
	    "\xbb\x8b Hoa"));
	set(j, "/signer", "title", json_string("Ch\xe1\xbb\xa7 T\xe1\xbb\x8b"
	    "ch"));
	assert_int_equal(submit(j, NULL), CS_E_INVALID);
	assert_int_equal(probs.n, 3);
	assert_true(has_problem("/child/personal_id", "sex digit 2"));
	assert_true(has_problem("/mother/full_name", "U+00D0"));
	assert_true(has_problem("/signer/title", "must be"));
	assert_non_null(strstr(err.msg, "3 problems in the request; first: "));
}

/* ---- personal IDs -------------------------------------------------------- */

static void
test_doc_personal_id_as_number_refused(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/mother", "personal_id", json_integer(1196023415));
	assert_refused_once(j, "/mother/personal_id", "must be a string, not "
	    "a number (a JSON number loses the leading zeros)");
}

static void
test_doc_personal_id_fullwidth_digits_refused(void **state)
{
	json_t *j = sample("birth-01.json");
	char fw[64];

	(void)state;
	/* The child's ID with its first three digits fullwidth: "００１…". */
	snprintf(fw, sizeof(fw), "\xef\xbc%c\xef\xbc%c\xef\xbc%c%s",
	    0x90 + str(j, "/child/personal_id")[0] - '0',
	    0x90 + str(j, "/child/personal_id")[1] - '0',
	    0x90 + str(j, "/child/personal_id")[2] - '0',
	    str(j, "/child/personal_id") + 3);
	set(j, "/child", "personal_id", json_string(fw));
	assert_refused_once(j, "/child/personal_id", "fullwidth");
}

static void
test_doc_personal_id_unknown_province_refused(void **state)
{
	json_t *j = sample("birth-01.json");
	char pid[CS_PID_LEN + 1];

	(void)state;
	set(j, "/child", "personal_id", json_string(pid_with(j,
	    "/child/personal_id", 0, "003", pid)));
	assert_refused_once(j, "/child/personal_id", "prefix 003 is not one "
	    "of the 63 province codes");
}

static void
test_doc_pid_gender_digit_contradicts_gender(void **state)
{
	json_t *j = sample("birth-01.json");
	char pid[CS_PID_LEN + 1];

	(void)state;
	/* birth-01's child is a girl born 2000–2099 (sex digit 3). */
	assert_string_equal(str(j, "/child/gender"), "female");
	assert_int_equal(pid_g(j, "/child/personal_id"), 3);
	set(j, "/child", "personal_id", json_string(pid_with(j,
	    "/child/personal_id", 3, "2", pid)));
	assert_refused_once(j, "/child/personal_id", "sex digit 2 (male, "
	    "2000\xe2\x80\x93" "2099) contradicts gender female");
	assert_string_equal(err.msg, "1 problem in the request: "
	    "/child/personal_id: sex digit 2 (male, 2000\xe2\x80\x93" "2099) "
	    "contradicts gender female");
}

static void
test_doc_pid_century_digit_contradicts_birth_year(void **state)
{
	json_t *j = sample("birth-01.json");
	char pid[CS_PID_LEN + 1], want[128];

	(void)state;
	/* birth-01's mother was born 1900–1999 (sex digit 1). */
	assert_int_equal(pid_g(j, "/mother/personal_id"), 1);
	set(j, "/mother", "personal_id", json_string(pid_with(j,
	    "/mother/personal_id", 3, "3", pid)));
	snprintf(want, sizeof(want), "century digit 3 (female, "
	    "2000\xe2\x80\x93" "2099) contradicts birth year %.4s",
	    str(j, "/mother/birth_date"));
	assert_refused_once(j, "/mother/personal_id", want);
}

static void
test_doc_pid_year_digits_contradict_birth_year(void **state)
{
	json_t *j = sample("death-01.json");
	char pid[CS_PID_LEN + 1], yy[12], want[128];
	int y = atoi(str(j, "/deceased/birth_date"));

	(void)state;
	/* The year digits of a year in the same century, one year later. */
	assert_true(y % 100 != 99);
	snprintf(yy, sizeof(yy), "%02d", (y + 1) % 100);
	set(j, "/deceased", "personal_id", json_string(pid_with(j,
	    "/deceased/personal_id", 4, yy, pid)));
	snprintf(want, sizeof(want), "year digits %s contradict birth year %d",
	    yy, y);
	assert_refused_once(j, "/deceased/personal_id", want);
}

static void
test_doc_pid_mother_female_father_male(void **state)
{
	json_t *j = sample("birth-01.json");
	char pid[CS_PID_LEN + 1], g[2];

	(void)state;
	/* The other sex, same century: G xor 1. */
	snprintf(g, sizeof(g), "%d", pid_g(j, "/mother/personal_id") ^ 1);
	set(j, "/mother", "personal_id", json_string(pid_with(j,
	    "/mother/personal_id", 3, g, pid)));
	assert_refused_once(j, "/mother/personal_id", "contradicts gender "
	    "female");
	j = sample("birth-03.json");
	snprintf(g, sizeof(g), "%d", pid_g(j, "/father/personal_id") ^ 1);
	set(j, "/father", "personal_id", json_string(pid_with(j,
	    "/father/personal_id", 3, g, pid)));
	assert_refused_once(j, "/father/personal_id", "contradicts gender "
	    "male");
}

static void
test_doc_pid_deceased_against_gender(void **state)
{
	json_t *j = sample("death-02.json");

	(void)state;
	/* death-02's deceased is a woman born 1900–1999 (sex digit 1). */
	assert_string_equal(str(j, "/deceased/gender"), "female");
	assert_int_equal(pid_g(j, "/deceased/personal_id"), 1);
	set(j, "/deceased", "gender", json_string("male"));
	assert_refused_once(j, "/deceased/personal_id", "sex digit 1 (female, "
	    "1900\xe2\x80\x93" "1999) contradicts gender male");
}

static void
test_doc_declarant_pid_structure_only(void **state)
{
	json_t *j = sample("birth-01.json");
	char pid[CS_PID_LEN + 1];

	(void)state;
	/* Any sex or century digit: the declarant's are not recorded. */
	set(j, "/declarant", "personal_id", json_string(pid_with(j,
	    "/declarant/personal_id", 3, "399", pid)));
	assert_accepted(j);
	j = sample("birth-01.json");
	set(j, "/declarant", "personal_id", json_string(pid_with(j,
	    "/declarant/personal_id", 0, "003", pid)));
	assert_refused_once(j, "/declarant/personal_id", "prefix 003");
	j = sample("birth-01.json");
	/* Its last digit dropped: 11 digits. */
	snprintf(pid, CS_PID_LEN, "%s", str(j, "/declarant/personal_id"));
	set(j, "/declarant", "personal_id", json_string(pid));
	assert_refused_once(j, "/declarant/personal_id", "exactly 12");
}

/* ---- foreign parents ----------------------------------------------------- */

static void
test_doc_foreign_parent_without_personal_id_accepted(void **state)
{
	json_t *j = sample("birth-01.json"), *back, *want;
	struct cs_doc *doc;

	(void)state;
	/* Decision 7 (docs/domain.md §6). */
	set(j, "/father", "full_name", json_string("Tanaka Hiroshi"));
	set(j, "/father", "nationality", json_string("Nh\xe1\xba\xadt "
	    "B\xe1\xba\xa3n"));
	del(j, "/father", "personal_id");
	del(j, "/father", "ethnicity");
	set(j, "/declarant", "full_name", json_string(str(j,
	    "/mother/full_name")));
	set(j, "/declarant", "relationship", json_string("m\xe1\xba\xb9"));
	set(j, "/declarant", "personal_id", json_string(str(j,
	    "/mother/personal_id")));
	want = json_deep_copy(j);
	assert_int_equal(submit(j, &doc), 0);
	assert_null(doc->father.personal_id);
	assert_null(doc->father.ethnicity);
	back = cs_doc_to_json(doc);
	assert_true(json_equal(back, want));
	json_decref(back);
	json_decref(want);
	cs_doc_free(doc);
}

static void
test_doc_vietnamese_parent_without_personal_id_refused(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	del(j, "/father", "personal_id");
	assert_refused_once(j, "/father/personal_id", "is required");
	j = sample("birth-01.json");
	del(j, "/mother", "ethnicity");
	assert_refused_once(j, "/mother/ethnicity", "is required");
}

static void
test_doc_vietnam_misspelt_refused(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	/* Would otherwise let a Vietnamese parent skip the personal ID. */
	set(j, "/father", "nationality", json_string("Viet Nam"));
	del(j, "/father", "personal_id");
	assert_refused_once(j, "/father/nationality", "write the nationality "
	    "exactly as \"Vi\xe1\xbb\x87t Nam\"");
	j = sample("birth-01.json");
	set(j, "/child", "nationality", json_string("VI\xe1\xbb\x86T NAM"));
	assert_refused_once(j, "/child/nationality", "exactly as");
}

/* ---- text ---------------------------------------------------------------- */

static void
test_doc_nfd_input_stored_as_nfc(void **state)
{
	json_t *j = sample("birth-01.json"), *back;
	struct cs_doc *doc;
	/* "Nguyễn Đức Long" with ễ as e + U+0302 + U+0303. */
	const char nfd[] = "Nguye\xcc\x82\xcc\x83n "
	    "\xc4\x90u\xcc\x9b\xcc\x81" "c Long";
	const char nfc[] = "Nguy\xe1\xbb\x85n \xc4\x90\xe1\xbb\xa9" "c Long";

	(void)state;
	set(j, "/father", "full_name", json_string(nfd));
	/* The title is compared after NFC too. */
	set(j, "/signer", "title", json_string("Pho\xcc\x81 Chu\xcc\x89 "
	    "ti\xcc\xa3" "ch"));
	assert_int_equal(submit(j, &doc), 0);
	assert_int_equal(strlen(doc->father.full_name), strlen(nfc));
	assert_memory_equal(doc->father.full_name, nfc, sizeof(nfc));
	assert_int_equal(doc->signer.title, CS_TITLE_VICE_CHAIRMAN);
	back = cs_doc_to_json(doc);
	assert_string_equal(json_string_value(at(back, "/father/full_name")),
	    nfc);
	json_decref(back);
	cs_doc_free(doc);
}

static void
test_doc_windows1258_hybrid_normalised(void **state)
{
	json_t *j = sample("birth-01.json");
	struct cs_doc *doc;

	(void)state;
	/* Precomposed ê, â (U+00EA, U+00E2) + combining tilde U+0303. */
	set(j, "/child", "full_name", json_string("Nguy\xc3\xaa\xcc\x83n "
	    "M\xc3\xa2\xcc\x83n"));
	assert_int_equal(submit(j, &doc), 0);
	assert_string_equal(doc->child.full_name, "Nguy\xe1\xbb\x85n "
	    "M\xe1\xba\xabn");
	cs_doc_free(doc);
}

static void
test_doc_invalid_utf8_refused(void **state)
{
	size_t len;
	char *text;

	(void)state;
	/* A TCVN3 byte (0xD4 "Ô" of "NguyÔn") inside a JSON string. */
	text = dump_replace(sample("birth-01.json"), "\"cha\"",
	    "\"Nguy\xd4n\"", &len);
	assert_int_equal(submit_text(text, len, NULL), CS_E_INVALID);
	assert_int_equal(probs.n, 1);
	assert_non_null(strstr(probs.item[0].msg, "not a valid JSON document"));
	free(text);
}

static void
test_doc_nul_escape_refused_at_its_field(void **state)
{
	json_t *j = sample("birth-01.json");
	char pid[CS_PID_LEN + 3];

	(void)state;
	set(j, "/child", "full_name", json_stringn("Nguy\0en", 7));
	assert_refused_once(j, "/child/full_name", "U+0000 NUL");
	j = sample("birth-01.json");
	/* A truncating consumer would read the child's real ID. */
	snprintf(pid, sizeof(pid), "%sxx", str(j, "/child/personal_id"));
	pid[CS_PID_LEN] = '\0';
	set(j, "/child", "personal_id", json_stringn(pid, CS_PID_LEN + 2));
	assert_refused_once(j, "/child/personal_id", "U+0000");
	j = sample("birth-01.json");
	set(j, "/child", "gender", json_stringn("female\0", 7));
	assert_refused_once(j, "/child/gender", "U+0000");
}

static void
test_doc_bidi_override_refused(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/child", "birth_place", json_string("B\xe1\xbb\x87nh vi\xe1"
	    "\xbb\x87n \xe2\x80\xae" "abc"));
	assert_refused_once(j, "/child/birth_place", "U+202E");
}

static void
test_doc_icelandic_eth_refused_with_its_message(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/father", "full_name", json_string("Nguy\xe1\xbb\x85n \xc3"
	    "\x90\xe1\xbb\xa9" "c Long"));
	assert_refused_once(j, "/father/full_name", "contains \xc3\x90 U+00D0 "
	    "(Icelandic Eth) at character 8; use \xc4\x90 U+0110");
}

static void
test_doc_spaces_trimmed_and_collapsed(void **state)
{
	json_t *j = sample("birth-01.json");
	struct cs_doc *doc;

	(void)state;
	set(j, "/signer", "full_name", json_string("  L\xc3\xaa   V\xc4\x83n "
	    " Tu\xe1\xba\xa5n "));
	assert_int_equal(submit(j, &doc), 0);
	assert_string_equal(doc->signer.full_name, "L\xc3\xaa V\xc4\x83n "
	    "Tu\xe1\xba\xa5n");
	cs_doc_free(doc);
	j = sample("birth-01.json");
	set(j, "/signer", "full_name", json_string("L\xc3\xaa\tV\xc4\x83n"));
	assert_refused_once(j, "/signer/full_name", "U+0009 TAB");
}

static void
test_doc_empty_required_string_refused(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/child", "hometown", json_string("   "));
	assert_refused_once(j, "/child/hometown", "must not be empty");
}

static void
test_doc_name_longer_than_100_characters_refused(void **state)
{
	json_t *j = sample("birth-01.json");
	char name[256];

	(void)state;
	memset(name, 'a', 101);
	name[101] = '\0';
	set(j, "/child", "full_name", json_string(name));
	assert_refused_once(j, "/child/full_name", "is 101 characters long; "
	    "at most 100");
	j = sample("birth-01.json");
	name[100] = '\0';
	set(j, "/child", "full_name", json_string(name));
	assert_accepted(j);
}

static void
test_doc_short_codes_at_most_32_characters(void **state)
{
	json_t *j = sample("death-01.json");

	(void)state;
	set(j, "/registration", "book", json_string(
	    "01-TP/HT-2024-KS-0123456789ABCDEF"));	/* 33 */
	assert_refused_once(j, "/registration/book", "at most 32");
	j = sample("death-01.json");
	set(j, "/death/notice", "number", json_string(
	    "01-TP/HT-2024-KS-0123456789ABCDE"));	/* 32 */
	assert_accepted(j);
}

static void
test_doc_place_longer_than_300_characters_refused(void **state)
{
	json_t *j = sample("death-01.json");
	char place[400];

	(void)state;
	memset(place, 'x', 301);
	place[301] = '\0';
	set(j, "/deceased", "last_residence", json_string(place));
	assert_refused_once(j, "/deceased/last_residence", "at most 300");
}

static void
test_doc_apostrophes_accepted_and_kept(void **state)
{
	json_t *j = sample("birth-03.json");
	struct cs_doc *doc;

	(void)state;
	set(j, "/child", "ethnicity", json_string("H'M\xc3\xb4ng"));
	set(j, "/mother", "ethnicity", json_string("H\xe2\x80\x99M\xc3\xb4ng"));
	assert_int_equal(submit(j, &doc), 0);
	assert_string_equal(doc->child.ethnicity, "H'M\xc3\xb4ng");
	assert_string_equal(doc->mother.ethnicity, "H\xe2\x80\x99M\xc3\xb4ng");
	cs_doc_free(doc);
}

static void
test_doc_office_must_be_an_ascii_id(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "", "office", json_string("01-BA \xc4\x90\xc3\x8cNH"));
	assert_refused_once(j, "/office", "is not an office id");
}

/* ---- enumerations -------------------------------------------------------- */

static void
test_doc_gender_must_be_male_or_female(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/child", "gender", json_string("F"));
	assert_refused_once(j, "/child/gender", "must be \"male\" or "
	    "\"female\"");
	j = sample("death-01.json");
	set(j, "/deceased", "gender", json_string("Male"));
	assert_int_equal(submit(j, NULL), CS_E_INVALID);
	assert_true(has_problem("/deceased/gender", "must be"));
}

static void
test_doc_signer_title_exact(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/signer", "title", json_string("ch\xe1\xbb\xa7 t\xe1\xbb\x8b"
	    "ch"));
	assert_refused_once(j, "/signer/title", "must be \"Ch\xe1\xbb\xa7 "
	    "t\xe1\xbb\x8b" "ch\" or \"Ph\xc3\xb3 Ch\xe1\xbb\xa7 t\xe1\xbb\x8b"
	    "ch\"");
	j = sample("birth-01.json");
	set(j, "/signer", "title", json_string("Ph\xc3\xb3 Ch\xe1\xbb\xa7 "
	    "t\xe1\xbb\x8b" "ch UBND"));
	assert_refused_once(j, "/signer/title", "must be");
}

/* ---- dates --------------------------------------------------------------- */

static void
test_doc_leap_day_birth_date(void **state)
{
	json_t *j = sample("birth-03.json");

	(void)state;
	/* birth-03's child was born in 2024, registered after 29 February. */
	assert_memory_equal(str(j, "/child/birth_date"), "2024-", 5);
	assert_true(strcmp(str(j, "/registration/date"), "2024-02-29") >= 0);
	set(j, "/child", "birth_date", json_string("2024-02-29"));
	assert_accepted(j);
	j = sample("birth-01.json");
	set(j, "/mother", "birth_date", json_string("1995-02-29"));
	assert_refused_once(j, "/mother/birth_date", "not a leap year");
}

static void
test_doc_date_format_checked(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/registration", "date", json_string("20/09/2025"));
	assert_refused_once(j, "/registration/date", "not a date YYYY-MM-DD");
}

static void
test_doc_future_date_refused(void **state)
{
	json_t *j = sample("birth-01.json");
	char pid[CS_PID_LEN + 1];

	(void)state;
	set(j, "/registration", "date", json_string("2026-11-24"));
	assert_refused_once(j, "/registration/date", "2026-11-24 is in the "
	    "future (today is 2026-11-23");
	j = sample("birth-01.json");
	set(j, "/registration", "date", json_string("2026-11-23"));
	set(j, "/child", "birth_date", json_string("2026-11-23"));
	set(j, "/child", "personal_id", json_string(pid_with(j,
	    "/child/personal_id", 4, "26", pid)));
	assert_accepted(j);
}

static void
test_doc_birth_after_registration_refused(void **state)
{
	json_t *j = sample("birth-01.json");
	char day[CS_DATE_STR_MAX], want[128];

	(void)state;
	/* Born the day after the registration, in the same year. */
	day_after(j, "/registration/date", day, sizeof(day));
	assert_memory_equal(day, str(j, "/child/birth_date"), 4);
	set(j, "/child", "birth_date", json_string(day));
	snprintf(want, sizeof(want), "%s is after registration.date %s", day,
	    str(j, "/registration/date"));
	assert_refused_once(j, "/child/birth_date", want);
	j = sample("birth-01.json");
	set(j, "/child", "birth_date", json_string(str(j,
	    "/registration/date")));
	assert_accepted(j);
}

static void
test_doc_parent_born_before_child(void **state)
{
	json_t *j = sample("birth-01.json");
	const char *birth = str(j, "/child/birth_date");
	char pid[CS_PID_LEN + 1], g_yy[4], day[CS_DATE_STR_MAX], want[128];

	(void)state;
	/*
	 * A parent born on the child's day or after it; the parent's ID is
	 * made to match that year (2000–2099: sex digit 2 or 3), so that the
	 * date is the one problem.
	 */
	assert_memory_equal(birth, "20", 2);
	snprintf(g_yy, sizeof(g_yy), "2%.2s", birth + 2);
	set(j, "/father", "personal_id", json_string(pid_with(j,
	    "/father/personal_id", 3, g_yy, pid)));
	set(j, "/father", "birth_date", json_string(birth));
	snprintf(want, sizeof(want), "is the same day as child.birth_date %s",
	    birth);
	assert_refused_once(j, "/father/birth_date", want);
	j = sample("birth-01.json");
	birth = str(j, "/child/birth_date");
	day_after(j, "/child/birth_date", day, sizeof(day));
	assert_memory_equal(day, birth, 4);
	snprintf(g_yy, sizeof(g_yy), "3%.2s", birth + 2);
	set(j, "/mother", "personal_id", json_string(pid_with(j,
	    "/mother/personal_id", 3, g_yy, pid)));
	set(j, "/mother", "birth_date", json_string(day));
	assert_refused_once(j, "/mother/birth_date", "is after "
	    "child.birth_date");
}

static void
test_doc_death_cause_may_be_empty_or_absent(void **state)
{
	json_t *j = sample("death-01.json");
	struct cs_doc *doc;
	json_t *back;

	(void)state;
	set(j, "/death", "cause", json_string(""));
	assert_accepted(j);
	j = sample("death-01.json");
	del(j, "/death", "cause");
	assert_int_equal(submit(j, &doc), 0);
	assert_string_equal(doc->death.cause, "");
	back = cs_doc_to_json(doc);
	assert_string_equal(json_string_value(at(back, "/death/cause")), "");
	json_decref(back);
	cs_doc_free(doc);
}

static void
test_doc_death_time_date_only_accepted(void **state)
{
	json_t *j = sample("death-02.json"), *back;
	struct cs_doc *doc;
	char day[11];

	(void)state;
	/* Decision 2 (docs/domain.md §8): the hour is unknown. */
	date_of(j, "/death/time", day);
	set(j, "/death", "time", json_string(day));
	assert_int_equal(submit(j, &doc), 0);
	assert_int_equal(doc->death.time.has_time, 0);
	back = cs_doc_to_json(doc);
	assert_string_equal(json_string_value(at(back, "/death/time")), day);
	json_decref(back);
	cs_doc_free(doc);
}

static void
test_doc_death_time_z_refused(void **state)
{
	json_t *j = sample("death-01.json");

	(void)state;
	set(j, "/death", "time", json_string("2025-10-02T21:30:00Z"));
	assert_refused_once(j, "/death/time", "\"Z\" (UTC) is refused");
}

static void
test_doc_death_time_without_offset_refused(void **state)
{
	json_t *j = sample("death-01.json");

	(void)state;
	set(j, "/death", "time", json_string("2025-10-03T04:30:00"));
	assert_refused_once(j, "/death/time", "no UTC offset");
}

static void
test_doc_notice_before_death_refused(void **state)
{
	json_t *j = sample("death-01.json");
	char death[11], notice[11], want[128];

	(void)state;
	/* A notice dated before the death: 1 January of the death's year. */
	date_of(j, "/death/time", death);
	assert_true(strcmp(death + 5, "01-01") > 0);
	snprintf(notice, sizeof(notice), "%.4s-01-01", death);
	set(j, "/death/notice", "date", json_string(notice));
	snprintf(want, sizeof(want), "%s is before the date of death %s",
	    notice, death);
	assert_refused_once(j, "/death/notice/date", want);
}

static void
test_doc_death_time_judged_on_its_ict_date(void **state)
{
	json_t *j = sample("death-01.json");
	char notice[11], t[40], next[CS_DATE_STR_MAX], want[128];

	(void)state;
	/* The example's notice is dated the day of the death (in ICT). */
	date_of(j, "/death/notice/date", notice);
	assert_memory_equal(str(j, "/death/time"), notice, 10);
	/* 20:00 at UTC−05:00 on the notice's day is 08:00 the next day in ICT. */
	snprintf(t, sizeof(t), "%sT20:00:00-05:00", notice);
	set(j, "/death", "time", json_string(t));
	snprintf(want, sizeof(want), "before the date of death %s",
	    day_after(j, "/death/notice/date", next, sizeof(next)));
	assert_refused_once(j, "/death/notice/date", want);
	j = sample("death-01.json");
	/* 23:30 at UTC+09:00 is 21:30 the same day in ICT. */
	snprintf(t, sizeof(t), "%sT23:30:00+09:00", notice);
	set(j, "/death", "time", json_string(t));
	assert_accepted(j);
}

static void
test_doc_registration_before_notice_refused(void **state)
{
	json_t *j = sample("death-02.json");
	char death[11], want[128];

	(void)state;
	/* Registered on the day of death, before the notice (a day later). */
	date_of(j, "/death/time", death);
	assert_true(strcmp(death, str(j, "/death/notice/date")) < 0);
	set(j, "/registration", "date", json_string(death));
	snprintf(want, sizeof(want), "%s is before death.notice.date %s",
	    death, str(j, "/death/notice/date"));
	assert_refused_once(j, "/registration/date", want);
}

static void
test_doc_deceased_born_after_death_refused(void **state)
{
	json_t *j = sample("death-01.json");
	char pid[CS_PID_LEN + 1], g_yy[4], death[11], day[CS_DATE_STR_MAX];
	char want[128];

	(void)state;
	/* Born the day after the death; the ID made to match (a man, 20xx). */
	date_of(j, "/death/time", death);
	day_after(j, "/death/time", day, sizeof(day));
	assert_memory_equal(day, "20", 2);
	assert_string_equal(str(j, "/deceased/gender"), "male");
	snprintf(g_yy, sizeof(g_yy), "2%.2s", day + 2);
	set(j, "/deceased", "personal_id", json_string(pid_with(j,
	    "/deceased/personal_id", 3, g_yy, pid)));
	set(j, "/deceased", "birth_date", json_string(day));
	snprintf(want, sizeof(want), "%s is after the date of death %s", day,
	    death);
	assert_refused_once(j, "/deceased/birth_date", want);
}

static void
test_doc_death_in_the_future_refused(void **state)
{
	json_t *j = sample("death-01.json");

	(void)state;
	set(j, "/death", "time", json_string("2026-11-24T00:30:00+07:00"));
	assert_int_equal(submit(j, NULL), CS_E_INVALID);
	assert_true(has_problem("/death/time", "is in the future"));
}

/* ---- records built elsewhere --------------------------------------------- */

static void
test_doc_validate_reports_missing_fields(void **state)
{
	struct cs_doc *doc = cs_doc_new();

	(void)state;
	assert_non_null(doc);
	doc->type = CS_DOC_BIRTH;
	cs_problems_init(&probs);
	assert_int_equal(cs_doc_validate(doc, &today, &probs), CS_E_INVALID);
	assert_true(has_problem("/office", "is required"));
	assert_true(has_problem("/child/full_name", "is required"));
	assert_true(has_problem("/child/gender", "is required"));
	assert_true(has_problem("/mother/personal_id", "is required"));
	assert_true(has_problem("/signer/title", "is required"));
	assert_false(has_problem("/father/full_name", "is required"));
	cs_doc_free(doc);
}

static void
test_doc_validate_refuses_unnormalised_record(void **state)
{
	struct cs_doc *doc;

	(void)state;
	assert_int_equal(submit(sample("birth-01.json"), &doc), 0);
	free(doc->child.full_name);
	doc->child.full_name = strdup("Nguye\xcc\x82\xcc\x83n A");
	free(doc->mother.residence);
	doc->mother.residence = strdup("S\xe1\xbb\x91  8");
	cs_problems_init(&probs);
	assert_int_equal(cs_doc_validate(doc, &today, &probs), CS_E_INVALID);
	assert_int_equal(probs.n, 2);
	assert_true(has_problem("/child/full_name", "not in normal form"));
	assert_true(has_problem("/mother/residence", "not in normal form"));
	cs_doc_free(doc);
}

static void
test_doc_validate_without_today_skips_future(void **state)
{
	struct cs_doc *doc;
	struct cs_date past = { 2025, 1, 1 };

	(void)state;
	assert_int_equal(submit(sample("death-01.json"), &doc), 0);
	cs_problems_init(&probs);
	assert_int_equal(cs_doc_validate(doc, NULL, &probs), 0);
	/* death-01 was registered after 1 January 2025. */
	assert_int_equal(cs_doc_validate(doc, &past, &probs), CS_E_INVALID);
	assert_true(has_problem("/registration/date", "in the future"));
	/* The 31st of a 31-day month, after the notice (earlier that month). */
	assert_true(doc->death.notice.date.m == doc->death.time.date.m &&
	    doc->death.notice.date.d < 31);
	assert_true(cs_date_valid(&(struct cs_date){ doc->death.time.date.y,
	    doc->death.time.date.m, 31 }));
	doc->death.time.date.d = 31;
	cs_problems_init(&probs);
	assert_int_equal(cs_doc_validate(doc, NULL, &probs), CS_E_INVALID);
	assert_true(has_problem("/death/notice/date", "before the date of "
	    "death"));
	doc->death.time.date.m = 2;	/* the 31st of February */
	cs_problems_init(&probs);
	assert_int_equal(cs_doc_validate(doc, NULL, &probs), CS_E_INVALID);
	assert_true(has_problem("/death/time", "not a valid date"));
	cs_doc_free(doc);
}

static void
test_doc_names_and_free_null(void **state)
{
	(void)state;
	assert_string_equal(cs_doc_type_name(CS_DOC_BIRTH), "birth");
	assert_string_equal(cs_doc_type_name(CS_DOC_DEATH), "death");
	assert_string_equal(cs_gender_name(CS_GENDER_MALE), "male");
	assert_string_equal(cs_gender_name(CS_GENDER_FEMALE), "female");
	assert_null(cs_gender_name(CS_GENDER_NONE));
	assert_string_equal(cs_signer_title_name(CS_TITLE_CHAIRMAN),
	    "Ch\xe1\xbb\xa7 t\xe1\xbb\x8b" "ch");
	assert_string_equal(cs_signer_title_name(CS_TITLE_VICE_CHAIRMAN),
	    "Ph\xc3\xb3 Ch\xe1\xbb\xa7 t\xe1\xbb\x8b" "ch");
	assert_null(cs_doc_holder_name(NULL));
	cs_doc_free(NULL);
	assert_null(cs_doc_to_json(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_samples_validate_and_round_trip),
		cmocka_unit_test(test_doc_samples_fields_stored),
		cmocka_unit_test(test_doc_duplicate_keys_refused),
		cmocka_unit_test(test_doc_duplicate_nested_key_refused),
		cmocka_unit_test(test_doc_trailing_data_refused),
		cmocka_unit_test(test_doc_must_be_a_single_object),
		cmocka_unit_test(
		    test_doc_unknown_keys_refused_at_their_pointer),
		cmocka_unit_test(test_doc_keys_of_the_other_type_are_unknown),
		cmocka_unit_test(test_doc_type_must_be_birth_or_death),
		cmocka_unit_test(test_doc_required_fields_missing_refused),
		cmocka_unit_test(test_doc_mother_required),
		cmocka_unit_test(test_doc_father_absent_accepted),
		cmocka_unit_test(test_doc_sections_must_be_objects),
		cmocka_unit_test(test_doc_strings_must_be_strings),
		cmocka_unit_test(test_doc_all_problems_collected),
		cmocka_unit_test(test_doc_personal_id_as_number_refused),
		cmocka_unit_test(test_doc_personal_id_fullwidth_digits_refused),
		cmocka_unit_test(test_doc_personal_id_unknown_province_refused),
		cmocka_unit_test(test_doc_pid_gender_digit_contradicts_gender),
		cmocka_unit_test(
		    test_doc_pid_century_digit_contradicts_birth_year),
		cmocka_unit_test(
		    test_doc_pid_year_digits_contradict_birth_year),
		cmocka_unit_test(test_doc_pid_mother_female_father_male),
		cmocka_unit_test(test_doc_pid_deceased_against_gender),
		cmocka_unit_test(test_doc_declarant_pid_structure_only),
		cmocka_unit_test(
		    test_doc_foreign_parent_without_personal_id_accepted),
		cmocka_unit_test(
		    test_doc_vietnamese_parent_without_personal_id_refused),
		cmocka_unit_test(test_doc_vietnam_misspelt_refused),
		cmocka_unit_test(test_doc_nfd_input_stored_as_nfc),
		cmocka_unit_test(test_doc_windows1258_hybrid_normalised),
		cmocka_unit_test(test_doc_invalid_utf8_refused),
		cmocka_unit_test(test_doc_nul_escape_refused_at_its_field),
		cmocka_unit_test(test_doc_bidi_override_refused),
		cmocka_unit_test(
		    test_doc_icelandic_eth_refused_with_its_message),
		cmocka_unit_test(test_doc_spaces_trimmed_and_collapsed),
		cmocka_unit_test(test_doc_empty_required_string_refused),
		cmocka_unit_test(
		    test_doc_name_longer_than_100_characters_refused),
		cmocka_unit_test(test_doc_short_codes_at_most_32_characters),
		cmocka_unit_test(
		    test_doc_place_longer_than_300_characters_refused),
		cmocka_unit_test(test_doc_apostrophes_accepted_and_kept),
		cmocka_unit_test(test_doc_office_must_be_an_ascii_id),
		cmocka_unit_test(test_doc_gender_must_be_male_or_female),
		cmocka_unit_test(test_doc_signer_title_exact),
		cmocka_unit_test(test_doc_leap_day_birth_date),
		cmocka_unit_test(test_doc_date_format_checked),
		cmocka_unit_test(test_doc_future_date_refused),
		cmocka_unit_test(test_doc_birth_after_registration_refused),
		cmocka_unit_test(test_doc_parent_born_before_child),
		cmocka_unit_test(test_doc_death_cause_may_be_empty_or_absent),
		cmocka_unit_test(test_doc_death_time_date_only_accepted),
		cmocka_unit_test(test_doc_death_time_z_refused),
		cmocka_unit_test(test_doc_death_time_without_offset_refused),
		cmocka_unit_test(test_doc_notice_before_death_refused),
		cmocka_unit_test(test_doc_death_time_judged_on_its_ict_date),
		cmocka_unit_test(test_doc_registration_before_notice_refused),
		cmocka_unit_test(test_doc_deceased_born_after_death_refused),
		cmocka_unit_test(test_doc_death_in_the_future_refused),
		cmocka_unit_test(test_doc_validate_reports_missing_fields),
		cmocka_unit_test(test_doc_validate_refuses_unnormalised_record),
		cmocka_unit_test(test_doc_validate_without_today_skips_future),
		cmocka_unit_test(test_doc_names_and_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
