/* test-record.c - records: every kind, the hostile inputs, canonical form, times, IINs */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "xmlsafe.h"
#include "unit.h"

#define NOW	INT64_C(1767225600)	/* 2026-01-01T00:00:00Z */
#define NS	"xmlns=\"urn:nadzor:record:1\""

/*
 * Realistic records.  IINs: 900504300127 (born 1990-05-04, male),
 * 851112401568 (1985-11-12, female) take the first weights;
 * 880215300100 needs the second set (first sum mod 11 is 10).
 */
#define INCIDENT_BODY \
	"  <ref>ALM-2025-0142</ref>\n" \
	"  <region>KZ-75</region>\n" \
	"  <office>Прокуратура Медеуского района г. Алматы</office>\n" \
	"  <facility kind=\"si-uis\" code=\"SI-75-18\">СИ-18, Алматы</facility>\n" \
	"  <category>self-harm</category>\n" \
	"  <category>group-disobedience</category>\n" \
	"  <occurred>2025-03-20T02:15:00+05:00</occurred>\n" \
	"  <received>2025-03-20T02:40:00+05:00</received>\n" \
	"  <place>камера 12, корпус 3</place>\n" \
	"  <circumstances>Во время ночного обхода двое осуждённых нанесли " \
	"себе порезы в знак протеста против перевода.</circumstances>\n" \
	"  <causes>несогласие с переводом в другое учреждение</causes>\n" \
	"  <aims>добиться отмены перевода</aims>\n" \
	"  <methods>порезы предплечий</methods>\n" \
	"  <instruments>лезвие бритвенного станка</instruments>\n" \
	"  <participants count=\"2\">\n" \
	"    <person role=\"organizer\">\n" \
	"      <name>Ахметов Ерлан Серикович</name>\n" \
	"      <iin>900504300127</iin>\n" \
	"      <status>accused</status>\n" \
	"      <articles>УК РК ст. 188 ч. 2</articles>\n" \
	"      <on-register>true</on-register>\n" \
	"      <born>1990-05-04</born>\n" \
	"      <sex>m</sex>\n" \
	"    </person>\n" \
	"    <person role=\"participant\">\n" \
	"      <name>Иванова Мария Петровна</name>\n" \
	"      <iin>851112401568</iin>\n" \
	"      <status>convict</status>\n" \
	"      <on-register>false</on-register>\n" \
	"      <sex>f</sex>\n" \
	"    </person>\n" \
	"  </participants>\n"

#define INCIDENT \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<incident " NS ">\n" INCIDENT_BODY "</incident>\n"

#define PLACEMENT_BODY \
	"  <ref>KRG-2025-DIZO-17</ref>\n" \
	"  <region>KZ-35</region>\n" \
	"  <facility kind=\"uis\" code=\"\">Учреждение ЕЦ-166/17</facility>\n" \
	"  <cell>dizo</cell>\n" \
	"  <person>\n" \
	"    <name>Жумабаев Нурлан Асканович</name>\n" \
	"    <iin>880215300100</iin>\n" \
	"    <status>convict</status>\n" \
	"  </person>\n" \
	"  <decided>2025-03-20T10:00:00+05:00</decided>\n" \
	"  <placed>2025-03-20T11:30:00+05:00</placed>\n" \
	"  <term-days>10</term-days>\n" \
	"  <grounds>нарушение распорядка дня, рапорт от 19.03.2025</grounds>\n"

#define PLACEMENT "<placement " NS ">\n" PLACEMENT_BODY "</placement>\n"

#define REGIME_BODY \
	"  <ref>PVL-2025-003</ref>\n" \
	"  <region>KZ-55</region>\n" \
	"  <office>Прокуратура Павлодарской области</office>\n" \
	"  <facility kind=\"uis\" code=\"AP-162/3\">Учреждение АП-162/3</facility>\n" \
	"  <received>2025-03-21T16:20:00+05:00</received>\n" \
	"  <measures>Введение режима особых условий на 10 суток: усиленный " \
	"надзор, ограничение передвижения.</measures>\n"

#define REGIME "<special-regime " NS ">\n" REGIME_BODY "</special-regime>\n"

#define NPM_BODY \
	"  <ref>SHY-NPM-2025-11</ref>\n" \
	"  <region>KZ-79</region>\n" \
	"  <established>2025-04-02T09:45:00+05:00</established>\n" \
	"  <description>Участникам НПМ отказано в доступе в ИВС " \
	"УП г. Шымкента.</description>\n"

#define NPM "<npm-violation " NS ">\n" NPM_BODY "</npm-violation>\n"

#define ACTION_BODY \
	"  <ref>AST-2024-A-0007</ref>\n" \
	"  <region>KZ-71</region>\n" \
	"  <done>2024-02-10T09:00:00+06:00</done>\n" \
	"  <by>Сейткали А.Б., прокурор отдела</by>\n" \
	"  <to>Департамент, зональный прокурор</to>\n" \
	"  <channel>phone</channel>\n" \
	"  <number>исх. 2-15-24/112</number>\n" \
	"  <outcome>unlawful</outcome>\n" \
	"  <measure kind=\"representation\" date=\"2024-02-12\">Представление " \
	"начальнику учреждения</measure>\n" \
	"  <measure kind=\"release\">Освобождён 1 человек</measure>\n"

#define ACTION \
	"<action " NS " record=\"AST-2024-0001\" rule=\"review-48h\">\n" \
	ACTION_BODY "</action>\n"

