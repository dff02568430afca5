/* report.c - the Department's analyses: figures by aggregate queries, one XML document */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "log.h"
#include "report.h"
#include "store.h"
#include "tz.h"

/*
 * Every figure is a count (or minutes) from one GROUP BY query run twice,
 * for the period and for its АППГ; a query yields rows of (region or NULL,
 * figure id, value).  Ids are keys for label catalogues: no language text
 * is in the data.  The figures themselves are a few hundred at most (ids
 * times regions), so they are merged in memory; records never are.
 */

/* Time placeholders ?1 (from) and ?2 (to); $S is the region scope. */
#define INCIDENT(r) r ".kind = 'incident' AND " r ".occurred >= ?1 AND " \
	r ".occurred < ?2"
/* A record of any kind by its own event time (п. 65-67: incidents by
 * occurred, placements by decided, NPM violations by established, special
 * regimes by received): one index range each (record_kind_*), not an OR
 * the planner may answer with a scan. */
#define IN_PERIOD(t) t ".id IN (SELECT id FROM record WHERE kind =" \
	" 'incident' AND occurred >= ?1 AND occurred < ?2 UNION ALL SELECT id" \
	" FROM record WHERE kind = 'placement' AND decided >= ?1 AND decided" \
	" < ?2 UNION ALL SELECT id FROM record WHERE kind = 'npm-violation'" \
	" AND established >= ?1 AND established < ?2 UNION ALL SELECT id FROM" \
	" record WHERE kind = 'special-regime' AND received >= ?1 AND received" \
	" < ?2)"
/* Persons counted: those the incident is about, not staff or witnesses. */
#define COUNTED "(p.role IS NULL OR p.role NOT IN ('staff', 'witness'))"
/* Actions on a record (target) of the same region; CROSS JOIN keeps the
 * records of the period the outer loop, never every action ever sent. */
#define ACTIONS_ON(t) " CROSS JOIN record a ON a.kind = 'action' AND a.region = " \
	t ".region AND a.target = " t ".ref"
#define ALLEGATION(r) "EXISTS (SELECT 1 FROM record_category c WHERE " \
	"c.record = " r ".id AND c.category IN ('torture', " \
	"'impermissible-measures'))"
/* Whole years at the incident's local date, from born (YYYY-MM-DD). */
#define AGE "((CAST(strftime('%Y%m%d', r.occurred + r.utcoff, 'unixepoch')" \
	" AS INTEGER) - CAST(replace(p.born, '-', '') AS INTEGER)) / 10000)"
#define DUTIES "('call-1h', 'report-3h', 'review-48h')"
#define DELAY_FROM " FROM finding f JOIN record r ON r.id = f.record WHERE" \
	" f.kind = 'reporting-delay' AND f.seconds IS NOT NULL AND " \
	INCIDENT("r") " $S"

enum section {
	S_CATEGORIES, S_SELFHARM, S_ALLEGATIONS, S_CHECKS, S_MEASURES,
	S_REGION, S_FACILITY, S_STATUS, S_SEX, S_AGE, S_COMPLIANCE, S_DELAY,
	S_COUNT
};

struct section_def {
	const char		*id;
	const char *const	*ids;		/* figures shown even when 0 */
	const char *const	*rowids;	/* each region row's figures */
};

static const char *const ids_categories[] = { "incidents.total",
	"category.disaster", "category.group-disobedience", "category.self-harm",
	"category.hostage-taking", "category.pogrom", "category.mass-riot",
	"category.escape", "category.escape-attempt", "category.work-refusal",
	"category.hunger-strike", "category.torture",
	"category.impermissible-measures", "category.special-means",
	"category.physical-force", "category.weapon", "category.staff-offence",
	"category.violent-death", "category.suicide", NULL };
static const char *const ids_selfharm[] = { "self-harm.incidents",
	"self-harm.persons", NULL };
static const char *const ids_allegations[] = { "allegations.incidents",
	"allegations.erdr", NULL };
