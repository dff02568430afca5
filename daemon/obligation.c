/* obligation.c - duties derived from records, periods and rules, kept with their explanation */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "deadline.h"
#include "law.h"
#include "log.h"
#include "obligation.h"
#include "record.h"
#include "rules.h"
#include "store.h"
#include "tz.h"

#define OBL_KEYMAX	192

static const char *start_names[] = {
	[START_RECEIVED] = "received",
	[START_PLACED] = "placed",
	[START_DECIDED] = "decided",
	[START_ESTABLISHED] = "established",
	[START_OCCURRED] = "occurred",
	[START_PERIOD_START] = "period-start",
	[START_PERIOD_END] = "period-end",
};

void
schedvec_push(struct schedvec *sv, long long id, int64_t at)
{
	if (sv == NULL)
		return;
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 16;
		sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	sv->v[sv->n].id = id;
	sv->v[sv->n++].at = at;
}

void
schedvec_free(struct schedvec *sv)
{
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* The instant a record "happened": the rule set in force then judges it. */
static int64_t
record_happened(const struct record *r)
{
	switch (r->kind) {
	case RK_INCIDENT:	return r->occurred;
	case RK_PLACEMENT:	return r->decided;
	case RK_SPECIAL_REGIME:	return r->received;
	case RK_NPM_VIOLATION:	return r->established;
	default:		return r->done;
	}
}

/* The instant a rule's clock starts for a record, or RECORD_NOTIME. */
static int64_t
record_start(const struct record *r, enum rule_start s)
{
	switch (s) {
	case START_RECEIVED:	return r->received;
	case START_PLACED:	return r->placed;
	case START_DECIDED:	return r->decided;
	case START_ESTABLISHED:	return r->established;
	case START_OCCURRED:	return r->occurred;
	default:		return RECORD_NOTIME;
	}
}

/* 1 if s is one of the n strings of list (an empty list matches all). */
static int
listed(const char *s, const void *list, size_t n, size_t width)
{
	size_t i;

	if (n == 0)
		return 1;
	if (s == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(s, (const char *)list + i * width) == 0)
			return 1;
	return 0;
}

/* Does rule r attach to record rec logged by a user of role submitter? */
static int
rule_matches(const struct rule *r, const struct record *rec,
    const char *submitter)
{
	size_t i;

	if (r->period != PERIOD_NONE || r->kind != (int)rec->kind)
		return 0;
	if (r->submitter[0] != '\0' && strcmp(r->submitter, submitter) != 0)
		return 0;
	if (!listed(rec->facility_kind, r->facilities, r->nfacilities,
	    sizeof r->facilities[0]) ||
	    !listed(rec->cell, r->cells, r->ncells, sizeof r->cells[0]))
		return 0;
	if (r->ncategories == 0)
		return 1;
	for (i = 0; i < rec->ncategories; i++)
		if (listed(rec->categories[i], r->categories, r->ncategories,
		    sizeof r->categories[0]))
			return 1;
	return 0;
}

/* The parts of п. 17 a record lacks, as "causes, aims"; "" if none. */
static void
missing_parts(const struct rule *r, const struct record *rec, char *buf,
    size_t len)
{
	static const struct { const char *name; unsigned bit; } bits[] = {
		{ "place", RECORD_PART_PLACE },
		{ "circumstances", RECORD_PART_CIRCUMSTANCES },
		{ "causes", RECORD_PART_CAUSES },
		{ "aims", RECORD_PART_AIMS },
		{ "methods", RECORD_PART_METHODS },
		{ "instruments", RECORD_PART_INSTRUMENTS },
	};
	size_t	i, j, o = 0;
	int	lack;

	buf[0] = '\0';
	for (i = 0; i < r->nrequires; i++) {
		const char *part = r->requires[i];

		lack = 0;
		for (j = 0; j < sizeof bits / sizeof bits[0]; j++)
			if (strcmp(part, bits[j].name) == 0)
				lack = !(rec->parts & bits[j].bit);
		if (strcmp(part, "occurred") == 0)
			lack = rec->occurred == RECORD_NOTIME;
		else if (strcmp(part, "participants") == 0)
			lack = rec->participants < 0 && rec->npersons == 0;
		for (j = 0; strncmp(part, "person-", 7) == 0 &&
		    j < rec->npersons; j++) {
			const struct record_person *p = &rec->persons[j];
			/* Articles and the register concern the charged and
			 * convicted only (п. 17). */
			int charged = p->status != NULL &&
			    strcmp(p->status, "staff") != 0;

			if (strcmp(part, "person-name") == 0 && p->name == NULL)
				lack = 1;
			if (charged && strcmp(part, "person-articles") == 0 &&
			    p->articles == NULL)
				lack = 1;
			if (charged && strcmp(part, "person-on-register") == 0 &&
			    p->on_register < 0)
				lack = 1;
		}
		if (lack && o < len)
			o += snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
			    part);
	}
}

