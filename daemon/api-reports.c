/* api-reports.c - GET /api/v1/reports/{kind}/{period}[?region=R] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "law.h"
#include "log.h"
#include "nadzord.h"
#include "report.h"
#include "store.h"
#include "submission.h"
#include "workq.h"
#include "user.h"

/* The regions the report covers: the one asked for (?region=, or
 * NULL), if the caller may see it, else all the caller's (none: the
 * country).  403 when asked for a region the caller does not see:
 * aggregates of a region are no secret worth hiding as a 404, but they
 * are not the caller's to read. */
static int
report_scope_of(struct evhttp_request *req, const char *region,
    const struct user *u, struct report_scope *sc)
{
	size_t i;

	memset(sc, 0, sizeof *sc);
	if (region != NULL) {
		if (!user_region_valid(region)) {
			http_error(req, 400, "region: a code such as KZ-75");
			return -1;
		}
		if (!user_sees_region(u, region)) {
			http_error(req, 403, "you do not see region %s", region);
			return -1;
		}
		snprintf(sc->regions[0], sizeof sc->regions[0], "%s", region);
		sc->nregions = 1;
		return 0;
	}
	for (i = 0; i < u->nregions; i++)
		snprintf(sc->regions[i], sizeof sc->regions[i], "%s",
		    u->regions[i]);
	sc->nregions = i;
	/* A regional user without regions sees nothing, never everything. */
	if (sc->nregions == 0 && role_needs_region(u->role)) {
		http_error(req, 403, "you are not assigned to any region");
		return -1;
	}
	return 0;
}

/* Split "quarterly/2025-Q1" into its two parts; -1 if not that shape. */
static int
report_path(const char *rest, char *kind, size_t klen, char *period,
    size_t plen)
{
	const char *slash = strchr(rest, '/');

	if (slash == NULL || slash == rest || (size_t)(slash - rest) >= klen ||
	    strlen(slash + 1) >= plen || strchr(slash + 1, '/') != NULL)
		return -1;
	memcpy(kind, rest, (size_t)(slash - rest));
	kind[slash - rest] = '\0';
	snprintf(period, plen, "%s", slash + 1);
	return 0;
}

/* A report being computed on the reporting thread. */
struct report_job {
	struct wjob		 w;
	struct nadzord		*ctx;
	struct evhttp_request	*req;
	struct report_period	 p;
	struct report_scope	 sc;
	struct evbuffer		*b;
};

/* Reporting thread: the aggregate queries, on its own read connection,
 * compared with what was submitted for the same report, if anything. */
static int
report_apply(struct store *st, struct wjob *w)
{
	struct report_job	*j = (struct report_job *)w;
	struct submission	 sub;
	char			 scope[REPORT_SCOPEMAX];
	int			 rc;

	j->b = evbuffer_new();
	w->status = 503;
	report_scope_name(&j->sc, scope, sizeof scope);
	if ((rc = submission_latest(st, j->p.kind, j->p.name, scope, &sub)) ==
	    -1)
		xasprintf(&w->msg, "cannot read submissions: %s",
		    store_errmsg(st));
	else if (report_xml(st, j->ctx->report_prev, &j->p, &j->sc, now_s(),
	    rc == 0 ? &sub : NULL, j->b, NULL, &w->msg) == 0)
		w->status = 200;
	submission_clear(&sub);
	return WJOB_OK;
}

/* Loop: answer with the document. */
static void
report_done(struct wjob *w)
{
	struct report_job *j = (struct report_job *)w;

	api_reports_dequeued(j->ctx);
	if (w->status != 200) {
		http_error(j->req, 503, "%s", w->msg ? w->msg : "cannot read");
		evbuffer_free(j->b);
	} else
		http_reply(j->req, 200, "application/xml; charset=utf-8", j->b);
	nadzord_job_done(j->ctx);
	free(w->msg);
	free(j);
}

/* The worker's pass: each job with the reporting connection. */
static void
report_run(void *arg, struct wjobq *q)
{
	struct wjob *job;

	TAILQ_FOREACH(job, q, entry)
		job->applied = job->apply(arg, job) == WJOB_OK;
}

