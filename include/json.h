/* json.h - writing JSON into an evbuffer, escaping what comes from outside */
#ifndef NADZOR_JSON_H
#define NADZOR_JSON_H

#include <stddef.h>

struct evbuffer;

#define JBUF_SIZE	8192

/*
 * JSON assembled in a buffer on the caller's stack and handed to the
 * evbuffer a few kilobytes at a time: evbuffer_add costs about as much for
 * one byte as for a kilobyte, and a list of obligations has thousands of
 * tokens.  Nothing reaches out until jbuf_flush().
 */
struct jbuf {
	struct evbuffer	*out;
	size_t		 len;
	char		 buf[JBUF_SIZE];
};

void	jbuf_init(struct jbuf *, struct evbuffer *out);
/* Append what is buffered to the evbuffer. */
void	jbuf_flush(struct jbuf *);
void	jbuf_add(struct jbuf *, const void *, size_t);
/* A string literal, its length known at compile time. */
#define JBUF_LIT(j, s)	jbuf_add((j), (s), sizeof(s) - 1)
/* As json_str, json_time; an integer in decimal. */
void	jbuf_str(struct jbuf *, const char *s);
void	jbuf_int(struct jbuf *, long long);
void	jbuf_time(struct jbuf *, long long t, int utcoff);

/* A JSON string literal for s (NULL gives null); control characters, quotes
 * and invalid UTF-8 are escaped or replaced, never passed through. */
void	json_str(struct evbuffer *, const char *s);
/* "key": before a value, with a comma unless first. */
void	json_key(struct evbuffer *, const char *key, int first);
/* An RFC 3339 time with the offset given, or null for RECORD_NOTIME. */
void	json_time(struct evbuffer *, long long t, int utcoff);

#endif
