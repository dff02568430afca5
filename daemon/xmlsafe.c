/* xmlsafe.c - untrusted XML through libxml2: bytes, tree, schema, words */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "log.h"
#include "xmlsafe.h"

#define XSD_NS		"http://www.w3.org/2001/XMLSchema"
#define XSI_NS		"http://www.w3.org/2001/XMLSchema-instance"
#define XML_NS		"http://www.w3.org/XML/1998/namespace"

/*
 * NONET: nothing is ever fetched.  NOCDATA: CDATA is plain text (records
 * canonicalise it like text).  NOERROR/NOWARNING: libxml2 prints nothing;
 * errors reach parser_error() instead.  Never NOENT (substitutes and loads
 * entities), HUGE (lifts the limits), DTDLOAD, XINCLUDE.
 */
#define PARSE_OPTIONS	(XML_PARSE_NONET | XML_PARSE_NOCDATA | \
	XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* One xmlsafe_parse: its limits, how deep the parser is, the fault. */
struct parse {
	const struct xmlsafe_limits	*limits;
	int				 depth;
	struct xmlsafe_error		*err;
};

/* libxml2's schema phrases, and plainer words, in the order they are
 * tried; group 0 is every style's, the others XMLSAFE_TIDY_* groups. */
static const struct phrase {
	const char	*from;
	const char	*to;
	unsigned	 group;
} phrases[] = {
	{ "This element is not expected. Expected is one of ( ",
	    "not expected here; expected one of: ", 0 },
	{ "This element is not expected. Expected is ( ",
	    "not expected here; expected: ", 0 },
	{ "This element is not expected", "not expected here", 0 },
	{ "Missing child element(s). Expected is one of ( ",
	    "a child element is missing; expected one of: ", 0 },
	{ "Missing child element(s). Expected is ( ",
	    "a child element is missing; expected: ", 0 },
	{ "Character content other than whitespace is not allowed because "
	    "the content type is 'element-only'", "text is not allowed here, "
	    "only elements", XMLSAFE_TIDY_CONTENT },
	{ "Character content is not allowed, because the content type is "
	    "empty", "it must be empty", XMLSAFE_TIDY_EMPTY },
	{ "Element content is not allowed, because the content type is "
	    "empty", "it must be empty", XMLSAFE_TIDY_EMPTY },
	{ "Element content is not allowed, because the content type is a "
	    "simple type", "elements are not allowed inside it",
	    XMLSAFE_TIDY_CONTENT },
	{ "The attribute '", "attribute '", 0 },
	{ "' is required but missing", "' is required", 0 },
	{ "The value '", "the value '", XMLSAFE_TIDY_VALUES },
	{ "is not an element of the set", "is not one of",
	    XMLSAFE_TIDY_VALUES },
	{ "is not accepted by the pattern", "does not have the form",
	    XMLSAFE_TIDY_VALUES },
	{ "is not a valid value of the atomic type", "is not a valid",
	    XMLSAFE_TIDY_VALUES },
	{ "is not a valid value of the local atomic type", "is not valid",
	    XMLSAFE_TIDY_VALUES },
};

/* ------------------------------------------------------------------ */
/* Words                                                               */

/* Drop a UTF-8 sequence that truncation cut short at the end of s. */
void
xmlsafe_utf8_cut(char *s)
{
	size_t		len = strlen(s), i = len, need;
	unsigned char	c;

	while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || (c = (unsigned char)s[i - 1]) < 0x80)
		return;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

/* vsnprintf, cut at a whole character: a reason may quote outside text. */
void
xmlsafe_vformat(char *dst, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(dst, size, fmt, ap);
	xmlsafe_utf8_cut(dst);
}

/* Copy text for a message: controls become spaces so outside text cannot
 * forge log lines, and a long text is cut at a whole character.  dst may
 * be src. */
