/* test-store.c - the store, migrations, users and tokens, the audit chain, ingest */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "ingest.h"
#include "log.h"
#include "record.h"
#include "store.h"
#include "user.h"
#include "writer.h"
#include "unit.h"

static char dbpath[64];

/* A fresh database file name in /tmp. */
static const char *
fresh_db(void)
{
	char p[80];

	snprintf(dbpath, sizeof dbpath, "/tmp/nadzor-unit-%d.db", (int)getpid());
	unlink(dbpath);
	snprintf(p, sizeof p, "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", dbpath);
	unlink(p);
	return dbpath;
}

/* One integer from a query. */
static long long
q1(struct store *st, const char *sql)
{
	sqlite3_stmt	*s;
	long long	 v = -1;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The durable settings are on, and the schema is the latest. */
static void
test_open(void)
{
	struct store	*st;
	char		*err = NULL;

	st = store_open(fresh_db(), 0, &err);
	ok(st != NULL, "open: %s", err ? err : "");
	ok(q1(st, "PRAGMA synchronous") == 2, "synchronous=FULL");
	ok(q1(st, "PRAGMA user_version") == migrate_latest(), "version");
	ok(q1(st, "SELECT count(*) FROM sqlite_master WHERE name='record_kind_occurred'")
	    == 1, "index of migration 2");
	store_close(st);
	st = store_open(dbpath, STORE_READONLY, &err);
	ok(st != NULL, "reader opens");
	ok(sqlite3_exec(store_db(st), "INSERT INTO health VALUES (2, 0)", NULL,
	    NULL, NULL) != SQLITE_OK, "reader cannot write");
	store_close(st);
}

/* Only the first open migrates: a second writable connection
 * (STORE_NOMIGRATE, the writer's and the checkpointer's) leaves the schema
 * as it finds it, and still writes. */
static void
test_nomigrate(void)
{
	struct store	*st;
	char		*err = NULL;

	st = store_open(fresh_db(), STORE_NOMIGRATE, &err);
	ok(st != NULL, "opens: %s", err ? err : "");
	ok(q1(st, "PRAGMA user_version") == 0, "no migration on a new file");
	ok(q1(st, "SELECT count(*) FROM sqlite_master") == 0, "no tables made");
	store_close(st);
	st = store_open(dbpath, 0, &err);
	ok(st != NULL && q1(st, "PRAGMA user_version") == migrate_latest(),
	    "the first open migrates: %s", err ? err : "");
	sqlite3_exec(store_db(st), "PRAGMA user_version=1", NULL, NULL, NULL);
	store_close(st);
	st = store_open(dbpath, STORE_NOMIGRATE, &err);
	ok(st != NULL && q1(st, "PRAGMA user_version") == 1,
	    "an older version is left alone: %s", err ? err : "");
	ok(sqlite3_exec(store_db(st), "UPDATE health SET at = 1", NULL, NULL,
	    NULL) == SQLITE_OK, "and it writes");
	store_close(st);
}

/* A file at version 1 with data is upgraded and keeps its data. */
static void
test_upgrade(void)
{
	struct store	*st;
	sqlite3		*db;
	char		*err = NULL;

	sqlite3_open(fresh_db(), &db);
	ok(migrate(db, 1, &err) == 0, "migrate to 1: %s", err ? err : "");
	sqlite3_exec(db, "INSERT INTO user (login, role, created) VALUES"
	    " ('old', 'region', 1);"
	    "INSERT INTO record (kind, ref, region, utcoff, submitted_by, stored,"
	    " digest, xml) VALUES ('incident', 'R1', 'KZ-75', 18000, 1, 1,"
	    " x'00', '<x/>');", NULL, NULL, NULL);
	sqlite3_close(db);
	st = store_open(dbpath, 0, &err);
	ok(st != NULL, "upgrade opens: %s", err ? err : "");
	ok(q1(st, "PRAGMA user_version") == migrate_latest(), "upgraded");
	ok(q1(st, "SELECT count(*) FROM record WHERE ref='R1'") == 1, "data kept");
	ok(q1(st, "SELECT count(*) FROM sqlite_master WHERE name='person_iin'")
	    == 1, "new index present");
	sqlite3_exec(store_db(st), "PRAGMA user_version=99", NULL, NULL, NULL);
	store_close(st);
	st = store_open(dbpath, 0, &err);
	ok(st == NULL && err != NULL && strstr(err, "newer") != NULL,
	    "a newer schema is refused: %s", err ? err : "(none)");
	free(err);
}

#define SUBMISSION_ROW(v, reason, format) "INSERT INTO submission (kind," \
	" period, scope, version, reason, format, lang, submitted_by," \
	" submitted_at, data_sha256, document_sha256, data_xml, document)" \
	" VALUES ('quarterly', '2025-Q1', 'KZ-75', " v ", " reason ", '" \
	format "', 'ru', 1, 1, printf('%064d', 0), printf('%064d', 1)," \
	" '<report/>', x'00')"

/* Migration 6: submitted reports come from a file at version 5, and stay
 * as stored: one row per version, a correction with its reason, no
 * UPDATE or DELETE. */
static void
test_submission_table(void)
{
	struct store	*st;
	sqlite3		*db;
	char		*err = NULL;

	sqlite3_open(fresh_db(), &db);
	ok(migrate(db, 5, &err) == 0, "migrate to 5: %s", err ? err : "");
	ok(sqlite3_exec(db, "SELECT 1 FROM submission", NULL, NULL, NULL) !=
	    SQLITE_OK, "no submission table at 5");
	sqlite3_exec(db, "INSERT INTO user (login, role, created) VALUES"
	    " ('alm', 'region', 1)", NULL, NULL, NULL);
	sqlite3_close(db);
	st = store_open(dbpath, 0, &err);
	ok(st != NULL && q1(st, "PRAGMA user_version") == migrate_latest(),
	    "upgraded from 5");
	ok(store_exec(st, SUBMISSION_ROW("1", "NULL", "html")) == SQLITE_OK,
	    "version 1 stored");
	ok(store_exec(st, SUBMISSION_ROW("1", "NULL", "pdf")) != SQLITE_OK,
	    "version 1 twice refused");
	ok(store_exec(st, SUBMISSION_ROW("2", "NULL", "pdf")) != SQLITE_OK,
	    "a correction without a reason refused");
	ok(store_exec(st, SUBMISSION_ROW("1", "'why'", "pdf")) != SQLITE_OK,
	    "a first version with a reason refused");
	ok(store_exec(st, SUBMISSION_ROW("2", "'late records'", "doc")) !=
	    SQLITE_OK, "an unknown format refused");
	ok(store_exec(st, SUBMISSION_ROW("2", "'late records'", "pdf")) ==
	    SQLITE_OK, "a correction stored");
	ok(store_exec(st, "UPDATE submission SET document = x'01'") !=
	    SQLITE_OK, "UPDATE refused by trigger");
	ok(store_exec(st, "DELETE FROM submission WHERE version = 2") !=
	    SQLITE_OK, "DELETE refused by trigger");
	ok(q1(st, "SELECT count(*) FROM submission WHERE document = x'00'") == 2,
	    "both rows as stored");
	store_close(st);
}

/* 1 if SQLite's plan for sql names index. */
static int
plan_uses(struct store *st, const char *sql, const char *index)
{
	sqlite3_stmt	*s;
	char		*q;
	int		 found = 0;

	xasprintf(&q, "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(store_db(st), q, -1, &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW)
			if (strstr((const char *)sqlite3_column_text(s, 3), index))
				found = 1;
		sqlite3_finalize(s);
	}
	free(q);
	return found;
}

/* Migration 7: a file at version 6 gains obligation_state_due, and the
 * list of one state in due order (api-obligations.c) goes through it. */
static void
test_state_due_index(void)
{
	struct store	*st;
	sqlite3		*db;
	char		*err = NULL;

	sqlite3_open(fresh_db(), &db);
	ok(migrate(db, 6, &err) == 0, "migrate to 6: %s", err ? err : "");
	sqlite3_close(db);
	st = store_open(dbpath, 0, &err);
	ok(st != NULL && q1(st, "PRAGMA user_version") == migrate_latest(),
	    "upgraded from 6");
	ok(q1(st, "SELECT count(*) FROM sqlite_master WHERE"
	    " name='obligation_state_due'") == 1, "obligation_state_due present");
	ok(plan_uses(st, "SELECT o.id FROM obligation o WHERE o.due IS NOT NULL"
	    " AND o.state = 'open' ORDER BY o.due, o.id LIMIT 100",
	    "obligation_state_due"), "the list of one state uses it");
	store_close(st);
}

/* Migration 8: a file at version 7 with duties and records gains the
 * list's indexes (oblist.c, whose plans test-oblist checks) and keeps its
 * rows; the partial indexes hold the dated and the undated duties apart,
 * so queries without "due IS [NOT] NULL" never see them. */
static void
test_list_indexes(void)
{
	static const char *names[] = { "obligation_region_due",
	    "obligation_region_state_due", "obligation_region_rule_due",
	    "obligation_rule_due", "obligation_region_undated",
	    "obligation_region_state_undated", "obligation_region_rule_undated",
	    "obligation_rule_undated", "record_ref" };
	struct store	*st;
	sqlite3		*db;
	char		*err = NULL, q[160];
	size_t		 i;

	sqlite3_open(fresh_db(), &db);
	ok(migrate(db, 7, &err) == 0, "migrate to 7: %s", err ? err : "");
	ok(sqlite3_exec(db, "INSERT INTO user (login, role, created) VALUES"
	    " ('old', 'region', 1);"
	    "INSERT INTO record (kind, ref, region, utcoff, submitted_by, stored,"
	    " digest, xml) VALUES ('incident', 'R1', 'KZ-75', 18000, 1, 1,"
	    " x'00', '<x/>');"
	    "INSERT INTO obligation (key, rule, item, ruleset, ruleset_version,"
	    " action, record, region, actor, start_event, starts, due, term,"
	    " explain, created) VALUES ('a', 'call-1h', '23', 'kz', '1', 'x', 1,"
	    " 'KZ-75', 'region', 'received', 0, 3600, '1h', 'e', 0),"
	    " ('b', 'conclusion', '20', 'kz', '1', 'x', 1, 'KZ-75', 'district',"
	    " 'occurred', 0, NULL, 'none', 'e', 0)", NULL, NULL, NULL) ==
	    SQLITE_OK, "rows at 7: %s", sqlite3_errmsg(db));
	sqlite3_close(db);
	st = store_open(dbpath, 0, &err);
	ok(st != NULL && q1(st, "PRAGMA user_version") == migrate_latest(),
	    "upgraded from 7: %s", err ? err : "");
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(q, sizeof q, "SELECT count(*) FROM sqlite_master WHERE"
		    " type = 'index' AND name = '%s'", names[i]);
		ok(q1(st, q) == 1, "%s present", names[i]);
	}
	ok(q1(st, "SELECT count(*) FROM obligation INDEXED BY"
	    " obligation_region_due WHERE region = 'KZ-75' AND due IS NOT NULL")
	    == 1, "the dated duty in the dated index");
	ok(q1(st, "SELECT count(*) FROM obligation INDEXED BY"
	    " obligation_region_undated WHERE region = 'KZ-75' AND due IS NULL")
	    == 1, "the undated duty in the undated index");
	ok(q1(st, "SELECT count(*) FROM record INDEXED BY record_ref WHERE"
	    " ref = 'R1'") == 1, "records by ref");
	ok(plan_uses(st, "SELECT o.record FROM obligation o WHERE o.record IN"
	    " (1, 2) AND o.rule IN ('call-1h', 'report-3h')",
	    "obligation_record"), "a report's duties still by record");
	store_close(st);
}

