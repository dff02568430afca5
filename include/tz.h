/* tz.h - time zones from the system tz database, without TZ or localtime */
#ifndef NADZOR_TZ_H
#define NADZOR_TZ_H

#include <stdint.h>

/*
 * The deadline engine computes on several threads, so nothing here touches
 * the TZ variable, tzset() or localtime(): a zone is read once from its
 * TZif file (RFC 8536, version 2 or later) into a struct tz, which every
 * function below only reads.  A loaded zone may be shared by any number of
 * threads until tz_free().
 */

#define TZ_DIR		"/usr/share/zoneinfo"
#define TZ_NAMEMAX	64	/* bytes of a zone name, "Asia/Almaty" */

struct tz;

/*
 * Load the zone NAME ("Asia/Almaty") from TZ_DIR.  A name holds only
 * letters, '_', '/', '+' and '-', does not start with '/' and has no empty
 * part: nothing outside TZ_DIR can be named.  NULL with *err set (a
 * sentence, the caller frees it) if the name is refused or the file is
 * missing or not a TZif file of version 2 or later.
 */
struct tz	*tz_load(const char *name, char **err);
void		 tz_free(struct tz *);
const char	*tz_name(const struct tz *);

/*
 * Seconds east of UTC in force at the instant UTC (seconds since the
 * epoch).  After the file's last transition the footer's POSIX TZ string
 * rules when it is a fixed offset ("<+05>-5", "UTC0"); a footer with
 * daylight-saving rules is not interpreted and the last transition's
 * offset stays in force (the system files list transitions up to 2037).
 */
int		 tz_offset(const struct tz *, int64_t utc);

/*
 * The instant (seconds since the epoch) at which the wall clock of the
 * zone shows the given local time.  Out-of-range fields carry over as in
 * timegm() (month 13 is January of the next year, day 32 of January is
 * 1 February).
 *   Overlap (the clock is set back and the time occurs twice): the earlier
 *   instant, i.e. the first time the clock shows it.
 *   Gap (the clock jumps forward over it): the instant of the jump, the
 *   earliest instant at which the clock has reached that time.  So a
 *   deadline "at local 02:30" on a night the clock goes from 02:00 to
 *   03:00 falls due at the jump, never an hour early.
 */
int64_t		 tz_local_to_utc(const struct tz *, int y, int m, int d,
		    int hh, int mm, int ss);

/* The local calendar date in the zone at the instant UTC. */
void		 tz_local_date(const struct tz *, int64_t utc, int *y, int *m,
		    int *d);

/*
 * Proleptic Gregorian dates to days since 1970-01-01 and back: pure
 * arithmetic shared with the calendar (no timegm(), no TZ).
 */
int64_t		 tz_days_from_civil(int64_t y, int m, int d);
void		 tz_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
