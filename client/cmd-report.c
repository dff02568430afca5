/* cmd-report.c - nadzor report: the Department's analyses as XML, CSV, HTML or PDF */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
#include <libxslt/extensions.h>
#include <libxml/xpathInternals.h>

#include "client.h"
#include "i18n.h"
#include "log.h"
#include "report-doc.h"
#include "report-pdf.h"

#define HTML_XSL	"report-html.xsl"
#define KINDS		"monthly quarterly halfyear annual"
#define FORMATS		"xml csv html pdf"
#define LABELS_NS	"urn:nadzor:labels:1"	/* of the stylesheet's l:label() */

/* The directory of the stylesheets: $NADZOR_REPORTS, else reports/ beside
 * the program's bin/ (a build) or share/nadzor/reports (an installation),
 * else ./reports (caller frees). */
static char *
reports_dir(void)
{
	static const char *const	 where[] = { "..", "../share/nadzor" };
	const char			*env = getenv("NADZOR_REPORTS");
	char				 exe[PATH_MAX], *bindir, *dir, *probe;
	ssize_t				 n;
	size_t				 i;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return xstrdup("reports");
	exe[n] = '\0';
	bindir = dirname(exe);
	for (i = 0; i < sizeof where / sizeof where[0]; i++) {
		xasprintf(&dir, "%s/%s/reports", bindir, where[i]);
		xasprintf(&probe, "%s/" HTML_XSL, dir);
		n = access(probe, R_OK);
		free(probe);
		if (n == 0)
			return dir;
		free(dir);
	}
	return xstrdup("reports");
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

/* Where CSV rows go, and the period every row names. */
struct csv {
	FILE		*f;
	const char	*period;
};

/* One CSV row for a figure; "—" as the percentage when АППГ is 0. */
static int
csv_figure(void *arg, const struct rdoc_fig *fig)
{
	struct csv	*csv = arg;
	FILE		*f = csv->f;

	csv_field(f, fig->section, 0);
	csv_field(f, fig->id, 0);
	csv_field(f, i18n_label(fig->id), 0);
	csv_field(f, fig->key, 0);
	csv_field(f, csv->period, 0);
	csv_field(f, fig->current, 0);
	csv_field(f, fig->previous, 0);
	csv_field(f, fig->change, 0);
	csv_field(f, fig->pct ? fig->pct : "—", 1);
	return 0;
}

/* The report as CSV: one row per figure, region rows by their key. */
static int
report_csv(FILE *f, xmlDocPtr doc)
{
	xmlNodePtr	 root = xmlDocGetRootElement(doc), s;
	struct csv	 csv = { f, rdoc_attr(root, "period") };

	fputs("section,figure,label,region,period,current,previous,change,"
	    "change_pct\n", f);
	for (s = root->children; s != NULL; s = s->next)
		if (rdoc_is(s, "section"))
			rdoc_each_figure(s, csv_figure, &csv);
	return ferror(f) ? -1 : 0;
}

/* l:label('id') for the stylesheet: the words for id from the catalogue
 * of the language taken. */
static void
xpath_label(xmlXPathParserContextPtr ctxt, int nargs)
{
	xmlChar	*id;

	if (nargs != 1) {
		xmlXPathSetArityError(ctxt);
		return;
	}
	if ((id = xmlXPathPopString(ctxt)) == NULL)
		return;
	xmlXPathReturnString(ctxt,
	    xmlStrdup((const xmlChar *)i18n_label((const char *)id)));
	xmlFree(id);
}

/* The report through the HTML stylesheet, its words from l:label(); it
 * may read files, never write them or use the network. */
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
	xsltRegisterExtFunction(tc, (const xmlChar *)"label",
	    (const xmlChar *)LABELS_NS, xpath_label);
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
	int	 rc;

	xasprintf(&path, "/api/v1/reports/%s/%s%s%s", k, p, r ? "?region=" : "",
	    r ? r : "");
	rc = fetch_ok(cl, "GET", path, NULL, out, 0, "report %s %s", kind,
	    period);
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
	xmlDocPtr	 doc;
	char		*dir = NULL;
	int		 rc = -1;

	if (strcmp(format, "xml") == 0)
		return fwrite(evbuffer_pullup(body, -1), 1,
		    evbuffer_get_length(body), f) == evbuffer_get_length(body) ?
		    0 : -1;
	if ((doc = rdoc_parse(body)) == NULL)
		goto fail;
	i18n_use(lang);
	if (strcmp(format, "html") == 0) {
		dir = reports_dir();
		rc = report_html(f, doc, dir, lang);
	} else if (strcmp(format, "pdf") == 0)
		rc = report_pdf(f, doc, lang);
	else
		rc = report_csv(f, doc);
fail:
	if (doc != NULL)
		xmlFreeDoc(doc);
	free(dir);
	return rc;
}

/* The report rendered in memory, so that nothing is written of one that
 * cannot be made. */