int
obligation_insert(struct store *st, const struct duty *d, int64_t now,
    struct schedvec *sv)
{
	const struct rule	*r = d->rule;
	const struct deadline	*dl = d->dl;
	sqlite3_stmt		*stmt;
	long long		 id;
	int			 rc;

	stmt = store_stmt(st, "INSERT OR IGNORE INTO obligation (key, rule, item,"
	    " ruleset, ruleset_version, action, needs_outcome, record, person,"
	    " region, period, actor, start_event, starts, due, term, explain,"
	    " missing, state, next_at, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	store_bind_text(stmt, 1, d->key);
	store_bind_text(stmt, 2, r->id);
	store_bind_text(stmt, 3, r->item);
	store_bind_text(stmt, 4, d->set->id);
	store_bind_text(stmt, 5, d->set->version);
	store_bind_text(stmt, 6, r->action);
	sqlite3_bind_int(stmt, 7, r->needs_outcome);
	if (d->record > 0)
		sqlite3_bind_int64(stmt, 8, d->record);
	if (d->person >= 0)
		sqlite3_bind_int(stmt, 9, d->person);
	store_bind_text(stmt, 10, d->region);
	store_bind_text(stmt, 11, d->period);
	store_bind_text(stmt, 12, r->actor);
	store_bind_text(stmt, 13, start_names[r->start]);
	sqlite3_bind_int64(stmt, 14, dl->starts);
	if (dl->due != DEADLINE_NONE) {
		sqlite3_bind_int64(stmt, 15, dl->due);
		/* The scheduler decides which event is due: from the first. */
		sqlite3_bind_int64(stmt, 20, dl->starts < now ? now : dl->starts);
	}
	store_bind_text(stmt, 16, dl->term);
	store_bind_text(stmt, 17, dl->explain);
	store_bind_text(stmt, 18, d->missing && *d->missing ? d->missing : NULL);
	store_bind_text(stmt, 19, dl->due != DEADLINE_NONE && dl->due <= now ?
	    "overdue" : "open");
	sqlite3_bind_int64(stmt, 21, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(store_db(st)) > 0 && dl->due != DEADLINE_NONE) {
		id = sqlite3_last_insert_rowid(store_db(st));
		schedvec_push(sv, id, dl->starts < now ? now : dl->starts);
	}
	return 0;
}

/* Explain how late the record itself came: the facility's own delay. */
static void
explain_arrival(const struct record *rec, const struct deadline *dl,
    int64_t now, struct deadline *out)
{
	size_t n = strlen(out->explain);

	(void)dl;
	if (out->due != DEADLINE_NONE && out->due <= now && n + 2 <
	    sizeof out->explain)
		snprintf(out->explain + n, sizeof out->explain - n, "\nThe record "
		    "was logged after this due time had already passed: the duty "
		    "is overdue on arrival.");
	(void)rec;
}

/* Create the duties of rule r for record rec (one, or one per person). */
static int
derive_rule(struct store *st, const struct law *law, const struct ruleset *rs,
    const struct rule *r, const struct record *rec, long long id,
    int64_t now, struct schedvec *sv)
{
	struct deadline	 dl;
	char		 key[OBL_KEYMAX], err[256], missing[256];
	int64_t		 start = record_start(rec, r->start);
	size_t		 p, np = r->per_person && rec->npersons ? rec->npersons : 1;

	if (start == RECORD_NOTIME) {
		log_warnx("record %lld: rule %s starts at '%s', which the record "
		    "lacks", id, r->id, start_names[r->start]);
		return 0;
	}
	if (deadline_compute(r, law->cal, law_zone(law, rec->region), start,
	    NULL, &dl, err, sizeof err) == -1) {
		log_warnx("record %lld: rule %s: %s", id, r->id, err);
		return 0;
	}
	explain_arrival(rec, &dl, now, &dl);
	missing_parts(r, rec, missing, sizeof missing);
	for (p = 0; p < np; p++) {
		struct duty d = { rs, r, key, rec->region, NULL, id, -1, &dl,
		    missing };

		if (r->per_person && rec->npersons) {
			snprintf(key, sizeof key, "%s/%s/r%lld/p%zu", r->id,
			    rec->region, id, p);
			d.person = (int)p;
		} else
			snprintf(key, sizeof key, "%s/%s/r%lld", r->id,
			    rec->region, id);
		if (obligation_insert(st, &d, now, sv) == -1)
			return -1;
	}
	return 0;
}

/* A finding: the facility took this long to report (occurred -> received). */
static int
finding_delay(struct store *st, const struct record *rec, long long id)
{
	sqlite3_stmt	*stmt;
	char		 text[128];
	int64_t		 d = rec->received - rec->occurred;
	int		 rc;

	if (rec->kind != RK_INCIDENT || rec->occurred == RECORD_NOTIME ||
	    rec->received == RECORD_NOTIME)
		return 0;
	snprintf(text, sizeof text, "the office learned of it %lldh %02lldm "
	    "after it happened", (long long)(d / 3600), (long long)(d / 60 % 60));
	stmt = store_stmt(st, "INSERT INTO finding (record, kind, seconds, text)"
	    " VALUES (?, 'reporting-delay', ?, ?)");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, d);
	store_bind_text(stmt, 3, text);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Settle one duty by an action done at `done`: met if on time, late if
 * not; a report missing parts or a conclusion without an outcome does not
 * settle it, and the duty says why. */
static int
settle(struct store *st, long long oid, int64_t due, int has_due,
    const char *missing, int needs_outcome, const struct record *act,
    long long act_id, struct schedvec *sv)
{
	sqlite3_stmt	*stmt;
	char		 note[384];
	int		 rc;

	note[0] = '\0';
	if (missing != NULL)
		snprintf(note, sizeof note, "Action %s (record %lld) does not "
		    "fulfil it: the record lacks %s (п. 17).", act->ref, act_id,
		    missing);
	else if (needs_outcome && act->outcome == NULL)
		snprintf(note, sizeof note, "Action %s (record %lld) does not "
		    "fulfil it: it states no outcome.", act->ref, act_id);
	/* Parameters by number: ?4 is the obligation in both statements. */
	if (note[0] != '\0') {
		stmt = store_stmt(st, "UPDATE obligation SET note = ?1 WHERE"
		    " id = ?4");
		store_bind_text(stmt, 1, note);
	} else {
		stmt = store_stmt(st, "UPDATE obligation SET state = ?1, done = ?2,"
		    " done_by = ?3, next_at = NULL, note = NULL WHERE id = ?4");
		store_bind_text(stmt, 1, has_due && act->done > due ? "late" :
		    "met");
		sqlite3_bind_int64(stmt, 2, act->done);
		sqlite3_bind_int64(stmt, 3, act_id);
		schedvec_push(sv, oid, INT64_MAX);	/* disarm */
	}
	sqlite3_bind_int64(stmt, 4, oid);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Settle every open duty an action fulfils: of the record it names (by
 * ref, in its region) or of the period it names ("2025-03"). */
static int
settle_by_action(struct store *st, const struct record *act, long long act_id,
    struct schedvec *sv)
{
	sqlite3_stmt	*stmt;
	struct {
		long long	id;
		int64_t		due;
		int		has_due, needs;
		char		missing[256];
		int		has_missing;
	} *v = NULL;
	size_t		 n = 0, i;
	int		 rc = 0;

	if (act->target == NULL || act->rule == NULL)
		return 0;
	stmt = store_stmt(st, "SELECT o.id, o.due, o.needs_outcome, o.missing"
	    " FROM obligation o WHERE o.region = ?1 AND o.action = ?2 AND"
	    " o.state IN ('open', 'overdue') AND (o.period = ?3 OR o.record ="
	    " (SELECT id FROM record WHERE region = ?1 AND ref = ?3))");
	store_bind_text(stmt, 1, act->region);
	store_bind_text(stmt, 2, act->rule);
	store_bind_text(stmt, 3, act->target);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof *v);
		v[n].id = sqlite3_column_int64(stmt, 0);
		v[n].has_due = sqlite3_column_type(stmt, 1) != SQLITE_NULL;
		v[n].due = sqlite3_column_int64(stmt, 1);
		v[n].needs = sqlite3_column_int(stmt, 2);
		v[n].has_missing = sqlite3_column_type(stmt, 3) != SQLITE_NULL;
		snprintf(v[n].missing, sizeof v[n].missing, "%s",
		    v[n].has_missing ? (const char *)sqlite3_column_text(stmt, 3)
		    : "");
		n++;
	}
	sqlite3_reset(stmt);
	for (i = 0; rc == 0 && i < n; i++)
		rc = settle(st, v[i].id, v[i].due, v[i].has_due,
		    v[i].has_missing ? v[i].missing : NULL, v[i].needs, act,
		    act_id, sv);
	free(v);
	return rc;
}

