/* test-rules.c - rule sets: the shipped order No. 7, the set in force, broken directories */

#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "record.h"
#include "rules.h"
#include "unit.h"

#define SHIPPED		"rules"
#define NS		"xmlns=\"urn:nadzor:rules:1\""

#define TITLES \
	"<title lang=\"ru\">Тестовое правило</title>" \
	"<title lang=\"kk\">Сынақ ережесі</title>" \
	"<title lang=\"en\">Test rule</title>"

/* What order No. 7 says of each rule (domain.md, the brief's list). */
struct want {
	const char	*id;
	const char	*item;
	int		 kind;		/* -1: periodic */
	enum rule_period period;
	const char	*categories;	/* comma-joined, "" for any */
	const char	*facilities;
	const char	*cells;
	const char	*submitter;
	enum rule_start	 start;
	enum rule_term	 term;
	int		 amount;
	int		 per_person;
	const char	*actor;
	const char	*notify;
	const char	*escalate;
	int		 escalate_after;
	const char	*warn_percent;	/* comma-joined numbers */
	const char	*warn_minutes;
	const char	*warn_days;
	const char	*action;
	int		 outcome;
	size_t		 nrequires;
};

static const struct want wants[] = {
	{ "call-1h", "23", RK_INCIDENT, PERIOD_NONE, "", "", "", "",
	    START_RECEIVED, TERM_HOURS, 1, 0, "region", "department", "head",
	    15, "50", "15", "", "call-1h", 0, 0 },
	{ "district-call-1h", "38", RK_INCIDENT, PERIOD_NONE, "", "", "",
	    "district", START_RECEIVED, TERM_HOURS, 1, 0, "district", "region",
	    "head", 15, "50", "15", "", "district-call-1h", 0, 0 },
	{ "report-3h", "17, 4.4", RK_INCIDENT, PERIOD_NONE, "", "", "", "",
	    START_RECEIVED, TERM_HOURS, 3, 0, "region", "department", "head",
	    15, "50", "15", "", "report-3h", 0, 11 },
	{ "regime-1h", "16.5", RK_SPECIAL_REGIME, PERIOD_NONE, "", "", "", "",
	    START_RECEIVED, TERM_HOURS, 1, 0, "region", "head", "head", 15,
	    "50", "15", "", "regime-1h", 0, 0 },
	{ "review-48h", "25.8", RK_PLACEMENT, PERIOD_NONE, "", "si-uis,si-knb",
	    "ok", "", START_PLACED, TERM_HOURS, 48, 0, "district",
	    "region,department", "head", 15, "50", "60", "", "review-48h", 1,
	    0 },
	{ "review-48h", "34", RK_PLACEMENT, PERIOD_NONE, "", "uis", "dizo,ok",
	    "", START_DECIDED, TERM_HOURS, 48, 0, "district",
	    "region,department", "head", 15, "50", "60", "", "review-48h", 1,
	    0 },
	{ "conclusion", "20, 32.2", RK_INCIDENT, PERIOD_NONE,
	    "special-means,physical-force", "", "", "", START_RECEIVED,
	    TERM_NONE, 0, 1, "district", "region", "", 0, "", "", "",
	    "conclusion", 1, 0 },
	{ "torture-check", "20, 44", RK_INCIDENT, PERIOD_NONE,
	    "torture,impermissible-measures", "", "", "", START_RECEIVED,
	    TERM_NONE, 0, 0, "district", "region,department", "", 0, "", "",
	    "", "torture-check", 1, 0 },
	{ "court-3wd", "32.3", RK_NPM_VIOLATION, PERIOD_NONE, "", "", "", "",
	    START_ESTABLISHED, TERM_WORKING_DAYS, 3, 0, "district", "region",
	    "head", 15, "", "", "1", "court-3wd", 0, 0 },
	{ "monthly-info", "65", -1, PERIOD_MONTH, "", "", "", "",
	    START_PERIOD_START, TERM_DAY_OF_MONTH, 30, 0, "region",
	    "department", "head", 15, "", "", "1", "monthly-info", 0, 0 },
	{ "quarterly-district", "66", -1, PERIOD_QUARTER, "", "", "", "",
	    START_PERIOD_END, TERM_DAY_OF_NEXT_MONTH, 1, 0, "district",
	    "region", "", 0, "", "", "1", "quarterly-district", 0, 0 },
	{ "quarterly-region", "66", -1, PERIOD_QUARTER, "", "", "", "",
	    START_PERIOD_END, TERM_DAY_OF_NEXT_MONTH, 5, 0, "region",
	    "department", "head", 15, "", "", "1", "quarterly-region", 0, 0 },
	{ "halfyear", "67", -1, PERIOD_HALFYEAR, "", "", "", "",
	    START_PERIOD_END, TERM_DAY_OF_NEXT_MONTH, 5, 0, "region",
	    "department", "", 0, "", "", "1", "halfyear", 0, 0 },
	{ "annual", "67", -1, PERIOD_YEAR, "", "", "", "",
	    START_PERIOD_END, TERM_DAY_OF_NEXT_MONTH, 5, 0, "region",
	    "department", "", 0, "", "", "1", "annual", 0, 0 },
};

