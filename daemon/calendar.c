/* calendar.c - days off and region zones: load XML safely, answer queries */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <sodium.h>

#include "calendar.h"
#include "log.h"
#include "readfile.h"
#include "tz.h"
#include "xmlsafe.h"

#define CAL_NS		"urn:nadzor:calendar:1"
#define MAXSCHEMA	(256 * 1024)
#define MAXDEPTH	8	/* calendar/holidays/holiday is 3 deep */

/* Errors name a calendar's lines exactly, past 65535 too. */
static const struct xmlsafe_limits limits = {
	.depth = MAXDEPTH, .big_lines = 1
};

/* xs:include, xs:import and xs:redefine would read other files, perhaps
 * over the network. */
static const char *const refused[] = {
	"include", "import", "redefine", NULL
};

/* What a day of the table is, besides its weekday. */
#define D_HOLIDAY	0x01	/* a <holiday> */
#define D_SECULAR	0x02	/* ... one that is not religious */
#define D_MOVED		0x04	/* a weekend holiday's day off moved here */
#define D_OFF		0x08	/* <day-off> */
#define D_WORK		0x10	/* <working-day> */
#define D_FIXED		0x20	/* a holiday given as MM-DD (for duplicates) */
#define D_DATED		0x40	/* a holiday given as YYYY-MM-DD */

struct holiday {
	char		*name;
	int		 religious;
	int		 line;
};

struct transfer {
	char		*reason;
};

struct region {
	char		*code;
	char		*tz;
	char		*ru;
	char		*kk;
	char		*en;
};

/* One day of the table, from 1 January of the first year. */
struct day {
	uint8_t		 flags;
	int		 holiday;	/* index into holidays, or -1 */
	int		 moved_from;	/* day index of the weekend holiday */
	int		 transfer;	/* index into transfers, or -1 */
};

struct calendar {
	int		 first;
	int		 last;
	int64_t		 base;		/* days since 1970 of first-01-01 */
	size_t		 ndays;
	struct day	*days;
	struct holiday	*holidays;
	size_t		 nholidays;
	struct transfer	*transfers;
	size_t		 ntransfers;
	struct region	*regions;
	size_t		 nregions;
	const char	**codes;
	unsigned char	 digest[CALENDAR_DIGEST_LEN];
};

/* One load: the name errors carry and the first error. */
struct load {
	const char	*file;
	char		*err;
};

/* A list of skipped days, cut once with "..." when it is full. */
struct list {
	char		*buf;
	size_t		 size;
	int		 full;
};

static const char *wdays[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
	"Thursday", "Friday", "Saturday" };
static const char *months[] = { "January", "February", "March", "April",
	"May", "June", "July", "August", "September", "October", "November",
	"December" };

/* libxml2's words as an administrator reads them: without "Element 'x'"
 * in front, since fail() names the element. */
