/* migrate.c - the schema, as an ordered list of migrations keyed by user_version */
#include <stdlib.h>

#include "log.h"
#include "store.h"

/*
 * Each entry takes the schema from version i to i+1 and runs in the same
 * transaction as the bump of PRAGMA user_version, so an interrupted upgrade
 * leaves the old version intact.  Never edit an entry that has shipped:
 * append a new one.
 */
static const char *migrations[] = {
	/* 1: facts (records and what they name), users, the audit chain. */
	"CREATE TABLE user ("
	"  id INTEGER PRIMARY KEY,"
	"  login TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK (role IN ('district','region','department',"
	"    'head','analyst','admin')),"
	"  token_hash BLOB UNIQUE,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE user_region ("
	"  user INTEGER NOT NULL REFERENCES user(id),"
	"  region TEXT NOT NULL,"
	"  PRIMARY KEY (user, region)) WITHOUT ROWID;"
	"CREATE TABLE record ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  ref TEXT NOT NULL,"
	"  region TEXT NOT NULL,"
	"  office TEXT,"
	"  facility_kind TEXT,"
	"  facility_code TEXT,"
	"  occurred INTEGER, received INTEGER, decided INTEGER,"
	"  placed INTEGER, established INTEGER, done INTEGER,"
	"  utcoff INTEGER NOT NULL,"
	"  cell TEXT, term_days INTEGER,"
	"  target TEXT, rule TEXT, outcome TEXT, participants INTEGER,"
	"  submitted_by INTEGER NOT NULL REFERENCES user(id),"
	"  stored INTEGER NOT NULL,"
	"  digest BLOB NOT NULL,"
	"  xml TEXT NOT NULL,"
	"  UNIQUE (region, ref));"
	"CREATE TABLE record_category ("
	"  record INTEGER NOT NULL REFERENCES record(id),"
	"  category TEXT NOT NULL,"
	"  PRIMARY KEY (record, category)) WITHOUT ROWID;"
	"CREATE TABLE person ("
	"  record INTEGER NOT NULL REFERENCES record(id),"
	"  seq INTEGER NOT NULL,"
	"  role TEXT, name TEXT, iin TEXT, status TEXT, articles TEXT,"
	"  on_register INTEGER, born TEXT, sex TEXT,"
	"  PRIMARY KEY (record, seq)) WITHOUT ROWID;"
	"CREATE TABLE measure ("
	"  record INTEGER NOT NULL REFERENCES record(id),"
	"  seq INTEGER NOT NULL,"
	"  kind TEXT NOT NULL, date TEXT,"
	"  PRIMARY KEY (record, seq)) WITHOUT ROWID;"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  object TEXT,"
	"  detail TEXT,"
	"  prev BLOB NOT NULL,"
	"  hash BLOB NOT NULL);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit history is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit history is append-only'); END;"
	"CREATE TABLE health (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER);"
	"INSERT INTO health VALUES (1, 0);",

	/* 2: the indexes queries and reports need, learned from use. */
	"CREATE INDEX record_kind_occurred ON record (kind, occurred);"
	"CREATE INDEX record_region_kind ON record (region, kind);"
	"CREATE INDEX record_target ON record (region, target) WHERE target IS NOT NULL;"
	"CREATE INDEX record_category_category ON record_category (category, record);"
	"CREATE INDEX person_iin ON person (iin) WHERE iin IS NOT NULL;",

	/* 3: obligations derived from records and rules, their alerts,
	 * findings, absences, and what the derivations were made under. */
	"CREATE TABLE obligation ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"		/* rule/region/record/person/period */
	"  rule TEXT NOT NULL, item TEXT NOT NULL,"
	"  ruleset TEXT NOT NULL, ruleset_version TEXT NOT NULL,"
	"  action TEXT NOT NULL,"		/* the action that fulfils it */
	"  needs_outcome INTEGER NOT NULL DEFAULT 0,"
	"  record INTEGER REFERENCES record(id),"
	"  person INTEGER,"
	"  region TEXT NOT NULL,"
	"  period TEXT,"
	"  actor TEXT NOT NULL,"
	"  start_event TEXT NOT NULL,"
	"  starts INTEGER NOT NULL,"
	"  due INTEGER,"
	"  term TEXT NOT NULL,"
	"  explain TEXT NOT NULL,"
	"  missing TEXT,"
	"  note TEXT,"
	"  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','met',"
	"    'late','overdue','waived')),"
	"  done INTEGER, done_by INTEGER REFERENCES record(id),"
	"  waived_reason TEXT, waived_by TEXT,"
	"  next_at INTEGER,"
	"  step INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX obligation_next ON obligation (next_at)"
	"  WHERE next_at IS NOT NULL;"
	"CREATE INDEX obligation_record ON obligation (record, action);"
	"CREATE INDEX obligation_period ON obligation (region, period, action)"
	"  WHERE period IS NOT NULL;"
	"CREATE INDEX obligation_due ON obligation (due);"
	"CREATE TABLE alert ("
	"  id INTEGER PRIMARY KEY,"
	"  obligation INTEGER NOT NULL REFERENCES obligation(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('warning','breach','escalation')),"
	"  step INTEGER NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  due INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  acked INTEGER, acked_by TEXT,"
	"  UNIQUE (obligation, kind, recipient, step));"
	"CREATE INDEX alert_at ON alert (at);"
	"CREATE TABLE finding ("
	"  id INTEGER PRIMARY KEY,"
	"  record INTEGER NOT NULL REFERENCES record(id),"
	"  kind TEXT NOT NULL,"
	"  seconds INTEGER,"
	"  text TEXT NOT NULL);"
	"CREATE INDEX finding_record ON finding (record);"
	"CREATE TABLE user_absence ("
	"  user INTEGER PRIMARY KEY REFERENCES user(id),"
	"  until INTEGER NOT NULL,"
	"  substitute INTEGER REFERENCES user(id));"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);",

	/* 4: deliveries of alerts to the configured hook, retried until the
	 * hook exits 0 (at least once, across restarts). */
	"CREATE TABLE hook_delivery ("
	"  alert INTEGER PRIMARY KEY REFERENCES alert(id),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL,"
	"  done INTEGER,"
	"  last_error TEXT);"
	"CREATE INDEX hook_delivery_next ON hook_delivery (next_try)"
	"  WHERE done IS NULL;",

	/* 5: the analyses (report.c) count records by their own event time:
	 * placements by decided, NPM violations by established, special
	 * regimes by received; incidents use record_kind_occurred. */
	"CREATE INDEX record_kind_decided ON record (kind, decided)"
	"  WHERE decided IS NOT NULL;"
	"CREATE INDEX record_kind_established ON record (kind, established)"
	"  WHERE established IS NOT NULL;"
	"CREATE INDEX record_kind_received ON record (kind, received)"
	"  WHERE received IS NOT NULL;",

	/* 6: submitted reports (submission.c), frozen: the document as sent,
	 * the report XML it was rendered from and the SHA-256 (hex) of each.
	 * scope is 'all' or the regions, space-separated; each later version
	 * of (kind, period, scope) is a correction and says why.  The big
	 * columns come last, so listing never reads them. */
	"CREATE TABLE submission ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  period TEXT NOT NULL,"
	"  scope TEXT NOT NULL,"
	"  version INTEGER NOT NULL CHECK (version >= 1),"
	"  reason TEXT,"
	"  format TEXT NOT NULL CHECK (format IN ('html','csv','xml','pdf')),"
	"  lang TEXT NOT NULL,"
	"  submitted_by INTEGER NOT NULL REFERENCES user(id),"
	"  submitted_at INTEGER NOT NULL,"
	"  data_sha256 TEXT NOT NULL CHECK (length(data_sha256) = 64),"
	"  document_sha256 TEXT NOT NULL CHECK (length(document_sha256) = 64),"
	"  data_xml TEXT NOT NULL,"
	"  document BLOB NOT NULL,"
	"  CHECK ((version = 1) = (reason IS NULL)),"
	"  UNIQUE (kind, period, scope, version));"
	"CREATE TRIGGER submission_no_update BEFORE UPDATE ON submission"
	"  BEGIN SELECT RAISE(ABORT, 'submitted reports are frozen'); END;"
	"CREATE TRIGGER submission_no_delete BEFORE DELETE ON submission"
	"  BEGIN SELECT RAISE(ABORT, 'submitted reports are frozen'); END;",

	/* 7: the list of one state (GET /api/v1/obligations?state=open) in
	 * due order: on obligation_due alone it walks every met and late
	 * duty of ten years to find the open ones. */
	"CREATE INDEX obligation_state_due ON obligation (state, due);",

	/* 8: the other filters of that list (oblist.c), each an index that
	 * starts with it, so a list of one region, rule or record reads its
	 * own rows, not every duty of ten years: region (what every
	 * regional caller reads), region and state, region and rule, rule.
	 * The dated half of the list wants them in due order, the undated
	 * half in id order: one partial index of each for each half.  Being
	 * partial, only a query that says "due IS [NOT] NULL" (the list's)
	 * can use them: the plans of the alerts list, the reports and the
	 * derivations stay as they were.  Records by ref alone, which the
	 * list is given without a region. */
	"CREATE INDEX obligation_region_due ON obligation (region, due)"
	"  WHERE due IS NOT NULL;"
	"CREATE INDEX obligation_region_state_due ON obligation"
	"  (region, state, due) WHERE due IS NOT NULL;"
	"CREATE INDEX obligation_region_rule_due ON obligation"
	"  (region, rule, due) WHERE due IS NOT NULL;"
	"CREATE INDEX obligation_rule_due ON obligation (rule, due)"
	"  WHERE due IS NOT NULL;"
	"CREATE INDEX obligation_region_undated ON obligation (region)"
	"  WHERE due IS NULL;"
	"CREATE INDEX obligation_region_state_undated ON obligation"
	"  (region, state) WHERE due IS NULL;"
	"CREATE INDEX obligation_region_rule_undated ON obligation"
	"  (region, rule) WHERE due IS NULL;"
	"CREATE INDEX obligation_rule_undated ON obligation (rule)"
	"  WHERE due IS NULL;"
	"CREATE INDEX record_ref ON record (ref);",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int
