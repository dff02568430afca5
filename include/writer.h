/* writer.h - the one writer: a thread that commits queued jobs in groups */
#ifndef NADZOR_WRITER_H
#define NADZOR_WRITER_H

#include <sys/queue.h>

struct event_base;
struct store;

#define WRITER_BATCH	512	/* jobs per transaction: bounds one pass */

/* apply() results. */
#define WJOB_OK		0	/* keep its changes */
#define WJOB_REFUSED	(-1)	/* roll back this job only; status says why */
#define WJOB_FAILED	(-2)	/* storage failed: the whole group is lost */

/*
 * A unit of work for the writer thread.  apply() runs on the writer thread
 * inside a savepoint of the group's transaction; done() runs on the event
 * loop after the group's COMMIT has reached the disk (or failed), so no
 * answer ever promises what is not durable.
 */
struct wjob {
	TAILQ_ENTRY(wjob)	 entry;
	int			(*apply)(struct store *, struct wjob *);
	void			(*done)(struct wjob *);
	int			 status;	/* HTTP status for the answer */
	char			*msg;		/* why, when status >= 400 */
	int			 applied;	/* apply() returned WJOB_OK */
};

struct writer;

struct writer	*writer_start(const char *dbpath, struct event_base *, char **err);
void		 writer_submit(struct writer *, struct wjob *);
/* Commit what is queued, answer it, and join the thread. */
void		 writer_stop(struct writer *);
/* Groups committed and jobs done so far: for logs and benchmarks. */
void		 writer_stats(struct writer *, unsigned long long *groups,
		    unsigned long long *jobs);

#endif
