/* json-read.c - reading the daemon's JSON answers with jansson */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "client.h"
#include "record.h"

json_t *
json_answer(struct evbuffer *b)
{
	json_error_t	 e;
	json_t		*j;
	size_t		 len = evbuffer_get_length(b);

	j = json_loadb((const char *)evbuffer_pullup(b, -1), len, 0, &e);
	if (j == NULL)
		fprintf(stderr, "nadzor: the daemon's answer is not JSON: %s\n",
		    e.text);
	return j;
}

const char *
json_s(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

void
local_time(const char *rfc3339, char *buf, size_t len)
{
	/* "2025-03-20T03:40:00+05:00" -> "2025-03-20 03:40 +05:00" */
	if (rfc3339 == NULL || strlen(rfc3339) < 19) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%.10s %.5s %s", rfc3339, rfc3339 + 11,
	    rfc3339[19] == 'Z' ? "+00:00" : rfc3339 + 19);
}

void
time_left(const char *due, char *buf, size_t len)
{
	int64_t		 t;
	long long	 d;
	const char	*sign = "";

	if (due == NULL || rfc3339_parse(due, &t, NULL) == -1) {
		snprintf(buf, len, "-");
		return;
	}
	d = (long long)(t - time(NULL));
	if (d < 0) {
		sign = "-";
		d = -d;
	}
	if (d >= 86400)
		snprintf(buf, len, "%s%lldd %02lldh", sign, d / 86400,
		    d / 3600 % 24);
	else
		snprintf(buf, len, "%s%lldh %02lldm", sign, d / 3600, d / 60 % 60);
}
