/* audit.c - the append-only, hash-chained history of who did what */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "log.h"
#include "store.h"

#define AUDIT_HASHLEN	crypto_hash_sha256_BYTES

/* Feed one field with its length first, so ("ab","c") and ("a","bc") differ. */
static void
audit_feed(crypto_hash_sha256_state *h, const void *p, size_t len)
{
	unsigned char n[8];
	size_t i;

	for (i = 0; i < 8; i++)
		n[i] = (unsigned char)((unsigned long long)len >> (8 * i));
	crypto_hash_sha256_update(h, n, sizeof n);
	if (len > 0)
		crypto_hash_sha256_update(h, p, len);
}

/* The hash of an entry: its fields and the hash of the entry before it. */
static void
audit_hash(const unsigned char *prev, long long id, long long at,
    const char *actor, const char *action, const char *object,
    const char *detail, unsigned char out[AUDIT_HASHLEN])
{
	crypto_hash_sha256_state h;
	char num[48];

	crypto_hash_sha256_init(&h);
	audit_feed(&h, prev, AUDIT_HASHLEN);
	snprintf(num, sizeof num, "%lld/%lld", id, at);
	audit_feed(&h, num, strlen(num));
	audit_feed(&h, actor, strlen(actor));
	audit_feed(&h, action, strlen(action));
	audit_feed(&h, object ? object : "", object ? strlen(object) + 1 : 0);
	audit_feed(&h, detail ? detail : "", detail ? strlen(detail) + 1 : 0);
	crypto_hash_sha256_final(&h, out);
}

/* The hash and id of the last entry; zeroes and 0 for an empty chain. */
static int
audit_tail(struct store *st, unsigned char prev[AUDIT_HASHLEN], long long *id)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
	memset(prev, 0, AUDIT_HASHLEN);
	*id = 0;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		if (sqlite3_column_bytes(stmt, 1) == AUDIT_HASHLEN)
			memcpy(prev, sqlite3_column_blob(stmt, 1), AUDIT_HASHLEN);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
audit_append(struct store *st, const char *actor, const char *action,
    const char *object, const char *detail)
{
	unsigned char	 prev[AUDIT_HASHLEN], hash[AUDIT_HASHLEN];
	sqlite3_stmt	*stmt;
	long long	 id, at = now_ms();
	int		 rc;

	if (audit_tail(st, prev, &id) == -1)
		return -1;
	id++;
	audit_hash(prev, id, at, actor, action, object, detail, hash);
	stmt = store_stmt(st, "INSERT INTO audit (id, at, actor, action, object,"
	    " detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, at);
	store_bind_text(stmt, 3, actor);
	store_bind_text(stmt, 4, action);
	store_bind_text(stmt, 5, object);
	store_bind_text(stmt, 6, detail);
	sqlite3_bind_blob(stmt, 7, prev, sizeof prev, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 8, hash, sizeof hash, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Check one row against the hash before it; a sentence in why if broken. */
static int
audit_check_row(sqlite3_stmt *stmt, long long expect_id,
    const unsigned char *prev, unsigned char *hash, char *why, size_t whylen)
{
	unsigned char	 h[AUDIT_HASHLEN];
	long long	 id = sqlite3_column_int64(stmt, 0);
	const char	*t[4];
	int		 i;

	for (i = 0; i < 4; i++)
		t[i] = (const char *)sqlite3_column_text(stmt, 2 + i);
	if (id != expect_id) {
		snprintf(why, whylen, "entry %lld is missing (next is %lld)",
		    expect_id, id);
		return -1;
	}
	if (sqlite3_column_bytes(stmt, 6) != AUDIT_HASHLEN ||
	    memcmp(sqlite3_column_blob(stmt, 6), prev, AUDIT_HASHLEN) != 0) {
		snprintf(why, whylen, "entry %lld does not follow entry %lld "
		    "(its link to the previous hash is wrong)", id, id - 1);
		return -1;
	}
	audit_hash(prev, id, sqlite3_column_int64(stmt, 1), t[0] ? t[0] : "",
	    t[1] ? t[1] : "", t[2], t[3], h);
	if (sqlite3_column_bytes(stmt, 7) != AUDIT_HASHLEN ||
	    memcmp(sqlite3_column_blob(stmt, 7), h, AUDIT_HASHLEN) != 0) {
		snprintf(why, whylen, "entry %lld was changed after it was "
		    "written (its content does not match its hash)", id);
		return -1;
	}
	memcpy(hash, h, AUDIT_HASHLEN);
	return 0;
}

long long
audit_verify(struct store *st, long long *count, char *why, size_t whylen)
{
	unsigned char	 prev[AUDIT_HASHLEN];
	sqlite3_stmt	*stmt;
	long long	 n = 0, bad = 0;
	int		 rc;

	memset(prev, 0, sizeof prev);
	stmt = store_stmt(st, "SELECT id, at, actor, action, object, detail,"
	    " prev, hash FROM audit ORDER BY id");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (audit_check_row(stmt, n + 1, prev, prev, why, whylen) == -1) {
			bad = sqlite3_column_int64(stmt, 0);
			break;
		}
		n++;
	}
	sqlite3_reset(stmt);
	*count = n;
	if (bad == 0 && rc != SQLITE_DONE) {
		snprintf(why, whylen, "cannot read the audit table: %s",
		    store_errmsg(st));
		return -1;
	}
	return bad;
}

/* "local:LOGIN" for whoever runs a command on the database file. */
void
audit_local_actor(char *buf, size_t len)
{
	struct passwd	*pw = getpwuid(getuid());
	const char	*sudo = getenv("SUDO_USER");

	if (sudo != NULL && *sudo != '\0')
		snprintf(buf, len, "local:%s(sudo)", sudo);
	else
		snprintf(buf, len, "local:%s", pw ? pw->pw_name : "?");
}
