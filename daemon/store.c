/* store.c - the SQLite connection: durable pragmas, migrations, a statement cache */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "record.h"
#include "store.h"

#define STORE_MAXSTMT	64
#define STORE_MAXTEXT	16	/* statements made at run time */

struct store_stmt {
	const char	*sql;
	sqlite3_stmt	*stmt;
};

struct store_text {
	char		*sql;		/* NULL: a free slot */
	uint64_t	 hash;
	sqlite3_stmt	*stmt;
	unsigned long	 used;		/* st->clock when last handed out */
};

struct store {
	sqlite3			*db;
	int			 flags;
	struct store_stmt	 stmts[STORE_MAXSTMT];
	size_t			 nstmts;
	struct store_text	 texts[STORE_MAXTEXT];
	unsigned long		 clock;
};

/* The pragmas every connection needs.  WAL with synchronous=FULL: a commit
 * is on disk before we answer 2xx (NORMAL may lose the last commits).
 * Temporary data in memory: the writer's savepoint per job keeps the
 * first image of every page it changes in a sub-journal, which in a
 * temporary file cost a write syscall per page (a third of the writer's
 * CPU); it is never needed after a crash, the WAL is. */
static int
store_pragmas(struct store *st, char **err)
{
	const char *sql =
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON;"
	    "PRAGMA trusted_schema=OFF;"
	    "PRAGMA temp_store=MEMORY;";
	char *msg = NULL;

	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		xasprintf(err, "cannot set up the database: %s",
		    msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	if ((st->flags & STORE_READONLY) &&
	    sqlite3_exec(st->db, "PRAGMA query_only=ON", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		xasprintf(err, "cannot make the reader read-only: %s",
		    sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* Open the database, creating it on first start, and bring its schema up to
 * date.  One open migrates (nadzord's first, before any thread): readers
 * and STORE_NOMIGRATE connections are opened later, on a schema made
 * current, and have no business changing it. */
struct store *
store_open(const char *path, int flags, char **err)
{
	struct store	*st;
	int		 oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	*err = NULL;
	st = xcalloc(1, sizeof *st);
	st->flags = flags;
	if (!(flags & STORE_READONLY))
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		xasprintf(err, "cannot open database %s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (store_pragmas(st, err) == -1)
		goto fail;
	if (!(flags & (STORE_READONLY | STORE_NOMIGRATE)) &&
	    migrate(st->db, MIGRATE_LATEST, err) == -1)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nstmts; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	for (i = 0; i < STORE_MAXTEXT; i++) {
		sqlite3_finalize(st->texts[i].stmt);
		free(st->texts[i].sql);
	}
	sqlite3_close(st->db);
	free(st);
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

/* Prepared statements are cached by the address of their static SQL text:
 * callers pass string literals, so a pointer compare finds them. */
sqlite3_stmt *
store_stmt(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;
	size_t		 i;

	for (i = 0; i < st->nstmts; i++) {
		if (st->stmts[i].sql == sql) {
			stmt = st->stmts[i].stmt;
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return stmt;
		}
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &stmt, NULL) != SQLITE_OK)
		fatalx("prepare: %s: %s", sqlite3_errmsg(st->db), sql);
	if (st->nstmts == STORE_MAXSTMT)
		fatalx("statement cache full: raise STORE_MAXSTMT");
	st->stmts[st->nstmts].sql = sql;
	st->stmts[st->nstmts++].stmt = stmt;
	return stmt;
}

/* FNV-1a: fast on short keys, and few of them share a value. */
uint64_t
store_hash(const void *p, size_t len)
{
	const unsigned char	*c = p;
	uint64_t		 h = 14695981039346656037ULL;

	while (len-- > 0)
		h = (h ^ *c++) * 1099511628211ULL;
	return h;
}

sqlite3_stmt *
store_stmt_text(struct store *st, const char *sql)
{
	struct store_text	*t, *lru = &st->texts[0];
	sqlite3_stmt		*stmt;
	uint64_t		 h = store_hash(sql, strlen(sql));
	size_t			 i;

	/* Most cached texts differ in their hash: few are compared whole. */
	for (i = 0; i < STORE_MAXTEXT; i++) {
		t = &st->texts[i];
		if (t->sql != NULL && t->hash == h && strcmp(t->sql, sql) == 0) {
			t->used = ++st->clock;
			sqlite3_reset(t->stmt);
			sqlite3_clear_bindings(t->stmt);
			return t->stmt;
		}
		if (t->used < lru->used)
			lru = t;	/* a free slot has used 0 */
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &stmt, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_finalize(lru->stmt);
	free(lru->sql);
	lru->sql = xstrdup(sql);
	lru->hash = h;
	lru->stmt = stmt;
	lru->used = ++st->clock;
	return stmt;
}

int
store_exec(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

/* Run a statement without results from the cache: the writer issues its
 * transaction and savepoint commands thousands of times a second. */
int
store_run(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt = store_stmt(st, sql);
	int		 rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* IMMEDIATE takes the write lock now, so a busy database fails here, after
 * the busy timeout, rather than halfway through a batch. */
int
store_begin(struct store *st)
{
	return store_run(st, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *st)
{
	return store_run(st, "COMMIT");
}

/* Roll back if a transaction is still open: SQLite may already have done
 * so itself after SQLITE_FULL or an I/O error. */
int
store_rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return SQLITE_OK;
	return store_exec(st, "ROLLBACK");
}

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

void
store_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
}

void
store_bind_time(sqlite3_stmt *stmt, int i, long long t)
{
	if (t == RECORD_NOTIME)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_int64(stmt, i, t);
}

long long
now_s(void)
{
	return (long long)time(NULL);
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
