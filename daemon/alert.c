/* alert.c - warnings, breaches and escalations: written before anyone is told */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "deadline.h"
#include "law.h"
#include "log.h"
#include "obligation.h"
#include "rules.h"
#include "store.h"

static const char *kind_names[] = {
	[EV_WARNING] = "warning",
	[EV_BREACH] = "breach",
	[EV_ESCALATION] = "escalation",
};

void
alertvec_free(struct alertvec *av)
{
	free(av->v);
	av->v = NULL;
	av->n = av->cap = 0;
}

/* What a pass needs of an obligation row. */
struct obl {
	long long	 id;
	char		 rule[32], item[32], set[64], region[16], state[12];
	int64_t		 starts, due;
	int		 has_due, step;
};

/* Read the obligation; 0, 1 if gone, -1 storage. */
static int
obl_read(struct store *st, long long id, struct obl *o)
{
	sqlite3_stmt	*s;
	int		 rc;

	s = store_stmt(st, "SELECT rule, item, ruleset, region, state, starts,"
	    " due, step FROM obligation WHERE id = ?");
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o->id = id;
		snprintf(o->rule, sizeof o->rule, "%s", sqlite3_column_text(s, 0));
		snprintf(o->item, sizeof o->item, "%s", sqlite3_column_text(s, 1));
		snprintf(o->set, sizeof o->set, "%s", sqlite3_column_text(s, 2));
		snprintf(o->region, sizeof o->region, "%s",
		    sqlite3_column_text(s, 3));
		snprintf(o->state, sizeof o->state, "%s", sqlite3_column_text(s, 4));
		o->starts = sqlite3_column_int64(s, 5);
		o->has_due = sqlite3_column_type(s, 6) != SQLITE_NULL;
		o->due = sqlite3_column_int64(s, 6);
		o->step = sqlite3_column_int(s, 7);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* Write one alert (once per key) and note it for announcing. */
static int
alert_put(struct store *st, const struct obl *o, enum event_kind k, int step,
    const char *to, int64_t due, struct alertvec *av)
{
	sqlite3_stmt		*h;
	struct alert_note	*n;
	sqlite3_stmt		*s;
	int			 rc;

	s = store_stmt(st, "INSERT OR IGNORE INTO alert (obligation, kind, step,"
	    " recipient, due, at) VALUES (?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(s, 1, o->id);
	store_bind_text(s, 2, kind_names[k]);
	sqlite3_bind_int(s, 3, step);
	store_bind_text(s, 4, to);
	sqlite3_bind_int64(s, 5, due);
	sqlite3_bind_int64(s, 6, now_ms());
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(store_db(st)) == 0)
		return 0;
	if (av->n == av->cap) {
		av->cap = av->cap ? av->cap * 2 : 16;
		av->v = xrealloc(av->v, av->cap * sizeof *av->v);
	}
	n = &av->v[av->n++];
	n->id = sqlite3_last_insert_rowid(store_db(st));
	if (av->hook) {
		/* Queued in the same transaction: delivered at least once. */
		h = store_stmt(st, "INSERT INTO hook_delivery (alert, next_try)"
		    " VALUES (?, ?)");
		sqlite3_bind_int64(h, 1, n->id);
		sqlite3_bind_int64(h, 2, now_s());
		rc = sqlite3_step(h);
		sqlite3_reset(h);
		if (rc != SQLITE_DONE)
			return -1;
	}
	n->obligation = o->id;
	snprintf(n->kind, sizeof n->kind, "%s", kind_names[k]);
	snprintf(n->recipient, sizeof n->recipient, "%s", to);
	return 0;
}

/*
 * Alert the users of role who act for the region (п. 4.17): an absent
 * user's substitute instead, nobody for an absent user without one.
 * How many present users were alerted, or -1.
 */
static int
alert_role(struct store *st, const struct obl *o, const char *role,
    enum event_kind k, int step, int64_t due, int64_t now,
    struct alertvec *av)
{
	sqlite3_stmt	*s;
	char		 (*to)[68] = NULL;
	size_t		 n = 0, i;
	int		 present = 0, rc = 0;

	/* A substitute who is away too stands in for nobody. */
	s = store_stmt(st, "SELECT u.login, a.until IS NOT NULL, sub.login"
	    " FROM user u LEFT JOIN user_absence a ON a.user = u.id AND"
	    " a.until > ?3 LEFT JOIN user sub ON sub.id = a.substitute AND"
	    " sub.disabled = 0 AND NOT EXISTS (SELECT 1 FROM user_absence sa"
	    " WHERE sa.user = sub.id AND sa.until > ?3)"
	    " WHERE u.disabled = 0 AND u.role = ?1 AND"
	    " (EXISTS (SELECT 1 FROM user_region r WHERE r.user = u.id AND"
	    " r.region = ?2) OR (u.role IN ('head', 'analyst', 'admin') AND"
	    " NOT EXISTS (SELECT 1 FROM user_region r WHERE r.user = u.id)))"
	    " ORDER BY u.login");
	store_bind_text(s, 1, role);
	store_bind_text(s, 2, o->region);
	sqlite3_bind_int64(s, 3, now);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *who = sqlite3_column_int(s, 1) ?
		    (const char *)sqlite3_column_text(s, 2) :
		    (const char *)sqlite3_column_text(s, 0);

		if (who == NULL)
			continue;
		to = xrealloc(to, (n + 1) * sizeof *to);
		snprintf(to[n++], sizeof to[0], "%s", who);
		present++;
	}
	sqlite3_reset(s);
	for (i = 0; rc == 0 && i < n; i++)
		rc = alert_put(st, o, k, step, to[i], due, av);
	free(to);
	return rc == -1 ? -1 : present;
}

