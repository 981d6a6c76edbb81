/*
 * tests/unit/test_doc.c — core/doc.c: the JSON request, its validation
 * (DOMAIN §7) and the record back as JSON.
 *
 * Most cases start from a real sample (../shared/samples, or the directory
 * named by CIVSEAL_SAMPLES) and break one rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/doc.h"

#ifndef CIVSEAL_SAMPLES
#define CIVSEAL_SAMPLES "../shared/samples"
#endif

static const struct cs_date today = { 2026, 11, 23 };

static const char *const samples[] = { "birth-01.json", "birth-02.json",
	"birth-03.json", "death-01.json", "death-02.json" };

static struct cs_problems probs;
static struct cs_err err;

/* ---- helpers ------------------------------------------------------------- */

static char *
read_sample(const char *name, size_t *len)
{
	const char *dir = getenv("CIVSEAL_SAMPLES");
	char path[512], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir :
	    CIVSEAL_SAMPLES, name);
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
	struct cs_doc *doc;
	json_t *in, *back;
	size_t i, len;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		text = read_sample(samples[i], &len);
		if (submit_text(text, len, &doc) != 0) {
			dump_problems();
			fail_msg("%s refused: %s", samples[i], err.msg);
		}
		free(text);
		in = sample(samples[i]);
		back = cs_doc_to_json(doc);
		assert_non_null(back);
		if (!json_equal(in, back))
			fail_msg("%s does not round-trip", samples[i]);
		/* A record read back elsewhere passes the same rules. */
		cs_problems_init(&probs);
		assert_int_equal(cs_doc_validate(doc, &today, &probs), 0);
		assert_int_equal(cs_doc_validate(doc, NULL, &probs), 0);
		json_decref(in);
		json_decref(back);
		cs_doc_free(doc);
	}
}

static void
test_doc_samples_fields_stored(void **state)
{
	struct cs_doc *doc;

	(void)state;
	assert_int_equal(submit(sample("birth-02.json"), &doc), 0);
	assert_int_equal(doc->type, CS_DOC_BIRTH);
	assert_string_equal(doc->office, "48-HOACUONGBAC");
	assert_int_equal(doc->child.gender, CS_GENDER_MALE);
	assert_int_equal(doc->signer.title, CS_TITLE_CHAIRMAN);
	assert_int_equal(doc->mother.present, 1);
	assert_int_equal(doc->father.present, 0);
	assert_string_equal(cs_doc_holder_name(doc), "Phan Minh Kh\xc3\xb4i");
	cs_doc_free(doc);
	assert_int_equal(submit(sample("death-01.json"), &doc), 0);
	assert_int_equal(doc->type, CS_DOC_DEATH);
	assert_int_equal(doc->death.time.has_time, 1);
	assert_int_equal(doc->death.time.hh, 4);
	assert_int_equal(doc->death.time.offset_min, 420);
	assert_string_equal(cs_doc_holder_name(doc),
	    "Tr\xe1\xba\xa7n V\xc4\x83n Ph\xc3\xba" "c");
	cs_doc_free(doc);
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
	/* DOMAIN decision 1: abandoned children are out of this format. */
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

	(void)state;
	set(j, "/child", "personal_id", json_string("001225048317"));
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

	(void)state;
	/* "００１325048317" */
	set(j, "/child", "personal_id", json_string("\xef\xbc\x90\xef\xbc\x90"
	    "\xef\xbc\x91" "325048317"));
	assert_refused_once(j, "/child/personal_id", "fullwidth");
}

static void
test_doc_personal_id_unknown_province_refused(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/child", "personal_id", json_string("003325048317"));
	assert_refused_once(j, "/child/personal_id", "prefix 003 is not one "
	    "of the 63 province codes");
}

static void
test_doc_pid_gender_digit_contradicts_gender(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/child", "personal_id", json_string("001225048317"));
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

	(void)state;
	set(j, "/mother", "personal_id", json_string("001396023415"));
	assert_refused_once(j, "/mother/personal_id", "century digit 3 "
	    "(female, 2000\xe2\x80\x93" "2099) contradicts birth year 1996");
}

static void
test_doc_pid_year_digits_contradict_birth_year(void **state)
{
	json_t *j = sample("death-01.json");

	(void)state;
	set(j, "/deceased", "personal_id", json_string("083049006271"));
	assert_refused_once(j, "/deceased/personal_id", "year digits 49 "
	    "contradict birth year 1948");
}

static void
test_doc_pid_mother_female_father_male(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/mother", "personal_id", json_string("001096023415"));
	assert_refused_once(j, "/mother/personal_id", "contradicts gender "
	    "female");
	j = sample("birth-03.json");
	set(j, "/father", "personal_id", json_string("010199163402"));
	assert_refused_once(j, "/father/personal_id", "contradicts gender "
	    "male");
}

static void
test_doc_pid_deceased_against_gender(void **state)
{
	json_t *j = sample("death-02.json");

	(void)state;
	set(j, "/deceased", "gender", json_string("male"));
	assert_refused_once(j, "/deceased/personal_id", "sex digit 1 (female, "
	    "1900\xe2\x80\x93" "1999) contradicts gender male");
}

static void
test_doc_declarant_pid_structure_only(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	/* Any sex or century digit: the declarant's are not recorded. */
	set(j, "/declarant", "personal_id", json_string("001399017862"));
	assert_accepted(j);
	j = sample("birth-01.json");
	set(j, "/declarant", "personal_id", json_string("003093017862"));
	assert_refused_once(j, "/declarant/personal_id", "prefix 003");
	j = sample("birth-01.json");
	set(j, "/declarant", "personal_id", json_string("00109301786"));
	assert_refused_once(j, "/declarant/personal_id", "exactly 12");
}

