/* test-calendar.c - days off worked out by hand, time zones, broken files */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "calendar.h"
#include "tz.h"
#include "unit.h"

/* Run from the top of the tree, as tests/run does. */
#define CALENDAR	"rules/calendar-kz.xml"
#define RULES		"rules"

/*
 * Every expected value below was worked out by hand from a wall calendar
 * and the decrees cited in rules/calendar-kz.xml, not by running the code.
 * Weekdays: 1 Jan 2023 was a Sunday, 1 Jan 2024 a Monday, 1 Jan 2025 a
 * Wednesday, 1 Jan 2026 a Thursday.
 */
static const struct daycase {
	int		 y, m, d;
	int		 off;		/* 1 day off, 0 working, -1 not known */
	const char	*why;		/* exact text, or NULL not to check */
} days[] = {
	/* 2023.  New Year: 1 Jan is a Sunday and moves past Monday 2 Jan
	 * (itself New Year) to Tuesday 3 Jan; Wednesday 4 is working. */
	{ 2023, 1, 1, 1, "New Year" },
	{ 2023, 1, 2, 1, "New Year" },
	{ 2023, 1, 3, 1, "day off moved from Sunday 1 January (New Year)" },
	{ 2023, 1, 4, 0, "" },
	/* Orthodox Christmas on Saturday 7 Jan: religious, does not move,
	 * so Monday 9 Jan is working. */
	{ 2023, 1, 7, 1, "Orthodox Christmas" },
	{ 2023, 1, 9, 0, "" },
	{ 2023, 3, 8, 1, "International Women's Day" },	/* Wednesday */
	/* Nauryz Tue 21 - Thu 23; Friday 24 is working. */
	{ 2023, 3, 21, 1, "Nauryz" },
	{ 2023, 3, 23, 1, "Nauryz" },
	{ 2023, 3, 24, 0, "" },
	/* May: 1 Mon; 7 Sun moves to Mon 8; 9 Tue; Wed 10 working. */
	{ 2023, 5, 1, 1, "Unity Day of the People of Kazakhstan" },
	{ 2023, 5, 7, 1, "Defender of the Fatherland Day" },
	{ 2023, 5, 8, 1, "day off moved from Sunday 7 May "
	    "(Defender of the Fatherland Day)" },
	{ 2023, 5, 9, 1, "Victory Day" },
	{ 2023, 5, 10, 0, "" },
	{ 2023, 6, 28, 1, "Kurban Ait" },			/* Wednesday */
	/* Decree of 25 April 2023: Saturday 1 July works, Friday 7 July is
	 * off, next to Capital Day on Thursday 6 July. */
	{ 2023, 7, 1, 0, "working day by government transfer: Government "
	    "decree of 25 April 2023: Saturday 1 July to Friday 7 July" },
	{ 2023, 7, 6, 1, "Capital Day" },
	{ 2023, 7, 7, 1, "government transfer: Government decree of 25 "
	    "April 2023: Saturday 1 July to Friday 7 July" },
	{ 2023, 8, 30, 1, "Constitution Day" },			/* Wednesday */
	{ 2023, 10, 25, 1, "Republic Day" },			/* Wednesday */
	/* Independence Day on Saturday 16 Dec moves to Monday 18. */
	{ 2023, 12, 16, 1, "Independence Day" },
	{ 2023, 12, 17, 1, "Sunday" },
	{ 2023, 12, 18, 1, "day off moved from Saturday 16 December "
	    "(Independence Day)" },
	{ 2023, 12, 19, 0, "" },

	/* 2024.  1-2 Jan Mon-Tue, no move. */
	{ 2024, 1, 1, 1, "New Year" },
	{ 2024, 1, 2, 1, "New Year" },
	{ 2024, 1, 3, 0, "" },
	/* Christmas on Sunday 7 Jan does not move: Monday 8 works. */
	{ 2024, 1, 7, 1, "Orthodox Christmas" },
	{ 2024, 1, 8, 0, "" },
	{ 2024, 3, 8, 1, "International Women's Day" },	/* Friday */
	/* Nauryz Thu 21 - Sat 23; Saturday 23 moves to Monday 25. */
	{ 2024, 3, 22, 1, "Nauryz" },
	{ 2024, 3, 23, 1, "Nauryz" },
	{ 2024, 3, 25, 1, "day off moved from Saturday 23 March (Nauryz)" },
	{ 2024, 3, 26, 0, "" },
	/* Order of 17 April 2024: Saturday 4 May works, Wednesday 8 May
	 * is off between 7 (Tue) and 9 (Thu). */
	{ 2024, 5, 4, 0, NULL },
	{ 2024, 5, 6, 0, "" },
	{ 2024, 5, 7, 1, "Defender of the Fatherland Day" },
	{ 2024, 5, 8, 1, NULL },
	{ 2024, 5, 9, 1, "Victory Day" },
	{ 2024, 5, 10, 0, "" },
	/* Kurban Ait on Sunday 16 June: religious, no move; 17 works. */
	{ 2024, 6, 16, 1, "Kurban Ait" },
	{ 2024, 6, 17, 0, "" },
	/* Capital Day on Saturday 6 July moves to Monday 8. */
	{ 2024, 7, 6, 1, "Capital Day" },
	{ 2024, 7, 8, 1, "day off moved from Saturday 6 July (Capital Day)" },
	{ 2024, 8, 30, 1, "Constitution Day" },			/* Friday */
	{ 2024, 10, 25, 1, "Republic Day" },			/* Friday */
	{ 2024, 12, 16, 1, "Independence Day" },		/* Monday */
	{ 2024, 12, 17, 0, "" },

	/* 2025.  Order No. 436: Friday 3 Jan off, Sunday 5 Jan works. */
	{ 2025, 1, 1, 1, "New Year" },
	{ 2025, 1, 2, 1, "New Year" },
	{ 2025, 1, 3, 1, "government transfer: Order of the Minister of "
	    "Labour No. 436 of 21 November 2024: Sunday 5 January to Friday "
	    "3 January" },
	{ 2025, 1, 4, 1, "Saturday" },
	{ 2025, 1, 5, 0, NULL },
	{ 2025, 1, 6, 0, "" },
	{ 2025, 1, 7, 1, "Orthodox Christmas" },		/* Tuesday */
	/* 8 March on Saturday moves to Monday 10 March. */
	{ 2025, 3, 8, 1, "International Women's Day" },
	{ 2025, 3, 9, 1, "Sunday" },
	{ 2025, 3, 10, 1, "day off moved from Saturday 8 March "
	    "(International Women's Day)" },
	{ 2025, 3, 11, 0, "" },
	/* Nauryz Fri 21, Sat 22, Sun 23: two weekend days, two moves, to
	 * Monday 24 and Tuesday 25 (as the press reported: 21-25 March). */
	{ 2025, 3, 21, 1, "Nauryz" },
	{ 2025, 3, 22, 1, "Nauryz" },
	{ 2025, 3, 23, 1, "Nauryz" },
	{ 2025, 3, 24, 1, "day off moved from Saturday 22 March (Nauryz)" },
	{ 2025, 3, 25, 1, "day off moved from Sunday 23 March (Nauryz)" },
	{ 2025, 3, 26, 0, "" },
	{ 2025, 5, 1, 1, NULL },				/* Thursday */
	{ 2025, 5, 2, 0, "" },
	{ 2025, 5, 7, 1, "Defender of the Fatherland Day" },	/* Wednesday */
	{ 2025, 5, 9, 1, "Victory Day" },			/* Friday */
	{ 2025, 6, 6, 1, "Kurban Ait" },			/* Friday */
	{ 2025, 7, 6, 1, "Capital Day" },			/* Sunday */
	{ 2025, 7, 7, 1, "day off moved from Sunday 6 July (Capital Day)" },
	{ 2025, 8, 30, 1, "Constitution Day" },			/* Saturday */
	{ 2025, 9, 1, 1, "day off moved from Saturday 30 August "
	    "(Constitution Day)" },
	{ 2025, 10, 25, 1, "Republic Day" },			/* Saturday */
	{ 2025, 10, 27, 1, "day off moved from Saturday 25 October "
	    "(Republic Day)" },
	{ 2025, 12, 16, 1, "Independence Day" },		/* Tuesday */
	{ 2025, 12, 17, 0, "" },

	/* 2026.  1-2 Jan Thu-Fri, 3-4 the weekend, no decree. */
	{ 2026, 1, 1, 1, "New Year" },
	{ 2026, 1, 2, 1, "New Year" },
	{ 2026, 1, 5, 0, "" },
	{ 2026, 1, 7, 1, "Orthodox Christmas" },		/* Wednesday */
	/* 8 March on Sunday moves to Monday 9. */
	{ 2026, 3, 8, 1, "International Women's Day" },
	{ 2026, 3, 9, 1, "day off moved from Sunday 8 March "
	    "(International Women's Day)" },
	/* Nauryz Sat 21, Sun 22, Mon 23: Saturday's day off skips Monday
	 * (Nauryz itself) to Tuesday 24, Sunday's to Wednesday 25. */
	{ 2026, 3, 21, 1, "Nauryz" },
	{ 2026, 3, 23, 1, "Nauryz" },
	{ 2026, 3, 24, 1, "day off moved from Saturday 21 March (Nauryz)" },
	{ 2026, 3, 25, 1, "day off moved from Sunday 22 March (Nauryz)" },
	{ 2026, 3, 26, 0, "" },
	/* Victory Day on Saturday 9 May moves to Monday 11. */
	{ 2026, 5, 9, 1, "Victory Day" },
	{ 2026, 5, 11, 1, "day off moved from Saturday 9 May (Victory Day)" },
	{ 2026, 5, 27, 1, "Kurban Ait" },			/* Wednesday */
	{ 2026, 7, 6, 1, "Capital Day" },			/* Monday */
	{ 2026, 8, 31, 1, "day off moved from Sunday 30 August "
	    "(Constitution Day)" },
	{ 2026, 10, 26, 1, "day off moved from Sunday 25 October "
	    "(Republic Day)" },
	{ 2026, 12, 16, 1, "Independence Day" },		/* Wednesday */
	/* February 2026 has no holiday: Thu 26 and Fri 27 work. */
	{ 2026, 2, 26, 0, "" },
	{ 2026, 2, 28, 1, "Saturday" },

	/* Holidays that came and went. */
	{ 2021, 12, 1, 1, "First President Day" },		/* Wednesday */
	{ 2022, 12, 1, 0, "" },					/* Thursday */
	{ 2021, 10, 25, 0, "" },				/* Monday */
	{ 2022, 10, 25, 1, "Republic Day" },			/* Tuesday */
	{ 2021, 12, 17, 1, "Independence Day" },		/* Friday */
	{ 2022, 12, 17, 1, "Saturday" },	/* no longer a holiday, */
	{ 2022, 12, 19, 0, "" },		/* so nothing moves */
	/* 2020: the decree made Monday 11 May (the day off moved from
	 * Victory Day, Saturday 9 May) a working day and Friday 8 off. */
	{ 2020, 5, 8, 1, NULL },
	{ 2020, 5, 11, 0, NULL },
	/* Religious holidays on a weekend stay there. */
	{ 2019, 8, 11, 1, "Kurban Ait" },			/* Sunday */
	{ 2019, 8, 12, 0, "" },
	{ 2017, 1, 7, 1, "Orthodox Christmas" },		/* Saturday */
	{ 2017, 1, 9, 0, "" },

	/* Outside the calendar, or not a date: the caller must know. */
	{ 2014, 12, 31, -1, NULL },
	{ 2028, 1, 3, -1, NULL },
	{ 2025, 2, 29, -1, NULL },
	{ 2025, 2, 30, -1, NULL },
	{ 2025, 13, 1, -1, NULL },
	{ 2025, 4, 0, -1, NULL },
};