static const char *const ids_checks[] = { "review-48h.total",
	"review-48h.lawful", "review-48h.unlawful", "conclusion.lawful",
	"conclusion.unlawful", "persons.released", NULL };
static const char *const ids_measures[] = { "measure.representation",
	"measure.protest", "measure.release", "measure.disciplinary",
	"measure.erdr", "measure.court", "measure.warning", NULL };
static const char *const ids_region[] = { "incidents.total",
	"persons.total", NULL };
static const char *const ids_facility[] = { "facility.uis", "facility.si-uis",
	"facility.si-knb", "facility.ivs", "facility.spec",
	"facility.guardhouse", "facility.unknown", NULL };
static const char *const ids_status[] = { "status.convict", "status.accused",
	"status.suspect", "status.detained", "status.arrested", "status.unknown",
	NULL };
static const char *const ids_sex[] = { "sex.m", "sex.f", "sex.unknown", NULL };
static const char *const ids_age[] = { "age.under-18", "age.18-29",
	"age.30-49", "age.50-plus", "age.unknown", NULL };
static const char *const ids_compliance[] = {
	"compliance.call-1h.met", "compliance.call-1h.late",
	"compliance.call-1h.overdue", "compliance.call-1h.open",
	"compliance.call-1h.waived",
	"compliance.report-3h.met", "compliance.report-3h.late",
	"compliance.report-3h.overdue", "compliance.report-3h.open",
	"compliance.report-3h.waived",
	"compliance.review-48h.met", "compliance.review-48h.late",
	"compliance.review-48h.overdue", "compliance.review-48h.open",
	"compliance.review-48h.waived", NULL };
static const char *const ids_delay[] = { "delay.count", "delay.median-min",
	"delay.max-min", NULL };

static const struct section_def sections[S_COUNT] = {
	{ "categories", ids_categories, NULL },
	{ "self-harm", ids_selfharm, NULL },
	{ "allegations", ids_allegations, NULL },
	{ "checks", ids_checks, NULL },
	{ "measures", ids_measures, NULL },
	{ "by-region", NULL, ids_region },
	{ "by-facility", ids_facility, NULL },
	{ "by-status", ids_status, NULL },
	{ "by-sex", ids_sex, NULL },
	{ "by-age", ids_age, NULL },
	{ "compliance", ids_compliance, ids_compliance },
	{ "reporting-delay", ids_delay, ids_delay },
};

struct query {
	enum section	 section;
	const char	*sql;
};

