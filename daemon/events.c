/* events.c - GET /api/v1/events: alerts streamed to the users they are for */
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "alert.h"
#include "events.h"
#include "http.h"
#include "law.h"
#include "log.h"
#include "nadzord.h"
#include "store.h"
#include "user.h"

/*
 * One open stream per watcher.  Alerts are sent only after they are
 * committed, each with its id, so a client that reconnects with
 * Last-Event-ID gets exactly what it missed (alerts are never deleted).
 * A client that stops reading is dropped once events_max_queue bytes wait
 * for it, rather than letting it hold the daemon's memory; it too can
 * resume from its last id.  (events_max_queue, 1 MiB by default.)
 */
struct stream {
	LIST_ENTRY(stream)		 entry;
	struct nadzord			*ctx;
	struct evhttp_request		*req;
	struct evhttp_connection	*evcon;
	char				 login[USER_LOGINMAX + 1];
};

LIST_HEAD(streams, stream);

#define PENDING_DAYS	30	/* how far back a new watcher looks */
#define PENDING_MAX	"100"	/* alerts at most, the newest */

struct events {
	struct streams	 streams;
	struct event	*keepalive;
};

/* Bytes queued for the client and not yet written. */
static size_t
stream_backlog(struct stream *s)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(s->evcon);

	return evbuffer_get_length(bufferevent_get_output(bev));
}

/* Drop a stream whose client does not read: shut the socket so libevent
 * tears the connection down; the close callback forgets it. */
static void
stream_drop(struct stream *s)
{
	evutil_socket_t fd;

	log_warnx("events: %s reads too slowly, dropping the stream", s->login);
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(s->evcon));
	if (fd != -1)
		shutdown(fd, SHUT_RDWR);
}

/* Send bytes on a stream, unless its client has fallen too far behind. */
static void
stream_send(struct stream *s, struct evbuffer *b)
{
	if (stream_backlog(s) > s->ctx->conf.events_max_queue) {
		stream_drop(s);
		return;
	}
	evhttp_send_reply_chunk(s->req, b);
}

/* The connection closed: forget the stream.  If the client went away,
 * libevent has detached our unfinished reply from the connection and left
 * the request to us; if the server is being freed, the request is still
 * attached and libevent frees it. */
static void
stream_closed(struct evhttp_connection *evcon, void *arg)
{
	struct stream *s = arg;

	(void)evcon;
	if (evhttp_request_get_connection(s->req) == NULL)
		evhttp_request_free(s->req);
	LIST_REMOVE(s, entry);
	free(s);
}

/* One "id: ... data: ..." event per row of an alert query. */
static int
stream_rows(struct stream *s, sqlite3_stmt *st, struct law *law)
{
	struct evbuffer	*b = evbuffer_new();
	int		 n = 0;

	while (sqlite3_step(st) == SQLITE_ROW) {
		evbuffer_add_printf(b, "id: %lld\nevent: alert\ndata: ",
		    sqlite3_column_int64(st, 0));
		api_alert_json(b, st, law);
		evbuffer_add(b, "\n\n", 2);
		n++;
	}
	sqlite3_reset(st);
	if (n > 0)
		stream_send(s, b);
	evbuffer_free(b);
	return n;
}

/* Alerts for the stream's user with an id above last (a resume), the
 * oldest 1000 of them: a client further behind reads the rest from
 * GET /api/v1/alerts. */
static void
stream_replay(struct nadzord *ctx, struct stream *s, long long last)
{
	struct law	*law = law_acquire(ctx->laws);
	sqlite3_stmt	*st;

	st = store_stmt(ctx->reader, "SELECT " ALERT_COLUMNS ALERT_FROM
	    " WHERE a.recipient = ? AND a.id > ? ORDER BY a.id LIMIT 1000");
	store_bind_text(st, 1, s->login);
	sqlite3_bind_int64(st, 2, last);
	stream_rows(s, st, law);
	law_release(ctx->laws, law);
}

/* A new watcher's first look (?pending=1): the caller's alerts of the
 * last PENDING_DAYS that nobody acknowledged and whose duty is still open
 * or overdue, the newest PENDING_MAX of them, sent oldest first.  An
 * officer who starts the desktop in the morning sees the night's breaches
 * still waiting for him; done duties and acknowledged alerts stay quiet.
 * It reads the last days' alerts by alert_at: left to itself SQLite
 * starts from every open duty in the country.  (An index by recipient
 * would cost each stored alert more than this read once per watcher:
 * 9% of the writer's instructions per record, measured with callgrind.) */
static void
stream_pending(struct nadzord *ctx, struct stream *s)
{
	struct law	*law = law_acquire(ctx->laws);
	sqlite3_stmt	*st;

	st = store_stmt(ctx->reader, "SELECT * FROM (SELECT " ALERT_COLUMNS
	    " FROM alert a INDEXED BY alert_at JOIN obligation o ON"
	    " o.id = a.obligation LEFT JOIN record r ON r.id = o.record"
	    " WHERE a.recipient = ? AND a.acked IS NULL AND"
	    " a.at >= ? AND o.state IN ('open', 'overdue')"
	    " ORDER BY a.id DESC LIMIT " PENDING_MAX ") ORDER BY 1");
	store_bind_text(st, 1, s->login);
	sqlite3_bind_int64(st, 2, (now_s() - PENDING_DAYS * 86400LL) * 1000);
	stream_rows(s, st, law);
	law_release(ctx->laws, law);
}