/* The first working day at or after a date. */
static const struct nextcase {
	int		 y, m, d;
	int		 ny, nm, nd;
	const char	*skipped;
} nexts[] = {
	/* An ordinary Sunday: Monday. */
	{ 2025, 6, 8, 2025, 6, 9, "2025-06-08 Sunday" },
	/* A working day is its own answer. */
	{ 2025, 6, 11, 2025, 6, 11, "" },
	/* Saturday 22 March 2025, in the middle of Nauryz: Wednesday 26. */
	{ 2025, 3, 22, 2025, 3, 26, "2025-03-22 Nauryz; 2025-03-23 Nauryz; "
	    "2025-03-24 day off moved from Saturday 22 March (Nauryz); "
	    "2025-03-25 day off moved from Sunday 23 March (Nauryz)" },
	/* Sunday 17 Dec 2023: Monday 18 is Independence Day's, Tuesday. */
	{ 2023, 12, 17, 2023, 12, 19, "2023-12-17 Sunday; 2023-12-18 day "
	    "off moved from Saturday 16 December (Independence Day)" },
	/* Sunday 22 March 2026: Thursday 26. */
	{ 2026, 3, 22, 2026, 3, 26, "2026-03-22 Nauryz; 2026-03-23 Nauryz; "
	    "2026-03-24 day off moved from Saturday 21 March (Nauryz); "
	    "2026-03-25 day off moved from Sunday 22 March (Nauryz)" },
	/* Saturday 4 Jan 2025: the working Sunday 5 January. */
	{ 2025, 1, 4, 2025, 1, 5, "2025-01-04 Saturday" },
};

