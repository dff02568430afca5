/* fuzz-calendar.c - libFuzzer target: any bytes through calendar_load_mem */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"

/* Run from the top of the tree: the schema is rules/calendar.xsd. */
#define SCHEMA_DIR	"rules"
#define MAXDAYS		800	/* days asked of a calendar that loads */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Ask a loaded calendar everything, over its first MAXDAYS days. */
static void
exercise(const struct calendar *cal)
{
	const char	**codes;
	char		  why[128], skipped[256];
	int		  y = calendar_first_year(cal), m = 1, d = 1, i, r;
	int		  oy, om, od;
	size_t		  n, k;

	for (i = 0; i < MAXDAYS && y <= calendar_last_year(cal); i++) {
		r = calendar_day_off(cal, y, m, d, why, sizeof(why));
		if (r == -1 || strchr(why, '\n') != NULL)
			abort();	/* a real date of the calendar */
		calendar_add_working_days(cal, y, m, d, i % 7, &oy, &om, &od,
		    skipped, sizeof(skipped));
		if (i % 31 == 0) {
			oy = y, om = m, od = d;
			calendar_next_working(cal, &oy, &om, &od, skipped, 24);
		}
		if (++d > 28) {		/* enough of each month */
			d = 1;
			if (++m > 12)
				m = 1, y++;
		}
	}
	n = calendar_regions(cal, &codes);
	for (k = 0; k < n; k++)
		if (calendar_region_tz(cal, codes[k]) == NULL ||
		    calendar_region_name(cal, codes[k], "kk") == NULL)
			abort();
	(void)calendar_digest(cal);
}

/*
 * Every input must load or be refused with a one-line reason; the
 * sanitizers judge the rest.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct calendar	*cal;
	char		*err = NULL;

	if ((cal = calendar_load_mem((const char *)data, size, SCHEMA_DIR,
	    &err)) != NULL) {
		exercise(cal);
		calendar_free(cal);
		return 0;
	}
	if (err == NULL || *err == '\0' || strchr(err, '\n') != NULL)
		abort();	/* a refusal must say why, on one line */
	free(err);
	return 0;
}
