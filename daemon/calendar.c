/* calendar.c - days off and region zones: load XML safely, answer queries */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <sodium.h>

#include "calendar.h"
#include "log.h"
#include "tz.h"

#define CAL_NS		"urn:nadzor:calendar:1"
#define XSD_NS		"http://www.w3.org/2001/XMLSchema"
#define XSI_NS		"http://www.w3.org/2001/XMLSchema-instance"
#define MAXSCHEMA	(256 * 1024)
#define MAXDEPTH	8	/* calendar/holidays/holiday is 3 deep */

/*
 * NONET: nothing is ever fetched.  NOERROR/NOWARNING: libxml2 prints
 * nothing, errors reach parser_error().  BIG_LINES: true line numbers past
 * 65535.  Never NOENT (substitutes and loads entities), HUGE (lifts the
 * limits), DTDLOAD, XINCLUDE.
 */
#define PARSE_OPTIONS	(XML_PARSE_NONET | XML_PARSE_NOCDATA | \
	XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES)

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
	int		 depth;
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

/* libxml2's schema phrases, and what an administrator reads instead. */
static const struct phrase {
	const char	*from;
	const char	*to;
} phrases[] = {
	{ "This element is not expected. Expected is one of ( ",
	    "not expected here; expected one of: " },
	{ "This element is not expected. Expected is ( ",
	    "not expected here; expected: " },
	{ "This element is not expected", "not expected here" },
	{ "Missing child element(s). Expected is one of ( ",
	    "a child element is missing; expected one of: " },
	{ "Missing child element(s). Expected is ( ",
	    "a child element is missing; expected: " },
	{ "The attribute '", "attribute '" },
	{ "' is required but missing", "' is required" },
};

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/* Drop a UTF-8 sequence that truncation cut short at the end of s. */
static void
utf8_cut(char *s)
{
	size_t		len = strlen(s), i = len, need;
	unsigned char	c;

	while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || (c = (unsigned char)s[i - 1]) < 0x80)
		return;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

/* Copy text for a message: controls become spaces (no forged log lines),
 * a long text is cut at a whole character. */
static void
clean(char *dst, size_t size, const char *src)
{
	size_t	i;

	for (i = 0; src[i] != '\0' && i + 1 < size; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ?
		    ' ' : src[i];
	dst[i] = '\0';
	if (src[i] != '\0')
		utf8_cut(dst);
}

/* Keep the first error, as "FILE:LINE: element 'x': reason". */
static void __attribute__((format(printf, 4, 5)))
fail(struct load *l, int line, const char *element, const char *fmt, ...)
{
	va_list	ap;
	char	reason[600], el[64], where[32] = "";

	if (l->err != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	utf8_cut(reason);
	if (line > 0)
		snprintf(where, sizeof(where), ":%d", line);
	if (element != NULL && *element != '\0') {
		clean(el, sizeof(el), element);
		xasprintf(&l->err, "%s%s: element '%s': %s", l->file, where, el,
		    reason);
	} else
		xasprintf(&l->err, "%s%s: %s", l->file, where, reason);
}

/* Replace the first "from" in s (of size bytes) by "to", if it fits. */
static void
replace(char *s, size_t size, const char *from, const char *to)
{
	char	*at;
	size_t	 lf = strlen(from), lt = strlen(to), len = strlen(s);

	if ((at = strstr(s, from)) == NULL || len - lf + lt + 1 > size)
		return;
	memmove(at + lt, at + lf, len - (at - s) - lf + 1);
	memcpy(at, to, lt);
}

/* libxml2's words made readable: no "{namespace}", no "Element 'x'"
 * (fail() names the element), plainer phrases, no trailing newline. */
static void
tidy(char *dst, size_t size, const char *msg)
{
	char	*p;
	size_t	 i, len;

	clean(dst, size, msg != NULL ? msg : "unknown error");
	while (strstr(dst, "{" CAL_NS "}") != NULL)
		replace(dst, size, "{" CAL_NS "}", "");
	if (strncmp(dst, "Element '", 9) == 0 &&
	    (p = strchr(dst + 9, '\'')) != NULL &&
	    (p[1] == ':' || p[1] == ',') && p[2] == ' ')
		memmove(dst, p + 3, strlen(p + 3) + 1);
	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		replace(dst, size, phrases[i].from, phrases[i].to);
	len = strlen(dst);
	while (len > 0 && strchr(" .", dst[len - 1]) != NULL)
		dst[--len] = '\0';
	if (len >= 2 && strcmp(dst + len - 2, " )") == 0)
		dst[len -= 2] = '\0';	/* the end of "one of: ( a, b )" */
}

/* ------------------------------------------------------------------ */
/* Files and parsing                                                   */

/* A whole regular file of at most max bytes; the caller frees *buf.
 * Errors name l->file, which is path. */
static int
slurp(struct load *l, const char *path, size_t max, char **buf, size_t *len)
{
	struct stat	 st;
	char		*b = NULL, eb[128];
	size_t		 have = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) == -1)
		goto syserr;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		fail(l, 0, NULL, "%s", !S_ISREG(st.st_mode) ?
		    "not a regular file" : "larger than the limit of a "
		    "calendar or schema file");
		goto fail;
	}
	b = xmalloc(max + 1);
	while (have <= max) {
		if ((r = read(fd, b + have, max + 1 - have)) == -1) {
			if (errno == EINTR)
				continue;
			goto syserr;
		}
		if (r == 0)
			break;
		have += (size_t)r;
	}
	if (have > max) {
		fail(l, 0, NULL, "grew past the limit while read");
		goto fail;
	}
	close(fd);
	*buf = b;
	*len = have;
	return 0;
