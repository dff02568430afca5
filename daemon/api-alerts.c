/* api-alerts.c - GET /api/v1/alerts: alerts of the regions the caller sees */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "json.h"
#include "law.h"
#include "log.h"
#include "nadzord.h"
#include "record.h"
#include "rules.h"
#include "store.h"
#include "tz.h"
#include "user.h"
#include "writer.h"
#include "audit.h"
#include <stdio.h>

#define ALERT_LIMIT	1000

void
api_alert_json(struct evbuffer *b, sqlite3_stmt *s, const struct law *law)
{
	const char		*region = (const char *)sqlite3_column_text(s, 7);
	const struct rule	*r;
	int64_t			 due = sqlite3_column_int64(s, 5);

	r = law_rule_for(law, (const char *)sqlite3_column_text(s, 11),
	    (const char *)sqlite3_column_text(s, 6),
	    (const char *)sqlite3_column_text(s, 12), sqlite3_column_int64(s, 13));
	evbuffer_add_printf(b, "{\"id\":%lld,\"obligation\":%lld,\"kind\":",
	    sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
	json_str(b, (const char *)sqlite3_column_text(s, 2));
	json_key(b, "recipient", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 3));
	json_key(b, "at", 0);
	json_time(b, sqlite3_column_int64(s, 4) / 1000, 0);
	json_key(b, "due", 0);
	json_time(b, due, tz_offset(law_zone(law, region), due));
	/* "due" is when this alert fell due (a warning's is before the
	 * duty's); the duty's own due time is "obligation_due". */
	json_key(b, "obligation_due", 0);
	/* A recompute may have left the duty without a term since. */
	if (sqlite3_column_type(s, 14) == SQLITE_NULL)
		evbuffer_add(b, "null", 4);
	else
		json_time(b, sqlite3_column_int64(s, 14), tz_offset(law_zone(
		    law, region), sqlite3_column_int64(s, 14)));
	json_key(b, "rule", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 6));
	json_key(b, "region", 0);
	json_str(b, region);
	json_key(b, "record", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 8));
	json_key(b, "period", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 9));
	json_key(b, "acked_by", 0);
	json_str(b, (const char *)sqlite3_column_text(s, 10));
	json_key(b, "title_ru", 0);
	json_str(b, r ? r->title_ru : NULL);
	json_key(b, "title_kk", 0);
	json_str(b, r ? r->title_kk : NULL);
	json_key(b, "title_en", 0);
	json_str(b, r ? r->title_en : NULL);
	evbuffer_add(b, "}", 1);
}

/* ?since=RFC3339 (alerts written at or after), ?mine=1 (addressed to the
 * caller only); newest first, at most ALERT_LIMIT, of the caller's regions. */
void
api_alerts_list(struct nadzord *ctx, struct evhttp_request *req)
{
	static const char *const keys[] = { "since", "mine", NULL };
	struct evkeyvalq	 q;
	struct evbuffer		*b, *sql;
	struct law		*law;
	struct user		 u;
	sqlite3_stmt		*s;
	const char		*since, *mine;
	int64_t			 t = 0;
	int			 first = 1, rc;

	if (http_auth(ctx, req, &u) == -1 || http_params(req, keys, &q) == -1)
		return;
	since = evhttp_find_header(&q, "since");
	mine = evhttp_find_header(&q, "mine");
	if (since != NULL && rfc3339_parse(since, &t, NULL) == -1) {
		http_error(req, 400, "since: give an RFC 3339 time with an offset");
		goto done;
	}
	if (mine != NULL && strcmp(mine, "0") != 0 && strcmp(mine, "1") != 0) {
		http_error(req, 400, "mine: 0 or 1");
		goto done;
	}
	sql = evbuffer_new();
	evbuffer_add_printf(sql, "SELECT " ALERT_COLUMNS ALERT_FROM " WHERE"
	    " a.at >= ? AND (? IS NULL OR a.recipient = ?)");
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
	law = law_acquire(ctx->laws);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!first)
			evbuffer_add(b, ",\n", 2);
		first = 0;
		api_alert_json(b, s, law);
	}
	law_release(ctx->laws, law);
	sqlite3_finalize(s);
	evbuffer_add(b, "]\n", 2);
	if (rc != SQLITE_DONE) {
		evbuffer_free(b);
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
	} else
		http_reply(req, 200, "application/json", b);
done:
	evhttp_clear_headers(&q);
}