/* Tokens: shown once, stored hashed, rotated and disabled. */
static void
test_users(void)
{
	struct store	*st;
	struct user	 u;
	char		 regions[2][16] = { "KZ-75", "KZ-19" };
	char		 tok[TOKEN_LEN], tok2[TOKEN_LEN], *err = NULL;

	st = store_open(fresh_db(), 0, &err);
	ok(user_add(st, "local:test", "zonal", ROLE_DEPARTMENT, regions, 2, tok,
	    &err) == 0, "add: %s", err ? err : "");
	ok(strlen(tok) == 43, "token of 256 bits in base64url: %zu", strlen(tok));
	ok(user_by_token(st, tok, strlen(tok), &u) == 0 && u.nregions == 2 &&
	    u.role == ROLE_DEPARTMENT, "found by token");
	ok(user_sees_region(&u, "KZ-19") && !user_sees_region(&u, "KZ-71"),
	    "regions limit");
	/* 32 bytes stored for a 43-character token: the hash, not the token. */
	ok(q1(st, "SELECT count(*) FROM user WHERE length(token_hash) = 32") == 1,
	    "a 32-byte hash is stored");
	ok(user_add(st, "local:test", "zonal", ROLE_HEAD, NULL, 0, tok2, &err)
	    == -1 && strstr(err, "exists") != NULL, "duplicate login refused");
	free(err);
	err = NULL;
	ok(user_rotate(st, "local:test", "zonal", tok2, &err) == 0, "rotate");
	ok(user_by_token(st, tok, strlen(tok), &u) == 1, "old token dead");
	ok(user_by_token(st, tok2, strlen(tok2), &u) == 0, "new token works");
	ok(user_disable(st, "local:test", "zonal", &err) == 0, "disable");
	ok(user_by_token(st, tok2, strlen(tok2), &u) == 1, "disabled user shut out");
	ok(user_disable(st, "local:test", "nobody", &err) == -1, "unknown user");
	free(err);
	ok(q1(st, "SELECT count(*) FROM audit WHERE action LIKE 'user.%'") == 3,
	    "changes audited");
	u.nregions = 0;
	u.role = ROLE_REGION;
	ok(!user_sees_region(&u, "KZ-75"), "a region role without regions sees none");
	u.role = ROLE_HEAD;
	ok(user_sees_region(&u, "KZ-75"), "a head without regions sees all");
	store_close(st);
}