static const struct query queries[] = {
	{ S_CATEGORIES, "SELECT NULL, 'incidents.total', count(*) FROM record r"
	    " WHERE " INCIDENT("r") " $S" },
	{ S_CATEGORIES, "SELECT NULL, 'category.' || c.category, count(*)"
	    " FROM record r JOIN record_category c ON c.record = r.id"
	    " WHERE " INCIDENT("r") " $S GROUP BY c.category" },
	{ S_SELFHARM, "SELECT NULL, 'self-harm.incidents', count(*) FROM record r"
	    " JOIN record_category c ON c.record = r.id AND c.category ="
	    " 'self-harm' WHERE " INCIDENT("r") " $S" },
	{ S_SELFHARM, "SELECT NULL, 'self-harm.persons', count(*) FROM record r"
	    " JOIN record_category c ON c.record = r.id AND c.category ="
	    " 'self-harm' JOIN person p ON p.record = r.id WHERE " INCIDENT("r")
	    " AND " COUNTED " $S" },
	{ S_ALLEGATIONS, "SELECT NULL, 'allegations.incidents', count(*) FROM"
	    " record r WHERE " INCIDENT("r") " AND " ALLEGATION("r") " $S" },
	{ S_ALLEGATIONS, "SELECT NULL, 'allegations.erdr', count(*) FROM record r"
	    ACTIONS_ON("r") " JOIN measure m ON m.record = a.id AND m.kind ="
	    " 'erdr' WHERE " INCIDENT("r") " AND " ALLEGATION("r") " $S" },
	{ S_CHECKS, "SELECT NULL, 'review-48h.total', count(*) FROM record r"
	    ACTIONS_ON("r") " AND a.rule = 'review-48h' WHERE " IN_PERIOD("r")
	    " $S" },
	{ S_CHECKS, "SELECT NULL, a.rule || '.' || a.outcome, count(*) FROM"
	    " record r" ACTIONS_ON("r") " AND a.rule IN ('review-48h',"
	    " 'conclusion') AND a.outcome IN ('lawful', 'unlawful') WHERE "
	    IN_PERIOD("r") " $S GROUP BY a.rule, a.outcome" },
	{ S_CHECKS, "SELECT NULL, 'persons.released', count(*) FROM record r"
	    ACTIONS_ON("r") " JOIN measure m ON m.record = a.id AND m.kind ="
	    " 'release' WHERE " IN_PERIOD("r") " $S" },
	{ S_MEASURES, "SELECT NULL, 'measure.' || m.kind, count(*) FROM record r"
	    ACTIONS_ON("r") " JOIN measure m ON m.record = a.id WHERE "
	    IN_PERIOD("r") " $S GROUP BY m.kind" },
	{ S_REGION, "SELECT r.region, 'incidents.total', count(*) FROM record r"
	    " WHERE " INCIDENT("r") " $S GROUP BY r.region" },
	{ S_REGION, "SELECT r.region, 'persons.total', count(*) FROM record r"
	    " JOIN person p ON p.record = r.id WHERE " INCIDENT("r") " AND "
	    COUNTED " $S GROUP BY r.region" },
	{ S_FACILITY, "SELECT NULL, 'facility.' || coalesce(r.facility_kind,"
	    " 'unknown'), count(*) FROM record r WHERE " INCIDENT("r") " $S"
	    " GROUP BY 2" },
	{ S_STATUS, "SELECT NULL, 'status.' || coalesce(p.status, 'unknown'),"
	    " count(*) FROM record r JOIN person p ON p.record = r.id WHERE "
	    INCIDENT("r") " AND " COUNTED " $S GROUP BY 2" },
	{ S_SEX, "SELECT NULL, 'sex.' || coalesce(p.sex, 'unknown'), count(*)"
	    " FROM record r JOIN person p ON p.record = r.id WHERE "
	    INCIDENT("r") " AND " COUNTED " $S GROUP BY 2" },
	{ S_AGE, "SELECT NULL, CASE WHEN p.born IS NULL THEN 'age.unknown'"
	    " WHEN " AGE " < 18 THEN 'age.under-18' WHEN " AGE " < 30 THEN"
	    " 'age.18-29' WHEN " AGE " < 50 THEN 'age.30-49' ELSE 'age.50-plus'"
	    " END, count(*) FROM record r JOIN person p ON p.record = r.id"
	    " WHERE " INCIDENT("r") " AND " COUNTED " $S GROUP BY 2" },
	{ S_COMPLIANCE, "SELECT NULL, 'compliance.' || o.rule || '.' || o.state,"
	    " count(*) FROM record r JOIN obligation o ON o.record = r.id WHERE "
	    IN_PERIOD("r") " AND o.rule IN " DUTIES " $S GROUP BY o.rule,"
	    " o.state" },
	{ S_COMPLIANCE, "SELECT r.region, 'compliance.' || o.rule || '.' ||"
	    " o.state, count(*) FROM record r JOIN obligation o ON o.record ="
	    " r.id WHERE " IN_PERIOD("r") " AND o.rule IN " DUTIES " $S"
	    " GROUP BY r.region, o.rule, o.state" },
	{ S_DELAY, "SELECT NULL, 'delay.count', count(*)" DELAY_FROM },
	{ S_DELAY, "SELECT NULL, 'delay.max-min', max(f.seconds) / 60.0"
	    DELAY_FROM " HAVING count(*) > 0" },
	{ S_DELAY, "SELECT r.region, 'delay.count', count(*)" DELAY_FROM
	    " GROUP BY r.region" },
	{ S_DELAY, "SELECT r.region, 'delay.max-min', max(f.seconds) / 60.0"
	    DELAY_FROM " GROUP BY r.region" },
	/* The median: the middle row, or the mean of the two middle rows. */
	{ S_DELAY, "SELECT NULL, 'delay.median-min', avg(s) / 60.0 FROM"
	    " (SELECT f.seconds s, row_number() OVER (ORDER BY f.seconds) rn,"
	    " count(*) OVER () n" DELAY_FROM ") WHERE rn IN ((n + 1) / 2,"
	    " (n + 2) / 2) HAVING count(*) > 0" },
	{ S_DELAY, "SELECT reg, 'delay.median-min', avg(s) / 60.0 FROM"
	    " (SELECT r.region reg, f.seconds s, row_number() OVER (PARTITION BY"
	    " r.region ORDER BY f.seconds) rn, count(*) OVER (PARTITION BY"
	    " r.region) n" DELAY_FROM ") WHERE rn IN ((n + 1) / 2, (n + 2) / 2)"
	    " GROUP BY reg" },
};

