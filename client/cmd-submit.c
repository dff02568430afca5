/* cmd-submit.c - nadzor submit FILE... | -: send records, say what became of each */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "client.h"
#include "log.h"

/* Read a whole file (or stdin for "-") into memory; NULL with a message. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char	*buf = NULL;
	size_t	 cap = 0, n;

	*len = 0;
	if (f == NULL) {
		fprintf(stderr, "nadzor: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (*len + 65536 > cap)
			buf = xrealloc(buf, cap = (cap + 65536) * 2);
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		fprintf(stderr, "nadzor: %s: %s\n", path, strerror(errno));
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

/* One line per record of a 2xx answer: "created record 12 KZ-75/REF". */
static void
submit_report(const char *path, struct evbuffer *b)
{
	const char	*s, *p;
	long long	 id;
	char		 region[32], ref[128], result[16];

	evbuffer_add(b, "", 1);		/* the body is text: terminate it */
	if ((s = (const char *)evbuffer_pullup(b, -1)) == NULL)
		return;
	for (p = s; (p = strstr(p, "{\"id\":")) != NULL; p++) {
		if (sscanf(p, "{\"id\":%lld,\"region\":\"%31[^\"]\",\"ref\":"
		    "\"%127[^\"]\",\"kind\":\"%*[^\"]\",\"result\":\"%15[^\"]\"",
		    &id, region, ref, result) == 4)
			printf("%s: %s record %lld (%s/%s)\n", path, result, id,
			    region, ref);
	}
}

/* Send one file; the exit code it deserves. */
static int
submit_one(struct client *cl, const char *path)
{
	struct fetch_body body = { "application/xml", NULL, 0 };
	struct evbuffer	*out;
	char		*text;
	int		 rc;

	if ((text = slurp(path, &body.len)) == NULL)
		return EXIT_REFUSED;
	body.p = text;
	out = evbuffer_new();
	if ((rc = fetch_ok(cl, "POST", "/api/v1/records", &body, out,
	    FETCH_STATUS, "%s", path)) == EXIT_OK)
		submit_report(path, out);
	evbuffer_free(out);
	free(text);
	return rc;
}

int
cmd_submit(struct client *cl, int argc, char **argv)
{
	int i, rc, worst = EXIT_OK;

	if (argc < 2)
		return cmd_usage("submit", 0);
	if (cl->token == NULL) {
		fprintf(stderr, "nadzor: submit needs a token: --token or "
		    "NADZOR_TOKEN\n");
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		rc = submit_one(cl, argv[i]);
		if (rc > worst)
			worst = rc;
	}
	return worst;
}
