/* workq.h - work off the event loop: threads take queued jobs, the loop gets them back */
#ifndef NADZOR_WORKQ_H
#define NADZOR_WORKQ_H

#include <stddef.h>
#include <sys/queue.h>

struct event_base;
struct store;

/* apply() results. */
#define WJOB_OK		0	/* keep its changes */
#define WJOB_REFUSED	(-1)	/* roll back this job only; status says why */
#define WJOB_FAILED	(-2)	/* storage failed: the whole group is lost */

/*
 * A unit of work.  apply() runs on a worker thread (for the writer, inside a
 * savepoint of the group's transaction); done() runs on the event loop once
 * the worker has finished with it, so answers are only ever sent from the
 * loop and only after the work (for the writer: the COMMIT) is done.
 */
struct wjob {
	TAILQ_ENTRY(wjob)	 entry;
	int			(*apply)(struct store *, struct wjob *);
	void			(*done)(struct wjob *);
	int			 status;	/* HTTP status for the answer */
	char			*msg;		/* why, when status >= 400 */
	int			 applied;	/* apply() returned WJOB_OK */
	/* For the writer: it changes nothing an obligation list shows (no
	 * obligation, no record), so its commit keeps the lists cached
	 * (listcache.h).  Left 0, a change drops them: safe, if slower. */
	int			 keeps_lists;
};

TAILQ_HEAD(wjobq, wjob);

struct workq;

/* Start nthreads threads named name (for ps and top); each pass hands
 * run() up to batch jobs. */
struct workq	*workq_start(struct event_base *, const char *name,
		    int nthreads, size_t batch,
		    void (*run)(void *, struct wjobq *), void *arg);
void		 workq_submit(struct workq *, struct wjob *);
/* Finish what is queued, answer it on the calling (loop) thread, join. */
void		 workq_stop(struct workq *);
/* run() for a plain pool: each job's apply(NULL, job). */
void		 workq_run_each(void *, struct wjobq *);
/* Passes made and jobs done so far. */
void		 workq_stats(struct workq *, unsigned long long *passes,
		    unsigned long long *jobs);

#endif