/* Midnight of a date in Almaty before 2024 (UTC+6), as epoch seconds. */
static int64_t
almaty(int y, int m, int d)
{
	int64_t	days;

	y -= m <= 2;
	days = (int64_t)(y / 400) * 146097 + (y % 400) * 365 + (y % 400) / 4 -
	    (y % 400) / 100 + (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1 -
	    719468;
	return days * 86400 - 6 * 3600;
}

/* Names of width bytes each, comma-joined. */
static const char *
names(const char *base, size_t width, size_t n)
{
	static char	buf[512];
	size_t		i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(buf, ",");
		strcat(buf, base + i * width);
	}
	return buf;
}

/* Numbers comma-joined. */
static const char *
numbers(const int *v, size_t n)
{
	static char	buf[128];
	size_t		i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%d",
		    i > 0 ? "," : "", v[i]);
	return buf;
}

/* The rule of id and item in a set, or NULL. */
static const struct rule *
find(const struct ruleset *set, const char *id, const char *item)
{
	size_t	i;

	for (i = 0; i < set->nrules; i++)
		if (strcmp(set->rules[i].id, id) == 0 &&
		    (item == NULL || strcmp(set->rules[i].item, item) == 0))
			return &set->rules[i];
	return NULL;
}

/* One rule against what the order says. */
static void
check_rule(const struct ruleset *set, const struct want *w)
{
	const struct rule	*r;

	r = find(set, w->id, w->item);
	ok(r != NULL, "rule %s (item %s) is missing", w->id, w->item);
	if (r == NULL)
		return;
	ok(r->kind == w->kind, "%s %s: kind %d", w->id, w->item, r->kind);
	ok(r->period == w->period, "%s %s: period %d", w->id, w->item,
	    (int)r->period);
	ok(strcmp(names(&r->categories[0][0], sizeof(r->categories[0]),
	    r->ncategories), w->categories) == 0, "%s %s: categories %s",
	    w->id, w->item, names(&r->categories[0][0],
	    sizeof(r->categories[0]), r->ncategories));
	ok(strcmp(names(&r->facilities[0][0], sizeof(r->facilities[0]),
	    r->nfacilities), w->facilities) == 0, "%s %s: facilities",
	    w->id, w->item);
	ok(strcmp(names(&r->cells[0][0], sizeof(r->cells[0]), r->ncells),
	    w->cells) == 0, "%s %s: cells", w->id, w->item);
	ok(strcmp(r->submitter, w->submitter) == 0, "%s %s: submitter %s",
	    w->id, w->item, r->submitter);
	ok(r->start == w->start, "%s %s: start %d", w->id, w->item,
	    (int)r->start);
	ok(r->term == w->term && r->amount == w->amount, "%s %s: term %d %d",
	    w->id, w->item, (int)r->term, r->amount);
	ok(r->per_person == w->per_person, "%s %s: per", w->id, w->item);
	ok(strcmp(r->actor, w->actor) == 0, "%s %s: actor %s", w->id,
	    w->item, r->actor);
	ok(strcmp(names(&r->notify[0][0], sizeof(r->notify[0]), r->nnotify),
	    w->notify) == 0, "%s %s: notify %s", w->id, w->item,
	    names(&r->notify[0][0], sizeof(r->notify[0]), r->nnotify));
	ok(strcmp(r->escalate, w->escalate) == 0 &&
	    r->escalate_after == w->escalate_after, "%s %s: escalate %s %d",
	    w->id, w->item, r->escalate, r->escalate_after);
	ok(strcmp(numbers(r->warn_percent, r->nwarn_percent),
	    w->warn_percent) == 0, "%s %s: warn percent", w->id, w->item);
	ok(strcmp(numbers(r->warn_minutes, r->nwarn_minutes),
	    w->warn_minutes) == 0, "%s %s: warn minutes", w->id, w->item);
	ok(strcmp(numbers(r->warn_days, r->nwarn_days), w->warn_days) == 0,
	    "%s %s: warn days", w->id, w->item);
	ok(strcmp(r->action, w->action) == 0, "%s %s: action %s", w->id,
	    w->item, r->action);
	ok(r->needs_outcome == w->outcome, "%s %s: outcome", w->id, w->item);
	ok(r->nrequires == w->nrequires, "%s %s: %zu parts required", w->id,
	    w->item, r->nrequires);
	ok(*r->title_ru != '\0' && *r->title_kk != '\0' &&
	    *r->title_en != '\0', "%s %s: a title is empty", w->id, w->item);
}