int
report_render(struct evbuffer *report, const char *format, const char *lang,
    char **out, size_t *len)
{
	FILE	*mem;
	int	 rc;

	*out = NULL;
	*len = 0;
	if ((mem = open_memstream(out, len)) == NULL)
		fatal("open_memstream");
	rc = report_write(mem, report, format, lang);
	if (fclose(mem) == EOF || rc == -1) {
		fprintf(stderr, "nadzor: cannot render the report\n");
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* len bytes to f, flushed: 0, or -1 with errno set. */
static int
write_all(FILE *f, const void *b, size_t len)
{
	if (fwrite(b, 1, len, f) != len || fflush(f) == EOF)
		return -1;
	return 0;
}

/* A file that is not a regular one (a FIFO, /dev/stdout) has no contents
 * to spoil: written in place.  0, or -1 with errno set. */
static int
write_in_place(const char *path, const void *b, size_t len)
{
	FILE	*f;
	int	 rc, saved;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = write_all(f, b, len);
	saved = errno;
	if (fclose(f) == EOF && rc == 0)
		return -1;
	errno = saved;
	return rc;
}

/* Make the rename of a new file in path's directory durable too. */
static void
sync_dir(const char *path)
{
	char	*copy = xstrdup(path);
	int	 fd;

	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* Write a new file of our own beside path (mkostemp: nobody else's file,
 * and two runs never share one) with the mode of the file it replaces, or
 * the umask's; make it durable, then rename it over path: path is the old
 * file or the new, never half of one.  0, or -1 with errno set and the
 * new file gone. */
static int
write_replace(const char *path, const struct stat *old, const void *b,
    size_t len)
{
	FILE	*f = NULL;
	char	*tmp;
	mode_t	 mask;
	int	 fd, closed, saved;

	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		free(tmp);
		return -1;
	}
	mask = umask(0);	/* read it: the client has no other thread here */
	umask(mask);
	if (fchmod(fd, old != NULL ? old->st_mode & 0777 : 0666 & ~mask) == -1)
		goto fail;
	if ((f = fdopen(fd, "w")) == NULL)
		goto fail;
	fd = -1;		/* f closes it */
	if (write_all(f, b, len) == -1 || fsync(fileno(f)) == -1)
		goto fail;
	closed = fclose(f);
	f = NULL;
	if (closed == EOF || rename(tmp, path) == -1)
		goto fail;
	sync_dir(path);
	free(tmp);
	return 0;
fail:
	saved = errno;
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}

/* The rendered report to FILE or stdout, whole or not at all. */
int
report_output(const char *output, const void *b, size_t len)
{
	struct stat	 st;
	char		*real = NULL;
	const char	*path = output;
	int		 rc, exists;

	if (output == NULL)
		rc = write_all(stdout, b, len);
	else {
		/* Through a link, the file it names is the one replaced; a
		 * link to nothing yet makes its file, as a shell's > would. */
		if ((real = realpath(output, NULL)) != NULL)
			path = real;
		exists = stat(path, &st) == 0;
		if (real == NULL && lstat(output, &st) == 0 &&
		    S_ISLNK(st.st_mode))
			rc = write_in_place(output, b, len);
		else if (exists && !S_ISREG(st.st_mode))
			rc = write_in_place(path, b, len);
		else
			rc = write_replace(path, exists ? &st : NULL, b, len);
	}
	if (rc == -1)
		fprintf(stderr, "nadzor: %s: cannot write: %s\n",
		    output ? output : "standard output", strerror(errno));
	free(real);
	return rc == -1 ? EXIT_REFUSED : EXIT_OK;
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

/* The kind, format and language checked, each with a message naming what
 * is wrong: EXIT_OK or EXIT_USAGE. */
static int
report_args(int argc, char **argv, const char *format, const char *lang,
    const char *output)
{
	if (argc != 2)
		return cmd_usage("report", 0);
	if (!one_of(argv[0], KINDS))
		fprintf(stderr, "nadzor: unknown kind of report '%s'; one of "
		    KINDS "\n", argv[0]);
	else if (!one_of(format, FORMATS))
		fprintf(stderr, "nadzor: unknown --format '%s'; one of "
		    FORMATS "\n", format);
	else if (!i18n_known(lang))
		fprintf(stderr, "nadzor: unknown --lang '%s'; one of "
		    I18N_LANGS "\n", lang);
	else if (strcmp(format, "pdf") == 0 && output == NULL &&
	    isatty(STDOUT_FILENO))
		fprintf(stderr, "nadzor: a PDF is not for a terminal; give "
		    "-o FILE or redirect the output\n");
	else
		return EXIT_OK;
	return EXIT_USAGE;
}

int
cmd_report(struct client *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "submit", no_argument, NULL, 's' },
		{ "resubmit", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct evbuffer	*body = evbuffer_new();
	struct report_req rq;
	const char	*region = NULL, *format = "xml", *lang = "ru";
	const char	*output = NULL, *reason = NULL;
	char		*out = NULL;
	size_t		 len;
	int		 ch, rc, submit = 0;

	if (argc > 1 && strcmp(argv[1], "submitted") == 0) {
		rc = report_submitted(cl, argc - 1, argv + 1);
		goto done;
	}
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': region = optarg; break;
		case 'f': format = optarg; break;
		case 'l': lang = optarg; break;
		case 'o': output = optarg; break;
		case 's': submit = 1; break;
		case 'R': submit = 1; reason = optarg; break;
		default:
			rc = cmd_usage("report", 0);
			goto done;
		}
	}
	if ((rc = report_args(argc - optind, argv + optind, format, lang,
	    output)) != EXIT_OK)
		goto done;
	if ((rc = report_fetch(cl, argv[optind], argv[optind + 1], region,
	    body)) != EXIT_OK)
		goto done;
	report_since_notice(body);
	if (submit) {
		rq = (struct report_req){ argv[optind], argv[optind + 1], region,
		    format, lang, output, reason };
		rc = report_submit(cl, &rq, body);
		goto done;
	}
	/* Rendered whole before FILE is touched: a report that cannot be
	 * made leaves the one there was. */
	if (report_render(body, format, lang, &out, &len) == -1)
		rc = EXIT_REFUSED;
	else
		rc = report_output(output, out, len);
done:
	free(out);
	evbuffer_free(body);
	return rc;
}