void
xmlsafe_clean(char *dst, size_t size, const char *src)
{
	size_t	i;

	for (i = 0; src[i] != '\0' && i + 1 < size; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ?
		    ' ' : src[i];
	dst[i] = '\0';
	if (src[i] != '\0')
		xmlsafe_utf8_cut(dst);
}

/* A value quoted back to the sender: short, one line. */
void
xmlsafe_quote(char *dst, size_t size, const char *v)
{
	char	buf[XMLSAFE_QUOTED + 1];

	xmlsafe_clean(buf, sizeof(buf), v);
	snprintf(dst, size, "'%s%s'", buf, strlen(v) > XMLSAFE_QUOTED ?
	    "..." : "");
}

/* Replace the first "from" in s (of size bytes) by "to", if it fits. */
static int
replace(char *s, size_t size, const char *from, const char *to)
{
	char	*at;
	size_t	 lf = strlen(from), lt = strlen(to), len = strlen(s);

	if ((at = strstr(s, from)) == NULL || len - lf + lt + 1 > size)
		return 0;
	memmove(at + lt, at + lf, len - (at - s) - lf + 1);
	memcpy(at, to, lt);
	return 1;
}

/* Replace every "from" that fits. */
static void
replace_all(char *s, size_t size, const char *from, const char *to)
{
	while (replace(s, size, from, to))
		;
}

/* Remove every "[facet 'x'] " libxml2 puts before a value error. */
static void
drop_facets(char *s)
{
	char	*at, *end;

	while ((at = strstr(s, "[facet '")) != NULL &&
	    (end = strstr(at, "'] ")) != NULL)
		memmove(at, end + 3, strlen(end + 3) + 1);
}

/* Drop "Element 'x': " or "Element 'x', " in front: for callers that
 * name the element themselves. */
static void
unname(char *s)
{
	char	*p;

	if (strncmp(s, "Element '", 9) == 0 &&
	    (p = strchr(s + 9, '\'')) != NULL &&
	    (p[1] == ':' || p[1] == ',') && p[2] == ' ')
		memmove(s, p + 3, strlen(p + 3) + 1);
}

/* libxml2's phrases of the style's groups in plainer words. */
static void
rephrase(char *s, size_t size, unsigned flags)
{
	size_t	i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		if ((phrases[i].group & flags) != phrases[i].group)
			continue;
		if (flags & XMLSAFE_TIDY_EVERY)
			replace_all(s, size, phrases[i].from, phrases[i].to);
		else
			replace(s, size, phrases[i].from, phrases[i].to);
	}
}

/* Cut a trailing " )" (the end of "one of: ( a, b )") and trailing
 * blanks and full stops, in the style's order. */
static void
trim(char *s, unsigned flags)
{
	size_t	len = strlen(s);

	if ((flags & XMLSAFE_TIDY_PAREN_FIRST) && len >= 2 &&
	    strcmp(s + len - 2, " )") == 0)
		s[len -= 2] = '\0';
	while (len > 0 && strchr(" .", s[len - 1]) != NULL)
		s[--len] = '\0';
	if (!(flags & XMLSAFE_TIDY_PAREN_FIRST) && len >= 2 &&
	    strcmp(s + len - 2, " )") == 0)
		s[len -= 2] = '\0';
}

/* libxml2's words made readable for the style: no "{namespace}" before
 * names, plainer phrases, no trailing newline, controls removed. */
