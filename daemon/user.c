/* user.c - users, roles and regions: kept in the database, changed with audit */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "store.h"
#include "user.h"

static const char *roles[] = {
	[ROLE_DISTRICT] = "district",
	[ROLE_REGION] = "region",
	[ROLE_DEPARTMENT] = "department",
	[ROLE_HEAD] = "head",
	[ROLE_ANALYST] = "analyst",
	[ROLE_ADMIN] = "admin",
};

const char *
role_name(enum role r)
{
	return roles[r];
}

int
role_from_name(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(s, roles[i]) == 0)
			return (int)i;
	return -1;
}

/* Offices and zonal officers act for given regions only (п. 4.17). */
int
role_needs_region(enum role r)
{
	return r == ROLE_DISTRICT || r == ROLE_REGION || r == ROLE_DEPARTMENT;
}

/* Who submits what, in one place.  Records: every office that logs
 * facts; analysts read figures and log nothing.  Reports go to the
 * Department from the office that answers for the region (п. 65-67):
 * region offices and zonal officers, for their own regions (the scope is
 * checked as for reading); heads and administrators for any scope,
 * national included.  District offices report to their region office,
 * not here. */
int
role_may_submit(enum role r, enum submit what)
{
	if (what == SUBMIT_REPORT)
		return r == ROLE_REGION || r == ROLE_DEPARTMENT ||
		    r == ROLE_HEAD || r == ROLE_ADMIN;
	return r != ROLE_ANALYST;
}

int
user_sees_region(const struct user *u, const char *region)
{
	size_t i;

	if (u->nregions == 0)
		return !role_needs_region(u->role);
	for (i = 0; i < u->nregions; i++)
		if (strcmp(u->regions[i], region) == 0)
			return 1;
	return 0;
}

/* Logins are short words: they appear in logs and audit entries. */
int
user_login_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > USER_LOGINMAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return 0;
	return 1;
}

/* The record schema's region codes: KZ-75, or a short code such as MIL. */
int
user_region_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 5 && isupper((unsigned char)s[0]) &&
	    isupper((unsigned char)s[1]) && s[2] == '-' &&
	    isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]))
		return 1;
	if (n < 2 || n > 8)
		return 0;
	for (i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Read the regions of a user already filled from its row. */
static int
user_load_regions(struct store *st, struct user *u)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, "SELECT region FROM user_region WHERE user = ?"
	    " ORDER BY region");
	sqlite3_bind_int64(stmt, 1, u->id);
	u->nregions = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW &&
	    u->nregions < USER_MAXREGIONS)
		snprintf(u->regions[u->nregions++], sizeof u->regions[0], "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Fill u from a row of (id, login, role, disabled, created). */
static void
user_from_row(sqlite3_stmt *stmt, struct user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(stmt, 0);
	snprintf(u->login, sizeof u->login, "%s",
	    (const char *)sqlite3_column_text(stmt, 1));
	u->role = role_from_name((const char *)sqlite3_column_text(stmt, 2));
	u->disabled = sqlite3_column_int(stmt, 3);
	u->created = sqlite3_column_int64(stmt, 4);
}

/* Run a lookup statement already bound; 0 found, 1 not, -1 error. */
static int
user_lookup(struct store *st, sqlite3_stmt *stmt, struct user *u)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW) {
		user_from_row(stmt, u);
		sqlite3_reset(stmt);
		return user_load_regions(st, u);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 1 : -1;
}

/* A disabled user's token no longer opens anything. */
int
user_by_token(struct store *st, const char *token, size_t len, struct user *u)
{
	unsigned char	 hash[TOKEN_HASHLEN];
	sqlite3_stmt	*stmt;

	token_hash(token, len, hash);
	stmt = store_stmt(st, "SELECT id, login, role, disabled, created"
	    " FROM user WHERE token_hash = ? AND disabled = 0");
	sqlite3_bind_blob(stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	return user_lookup(st, stmt, u);
}

int
user_by_login(struct store *st, const char *login, struct user *u)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, "SELECT id, login, role, disabled, created"
	    " FROM user WHERE login = ?");
	sqlite3_bind_text(stmt, 1, login, -1, SQLITE_TRANSIENT);
	return user_lookup(st, stmt, u);
}