/* The n-th working day after a date (counting from the next day). */
static const struct addcase {
	int		 y, m, d, n;
	int		 oy, om, od;
	const char	*skipped;
} adds[] = {
	/* 3 working days after Thursday 26 Feb 2026: Fri 27, Mon 2 and
	 * Tue 3 March. */
	{ 2026, 2, 26, 3, 2026, 3, 3, "2026-02-28 Saturday; "
	    "2026-03-01 Sunday" },
	/* After Friday 27 Feb 2026: Mon 2, Tue 3, Wed 4 March. */
	{ 2026, 2, 27, 3, 2026, 3, 4, "2026-02-28 Saturday; "
	    "2026-03-01 Sunday" },
	/* Across Nauryz 2025: 1 working day after Thursday 20 March is
	 * Wednesday 26 (21-25 off). */
	{ 2025, 3, 20, 1, 2025, 3, 26, "2025-03-21 Nauryz; 2025-03-22 "
	    "Nauryz; 2025-03-23 Nauryz; 2025-03-24 day off moved from "
	    "Saturday 22 March (Nauryz); 2025-03-25 day off moved from "
	    "Sunday 23 March (Nauryz)" },
	/* Across Nauryz 2026: after Friday 20 March, 21-25 off, then
	 * Thu 26 (1), Fri 27 (2), weekend, Mon 30 (3). */
	{ 2026, 3, 20, 3, 2026, 3, 30, NULL },
	/* Across New Year 2026: after Tue 30 Dec 2025, Wed 31 (1), 1-4 Jan
	 * off, Mon 5 (2), Tue 6 (3). */
	{ 2025, 12, 30, 3, 2026, 1, 6, "2026-01-01 New Year; 2026-01-02 New "
	    "Year; 2026-01-03 Saturday; 2026-01-04 Sunday" },
	/* Across New Year 2025: after Mon 30 Dec 2024, Tue 31 (1), 1-4 Jan
	 * off (3 Jan by the order), the working Sunday 5 (2), Mon 6 (3). */
	{ 2024, 12, 30, 3, 2025, 1, 6, NULL },
	/* May 2024: after Friday 3 May, the working Saturday 4 (1), Mon 6
	 * (2), 7-9 off, Fri 10 (3). */
	{ 2024, 5, 3, 3, 2024, 5, 10, NULL },
	/* n = 0: the date itself, even a day off. */
	{ 2025, 3, 22, 0, 2025, 3, 22, "" },
};

/* A calendar to break: two years, one region; BODY goes in between. */
#define HEAD \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<calendar xmlns=\"urn:nadzor:calendar:1\" first-year=\"2025\" " \
	"last-year=\"2026\">\n"
#define HOLIDAYS \
	"<holidays>\n<holiday on=\"03-21\" name=\"Nauryz\"/>\n" \
	"<holiday on=\"03-22\" name=\"Nauryz\"/>\n</holidays>\n"
#define REGIONS \
	"<regions>\n<region code=\"KZ-75\" tz=\"Asia/Almaty\" ru=\"г. " \
	"Алматы\" kk=\"Алматы қаласы\" en=\"Almaty\"/>\n</regions>\n"
#define TAIL	"</calendar>\n"

