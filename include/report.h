/* report.h - the Department's analyses (order No. 7, п. 65-67) as one XML document */
#ifndef NADZOR_REPORT_H
#define NADZOR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "user.h"

struct evbuffer;
struct store;
struct submission;
struct tz;

#define REPORT_NS	"urn:nadzor:report:1"
#define REPORT_MAXQUEUED	8	/* computations waiting at most */
#define REPORT_SCOPEMAX		(USER_MAXREGIONS * 16)
#define REPORT_SHA256HEX	65	/* 64 hex digits and a NUL */

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

/* Whose figures: no regions means the whole country; at most a user's. */
struct report_scope {
	char	 regions[USER_MAXREGIONS][16];
	size_t	 nregions;
};

/* The scope as reports and submissions name it: "all", or the regions
 * separated by single spaces. */
void	report_scope_name(const struct report_scope *, char *buf, size_t len);

/*
 * Compute every figure for the period and its АППГ (report-figures.c: a
 * few joins over index ranges of each period's facts, tallied in memory;
 * no record is loaded), the period on st and the АППГ at the same time on
 * prev, a second read connection (NULL: both on st, one after the other),
 * and append the report to out.  Persons are those named on incidents,
 * staff and witnesses excluded; names and IINs are never read.
 *
 * The root carries data-sha256, the SHA-256 (hex) of the figures alone,
 * never of when they were generated: of the line "nadzor-report-data 1",
 * the line "KIND<TAB>PERIOD<TAB>SCOPE", then one line per figure,
 * "SECTION<TAB>ROW-KEY<TAB>ID<TAB>CURRENT<TAB>PREVIOUS" with the values as
 * the document writes them (ROW-KEY empty outside a row), these lines
 * sorted bytewise; every line ends in "\n".  Anyone can recompute it
 * from the document.  Into sha256 too, unless NULL.
 *
 * since: the latest submission of the same kind, period and scope, or
 * NULL; the document then ends with <since-submission> listing every
 * value that differs from the submitted data.
 *
 * 0, or -1 with *err (the caller frees it) if the database cannot be read.
 */
int	report_xml(struct store *st, struct store *prev,
	    const struct report_period *, const struct report_scope *,
	    int64_t generated,
	    const struct submission *since, struct evbuffer *out,
	    char sha256[REPORT_SHA256HEX], char **err);

#endif
