/* report.h - the Department's analyses (order No. 7, п. 65-67) as one XML document */
#ifndef NADZOR_REPORT_H
#define NADZOR_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct store;
struct tz;

#define REPORT_NS	"urn:nadzor:report:1"
#define REPORT_MAXREGIONS	32

/*
 * A period and the same period of the previous year (АППГ), as UTC
 * instants [from, to) of local dates in the report's zone.
 */
struct report_period {
	char	 kind[12];		/* monthly, quarterly, halfyear, annual */
	char	 name[12];		/* 2025-03, 2025-Q1, 2025-H1, 2025 */
	char	 prev[12];		/* the same a year earlier */
	int64_t	 from, to;
	int64_t	 prev_from, prev_to;
};

/* Parse KIND and PERIOD ("quarterly", "2025-Q1") and place them on the
 * zone's clock; -1 if either is malformed. */
int	report_period(const char *kind, const char *period,
	    const struct tz *, struct report_period *);

/* Whose figures: no regions means the whole country. */
struct report_scope {
	char	 regions[REPORT_MAXREGIONS][16];
	size_t	 nregions;
};

/*
 * Compute every figure for the period and its АППГ with aggregate queries
 * (GROUP BY over indexed facts; no record is loaded) on db, and append the
 * report to out.  Persons are those named on incidents, staff and
 * witnesses excluded; names and IINs are never read.  0, or -1 with *err
 * (the caller frees it) if the database cannot be read.
 */
int	report_xml(struct store *, const struct report_period *,
	    const struct report_scope *, int64_t generated,
	    struct evbuffer *out, char **err);

#endif
