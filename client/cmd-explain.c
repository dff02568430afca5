/* cmd-explain.c - nadzor explain ID: why a due time is what it is, in words */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client.h"
#include "log.h"

/* One "Label: value" line, skipped when the value is empty. */
static void
line(const char *label, const char *value)
{
	if (value != NULL && *value != '\0')
		printf("%-10s %s\n", label, value);
}

/* The explanation's sentences, indented. */
static void
sentences(const char *text)
{
	const char *p = text, *nl;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		printf("  %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
		p = nl ? nl + 1 : NULL;
	}
}

int
cmd_explain(struct client *cl, int argc, char **argv)
{
	json_t		*o, *a, *al;
	char		*path, t[40], buf[256];
	size_t		 i;
	int		 rc;

	if (argc != 2 || strspn(argv[1], "0123456789") != strlen(argv[1]))
		return cmd_usage("explain", 0);
	xasprintf(&path, "/api/v1/obligations/%s", argv[1]);
	rc = fetch_json(cl, path, &o);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	printf("Obligation %s: %s, item %s of rule set %s (version %s)\n",
	    argv[1], json_s(o, "rule"), json_s(o, "item"), json_s(o, "ruleset"),
	    json_s(o, "ruleset_version"));
	if (*json_s(o, "record"))
		snprintf(buf, sizeof buf, "record %s of %s", json_s(o, "record"),
		    json_s(o, "region"));
	else
		snprintf(buf, sizeof buf, "period %s of %s", json_s(o, "period"),
		    json_s(o, "region"));
	line("For:", buf);
	line("Who acts:", json_s(o, "actor"));
	local_time(json_string_value(json_object_get(o, "starts")), t, sizeof t);
	snprintf(buf, sizeof buf, "%s, %s", json_s(o, "start_event"), t);
	line("Starts:", buf);
	line("Term:", json_s(o, "term"));
	local_time(json_string_value(json_object_get(o, "due")), t, sizeof t);
	line("Due:", json_object_get(o, "due") != NULL &&
	    !json_is_null(json_object_get(o, "due")) ? t : "no due time");
	snprintf(buf, sizeof buf, "%s", json_s(o, "state"));
	if (!json_is_null(json_object_get(o, "done"))) {
		local_time(json_string_value(json_object_get(o, "done")), t,
		    sizeof t);
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ", settled %s",
		    t);
	}
	line("State:", buf);
	line("Missing:", json_s(o, "missing"));
	line("Note:", json_s(o, "note"));
	line("Waived:", json_s(o, "waived_reason"));
	printf("Why this due time:\n");
	sentences(json_s(o, "explanation"));
	a = json_object_get(o, "alerts");
	if (json_array_size(a) > 0)
		printf("Alerts:\n");
	json_array_foreach(a, i, al) {
		local_time(json_s(al, "at"), t, sizeof t);
		printf("  %-10s to %-16s at %s%s%s\n", json_s(al, "kind"),
		    json_s(al, "recipient"), t, *json_s(al, "acked_by") ?
		    ", acknowledged by " : "", json_s(al, "acked_by"));
	}
	json_decref(o);
	return EXIT_OK;
}