/* An acknowledgement on its way through the writer. */
struct ack_job {
	struct wjob		 w;
	struct nadzord		*ctx;
	struct evhttp_request	*req;
	long long		 id;
	int			 obligation;	/* ack all of it, not one alert */
	int			 all;		/* head or admin: not only their own */
	char			 by[USER_LOGINMAX + 1];
	int			 n;
};

/* Writer thread: mark alerts acknowledged, audited.  Acknowledging a
 * breach stops its escalation (alert.c looks for an acked breach). */
static int
ack_apply(struct store *st, struct wjob *w)
{
	struct ack_job	*j = (struct ack_job *)w;
	sqlite3_stmt	*s;
	char		 obj[48];
	int		 rc;

	s = store_stmt(st, "UPDATE alert SET acked = ?1, acked_by = ?2 WHERE"
	    " acked IS NULL AND (?3 OR recipient = ?2) AND (CASE WHEN ?4 THEN"
	    " obligation ELSE id END) = ?5");
	sqlite3_bind_int64(s, 1, now_ms());
	store_bind_text(s, 2, j->by);
	sqlite3_bind_int(s, 3, j->all);
	sqlite3_bind_int(s, 4, j->obligation);
	sqlite3_bind_int64(s, 5, j->id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return WJOB_FAILED;
	j->n = sqlite3_changes(store_db(st));
	snprintf(obj, sizeof obj, "%s %lld", j->obligation ? "obligation" :
	    "alert", j->id);
	if (j->n > 0 && audit_append(st, j->by, "alert.ack", obj, NULL) == -1)
		return WJOB_FAILED;
	w->status = 200;
	return WJOB_OK;
}

static void
ack_done(struct wjob *w)
{
	struct ack_job	*j = (struct ack_job *)w;
	struct evbuffer	*b;

	if (w->status >= 400)
		http_error(j->req, w->status, "%s", w->msg);
	else {
		b = evbuffer_new();
		if (j->obligation)
			evbuffer_add_printf(b, "{\"obligation\":%lld,\"acked\":%d}\n",
			    j->id, j->n);
		else {
			evbuffer_add_printf(b, "{\"id\":%lld,\"acked\":%d,"
			    "\"acked_by\":", j->id, j->n);
			json_str(b, j->by);
			evbuffer_add_printf(b, "}\n");
		}
		http_reply(j->req, 200, "application/json", b);
	}
	nadzord_job_done(j->ctx);
	free(w->msg);
	free(j);
}

/* The region of an alert (or obligation) the user may see, else 404. */
static int
ack_visible(struct nadzord *ctx, struct evhttp_request *req,
    const struct user *u, long long id, int obligation)
{
	sqlite3_stmt	*s;
	int		 ok = 0;

	s = store_stmt(ctx->reader, "SELECT o.region FROM obligation o WHERE"
	    " o.id = CASE WHEN ?1 THEN ?2 ELSE (SELECT obligation FROM alert"
	    " WHERE id = ?2) END");
	sqlite3_bind_int(s, 1, obligation);
	sqlite3_bind_int64(s, 2, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		ok = user_sees_region(u, (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (!ok)
		http_error(req, 404, "no such %s", obligation ? "obligation" :
		    "alert");
	return ok ? 0 : -1;
}

void
api_ack(struct nadzord *ctx, struct evhttp_request *req, long long id,
    int obligation)
{
	struct ack_job	*j;
	struct user	 u;

	if (http_auth(ctx, req, &u) == -1 ||
	    ack_visible(ctx, req, &u, id, obligation) == -1)
		return;
	j = xcalloc(1, sizeof *j);
	j->ctx = ctx;
	j->req = req;
	j->id = id;
	j->obligation = obligation;
	j->all = u.role == ROLE_HEAD || u.role == ROLE_ADMIN;
	snprintf(j->by, sizeof j->by, "%s", u.login);
	j->w.apply = ack_apply;
	j->w.done = ack_done;
	j->w.keeps_lists = 1;		/* alerts, which lists do not show */
	ctx->inflight++;
	writer_submit(ctx->writer, &j->w);
}

/* POST /api/v1/alerts/{id}/ack */
void
api_alerts_post(struct nadzord *ctx, struct evhttp_request *req,
    const char *rest)
{
	const char	*after;
	long long	 id;

	if ((id = http_path_id(rest, &after)) == -1 ||
	    strcmp(after, "/ack") != 0) {
		http_error(req, 404, "no such path");
		return;
	}
	api_ack(ctx, req, id, 0);
}
