/* cmd-audit.c - nadzor --db PATH audit verify | list: the tamper-evident history */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "client.h"
#include "log.h"
#include "store.h"

/* Open the database read-only: checking the history must not change it. */
static struct store *
audit_store(struct client *cl)
{
	struct store	*st;
	char		*err = NULL;

	if (cl->db == NULL) {
		fprintf(stderr, "nadzor: audit commands work on the database "
		    "file: give --db PATH\n");
		return NULL;
	}
	if ((st = store_open(cl->db, STORE_READONLY, &err)) == NULL) {
		fprintf(stderr, "nadzor: %s\n", err);
		free(err);
	}
	return st;
}

/* Exit 0 if the chain is whole, 1 naming the first broken entry. */
static int
audit_verify_cmd(struct store *st)
{
	char		 why[256];
	long long	 n, bad;

	bad = audit_verify(st, &n, why, sizeof why);
	if (bad == 0) {
		printf("audit: %lld entries, the chain is intact\n", n);
		return EXIT_OK;
	}
	if (bad == -1)
		fprintf(stderr, "nadzor: %s\n", why);
	else
		printf("audit: BROKEN at entry %lld: %s (%lld entries before it "
		    "are intact)\n", bad, why, n);
	return bad == -1 ? EXIT_UNAVAIL : EXIT_REFUSED;
}

/* The last N entries, oldest first, times in UTC. */
static int
audit_list_cmd(struct store *st, long long last)
{
	sqlite3_stmt	*stmt;
	time_t		 t;
	char		 when[32];
	const char	*o, *d;

	stmt = store_stmt(st, "SELECT id, at, actor, action, object, detail FROM"
	    " (SELECT * FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id");
	sqlite3_bind_int64(stmt, 1, last);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		t = (time_t)(sqlite3_column_int64(stmt, 1) / 1000);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		o = (const char *)sqlite3_column_text(stmt, 4);
		d = (const char *)sqlite3_column_text(stmt, 5);
		printf("%6lld %s %-16s %-18s %s%s%s\n",
		    sqlite3_column_int64(stmt, 0), when,
		    (const char *)sqlite3_column_text(stmt, 2),
		    (const char *)sqlite3_column_text(stmt, 3), o ? o : "",
		    d ? " " : "", d ? d : "");
	}
	sqlite3_reset(stmt);
	return EXIT_OK;
}

int
cmd_audit(struct client *cl, int argc, char **argv)
{
	struct store	*st;
	long long	 last = 50;
	int		 rc;

	if (argc == 4 && strcmp(argv[1], "list") == 0 &&
	    strcmp(argv[2], "--last") == 0)
		last = strtoll(argv[3], NULL, 10);
	else if (argc != 2 || (strcmp(argv[1], "verify") != 0 &&
	    strcmp(argv[1], "list") != 0))
		return cmd_usage("audit", 0);
	if ((st = audit_store(cl)) == NULL)
		return EXIT_UNAVAIL;
	rc = strcmp(argv[1], "verify") == 0 ? audit_verify_cmd(st) :
	    audit_list_cmd(st, last > 0 ? last : 50);
	store_close(st);
	return rc;
}
