/* api-obligations.c - GET /api/v1/obligations[/{id}], POST .../{id}/waive */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "audit.h"
#include "http.h"
#include "json.h"
#include "law.h"
#include "log.h"
#include "nadzord.h"
#include "obligation.h"
#include "record.h"
#include "store.h"
#include "tz.h"
#include "user.h"
#include "writer.h"

#define OBL_LIMIT_DEFAULT	1000
#define OBL_LIMIT_MAX		10000

/* Columns every obligation query selects, in this order. */
#define OBL_COLUMNS \
	"o.id, o.rule, o.item, o.ruleset, o.ruleset_version, r.ref, o.record," \
	" o.person, o.period, o.region, o.actor, o.start_event, o.starts," \
	" o.due, o.term, o.state, o.done, o.missing, o.note, o.waived_reason," \
	" o.explain"
#define OBL_FROM " FROM obligation o LEFT JOIN record r ON r.id = o.record"

/* A time column in the region's offset of that instant, or null. */
static void
obl_time(struct evbuffer *b, const struct law *law, const char *region,
    sqlite3_stmt *s, int col)
{
	int64_t t;

	if (sqlite3_column_type(s, col) == SQLITE_NULL) {
		evbuffer_add(b, "null", 4);
		return;
	}
	t = sqlite3_column_int64(s, col);
	json_time(b, t, tz_offset(law_zone(law, region), t));
}

/* A text column as a JSON string or null. */
static void
obl_text(struct evbuffer *b, const char *key, sqlite3_stmt *s, int col)
{
	json_key(b, key, 0);
	json_str(b, (const char *)sqlite3_column_text(s, col));
}

/* One obligation object from a row of OBL_COLUMNS, left open so the
 * caller may add members; the caller closes it. */
static void
obl_json(struct evbuffer *b, const struct law *law, sqlite3_stmt *s,
    int detail)
{
	const char *region = (const char *)sqlite3_column_text(s, 9);

	evbuffer_add_printf(b, "{\"id\":%lld", sqlite3_column_int64(s, 0));
	obl_text(b, "rule", s, 1);
	obl_text(b, "item", s, 2);
	obl_text(b, "ruleset", s, 3);
	obl_text(b, "ruleset_version", s, 4);
	obl_text(b, "record", s, 5);
	json_key(b, "record_id", 0);
	evbuffer_add_printf(b, sqlite3_column_type(s, 6) == SQLITE_NULL ?
	    "null" : "%lld", sqlite3_column_int64(s, 6));
	json_key(b, "person", 0);
	evbuffer_add_printf(b, sqlite3_column_type(s, 7) == SQLITE_NULL ?
	    "null" : "%lld", sqlite3_column_int64(s, 7));
	obl_text(b, "period", s, 8);
	obl_text(b, "region", s, 9);
	obl_text(b, "actor", s, 10);
	obl_text(b, "start_event", s, 11);
	json_key(b, "starts", 0);
	obl_time(b, law, region, s, 12);
	json_key(b, "due", 0);
	obl_time(b, law, region, s, 13);
	obl_text(b, "term", s, 14);
	obl_text(b, "state", s, 15);
	json_key(b, "done", 0);
	obl_time(b, law, region, s, 16);
	obl_text(b, "missing", s, 17);
	obl_text(b, "note", s, 18);
	obl_text(b, "waived_reason", s, 19);
	if (detail)
		obl_text(b, "explanation", s, 20);
}

/* A time given as epoch seconds or RFC 3339; -1 if neither. */
static int
query_time(const char *s, int64_t *t)
{
	char *end;

	if (s[0] != '\0' && strspn(s, "0123456789") == strlen(s)) {
		*t = strtoll(s, &end, 10);
		return 0;
	}
	return rfc3339_parse(s, t, NULL);
}

