/* api-records.c - POST /api/v1/records, GET /api/v1/records[/{id}] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "audit.h"
#include "http.h"
#include "ingest.h"
#include "json.h"
#include "law.h"
#include "log.h"
#include "nadzord.h"
#include "obligation.h"
#include "record.h"
#include "scheduler.h"
#include "store.h"
#include "user.h"
#include "writer.h"

/* A submission: parsed on a parser thread, then stored by the writer. */
struct submit_job {
	struct wjob		 w;
	struct nadzord		*ctx;
	struct evhttp_request	*req;
	struct user		 user;
	char			*body;		/* a copy: the parser owns it */
	size_t			 len;
	long long		 now;
	struct record_set	 set;
	struct ingest_result	*res;
	struct schedvec		 sv;		/* duties to arm after commit */
};

/* An audited read or refusal: the answer waits until the entry is durable. */
struct read_job {
	struct wjob		 w;
	struct nadzord		*ctx;
	struct evhttp_request	*req;
	char			 actor[USER_LOGINMAX + 1];
	const char		*action;
	char			 object[128];
	int			 status;	/* of the answer once audited */
	struct evbuffer		*body;		/* the answer, or NULL for 404 */
};

/* Free a submission and count it answered. */
static void
submit_free(struct submit_job *j)
{
	nadzord_job_done(j->ctx);
	record_set_free(&j->set);
	schedvec_free(&j->sv);
	free(j->body);
	free(j->res);
	free(j->w.msg);
	free(j);
}

/* Writer thread: store the records. */
static int
submit_apply(struct store *st, struct wjob *w)
{
	struct submit_job	*j = (struct submit_job *)w;
	struct law		*law = law_acquire(j->ctx->laws);
	int			 rc;

	rc = ingest_store_law(st, &j->set, j->user.login, j->user.id,
	    role_name(j->user.role), law, now_s(), j->res, &j->sv, &w->status,
	    &w->msg);
	law_release(j->ctx->laws, law);
	return rc;
}

/* {"status":..., "records":[{id, region, ref, kind, result}, ...]} */
static struct evbuffer *
submit_body(struct submit_job *j)
{
	struct evbuffer	*b = evbuffer_new();
	struct record	*r;
	size_t		 i;

	evbuffer_add_printf(b, "{\"status\":\"%s\",\"records\":[",
	    j->w.status == 201 ? "created" : "unchanged");
	for (i = 0; i < j->set.n; i++) {
		r = &j->set.v[i];
		evbuffer_add_printf(b, "%s{\"id\":%lld,\"region\":", i ? "," : "",
		    j->res[i].id);
		json_str(b, r->region);
		json_key(b, "ref", 0);
		json_str(b, r->ref);
		json_key(b, "kind", 0);
		json_str(b, record_kind_name(r->kind));
		evbuffer_add_printf(b, ",\"result\":\"%s\"}",
		    j->res[i].created ? "created" : "unchanged");
	}
	evbuffer_add_printf(b, "]}\n");
	return b;
}

/* Loop: the group is durable (or failed); answer and free. */
static void
submit_done(struct wjob *w)
{
	struct submit_job *j = (struct submit_job *)w;

	if (w->status >= 400)
		http_error(j->req, w->status, "%s", w->msg ? w->msg : "not stored");
	else {
		http_reply(j->req, w->status, "application/json", submit_body(j));
		sched_update(j->ctx, &j->sv);
	}
	submit_free(j);
}

/* 415 unless the body says it is XML. */
static int
submit_content_type(struct evhttp_request *req)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	size_t n;

	if (ct == NULL) {
		http_error(req, 415, "Content-Type must be application/xml");
		return -1;
	}
	n = strcspn(ct, "; \t");
	if ((n == 15 && strncasecmp(ct, "application/xml", n) == 0) ||
	    (n == 8 && strncasecmp(ct, "text/xml", n) == 0))
		return 0;
	http_error(req, 415, "Content-Type must be application/xml, not %.*s",
	    (int)(n > 64 ? 64 : n), ct);
	return -1;
}

