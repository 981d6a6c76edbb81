/*
 * core/date.h — calendar dates and times of civil-status documents.
 *
 * Dates are proleptic Gregorian; "today" is the date in Asia/Ho_Chi_Minh
 * (ICT, UTC+07:00, no daylight saving time).
 */
#ifndef CS_DATE_H
#define CS_DATE_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"

struct cs_date {
	int y, m, d;		/* all zero when unset */
};

/* A time of death: a date, and the hour/minute when known. */
struct cs_datetime {
	struct cs_date date;
	int has_time;		/* 0: date only, the hour is unknown */
	int hh, mm, ss;
	int offset_min;		/* offset from UTC in minutes, e.g. 420 */
};

#define CS_DATE_STR_MAX 11	/* "YYYY-MM-DD" + NUL */
#define CS_DATETIME_STR_MAX 26	/* "YYYY-MM-DDTHH:MM:SS+07:00" + NUL */

/* Parse exactly "YYYY-MM-DD" naming a real calendar day (29 Feb only in leap years). */
int cs_date_parse(const char *s, struct cs_date *out, struct cs_err *err);

/* Parse "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS](+|-)HH:MM"; "Z" and missing offsets are refused. */
int cs_datetime_parse(const char *s, struct cs_datetime *out, struct cs_err *err);

/* Format as "YYYY-MM-DD" into buf (CS_DATE_STR_MAX bytes). */
void cs_date_format(const struct cs_date *d, char *buf, size_t len);

/* Format as given: date only, or date-time with its offset. */
void cs_datetime_format(const struct cs_datetime *t, char *buf, size_t len);

/* <0, 0, >0 like strcmp. */
int cs_date_cmp(const struct cs_date *a, const struct cs_date *b);

int cs_date_is_leap(int y);
int cs_date_valid(const struct cs_date *d);

/* The calendar date in ICT (UTC+07:00) at the instant t. */
void cs_date_ict(time_t t, struct cs_date *out);

/* The local (ICT) calendar date of a date-time, converting its offset. */
void cs_datetime_ict_date(const struct cs_datetime *t, struct cs_date *out);

#endif