static const struct xmlsafe_style style = {
	.ns = CAL_NS, .flags = XMLSAFE_TIDY_UNNAME
};

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/* Keep the first error, as "FILE:LINE: element 'x': reason". */
static void __attribute__((format(printf, 4, 5)))
fail(struct load *l, int line, const char *element, const char *fmt, ...)
{
	va_list	ap;
	char	reason[600], el[64], where[32] = "";

	if (l->err != NULL)
		return;
	va_start(ap, fmt);
	xmlsafe_vformat(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(where, sizeof(where), ":%d", line);
	if (element != NULL && *element != '\0') {
		xmlsafe_clean(el, sizeof(el), element);
		xasprintf(&l->err, "%s%s: element '%s': %s", l->file, where, el,
		    reason);
	} else
		xasprintf(&l->err, "%s%s: %s", l->file, where, reason);
}

/* ------------------------------------------------------------------ */
/* Files and parsing                                                   */

/* A whole regular file of at most max bytes; the caller frees *buf.
 * Errors name l->file, which is path. */
static int
slurp(struct load *l, const char *path, size_t max, char **buf, size_t *len)
{
	char eb[128];

	switch (readfile(path, max, buf, len)) {
	case READFILE_OK:
		return 0;
	case READFILE_NOTREG:
		fail(l, 0, NULL, "not a regular file");
		break;
	case READFILE_TOOBIG:
		fail(l, 0, NULL, "larger than the limit of a calendar or schema "
		    "file");
		break;
	default:
		fail(l, 0, NULL, "%s", strerror_r(errno, eb, sizeof(eb)));
	}
	return -1;
}

/* A fault of the XML checks in the words an administrator reads. */
static void
xml_fault(struct load *l, const struct xmlsafe_error *x)
{
	char	msg[400];

	switch (x->fault) {
	case XMLSAFE_EMPTY:
		fail(l, 0, NULL, "the file is empty");
		break;
	case XMLSAFE_DOCTYPE:
		fail(l, x->line, NULL, "the document has a DOCTYPE; DTDs and "
		    "entities are refused");
		break;
	case XMLSAFE_DEPTH:
		fail(l, x->line, x->element, "elements nest deeper than %d "
		    "levels", MAXDEPTH);
		break;
	case XMLSAFE_SYNTAX:
		xmlsafe_tidy(msg, sizeof(msg), x->detail, &style);
		fail(l, x->line, x->element, "not well-formed: %s", msg);
		break;
	case XMLSAFE_MALFORMED:
		fail(l, x->line, NULL, "not well-formed XML");
		break;
	case XMLSAFE_NO_ROOT:
		fail(l, 0, NULL, "the document has no root element");
		break;
	case XMLSAFE_NOT_UTF8:
		fail(l, 1, NULL, "the document is not in UTF-8");
		break;
	case XMLSAFE_ENTITY:
		fail(l, x->line, NULL, "an entity or DTD node; DTDs and "
		    "entities are refused");
		break;
	case XMLSAFE_XSI:
		fail(l, x->line, x->element, "xsi attributes are refused");
		break;
	case XMLSAFE_REFUSED:
		fail(l, x->line, x->element, "the calendar schema may not read "
		    "other files");
		break;
	case XMLSAFE_SCHEMA:
		xmlsafe_tidy(msg, sizeof(msg), x->detail, &style);
		fail(l, x->line, NULL, "%s", msg);
		break;
	case XMLSAFE_UNCOMPILED:
		fail(l, 0, NULL, "the schema does not compile");
		break;
	case XMLSAFE_VALIDATOR:
		free(l->err);	/* the cause is the validator's, say so */
		l->err = NULL;
		fail(l, 0, NULL, "the schema validator failed");
		break;
	case XMLSAFE_INVALID:
		fail(l, 0, NULL, "the file does not match the calendar schema");
		break;
	default:
		fatalx("%s: fault %d", __func__, (int)x->fault);
	}
}

/* Bytes to a tree without entities, DTD nodes or what flags refuse (the
 * schema may hold xsi attributes, the data not), or NULL with the error
 * set. */
static xmlDocPtr
parse_xml(struct load *l, const char *buf, size_t len, unsigned flags)
{
	struct xmlsafe_error	 x;
	xmlDocPtr		 doc;

	if ((doc = xmlsafe_parse(buf, len, &limits, &x)) == NULL ||
	    xmlsafe_scan(xmlDocGetRootElement(doc), flags, &x) == -1) {
		xml_fault(l, &x);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* ------------------------------------------------------------------ */
/* The schema                                                          */

/* A compiled schema and the tree it was compiled from. */
struct schema {
	xmlDocPtr	doc;
	xmlSchemaPtr	xsd;
};

/* Read and compile dir/calendar.xsd, parsed as safely as the data. */
static int
schema_load(struct schema *s, const char *dir, char **err)
{
	struct load		 l = { NULL, NULL };
	struct xmlsafe_error	 x;
	char			*path, *buf = NULL;
	size_t			 len;

	memset(s, 0, sizeof(*s));
	xasprintf(&path, "%s/%s", dir, CALENDAR_SCHEMA);
	l.file = path;
	if (slurp(&l, path, MAXSCHEMA, &buf, &len) == -1 ||
	    (s->doc = parse_xml(&l, buf, len, 0)) == NULL)
		goto fail;
	if ((s->xsd = xmlsafe_schema(s->doc, refused, &x)) == NULL) {
		xml_fault(&l, &x);
		goto fail;
	}
	free(buf);
	free(path);
	return 0;
fail:
	*err = l.err;
	xmlFreeDoc(s->doc);
	s->doc = NULL;
	free(buf);
	free(path);
	return -1;
}

/* Free a schema of schema_load. */
static void
schema_free(struct schema *s)
{
	if (s->xsd != NULL)
		xmlSchemaFree(s->xsd);
	xmlFreeDoc(s->doc);
}

/* xmlSchemaSetValidStructuredErrors: the first error, with its element. */
static void
schema_error(void *arg, xmlErrorPtr e)
{
	struct load	*l = arg;
	xmlNodePtr	 n = e != NULL ? e->node : NULL;
	char		 msg[400];
	int		 line;

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	xmlsafe_tidy(msg, sizeof(msg), e->message, &style);
	if (n == NULL || n->type != XML_ELEMENT_NODE) {
		fail(l, e->line, NULL, "%s", msg);
		return;
	}
	line = e->line > 0 ? e->line : (int)xmlGetLineNo(n);
	fail(l, line, (const char *)n->name, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* Dates                                                               */

/* Days in a month, leap years included. */
static int
month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* 0 Sunday .. 6 Saturday, for days since 1970 (a Thursday). */
static int
weekday(int64_t days)
{
	return (int)(((days % 7) + 11) % 7);
}

/* The table index of a date, or -1 if it is not a real date of the
 * calendar's years. */
static int64_t
day_index(const struct calendar *cal, int y, int m, int d)
{
	if (y < cal->first || y > cal->last || m < 1 || m > 12 || d < 1 ||
	    d > month_days(y, m))
		return -1;
	return tz_days_from_civil(y, m, d) - cal->base;
}

/* The date of a table index. */
static void
index_date(const struct calendar *cal, int64_t i, int *y, int *m, int *d)
{
	tz_civil_from_days(cal->base + i, y, m, d);
}

/* A whole decimal number with optional sign and surrounding blanks, as
 * xs:int allows after whitespace collapse. */
static int
parse_int(const char *s, int *v)
{
	long	n = 0;
	int	sign = 1, digits = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		if ((n = n * 10 + (*s - '0')) > 100000)
			return -1;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (digits == 0 || *s != '\0')
		return -1;
	*v = (int)(sign * n);
	return 0;
}

/* "YYYY-MM-DD", or "MM-DD" with *y = 0 (29 February allowed): the digits
 * are the schema's business, the date's reality this function's. */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
	size_t	len = strlen(s);

	*y = 0;
	if (len == 10) {
		*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
		    (s[2] - '0') * 10 + (s[3] - '0');
		s += 5;
	} else if (len != 5)
		return -1;
	*m = (s[0] - '0') * 10 + (s[1] - '0');
	*d = (s[3] - '0') * 10 + (s[4] - '0');
	if (*m < 1 || *m > 12 || *d < 1 ||
	    *d > month_days(*y == 0 ? 2000 : *y, *m))
		return -1;
	return 0;
}

/* xs:boolean after whitespace collapse: "true" or "1" (the schema has
 * refused anything but those and "false", "0"). */
static int
parse_bool(const char *s)
{
	s += strspn(s, " \t\r\n");
	return *s == '1' || *s == 't';
}

/* ------------------------------------------------------------------ */
/* Building the table                                                  */

/* An attribute's value in our allocator, or NULL if absent. */
static char *
attr(xmlNodePtr n, const char *name)
{
	xmlChar	*v;
	char	*s;

	if ((v = xmlGetNoNsProp(n, BAD_CAST name)) == NULL)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

/* Whether an element is ours and named so. */
static int
is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST CAL_NS) &&
	    xmlStrEqual(n->name, BAD_CAST name);
}

/* The first-year and last-year of the root, and the empty table. */
static int
load_years(struct load *l, struct calendar *cal, xmlNodePtr root)
{
	char	*first = attr(root, "first-year"), *last = attr(root,
		    "last-year");
	int	 rc = -1;

	if (first == NULL || last == NULL || parse_int(first, &cal->first) ||
	    parse_int(last, &cal->last))
		fail(l, xmlGetLineNo(root), "calendar", "first-year and "
		    "last-year must be years");
	else if (cal->last < cal->first)
		fail(l, xmlGetLineNo(root), "calendar", "last-year %d is "
		    "before first-year %d", cal->last, cal->first);
	else
		rc = 0;
	free(first);
	free(last);
	if (rc == -1)
		return -1;
	cal->base = tz_days_from_civil(cal->first, 1, 1);
	cal->ndays = (size_t)(tz_days_from_civil(cal->last + 1, 1, 1) -
	    cal->base);
	cal->days = xcalloc(cal->ndays, sizeof(*cal->days));
	for (size_t i = 0; i < cal->ndays; i++)
		cal->days[i].holiday = cal->days[i].transfer =
		    cal->days[i].moved_from = -1;
	return 0;
}

/* Mark one day as the holiday h; kind is D_FIXED or D_DATED. */
static int
mark_holiday(struct load *l, struct calendar *cal, int64_t i, int h,
    int kind, xmlNodePtr n, const char *on)
{
	struct day	*day = &cal->days[i];
	struct holiday	*hol = &cal->holidays[h];

	/* A fixed holiday and a dated one may meet (Kurban Ait on Capital
	 * Day): one day off, named by the first.  Two of a kind may not. */
	if (day->flags & kind) {
		fail(l, xmlGetLineNo(n), "holiday", "'%s' repeats the holiday "
		    "of line %d (%s)", on, cal->holidays[day->holiday].line,
		    cal->holidays[day->holiday].name);
		return -1;
	}
	day->flags |= D_HOLIDAY | kind | (hol->religious ? 0 : D_SECULAR);
	if (day->holiday == -1)
		day->holiday = h;
	return 0;
}

/* One <holiday>: checked, then marked on every day it falls on. */
static int
load_holiday(struct load *l, struct calendar *cal, xmlNodePtr n)
{
	struct holiday	*hol;
	char		*on = attr(n, "on"), *from = attr(n, "from");
	char		*until = attr(n, "until"), *rel = attr(n, "religious");
	int		 h, y, m, d, y0, y1, line = xmlGetLineNo(n), rc = -1;
	int64_t		 i;

	h = (int)cal->nholidays++;
	hol = &cal->holidays[h];
	hol->name = attr(n, "name");
	hol->line = line;
	hol->religious = rel != NULL && parse_bool(rel);
	y0 = cal->first;
	y1 = cal->last;
	if (on == NULL || hol->name == NULL ||
	    parse_date(on, &y, &m, &d) == -1) {
		fail(l, line, "holiday", "'%s' is not a real date (MM-DD or "
		    "YYYY-MM-DD)", on != NULL ? on : "");
		goto done;
	}
	if (y != 0 && (from != NULL || until != NULL)) {
		fail(l, line, "holiday", "from and until apply only to a "
		    "holiday given as MM-DD");
		goto done;
	}
	if (y != 0 && (y < cal->first || y > cal->last)) {
		fail(l, line, "holiday", "'%s' is outside the calendar's "
		    "years %d-%d", on, cal->first, cal->last);
		goto done;
	}
	if (y == 0 && m == 2 && d == 29) {
		fail(l, line, "holiday", "a holiday every year cannot be "
		    "29 February");
		goto done;
	}
	if ((from != NULL && parse_int(from, &y0) == -1) ||
	    (until != NULL && parse_int(until, &y1) == -1) || y0 > y1) {
		fail(l, line, "holiday", "from %s is after until %s",
		    from != NULL ? from : "", until != NULL ? until : "");
		goto done;
	}
	if (y != 0)
		y0 = y1 = y;
	if (y0 < cal->first)
		y0 = cal->first;
	if (y1 > cal->last)
		y1 = cal->last;
	for (; y0 <= y1; y0++) {
		i = day_index(cal, y0, m, d);
		if (mark_holiday(l, cal, i, h, y != 0 ? D_DATED : D_FIXED, n,
		    on) == -1)
			goto done;
	}
	rc = 0;
done:
	free(on);
	free(from);
	free(until);
	free(rel);
	return rc;
}

/*
 * Labour Code art. 85 p. 3: a day off that coincides with a holiday moves
 * to the next working day after the holiday.  In date order, each weekend
 * day that is a non-religious holiday gives the first later weekday that
 * is neither a holiday nor already given: Nauryz on Sat, Sun, Mon gives
 * Tue and Wed.  Decrees come later and may override what this decides.
 */
static void
move_days_off(struct calendar *cal)
{
	size_t	i, j;
	int	wd;

	for (i = 0; i < cal->ndays; i++) {
		if (!(cal->days[i].flags & D_SECULAR))
			continue;
		wd = weekday(cal->base + (int64_t)i);
		if (wd != 0 && wd != 6)
			continue;
		for (j = i + 1; j < cal->ndays; j++) {
			wd = weekday(cal->base + (int64_t)j);
			if (wd != 0 && wd != 6 &&
			    !(cal->days[j].flags & (D_HOLIDAY | D_MOVED)))
				break;
		}
		if (j == cal->ndays)
			continue;	/* past the last year: unknown anyway */
		cal->days[j].flags |= D_MOVED;
		cal->days[j].moved_from = (int)i;
	}
}

/* Whether a table day is off by law alone (before decrees). */
static int
off_by_law(const struct calendar *cal, int64_t i)
{
	int	wd = weekday(cal->base + i);

	return wd == 0 || wd == 6 ||
	    (cal->days[i].flags & (D_HOLIDAY | D_MOVED)) != 0;
}

/* One <day-off> or <working-day>: it must change the day it names. */
static int
load_transfer(struct load *l, struct calendar *cal, xmlNodePtr n, int off)
{
	const char	*el = off ? "day-off" : "working-day";
	char		*date = attr(n, "date"), why[300];
	int		 y, m, d, line = xmlGetLineNo(n), t, rc = -1;
	int64_t		 i;
	struct day	*day;

	t = (int)cal->ntransfers++;
	cal->transfers[t].reason = attr(n, "reason");
	if (date == NULL || parse_date(date, &y, &m, &d) == -1 || y == 0) {
		fail(l, line, el, "'%s' is not a real date (YYYY-MM-DD)",
		    date != NULL ? date : "");
		goto done;
	}
	if ((i = day_index(cal, y, m, d)) == -1) {
		fail(l, line, el, "%s is outside the calendar's years %d-%d",
		    date, cal->first, cal->last);
		goto done;
	}
	day = &cal->days[i];
	if (day->flags & (D_OFF | D_WORK)) {
		fail(l, line, el, "%s is already the date of another "
		    "transfer", date);
		goto done;
	}
	if (day->flags & D_HOLIDAY) {
		fail(l, line, el, "%s is a holiday (%s): a transfer cannot "
		    "move it", date, cal->holidays[day->holiday].name);
		goto done;
	}
	if (off && off_by_law(cal, i)) {
		calendar_day_off(cal, y, m, d, why, sizeof(why));
		fail(l, line, el, "%s is a day off already (%s)", date, why);
		goto done;
	}
	if (!off && !off_by_law(cal, i)) {
		fail(l, line, el, "%s is a working day already", date);
		goto done;
	}
	day->flags |= off ? D_OFF : D_WORK;
	day->transfer = t;
	rc = 0;
done:
	free(date);
	return rc;
}

/* One <region>: a new code, names, and a zone that loads. */
static int
load_region(struct load *l, struct calendar *cal, xmlNodePtr n)
{
	struct region	*r = &cal->regions[cal->nregions];
	struct tz	*z;
	char		*err = NULL;
	size_t		 i;
	int		 line = xmlGetLineNo(n);

	r->code = attr(n, "code");
	r->tz = attr(n, "tz");
	r->ru = attr(n, "ru");
	r->kk = attr(n, "kk");
	r->en = attr(n, "en");
	cal->nregions++;
	if (r->code == NULL || r->tz == NULL || r->ru == NULL ||
	    r->kk == NULL || r->en == NULL) {
		fail(l, line, "region", "code, tz, ru, kk and en are required");
		return -1;
	}
	for (i = 0; i + 1 < cal->nregions; i++)
		if (strcmp(cal->regions[i].code, r->code) == 0) {
			fail(l, line, "region", "region %s is listed twice",
			    r->code);
			return -1;
		}
	if ((z = tz_load(r->tz, &err)) == NULL) {
		fail(l, line, "region", "%s", err);
		free(err);
		return -1;
	}
	tz_free(z);
	return 0;
}

/* Count the children of n named name (to size the arrays once). */
static size_t
count(xmlNodePtr n, const char *name)
{
	size_t	c = 0;

	for (n = n->children; n != NULL; n = n->next)
		if (is(n, name))
			c++;
	return c;
}

/* The validated tree into cal: holidays, moves, transfers, regions. */
static int
build(struct load *l, struct calendar *cal, xmlNodePtr root)
{
	xmlNodePtr	sec, n;

	if (load_years(l, cal, root) == -1)
		return -1;
	for (sec = root->children; sec != NULL; sec = sec->next) {
		if (is(sec, "holidays")) {
			cal->holidays = xcalloc(count(sec, "holiday"),
			    sizeof(*cal->holidays));
			for (n = sec->children; n != NULL; n = n->next)
				if (is(n, "holiday") &&
				    load_holiday(l, cal, n) == -1)
					return -1;
			move_days_off(cal);
		} else if (is(sec, "transfers")) {
			cal->transfers = xcalloc(count(sec, "day-off") +
			    count(sec, "working-day"), sizeof(*cal->transfers));
			for (n = sec->children; n != NULL; n = n->next)
				if ((is(n, "day-off") ||
				    is(n, "working-day")) && load_transfer(l,
				    cal, n, is(n, "day-off")) == -1)
					return -1;
		} else if (is(sec, "regions")) {
			cal->regions = xcalloc(count(sec, "region"),
			    sizeof(*cal->regions));
			for (n = sec->children; n != NULL; n = n->next)
				if (is(n, "region") &&
				    load_region(l, cal, n) == -1)
					return -1;
		}
	}
	cal->codes = xcalloc(cal->nregions, sizeof(*cal->codes));
	for (size_t i = 0; i < cal->nregions; i++)
		cal->codes[i] = cal->regions[i].code;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

/* Parse, validate against dir's schema and build; the common path of
 * calendar_load and calendar_load_mem. */
static struct calendar *
load(const char *file, const char *buf, size_t len, const char *dir,
    char **err)
{
	struct load		 l = { file, NULL };
	struct xmlsafe_error	 x;
	struct schema		 s;
	struct calendar		*cal = NULL;
	xmlDocPtr		 doc = NULL;

	xmlInitParser();
	if (schema_load(&s, dir, err) == -1)
		return NULL;
	if (len > CALENDAR_MAXFILE) {
		fail(&l, 0, NULL, "larger than %d bytes", CALENDAR_MAXFILE);
		goto fail;
	}
	if ((doc = parse_xml(&l, buf, len, XMLSAFE_SCAN_XSI)) == NULL)
		goto fail;
	if (xmlsafe_validate(s.xsd, doc, schema_error, &l, &x) == -1) {
		xml_fault(&l, &x);
		goto fail;
	}
	cal = xcalloc(1, sizeof(*cal));
	if (build(&l, cal, xmlDocGetRootElement(doc)) == -1)
		goto fail;
	crypto_hash_sha256(cal->digest, (const unsigned char *)buf, len);
	xmlFreeDoc(doc);
	schema_free(&s);
	return cal;
fail:
	calendar_free(cal);
	xmlFreeDoc(doc);
	schema_free(&s);
	*err = l.err != NULL ? l.err : xstrdup("the calendar is invalid");
	return NULL;
}

/* Load a calendar file, its schema from the same directory. */
struct calendar *
calendar_load(const char *path, char **err)
{
	struct load	 l = { path, NULL };
	struct calendar	*cal;
	const char	*slash;
	char		*buf = NULL, *dir;
	size_t		 len;

	if (slurp(&l, path, CALENDAR_MAXFILE, &buf, &len) == -1) {
		*err = l.err;
		return NULL;
	}
	if ((slash = strrchr(path, '/')) == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, slash - path);
	cal = load(path, buf, len, dir, err);
	free(dir);
	free(buf);
	return cal;
}

/* Load a calendar from memory, its schema from schema_dir. */
struct calendar *
calendar_load_mem(const char *buf, size_t len, const char *schema_dir,
    char **err)
{
	return load("calendar", buf, len, schema_dir, err);
}

/* Free a calendar no thread uses any more. */
void
calendar_free(struct calendar *cal)
{
	size_t	i;

	if (cal == NULL)
		return;
	for (i = 0; i < cal->nholidays; i++)
		free(cal->holidays[i].name);
	for (i = 0; i < cal->ntransfers; i++)
		free(cal->transfers[i].reason);
	for (i = 0; i < cal->nregions; i++) {
		free(cal->regions[i].code);
		free(cal->regions[i].tz);
		free(cal->regions[i].ru);
		free(cal->regions[i].kk);
		free(cal->regions[i].en);
	}
	free(cal->holidays);
	free(cal->transfers);
	free(cal->regions);
	free(cal->codes);
	free(cal->days);
	free(cal);
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */

/* The first year the calendar knows. */
int
calendar_first_year(const struct calendar *cal)
{
	return cal->first;
}

/* The last year the calendar knows. */
int
calendar_last_year(const struct calendar *cal)
{
	return cal->last;
}

/* SHA-256 of the file the calendar was loaded from. */
const unsigned char *
calendar_digest(const struct calendar *cal)
{
	return cal->digest;
}

/* snprintf into why, if there is one, cut at a whole character. */
static void __attribute__((format(printf, 3, 4)))
say(char *why, size_t len, const char *fmt, ...)
{
	va_list	ap;

	if (why == NULL || len == 0)
		return;
	va_start(ap, fmt);
	xmlsafe_vformat(why, len, fmt, ap);
	va_end(ap);
}

/* 1 off or 0 working for a table day, with why; decrees win over the
 * law, a holiday over the rest. */
static int
status(const struct calendar *cal, int64_t i, char *why, size_t len)
{
	const struct day	*day = &cal->days[i];
	int			 wd = weekday(cal->base + i), y, m, d;

	say(why, len, "%s", "");
	if (day->flags & D_WORK) {
		say(why, len, "working day by government transfer: %s",
		    cal->transfers[day->transfer].reason);
		return 0;
	}
	if (day->flags & D_HOLIDAY) {
		say(why, len, "%s", cal->holidays[day->holiday].name);
		return 1;
	}
	if (day->flags & D_OFF) {
		say(why, len, "government transfer: %s",
		    cal->transfers[day->transfer].reason);
		return 1;
	}
	if (day->flags & D_MOVED) {
		index_date(cal, day->moved_from, &y, &m, &d);
		say(why, len, "day off moved from %s %d %s (%s)",
		    wdays[weekday(cal->base + day->moved_from)], d,
		    months[m - 1],
		    cal->holidays[cal->days[day->moved_from].holiday].name);
		return 1;
	}
	if (wd == 0 || wd == 6) {
		say(why, len, "%s", wdays[wd]);
		return 1;
	}
	return 0;
}

/* Whether y-m-d is a day off, and why. */
int
calendar_day_off(const struct calendar *cal, int y, int m, int d, char *why,
    size_t whylen)
{
	int64_t	i;

	if ((i = day_index(cal, y, m, d)) == -1) {
		say(why, whylen, "%04d-%02d-%02d is not a date of the "
		    "calendar (%d-%d)", y, m, d, cal->first, cal->last);
		return -1;
	}
	return status(cal, i, why, whylen);
}

/* Start an empty list of skipped days. */
static void
list_init(struct list *li, char *buf, size_t size)
{
	li->buf = buf;
	li->size = buf != NULL ? size : 0;
	li->full = 0;
	if (li->size > 0)
		buf[0] = '\0';
}

/* Add "YYYY-MM-DD why" for a table day; "..." once it no longer fits,
 * so an item is never cut in two. */
static void
list_add(struct list *li, const struct calendar *cal, int64_t i,
    const char *why)
{
	char	item[400];
	size_t	used, need;
	int	y, m, d;

	if (li->size == 0 || li->full)
		return;
	index_date(cal, i, &y, &m, &d);
	snprintf(item, sizeof(item), "%s%04d-%02d-%02d %s",
	    li->buf[0] != '\0' ? "; " : "", y, m, d, why);
	xmlsafe_utf8_cut(item);
	used = strlen(li->buf);
	need = strlen(item);
	if (used + need + 1 <= li->size) {
		memcpy(li->buf + used, item, need + 1);
		return;
	}
	li->full = 1;
	if (li->size < 4)
		return;
	if (used + 4 > li->size) {
		li->buf[li->size - 4] = '\0';
		/* the cut may split a character */
		xmlsafe_utf8_cut(li->buf);
	}
	strcat(li->buf, "...");
}

/* The first working day at or after *y-*m-*d. */
int
calendar_next_working(const struct calendar *cal, int *y, int *m, int *d,
    char *skipped, size_t len)
{
	struct list	li;
	char		why[300];
	int64_t		i;

	list_init(&li, skipped, len);
	if ((i = day_index(cal, *y, *m, *d)) == -1)
		return -1;
	for (; (size_t)i < cal->ndays; i++) {
		if (status(cal, i, why, sizeof(why)) == 0) {
			index_date(cal, i, y, m, d);
			return 0;
		}
		list_add(&li, cal, i, why);
	}
	return -1;
}

/* The n-th working day after y-m-d. */
int
calendar_add_working_days(const struct calendar *cal, int y, int m, int d,
    int n, int *oy, int *om, int *od, char *skipped, size_t len)
{
	struct list	li;
	char		why[300];
	int64_t		i;

	list_init(&li, skipped, len);
	if (n < 0 || (i = day_index(cal, y, m, d)) == -1)
		return -1;
	while (n > 0) {
		if ((size_t)++i >= cal->ndays)
			return -1;
		if (status(cal, i, why, sizeof(why)) == 1)
			list_add(&li, cal, i, why);
		else
			n--;
	}
	index_date(cal, i, oy, om, od);
	return 0;
}

/* A region by code, or NULL. */
static const struct region *
find_region(const struct calendar *cal, const char *code)
{
	size_t	i;

	for (i = 0; code != NULL && i < cal->nregions; i++)
		if (strcmp(cal->regions[i].code, code) == 0)
			return &cal->regions[i];
	return NULL;
}

/* A region's zone name. */
const char *
calendar_region_tz(const struct calendar *cal, const char *region)
{
	const struct region	*r = find_region(cal, region);

	return r != NULL ? r->tz : NULL;
}

/* A region's name in Russian, Kazakh or English. */
const char *
calendar_region_name(const struct calendar *cal, const char *region,
    const char *lang)
{
	const struct region	*r = find_region(cal, region);

	if (r == NULL || lang == NULL)
		return NULL;
	if (strcmp(lang, "ru") == 0)
		return r->ru;
	if (strcmp(lang, "kk") == 0)
		return r->kk;
	if (strcmp(lang, "en") == 0)
		return r->en;
	return NULL;
}

/* Every region code. */
size_t
calendar_regions(const struct calendar *cal, const char ***codes)
{
	*codes = cal->codes;
	return cal->nregions;
}
