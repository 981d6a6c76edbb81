/* tests/unit/test_seal.c — core/seal.c: the seal's binary and text forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/seal.h"

/* A seal like the signer makes for a birth certificate (fixed test values). */
static void
sample_seal(struct cs_seal *s, enum cs_seal_alg alg)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->version = CS_SEAL_VERSION;
	s->type = CS_DOC_BIRTH;
	s->alg = alg;
	for (i = 0; i < CS_SEAL_KID_LEN; i++)
		s->kid[i] = (unsigned char)(0xA0 + i);
	for (i = 0; i < 16; i++)
		s->doc_id[i] = (unsigned char)(i * 17);
	s->doc_id[6] = 0x70;
	s->doc_id[8] = 0x80;
	s->reg_date = (struct cs_date){ 2025, 9, 20 };
	s->birth_date = (struct cs_date){ 2025, 9, 12 };
	snprintf(s->personal_id, sizeof(s->personal_id), "001325048317");
	for (i = 0; i < CS_SEAL_HASH_LEN; i++)
		s->content_hash[i] = (unsigned char)(0xF0 ^ i);
	snprintf(s->office, sizeof(s->office), "01-BADINH");
	snprintf(s->full_name, sizeof(s->full_name),
	    "Nguy\xe1\xbb\x85n Ng\xe1\xbb\x8d" "c Minh Ch\xc3\xa2u");
	s->sig_len = alg == CS_SEAL_ES256 ? 64 : 256;
	for (i = 0; i < s->sig_len; i++)
		s->sig[i] = (unsigned char)(i * 7 + 3);
}

static void
encode(const struct cs_seal *s, unsigned char *buf, size_t *len)
{
	struct cs_err e;

	assert_int_equal(cs_seal_encode(s, buf, CS_SEAL_BYTES_MAX, len, &e), 0);
}

static void
assert_decode_refused(const unsigned char *buf, size_t len, const char *msg)
{
	struct cs_seal out;
	struct cs_err e;

	cs_err_clear(&e);
	assert_int_equal(cs_seal_decode(buf, len, &out, &e), CS_E_INVALID);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, msg);
}

static void
test_seal_roundtrip_binary(void **state)
{
	struct cs_seal s, d;
	unsigned char buf[CS_SEAL_BYTES_MAX];
	struct cs_err e;
	size_t len;

	(void)state;
	sample_seal(&s, CS_SEAL_ES256);
	encode(&s, buf, &len);
	/* 54 fixed + 1 + 9 office + 1 + 28 name bytes + 64 signature. */
	assert_int_equal(len, 54 + 1 + 9 + 1 + strlen(s.full_name) + 64);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 1);
	assert_int_equal(buf[2], 1);
	/* 2025-09-20 packed: 2025 << 9 | 9 << 5 | 20 = 0x0FD334 */
	assert_int_equal(buf[27], 0x0F);
	assert_int_equal(buf[28], 0xD3);
	assert_int_equal(buf[29], 0x34);
	/* 001325048317 = 0x004EFAA1FD (5 bytes, big-endian) */
	assert_int_equal(buf[33], 0x00);
	assert_int_equal(buf[34], 0x4E);
	assert_int_equal(buf[37], 0xFD);
	assert_int_equal(cs_seal_decode(buf, len, &d, &e), 0);
	assert_int_equal(cs_seal_compare_fields(&s, &d, &e), 0);
	assert_memory_equal(d.kid, s.kid, CS_SEAL_KID_LEN);
	assert_memory_equal(d.content_hash, s.content_hash, CS_SEAL_HASH_LEN);
	assert_int_equal(d.sig_len, 64);
	assert_memory_equal(d.sig, s.sig, 64);
	assert_int_equal(d.msg_len, len - 64);
	assert_string_equal(d.doc_id_text, "00112233-4455-7077-8099-aabbccddeeff");
}

static void
test_seal_pid_value(void **state)
{
	struct cs_seal s, d;
	unsigned char buf[CS_SEAL_BYTES_MAX];
	unsigned long long v = 0;
	struct cs_err e;
	size_t len;
	int i;

	(void)state;
	sample_seal(&s, CS_SEAL_ES256);
	encode(&s, buf, &len);
	for (i = 0; i < 5; i++)
		v = v << 8 | buf[33 + i];
	assert_true(v == 1325048317ULL);
	/* No personal ID: all ones, decoded as "". */
	s.personal_id[0] = '\0';
	encode(&s, buf, &len);
	for (i = 0; i < 5; i++)
		assert_int_equal(buf[33 + i], 0xFF);
	assert_int_equal(cs_seal_decode(buf, len, &d, &e), 0);
	assert_string_equal(d.personal_id, "");
}

