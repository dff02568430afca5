/* law.h - what is in force: rule sets, the calendar and zones, swapped whole on SIGHUP */
#ifndef NADZOR_LAW_H
#define NADZOR_LAW_H

#include <stdint.h>

struct calendar;
struct rule;
struct ruleset;
struct rulebook;
struct tz;

/*
 * Everything loaded from the rules directory, immutable once loaded and
 * shared by threads through a reference count: a reload builds a new law
 * and swaps it in; work already started finishes with the old one.
 */
struct law {
	struct rulebook		*book;
	struct calendar		*cal;
	struct law_zone		*zones;		/* zone name -> struct tz */
	size_t			 nzones;
	unsigned char		 digest[32];	/* rules and calendar together */
	int			 refs;		/* guarded by the holder's lock */
};

/* Load rules and calendar from dir; NULL with *err naming what is wrong. */
struct law		*law_load(const char *dir, char **err);
void			 law_free(struct law *);

/* The zone of a region (Asia/Almaty if the region is unknown). */
const struct tz		*law_zone(const struct law *, const char *region);
/* The set in force at t, and the rule of id that matches in it. */
const struct ruleset	*law_set_at(const struct law *, int64_t t);

/* A rule by set id, rule id and item; NULL if that set is gone. */
const struct rule	*law_rule(const struct law *, const char *set,
			    const char *id, const char *item);

/* The rule a duty was derived under, or the same id and item in the set
 * now in force at its start if its own set is gone; NULL if neither. */
const struct rule	*law_rule_for(const struct law *, const char *set,
			    const char *id, const char *item, int64_t starts);

/* Shared holder: the loop swaps, worker threads take references. */
struct law_holder;
struct law_holder	*law_holder_new(struct law *);
struct law		*law_acquire(struct law_holder *);
void			 law_release(struct law_holder *, struct law *);
/* Put a new law in force; the old one is freed when its last user lets go. */
void			 law_swap(struct law_holder *, struct law *);
void			 law_holder_free(struct law_holder *);

#endif
