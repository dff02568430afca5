/* cmd-watch.c - nadzor watch: the caller's alerts as they happen, on the desktop */
#include <sys/queue.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "client.h"
#include "i18n.h"
#include "log.h"
#include "notify.h"

#define IDLE_TIMEOUT	45		/* s of silence: the daemon sends a
					 * comment every 15 */
#define BACKOFF_MAX	30		/* s between attempts, at most */
#define EVENT_MAX	(1024 * 1024)	/* bytes of one event's data */
#define ERRBODY_MAX	4096		/* bytes of a refusal kept to show */
#define DRAIN_MS	3000		/* at exit, for the queue to be shown */

/* A growing byte string. */
struct buf {
	char	*p;
	size_t	 len, cap;
};

/* A text/event-stream parser, as the HTML standard's EventSource reads
 * one: lines end at CR, LF or CRLF; a blank line ends an event. */
struct sse {
	struct buf	 line;
	struct buf	 data;
	char		 event[32];
	char		 id[32];	/* the last event id buffer */
	int		 cr;		/* the last byte was a CR: a LF next
					 * ends nothing */
	int		 start;		/* before the first line: a BOM may come */
	int		 toolong;	/* this event went beyond EVENT_MAX */
	int		 newid;		/* this event has an id: line */
};

struct watch {
	struct client			*cl;
	struct notifier			*notifier;
	struct event_base		*base;
	struct evhttp_connection	*evcon;
	struct event			*timer;		/* the next attempt */
	struct event			*sigint, *sigterm;
	struct sse			 sse;
	struct evbuffer			*errbody;	/* a refusal's words */
	struct evkeyvalq		 headers;	/* every attempt's */
	char				 host[256], prefix[256];
	int				 port;
	char				 last_id[32];	/* sent as Last-Event-ID */
	int				 backoff;	/* s before the next attempt */
	int				 status;	/* this attempt's answer */
	int				 streaming;	/* 200 and an event stream */
	const char			*why;		/* why the attempt ended */
	long				 once, seen;	/* --once N; alerts so far */
	long long			 shown_max;	/* the highest alert id
							 * shown */
	int				 new_only;	/* --new-only: no pending
							 * alerts first */
	int				 rc;		/* exit code, -1 meanwhile */
};

