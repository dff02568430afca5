/* report-figures.c - a report's figures: five passes over each period's facts, tallied here */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "report.h"
#include "report-figures.h"
#include "store.h"
#include "tz.h"

/*
 * Every figure is a count (or minutes) over the records of a period, for
 * the period and for its АППГ.  A period is counted by five passes, one
 * SQL statement each, over index ranges of its records: incidents with
 * their categories, their persons, the actions on any record of the period
 * with their measures, its duties, its reporting delays.  Their rows are
 * tallied here by figure id (a hashed set of a few hundred figures), so no
 * breakdown walks the records again and SQLite sorts nothing: GROUP BY
 * over tens of thousands of rows costs more than the join it groups.
 * Ids are keys for label catalogues: no language text is in the data.
 *
 * The first and the third pass read the period's records; they keep of
 * each its id, region, local time and what it is about (self-harm, an
 * allegation), so the others read persons, duties and findings by record
 * id alone, never the wide record rows again.  Nothing else of a record
 * is held; the delays only until their medians are taken.
 *
 * The two periods are counted at once, each in a read transaction of its
 * own connection (the system's SQLite has no snapshots to share one): they
 * cover disjoint records, so each is consistent in itself.
 */

/* Time placeholders ?1 (from) and ?2 (to); the region scope is $S on
 * the record r, $R on a bare record. */
#define INCIDENT(r) r ".kind = 'incident' AND " r ".occurred >= ?1 AND " \
	r ".occurred < ?2"
/* The ids of records of a kind by their own event time (п. 65-67:
 * incidents by occurred, placements by decided, NPM violations by
 * established, special regimes by received): one index range each
 * (record_kind_*), which alone answers it unless the scope S reads rows. */
#define KIND_IDS(kind, t, S) "SELECT id FROM record WHERE kind = '" kind \
	"' AND " t " >= ?1 AND " t " < ?2" S
#define INCIDENT_IDS KIND_IDS("incident", "occurred", " $R")
/* Of every kind: a UNION, not an OR the planner may answer with a scan. */
#define PERIOD_IDS(S) KIND_IDS("incident", "occurred", S) " UNION ALL " \
	KIND_IDS("placement", "decided", S) " UNION ALL " \
	KIND_IDS("npm-violation", "established", S) " UNION ALL " \
	KIND_IDS("special-regime", "received", S)
/* Persons counted: those the incident is about, not staff or witnesses. */
#define COUNTED "(p.role IS NULL OR p.role NOT IN ('staff', 'witness'))"
/* Actions on a record (target) of the same region; the LEFT JOIN keeps
 * the records of the period the outer loop, never every action ever sent. */
#define ACTIONS_ON(t) " LEFT JOIN record a ON a.kind = 'action' AND a.region =" \
	" " t ".region AND a.target = " t ".ref"
#define DUTIES "('call-1h', 'report-3h', 'review-48h')"

/* Incidents with each category (or none): (id, region, facility kind,
 * local time, category). */
#define P_INCIDENTS "SELECT r.id, r.region, r.facility_kind, r.occurred +" \
	" r.utcoff, c.category FROM record r LEFT JOIN record_category c ON" \
	" c.record = r.id WHERE " INCIDENT("r") " $S"
/* Persons counted: (incident, status, sex, born as the number YYYYMMDD,
 * NULL if not known). */
#define P_PERSONS "SELECT p.record, p.status, p.sex, CAST(replace(p.born," \
	" '-', '') AS INTEGER) FROM person p WHERE p.record IN (" INCIDENT_IDS \
	") AND " COUNTED
/* The period's records, each with every action on it and each action with
 * every measure (or NULL): (record, region, action, rule, outcome, measure
 * kind).  LEFT JOINs keep the order: an action's rows follow one another. */
