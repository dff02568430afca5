/* writer.c - group commit: many jobs, one transaction, one fsync, then all answers */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "store.h"
#include "writer.h"

TAILQ_HEAD(wjobq, wjob);

struct writer {
	struct store		*st;		/* owned by the thread once started */
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct wjobq		 pending;	/* loop -> thread */
	struct wjobq		 done;		/* thread -> loop */
	int			 stop;
	struct event		*done_ev;	/* activated by the thread */
	unsigned long long	 ngroups, njobs;
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

	if (store_exec(w->st, "SAVEPOINT job") != SQLITE_OK)
		return WJOB_FAILED;
	rc = job->apply(w->st, job);
	if (rc == WJOB_OK) {
		job->applied = 1;
		return store_exec(w->st, "RELEASE job") == SQLITE_OK ?
		    WJOB_OK : WJOB_FAILED;
	}
	/* SQLite may have rolled the whole transaction back on FULL/IOERR. */
	if (rc == WJOB_FAILED || sqlite3_get_autocommit(store_db(w->st)))
		return WJOB_FAILED;
	if (store_exec(w->st, "ROLLBACK TO job") != SQLITE_OK ||
	    store_exec(w->st, "RELEASE job") != SQLITE_OK)
		return WJOB_FAILED;
	return WJOB_REFUSED;
}

/* One group: BEGIN, every job, COMMIT.  If the commit cannot be made
 * durable, every job that had been applied is answered 503. */
static void
writer_group(struct writer *w, struct wjobq *q)
{
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

/* Take up to WRITER_BATCH pending jobs; called with the lock held. */
static void
writer_take(struct writer *w, struct wjobq *q)
{
	struct wjob	*job;
	int		 n = 0;

	while (n++ < WRITER_BATCH && (job = TAILQ_FIRST(&w->pending)) != NULL) {
		TAILQ_REMOVE(&w->pending, job, entry);
		TAILQ_INSERT_TAIL(q, job, entry);
	}
}

/* The thread: wait for jobs, commit them as a group, hand them back. */
static void *
writer_main(void *arg)
{
	struct writer	*w = arg;
	struct wjobq	 q;
	size_t		 n;
	struct wjob	*job;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (TAILQ_EMPTY(&w->pending) && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (TAILQ_EMPTY(&w->pending) && w->stop)
			break;
		TAILQ_INIT(&q);
		writer_take(w, &q);
		pthread_mutex_unlock(&w->lock);

		writer_group(w, &q);

		pthread_mutex_lock(&w->lock);
		n = 0;
		while ((job = TAILQ_FIRST(&q)) != NULL) {
			TAILQ_REMOVE(&q, job, entry);
			TAILQ_INSERT_TAIL(&w->done, job, entry);
			n++;
		}
		w->ngroups++;
		w->njobs += n;
		event_active(w->done_ev, EV_READ, 0);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* On the loop: answer every job whose group has been committed. */
static void
writer_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct writer	*w = arg;
	struct wjobq	 q;
	struct wjob	*job;

	(void)fd;
	(void)what;
	TAILQ_INIT(&q);
	pthread_mutex_lock(&w->lock);
	TAILQ_CONCAT(&q, &w->done, entry);
	pthread_mutex_unlock(&w->lock);
	while ((job = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, job, entry);
		job->done(job);
	}
}

/* Open the writer's own connection and start its thread.  The event base
 * must have been made after evthread_use_pthreads(). */
struct writer *
writer_start(const char *dbpath, struct event_base *base, char **err)
{
	struct writer *w = xcalloc(1, sizeof *w);

	if ((w->st = store_open(dbpath, 0, err)) == NULL) {
		free(w);
		return NULL;
	}
	TAILQ_INIT(&w->pending);
	TAILQ_INIT(&w->done);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if ((w->done_ev = event_new(base, -1, 0, writer_done_cb, w)) == NULL)
		fatalx("writer: event_new");
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		fatal("writer: pthread_create");
	return w;
}

void
writer_submit(struct writer *w, struct wjob *job)
{
	job->status = 0;
	job->applied = 0;
	job->msg = NULL;
	pthread_mutex_lock(&w->lock);
	TAILQ_INSERT_TAIL(&w->pending, job, entry);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void
writer_stop(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	writer_done_cb(-1, 0, w);
	event_free(w->done_ev);
	store_close(w->st);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

void
writer_stats(struct writer *w, unsigned long long *groups,
    unsigned long long *jobs)
{
	pthread_mutex_lock(&w->lock);
	*groups = w->ngroups;
	*jobs = w->njobs;
	pthread_mutex_unlock(&w->lock);
}