/* The list query with its filters; the statement, or NULL and a 400. */
static sqlite3_stmt *
obl_query(struct nadzord *ctx, struct evhttp_request *req, const struct user *u)
{
	static const char *filters[] = { "state", "region", "record", "rule" };
	static const char *clauses[] = { " AND o.state = ?", " AND o.region = ?",
	    " AND r.ref = ?", " AND o.rule = ?" };
	struct evbuffer	*sql = evbuffer_new();
	sqlite3_stmt	*s = NULL;
	char		*v[5] = { NULL }, *lim, *before = NULL;
	int64_t		 due_before = 0;
	long		 limit = OBL_LIMIT_DEFAULT;
	size_t		 i;
	int		 n = 1;

	evbuffer_add_printf(sql, "SELECT " OBL_COLUMNS OBL_FROM " WHERE 1");
	for (i = 0; i < 4; i++)
		if ((v[i] = http_query(req, filters[i])) != NULL)
			evbuffer_add_printf(sql, "%s", clauses[i]);
	if (v[0] != NULL && strcmp(v[0], "open") != 0 &&
	    strcmp(v[0], "met") != 0 && strcmp(v[0], "late") != 0 &&
	    strcmp(v[0], "overdue") != 0 && strcmp(v[0], "waived") != 0) {
		http_error(req, 400, "state: one of open, met, late, overdue, waived");
		goto done;
	}
	if ((before = http_query(req, "due_before")) != NULL) {
		if (query_time(before, &due_before) == -1) {
			http_error(req, 400, "due_before: give epoch seconds or "
			    "an RFC 3339 time");
			goto done;
		}
		evbuffer_add_printf(sql, " AND o.due <= ?");
	}
	if ((lim = http_query(req, "limit")) != NULL) {
		limit = strtol(lim, NULL, 10);
		free(lim);
		if (limit <= 0 || limit > OBL_LIMIT_MAX)
			limit = OBL_LIMIT_MAX;
	}
	http_scope_sql(sql, u, "o.region");
	evbuffer_add_printf(sql, " ORDER BY o.due IS NULL, o.due, o.id LIMIT %ld",
	    limit);
	evbuffer_add(sql, "", 1);
	if (sqlite3_prepare_v2(store_db(ctx->reader), (const char *)
	    evbuffer_pullup(sql, -1), -1, &s, NULL) != SQLITE_OK) {
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
		goto done;
	}
	for (i = 0; i < 4; i++)
		if (v[i] != NULL)
			sqlite3_bind_text(s, n++, v[i], -1, SQLITE_TRANSIENT);
	if (before != NULL)
		sqlite3_bind_int64(s, n++, due_before);
	http_scope_bind(s, n, u);
done:
	for (i = 0; i < 4; i++)
		free(v[i]);
	free(before);
	evbuffer_free(sql);
	return s;
}

void
api_obligations_list(struct nadzord *ctx, struct evhttp_request *req)
{
	struct evbuffer	*b;
	struct user	 u;
	struct law	*law;
	sqlite3_stmt	*s;
	int		 first = 1, rc;

	if (http_auth(ctx, req, &u) == -1 || (s = obl_query(ctx, req, &u)) ==
	    NULL)
		return;
	law = law_acquire(ctx->laws);
	b = evbuffer_new();
	evbuffer_add(b, "[", 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!first)
			evbuffer_add(b, ",\n", 2);
		first = 0;
		obl_json(b, law, s, 0);
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add(b, "]\n", 2);
	sqlite3_finalize(s);
	law_release(ctx->laws, law);
	if (rc != SQLITE_DONE) {
		evbuffer_free(b);
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
		return;
	}
	http_reply(req, 200, "application/json", b);
}

/* The alerts of one obligation, for its detail. */
static void
obl_alerts(struct nadzord *ctx, struct evbuffer *b, long long id)
{
	sqlite3_stmt	*s;
	int		 first = 1;

	s = store_stmt(ctx->reader, "SELECT id, kind, recipient, at, acked,"
	    " acked_by FROM alert WHERE obligation = ? ORDER BY id");
	sqlite3_bind_int64(s, 1, id);
	evbuffer_add_printf(b, ",\"alerts\":[");
	while (sqlite3_step(s) == SQLITE_ROW) {
		evbuffer_add_printf(b, "%s{\"id\":%lld,\"kind\":", first ? "" :
		    ",", sqlite3_column_int64(s, 0));
		json_str(b, (const char *)sqlite3_column_text(s, 1));
		json_key(b, "recipient", 0);
		json_str(b, (const char *)sqlite3_column_text(s, 2));
		json_key(b, "at", 0);
		json_time(b, sqlite3_column_int64(s, 3) / 1000, 0);
		json_key(b, "acked_by", 0);
		json_str(b, (const char *)sqlite3_column_text(s, 5));
		evbuffer_add(b, "}", 1);
		first = 0;
	}
	sqlite3_reset(s);
	evbuffer_add(b, "]", 1);
}

/* An id from the path; -1 if not a number. */
static long long
path_id(const char *rest, const char **after)
{
	size_t n = strspn(rest, "0123456789");

	*after = rest + n;
	if (n == 0 || n > 18)
		return -1;
	return strtoll(rest, NULL, 10);
}

/* Read one obligation the user may see; the statement on a row, or NULL
 * after answering 404/503. */
