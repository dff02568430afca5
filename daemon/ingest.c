/* ingest.c - storing validated records: idempotent by (region, ref), all or nothing */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "ingest.h"
#include "obligation.h"
#include "log.h"
#include "record.h"
#include "store.h"
#include "writer.h"

/* The stored id and digest of (region, ref): 0 found, 1 not, -1 error. */
static int
ingest_lookup(struct store *st, const struct record *r, long long *id,
    int *same)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	stmt = store_stmt(st, "SELECT id, digest FROM record"
	    " WHERE region = ? AND ref = ?");
	store_bind_text(stmt, 1, r->region);
	store_bind_text(stmt, 2, r->ref);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		*same = sqlite3_column_bytes(stmt, 1) == RECORD_DIGEST_LEN &&
		    memcmp(sqlite3_column_blob(stmt, 1), r->digest,
		    RECORD_DIGEST_LEN) == 0;
		sqlite3_reset(stmt);
		return 0;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 1 : -1;
}

/* The record row: the facts queries need as columns, and the XML itself. */
static int
ingest_row(struct store *st, const struct record *r, long long user_id,
    long long *id)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, "INSERT INTO record (kind, ref, region, office,"
	    " facility_kind, facility_code, occurred, received, decided, placed,"
	    " established, done, utcoff, cell, term_days, target, rule, outcome,"
	    " participants, submitted_by, stored, digest, xml) VALUES (?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	store_bind_text(stmt, 1, record_kind_name(r->kind));
	store_bind_text(stmt, 2, r->ref);
	store_bind_text(stmt, 3, r->region);
	store_bind_text(stmt, 4, r->office);
	store_bind_text(stmt, 5, r->facility_kind);
	store_bind_text(stmt, 6, r->facility_code);
	store_bind_time(stmt, 7, r->occurred);
	store_bind_time(stmt, 8, r->received);
	store_bind_time(stmt, 9, r->decided);
	store_bind_time(stmt, 10, r->placed);
	store_bind_time(stmt, 11, r->established);
	store_bind_time(stmt, 12, r->done);
	sqlite3_bind_int(stmt, 13, r->utcoff);
	store_bind_text(stmt, 14, r->cell);
	if (r->term_days >= 0)
		sqlite3_bind_int(stmt, 15, r->term_days);
	store_bind_text(stmt, 16, r->target);
	store_bind_text(stmt, 17, r->rule);
	store_bind_text(stmt, 18, r->outcome);
	if (r->participants >= 0)
		sqlite3_bind_int(stmt, 19, r->participants);
	sqlite3_bind_int64(stmt, 20, user_id);
	sqlite3_bind_int64(stmt, 21, now_s());
	sqlite3_bind_blob(stmt, 22, r->digest, RECORD_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 23, r->xml, (int)r->xmllen, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	*id = sqlite3_last_insert_rowid(store_db(st));
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Categories, persons and measures: the facts reports count by. */
static int
ingest_facts(struct store *st, const struct record *r, long long id)
{
	const struct record_person	*p;
	sqlite3_stmt			*stmt;
	size_t				 i;
	int				 rc = SQLITE_DONE;

	for (i = 0; rc == SQLITE_DONE && i < r->ncategories; i++) {
		stmt = store_stmt(st, "INSERT OR IGNORE INTO record_category"
		    " (record, category) VALUES (?, ?)");
		sqlite3_bind_int64(stmt, 1, id);
		store_bind_text(stmt, 2, r->categories[i]);
		rc = sqlite3_step(stmt);
	}
	for (i = 0; rc == SQLITE_DONE && i < r->npersons; i++) {
		p = &r->persons[i];
		stmt = store_stmt(st, "INSERT INTO person (record, seq, role, name,"
		    " iin, status, articles, on_register, born, sex) VALUES"
		    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, (long long)i);
		store_bind_text(stmt, 3, p->role);
		store_bind_text(stmt, 4, p->name);
		store_bind_text(stmt, 5, p->iin);
		store_bind_text(stmt, 6, p->status);
		store_bind_text(stmt, 7, p->articles);
		if (p->on_register >= 0)
			sqlite3_bind_int(stmt, 8, p->on_register);
		store_bind_text(stmt, 9, p->born);
		store_bind_text(stmt, 10, p->sex);
		rc = sqlite3_step(stmt);
	}
	for (i = 0; rc == SQLITE_DONE && i < r->nmeasures; i++) {
		stmt = store_stmt(st, "INSERT INTO measure (record, seq, kind,"
		    " date) VALUES (?, ?, ?, ?)");
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, (long long)i);
		store_bind_text(stmt, 3, r->measures[i].kind);
		store_bind_text(stmt, 4, r->measures[i].date);
		rc = sqlite3_step(stmt);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Store one record, or find it already stored. */
static int
ingest_one(struct store *st, const struct record *r, const char *actor,
    long long user_id, struct ingest_result *res, int *status, char **msg)
{
	char	object[160], detail[64];
	int	same, rc;

	res->created = 0;
	if ((rc = ingest_lookup(st, r, &res->id, &same)) == -1)
		return WJOB_FAILED;
	if (rc == 0 && same)
		return WJOB_OK;
	if (rc == 0) {
		*status = 409;
		xasprintf(msg, "ref %s of region %s is already stored (record "
		    "%lld) with different content; a correction needs a new "
		    "ref", r->ref, r->region, res->id);
		return WJOB_REFUSED;
	}
	if (ingest_row(st, r, user_id, &res->id) == -1 ||
	    ingest_facts(st, r, res->id) == -1)
		return WJOB_FAILED;
	snprintf(object, sizeof object, "record %lld (%s/%s)", res->id,
	    r->region, r->ref);
	snprintf(detail, sizeof detail, "kind=%s", record_kind_name(r->kind));
	if (audit_append(st, actor, "record.submit", object, detail) == -1)
		return WJOB_FAILED;
	res->created = 1;
	return WJOB_OK;
}

int
ingest_store(struct store *st, const struct record_set *set,
    const char *actor, long long user_id, struct ingest_result *res,
    int *status, char **msg)
{
	return ingest_store_law(st, set, actor, user_id, NULL, NULL, 0, res,
	    NULL, status, msg);
}

int
ingest_store_law(struct store *st, const struct record_set *set,
    const char *actor, long long user_id, const char *role,
    const struct law *law, int64_t now, struct ingest_result *res,
    struct schedvec *sv, int *status, char **msg)
{
	size_t	i;
	int	rc, created = 0;

	for (i = 0; i < set->n; i++) {
		rc = ingest_one(st, &set->v[i], actor, user_id, &res[i], status,
		    msg);
		if (rc != WJOB_OK)
			return rc;
		/* Duties exist in the same transaction as their record. */
		if (res[i].created && law != NULL &&
		    obligation_derive(st, law, &set->v[i], res[i].id, role, now,
		    sv) == -1)
			return WJOB_FAILED;
		created |= res[i].created;
	}
	*status = created ? 201 : 200;
	return WJOB_OK;
}
