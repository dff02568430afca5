/* test-oblist.c - the obligation list's SQL: an index seek for every filter, the rows of a plain query */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "oblist.h"
#include "store.h"
#include "user.h"
#include "unit.h"

static const char *regions[] = { "KZ-75", "KZ-19", "KZ-63" };
static const char *rules[] = { "call-1h", "report-3h", "court-3wd" };
static const char *states[] = { "open", "met", "overdue" };

/* A fresh database at the latest schema, in memory: plans without
 * ANALYZE depend on the schema alone. */
static struct store *
fresh_store(void)
{
	struct store	*st;
	char		*err = NULL;

	if ((st = store_open(":memory:", 0, &err)) == NULL)
		fatalx("open: %s", err);
	return st;
}

/* A user of role with the regions given (NULL-terminated). */
static struct user
user_of(enum role role, const char *r1, const char *r2)
{
	struct user u;

	memset(&u, 0, sizeof u);
	u.role = role;
	if (r1 != NULL)
		snprintf(u.regions[u.nregions++], sizeof u.regions[0], "%s", r1);
	if (r2 != NULL)
		snprintf(u.regions[u.nregions++], sizeof u.regions[0], "%s", r2);
	return u;
}

/* The query plan of one half of a list, its lines joined by '\n' into buf;
 * "" if nothing is read (the caller sees no region). */
static void
plan_of(struct store *st, const struct user *u, const struct obl_filter *f,
    int undated, char *buf, size_t len)
{
	const char	*rg[USER_MAXREGIONS];
	sqlite3_stmt	*s, *e;
	size_t		 n = oblist_regions(u, f, rg), used = 0;
	char		*q;

	buf[0] = '\0';
	if (n == 0)
		return;
	if ((s = oblist_stmt(st, f, rg, n, undated, 100)) == NULL)
		fatalx("oblist_stmt: %s", store_errmsg(st));
	q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(s));
	if (sqlite3_prepare_v2(store_db(st), q, -1, &e, NULL) != SQLITE_OK)
		fatalx("explain: %s", store_errmsg(st));
	while (sqlite3_step(e) == SQLITE_ROW && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s\n",
		    (const char *)sqlite3_column_text(e, 3));
	sqlite3_finalize(e);
	sqlite3_free(q);
}

/* One list the plans are checked for: who asks, what, and what the plan
 * of its dated and undated halves must name.  A list filtered on
 * anything must never walk the whole table in due order: such a plan
 * names obligation_due, or scans. */
struct plan_case {
	const char	*what;
	struct user	 u;
	struct obl_filter f;
	const char	*want[2];	/* dated, undated */
	int		 sorts;		/* a temporary B-tree is fine */
};

static void
check_plan(struct store *st, const struct plan_case *c)
{
	char	plan[2048];
	int	half;

	/* No undated duty is due before anything: that half is not read. */
	for (half = 0; half < 2 - (c->f.before != NULL); half++) {
		plan_of(st, &c->u, &c->f, half, plan, sizeof plan);
		ok(strstr(plan, c->want[half]) != NULL, "%s (%s): no '%s' "
		    "in\n%s", c->what, half ? "undated" : "dated",
		    c->want[half], plan);
		ok(strstr(plan, "SCAN ") == NULL, "%s (%s): a scan in\n%s",
		    c->what, half ? "undated" : "dated", plan);
		ok(strstr(plan, "obligation_due ") == NULL,
		    "%s (%s): walks every duty in due order:\n%s", c->what,
		    half ? "undated" : "dated", plan);
		ok(c->sorts || strstr(plan, "TEMP B-TREE") == NULL,
		    "%s (%s): sorts what the index has in order:\n%s",
		    c->what, half ? "undated" : "dated", plan);
	}
}