static void
test_seal_rsa_signature_length(void **state)
{
	struct cs_seal s, d;
	unsigned char buf[CS_SEAL_BYTES_MAX];
	struct cs_err e;
	size_t len;

	(void)state;
	sample_seal(&s, CS_SEAL_RS256);
	encode(&s, buf, &len);
	assert_int_equal(cs_seal_decode(buf, len, &d, &e), 0);
	assert_int_equal(d.sig_len, 256);
	/* An ES256 seal must carry exactly 64 signature bytes. */
	s.alg = CS_SEAL_ES256;
	assert_int_equal(cs_seal_encode(&s, buf, sizeof(buf), &len, &e),
	    CS_E_INVALID);
}

static void
test_seal_decode_refuses(void **state)
{
	struct cs_seal s;
	unsigned char buf[CS_SEAL_BYTES_MAX], bad[CS_SEAL_BYTES_MAX];
	size_t len;

	(void)state;
	sample_seal(&s, CS_SEAL_ES256);
	encode(&s, buf, &len);

	assert_decode_refused(buf, 20, "truncated");
	assert_decode_refused(buf, len - 1, "signature bytes");
	memcpy(bad, buf, len);
	bad[len] = 0;
	assert_decode_refused(bad, len + 1, "signature bytes");

	memcpy(bad, buf, len);
	bad[0] = 2;
	assert_decode_refused(bad, len, "unknown version 2");
	memcpy(bad, buf, len);
	bad[1] = 3;
	assert_decode_refused(bad, len, "unknown document type 3");
	memcpy(bad, buf, len);
	bad[2] = 9;
	assert_decode_refused(bad, len, "unknown signature algorithm 9");

	/* 2025-02-30 */
	memcpy(bad, buf, len);
	bad[27] = (unsigned char)((2025 << 9 | 2 << 5 | 30) >> 16);
	bad[28] = (unsigned char)((2025 << 9 | 2 << 5 | 30) >> 8);
	bad[29] = (unsigned char)(2025 << 9 | 2 << 5 | 30);
	assert_decode_refused(bad, len, "registration date");
	/* a zero registration date */
	memcpy(bad, buf, len);
	bad[27] = bad[28] = bad[29] = 0;
	assert_decode_refused(bad, len, "registration date");
	/* a personal ID above 999999999999 */
	memcpy(bad, buf, len);
	memset(bad + 33, 0xEE, 5);
	assert_decode_refused(bad, len, "personal ID");
	/* office code with a space */
	memcpy(bad, buf, len);
	bad[57] = ' ';
	assert_decode_refused(bad, len, "office code");
	/* office length beyond the data */
	memcpy(bad, buf, len);
	bad[54] = 200;
	assert_decode_refused(bad, len, "office code");
}

static void
test_seal_name_must_be_nfc(void **state)
{
	struct cs_seal s;
	unsigned char buf[CS_SEAL_BYTES_MAX];
	size_t len;

	(void)state;
	sample_seal(&s, CS_SEAL_ES256);
	/* "Hà" decomposed: a + U+0300 COMBINING GRAVE ACCENT */
	snprintf(s.full_name, sizeof(s.full_name), "Tr\xe1\xba\xa7n H" "a\xcc\x80");
	encode(&s, buf, &len);
	assert_decode_refused(buf, len, "NFC");
	/* not UTF-8 */
	snprintf(s.full_name, sizeof(s.full_name), "Tr\xff");
	encode(&s, buf, &len);
	assert_decode_refused(buf, len, "NFC");
}

static void
test_seal_text_every_length(void **state)
{
	unsigned char in[64], out[64];
	char text[CS_SEAL_TEXT_MAX];
	static const size_t digits[] = { 0, 3, 5, 8, 10, 13, 15, 17 };
	struct cs_err e;
	size_t n, len, i;

	(void)state;
	for (n = 1; n <= sizeof(in); n++) {
		for (i = 0; i < n; i++)
			in[i] = (unsigned char)(0xFF - i * 13);
		assert_int_equal(cs_seal_to_text(in, n, text, sizeof(text), &e),
		    0);
		assert_int_equal(strlen(text), n / 7 * 17 + digits[n % 7]);
		assert_int_equal(cs_seal_from_text(text, out, sizeof(out), &len,
		    &e), 0);
		assert_int_equal(len, n);
		assert_memory_equal(in, out, n);
	}
	/* All-ones blocks are the largest values: 2^56 - 1 in 17 digits. */
	memset(in, 0xFF, 7);
	assert_int_equal(cs_seal_to_text(in, 7, text, sizeof(text), &e), 0);
	assert_string_equal(text, "72057594037927935");
	/* One byte: 3 digits. */
	in[0] = 5;
	assert_int_equal(cs_seal_to_text(in, 1, text, sizeof(text), &e), 0);
	assert_string_equal(text, "005");
}