static const struct brokencase {
	const char	*what;
	const char	*xml;
	const char	*err;		/* the whole message must hold this */
} broken[] = {
	{ "valid", HEAD HOLIDAYS REGIONS TAIL, NULL },
	{ "malformed", HEAD "<holidays>\n<holiday on=\"03-21\" name=\"N\">\n"
	    "</holidays>\n" REGIONS TAIL, "calendar:5: element 'holiday': "
	    "not well-formed: " },
	{ "empty", "", "calendar: the file is empty" },
	{ "doctype", "<?xml version=\"1.0\"?>\n<!DOCTYPE calendar [\n"
	    "<!ENTITY x \"y\">\n]>\n<calendar/>\n", "calendar:2: the "
	    "document has a DOCTYPE; DTDs and entities are refused" },
	{ "entity", HEAD "<holidays>\n<holiday on=\"03-21\" name=\"&x;\"/>\n"
	    "</holidays>\n" REGIONS TAIL, "not well-formed" },
	{ "unknown element", HEAD "<holidays>\n<holiday on=\"03-21\" "
	    "name=\"Nauryz\"/>\n<party on=\"03-22\"/>\n</holidays>\n" REGIONS
	    TAIL, "calendar:5: element 'party': not expected here" },
	{ "unknown attribute", HEAD "<holidays>\n<holiday on=\"03-21\" "
	    "name=\"Nauryz\" colour=\"red\"/>\n</holidays>\n" REGIONS TAIL,
	    "calendar:4: element 'holiday': attribute 'colour'" },
	{ "missing attribute", HEAD "<holidays>\n<holiday on=\"03-21\"/>\n"
	    "</holidays>\n" REGIONS TAIL, "calendar:4: element 'holiday': "
	    "attribute 'name' is required" },
	{ "pattern", HEAD "<holidays>\n<holiday on=\"2025-6-6\" name=\"K\"/>\n"
	    "</holidays>\n" REGIONS TAIL, "calendar:4: element 'holiday': "
	    "attribute 'on'" },
	{ "other namespace", "<calendar first-year=\"2025\" last-year=\"2025\">"
	    "</calendar>", "calendar:1: element 'calendar': No matching "
	    "global declaration" },
	{ "xsi", "<calendar xmlns=\"urn:nadzor:calendar:1\" "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	    "xsi:type=\"x\"/>", "element 'calendar': xsi attributes are "
	    "refused" },
	{ "latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
	    "<calendar/>", "calendar:1: the document is not in UTF-8" },
	{ "deep", "<a><a><a><a><a><a><a><a><a><a></a></a></a></a></a></a>"
	    "</a></a></a></a>", "elements nest deeper than 8 levels" },
	{ "bad date", HEAD "<holidays>\n<holiday on=\"2025-02-30\" "
	    "name=\"K\"/>\n</holidays>\n" REGIONS TAIL, "calendar:4: element "
	    "'holiday': '2025-02-30' is not a real date" },
	{ "bad fixed date", HEAD "<holidays>\n<holiday on=\"04-31\" "
	    "name=\"K\"/>\n</holidays>\n" REGIONS TAIL, "'04-31' is not a real "
	    "date" },
	{ "29 February", HEAD "<holidays>\n<holiday on=\"02-29\" "
	    "name=\"K\"/>\n</holidays>\n" REGIONS TAIL, "cannot be 29 "
	    "February" },
	{ "bad transfer date", HEAD HOLIDAYS "<transfers>\n<day-off "
	    "date=\"2025-02-30\" reason=\"r\"/>\n</transfers>\n" REGIONS TAIL,
	    "calendar:8: element 'day-off': '2025-02-30' is not a real date" },
	{ "holiday out of range", HEAD "<holidays>\n<holiday on=\"2027-05-16\" "
	    "name=\"K\" religious=\"true\"/>\n</holidays>\n" REGIONS TAIL,
	    "'2027-05-16' is outside the calendar's years 2025-2026" },
	{ "transfer out of range", HEAD HOLIDAYS "<transfers>\n<day-off "
	    "date=\"2024-12-31\" reason=\"r\"/>\n</transfers>\n" REGIONS TAIL,
	    "2024-12-31 is outside the calendar's years 2025-2026" },
	{ "years reversed", "<calendar xmlns=\"urn:nadzor:calendar:1\" "
	    "first-year=\"2026\" last-year=\"2025\">\n" HOLIDAYS REGIONS TAIL,
	    "calendar:1: element 'calendar': last-year 2025 is before "
	    "first-year 2026" },
	{ "from after until", HEAD "<holidays>\n<holiday on=\"12-17\" "
	    "name=\"I\" from=\"2022\" until=\"2021\"/>\n</holidays>\n" REGIONS
	    TAIL, "from 2022 is after until 2021" },
	{ "from on a dated holiday", HEAD "<holidays>\n<holiday "
	    "on=\"2025-06-06\" name=\"K\" from=\"2025\"/>\n</holidays>\n"
	    REGIONS TAIL, "from and until apply only to a holiday given as "
	    "MM-DD" },
	{ "duplicate fixed", HEAD "<holidays>\n<holiday on=\"03-21\" "
	    "name=\"Nauryz\"/>\n<holiday on=\"03-21\" name=\"Nauryz\"/>\n"
	    "</holidays>\n" REGIONS TAIL, "calendar:5: element 'holiday': "
	    "'03-21' repeats the holiday of line 4 (Nauryz)" },
	{ "duplicate fixed, overlapping years", HEAD "<holidays>\n<holiday "
	    "on=\"12-17\" name=\"A\" until=\"2025\"/>\n<holiday on=\"12-17\" "
	    "name=\"B\" from=\"2025\"/>\n</holidays>\n" REGIONS TAIL,
	    "'12-17' repeats the holiday of line 4 (A)" },
	{ "same day, separate years", HEAD "<holidays>\n<holiday "
	    "on=\"12-17\" name=\"A\" until=\"2025\"/>\n<holiday on=\"12-17\" "
	    "name=\"B\" from=\"2026\"/>\n</holidays>\n" REGIONS TAIL, NULL },
	{ "duplicate dated", HEAD "<holidays>\n<holiday on=\"2025-06-06\" "
	    "name=\"K\"/>\n<holiday on=\"2025-06-06\" name=\"K\"/>\n"
	    "</holidays>\n" REGIONS TAIL, "'2025-06-06' repeats the holiday "
	    "of line 4 (K)" },
	{ "duplicate transfer", HEAD HOLIDAYS "<transfers>\n<day-off "
	    "date=\"2025-01-03\" reason=\"a\"/>\n<day-off date=\"2025-01-03\" "
	    "reason=\"b\"/>\n</transfers>\n" REGIONS TAIL, "calendar:9: "
	    "element 'day-off': 2025-01-03 is already the date of another transfer" },
	{ "transfer on a holiday", HEAD HOLIDAYS "<transfers>\n<working-day "
	    "date=\"2025-03-21\" reason=\"r\"/>\n</transfers>\n" REGIONS TAIL,
	    "element 'working-day': 2025-03-21 is a holiday (Nauryz)" },
	{ "day off on a Saturday", HEAD HOLIDAYS "<transfers>\n<day-off "
	    "date=\"2025-01-04\" reason=\"r\"/>\n</transfers>\n" REGIONS TAIL,
	    "2025-01-04 is a day off already (Saturday)" },
	{ "working day on a weekday", HEAD HOLIDAYS "<transfers>\n"
	    "<working-day date=\"2025-01-06\" reason=\"r\"/>\n</transfers>\n"
	    REGIONS TAIL, "2025-01-06 is a working day already" },
	{ "duplicate region", HEAD HOLIDAYS "<regions>\n<region code=\"KZ-75\" "
	    "tz=\"Asia/Almaty\" ru=\"a\" kk=\"b\" en=\"c\"/>\n<region "
	    "code=\"KZ-75\" tz=\"Asia/Almaty\" ru=\"a\" kk=\"b\" en=\"c\"/>\n"
	    "</regions>\n" TAIL, "calendar:9: element 'region': region KZ-75 "
	    "is listed twice" },
	{ "unknown zone", HEAD HOLIDAYS "<regions>\n<region code=\"KZ-75\" "
	    "tz=\"Asia/Nowhere\" ru=\"a\" kk=\"b\" en=\"c\"/>\n</regions>\n"
	    TAIL, "calendar:8: element 'region': time zone 'Asia/Nowhere': "
	    "/usr/share/zoneinfo/Asia/Nowhere: No such file or directory" },
	{ "control character", HEAD "<holidays>\n<holiday on=\"03-21\" "
	    "name=\"a&#10;b\"/>\n</holidays>\n" REGIONS TAIL, "element "
	    "'holiday': attribute 'name'" },
	{ "no regions", HEAD HOLIDAYS TAIL, "element 'calendar': a child "
	    "element is missing; expected one of: transfers, regions" },
};

