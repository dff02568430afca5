/* json.h - writing JSON into an evbuffer, escaping what comes from outside */
#ifndef NADZOR_JSON_H
#define NADZOR_JSON_H

struct evbuffer;

/* A JSON string literal for s (NULL gives null); control characters, quotes
 * and invalid UTF-8 are escaped or replaced, never passed through. */
void	json_str(struct evbuffer *, const char *s);
/* "key": before a value, with a comma unless first. */
void	json_key(struct evbuffer *, const char *key, int first);
/* An RFC 3339 time with the offset given, or null for RECORD_NOTIME. */
void	json_time(struct evbuffer *, long long t, int utcoff);

#endif
