/* api-submissions.c - submitted reports: POST .../submissions, GET /api/v1/reports/submitted */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "json.h"
#include "log.h"
#include "nadzord.h"
#include "report.h"
#include "store.h"
#include "submission.h"
#include "user.h"
#include "workq.h"
#include "writer.h"

#define SUBMISSIONS		"/submissions"
#define SUBMISSIONS_LIMIT	1000	/* entries in one list, newest first */

/* What lists and fetches read of a submission, and from where. */
#define SUB_COLUMNS "s.id, s.version, s.kind, s.period, s.scope, s.format," \
	" s.lang, s.reason, u.login, s.submitted_at, s.data_sha256," \
	" s.document_sha256, length(s.document)"
#define SUB_FROM " FROM submission s JOIN user u ON u.id = s.submitted_by"

/*
 * A submission takes three steps, none on the loop: the reporting thread
 * computes the report again and compares its data hash with the one the
 * client rendered from; the writer stores it with its audit entry; only
 * then is it answered.
 */
struct sub_job {
	struct wjob		 w;
	struct nadzord		*ctx;
	struct evhttp_request	*req;
	struct report_period	 p;
	struct report_scope	 sc;
	char			 sent[REPORT_SHA256HEX];	/* the client's */
	struct submission	 s;
};

/* Free a submission job and count it answered. */
static void
sub_free(struct sub_job *j)
{
	nadzord_job_done(j->ctx);
	submission_clear(&j->s);
	free(j->w.msg);
	free(j);
}

/* {"id":..., ...}: a submission as lists and answers show it. */
static void
sub_json(struct evbuffer *b, const struct submission *s)
{
	const char	*text[][2] = {
		{ "kind", s->kind }, { "period", s->period },
		{ "scope", s->scope }, { "format", s->format },
		{ "lang", s->lang }, { "reason", s->reason },
		{ "submitted_by", s->by }, { "data_sha256", s->data_sha256 },
		{ "document_sha256", s->doc_sha256 },
	};
	size_t		 i;

	evbuffer_add_printf(b, "{\"id\":%lld,\"version\":%d,\"bytes\":%zu",
	    s->id, s->version, s->doclen);
	for (i = 0; i < sizeof text / sizeof text[0]; i++) {
		json_key(b, text[i][0], 0);
		json_str(b, text[i][1]);
	}
	json_key(b, "submitted_at", 0);
	json_time(b, s->at, 0);
	evbuffer_add(b, "}", 1);
}

/* Fill s from a row of SUB_COLUMNS (no data, no document). */
static void
sub_row(sqlite3_stmt *st, struct submission *s)
{
	const char	*t[12];
	int		 i;

	memset(s, 0, sizeof *s);
	for (i = 2; i < 12; i++)
		if ((t[i] = (const char *)sqlite3_column_text(st, i)) == NULL)
			t[i] = "";
	s->id = sqlite3_column_int64(st, 0);
	s->version = sqlite3_column_int(st, 1);
	snprintf(s->kind, sizeof s->kind, "%s", t[2]);
	snprintf(s->period, sizeof s->period, "%s", t[3]);
	snprintf(s->scope, sizeof s->scope, "%s", t[4]);
	snprintf(s->format, sizeof s->format, "%s", t[5]);
	snprintf(s->lang, sizeof s->lang, "%s", t[6]);
	if (sqlite3_column_type(st, 7) != SQLITE_NULL)
		s->reason = xstrdup(t[7]);
	snprintf(s->by, sizeof s->by, "%s", t[8]);
	s->at = sqlite3_column_int64(st, 9);
	snprintf(s->data_sha256, sizeof s->data_sha256, "%s", t[10]);
	snprintf(s->doc_sha256, sizeof s->doc_sha256, "%s", t[11]);
	s->doclen = (size_t)sqlite3_column_int64(st, 12);
}

/* Writer thread: store it as the next version, audited. */
static int
sub_store(struct store *st, struct wjob *w)
{
	struct sub_job *j = (struct sub_job *)w;

	return submission_store(st, &j->s, &w->status, &w->msg);
}

