/* json.c - writing JSON into an evbuffer, escaping what comes from outside */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "json.h"
#include "record.h"
#include "xmlsafe.h"

void
jbuf_init(struct jbuf *j, struct evbuffer *out)
{
	j->out = out;
	j->len = 0;
}

void
jbuf_flush(struct jbuf *j)
{
	if (j->len > 0)
		evbuffer_add(j->out, j->buf, j->len);
	j->len = 0;
}

void
jbuf_add(struct jbuf *j, const void *p, size_t n)
{
	if (n > sizeof j->buf - j->len) {
		jbuf_flush(j);
		if (n >= sizeof j->buf) {
			evbuffer_add(j->out, p, n);
			return;
		}
	}
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

/* The end of the run at p that needs no escaping: printable ASCII but
 * quote and backslash, and valid UTF-8 sequences (the record checks' own
 * test: no surrogate or overlong form reaches a JSON reader). */
static const unsigned char *
json_run(const unsigned char *p)
{
	size_t n;

	for (;;) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		else if (*p >= 0x80 && (n = xmlsafe_utf8_len(p, 4)) > 0)
			p += n;
		else
			return p;
	}
}

void
jbuf_str(struct jbuf *j, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s, *end;
	char			 esc[8];

	if (s == NULL) {
		JBUF_LIT(j, "null");
		return;
	}
	JBUF_LIT(j, "\"");
	for (;;) {
		end = json_run(p);
		jbuf_add(j, p, (size_t)(end - p));
		if (*(p = end) == '\0')
			break;
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			jbuf_add(j, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			jbuf_add(j, esc, 6);
		} else
			JBUF_LIT(j, "\\ufffd");	/* invalid UTF-8 */
		p++;
	}
	JBUF_LIT(j, "\"");
}

void
jbuf_int(struct jbuf *j, long long v)
{
	char			 buf[24], *p = buf + sizeof buf;
	unsigned long long	 u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	jbuf_add(j, p, (size_t)(buf + sizeof buf - p));
}

void
jbuf_time(struct jbuf *j, long long t, int utcoff)
{
	char buf[40];

	if (t == RECORD_NOTIME) {
		JBUF_LIT(j, "null");
		return;
	}
	/* Digits, '-', ':', 'T', '+' and 'Z' only: nothing to escape. */
	buf[0] = '"';
	rfc3339_format(t, utcoff, buf + 1, sizeof buf - 2);
	jbuf_add(j, buf, strlen(buf));
	JBUF_LIT(j, "\"");
}

void
json_str(struct evbuffer *b, const char *s)
{
	struct jbuf j;

	jbuf_init(&j, b);
	jbuf_str(&j, s);
	jbuf_flush(&j);
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
	struct jbuf j;

	jbuf_init(&j, b);
	jbuf_time(&j, t, utcoff);
	jbuf_flush(&j);
}
