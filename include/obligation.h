/* obligation.h - duties derived from records, periods and rules, kept with their explanation */
#ifndef NADZOR_OBLIGATION_H
#define NADZOR_OBLIGATION_H

#include <stddef.h>
#include <stdint.h>

struct deadline;
struct law;
struct record;
struct rule;
struct ruleset;
struct store;

/* Obligations whose next event time changed in a transaction: after the
 * commit the scheduler (re)arms them. */
struct sched_entry {
	long long	id;
	int64_t		at;
};

struct schedvec {
	struct sched_entry	*v;
	size_t			 n, cap;
};

void	schedvec_push(struct schedvec *, long long id, int64_t at);
void	schedvec_free(struct schedvec *);

/*
 * Inside the writer's transaction, for a record just stored under id:
 * create every duty its rules attach to it (or, for an action, settle the
 * duties it fulfils), and settle new duties by actions already stored.
 * submitter is the role of the user who logged it.  0, or -1 on a storage
 * error.
 */
int	obligation_derive(struct store *, const struct law *,
	    const struct record *, long long id, const char *submitter,
	    int64_t now, struct schedvec *);

/* What a new duty is made of. */
struct duty {
	const struct ruleset	*set;
	const struct rule	*rule;
	const char		*key;		/* rule/region/rN[/pN] or rule/region/period */
	const char		*region;
	const char		*period;	/* "2026-11", or NULL */
	long long		 record;	/* or 0 */
	int			 person;	/* or -1 */
	const struct deadline	*dl;
	const char		*missing;	/* parts of п. 17 lacking, or NULL */
};

/* Store a duty unless its key exists (then nothing changes); arm it. */
int	obligation_insert(struct store *, const struct duty *, int64_t now,
	    struct schedvec *);

/* Periodic duties (monthly-info, quarterly-*, halfyear, annual) of every
 * region, for periods due from `since` up to now + horizon days. */
int	obligation_periodic(struct store *, const struct law *, int64_t since,
	    int64_t now, int horizon_days, struct schedvec *);

/* The law changed: recompute the due times of open and overdue duties
 * (met, late and waived ones never change), at most limit of them with an
 * id above after; *last is where the next chunk starts, 0 when done.
 * How many changed, or -1. */
long long	obligation_recompute(struct store *, const struct law *,
		    int64_t now, long long after, int limit, long long *last,
		    struct schedvec *);

/* Waive a duty: needs a reason; audited by the caller's transaction.
 * 0; 1 not found or not open; -1 storage. */
int	obligation_waive(struct store *, long long id, const char *by,
	    const char *reason, int64_t now);

#endif
