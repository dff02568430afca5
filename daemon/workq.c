/* workq.c - worker threads fed from the event loop, answering back to it */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "log.h"
#include "workq.h"

struct workq {
	char			 name[16];	/* the kernel keeps 15 bytes */
	pthread_t		*threads;
	int			 nthreads;
	size_t			 batch;
	void			(*run)(void *, struct wjobq *);
	void			*arg;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct wjobq		 pending;	/* loop -> threads */
	struct wjobq		 done;		/* threads -> loop */
	int			 stop;
	struct event		*done_ev;	/* activated by the threads */
	unsigned long long	 npasses, njobs;
};

/* Take up to batch pending jobs; called with the lock held. */
static void
workq_take(struct workq *wq, struct wjobq *q)
{
	struct wjob	*job;
	size_t		 n = 0;

	while (n++ < wq->batch && (job = TAILQ_FIRST(&wq->pending)) != NULL) {
		TAILQ_REMOVE(&wq->pending, job, entry);
		TAILQ_INSERT_TAIL(q, job, entry);
	}
}

/* A thread: wait for jobs, run a pass over them, hand them back. */
static void *
workq_main(void *arg)
{
	struct workq	*wq = arg;
	struct wjobq	 q;
	struct wjob	*job;

	pthread_mutex_lock(&wq->lock);
	for (;;) {
		while (TAILQ_EMPTY(&wq->pending) && !wq->stop)
			pthread_cond_wait(&wq->cond, &wq->lock);
		if (TAILQ_EMPTY(&wq->pending))
			break;
		TAILQ_INIT(&q);
		workq_take(wq, &q);
		pthread_mutex_unlock(&wq->lock);

		wq->run(wq->arg, &q);

		pthread_mutex_lock(&wq->lock);
		while ((job = TAILQ_FIRST(&q)) != NULL) {
			TAILQ_REMOVE(&q, job, entry);
			TAILQ_INSERT_TAIL(&wq->done, job, entry);
			wq->njobs++;
		}
		wq->npasses++;
		event_active(wq->done_ev, EV_READ, 0);
	}
	pthread_mutex_unlock(&wq->lock);
	return NULL;
}

/* On the loop: hand every finished job to its done(). */
static void
workq_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct workq	*wq = arg;
	struct wjobq	 q;
	struct wjob	*job;

	(void)fd;
	(void)what;
	TAILQ_INIT(&q);
	pthread_mutex_lock(&wq->lock);
	TAILQ_CONCAT(&q, &wq->done, entry);
	pthread_mutex_unlock(&wq->lock);
	while ((job = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, job, entry);
		job->done(job);
	}
}

/* The event base must have been made after evthread_use_pthreads(). */
struct workq *
workq_start(struct event_base *base, const char *name, int nthreads,
    size_t batch, void (*run)(void *, struct wjobq *), void *arg)
{
	struct workq	*wq = xcalloc(1, sizeof *wq);
	int		 i;

	snprintf(wq->name, sizeof wq->name, "%s", name);
	wq->nthreads = nthreads;
	wq->batch = batch;
	wq->run = run;
	wq->arg = arg;
	TAILQ_INIT(&wq->pending);
	TAILQ_INIT(&wq->done);
	pthread_mutex_init(&wq->lock, NULL);
	pthread_cond_init(&wq->cond, NULL);
	if ((wq->done_ev = event_new(base, -1, 0, workq_done_cb, wq)) == NULL)
		fatalx("workq: event_new");
	wq->threads = xcalloc(nthreads, sizeof *wq->threads);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&wq->threads[i], NULL, workq_main, wq) != 0)
			fatal("workq: pthread_create");
		else
			pthread_setname_np(wq->threads[i], wq->name);
	return wq;
}

void
workq_submit(struct workq *wq, struct wjob *job)
{
	job->status = 0;
	job->applied = 0;
	job->msg = NULL;
	pthread_mutex_lock(&wq->lock);
	TAILQ_INSERT_TAIL(&wq->pending, job, entry);
	pthread_cond_signal(&wq->cond);
	pthread_mutex_unlock(&wq->lock);
}

void
workq_stop(struct workq *wq)
{
	int i;

	if (wq == NULL)
		return;
	pthread_mutex_lock(&wq->lock);
	wq->stop = 1;
	pthread_cond_broadcast(&wq->cond);
	pthread_mutex_unlock(&wq->lock);
	for (i = 0; i < wq->nthreads; i++)
		pthread_join(wq->threads[i], NULL);
	workq_done_cb(-1, 0, wq);
	event_free(wq->done_ev);
	pthread_mutex_destroy(&wq->lock);
	pthread_cond_destroy(&wq->cond);
	free(wq->threads);
	free(wq);
}

/* A run() for pools without grouping: apply each job on its own. */
void
workq_run_each(void *arg, struct wjobq *q)
{
	struct wjob *job;

	(void)arg;
	TAILQ_FOREACH(job, q, entry)
		job->applied = job->apply(NULL, job) == WJOB_OK;
}

void
workq_stats(struct workq *wq, unsigned long long *passes,
    unsigned long long *jobs)
{
	pthread_mutex_lock(&wq->lock);
	*passes = wq->npasses;
	*jobs = wq->njobs;
	pthread_mutex_unlock(&wq->lock);
}