migrate_latest(void)
{
	return NMIGRATIONS;
}

/* The schema version the file carries. */
static int
migrate_version(sqlite3 *db)
{
	sqlite3_stmt	*stmt;
	int		 v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* Apply migration i (0-based) and bump user_version in one transaction. */
static int
migrate_one(sqlite3 *db, int i, char **err)
{
	char	*sql, *msg = NULL;

	xasprintf(&sql, "BEGIN IMMEDIATE; %s PRAGMA user_version=%d; COMMIT;",
	    migrations[i], i + 1);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		xasprintf(err, "cannot upgrade the database to version %d: %s",
		    i + 1, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		free(sql);
		return -1;
	}
	free(sql);
	log_debug("database upgraded to schema version %d", i + 1);
	return 0;
}

/* Bring the schema to version target; refuse a file from a newer nadzor
 * rather than guess at its layout. */
int
migrate(sqlite3 *db, int target, char **err)
{
	int v, i;

	if (target < 0 || target > NMIGRATIONS)
		target = NMIGRATIONS;
	if ((v = migrate_version(db)) == -1) {
		xasprintf(err, "cannot read the schema version: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (v > NMIGRATIONS) {
		xasprintf(err, "the database has schema version %d, newer than "
		    "this nadzor knows (%d): upgrade nadzor", v, NMIGRATIONS);
		return -1;
	}
	for (i = v; i < target; i++)
		if (migrate_one(db, i, err) == -1)
			return -1;
	return 0;
}
