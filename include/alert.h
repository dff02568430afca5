/* alert.h - warnings, breaches and escalations: written before anyone is told */
#ifndef NADZOR_ALERT_H
#define NADZOR_ALERT_H

#include <stddef.h>
#include <stdint.h>

struct law;
struct schedvec;
struct store;

/* An alert written in a transaction, to announce once it is committed. */
struct alert_note {
	long long	 id;
	long long	 obligation;
	char		 kind[12];
	char		 recipient[68];
};

struct alertvec {
	struct alert_note	*v;
	size_t			 n, cap;
	int			 hook;		/* queue new alerts for the hook */
};

void	alertvec_free(struct alertvec *);

/*
 * Inside the writer's transaction: fire what is due of one obligation at
 * now.  Warnings missed while nadzord was down collapse into the latest
 * one (or into the breach, if that is due too); nothing fires before its
 * time; alerts are keyed (obligation, kind, recipient, step) so a repeated
 * pass writes nothing twice.  Updates state and the next event time.
 * With hook set, each new alert is also queued for the exec hook.
 * 0, or -1 on a storage error.
 */
int	alert_fire(struct store *, const struct law *, long long obligation,
	    int64_t now, int hook, struct schedvec *, struct alertvec *);

#endif
