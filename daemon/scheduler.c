/* scheduler.c - one timer for the earliest due event, bounded passes, nothing missed */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "alert.h"
#include "events.h"
#include "hook.h"
#include "law.h"
#include "log.h"
#include "nadzord.h"
#include "obligation.h"
#include "scheduler.h"
#include "store.h"
#include "workq.h"
#include "writer.h"

/*
 * In the manner of OpenSMTPD's scheduler: the database holds each
 * obligation's next event time (next_at); memory holds a min-heap of
 * (next_at, id) and one timer for its top.  A pass takes what is due (at
 * most SCHED_BATCH), the writer fires it inside one transaction, and only
 * after the commit are alerts announced and the heap updated.  Heap
 * entries may be stale (a duty met meanwhile): the writer re-reads each
 * obligation, so a stale entry costs a lookup, never a wrong alert.  The
 * timer sleeps at most SCHED_MAXSLEEP so a clock step or a suspend is
 * noticed; due times are absolute wall-clock instants, so nothing fires
 * early and whatever fell due while nadzord was down fires at start.
 */
struct sched {
	struct sched_entry	*heap;
	size_t			 n, cap;
	struct event		*timer;
	struct event		*daily;
	int			 busy;		/* jobs of ours with the writer */
	/* One maintenance chain at a time: a trigger while one runs (a
	 * SIGHUP during the hourly pass, two SIGHUPs) only sets maint_again,
	 * and the chain runs once more at its end: two chains would walk the
	 * same cursor and recompute each chunk twice. */
	int			 maint_busy;
	int			 maint_again;
	long long		 maint_changed;	/* duties the chain recomputed */
	unsigned		 maint_chunks;	/* in so many transactions */
};

/* A pass, or a maintenance job, on its way through the writer. */
struct sched_job {
	struct wjob		 w;
	struct nadzord		*ctx;
	long long		*ids;
	size_t			 nids;
	int			 maintenance;	/* recompute and periodic */
	int			 again;		/* more maintenance to do */
	int			 recomputed;	/* this chunk recomputed duties */
	long long		 changed;	/* of which so many changed */
	struct schedvec		 sv;
	struct alertvec		 av;
};

static void	sched_arm(struct nadzord *);
static void	maint_submit(struct nadzord *);

/* Restore the heap order upwards from i. */
static void
heap_up(struct sched *s, size_t i)
{
	struct sched_entry e = s->heap[i];

	while (i > 0 && s->heap[(i - 1) / 2].at > e.at) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = e;
}

/* Restore the heap order downwards from i. */
static void
heap_down(struct sched *s, size_t i)
{
	struct sched_entry	e = s->heap[i];
	size_t			c;

	while ((c = 2 * i + 1) < s->n) {
		if (c + 1 < s->n && s->heap[c + 1].at < s->heap[c].at)
			c++;
		if (s->heap[c].at >= e.at)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	s->heap[i] = e;
}

static void
heap_push(struct sched *s, long long id, int64_t at)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->heap = xrealloc(s->heap, s->cap * sizeof *s->heap);
	}
	s->heap[s->n].id = id;
	s->heap[s->n].at = at;
	heap_up(s, s->n++);
}

static struct sched_entry
heap_pop(struct sched *s)
{
	struct sched_entry top = s->heap[0];

	s->heap[0] = s->heap[--s->n];
	if (s->n > 0)
		heap_down(s, 0);
	return top;
}