/* Actions stored before the record they concern: settle its new duties. */
static int
settle_earlier_actions(struct store *st, const struct record *rec,
    struct schedvec *sv)
{
	struct record		 act;
	sqlite3_stmt		*stmt;
	long long		*ids = NULL;
	size_t			 n = 0, i;
	int			 rc = 0;

	stmt = store_stmt(st, "SELECT id FROM record WHERE kind = 'action' AND"
	    " region = ? AND target = ? ORDER BY id");
	store_bind_text(stmt, 1, rec->region);
	store_bind_text(stmt, 2, rec->ref);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		ids = xrealloc(ids, (n + 1) * sizeof *ids);
		ids[n++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_reset(stmt);
	for (i = 0; rc == 0 && i < n; i++) {
		stmt = store_stmt(st, "SELECT rule, done, outcome, ref, region,"
		    " target FROM record WHERE id = ?");
		sqlite3_bind_int64(stmt, 1, ids[i]);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			memset(&act, 0, sizeof act);
			act.rule = xstrdup((const char *)sqlite3_column_text(stmt, 0));
			act.done = sqlite3_column_int64(stmt, 1);
			act.outcome = sqlite3_column_type(stmt, 2) == SQLITE_NULL ?
			    NULL : xstrdup((const char *)sqlite3_column_text(stmt, 2));
			act.ref = xstrdup((const char *)sqlite3_column_text(stmt, 3));
			act.region = xstrdup((const char *)sqlite3_column_text(stmt, 4));
			act.target = xstrdup((const char *)sqlite3_column_text(stmt, 5));
			sqlite3_reset(stmt);
			rc = settle_by_action(st, &act, ids[i], sv);
			free(act.rule);
			free(act.outcome);
			free(act.ref);
			free(act.region);
			free(act.target);
		} else
			sqlite3_reset(stmt);
	}
	free(ids);
	return rc;
}

