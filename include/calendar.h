/* calendar.h - days off and region time zones, as data from rules/ */
#ifndef NADZOR_CALENDAR_H
#define NADZOR_CALENDAR_H

#include <stddef.h>

#define CALENDAR_DIGEST_LEN	32	/* SHA-256 of the file's bytes */
#define CALENDAR_MAXFILE	(1024 * 1024)
#define CALENDAR_SCHEMA		"calendar.xsd"

struct calendar;

/*
 * Load a calendar file (rules/calendar-kz.xml): XML in the namespace
 * urn:nadzor:calendar:1, validated against CALENDAR_SCHEMA read from the
 * file's own directory, then checked (real dates, years in range, no
 * duplicates, transfers that change something, zones that load).  NULL
 * with *err set on any fault, as "FILE:LINE: element 'x': reason"; the
 * caller keeps its previous calendar in force.
 *
 * Everything below reads a loaded calendar only: any number of threads
 * may share one until calendar_free().
 */
struct calendar	*calendar_load(const char *path, char **err);

/* The same from bytes in memory (the fuzzer's entry), with the schema read
 * from schema_dir; errors name the file "calendar". */
struct calendar	*calendar_load_mem(const char *buf, size_t len,
		    const char *schema_dir, char **err);

void		 calendar_free(struct calendar *);

/* The years the calendar knows, inclusive. */
int		 calendar_first_year(const struct calendar *);
int		 calendar_last_year(const struct calendar *);

/* SHA-256 of the file's bytes: a new digest means the days off may have
 * changed and deadlines computed with the old calendar may be stale. */
const unsigned char *calendar_digest(const struct calendar *);

/*
 * Whether y-m-d is a day off in a five-day week: 1 if it is, with why
 * ("Saturday", "Nauryz", "day off moved from Sunday 23 March (Nauryz)",
 * "government transfer: ..."); 0 if it is a working day, why "" or, for a
 * weekend day a decree made working, "working day by government transfer:
 * ...".  -1 if the date is not a real date or its year is outside the
 * calendar: the caller must not guess.  why may be NULL.
 */
int		 calendar_day_off(const struct calendar *, int y, int m, int d,
		    char *why, size_t whylen);

/*
 * Move *y-*m-*d forward to the first working day at or after it.  The days
 * passed over are listed in skipped ("2025-03-22 Saturday; 2025-03-23
 * Nauryz"), cut with "..." if it is too short; skipped may be NULL.  0, or
 * -1 with the date unchanged if the walk leaves the calendar's years.
 */
int		 calendar_next_working(const struct calendar *, int *y, int *m,
		    int *d, char *skipped, size_t len);

/*
 * The n-th working day after y-m-d (counting starts the day after; n = 0
 * gives y-m-d itself), in *oy-*om-*od; days off passed over are listed in
 * skipped as above.  0, or -1 if n < 0, the date is not in the calendar or
 * the count leaves the calendar's years.
 */
int		 calendar_add_working_days(const struct calendar *, int y,
		    int m, int d, int n, int *oy, int *om, int *od,
		    char *skipped, size_t len);

/* A region's tz zone ("Asia/Almaty"), or NULL if the code is unknown. */
const char	*calendar_region_tz(const struct calendar *,
		    const char *region);

/* A region's name in lang "ru", "kk" or "en"; NULL if either is unknown. */
const char	*calendar_region_name(const struct calendar *,
		    const char *region, const char *lang);

/* Every region code, in the file's order; the array is the calendar's. */
size_t		 calendar_regions(const struct calendar *, const char ***codes);

#endif
