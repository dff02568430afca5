/* deadline.c - due times from rules: pure functions, explained in words */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "deadline.h"
#include "log.h"
#include "tz.h"

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* Months in one period of each kind. */
static int
period_len(enum rule_period k)
{
	switch (k) {
	case PERIOD_MONTH:	return 1;
	case PERIOD_QUARTER:	return 3;
	case PERIOD_HALFYEAR:	return 6;
	case PERIOD_YEAR:	return 12;
	default:		return 0;
	}
}

struct period
period_of(enum rule_period k, int y, int m)
{
	struct period p = { k, y, 1 };

	if (period_len(k) > 0)
		p.index = (m - 1) / period_len(k) + 1;
	return p;
}

struct period
period_next(struct period p)
{
	int n = period_len(p.kind);

	if (n == 0)
		return p;
	if (++p.index > 12 / n) {
		p.index = 1;
		p.year++;
	}
	return p;
}

void
period_months(struct period p, int *y0, int *m0, int *y1, int *m1)
{
	int n = period_len(p.kind);

	*y0 = *y1 = p.year;
	*m0 = (p.index - 1) * n + 1;
	*m1 = *m0 + n - 1;
}

void
period_name(struct period p, char *buf, size_t len)
{
	switch (p.kind) {
	case PERIOD_MONTH:	snprintf(buf, len, "%04d-%02d", p.year, p.index); break;
	case PERIOD_QUARTER:	snprintf(buf, len, "%04d-Q%d", p.year, p.index); break;
	case PERIOD_HALFYEAR:	snprintf(buf, len, "%04d-H%d", p.year, p.index); break;
	case PERIOD_YEAR:	snprintf(buf, len, "%04d", p.year); break;
	default:		snprintf(buf, len, "-"); break;
	}
}

int
period_parse(const char *s, struct period *p)
{
	char	c;
	int	y, i, n;

	memset(p, 0, sizeof *p);
	if (sscanf(s, "%4d-Q%1d%n", &y, &i, &n) == 2 && s[n] == '\0' &&
	    i >= 1 && i <= 4)
		*p = (struct period){ PERIOD_QUARTER, y, i };
	else if (sscanf(s, "%4d-H%1d%n", &y, &i, &n) == 2 && s[n] == '\0' &&
	    i >= 1 && i <= 2)
		*p = (struct period){ PERIOD_HALFYEAR, y, i };
	else if (sscanf(s, "%4d-%2d%n", &y, &i, &n) == 2 && s[n] == '\0' &&
	    i >= 1 && i <= 12)
		*p = (struct period){ PERIOD_MONTH, y, i };
	else if (sscanf(s, "%4d%c", &y, &c) == 1 && strlen(s) == 4)
		*p = (struct period){ PERIOD_YEAR, y, 1 };
	else
		return -1;
	return y >= 1900 && y <= 9999 ? 0 : -1;
}

void
deadline_local(const struct tz *z, int64_t t, char *buf, size_t len)
{
	int	off = tz_offset(z, t), y, m, d;
	int64_t	s = t + off;
	int	sec = (int)(((s % 86400) + 86400) % 86400);

	tz_local_date(z, t, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d %c%02d:%02d", y, m, d,
	    sec / 3600, sec / 60 % 60, off < 0 ? '-' : '+', (off < 0 ? -off : off)
	    / 3600, (off < 0 ? -off : off) / 60 % 60);
}