/* 403 unless the user may log every record of the set. */
static int
submit_allowed(struct wjob *w, const struct user *u,
    const struct record_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (!user_sees_region(u, set->v[i].region)) {
			w->status = 403;
			xasprintf(&w->msg, "user %s may not submit records for "
			    "region %s (record %s)", u->login, set->v[i].region,
			    set->v[i].ref);
			return WJOB_REFUSED;
		}
	}
	return WJOB_OK;
}

/* A parser thread: validate the body; 400, 413 or 403 in w if refused. */
static int
submit_parse(struct store *unused, struct wjob *w)
{
	struct submit_job	*j = (struct submit_job *)w;
	struct record_error	 e;
	size_t			 max = j->ctx->conf.max_record;

	(void)unused;
	if (record_parse(j->ctx->schema, j->body, j->len, j->now, &j->set,
	    &e) == -1) {
		w->status = 400;
		if (strncmp(e.reason, "element '", 9) == 0)
			xasprintf(&w->msg, "invalid record: line %d, %s", e.line,
			    e.reason);
		else if (e.element[0] != '\0')
			xasprintf(&w->msg, "invalid record: line %d, element "
			    "'%s': %s", e.line, e.element, e.reason);
		else
			xasprintf(&w->msg, "invalid record: %s", e.reason);
		return WJOB_REFUSED;
	}
	if (j->set.n == 1 && j->len > max) {
		w->status = 413;
		xasprintf(&w->msg, "the record is %zu bytes; one record may have "
		    "at most %zu (send a <batch> for more)", j->len, max);
		return WJOB_REFUSED;
	}
	return submit_allowed(w, &j->user, &j->set);
}

/* Loop: parsed; refuse, or hand the records to the writer. */
static void
submit_parsed(struct wjob *w)
{
	struct submit_job *j = (struct submit_job *)w;

	free(j->body);
	j->body = NULL;
	if (w->status >= 400) {
		http_error(j->req, w->status, "%s", w->msg);
		submit_free(j);
		return;
	}
	j->res = xcalloc(j->set.n, sizeof *j->res);
	w->apply = submit_apply;
	w->done = submit_done;
	writer_submit(j->ctx->writer, w);
}

/* Loop: the checks that need no parsing, then off to a parser thread, so
 * a large batch never holds up the loop. */
