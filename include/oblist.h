/* oblist.h - the SQL of an obligation list: an index seek per region, merged in due order */
#ifndef NADZOR_OBLIST_H
#define NADZOR_OBLIST_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3_stmt;
struct store;
struct user;

/* Columns every obligation query selects, in this order; the list leaves
 * out the explanation, which only the detail shows. */
#define OBL_COMMON \
	"o.id, o.rule, o.item, o.ruleset, o.ruleset_version, r.ref, o.record," \
	" o.person, o.period, o.region, o.actor, o.start_event, o.starts," \
	" o.due, o.term, o.state, o.done, o.missing, o.note, o.waived_reason"
#define OBL_COLUMNS		OBL_COMMON ", o.explain"
#define OBL_LIST_COLUMNS	OBL_COMMON ", NULL"
#define OBL_FROM " FROM obligation o LEFT JOIN record r ON r.id = o.record"

/* A list's filters as given (NULL: not given), pointing into the parsed
 * query; due_before is before as a time. */
enum { OBLF_STATE, OBLF_REGION, OBLF_RECORD, OBLF_RULE, OBLF_N };
struct obl_filter {
	const char	*v[OBLF_N];
	const char	*before;
	int64_t		 due_before;
	long		 limit;
};

/*
 * The regions a list reads, one index seek each (regions must hold
 * USER_MAXREGIONS): the one asked for if the caller may see it, else every
 * region of the caller's; a single NULL for a national caller who names
 * none (every region).  0: nothing the caller may see; the list is empty.
 */
size_t	oblist_regions(const struct user *, const struct obl_filter *,
	    const char **regions);

/*
 * One half of the list on st, bound: the duties with a due time (undated
 * 0) in due, then id order, or those without (1) by id, at most limit
 * rows, of the n regions (n >= 1).  Each region's rows come from an index
 * in that order (migrations 7 and 8), so the query reads about limit rows
 * whatever the size of the table; a record's few duties are sorted.  The
 * statement is valid until the next store_stmt_text on st; NULL if it
 * does not prepare (store_errmsg says why).
 */
struct sqlite3_stmt	*oblist_stmt(struct store *st, const struct obl_filter *,
			    const char *const *regions, size_t n, int undated,
			    long limit);

#endif
