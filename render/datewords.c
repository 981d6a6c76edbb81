/*
 * render/datewords.c — Vietnamese dates and times in words; see datewords.h.
 *
 * A number is built left to right into a bounded buffer; every rule of the
 * header is one branch below, so the table in tests/unit/test_datewords.c
 * reads against this file line by line.
 */
#include "render/datewords.h"

#include <stdio.h>
#include <string.h>

static const char *const unit_w[10] = { "không", "một", "hai", "ba", "bốn",
	"năm", "sáu", "bảy", "tám", "chín" };

static const struct {
	const char *thousand;
	const char *zero_tens;
} profile_w[] = {
	[RENDER_DATEWORDS_NORTH] = { "nghìn", "linh" },
	[RENDER_DATEWORDS_SOUTH] = { "ngàn", "lẻ" },
};

/* An output buffer that remembers it overflowed. */
struct wbuf {
	char *p;
	size_t cap, len;
	int full;
};

static void
put(struct wbuf *b, const char *w)
{
	size_t n = strlen(w), sep = b->len > 0;

	if (b->full || b->len + sep + n + 1 > b->cap) {
		b->full = 1;
		return;
	}
	if (sep)
		b->p[b->len++] = ' ';
	memcpy(b->p + b->len, w, n + 1);
	b->len += n;
}

/* The last two digits r (0..99); higher: hundreds or thousands were said. */
static void
put_tens(struct wbuf *b, int r, int higher, enum render_datewords_profile p)
{
	int tens = r / 10, u = r % 10;

	if (r == 0)
		return;
	if (tens == 0) {
		/* 2005: "linh năm" — "lăm" follows only mười/mươi. */
		if (higher)
			put(b, profile_w[p].zero_tens);
		put(b, unit_w[u]);
		return;
	}
	if (tens == 1)
		put(b, "mười");
	else {
		put(b, unit_w[tens]);
		put(b, "mươi");
	}
	if (u == 0)
		return;
	if (u == 5)
		put(b, "lăm");			/* mười lăm, hai mươi lăm */
	else if (u == 1 && tens >= 2)
		put(b, "mốt");			/* hai mươi mốt; 11 mười một */
	else if (u == 4 && tens >= 2 && p == RENDER_DATEWORDS_SOUTH)
		put(b, "tư");			/* hai mươi tư; North: hai mươi bốn */
	else
		put(b, unit_w[u]);
}

static void
put_number(struct wbuf *b, int n, enum render_datewords_profile p)
{
	int th = n / 1000, h = n / 100 % 10, r = n % 100;

	if (n == 0) {
		put(b, unit_w[0]);
		return;
	}
	if (th > 0) {
		put(b, unit_w[th]);
		put(b, profile_w[p].thousand);
		if (n % 1000 == 0)
			return;
		/* Inside thousands the hundreds are said, zero too. */
		put(b, unit_w[h]);
		put(b, "trăm");
	} else if (h > 0) {
		put(b, unit_w[h]);
		put(b, "trăm");
	}
	put_tens(b, r, n >= 100, p);
}

static int
profile_ok(enum render_datewords_profile p, struct cs_err *err)
{
	if (p != RENDER_DATEWORDS_NORTH && p != RENDER_DATEWORDS_SOUTH)
		return cs_err_set(err, CS_E_INVALID,
		    "unknown date-words profile %d", (int)p);
	return 0;
}

static int
finish(struct wbuf *b, struct cs_err *err)
{
	if (b->full) {
		if (b->cap > 0)
			b->p[0] = '\0';
		return cs_err_set(err, CS_E_INTERNAL,
		    "date in words does not fit %zu bytes", b->cap);
	}
	return 0;
}

static void
wbuf_init(struct wbuf *b, char *out, size_t cap)
{
	b->p = out;
	b->cap = cap;
	b->len = 0;
	b->full = cap == 0;
	if (cap > 0)
		out[0] = '\0';
}

int
render_datewords_number(int n, enum render_datewords_profile p, char *out,
    size_t cap, struct cs_err *err)
{
	struct wbuf b;
	int r;

	wbuf_init(&b, out, cap);
	if ((r = profile_ok(p, err)) != 0)
		return r;
	if (n < 0 || n > 9999)
		return cs_err_set(err, CS_E_INVALID,
		    "number %d is outside 0..9999", n);
	put_number(&b, n, p);
	return finish(&b, err);
}

int
render_datewords_date(const struct cs_date *d, enum render_datewords_profile p,
    char *out, size_t cap, struct cs_err *err)
{
	struct wbuf b;
	int r;

	wbuf_init(&b, out, cap);
	if ((r = profile_ok(p, err)) != 0)
		return r;
	if (!cs_date_valid(d))
		return cs_err_set(err, CS_E_INVALID,
		    "%04d-%02d-%02d is not a calendar date", d->y, d->m, d->d);
	put(&b, "ngày");
	put_number(&b, d->d, p);
	put(&b, "tháng");
	if (d->m == 4)
		put(&b, "tư");		/* tháng tư, never tháng bốn */
	else
		put_number(&b, d->m, p);
	put(&b, "năm");
	put_number(&b, d->y, p);
	return finish(&b, err);
}

int
render_datewords_time(int hh, int mm, enum render_datewords_profile p, char *out,
    size_t cap, struct cs_err *err)
{
	struct wbuf b;
	int r;

	wbuf_init(&b, out, cap);
	if ((r = profile_ok(p, err)) != 0)
		return r;
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
		return cs_err_set(err, CS_E_INVALID,
		    "time %02d:%02d is outside 00:00..23:59", hh, mm);
	put_number(&b, hh, p);
	put(&b, "giờ");
	put_number(&b, mm, p);
	put(&b, "phút");
	return finish(&b, err);
}