/* Read a meta value as text into buf; -1 if absent (or NULL). */
static int
meta_text(struct store *st, const char *key, char *buf, size_t len)
{
	sqlite3_stmt	*s = store_stmt(st, "SELECT value FROM meta WHERE key = ?");
	const char	*v;
	int		 rc = -1;

	store_bind_text(s, 1, key);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(s, 0)) != NULL) {
		snprintf(buf, len, "%s", v);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* Read a meta value as a number; def if absent. */
static long long
meta_get(struct store *st, const char *key, long long def)
{
	char	buf[32];

	return meta_text(st, key, buf, sizeof buf) == 0 ? strtoll(buf, NULL,
	    10) : def;
}

static int
meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt	*s = store_stmt(st, "INSERT OR REPLACE INTO meta (key,"
	    " value) VALUES (?, ?)");
	int		 rc;

	store_bind_text(s, 1, key);
	store_bind_text(s, 2, value);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Drop a meta value; an absent one is no error. */
static int
meta_del(struct store *st, const char *key)
{
	sqlite3_stmt	*s = store_stmt(st, "DELETE FROM meta WHERE key = ?");
	int		 rc;

	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * How far a recompute got is one meta value, "recompute" = "HEX ID": the
 * digest of the law it is for and the last obligation id done, written in
 * the transaction of each chunk, so a restart resumes where the last
 * commit left off (and a restart under another law starts over).  It is
 * gone once "law" holds the digest.  nadzord before this kept the two
 * halves as recompute_law and recompute_from: still read, then dropped.
 */

/* The id after which the recompute for the law hex resumes; 0: from the
 * start. */
static long long
recompute_from(struct store *st, const char *hex)
{
	char		v[128], h[65];
	long long	from;

	if (meta_text(st, "recompute", v, sizeof v) == 0)
		return sscanf(v, "%64s %lld", h, &from) == 2 &&
		    strcmp(h, hex) == 0 && from > 0 ? from : 0;
	if (meta_text(st, "recompute_law", h, sizeof h) == 0 &&
	    strcmp(h, hex) == 0)
		return meta_get(st, "recompute_from", 0);
	return 0;
}

/* Keep how far the recompute for hex got; last 0: done, the law applied. */
static int
recompute_save(struct store *st, const char *hex, long long last)
{
	char	v[128];

	if (meta_del(st, "recompute_law") == -1 ||
	    meta_del(st, "recompute_from") == -1)
		return -1;
	if (last == 0)
		return meta_del(st, "recompute") == -1 ||
		    meta_set(st, "law", hex) == -1 ? -1 : 0;
	snprintf(v, sizeof v, "%s %lld", hex, last);
	return meta_set(st, "recompute", v);
}

/* Writer thread: bring duties up to date with the law (a chunk of
 * SCHED_RECOMPUTE at a time: a new calendar over a million open duties
 * must not hold the writer for a minute), then generate the periods
 * ahead.  j->again asks for the next chunk. */
static int
maintenance_apply(struct store *st, struct sched_job *j, struct law *law)
{
	char		 hex[65], cur[65], buf[32];
	int64_t		 now = now_s(), since;
	long long	 last;

	/* The law's digest, to tell whether it changed since last time. */
	sodium_bin2hex(hex, sizeof hex, law->digest, sizeof law->digest);
	if (meta_text(st, "law", cur, sizeof cur) == -1 ||
	    strcmp(cur, hex) != 0) {
		j->recomputed = 1;
		if ((j->changed = obligation_recompute(st, law, now,
		    recompute_from(st, hex), SCHED_RECOMPUTE, &last,
		    &j->sv)) == -1 || recompute_save(st, hex, last) == -1)
			return WJOB_FAILED;
		if ((j->again = last != 0))
			return WJOB_OK;
	}
	if ((since = meta_get(st, "periodic_since", 0)) == 0) {
		since = now;
		snprintf(buf, sizeof buf, "%lld", (long long)now);
		if (meta_set(st, "periodic_since", buf) == -1)
			return WJOB_FAILED;
	}
	return obligation_periodic(st, law, since, now, SCHED_HORIZON, &j->sv) ==
	    -1 ? WJOB_FAILED : WJOB_OK;
}

/* Writer thread: fire what is due, or do maintenance. */
static int
sched_apply(struct store *st, struct wjob *w)
{
	struct sched_job	*j = (struct sched_job *)w;
	struct law		*law = law_acquire(j->ctx->laws);
	int64_t			 now = now_s();
	size_t			 i;
	int			 rc = WJOB_OK;

	w->status = 200;
	if (j->maintenance)
		rc = maintenance_apply(st, j, law);
	for (i = 0; rc == WJOB_OK && i < j->nids; i++)
		if (alert_fire(st, law, j->ids[i], now,
		    j->ctx->conf.alert_hook != NULL, &j->sv, &j->av) == -1)
			rc = WJOB_FAILED;
	law_release(j->ctx->laws, law);
	return rc;
}

/* Loop: a maintenance job is committed (or not).  The chain goes on to
 * its next chunk, or ends: it says what it changed, and runs once more if
 * a trigger came meanwhile. */
static void
maint_done(struct nadzord *ctx, const struct sched_job *j, int ok)
{
	struct sched	*s = ctx->sched;

	if (ok) {
		s->maint_changed += j->changed;
		s->maint_chunks += j->recomputed;
		if (j->again && !ctx->stopping) {
			maint_submit(ctx);
			return;
		}
	}
	if (s->maint_changed > 0)
		log_info("rules or calendar changed: %lld open duties "
		    "recomputed in %u transaction%s", s->maint_changed,
		    s->maint_chunks, s->maint_chunks == 1 ? "" : "s");
	s->maint_busy = 0;
	if (s->maint_again) {
		s->maint_again = 0;
		sched_law_changed(ctx);
	}
}

/* Loop: committed (or not).  Re-arm, announce, look again. */
static void
sched_done(struct wjob *w)
{
	struct sched_job	*j = (struct sched_job *)w;
	struct nadzord		*ctx = j->ctx;
	size_t			 i;

	if (w->status != 200) {
		/* Nothing was written: put the pass back to try again. */
		log_warnx("scheduler: pass failed: %s", w->msg ? w->msg : "?");
		for (i = 0; i < j->nids; i++)
			heap_push(ctx->sched, j->ids[i], now_s() + 5);
	} else {
		sched_update(ctx, &j->sv);
		sched_announce(ctx, &j->av);
	}
	ctx->sched->busy--;
	nadzord_job_done(ctx);
	if (j->maintenance)
		maint_done(ctx, j, w->status == 200);
	schedvec_free(&j->sv);
	alertvec_free(&j->av);
	free(j->ids);
	free(w->msg);
	free(j);
	sched_arm(ctx);
}

/* Hand a job to the writer. */
static void
sched_submit(struct nadzord *ctx, struct sched_job *j)
{
	j->ctx = ctx;
	j->w.apply = sched_apply;
	j->w.done = sched_done;
	ctx->sched->busy++;
	ctx->inflight++;
	writer_submit(ctx->writer, &j->w);
}

static int
cmp_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The timer: take what is due (bounded), fire it through the writer. */
static void
sched_tick(evutil_socket_t fd, short what, void *arg)
{
	struct nadzord		*ctx = arg;
	struct sched		*s = ctx->sched;
	struct sched_job	*j;
	int64_t			 now = now_s();
	size_t			 i, k;

	(void)fd;
	(void)what;
	if (s->busy || ctx->stopping)
		return;
	if (s->n == 0 || s->heap[0].at > now) {
		sched_arm(ctx);
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->ids = xcalloc(SCHED_BATCH, sizeof *j->ids);
	while (j->nids < SCHED_BATCH && s->n > 0 && s->heap[0].at <= now)
		j->ids[j->nids++] = heap_pop(s).id;
	/* The same obligation may sit in the heap twice: fire it once. */
	qsort(j->ids, j->nids, sizeof *j->ids, cmp_id);
	for (i = k = 0; i < j->nids; i++)
		if (k == 0 || j->ids[k - 1] != j->ids[i])
			j->ids[k++] = j->ids[i];
	j->nids = k;
	sched_submit(ctx, j);
}

/* One timer for the earliest event, never sleeping past SCHED_MAXSLEEP. */
static void
sched_arm(struct nadzord *ctx)
{
	struct sched	*s = ctx->sched;
	struct timeval	 tv = { SCHED_MAXSLEEP, 0 };
	int64_t		 wait, now = now_ms();

	if (s->busy)
		return;
	/* Milliseconds: due times are whole seconds, but "now" is not. */
	if (s->n > 0 && (wait = s->heap[0].at * 1000 - now) <
	    SCHED_MAXSLEEP * 1000LL) {
		wait = wait > 0 ? wait : 0;
		tv.tv_sec = wait / 1000;
		tv.tv_usec = wait % 1000 * 1000;
	}
	evtimer_add(s->timer, &tv);
}

void
sched_update(struct nadzord *ctx, const struct schedvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (sv->v[i].at != INT64_MAX)
			heap_push(ctx->sched, sv->v[i].id, sv->v[i].at);
	if (sv->n > 0)
		sched_arm(ctx);
}

void
sched_announce(struct nadzord *ctx, const struct alertvec *av)
{
	size_t i;

	for (i = 0; i < av->n; i++)
		log_info("alert %lld: %s of obligation %lld for %s",
		    av->v[i].id, av->v[i].kind, av->v[i].obligation,
		    av->v[i].recipient);
	events_announce(ctx, av);
	hook_kick(ctx);
}

/* Every hour: generate the periodic duties now within the horizon. */
static void
sched_hourly(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sched_law_changed(arg);
}

/* Hand the next job of the maintenance chain to the writer. */
static void
maint_submit(struct nadzord *ctx)
{
	struct sched_job *j = xcalloc(1, sizeof *j);

	j->maintenance = 1;
	sched_submit(ctx, j);
}

void
sched_law_changed(struct nadzord *ctx)
{
	struct sched *s = ctx->sched;

	if (ctx->stopping)
		return;
	if (s->maint_busy) {
		s->maint_again = 1;
		log_debug("maintenance under way: once more at its end");
		return;
	}
	s->maint_busy = 1;
	s->maint_changed = 0;
	s->maint_chunks = 0;
	log_debug("maintenance started");
	maint_submit(ctx);
}

/* Fill the heap from the database: every obligation with an event ahead. */
static int
sched_load(struct nadzord *ctx, char **err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(store_db(ctx->reader), "SELECT id, next_at FROM"
	    " obligation WHERE next_at IS NOT NULL", -1, &s, NULL) != SQLITE_OK) {
		xasprintf(err, "cannot read obligations: %s",
		    store_errmsg(ctx->reader));
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		heap_push(ctx->sched, sqlite3_column_int64(s, 0),
		    sqlite3_column_int64(s, 1));
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		xasprintf(err, "cannot read obligations: %s",
		    store_errmsg(ctx->reader));
		return -1;
	}
	return 0;
}

int
sched_start(struct nadzord *ctx, char **err)
{
	struct timeval hour = { 3600, 0 };

	ctx->sched = xcalloc(1, sizeof *ctx->sched);
	ctx->sched->timer = evtimer_new(ctx->base, sched_tick, ctx);
	ctx->sched->daily = event_new(ctx->base, -1, EV_PERSIST, sched_hourly,
	    ctx);
	if (sched_load(ctx, err) == -1)
		return -1;
	event_add(ctx->sched->daily, &hour);
	sched_law_changed(ctx);		/* recompute if needed, periods ahead */
	return 0;
}

void
sched_stop(struct nadzord *ctx)
{
	if (ctx->sched == NULL)
		return;
	event_free(ctx->sched->timer);
	event_free(ctx->sched->daily);
	free(ctx->sched->heap);
	free(ctx->sched);
	ctx->sched = NULL;
}

unsigned long
sched_armed(struct nadzord *ctx)
{
	return ctx->sched ? (unsigned long)ctx->sched->n : 0;
}
