/* writer.h - the one writer: group commit of queued jobs on its own thread */
#ifndef NADZOR_WRITER_H
#define NADZOR_WRITER_H

#include "workq.h"

struct event_base;

#define WRITER_BATCH	512	/* jobs per transaction: bounds one pass */

struct writer;

/* Its connections do not migrate: open the database once without
 * STORE_NOMIGRATE first (nadzord does, before it forks). */
struct writer	*writer_start(const char *dbpath, struct event_base *, char **err);
void		 writer_submit(struct writer *, struct wjob *);
/* Commit what is queued, answer it, and join the thread. */
void		 writer_stop(struct writer *);
/* A number that grows after every transaction in which a job without
 * keeps_lists (workq.h) changed a row, once it is committed and before
 * any of its jobs is answered (any thread).  Read it before a read
 * transaction: if it is the same later, nothing an obligation list shows
 * has changed since (listcache.h). */
unsigned long long	 writer_generation(struct writer *);
/* Groups committed and jobs done so far: for logs and benchmarks. */
void		 writer_stats(struct writer *, unsigned long long *groups,
		    unsigned long long *jobs);

#endif