static sqlite3_stmt *
obl_find(struct nadzord *ctx, struct evhttp_request *req,
    const struct user *u, long long id)
{
	sqlite3_stmt *s;

	s = store_stmt(ctx->reader, "SELECT " OBL_COLUMNS OBL_FROM
	    " WHERE o.id = ?");
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    user_sees_region(u, (const char *)sqlite3_column_text(s, 9)))
		return s;
	sqlite3_reset(s);
	http_error(req, 404, "no such obligation");
	return NULL;
}

void
api_obligations_get(struct nadzord *ctx, struct evhttp_request *req,
    const char *rest)
{
	struct evbuffer	*b;
	struct user	 u;
	struct law	*law;
	sqlite3_stmt	*s;
	const char	*after;
	long long	 id;

	if (http_auth(ctx, req, &u) == -1)
		return;
	if ((id = path_id(rest, &after)) == -1 || *after != '\0') {
		http_error(req, 404, "no such obligation: ids are numbers");
		return;
	}
	if ((s = obl_find(ctx, req, &u, id)) == NULL)
		return;
	law = law_acquire(ctx->laws);
	b = evbuffer_new();
	obl_json(b, law, s, 1);
	sqlite3_reset(s);
	law_release(ctx->laws, law);
	obl_alerts(ctx, b, id);
	evbuffer_add(b, "}\n", 2);
	http_reply(req, 200, "application/json", b);
}

/* A waiver on its way through the writer. */
struct waive_job {
	struct wjob		 w;
	struct nadzord		*ctx;
	struct evhttp_request	*req;
	long long		 id;
	char			 by[USER_LOGINMAX + 1];
	char			*reason;
};

static int
waive_apply(struct store *st, struct wjob *w)
{
	struct waive_job	*j = (struct waive_job *)w;
	char			 obj[48];

	switch (obligation_waive(st, j->id, j->by, j->reason, now_s())) {
	case 1:
		w->status = 409;
		xasprintf(&w->msg, "obligation %lld is not open", j->id);
		return WJOB_REFUSED;
	case -1:
		return WJOB_FAILED;
	}
	snprintf(obj, sizeof obj, "obligation %lld", j->id);
	if (audit_append(st, j->by, "obligation.waive", obj, j->reason) == -1)
		return WJOB_FAILED;
	w->status = 200;
	return WJOB_OK;
}

static void
waive_done(struct wjob *w)
{
	struct waive_job	*j = (struct waive_job *)w;
	struct evbuffer		*b;

	if (w->status >= 400)
		http_error(j->req, w->status, "%s", w->msg);
	else {
		b = evbuffer_new();
		evbuffer_add_printf(b, "{\"id\":%lld,\"state\":\"waived\"}\n", j->id);
		http_reply(j->req, 200, "application/json", b);
	}
	nadzord_job_done(j->ctx);
	free(j->reason);
	free(w->msg);
	free(j);
}

/* POST /api/v1/obligations/{id}/waive, the reason as the text body:
 * heads and administrators only, audited; .../ack acknowledges its alerts. */
void
api_obligations_post(struct nadzord *ctx, struct evhttp_request *req,
    const char *rest)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct waive_job	*j;
	struct user		 u;
	sqlite3_stmt		*s;
	const char		*after;
	long long		 id;
	size_t			 len = evbuffer_get_length(in);

	if ((id = path_id(rest, &after)) != -1 && strcmp(after, "/ack") == 0) {
		api_ack(ctx, req, id, 1);
		return;
	}
	if (http_auth(ctx, req, &u) == -1)
		return;
	if (id == -1 || strcmp(after, "/waive") != 0) {
		http_error(req, 404, "no such path");
		return;
	}
	if (u.role != ROLE_HEAD && u.role != ROLE_ADMIN) {
		http_error(req, 403, "only a head or an administrator may waive");
		return;
	}
	if (len == 0 || len > 2000) {
		http_error(req, 400, "give the reason for waiving as the body "
		    "(1 to 2000 bytes)");
		return;
	}
	if ((s = obl_find(ctx, req, &u, id)) == NULL)
		return;
	sqlite3_reset(s);
	j = xcalloc(1, sizeof *j);
	j->ctx = ctx;
	j->req = req;
	j->id = id;
	snprintf(j->by, sizeof j->by, "%s", u.login);
	j->reason = xmalloc(len + 1);
	evbuffer_copyout(in, j->reason, len);
	j->reason[len] = '\0';
	j->w.apply = waive_apply;
	j->w.done = waive_done;
	ctx->inflight++;
	writer_submit(ctx->writer, &j->w);
}
