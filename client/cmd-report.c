/* cmd-report.c - nadzor report: the Department's analyses as XML, CSV or HTML */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "client.h"
#include "log.h"

#define LABELS_FILE	"labels.xml"
#define HTML_XSL	"report-html.xsl"

/* The directory of the label catalogue and stylesheets: $NADZOR_REPORTS,
 * else reports/ beside the program's bin/, else ./reports (caller frees). */
static char *
reports_dir(void)
{
	const char	*env = getenv("NADZOR_REPORTS");
	char		 exe[PATH_MAX], *bindir, *dir, *probe;
	ssize_t		 n;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		bindir = dirname(exe);
		xasprintf(&dir, "%s/../reports", bindir);
		xasprintf(&probe, "%s/" LABELS_FILE, dir);
		n = access(probe, R_OK);
		free(probe);
		if (n == 0)
			return dir;
		free(dir);
	}
	return xstrdup("reports");
}

/* An attribute as a string ("" if absent); the caller frees with xmlFree
 * unless it is "". */
static const char *
attr(xmlNodePtr n, const char *name, xmlChar **hold)
{
	*hold = xmlGetProp(n, (const xmlChar *)name);
	return *hold ? (const char *)*hold : "";
}

/* 1 if n is an element of that local name. */
static int
is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The label of id in lang from the catalogue; the id itself if none. */
static xmlChar *
label_of(xmlDocPtr labels, const char *id, const char *lang)
{
	xmlNodePtr	 n;
	xmlChar		*v;

	for (n = labels ? xmlDocGetRootElement(labels)->children : NULL;
	    n != NULL; n = n->next) {
		if (!is_elem(n, "label"))
			continue;
		v = xmlGetProp(n, (const xmlChar *)"id");
		if (v != NULL && strcmp((const char *)v, id) == 0) {
			xmlFree(v);
			if ((v = xmlGetProp(n, (const xmlChar *)lang)) != NULL)
				return v;
			break;
		}
		xmlFree(v);
	}
	return xmlStrdup((const xmlChar *)id);
}

/* One CSV field, quoted when it holds a comma, quote or line break. */
static void
csv_field(FILE *f, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
		fputs(s, f);
	else {
		fputc('"', f);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	}
	fputc(last ? '\n' : ',', f);
}

/* One CSV row for a figure; "—" as the percentage when АППГ is 0. */
static void
csv_figure(FILE *f, xmlDocPtr labels, const char *lang, const char *section,
    const char *region, const char *period, xmlNodePtr fig)
{
	xmlChar		*h[5], *label;
	const char	*id = attr(fig, "id", &h[0]), *pct;

	label = label_of(labels, id, lang);
	csv_field(f, section, 0);
	csv_field(f, id, 0);
	csv_field(f, (const char *)label, 0);
	csv_field(f, region, 0);
	csv_field(f, period, 0);
	csv_field(f, attr(fig, "current", &h[1]), 0);
	csv_field(f, attr(fig, "previous", &h[2]), 0);
	csv_field(f, attr(fig, "change", &h[3]), 0);
	pct = attr(fig, "change-pct", &h[4]);
	csv_field(f, *pct ? pct : "—", 1);
	xmlFree(label);
	xmlFree(h[0]);
	xmlFree(h[1]);
	xmlFree(h[2]);
	xmlFree(h[3]);
	xmlFree(h[4]);
}

/* The report as CSV: one row per figure, region rows by their key. */
static int
report_csv(FILE *f, xmlDocPtr doc, xmlDocPtr labels, const char *lang)
{
	xmlNodePtr	 root = xmlDocGetRootElement(doc), s, n, c;
	xmlChar		*hp, *hs, *hk;
	const char	*period = attr(root, "period", &hp), *sec, *key;

	fputs("section,figure,label,region,period,current,previous,change,"
	    "change_pct\n", f);
	for (s = root->children; s != NULL; s = s->next) {
		if (!is_elem(s, "section"))
			continue;
		sec = attr(s, "id", &hs);
		for (n = s->children; n != NULL; n = n->next) {
			if (is_elem(n, "figure"))
				csv_figure(f, labels, lang, sec, "", period, n);
			if (!is_elem(n, "row"))
				continue;
			key = attr(n, "key", &hk);
			for (c = n->children; c != NULL; c = c->next)
				if (is_elem(c, "figure"))
					csv_figure(f, labels, lang, sec, key,
					    period, c);
			xmlFree(hk);
		}
		xmlFree(hs);
	}
	xmlFree(hp);
	return ferror(f) ? -1 : 0;
}

/* The report through the HTML stylesheet, which reads labels.xml beside
 * itself; it may read files, never write them or use the network. */
