/*
 * render/datewords.h — dates and times written in Vietnamese words, as the
 * civil-status forms require next to the digits ("Ghi bằng chữ",
 * docs/domain.md §8).
 * The words are always generated here from the ISO values of the record,
 * never taken from a client.
 *
 * Rules (docs/rendering.md has the table):
 *  - units: không một hai ba bốn năm sáu bảy tám chín;
 *  - 10 is "mười", 11 "mười một", 14 "mười bốn", 15 "mười lăm";
 *  - tens from 2 on: "hai mươi"; a 1 after them is "mốt" (21 hai mươi mốt),
 *    a 5 is "lăm" (25 hai mươi lăm), a 4 is "bốn" (Northern profile, as
 *    docs/domain.md §8: 24 hai mươi bốn) or "tư" (Southern: hai mươi tư);
 *  - a zero tens digit after hundreds or thousands is "linh" (Northern
 *    profile) or "lẻ" (Southern), and the unit after it keeps its plain
 *    name: 2005 "hai nghìn không trăm linh năm", 2001 "… linh một";
 *  - zero hundreds inside thousands are "không trăm" (2024 "hai nghìn không
 *    trăm hai mươi bốn"); round thousands and hundreds stop there (2000 "hai
 *    nghìn", 1900 "một nghìn chín trăm");
 *  - thousands are "nghìn" (Northern) or "ngàn" (Southern);
 *  - months: một, hai, ba, tư, năm, sáu, bảy, tám, chín, mười, mười một,
 *    mười hai (docs/domain.md §8: month 1 is "tháng một", not "tháng
 *    giêng", which is the lunar calendar's name; month 4 is always "tháng
 *    tư");
 *  - days are plain numbers after "ngày" (ngày một … ngày mười), without the
 *    spoken "mùng": the forms' written style.
 *
 * All output is lower case UTF-8 (NFC); a caller capitalises the first
 * letter where a sentence starts ("Ngày …").
 */
#ifndef RENDER_DATEWORDS_H
#define RENDER_DATEWORDS_H

#include <stddef.h>

#include "core/date.h"
#include "core/err.h"

enum render_datewords_profile {
	RENDER_DATEWORDS_NORTH = 0,	/* "nghìn", "linh", "bốn": the default */
	RENDER_DATEWORDS_SOUTH = 1,	/* "ngàn", "lẻ", "tư" */
};

#define RENDER_DATEWORDS_DEFAULT RENDER_DATEWORDS_NORTH
#define RENDER_DATEWORDS_MAX 256	/* bytes: enough for any date and time */

/*
 * n (0..9999) in words into out (cap bytes).  CS_E_INVALID for n out of
 * range or an unknown profile; CS_E_INTERNAL when cap is too small.
 */
int render_datewords_number(int n, enum render_datewords_profile p, char *out,
    size_t cap, struct cs_err *err);

/*
 * "ngày mười lăm tháng tư năm hai nghìn không trăm hai mươi ba" for
 * 2023-04-15.  CS_E_INVALID when d is not a valid calendar date.
 */
int render_datewords_date(const struct cs_date *d, enum render_datewords_profile p,
    char *out, size_t cap, struct cs_err *err);

/*
 * "bốn giờ ba mươi phút" for 04:30 (hh 0..23, mm 0..59; 0 is "không", so
 * 00:05 is "không giờ năm phút").  CS_E_INVALID out of range.
 */
int render_datewords_time(int hh, int mm, enum render_datewords_profile p,
    char *out, size_t cap, struct cs_err *err);

#endif
