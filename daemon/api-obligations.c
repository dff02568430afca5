/* api-obligations.c - GET /api/v1/obligations[/{id}], POST .../{id}/waive */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "audit.h"
#include "http.h"
#include "json.h"
#include "law.h"
#include "listcache.h"
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
#define OBL_KEYMAX		1024	/* bytes of a list's cache key */

/* Columns every obligation query selects, in this order; the list leaves
 * out the explanation, which only the detail shows. */
#define OBL_COMMON \
	"o.id, o.rule, o.item, o.ruleset, o.ruleset_version, r.ref, o.record," \
	" o.person, o.period, o.region, o.actor, o.start_event, o.starts," \
	" o.due, o.term, o.state, o.done, o.missing, o.note, o.waived_reason"
#define OBL_COLUMNS		OBL_COMMON ", o.explain"
#define OBL_LIST_COLUMNS	OBL_COMMON ", NULL"
#define OBL_FROM " FROM obligation o LEFT JOIN record r ON r.id = o.record"

/* How each column of OBL_COLUMNS is written, under its key (with the
 * punctuation before it). */
enum obl_kind { OBL_INT, OBL_TEXT, OBL_TIME };
#define OBL_COL(key, kind)	{ key, sizeof(key) - 1, kind }
static const struct obl_col {
	const char	*key;
	size_t		 len;
	enum obl_kind	 kind;
} obl_cols[] = {
	OBL_COL("{\"id\":", OBL_INT),
	OBL_COL(",\"rule\":", OBL_TEXT),
	OBL_COL(",\"item\":", OBL_TEXT),
	OBL_COL(",\"ruleset\":", OBL_TEXT),
	OBL_COL(",\"ruleset_version\":", OBL_TEXT),
	OBL_COL(",\"record\":", OBL_TEXT),
	OBL_COL(",\"record_id\":", OBL_INT),
	OBL_COL(",\"person\":", OBL_INT),
	OBL_COL(",\"period\":", OBL_TEXT),
	OBL_COL(",\"region\":", OBL_TEXT),
	OBL_COL(",\"actor\":", OBL_TEXT),
	OBL_COL(",\"start_event\":", OBL_TEXT),
	OBL_COL(",\"starts\":", OBL_TIME),
	OBL_COL(",\"due\":", OBL_TIME),
	OBL_COL(",\"term\":", OBL_TEXT),
	OBL_COL(",\"state\":", OBL_TEXT),
	OBL_COL(",\"done\":", OBL_TIME),
	OBL_COL(",\"missing\":", OBL_TEXT),
	OBL_COL(",\"note\":", OBL_TEXT),
	OBL_COL(",\"waived_reason\":", OBL_TEXT),
	OBL_COL(",\"explanation\":", OBL_TEXT),	/* the detail only */
};
#define OBL_REGION	9	/* the column whose zone the times are in */

/* One column's value: a number, a string, a time in the zone's offset of
 * that instant, or null. */
static void
obl_value(struct jbuf *j, const struct tz *z, sqlite3_stmt *s, int col)
{
	int64_t t;

	if (obl_cols[col].kind == OBL_TEXT)	/* NULL gives null */
		jbuf_str(j, (const char *)sqlite3_column_text(s, col));
	else if (sqlite3_column_type(s, col) == SQLITE_NULL)
		JBUF_LIT(j, "null");
	else if (obl_cols[col].kind == OBL_INT)
		jbuf_int(j, sqlite3_column_int64(s, col));
	else {
		t = sqlite3_column_int64(s, col);
		jbuf_time(j, t, tz_offset(z, t));
	}
}

/* One obligation object from a row of OBL_COLUMNS, left open so the
 * caller may add members; the caller closes it. */