void
xmlsafe_tidy(char *dst, size_t size, const char *msg,
    const struct xmlsafe_style *st)
{
	char	ns[256];

	xmlsafe_clean(dst, size, msg != NULL ? msg : "unknown error");
	if (st->flags & XMLSAFE_TIDY_FACETS)
		drop_facets(dst);
	if (st->ns != NULL) {
		snprintf(ns, sizeof(ns), "{%s}", st->ns);
		replace_all(dst, size, ns, "");
	}
	if (st->flags & XMLSAFE_TIDY_XML_NS)
		replace_all(dst, size, "{" XML_NS "}", "xml:");
	if (st->flags & XMLSAFE_TIDY_UNNAME)
		unname(dst);
	rephrase(dst, size, st->flags);
	trim(dst, st->flags);
	if ((st->flags & XMLSAFE_TIDY_LOWER) &&
	    strncmp(dst, "Element '", 9) == 0)
		dst[0] = 'e';
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

/* A step starts with no fault. */
static void
reset(struct xmlsafe_error *err)
{
	memset(err, 0, sizeof(*err));
}

/* Note a fault unless one is noted: the first is the cause, the ones
 * after it mostly its echoes.  1 if noted. */
static int
note(struct xmlsafe_error *err, enum xmlsafe_fault fault, int line,
    const char *element, const char *detail)
{
	if (err->fault != XMLSAFE_NONE)
		return 0;
	err->fault = fault;
	err->line = line;
	xmlsafe_clean(err->element, sizeof(err->element),
	    element != NULL ? element : "");
	xmlsafe_clean(err->detail, sizeof(err->detail),
	    detail != NULL ? detail : "");
	return 1;
}

/* Note libxml2's error e, its code and words. */
static void
note_xml(struct xmlsafe_error *err, enum xmlsafe_fault fault,
    const char *element, const xmlError *e)
{
	if (note(err, fault, e->line, element, e->message != NULL ?
	    e->message : "unknown error"))
		err->code = e->code;
}

/* Note a fault at node n of a tree, in element: -1, for the caller to
 * return. */
static int
note_node(struct xmlsafe_error *err, enum xmlsafe_fault fault, xmlNodePtr n,
    const xmlChar *element)
{
	if (note(err, fault, xmlGetLineNo(n), (const char *)element, NULL))
		err->node = n;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Bytes                                                               */

/* XML's white space (strchr would also match the NUL). */
int
xmlsafe_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF); 0 if invalid or cut off.  A NUL
 * ends a sequence, so on a C string any avail of 4 or more is safe. */
size_t
xmlsafe_utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Every byte valid UTF-8 and no NUL: libxml2 then has nothing to guess,
 * and its autodetection can only ever pick UTF-8 (UTF-16 and UCS-4 all
 * carry NUL bytes or invalid sequences). */
int
xmlsafe_check_utf8(const char *buf, size_t len, struct xmlsafe_error *err)
{
	const unsigned char	*s = (const unsigned char *)buf;
	size_t			 i = 0, n = 0;
	int			 line = 1;

	reset(err);
	while (i < len) {
		if (s[i] == '\0' || (n = xmlsafe_utf8_len(s + i, len - i)) == 0) {
			note(err, s[i] == '\0' ? XMLSAFE_NUL :
			    XMLSAFE_BAD_UTF8, line, NULL, NULL);
			err->offset = i;
			return -1;
		}
		if (s[i] == '\n')
			line++;
		i += n;
	}
	return 0;
}

/* The encoding named by the XML declaration, if any, must be UTF-8:
 * refusing here means libxml2 never switches to another decoder (iconv),
 * whatever the declaration says.  A malformed declaration is left to
 * libxml2, which refuses it in its own words. */
int
xmlsafe_check_encoding(const char *buf, size_t len, struct xmlsafe_error *err)
{
	const char	*end, *s, *v;
	char		 name[41];
	size_t		 n, i;

	reset(err);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (len < 6 || memcmp(buf, "<?xml", 5) != 0 ||
	    !xmlsafe_is_space(buf[5]))
		return 0;
	/* A declaration holds no '>' but the one of its "?>". */
	if ((end = memchr(buf, '>', len)) == NULL ||
	    (s = memmem(buf, end - buf, "encoding", 8)) == NULL)
		return 0;
	for (s += 8; s < end && xmlsafe_is_space(*s); s++)
		;
	if (s == end || *s++ != '=')
		return 0;
	while (s < end && xmlsafe_is_space(*s))
		s++;
	if (s == end || (*s != '"' && *s != '\''))
		return 0;
	for (v = ++s; s < end && *s != v[-1]; s++)
		;
	if ((n = s - v) == 5 && strncasecmp(v, "UTF-8", 5) == 0)
		return 0;
	/* Not yet checked as UTF-8: keep printable ASCII only. */
	for (i = 0; i < n && i < sizeof(name) - 1; i++)
		name[i] = v[i] > 0x20 && v[i] < 0x7f ? v[i] : '?';
	name[i] = '\0';
	note(err, XMLSAFE_ENCODING, 1, NULL, name);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

/* SAX internalSubset/externalSubset: any DOCTYPE is refused before a
 * single declaration in it is read, so no entity can exist at all. */
static void
refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *id,
    const xmlChar *sysid)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct parse		*p = ctxt->_private;

	(void)name;
	(void)id;
	(void)sysid;
	note(p->err, XMLSAFE_DOCTYPE, ctxt->input != NULL ?
	    ctxt->input->line : 0, NULL, NULL);
	xmlStopParser(ctxt);
}

