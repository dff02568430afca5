/* api-alerts.c - GET /api/v1/alerts: alerts of the regions the caller sees */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "http.h"
#include "json.h"
#include "log.h"
#include "nadzord.h"
#include "record.h"
#include "store.h"
#include "user.h"

#define ALERT_LIMIT	1000

/* One alert object from a row of the query below. */
static void
alert_json(struct evbuffer *b, sqlite3_stmt *s)
{
	evbuffer_add_printf(b, "{\"id\":%lld,\"obligation\":%lld,\"kind\":",
	    sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
	json_str(b, (const char *)sqlite3_column_text(s, 2));
	json_key(b, "recipient", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 3));
	json_key(b, "at", 0);
	json_time(b, sqlite3_column_int64(s, 4) / 1000, 0);
	json_key(b, "due", 0);
	json_time(b, sqlite3_column_int64(s, 5), 0);
	json_key(b, "rule", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 6));
	json_key(b, "region", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 7));
	json_key(b, "record", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 8));
	json_key(b, "period", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 9));
	json_key(b, "acked_by", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 10));
	evbuffer_add(b, "}", 1);
}

/* ?since=RFC3339 (alerts written at or after), ?mine=1 (addressed to the
 * caller only); newest first, at most ALERT_LIMIT, of the caller's regions. */
void
api_alerts_list(struct nadzord *ctx, struct evhttp_request *req)
{
	struct evbuffer	*b, *sql;
	struct user	 u;
	sqlite3_stmt	*s;
	char		*since, *mine;
	int64_t		 t = 0;
	int		 first = 1, rc;

	if (http_auth(ctx, req, &u) == -1)
		return;
	since = http_query(req, "since");
	mine = http_query(req, "mine");
	if (since != NULL && rfc3339_parse(since, &t, NULL) == -1) {
		http_error(req, 400, "since: give an RFC 3339 time with an offset");
		goto done;
	}
	sql = evbuffer_new();
	evbuffer_add_printf(sql, "SELECT a.id, a.obligation, a.kind, a.recipient,"
	    " a.at, a.due, o.rule, o.region, r.ref, o.period, a.acked_by FROM"
	    " alert a JOIN obligation o ON o.id = a.obligation LEFT JOIN record r"
	    " ON r.id = o.record WHERE a.at >= ? AND (? IS NULL OR"
	    " a.recipient = ?)");
	http_scope_sql(sql, &u, "o.region");
	evbuffer_add_printf(sql, " ORDER BY a.id DESC LIMIT %d", ALERT_LIMIT);
	evbuffer_add(sql, "", 1);
	if (sqlite3_prepare_v2(store_db(ctx->reader), (const char *)
	    evbuffer_pullup(sql, -1), -1, &s, NULL) != SQLITE_OK) {
		evbuffer_free(sql);
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
		goto done;
	}
	evbuffer_free(sql);
	sqlite3_bind_int64(s, 1, t * 1000);
	if (mine != NULL && strcmp(mine, "0") != 0)
		sqlite3_bind_int(s, 2, 1);
	store_bind_text(s, 3, u.login);
	http_scope_bind(s, 4, &u);
	b = evbuffer_new();
	evbuffer_add(b, "[", 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!first)
			evbuffer_add(b, ",\n", 2);
		first = 0;
		alert_json(b, s);
	}
	sqlite3_finalize(s);
	evbuffer_add(b, "]\n", 2);
	if (rc != SQLITE_DONE) {
		evbuffer_free(b);
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
	} else
		http_reply(req, 200, "application/json", b);
done:
	free(since);
	free(mine);
}