struct figure {
	enum section	 section;
	char		 region[16];	/* "" outside a region row */
	char		 id[64];
	double		 v[2];		/* this period, АППГ */
};

struct figures {
	struct figure	*f;
	size_t		 n, cap;
};

/* The figure (section, region, id), added as 0/0 when new. */
static struct figure *
fig_get(struct figures *fs, enum section s, const char *region,
    const char *id)
{
	struct figure	*f;
	size_t		 i;

	for (i = 0; i < fs->n; i++)
		if (fs->f[i].section == s && strcmp(fs->f[i].region, region) == 0 &&
		    strcmp(fs->f[i].id, id) == 0)
			return &fs->f[i];
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 256;
		fs->f = xrealloc(fs->f, fs->cap * sizeof *fs->f);
	}
	f = &fs->f[fs->n++];
	memset(f, 0, sizeof *f);
	f->section = s;
	snprintf(f->region, sizeof f->region, "%s", region);
	snprintf(f->id, sizeof f->id, "%s", id);
	return f;
}

/* A region row: all of its figures, so a row never lacks a column. */
static struct figure *
fig_row(struct figures *fs, enum section s, const char *region,
    const char *id)
{
	const char *const	*r = sections[s].rowids;

	if (region[0] != '\0' && r != NULL)
		for (; *r != NULL; r++)
			fig_get(fs, s, region, *r);
	return fig_get(fs, s, region, id);
}

/* The query's SQL with the scope in place of $S. */
static char *
query_sql(const char *tpl, const struct report_scope *sc)
{
	struct evbuffer	*b = evbuffer_new();
	const char	*p;
	char		*sql;
	size_t		 i, len;

	while ((p = strstr(tpl, "$S")) != NULL) {
		evbuffer_add(b, tpl, (size_t)(p - tpl));
		/* '+' keeps the planner on the period's index: a region's
		 * whole history is larger than one period of it. */
		if (sc->nregions > 0) {
			evbuffer_add_printf(b, "AND +r.region IN (");
			for (i = 0; i < sc->nregions; i++)
				evbuffer_add_printf(b, "%s?", i ? ", " : "");
			evbuffer_add_printf(b, ")");
		}
		tpl = p + 2;
	}
	evbuffer_add(b, tpl, strlen(tpl) + 1);
	len = evbuffer_get_length(b);
	sql = xmalloc(len);
	evbuffer_remove(b, sql, len);
	evbuffer_free(b);
	return sql;
}