/*
 * SAX startElementNs: count depth, stop a document nesting deeper than
 * the caller's documents can: that keeps libxml2 from building the tree
 * (its own limit, 256, is far too generous).
 */
static void
start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattrs,
    int ndefaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct parse		*p = ctxt->_private;

	if (++p->depth > p->limits->depth) {
		note(p->err, XMLSAFE_DEPTH, ctxt->input->line,
		    (const char *)localname, NULL);
		xmlStopParser(ctxt);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nns, ns, nattrs,
	    ndefaulted, attrs);
}

/* SAX endElementNs: the other half of start_element. */
static void
end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct parse		*p = ctxt->_private;

	p->depth--;
	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* An entity reference in a document without a DTD: the codes libxml2
 * gives it, which callers tell apart from other syntax errors. */
int
xmlsafe_entity_ref(int code)
{
	return code == XML_ERR_UNDECLARED_ENTITY ||
	    code == XML_WAR_UNDECLARED_ENTITY ||
	    code == XML_ERR_ENTITYREF_NO_NAME ||
	    code == XML_ERR_ENTITYREF_SEMICOL_MISSING;
}

/* sax->serror: keep the first error, print nothing. */
static void
parser_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct parse		*p = ctxt->_private;

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	note_xml(p->err, XMLSAFE_SYNTAX, (const char *)ctxt->name, e);
}

/* A generic error handler that prints nothing. */
static void
quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* A parser with the DOCTYPE, depth and error hooks above. */
static xmlParserCtxtPtr
new_parser(struct parse *p)
{
	xmlParserCtxtPtr	ctxt;

	if ((ctxt = xmlNewParserCtxt()) == NULL)
		fatalx("%s: xmlNewParserCtxt", __func__);
	ctxt->_private = p;
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->sax->externalSubset = refuse_doctype;
	ctxt->sax->startElementNs = start_element;
	ctxt->sax->endElementNs = end_element;
	ctxt->sax->serror = parser_error;
	return ctxt;
}

/* libxml2's read with nothing printed: encoding conversion errors bypass
 * the context's handlers for the thread's generic one, which prints. */
static xmlDocPtr
read_quietly(xmlParserCtxtPtr ctxt, const char *buf, size_t len, int options)
{
	xmlGenericErrorFunc	 old = xmlGenericError;
	void			*oldctx = xmlGenericErrorContext;
	xmlDocPtr		 doc;

	xmlSetGenericErrorFunc(NULL, quiet);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL, options);
	xmlSetGenericErrorFunc(oldctx, old);
	return doc;
}