/* A file's bytes, NUL-terminated; NULL if unreadable. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = n;
	return buf;
}

/* Write a file of dir. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL) {
		ok(0, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

/* A fresh directory holding a copy of the shipped schema. */
static char *
new_dir(void)
{
	static char	 dir[64];
	char		*xsd;

	snprintf(dir, sizeof(dir), "/tmp/nadzor-rules-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	if ((xsd = slurp(SHIPPED "/ruleset.xsd", NULL)) == NULL) {
		perror(SHIPPED "/ruleset.xsd");
		exit(1);
	}
	put_file(dir, "ruleset.xsd", xsd);
	free(xsd);
	return dir;
}

/* Remove a test directory and its files. */
static void
drop_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[512];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* A rule set document around some rules. */
static char *
set_xml(const char *id, const char *from, const char *until,
    const char *rules)
{
	char	*s;

	if (asprintf(&s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ruleset " NS " id=\"%s\" version=\"1\" valid-from=\"%s\"%s%s%s>\n"
	    "  <title>Тестовый набор</title>\n%s</ruleset>\n", id, from,
	    until ? " valid-until=\"" : "", until ? until : "",
	    until ? "\"" : "", rules) == -1)
		exit(1);
	return s;
}

/* One rule; the trigger, start, term and people given whole. */
static char *
rule_xml(const char *id, const char *item, const char *trigger,
    const char *start, const char *term, const char *middle,
    const char *action)
{
	char	*s;

	if (asprintf(&s, "  <rule id=\"%s\" item=\"%s\">\n    " TITLES "\n"
	    "    %s\n    <start event=\"%s\"/>\n    <term %s/>\n"
	    "    <actor role=\"region\"/>\n    %s\n"
	    "    <fulfil action=\"%s\"/>\n  </rule>\n", id, item, trigger,
	    start, term, middle, action) == -1)
		exit(1);
	return s;
}

/* The error of loading a directory of one file, which must fail. */
static void
expect_error(const char *name, const char *text, const char *reason,
    const char *what)
{
	struct rulebook	*book;
	char		*dir, *err = NULL;

	dir = new_dir();
	put_file(dir, name, text);
	book = rulebook_load(dir, &err);
	ok(book == NULL, "%s: loaded", what);
	ok(err != NULL && strstr(err, name) != NULL, "%s: error %s does not "
	    "name %s", what, err ? err : "(none)", name);
	ok(err != NULL && strstr(err, reason) != NULL, "%s: error '%s' "
	    "lacks '%s'", what, err ? err : "(none)", reason);
	rulebook_free(book);
	free(err);
	drop_dir(dir);
}

/* expect_error for a set of one rule. */
static void
expect_rule_error(const char *rule, const char *reason, const char *what)
{
	char	*set;

	set = set_xml("test", "2015-01-06", NULL, rule);
	expect_error("broken.xml", set, reason, what);
	free(set);
}

