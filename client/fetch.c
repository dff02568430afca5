/* fetch.c - one blocking HTTP request to the daemon, with libevent's client */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "client.h"
#include "log.h"

#define FETCH_TIMEOUT	60	/* seconds: a busy daemon answers within its busy timeout */

struct fetch_state {
	struct event_base	*base;
	int			 status;	/* 0: no answer */
	struct evbuffer		*out;
	char			 why[128];
};

/* The answer (or NULL on a connection failure). */
static void
fetch_cb(struct evhttp_request *req, void *arg)
{
	struct fetch_state *f = arg;

	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		snprintf(f->why, sizeof f->why, "no answer (connection refused, "
		    "reset or timed out)");
	} else {
		f->status = evhttp_request_get_response_code(req);
		evbuffer_add_buffer(f->out, evhttp_request_get_input_buffer(req));
	}
	event_base_loopexit(f->base, NULL);
}

/* Split the base URL into host, port and path prefix; -1 if not http://. */
int
fetch_url(const char *url, char *host, size_t hlen, int *port, char *prefix,
    size_t plen)
{
	struct evhttp_uri	*u = evhttp_uri_parse(url);
	const char		*h, *s, *p;

	if (u == NULL)
		return -1;
	s = evhttp_uri_get_scheme(u);
	h = evhttp_uri_get_host(u);
	if (s == NULL || strcmp(s, "http") != 0 || h == NULL) {
		evhttp_uri_free(u);
		return -1;
	}
	snprintf(host, hlen, "%s", h);
	*port = evhttp_uri_get_port(u) == -1 ? 80 : evhttp_uri_get_port(u);
	p = evhttp_uri_get_path(u);
	snprintf(prefix, plen, "%s", p ? p : "");
	if (plen > 0 && prefix[0] != '\0' && prefix[strlen(prefix) - 1] == '/')
		prefix[strlen(prefix) - 1] = '\0';
	evhttp_uri_free(u);
	return 0;
}

/* Headers every request carries, the event stream's too. */
void
fetch_headers(struct client *cl, struct evkeyvalq *h, const char *host)
{
	char	*auth;

	evhttp_add_header(h, "Host", host);
	evhttp_add_header(h, "User-Agent", "nadzor");
	if (cl->token != NULL) {
		xasprintf(&auth, "Bearer %s", cl->token);
		evhttp_add_header(h, "Authorization", auth);
		free(auth);
	}
}

/*
 * One HTTP request to the daemon: body may be NULL.  The answer's status
 * goes in *status and its body in out.  0 if an answer came, -1 (and a
 * message on stderr) if the daemon could not be reached.
 */
static int
fetch(struct client *cl, const char *method, const char *path,
    const char *ctype, const void *body, size_t len, int *status,
    struct evbuffer *out)
{
	struct evhttp_connection	*evcon = NULL;
	struct evhttp_request		*req;
	struct evkeyvalq		*h;
	struct fetch_state		 f;
	char				 host[256], prefix[256], *uri = NULL;
	int				 port, rc = -1;

	memset(&f, 0, sizeof f);
	f.out = out;
	if (fetch_url(cl->url, host, sizeof host, &port, prefix, sizeof prefix)) {
		fprintf(stderr, "nadzor: --url %s: expected http://HOST:PORT\n",
		    cl->url);
		return -1;
	}
	if ((f.base = event_base_new()) == NULL ||
	    (evcon = evhttp_connection_base_new(f.base, NULL, host,
	    (unsigned short)port)) == NULL)
		fatalx("cannot set up an HTTP connection");
	evhttp_connection_set_timeout(evcon, FETCH_TIMEOUT);
	req = evhttp_request_new(fetch_cb, &f);
	h = evhttp_request_get_output_headers(req);
	fetch_headers(cl, h, host);
	evhttp_add_header(h, "Connection", "close");
	if (ctype != NULL)
		evhttp_add_header(h, "Content-Type", ctype);
	if (body != NULL)
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	xasprintf(&uri, "%s%s", prefix, path);
	if (evhttp_make_request(evcon, req, strcmp(method, "POST") == 0 ?
	    EVHTTP_REQ_POST : EVHTTP_REQ_GET, uri) == -1)
		snprintf(f.why, sizeof f.why, "cannot send the request");
	else
		event_base_dispatch(f.base);
	if (f.status == 0)
		fprintf(stderr, "nadzor: %s: %s\n", cl->url, f.why[0] ? f.why :
		    "no answer");
	else {
		*status = f.status;
		rc = 0;
	}
	free(uri);
	evhttp_connection_free(evcon);
	event_base_free(f.base);
	return rc;
}

