/* rules.c - rule sets as data: parse safely, validate, check, pick the one in force */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
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

#include "log.h"
#include "readfile.h"
#include "record.h"
#include "rules.h"
#include "tz.h"
#include "xmlsafe.h"

#define RULES_NS	"urn:nadzor:rules:1"
#define SCHEMA_FILE	"ruleset.xsd"
#define ZONE		"Asia/Almaty"	/* of the capital: orders take effect there */

/*
 * A rule set is a few dozen kilobytes: a megabyte is a mistake or an
 * attack.  Valid documents nest 4 deep (ruleset/rule/fulfil/requires);
 * other XML files of the directory (calendars) are read only to learn
 * their root, and 16 leaves them room.
 */
#define MAXFILE		(1024 * 1024)
#define MAXDEPTH	16
#define MAXRULES	256

static const struct xmlsafe_limits limits = { .depth = MAXDEPTH };

/* A schema that would reach outside itself, or use identity constraints
 * (libxml2's have had memory-safety bugs), is refused. */
static const char *const refused[] = {
	"include", "import", "redefine", "override", "key", "keyref",
	"unique", NULL
};

struct rules_schema {
	xmlDocPtr	 doc;		/* the compiled schema points into it */
	xmlSchemaPtr	 schema;	/* read-only once compiled */
};

/* One file being loaded: its name for every message, the first error. */
struct load {
	const char	*file;
	char		*err;
};

/* Which parts of a rule were seen: the schema requires them, but the
 * schema is a file of the directory and may have been loosened. */
#define SEEN_TITLE_RU	0x001
#define SEEN_TITLE_KK	0x002
#define SEEN_TITLE_EN	0x004
#define SEEN_TRIGGER	0x008
#define SEEN_START	0x010
#define SEEN_TERM	0x020
#define SEEN_PER	0x040
#define SEEN_ACTOR	0x080
#define SEEN_ESCALATE	0x100
#define SEEN_FULFIL	0x200
#define SEEN_SUBMITTER	0x400
#define SEEN_OUTCOME	0x800

const char *const rules_contract_ids[] = {
	"call-1h", "district-call-1h", "report-3h", "regime-1h", "review-48h",
	"conclusion", "torture-check", "court-3wd", "monthly-info",
	"quarterly-district", "quarterly-region", "halfyear", "annual", NULL
};

const char *const rules_parts[] = {
	"occurred", "place", "circumstances", "causes", "aims", "methods",
	"instruments", "participants", "person-name", "person-articles",
	"person-on-register", NULL
};

/* The vocabularies of contract.md, checked here again: the schema is
 * data an administrator can edit, these names are what the code knows. */
static const char *const roles[] = {
	"district", "region", "department", "head", "analyst", "admin", NULL
};

static const char *const categories[] = {
	"disaster", "group-disobedience", "self-harm", "hostage-taking",
	"pogrom", "mass-riot", "escape", "escape-attempt", "work-refusal",
	"hunger-strike", "torture", "impermissible-measures", "special-means",
	"physical-force", "weapon", "staff-offence", "violent-death", "suicide",
	NULL
};

static const char *const facility_kinds[] = {
	"uis", "si-uis", "si-knb", "ivs", "spec", "guardhouse", NULL
};

static const char *const cells[] = { "dizo", "ok", NULL };

/* Indexed by enum rule_start. */
static const char *const start_names[] = {
	"received", "placed", "decided", "established", "occurred",
	"period-start", "period-end", NULL
};

/* Indexed by enum rule_period; PERIOD_NONE has no name in a file. */
static const char *const period_names[] = {
	"-", "month", "quarter", "halfyear", "year", NULL
};

/* Indexed by enum rule_term: the attribute of <term> that chooses it. */
static const char *const term_names[] = {
	"none", "hours", "working-days", "day-of-month", "day-of-next-month",
	NULL
};

#define BIT(x)		(1u << (x))
#define PERIODIC	5	/* index of periodic rules in the table below */

/* The start events that exist for each kind of trigger: a record of that
 * kind carries the time (record.h), or the period has the bound. */
static const unsigned starts_of[] = {
	[RK_INCIDENT] = BIT(START_RECEIVED) | BIT(START_OCCURRED),
	[RK_PLACEMENT] = BIT(START_PLACED) | BIT(START_DECIDED),
	[RK_SPECIAL_REGIME] = BIT(START_RECEIVED),
	[RK_NPM_VIOLATION] = BIT(START_ESTABLISHED),
	[RK_ACTION] = 0,
	[PERIODIC] = BIT(START_PERIOD_START) | BIT(START_PERIOD_END),
};

/* libxml2's words as the administrator reads them: every phrase of
 * content, emptiness and values plainer, wherever it occurs, without the
 * facet names. */
static const struct xmlsafe_style style = {
	.ns = RULES_NS,
	.flags = XMLSAFE_TIDY_CONTENT | XMLSAFE_TIDY_EMPTY |
	    XMLSAFE_TIDY_VALUES | XMLSAFE_TIDY_EVERY | XMLSAFE_TIDY_FACETS |
	    XMLSAFE_TIDY_LOWER
};

typedef int (*part_fn)(struct load *, struct rule *, xmlNodePtr,
    unsigned *);

static int	rule_title(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);
static int	rule_trigger(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);
static int	rule_start(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);
static int	rule_term(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);
static int	rule_per(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);
static int	rule_actor(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);
static int	rule_notify(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);
static int	rule_escalate(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);
static int	rule_warn(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);
static int	rule_fulfil(struct load *, struct rule *, xmlNodePtr,
		    unsigned *);

/* The child elements of a <rule> and what fills each. */
static const struct part {
	const char	*element;
	part_fn		 fn;
} parts[] = {
	{ "title", rule_title },
	{ "trigger", rule_trigger },
	{ "start", rule_start },
	{ "term", rule_term },
	{ "per", rule_per },
	{ "actor", rule_actor },
	{ "notify", rule_notify },
	{ "escalate", rule_escalate },
	{ "warn", rule_warn },
	{ "fulfil", rule_fulfil },
};

/* ------------------------------------------------------------------ */
/* Error messages                                                      */

/* Keep the first error only, as "FILE, line N: reason": the ones after
 * it are mostly its echoes. */