/* ---- foreign parents ----------------------------------------------------- */

static void
test_doc_foreign_parent_without_personal_id_accepted(void **state)
{
	json_t *j = sample("birth-01.json"), *back, *want;
	struct cs_doc *doc;

	(void)state;
	/* DOMAIN decision 7. */
	set(j, "/father", "full_name", json_string("Tanaka Hiroshi"));
	set(j, "/father", "nationality", json_string("Nh\xe1\xba\xadt "
	    "B\xe1\xba\xa3n"));
	del(j, "/father", "personal_id");
	del(j, "/father", "ethnicity");
	set(j, "/declarant", "full_name", json_string("Tr\xe1\xba\xa7n Th\xe1"
	    "\xbb\x8b Thu H\xc3\xa0"));
	set(j, "/declarant", "relationship", json_string("m\xe1\xba\xb9"));
	set(j, "/declarant", "personal_id", json_string("001196023415"));
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
	text = dump_replace(sample("birth-01.json"), "Nguy\xe1\xbb\x85n "
	    "Ng\xe1\xbb\x8d" "c", "Nguy\xd4n Ng\xe1\xbb\x8d" "c", &len);
	assert_int_equal(submit_text(text, len, NULL), CS_E_INVALID);
	assert_int_equal(probs.n, 1);
	assert_non_null(strstr(probs.item[0].msg, "not a valid JSON document"));
	free(text);
}

static void
test_doc_nul_escape_refused_at_its_field(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/child", "full_name", json_stringn("Nguy\0en", 7));
	assert_refused_once(j, "/child/full_name", "U+0000 NUL");
	j = sample("birth-01.json");
	/* A truncating consumer would read "001325048317". */
	set(j, "/child", "personal_id", json_stringn("001325048317\0x", 14));
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

	(void)state;
	set(j, "/registration", "date", json_string("2026-11-24"));
	assert_refused_once(j, "/registration/date", "2026-11-24 is in the "
	    "future (today is 2026-11-23");
	j = sample("birth-01.json");
	set(j, "/registration", "date", json_string("2026-11-23"));
	set(j, "/child", "birth_date", json_string("2026-11-23"));
	set(j, "/child", "personal_id", json_string("001326048317"));
	assert_accepted(j);
}

static void
test_doc_birth_after_registration_refused(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/child", "birth_date", json_string("2025-09-21"));
	assert_refused_once(j, "/child/birth_date", "2025-09-21 is after "
	    "registration.date 2025-09-20");
	j = sample("birth-01.json");
	set(j, "/child", "birth_date", json_string("2025-09-20"));
	assert_accepted(j);
}

static void
test_doc_parent_born_before_child(void **state)
{
	json_t *j = sample("birth-01.json");

	(void)state;
	set(j, "/father", "birth_date", json_string("2025-09-12"));
	set(j, "/father", "personal_id", json_string("001225017862"));
	assert_refused_once(j, "/father/birth_date", "is the same day as "
	    "child.birth_date 2025-09-12");
	j = sample("birth-01.json");
	set(j, "/mother", "birth_date", json_string("2025-09-13"));
	set(j, "/mother", "personal_id", json_string("001325023415"));
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

	(void)state;
	/* DOMAIN decision 2: the hour is unknown. */
	set(j, "/death", "time", json_string("2024-12-20"));
	assert_int_equal(submit(j, &doc), 0);
	assert_int_equal(doc->death.time.has_time, 0);
	back = cs_doc_to_json(doc);
	assert_string_equal(json_string_value(at(back, "/death/time")),
	    "2024-12-20");
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

	(void)state;
	set(j, "/death/notice", "date", json_string("2025-10-02"));
	assert_refused_once(j, "/death/notice/date", "2025-10-02 is before "
	    "the date of death 2025-10-03");
}

static void
test_doc_death_time_judged_on_its_ict_date(void **state)
{
	json_t *j = sample("death-01.json");

	(void)state;
	/* 20:00 in New York on 3 Oct is 07:00 on 4 Oct in Vietnam. */
	set(j, "/death", "time", json_string("2025-10-03T20:00:00-05:00"));
	assert_refused_once(j, "/death/notice/date", "before the date of "
	    "death 2025-10-04");
	j = sample("death-01.json");
	/* 23:30 on 3 Oct in Tokyo is 21:30 on 3 Oct in Vietnam. */
	set(j, "/death", "time", json_string("2025-10-03T23:30:00+09:00"));
	assert_accepted(j);
}

static void
test_doc_registration_before_notice_refused(void **state)
{
	json_t *j = sample("death-02.json");

	(void)state;
	set(j, "/registration", "date", json_string("2024-12-20"));
	assert_refused_once(j, "/registration/date", "2024-12-20 is before "
	    "death.notice.date 2024-12-21");
}

static void
test_doc_deceased_born_after_death_refused(void **state)
{
	json_t *j = sample("death-01.json");

	(void)state;
	set(j, "/deceased", "birth_date", json_string("2025-10-04"));
	set(j, "/deceased", "personal_id", json_string("083225006271"));
	assert_refused_once(j, "/deceased/birth_date", "2025-10-04 is after "
	    "the date of death 2025-10-03");
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
	assert_int_equal(cs_doc_validate(doc, &past, &probs), CS_E_INVALID);
	assert_true(has_problem("/registration/date", "in the future"));
	doc->death.time.date.d = 31;	/* 2025-10-31: not before notice */
	cs_problems_init(&probs);
	assert_int_equal(cs_doc_validate(doc, NULL, &probs), CS_E_INVALID);
	assert_true(has_problem("/death/notice/date", "before the date of "
	    "death"));
	doc->death.time.date.m = 2;	/* 2025-02-31 */
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
