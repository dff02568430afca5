/* cmd-ack.c - nadzor ack ID | --obligation ID: the officer has seen the alert */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "client.h"
#include "log.h"

/* Say what the daemon acknowledged, from its answer: {"id", "acked",
 * "acked_by"} for an alert, {"obligation", "acked"} for a duty. */
static int
ack_print(struct evbuffer *out, const char *what, const char *id)
{
	json_t		*j;
	long long	 n;

	if ((j = json_answer(out)) == NULL)
		return EXIT_UNAVAIL;
	n = (long long)json_integer_value(json_object_get(j, "acked"));
	if (strcmp(what, "obligation") == 0)
		printf("obligation %s: %lld alert%s acknowledged\n", id, n,
		    n == 1 ? "" : "s");
	else if (n > 0)
		printf("alert %s acknowledged by %s\n", id, json_s(j, "acked_by"));
	else
		printf("alert %s: nothing to acknowledge (acknowledged already, "
		    "or addressed to someone else)\n", id);
	json_decref(j);
	return EXIT_OK;
}

int
cmd_ack(struct client *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "obligation", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct evbuffer	*out;
	const char	*id = NULL, *what = "alert";
	char		*path;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'o' || id != NULL)
			return cmd_usage("ack", 0);
		id = optarg;
		what = "obligation";
	}
	if (id == NULL && optind + 1 == argc)
		id = argv[optind++];
	if (id == NULL || optind != argc || *id == '\0' ||
	    strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
		return cmd_usage("ack", 0);
	xasprintf(&path, "/api/v1/%ss/%s/ack", what, id);
	out = evbuffer_new();
	/* The daemon answers 404 for another region's too: say which. */
	rc = fetch_ok(cl, "POST", path, NULL, out, FETCH_OWN_404, "ack %s %s",
	    what, id);
	if (rc == EXIT_OK)
		rc = ack_print(out, what, id);
	else if (rc == EXIT_NOTFOUND)
		fprintf(stderr, "nadzor: ack: no %s %s among yours\n", what, id);
	evbuffer_free(out);
	free(path);
	return rc;
}