/* Who submits what: records all but analysts, reports region offices,
 * zonal officers, heads and administrators (district offices report to
 * their region office). */
static void
test_may_submit(void)
{
	static const struct {
		enum role	role;
		int		record, report;
	} want[] = {
		{ ROLE_DISTRICT, 1, 0 },
		{ ROLE_REGION, 1, 1 },
		{ ROLE_DEPARTMENT, 1, 1 },
		{ ROLE_HEAD, 1, 1 },
		{ ROLE_ANALYST, 0, 0 },
		{ ROLE_ADMIN, 1, 1 },
	};
	size_t	i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		ok(role_may_submit(want[i].role, SUBMIT_RECORD) == want[i].record,
		    "%s: records", role_name(want[i].role));
		ok(role_may_submit(want[i].role, SUBMIT_REPORT) == want[i].report,
		    "%s: reports", role_name(want[i].role));
	}
}

/* The chain verifies, refuses edits, and names the first broken entry. */
static void
test_audit(void)
{
	struct store	*st;
	char		 why[256], *err = NULL;
	long long	 n;
	int		 i;

	st = store_open(fresh_db(), 0, &err);
	store_begin(st);
	for (i = 0; i < 5; i++)
		ok(audit_append(st, "a", "test", "obj", i % 2 ? "d" : NULL) == 0,
		    "append");
	store_commit(st);
	ok(audit_verify(st, &n, why, sizeof why) == 0 && n == 5, "intact");
	ok(store_exec(st, "UPDATE audit SET actor='b' WHERE id=2") != SQLITE_OK,
	    "UPDATE refused by trigger");
	ok(store_exec(st, "DELETE FROM audit WHERE id=2") != SQLITE_OK,
	    "DELETE refused by trigger");
	store_exec(st, "DROP TRIGGER audit_no_update; UPDATE audit SET detail="
	    "'forged' WHERE id=3");
	ok(audit_verify(st, &n, why, sizeof why) == 3 && n == 2,
	    "edit found at 3: %s", why);
	store_exec(st, "UPDATE audit SET detail=NULL WHERE id=3");
	ok(audit_verify(st, &n, why, sizeof why) == 0, "restored");
	store_exec(st, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id=4");
	ok(audit_verify(st, &n, why, sizeof why) == 5 && strstr(why, "missing"),
	    "deletion found at 5: %s", why);
	store_close(st);
}

static const char rec1[] =
    "<incident xmlns=\"urn:nadzor:record:1\"><ref>R-1</ref><region>KZ-75"
    "</region><facility kind=\"ivs\"/><category>escape</category>"
    "<category>weapon</category><occurred>2024-01-01T00:00:00+06:00</occurred>"
    "<received>2024-01-01T00:30:00+06:00</received></incident>";
static const char rec1b[] =
    "<incident xmlns=\"urn:nadzor:record:1\"><ref>R-1</ref><region>KZ-75"
    "</region><facility kind=\"ivs\"/><category>escape</category>"
    "<occurred>2024-01-01T00:00:00+06:00</occurred>"
    "<received>2024-01-01T00:30:00+06:00</received></incident>";

/* Parse one of the records above. */
static int
parse(struct record_schema *sc, const char *s, struct record_set *set)
{
	struct record_error e;

	return record_parse(sc, s, strlen(s), 1800000000, set, &e);
}

/* Idempotent by (region, ref): same content 200, other content 409. */
static void
test_ingest(void)
{
	struct record_schema	*sc;
	struct store		*st;
	struct record_set	 a, b;
	struct ingest_result	 res;
	char			*err = NULL, *msg = NULL;
	int			 status = 0;

	sc = record_schema_load(&err);
	ok(sc != NULL, "schema: %s", err ? err : "");
	ok(parse(sc, rec1, &a) == 0 && parse(sc, rec1b, &b) == 0, "parsed");
	st = store_open(fresh_db(), 0, &err);
	store_exec(st, "INSERT INTO user (login, role, created) VALUES ('u','region',0)");
	store_begin(st);
	ok(ingest_store(st, &a, "u", 1, &res, &status, &msg) == WJOB_OK &&
	    status == 201 && res.created, "created");
	ok(ingest_store(st, &a, "u", 1, &res, &status, &msg) == WJOB_OK &&
	    status == 200 && !res.created && res.id == 1, "same again: 200");
	ok(ingest_store(st, &b, "u", 1, &res, &status, &msg) == WJOB_REFUSED &&
	    status == 409 && strstr(msg, "different content"), "other content: 409");
	free(msg);
	store_commit(st);
	ok(q1(st, "SELECT count(*) FROM record_category WHERE record=1") == 2,
	    "categories stored");
	ok(q1(st, "SELECT occurred FROM record") == 1704045600, "occurred in UTC");
	ok(q1(st, "SELECT count(*) FROM audit WHERE action='record.submit'") == 1,
	    "one audit entry");
	record_set_free(&a);
	record_set_free(&b);
	store_close(st);
	record_schema_free(sc);
}

int
main(void)
{
	log_init("test-store", 1);
	test_open();
	test_nomigrate();
	test_upgrade();
	test_submission_table();
	test_state_due_index();
	test_list_indexes();
	test_users();
	test_may_submit();
	test_audit();
	test_ingest();
	unlink(fresh_db());
	return unit_done();
}