/* Run one query for one period (which = 0 now, 1 АППГ). */
static int
query_run(sqlite3 *db, const struct query *q, const struct report_scope *sc,
    int64_t from, int64_t to, int which, struct figures *fs)
{
	sqlite3_stmt	*s;
	const char	*region, *id;
	char		*sql = query_sql(q->sql, sc);
	size_t		 i;
	int		 rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	for (i = 0; i < sc->nregions; i++)
		sqlite3_bind_text(s, 3 + (int)i, sc->regions[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		region = (const char *)sqlite3_column_text(s, 0);
		if ((id = (const char *)sqlite3_column_text(s, 1)) == NULL)
			continue;
		fig_row(fs, q->section, region ? region : "", id)->v[which] =
		    sqlite3_column_double(s, 2);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Every figure of both periods, in one read transaction so the two agree. */
static int
report_compute(struct store *st, const struct report_period *p,
    const struct report_scope *sc, struct figures *fs)
{
	sqlite3		*db = store_db(st);
	const char *const *id;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < S_COUNT; i++)
		for (id = sections[i].ids; id != NULL && *id != NULL; id++)
			fig_get(fs, (enum section)i, "", *id);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; rc == 0 && i < sizeof queries / sizeof queries[0]; i++)
		if (query_run(db, &queries[i], sc, p->from, p->to, 0, fs) == -1 ||
		    query_run(db, &queries[i], sc, p->prev_from, p->prev_to, 1,
		    fs) == -1)
			rc = -1;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* A value: whole numbers as such, minutes to one decimal. */
static void
put_value(struct evbuffer *b, const char *attr, double v)
{
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		evbuffer_add_printf(b, " %s=\"%.0f\"", attr, v);
	else
		evbuffer_add_printf(b, " %s=\"%.1f\"", attr, v);
}

/* Text for an attribute: ids and regions come from checked enumerations,
 * but nothing reaches the document unescaped. */
static void
put_attr(struct evbuffer *b, const char *attr, const char *v)
{
	evbuffer_add_printf(b, " %s=\"", attr);
	for (; *v != '\0'; v++) {
		switch (*v) {
		case '&': evbuffer_add_printf(b, "&amp;"); break;
		case '<': evbuffer_add_printf(b, "&lt;"); break;
		case '"': evbuffer_add_printf(b, "&quot;"); break;
		default: evbuffer_add(b, v, 1);
		}
	}
	evbuffer_add(b, "\"", 1);
}

/* One figure with its АППГ and change ("change-pct" absent when the АППГ
 * is 0: a percentage of nothing means nothing). */
static void
put_figure(struct evbuffer *b, const struct figure *f, const char *indent)
{
	evbuffer_add_printf(b, "%s<figure", indent);
	put_attr(b, "id", f->id);
	put_value(b, "current", f->v[0]);
	put_value(b, "previous", f->v[1]);
	put_value(b, "change", f->v[0] - f->v[1]);
	if (f->v[1] != 0)
		evbuffer_add_printf(b, " change-pct=\"%.1f\"",
		    100.0 * (f->v[0] - f->v[1]) / f->v[1]);
	evbuffer_add_printf(b, "/>\n");
}

static int
region_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A section: its own figures, then one row per region in code order. */
static void
put_section(struct evbuffer *b, const struct figures *fs, enum section s)
{
	const char	**regs = xcalloc(fs->n + 1, sizeof *regs);
	size_t		 i, j, n = 0;

	evbuffer_add_printf(b, " <section id=\"%s\">\n", sections[s].id);
	for (i = 0; i < fs->n; i++) {
		if (fs->f[i].section != s)
			continue;
		if (fs->f[i].region[0] == '\0') {
			put_figure(b, &fs->f[i], "  ");
			continue;
		}
		for (j = 0; j < n && strcmp(regs[j], fs->f[i].region) != 0; j++)
			;
		if (j == n)
			regs[n++] = fs->f[i].region;
	}
	qsort(regs, n, sizeof *regs, region_cmp);
	for (j = 0; j < n; j++) {
		evbuffer_add_printf(b, "  <row");
		put_attr(b, "key", regs[j]);
		evbuffer_add_printf(b, ">\n");
		for (i = 0; i < fs->n; i++)
			if (fs->f[i].section == s &&
			    strcmp(fs->f[i].region, regs[j]) == 0)
				put_figure(b, &fs->f[i], "   ");
		evbuffer_add_printf(b, "  </row>\n");
	}
	evbuffer_add_printf(b, " </section>\n");
	free(regs);
}

/* An instant as RFC 3339 UTC. */
static void
put_time(struct evbuffer *b, const char *attr, int64_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;
	char		 s[32];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	put_attr(b, attr, s);
}

int
report_xml(struct store *st, const struct report_period *p,
    const struct report_scope *sc, int64_t generated, struct evbuffer *out,
    char **err)
{
	struct figures	 fs = { NULL, 0, 0 };
	size_t		 i;

	if (report_compute(st, p, sc, &fs) == -1) {
		xasprintf(err, "cannot compute the report: %s",
		    store_errmsg(st));
		free(fs.f);
		return -1;
	}
	evbuffer_add_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<report xmlns=\"" REPORT_NS "\"");
	put_attr(out, "kind", p->kind);
	put_attr(out, "period", p->name);
	put_time(out, "from", p->from);
	put_time(out, "to", p->to);
	put_attr(out, "previous", p->prev);
	put_time(out, "previous-from", p->prev_from);
	put_time(out, "previous-to", p->prev_to);
	put_time(out, "generated", generated);
	evbuffer_add_printf(out, " scope=\"");
	for (i = 0; i < sc->nregions; i++)
		evbuffer_add_printf(out, "%s%s", i ? " " : "", sc->regions[i]);
	evbuffer_add_printf(out, "%s\">\n", sc->nregions ? "" : "all");
	for (i = 0; i < S_COUNT; i++)
		put_section(out, &fs, (enum section)i);
	evbuffer_add_printf(out, "</report>\n");
	free(fs.f);
	return 0;
}

/* "2025", "2025-03", "2025-Q1", "2025-H2": the first month and how many;
 * -1 if the name does not fit the kind. */
static int
period_months(const char *kind, const char *s, int *y, int *m, int *n)
{
	size_t	len = strlen(s);
	int	k;

	if ((len != 4 && len != 7) || strspn(s, "0123456789") != 4)
		return -1;
	*y = atoi(s);
	if (*y < 2000 || *y > 2100)
		return -1;
	if (len == 4) {
		*m = 1;
		*n = 12;
		return strcmp(kind, "annual") == 0 ? 0 : -1;
	}
	if (s[4] != '-' || !isdigit((unsigned char)s[6]))
		return -1;
	k = s[6] - '0';
	if (strcmp(kind, "monthly") == 0 && isdigit((unsigned char)s[5])) {
		*m = (s[5] - '0') * 10 + k;
		*n = 1;
		return *m >= 1 && *m <= 12 ? 0 : -1;
	}
	if (strcmp(kind, "quarterly") == 0 && s[5] == 'Q' && k >= 1 && k <= 4) {
		*m = 3 * k - 2;
		*n = 3;
		return 0;
	}
	if (strcmp(kind, "halfyear") == 0 && s[5] == 'H' && k >= 1 && k <= 2) {
		*m = 6 * k - 5;
		*n = 6;
		return 0;
	}
	return -1;
}

int
report_period(const char *kind, const char *period, const struct tz *tz,
    struct report_period *p)
{
	int y, m, n;

	memset(p, 0, sizeof *p);
	if (period_months(kind, period, &y, &m, &n) == -1)
		return -1;
	snprintf(p->kind, sizeof p->kind, "%s", kind);
	snprintf(p->name, sizeof p->name, "%s", period);
	snprintf(p->prev, sizeof p->prev, "%04d%s", y - 1, period + 4);
	/* Local midnights; month 13 carries into January. */
	p->from = tz_local_to_utc(tz, y, m, 1, 0, 0, 0);
	p->to = tz_local_to_utc(tz, y, m + n, 1, 0, 0, 0);
	p->prev_from = tz_local_to_utc(tz, y - 1, m, 1, 0, 0, 0);
	p->prev_to = tz_local_to_utc(tz, y - 1, m + n, 1, 0, 0, 0);
	return 0;
}