/* The shipped directory: order No. 7 whole. */
static void
test_shipped(void)
{
	struct rulebook		*book;
	const struct ruleset	*set;
	unsigned char		 digest[32], zero[32] = { 0 };
	char			*err = NULL, *buf;
	size_t			 i, len;

	book = rulebook_load(SHIPPED, &err);
	ok(book != NULL, "load %s: %s", SHIPPED, err ? err : "");
	if (book == NULL) {
		free(err);
		return;
	}
	ok(book->nsets == 1, "%zu sets", book->nsets);
	set = &book->sets[0];
	ok(strcmp(set->id, "order-7-2015") == 0, "id %s", set->id);
	ok(strcmp(set->version, "1") == 0, "version %s", set->version);
	ok(strcmp(set->file, "order-7-2015.xml") == 0, "file %s", set->file);
	ok(strcmp(set->valid_from, "2015-01-06") == 0, "from %s",
	    set->valid_from);
	ok(*set->valid_until == '\0', "until %s", set->valid_until);
	ok(set->from_utc == INT64_C(1420480800), "from_utc %lld",
	    (long long)set->from_utc);
	ok(set->until_utc == INT64_MAX, "until_utc");
	ok(strstr(set->title, "№ 7") != NULL, "title %s", set->title);
	ok(set->nrules == sizeof(wants) / sizeof(wants[0]), "%zu rules",
	    set->nrules);
	for (i = 0; rules_contract_ids[i] != NULL; i++)
		ok(find(set, rules_contract_ids[i], NULL) != NULL, "contract "
		    "id %s is not defined", rules_contract_ids[i]);
	ok(i == 13, "%zu contract ids", i);
	for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
		check_rule(set, &wants[i]);
	/* report-3h requires every part, in the order of rules_parts */
	for (i = 0; rules_parts[i] != NULL; i++)
		ok(strcmp(find(set, "report-3h", NULL)->requires[i],
		    rules_parts[i]) == 0, "report-3h part %zu", i);
	ok(i == 11, "%zu parts", i);

	buf = slurp(SHIPPED "/order-7-2015.xml", &len);
	ok(buf != NULL, "read the shipped file");
	if (buf != NULL) {
		crypto_hash_sha256(digest, (unsigned char *)buf, len);
		ok(memcmp(digest, set->digest, 32) == 0, "file digest");
	}
	free(buf);
	ok(memcmp(book->digest, zero, 32) != 0, "book digest");

	ok(rulebook_at(book, almaty(2014, 6, 1)) == NULL, "2014");
	ok(rulebook_at(book, almaty(2015, 1, 6) - 1) == NULL, "the second "
	    "before 2015-01-06");
	ok(rulebook_at(book, almaty(2015, 1, 6)) == set, "2015-01-06");
	ok(rulebook_at(book, almaty(2025, 3, 20) + 3600) == set, "2025");
	ok(rulebook_at(NULL, 0) == NULL, "no book");
	rulebook_free(book);
}

/* ruleset_parse on bytes, as the fuzzer calls it. */
static void
test_memory(void)
{
	struct rules_schema	*rs;
	struct ruleset		 set;
	char			*err = NULL, *buf;
	size_t			 len;
	int			 rc;

	rs = rules_schema_load(SHIPPED "/ruleset.xsd", &err);
	ok(rs != NULL, "schema: %s", err ? err : "");
	if (rs == NULL) {
		free(err);
		return;
	}
	buf = slurp(SHIPPED "/order-7-2015.xml", &len);
	rc = ruleset_parse(rs, "order-7-2015.xml", buf, len, &set, &err);
	ok(rc == 0, "parse: %s", rc == 0 ? "" : err);
	if (rc == 0) {
		ok(set.nrules == 14 && set.until_utc == INT64_MAX, "parsed");
		ruleset_clear(&set);
	} else
		free(err);
	free(buf);

	err = NULL;
	rc = ruleset_parse(rs, "cal.xml", "<calendar/>", 11, &set, &err);
	ok(rc == -1 && err != NULL && strstr(err, "cal.xml") != NULL &&
	    strstr(err, "not a rule set") != NULL, "calendar: %s",
	    err ? err : "");
	free(err);
	err = NULL;
	rc = ruleset_parse(rs, "empty.xml", "", 0, &set, &err);
	ok(rc == -1 && err != NULL && strstr(err, "empty") != NULL,
	    "empty: %s", err ? err : "");
	free(err);
	rules_schema_free(rs);
}