/* A new watcher's place: an event of only the highest alert id, so that
 * after a drop it resumes from here, not from the start (nothing raised
 * meanwhile lost) nor from a pending alert's old id (everything since
 * replayed, acknowledged or not).  The id says how many alerts there are
 * in all; ids of one's own alerts say as much already. */
static void
stream_mark(struct nadzord *ctx, struct stream *s)
{
	struct evbuffer	*b;
	sqlite3_stmt	*st;

	st = store_stmt(ctx->reader, "SELECT max(id) FROM alert");
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		b = evbuffer_new();
		evbuffer_add_printf(b, "id: %lld\n\n",
		    sqlite3_column_int64(st, 0));
		stream_send(s, b);
		evbuffer_free(b);
	}
	sqlite3_reset(st);
}

/* ?pending=0|1; -1 (and a 400 sent) if the query is anything else. */
static int
events_params(struct evhttp_request *req, int *pending)
{
	static const char *const keys[] = { "pending", NULL };
	struct evkeyvalq	 q;
	const char		*v;
	int			 rc = 0;

	if (http_params(req, keys, &q) == -1)
		return -1;
	if ((v = evhttp_find_header(&q, "pending")) != NULL) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			http_error(req, 400, "pending: 0 or 1");
			rc = -1;
		} else
			*pending = v[0] == '1';
	}
	evhttp_clear_headers(&q);
	return rc;
}

void
api_events(struct nadzord *ctx, struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct timeval		 wtv = { 60, 0 };
	struct stream		*s;
	struct user		 u;
	const char		*last;
	int			 pending = 0;

	if (http_auth(ctx, req, &u) == -1 || events_params(req, &pending) == -1)
		return;
	s = xcalloc(1, sizeof *s);
	s->ctx = ctx;
	s->req = req;
	s->evcon = evhttp_request_get_connection(req);
	snprintf(s->login, sizeof s->login, "%s", u.login);
	evhttp_add_header(h, "Content-Type", "text/event-stream; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(req, 200, "OK");
	/* A watcher sends nothing after its request: no read timeout.  One
	 * that stops reading is cut off by the write timeout. */
	bufferevent_set_timeouts(evhttp_connection_get_bufferevent(s->evcon),
	    NULL, &wtv);
	evhttp_connection_set_closecb(s->evcon, stream_closed, s);
	LIST_INSERT_HEAD(&ctx->events->streams, s, entry);
	last = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Last-Event-ID");
	if (last != NULL && last[0] != '\0' && strlen(last) <= 18 &&
	    last[strspn(last, "0123456789")] == '\0')
		stream_replay(ctx, s, strtoll(last, NULL, 10));
	else {
		if (pending)
			stream_pending(ctx, s);
		stream_mark(ctx, s);
	}
}

void
events_announce(struct nadzord *ctx, const struct alertvec *av)
{
	struct stream	*s, *next;
	struct law	*law;
	sqlite3_stmt	*st;
	size_t		 i;

	/* No streams once stopping: watchers resume from the next nadzord. */
	if (ctx->events == NULL || LIST_EMPTY(&ctx->events->streams) ||
	    av->n == 0)
		return;
	law = law_acquire(ctx->laws);
	st = store_stmt(ctx->reader, "SELECT " ALERT_COLUMNS ALERT_FROM
	    " WHERE a.id = ?");
	for (i = 0; i < av->n; i++) {
		for (s = LIST_FIRST(&ctx->events->streams); s != NULL; s = next) {
			next = LIST_NEXT(s, entry);
			if (strcmp(s->login, av->v[i].recipient) != 0)
				continue;
			sqlite3_bind_int64(st, 1, av->v[i].id);
			stream_rows(s, st, law);
		}
	}
	law_release(ctx->laws, law);
}

/* Every EVENTS_KEEPALIVE seconds a comment, so idle proxies keep the
 * stream open and dead clients are noticed. */
static void
events_keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct nadzord	*ctx = arg;
	struct stream	*s, *next;
	struct evbuffer	*b = evbuffer_new();

	(void)fd;
	(void)what;
	for (s = LIST_FIRST(&ctx->events->streams); s != NULL; s = next) {
		next = LIST_NEXT(s, entry);
		evbuffer_add_printf(b, ": keep-alive\n\n");
		stream_send(s, b);
		evbuffer_drain(b, evbuffer_get_length(b));
	}
	evbuffer_free(b);
}

void
events_start(struct nadzord *ctx)
{
	struct timeval tv = { EVENTS_KEEPALIVE, 0 };

	ctx->events = xcalloc(1, sizeof *ctx->events);
	LIST_INIT(&ctx->events->streams);
	ctx->events->keepalive = event_new(ctx->base, -1, EV_PERSIST,
	    events_keepalive, ctx);
	event_add(ctx->events->keepalive, &tv);
}

void
events_stop(struct nadzord *ctx)
{
	struct stream *s;

	if (ctx->events == NULL)
		return;
	while ((s = LIST_FIRST(&ctx->events->streams)) != NULL) {
		evhttp_connection_set_closecb(s->evcon, NULL, NULL);
		evhttp_send_reply_end(s->req);
		LIST_REMOVE(s, entry);
		free(s);
	}
	event_free(ctx->events->keepalive);
	free(ctx->events);
	ctx->events = NULL;
}