int
obligation_derive(struct store *st, const struct law *law,
    const struct record *rec, long long id, const char *submitter,
    int64_t now, struct schedvec *sv)
{
	const struct ruleset	*rs;
	size_t			 i;

	if (rec->kind == RK_ACTION)
		return settle_by_action(st, rec, id, sv);
	if (finding_delay(st, rec, id) == -1)
		return -1;
	if ((rs = law_set_at(law, record_happened(rec))) == NULL) {
		log_warnx("record %lld (%s/%s): no rule set was in force when it "
		    "happened", id, rec->region, rec->ref);
		return 0;
	}
	for (i = 0; i < rs->nrules; i++)
		if (rule_matches(&rs->rules[i], rec, submitter) &&
		    derive_rule(st, law, rs, &rs->rules[i], rec, id, now, sv) == -1)
			return -1;
	return settle_earlier_actions(st, rec, sv);
}

/* Recompute one open duty; 1 if its due time or explanation changed. */
static int
recompute_one(struct store *st, const struct law *law, sqlite3_stmt *row,
    int64_t now, struct schedvec *sv)
{
	const struct rule	*r;
	struct deadline		 dl;
	struct period		 p, *pp = NULL;
	sqlite3_stmt		*up;
	char			 err[256];
	const char		*period = (const char *)sqlite3_column_text(row, 5);
	long long		 id = sqlite3_column_int64(row, 0);
	int64_t			 starts = sqlite3_column_int64(row, 6);
	int			 rc;

	r = law_rule_for(law, (const char *)sqlite3_column_text(row, 3),
	    (const char *)sqlite3_column_text(row, 1),
	    (const char *)sqlite3_column_text(row, 2), starts);
	if (r == NULL || (period != NULL && period_parse(period, &p) == -1))
		return 0;
	if (period != NULL)
		pp = &p;
	if (deadline_compute(r, law->cal, law_zone(law, (const char *)
	    sqlite3_column_text(row, 4)), starts, pp, &dl, err, sizeof err) == -1)
		return 0;
	if ((dl.due == DEADLINE_NONE ? sqlite3_column_type(row, 7) ==
	    SQLITE_NULL : sqlite3_column_int64(row, 7) == dl.due) &&
	    strcmp((const char *)sqlite3_column_text(row, 8), dl.explain) == 0)
		return 0;
	up = store_stmt(st, "UPDATE obligation SET due = ?, term = ?, explain = ?,"
	    " state = ?, next_at = ? WHERE id = ?");
	if (dl.due != DEADLINE_NONE) {
		sqlite3_bind_int64(up, 1, dl.due);
		sqlite3_bind_int64(up, 5, now);
	}
	store_bind_text(up, 2, dl.term);
	store_bind_text(up, 3, dl.explain);
	store_bind_text(up, 4, dl.due != DEADLINE_NONE && dl.due <= now ?
	    "overdue" : "open");
	sqlite3_bind_int64(up, 6, id);
	rc = sqlite3_step(up);
	sqlite3_reset(up);
	if (rc != SQLITE_DONE)
		return -1;
	/* The scheduler looks again now and fires only what is due. */
	schedvec_push(sv, id, dl.due != DEADLINE_NONE ? now : INT64_MAX);
	return 1;
}

