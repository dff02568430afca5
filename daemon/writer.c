/* writer.c - group commit: many jobs, one transaction, one fsync, then all answers */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "writer.h"

/* One thread, one connection: SQLite allows one writer at a time anyway,
 * and a single thread makes the group its natural unit.
 *
 * Checkpoints (copying the WAL back into the database, with an fsync of
 * the database file) run on a thread of their own with their own
 * connection: left to SQLite's automatic checkpoint, every thousandth
 * page would make some commit, and the answers waiting on it, pay for a
 * checkpoint.  A passive checkpoint never blocks the writer.
 *
 * The checkpointer sleeps until the writer commits a change (an idle
 * nadzord wakes nobody), then checkpoints at most every
 * WRITER_CHECKPOINT_MS, so a busy writer's commits share one fsync of the
 * database file.  WRITER_CHECKPOINT_IDLE is the backstop: frames another
 * process left in the WAL (nadzor user add) are copied back even if
 * nadzord itself writes nothing. */
struct writer {
	struct store	*st;		/* used only by the writer thread */
	struct workq	*wq;
	struct store	*ckpt;		/* used only by the checkpointer */
	pthread_t	 ckpt_thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;		/* a commit, or stop */
	int		 stop;
	int		 dirty;		/* committed since the last checkpoint */
	/* Groups that changed rows an obligation list may show (a job
	 * without keeps_lists changed some): read by the loop
	 * (writer_generation). */
	atomic_ullong	 generation;
};

#define WRITER_CHECKPOINT_MS	500	/* at most one checkpoint so often */
#define WRITER_CHECKPOINT_IDLE	60	/* seconds: at least one so often */

/* Checkpointer: wait up to ms for stop, or with for_dirty for a commit
 * too; the lock is held on entry and on return. */
static void
ckpt_wait(struct writer *w, int for_dirty, long ms)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += ms % 1000 * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	while (!w->stop && (!for_dirty || !w->dirty))
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) != 0)
			break;		/* timed out */
}

/* The checkpointer: a passive checkpoint after commits, spaced by
 * WRITER_CHECKPOINT_MS, one at least every WRITER_CHECKPOINT_IDLE, and a
 * last one after the writer's last commit. */
static void *
writer_checkpointer(void *arg)
{
	struct writer	*w = arg;
	int		 log, done;

	pthread_mutex_lock(&w->lock);
	do {
		ckpt_wait(w, 1, WRITER_CHECKPOINT_IDLE * 1000L);
		w->dirty = 0;
		pthread_mutex_unlock(&w->lock);
		sqlite3_wal_checkpoint_v2(store_db(w->ckpt), NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		pthread_mutex_lock(&w->lock);
		/* Commits meanwhile wait for the next turn: spaced out. */
		ckpt_wait(w, 0, WRITER_CHECKPOINT_MS);
	} while (!w->stop || w->dirty);	/* a commit during the spacing too */
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Writer thread: a change is committed; wake the checkpointer. */
static void
writer_committed(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->dirty = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

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

/* writer_apply, and *lists set if the job changed rows and is not one
 * that keeps the lists: what it changed may show in them.  Counted
 * whether it is kept or rolled back (a spurious change costs a cache
 * refill, a missed one would serve old data). */
static int
writer_apply_counted(struct writer *w, struct wjob *job, int *lists)
{
	sqlite3_int64	before = sqlite3_total_changes64(store_db(w->st));
	int		rc = writer_apply(w, job);

	if (!job->keeps_lists &&
	    sqlite3_total_changes64(store_db(w->st)) != before)
		*lists = 1;
	return rc;
}

/* One group: BEGIN, every job, COMMIT.  If the commit cannot be made
 * durable, every job that had been applied is answered 503. */
static void
writer_group(void *arg, struct wjobq *q)
{
	struct writer	*w = arg;
	struct wjob	*job;
	char		*why = NULL;
	sqlite3_int64	 changes = sqlite3_total_changes64(store_db(w->st));
	int		 lists = 0;

	if (store_begin(w->st) != SQLITE_OK) {
		xasprintf(&why, "%s", store_errmsg(w->st));
		TAILQ_FOREACH(job, q, entry)
			wjob_fail(job, why);
		free(why);
		return;
	}
	TAILQ_FOREACH(job, q, entry) {
		if (writer_apply_counted(w, job, &lists) == WJOB_FAILED) {
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
	/* After the COMMIT and before any answer (done() runs once this
	 * returns): whoever is told of a change finds the new generation.
	 * A rolled-back group that had changed rows counts too: a spurious
	 * change costs a cache refill, a missed one would serve old data.
	 * Jobs that keep the lists (a /healthz probe, an audit entry of a
	 * read) leave the generation, and every list kept, as they were. */
	if (sqlite3_total_changes64(store_db(w->st)) != changes) {
		if (lists)
			atomic_fetch_add(&w->generation, 1);
		writer_committed(w);
	}
}

/* Open the writer's own connection and start its thread. */
struct writer *
writer_start(const char *dbpath, struct event_base *base, char **err)
{
	struct writer		*w = xcalloc(1, sizeof *w);
	pthread_condattr_t	 ca;

	if ((w->st = store_open(dbpath, STORE_NOMIGRATE, err)) == NULL ||
	    (w->ckpt = store_open(dbpath, STORE_NOMIGRATE, err)) == NULL)
		goto fail;
	if (store_exec(w->st, "PRAGMA wal_autocheckpoint=0") != SQLITE_OK)
		fatalx("writer: cannot turn off automatic checkpoints");
	pthread_mutex_init(&w->lock, NULL);
	/* Timed waits on the monotonic clock: a clock step neither stalls
	 * the checkpointer nor spins it. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->ckpt_thread, NULL, writer_checkpointer, w) != 0)
		fatal("writer: pthread_create");
	pthread_setname_np(w->ckpt_thread, "nadzord-ckpt");
	w->wq = workq_start(base, "nadzord-write", 1, WRITER_BATCH, writer_group, w);
	return w;
fail:
	store_close(w->st);
	free(w);
	return NULL;
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
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->ckpt_thread, NULL);
	store_close(w->ckpt);
	store_close(w->st);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

unsigned long long
writer_generation(struct writer *w)
{
	return atomic_load(&w->generation);
}

void
writer_stats(struct writer *w, unsigned long long *groups,
    unsigned long long *jobs)
{
	workq_stats(w->wq, groups, jobs);
}