/* Each broken file says which file and why, and nothing loads. */
static void
test_broken(void)
{
	char	*r, *r2, *both, *set;

	expect_error("malformed.xml", "<ruleset " NS " id=\"x\"><title>x"
	    "</ruleset>", "not well-formed", "malformed XML");
	expect_error("doctype.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE "
	    "ruleset [<!ENTITY x \"y\">]>\n<ruleset " NS ">&x;</ruleset>",
	    "DOCTYPE", "DOCTYPE");
	expect_error("entity.xml", "<ruleset " NS ">&x;</ruleset>",
	    "entity reference", "undeclared entity");
	expect_error("latin1.xml", "<?xml version=\"1.0\" encoding=\"ISO-8859-1"
	    "\"?>\n<ruleset " NS "/>", "UTF-8", "other encoding");
	expect_error("empty.xml", "", "empty", "empty file");
	expect_error("nons.xml", "<ruleset id=\"x\"/>", "not in namespace",
	    "ruleset without namespace");

	r = rule_xml("call-1h", "23", "<trigger kind=\"incident\"/>",
	    "received", "hours=\"1\"", "<colour/>", "call-1h");
	expect_rule_error(r, "'colour': not expected here", "unknown element");
	free(r);
	r = rule_xml("call-1h", "23", "<trigger kind=\"incident\"/>",
	    "received", "hours=\"1\"", "<notify role=\"boss\"/>", "call-1h");
	expect_rule_error(r, "'boss' is not one of", "unknown role");
	free(r);
	r = rule_xml("call-1h", "23", "<trigger kind=\"incident\"/>",
	    "received", "day-of-month=\"30\"", "", "call-1h");
	expect_rule_error(r, "term 'day-of-month' is for periodic rules",
	    "day term on a record rule");
	free(r);
	r = rule_xml("monthly-info", "65", "<trigger period=\"month\"/>",
	    "period-start", "hours=\"3\"", "", "monthly-info");
	expect_rule_error(r, "term 'hours' is for rules triggered by a record",
	    "hours on a periodic rule");
	free(r);
	r = rule_xml("review-48h", "34", "<trigger kind=\"placement\"/>",
	    "received", "hours=\"48\"", "", "review-48h");
	expect_rule_error(r, "start event 'received' does not fit a trigger "
	    "of kind placement", "start event of another kind");
	free(r);
	r = rule_xml("call-1h", "23", "<trigger kind=\"action\"/>",
	    "received", "hours=\"1\"", "", "call-1h");
	expect_rule_error(r, "actions fulfil duties", "action trigger");
	free(r);
	r = rule_xml("court-3wd", "32.3", "<trigger kind=\"npm-violation\"/>",
	    "established", "working-days=\"3\" hours=\"1\"", "", "court-3wd");
	expect_rule_error(r, "not both", "two terms");
	free(r);
	r = rule_xml("call-1h", "23", "<trigger kind=\"incident\" "
	    "period=\"month\"/>", "received", "hours=\"1\"", "", "call-1h");
	expect_rule_error(r, "not both", "kind and period");
	free(r);
	r = rule_xml("conclusion", "20", "<trigger kind=\"incident\"/>",
	    "received", "none=\"true\"", "<warn percent=\"50\"/>",
	    "conclusion");
	expect_rule_error(r, "cannot have warnings", "warning without term");
	free(r);
	r = rule_xml("call-1h", "23", "<trigger kind=\"incident\"/>",
	    "received", "hours=\"1\"", "", "call-2h");
	expect_rule_error(r, "not a rule an action record can name",
	    "unknown action");
	free(r);
	r = rule_xml("call-1h", "23", "<trigger kind=\"placement\"><category>"
	    "torture</category></trigger>", "placed", "hours=\"1\"", "",
	    "call-1h");
	expect_rule_error(r, "only incidents have categories",
	    "category on a placement");
	free(r);

	/* Two review-48h whose triggers meet in uis/dizo. */
	r = rule_xml("review-48h", "25.8", "<trigger kind=\"placement\">"
	    "<facility>uis</facility><cell>dizo</cell></trigger>", "placed",
	    "hours=\"48\"", "", "review-48h");
	r2 = rule_xml("review-48h", "34", "<trigger kind=\"placement\">"
	    "<facility>uis</facility><facility>si-uis</facility></trigger>",
	    "decided", "hours=\"48\"", "", "review-48h");
	if (asprintf(&both, "%s%s", r, r2) == -1)
		exit(1);
	expect_rule_error(both, "can match the same record as rule "
	    "'review-48h' (item 25.8)", "overlapping triggers");
	free(r2);
	free(both);
	/* The same rule twice. */
	if (asprintf(&both, "%s%s", r, r) == -1)
		exit(1);
	expect_rule_error(both, "defined twice", "same id and item");
	free(both);
	free(r);

	r = rule_xml("call-1h", "23", "<trigger kind=\"incident\"/>",
	    "received", "hours=\"1\"", "", "call-1h");
	set = set_xml("test", "2018-01-01", "2017-09-23", r);
	free(r);
	expect_error("until.xml", set, "valid-until 2017-09-23 is not after "
	    "valid-from 2018-01-01", "valid-until before valid-from");
	free(set);
}