/* Loop: stored and committed (or refused); answer. */
static void
sub_stored(struct wjob *w)
{
	struct sub_job	*j = (struct sub_job *)w;
	struct evbuffer	*b;

	if (w->status >= 400)
		http_error(j->req, w->status, "%s", w->msg ? w->msg :
		    "not stored");
	else {
		b = evbuffer_new();
		sub_json(b, &j->s);
		evbuffer_add(b, "\n", 1);
		log_info("%s submitted %s %s (%s) as #%lld, version %d", j->s.by,
		    j->s.kind, j->s.period, j->s.scope, j->s.id, j->s.version);
		http_reply(j->req, 201, "application/json", b);
	}
	sub_free(j);
}

/* What the document must show of itself: an XML report carries the data
 * hash it was rendered from, a PDF is a PDF.  NULL if it does. */
static const char *
sub_document_bad(const struct submission *s, const char *sha)
{
	char attr[REPORT_SHA256HEX + 16];

	if (strcmp(s->format, "pdf") == 0 && (s->doclen < 5 ||
	    memcmp(s->doc, "%PDF-", 5) != 0))
		return "the document is not a PDF (it does not start with %PDF-)";
	snprintf(attr, sizeof attr, "data-sha256=\"%s\"", sha);
	if (strcmp(s->format, "xml") == 0 &&
	    memmem(s->doc, s->doclen, attr, strlen(attr)) == NULL)
		return "the XML document is not the report of that data "
		    "(its data-sha256 differs)";
	return NULL;
}

/* Reporting thread: the figures now, and their hash against the client's. */
static int
sub_check(struct store *st, struct wjob *w)
{
	struct sub_job	*j = (struct sub_job *)w;
	struct evbuffer	*b = evbuffer_new();

	if (report_xml(st, j->ctx->report_prev, &j->p, &j->sc, now_s(), NULL,
	    b, j->s.data_sha256, &w->msg) == -1)
		w->status = 503;
	else if (strcmp(j->s.data_sha256, j->sent) != 0) {
		w->status = 409;
		xasprintf(&w->msg, "the records changed while the report was "
		    "generated (its data-sha256 is %s now, not %s); generate it "
		    "again", j->s.data_sha256, j->sent);
	} else {
		w->status = 200;
		j->s.datalen = evbuffer_get_length(b);
		j->s.data = xmalloc(j->s.datalen + 1);
		evbuffer_remove(b, j->s.data, j->s.datalen);
		j->s.data[j->s.datalen] = '\0';
	}
	evbuffer_free(b);
	return WJOB_OK;
}

/* Loop: checked; refuse, or hand it to the writer. */
static void
sub_checked(struct wjob *w)
{
	struct sub_job *j = (struct sub_job *)w;

	api_reports_dequeued(j->ctx);
	if (w->status != 200) {
		http_error(j->req, w->status, "%s", w->msg ? w->msg :
		    "cannot compute the report");
		sub_free(j);
		return;
	}
	w->apply = sub_store;
	w->done = sub_stored;
	w->keeps_lists = 1;		/* a submission and its audit entry */
	writer_submit(j->ctx->writer, w);
}

