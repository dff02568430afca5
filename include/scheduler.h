/* scheduler.h - one timer for the earliest due event, bounded passes, nothing missed */
#ifndef NADZOR_SCHEDULER_H
#define NADZOR_SCHEDULER_H

struct nadzord;
struct schedvec;
struct alertvec;

#define SCHED_BATCH	2000	/* obligations handled per pass */
#define SCHED_MAXSLEEP	5	/* seconds: re-read the wall clock at least this often */
#define SCHED_HORIZON	45	/* days ahead periodic duties are generated */
#define SCHED_RECOMPUTE	5000	/* open duties recomputed per transaction */

/* Load what is armed from the database, bring duties up to date with the
 * law in force (and the periods ahead), and start the timer. */
int	sched_start(struct nadzord *, char **err);
void	sched_stop(struct nadzord *);
/* After a commit: (re)arm the obligations whose next event changed. */
void	sched_update(struct nadzord *, const struct schedvec *);
/* Announce alerts that have been committed. */
void	sched_announce(struct nadzord *, const struct alertvec *);
/* The law changed (SIGHUP), or the hour struck: recompute open duties
 * and generate the periods ahead, then re-arm.  One chain of maintenance
 * jobs runs at a time; a call while one runs makes it run once more at
 * its end. */
void	sched_law_changed(struct nadzord *);
/* Obligations armed in memory: for /healthz and benchmarks. */
unsigned long	sched_armed(struct nadzord *);

#endif