/* The faults only the finished parse shows. */
static void
check_result(xmlParserCtxtPtr ctxt, xmlDocPtr doc, struct xmlsafe_error *err)
{
	const xmlError	*e;

	if (err->fault == XMLSAFE_NONE && (doc == NULL || !ctxt->wellFormed)) {
		/* An error that bypassed serror: still refuse. */
		if ((e = xmlCtxtGetLastError(ctxt)) != NULL)
			note_xml(err, XMLSAFE_MALFORMED, "", e);
		else
			note(err, XMLSAFE_MALFORMED, 0, NULL, NULL);
	}
	if (err->fault == XMLSAFE_NONE && xmlDocGetRootElement(doc) == NULL)
		note(err, XMLSAFE_NO_ROOT, 0, NULL, NULL);
	if (err->fault == XMLSAFE_NONE && doc->encoding != NULL &&
	    strcasecmp((const char *)doc->encoding, "UTF-8") != 0)
		note(err, XMLSAFE_NOT_UTF8, 1, NULL, NULL);
}

/* Bytes to a tree: no DOCTYPE, nesting within the limits, well-formed,
 * a root, UTF-8.  NULL with *err. */
xmlDocPtr
xmlsafe_parse(const char *buf, size_t len, const struct xmlsafe_limits *lim,
    struct xmlsafe_error *err)
{
	struct parse		 p = { lim, 0, err };
	xmlParserCtxtPtr	 ctxt;
	xmlDocPtr		 doc;

	reset(err);
	if (len == 0) {
		note(err, XMLSAFE_EMPTY, 0, NULL, NULL);
		return NULL;
	}
	if (len > INT_MAX) {
		note(err, XMLSAFE_TOO_LARGE, 0, NULL, NULL);
		return NULL;
	}
	ctxt = new_parser(&p);
	doc = read_quietly(ctxt, buf, len, PARSE_OPTIONS |
	    (lim->big_lines ? XML_PARSE_BIG_LINES : 0));
	check_result(ctxt, doc, err);
	xmlFreeParserCtxt(ctxt);
	if (err->fault != XMLSAFE_NONE) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* ------------------------------------------------------------------ */
/* Trees                                                               */

/* A namespace name C14N can work with: an absolute URI. */
static int
ns_absolute(const xmlChar *href)
{
	xmlURIPtr	uri;
	int		ok;

	if (href == NULL || *href == '\0')
		return 1;	/* xmlns="": undeclaring, harmless */
	if ((uri = xmlParseURI((const char *)href)) == NULL)
		return 0;
	ok = uri->scheme != NULL && *uri->scheme != '\0';
	xmlFreeURI(uri);
	return ok;
}

/* The namespaces and attributes of one element. */
static int
scan_element(xmlNodePtr n, unsigned flags, struct xmlsafe_error *err)
{
	xmlAttrPtr	a;
	xmlNsPtr	ns;

	for (ns = n->nsDef; (flags & XMLSAFE_SCAN_NS) && ns != NULL;
	    ns = ns->next)
		if (!ns_absolute(ns->href))
			return note_node(err, XMLSAFE_NS_RELATIVE, n, n->name);
	/* xsi:type would let the sender choose the type it is checked
	 * against. */
	for (a = n->properties; (flags & XMLSAFE_SCAN_XSI) && a != NULL;
	    a = a->next)
		if (a->ns != NULL && xmlStrEqual(a->ns->href, BAD_CAST XSI_NS))
			return note_node(err, XMLSAFE_XSI, n, n->name);
	return 0;
}

/* Entity references (which would fail validation as an internal error),
 * DTD and XInclude nodes, and what flags refuse, from n on. */
static int
scan(xmlNodePtr n, unsigned flags, struct xmlsafe_error *err)
{
	for (; n != NULL; n = n->next) {
		switch (n->type) {
		case XML_ELEMENT_NODE:
			if (scan_element(n, flags, err) == -1 ||
			    scan(n->children, flags, err) == -1)
				return -1;
			break;
		case XML_ENTITY_REF_NODE:
		case XML_ENTITY_NODE:
		case XML_ENTITY_DECL:
		case XML_DTD_NODE:
		case XML_XINCLUDE_START:
		case XML_XINCLUDE_END:
			return note_node(err, XMLSAFE_ENTITY, n,
			    n->parent != NULL ? n->parent->name : NULL);
		default:
			break;
		}
	}
	return 0;
}

/* What must not be in a tree at all, from n on. */
int
xmlsafe_scan(xmlNodePtr n, unsigned flags, struct xmlsafe_error *err)
{
	reset(err);
	return scan(n, flags, err);
}

/* ------------------------------------------------------------------ */
/* Schemas                                                             */

/* Elements of the XSD namespace that are refused, from n on. */
static int
scan_schema(xmlNodePtr n, const char *const *refused,
    struct xmlsafe_error *err)
{
	size_t	i;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; n->ns != NULL && refused[i] != NULL; i++)
			if (xmlStrEqual(n->ns->href, BAD_CAST XSD_NS) &&
			    xmlStrEqual(n->name, BAD_CAST refused[i]))
				return note_node(err, XMLSAFE_REFUSED, n,
				    n->name);
		if (scan_schema(n->children, refused, err) == -1)
			return -1;
	}
	return 0;
}