/* 1 if s is 64 lowercase hex digits. */
static int
sha256_hex(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* 1 if s is printable text (UTF-8 allowed, control characters not). */
static int
plain_text(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* ?format=F&lang=L&data_sha256=H[&reason=TEXT] of q into j; -1 once
 * answered 400. */
static int
sub_params(struct evhttp_request *req, struct evkeyvalq *q,
    struct sub_job *j)
{
	const char	*format = evhttp_find_header(q, "format");
	const char	*lang = evhttp_find_header(q, "lang");
	const char	*sha = evhttp_find_header(q, "data_sha256");
	const char	*reason = evhttp_find_header(q, "reason");
	const char	*why = NULL;

	if (format == NULL || !submission_format_valid(format))
		why = "format: html, csv, xml or pdf";
	else if (lang != NULL && strcmp(lang, "ru") != 0 &&
	    strcmp(lang, "kk") != 0 && strcmp(lang, "en") != 0)
		why = "lang: ru, kk or en";
	else if (sha == NULL || !sha256_hex(sha))
		why = "data_sha256: the data-sha256 of the report the document "
		    "was rendered from (64 hex digits)";
	else if (reason != NULL && (*reason == '\0' ||
	    strlen(reason) > SUBMISSION_REASONMAX || !plain_text(reason)))
		why = "reason: one line of text, 1 to 2000 bytes";
	if (why != NULL)
		http_error(req, 400, "%s", why);
	else {
		snprintf(j->s.format, sizeof j->s.format, "%s", format);
		snprintf(j->s.lang, sizeof j->s.lang, "%s", lang ? lang : "ru");
		snprintf(j->sent, sizeof j->sent, "%s", sha);
		if (reason != NULL)
			j->s.reason = xstrdup(reason);
	}
	return why ? -1 : 0;
}

/* KIND/PERIOD of ".../KIND/PERIOD/submissions" into buf; -1 if not that. */
static int
sub_target(const char *rest, char *buf, size_t len)
{
	size_t n = strlen(rest), s = strlen(SUBMISSIONS);

	if (n <= s || n - s >= len || strcmp(rest + n - s, SUBMISSIONS) != 0)
		return -1;
	memcpy(buf, rest, n - s);
	buf[n - s] = '\0';
	return 0;
}

/*
 * POST /api/v1/reports/{kind}/{period}/submissions?region=R&format=F
 * &lang=L&data_sha256=H[&reason=TEXT], the document as the body: store
 * the report as submitted, if its figures are still those the document
 * shows.  The scope is that of reading the report (the caller's regions,
 * or ?region=); the role must be one that submits.
 */
void
api_submissions_post(struct nadzord *ctx, struct evhttp_request *req,
    const char *rest)
{
	static const char *const keys[] = { "region", "format", "lang",
	    "data_sha256", "reason", NULL };
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq	 q;
	struct sub_job		*j;
	struct user		 u;
	const char		*bad;
	char			 target[48];
	int			 rc;

	if (http_auth(ctx, req, &u) == -1)
		return;
	if (sub_target(rest, target, sizeof target) == -1) {
		http_error(req, 404, "no such path: submit a report to "
		    "/api/v1/reports/KIND/PERIOD/submissions");
		return;
	}
	if (!role_may_submit(u.role, SUBMIT_REPORT)) {
		http_error(req, 403, "role %s may not submit reports (region "
		    "offices, zonal officers, heads and administrators do)",
		    role_name(u.role));
		return;
	}
	if (http_params(req, keys, &q) == -1)
		return;
	j = xcalloc(1, sizeof *j);
	rc = api_reports_target(ctx, req, target, evhttp_find_header(&q,
	    "region"), &u, &j->p, &j->sc);
	if (rc == 0)
		rc = sub_params(req, &q, j);
	evhttp_clear_headers(&q);
	if (rc == -1) {
		submission_clear(&j->s);
		free(j);
		return;
	}
	if ((j->s.doclen = evbuffer_get_length(in)) == 0) {
		http_error(req, 400, "the body must be the document, as "
		    "rendered from the report");
		submission_clear(&j->s);
		free(j);
		return;
	}
	j->ctx = ctx;
	j->req = req;
	report_scope_name(&j->sc, j->s.scope, sizeof j->s.scope);
	snprintf(j->s.kind, sizeof j->s.kind, "%s", j->p.kind);
	snprintf(j->s.period, sizeof j->s.period, "%s", j->p.name);
	snprintf(j->s.by, sizeof j->s.by, "%s", u.login);
	j->s.by_id = u.id;
	j->s.doc = xmalloc(j->s.doclen);
	evbuffer_remove(in, j->s.doc, j->s.doclen);
	/* What the document shows of itself is checked before the report is
	 * computed again: a wrong body costs nothing. */
	if ((bad = sub_document_bad(&j->s, j->sent)) != NULL) {
		http_error(req, 400, "%s", bad);
		submission_clear(&j->s);
		free(j);
		return;
	}
	j->w.apply = sub_check;
	j->w.done = sub_checked;
	if (api_reports_queue(ctx, req, &j->w) == -1) {
		submission_clear(&j->s);
		free(j);
	}
}

/* GET /api/v1/reports/submitted: every submission the caller may see
 * (each region of its scope is theirs; a national one, national users'
 * only), newest first.  A few rows a region and period: read here. */
void
api_submissions_list(struct nadzord *ctx, struct evhttp_request *req)
{
	struct submission	 s;
	struct evbuffer		*b;
	sqlite3_stmt		*st;
	struct user		 u;
	int			 n = 0, rc;

	if (http_auth(ctx, req, &u) == -1)
		return;
	if (sqlite3_prepare_v2(store_db(ctx->reader), "SELECT " SUB_COLUMNS
	    SUB_FROM " ORDER BY s.id DESC", -1, &st, NULL) != SQLITE_OK) {
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
		return;
	}
	b = evbuffer_new();
	evbuffer_add_printf(b, "{\"submissions\":[");
	while (n < SUBMISSIONS_LIMIT && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sub_row(st, &s);
		if (submission_visible(&u, s.scope)) {
			if (n++ > 0)
				evbuffer_add(b, ",", 1);
			sub_json(b, &s);
		}
		submission_clear(&s);
	}
	sqlite3_finalize(st);
	if (n < SUBMISSIONS_LIMIT && rc != SQLITE_DONE) {
		evbuffer_free(b);
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
		return;
	}
	evbuffer_add_printf(b, "]}\n");
	http_reply(req, 200, "application/json", b);
}

/* Headers of a stored document: its hashes, and a file name that keeps a
 * browser from showing it as a page of this server. */
static void
sub_headers(struct evhttp_request *req, const struct submission *s,
    int data)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 name[sizeof s->scope + 64], *p;

	evhttp_add_header(h, "X-Nadzor-Data-SHA256", s->data_sha256);
	if (!data)
		evhttp_add_header(h, "X-Nadzor-Document-SHA256", s->doc_sha256);
	snprintf(name, sizeof name, "attachment; filename=\"%s-%s-%s-v%d%s.%s\"",
	    s->kind, s->period, s->scope, s->version, data ? "-data" : "",
	    data ? "xml" : s->format);
	for (p = name; *p != '\0'; p++)
		if (*p == ' ')
			*p = '_';
	evhttp_add_header(h, "Content-Disposition", name);
}

/* GET /api/v1/reports/submitted/{id}: the document byte for byte, with
 * its type; .../{id}/data: the report XML it was rendered from.  One of
 * a scope the caller does not see answers 404, as one that does not
 * exist, so ids cannot be probed. */
void
api_submissions_get(struct nadzord *ctx, struct evhttp_request *req,
    const char *rest)
{
	struct submission	 s;
	struct evbuffer		*b;
	sqlite3_stmt		*st;
	struct user		 u;
	const char		*after;
	long long		 id = http_path_id(rest, &after);
	int			 data = strcmp(after, "/data") == 0, rc;

	if (http_auth(ctx, req, &u) == -1)
		return;
	if (id == -1 || (*after != '\0' && !data)) {
		http_error(req, 404, "no such submission: "
		    "/api/v1/reports/submitted/ID[/data]");
		return;
	}
	/* The row first, the document only for a caller who may see it:
	 * a walk over ids never reads megabytes. */
	rc = sqlite3_prepare_v2(store_db(ctx->reader), data ?
	    "SELECT " SUB_COLUMNS ", (SELECT data_xml FROM submission WHERE"
	    " id = s.id AND ?2)" SUB_FROM " WHERE s.id = ?1" :
	    "SELECT " SUB_COLUMNS ", (SELECT document FROM submission WHERE"
	    " id = s.id AND ?2)" SUB_FROM " WHERE s.id = ?1",
	    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
		return;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, 0);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sub_row(st, &s);
		if (submission_visible(&u, s.scope)) {
			sqlite3_reset(st);
			sqlite3_bind_int(st, 2, 1);
			rc = sqlite3_step(st);
		}
		if (rc == SQLITE_ROW && submission_visible(&u, s.scope)) {
			b = evbuffer_new();
			evbuffer_add(b, sqlite3_column_blob(st, 13),
			    (size_t)sqlite3_column_bytes(st, 13));
			sub_headers(req, &s, data);
			http_reply(req, 200, data ? submission_ctype("xml") :
			    submission_ctype(s.format), b);
		} else {
			log_warnx("user %s asked for submission %lld of scope "
			    "%s", u.login, s.id, s.scope);
			rc = SQLITE_DONE;
		}
		submission_clear(&s);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		http_error(req, 404, "no such submission");
	else if (rc != SQLITE_ROW)
		http_error(req, 503, "cannot read: %s", store_errmsg(ctx->reader));
}
