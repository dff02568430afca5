/* report-submit.c - nadzor report ... --submit, nadzor report submitted: frozen reports */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "client.h"
#include "log.h"
#include "report-doc.h"

/* The <since-submission> of a report, or NULL. */
static xmlNodePtr
since_of(xmlDocPtr doc)
{
	xmlNodePtr n;

	for (n = xmlDocGetRootElement(doc)->children; n != NULL; n = n->next)
		if (rdoc_is(n, "since-submission"))
			return n;
	return NULL;
}

/* "SECTION/[KEY/]ID[ (previous year)] WAS → NOW" for one changed value. */
static void
since_change(xmlNodePtr c, int first)
{
	const char *key = rdoc_attr(c, "key");

	fprintf(stderr, "%s%s/%s%s%s%s %s → %s", first ? "" : ", ",
	    rdoc_attr(c, "section"), key, *key ? "/" : "", rdoc_attr(c, "id"),
	    strcmp(rdoc_attr(c, "column"), "previous") == 0 ?
	    " (previous year)" : "", rdoc_attr(c, "submitted"),
	    rdoc_attr(c, "now"));
}

/* A report that was submitted says so on stderr, with what has changed
 * since: the figures of a frozen report and of today's may differ. */
void
report_since_notice(struct evbuffer *report)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 since, c;
	int		 first = 1;

	if (evbuffer_get_length(report) == 0 ||
	    (doc = rdoc_parse(report)) == NULL)
		return;
	if ((since = since_of(doc)) != NULL) {
		fprintf(stderr, "report: submitted as #%s on %.10s (version %s, "
		    "by %s); ", rdoc_attr(since, "id"), rdoc_attr(since, "at"),
		    rdoc_attr(since, "version"), rdoc_attr(since, "by"));
		if (strcmp(rdoc_attr(since, "changed"), "0") == 0)
			fprintf(stderr, "no figure has changed since\n");
		else
			fprintf(stderr, "%s figures changed since: ",
			    rdoc_attr(since, "changed"));
		for (c = since->children; c != NULL; c = c->next)
			if (rdoc_is(c, "changed")) {
				since_change(c, first);
				first = 0;
			}
		if (!first)
			fputc('\n', stderr);
	}
	xmlFreeDoc(doc);
}

/* The API path of a submission, every value encoded. */
static char *
submit_path(const char *kind, const char *period, const char *region,
    const char *format, const char *lang, const char *sha, const char *reason)
{
	char	*k = evhttp_encode_uri(kind), *p = evhttp_encode_uri(period);
	char	*r = region ? evhttp_encode_uri(region) : NULL;
	char	*why = reason ? evhttp_encode_uri(reason) : NULL;
	char	*l = evhttp_encode_uri(lang), *path;

	xasprintf(&path, "/api/v1/reports/%s/%s/submissions?format=%s&lang=%s"
	    "&data_sha256=%s%s%s%s%s", k, p, format, l, sha,
	    r ? "&region=" : "", r ? r : "", why ? "&reason=" : "",
	    why ? why : "");
	free(k);
	free(p);
	free(r);
	free(why);
	free(l);
	return path;
}

/* The daemon's answer to a submission, said on stderr. */
static void
submit_said(struct evbuffer *ans)
{
	json_t *j = json_answer(ans);

	if (j == NULL)
		return;
	fprintf(stderr, "report: submitted %s %s (%s) as #%lld, version %lld, "
	    "at %s; data SHA-256 %s, document SHA-256 %s\n", json_s(j, "kind"),
	    json_s(j, "period"), json_s(j, "scope"),
	    (long long)json_integer_value(json_object_get(j, "id")),
	    (long long)json_integer_value(json_object_get(j, "version")),
	    json_s(j, "submitted_at"), json_s(j, "data_sha256"),
	    json_s(j, "document_sha256"));
	json_decref(j);
}

/*
 * Render the fetched report as asked, send the document with the data
 * hash it shows, and write it out once the daemon has stored it: a
 * document that was refused is not left behind as if submitted.
 */
