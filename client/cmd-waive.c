/* cmd-waive.c - nadzor waive ID --reason TEXT: close a duty that no longer applies */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "client.h"
#include "log.h"

int
cmd_waive(struct client *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct evbuffer	*out;
	struct fetch_body body = { "text/plain; charset=utf-8", NULL, 0 };
	const char	*reason = NULL;
	char		*path;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'r')
			return cmd_usage("waive", 0);
		reason = optarg;
	}
	if (optind + 1 != argc || reason == NULL || *reason == '\0' ||
	    strspn(argv[optind], "0123456789") != strlen(argv[optind]))
		return cmd_usage("waive", 0);
	xasprintf(&path, "/api/v1/obligations/%s/waive", argv[optind]);
	body.p = reason;
	body.len = strlen(reason);
	out = evbuffer_new();
	if ((rc = fetch_ok(cl, "POST", path, &body, out, 0, "waive %s",
	    argv[optind])) == EXIT_OK)
		printf("obligation %s waived\n", argv[optind]);
	evbuffer_free(out);
	free(path);
	return rc;
}
