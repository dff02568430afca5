/* test-deadline.c - due times of order No. 7, worked out by hand from the real calendars */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "deadline.h"
#include "law.h"
#include "log.h"
#include "record.h"
#include "rules.h"
#include "tz.h"
#include "unit.h"

/* The rule of id (and item, if given) in the shipped set. */
static const struct rule *
rule(const struct law *law, const char *id, const char *item)
{
	const struct ruleset	*rs = law_set_at(law, 1700000000);
	size_t			 i;

	for (i = 0; rs != NULL && i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0 &&
		    (item == NULL || strcmp(rs->rules[i].item, item) == 0))
			return &rs->rules[i];
	fatalx("no rule %s", id);
}

static int64_t
t(const char *s)
{
	int64_t v;

	if (rfc3339_parse(s, &v, NULL) == -1)
		fatalx("bad time %s", s);
	return v;
}

/*
 * Record terms: start, the due time expected, and why.  Working days count
 * from the day after and end at 24:00 local; Almaty was UTC+6 until
 * 1 March 2024 and UTC+5 since.
 */
static const struct {
	const char	*rule, *item, *region, *start, *due, *why;
} record_cases[] = {
	{ "call-1h", NULL, "KZ-75", "2025-03-20T02:40:00+05:00",
	  "2025-03-20T03:40:00+05:00", "one hour on the clock, at night" },
	{ "report-3h", NULL, "KZ-75", "2025-03-21T23:00:00+05:00",
	  "2025-03-22T02:00:00+05:00", "three hours through a Nauryz night" },
	{ "review-48h", "34", "KZ-71", "2024-02-28T12:00:00+06:00",
	  "2024-03-01T11:00:00+05:00", "48 h across Almaty's move to UTC+5: "
	  "the same instant, shown in the new offset" },
	{ "court-3wd", NULL, "KZ-75", "2026-02-26T10:00:00+05:00",
	  "2026-03-04T00:00:00+05:00", "Thu 26 Feb: Fri 27, Mon 2, Tue 3 Mar" },
	{ "court-3wd", NULL, "KZ-75", "2026-02-27T10:00:00+05:00",
	  "2026-03-05T00:00:00+05:00", "Fri 27 Feb: Mon 2, Tue 3, Wed 4 Mar" },
	{ "court-3wd", NULL, "KZ-75", "2025-03-20T10:00:00+05:00",
	  "2025-03-29T00:00:00+05:00", "Nauryz 2025: 21 Fri off, 22 Sat and "
	  "23 Sun move to Mon 24 and Tue 25; then Wed 26, Thu 27, Fri 28" },
	{ "court-3wd", NULL, "KZ-75", "2025-12-30T10:00:00+05:00",
	  "2026-01-07T00:00:00+05:00", "New Year: Wed 31 Dec, (1-2 Jan off, "
	  "weekend), Mon 5, Tue 6 Jan" },
	{ "court-3wd", NULL, "KZ-75", "2024-02-28T10:00:00+06:00",
	  "2024-03-05T00:00:00+05:00", "Thu 29 Feb, Fri 1, Mon 4 Mar; the last "
	  "day ends at midnight UTC+5" },
	{ "court-3wd", NULL, "KZ-75", "2024-05-06T10:00:00+05:00",
	  "2024-05-15T00:00:00+05:00", "May 2024: 7 Tue off, 8 Wed off by the "
	  "transfer from Sat 4 May, 9 Thu off; Fri 10, Mon 13, Tue 14" },
	{ "court-3wd", NULL, "KZ-15", "2023-03-17T18:00:00+05:00",
	  "2023-03-28T00:00:00+05:00", "Aktobe, Nauryz 2023 (Tue-Thu 21-23): "
	  "Mon 20, Fri 24, Mon 27" },
};