/* Append n bytes, keeping at most max; -1 (and nothing added) beyond. */
static int
buf_add(struct buf *b, const char *s, size_t n, size_t max)
{
	if (b->len + n > max)
		return -1;
	if (b->len + n > b->cap) {
		b->cap = b->len + n < 256 ? 256 : (b->len + n) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* A new stream: nothing of the last one's partial event survives, only
 * the last committed id. */
static void
sse_reset(struct watch *w)
{
	struct sse *s = &w->sse;

	s->line.len = s->data.len = 0;
	s->event[0] = '\0';
	memcpy(s->id, w->last_id, sizeof s->id);
	s->cr = s->toolong = s->newid = 0;
	s->start = 1;
}

/* One alert's JSON: hand it to the notifier; count it for --once. */
static void
watch_alert(struct watch *w, const char *data, size_t len)
{
	json_error_t	 e;
	json_t		*a;

	if ((a = json_loadb(data, len, 0, &e)) == NULL || !json_is_object(a)) {
		fprintf(stderr, "nadzor: event %s: not a JSON object (%s); "
		    "skipped\n", w->sse.id, a == NULL ? e.text : "another type");
		json_decref(a);
		return;
	}
	notifier_post(w->notifier, a);
	if (w->once > 0 && ++w->seen >= w->once) {
		w->rc = EXIT_OK;
		event_base_loopbreak(w->base);
	}
}

/* 1 if this alert's id is a number not above the highest one shown: an
 * alert seen already (one committed while the pending ones were read is
 * announced once more just after).  Ids of other events do not count. */
static int
sse_seen(struct watch *w, const char *id)
{
	char		*end;
	long long	 n;

	if (id[0] == '\0')
		return 0;
	n = strtoll(id, &end, 10);
	if (*end != '\0')
		return 0;
	if (n <= w->shown_max)
		return 1;
	w->shown_max = n;
	return 0;
}

/* A blank line: the event is complete.  Its id is committed even when
 * there is no data, as EventSource does; a reconnect resumes after it. */
static void
sse_dispatch(struct watch *w)
{
	struct sse *s = &w->sse;

	memcpy(w->last_id, s->id, sizeof w->last_id);
	if (s->toolong)
		fprintf(stderr, "nadzor: event %s: more than %d bytes; skipped\n",
		    s->id, EVENT_MAX);
	else if (s->data.len > 0 && strcmp(s->event, "alert") == 0 &&
	    !(s->newid && sse_seen(w, s->id)))
		watch_alert(w, s->data.p, s->data.len - 1);	/* the last LF */
	s->data.len = 0;
	s->event[0] = '\0';
	s->toolong = s->newid = 0;
}

/* One field of the event being read. */
static void
sse_field(struct watch *w, const char *name, size_t nlen, const char *v,
    size_t vlen)
{
	struct sse *s = &w->sse;

	if (nlen == 4 && memcmp(name, "data", 4) == 0) {
		if (s->toolong || buf_add(&s->data, v, vlen, EVENT_MAX) == -1 ||
		    buf_add(&s->data, "\n", 1, EVENT_MAX) == -1)
			s->toolong = 1;
	} else if (nlen == 5 && memcmp(name, "event", 5) == 0)
		snprintf(s->event, sizeof s->event, "%.*s", (int)vlen, v);
	else if (nlen == 2 && memcmp(name, "id", 2) == 0 &&
	    vlen < sizeof s->id && memchr(v, '\0', vlen) == NULL) {
		snprintf(s->id, sizeof s->id, "%.*s", (int)vlen, v);
		s->newid = 1;
	}
	/* "retry" is ignored: the backoff is ours; other names, as the
	 * standard says. */
}

/* One complete line. */
static void
sse_line(struct watch *w)
{
	struct sse	*s = &w->sse;
	const char	*l = s->line.p, *colon, *v;
	size_t		 n = s->line.len, vlen;

	if (s->start && n >= 3 && memcmp(l, "\xef\xbb\xbf", 3) == 0) {
		l += 3;
		n -= 3;
	}
	s->start = 0;
	if (n == 0) {
		sse_dispatch(w);
		return;
	}
	if (l[0] == ':')		/* a comment: the keep-alive */
		return;
	if ((colon = memchr(l, ':', n)) == NULL) {
		sse_field(w, l, n, "", 0);
		return;
	}
	v = colon + 1;
	vlen = n - (size_t)(v - l);
	if (vlen > 0 && *v == ' ') {
		v++;
		vlen--;
	}
	sse_field(w, l, (size_t)(colon - l), v, vlen);
}

/* Bytes as they arrive, split into lines wherever the chunks fall, also
 * between a CR and its LF. */
static void
sse_feed(struct watch *w, const char *p, size_t len)
{
	struct sse	*s = &w->sse;
	size_t		 i = 0, run;

	while (i < len && w->rc < 0) {
		if (s->cr && p[i] == '\n') {
			s->cr = 0;
			i++;
			continue;
		}
		s->cr = 0;
		for (run = 0; i + run < len && p[i + run] != '\r' &&
		    p[i + run] != '\n'; run++)
			;
		/* An overlong line is cut; as data it marks the event. */
		if (buf_add(&s->line, p + i, run, EVENT_MAX + 64) == -1)
			s->toolong = 1;
		i += run;
		if (i == len)
			break;
		s->cr = p[i++] == '\r';
		sse_line(w);
		s->line.len = 0;
	}
}

/* The answer's head: an event stream, or a refusal to read and report. */
static int
watch_head_cb(struct evhttp_request *req, void *arg)
{
	struct watch	*w = arg;
	const char	*ct;

	w->status = evhttp_request_get_response_code(req);
	ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	if (w->status != 200)
		return 0;
	if (ct == NULL || strncmp(ct, "text/event-stream", 17) != 0) {
		fprintf(stderr, "nadzor: %s: the answer is not an event stream "
		    "(%s)\n", w->cl->url, ct ? ct : "no Content-Type");
		w->rc = EXIT_UNAVAIL;
		event_base_loopbreak(w->base);
		return -1;
	}
	w->streaming = 1;
	w->backoff = 1;
	sse_reset(w);
	if (w->last_id[0] != '\0')
		fprintf(stderr, "nadzor: watching %s (resuming after event %s)\n",
		    w->cl->url, w->last_id);
	else if (!w->new_only)
		fprintf(stderr, "nadzor: watching %s (your pending alerts "
		    "first, then new ones)\n", w->cl->url);
	else
		fprintf(stderr, "nadzor: watching %s (alerts from now on)\n",
		    w->cl->url);
	return 0;
}

/* Body bytes, as they come: the stream, or the words of a refusal. */
static void
watch_chunk_cb(struct evhttp_request *req, void *arg)
{
	struct watch	*w = arg;
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(in);

	if (!w->streaming) {
		if (evbuffer_get_length(w->errbody) < ERRBODY_MAX)
			evbuffer_add_buffer(w->errbody, in);
		return;
	}
	sse_feed(w, (const char *)evbuffer_pullup(in, -1), len);
}

/* Why libevent gave up on the request, in words. */
static void
watch_error_cb(enum evhttp_request_error e, void *arg)
{
	struct watch *w = arg;

	switch (e) {
	case EVREQ_HTTP_TIMEOUT:
		w->why = "nothing heard for 45 s";
		break;
	case EVREQ_HTTP_EOF:
		w->why = "connection closed";
		break;
	case EVREQ_HTTP_INVALID_HEADER:
		w->why = "an invalid answer";
		break;
	case EVREQ_HTTP_BUFFER_ERROR:
		w->why = "connection refused or reset";
		break;
	case EVREQ_HTTP_DATA_TOO_LONG:
		w->why = "an answer too long";
		break;
	default:
		w->why = "cancelled";
		break;
	}
}

/* Try again after the backoff, which doubles up to BACKOFF_MAX. */
static void
watch_retry(struct watch *w, const char *what)
{
	struct timeval tv = { w->backoff, 0 };

	fprintf(stderr, "nadzor: %s; reconnecting in %d s\n", what, w->backoff);
	evtimer_add(w->timer, &tv);
	w->backoff = w->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : w->backoff * 2;
}

/* The request is over: the stream ended or broke, or it was refused. */
static void
watch_done_cb(struct evhttp_request *req, void *arg)
{
	struct watch	*w = arg;
	char		 what[512];

	(void)req;
	if (w->rc >= 0)
		return;
	/* A refusal (401, 403, 404...) will not change by asking again; a
	 * timeout (408), overload (429) or failure (5xx) may. */
	if (w->status >= 400 && w->status < 500 && w->status != 408 &&
	    w->status != 429) {
		fprintf(stderr, "nadzor: watch: %s\n", fetch_error_text(w->errbody));
		w->rc = fetch_exit_code(w->status);
		event_base_loopbreak(w->base);
		return;
	}
	if (w->streaming)
		snprintf(what, sizeof what, "stream lost (%s)", w->why ? w->why :
		    "the daemon ended it");
	else if (w->status != 0)
		snprintf(what, sizeof what, "%s: the daemon answered %d: %s",
		    w->cl->url, w->status, fetch_error_text(w->errbody));
	else
		snprintf(what, sizeof what, "%s: no answer (%s)", w->cl->url,
		    w->why ? w->why : "connection refused");
	watch_retry(w, what);
}

/* The headers of every attempt, made once: only Last-Event-ID changes. */
static void
watch_headers(struct watch *w)
{
	char	*host;

	TAILQ_INIT(&w->headers);
	xasprintf(&host, "%s:%d", w->host, w->port);
	fetch_headers(w->cl, &w->headers, host);
	free(host);
	evhttp_add_header(&w->headers, "Accept", "text/event-stream");
	evhttp_add_header(&w->headers, "Cache-Control", "no-cache");
}

/* Open the stream, resuming after the last event seen. */
static void
watch_connect(struct watch *w)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	struct evkeyval		*kv;
	char			 uri[512];

	if (w->evcon != NULL)
		evhttp_connection_free(w->evcon);
	if ((w->evcon = evhttp_connection_base_new(w->base, NULL, w->host,
	    (unsigned short)w->port)) == NULL)
		fatalx("cannot set up an HTTP connection");
	evhttp_connection_set_timeout(w->evcon, IDLE_TIMEOUT);
	w->status = w->streaming = 0;
	w->why = NULL;
	evbuffer_drain(w->errbody, evbuffer_get_length(w->errbody));
	req = evhttp_request_new(watch_done_cb, w);
	evhttp_request_set_header_cb(req, watch_head_cb);
	evhttp_request_set_chunked_cb(req, watch_chunk_cb);
	evhttp_request_set_error_cb(req, watch_error_cb);
	h = evhttp_request_get_output_headers(req);
	TAILQ_FOREACH(kv, &w->headers, next)
		evhttp_add_header(h, kv->key, kv->value);
	if (w->last_id[0] != '\0')
		evhttp_add_header(h, "Last-Event-ID", w->last_id);
	/* The first attempt asks for what still waits for the officer; after
	 * any event the id says where to go on from. */
	snprintf(uri, sizeof uri, "%s/api/v1/events%s", w->prefix,
	    w->last_id[0] == '\0' && !w->new_only ? "?pending=1" : "");
	if (evhttp_make_request(w->evcon, req, EVHTTP_REQ_GET, uri) == -1)
		watch_retry(w, "cannot send the request");
}

/* The backoff is over. */
static void
watch_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	watch_connect(arg);
}