/* Every filter, alone and with a caller's region, seeks its index. */
static void
test_plans(void)
{
	struct store		*st = fresh_store();
	struct user		 head = user_of(ROLE_HEAD, NULL, NULL);
	struct user		 alm = user_of(ROLE_REGION, "KZ-75", NULL);
	struct user		 zonal = user_of(ROLE_DEPARTMENT, "KZ-75", "KZ-19");
	const struct plan_case	 cases[] = {
		{ "region", head, { .v = { [OBLF_REGION] = "KZ-75" } },
		    { "obligation_region_due (region=? AND due>?)",
		    "obligation_region_undated (region=?)" }, 0 },
		{ "rule", head, { .v = { [OBLF_RULE] = "call-1h" } },
		    { "obligation_rule_due (rule=? AND due>?)",
		    "obligation_rule_undated (rule=?)" }, 0 },
		{ "state", head, { .v = { [OBLF_STATE] = "open" } },
		    { "obligation_state_due (state=? AND due>?)",
		    "obligation_state_due (state=? AND due=?)" }, 0 },
		{ "record", head, { .v = { [OBLF_RECORD] = "ALM-1" } },
		    { "record_ref (ref=?)", "record_ref (ref=?)" }, 1 },
		{ "region and state", head, { .v = { [OBLF_REGION] = "KZ-75",
		    [OBLF_STATE] = "overdue" } },
		    { "obligation_region_state_due (region=? AND state=? AND",
		    "obligation_region_state_undated (region=? AND state=?)" },
		    0 },
		{ "region and rule", head, { .v = { [OBLF_REGION] = "KZ-75",
		    [OBLF_RULE] = "call-1h" } },
		    { "obligation_region_rule_due (region=? AND rule=? AND",
		    "obligation_region_rule_undated (region=? AND rule=?)" },
		    0 },
		{ "region and due_before", head, { .v = { [OBLF_REGION] =
		    "KZ-75" }, .before = "1" },
		    { "obligation_region_due (region=? AND due>? AND due<?)",
		    NULL }, 0 },
		{ "a regional caller", alm, { .limit = 0 },
		    { "obligation_region_due (region=?",
		    "obligation_region_undated (region=?)" }, 0 },
		{ "a regional caller, state", alm, { .v = { [OBLF_STATE] =
		    "open" } }, { "obligation_region_state_due (region=? AND "
		    "state=?", "obligation_region_state_undated (region=? AND "
		    "state=?)" }, 0 },
		{ "a regional caller, rule", alm, { .v = { [OBLF_RULE] =
		    "call-1h" } }, { "obligation_region_rule_due (region=? AND "
		    "rule=?", "obligation_region_rule_undated (region=? AND "
		    "rule=?)" }, 0 },
		{ "a regional caller, record", alm, { .v = { [OBLF_RECORD] =
		    "ALM-1" } }, { "obligation_record (record=?)",
		    "obligation_record (record=?)" }, 1 },
		{ "a caller of two regions", zonal, { .limit = 0 },
		    { "MERGE (UNION ALL)", "MERGE (UNION ALL)" }, 0 },
		/* A rule's index in due order walks its met duties of years
		 * to find the open ones: the state's index is the one. */
		{ "state and rule", head, { .v = { [OBLF_STATE] = "open",
		    [OBLF_RULE] = "call-1h" } },
		    { "obligation_state_due (state=? AND due>?)",
		    "obligation_state_due (state=? AND due=?)" }, 0 },
		{ "region, state and rule", head, { .v = { [OBLF_REGION] =
		    "KZ-75", [OBLF_STATE] = "open", [OBLF_RULE] = "call-1h" } },
		    { "obligation_region_state_due (region=? AND state=? AND",
		    "obligation_region_state_undated (region=? AND state=?)" },
		    0 },
		{ "a caller of two regions, state", zonal, { .v = {
		    [OBLF_STATE] = "overdue" } },
		    { "obligation_region_state_due (region=? AND state=?",
		    "obligation_region_state_undated (region=? AND state=?)" },
		    0 },
	};
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_plan(st, &cases[i]);
	store_close(st);
}

/* Some duties in three regions, with and without due times and records
 * (one ref in two regions); ids and due times interleave the regions. */
static void
seed(struct store *st)
{
	char	*sql, rec[16], due[16];
	int	 i;

	store_exec(st, "INSERT INTO user (login, role, created) VALUES"
	    " ('u', 'head', 0)");
	for (i = 0; i < 40; i++) {
		sql = sqlite3_mprintf("INSERT INTO record (kind, ref, region,"
		    " utcoff, submitted_by, stored, digest, xml) VALUES"
		    " ('incident', 'R-%d', %Q, 18000, 1, 1, x'00', '<x/>')",
		    i % 20, regions[i % 3]);
		ok(store_exec(st, sql) == SQLITE_OK, "record: %s",
		    store_errmsg(st));
		sqlite3_free(sql);
	}
	for (i = 0; i < 600; i++) {
		if (i % 5 == 0)
			snprintf(rec, sizeof rec, "NULL");
		else
			snprintf(rec, sizeof rec, "%d", 1 + i % 40);
		if (i % 11 == 0)
			snprintf(due, sizeof due, "NULL");
		else
			snprintf(due, sizeof due, "%d", 1000 + (i * 37) % 500);
		sql = sqlite3_mprintf("INSERT INTO obligation (key, rule, item,"
		    " ruleset, ruleset_version, action, record, region, actor,"
		    " start_event, starts, due, term, explain, state, created)"
		    " VALUES ('k%d', %Q, '1', 'rs', '1', 'a', %s, %Q, 'x', 'e', 0,"
		    " %s, 't', 'x', %Q, 0)", i, rules[i % 3], rec,
		    regions[(i / 7) % 3], due, states[(i / 2) % 3]);
		ok(store_exec(st, sql) == SQLITE_OK, "obligation: %s",
		    store_errmsg(st));
		sqlite3_free(sql);
	}
}

/* The ids of a list as oblist reads it, dated then undated (none if
 * due_before is given), space-separated into buf. */