static void
obl_json(struct jbuf *j, const struct law *law, sqlite3_stmt *s, int detail)
{
	const struct tz	*z;
	int		 col, ncols = (int)(sizeof obl_cols / sizeof obl_cols[0]);

	z = law_zone(law, (const char *)sqlite3_column_text(s, OBL_REGION));
	for (col = 0; col < ncols - !detail; col++) {
		jbuf_add(j, obl_cols[col].key, obl_cols[col].len);
		obl_value(j, z, s, col);
	}
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

/* What a list asks for: filters (state, region, record ref, rule), a due
 * time limit, a number of rows. */
struct obl_filter {
	char	*v[4];
	char	*before;
	int64_t	 due_before;
	long	 limit;
};

static void
obl_filter_free(struct obl_filter *f)
{
	size_t i;

	for (i = 0; i < 4; i++)
		free(f->v[i]);
	free(f->before);
}

/* A parameter of a parsed query, copied; NULL if absent. */
static char *
obl_param(struct evkeyvalq *q, const char *key)
{
	const char *v = evhttp_find_header(q, key);

	return v != NULL ? xstrdup(v) : NULL;
}

/* The list's query string, parsed once (as http_query: a query that does
 * not parse filters nothing); -1 after answering 400. */
static int
obl_filter_parse(struct evhttp_request *req, struct obl_filter *f)
{
	static const char *filters[] = { "state", "region", "record", "rule" };
	struct evkeyvalq	 q;
	const char		*query;
	char			*lim;
	size_t			 i;

	memset(f, 0, sizeof *f);
	f->limit = OBL_LIMIT_DEFAULT;
	TAILQ_INIT(&q);
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query != NULL && evhttp_parse_query_str(query, &q) == -1)
		evhttp_clear_headers(&q);
	for (i = 0; i < 4; i++)
		f->v[i] = obl_param(&q, filters[i]);
	f->before = obl_param(&q, "due_before");
	lim = obl_param(&q, "limit");
	evhttp_clear_headers(&q);
	if (f->v[0] != NULL && strcmp(f->v[0], "open") != 0 &&
	    strcmp(f->v[0], "met") != 0 && strcmp(f->v[0], "late") != 0 &&
	    strcmp(f->v[0], "overdue") != 0 && strcmp(f->v[0], "waived") != 0) {
		http_error(req, 400, "state: one of open, met, late, overdue, waived");
		goto fail;
	}
	if (f->before != NULL && query_time(f->before, &f->due_before) == -1) {
		http_error(req, 400, "due_before: give epoch seconds or "
		    "an RFC 3339 time");
		goto fail;
	}
	if (lim != NULL) {
		f->limit = strtol(lim, NULL, 10);
		if (f->limit <= 0 || f->limit > OBL_LIMIT_MAX)
			f->limit = OBL_LIMIT_MAX;
	}
	free(lim);
	return 0;
fail:
	free(lim);
	obl_filter_free(f);
	return -1;
}

/*
 * One half of the list, bound: the duties with a due time (undated 0) in
 * the order of obligation_due (due, then id), or those without one (1) by
 * id, at most limit rows; NULL if it cannot be prepared.  Two statements
 * rather than one ORDER BY "due IS NULL, due, id", which sorts every
 * obligation ever derived to return the first hundred: minutes on ten
 * years of records, on the event loop.
 */
static sqlite3_stmt *
obl_half(struct nadzord *ctx, const struct user *u, const struct obl_filter *f,
    int undated, long limit)
{
	static const char *clauses[] = { " AND o.state = ?", " AND o.region = ?",
	    " AND r.ref = ?", " AND o.rule = ?" };
	struct evbuffer	*sql = evbuffer_new();
	sqlite3_stmt	*s = NULL;
	size_t		 i;
	int		 n = 1;

	evbuffer_add_printf(sql, "SELECT " OBL_LIST_COLUMNS OBL_FROM
	    " WHERE o.due IS %s", undated ? "NULL" : "NOT NULL");
	for (i = 0; i < 4; i++)
		if (f->v[i] != NULL)
			evbuffer_add_printf(sql, "%s", clauses[i]);
	if (f->before != NULL)
		evbuffer_add_printf(sql, " AND o.due <= ?");
	http_scope_sql(sql, u, "o.region");
	evbuffer_add_printf(sql, " ORDER BY %s LIMIT ?", undated ? "o.id" :
	    "o.due, o.id");
	evbuffer_add(sql, "", 1);
	s = store_stmt_text(ctx->reader, (const char *)evbuffer_pullup(sql, -1));
	evbuffer_free(sql);
	if (s == NULL)
		return NULL;
	for (i = 0; i < 4; i++)
		if (f->v[i] != NULL)
			sqlite3_bind_text(s, n++, f->v[i], -1, SQLITE_TRANSIENT);
	if (f->before != NULL)
		sqlite3_bind_int64(s, n++, f->due_before);
	http_scope_bind(s, n, u);
	sqlite3_bind_int64(s, n + (int)u->nregions, limit);
	return s;
}

/* The rows of one half as JSON objects; SQLITE_DONE or the error (its
 * message stays with the connection through the reset). */
