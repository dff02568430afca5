/* report-doc.c - walking an analysis document for the CSV and PDF forms */
#include <limits.h>
#include <string.h>

#include <stdio.h>

#include <event2/buffer.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "report.h"
#include "report-doc.h"

xmlDocPtr
rdoc_parse(struct evbuffer *body)
{
	xmlDocPtr	doc;
	xmlNodePtr	root;
	size_t		len = evbuffer_get_length(body);

	doc = len > INT_MAX ? NULL : xmlReadMemory(
	    (const char *)evbuffer_pullup(body, -1), (int)len, "report.xml",
	    NULL, XML_PARSE_NONET);
	if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL ||
	    !rdoc_is(root, "report") || root->ns == NULL ||
	    strcmp((const char *)root->ns->href, REPORT_NS) != 0) {
		fprintf(stderr, "nadzor: the daemon's answer is not a report\n");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* An attribute's value, owned by the document; "" if absent.  The daemon
 * writes plain values, so the attribute's one text node is the value. */
const char *
rdoc_attr(xmlNodePtr n, const char *name)
{
	xmlAttrPtr	 a = xmlHasProp(n, (const xmlChar *)name);

	if (a == NULL || a->children == NULL || a->children->next != NULL ||
	    a->children->type != XML_TEXT_NODE || a->children->content == NULL)
		return "";
	return (const char *)a->children->content;
}

/* 1 if n is an element of that local name. */
int
rdoc_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* 1 if the section breaks its figures down by region rows. */
int
rdoc_has_rows(xmlNodePtr section)
{
	xmlNodePtr	 n;

	for (n = section->children; n != NULL; n = n->next)
		if (rdoc_is(n, "row"))
			return 1;
	return 0;
}

/* fn for one figure element, its strings gathered. */
static int
rdoc_figure(xmlNodePtr fig, const char *section, const char *key,
    int (*fn)(void *, const struct rdoc_fig *), void *arg)
{
	struct rdoc_fig	 f;

	f.section = section;
	f.key = key;
	f.id = rdoc_attr(fig, "id");
	f.current = rdoc_attr(fig, "current");
	f.previous = rdoc_attr(fig, "previous");
	f.change = rdoc_attr(fig, "change");
	f.pct = rdoc_attr(fig, "change-pct");
	if (*f.pct == '\0')
		f.pct = NULL;
	return fn(arg, &f);
}

/* fn for every figure of a section and of its region rows, in document
 * order; stops at the first -1 fn returns. */
int
rdoc_each_figure(xmlNodePtr section,
    int (*fn)(void *, const struct rdoc_fig *), void *arg)
{
	const char	*id = rdoc_attr(section, "id"), *key;
	xmlNodePtr	 n, c;

	for (n = section->children; n != NULL; n = n->next) {
		if (rdoc_is(n, "figure") &&
		    rdoc_figure(n, id, "", fn, arg) == -1)
			return -1;
		if (!rdoc_is(n, "row"))
			continue;
		key = rdoc_attr(n, "key");
		for (c = n->children; c != NULL; c = c->next)
			if (rdoc_is(c, "figure") &&
			    rdoc_figure(c, id, key, fn, arg) == -1)
				return -1;
	}
	return 0;
}
