/* cmd-obligations.c - nadzor obligations: duties as a table, sorted by due time */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "client.h"
#include "log.h"

/* "2h", "30m", "3d", "90s" or plain seconds; -1 if none of these. */
static long long
duration(const char *s)
{
	char		*end;
	long long	 n = strtoll(s, &end, 10);

	if (end == s || n < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return n;
	if (strcmp(end, "m") == 0)
		return n * 60;
	if (strcmp(end, "h") == 0)
		return n * 3600;
	if (strcmp(end, "d") == 0)
		return n * 86400;
	return -1;
}

/* Append "&key=value" (value escaped) to the query. */
static void
query_add(struct evbuffer *q, const char *key, const char *value)
{
	char *v = evhttp_encode_uri(value);

	evbuffer_add_printf(q, "%s%s=%s", evbuffer_get_length(q) ? "&" : "?",
	    key, v);
	free(v);
}

/* One line of the table. */
static void
obligation_row(json_t *o)
{
	char		 due[40], left[24], what[48];
	const char	*state = json_s(o, "state");

	local_time(json_string_value(json_object_get(o, "due")), due, sizeof due);
	if (strcmp(state, "open") == 0 || strcmp(state, "overdue") == 0)
		time_left(json_string_value(json_object_get(o, "due")), left,
		    sizeof left);
	else
		snprintf(left, sizeof left, "-");
	snprintf(what, sizeof what, "%s", *json_s(o, "record") ?
	    json_s(o, "record") : json_s(o, "period"));
	printf("%-6lld %-18s %-6s %-22s %-24s %-9s %s\n",
	    (long long)json_integer_value(json_object_get(o, "id")),
	    json_s(o, "rule"), json_s(o, "region"), what, due, left, state);
}

int
cmd_obligations(struct client *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "region", required_argument, NULL, 'r' },
		{ "rule", required_argument, NULL, 'u' },
		{ "record", required_argument, NULL, 'c' },
		{ "due-within", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct evbuffer	*q = evbuffer_new();
	const char	*format = "table";
	json_t		*list, *o;
	char		*path = NULL, when[32];
	long long	 within;
	time_t		 t;
	size_t		 i;
	int		 ch, rc = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': query_add(q, "state", optarg); break;
		case 'r': query_add(q, "region", optarg); break;
		case 'u': query_add(q, "rule", optarg); break;
		case 'c': query_add(q, "record", optarg); break;
		case 'f': format = optarg; break;
		case 'w':
			if ((within = duration(optarg)) == -1) {
				fprintf(stderr, "nadzor: --due-within %s: give 90s, "
				    "30m, 2h or 3d\n", optarg);
				rc = EXIT_USAGE;
				goto done;
			}
			t = time(NULL) + within;
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
			query_add(q, "due_before", when);
			break;
		default:
			rc = cmd_usage("obligations", 0);
			goto done;
		}
	}
	if (optind != argc || (strcmp(format, "table") != 0 &&
	    strcmp(format, "json") != 0)) {
		rc = cmd_usage("obligations", 0);
		goto done;
	}
	evbuffer_add(q, "", 1);
	xasprintf(&path, "/api/v1/obligations%s", (char *)evbuffer_pullup(q, -1));
	if ((rc = fetch_json(cl, path, &list)) != EXIT_OK)
		goto done;
	if (strcmp(format, "json") == 0)
		json_dumpf(list, stdout, JSON_INDENT(1));
	else {
		printf("%-6s %-18s %-6s %-22s %-24s %-9s %s\n", "ID", "RULE",
		    "REGION", "RECORD/PERIOD", "DUE (local time)", "LEFT", "STATE");
		json_array_foreach(list, i, o)
			obligation_row(o);
	}
	json_decref(list);
done:
	free(path);
	evbuffer_free(q);
	return rc;
}
