/*
 * core/pid.c — the 12-digit personal identification number; see pid.h and
 * docs/domain.md §3.
 */
#include "core/pid.h"

#include <stdio.h>
#include <string.h>

/* TT 07/2016/TT-BCA Annex: the 2004 GSO province codes with a leading 0. */
static const struct {
	const char *code;
	const char *name;
} provinces[] = {
	{ "001", "Hà Nội" },
	{ "002", "Hà Giang" },
	{ "004", "Cao Bằng" },
	{ "006", "Bắc Kạn" },
	{ "008", "Tuyên Quang" },
	{ "010", "Lào Cai" },
	{ "011", "Điện Biên" },
	{ "012", "Lai Châu" },
	{ "014", "Sơn La" },
	{ "015", "Yên Bái" },
	{ "017", "Hòa Bình" },
	{ "019", "Thái Nguyên" },
	{ "020", "Lạng Sơn" },
	{ "022", "Quảng Ninh" },
	{ "024", "Bắc Giang" },
	{ "025", "Phú Thọ" },
	{ "026", "Vĩnh Phúc" },
	{ "027", "Bắc Ninh" },
	{ "030", "Hải Dương" },
	{ "031", "Hải Phòng" },
	{ "033", "Hưng Yên" },
	{ "034", "Thái Bình" },
	{ "035", "Hà Nam" },
	{ "036", "Nam Định" },
	{ "037", "Ninh Bình" },
	{ "038", "Thanh Hóa" },
	{ "040", "Nghệ An" },
	{ "042", "Hà Tĩnh" },
	{ "044", "Quảng Bình" },
	{ "045", "Quảng Trị" },
	{ "046", "Thừa Thiên Huế" },
	{ "048", "Đà Nẵng" },
	{ "049", "Quảng Nam" },
	{ "051", "Quảng Ngãi" },
	{ "052", "Bình Định" },
	{ "054", "Phú Yên" },
	{ "056", "Khánh Hòa" },
	{ "058", "Ninh Thuận" },
	{ "060", "Bình Thuận" },
	{ "062", "Kon Tum" },
	{ "064", "Gia Lai" },
	{ "066", "Đắk Lắk" },
	{ "067", "Đắk Nông" },
	{ "068", "Lâm Đồng" },
	{ "070", "Bình Phước" },
	{ "072", "Tây Ninh" },
	{ "074", "Bình Dương" },
	{ "075", "Đồng Nai" },
	{ "077", "Bà Rịa - Vũng Tàu" },
	{ "079", "TP Hồ Chí Minh" },
	{ "080", "Long An" },
	{ "082", "Tiền Giang" },
	{ "083", "Bến Tre" },
	{ "084", "Trà Vinh" },
	{ "086", "Vĩnh Long" },
	{ "087", "Đồng Tháp" },
	{ "089", "An Giang" },
	{ "091", "Kiên Giang" },
	{ "092", "Cần Thơ" },
	{ "093", "Hậu Giang" },
	{ "094", "Sóc Trăng" },
	{ "095", "Bạc Liêu" },
	{ "096", "Cà Mau" },
};

const char *
cs_pid_province(const char *prefix)
{
	size_t i;

	for (i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		if (strncmp(prefix, provinces[i].code, 3) == 0)
			return provinces[i].name;
	return NULL;
}

/* Exactly 12 ASCII digits, fullwidth digits not folded (docs/domain.md §3). */
static int
check_digits(const char *pid, struct cs_err *err)
{
	size_t i, n = strlen(pid);
	char what[16];

	for (i = 0; i < n; i++)
		if ((unsigned char)pid[i] >= 0x80)
			return cs_err_set(err, CS_E_INVALID,
			    "contains non-ASCII characters (fullwidth digits "
			    "are not accepted); must be exactly 12 ASCII "
			    "digits");
	for (i = 0; i < n; i++) {
		if (pid[i] >= '0' && pid[i] <= '9')
			continue;
		if (pid[i] > ' ' && pid[i] < 0x7f)
			snprintf(what, sizeof(what), "'%c'", pid[i]);
		else
			snprintf(what, sizeof(what), "U+%04X",
			    (unsigned)pid[i]);
		return cs_err_set(err, CS_E_INVALID,
		    "contains %s at position %zu; must be exactly 12 ASCII "
		    "digits", what, i + 1);
	}
	if (n != CS_PID_LEN)
		return cs_err_set(err, CS_E_INVALID,
		    "has %zu digits; must be exactly 12", n);
	return 0;
}

int
cs_pid_check_structure(const char *pid, struct cs_err *err)
{
	int r;

	if ((r = check_digits(pid, err)) != 0)
		return r;
	if (cs_pid_province(pid) == NULL)
		return cs_err_set(err, CS_E_INVALID,
		    "prefix %.3s is not one of the 63 province codes", pid);
	return 0;
}

static const char *
sex_of_digit(int g)
{
	return g % 2 ? "female" : "male";
}

int
cs_pid_check_person(const char *pid, enum cs_gender gender, int birth_year,
    struct cs_err *err)
{
	char msg[CS_ERR_MSG_MAX] = "";
	size_t n = 0;
	int r, g, yy, from, sex_bad, century_bad, year_bad;

	if ((r = cs_pid_check_structure(pid, err)) != 0)
		return r;
	g = pid[3] - '0';
	yy = (pid[4] - '0') * 10 + (pid[5] - '0');
	from = 1900 + 100 * (g / 2);
	/* G mod 2 == 1 exactly when female (docs/domain.md §3, check 3). */
	sex_bad = gender != CS_GENDER_NONE &&
	    (g % 2 == 1) != (gender == CS_GENDER_FEMALE);
	/* (y − 1900) div 100 == G div 2 (check 4); no digit before 1900. */
	century_bad = birth_year != 0 &&
	    (birth_year < 1900 || (birth_year - 1900) / 100 != g / 2);
	year_bad = birth_year != 0 && yy != birth_year % 100;

	if (sex_bad)
		n = (size_t)snprintf(msg, sizeof(msg),
		    "sex digit %d (%s, %d–%d) contradicts gender %s", g,
		    sex_of_digit(g), from, from + 99,
		    gender == CS_GENDER_FEMALE ? "female" : "male");
	if (century_bad && n < sizeof(msg))
		n += (size_t)snprintf(msg + n, sizeof(msg) - n,
		    "%scentury digit %d (%s, %d–%d) contradicts birth year %d",
		    n ? "; " : "", g, sex_of_digit(g), from, from + 99,
		    birth_year);
	if (year_bad && n < sizeof(msg))
		n += (size_t)snprintf(msg + n, sizeof(msg) - n,
		    "%syear digits %02d contradict birth year %d",
		    n ? "; " : "", yy, birth_year);
	if (n > 0)
		return cs_err_set(err, CS_E_INVALID, "%s", msg);
	return 0;
}