#define ORDER436 "working day by government transfer: Order of the " \
	"Minister of Labour No. 436"

/* A broken case by its name. */
static const struct brokencase *
find_broken(const char *what)
{
	size_t	i;

	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++)
		if (strcmp(broken[i].what, what) == 0)
			return &broken[i];
	fprintf(stderr, "no case '%s'\n", what);
	exit(1);
}

/* Check every hand-worked day. */
static void
test_days(const struct calendar *cal)
{
	char	why[300];
	size_t	i;
	int	r;

	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		const struct daycase *c = &days[i];

		r = calendar_day_off(cal, c->y, c->m, c->d, why, sizeof(why));
		ok(r == c->off, "%04d-%02d-%02d: %d, expected %d (%s)", c->y,
		    c->m, c->d, r, c->off, why);
		if (c->why != NULL && r == c->off)
			ok(strcmp(why, c->why) == 0, "%04d-%02d-%02d: '%s', "
			    "expected '%s'", c->y, c->m, c->d, why, c->why);
	}
	/* The decreed working days say so. */
	calendar_day_off(cal, 2025, 1, 5, why, sizeof(why));
	ok(strncmp(why, ORDER436, strlen(ORDER436)) == 0, "%s", why);
	ok(calendar_day_off(cal, 2025, 3, 25, NULL, 0) == 1, "why may be NULL");
	calendar_day_off(cal, 2025, 3, 25, why, 10);
	ok(strcmp(why, "day off m") == 0, "a short why is cut: '%s'", why);
	ok(calendar_first_year(cal) == 2015 && calendar_last_year(cal) == 2027,
	    "years %d-%d", calendar_first_year(cal), calendar_last_year(cal));
}

/* Check next_working and add_working_days. */
static void
test_walks(const struct calendar *cal)
{
	char	skipped[1024];
	size_t	i;
	int	y, m, d, r;

	for (i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		const struct nextcase *c = &nexts[i];

		y = c->y, m = c->m, d = c->d;
		r = calendar_next_working(cal, &y, &m, &d, skipped,
		    sizeof(skipped));
		ok(r == 0 && y == c->ny && m == c->nm && d == c->nd,
		    "next working from %04d-%02d-%02d: %d %04d-%02d-%02d", c->y,
		    c->m, c->d, r, y, m, d);
		ok(strcmp(skipped, c->skipped) == 0, "skipped '%s'", skipped);
	}
	for (i = 0; i < sizeof(adds) / sizeof(adds[0]); i++) {
		const struct addcase *c = &adds[i];

		r = calendar_add_working_days(cal, c->y, c->m, c->d, c->n, &y,
		    &m, &d, skipped, sizeof(skipped));
		ok(r == 0 && y == c->oy && m == c->om && d == c->od,
		    "%d working days after %04d-%02d-%02d: %d %04d-%02d-%02d",
		    c->n, c->y, c->m, c->d, r, y, m, d);
		if (c->skipped != NULL)
			ok(strcmp(skipped, c->skipped) == 0, "skipped '%s'",
			    skipped);
	}
	/* Out of the calendar: -1, the date left alone. */
	y = 2014, m = 12, d = 28;
	ok(calendar_next_working(cal, &y, &m, &d, NULL, 0) == -1 && y == 2014,
	    "next working before the calendar");
	ok(calendar_add_working_days(cal, 2027, 12, 30, 5, &y, &m, &d, NULL,
	    0) == -1, "a count that leaves the calendar");
	ok(calendar_add_working_days(cal, 2025, 3, 20, -1, &y, &m, &d, NULL,
	    0) == -1, "a negative count");
	ok(calendar_add_working_days(cal, 2025, 2, 30, 1, &y, &m, &d, NULL,
	    0) == -1, "from a date that does not exist");
	/* A list too long for its buffer ends in "..." with whole items. */
	calendar_add_working_days(cal, 2025, 3, 20, 1, &y, &m, &d, skipped, 40);
	ok(strcmp(skipped, "2025-03-21 Nauryz; 2025-03-22 Nauryz...") == 0,
	    "cut list '%s'", skipped);
	calendar_add_working_days(cal, 2025, 3, 20, 1, &y, &m, &d, skipped, 3);
	ok(skipped[0] == '\0', "a buffer too small for anything: '%s'",
	    skipped);
}