/* xmlSchemaSetParserStructuredErrors: the schema's first error. */
static void
schema_error(void *arg, xmlErrorPtr e)
{
	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	note_xml(arg, XMLSAFE_SCHEMA, "", e);
}

/* Compile a schema from a tree already parsed as safely as any input. */
xmlSchemaPtr
xmlsafe_schema(xmlDocPtr doc, const char *const *refused,
    struct xmlsafe_error *err)
{
	xmlSchemaParserCtxtPtr	pc;
	xmlSchemaPtr		schema;
	xmlGenericErrorFunc	old;
	void			*oldctx;

	reset(err);
	if (scan_schema(xmlDocGetRootElement(doc), refused, err) == -1)
		return NULL;
	/* The schema parser reads this tree, never a file: nothing it
	 * names can be fetched.  The tree stays the caller's. */
	if ((pc = xmlSchemaNewDocParserCtxt(doc)) == NULL)
		fatalx("%s: xmlSchemaNewDocParserCtxt", __func__);
	xmlSchemaSetParserStructuredErrors(pc, schema_error, err);
	/* A broken xs:pattern is reported by the regexp compiler through
	 * the thread's generic handler, which prints: silence it too. */
	old = xmlGenericError;
	oldctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, quiet);
	schema = xmlSchemaParse(pc);
	xmlSetGenericErrorFunc(oldctx, old);
	xmlSchemaFreeParserCtxt(pc);
	if (schema == NULL)
		note(err, XMLSAFE_UNCOMPILED, 0, NULL, NULL);
	if (err->fault != XMLSAFE_NONE && schema != NULL) {
		xmlSchemaFree(schema);
		schema = NULL;
	}
	return schema;
}

/* Validate against a compiled schema; any answer but 0 refuses, -1 (the
 * validator's own failure) too. */
int
xmlsafe_validate(xmlSchemaPtr schema, xmlDocPtr doc, xmlStructuredErrorFunc fn,
    void *arg, struct xmlsafe_error *err)
{
	xmlSchemaValidCtxtPtr	v;
	int			rc;

	reset(err);
	/* A fresh context each call: it holds per-document state, the
	 * schema itself is only read. */
	if ((v = xmlSchemaNewValidCtxt(schema)) == NULL)
		fatalx("%s: xmlSchemaNewValidCtxt", __func__);
	xmlSchemaSetValidStructuredErrors(v, fn, arg);
	rc = xmlSchemaValidateDoc(v, doc);
	xmlSchemaFreeValidCtxt(v);
	if (rc == 0)
		return 0;
	note(err, rc < 0 ? XMLSAFE_VALIDATOR : XMLSAFE_INVALID, 0, NULL, NULL);
	return -1;
}
