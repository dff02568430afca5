/* cmd-record.c - nadzor record ID | REGION/REF: print a stored record */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "client.h"
#include "log.h"

/* The API path for an id or for REGION/REF (the ref may hold '/'). */
static char *
record_path(const char *arg)
{
	const char	*slash = strchr(arg, '/');
	char		*region, *ref, *path;

	if (slash == NULL) {
		ref = evhttp_encode_uri(arg);
		xasprintf(&path, "/api/v1/records/%s", ref);
		free(ref);
		return path;
	}
	region = evhttp_uriencode(arg, slash - arg, 0);
	ref = evhttp_encode_uri(slash + 1);
	xasprintf(&path, "/api/v1/records?region=%s&ref=%s", region, ref);
	free(region);
	free(ref);
	return path;
}

int
cmd_record(struct client *cl, int argc, char **argv)
{
	struct evbuffer	*out;
	char		*path;
	int		 rc;

	if (argc != 2)
		return cmd_usage("record", 0);
	path = record_path(argv[1]);
	out = evbuffer_new();
	if ((rc = fetch_ok(cl, "GET", path, NULL, out, 0, "record %s",
	    argv[1])) == EXIT_OK)
		while (evbuffer_get_length(out) > 0 && evbuffer_write(out, 1) > 0)
			;
	evbuffer_free(out);
	free(path);
	return rc;
}
