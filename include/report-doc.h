/* report-doc.h - reading an analysis (urn:nadzor:report:1) in the client */
#ifndef NADZOR_REPORT_DOC_H
#define NADZOR_REPORT_DOC_H

#include <libxml/tree.h>

/* One figure of a section, its strings owned by the document. */
struct rdoc_fig {
	const char	*section;	/* the section's id */
	const char	*key;		/* the row's region, "" outside rows */
	const char	*id, *current, *previous, *change;
	const char	*pct;		/* NULL when АППГ is 0 */
};

struct evbuffer;

/* The daemon's answer as a report document (its root a <report> of
 * urn:nadzor:report:1), or NULL, said on stderr. */
xmlDocPtr	 rdoc_parse(struct evbuffer *);
/* An attribute's value, owned by the document; "" if absent. */
const char	*rdoc_attr(xmlNodePtr, const char *name);
/* 1 if n is an element of that local name. */
int		 rdoc_is(xmlNodePtr, const char *name);
/* 1 if the section breaks its figures down by region rows. */
int		 rdoc_has_rows(xmlNodePtr section);
/* fn for every figure of a section and of its region rows, in document
 * order; stops at the first -1 fn returns, and returns it. */
int		 rdoc_each_figure(xmlNodePtr section,
		    int (*fn)(void *, const struct rdoc_fig *), void *arg);

#endif