syserr:
	fail(l, 0, NULL, "%s", strerror_r(errno, eb, sizeof(eb)));
fail:
	if (fd != -1)
		close(fd);
	free(b);
	return -1;
}

/* SAX internalSubset/externalSubset: any DOCTYPE is refused before a
 * single declaration in it is read, so no entity can exist at all. */
static void
refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *id,
    const xmlChar *sysid)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct load		*l = ctxt->_private;

	(void)name;
	(void)id;
	(void)sysid;
	fail(l, ctxt->input != NULL ? ctxt->input->line : 0, NULL,
	    "the document has a DOCTYPE; DTDs and entities are refused");
	xmlStopParser(ctxt);
}

/* SAX startElementNs: count depth, stop a document nesting absurdly deep. */
static void
start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattrs,
    int ndefaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct load		*l = ctxt->_private;

	if (++l->depth > MAXDEPTH) {
		fail(l, ctxt->input->line, (const char *)localname,
		    "elements nest deeper than %d levels", MAXDEPTH);
		xmlStopParser(ctxt);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nns, ns, nattrs,
	    ndefaulted, attrs);
}

/* SAX endElementNs: the other half of start_element. */
static void
end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct load		*l = ctxt->_private;

	l->depth--;
	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* sax->serror: keep the first parser error, print nothing. */
static void
parser_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct load		*l = ctxt->_private;
	char			 msg[400];

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	tidy(msg, sizeof(msg), e->message);
	fail(l, e->line, ctxt->name != NULL ? (const char *)ctxt->name : NULL,
	    "not well-formed: %s", msg);
}