/* Directory-level failures: overlap, missing schema, nothing to load. */
static void
test_directory(void)
{
	struct rulebook	*book;
	char		*dir, *err = NULL, *r, *a, *b;

	r = rule_xml("call-1h", "23", "<trigger kind=\"incident\"/>",
	    "received", "hours=\"1\"", "", "call-1h");
	a = set_xml("first", "2015-01-06", NULL, r);
	b = set_xml("second", "2020-01-01", "2021-01-01", r);

	dir = new_dir();
	put_file(dir, "a.xml", a);
	put_file(dir, "b.xml", b);
	book = rulebook_load(dir, &err);
	ok(book == NULL && err != NULL && strstr(err, "b.xml") != NULL &&
	    strstr(err, "a.xml") != NULL && strstr(err, "overlaps") != NULL,
	    "overlapping sets: %s", err ? err : "(loaded)");
	rulebook_free(book);
	free(err);
	err = NULL;
	drop_dir(dir);

	dir = new_dir();
	put_file(dir, "a.xml", a);
	put_file(dir, "b.xml", a);
	book = rulebook_load(dir, &err);
	ok(book == NULL && err != NULL && strstr(err, "b.xml: rule set "
	    "'first' is also defined in a.xml") != NULL, "same id twice: %s",
	    err ? err : "(loaded)");
	rulebook_free(book);
	free(err);
	err = NULL;
	drop_dir(dir);

	/* A calendar beside a set is not a rule set: skipped. */
	dir = new_dir();
	put_file(dir, "a.xml", a);
	put_file(dir, "calendar-2025.xml", "<calendar xmlns=\"urn:nadzor:"
	    "calendar:1\" year=\"2025\"><off>2025-01-01</off></calendar>");
	put_file(dir, "notes.txt", "not xml at all <");
	book = rulebook_load(dir, &err);
	ok(book != NULL && book->nsets == 1, "calendar skipped: %s",
	    err ? err : "");
	rulebook_free(book);
	free(err);
	err = NULL;
	drop_dir(dir);

	dir = new_dir();
	book = rulebook_load(dir, &err);
	ok(book == NULL && err != NULL && strstr(err, "holds no rule set") !=
	    NULL, "empty directory: %s", err ? err : "(loaded)");
	free(err);
	err = NULL;
	put_file(dir, "ruleset.xsd", "<xs:schema xmlns:xs=\"http://www.w3.org"
	    "/2001/XMLSchema\"><xs:include schemaLocation=\"http://example."
	    "org/x.xsd\"/></xs:schema>");
	put_file(dir, "a.xml", a);
	book = rulebook_load(dir, &err);
	ok(book == NULL && err != NULL && strstr(err, "xs:include is refused")
	    != NULL, "schema with include: %s", err ? err : "(loaded)");
	free(err);
	err = NULL;
	drop_dir(dir);

	book = rulebook_load("/nonexistent/rules", &err);
	ok(book == NULL && err != NULL && strstr(err, "ruleset.xsd") != NULL,
	    "no schema: %s", err ? err : "(loaded)");
	free(err);
	free(r);
	free(a);
	free(b);
}