#define BATCH \
	"<?xml version=\"1.0\"?>\n<batch " NS ">\n" \
	"<incident>" INCIDENT_BODY "</incident>\n" \
	"<placement>" PLACEMENT_BODY "</placement>\n" \
	"<special-regime>" REGIME_BODY "</special-regime>\n" \
	"<npm-violation>" NPM_BODY "</npm-violation>\n" \
	"<action record=\"AST-2024-0001\" rule=\"review-48h\">" ACTION_BODY \
	"</action>\n</batch>\n"

static struct record_schema	*rs;

/* Copy text, replacing the first "from" with "to"; the caller frees. */
static char *
subst(const char *text, const char *from, const char *to)
{
	const char	*at = strstr(text, from);
	char		*s;
	size_t		 n;

	if (at == NULL) {
		fprintf(stderr, "subst: '%s' not found\n", from);
		abort();
	}
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
	return s;
}

/* record_parse with stderr captured: libxml2 must print nothing, ever. */
static int
parse_quiet(const char *buf, size_t len, int64_t now, struct record_set *set,
    struct record_error *err)
{
	FILE	*tmp = tmpfile();
	char	 out[4096];
	long	 n;
	int	 saved, rc;

	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	rc = record_parse(rs, buf, len, now, set, err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = (long)lseek(fileno(tmp), 0, SEEK_END);
	ok(n == 0, "record_parse wrote %ld bytes to stderr", n);
	if (n > 0) {
		rewind(tmp);
		n = (long)fread(out, 1, sizeof(out) - 1, tmp);
		out[n] = '\0';
		fprintf(stderr, "%s\n", out);
	}
	fclose(tmp);
	return rc;
}

/* A document that must be accepted; returns its set (caller frees). */
static int
accepted(const char *what, const char *xml, struct record_set *set)
{
	struct record_error	err;
	int			rc;

	rc = parse_quiet(xml, strlen(xml), NOW, set, &err);
	ok(rc == 0, "%s: refused: element '%s' line %d: %s", what,
	    err.element, err.line, err.reason);
	if (rc != 0)
		set->n = 0, set->v = NULL;
	return rc == 0;
}

/* A document that must be refused, naming element and a reason. */
static void
refused_len(const char *what, const char *xml, size_t len,
    const char *element, const char *reason)
{
	struct record_set	set = { (void *)&set, 42 };
	struct record_error	err;
	int			rc;

	memset(&err, 0, sizeof(err));
	rc = parse_quiet(xml, len, NOW, &set, &err);
	ok(rc == -1, "%s: accepted", what);
	if (rc == 0) {
		record_set_free(&set);
		return;
	}
	ok(set.v == (void *)&set && set.n == 42, "%s: out touched", what);
	if (element != NULL)
		ok(strcmp(err.element, element) == 0, "%s: element '%s', not "
		    "'%s' (%s)", what, err.element, element, err.reason);
	ok(strstr(err.reason, reason) != NULL, "%s: reason '%s' lacks '%s'",
	    what, err.reason, reason);
	ok(memchr(err.reason, '\n', strlen(err.reason)) == NULL,
	    "%s: reason has a newline", what);
	if (getenv("TEST_VERBOSE") != NULL)
		printf("%-28s [%s] %d: %s\n", what, err.element, err.line,
		    err.reason);
}

/* refused_len for a NUL-terminated document. */
static void
refused(const char *what, const char *xml, const char *element,
    const char *reason)
{
	refused_len(what, xml, strlen(xml), element, reason);
}

/* refused() for a document made by subst(), which it frees. */
static void
refused_subst(const char *what, char *xml, const char *element,
    const char *reason)
{
	refused(what, xml, element, reason);
	free(xml);
}

/* Null-safe string equality for checks. */
static int
eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The incident: every column of struct record. */
static void
test_incident(void)
{
	struct record_set	 set;
	struct record		*r;
	struct record_person	*p;

	if (!accepted("incident", INCIDENT, &set))
		return;
	ok(set.n == 1, "incident: %zu records", set.n);
	r = &set.v[0];
	ok(r->kind == RK_INCIDENT, "kind %d", r->kind);
	ok(eq(r->ref, "ALM-2025-0142"), "ref %s", r->ref);
	ok(eq(r->region, "KZ-75"), "region %s", r->region);
	ok(eq(r->office, "Прокуратура Медеуского района г. Алматы"),
	    "office %s", r->office);
	ok(eq(r->facility_kind, "si-uis"), "facility kind");
	ok(eq(r->facility_code, "SI-75-18"), "facility code");
	ok(eq(r->facility_name, "СИ-18, Алматы"), "facility name %s",
	    r->facility_name);
	ok(r->ncategories == 2 && eq(r->categories[0], "self-harm") &&
	    eq(r->categories[1], "group-disobedience"), "categories");
	ok(r->occurred == 1742418900, "occurred %lld", (long long)r->occurred);
	ok(r->received == 1742420400, "received %lld", (long long)r->received);
	ok(r->decided == RECORD_NOTIME && r->placed == RECORD_NOTIME &&
	    r->established == RECORD_NOTIME && r->done == RECORD_NOTIME,
	    "absent times");
	ok(r->utcoff == 5 * 3600, "utcoff %d", r->utcoff);
	ok(r->term_days == -1, "term_days %d", r->term_days);
	ok(r->participants == 2, "participants %d", r->participants);
	ok(r->npersons == 2, "npersons %zu", r->npersons);
	ok(r->cell == NULL && r->target == NULL && r->rule == NULL,
	    "fields of other kinds");
	if (r->npersons == 2) {
		p = &r->persons[0];
		ok(eq(p->role, "organizer"), "role");
		ok(eq(p->name, "Ахметов Ерлан Серикович"), "name %s", p->name);
		ok(eq(p->iin, "900504300127"), "iin");
		ok(eq(p->status, "accused"), "status");
		ok(eq(p->articles, "УК РК ст. 188 ч. 2"), "articles");
		ok(p->on_register == 1, "on_register %d", p->on_register);
		ok(eq(p->born, "1990-05-04"), "born");
		ok(eq(p->sex, "m"), "sex");
		p = &r->persons[1];
		ok(eq(p->name, "Иванова Мария Петровна"), "name 2");
		ok(p->on_register == 0 && p->born == NULL &&
		    p->articles == NULL && eq(p->sex, "f"), "person 2");
	}
	ok(r->xml != NULL && r->xmllen == strlen(r->xml), "xml length");
	ok(r->xml != NULL && strncmp(r->xml, "<incident " NS ">", 36) == 0,
	    "canonical start: %.60s", r->xml);
	ok(r->xml != NULL && strstr(r->xml, "\n") == NULL,
	    "no indentation in canonical form");
	ok(r->xml != NULL && strstr(r->xml, "<facility code=\"SI-75-18\" "
	    "kind=\"si-uis\">") != NULL, "attributes in canonical order");
	record_set_free(&set);
	ok(set.v == NULL && set.n == 0, "record_set_free empties");
}

/* A placement, with the IIN that needs the second weights. */
static void
test_placement(void)
{
	struct record_set	 set;
	struct record		*r;

	if (!accepted("placement", PLACEMENT, &set))
		return;
	r = &set.v[0];
	ok(r->kind == RK_PLACEMENT, "placement kind");
	ok(eq(r->ref, "KRG-2025-DIZO-17"), "ref %s", r->ref);
	ok(eq(r->cell, "dizo"), "cell");
	ok(r->facility_code == NULL, "empty code is NULL");
	ok(r->decided == 1742446800 && r->placed == 1742452200, "times");
	ok(r->term_days == 10, "term_days %d", r->term_days);
	ok(r->npersons == 1 && eq(r->persons[0].iin, "880215300100") &&
	    r->persons[0].on_register == -1 && r->persons[0].role == NULL,
	    "placed person");
	ok(r->participants == -1, "participants absent");
	record_set_free(&set);
}

/* A ref is ASCII: it goes into URLs and file names. */
static void
test_ref(void)
{
	refused_subst("cyrillic ref", subst(PLACEMENT, "KRG-2025-DIZO-17",
	    "KRG-2025-ДИЗО-17"), "ref", "element 'ref': 'KRG-2025-ДИЗО-17' "
	    "is not a reference");
}

/* special-regime, npm-violation (without facility), action. */
static void
test_other_kinds(void)
{
	struct record_set	 set;
	struct record		*r;

	if (accepted("special-regime", REGIME, &set)) {
		r = &set.v[0];
		ok(r->kind == RK_SPECIAL_REGIME, "regime kind");
		ok(r->received == 1742556000, "regime received");
		ok(eq(r->facility_code, "AP-162/3"), "regime facility");
		ok(r->npersons == 0 && r->ncategories == 0, "regime lists");
		record_set_free(&set);
	}
	if (accepted("npm-violation", NPM, &set)) {
		r = &set.v[0];
		ok(r->kind == RK_NPM_VIOLATION, "npm kind");
		ok(r->established == 1743569100, "npm established");
		ok(r->facility_kind == NULL && r->office == NULL, "npm optional");
		record_set_free(&set);
	}
	if (accepted("action", ACTION, &set)) {
		r = &set.v[0];
		ok(r->kind == RK_ACTION, "action kind");
		ok(eq(r->target, "AST-2024-0001"), "target");
		ok(eq(r->rule, "review-48h"), "rule");
		ok(eq(r->channel, "phone") && eq(r->outcome, "unlawful"),
		    "channel, outcome");
		ok(r->done == 1707534000, "done %lld", (long long)r->done);
		ok(r->utcoff == 6 * 3600, "utcoff before March 2024");
		ok(r->nmeasures == 2, "nmeasures %zu", r->nmeasures);
		if (r->nmeasures == 2) {
			ok(eq(r->measures[0].kind, "representation") &&
			    eq(r->measures[0].date, "2024-02-12"), "measure 1");
			ok(eq(r->measures[1].kind, "release") &&
			    r->measures[1].date == NULL, "measure 2");
		}
		record_set_free(&set);
	}
}

/* A batch canonicalises each record as if it were posted alone. */
static void
test_batch(void)
{
	const char		*alone[] = { INCIDENT, PLACEMENT, REGIME, NPM,
				    ACTION };
	struct record_set	 set, one;
	size_t			 i;

	if (!accepted("batch", BATCH, &set))
		return;
	ok(set.n == 5, "batch of %zu", set.n);
	for (i = 0; i < set.n && i < 5; i++) {
		ok(set.v[i].kind == (enum record_kind)i, "batch order");
		if (accepted(record_kind_name(i), alone[i], &one)) {
			ok(one.v[0].xmllen == set.v[i].xmllen &&
			    memcmp(one.v[0].xml, set.v[i].xml,
			    one.v[0].xmllen) == 0, "%s: canonical form "
			    "differs in a batch:\n%s\n%s", record_kind_name(i),
			    one.v[0].xml, set.v[i].xml);
			ok(memcmp(one.v[0].digest, set.v[i].digest,
			    RECORD_DIGEST_LEN) == 0, "%s: digest differs",
			    record_kind_name(i));
			record_set_free(&one);
		}
	}
	record_set_free(&set);
}

/* Duplicates in a batch: the same content is fine, another is not. */
static void
test_batch_duplicates(void)
{
	struct record_set	 set;
	char			*xml, *other;

	xml = strdup("<batch " NS "><npm-violation>" NPM_BODY
	    "</npm-violation><npm-violation>" NPM_BODY "</npm-violation>"
	    "</batch>");
	if (accepted("identical duplicate", xml, &set)) {
		ok(set.n == 2, "both kept");
		record_set_free(&set);
	}
	other = subst(xml, "отказано", "снова отказано");
	refused("conflicting duplicate", other, "npm-violation",
	    "batch holds ref 'SHY-NPM-2025-11' of region KZ-79 twice with "
	    "different content");
	free(other);
	/* The same ref in two regions is two records. */
	other = subst(xml, "KZ-79", "KZ-61");
	free(xml);
	xml = subst(other, "отказано", "снова отказано");
	if (accepted("same ref, two regions", xml, &set)) {
		ok(set.n == 2, "two regions");
		record_set_free(&set);
	}
	free(other);
	free(xml);
}

/* Batch bounds: empty, 1001 records, a batch in a batch. */
static void
test_batch_bounds(void)
{
	char	*big, *p;
	size_t	 i, n = strlen("<npm-violation>" NPM_BODY "</npm-violation>");

	refused("empty batch", "<batch " NS "/>", "batch", "missing");
	refused("nested batch", "<batch " NS "><batch/></batch>", "batch",
	    "not expected");
	big = malloc(64 + 1001 * n);
	p = big + sprintf(big, "<batch " NS ">");
	for (i = 0; i < 1001; i++)
		p += sprintf(p, "<npm-violation>" NPM_BODY "</npm-violation>");
	strcpy(p, "</batch>");
	refused("batch of 1001", big, "npm-violation", "a batch holds at most "
	    "1000 records");
	free(big);
}

/* The digest ignores attribute order, whitespace in tags and between
 * elements, comments; it sees a changed value. */
static void
test_digest(void)
{
	struct record_set	 a, b;
	char			*x, *y;

	if (!accepted("digest a", INCIDENT, &a))
		return;
	x = subst(INCIDENT, "<facility kind=\"si-uis\" code=\"SI-75-18\">",
	    "<facility\n\tcode='SI-75-18'   kind=\"si-uis\"\n>");
	y = subst(x, "  <category>self-harm</category>\n",
	    "<!-- первое --><category>self-harm</category><?pi x?>");
	free(x);
	x = subst(y, "<ref>ALM-2025-0142</ref>\n  <region>",
	    "<ref>ALM-2025-0142</ref><region>");
	free(y);
	if (accepted("digest b", x, &b)) {
		ok(memcmp(a.v[0].digest, b.v[0].digest, RECORD_DIGEST_LEN) == 0,
		    "digest changed with layout:\n%s\n%s", a.v[0].xml,
		    b.v[0].xml);
		record_set_free(&b);
	}
	free(x);
	x = subst(INCIDENT, "корпус 3", "корпус 4");
	if (accepted("digest c", x, &b)) {
		ok(memcmp(a.v[0].digest, b.v[0].digest, RECORD_DIGEST_LEN) != 0,
		    "digest blind to a changed value");
		record_set_free(&b);
	}
	free(x);
	/* CDATA and character references are the same text. */
	x = subst(INCIDENT, "камера 12", "<![CDATA[камера]]> &#x31;2");
	if (accepted("digest d", x, &b)) {
		ok(memcmp(a.v[0].digest, b.v[0].digest, RECORD_DIGEST_LEN) == 0,
		    "CDATA changed the digest");
		record_set_free(&b);
	}
	free(x);
	record_set_free(&a);
}

/* Predefined entities and character references are text, not entities. */
static void
test_predefined(void)
{
	struct record_set	 set;
	char			*x;

	x = subst(INCIDENT, "Ахметов Ерлан Серикович",
	    "O&apos;Брайен &amp; &lt;Сын&gt; &#x418;&#1081;");
	if (accepted("predefined entities", x, &set)) {
		ok(eq(set.v[0].persons[0].name, "O'Брайен & <Сын> Ий"),
		    "name %s", set.v[0].persons[0].name);
		record_set_free(&set);
	}
	free(x);
}

/* DTDs and entities in every form. */
static void
test_doctype(void)
{
	refused("billion laughs",
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    "]>\n"
	    "<incident " NS "><ref>&lol3;</ref></incident>\n",
	    "", "the document has a DOCTYPE; DTDs and entities are refused");
	refused("XXE file",
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE incident [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
	    "<incident " NS "><ref>&x;</ref></incident>\n",
	    "", "DOCTYPE");
	refused("XXE network",
	    "<!DOCTYPE incident [<!ENTITY x SYSTEM "
	    "\"http://127.0.0.1:9/evil\">]>\n"
	    "<incident " NS "><ref>&x;</ref></incident>\n",
	    "", "DOCTYPE");
	refused("parameter entity",
	    "<!DOCTYPE incident [<!ENTITY % p SYSTEM "
	    "\"http://127.0.0.1:9/evil.dtd\"> %p;]>\n"
	    "<incident " NS "/>\n", "", "DOCTYPE");
	refused("external DTD",
	    "<!DOCTYPE incident SYSTEM \"file:///etc/passwd\">\n"
	    "<incident " NS "/>\n", "", "DOCTYPE");
	refused("bare DOCTYPE", "<!DOCTYPE incident><incident " NS "/>", "",
	    "DOCTYPE");
	refused("entity in a field",
	    "<incident " NS "><ref>&foo;</ref></incident>", "ref",
	    "an entity reference at line 1");
	refused("entity in an attribute",
	    "<incident " NS "><ref>a</ref><region>KZ-75</region>"
	    "<facility kind=\"&foo;\"/></incident>", NULL, "entity");
}

/* Bytes that are not UTF-8, or not text. */
static void
test_encoding(void)
{
	static const char	 nul[] = "<incident " NS ">\n<ref>AB\0C</ref>"
				    "</incident>";
	char			*x;

	refused("ISO-8859-1 declared",
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
	    "<incident " NS "><ref>caf\xe9</ref></incident>", "",
	    "declares encoding 'ISO-8859-1': records are UTF-8 only");
	refused("encoding name not UTF-8", "<?xml version='1.0' "
	    "encoding='\xff\n\x01x'?><incident " NS "/>", "",
	    "declares encoding '???x'");
	refused("UTF-16 declared",
	    "<?xml version='1.0' encoding='UTF-16'?><incident " NS "/>", "",
	    "declares encoding 'UTF-16'");
	refused("windows-1251 bytes",
	    "<incident " NS ">\n<name>\xc8\xe2\xe0\xed\xee\xe2</name>"
	    "</incident>", "", "invalid UTF-8 at line 2");
	refused("overlong slash", "<incident " NS "><ref>\xc0\xaf</ref>"
	    "</incident>", "", "invalid UTF-8");
	refused("surrogate", "<incident " NS "><ref>\xed\xa0\x80</ref>"
	    "</incident>", "", "invalid UTF-8");
	refused("above U+10FFFF", "<incident " NS "><ref>\xf4\x90\x80\x80"
	    "</ref></incident>", "", "invalid UTF-8");
	refused("cut sequence", "<incident " NS "><ref>a</ref></incident>"
	    "\xd0", "", "invalid UTF-8");
	refused_len("UTF-16LE with BOM", "\xff\xfe<\0i\0", 6, "",
	    "invalid UTF-8 at line 1");
	refused_len("UTF-16 without BOM", "<\0i\0n\0", 6, "", "NUL byte");
	refused_len("NUL in a value", nul, sizeof(nul) - 1, "",
	    "a NUL byte at line 2");
	refused("control character", "<incident " NS "><ref>a\x01</ref>"
	    "</incident>", "ref", "a character XML does not allow");
	/* A UTF-8 BOM and a lower-case declaration are both UTF-8. */
	x = subst(NPM, "<npm-violation", "\xef\xbb\xbf<?xml version='1.0' "
	    "encoding='utf-8'?><npm-violation");
	{
		struct record_set	set;

		if (accepted("BOM and utf-8", x, &set))
			record_set_free(&set);
	}
	free(x);
}

/* Documents built to exhaust the parser. */
static void
test_hostile_shape(void)
{
	char	*x;
	size_t	 i, n;

	x = malloc(300 * 7 + 128);
	n = sprintf(x, "<incident " NS ">");
	for (i = 0; i < 300; i++)
		n += sprintf(x + n, "<a>");
	for (i = 0; i < 300; i++)
		n += sprintf(x + n, "</a>");
	sprintf(x + n, "</incident>");
	refused("300-deep nesting", x, "a", "nest deeper than 16 levels");
	free(x);

	x = malloc(60000 + 128);
	n = sprintf(x, "<incident " NS "><");
	memset(x + n, 'n', 60000);
	sprintf(x + n + 60000, "/></incident>");
	refused("60000-char name", x, "incident", "a name longer than");
	free(x);

	x = malloc(60000 + 128);
	n = sprintf(x, "<incident " NS " a");
	memset(x + n, 'n', 60000);
	sprintf(x + n + 60000, "=\"1\"></incident>");
	refused("60000-char attribute name", x, NULL, "name longer than");
	free(x);

	/* 11 MB of text in one node: over libxml2's 10 MB limit or over
	 * the schema's 20000 characters, either way refused by name. */
	n = 11 * 1000 * 1000;
	x = malloc(n + 4096);
	i = sprintf(x, "<incident " NS "><ref>a</ref><region>KZ-75</region>"
	    "<facility kind=\"uis\"/><category>escape</category>"
	    "<occurred>2025-03-20T02:15:00+05:00</occurred>"
	    "<received>2025-03-20T02:40:00+05:00</received><circumstances>");
	memset(x + i, 'x', n);
	sprintf(x + i + n, "</circumstances></incident>");
	refused("11 MB text node", x, "circumstances", "longer than");
	free(x);

	refused("empty", "", "", "the document is empty");
	refused("blank", " \n\t ", "", "empty");
	refused("truncated", "<incident " NS "><ref>x</ref>", "incident",
	    "not well-formed at line 1");
	refused("trailing garbage", "<npm-violation " NS "/><x/>", "",
	    "not well-formed");
	refused("mismatched tag", "<incident " NS "><ref>x</reff></incident>",
	    "ref", "not well-formed at line 1");
	refused("undeclared prefix", "<r:incident/>", NULL, "not well-formed");
}

/* What the schema refuses, in plain words. */
static void
test_schema(void)
{
	refused_subst("unknown element", subst(INCIDENT, "<place>",
	    "<weather>ясно</weather><place>"), "weather",
	    "element 'weather': not expected here; expected one of: place");
	refused_subst("wrong namespace", subst(INCIDENT,
	    "urn:nadzor:record:1", "urn:nadzor:record:2"), "incident",
	    "in 'urn:nadzor:record:2') is not a record");
	refused("no namespace", "<incident/>", "incident",
	    "(in no namespace) is not a record");
	refused("not a record", "<person " NS "/>", "person",
	    "is not a record");
	refused_subst("missing element", subst(INCIDENT,
	    "  <received>2025-03-20T02:40:00+05:00</received>\n", ""),
	    "place", "expected: received");
	refused_subst("bad facility kind", subst(INCIDENT, "kind=\"si-uis\"",
	    "kind=\"prison\""), "facility", "attribute 'kind': 'prison' is "
	    "not a facility kind");
	refused_subst("bad category", subst(INCIDENT, ">self-harm<",
	    ">self harm<"), "category", "'self harm' is not a category");
	refused_subst("bad region", subst(INCIDENT, "KZ-75", "kz-75"),
	    "region", "'kz-75' is not a region code");
	refused_subst("long ref", subst(INCIDENT, "ALM-2025-0142",
	    "A123456789012345678901234567890123456789012345678901234567890"
	    "12345"), "ref", "is not a reference");
	refused_subst("term over 15", subst(PLACEMENT, "<term-days>10",
	    "<term-days>16"), "term-days", "'16' is not a number of days");
	refused_subst("unknown attribute", subst(INCIDENT, "code=\"SI-75-18\"",
	    "code=\"SI-75-18\" secret=\"1\""), "facility",
	    "element 'facility': attribute 'secret' is not allowed");
	refused_subst("xsi:type", subst(INCIDENT, "<participants count=\"2\">",
	    "<participants count=\"2\" xmlns:xsi=\"http://www.w3.org/2001/"
	    "XMLSchema-instance\" xsi:type=\"participants\">"),
	    "participants", "xsi attributes are refused");
	refused_subst("relative namespace", subst(INCIDENT, "<place>",
	    "<place xmlns:x=\"relative\">"), "place",
	    "namespace names must be absolute");
	refused_subst("xml:lang", subst(INCIDENT, "<place>",
	    "<place xml:lang=\"ru\">"), "place", "element 'place': attribute "
	    "'xml:lang' is not allowed");
	refused_subst("IIN not digits (private)", subst(INCIDENT,
	    "900504300127", "90050430012X"), "iin", "the value is not an "
	    "IIN of 12 digits");
	refused_subst("text in element-only", subst(INCIDENT, "<place>",
	    "stray<place>"), "incident", "text is not allowed here");
}

/* Times: offsets, order, the future. */
static void
test_times(void)
{
	struct record_set	 set;
	char			*x;

	refused_subst("missing offset", subst(INCIDENT,
	    "2025-03-20T02:15:00+05:00", "2025-03-20T02:15:00"), "occurred",
	    "element 'occurred': '2025-03-20T02:15:00' is not a time with "
	    "an offset");
	refused_subst("Feb 29 2023", subst(INCIDENT,
	    "2025-03-20T02:15:00+05:00", "2023-02-29T02:15:00+05:00"),
	    "occurred", "is not a time with an offset");
	refused_subst("24:00", subst(INCIDENT, "2025-03-20T02:15:00+05:00",
	    "2025-03-19T24:00:00+05:00"), "occurred", "is not a time");
	refused_subst("lower-case t", subst(INCIDENT,
	    "2025-03-20T02:15:00+05:00", "2025-03-20t02:15:00+05:00"),
	    "occurred", "is not a time");
	refused_subst("received before occurred", subst(INCIDENT,
	    "<received>2025-03-20T02:40", "<received>2025-03-20T02:00"),
	    "received", "element 'received': 2025-03-20T02:00:00+05:00 is "
	    "before 'occurred' (2025-03-20T02:15:00+05:00)");
	/* The same instant written in another offset is not "before". */
	x = subst(INCIDENT, "<received>2025-03-20T02:40:00+05:00",
	    "<received>2025-03-19T21:40:00Z");
	if (accepted("received in UTC", x, &set)) {
		ok(set.v[0].utcoff == 5 * 3600, "utcoff of the first time");
		record_set_free(&set);
	}
	free(x);
	refused_subst("placed before decided", subst(PLACEMENT,
	    "<placed>2025-03-20T11:30", "<placed>2025-03-20T09:30"),
	    "placed", "is before 'decided'");
	refused_subst("future", subst(NPM, "2025-04-02T09:45:00+05:00",
	    "2026-01-01T05:05:01+05:00"), "established", "lies in the future");
	x = subst(NPM, "2025-04-02T09:45:00+05:00", "2026-01-01T05:05:00+05:00");
	if (accepted("within the skew", x, &set))
		record_set_free(&set);
	free(x);
}

/* Checks on persons the schema cannot make. */
static void
test_persons(void)
{
	struct record_error	err;
	char			*x;

	x = subst(INCIDENT, "900504300127", "900504300128");
	refused("wrong IIN check digit", x, "iin", "element 'iin': not a "
	    "valid IIN");
	memset(&err, 0, sizeof(err));
	{
		struct record_set	set;

		if (record_parse(rs, x, strlen(x), NOW, &set, &err) == 0)
			record_set_free(&set);
	}
	ok(strstr(err.reason, "900504300128") == NULL,
	    "the IIN is echoed: %s", err.reason);
	free(x);
	refused_subst("count below persons", subst(INCIDENT, "count=\"2\"",
	    "count=\"1\""), "participants", "count is 1 but 2 persons are "
	    "listed");
	refused_subst("category twice", subst(INCIDENT, "group-disobedience",
	    "self-harm"), "category", "'self-harm' is given twice");
	{
		struct record_set	set;

		/* With five or more, their data go in an attachment. */
		x = subst(INCIDENT, "count=\"2\"", "count=\"7\"");
		if (accepted("count above persons", x, &set)) {
			ok(set.v[0].participants == 7, "count 7");
			record_set_free(&set);
		}
		free(x);
	}
}

/* rfc3339_parse and rfc3339_format. */
static void
test_rfc3339(void)
{
	char	buf[32];
	int64_t	t;
	int	off;

	ok(rfc3339_parse("2025-03-20T02:15:00Z", &t, &off) == 0 &&
	    t == 1742436900 && off == 0, "Z");
	ok(rfc3339_parse("2025-03-20T02:15:00+05:00", &t, &off) == 0 &&
	    t == 1742418900 && off == 18000, "+05:00");
	ok(rfc3339_parse("2024-02-10T09:00:00+06:00", &t, &off) == 0 &&
	    t == 1707534000 && off == 21600, "+06:00");
	ok(rfc3339_parse("2025-03-20T02:15:00.123456789-03:30", &t, &off) ==
	    0 && t == 1742449500 && off == -12600, "fraction, negative offset");
	ok(rfc3339_parse("2023-02-29T00:00:00Z", &t, NULL) == -1,
	    "Feb 29 2023");
	ok(rfc3339_parse("2024-02-29T23:59:59Z", &t, NULL) == 0 &&
	    t == 1709251199, "Feb 29 2024");
	ok(rfc3339_parse("2100-02-29T00:00:00Z", &t, NULL) == -1, "2100");
	ok(rfc3339_parse("2000-02-29T00:00:00Z", &t, NULL) == 0, "2000");
	ok(rfc3339_parse("2025-04-31T00:00:00Z", &t, NULL) == -1, "Apr 31");
	ok(rfc3339_parse("2025-03-20T02:15:00", &t, NULL) == -1, "no offset");
	ok(rfc3339_parse("2025-03-20 02:15:00Z", &t, NULL) == -1, "space");
	ok(rfc3339_parse("2025-03-20t02:15:00z", &t, NULL) == -1, "lower");
	ok(rfc3339_parse("2025-03-20T24:00:00Z", &t, NULL) == -1, "24:00");
	ok(rfc3339_parse("2025-03-20T23:59:60Z", &t, NULL) == -1, "leap sec");
	ok(rfc3339_parse("2025-13-20T00:00:00Z", &t, NULL) == -1, "month 13");
	ok(rfc3339_parse("0000-01-01T00:00:00Z", &t, NULL) == -1, "year 0");
	ok(rfc3339_parse("2025-03-20T02:15:00+14:00", &t, NULL) == 0, "+14");
	ok(rfc3339_parse("2025-03-20T02:15:00+14:01", &t, NULL) == -1,
	    "+14:01");
	ok(rfc3339_parse("2025-03-20T02:15:00+05:60", &t, NULL) == -1,
	    "minute 60 of offset");
	ok(rfc3339_parse("2025-03-20T02:15:00+0500", &t, NULL) == -1,
	    "offset without colon");
	ok(rfc3339_parse("2025-03-20T02:15:00.Z", &t, NULL) == -1,
	    "empty fraction");
	ok(rfc3339_parse("2025-03-20T02:15:00.1234567890Z", &t, NULL) == -1,
	    "ten fraction digits");
	ok(rfc3339_parse("2025-03-20T02:15:00Z ", &t, NULL) == -1,
	    "trailing space");
	ok(rfc3339_parse("+2025-03-20T02:15:00Z", &t, NULL) == -1, "sign");
	ok(rfc3339_parse("", &t, NULL) == -1 && rfc3339_parse(NULL, &t,
	    NULL) == -1, "empty, NULL");
	ok(rfc3339_parse("0001-01-01T00:00:00Z", &t, NULL) == 0 &&
	    t == INT64_C(-62135596800), "year 1");
	ok(rfc3339_parse("9999-12-31T23:59:59Z", &t, NULL) == 0 &&
	    t == INT64_C(253402300799), "year 9999");
	ok(rfc3339_parse("1969-12-31T23:59:59Z", &t, NULL) == 0 && t == -1,
	    "before the epoch");

	rfc3339_format(1742418900, 18000, buf, sizeof(buf));
	ok(strcmp(buf, "2025-03-20T02:15:00+05:00") == 0, "format %s", buf);
	rfc3339_format(1707534000, 21600, buf, sizeof(buf));
	ok(strcmp(buf, "2024-02-10T09:00:00+06:00") == 0, "format %s", buf);
	rfc3339_format(0, 0, buf, sizeof(buf));
	ok(strcmp(buf, "1970-01-01T00:00:00Z") == 0, "format %s", buf);
	rfc3339_format(-1, 0, buf, sizeof(buf));
	ok(strcmp(buf, "1969-12-31T23:59:59Z") == 0, "format %s", buf);
	rfc3339_format(1742449500, -12600, buf, sizeof(buf));
	ok(strcmp(buf, "2025-03-20T02:15:00-03:30") == 0, "format %s", buf);
	rfc3339_format(1709251199, 0, buf, sizeof(buf));
	ok(strcmp(buf, "2024-02-29T23:59:59Z") == 0, "format %s", buf);
	rfc3339_format(RECORD_NOTIME, 18000, buf, sizeof(buf));
	ok(buf[0] == '\0', "format NOTIME gives ''");
	rfc3339_format(INT64_MAX, -18000, buf, sizeof(buf));
	ok(buf[0] == '\0', "format INT64_MAX gives ''");
	rfc3339_format(1742418900, 18000, buf, 11);
	ok(strcmp(buf, "2025-03-20") == 0, "format truncates: %s", buf);
	/* Round trip over a spread of instants and offsets. */
	{
		int64_t	u;
		int	o, bad = 0;

		for (t = -62135596800 + 50400; t < 253402300799 - 50400;
		    t += 86400 * 7 + 3599) {
			/* every half hour from -14:00 to +14:00 */
			o = (int)((t % 57 + 57) % 57 - 28) * 1800;
			rfc3339_format(t, o, buf, sizeof(buf));
			if (rfc3339_parse(buf, &u, &off) == -1 || u != t ||
			    off != o)
				bad++;
		}
		ok(bad == 0, "round trip failed %d times", bad);
	}
}

/* xmlsafe_utf8_len: RFC 3629 sequences, the one test of UTF-8 that record
 * checks and JSON answers share. */
static void
test_utf8_len(void)
{
	static const struct {
		const char	*s;
		size_t		 len;
		const char	*what;
	} c[] = {
		{ "a", 1, "ASCII" },
		{ "\xd0\x9a", 2, "Cyrillic К" },
		{ "\xd2\x9b", 2, "Kazakh қ" },
		{ "\xe2\x82\xb8", 3, "tenge sign" },
		{ "\xf0\x9f\x98\x80", 4, "U+1F600" },
		{ "\xf4\x8f\xbf\xbf", 4, "U+10FFFF" },
		{ "\xc0\xaf", 0, "overlong of 2" },
		{ "\xe0\x80\xaf", 0, "overlong of 3" },
		{ "\xf0\x80\x80\xaf", 0, "overlong of 4" },
		{ "\xed\xa0\x80", 0, "a surrogate" },
		{ "\xf4\x90\x80\x80", 0, "above U+10FFFF" },
		{ "\xf5\x80\x80\x80", 0, "lead byte f5" },
		{ "\x80", 0, "a lone continuation" },
		{ "\xe2\x82", 0, "cut short at the NUL" },
		{ "\xe2\x82" "a", 0, "not a continuation" },
	};
	size_t	i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++)
		ok(xmlsafe_utf8_len((const unsigned char *)c[i].s, 4) ==
		    c[i].len, "%s", c[i].what);
	ok(xmlsafe_utf8_len((const unsigned char *)"\xe2\x82\xb8", 2) == 0,
	    "cut short by avail");
}

/* iin_valid. */
static void
test_iin(void)
{
	char	buf[13];
	int	d, n;

	ok(iin_valid("900504300127"), "1990 male");
	ok(iin_valid("851112401568"), "1985 female");
	ok(iin_valid("880215300100"), "second weights");
	ok(!iin_valid("900504300128"), "wrong check digit");
	ok(!iin_valid("880215300101"), "second weights, wrong digit");
	/* Both sums 10: no IIN is issued with these eleven digits. */
	memcpy(buf, "880215300150", sizeof(buf));
	for (n = 0, d = 0; d <= 9; d++) {
		buf[11] = '0' + d;
		n += iin_valid(buf);
	}
	ok(n == 0, "both sums 10: %d accepted", n);
	ok(!iin_valid("901304300127"), "month 13");
	ok(!iin_valid("900500300127"), "day 00");
	ok(!iin_valid("900532300127"), "day 32");
	ok(!iin_valid("900504700127"), "century digit 7");
	ok(!iin_valid("90050430012"), "11 digits");
	ok(!iin_valid("9005043001270"), "13 digits");
	ok(!iin_valid("9005043001a7"), "letter");
	ok(!iin_valid(" 900504300127"), "space");
	ok(!iin_valid(""), "empty");
	ok(!iin_valid(NULL), "NULL");
	/* Century digit 0 (foreigners in some references) is allowed. */
	snprintf(buf, sizeof(buf), "%s", "90050400012");
	for (n = 0, d = 0; d <= 9; d++) {
		buf[11] = '0' + d;
		buf[12] = '\0';
		n += iin_valid(buf);
	}
	ok(n == 1, "exactly one check digit for century 0: %d", n);
}

/* The names of kinds both ways. */
static void
test_kinds(void)
{
	int	k;

	for (k = RK_INCIDENT; k <= RK_ACTION; k++)
		ok(record_kind_from_name(record_kind_name(k)) == k, "kind %d", k);
	ok(strcmp(record_kind_name(RK_NPM_VIOLATION), "npm-violation") == 0,
	    "npm-violation");
	ok(record_kind_from_name("batch") == -1, "batch is no kind");
	ok(record_kind_from_name("") == -1, "empty");
}

/* Inputs the fuzzer found or that once went wrong. */
static void
test_regressions(void)
{
	/* A reason cut at 512 bytes must not end inside a UTF-8 sequence. */
	char			*name, *x;
	struct record_error	 err;
	struct record_set	 set;
	size_t			 i, n;

	name = malloc(2 * 400 + 1);
	for (i = 0, n = 0; i < 400; i++, n += 2)
		memcpy(name + n, "я", 2);
	name[n] = '\0';
	x = malloc(n * 2 + 64);
	sprintf(x, "<%s " NS "/>", name);
	if (record_parse(rs, x, strlen(x), NOW, &set, &err) == 0)
		record_set_free(&set);
	else {
		n = strlen(err.element);
		ok(n < sizeof(err.element), "element fits");
		ok(n % 2 == 0, "element cut inside a character: %zu", n);
	}
	free(x);
	free(name);
}

int
main(void)
{
	char	*err = NULL;

	rs = record_schema_load(&err);
	ok(rs != NULL, "schema: %s", err ? err : "");
	if (rs == NULL)
		return unit_done();
	test_incident();
	test_placement();
	test_ref();
	test_other_kinds();
	test_batch();
	test_batch_duplicates();
	test_batch_bounds();
	test_digest();
	test_predefined();
	test_doctype();
	test_encoding();
	test_hostile_shape();
	test_schema();
	test_times();
	test_persons();
	test_rfc3339();
	test_utf8_len();
	test_iin();
	test_kinds();
	test_regressions();
	record_schema_free(rs);
	return unit_done();
}
