/*
 * core/date.c — calendar dates and times of civil-status documents; see
 * date.h.
 *
 * Proleptic Gregorian arithmetic on day numbers, no libc time zone: ICT is a
 * fixed UTC+07:00 with no daylight saving time (docs/domain.md §8), so
 * "today" and the local date of a time of death never depend on the host's
 * TZ setting.
 */
#include "core/date.h"

#include <stdio.h>
#include <string.h>

#define ICT_OFFSET_MIN 420
/* RFC 3339 allows offsets up to a day; real ones lie within -12:00..+14:00. */
#define OFFSET_MAX_MIN (14 * 60)

static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

/* Days since 1970-01-01 of a valid date (H. Hinnant's days_from_civil). */
static long
days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(long z, struct cs_date *out)
{
	long era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	out->y = (int)(y + (m <= 2));
	out->m = (int)m;
	out->d = (int)d;
}

/* n ASCII digits at s as an int, or -1 (isdigit() may accept locale digits). */
static int
digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
cs_date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
cs_date_valid(const struct cs_date *d)
{
	int n;

	if (d == NULL || d->y < 1 || d->y > 9999 || d->m < 1 || d->m > 12)
		return 0;
	n = mdays[d->m - 1] + (d->m == 2 && cs_date_is_leap(d->y));
	return d->d >= 1 && d->d <= n;
}

/* The first 10 bytes of s as YYYY-MM-DD; the caller checks what follows. */
static int
parse_date10(const char *s, struct cs_date *out, struct cs_err *err)
{
	struct cs_date d;

	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-' ||
	    (d.y = digits(s, 4)) < 0 || (d.m = digits(s + 5, 2)) < 0 ||
	    (d.d = digits(s + 8, 2)) < 0)
		return cs_err_set(err, CS_E_INVALID,
		    "'%.40s' is not a date YYYY-MM-DD", s);
	if (!cs_date_valid(&d))
		return cs_err_set(err, CS_E_INVALID,
		    "%.10s is not a calendar date%s", s,
		    d.m == 2 && d.d == 29 ? " (not a leap year)" : "");
	*out = d;
	return 0;
}

/* Exactly "YYYY-MM-DD" naming a real calendar day. */
int
cs_date_parse(const char *s, struct cs_date *out, struct cs_err *err)
{
	struct cs_date d;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = parse_date10(s, &d, err)) != 0)
		return r;
	if (s[10] != '\0')
		return cs_err_set(err, CS_E_INVALID,
		    "'%.40s' is not a date YYYY-MM-DD", s);
	*out = d;
	return 0;
}

/*
 * "YYYY-MM-DD" (hour unknown, docs/domain.md §9, decision 2) or
 * "YYYY-MM-DDTHH:MM[:SS](+|-)HH:MM".  "Z" and a missing offset are refused:
 * the registry records local (ICT) time and must say so explicitly; "-00:00"
 * means "offset unknown" in RFC 3339 and is refused for the same reason.
 */
int
cs_datetime_parse(const char *s, struct cs_datetime *out, struct cs_err *err)
{
	struct cs_datetime t;
	const char *p;
	int r, oh, om;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	if ((r = parse_date10(s, &t.date, err)) != 0)
		return r;
	p = s + 10;
	if (*p == '\0') {
		*out = t;
		return 0;
	}
	if (*p != 'T' || (t.hh = digits(p + 1, 2)) < 0 || p[3] != ':' ||
	    (t.mm = digits(p + 4, 2)) < 0)
		goto bad;
	p += 6;
	if (*p == ':') {
		if ((t.ss = digits(p + 1, 2)) < 0)
			goto bad;
		p += 3;
	}
	if (t.hh > 23 || t.mm > 59 || t.ss > 59)
		return cs_err_set(err, CS_E_INVALID,
		    "'%.40s' has no such time of day", s);
	if (*p == 'Z' || *p == 'z')
		return cs_err_set(err, CS_E_INVALID,
		    "'%.40s': \"Z\" (UTC) is refused; give the local time with "
		    "its offset, e.g. +07:00", s);
	if (*p == '\0')
		return cs_err_set(err, CS_E_INVALID,
		    "'%.40s' has no UTC offset; write e.g. +07:00", s);
	if ((*p != '+' && *p != '-') || (oh = digits(p + 1, 2)) < 0 ||
	    p[3] != ':' || (om = digits(p + 4, 2)) < 0 || p[6] != '\0')
		goto bad;
	if (om > 59 || oh * 60 + om > OFFSET_MAX_MIN)
		return cs_err_set(err, CS_E_INVALID,
		    "'%.40s' has an impossible UTC offset", s);
	if (*p == '-' && oh == 0 && om == 0)
		return cs_err_set(err, CS_E_INVALID,
		    "'%.40s': offset -00:00 means \"unknown\"; give the local "
		    "offset, e.g. +07:00", s);
	t.offset_min = (*p == '-' ? -1 : 1) * (oh * 60 + om);
	t.has_time = 1;
	*out = t;
	return 0;
bad:
	return cs_err_set(err, CS_E_INVALID,
	    "'%.40s' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]+HH:MM", s);
}

void
cs_date_format(const struct cs_date *d, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", d->y, d->m, d->d);
}

/* Seconds are always written: "T04:30+07:00" comes back "T04:30:00+07:00". */
void
cs_datetime_format(const struct cs_datetime *t, char *buf, size_t len)
{
	int off;

	if (!t->has_time) {
		cs_date_format(&t->date, buf, len);
		return;
	}
	off = t->offset_min < 0 ? -t->offset_min : t->offset_min;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    t->date.y, t->date.m, t->date.d, t->hh, t->mm, t->ss,
	    t->offset_min < 0 ? '-' : '+', off / 60 % 100, off % 60);
}

int
cs_date_cmp(const struct cs_date *a, const struct cs_date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

void
cs_date_ict(time_t t, struct cs_date *out)
{
	long long s = (long long)t + ICT_OFFSET_MIN * 60LL;
	long long days = s / 86400;

	if (s % 86400 < 0)
		days--;		/* floor, for instants before 1970 */
	civil_from_days((long)days, out);
}

/* A date alone is already an ICT date (the registry's own calendar). */
void
cs_datetime_ict_date(const struct cs_datetime *t, struct cs_date *out)
{
	long days, min;

	if (!t->has_time || t->offset_min == ICT_OFFSET_MIN) {
		*out = t->date;
		return;
	}
	days = days_from_civil(t->date.y, t->date.m, t->date.d);
	min = t->hh * 60L + t->mm - t->offset_min + ICT_OFFSET_MIN;
	while (min < 0) {
		min += 1440;
		days--;
	}
	while (min >= 1440) {
		min -= 1440;
		days++;
	}
	civil_from_days(days, out);
}
