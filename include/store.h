/* store.h - the SQLite database: one connection, its pragmas, its statements */
#ifndef NADZOR_STORE_H
#define NADZOR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define STORE_BUSY_MS	5000	/* how long a writer waits for another process's lock */

struct store;

#define STORE_READONLY	0x01	/* a reader: query_only, no migration */
#define STORE_NOMIGRATE	0x02	/* a second writable connection: the first
				 * open migrated the schema already */

/* Open (creating and migrating when writable, unless STORE_NOMIGRATE)
 * the database at path. */
struct store	*store_open(const char *path, int flags, char **err);
void		 store_close(struct store *);
sqlite3		*store_db(struct store *);

/* A cached prepared statement for a static SQL string, reset and unbound. */
sqlite3_stmt	*store_stmt(struct store *, const char *sql);
/* The same for SQL made at run time (a list's filters, a user's regions):
 * a few are kept, keyed by their text, the least recently used finalized
 * to make room, so the statement is valid until the next call.  NULL if
 * it does not prepare (store_errmsg says why). */
sqlite3_stmt	*store_stmt_text(struct store *, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; SQLite's result code. */
int	 store_begin(struct store *);
int	 store_commit(struct store *);
int	 store_rollback(struct store *);
int	 store_exec(struct store *, const char *sql);
/* A cached statement without results, for a string literal. */
int	 store_run(struct store *, const char *sql);
/* The last error as a sentence, for logs and 503 bodies. */
const char	*store_errmsg(struct store *);

/* Bind helpers: text or NULL, and int64 or NULL for RECORD_NOTIME. */
void	store_bind_text(sqlite3_stmt *, int, const char *);
void	store_bind_time(sqlite3_stmt *, int, long long);

/* migrate.c: bring the schema to version target (-1: the latest). */
#define MIGRATE_LATEST	(-1)
int	migrate(sqlite3 *, int target, char **err);
int	migrate_latest(void);

/* FNV-1a of len bytes: the key of the statement cache and of the list
 * cache (listcache.c). */
uint64_t	store_hash(const void *, size_t len);

/* Seconds and milliseconds since the epoch, from the wall clock. */
long long	now_s(void);
long long	now_ms(void);

#endif
