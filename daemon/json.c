/* json.c - writing JSON into an evbuffer, escaping what comes from outside */
#include <stdint.h>
#include <string.h>

#include <event2/buffer.h>

#include "json.h"
#include "record.h"

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	else if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void
json_str(struct evbuffer *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	if (s == NULL) {
		evbuffer_add(b, "null", 4);
		return;
	}
	evbuffer_add(b, "\"", 1);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			evbuffer_add_printf(b, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			evbuffer_add_printf(b, "\\u%04x", *p++);
		} else if ((n = utf8_len(p)) == 0) {
			evbuffer_add(b, "\\ufffd", 6);
			p++;
		} else {
			evbuffer_add(b, p, n);
			p += n;
		}
	}
	evbuffer_add(b, "\"", 1);
}

void
json_key(struct evbuffer *b, const char *key, int first)
{
	if (!first)
		evbuffer_add(b, ",", 1);
	json_str(b, key);
	evbuffer_add(b, ":", 1);
}

void
json_time(struct evbuffer *b, long long t, int utcoff)
{
	char buf[40];

	if (t == RECORD_NOTIME) {
		evbuffer_add(b, "null", 4);
		return;
	}
	rfc3339_format(t, utcoff, buf, sizeof buf);
	json_str(b, buf);
}
