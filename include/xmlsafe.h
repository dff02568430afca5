/* xmlsafe.h - untrusted XML through libxml2: bytes, tree, schema, words */
#ifndef NADZOR_XMLSAFE_H
#define NADZOR_XMLSAFE_H

#include <stdarg.h>
#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

/*
 * The checks every parser of outside XML runs (records, rule sets,
 * calendars), in the order its caller chooses: bytes before libxml2 sees
 * them, a parse that refuses any DOCTYPE and stops deep nesting, a scan of
 * the tree, a schema compiled from a tree of its own, validation.  A step
 * succeeds or fills a struct xmlsafe_error with its first fault, in no
 * words of its own: each caller says it to its audience ("records are
 * UTF-8 only", "files of rules/ are UTF-8 text").  Nothing here keeps
 * state between calls: any thread may call anything.
 */

#define XMLSAFE_QUOTED		48	/* bytes of a value quoted back */
#define XMLSAFE_QUOTESIZE	(XMLSAFE_QUOTED + 8)	/* with '', "..." */

enum xmlsafe_fault {
	XMLSAFE_NONE,
	XMLSAFE_EMPTY,		/* no bytes at all */
	XMLSAFE_TOO_LARGE,	/* more bytes than libxml2 takes */
	XMLSAFE_ENCODING,	/* declares another encoding (detail) */
	XMLSAFE_NUL,		/* a NUL byte (line, offset) */
	XMLSAFE_BAD_UTF8,	/* not UTF-8 (line, offset) */
	XMLSAFE_DOCTYPE,	/* a DOCTYPE, refused before it is read */
	XMLSAFE_DEPTH,		/* nested past the limit (element) */
	XMLSAFE_SYNTAX,		/* libxml2's first error (code, detail) */
	XMLSAFE_MALFORMED,	/* not well-formed, seen only at the end:
				 * libxml2's last error, or code 0 */
	XMLSAFE_NO_ROOT,
	XMLSAFE_NOT_UTF8,	/* libxml2 decoded another encoding */
	XMLSAFE_ENTITY,		/* an entity, DTD or XInclude node (node) */
	XMLSAFE_XSI,		/* an xsi attribute (node) */
	XMLSAFE_NS_RELATIVE,	/* a relative namespace name (node) */
	XMLSAFE_REFUSED,	/* a refused schema element (node) */
	XMLSAFE_SCHEMA,		/* the schema's first error (detail) */
	XMLSAFE_UNCOMPILED,	/* no schema, and no word why */
	XMLSAFE_INVALID,	/* validation refused the tree */
	XMLSAFE_VALIDATOR,	/* the validator failed: a refusal too */
};

/* A step's first fault.  element is where it is, cleaned and cut to
 * fit; node, for faults in a tree, lives as long as the caller's tree. */
struct xmlsafe_error {
	enum xmlsafe_fault	 fault;
	int			 code;		/* libxml2's, or 0 */
	int			 line;		/* 0 if unknown */
	size_t			 offset;	/* of a NUL or bad byte */
	xmlNodePtr		 node;
	char			 element[64];
	char			 detail[1024];	/* libxml2's words, cleaned */
};

struct xmlsafe_limits {
	int	 depth;		/* elements may nest this deep, no deeper */
	int	 big_lines;	/* line numbers past 65535 stay exact */
};

/* What xmlsafe_scan refuses besides entity and DTD nodes. */
#define XMLSAFE_SCAN_XSI	0x01	/* xsi attributes */
#define XMLSAFE_SCAN_NS		0x02	/* relative namespace names */

/*
 * How xmlsafe_tidy rewrites libxml2's words: "{ns}" before names goes,
 * plainer phrases replace libxml2's (those every schema error uses always,
 * the groups below on request), a trailing " )" and full stop go.
 */
struct xmlsafe_style {
	const char	*ns;		/* the caller's namespace */
	unsigned	 flags;
};

#define XMLSAFE_TIDY_CONTENT	0x001	/* element-only, simple content */
#define XMLSAFE_TIDY_EMPTY	0x002	/* empty content */
#define XMLSAFE_TIDY_VALUES	0x004	/* values, sets, patterns, types */
#define XMLSAFE_TIDY_EVERY	0x008	/* each phrase wherever it occurs */
#define XMLSAFE_TIDY_FACETS	0x010	/* drop "[facet 'x'] " */
#define XMLSAFE_TIDY_XML_NS	0x020	/* "{XML namespace}" to "xml:" */
#define XMLSAFE_TIDY_UNNAME	0x040	/* drop "Element 'x': " in front */
#define XMLSAFE_TIDY_LOWER	0x080	/* "Element '" in front: "element '" */
#define XMLSAFE_TIDY_PAREN_FIRST 0x100	/* " )" cut before the full stop:
					 * after one it stays */

/* Bytes, before libxml2 sees them: 0, or -1 with *err. */
int		 xmlsafe_check_encoding(const char *, size_t,
		    struct xmlsafe_error *);
int		 xmlsafe_check_utf8(const char *, size_t,
		    struct xmlsafe_error *);
/* Bytes of the valid UTF-8 sequence at s, of at most avail; 0 if none. */
size_t		 xmlsafe_utf8_len(const unsigned char *, size_t avail);

/* A tree, or NULL with *err; the caller frees it with xmlFreeDoc. */
xmlDocPtr	 xmlsafe_parse(const char *, size_t,
		    const struct xmlsafe_limits *, struct xmlsafe_error *);
/* What must not be in a tree, from n on: 0, or -1 with *err. */
int		 xmlsafe_scan(xmlNodePtr n, unsigned flags,
		    struct xmlsafe_error *);
/* A schema compiled from a tree, never from a file, the XSD elements of
 * the NULL-terminated list refused; the tree must outlive the schema.
 * NULL with *err. */
xmlSchemaPtr	 xmlsafe_schema(xmlDocPtr, const char *const *refused,
		    struct xmlsafe_error *);
/* Validate, fn hearing libxml2's errors: 0, or -1 with *err
 * (XMLSAFE_INVALID, or XMLSAFE_VALIDATOR when libxml2 answers -1). */
int		 xmlsafe_validate(xmlSchemaPtr, xmlDocPtr,
		    xmlStructuredErrorFunc fn, void *arg,
		    struct xmlsafe_error *);
/* Whether libxml2's error code is about an entity reference. */
int		 xmlsafe_entity_ref(int);

/* Words for messages: outside text made safe to log and quote back. */
void		 xmlsafe_utf8_cut(char *);
void		 xmlsafe_vformat(char *, size_t, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
void		 xmlsafe_clean(char *, size_t, const char *);
void		 xmlsafe_quote(char *, size_t, const char *);
void		 xmlsafe_tidy(char *, size_t, const char *,
		    const struct xmlsafe_style *);
int		 xmlsafe_is_space(char);

#endif