int
report_submit(struct client *cl, const struct report_req *rq,
    struct evbuffer *report)
{
	struct fetch_body body = { "application/octet-stream", NULL, 0 };
	struct evbuffer	*ans = evbuffer_new();
	xmlDocPtr	 doc;
	char		*out = NULL, *path = NULL, sha[65] = "";
	size_t		 len = 0;
	int		 rc = EXIT_REFUSED;

	if ((doc = rdoc_parse(report)) == NULL)
		goto fail;
	snprintf(sha, sizeof sha, "%s", rdoc_attr(xmlDocGetRootElement(doc),
	    "data-sha256"));
	xmlFreeDoc(doc);
	/* It goes into the request's query: 64 hex digits, nothing else. */
	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
		fprintf(stderr, "nadzor: the daemon's report carries no "
		    "data-sha256 to submit it by\n");
		goto fail;
	}
	if (report_render(report, rq->format, rq->lang, &out, &len) == -1)
		goto fail;
	path = submit_path(rq->kind, rq->period, rq->region, rq->format,
	    rq->lang, sha, rq->reason);
	body.p = out;
	body.len = len;
	if ((rc = fetch_ok(cl, "POST", path, &body, ans, 0,
	    "report %s %s: not submitted", rq->kind, rq->period)) == EXIT_OK) {
		submit_said(ans);
		rc = report_output(rq->output, out, len);
	}
fail:
	evbuffer_free(ans);
	free(path);
	free(out);
	return rc;
}

/* The submissions the caller sees, one line each, newest first. */
static int
submitted_list(struct client *cl)
{
	json_t	*j, *v;
	size_t	 i;
	char	 at[40];
	int	 rc;

	if ((rc = fetch_json(cl, "/api/v1/reports/submitted", &j)) != EXIT_OK)
		return rc;
	printf("%-5s %-9s %-8s %-12s %-3s %-6s %-4s %-23s %-12s %s\n", "ID",
	    "KIND", "PERIOD", "SCOPE", "VER", "FORMAT", "LANG", "SUBMITTED",
	    "BY", "DATA-SHA256");
	json_array_foreach(json_object_get(j, "submissions"), i, v) {
		local_time(json_s(v, "submitted_at"), at, sizeof at);
		printf("%-5lld %-9s %-8s %-12s %-3lld %-6s %-4s %-23s %-12s %s\n",
		    (long long)json_integer_value(json_object_get(v, "id")),
		    json_s(v, "kind"), json_s(v, "period"), json_s(v, "scope"),
		    (long long)json_integer_value(json_object_get(v, "version")),
		    json_s(v, "format"), json_s(v, "lang"), at,
		    json_s(v, "submitted_by"), json_s(v, "data_sha256"));
		if (*json_s(v, "reason") != '\0')
			printf("      reason: %s\n", json_s(v, "reason"));
	}
	json_decref(j);
	return EXIT_OK;
}

/* One stored document (or its data), byte for byte, to FILE or stdout. */
static int
submitted_get(struct client *cl, const char *id, int data, const char *output)
{
	struct evbuffer	*b = evbuffer_new();
	char		*e = evhttp_encode_uri(id), *path;
	int		 rc;

	xasprintf(&path, "/api/v1/reports/submitted/%s%s", e, data ? "/data" :
	    "");
	if ((rc = fetch_ok(cl, "GET", path, NULL, b, 0, "submitted report %s",
	    id)) == EXIT_OK)
		rc = report_output(output, evbuffer_pullup(b, -1),
		    evbuffer_get_length(b));
	evbuffer_free(b);
	free(path);
	free(e);
	return rc;
}

/* nadzor report submitted [ID [--data] [-o FILE]] (argv[0] "submitted"). */
int
report_submitted(struct client *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", no_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*output = NULL;
	int		 ch, data = 0;

	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': data = 1; break;
		case 'o': output = optarg; break;
		default: return cmd_usage("report", 0);
		}
	}
	if (argc - optind == 0 && !data && output == NULL)
		return submitted_list(cl);
	if (argc - optind != 1 || argv[optind][0] == '\0' ||
	    strspn(argv[optind], "0123456789") != strlen(argv[optind])) {
		fprintf(stderr, "nadzor: report submitted: give the id of one "
		    "submission, or nothing to list them\n");
		return EXIT_USAGE;
	}
	return submitted_get(cl, argv[optind], data, output);
}