static int
obl_rows(struct jbuf *j, const struct law *law, sqlite3_stmt *s, long *n)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((*n)++ > 0)
			JBUF_LIT(j, ",\n");
		obl_json(j, law, s, 0);
		JBUF_LIT(j, "}");
	}
	sqlite3_reset(s);
	return rc;
}

/* The list as JSON into b, both halves from one snapshot (the undated only
 * if room is left); -1 after answering 503. */
static int
obl_render(struct nadzord *ctx, struct evhttp_request *req,
    const struct user *u, const struct obl_filter *f, const struct law *law,
    struct evbuffer *b)
{
	struct jbuf	 j;
	sqlite3_stmt	*s;
	long		 n = 0;
	int		 half, rc = SQLITE_DONE;

	jbuf_init(&j, b);
	JBUF_LIT(&j, "[");
	store_run(ctx->reader, "BEGIN");
	for (half = 0; rc == SQLITE_DONE && half < 2 && n < f->limit; half++) {
		if ((s = obl_half(ctx, u, f, half, f->limit - n)) == NULL)
			rc = SQLITE_ERROR;
		else
			rc = obl_rows(&j, law, s, &n);
	}
	/* The error's message before COMMIT replaces it. */
	if (rc != SQLITE_DONE)
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
	if (!sqlite3_get_autocommit(store_db(ctx->reader)))
		store_run(ctx->reader, "COMMIT");
	if (rc != SQLITE_DONE)
		return -1;
	JBUF_LIT(&j, "]\n");
	jbuf_flush(&j);
	return 0;
}

/* A cache key being made; full once something did not fit. */
struct obl_key {
	unsigned char	 buf[OBL_KEYMAX];
	size_t		 len;
	int		 full;
};

/* Append len bytes to a key. */
static void
key_add(struct obl_key *k, const void *p, size_t len)
{
	if (k->full || len > sizeof k->buf - k->len) {
		k->full = 1;
		return;
	}
	memcpy(k->buf + k->len, p, len);
	k->len += len;
}

/* The cache key of a list: what the caller may see (role and regions;
 * never the token or the login, so users of one scope share) and the
 * query as parsed.  Each string is NUL-terminated and each filter
 * preceded by whether it is given, so no two lists share a key.  0 if it
 * does not fit: such a list is not kept. */
static size_t
obl_key(const struct user *u, const struct obl_filter *f, struct obl_key *k)
{
	const char	*v[5] = { f->v[0], f->v[1], f->v[2], f->v[3], f->before };
	unsigned char	 given;
	size_t		 i;

	k->len = 0;
	k->full = 0;
	key_add(k, &u->role, sizeof u->role);
	key_add(k, &u->nregions, sizeof u->nregions);
	for (i = 0; i < u->nregions; i++)
		key_add(k, u->regions[i], strlen(u->regions[i]) + 1);
	for (i = 0; i < 5; i++) {
		given = v[i] != NULL;
		key_add(k, &given, 1);
		if (given && i < 4)
			key_add(k, v[i], strlen(v[i]) + 1);
	}
	key_add(k, &f->due_before, sizeof f->due_before);
	key_add(k, &f->limit, sizeof f->limit);
	return k->full ? 0 : k->len;
}

/* GET /api/v1/obligations: authenticated every time, then served from
 * the cache when nothing was committed since it was rendered. */
void
api_obligations_list(struct nadzord *ctx, struct evhttp_request *req)
{
	struct obl_filter	 f;
	struct evbuffer		*b;
	struct user		 u;
	struct law		*law;
	struct obl_key		 key;
	unsigned long long	 gen;
	size_t			 keylen;

	if (http_auth(ctx, req, &u) == -1 || obl_filter_parse(req, &f) == -1)
		return;
	/* Before the read transaction begins: see listcache.h. */
	gen = writer_generation(ctx->writer);
	law = law_acquire(ctx->laws);
	keylen = obl_key(&u, &f, &key);
	b = evbuffer_new();
	if (keylen > 0 && listcache_get(ctx->lists, gen, law->digest, key.buf,
	    keylen, b) == 0)
		http_reply(req, 200, "application/json", b);
	else if (obl_render(ctx, req, &u, &f, law, b) == -1)
		evbuffer_free(b);
	else {
		if (keylen > 0)
			listcache_put(ctx->lists, gen, law->digest, key.buf,
			    keylen, b);
		http_reply(req, 200, "application/json", b);
	}
	law_release(ctx->laws, law);
	obl_filter_free(&f);
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
	struct jbuf	 j;
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
	jbuf_init(&j, b);
	obl_json(&j, law, s, 1);
	jbuf_flush(&j);
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
