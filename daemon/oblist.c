/* oblist.c - the SQL of an obligation list: an index seek per region, merged in due order */
#include <event2/buffer.h>

#include "oblist.h"
#include "store.h"
#include "user.h"

/*
 * The list is read on the event loop, so it must never walk the table:
 * at three million duties a filter checked row by row over
 * obligation_due costs seconds.  Each filter has an index that starts
 * with it (migrate.c, 7 and 8): state, region, region and state, region
 * and rule, rule; for the dated half it goes on in due order, for the
 * undated one (partial, "due IS NULL") in id order.  A record's duties
 * are found through record_ref and obligation_record, and sorted (a few
 * rows).
 *
 * A caller limited to regions reads each of them with its own seek, the
 * arms joined by UNION ALL: SQLite merges arms that come out in order of
 * the ORDER BY, reading about limit rows in all.  One "region IN (...)"
 * would make it fetch every duty of those regions and sort them.
 *
 * Parameters are numbered, so every arm names the same ones.
 */
#define P_STATE		1
#define P_RECORD	2
#define P_RULE		3
#define P_BEFORE	4
#define P_LIMIT		5
#define P_REGION	6	/* the first region; the arm's index added */

/* A compound SELECT orders by result columns: o.due is the 14th of
 * OBL_COMMON, o.id the first. */
#define ORDER_DATED	" ORDER BY 14, 1"
#define ORDER_UNDATED	" ORDER BY 1"

size_t
oblist_regions(const struct user *u, const struct obl_filter *f,
    const char **regions)
{
	const char	*want = f->v[OBLF_REGION];
	size_t		 i;

	if (want != NULL) {
		regions[0] = want;
		return user_sees_region(u, want) ? 1 : 0;
	}
	if (u->nregions == 0) {
		regions[0] = NULL;
		return role_needs_region(u->role) ? 0 : 1;
	}
	for (i = 0; i < u->nregions; i++)
		regions[i] = u->regions[i];
	return u->nregions;
}

/* One arm: the rows of one region (the parameter numbered region, or all
 * if 0) that pass the filters.  A record is found by its ref, and its
 * duties through obligation_record, which INDEXED BY insists on: left to
 * itself, SQLite walks a due-ordered index to save a sort of a few rows. */
static void
oblist_arm(struct evbuffer *sql, const struct obl_filter *f, int undated,
    int region)
{
	int record = f->v[OBLF_RECORD] != NULL;

	evbuffer_add_printf(sql, "SELECT " OBL_LIST_COLUMNS " FROM obligation o"
	    "%s LEFT JOIN record r ON r.id = o.record WHERE o.due IS %s",
	    record ? " INDEXED BY obligation_record" : "",
	    undated ? "NULL" : "NOT NULL");
	if (region > 0)
		evbuffer_add_printf(sql, " AND o.region = ?%d", region);
	if (f->v[OBLF_STATE] != NULL)
		evbuffer_add_printf(sql, " AND o.state = ?%d", P_STATE);
	if (record)
		evbuffer_add_printf(sql, " AND o.record IN (SELECT id FROM"
		    " record WHERE ref = ?%d)", P_RECORD);
	/* With a state too, "+" keeps the rule's index out: in due order it
	 * walks years of a rule's met duties to find the few open ones; the
	 * state's index reads only those. */
	if (f->v[OBLF_RULE] != NULL)
		evbuffer_add_printf(sql, " AND %so.rule = ?%d",
		    f->v[OBLF_STATE] != NULL ? "+" : "", P_RULE);
	if (f->before != NULL)
		evbuffer_add_printf(sql, " AND o.due <= ?%d", P_BEFORE);
}

/* Bind the parameters the arms name. */
static void
oblist_bind(sqlite3_stmt *s, const struct obl_filter *f,
    const char *const *regions, size_t n, long limit)
{
	size_t i;

	if (f->v[OBLF_STATE] != NULL)
		sqlite3_bind_text(s, P_STATE, f->v[OBLF_STATE], -1,
		    SQLITE_TRANSIENT);
	if (f->v[OBLF_RECORD] != NULL)
		sqlite3_bind_text(s, P_RECORD, f->v[OBLF_RECORD], -1,
		    SQLITE_TRANSIENT);
	if (f->v[OBLF_RULE] != NULL)
		sqlite3_bind_text(s, P_RULE, f->v[OBLF_RULE], -1,
		    SQLITE_TRANSIENT);
	if (f->before != NULL)
		sqlite3_bind_int64(s, P_BEFORE, f->due_before);
	sqlite3_bind_int64(s, P_LIMIT, limit);
	for (i = 0; i < n; i++)
		if (regions[i] != NULL)
			sqlite3_bind_text(s, P_REGION + (int)i, regions[i], -1,
			    SQLITE_TRANSIENT);
}

sqlite3_stmt *
oblist_stmt(struct store *st, const struct obl_filter *f,
    const char *const *regions, size_t n, int undated, long limit)
{
	struct evbuffer	*sql = evbuffer_new();
	sqlite3_stmt	*s;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			evbuffer_add_printf(sql, " UNION ALL ");
		oblist_arm(sql, f, undated, regions[i] != NULL ?
		    P_REGION + (int)i : 0);
	}
	evbuffer_add_printf(sql, "%s LIMIT ?%d", undated ? ORDER_UNDATED :
	    ORDER_DATED, P_LIMIT);
	evbuffer_add(sql, "", 1);
	s = store_stmt_text(st, (const char *)evbuffer_pullup(sql, -1));
	evbuffer_free(sql);
	if (s != NULL)
		oblist_bind(s, f, regions, n, limit);
	return s;
}