/* Check one record term against the shipped rules and calendar. */
static void
check_record_case(const struct law *law, size_t i)
{
	const struct rule	*r = rule(law, record_cases[i].rule,
				    record_cases[i].item);
	struct deadline		 dl;
	char			 err[256], got[40];

	ok(deadline_compute(r, law->cal, law_zone(law, record_cases[i].region),
	    t(record_cases[i].start), NULL, &dl, err, sizeof err) == 0,
	    "case %zu: %s", i, err);
	rfc3339_format(dl.due, tz_offset(law_zone(law, record_cases[i].region),
	    dl.due), got, sizeof got);
	ok(dl.due == t(record_cases[i].due), "case %zu (%s %s): due %s, "
	    "expected %s\n%s", i, record_cases[i].rule, record_cases[i].why,
	    got, record_cases[i].due, dl.explain);
}

/* Periodic terms: the period, the due time expected, and why. */
static const struct {
	const char	*rule, *region, *period, *due, *why;
} period_cases[] = {
	{ "monthly-info", "KZ-75", "2026-02", "2026-03-03T00:00:00+05:00",
	  "February has no 30th: Sat 28 Feb, moved to Mon 2 Mar" },
	{ "monthly-info", "KZ-75", "2025-03", "2025-04-01T00:00:00+05:00",
	  "Sun 30 Mar moves to Mon 31 Mar" },
	{ "monthly-info", "KZ-75", "2025-04", "2025-05-01T00:00:00+05:00",
	  "Wed 30 Apr, a working day" },
	{ "monthly-info", "KZ-75", "2024-02", "2024-02-29T19:00:00Z",
	  "Thu 29 Feb 2024 ends at midnight of 1 March, the first UTC+5 day" },
	{ "quarterly-region", "KZ-75", "2026-Q1", "2026-04-07T00:00:00+05:00",
	  "5 April 2026 is a Sunday: Monday 6 April" },
	{ "quarterly-district", "KZ-75", "2025-Q4", "2026-01-06T00:00:00+05:00",
	  "1 January 2026 is New Year; 2 Jan too; then the weekend: Mon 5 Jan" },
	{ "halfyear", "KZ-75", "2025-H1", "2025-07-09T00:00:00+05:00",
	  "Sat 5 July; Sun 6 July is Capital Day, moved to Mon 7: Tue 8 July" },
	{ "annual", "KZ-75", "2024", "2025-01-06T00:00:00+05:00",
	  "Sun 5 January 2025 was made a working day (transfer to Fri 3 Jan)" },
	{ "quarterly-region", "KZ-15", "2023-Q2", "2023-07-06T00:00:00+05:00",
	  "Wed 5 July 2023, Aktobe" },
};

static void
check_period_case(const struct law *law, size_t i)
{
	const struct rule	*r = rule(law, period_cases[i].rule, NULL);
	struct deadline		 dl;
	struct period		 p;
	char			 err[256], got[40];

	ok(period_parse(period_cases[i].period, &p) == 0 && p.kind == r->period,
	    "case %zu: period %s", i, period_cases[i].period);
	ok(deadline_compute(r, law->cal, law_zone(law, period_cases[i].region),
	    0, &p, &dl, err, sizeof err) == 0, "case %zu: %s", i, err);
	rfc3339_format(dl.due, tz_offset(law_zone(law, period_cases[i].region),
	    dl.due), got, sizeof got);
	ok(dl.due == t(period_cases[i].due), "period case %zu (%s %s: %s): due "
	    "%s, expected %s\n%s", i, period_cases[i].rule,
	    period_cases[i].period, period_cases[i].why, got,
	    period_cases[i].due, dl.explain);
}