static void
assert_text_refused(const char *text, const char *msg)
{
	unsigned char out[CS_SEAL_BYTES_MAX];
	struct cs_err e;
	size_t len;

	cs_err_clear(&e);
	assert_int_equal(cs_seal_from_text(text, out, sizeof(out), &len, &e),
	    CS_E_INVALID);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", text, e.msg, msg);
}

static void
test_seal_text_refused(void **state)
{
	(void)state;
	assert_text_refused("", "empty");
	assert_text_refused("https://x.example/v/", "empty");
	assert_text_refused("0123456789012345a", "not a digit");
	assert_text_refused("12 45", "not a digit");
	assert_text_refused("1234", "not a length");		/* 4 digits */
	assert_text_refused("123456789012345678", "not a length");	/* 17 + 1 */
	assert_text_refused("256", "out of range");		/* > 255 */
	assert_text_refused("72057594037927936", "out of range");	/* 2^56 */
	assert_text_refused("99999999999999999", "out of range");
}

static void
test_seal_text_from_url(void **state)
{
	unsigned char out[16];
	struct cs_err e;
	size_t len;

	(void)state;
	assert_int_equal(cs_seal_from_text("https://verify.example.vn/v/255",
	    out, sizeof(out), &len, &e), 0);
	assert_int_equal(len, 1);
	assert_int_equal(out[0], 255);
	assert_int_equal(cs_seal_from_text("HTTP://127.0.0.1:8442/V/00065535",
	    out, sizeof(out), &len, &e), 0);
	assert_int_equal(len, 3);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0xFF);
	assert_int_equal(out[2], 0xFF);
}

static void
test_seal_compare_names_field(void **state)
{
	struct cs_seal a, b;
	struct cs_err e;

	(void)state;
	sample_seal(&a, CS_SEAL_ES256);
	b = a;
	b.birth_date.d = 13;
	assert_int_equal(cs_seal_compare_fields(&a, &b, &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "birth date"));
	b = a;
	b.personal_id[11] = '9';
	assert_int_equal(cs_seal_compare_fields(&a, &b, &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "personal ID"));
	b = a;
	b.full_name[0] = 'M';
	assert_int_equal(cs_seal_compare_fields(&a, &b, &e), CS_E_INVALID);
	assert_non_null(strstr(e.msg, "full name"));
	/* kid, hash and signature are not fields */
	b = a;
	b.kid[0] ^= 1;
	b.sig[0] ^= 1;
	assert_int_equal(cs_seal_compare_fields(&a, &b, &e), 0);
}

static void
test_seal_fields_json(void **state)
{
	struct cs_seal s;
	json_t *j;

	(void)state;
	sample_seal(&s, CS_SEAL_ES256);
	s.birth_date = (struct cs_date){ 0, 0, 0 };
	assert_non_null(j = cs_seal_fields_json(&s));
	assert_string_equal(json_string_value(json_object_get(j, "type")),
	    "birth");
	assert_string_equal(json_string_value(json_object_get(j,
	    "registration_date")), "2025-09-20");
	assert_true(json_is_null(json_object_get(j, "birth_date")));
	assert_string_equal(json_string_value(json_object_get(j, "key_id")),
	    "a0a1a2a3a4a5a6a7");
	assert_string_equal(json_string_value(json_object_get(j, "alg")),
	    "ES256");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_roundtrip_binary),
		cmocka_unit_test(test_seal_pid_value),
		cmocka_unit_test(test_seal_rsa_signature_length),
		cmocka_unit_test(test_seal_decode_refuses),
		cmocka_unit_test(test_seal_name_must_be_nfc),
		cmocka_unit_test(test_seal_text_every_length),
		cmocka_unit_test(test_seal_text_refused),
		cmocka_unit_test(test_seal_text_from_url),
		cmocka_unit_test(test_seal_compare_names_field),
		cmocka_unit_test(test_seal_fields_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