#define P_ACTIONS "SELECT r.id, r.region, a.id, a.rule, a.outcome, m.kind" \
	" FROM record r" ACTIONS_ON("r") " LEFT JOIN measure m ON m.record =" \
	" a.id WHERE r.id IN (" PERIOD_IDS("") ") $S"
/* Duties on the period's records: (record, rule, state). */
#define P_DUTIES "SELECT o.record, o.rule, o.state FROM obligation o WHERE" \
	" o.record IN (" PERIOD_IDS(" $R") ") AND o.rule IN " DUTIES
/* The facilities' reporting delays: (incident, seconds). */
#define P_DELAYS "SELECT f.record, f.seconds FROM finding f WHERE f.record IN" \
	" (" INCIDENT_IDS ") AND f.kind = 'reporting-delay' AND f.seconds IS" \
	" NOT NULL"

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

const struct section_def report_sections[S_COUNT] = {
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

/* Figures that are another figure under a second name: the same rows. */
static const struct alias {
	enum section	 section, from;
	const char	*id, *from_id;
} aliases[] = {
	{ S_SELFHARM, S_CATEGORIES, "self-harm.incidents",
	    "category.self-harm" },
	{ S_CHECKS, S_MEASURES, "persons.released", "measure.release" },
};

/* What the passes after it need of a record of the period. */
#define REC_SELFHARM	0x01	/* an incident of self-harm */
#define REC_ALLEGED	0x02	/* of torture or impermissible measures */

struct rec {
	int64_t		 id;
	int64_t		 local;		/* an incident's time, local clock */
	char		 region[16];
	unsigned	 used:1, flags:7;
};

/* The period's records by id: open addressing, a power of two. */
struct recset {
	struct rec	*e;
	size_t		 n, cap;
};

/* One period being counted on a connection of its own. */
struct period {
	struct store			*st;
	const struct report_scope	*sc;
	int64_t				 from, to;
	struct figures			 fs;	/* its values in v[0] */
	struct recset			 recs;
	char				*err;	/* why it could not be read */
};

/* A reporting delay, until the medians are taken. */
struct delay {
	char		 region[16];
	int64_t		 s;
};

/* FNV-1a of a figure's key. */
static uint32_t
fig_hash(enum section s, const char *region, const char *id)
{
	uint32_t h = 2166136261u ^ (uint32_t)s;

	for (; *region != '\0'; region++)
		h = (h ^ (unsigned char)*region) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h;
}

/* Put figure i into the first free slot of its chain. */
static void
fig_index(struct figures *fs, size_t i)
{
	const struct figure	*f = &fs->f[i];
	size_t			 mask = fs->nslot - 1, j;

	for (j = fig_hash(f->section, f->region, f->id) & mask;
	    fs->slot[j] != 0; j = (j + 1) & mask)
		;
	fs->slot[j] = (uint32_t)i + 1;
}

/* Twice the slots, every figure indexed again: chains stay short. */
static void
fig_grow(struct figures *fs)
{
	size_t i;

	free(fs->slot);
	fs->nslot = fs->nslot ? fs->nslot * 2 : 512;
	fs->slot = xcalloc(fs->nslot, sizeof *fs->slot);
	for (i = 0; i < fs->n; i++)
		fig_index(fs, i);
}

struct figure *
fig_find(const struct figures *fs, enum section s, const char *region,
    const char *id)
{
	struct figure	*f;
	size_t		 mask = fs->nslot - 1, j;

	if (fs->nslot == 0)
		return NULL;
	for (j = fig_hash(s, region, id) & mask; fs->slot[j] != 0;
	    j = (j + 1) & mask) {
		f = &fs->f[fs->slot[j] - 1];
		if (f->section == s && strcmp(f->id, id) == 0 &&
		    strcmp(f->region, region) == 0)
			return f;
	}
	return NULL;
}

/* src into dst of len bytes, cut short as snprintf would cut it. */
static void
fig_copy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct figure *
fig_get(struct figures *fs, enum section s, const char *region,
    const char *id)
{
	struct figure	*f;
	char		 r[sizeof f->region], i[sizeof f->id];

	/* Counting finds a figure for each row it reads: no copies then. */
	if (strlen(region) < sizeof r && strlen(id) < sizeof i &&
	    (f = fig_find(fs, s, region, id)) != NULL)
		return f;
	fig_copy(r, sizeof r, region);
	fig_copy(i, sizeof i, id);
	if ((f = fig_find(fs, s, r, i)) != NULL)
		return f;
	if ((fs->n + 1) * 2 > fs->nslot)
		fig_grow(fs);
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 256;
		fs->f = xrealloc(fs->f, fs->cap * sizeof *fs->f);
	}
	f = &fs->f[fs->n];
	memset(f, 0, sizeof *f);
	f->section = s;
	memcpy(f->region, r, sizeof r);
	memcpy(f->id, i, sizeof i);
	fig_index(fs, fs->n++);
	return f;
}