/* Warnings at 50 %% and 15 minutes before; escalation 15 minutes after. */
static void
test_events(const struct law *law)
{
	const struct rule	*r = rule(law, "call-1h", NULL);
	struct event		 ev[DEADLINE_MAXEVENTS];
	struct deadline		 dl;
	char			 err[256];
	int64_t			 s = t("2025-03-20T02:40:00+05:00");
	size_t			 n;

	deadline_compute(r, law->cal, law_zone(law, "KZ-75"), s, NULL, &dl,
	    err, sizeof err);
	n = deadline_events(r, &dl, ev, DEADLINE_MAXEVENTS);
	ok(n == 4, "call-1h has 4 events: %zu", n);
	ok(ev[0].kind == EV_WARNING && ev[0].at == s + 1800, "50%% warning");
	ok(ev[1].kind == EV_WARNING && ev[1].at == s + 2700, "15 min warning");
	ok(ev[2].kind == EV_BREACH && ev[2].at == s + 3600, "breach at due");
	ok(ev[3].kind == EV_ESCALATION && ev[3].at == s + 4500, "escalation");
	r = rule(law, "conclusion", NULL);
	deadline_compute(r, law->cal, law_zone(law, "KZ-75"), s, NULL, &dl,
	    err, sizeof err);
	ok(dl.due == DEADLINE_NONE && deadline_events(r, &dl, ev,
	    DEADLINE_MAXEVENTS) == 0, "no term, no events");
	r = rule(law, "court-3wd", NULL);
	deadline_compute(r, law->cal, law_zone(law, "KZ-75"),
	    t("2026-02-26T10:00:00+05:00"), NULL, &dl, err, sizeof err);
	n = deadline_events(r, &dl, ev, DEADLINE_MAXEVENTS);
	ok(n >= 2 && ev[0].kind == EV_WARNING && ev[0].at == dl.due - 86400,
	    "a day before a day term");
	ok(strstr(dl.explain, "2026-02-28") != NULL ||
	    strstr(dl.explain, "Saturday") != NULL, "skipped days named: %s",
	    dl.explain);
}

/* Period names round-trip; the next period rolls the year. */
static void
test_periods(void)
{
	struct period	p;
	char		buf[16];

	ok(period_parse("2025-Q4", &p) == 0 && p.kind == PERIOD_QUARTER &&
	    p.index == 4, "quarter");
	p = period_next(p);
	period_name(p, buf, sizeof buf);
	ok(strcmp(buf, "2026-Q1") == 0, "next quarter %s", buf);
	ok(period_parse("2025-H2", &p) == 0 && p.kind == PERIOD_HALFYEAR, "half");
	ok(period_parse("2025-12", &p) == 0 && p.kind == PERIOD_MONTH, "month");
	ok(period_parse("2025", &p) == 0 && p.kind == PERIOD_YEAR, "year");
	ok(period_parse("2025-13", &p) == -1 && period_parse("2025-Q5", &p) ==
	    -1 && period_parse("x", &p) == -1, "bad periods refused");
	p = period_of(PERIOD_HALFYEAR, 2025, 7);
	ok(p.index == 2, "July is in H2");
}

/* A date outside the calendar's years is an error, not a guess. */
static void
test_outside_calendar(const struct law *law)
{
	struct deadline	dl;
	char		err[256];

	ok(deadline_compute(rule(law, "court-3wd", NULL), law->cal,
	    law_zone(law, "KZ-75"), t("2031-05-05T10:00:00+05:00"), NULL, &dl,
	    err, sizeof err) == -1 && strstr(err, "calendar") != NULL,
	    "outside the calendar: %s", err);
}

int
main(void)
{
	struct law	*law;
	char		*err = NULL;
	size_t		 i;

	log_init("test-deadline", 1);
	if ((law = law_load("rules", &err)) == NULL) {
		fprintf(stderr, "cannot load rules/: %s\n", err);
		return 1;
	}
	for (i = 0; i < sizeof record_cases / sizeof record_cases[0]; i++)
		check_record_case(law, i);
	for (i = 0; i < sizeof period_cases / sizeof period_cases[0]; i++)
		check_period_case(law, i);
	test_events(law);
	test_periods();
	test_outside_calendar(law);
	law_free(law);
	return unit_done();
}