/*
 * Reports over years of records take long enough that they must not run on
 * the event loop: one thread with a read-only connection of its own
 * computes them (WAL readers never block the writer, nor it them), the
 * АППГ at the same time on a thread of the report's with a second one.
 */
int
api_reports_start(struct nadzord *ctx, char **err)
{
	if ((ctx->report_db = store_open(ctx->conf.db, STORE_READONLY, err)) ==
	    NULL || (ctx->report_prev = store_open(ctx->conf.db,
	    STORE_READONLY, err)) == NULL)
		return -1;
	ctx->reporter = workq_start(ctx->base, "nadzord-report", 1, 1,
	    report_run, ctx->report_db);
	return 0;
}

void
api_reports_stop(struct nadzord *ctx)
{
	/* Answers what it was computing; submissions it checked go on to
	 * the writer, which stops after it. */
	workq_stop(ctx->reporter);
	ctx->reporter = NULL;
	store_close(ctx->report_db);
	store_close(ctx->report_prev);
	ctx->report_db = NULL;
	ctx->report_prev = NULL;
}

/* The report a path names, of the scope the caller may read: shared by
 * reading and submitting it. */
int
api_reports_target(struct nadzord *ctx, struct evhttp_request *req,
    const char *rest, const char *region, const struct user *u,
    struct report_period *p, struct report_scope *sc)
{
	struct law	*law;
	char		 kind[16], period[16];
	int		 rc;

	if (report_path(rest, kind, sizeof kind, period, sizeof period) == -1) {
		http_error(req, 404, "no such report: /api/v1/reports/KIND/PERIOD");
		return -1;
	}
	if (report_scope_of(req, region, u, sc) == -1)
		return -1;
	/* The Department's periods are Almaty dates (the brief of п. 65-67):
	 * UTC+6 until 1 March 2024, +5 since, from the tz database. */
	law = law_acquire(ctx->laws);
	rc = report_period(kind, period, law_zone(law, "KZ-75"), p);
	law_release(ctx->laws, law);
	if (rc == -1) {
		http_error(req, 404, "no such report: give monthly/YYYY-MM, "
		    "quarterly/YYYY-Qn, halfyear/YYYY-Hn or annual/YYYY");
		return -1;
	}
	return 0;
}

/* Every role may read analyses, each only of the regions it sees; nothing
 * is audited: the document holds counts, never a name or an IIN. */
void
api_reports_get(struct nadzord *ctx, struct evhttp_request *req,
    const char *rest)
{
	static const char *const keys[] = { "region", NULL };
	struct evkeyvalq	 q;
	struct report_job	*j;
	struct report_period	 p;
	struct report_scope	 sc;
	struct user		 u;
	int			 rc;

	if (http_auth(ctx, req, &u) == -1 || http_params(req, keys, &q) == -1)
		return;
	rc = api_reports_target(ctx, req, rest, evhttp_find_header(&q,
	    "region"), &u, &p, &sc);
	evhttp_clear_headers(&q);
	if (rc == -1)
		return;
	j = xcalloc(1, sizeof *j);
	j->ctx = ctx;
	j->req = req;
	j->p = p;
	j->sc = sc;
	j->w.apply = report_apply;
	j->w.done = report_done;
	if (api_reports_queue(ctx, req, &j->w) == -1)
		free(j);
}

/* A report costs a pass over the period's facts (up to a second on a
 * national archive): a bounded queue, so a caller with many connections
 * cannot hold everyone's reports and submissions behind his. */
int
api_reports_queue(struct nadzord *ctx, struct evhttp_request *req,
    struct wjob *w)
{
	if (ctx->reports_queued >= REPORT_MAXQUEUED) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "5");
		http_error(req, 503, "%d reports are being computed; try again "
		    "shortly", ctx->reports_queued);
		return -1;
	}
	ctx->reports_queued++;
	ctx->inflight++;
	workq_submit(ctx->reporter, w);
	return 0;
}

void
api_reports_dequeued(struct nadzord *ctx)
{
	ctx->reports_queued--;
}