static void
ids_oblist(struct store *st, const struct user *u, const struct obl_filter *f,
    char *buf, size_t len)
{
	const char	*rg[USER_MAXREGIONS];
	sqlite3_stmt	*s;
	size_t		 nr = oblist_regions(u, f, rg), used = 0;
	long		 n = 0;
	int		 half;

	buf[0] = '\0';
	for (half = 0; half < 2 && nr > 0 && n < f->limit &&
	    !(half == 1 && f->before != NULL); half++) {
		s = oblist_stmt(st, f, rg, nr, half, f->limit - n);
		while (sqlite3_step(s) == SQLITE_ROW && used < len) {
			used += (size_t)snprintf(buf + used, len - used, "%lld ",
			    sqlite3_column_int64(s, 0));
			n++;
		}
		sqlite3_reset(s);
	}
}

/* The same from a plain query that reads everything and sorts it. */
static void
ids_plain(struct store *st, const struct user *u, const struct obl_filter *f,
    char *buf, size_t len)
{
	static const char *cond[] = { "o.state", "o.region", "r.ref", "o.rule" };
	sqlite3_stmt	*s;
	sqlite3_str	*q = sqlite3_str_new(store_db(st));
	char		*sql;
	size_t		 used = 0, i;

	sqlite3_str_appendall(q, "SELECT o.id" OBL_FROM " WHERE 1");
	if (u->nregions > 0 || role_needs_region(u->role)) {
		sqlite3_str_appendall(q, " AND o.region IN (''");
		for (i = 0; i < u->nregions; i++)
			sqlite3_str_appendf(q, ", %Q", u->regions[i]);
		sqlite3_str_appendall(q, ")");
	}
	for (i = 0; i < OBLF_N; i++)
		if (f->v[i] != NULL)
			sqlite3_str_appendf(q, " AND %s = %Q", cond[i], f->v[i]);
	if (f->before != NULL)
		sqlite3_str_appendf(q, " AND o.due <= %lld",
		    (long long)f->due_before);
	sqlite3_str_appendf(q, " ORDER BY o.due IS NULL, o.due, o.id LIMIT %ld",
	    f->limit);
	sql = sqlite3_str_finish(q);
	buf[0] = '\0';
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		fatalx("plain: %s: %s", store_errmsg(st), sql);
	while (sqlite3_step(s) == SQLITE_ROW && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%lld ",
		    sqlite3_column_int64(s, 0));
	sqlite3_finalize(s);
	sqlite3_free(sql);
}

/* Every list reads exactly the rows, in the order, of a plain query that
 * sorts the whole table: callers of one, two and every region, each
 * filter, limits that cut the dated half and that reach the undated. */
static void
test_rows(void)
{
	struct store	*st = fresh_store();
	struct user	 users[] = { user_of(ROLE_HEAD, NULL, NULL),
	    user_of(ROLE_REGION, "KZ-75", NULL),
	    user_of(ROLE_DEPARTMENT, "KZ-75", "KZ-19"),
	    user_of(ROLE_REGION, NULL, NULL) };
	struct obl_filter f, filters[] = {
		{ .limit = 0 },
		{ .v = { [OBLF_STATE] = "open" } },
		{ .v = { [OBLF_REGION] = "KZ-19" } },
		{ .v = { [OBLF_REGION] = "KZ-63", [OBLF_STATE] = "met" } },
		{ .v = { [OBLF_RULE] = "court-3wd" } },
		{ .v = { [OBLF_RULE] = "call-1h", [OBLF_REGION] = "KZ-75" } },
		{ .v = { [OBLF_RULE] = "call-1h", [OBLF_STATE] = "open" } },
		{ .v = { [OBLF_RECORD] = "R-7" } },
		{ .v = { [OBLF_RECORD] = "R-3", [OBLF_STATE] = "met" } },
		{ .before = "1200", .due_before = 1200 },
		{ .v = { [OBLF_STATE] = "overdue" }, .before = "1300",
		    .due_before = 1300 },
	};
	long		 limits[] = { 5, 100, 10000 };
	char		 a[16384], b[16384];
	size_t		 i, j, k;

	seed(st);
	for (i = 0; i < sizeof users / sizeof users[0]; i++)
		for (j = 0; j < sizeof filters / sizeof filters[0]; j++)
			for (k = 0; k < sizeof limits / sizeof limits[0]; k++) {
				f = filters[j];
				f.limit = limits[k];
				ids_oblist(st, &users[i], &f, a, sizeof a);
				ids_plain(st, &users[i], &f, b, sizeof b);
				ok(strcmp(a, b) == 0, "user %zu, filter %zu, "
				    "limit %ld:\n oblist %.300s\n plain  %.300s",
				    i, j, f.limit, a, b);
			}
	/* Not vacuous: the plain lists hold rows. */
	f = filters[0];
	f.limit = 10000;
	ids_plain(st, &users[2], &f, b, sizeof b);
	ok(strlen(b) > 400, "two regions' duties: %zu bytes", strlen(b));
	store_close(st);
}

int
main(void)
{
	log_init("test-oblist", 1);
	test_plans();
	test_rows();
	return unit_done();
}
