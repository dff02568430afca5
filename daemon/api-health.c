/* api-health.c - GET /healthz: 200 when the database can be read and written */
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "http.h"
#include "listcache.h"
#include "log.h"
#include "nadzord.h"
#include "store.h"
#include "writer.h"

struct health_job {
	struct wjob		 w;
	struct nadzord		*ctx;
	struct evhttp_request	*req;
};

/* A real write that reaches the disk with the group's commit. */
static int
health_apply(struct store *st, struct wjob *w)
{
	sqlite3_stmt *stmt = store_stmt(st, "UPDATE health SET at = ?");
	int rc;

	sqlite3_bind_int64(stmt, 1, now_ms());
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	w->status = 200;
	return rc == SQLITE_DONE ? WJOB_OK : WJOB_FAILED;
}

static void
health_done(struct wjob *w)
{
	struct health_job	*j = (struct health_job *)w;
	struct evbuffer		*b;
	unsigned long long	 groups, jobs, served;
	size_t			 kept;

	if (w->status != 200)
		http_error(j->req, 503, "%s", w->msg ? w->msg : "cannot write");
	else {
		/* Group commit at work: jobs per committed transaction; and
		 * the list cache: lists kept, answers sent from them. */
		writer_stats(j->ctx->writer, &groups, &jobs);
		listcache_stats(j->ctx->lists, &kept, &served);
		b = evbuffer_new();
		evbuffer_add_printf(b, "{\"status\":\"ok\",\"connections\":%d,"
		    "\"commits\":%llu,\"jobs\":%llu,\"lists_kept\":%zu,"
		    "\"lists_served\":%llu}\n", j->ctx->nconns, groups, jobs,
		    kept, served);
		http_reply(j->req, 200, "application/json", b);
	}
	nadzord_job_done(j->ctx);
	free(w->msg);
	free(j);
}

void
api_health(struct nadzord *ctx, struct evhttp_request *req)
{
	struct health_job	*j;
	sqlite3_stmt		*stmt;
	int			 rc;

	stmt = store_stmt(ctx->reader, "SELECT at FROM health");
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW) {
		http_error(req, 503, "cannot read the database: %s",
		    store_errmsg(ctx->reader));
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->ctx = ctx;
	j->req = req;
	j->w.apply = health_apply;
	j->w.done = health_done;
	j->w.keeps_lists = 1;		/* the health row only */
	ctx->inflight++;
	writer_submit(ctx->writer, &j->w);
}