/* Order No. 7 closed and a successor from the next day: each side of the
 * boundary is judged by its own set. */
static void
test_successor(void)
{
	struct rulebook		*book;
	const struct ruleset	*old, *new;
	char			*dir, *err = NULL, *text, *at, *r, *next, *fixed;
	int64_t			 boundary = almaty(2017, 9, 23);
	const char		*from = "valid-from=\"2015-01-06\"";

	text = slurp(SHIPPED "/order-7-2015.xml", NULL);
	ok(text != NULL && (at = strstr(text, from)) != NULL, "shipped from");
	if (text == NULL || at == NULL)
		return;
	*at = '\0';
	if (asprintf(&fixed, "%s%s valid-until=\"2017-09-23\"%s", text, from,
	    at + strlen(from)) == -1)
		exit(1);
	r = rule_xml("call-1h", "23", "<trigger kind=\"incident\"/>",
	    "received", "hours=\"2\"", "", "call-1h");
	next = set_xml("order-104-2017", "2017-09-23", NULL, r);

	dir = new_dir();
	put_file(dir, "order-7-2015.xml", fixed);
	put_file(dir, "order-104-2017.xml", next);
	book = rulebook_load(dir, &err);
	ok(book != NULL && book->nsets == 2, "two sets: %s", err ? err : "");
	if (book != NULL) {
		/* sorted by name: order-104 before order-7 */
		ok(strcmp(book->sets[0].id, "order-104-2017") == 0,
		    "first file %s", book->sets[0].file);
		old = rulebook_at(book, boundary - 1);
		new = rulebook_at(book, boundary);
		ok(old != NULL && strcmp(old->id, "order-7-2015") == 0,
		    "before the boundary");
		ok(old != NULL && old->until_utc == boundary, "until_utc");
		ok(new != NULL && strcmp(new->id, "order-104-2017") == 0,
		    "at the boundary");
		ok(new != NULL && find(new, "call-1h", NULL)->amount == 2,
		    "the new term");
		ok(rulebook_at(book, almaty(2016, 1, 1)) == old, "2016");
		ok(rulebook_at(book, almaty(2023, 1, 1)) == new, "2023");
		ok(rulebook_at(book, almaty(2015, 1, 5)) == NULL, "2015-01-05");
	}
	rulebook_free(book);
	free(err);
	drop_dir(dir);
	free(text);
	free(fixed);
	free(r);
	free(next);
}

/* Validity dates are midnights in Asia/Almaty from the tz database:
 * UTC+6 until the clocks went back on 1 March 2024, UTC+5 since. */
static void
test_zone(void)
{
	struct rulebook	*book;
	char		*dir, *err = NULL, *r, *a, *b;

	r = rule_xml("call-1h", "23", "<trigger kind=\"incident\"/>",
	    "received", "hours=\"1\"", "", "call-1h");
	a = set_xml("before", "2024-02-01", "2024-03-01", r);
	b = set_xml("after", "2024-03-01", NULL, r);
	dir = new_dir();
	put_file(dir, "a.xml", a);
	put_file(dir, "b.xml", b);
	book = rulebook_load(dir, &err);
	ok(book != NULL && book->nsets == 2, "zone sets: %s", err ? err : "");
	if (book != NULL) {
		/* 2024-02-01T00:00+06:00 and 2024-03-01T00:00+05:00 */
		ok(book->sets[0].from_utc == INT64_C(1706724000), "from %lld",
		    (long long)book->sets[0].from_utc);
		ok(book->sets[0].until_utc == INT64_C(1709233200), "until %lld",
		    (long long)book->sets[0].until_utc);
		ok(book->sets[1].from_utc == INT64_C(1709233200), "from %lld",
		    (long long)book->sets[1].from_utc);
		ok(rulebook_at(book, INT64_C(1709233199)) == &book->sets[0],
		    "23:59:59 on 29 February");
		ok(rulebook_at(book, INT64_C(1709233200)) == &book->sets[1],
		    "midnight on 1 March");
	}
	rulebook_free(book);
	free(err);
	drop_dir(dir);
	free(r);
	free(a);
	free(b);
}

int
main(void)
{
	test_shipped();
	test_memory();
	test_broken();
	test_directory();
	test_successor();
	test_zone();
	return unit_done();
}
