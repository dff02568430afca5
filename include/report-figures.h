/* report-figures.h - a report's figures: counted per period, found by section, region and id */
#ifndef NADZOR_REPORT_FIGURES_H
#define NADZOR_REPORT_FIGURES_H

#include <stddef.h>
#include <stdint.h>

struct report_period;
struct report_scope;
struct store;

/* The sections of a report, in the order the document has them. */
enum section {
	S_CATEGORIES, S_SELFHARM, S_ALLEGATIONS, S_CHECKS, S_MEASURES,
	S_REGION, S_FACILITY, S_STATUS, S_SEX, S_AGE, S_COMPLIANCE, S_DELAY,
	S_COUNT
};

struct section_def {
	const char		*id;
	const char *const	*ids;		/* figures shown even when 0 */
	const char *const	*rowids;	/* each region row's figures */
};

extern const struct section_def report_sections[S_COUNT];

struct figure {
	enum section	 section;
	char		 region[16];	/* "" outside a region row */
	char		 id[64];
	double		 v[2];		/* this period, АППГ */
	int		 seen;		/* submitted figures: compared */
};

/* The figures in the order they were made, indexed by a hash of their
 * key; zeroed memory is an empty set. */
struct figures {
	struct figure	*f;
	size_t		 n, cap;
	uint32_t	*slot;		/* index + 1 into f, 0 when free */
	size_t		 nslot;		/* a power of two, or 0 */
};

/* The figure (section, region, id), or NULL. */
struct figure	*fig_find(const struct figures *, enum section,
		    const char *region, const char *id);
/* The same, added as 0/0 when new (region and id cut to fit). */
struct figure	*fig_get(struct figures *, enum section, const char *region,
		    const char *id);
void		 figures_free(struct figures *);

/*
 * Every figure of the period and of its АППГ into fs (empty): the АППГ on
 * prev, on a thread of its own while this one counts the period on now;
 * one after the other on now when prev is NULL.  0, or -1 with *err (the
 * caller frees it) if the database cannot be read.
 */
int	report_figures(struct store *now, struct store *prev,
	    const struct report_period *, const struct report_scope *,
	    struct figures *fs, char **err);

#endif