/* A generic error handler that prints nothing. */
static void
quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* Bytes to a tree with the hooks above, or NULL with the error set. */
static xmlDocPtr
parse_xml(struct load *l, const char *buf, size_t len)
{
	xmlParserCtxtPtr	 ctxt;
	xmlDocPtr		 doc;
	const xmlError		*e;
	xmlGenericErrorFunc	 old;
	void			*oldctx;

	if (len == 0) {
		fail(l, 0, NULL, "the file is empty");
		return NULL;
	}
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		fatalx("%s: xmlNewParserCtxt", __func__);
	ctxt->_private = l;
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->sax->externalSubset = refuse_doctype;
	ctxt->sax->startElementNs = start_element;
	ctxt->sax->endElementNs = end_element;
	ctxt->sax->serror = parser_error;
	l->depth = 0;
	/* Encoding conversion errors bypass the context's handlers and go to
	 * the thread's generic one, which prints: silence it for this call. */
	old = xmlGenericError;
	oldctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, quiet);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL, PARSE_OPTIONS);
	xmlSetGenericErrorFunc(oldctx, old);
	if (l->err == NULL && (doc == NULL || !ctxt->wellFormed)) {
		e = xmlCtxtGetLastError(ctxt);
		fail(l, e != NULL ? e->line : 0, NULL, "not well-formed XML");
	}
	if (l->err == NULL && xmlDocGetRootElement(doc) == NULL)
		fail(l, 0, NULL, "the document has no root element");
	if (l->err == NULL && doc->encoding != NULL &&
	    strcasecmp((const char *)doc->encoding, "UTF-8") != 0)
		fail(l, 1, NULL, "the document is not in UTF-8");
	xmlFreeParserCtxt(ctxt);
	if (l->err != NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/*
 * What may not be in a tree at all: entity or DTD nodes, xsi attributes
 * (xsi:type would choose the type an element is checked against), and in
 * the schema, xs:include, xs:import and xs:redefine (they would read
 * other files, perhaps over the network).
 */
static int
scan(struct load *l, xmlNodePtr n, int schema)
{
	xmlAttrPtr	a;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE) {
			if (n->type == XML_ENTITY_REF_NODE ||
			    n->type == XML_ENTITY_NODE ||
			    n->type == XML_ENTITY_DECL ||
			    n->type == XML_DTD_NODE) {
				fail(l, xmlGetLineNo(n), NULL, "an entity or "
				    "DTD node; DTDs and entities are refused");
				return -1;
			}
			continue;
		}
		for (a = n->properties; !schema && a != NULL; a = a->next)
			if (a->ns != NULL && xmlStrEqual(a->ns->href,
			    BAD_CAST XSI_NS)) {
				fail(l, xmlGetLineNo(n), (const char *)n->name,
				    "xsi attributes are refused");
				return -1;
			}
		if (schema && n->ns != NULL &&
		    xmlStrEqual(n->ns->href, BAD_CAST XSD_NS) &&
		    (xmlStrEqual(n->name, BAD_CAST "include") ||
		    xmlStrEqual(n->name, BAD_CAST "import") ||
		    xmlStrEqual(n->name, BAD_CAST "redefine"))) {
			fail(l, xmlGetLineNo(n), (const char *)n->name,
			    "the calendar schema may not read other files");
			return -1;
		}
		if (scan(l, n->children, schema) == -1)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The schema                                                          */

/* A compiled schema and the tree it was compiled from. */
struct schema {
	xmlDocPtr	doc;
	xmlSchemaPtr	xsd;
};

/* xmlSchemaSetParserStructuredErrors: the schema's first error. */
static void
schema_parse_error(void *arg, xmlErrorPtr e)
{
	struct load	*l = arg;
	char		 msg[400];

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	tidy(msg, sizeof(msg), e->message);
	fail(l, e->line, NULL, "%s", msg);
}

/* Read and compile dir/calendar.xsd, parsed as safely as the data. */
static int
schema_load(struct schema *s, const char *dir, char **err)
{
	struct load		 l = { NULL, NULL, 0 };
	xmlSchemaParserCtxtPtr	 pc;
	char			*path, *buf = NULL;
	size_t			 len;

	memset(s, 0, sizeof(*s));
	xasprintf(&path, "%s/%s", dir, CALENDAR_SCHEMA);
	l.file = path;
	if (slurp(&l, path, MAXSCHEMA, &buf, &len) == -1 ||
	    (s->doc = parse_xml(&l, buf, len)) == NULL ||
	    scan(&l, xmlDocGetRootElement(s->doc), 1) == -1)
		goto fail;
	/* The tree is the caller's: libxml2 neither changes nor frees it. */
	if ((pc = xmlSchemaNewDocParserCtxt(s->doc)) == NULL)
		fatalx("%s: xmlSchemaNewDocParserCtxt", __func__);
	xmlSchemaSetParserStructuredErrors(pc, schema_parse_error, &l);
	s->xsd = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (s->xsd == NULL) {
		fail(&l, 0, NULL, "the schema does not compile");
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
	tidy(msg, sizeof(msg), e->message);
	if (n == NULL || n->type != XML_ELEMENT_NODE) {
		fail(l, e->line, NULL, "%s", msg);
		return;
	}
	line = e->line > 0 ? e->line : (int)xmlGetLineNo(n);
	fail(l, line, (const char *)n->name, "%s", msg);
}

/* Validate the tree; anything but 0 from libxml2 refuses it. */
static int
validate(struct load *l, struct schema *s, xmlDocPtr doc)
{
	xmlSchemaValidCtxtPtr	v;
	int			rc;

	if ((v = xmlSchemaNewValidCtxt(s->xsd)) == NULL)
		fatalx("%s: xmlSchemaNewValidCtxt", __func__);
	xmlSchemaSetValidStructuredErrors(v, schema_error, l);
	rc = xmlSchemaValidateDoc(v, doc);
	xmlSchemaFreeValidCtxt(v);
	if (rc < 0) {
		free(l->err);
		l->err = NULL;
		fail(l, 0, NULL, "the schema validator failed");
	} else if (rc > 0)
		fail(l, 0, NULL, "the file does not match the calendar schema");
	return rc == 0 ? 0 : -1;
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
	struct load	 l = { file, NULL, 0 };
	struct schema	 s;
	struct calendar	*cal = NULL;
	xmlDocPtr	 doc = NULL;

	xmlInitParser();
	if (schema_load(&s, dir, err) == -1)
		return NULL;
	if (len > CALENDAR_MAXFILE) {
		fail(&l, 0, NULL, "larger than %d bytes", CALENDAR_MAXFILE);
		goto fail;
	}
	if ((doc = parse_xml(&l, buf, len)) == NULL ||
	    scan(&l, xmlDocGetRootElement(doc), 0) == -1 ||
	    validate(&l, &s, doc) == -1)
		goto fail;
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
	struct load	 l = { path, NULL, 0 };
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
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	utf8_cut(why);
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
	utf8_cut(item);
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
		utf8_cut(li->buf);	/* the cut may split a character */
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