void
api_records_post(struct nadzord *ctx, struct evhttp_request *req)
{
	struct submit_job	*j;
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct user		 u;

	if (http_auth(ctx, req, &u) == -1 || submit_content_type(req) == -1)
		return;
	if (!role_may_submit(u.role, SUBMIT_RECORD)) {
		http_error(req, 403, "role %s may not submit records",
		    role_name(u.role));
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->ctx = ctx;
	j->req = req;
	j->user = u;
	j->now = now_s();
	j->len = evbuffer_get_length(in);
	j->body = xmalloc(j->len + 1);
	evbuffer_copyout(in, j->body, j->len);
	j->w.apply = submit_parse;
	j->w.done = submit_parsed;
	ctx->inflight++;
	workq_submit(ctx->parsers, &j->w);
}

/* Writer thread: the audit entry of a read or a refusal. */
static int
read_apply(struct store *st, struct wjob *w)
{
	struct read_job *j = (struct read_job *)w;

	if (audit_append(st, j->actor, j->action, j->object, NULL) == -1)
		return WJOB_FAILED;
	w->status = j->status;
	return WJOB_OK;
}

/* Loop: the entry is durable; now the answer may go. */
static void
read_done(struct wjob *w)
{
	struct read_job *j = (struct read_job *)w;

	if (w->status >= 500) {
		http_error(j->req, w->status, "%s", w->msg);
		if (j->body)
			evbuffer_free(j->body);
	} else if (j->body == NULL)
		http_error(j->req, 404, "no such record");
	else
		http_reply(j->req, 200, "application/xml; charset=utf-8", j->body);
	nadzord_job_done(j->ctx);
	free(w->msg);
	free(j);
}

/* Queue an audit entry, then answer with body (NULL: 404). */
static void
read_audited(struct nadzord *ctx, struct evhttp_request *req,
    const struct user *u, const char *action, long long id,
    struct evbuffer *body)
{
	struct read_job *j = xcalloc(1, sizeof *j);

	j->ctx = ctx;
	j->req = req;
	snprintf(j->actor, sizeof j->actor, "%s", u->login);
	j->action = action;
	snprintf(j->object, sizeof j->object, "record %lld", id);
	j->status = body ? 200 : 404;
	j->body = body;
	j->w.apply = read_apply;
	j->w.done = read_done;
	j->w.keeps_lists = 1;		/* an audit entry only */
	ctx->inflight++;
	writer_submit(ctx->writer, &j->w);
}

/* Answer with record id if the user may see it.  A record of another
 * region answers 404, as if absent, and the attempt is audited. */
static void
records_answer(struct nadzord *ctx, struct evhttp_request *req,
    const struct user *u, sqlite3_stmt *stmt)
{
	struct evbuffer	*b;
	long long	 id;
	int		 rc, persons;

	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		if (rc == SQLITE_DONE)
			http_error(req, 404, "no such record");
		else
			http_error(req, 503, "cannot read: %s",
			    store_errmsg(ctx->reader));
		return;
	}
	id = sqlite3_column_int64(stmt, 0);
	if (!user_sees_region(u, (const char *)sqlite3_column_text(stmt, 1))) {
		sqlite3_reset(stmt);
		log_warnx("user %s asked for record %lld of another region",
		    u->login, id);
		read_audited(ctx, req, u, "access.denied", id, NULL);
		return;
	}
	b = evbuffer_new();
	evbuffer_add(b, sqlite3_column_text(stmt, 2),
	    (size_t)sqlite3_column_bytes(stmt, 2));
	evbuffer_add(b, "\n", 1);
	persons = sqlite3_column_int(stmt, 3);
	sqlite3_reset(stmt);
	if (persons)
		read_audited(ctx, req, u, "person.read", id, b);
	else
		http_reply(req, 200, "application/xml; charset=utf-8", b);
}

void
api_records_get(struct nadzord *ctx, struct evhttp_request *req,
    const char *rest)
{
	sqlite3_stmt	*stmt;
	struct user	 u;
	const char	*after;
	long long	 id;

	if (http_auth(ctx, req, &u) == -1)
		return;
	if ((id = http_path_id(rest, &after)) == -1 || *after != '\0') {
		http_error(req, 404, "no such record: ids are numbers");
		return;
	}
	stmt = store_stmt(ctx->reader, "SELECT id, region, xml, EXISTS (SELECT 1"
	    " FROM person WHERE record = record.id) FROM record WHERE id = ?");
	sqlite3_bind_int64(stmt, 1, id);
	records_answer(ctx, req, &u, stmt);
}

/* GET /api/v1/records?region=R&ref=REF: the same, found by the sender's ref. */
void
api_records_find(struct nadzord *ctx, struct evhttp_request *req)
{
	static const char *const keys[] = { "region", "ref", NULL };
	struct evkeyvalq	 q;
	sqlite3_stmt		*stmt;
	struct user		 u;
	const char		*region, *ref;

	if (http_auth(ctx, req, &u) == -1 || http_params(req, keys, &q) == -1)
		return;
	region = evhttp_find_header(&q, "region");
	ref = evhttp_find_header(&q, "ref");
	if (region == NULL || ref == NULL)
		http_error(req, 400, "give region and ref, or use "
		    "/api/v1/records/ID");
	else {
		stmt = store_stmt(ctx->reader, "SELECT id, region, xml, EXISTS"
		    " (SELECT 1 FROM person WHERE record = record.id) FROM record"
		    " WHERE region = ? AND ref = ?");
		store_bind_text(stmt, 1, region);
		store_bind_text(stmt, 2, ref);
		records_answer(ctx, req, &u, stmt);
	}
	evhttp_clear_headers(&q);
}