/* Append a sentence to the explanation. */
static void
explain(struct deadline *dl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
explain(struct deadline *dl, const char *fmt, ...)
{
	size_t	n = strlen(dl->explain);
	va_list	ap;

	if (n + 2 >= sizeof dl->explain)
		return;
	if (n > 0)
		dl->explain[n++] = '\n';
	va_start(ap, fmt);
	vsnprintf(dl->explain + n, sizeof dl->explain - n, fmt, ap);
	va_end(ap);
}

/* 24:00 local of date y-m-d, i.e. the next day's local midnight, in UTC. */
static int64_t
end_of_day(const struct tz *z, int y, int m, int d)
{
	if (++d > days_in_month(y, m)) {
		d = 1;
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	return tz_local_to_utc(z, y, m, d, 0, 0, 0);
}

/* A day term ends on y-m-d; move it off a day off and set the due time. */
static int
due_on_day(const struct calendar *cal, const struct tz *z, int y, int m,
    int d, struct deadline *dl, char *err, size_t errlen)
{
	char	skipped[512] = "";
	int	oy = y, om = m, od = d;

	if (calendar_next_working(cal, &y, &m, &d, skipped, sizeof skipped) ==
	    -1) {
		snprintf(err, errlen, "%04d-%02d-%02d is outside the calendar's "
		    "years: add them to rules/", oy, om, od);
		return -1;
	}
	if (y != oy || m != om || d != od)
		explain(dl, "%04d-%02d-%02d is not a working day (%s), so the "
		    "term moves to %04d-%02d-%02d.", oy, om, od, skipped, y, m, d);
	dl->due = end_of_day(z, y, m, d);
	return 0;
}

/* Hours on the clock, nights and holidays included (п. 23, 17, 34). */
static void
due_hours(const struct rule *r, const struct tz *z, struct deadline *dl)
{
	char a[40], b[40];

	dl->due = dl->starts + (int64_t)r->amount * 3600;
	snprintf(dl->term, sizeof dl->term, "%d hour%s", r->amount,
	    r->amount == 1 ? "" : "s");
	deadline_local(z, dl->starts, a, sizeof a);
	deadline_local(z, dl->due, b, sizeof b);
	explain(dl, "The term is %s on the clock from %s, nights, weekends and "
	    "holidays included: due %s.", dl->term, a, b);
}

/* Working days count from the day after the event; the last one ends at
 * 24:00 local (п. 32.3). */
static int
due_working_days(const struct rule *r, const struct calendar *cal,
    const struct tz *z, struct deadline *dl, char *err, size_t errlen)
{
	char	skipped[768] = "", b[40];
	int	y, m, d, oy, om, od;

	tz_local_date(z, dl->starts, &y, &m, &d);
	snprintf(dl->term, sizeof dl->term, "%d working day%s", r->amount,
	    r->amount == 1 ? "" : "s");
	if (calendar_add_working_days(cal, y, m, d, r->amount, &oy, &om, &od,
	    skipped, sizeof skipped) == -1) {
		snprintf(err, errlen, "%04d-%02d-%02d is outside the calendar's "
		    "years: add them to rules/", y, m, d);
		return -1;
	}
	dl->due = end_of_day(z, oy, om, od);
	deadline_local(z, dl->due, b, sizeof b);
	explain(dl, "The term is %s counted from the day after %04d-%02d-%02d "
	    "(local date of the event); the last is %04d-%02d-%02d, ending at "
	    "24:00 local: due %s.", dl->term, y, m, d, oy, om, od, b);
	if (skipped[0] != '\0')
		explain(dl, "Days off passed over: %s.", skipped);
	return 0;
}

/* A day of the period's month, or of the month after it (п. 65-67); "the
 * 30th" in a shorter month is its last day. */
static int
due_day_of_month(const struct rule *r, const struct calendar *cal,
    const struct tz *z, const struct period *p, struct deadline *dl,
    char *err, size_t errlen)
{
	char	b[40], pn[16];
	int	y0, m0, y, m, d;

	period_months(*p, &y0, &m0, &y, &m);
	if (r->term == TERM_DAY_OF_NEXT_MONTH && ++m > 12) {
		m = 1;
		y++;
	}
	d = r->amount > days_in_month(y, m) ? days_in_month(y, m) : r->amount;
	period_name(*p, pn, sizeof pn);
	snprintf(dl->term, sizeof dl->term, "by day %d of %s month", r->amount,
	    r->term == TERM_DAY_OF_NEXT_MONTH ? "the next" : "the");
	if (d != r->amount)
		explain(dl, "%04d-%02d has no day %d: its last day, the %d, "
		    "stands for it.", y, m, r->amount, d);
	if (due_on_day(cal, z, y, m, d, dl, err, errlen) == -1)
		return -1;
	deadline_local(z, dl->due, b, sizeof b);
	explain(dl, "Period %s: the term is %s, ending at 24:00 local: due %s.",
	    pn, dl->term, b);
	return 0;
}

int
deadline_compute(const struct rule *r, const struct calendar *cal,
    const struct tz *z, int64_t start, const struct period *p,
    struct deadline *dl, char *err, size_t errlen)
{
	memset(dl, 0, sizeof *dl);
	dl->starts = start;
	dl->due = DEADLINE_NONE;
	switch (r->term) {
	case TERM_NONE:
		snprintf(dl->term, sizeof dl->term, "no term");
		explain(dl, "The Instruction sets no term for this duty (п. %s): "
		    "it stays open until done, and is never late.", r->item);
		return 0;
	case TERM_HOURS:
		due_hours(r, z, dl);
		return 0;
	case TERM_WORKING_DAYS:
		return due_working_days(r, cal, z, dl, err, errlen);
	case TERM_DAY_OF_MONTH:
	case TERM_DAY_OF_NEXT_MONTH:
		if (p == NULL)
			fatalx("deadline: a periodic term without a period");
		return due_day_of_month(r, cal, z, p, dl, err, errlen);
	}
	fatalx("deadline: unknown term %d", (int)r->term);
}

/* Insert t into the ascending array out of n, without duplicates. */
static size_t
warn_add(int64_t *out, size_t n, size_t max, int64_t t)
{
	size_t i, j;

	for (i = 0; i < n && out[i] < t; i++)
		;
	if ((i < n && out[i] == t) || n == max)
		return n;
	for (j = n; j > i; j--)
		out[j] = out[j - 1];
	out[i] = t;
	return n + 1;
}

size_t
deadline_warnings(const struct rule *r, const struct deadline *dl,
    int64_t *out, size_t max)
{
	int64_t	t, span = dl->due - dl->starts;
	size_t	i, n = 0;

	if (dl->due == DEADLINE_NONE)
		return 0;
	for (i = 0; i < r->nwarn_percent; i++) {
		t = dl->starts + span * r->warn_percent[i] / 100;
		if (t > dl->starts && t < dl->due)
			n = warn_add(out, n, max, t);
	}
	for (i = 0; i < r->nwarn_minutes; i++) {
		t = dl->due - (int64_t)r->warn_minutes[i] * 60;
		if (t > dl->starts && t < dl->due)
			n = warn_add(out, n, max, t);
	}
	for (i = 0; i < r->nwarn_days; i++) {
		t = dl->due - (int64_t)r->warn_days[i] * 86400;
		if (t > dl->starts && t < dl->due)
			n = warn_add(out, n, max, t);
	}
	return n;
}

size_t
deadline_events(const struct rule *r, const struct deadline *dl,
    struct event *ev, size_t max)
{
	int64_t	w[DEADLINE_MAXEVENTS];
	size_t	nw, i, n = 0;

	if (dl->due == DEADLINE_NONE || max < 2)
		return 0;
	nw = deadline_warnings(r, dl, w, max - 2 < DEADLINE_MAXEVENTS ?
	    max - 2 : DEADLINE_MAXEVENTS);
	for (i = 0; i < nw; i++)
		ev[n++] = (struct event){ w[i], EV_WARNING };
	ev[n++] = (struct event){ dl->due, EV_BREACH };
	if (r->escalate[0] != '\0')
		ev[n++] = (struct event){ dl->due +
		    (int64_t)r->escalate_after * 60, EV_ESCALATION };
	return n;
}