static void __attribute__((format(printf, 3, 4)))
fail(struct load *l, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	 reason[1024], file[256], *msg;

	if (l->err != NULL)
		return;
	va_start(ap, fmt);
	xmlsafe_vformat(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	xmlsafe_clean(file, sizeof(file), l->file);
	if (line > 0)
		xasprintf(&msg, "%s, line %d: %s", file, line, reason);
	else
		xasprintf(&msg, "%s: %s", file, reason);
	xmlsafe_clean(msg, strlen(msg) + 1, msg);
	l->err = msg;
}

/* An error about one rule: "FILE, line N: rule 'id' (item X): reason". */
static void __attribute__((format(printf, 4, 5)))
rule_fail(struct load *l, int line, const struct rule *r, const char *fmt,
    ...)
{
	va_list	ap;
	char	reason[768];

	va_start(ap, fmt);
	xmlsafe_vformat(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fail(l, line, "rule '%s' (item %s): %s", r->id, r->item, reason);
}

/* Append to a message buffer, cutting what does not fit. */
static void
append(char *dst, size_t size, const char *s)
{
	size_t	len = strlen(dst);

	if (len + 1 < size)
		snprintf(dst + len, size - len, "%s", s);
}

/* Names of a list, comma-separated, for "not one of" messages. */
static void
join(char *dst, size_t size, const char *const *list)
{
	size_t	i;

	*dst = '\0';
	for (i = 0; list[i] != NULL; i++) {
		if (i > 0)
			append(dst, size, ", ");
		append(dst, size, list[i]);
	}
}

/* A message about the directory, not one place in a file: cleaned of
 * controls, since file names come from readdir. */
static char * __attribute__((format(printf, 1, 2)))
sentence(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("%s: vasprintf", __func__);
	va_end(ap);
	xmlsafe_clean(msg, strlen(msg) + 1, msg);
	return msg;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

/* A parser error in plain words. */
static void
parser_reason(struct load *l, const struct xmlsafe_error *x)
{
	char	msg[400];

	xmlsafe_tidy(msg, sizeof(msg), x->detail, &style);
	if (xmlsafe_entity_ref(x->code))
		fail(l, x->line, "an entity reference: only &lt; &gt; &amp; "
		    "&apos; &quot; and &#...; are allowed");
	else if (x->code == XML_ERR_DOCUMENT_EMPTY)
		fail(l, x->line, "the file is empty");
	else
		fail(l, x->line, "not well-formed XML: %s", msg);
}

/* A fault of the XML checks in the words an administrator reads. */
static void
xml_fault(struct load *l, const struct xmlsafe_error *x)
{
	char	msg[480];

	switch (x->fault) {
	case XMLSAFE_EMPTY:
		fail(l, 0, "the file is empty");
		break;
	case XMLSAFE_NUL:
	case XMLSAFE_BAD_UTF8:
		fail(l, x->line, "%s: files of rules/ are UTF-8 text",
		    x->fault == XMLSAFE_NUL ? "a NUL byte" : "invalid UTF-8");
		break;
	case XMLSAFE_ENCODING:
	case XMLSAFE_NOT_UTF8:
		fail(l, 1, "the XML declaration names an encoding other than "
		    "UTF-8: files of rules/ are UTF-8 text");
		break;
	case XMLSAFE_DOCTYPE:
		fail(l, x->line, "the file has a DOCTYPE; DTDs and entities "
		    "are refused");
		break;
	case XMLSAFE_DEPTH:
		fail(l, x->line, "elements nest deeper than %d levels",
		    MAXDEPTH);
		break;
	case XMLSAFE_SYNTAX:
		parser_reason(l, x);
		break;
	case XMLSAFE_MALFORMED:
		if (x->code != 0)	/* libxml2 said why, elsewhere */
			parser_reason(l, x);
		else
			fail(l, 0, "not well-formed XML");
		break;
	case XMLSAFE_NO_ROOT:
		fail(l, 0, "the file has no root element");
		break;
	case XMLSAFE_ENTITY:
		fail(l, x->line, "the file holds an entity or DTD node; DTDs "
		    "and entities are refused");
		break;
	case XMLSAFE_XSI:
		fail(l, x->line, "element '%s': xsi attributes are refused",
		    (const char *)x->node->name);
		break;
	case XMLSAFE_REFUSED:
		fail(l, x->line, "xs:%s is refused in the rules schema",
		    (const char *)x->node->name);
		break;
	case XMLSAFE_SCHEMA:
		xmlsafe_tidy(msg, sizeof(msg), x->detail, &style);
		fail(l, x->line, "the schema does not compile: %s", msg);
		break;
	case XMLSAFE_UNCOMPILED:
		fail(l, 0, "the schema does not compile");
		break;
	case XMLSAFE_VALIDATOR:
		free(l->err);	/* the cause is the validator's, say so */
		l->err = NULL;
		fail(l, 0, "the schema validator failed");
		break;
	case XMLSAFE_INVALID:
		fail(l, 0, "the file does not match the rules schema");
		break;
	default:
		fatalx("%s: fault %d", __func__, (int)x->fault);
	}
}

/* Bytes to a checked tree, or NULL with the error set. */
static xmlDocPtr
parse_tree(struct load *l, const char *buf, size_t len)
{
	struct xmlsafe_error	 x;
	xmlDocPtr		 doc = NULL;

	if (len > MAXFILE) {
		fail(l, 0, "the file is larger than %d bytes", MAXFILE);
		return NULL;
	}
	if (xmlsafe_check_utf8(buf, len, &x) == -1 ||
	    xmlsafe_check_encoding(buf, len, &x) == -1 ||
	    (doc = xmlsafe_parse(buf, len, &limits, &x)) == NULL ||
	    xmlsafe_scan(xmlDocGetRootElement(doc), XMLSAFE_SCAN_XSI,
	    &x) == -1) {
		xml_fault(l, &x);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* A whole file into memory (at most MAXFILE bytes); -1 with the error. */
static int
read_file(struct load *l, const char *path, char **buf, size_t *len)
{
	switch (readfile(path, MAXFILE, buf, len)) {
	case READFILE_OK:
		return 0;
	case READFILE_OPEN:
		fail(l, 0, "cannot open it: %s", strerror(errno));
		break;
	case READFILE_READ:
		fail(l, 0, "cannot read it: %s", strerror(errno));
		break;
	case READFILE_NOTREG:
		fail(l, 0, "not a regular file");
		break;
	case READFILE_TOOBIG:
		fail(l, 0, "the file is larger than %d bytes", MAXFILE);
		break;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* The schema                                                          */

/* Compile a ruleset.xsd, parsed with the same care as a rule file. */
struct rules_schema *
rules_schema_load(const char *path, char **err)
{
	struct load		 l = { path, NULL };
	struct xmlsafe_error	 x;
	struct rules_schema	*rs;
	xmlDocPtr		 doc = NULL;
	xmlSchemaPtr		 schema;
	char			*buf = NULL;
	size_t			 len;

	xmlInitParser();
	if (read_file(&l, path, &buf, &len) == -1 ||
	    (doc = parse_tree(&l, buf, len)) == NULL)
		goto fail;
	if ((schema = xmlsafe_schema(doc, refused, &x)) == NULL) {
		xml_fault(&l, &x);
		goto fail;
	}
	free(buf);
	rs = xcalloc(1, sizeof(*rs));
	rs->doc = doc;
	rs->schema = schema;
	return rs;
fail:
	xmlFreeDoc(doc);
	free(buf);
	*err = l.err;
	return NULL;
}

/* Free a compiled schema; only when no ruleset_parse can run with it. */
void
rules_schema_free(struct rules_schema *rs)
{
	if (rs == NULL)
		return;
	xmlSchemaFree(rs->schema);
	xmlFreeDoc(rs->doc);
	free(rs);
}

/* xmlSchemaSetValidStructuredErrors: the first error, in plain words. */
static void
validity_error(void *arg, xmlErrorPtr e)
{
	struct load	*l = arg;
	xmlNodePtr	 n;
	char		 msg[640], name[XMLSAFE_QUOTESIZE];

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	n = e->node;
	if (e->code == XML_SCHEMAV_CVC_ELT_1 && n != NULL &&
	    n->type == XML_ELEMENT_NODE) {
		xmlsafe_quote(name, sizeof(name), (const char *)n->name);
		fail(l, e->line, "the root element %s is not a rule set: "
		    "expected ruleset in namespace " RULES_NS, name);
		return;
	}
	xmlsafe_tidy(msg, sizeof(msg), e->message, &style);
	fail(l, e->line > 0 ? e->line : n != NULL &&
	    n->type == XML_ELEMENT_NODE ? xmlGetLineNo(n) : 0, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

/* The index of s in a NULL-terminated list, or -1. */
static int
lookup(const char *const *list, const char *s)
{
	int	i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

/* Text without surrounding white space, and runs of it inside made one
 * space: titles are one line in explanations however the file wraps. */
static char *
squeeze(const char *s)
{
	char	*out = xmalloc(strlen(s) + 1), *o = out;
	int	 gap = 0;

	for (; *s != '\0'; s++) {
		if (xmlsafe_is_space(*s)) {
			gap = o != out;
			continue;
		}
		if (gap)
			*o++ = ' ';
		gap = 0;
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* An element's text, squeezed, as a string of our own. */
static char *
text_of(xmlNodePtr n)
{
	xmlChar	*v;
	char	*s;

	v = xmlNodeGetContent(n);
	s = squeeze(v != NULL ? (const char *)v : "");
	xmlFree(v);
	return s;
}

/* An attribute without namespace, squeezed, or NULL if absent. */
static char *
attr_of(xmlNodePtr n, const char *name)
{
	xmlChar	*v;
	char	*s;

	if ((v = xmlGetNoNsProp(n, BAD_CAST name)) == NULL)
		return NULL;
	s = squeeze((const char *)v);
	xmlFree(v);
	return s;
}

/* Copy a value into a fixed field of a struct, refusing what does not
 * fit rather than cutting it. */
static int
put(struct load *l, xmlNodePtr n, const char *what, char *dst, size_t size,
    const char *v)
{
	char	q[XMLSAFE_QUOTESIZE];

	if (strlen(v) >= size) {
		xmlsafe_quote(q, sizeof(q), v);
		fail(l, xmlGetLineNo(n), "element '%s': %s %s is longer than "
		    "%zu bytes", (const char *)n->name, what, q, size - 1);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* Whether s is made of the characters of set (letters given as ranges
 * "az"), starts with one of first, and is not empty. */
static int
made_of(const char *s, const char *first, const char *rest)
{
	const char	*set;

	if (*s == '\0' || strchr(first, *s) == NULL)
		return 0;
	for (set = rest; *s != '\0'; s++)
		if (strchr(set, *s) == NULL)
			return 0;
	return 1;
}

#define LOWER	"abcdefghijklmnopqrstuvwxyz0123456789"
#define ALNUM	LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* A rule id or action name: "call-1h". */
static int
valid_id(const char *s)
{
	return strlen(s) < 32 && made_of(s, LOWER, LOWER "-");
}

/* Items of the regulation: "23", "25.8", "17, 4.4". */
static int
valid_item(const char *s)
{
	return strlen(s) < 32 && made_of(s, "0123456789", "0123456789., ");
}

/* The days of month m of year y. */
static int
month_days(int y, int m)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* YYYY-MM-DD, a real date from 1900 on; 0 or -1. */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
	int	i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	if (*y < 1900 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > month_days(*y, *m))
		return -1;
	return 0;
}

/* A whole-number attribute within [min, max]: 0, or -1 with the error;
 * 1 if absent. */
static int
number(struct load *l, xmlNodePtr n, const char *name, int min, int max,
    int *out)
{
	char	*s, *end, q[XMLSAFE_QUOTESIZE];
	long	 v;
	int	 rc = -1;

	if ((s = attr_of(n, name)) == NULL)
		return 1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		xmlsafe_quote(q, sizeof(q), s);
		fail(l, xmlGetLineNo(n), "element '%s', attribute '%s': %s is "
		    "not a whole number from %d to %d", (const char *)n->name,
		    name, q, min, max);
		goto fail;
	}
	*out = (int)v;
	rc = 0;
fail:
	free(s);
	return rc;
}

/* A name of a fixed vocabulary appended to one of a rule's lists: known,
 * not twice, room left.  The list is count names of width bytes. */
static int
add_name(struct load *l, xmlNodePtr n, const char *v,
    const char *const *valid, char *base, size_t width, size_t cap,
    size_t *count)
{
	char	q[XMLSAFE_QUOTESIZE], all[400];
	size_t	i;
	int	line = xmlGetLineNo(n);

	xmlsafe_quote(q, sizeof(q), v);
	if (lookup(valid, v) == -1) {
		join(all, sizeof(all), valid);
		fail(l, line, "element '%s': %s is not one of %s",
		    (const char *)n->name, q, all);
		return -1;
	}
	for (i = 0; i < *count; i++) {
		if (strcmp(base + i * width, v) == 0) {
			fail(l, line, "element '%s': %s is given twice",
			    (const char *)n->name, q);
			return -1;
		}
	}
	if (*count >= cap || strlen(v) >= width) {	/* names fit widths */
		fail(l, line, "element '%s': more than %zu of them",
		    (const char *)n->name, cap);
		return -1;
	}
	memcpy(base + i * width, v, strlen(v) + 1);
	(*count)++;
	return 0;
}

/* A role= attribute: one of the contract's roles. */
static int
role_attr(struct load *l, xmlNodePtr n, char *dst, size_t size)
{
	char	*v, q[XMLSAFE_QUOTESIZE], all[200];
	int	 rc = -1;

	if ((v = attr_of(n, "role")) == NULL) {
		fail(l, xmlGetLineNo(n), "element '%s': attribute 'role' is "
		    "required", (const char *)n->name);
		return -1;
	}
	if (lookup(roles, v) == -1) {
		xmlsafe_quote(q, sizeof(q), v);
		join(all, sizeof(all), roles);
		fail(l, xmlGetLineNo(n), "element '%s': role %s is not one "
		    "of %s", (const char *)n->name, q, all);
		goto fail;
	}
	rc = put(l, n, "role", dst, size, v);
fail:
	free(v);
	return rc;
}

/* Once-only elements of a rule: -1 with the error if seen before. */
static int
once(struct load *l, xmlNodePtr n, unsigned *seen, unsigned bit)
{
	if (*seen & bit) {
		fail(l, xmlGetLineNo(n), "element '%s' is given twice",
		    (const char *)n->name);
		return -1;
	}
	*seen |= bit;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The parts of a rule                                                 */

/* <title lang="ru|kk|en">: each language once. */
static int
rule_title(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	static const char *const langs[] = { "ru", "kk", "en", NULL };
	char	*lang, *text = NULL, *dst;
	int	 i, rc = -1;

	if ((lang = attr_of(n, "lang")) == NULL ||
	    (i = lookup(langs, lang)) == -1) {
		fail(l, xmlGetLineNo(n), "element 'title': attribute 'lang' "
		    "must be ru, kk or en");
		goto fail;
	}
	if (once(l, n, seen, SEEN_TITLE_RU << i) == -1)
		goto fail;
	text = text_of(n);
	if (*text == '\0') {
		fail(l, xmlGetLineNo(n), "element 'title': the %s title is "
		    "empty", lang);
		goto fail;
	}
	dst = i == 0 ? r->title_ru : i == 1 ? r->title_kk : r->title_en;
	rc = put(l, n, "the title", dst, sizeof(r->title_ru), text);
fail:
	free(lang);
	free(text);
	return rc;
}

/* One <category>, <facility>, <cell> or <submitter> of a trigger. */
static int
trigger_child(struct load *l, struct rule *r, xmlNodePtr c, unsigned *seen)
{
	const char	*name = (const char *)c->name;
	char		*v;
	int		 rc = -1;

	if (strcmp(name, "submitter") == 0) {
		if (once(l, c, seen, SEEN_SUBMITTER) == -1)
			return -1;
		return role_attr(l, c, r->submitter, sizeof(r->submitter));
	}
	v = text_of(c);
	if (strcmp(name, "category") == 0)
		rc = add_name(l, c, v, categories, &r->categories[0][0],
		    sizeof(r->categories[0]), RULE_MAXLIST, &r->ncategories);
	else if (strcmp(name, "facility") == 0)
		rc = add_name(l, c, v, facility_kinds, &r->facilities[0][0],
		    sizeof(r->facilities[0]), RULE_MAXLIST, &r->nfacilities);
	else if (strcmp(name, "cell") == 0)
		rc = add_name(l, c, v, cells, &r->cells[0][0],
		    sizeof(r->cells[0]), sizeof(r->cells) /
		    sizeof(r->cells[0]), &r->ncells);
	else
		fail(l, xmlGetLineNo(c), "element '%s' is not part of a "
		    "trigger", name);
	free(v);
	return rc;
}

/* <trigger kind=|period=>: what creates the duty, and which of them. */
static int
rule_trigger(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	xmlNodePtr	 c;
	char		*kind, *period, q[XMLSAFE_QUOTESIZE];
	int		 line = xmlGetLineNo(n), rc = -1, p;

	kind = attr_of(n, "kind");
	period = attr_of(n, "period");
	if (once(l, n, seen, SEEN_TRIGGER) == -1)
		goto fail;
	if ((kind == NULL) == (period == NULL)) {
		fail(l, line, "element 'trigger': give either kind= (a record "
		    "kind) or period= (month, quarter, halfyear or year), %s",
		    kind == NULL ? "one of them is required" : "not both");
		goto fail;
	}
	if (kind != NULL && (r->kind = record_kind_from_name(kind)) == -1) {
		xmlsafe_quote(q, sizeof(q), kind);
		fail(l, line, "element 'trigger': kind %s is not a record "
		    "kind (incident, placement, special-regime, npm-violation "
		    "or action)", q);
		goto fail;
	}
	if (period != NULL) {
		if ((p = lookup(period_names, period)) <= 0) {
			xmlsafe_quote(q, sizeof(q), period);
			fail(l, line, "element 'trigger': period %s is not "
			    "month, quarter, halfyear or year", q);
			goto fail;
		}
		r->period = (enum rule_period)p;
	}
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    trigger_child(l, r, c, seen) == -1)
			goto fail;
	rc = 0;
fail:
	free(kind);
	free(period);
	return rc;
}

/* <start event=>: the instant the clock starts from. */
static int
rule_start(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	char	*v, q[XMLSAFE_QUOTESIZE], all[200];
	int	 i, rc = -1;

	v = attr_of(n, "event");
	if (once(l, n, seen, SEEN_START) == -1)
		goto fail;
	if (v == NULL || (i = lookup(start_names, v)) == -1) {
		xmlsafe_quote(q, sizeof(q), v != NULL ? v : "");
		join(all, sizeof(all), start_names);
		fail(l, xmlGetLineNo(n), "element 'start': event %s is not "
		    "one of %s", q, all);
		goto fail;
	}
	r->start = (enum rule_start)i;
	rc = 0;
fail:
	free(v);
	return rc;
}

/* <term ...>: exactly one attribute says what kind of term and how long. */
static int
rule_term(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	static const int	max[] = { 0, 8784, 366, 31, 31 };
	char			*v;
	int			 i, found = -1, rc;

	if (once(l, n, seen, SEEN_TERM) == -1)
		return -1;
	for (i = 0; term_names[i] != NULL; i++) {
		if (xmlHasNsProp(n, BAD_CAST term_names[i], NULL) == NULL)
			continue;
		if (found != -1) {
			fail(l, xmlGetLineNo(n), "element 'term': give one of "
			    "hours, working-days, none, day-of-month or "
			    "day-of-next-month, not both %s and %s",
			    term_names[found], term_names[i]);
			return -1;
		}
		found = i;
	}
	if (found == -1) {
		fail(l, xmlGetLineNo(n), "element 'term': give one of hours, "
		    "working-days, none, day-of-month or day-of-next-month");
		return -1;
	}
	r->term = (enum rule_term)found;
	if (found == TERM_NONE) {
		v = attr_of(n, "none");
		rc = strcmp(v, "true") == 0 ? 0 : -1;
		if (rc == -1)
			fail(l, xmlGetLineNo(n), "element 'term': none= takes "
			    "only \"true\" (for a duty without a term)");
		free(v);
		return rc;
	}
	return number(l, n, term_names[found], 1, max[found], &r->amount) ==
	    0 ? 0 : -1;
}

/* <per>record|person</per>: one duty per record, or per person in it. */
static int
rule_per(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	char	*v, q[XMLSAFE_QUOTESIZE];
	int	 rc = -1;

	v = text_of(n);
	if (once(l, n, seen, SEEN_PER) == -1)
		goto fail;
	if (strcmp(v, "record") != 0 && strcmp(v, "person") != 0) {
		xmlsafe_quote(q, sizeof(q), v);
		fail(l, xmlGetLineNo(n), "element 'per': %s is not record or "
		    "person", q);
		goto fail;
	}
	r->per_person = strcmp(v, "person") == 0;
	rc = 0;
fail:
	free(v);
	return rc;
}

/* <actor role=>: who must act. */
static int
rule_actor(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	if (once(l, n, seen, SEEN_ACTOR) == -1)
		return -1;
	return role_attr(l, n, r->actor, sizeof(r->actor));
}

/* <notify role=>: one more role told of warnings and breaches. */
static int
rule_notify(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	char	*v;
	int	 rc;

	(void)seen;
	if ((v = attr_of(n, "role")) == NULL) {
		fail(l, xmlGetLineNo(n), "element 'notify': attribute 'role' "
		    "is required");
		return -1;
	}
	rc = add_name(l, n, v, roles, &r->notify[0][0], sizeof(r->notify[0]),
	    sizeof(r->notify) / sizeof(r->notify[0]), &r->nnotify);
	free(v);
	return rc;
}

/* <escalate role= after-minutes=>: who hears of an unacknowledged breach. */
static int
rule_escalate(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	if (once(l, n, seen, SEEN_ESCALATE) == -1 ||
	    role_attr(l, n, r->escalate, sizeof(r->escalate)) == -1)
		return -1;
	switch (number(l, n, "after-minutes", 0, 10080, &r->escalate_after)) {
	case 0:
		return 0;
	case 1:
		fail(l, xmlGetLineNo(n), "element 'escalate': attribute "
		    "'after-minutes' is required");
		break;
	}
	return -1;
}

/* <warn percent=|minutes-before=|days-before=>: one warning each. */
static int
rule_warn(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	static const char *const names[] = { "percent", "minutes-before",
	    "days-before", NULL };
	static const int	 max[] = { 99, 527040, 366 };
	int			*list[] = { r->warn_percent, r->warn_minutes,
				    r->warn_days };
	size_t			*count[] = { &r->nwarn_percent,
				    &r->nwarn_minutes, &r->nwarn_days };
	size_t			 i, j;
	int			 found = -1, v, line = xmlGetLineNo(n);

	(void)seen;
	for (i = 0; names[i] != NULL; i++) {
		if (xmlHasNsProp(n, BAD_CAST names[i], NULL) == NULL)
			continue;
		if (found != -1) {
			fail(l, line, "element 'warn': one attribute a "
			    "warning, percent, minutes-before or days-before");
			return -1;
		}
		found = (int)i;
	}
	if (found == -1) {
		fail(l, line, "element 'warn': give percent, minutes-before "
		    "or days-before");
		return -1;
	}
	if (number(l, n, names[found], 1, max[found], &v) != 0)
		return -1;
	for (j = 0; j < *count[found]; j++) {
		if (list[found][j] == v) {
			fail(l, line, "element 'warn': %s=\"%d\" is given "
			    "twice", names[found], v);
			return -1;
		}
	}
	if (*count[found] >= RULE_MAXWARN) {
		fail(l, line, "element 'warn': more than %d warnings of %s",
		    RULE_MAXWARN, names[found]);
		return -1;
	}
	list[found][(*count[found])++] = v;
	return 0;
}

/* <fulfil action=>: the action record that meets the duty, with an
 * <outcome/> it must carry and <requires part=> the record must hold. */
static int
rule_fulfil(struct load *l, struct rule *r, xmlNodePtr n, unsigned *seen)
{
	xmlNodePtr	 c;
	char		*v, q[XMLSAFE_QUOTESIZE];
	int		 rc = -1;

	v = attr_of(n, "action");
	if (once(l, n, seen, SEEN_FULFIL) == -1)
		goto fail;
	/* record.xsd lets an action name only these: a duty whose action
	 * no record can carry would be late forever. */
	if (v == NULL || lookup(rules_contract_ids, v) == -1) {
		xmlsafe_quote(q, sizeof(q), v != NULL ? v : "");
		fail(l, xmlGetLineNo(n), "element 'fulfil': action %s is not "
		    "a rule an action record can name (call-1h, "
		    "district-call-1h, report-3h, regime-1h, review-48h, "
		    "conclusion, torture-check, court-3wd, monthly-info, "
		    "quarterly-district, quarterly-region, halfyear, annual)",
		    q);
		goto fail;
	}
	memcpy(r->action, v, strlen(v) + 1);	/* listed ids fit */
	free(v);
	v = NULL;
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(c->name, BAD_CAST "outcome")) {
			if (once(l, c, seen, SEEN_OUTCOME) == -1)
				goto fail;
			r->needs_outcome = 1;
		} else if (xmlStrEqual(c->name, BAD_CAST "requires")) {
			free(v);
			if ((v = attr_of(c, "part")) == NULL)
				v = xstrdup("");
			if (add_name(l, c, v, rules_parts, &r->requires[0][0],
			    sizeof(r->requires[0]), RULE_MAXLIST,
			    &r->nrequires) == -1)
				goto fail;
		} else {
			fail(l, xmlGetLineNo(c), "element '%s' is not part of "
			    "fulfil", (const char *)c->name);
			goto fail;
		}
	}
	rc = 0;
fail:
	free(v);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Checks of a rule and of a set                                       */

/* Whatever the schema says: every rule names its trigger, clock, actor
 * and action, with a title in each language. */
static int
check_complete(struct load *l, int line, const struct rule *r,
    unsigned seen)
{
	static const struct {
		unsigned	 bit;
		const char	*what;
	} need[] = {
		{ SEEN_TITLE_RU, "a title in Russian (lang=\"ru\")" },
		{ SEEN_TITLE_KK, "a title in Kazakh (lang=\"kk\")" },
		{ SEEN_TITLE_EN, "a title in English (lang=\"en\")" },
		{ SEEN_TRIGGER, "a trigger" },
		{ SEEN_START, "a start event" },
		{ SEEN_TERM, "a term" },
		{ SEEN_ACTOR, "an actor" },
		{ SEEN_FULFIL, "a fulfil element" },
	};
	size_t	i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!(seen & need[i].bit)) {
			rule_fail(l, line, r, "%s is missing", need[i].what);
			return -1;
		}
	}
	return 0;
}

/* A term that fits the trigger: hours, working days or none run from a
 * record's instant; day N of a month only makes sense of a period. */
static int
check_term(struct load *l, int line, const struct rule *r)
{
	int	dated = r->term == TERM_DAY_OF_MONTH ||
		    r->term == TERM_DAY_OF_NEXT_MONTH;

	if (r->period == PERIOD_NONE && dated) {
		rule_fail(l, line, r, "term '%s' is for periodic rules "
		    "(trigger period=); a rule triggered by a record takes "
		    "hours, working-days or none", term_names[r->term]);
		return -1;
	}
	if (r->period != PERIOD_NONE && !dated) {
		rule_fail(l, line, r, "term '%s' is for rules triggered by a "
		    "record (trigger kind=); a periodic rule takes "
		    "day-of-month or day-of-next-month", term_names[r->term]);
		return -1;
	}
	return 0;
}

/* Names of the start events a trigger allows, for an error message. */
static void
starts_allowed(char *dst, size_t size, unsigned mask)
{
	size_t	i;

	*dst = '\0';
	for (i = 0; start_names[i] != NULL; i++) {
		if (!(mask & BIT(i)))
			continue;
		if (*dst != '\0')
			append(dst, size, " or ");
		append(dst, size, start_names[i]);
	}
}

/* A start event the triggering record (or period) actually carries. */
static int
check_start(struct load *l, int line, const struct rule *r)
{
	unsigned	mask;
	char		allowed[128];
	const char	*what;

	mask = r->period != PERIOD_NONE ? starts_of[PERIODIC] :
	    starts_of[r->kind];
	if (mask & BIT(r->start))
		return 0;
	if (mask == 0) {
		rule_fail(l, line, r, "a trigger of kind %s has no start "
		    "event: actions fulfil duties, they do not create them",
		    record_kind_name(r->kind));
		return -1;
	}
	what = r->period != PERIOD_NONE ? "a periodic trigger" :
	    record_kind_name(r->kind);
	starts_allowed(allowed, sizeof(allowed), mask);
	rule_fail(l, line, r, "start event '%s' does not fit %s%s: use %s",
	    start_names[r->start], r->period != PERIOD_NONE ? "" :
	    "a trigger of kind ", what, allowed);
	return -1;
}

/* Filters only a record of that kind can satisfy: a placement has no
 * category, an incident no cell, a period none of them. */
static int
check_filters(struct load *l, int line, const struct rule *r)
{
	const char	*bad = NULL;
	int		 k = r->kind;

	if (r->period != PERIOD_NONE && (r->ncategories || r->nfacilities ||
	    r->ncells || *r->submitter != '\0'))
		bad = "a periodic rule takes no category, facility, cell or "
		    "submitter";
	else if (r->ncategories && k != RK_INCIDENT)
		bad = "only incidents have categories";
	else if (r->ncells && k != RK_PLACEMENT)
		bad = "only placements have cells";
	else if (r->nfacilities && k == RK_ACTION)
		bad = "actions have no facility";
	else if (r->per_person && k != RK_INCIDENT && k != RK_PLACEMENT)
		bad = "per person needs a trigger of kind incident or "
		    "placement, the records that name persons";
	if (bad == NULL)
		return 0;
	rule_fail(l, line, r, "%s", bad);
	return -1;
}

/* Warnings and escalation count down to a due time: a duty without a
 * term has none. */
static int
check_warnings(struct load *l, int line, const struct rule *r)
{
	if (r->term != TERM_NONE)
		return 0;
	if (r->nwarn_percent || r->nwarn_minutes || r->nwarn_days) {
		rule_fail(l, line, r, "a rule without a term (none=\"true\") "
		    "cannot have warnings: nothing is ever due");
		return -1;
	}
	if (*r->escalate != '\0') {
		rule_fail(l, line, r, "a rule without a term (none=\"true\") "
		    "cannot escalate: it is never late");
		return -1;
	}
	return 0;
}

/* Whether two lists of names share one; an empty list means "any". */
static int
lists_meet(const char *a, size_t na, const char *b, size_t nb, size_t width)
{
	size_t	i, j;

	if (na == 0 || nb == 0)
		return 1;
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (strcmp(a + i * width, b + j * width) == 0)
				return 1;
	return 0;
}

/*
 * Whether one record could match both triggers.  A record has one
 * facility, one cell and one submitter, so lists of those that do not
 * meet exclude each other; it may carry several categories, so different
 * categories never do.
 */
static int
triggers_overlap(const struct rule *a, const struct rule *b)
{
	if (a->kind != b->kind || a->period != b->period)
		return 0;
	if (!lists_meet(&a->facilities[0][0], a->nfacilities,
	    &b->facilities[0][0], b->nfacilities, sizeof(a->facilities[0])) ||
	    !lists_meet(&a->cells[0][0], a->ncells, &b->cells[0][0], b->ncells,
	    sizeof(a->cells[0])))
		return 0;
	if (*a->submitter != '\0' && *b->submitter != '\0' &&
	    strcmp(a->submitter, b->submitter) != 0)
		return 0;
	return 1;
}

/* Rules sharing an id: told apart by item, never both for one record. */
static int
check_shared_ids(struct load *l, const struct ruleset *set, const int *lines)
{
	const struct rule	*a, *b;
	size_t			 i, j;

	for (j = 1; j < set->nrules; j++) {
		b = &set->rules[j];
		for (i = 0; i < j; i++) {
			a = &set->rules[i];
			if (strcmp(a->id, b->id) != 0)
				continue;
			if (strcmp(a->item, b->item) == 0) {
				rule_fail(l, lines[j], b, "defined twice (also "
				    "at line %d); rules sharing an id need "
				    "different items", lines[i]);
				return -1;
			}
			if (triggers_overlap(a, b)) {
				rule_fail(l, lines[j], b, "its trigger can "
				    "match the same record as rule '%s' (item "
				    "%s) at line %d; rules sharing an id need "
				    "facility kinds or cells that do not "
				    "intersect, or different submitters",
				    a->id, a->item, lines[i]);
				return -1;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* A rule, a set                                                       */

/* One <rule> element into r, checked on its own. */
static int
fill_rule(struct load *l, xmlNodePtr n, struct rule *r)
{
	xmlNodePtr	 c;
	char		*id, *item;
	unsigned	 seen = 0;
	size_t		 i;
	int		 line = xmlGetLineNo(n), rc = -1;

	r->kind = -1;
	id = attr_of(n, "id");
	item = attr_of(n, "item");
	if (id == NULL || !valid_id(id) || item == NULL || !valid_item(item)) {
		fail(l, line, "element 'rule': id= must be 1 to 31 of a-z, "
		    "0-9 and '-', and item= an item of the regulation such "
		    "as 25.8 or \"17, 4.4\"");
		goto fail;
	}
	memcpy(r->id, id, strlen(id) + 1);
	memcpy(r->item, item, strlen(item) + 1);
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			if (xmlStrEqual(c->name, BAD_CAST parts[i].element))
				break;
		if (i == sizeof(parts) / sizeof(parts[0])) {
			fail(l, xmlGetLineNo(c), "element '%s' is not part of "
			    "a rule", (const char *)c->name);
			goto fail;
		}
		if (parts[i].fn(l, r, c, &seen) == -1)
			goto fail;
	}
	if (check_complete(l, line, r, seen) == -1 ||
	    check_term(l, line, r) == -1 || check_start(l, line, r) == -1 ||
	    check_filters(l, line, r) == -1 ||
	    check_warnings(l, line, r) == -1)
		goto fail;
	rc = 0;
fail:
	free(id);
	free(item);
	return rc;
}

/* A date attribute of <ruleset> into a field of 11 bytes; 1 if absent. */
static int
set_date(struct load *l, xmlNodePtr n, const char *name, char *dst)
{
	char	*v, q[XMLSAFE_QUOTESIZE];
	int	 y, m, d, rc = -1;

	if ((v = attr_of(n, name)) == NULL)
		return 1;
	if (parse_date(v, &y, &m, &d) == -1) {
		xmlsafe_quote(q, sizeof(q), v);
		fail(l, xmlGetLineNo(n), "element 'ruleset', attribute '%s': "
		    "%s is not a date such as 2015-01-06", name, q);
		goto fail;
	}
	memcpy(dst, v, 11);
	rc = 0;
fail:
	free(v);
	return rc;
}

/* The attributes of <ruleset>: id, version, validity. */
static int
set_attributes(struct load *l, xmlNodePtr root, struct ruleset *set)
{
	char	*id, *version;
	int	 rc = -1, line = xmlGetLineNo(root);

	id = attr_of(root, "id");
	version = attr_of(root, "version");
	if (id == NULL || strlen(id) >= sizeof(set->id) ||
	    !made_of(id, LOWER, LOWER ".-") || version == NULL ||
	    strlen(version) >= sizeof(set->version) ||
	    !made_of(version, ALNUM, ALNUM ".-")) {
		fail(l, line, "element 'ruleset': id= must be 1 to 63 of a-z, "
		    "0-9, '.' and '-', and version= 1 to 15 letters, digits, "
		    "'.' or '-'");
		goto fail;
	}
	memcpy(set->id, id, strlen(id) + 1);
	memcpy(set->version, version, strlen(version) + 1);
	switch (set_date(l, root, "valid-from", set->valid_from)) {
	case 1:
		fail(l, line, "element 'ruleset': attribute 'valid-from' is "
		    "required");
		/* FALLTHROUGH */
	case -1:
		goto fail;
	}
	if (set_date(l, root, "valid-until", set->valid_until) == -1)
		goto fail;
	/* Dates of one form compare as strings. */
	if (*set->valid_until != '\0' &&
	    strcmp(set->valid_until, set->valid_from) <= 0) {
		fail(l, line, "rule set '%s': valid-until %s is not after "
		    "valid-from %s (valid-until is the first day the set no "
		    "longer applies)", set->id, set->valid_until,
		    set->valid_from);
		goto fail;
	}
	rc = 0;
fail:
	free(id);
	free(version);
	return rc;
}

/* Elements of a kind among n's children. */
static size_t
count_children(xmlNodePtr n, const char *name)
{
	size_t	c = 0;

	for (n = n->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, BAD_CAST name))
			c++;
	return c;
}

/* The <title> of a set: one line, not empty. */
static int
set_title(struct load *l, xmlNodePtr n, struct ruleset *set)
{
	char	*v;
	int	 rc;

	v = text_of(n);
	rc = put(l, n, "the title", set->title, sizeof(set->title), v);
	free(v);
	return rc;
}

/* A validated <ruleset> into set. */
static int
fill_set(struct load *l, xmlNodePtr root, struct ruleset *set)
{
	xmlNodePtr	 c;
	int		*lines = NULL, rc = -1;
	size_t		 n = count_children(root, "rule");

	if (set_attributes(l, root, set) == -1)
		return -1;
	if (n == 0 || n > MAXRULES) {
		fail(l, xmlGetLineNo(root), "rule set '%s': %s", set->id,
		    n == 0 ? "it has no rule" : "more than 256 rules");
		return -1;
	}
	set->rules = xcalloc(n, sizeof(*set->rules));
	lines = xcalloc(n, sizeof(*lines));
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(c->name, BAD_CAST "title") &&
		    *set->title == '\0') {
			if (set_title(l, c, set) == -1)
				goto fail;
		} else if (xmlStrEqual(c->name, BAD_CAST "rule")) {
			lines[set->nrules] = xmlGetLineNo(c);
			if (fill_rule(l, c, &set->rules[set->nrules++]) == -1)
				goto fail;
		} else {
			fail(l, xmlGetLineNo(c), "element '%s' is not part of "
			    "a rule set", (const char *)c->name);
			goto fail;
		}
	}
	if (*set->title == '\0') {
		fail(l, xmlGetLineNo(root), "rule set '%s' has no title",
		    set->id);
		goto fail;
	}
	rc = check_shared_ids(l, set, lines);
fail:
	free(lines);
	return rc;
}

/*
 * Bytes to a set.  Files of the directory that are not rule sets
 * (calendars) give 0 when "others" is set; a root named ruleset in another
 * namespace, or any root in this one, is meant as a rule set and checked
 * as one.  1 when loaded, -1 on error.
 */
static int
set_from_bytes(const struct rules_schema *rs, struct load *l,
    const char *buf, size_t len, int others, struct ruleset *out)
{
	struct xmlsafe_error	 x;
	xmlDocPtr		 doc;
	xmlNodePtr		 root;
	const xmlChar		*href;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	out->until_utc = INT64_MAX;
	if ((doc = parse_tree(l, buf, len)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	href = root->ns != NULL ? root->ns->href : NULL;
	if (href == NULL || !xmlStrEqual(href, BAD_CAST RULES_NS)) {
		if (xmlStrEqual(root->name, BAD_CAST "ruleset"))
			fail(l, xmlGetLineNo(root), "element 'ruleset' is not "
			    "in namespace " RULES_NS);
		else if (others)
			rc = 0;
		else
			fail(l, xmlGetLineNo(root), "the root element is not "
			    "a rule set: expected ruleset in namespace "
			    RULES_NS);
		goto fail;
	}
	if (xmlsafe_validate(rs->schema, doc, validity_error, l, &x) == -1) {
		xml_fault(l, &x);
		goto fail;
	}
	if (fill_set(l, root, out) == -1)
		goto fail;
	if (strlen(l->file) >= sizeof(out->file)) {
		fail(l, 0, "the file name is longer than %zu bytes",
		    sizeof(out->file) - 1);
		goto fail;
	}
	memcpy(out->file, l->file, strlen(l->file) + 1);
	crypto_hash_sha256(out->digest, (const unsigned char *)buf, len);
	rc = 1;
fail:
	if (rc != 1)
		ruleset_clear(out);
	xmlFreeDoc(doc);
	return rc;
}

/* One rule set from memory: the fuzzer's entry and rulebook_load's. */
int
ruleset_parse(const struct rules_schema *rs, const char *name,
    const char *buf, size_t len, struct ruleset *out, char **err)
{
	struct load	l = { name, NULL };

	if (rs == NULL)
		fatalx("%s: no schema", __func__);
	if (set_from_bytes(rs, &l, buf, len, 0, out) == 1)
		return 0;
	*err = l.err;
	return -1;
}

/* Free what a set holds and leave it empty. */
void
ruleset_clear(struct ruleset *set)
{
	if (set == NULL)
		return;
	free(set->rules);
	memset(set, 0, sizeof(*set));
	set->until_utc = INT64_MAX;
}

/* ------------------------------------------------------------------ */
/* A directory of sets                                                 */

/* A YYYY-MM-DD already checked by parse_date: its midnight in the
 * zone, UTC. */
static int64_t
date_utc(const struct tz *z, const char *s)
{
	int	y, m, d;

	if (parse_date(s, &y, &m, &d) == -1)
		fatalx("%s: %s passed the checks", __func__, s);
	return tz_local_to_utc(z, y, m, d, 0, 0, 0);
}

/* Two sets of one id, or two in force at once, make the book ambiguous. */
static int
check_sets(const struct rulebook *book, char **err)
{
	const struct ruleset	*a, *b;
	size_t			 i, j;

	for (j = 1; j < book->nsets; j++) {
		b = &book->sets[j];
		for (i = 0; i < j; i++) {
			a = &book->sets[i];
			if (strcmp(a->id, b->id) == 0) {
				*err = sentence("%s: rule set '%s' is also "
				    "defined in %s", b->file, b->id, a->file);
				return -1;
			}
			if (a->from_utc >= b->until_utc ||
			    b->from_utc >= a->until_utc)
				continue;
			*err = sentence("%s: rule set '%s' (from %s%s%s) "
			    "overlaps rule set '%s' of %s (from %s%s%s); set "
			    "valid-until of the earlier one to the valid-from "
			    "of the later", b->file, b->id, b->valid_from,
			    *b->valid_until ? " until " : ", open-ended",
			    b->valid_until, a->id, a->file, a->valid_from,
			    *a->valid_until ? " until " : ", open-ended",
			    a->valid_until);
			return -1;
		}
	}
	return 0;
}

/* qsort: file names in byte order, whatever the locale. */
static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.xml names of dir, sorted; hidden files (editors' leftovers) are
 * not read.  -1 with *err. */
static int
list_dir(const char *dir, char ***names, size_t *n, char **err)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 len, cap = 0;

	*names = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		*err = sentence("rules directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len <= 4 ||
		    strcmp(e->d_name + len - 4, ".xml") != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(*names, *n, sizeof(**names), cmp_name);
	return 0;
}

/* One file of the directory: 1 a set was added, 0 not a rule set. */
static int
load_file(const struct rules_schema *rs, const struct tz *z, const char *dir,
    const char *name, struct ruleset *out, char **err)
{
	struct load	 l = { name, NULL };
	char		*path, *buf = NULL;
	size_t		 len;
	int		 rc = -1;

	xasprintf(&path, "%s/%s", dir, name);
	if (read_file(&l, path, &buf, &len) == 0 &&
	    (rc = set_from_bytes(rs, &l, buf, len, 1, out)) == 1) {
		out->from_utc = date_utc(z, out->valid_from);
		out->until_utc = *out->valid_until == '\0' ? INT64_MAX :
		    date_utc(z, out->valid_until);
	}
	if (rc == -1)
		*err = l.err;
	else
		free(l.err);
	free(buf);
	free(path);
	return rc;
}

/* Every rule set of a directory, checked alone and against each other. */
struct rulebook *
rulebook_load(const char *dir, char **err)
{
	crypto_hash_sha256_state	 st;
	struct rulebook			*book = NULL;
	struct rules_schema		*rs = NULL;
	struct tz			*z = NULL;
	struct ruleset			*set;
	char				*path, **names = NULL;
	size_t				 n = 0, i;
	int				 rc;

	if ((z = tz_load(ZONE, err)) == NULL)
		return NULL;
	xasprintf(&path, "%s/%s", dir, SCHEMA_FILE);
	rs = rules_schema_load(path, err);
	free(path);
	if (rs == NULL || list_dir(dir, &names, &n, err) == -1)
		goto fail;
	book = xcalloc(1, sizeof(*book));
	book->sets = xcalloc(n > 0 ? n : 1, sizeof(*book->sets));
	crypto_hash_sha256_init(&st);
	for (i = 0; i < n; i++) {
		set = &book->sets[book->nsets];
		if ((rc = load_file(rs, z, dir, names[i], set, err)) == -1)
			goto fail;
		if (rc == 0)
			continue;
		book->nsets++;
		/* Name and digest of each file: a rename shows too. */
		crypto_hash_sha256_update(&st, (const unsigned char *)set->file,
		    strlen(set->file) + 1);
		crypto_hash_sha256_update(&st, set->digest,
		    sizeof(set->digest));
	}
	crypto_hash_sha256_final(&st, book->digest);
	if (book->nsets == 0) {
		*err = sentence("rules directory %s holds no rule set (a *.xml "
		    "file whose root is ruleset in namespace " RULES_NS ")",
		    dir);
		goto fail;
	}
	if (check_sets(book, err) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	rules_schema_free(rs);
	tz_free(z);
	return book;
fail:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	rules_schema_free(rs);
	tz_free(z);
	rulebook_free(book);
	return NULL;
}

/* Free a book and every set in it. */
void
rulebook_free(struct rulebook *book)
{
	size_t	i;

	if (book == NULL)
		return;
	for (i = 0; i < book->nsets; i++)
		ruleset_clear(&book->sets[i]);
	free(book->sets);
	free(book);
}

/* The set in force at t: from <= t < until (sets do not overlap). */
const struct ruleset *
rulebook_at(const struct rulebook *book, int64_t t)
{
	size_t	i;

	for (i = 0; book != NULL && i < book->nsets; i++)
		if (book->sets[i].from_utc <= t && t < book->sets[i].until_utc)
			return &book->sets[i];
	return NULL;
}