/* 1 if someone has acknowledged a breach of the obligation: one officer
 * taking it up is enough to stop the escalation. */
static int
breach_acked(struct store *st, long long id)
{
	sqlite3_stmt	*s;
	int		 acked = 0;

	s = store_stmt(st, "SELECT count(*) FROM alert WHERE obligation = ? AND"
	    " kind = 'breach' AND acked IS NOT NULL");
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		acked = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return acked > 0;
}

/* Warnings and breaches go to those who must act and those who are told;
 * if none of the latter is present, the head hears of a breach at once
 * (п. 23: "in the zonal officer's absence"). */
static int
alert_event(struct store *st, const struct rule *r, const struct obl *o,
    enum event_kind k, int step, int64_t at, int64_t now, struct alertvec *av)
{
	const char	*esc = r && r->escalate[0] ? r->escalate : "head";
	size_t		 i;
	int		 n = 0, told = 0, total = 0;

	if (k == EV_ESCALATION) {
		if (breach_acked(st, o->id))
			return 0;
		if ((n = alert_role(st, o, esc, k, step, at, now, av)) == -1)
			return -1;
		return n > 0 ? 0 : alert_put(st, o, k, step, "-", at, av);
	}
	if (r != NULL && (n = alert_role(st, o, r->actor, k, step, at, now,
	    av)) == -1)
		return -1;
	total += r ? n : 0;
	for (i = 0; r != NULL && i < r->nnotify; i++) {
		if ((n = alert_role(st, o, r->notify[i], k, step, at, now, av)) == -1)
			return -1;
		told += n;
	}
	total += told;
	if (k == EV_BREACH && told == 0) {
		if ((n = alert_role(st, o, esc, EV_ESCALATION, step, at, now,
		    av)) == -1)
			return -1;
		total += n;
	}
	/* Nobody to tell is itself worth keeping: the alert still exists. */
	return total > 0 ? 0 : alert_put(st, o, k, step, "-", at, av);
}

/* Store the new step, next event time and state. */
static int
obl_advance(struct store *st, const struct obl *o, int step, int64_t next,
    int overdue, struct schedvec *sv)
{
	sqlite3_stmt	*s;
	int		 rc;

	s = store_stmt(st, "UPDATE obligation SET step = ?, next_at = ?,"
	    " state = CASE WHEN ? AND state = 'open' THEN 'overdue' ELSE state"
	    " END WHERE id = ?");
	sqlite3_bind_int(s, 1, step);
	if (next != INT64_MAX)
		sqlite3_bind_int64(s, 2, next);
	sqlite3_bind_int(s, 3, overdue);
	sqlite3_bind_int64(s, 4, o->id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	schedvec_push(sv, o->id, next);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
alert_fire(struct store *st, const struct law *law, long long id, int64_t now,
    int hook, struct schedvec *sv, struct alertvec *av)
{
	const struct rule	*r;
	struct event		 ev[DEADLINE_MAXEVENTS];
	struct deadline		 dl;
	struct obl		 o;
	size_t			 n, i, last = 0;
	int			 rc, warn = -1, breach = -1, esc = -1;

	av->hook = hook;
	if ((rc = obl_read(st, id, &o)) != 0)
		return rc == 1 ? 0 : -1;
	if (!o.has_due || (strcmp(o.state, "open") != 0 &&
	    strcmp(o.state, "overdue") != 0))
		return obl_advance(st, &o, o.step, INT64_MAX, 0, sv);
	r = law_rule_for(law, o.set, o.rule, o.item, o.starts);
	memset(&dl, 0, sizeof dl);
	dl.starts = o.starts;
	dl.due = o.due;
	if (r != NULL)
		n = deadline_events(r, &dl, ev, DEADLINE_MAXEVENTS);
	else {
		ev[0] = (struct event){ o.due, EV_BREACH };
		n = 1;
	}
	/* Which of the events not yet handled are due now. */
	for (i = (size_t)o.step; i < n && ev[i].at <= now; i++) {
		last = i + 1;
		if (ev[i].kind == EV_WARNING)
			warn = (int)i;
		else if (ev[i].kind == EV_BREACH)
			breach = (int)i;
		else
			esc = (int)i;
	}
	if (warn != -1 && breach == -1 &&
	    alert_event(st, r, &o, EV_WARNING, warn, ev[warn].at, now, av) == -1)
		return -1;
	if (breach != -1 &&
	    alert_event(st, r, &o, EV_BREACH, breach, ev[breach].at, now, av) == -1)
		return -1;
	if (esc != -1 &&
	    alert_event(st, r, &o, EV_ESCALATION, esc, ev[esc].at, now, av) == -1)
		return -1;
	if (last == 0)
		last = (size_t)o.step;
	return obl_advance(st, &o, (int)last, last < n ? ev[last].at : INT64_MAX,
	    o.due <= now, sv);
}