/* The region table. */
static void
test_regions(const struct calendar *cal)
{
	static const char *zones[][2] = {
		{ "KZ-71", "Asia/Almaty" }, { "KZ-75", "Asia/Almaty" },
		{ "KZ-15", "Asia/Aqtobe" }, { "KZ-23", "Asia/Atyrau" },
		{ "KZ-27", "Asia/Oral" }, { "KZ-39", "Asia/Qostanay" },
		{ "KZ-43", "Asia/Qyzylorda" }, { "KZ-47", "Asia/Aqtau" },
		{ "MIL", "Asia/Almaty" }, { "TRN", "Asia/Almaty" },
	};
	const char	**codes, *tz;
	struct tz	 *z;
	char		 *err = NULL;
	size_t		  i, n;

	n = calendar_regions(cal, &codes);
	ok(n == 22, "%zu regions", n);
	ok(n > 0 && strcmp(codes[0], "KZ-71") == 0, "first region %s",
	    n > 0 ? codes[0] : "");
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		tz = calendar_region_tz(cal, zones[i][0]);
		ok(tz != NULL && strcmp(tz, zones[i][1]) == 0, "%s: %s",
		    zones[i][0], tz != NULL ? tz : "(null)");
	}
	ok(calendar_region_tz(cal, "KZ-99") == NULL, "unknown region");
	ok(calendar_region_tz(cal, NULL) == NULL, "NULL region");
	ok(strcmp(calendar_region_name(cal, "KZ-75", "ru"), "г. Алматы") == 0,
	    "ru name");
	ok(strcmp(calendar_region_name(cal, "KZ-75", "kk"), "Алматы қаласы")
	    == 0, "kk name");
	ok(strcmp(calendar_region_name(cal, "KZ-62", "en"), "Ulytau Region")
	    == 0, "en name");
	ok(calendar_region_name(cal, "KZ-75", "de") == NULL, "unknown lang");
	/* Since 1 March 2024 the whole country is UTC+5. */
	for (i = 0; i < n; i++) {
		if ((z = tz_load(calendar_region_tz(cal, codes[i]), &err))
		    == NULL) {
			ok(0, "%s: %s", codes[i], err);
			free(err);
			err = NULL;
			continue;
		}
		ok(tz_offset(z, INT64_C(1735689600)) == 18000,
		    "%s is UTC+5 on 2025-01-01", codes[i]);
		tz_free(z);
	}
}

/* The digest is SHA-256 of the file's bytes. */
static void
test_digest(const struct calendar *cal)
{
	unsigned char	 want[32];
	char		*buf;
	FILE		*f;
	long		 len;

	if ((f = fopen(CALENDAR, "rb")) == NULL) {
		ok(0, "open %s", CALENDAR);
		return;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len);
	ok(fread(buf, 1, len, f) == (size_t)len, "read %s", CALENDAR);
	fclose(f);
	crypto_hash_sha256(want, (unsigned char *)buf, len);
	ok(memcmp(calendar_digest(cal), want, 32) == 0, "digest");
	free(buf);
}

/* Every broken file refused with its reason; the valid one loaded. */
static void
test_broken(void)
{
	const struct brokencase	*valid = find_broken("valid");
	const struct brokencase	*other =
	    find_broken("same day, separate years");
	struct calendar		*cal, *cal2;
	char			*err;
	size_t			 i;

	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		const struct brokencase *c = &broken[i];

		err = NULL;
		cal = calendar_load_mem(c->xml, strlen(c->xml), RULES, &err);
		if (c->err == NULL)
			ok(cal != NULL, "%s: %s", c->what, err);
		else
			ok(cal == NULL && err != NULL &&
			    strstr(err, c->err) != NULL, "%s: '%s', expected "
			    "'%s'", c->what, err, c->err);
		calendar_free(cal);
		free(err);
	}
	/* The same bytes, the same digest; a change, another digest. */
	err = NULL;
	cal = calendar_load_mem(valid->xml, strlen(valid->xml), RULES, &err);
	cal2 = calendar_load_mem(other->xml, strlen(other->xml), RULES, &err);
	ok(cal != NULL && cal2 != NULL && memcmp(calendar_digest(cal),
	    calendar_digest(cal2), 32) != 0, "digests differ");
	calendar_free(cal2);
	cal2 = calendar_load_mem(valid->xml, strlen(valid->xml), RULES, &err);
	ok(cal != NULL && cal2 != NULL && memcmp(calendar_digest(cal),
	    calendar_digest(cal2), 32) == 0, "digests equal");
	calendar_free(cal);
	calendar_free(cal2);
}