void
figures_free(struct figures *fs)
{
	free(fs->f);
	free(fs->slot);
	memset(fs, 0, sizeof *fs);
}

/* One more of a figure of the period (v[0]). */
static void
fig_count(struct figures *fs, enum section s, const char *region,
    const char *id)
{
	fig_get(fs, s, region, id)->v[0]++;
}

/* One more of a region's figure and of the national one. */
static void
fig_count_both(struct figures *fs, enum section s, const char *region,
    const char *id)
{
	fig_count(fs, s, region, id);
	fig_count(fs, s, "", id);
}

/* a, b and c one after the other, cut as snprintf would cut them; b and c
 * NULL stand for "unknown". */
static const char *
fig_id(char buf[64], const char *a, const char *b, const char *c)
{
	const char	*part[3] = { a, b ? b : "unknown", c };
	size_t		 i, n, o = 0;

	for (i = 0; i < 3 && part[i] != NULL; i++) {
		n = strnlen(part[i], 63 - o);
		memcpy(buf + o, part[i], n);
		o += n;
	}
	buf[o] = '\0';
	return buf;
}

/* A column's text, "" for NULL (regions are never NULL). */
static const char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* A column's text, or NULL. */
static const char *
col_maybe(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Slot of record id in the set (free if it is not there). */
static size_t
rec_slot(const struct recset *rs, int64_t id)
{
	size_t mask = rs->cap - 1;
	size_t j = (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 32) & mask;

	while (rs->e[j].used && rs->e[j].id != id)
		j = (j + 1) & mask;
	return j;
}

/* The record id, added with its region when new (*isnew). */
static struct rec *
rec_get(struct recset *rs, int64_t id, const char *region, int *isnew)
{
	struct rec	*old = rs->e;
	size_t		 i, n = rs->cap, j;

	if ((rs->n + 1) * 2 > rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 4096;
		rs->e = xcalloc(rs->cap, sizeof *rs->e);
		for (i = 0; i < n; i++)
			if (old[i].used)
				rs->e[rec_slot(rs, old[i].id)] = old[i];
		free(old);
	}
	j = rec_slot(rs, id);
	if ((*isnew = !rs->e[j].used)) {
		rs->e[j].used = 1;
		rs->e[j].id = id;
		fig_copy(rs->e[j].region, sizeof rs->e[j].region, region);
		rs->n++;
	}
	return &rs->e[j];
}

/* The record id of the period, or NULL if it is not one (of the scope). */
static const struct rec *
rec_find(const struct recset *rs, int64_t id)
{
	size_t j;

	if (rs->cap == 0)
		return NULL;
	j = rec_slot(rs, id);
	return rs->e[j].used ? &rs->e[j] : NULL;
}

/* A pass's SQL with the region scope in place of $S (on r) and $R (on
 * a bare record): the same parameters ?3... each time. */
static char *
pass_sql(const char *tpl, const struct report_scope *sc)
{
	struct evbuffer	*b = evbuffer_new();
	const char	*p;
	char		*sql;
	size_t		 i, len;

	while ((p = strchr(tpl, '$')) != NULL) {
		evbuffer_add(b, tpl, (size_t)(p - tpl));
		if (sc->nregions > 0) {
			evbuffer_add_printf(b, "AND +%sregion IN (",
			    p[1] == 'S' ? "r." : "");
			for (i = 0; i < sc->nregions; i++)
				evbuffer_add_printf(b, "%s?%zu", i ? ", " : "",
				    i + 3);
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

/* A pass's statement, its times and regions bound; NULL if it does not
 * prepare. */
static sqlite3_stmt *
pass_open(struct period *pd, const char *tpl)
{
	sqlite3_stmt	*s;
	char		*sql = pass_sql(tpl, pd->sc);
	size_t		 i;
	int		 rc;

	rc = sqlite3_prepare_v2(store_db(pd->st), sql, -1, &s, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(s, 1, pd->from);
	sqlite3_bind_int64(s, 2, pd->to);
	for (i = 0; i < pd->sc->nregions; i++)
		sqlite3_bind_text(s, 3 + (int)i, pd->sc->regions[i], -1,
		    SQLITE_STATIC);
	return s;
}

/* 0 if the pass read every row (rc is the last step's). */
static int
pass_close(sqlite3_stmt *s, int rc)
{
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Incidents: how many, where, in what kind of facility, of what category;
 * each remembered for the persons and actions passes. */
static int
pass_incidents(struct period *pd)
{
	sqlite3_stmt	*s;
	struct rec	*r = NULL;
	const char	*cat;
	char		 id[64];
	int64_t		 rid;
	int		 isnew, rc;

	if ((s = pass_open(pd, P_INCIDENTS)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* An incident's rows (one a category) follow one another. */
		rid = sqlite3_column_int64(s, 0);
		isnew = 0;
		if (r == NULL || r->id != rid)
			r = rec_get(&pd->recs, rid, col_text(s, 1), &isnew);
		if (isnew) {
			r->local = sqlite3_column_int64(s, 3);
			fig_count(&pd->fs, S_CATEGORIES, "", "incidents.total");
			fig_count(&pd->fs, S_REGION, r->region,
			    "incidents.total");
			fig_count(&pd->fs, S_FACILITY, "", fig_id(id,
			    "facility.", col_maybe(s, 2), NULL));
		}
		if ((cat = col_maybe(s, 4)) == NULL)
			continue;
		fig_count(&pd->fs, S_CATEGORIES, "", fig_id(id, "category.",
		    cat, NULL));
		if (strcmp(cat, "self-harm") == 0)
			r->flags |= REC_SELFHARM;
		else if ((strcmp(cat, "torture") == 0 ||
		    strcmp(cat, "impermissible-measures") == 0) &&
		    !(r->flags & REC_ALLEGED)) {
			r->flags |= REC_ALLEGED;
			fig_count(&pd->fs, S_ALLEGATIONS, "",
			    "allegations.incidents");
		}
	}
	return pass_close(s, rc);
}

/* The local date of t (seconds of the local clock) as YYYYMMDD, as
 * SQLite's strftime('%Y%m%d', t, 'unixepoch') has it from year 0 on
 * (proleptic Gregorian); -1 where it gives NULL.  A report's periods lie
 * in 2000-2100. */
static int64_t
local_ymd(int64_t t)
{
	int	y, m, d;

	if (t < -210866760000LL || t >= 253402300800LL)
		return -1;
	tz_civil_from_days(t >= 0 ? t / 86400 : (t - 86399) / 86400, &y, &m,
	    &d);
	return (int64_t)y * 10000 + m * 100 + d;
}

/* A person's age band: whole years at the incident's local date, from
 * born as YYYYMMDD; what the date function cannot date counts as 50 and
 * over, as the SQL CASE it replaces had it. */
static const char *
age_band(const struct rec *r, sqlite3_stmt *s)
{
	int64_t	ymd = local_ymd(r->local), age;

	if (sqlite3_column_type(s, 3) == SQLITE_NULL)
		return "age.unknown";
	if (ymd == -1)
		return "age.50-plus";
	age = (ymd - sqlite3_column_int64(s, 3)) / 10000;
	if (age < 18)
		return "age.under-18";
	if (age < 30)
		return "age.18-29";
	return age < 50 ? "age.30-49" : "age.50-plus";
}

/* Persons the incidents are about: by region, status, sex and age, and
 * those of self-harm incidents. */
static int
pass_persons(struct period *pd)
{
	sqlite3_stmt		*s;
	const struct rec	*r;
	char			 id[64];
	int			 rc;

	if ((s = pass_open(pd, P_PERSONS)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = rec_find(&pd->recs, sqlite3_column_int64(s, 0))) ==
		    NULL)
			continue;
		fig_count(&pd->fs, S_REGION, r->region, "persons.total");
		fig_count(&pd->fs, S_STATUS, "", fig_id(id, "status.",
		    col_maybe(s, 1), NULL));
		fig_count(&pd->fs, S_SEX, "", fig_id(id, "sex.",
		    col_maybe(s, 2), NULL));
		fig_count(&pd->fs, S_AGE, "", age_band(r, s));
		if (r->flags & REC_SELFHARM)
			fig_count(&pd->fs, S_SELFHARM, "", "self-harm.persons");
	}
	return pass_close(s, rc);
}

/* An action (the first of its rows): the 48-hour reviews and the
 * conclusions by outcome. */
static void
action_count(struct period *pd, sqlite3_stmt *s)
{
	const char	*rule = col_maybe(s, 3), *outcome = col_maybe(s, 4);
	char		 id[64];

	if (rule == NULL)
		return;
	if (strcmp(rule, "review-48h") == 0)
		fig_count(&pd->fs, S_CHECKS, "", "review-48h.total");
	if ((strcmp(rule, "review-48h") == 0 ||
	    strcmp(rule, "conclusion") == 0) && outcome != NULL &&
	    (strcmp(outcome, "lawful") == 0 || strcmp(outcome, "unlawful") == 0))
		fig_count(&pd->fs, S_CHECKS, "", fig_id(id, rule, ".",
		    outcome));
}

/* The period's records (each kept for the duties), the actions on them:
 * checks by outcome, measures by kind, and the ЕРДР registrations of
 * alleged torture. */
static int
pass_actions(struct period *pd)
{
	sqlite3_stmt	*s;
	struct rec	*r = NULL;
	const char	*kind;
	char		 id[64];
	int64_t		 rid, action, last = 0;
	int		 rc, isnew, first = 1;

	if ((s = pass_open(pd, P_ACTIONS)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rid = sqlite3_column_int64(s, 0);
		if (r == NULL || r->id != rid)
			r = rec_get(&pd->recs, rid, col_text(s, 1), &isnew);
		if (sqlite3_column_type(s, 2) == SQLITE_NULL)
			continue;
		action = sqlite3_column_int64(s, 2);
		if (first || action != last)
			action_count(pd, s);
		first = 0;
		last = action;
		if ((kind = col_maybe(s, 5)) == NULL)
			continue;
		fig_count(&pd->fs, S_MEASURES, "", fig_id(id, "measure.", kind,
		    NULL));
		if (strcmp(kind, "erdr") == 0 && (r->flags & REC_ALLEGED))
			fig_count(&pd->fs, S_ALLEGATIONS, "", "allegations.erdr");
	}
	return pass_close(s, rc);
}

/* Duties on the period's records: each region's, and the country's, by
 * rule and state. */
static int
pass_duties(struct period *pd)
{
	sqlite3_stmt		*s;
	const struct rec	*r;
	const char		*rule, *state;
	char			 id[64], rs[64];
	int			 rc;

	if ((s = pass_open(pd, P_DUTIES)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = rec_find(&pd->recs, sqlite3_column_int64(s, 0))) ==
		    NULL || (rule = col_maybe(s, 1)) == NULL ||
		    (state = col_maybe(s, 2)) == NULL)
			continue;
		fig_count_both(&pd->fs, S_COMPLIANCE, r->region, fig_id(id,
		    "compliance.", fig_id(rs, rule, ".", state), NULL));
	}
	return pass_close(s, rc);
}

/* qsort: delays by region, then by length. */
static int
delay_cmp(const void *a, const void *b)
{
	const struct delay	*x = a, *y = b;
	int			 c = strcmp(x->region, y->region);

	if (c != 0)
		return c;
	return x->s < y->s ? -1 : x->s > y->s;
}

/* qsort: lengths. */
static int
s_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of n sorted lengths in minutes: the middle one, or the mean
 * of the two middle ones, as SQL's avg() of them over 60.0. */
static double
median_min(const int64_t *s, size_t n)
{
	if (n % 2 == 1)
		return (double)s[n / 2] / 60.0;
	return ((double)s[n / 2 - 1] + (double)s[n / 2]) / 2.0 / 60.0;
}

/* A region's delays (or the country's, region ""), n > 0 sorted. */
static void
delay_figures(struct figures *fs, const char *region, const int64_t *s,
    size_t n)
{
	fig_get(fs, S_DELAY, region, "delay.count")->v[0] = (double)n;
	fig_get(fs, S_DELAY, region, "delay.median-min")->v[0] =
	    median_min(s, n);
	fig_get(fs, S_DELAY, region, "delay.max-min")->v[0] =
	    (double)s[n - 1] / 60.0;
}

/* Each region's delays, then the country's, from d sorted by region. */
static void
delay_all(struct figures *fs, const struct delay *d, size_t n)
{
	int64_t	*s = xcalloc(n + 1, sizeof *s);
	size_t	 i, j;

	for (i = 0; i < n; i = j) {
		for (j = i; j < n && strcmp(d[j].region, d[i].region) == 0; j++)
			s[j] = d[j].s;
		delay_figures(fs, d[i].region, s + i, j - i);
	}
	if (n > 0) {
		qsort(s, n, sizeof *s, s_cmp);
		delay_figures(fs, "", s, n);
	}
	free(s);
}

/* The facilities' reporting delays: count, median and longest, by region
 * and for the country. */
static int
pass_delays(struct period *pd)
{
	sqlite3_stmt		*s;
	const struct rec	*r;
	struct delay		*d = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	if ((s = pass_open(pd, P_DELAYS)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = rec_find(&pd->recs, sqlite3_column_int64(s, 0))) ==
		    NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			d = xrealloc(d, cap * sizeof *d);
		}
		memcpy(d[n].region, r->region, sizeof d[n].region);
		d[n++].s = sqlite3_column_int64(s, 1);
	}
	if (rc == SQLITE_DONE && n > 0) {
		qsort(d, n, sizeof *d, delay_cmp);
		delay_all(&pd->fs, d, n);
	}
	free(d);
	return pass_close(s, rc);
}

/* Count one period: every pass, in one read transaction.  The passes
 * share the pages of the period's records: a cache that holds them
 * (SQLite's default is 2 MB), given back once they are done. */
static void
period_count(struct period *pd)
{
	static int	(*const passes[])(struct period *) = { pass_incidents,
			    pass_persons, pass_actions, pass_duties, pass_delays };
	sqlite3		*db = store_db(pd->st);
	size_t		 i;
	int		 rc = 0;

	sqlite3_exec(db, "PRAGMA cache_size = -131072", NULL, NULL, NULL);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	for (i = 0; rc == 0 && i < sizeof passes / sizeof passes[0]; i++)
		rc = passes[i](pd);
	if (rc == -1)
		xasprintf(&pd->err, "cannot compute the report: %s",
		    store_errmsg(pd->st));
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_db_release_memory(db);
}

/* The АППГ's thread. */
static void *
period_main(void *arg)
{
	period_count(arg);
	return NULL;
}

/* qsort: a period's figures by section, id and region, so figures beyond
 * the fixed ones come in the order of their ids, as SQL grouped them. */
static int
figp_cmp(const void *a, const void *b)
{
	const struct figure	*x = *(const struct figure *const *)a;
	const struct figure	*y = *(const struct figure *const *)b;
	int			 c;

	if (x->section != y->section)
		return x->section < y->section ? -1 : 1;
	if ((c = strcmp(x->id, y->id)) != 0)
		return c;
	return strcmp(x->region, y->region);
}

/* A region row with all of its figures, so a row never lacks a column. */
static struct figure *
fig_row(struct figures *fs, enum section s, const char *region,
    const char *id)
{
	const char *const *r = report_sections[s].rowids;

	if (region[0] != '\0' && r != NULL)
		for (; *r != NULL; r++)
			fig_get(fs, s, region, *r);
	return fig_get(fs, s, region, id);
}

/* A period's figures into fs as its values of which (0 now, 1 АППГ). */
static void
fig_merge(struct figures *fs, const struct figures *pf, int which)
{
	const struct figure	**p = xcalloc(pf->n + 1, sizeof *p);
	size_t			 i;

	for (i = 0; i < pf->n; i++)
		p[i] = &pf->f[i];
	qsort(p, pf->n, sizeof *p, figp_cmp);
	for (i = 0; i < pf->n; i++)
		fig_row(fs, p[i]->section, p[i]->region, p[i]->id)->v[which] =
		    p[i]->v[0];
	free(p);
}

/* The figures named twice take the values of the first name. */
static void
fig_aliases(struct figures *fs)
{
	const struct alias	*a;
	double			 v[2];
	size_t			 i;

	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		a = &aliases[i];
		memcpy(v, fig_get(fs, a->from, "", a->from_id)->v, sizeof v);
		memcpy(fig_get(fs, a->section, "", a->id)->v, v, sizeof v);
	}
}

int
report_figures(struct store *now, struct store *prev,
    const struct report_period *p, const struct report_scope *sc,
    struct figures *fs, char **err)
{
	struct period		 pd[2];
	const char *const	*id;
	pthread_t		 t;
	size_t			 s;
	int			 i, threaded = 0, rc = 0;

	memset(pd, 0, sizeof pd);
	for (i = 0; i < 2; i++) {
		pd[i].st = i == 1 && prev != NULL ? prev : now;
		pd[i].sc = sc;
		pd[i].from = i == 0 ? p->from : p->prev_from;
		pd[i].to = i == 0 ? p->to : p->prev_to;
	}
	if (prev != NULL && prev != now &&
	    pthread_create(&t, NULL, period_main, &pd[1]) == 0) {
		pthread_setname_np(t, "nadzord-report");
		threaded = 1;
	}
	period_count(&pd[0]);
	if (threaded)
		pthread_join(t, NULL);
	else
		period_count(&pd[1]);
	for (s = 0; s < S_COUNT; s++)
		for (id = report_sections[s].ids; id != NULL && *id != NULL; id++)
			fig_get(fs, (enum section)s, "", *id);
	for (i = 0; i < 2; i++) {
		if (pd[i].err != NULL && rc == 0) {
			*err = pd[i].err;
			pd[i].err = NULL;
			rc = -1;
		}
		fig_merge(fs, &pd[i].fs, i);
		figures_free(&pd[i].fs);
		free(pd[i].recs.e);
		free(pd[i].err);
	}
	fig_aliases(fs);
	return rc;
}
