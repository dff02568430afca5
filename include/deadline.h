/* deadline.h - due times from rules: pure functions, explained in words */
#ifndef NADZOR_DEADLINE_H
#define NADZOR_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

struct calendar;
struct tz;

#define DEADLINE_NONE	INT64_MAX	/* a duty without a term */

/* A reporting period: a month, quarter, half-year or year. */
struct period {
	enum rule_period kind;
	int		 year;
	int		 index;		/* month 1-12, quarter 1-4, half 1-2, 1 */
};

/* The period of that kind holding month m of year y. */
struct period	period_of(enum rule_period, int y, int m);
struct period	period_next(struct period);
/* First and last month of the period. */
void		period_months(struct period, int *y0, int *m0, int *y1, int *m1);
/* "2025-03", "2025-Q1", "2025-H1", "2025"; parse the same back (0/-1). */
void		period_name(struct period, char *buf, size_t len);
int		period_parse(const char *, struct period *);

struct deadline {
	int64_t	 starts;		/* the starting instant, UTC */
	int64_t	 due;			/* UTC, or DEADLINE_NONE */
	char	 term[64];		/* "1 hour", "3 working days", ... */
	char	 explain[1536];		/* sentences, one per line */
};

/*
 * The due time of rule for a duty starting at start (record rules) or for
 * period p (periodic rules), in the office's zone z with calendar cal.
 * Hours run on the clock; day terms end at 24:00 local and a day term
 * falling on a day off moves to the next working day.  0, or -1 with a
 * sentence in err (a date outside the calendar's years).
 */
int	deadline_compute(const struct rule *, const struct calendar *,
	    const struct tz *, int64_t start, const struct period *,
	    struct deadline *, char *err, size_t errlen);

/* The warning instants of a deadline, ascending, strictly after its start
 * and before its due time; how many were written (at most max). */
size_t	deadline_warnings(const struct rule *, const struct deadline *,
	    int64_t *out, size_t max);

/* The clock of one duty: its warnings, its breach, its escalation. */
enum event_kind { EV_WARNING, EV_BREACH, EV_ESCALATION };

struct event {
	int64_t		at;
	enum event_kind	kind;
};

#define DEADLINE_MAXEVENTS	(3 * RULE_MAXWARN + 2)

/* Every event of a deadline in time order; how many. */
size_t	deadline_events(const struct rule *, const struct deadline *,
	    struct event *, size_t max);

/* "2025-03-20 02:40 +05:00": an instant in local time of zone z. */
void	deadline_local(const struct tz *, int64_t, char *buf, size_t len);

#endif