/* SIGINT, SIGTERM: stop reading, show what is queued, exit 0. */
static void
watch_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct watch *w = arg;

	(void)sig;
	(void)ev;
	w->rc = EXIT_OK;
	event_base_loopbreak(w->base);
}

/* --lang, --no-notify, --once N, --new-only; -1 on a usage error. */
static int
watch_args(int argc, char **argv, const char **lang, int *desktop,
    struct watch *w)
{
	static const struct option opts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "no-notify", no_argument, NULL, 'n' },
		{ "once", required_argument, NULL, 'o' },
		{ "new-only", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	char	*end;
	int	 ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'l' && !i18n_known(*lang = optarg))
			return -1;
		else if (ch == 'n')
			*desktop = 0;
		else if (ch == 'N')
			w->new_only = 1;
		else if (ch == 'o') {
			w->once = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || w->once <= 0)
				return -1;
		} else if (ch != 'l')
			return -1;
	}
	return optind == argc ? 0 : -1;
}

int
cmd_watch(struct client *cl, int argc, char **argv)
{
	struct watch	 w;
	const char	*lang = "ru";
	int		 desktop = 1;

	memset(&w, 0, sizeof w);
	w.cl = cl;
	w.rc = -1;
	w.backoff = 1;
	if (watch_args(argc, argv, &lang, &desktop, &w) == -1)
		return cmd_usage("watch", 0);
	if (fetch_url(cl->url, w.host, sizeof w.host, &w.port, w.prefix,
	    sizeof w.prefix) == -1) {
		fprintf(stderr, "nadzor: --url %s: expected http://HOST:PORT\n",
		    cl->url);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);	/* a dropped connection is an error, not death */
	if ((w.base = event_base_new()) == NULL ||
	    (w.errbody = evbuffer_new()) == NULL)
		fatalx("cannot set up the event loop");
	w.timer = evtimer_new(w.base, watch_timer_cb, &w);
	w.sigint = evsignal_new(w.base, SIGINT, watch_signal_cb, &w);
	w.sigterm = evsignal_new(w.base, SIGTERM, watch_signal_cb, &w);
	evsignal_add(w.sigint, NULL);
	evsignal_add(w.sigterm, NULL);
	i18n_use(lang);		/* before the thread: it only reads them */
	w.notifier = notifier_start(cl, lang, desktop);
	watch_headers(&w);
	watch_connect(&w);
	event_base_dispatch(w.base);
	if (w.evcon != NULL)
		evhttp_connection_free(w.evcon);
	notifier_stop(w.notifier, DRAIN_MS);
	event_free(w.timer);
	event_free(w.sigint);
	event_free(w.sigterm);
	evbuffer_free(w.errbody);
	evhttp_clear_headers(&w.headers);
	event_base_free(w.base);
	free(w.sse.line.p);
	free(w.sse.data.p);
	return w.rc < 0 ? EXIT_UNAVAIL : w.rc;
}
