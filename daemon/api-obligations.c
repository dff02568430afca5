/* api-obligations.c - GET /api/v1/obligations[/{id}], POST .../{id}/waive */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
#include "oblist.h"
#include "record.h"
#include "store.h"
#include "tz.h"
#include "user.h"
#include "writer.h"

#define OBL_LIMIT_DEFAULT	1000
#define OBL_LIMIT_MAX		10000
#define OBL_KEYMAX		1024	/* bytes of a list's cache key */
#define OBL_PROGRESS_OPS	1000	/* SQLite steps between deadline checks */

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

/* 1 if s is one of the states a duty may be in. */
static int
obl_state_valid(const char *s)
{
	return strcmp(s, "open") == 0 || strcmp(s, "met") == 0 ||
	    strcmp(s, "late") == 0 || strcmp(s, "overdue") == 0 ||
	    strcmp(s, "waived") == 0;
}

/* The number of rows asked for, 1 to OBL_LIMIT_MAX; -1 if it is not. */
static long
obl_limit(const char *s)
{
	size_t	n = strspn(s, "0123456789");
	long	v;

	if (n == 0 || n > 5 || s[n] != '\0')
		return -1;
	v = strtol(s, NULL, 10);
	return v >= 1 && v <= OBL_LIMIT_MAX ? v : -1;
}

/* What is wrong with the filters of a list, or NULL. */
static const char *
obl_filter_bad(const struct obl_filter *f)
{
	if (f->v[OBLF_STATE] != NULL && !obl_state_valid(f->v[OBLF_STATE]))
		return "state: one of open, met, late, overdue, waived";
	if (f->v[OBLF_REGION] != NULL && !user_region_valid(f->v[OBLF_REGION]))
		return "region: a code such as KZ-75";
	if (f->v[OBLF_RECORD] != NULL && f->v[OBLF_RECORD][0] == '\0')
		return "record: the ref of a record, such as ALM-2025-0142";
	if (f->v[OBLF_RULE] != NULL && f->v[OBLF_RULE][0] == '\0')
		return "rule: the id of a rule, such as call-1h";
	return NULL;
}

/* The list's query string, parsed once into q (the caller clears it) and
 * f, which points into it: every parameter checked, none ignored; -1
 * after answering 400 naming the one that is wrong. */
static int
obl_filter_parse(struct evhttp_request *req, struct evkeyvalq *q,
    struct obl_filter *f)
{
	static const char *const keys[] = { "state", "region", "record",
	    "rule", "due_before", "limit", NULL };
	const char	*lim, *bad;
	size_t		 i;

	memset(f, 0, sizeof *f);
	f->limit = OBL_LIMIT_DEFAULT;
	if (http_params(req, keys, q) == -1)
		return -1;
	for (i = 0; i < OBLF_N; i++)
		f->v[i] = evhttp_find_header(q, keys[i]);
	f->before = evhttp_find_header(q, "due_before");
	lim = evhttp_find_header(q, "limit");
	if ((bad = obl_filter_bad(f)) != NULL)
		http_error(req, 400, "%s", bad);
	else if (f->before != NULL && query_time(f->before, &f->due_before) ==
	    -1)
		http_error(req, 400, "due_before: give epoch seconds or "
		    "an RFC 3339 time");
	else if (lim != NULL && (f->limit = obl_limit(lim)) == -1)
		http_error(req, 400, "limit: a number from 1 to %d",
		    OBL_LIMIT_MAX);
	else
		return 0;
	evhttp_clear_headers(q);
	return -1;
}

/* Milliseconds on the monotonic clock: a list's deadline ignores steps
 * of the wall clock. */
static long long
obl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SQLite's progress handler: 1 (interrupt) once the deadline has passed. */
static int
obl_overtime(void *arg)
{
	return obl_mono_ms() > *(const long long *)arg;
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

/*
 * The list as JSON into b, both halves from one snapshot: the dated, then
 * the undated if room is left (none match a due_before).  Two statements
 * rather than one ORDER BY "due IS NULL, due, id", which sorts every
 * obligation ever derived to return the first hundred.  The indexes keep
 * each list to the rows it returns (oblist.c); should a plan ever lose
 * one, the deadline stops the list rather than the event loop.  -1 after
 * answering 503.
 */
static int
obl_render(struct nadzord *ctx, struct evhttp_request *req,
    const struct user *u, const struct obl_filter *f, const struct law *law,
    struct evbuffer *b)
{
	const char	*regions[USER_MAXREGIONS];
	sqlite3		*db = store_db(ctx->reader);
	struct jbuf	 j;
	sqlite3_stmt	*s;
	long long	 deadline = obl_mono_ms() + ctx->conf.list_timeout_ms;
	long		 n = 0;
	size_t		 nregions = oblist_regions(u, f, regions);
	int		 half, halves, rc = SQLITE_DONE;

	/* None if the caller sees no region asked for; no undated duty is
	 * due before anything. */
	halves = nregions == 0 ? 0 : f->before != NULL ? 1 : 2;
	jbuf_init(&j, b);
	JBUF_LIT(&j, "[");
	sqlite3_progress_handler(db, OBL_PROGRESS_OPS, obl_overtime, &deadline);
	store_run(ctx->reader, "BEGIN");
	for (half = 0; rc == SQLITE_DONE && half < halves && n < f->limit;
	    half++) {
		if ((s = oblist_stmt(ctx->reader, f, regions, nregions, half,
		    f->limit - n)) == NULL)
			rc = SQLITE_ERROR;
		else
			rc = obl_rows(&j, law, s, &n);
	}
	sqlite3_progress_handler(db, 0, NULL, NULL);
	/* The error's message before COMMIT replaces it. */
	if (rc == SQLITE_INTERRUPT)
		http_error(req, 503, "the list took longer than %d ms and was "
		    "stopped; ask for less (state, region, rule, record, "
		    "due_before, limit)", ctx->conf.list_timeout_ms);
	else if (rc != SQLITE_DONE)
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
	if (!sqlite3_get_autocommit(db))
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
	const char	*v[5] = { f->v[OBLF_STATE], f->v[OBLF_REGION],
	    f->v[OBLF_RECORD], f->v[OBLF_RULE], f->before };
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
	struct evkeyvalq	 q;
	struct evbuffer		*b;
	struct user		 u;
	struct law		*law;
	struct obl_key		 key;
	unsigned long long	 gen;
	size_t			 keylen;

	if (http_auth(ctx, req, &u) == -1 || obl_filter_parse(req, &q, &f) == -1)
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
	evhttp_clear_headers(&q);
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
	if ((id = http_path_id(rest, &after)) == -1 || *after != '\0') {
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

	if ((id = http_path_id(rest, &after)) != -1 && strcmp(after, "/ack") == 0) {
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