long long
obligation_recompute(struct store *st, const struct law *law, int64_t now,
    long long after, int limit, long long *last, struct schedvec *sv)
{
	sqlite3_stmt	*row;
	long long	 n = 0;
	int		 rc, seen = 0;

	/* A statement of its own: recompute_one uses the cached ones. */
	if (sqlite3_prepare_v2(store_db(st), "SELECT id, rule, item, ruleset,"
	    " region, period, starts, due, explain FROM obligation WHERE state"
	    " IN ('open', 'overdue') AND id > ? ORDER BY id LIMIT ?", -1, &row,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(row, 1, after);
	sqlite3_bind_int(row, 2, limit);
	*last = 0;
	while ((rc = sqlite3_step(row)) == SQLITE_ROW) {
		seen++;
		*last = sqlite3_column_int64(row, 0);
		switch (recompute_one(st, law, row, now, sv)) {
		case -1:
			sqlite3_finalize(row);
			return -1;
		case 1:
			n++;
		}
	}
	sqlite3_finalize(row);
	if (seen < limit)
		*last = 0;		/* nothing after this chunk */
	return rc == SQLITE_DONE ? n : -1;
}

int
obligation_waive(struct store *st, long long id, const char *by,
    const char *reason, int64_t now)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = store_stmt(st, "UPDATE obligation SET state = 'waived',"
	    " waived_reason = ?, waived_by = ?, done = ?, next_at = NULL"
	    " WHERE id = ? AND state IN ('open', 'overdue')");
	store_bind_text(stmt, 1, reason);
	store_bind_text(stmt, 2, by);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int64(stmt, 4, id);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(store_db(st)) > 0 ? 0 : 1;
}
