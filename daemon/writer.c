/* writer.c - group commit: many jobs, one transaction, one fsync, then all answers */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "writer.h"

/* One thread, one connection: SQLite allows one writer at a time anyway,
 * and a single thread makes the group its natural unit. */
struct writer {
	struct store	*st;		/* used only by the writer thread */
	struct workq	*wq;
};

/* Fail a job for a reason that is not its own (storage, lock). */
static void
wjob_fail(struct wjob *job, const char *why)
{
	job->status = 503;
	free(job->msg);
	xasprintf(&job->msg, "not stored: %s; nothing was changed, try again",
	    why);
}

/* Run one job in its own savepoint; WJOB_FAILED ends the group. */
static int
writer_apply(struct writer *w, struct wjob *job)
{
	int rc;

	if (store_run(w->st, "SAVEPOINT job") != SQLITE_OK)
		return WJOB_FAILED;
	rc = job->apply(w->st, job);
	if (rc == WJOB_OK) {
		job->applied = 1;
		return store_run(w->st, "RELEASE job") == SQLITE_OK ?
		    WJOB_OK : WJOB_FAILED;
	}
	/* SQLite may have rolled the whole transaction back on FULL/IOERR. */
	if (rc == WJOB_FAILED || sqlite3_get_autocommit(store_db(w->st)))
		return WJOB_FAILED;
	if (store_run(w->st, "ROLLBACK TO job") != SQLITE_OK ||
	    store_run(w->st, "RELEASE job") != SQLITE_OK)
		return WJOB_FAILED;
	return WJOB_REFUSED;
}

/* One group: BEGIN, every job, COMMIT.  If the commit cannot be made
 * durable, every job that had been applied is answered 503. */
static void
writer_group(void *arg, struct wjobq *q)
{
	struct writer	*w = arg;
	struct wjob	*job;
	char		*why = NULL;

	if (store_begin(w->st) != SQLITE_OK) {
		xasprintf(&why, "%s", store_errmsg(w->st));
		TAILQ_FOREACH(job, q, entry)
			wjob_fail(job, why);
		free(why);
		return;
	}
	TAILQ_FOREACH(job, q, entry) {
		if (writer_apply(w, job) == WJOB_FAILED) {
			xasprintf(&why, "%s", store_errmsg(w->st));
			break;
		}
	}
	if (why == NULL && store_commit(w->st) != SQLITE_OK)
		xasprintf(&why, "%s", store_errmsg(w->st));
	if (why != NULL) {
		log_warnx("writer: group of jobs rolled back: %s", why);
		store_rollback(w->st);
		TAILQ_FOREACH(job, q, entry)
			if (job->applied || job->status < 400) {
				job->applied = 0;
				wjob_fail(job, why);
			}
		free(why);
	}
}

/* Open the writer's own connection and start its thread. */
struct writer *
writer_start(const char *dbpath, struct event_base *base, char **err)
{
	struct writer *w = xcalloc(1, sizeof *w);

	if ((w->st = store_open(dbpath, 0, err)) == NULL) {
		free(w);
		return NULL;
	}
	w->wq = workq_start(base, "nadzord-write", 1, WRITER_BATCH, writer_group, w);
	return w;
}

void
writer_submit(struct writer *w, struct wjob *job)
{
	workq_submit(w->wq, job);
}

void
writer_stop(struct writer *w)
{
	if (w == NULL)
		return;
	workq_stop(w->wq);
	store_close(w->st);
	free(w);
}

void
writer_stats(struct writer *w, unsigned long long *groups,
    unsigned long long *jobs)
{
	workq_stats(w->wq, groups, jobs);
}
