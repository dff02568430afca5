/* periodic.c - the reporting duties of every region, generated ahead (п. 65-67) */
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "deadline.h"
#include "law.h"
#include "log.h"
#include "obligation.h"
#include "rules.h"
#include "store.h"
#include "tz.h"

/* Local midnight opening the first (or closing the last) month of p. */
static int64_t
period_edge(const struct tz *z, struct period p, int end)
{
	int y0, m0, y1, m1;

	period_months(p, &y0, &m0, &y1, &m1);
	if (!end)
		return tz_local_to_utc(z, y0, m0, 1, 0, 0, 0);
	if (++m1 > 12) {
		m1 = 1;
		y1++;
	}
	return tz_local_to_utc(z, y1, m1, 1, 0, 0, 0);
}

/* One periodic duty of rule r for region and period p. */
static int
periodic_one(struct store *st, const struct law *law, const struct ruleset *rs,
    const struct rule *r, const char *region, struct period p, int64_t since,
    int64_t now, struct schedvec *sv)
{
	const struct tz	*z = law_zone(law, region);
	struct deadline	 dl;
	struct duty	 d;
	char		 key[160], pn[16], err[256];
	int64_t		 start;

	start = period_edge(z, p, r->start == START_PERIOD_END);
	if (deadline_compute(r, law->cal, z, start, &p, &dl, err, sizeof err) ==
	    -1) {
		log_debug("periodic %s %s: %s", r->id, region, err);
		return 0;
	}
	/* Duties that fell due before nadzor watched are not its to judge. */
	if (dl.due < since)
		return 0;
	period_name(p, pn, sizeof pn);
	snprintf(key, sizeof key, "%s/%s/%s", r->id, region, pn);
	d = (struct duty){ rs, r, key, region, pn, 0, -1, &dl, NULL };
	return obligation_insert(st, &d, now, sv);
}

/* Every period of kind k from the one holding `since` to the one holding
 * `until`, for every periodic rule of that kind and every region. */
static int
periodic_kind(struct store *st, const struct law *law, enum rule_period k,
    int64_t since, int64_t now, int64_t until, struct schedvec *sv)
{
	const struct tz		*z = law_zone(law, "KZ-71");
	const struct ruleset	*rs;
	const char		**codes;
	struct period		 p, last;
	size_t			 nreg, i, j;
	int			 y, m, d;

	/* Start a year early: a period before `since` may still fall due
	 * after it (a quarter ended in September is due on 5 October). */
	tz_local_date(z, since - 370 * 86400LL, &y, &m, &d);
	p = period_of(k, y, m);
	tz_local_date(z, until, &y, &m, &d);
	last = period_of(k, y, m);
	nreg = calendar_regions(law->cal, &codes);
	for (; p.year < last.year || (p.year == last.year &&
	    p.index <= last.index); p = period_next(p)) {
		if ((rs = law_set_at(law, period_edge(z, p, 0))) == NULL)
			continue;
		for (i = 0; i < rs->nrules; i++) {
			if (rs->rules[i].period != k)
				continue;
			for (j = 0; j < nreg; j++)
				if (periodic_one(st, law, rs, &rs->rules[i],
				    codes[j], p, since, now, sv) == -1)
					return -1;
		}
	}
	return 0;
}

int
obligation_periodic(struct store *st, const struct law *law, int64_t since,
    int64_t now, int horizon_days, struct schedvec *sv)
{
	static const enum rule_period kinds[] = { PERIOD_MONTH, PERIOD_QUARTER,
	    PERIOD_HALFYEAR, PERIOD_YEAR };
	int64_t	until = now + (int64_t)horizon_days * 86400;
	size_t	i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (periodic_kind(st, law, kinds[i], since, now, until, sv) == -1)
			return -1;
	return 0;
}