int
user_foreach(struct store *st, void (*fn)(const struct user *, void *),
    void *arg)
{
	sqlite3_stmt	*stmt;
	struct user	 u;
	long long	*ids = NULL;
	size_t		 n = 0, i;
	int		 rc;

	/* Collect ids first: the callback's lookups reuse cached statements. */
	stmt = store_stmt(st, "SELECT id FROM user ORDER BY login");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		ids = xrealloc(ids, (n + 1) * sizeof *ids);
		ids[n++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_reset(stmt);
	for (i = 0; i < n; i++) {
		stmt = store_stmt(st, "SELECT id, login, role, disabled, created"
		    " FROM user WHERE id = ?");
		sqlite3_bind_int64(stmt, 1, ids[i]);
		if (user_lookup(st, stmt, &u) == 0)
			fn(&u, arg);
	}
	free(ids);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Finish a change: commit, or roll back and turn the error into a sentence. */
static int
user_finish(struct store *st, int rc, char **err, const char *what)
{
	if (rc == 0 && store_commit(st) == SQLITE_OK)
		return 0;
	if (*err == NULL)
		xasprintf(err, "cannot %s: %s", what, store_errmsg(st));
	store_rollback(st);
	return -1;
}

/* Store the user row and its regions; -1 on a database error. */
static int
user_insert(struct store *st, const char *login, enum role role,
    char regions[][16], size_t nregions, const unsigned char *hash,
    long long *id)
{
	sqlite3_stmt	*stmt;
	size_t		 i;
	int		 rc;

	stmt = store_stmt(st, "INSERT INTO user (login, role, token_hash,"
	    " created) VALUES (?, ?, ?, ?)");
	store_bind_text(stmt, 1, login);
	store_bind_text(stmt, 2, role_name(role));
	sqlite3_bind_blob(stmt, 3, hash, TOKEN_HASHLEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, now_s());
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(st));
	for (i = 0; i < nregions; i++) {
		stmt = store_stmt(st, "INSERT OR IGNORE INTO user_region"
		    " (user, region) VALUES (?, ?)");
		sqlite3_bind_int64(stmt, 1, *id);
		store_bind_text(stmt, 2, regions[i]);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/* Describe regions as "KZ-75,KZ-19" for the audit entry. */
static void
user_regions_text(char regions[][16], size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++)
		o += snprintf(buf + o, len - o, "%s%s", i ? "," : "", regions[i]);
	if (n == 0)
		snprintf(buf, len, "all");
}

int
user_add(struct store *st, const char *actor, const char *login,
    enum role role, char regions[][16], size_t nregions,
    char token[TOKEN_LEN], char **err)
{
	unsigned char	 hash[TOKEN_HASHLEN];
	char		 detail[USER_MAXREGIONS * 17 + 64], rtext[USER_MAXREGIONS * 17];
	struct user	 old;
	long long	 id;
	int		 rc = -1;

	*err = NULL;
	if (token_new(token, hash) == -1) {
		xasprintf(err, "cannot start the random number generator");
		return -1;
	}
	if (store_begin(st) != SQLITE_OK) {
		xasprintf(err, "cannot add user: %s", store_errmsg(st));
		return -1;
	}
	if (user_by_login(st, login, &old) == 0)
		xasprintf(err, "user %s already exists", login);
	else if (user_insert(st, login, role, regions, nregions, hash, &id) == 0) {
		user_regions_text(regions, nregions, rtext, sizeof rtext);
		snprintf(detail, sizeof detail, "role=%s regions=%s",
		    role_name(role), rtext);
		rc = audit_append(st, actor, "user.add", login, detail);
	}
	return user_finish(st, rc, err, "add user");
}

/* Change one user's row by login with stmt (already bound from ?2 on). */
static int
user_change(struct store *st, const char *actor, const char *login,
    sqlite3_stmt *stmt, const char *action, char **err)
{
	int rc = -1;

	sqlite3_bind_text(stmt, 1, login, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(stmt) == SQLITE_DONE) {
		if (sqlite3_changes(store_db(st)) == 0)
			xasprintf(err, "no user %s", login);
		else
			rc = audit_append(st, actor, action, login, NULL);
	}
	sqlite3_reset(stmt);
	return user_finish(st, rc, err, action);
}

/* Disabling keeps the row: audit entries and records still name the user. */
int
user_disable(struct store *st, const char *actor, const char *login, char **err)
{
	*err = NULL;
	if (store_begin(st) != SQLITE_OK) {
		xasprintf(err, "cannot disable user: %s", store_errmsg(st));
		return -1;
	}
	return user_change(st, actor, login, store_stmt(st,
	    "UPDATE user SET disabled = 1, token_hash = NULL WHERE login = ?"),
	    "user.disable", err);
}

/* A new token; the old one stops working in the same transaction. */
int
user_rotate(struct store *st, const char *actor, const char *login,
    char token[TOKEN_LEN], char **err)
{
	unsigned char	 hash[TOKEN_HASHLEN];
	sqlite3_stmt	*stmt;

	*err = NULL;
	if (token_new(token, hash) == -1) {
		xasprintf(err, "cannot start the random number generator");
		return -1;
	}
	if (store_begin(st) != SQLITE_OK) {
		xasprintf(err, "cannot rotate token: %s", store_errmsg(st));
		return -1;
	}
	stmt = store_stmt(st, "UPDATE user SET token_hash = ?2, disabled = 0"
	    " WHERE login = ?1");
	sqlite3_bind_blob(stmt, 2, hash, sizeof hash, SQLITE_TRANSIENT);
	return user_change(st, actor, login, stmt, "user.rotate-token", err);
}

int
user_absent(struct store *st, const char *actor, const char *login,
    long long until, const char *substitute, char **err)
{
	struct user	 u, sub;
	sqlite3_stmt	*stmt;
	char		 detail[160];
	int		 rc = -1;

	*err = NULL;
	if (store_begin(st) != SQLITE_OK) {
		xasprintf(err, "cannot mark absence: %s", store_errmsg(st));
		return -1;
	}
	if (user_by_login(st, login, &u) != 0)
		xasprintf(err, "no user %s", login);
	else if (substitute != NULL && user_by_login(st, substitute, &sub) != 0)
		xasprintf(err, "no user %s to substitute", substitute);
	else if (substitute != NULL && sub.id == u.id)
		xasprintf(err, "%s cannot substitute for themselves", login);
	else {
		stmt = store_stmt(st, "INSERT OR REPLACE INTO user_absence (user,"
		    " until, substitute) VALUES (?, ?, ?)");
		sqlite3_bind_int64(stmt, 1, u.id);
		sqlite3_bind_int64(stmt, 2, until);
		if (substitute != NULL)
			sqlite3_bind_int64(stmt, 3, sub.id);
		rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(stmt);
		snprintf(detail, sizeof detail, "until=%lld substitute=%s", until,
		    substitute ? substitute : "none");
		if (rc == 0)
			rc = audit_append(st, actor, "user.absent", login, detail);
	}
	return user_finish(st, rc, err, "mark absence");
}