/* Write a file; 0 or -1. */
static int
put(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Files on disk: the error names the file; the schema comes from the
 * file's directory, and its absence is a clear error too. */
static void
test_files(void)
{
	char		 dir[] = "/tmp/nadzor-calendar-XXXXXX", path[128];
	char		 xsd[128], *err = NULL;
	struct calendar	*cal;
	FILE		*in, *out;
	int		 c;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/calendar-test.xml", dir);
	snprintf(xsd, sizeof(xsd), "%s/calendar.xsd", dir);
	ok(put(path, HEAD HOLIDAYS REGIONS TAIL) == 0, "write %s", path);
	cal = calendar_load(path, &err);
	ok(cal == NULL && err != NULL && strstr(err, xsd) != NULL &&
	    strstr(err, "No such file or directory") != NULL,
	    "no schema: %s", err);
	free(err);
	err = NULL;
	/* Copy the schema next to it. */
	if ((in = fopen(RULES "/calendar.xsd", "r")) != NULL &&
	    (out = fopen(xsd, "w")) != NULL) {
		while ((c = getc(in)) != EOF)
			putc(c, out);
		fclose(out);
	}
	if (in != NULL)
		fclose(in);
	cal = calendar_load(path, &err);
	ok(cal != NULL, "loads beside its schema: %s", err);
	calendar_free(cal);
	free(err);
	err = NULL;
	ok(put(path, HEAD "<holidays>\n<holiday on=\"2025-02-30\" name=\"K\"/>"
	    "\n</holidays>\n" REGIONS TAIL) == 0, "write %s", path);
	cal = calendar_load(path, &err);
	ok(cal == NULL && err != NULL && strncmp(err, path, strlen(path)) == 0
	    && strstr(err, ":4: element 'holiday': '2025-02-30' is not a real "
	    "date") != NULL, "error names the file: %s", err);
	free(err);
	err = NULL;
	/* A schema that reads other files is refused. */
	ok(put(xsd, "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
	    "\n<xs:include schemaLocation=\"http://example.com/x.xsd\"/>\n"
	    "</xs:schema>\n") == 0, "write %s", xsd);
	cal = calendar_load(path, &err);
	ok(cal == NULL && err != NULL && strstr(err, "calendar.xsd:2: element "
	    "'include': the calendar schema may not read other files") != NULL,
	    "include refused: %s", err);
	free(err);
	err = NULL;
	cal = calendar_load("/nonexistent/calendar.xml", &err);
	ok(cal == NULL && err != NULL && strcmp(err, "/nonexistent/calendar."
	    "xml: No such file or directory") == 0, "missing file: %s", err);
	free(err);
	unlink(path);
	unlink(xsd);
	rmdir(dir);
}

/* UTC instants of the facts below, from `date -u -d ... +%s`. */
#define T_20240229_1730	INT64_C(1709227800)
#define T_20240229_1759	INT64_C(1709229599)	/* 17:59:59 */
#define T_20240229_1800	INT64_C(1709229600)
#define T_20240229_1900	INT64_C(1709233200)
#define T_20240229_2330	INT64_C(1709249400)
#define T_20240301_1930	INT64_C(1709321400)
#define T_20230531_1800	INT64_C(1685556000)
#define T_20230531_1900	INT64_C(1685559600)
#define T_20250531_1900	INT64_C(1748718000)
#define T_20040327_2000	INT64_C(1080417600)
#define T_20181220_1730	INT64_C(1545327000)
#define T_20181220_1759	INT64_C(1545328799)
#define T_20181220_1800	INT64_C(1545328800)
#define T_20150101	INT64_C(1420070400)
#define T_20250101	INT64_C(1735689600)
#define T_19000101	INT64_C(-2208988800)
#define T_20390918	INT64_C(2199916800)
#define T_21000101	INT64_C(4102444800)

/* Load a zone the tests cannot do without. */
static struct tz *
zone(const char *name)
{
	struct tz	*z;
	char		*err = NULL;

	if ((z = tz_load(name, &err)) == NULL) {
		fprintf(stderr, "tz_load %s: %s\n", name, err);
		exit(1);
	}
	return z;
}

/* Offsets and local dates, checked against `zdump -v` on Debian 12. */
static void
test_tz(void)
{
	struct tz	*alm = zone("Asia/Almaty");
	struct tz	*kst = zone("Asia/Qostanay");
	struct tz	*aqt = zone("Asia/Aqtobe");
	struct tz	*kzo = zone("Asia/Qyzylorda");
	struct tz	*z;
	int		 y, m, d;
	size_t		 i;
	static const char *west[] = { "Asia/Oral", "Asia/Atyrau",
		"Asia/Aqtau" };

	ok(strcmp(tz_name(alm), "Asia/Almaty") == 0, "name");
	/* Almaty: +06 until 2024-03-01 00:00 local (2024-02-29T18:00Z),
	 * then +05: the clock went from 23:59:59 back to 23:00:00. */
	ok(tz_offset(alm, T_20240229_1759) == 21600, "Almaty +6 before");
	ok(tz_offset(alm, T_20240229_1800) == 18000, "Almaty +5 after");
	ok(tz_offset(kst, T_20240229_1759) == 21600, "Qostanay +6 before");
	ok(tz_offset(kst, T_20240229_1800) == 18000, "Qostanay +5 after");
	/* 2024-02-29T17:30Z is 23:30 on 29 February (+06). */
	tz_local_date(alm, T_20240229_1730, &y, &m, &d);
	ok(y == 2024 && m == 2 && d == 29, "17:30Z local %d-%d-%d", y, m, d);
	/* 2024-02-29T23:30Z is 04:30 on 1 March (+05: the change was
	 * already made at 18:00Z). */
	ok(tz_offset(alm, T_20240229_2330) == 18000, "23:30Z is +05");
	tz_local_date(alm, T_20240229_2330, &y, &m, &d);
	ok(y == 2024 && m == 3 && d == 1, "23:30Z local %d-%d-%d", y, m, d);
	/* 2024-03-01T19:30Z is 00:30 on 2 March (+05). */
	tz_local_date(alm, T_20240301_1930, &y, &m, &d);
	ok(y == 2024 && m == 3 && d == 2, "19:30Z local %d-%d-%d", y, m, d);
	/* Local midnights: +06 in 2023, +05 in 2025. */
	ok(tz_local_to_utc(alm, 2023, 6, 1, 0, 0, 0) == T_20230531_1800,
	    "midnight 2023-06-01 Almaty");
	ok(tz_local_to_utc(alm, 2025, 6, 1, 0, 0, 0) == T_20250531_1900,
	    "midnight 2025-06-01 Almaty");
	ok(tz_local_to_utc(kst, 2023, 6, 1, 0, 0, 0) == T_20230531_1800,
	    "midnight 2023-06-01 Qostanay");
	ok(tz_local_to_utc(aqt, 2023, 6, 1, 0, 0, 0) == T_20230531_1900,
	    "midnight 2023-06-01 Aqtobe");
	/* Overlap: 23:30 on 29 Feb 2024 happened twice; the first. */
	ok(tz_local_to_utc(alm, 2024, 2, 29, 23, 30, 0) == T_20240229_1730,
	    "overlap: the earlier instant");
	ok(tz_local_to_utc(alm, 2024, 3, 1, 0, 0, 0) == T_20240229_1900,
	    "midnight after the overlap");
	/* Gap: on 2004-03-28 Almaty went from 02:00 to 03:00 (+07 DST);
	 * 02:30 never happened: the instant of the jump. */
	ok(tz_local_to_utc(alm, 2004, 3, 28, 2, 30, 0) == T_20040327_2000,
	    "gap: the jump");
	/* Fields carry over: 24:00 is the next midnight, 1 March is
	 * 29 February + 1 in a leap year. */
	ok(tz_local_to_utc(alm, 2025, 5, 31, 24, 0, 0) == T_20250531_1900,
	    "24:00 carries");
	ok(tz_local_to_utc(alm, 2025, 5, 32, 0, 0, 0) == T_20250531_1900,
	    "day 32 carries");
	/* Aqtobe: +05 throughout. */
	ok(tz_offset(aqt, T_20150101) == 18000 &&
	    tz_offset(aqt, T_20250101) == 18000, "Aqtobe +5");
	/* Qyzylorda: +06 until 2018-12-21 00:00 local, then +05. */
	ok(tz_offset(kzo, T_20181220_1759) == 21600, "Qyzylorda +6 before");
	ok(tz_offset(kzo, T_20181220_1800) == 18000, "Qyzylorda +5 after");
	tz_local_date(kzo, T_20181220_1730, &y, &m, &d);
	ok(y == 2018 && m == 12 && d == 20, "Qyzylorda 23:30 local");
	for (i = 0; i < sizeof(west) / sizeof(west[0]); i++) {
		z = zone(west[i]);
		ok(tz_offset(z, T_20150101) == 18000 &&
		    tz_offset(z, T_20250101) == 18000, "%s +5", west[i]);
		tz_free(z);
	}
	/* Before the first transition: local mean time, +05:07:48. */
	ok(tz_offset(alm, T_19000101) == 18468, "Almaty LMT");
	/* After the last transition the footer "<+05>-5" rules. */
	ok(tz_offset(alm, T_20390918) == 18000 &&
	    tz_offset(alm, T_21000101) == 18000, "Almaty footer");
	tz_local_date(alm, T_21000101, &y, &m, &d);
	ok(y == 2100 && m == 1 && d == 1, "2100 local date");
	z = zone("UTC");
	ok(tz_offset(z, T_20250101) == 0 && tz_local_to_utc(z, 2025, 1, 1, 0,
	    0, 0) == T_20250101, "UTC");
	tz_free(z);
	tz_free(alm);
	tz_free(kst);
	tz_free(aqt);
	tz_free(kzo);
}

/* Names that could leave the tz directory, and files that are no zones. */
static void
test_tz_refused(void)
{
	static const struct {
		const char	*name;
		const char	*err;
	} refused[] = {
		{ "", "empty" },
		{ "/etc/passwd", "is refused" },
		{ "../../etc/passwd", "is refused" },
		{ "Asia/../../etc/passwd", "is refused" },
		{ "Asia/Almaty\n", "only letters" },
		{ "Asia/Almaty.", "only letters" },
		{ "Etc/GMT+5", "only letters" },
		{ "Asia//Almaty", "empty part" },
		{ "Asia/", "empty part" },
		{ "Asia/Nowhere", "/usr/share/zoneinfo/Asia/Nowhere: No such "
		    "file or directory" },
		{ "Asia", "is not a file" },
		{ "leapseconds", "not a TZif file" },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAA", "longer than" },
	};
	struct tz	*z;
	char		*err;
	size_t		 i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err = NULL;
		z = tz_load(refused[i].name, &err);
		ok(z == NULL && err != NULL && strstr(err, refused[i].err) !=
		    NULL && strchr(err, '\n') == NULL, "'%s': %s",
		    refused[i].name, err);
		tz_free(z);
		free(err);
	}
}