int
fetch_exit_code(int status)
{
	if (status >= 200 && status < 300)
		return EXIT_OK;
	if (status == 401 || status == 403)
		return EXIT_DENIED;
	if (status == 404)
		return EXIT_NOTFOUND;
	if (status == 429 || status >= 500)
		return EXIT_UNAVAIL;
	return EXIT_REFUSED;
}

/* Unescape the simple JSON string the daemon writes in {"error":"..."}.
 * The buffer is per thread: watch's notifier thread (the Acknowledge
 * button) and its loop may both be explaining a refusal. */
const char *
fetch_error_text(struct evbuffer *b)
{
	static _Thread_local char msg[2048];
	const char	*s, *p;
	size_t		 o = 0, len = evbuffer_get_length(b);

	s = (const char *)evbuffer_pullup(b, -1);
	if (s == NULL || len == 0)
		return "(empty answer)";
	p = memmem(s, len, "\"error\":\"", 9);
	if (p == NULL) {
		snprintf(msg, sizeof msg, "%.*s", (int)(len > 500 ? 500 : len), s);
		return msg;
	}
	for (p += 9; p < s + len && *p != '"' && o + 1 < sizeof msg; p++) {
		if (*p == '\\' && p + 1 < s + len) {
			p++;
			if (*p == 'u') {	/* control characters: show as '?' */
				msg[o++] = '?';
				if (p + 4 >= s + len)
					break;
				p += 4;
				continue;
			}
		}
		msg[o++] = *p;
	}
	msg[o] = '\0';
	return msg;
}

/* "nadzor: WHAT: why" on stderr, in one write: the notifier's thread may
 * be writing there too. */
static void
fetch_say(const char *what, int status, int flags, struct evbuffer *out)
{
	char	 refused[32] = "";

	if (flags & FETCH_STATUS)
		snprintf(refused, sizeof refused, "refused (%d): ", status);
	fprintf(stderr, "nadzor: %s%s%s%s\n", what ? what : "", what ? ": " : "",
	    refused, fetch_error_text(out));
}

/* One request that must succeed, a refusal said in the caller's words. */
int
fetch_ok(struct client *cl, const char *method, const char *path,
    const struct fetch_body *body, struct evbuffer *out, int flags,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*what = NULL;
	int	 status, rc;

	if (fetch(cl, method, path, body ? body->ctype : NULL,
	    body ? body->p : NULL, body ? body->len : 0, &status, out) == -1)
		return EXIT_UNAVAIL;
	rc = fetch_exit_code(status);
	if (rc == EXIT_OK || (rc == EXIT_NOTFOUND && (flags & FETCH_OWN_404)))
		return rc;
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&what, fmt, ap) == -1)
			fatal("vasprintf");
		va_end(ap);
	}
	fetch_say(what, status, flags, out);
	free(what);
	return rc;
}

/* GET a JSON answer. */
int
fetch_json(struct client *cl, const char *path, json_t **j)
{
	struct evbuffer	*out = evbuffer_new();
	int		 rc;

	*j = NULL;
	if ((rc = fetch_ok(cl, "GET", path, NULL, out, 0, NULL)) == EXIT_OK &&
	    (*j = json_answer(out)) == NULL)
		rc = EXIT_UNAVAIL;
	evbuffer_free(out);
	return rc;
}
