/* server.c - the daemon's parts started and stopped in order, for nadzord and the fuzzer */
#include <signal.h>
#include <stdlib.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "config.h"
#include "events.h"
#include "hook.h"
#include "http.h"
#include "law.h"
#include "listcache.h"
#include "log.h"
#include "nadzord.h"
#include "record.h"
#include "scheduler.h"
#include "store.h"
#include "workq.h"
#include "writer.h"

void
nadzord_job_done(struct nadzord *ctx)
{
	ctx->inflight--;
}

/* Everything the loop needs, from ctx->conf; *err on the first failure.
 * The caller adds its signal events. */
int
nadzord_setup(struct nadzord *ctx, char **err)
{
	struct law *law;

	if ((ctx->schema = record_schema_load(err)) == NULL)
		return -1;
	if ((law = law_load(ctx->conf.rules, err)) == NULL)
		return -1;
	ctx->laws = law_holder_new(law);
	if ((ctx->reader = store_open(ctx->conf.db, STORE_READONLY, err)) == NULL)
		return -1;
	ctx->lists = listcache_new();
	if (evthread_use_pthreads() == -1 ||
	    (ctx->base = event_base_new()) == NULL)
		fatalx("cannot create the event base");
	if ((ctx->writer = writer_start(ctx->conf.db, ctx->base, err)) == NULL)
		return -1;
	if (api_reports_start(ctx, err) == -1)
		return -1;
	ctx->parsers = workq_start(ctx->base, "nadzord-parse",
	    ctx->conf.parser_threads, 1,
	    workq_run_each, NULL);
	events_start(ctx);
	if (sched_start(ctx, err) == -1)
		return -1;
	hook_start(ctx);
	if (http_start(ctx, ctx->conf.listen, err) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Free in the order that keeps every pointer valid: the writer answers
 * its last jobs while the HTTP server still exists. */
void
nadzord_teardown(struct nadzord *ctx)
{
	workq_stop(ctx->parsers);	/* may hand jobs on to the writer */
	api_reports_stop(ctx);
	hook_stop(ctx);			/* likewise */
	writer_stop(ctx->writer);
	sched_stop(ctx);
	events_stop(ctx);
	law_holder_free(ctx->laws);
	http_free(ctx);
	listcache_free(ctx->lists);	/* after the answers that hold bodies */
	if (ctx->ev_term != NULL)
		event_free(ctx->ev_term);
	if (ctx->ev_int != NULL)
		event_free(ctx->ev_int);
	if (ctx->ev_hup != NULL)
		event_free(ctx->ev_hup);
	if (ctx->ev_stop != NULL)
		event_free(ctx->ev_stop);
	store_close(ctx->reader);
	record_schema_free(ctx->schema);
	event_base_free(ctx->base);
	config_free(&ctx->conf);
}