/* Shared by the threads: one calendar, one zone, read only. */
struct shared {
	const struct calendar	*cal;
	const struct tz		*tz;
	int			 bad;
};

/* Ask the same questions many times; count wrong answers. */
static void *
worker(void *arg)
{
	struct shared	*s = arg;
	char		 why[300], skipped[512];
	int		 i, y, m, d, bad = 0;

	for (i = 0; i < 2000; i++) {
		if (calendar_day_off(s->cal, 2025, 3, 25, why, sizeof(why))
		    != 1 || strcmp(why, "day off moved from Sunday 23 March "
		    "(Nauryz)") != 0)
			bad++;
		if (calendar_add_working_days(s->cal, 2026, 2, 26, 3, &y, &m,
		    &d, skipped, sizeof(skipped)) != 0 || d != 3)
			bad++;
		if (tz_local_to_utc(s->tz, 2023, 6, 1, 0, 0, 0) !=
		    T_20230531_1800)
			bad++;
	}
	__atomic_add_fetch(&s->bad, bad, __ATOMIC_RELAXED);
	return NULL;
}

/* The engine's threads share one calendar and one zone. */
static void
test_threads(const struct calendar *cal)
{
	struct shared	s = { cal, zone("Asia/Almaty"), 0 };
	pthread_t	t[4];
	int		i;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, &s);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ok(s.bad == 0, "%d wrong answers across threads", s.bad);
	tz_free((struct tz *)s.tz);
}

int
main(void)
{
	struct calendar	*cal;
	char		*err = NULL;

	if ((cal = calendar_load(CALENDAR, &err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		ok(0, "load %s", CALENDAR);
		return unit_done();
	}
	test_days(cal);
	test_walks(cal);
	test_regions(cal);
	test_digest(cal);
	test_threads(cal);
	calendar_free(cal);
	test_broken();
	test_files();
	test_tz();
	test_tz_refused();
	return unit_done();
}
