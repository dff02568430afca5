/* cmd-alerts.c - nadzor alerts [--mine] [--since TIME]: recent alerts and who took them up */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "client.h"
#include "log.h"

int
cmd_alerts(struct client *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mine", no_argument, NULL, 'm' },
		{ "since", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	json_t		*list, *a;
	char		*path, *since = NULL, t[40];
	size_t		 i;
	int		 ch, mine = 0, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'm')
			mine = 1;
		else if (ch == 's') {
			free(since);
			since = evhttp_encode_uri(optarg);
		} else
			return cmd_usage("alerts", 0);
	}
	if (optind != argc)
		return cmd_usage("alerts", 0);
	xasprintf(&path, "/api/v1/alerts?mine=%d%s%s", mine, since ? "&since=" :
	    "", since ? since : "");
	free(since);
	rc = fetch_json(cl, path, &list);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	printf("%-7s %-24s %-10s %-16s %-6s %-18s %-14s %s\n", "ALERT",
	    "AT (UTC)", "KIND", "RECIPIENT", "OBLIG.", "RULE", "ACKNOWLEDGED",
	    "RECORD/PERIOD");
	json_array_foreach(list, i, a) {
		local_time(json_s(a, "at"), t, sizeof t);
		printf("%-7lld %-24s %-10s %-16s %-6lld %-18s %-14s %s %s\n",
		    (long long)json_integer_value(json_object_get(a, "id")), t,
		    json_s(a, "kind"), json_s(a, "recipient"),
		    (long long)json_integer_value(json_object_get(a, "obligation")),
		    json_s(a, "rule"), *json_s(a, "acked_by") ?
		    json_s(a, "acked_by") : "-", *json_s(a, "record") ?
		    json_s(a, "record") : json_s(a, "period"), json_s(a, "region"));
	}
	json_decref(list);
	return EXIT_OK;
}