static int
report_html(FILE *f, xmlDocPtr doc, const char *dir, const char *lang)
{
	xsltSecurityPrefsPtr	 sec = xsltNewSecurityPrefs();
	xsltTransformContextPtr	 tc = NULL;
	xsltStylesheetPtr	 xsl;
	xmlDocPtr		 out = NULL;
	const char		*params[] = { "lang", NULL, NULL };
	char			*path, quoted[16];
	int			 rc = -1;

	xasprintf(&path, "%s/" HTML_XSL, dir);
	snprintf(quoted, sizeof quoted, "'%s'", lang);
	params[1] = quoted;
	if ((xsl = xsltParseStylesheetFile((const xmlChar *)path)) == NULL) {
		fprintf(stderr, "nadzor: cannot read the stylesheet %s\n", path);
		goto fail;
	}
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_CREATE_DIRECTORY,
	    xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
	tc = xsltNewTransformContext(xsl, doc);
	xsltSetCtxtSecurityPrefs(sec, tc);
	out = xsltApplyStylesheetUser(xsl, doc, params, NULL, NULL, tc);
	if (out == NULL || xsltSaveResultToFile(f, out, xsl) == -1) {
		fprintf(stderr, "nadzor: the stylesheet %s failed\n", path);
		goto fail;
	}
	rc = ferror(f) ? -1 : 0;
fail:
	if (out != NULL)
		xmlFreeDoc(out);
	if (tc != NULL)
		xsltFreeTransformContext(tc);
	if (xsl != NULL)
		xsltFreeStylesheet(xsl);
	xsltFreeSecurityPrefs(sec);
	free(path);
	return rc;
}

/* Fetch the report document; the body in out, or an exit code. */
static int
report_fetch(struct client *cl, const char *kind, const char *period,
    const char *region, struct evbuffer *out)
{
	char	*path, *k = evhttp_encode_uri(kind), *p = evhttp_encode_uri(period);
	char	*r = region ? evhttp_encode_uri(region) : NULL;
	int	 status, rc;

	xasprintf(&path, "/api/v1/reports/%s/%s%s%s", k, p, r ? "?region=" : "",
	    r ? r : "");
	if (fetch(cl, "GET", path, NULL, NULL, 0, &status, out) == -1)
		rc = EXIT_UNAVAIL;
	else if ((rc = fetch_exit_code(status)) != EXIT_OK)
		fprintf(stderr, "nadzor: report %s %s: %s\n", kind, period,
		    fetch_error_text(out));
	free(path);
	free(k);
	free(p);
	free(r);
	return rc;
}

/* Write the fetched document in the format asked for. */
static int
report_write(FILE *f, struct evbuffer *body, const char *format,
    const char *lang)
{
	xmlDocPtr	 doc, labels = NULL;
	char		*dir = NULL, *path = NULL;
	int		 rc = -1;

	if (strcmp(format, "xml") == 0)
		return fwrite(evbuffer_pullup(body, -1), 1,
		    evbuffer_get_length(body), f) == evbuffer_get_length(body) ?
		    0 : -1;
	doc = xmlReadMemory((const char *)evbuffer_pullup(body, -1),
	    (int)evbuffer_get_length(body), "report.xml", NULL, XML_PARSE_NONET);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		fprintf(stderr, "nadzor: the daemon's report is not XML\n");
		goto fail;
	}
	dir = reports_dir();
	if (strcmp(format, "html") == 0) {
		rc = report_html(f, doc, dir, lang);
		goto fail;
	}
	xasprintf(&path, "%s/" LABELS_FILE, dir);
	if ((labels = xmlReadFile(path, NULL, XML_PARSE_NONET)) == NULL ||
	    xmlDocGetRootElement(labels) == NULL)
		fprintf(stderr, "nadzor: cannot read %s; labels are ids\n", path);
	rc = report_csv(f, doc, labels, lang);
fail:
	if (labels != NULL)
		xmlFreeDoc(labels);
	if (doc != NULL)
		xmlFreeDoc(doc);
	free(dir);
	free(path);
	return rc;
}

/* 1 if s is one of the words of the space-separated list. */
static int
one_of(const char *s, const char *list)
{
	size_t	n = strlen(s);
	const char *p;

	for (p = list; n > 0 && (p = strstr(p, s)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

int
cmd_report(struct client *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct evbuffer	*body = evbuffer_new();
	const char	*region = NULL, *format = "xml", *lang = "ru";
	const char	*output = NULL;
	FILE		*f = stdout;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': region = optarg; break;
		case 'f': format = optarg; break;
		case 'l': lang = optarg; break;
		case 'o': output = optarg; break;
		default:
			rc = cmd_usage("report", 0);
			goto done;
		}
	}
	if (argc - optind != 2 || !one_of(format, "xml csv html") ||
	    !one_of(lang, "ru kk en") || !one_of(argv[optind],
	    "monthly quarterly halfyear annual")) {
		rc = cmd_usage("report", 0);
		goto done;
	}
	if ((rc = report_fetch(cl, argv[optind], argv[optind + 1], region,
	    body)) != EXIT_OK)
		goto done;
	if (output != NULL && (f = fopen(output, "w")) == NULL) {
		fprintf(stderr, "nadzor: %s: cannot write\n", output);
		rc = EXIT_REFUSED;
		goto done;
	}
	if (report_write(f, body, format, lang) == -1 ||
	    (f != stdout && fclose(f) == EOF) || (f == stdout && fflush(f))) {
		fprintf(stderr, "nadzor: cannot write the report\n");
		rc = EXIT_REFUSED;
	}
done:
	evbuffer_free(body);
	return rc;
}
