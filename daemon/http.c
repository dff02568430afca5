/* http.c - the HTTP server: explicit limits, a connection cap, routing */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "http.h"
#include "json.h"
#include "log.h"
#include "nadzord.h"
#include "store.h"
#include "user.h"

/*
 * libevent 2.1.12 has no connection cap, and its timeouts restart on every
 * byte read, so a client trickling a byte a second holds a connection
 * forever.  We create each connection's bufferevent ourselves (bevcb) and
 * keep a reference to it: evbuffer callbacks see bytes arrive and answers
 * leave, and a periodic sweep notices when evhttp has let go of it (it
 * clears the callbacks on free), which is when the connection is closed.
 * (A pass-through filter layer looks simpler but loses the last reply on
 * "Connection: close": its write callback fires before the socket has the
 * bytes, and evhttp then shuts the socket.)
 */
#define HTTP_SWEEP_MS	200
/* Bytes one write may take from an answer: libevent's default, 16 KiB,
 * sends a list of 40 KiB in three turns of the loop, each with its own
 * epoll_ctl calls.  The socket's buffer still bounds what one write takes. */
#define HTTP_MAX_WRITE	(1024 * 1024)

struct conn {
	LIST_ENTRY(conn)	 entry;
	struct bufferevent	*bev;
	long long		 started;	/* ms: first byte of a request, or 0 */
	int			 in_body;	/* the request head has arrived */
	int			 closing;	/* refused: shut once answered */
	int			 shut;		/* shutdown(2) is done */
};

/* 0 if the request line at the start of b is whole and does not end in
 * " HTTP/1.1" or " HTTP/1.0" (libevent ends lines at LF, CR optional). */
static int
conn_version(struct evbuffer *b)
{
	struct evbuffer_ptr	 eol, at;
	char			 v[10];
	size_t			 len;

	if ((eol = evbuffer_search(b, "\n", 1, NULL)).pos == -1)
		return 1;	/* not whole yet */
	len = (size_t)eol.pos < sizeof v ? (size_t)eol.pos : sizeof v;
	evbuffer_ptr_set(b, &at, (size_t)eol.pos - len, EVBUFFER_PTR_SET);
	evbuffer_copyout_from(b, &at, v, len);
	if (len > 0 && v[len - 1] == '\r')
		len--;
	return len >= 9 && (memcmp(v + len - 9, " HTTP/1.1", 9) == 0 ||
	    memcmp(v + len - 9, " HTTP/1.0", 9) == 0);
}

/* Shut the connection down (once): libevent then sees EOF and tears it
 * down through its own paths. */
static void
conn_shut(struct conn *c)
{
	evutil_socket_t s;

	if (c->shut || (s = bufferevent_getfd(c->bev)) == -1)
		return;
	shutdown(s, SHUT_RDWR);
	c->shut = 1;
}

/* Stop reading a connection whose input cannot be trusted: what it sent
 * is dropped unparsed (and so is what it sends after), but an answer
 * already being written leaves first (conn_out shuts it then). */
static void
conn_refuse(struct conn *c, struct evbuffer *in)
{
	evbuffer_drain(in, evbuffer_get_length(in));
	c->closing = 1;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_shut(c);
}

/*
 * The head of the request at the start of b: its first byte starts the
 * request's deadline.  A NUL in it ends the connection before libevent
 * parses it: its parser cuts header values at a NUL, so "Bearer
 * TOKEN\0junk" would authenticate.  So does a version other than HTTP/1.0
 * or 1.1: libevent takes any "HTTP/%d.%d" and answers in it ("HTTP/0.9 200
 * OK", "HTTP/-1.1 200 OK": RFC 9112 2.3 forbids sending a version we do
 * not speak).  (Bodies are the record parser's business.)
 */
static void
conn_check(struct conn *c, struct evbuffer *b)
{
	struct evbuffer_ptr	 end, nul;
	const char		*why;

	if (c->started == 0)
		c->started = now_ms();
	end = evbuffer_search(b, "\r\n\r\n", 4, NULL);
	if (end.pos != -1)
		c->in_body = 1;
	nul = evbuffer_search_range(b, "", 1, NULL, end.pos == -1 ? NULL : &end);
	if (nul.pos != -1)
		why = "a NUL byte in a request head";
	else if (!conn_version(b))
		why = "a request line not of HTTP/1.0 or HTTP/1.1";
	else
		return;
	log_warnx("http: %s; closing the connection", why);
	conn_refuse(c, b);
}

/* Bytes in: check the head they belong to, until it is whole; dropped
 * unread once the connection is refused. */
static void
conn_in(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;

	if (info->n_added == 0)
		return;
	if (c->closing)
		evbuffer_drain(b, evbuffer_get_length(b));
	else if (!c->in_body)
		conn_check(c, b);
}

/* 1 if the bytes just added to b are libevent's "HTTP/1.x 100 Continue":
 * the body of the request is still to come. */
static int
conn_interim(struct evbuffer *b, const struct evbuffer_cb_info *info)
{
	struct evbuffer_ptr	 at;
	char			 v[12];

	if (info->n_added < sizeof v ||
	    evbuffer_ptr_set(b, &at, info->orig_size, EVBUFFER_PTR_SET) == -1 ||
	    evbuffer_copyout_from(b, &at, v, sizeof v) != (ev_ssize_t)sizeof v)
		return 0;
	return memcmp(v, "HTTP/1.", 7) == 0 && memcmp(v + 8, " 1", 2) == 0;
}

/*
 * Bytes out.  Written in full on a refused connection: shut it.  An
 * answer being added: the request was whole (not so after an interim
 * answer: its body is yet to come), and libevent has taken all of it
 * from the input, so what is left there is the next request, pipelined:
 * read with this one, it never passed conn_in, which looks at the first
 * head of what arrives.  Check its head before libevent parses it.
 */
static void
conn_out(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(c->bev);

	if (c->closing) {
		if (evbuffer_get_length(b) == 0)
			conn_shut(c);
		return;
	}
	if (info->n_added == 0 || conn_interim(b, info))
		return;
	c->started = 0;
	c->in_body = 0;
	if (evbuffer_get_length(in) > 0)
		conn_check(c, in);
}

/* Let go of a connection evhttp has freed. */
static void
conn_release(struct nadzord *ctx, struct conn *c)
{
	evbuffer_remove_cb(bufferevent_get_input(c->bev), conn_in, c);
	evbuffer_remove_cb(bufferevent_get_output(c->bev), conn_out, c);
	LIST_REMOVE(c, entry);
	bufferevent_decref(c->bev);
	free(c);
	if (ctx->nconns-- == ctx->conf.max_conns && ctx->bound != NULL &&
	    !ctx->stopping)
		evconnlistener_enable(evhttp_bound_socket_get_listener(ctx->bound));
}

/* Every HTTP_SWEEP_MS: release closed connections, and shut those whose
 * request has taken longer than request_timeout (libevent then sees EOF
 * and tears the connection down through its own paths). */
static void
conn_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct nadzord		*ctx = arg;
	struct conn		*c, *next;
	bufferevent_event_cb	 ecb;
	long long		 now = now_ms();

	(void)fd;
	(void)what;
	for (c = LIST_FIRST(&ctx->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		bufferevent_getcb(c->bev, NULL, NULL, &ecb, NULL);
		if (ecb == NULL)
			conn_release(ctx, c);
		else if (c->started != 0 &&
		    now - c->started > ctx->conf.request_timeout * 1000LL) {
			log_debug("http: request took over %ds, closing",
			    ctx->conf.request_timeout);
			conn_shut(c);
			c->started = 0;
		}
	}
}

/* A connection was accepted: track it, stop accepting at the cap (the
 * kernel's backlog holds the rest until one closes). */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct nadzord	*ctx = arg;
	struct conn	*c = xcalloc(1, sizeof *c);

	if ((c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL)
		fatalx("http: cannot allocate a connection");
	bufferevent_set_max_single_write(c->bev, HTTP_MAX_WRITE);
	bufferevent_incref(c->bev);
	evbuffer_add_cb(bufferevent_get_input(c->bev), conn_in, c);
	evbuffer_add_cb(bufferevent_get_output(c->bev), conn_out, c);
	LIST_INSERT_HEAD(&ctx->conns, c, entry);
	if (++ctx->nconns == ctx->conf.max_conns && ctx->bound != NULL) {
		log_warnx("http: %d connections open, not accepting more",
		    ctx->nconns);
		evconnlistener_disable(evhttp_bound_socket_get_listener(ctx->bound));
	}
	return c->bev;
}

void
http_reply(struct evhttp_request *req, int status, const char *ctype,
    struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_send_reply(req, status, NULL, body);
	if (body != NULL)
		evbuffer_free(body);
}

void
http_error(struct evhttp_request *req, int status, const char *fmt, ...)
{
	struct evbuffer	*b = evbuffer_new();
	char		*msg;
	va_list		 ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	evbuffer_add_printf(b, "{\"error\":");
	json_str(b, msg);
	evbuffer_add_printf(b, "}\n");
	free(msg);
	http_reply(req, status, "application/json", b);
}

const char *
http_path(struct evhttp_request *req)
{
	const char *p = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	return p ? p : "/";
}

long long
http_path_id(const char *rest, const char **after)
{
	size_t n = strspn(rest, "0123456789");

	*after = rest + n;
	if (n == 0 || n > 18)
		return -1;
	return strtoll(rest, NULL, 10);
}

/* What is wrong with the escapes of a raw query string, or NULL: libevent
 * copies a '%' without two hex digits as it is, and cuts a value at %00. */
static const char *
http_escapes(const char *query)
{
	const char *p;

	for (p = strchr(query, '%'); p != NULL; p = strchr(p + 1, '%')) {
		if (!isxdigit((unsigned char)p[1]) ||
		    !isxdigit((unsigned char)p[2]))
			return "a '%' not followed by two hex digits";
		if (p[1] == '0' && p[2] == '0')
			return "%00 (a NUL byte)";
	}
	return NULL;
}

/* 1 if key is one of the NULL-terminated list. */
static int
http_key_allowed(const char *const *allowed, const char *key)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(*allowed, key) == 0)
			return 1;
	return 0;
}

/* The keys of a list, for a message: "a, b, c". */
static void
http_key_list(const char *const *allowed, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; *allowed != NULL && n < len; allowed++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
		    *allowed);
}

/* What is wrong with the parameters of a parsed query, or NULL (then why
 * is untouched): a key not allowed, or one given twice. */
static const char *
http_keys_bad(struct evkeyvalq *q, const char *const *allowed, char *why,
    size_t len)
{
	struct evkeyval	*kv, *prev;
	char		 keys[256];

	TAILQ_FOREACH(kv, q, next) {
		if (!http_key_allowed(allowed, kv->key)) {
			http_key_list(allowed, keys, sizeof keys);
			snprintf(why, len, "unknown parameter '%.40s' (%s%s)",
			    kv->key, keys[0] ? "this path takes " : "this path "
			    "takes none", keys);
			return why;
		}
		for (prev = TAILQ_FIRST(q); prev != kv;
		    prev = TAILQ_NEXT(prev, next))
			if (strcmp(prev->key, kv->key) == 0) {
				snprintf(why, len, "%s: given more than once",
				    kv->key);
				return why;
			}
	}
	return NULL;
}

int
http_params(struct evhttp_request *req, const char *const *allowed,
    struct evkeyvalq *q)
{
	const char	*query, *bad;
	char		 why[512];

	TAILQ_INIT(q);
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query == NULL)
		return 0;
	if ((bad = http_escapes(query)) != NULL) {
		http_error(req, 400, "the query string has %s", bad);
		return -1;
	}
	if (evhttp_parse_query_str(query, q) == -1) {
		http_error(req, 400, "the query string is malformed: give "
		    "key=value pairs joined by '&'");
		evhttp_clear_headers(q);
		return -1;
	}
	if ((bad = http_keys_bad(q, allowed, why, sizeof why)) != NULL) {
		http_error(req, 400, "%s", bad);
		evhttp_clear_headers(q);
		return -1;
	}
	return 0;
}

void
http_scope_sql(struct evbuffer *sql, const struct user *u, const char *col)
{
	size_t i;

	if (u->nregions == 0 && !role_needs_region(u->role))
		return;
	/* '' keeps the list valid for a regional user without regions. */
	evbuffer_add_printf(sql, " AND %s IN (''", col);
	for (i = 0; i < u->nregions; i++)
		evbuffer_add_printf(sql, ", ?");
	evbuffer_add_printf(sql, ")");
}

void
http_scope_bind(sqlite3_stmt *s, int first, const struct user *u)
{
	size_t i;

	for (i = 0; i < u->nregions; i++)
		sqlite3_bind_text(s, first + (int)i, u->regions[i], -1,
		    SQLITE_TRANSIENT);
}

/* Count a failed login; 1 if this second's budget is spent. */
static int
http_authfail(struct nadzord *ctx)
{
	long long now = now_s();

	if (now != ctx->authfail_sec) {
		ctx->authfail_sec = now;
		ctx->authfail_n = 0;
	}
	if (++ctx->authfail_n == ctx->conf.auth_failures)
		log_warnx("http: %d failed logins this second, throttling",
		    ctx->authfail_n);
	return ctx->authfail_n > ctx->conf.auth_failures;
}

/* The user of a token from one read transaction: one WAL read lock (two
 * fcntl calls) for the user and their regions rather than one each; 0,
 * 1 if unknown, -1 after answering 503. */
static int
http_user(struct nadzord *ctx, struct evhttp_request *req, const char *token,
    size_t len, struct user *u)
{
	sqlite3	*db = store_db(ctx->reader);
	int	 own = sqlite3_get_autocommit(db), rc;

	if (own)
		store_run(ctx->reader, "BEGIN");
	if ((rc = user_by_token(ctx->reader, token, len, u)) == -1)
		http_error(req, 503, "cannot read users: %s",
		    store_errmsg(ctx->reader));
	if (own && !sqlite3_get_autocommit(db))
		store_run(ctx->reader, "COMMIT");
	return rc;
}

int
http_auth(struct nadzord *ctx, struct evhttp_request *req, struct user *u)
{
	const char	*h;
	size_t		 len;
	int		 rc = 1;

	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		http_error(req, 401, "no bearer token: send 'Authorization: "
		    "Bearer TOKEN' (nadzor --token, or NADZOR_TOKEN)");
		return -1;
	}
	h += 7;
	len = strlen(h);
	if (len > 0 && len < 256 && (rc = http_user(ctx, req, h, len, u)) != 1)
		return rc;
	if (http_authfail(ctx))
		http_error(req, 429, "too many failed logins; try again later");
	else
		http_error(req, 401, "the token is not valid (unknown, "
		    "rotated or disabled)");
	return -1;
}

/* The routes: exact paths, or a prefix whose rest is the handler's id.
 * A route with query reads its own parameters (http_params, naming its
 * keys); any other is refused a query string here, so that no path
 * silently ignores what it was asked. */
struct route {
	int		 methods;
	const char	*path;
	int		 prefix;
	int		 query;
	void		(*fn)(struct nadzord *, struct evhttp_request *, const char *);
};

static void route_records_post(struct nadzord *c, struct evhttp_request *r,
    const char *rest) { (void)rest; api_records_post(c, r); }
static void route_records_find(struct nadzord *c, struct evhttp_request *r,
    const char *rest) { (void)rest; api_records_find(c, r); }
static void route_health(struct nadzord *c, struct evhttp_request *r,
    const char *rest) { (void)rest; api_health(c, r); }
static void route_obligations(struct nadzord *c, struct evhttp_request *r,
    const char *rest) { (void)rest; api_obligations_list(c, r); }
static void route_alerts(struct nadzord *c, struct evhttp_request *r,
    const char *rest) { (void)rest; api_alerts_list(c, r); }
static void route_events(struct nadzord *c, struct evhttp_request *r,
    const char *rest) { (void)rest; api_events(c, r); }
static void route_submitted(struct nadzord *c, struct evhttp_request *r,
    const char *rest) { (void)rest; api_submissions_list(c, r); }

static const struct route routes[] = {
	{ EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/healthz", 0, 0, route_health },
	{ EVHTTP_REQ_POST, "/api/v1/records", 0, 0, route_records_post },
	{ EVHTTP_REQ_GET, "/api/v1/records", 0, 1, route_records_find },
	{ EVHTTP_REQ_GET, "/api/v1/records/", 1, 0, api_records_get },
	{ EVHTTP_REQ_GET, "/api/v1/obligations", 0, 1, route_obligations },
	{ EVHTTP_REQ_GET, "/api/v1/obligations/", 1, 0, api_obligations_get },
	{ EVHTTP_REQ_POST, "/api/v1/obligations/", 1, 0, api_obligations_post },
	{ EVHTTP_REQ_GET, "/api/v1/alerts", 0, 1, route_alerts },
	{ EVHTTP_REQ_POST, "/api/v1/alerts/", 1, 0, api_alerts_post },
	{ EVHTTP_REQ_GET, "/api/v1/events", 0, 1, route_events },
	/* Before the reports: "submitted" is no kind of report. */
	{ EVHTTP_REQ_GET, "/api/v1/reports/submitted", 0, 0, route_submitted },
	{ EVHTTP_REQ_GET, "/api/v1/reports/submitted/", 1, 0,
	    api_submissions_get },
	{ EVHTTP_REQ_GET, "/api/v1/reports/", 1, 1, api_reports_get },
	{ EVHTTP_REQ_POST, "/api/v1/reports/", 1, 1, api_submissions_post },
};

/* 1 if s is an HTTP token (RFC 9110 tchar), as header names must be. */
static int
http_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s) ==
		    NULL)
			return 0;
	return 1;
}

/*
 * Framing libevent 2.1.12 lets through and a proxy in front might read
 * differently (request smuggling): any Transfer-Encoding (its chunk sizes
 * accept "0x" and "+", and it ignores codings such as gzip), a repeated or
 * non-numeric Content-Length, an empty or malformed header name.  Bodies
 * must come with one plain Content-Length.  A sentence if refused.
 */
static const char *
http_framing(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	int			 ncl = 0;

	TAILQ_FOREACH(kv, h, next) {
		if (!http_token(kv->key))
			return "a header name is empty or not a token";
		if (strcasecmp(kv->key, "Transfer-Encoding") == 0)
			return "Transfer-Encoding is not accepted: send the body "
			    "with Content-Length";
		if (strcasecmp(kv->key, "Content-Length") == 0 &&
		    (ncl++ > 0 || kv->value[0] == '\0' ||
		    kv->value[strspn(kv->value, "0123456789")] != '\0'))
			return "Content-Length must be given once, as digits";
	}
	return NULL;
}

/* Answer and close the connection after: used when the stream can no
 * longer be trusted, or when stopping. */
static void
http_refuse(struct evhttp_request *req, int status, const char *why)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
	    "close");
	http_error(req, status, "%s", why);
}

/* A path that takes no parameters: 0, or -1 and a 400 naming the key. */
static int
http_noparams(struct evhttp_request *req)
{
	static const char *const none[] = { NULL };
	struct evkeyvalq	 q;

	if (http_params(req, none, &q) == -1)
		return -1;
	evhttp_clear_headers(&q);
	return 0;
}

/* Find the route for a request; 405 when the path exists but not the method. */
static void
http_route(struct evhttp_request *req, void *arg)
{
	struct nadzord	*ctx = arg;
	const char	*path = http_path(req), *why;
	int		 method = evhttp_request_get_command(req), known = 0;
	size_t		 i, n;

	if ((why = http_framing(req)) != NULL) {
		http_refuse(req, strstr(why, "Transfer") ? 411 : 400, why);
		return;
	}
	if (ctx->stopping) {
		http_refuse(req, 503, "nadzord is stopping; try again shortly");
		return;
	}
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		n = strlen(routes[i].path);
		if (routes[i].prefix ? strncmp(path, routes[i].path, n) != 0 :
		    strcmp(path, routes[i].path) != 0)
			continue;
		known = 1;
		if (routes[i].methods & method) {
			if (!routes[i].query && http_noparams(req) == -1)
				return;
			routes[i].fn(ctx, req, path + n);
			return;
		}
	}
	if (known)
		http_error(req, 405, "method not allowed on %s", path);
	else
		http_error(req, 404, "no such path");
}

/* Split HOST:PORT (or [V6]:PORT); -1 if malformed. */
static int
http_hostport(const char *hp, char *host, size_t len, unsigned short *port)
{
	const char	*colon = strrchr(hp, ':');
	char		*end;
	long		 p;
	size_t		 n;

	if (colon == NULL || colon == hp)
		return -1;
	n = (size_t)(colon - hp);
	if (hp[0] == '[' && colon[-1] == ']') {
		hp++;
		n -= 2;
	}
	if (n >= len)
		return -1;
	memcpy(host, hp, n);
	host[n] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p < 0 || p > 65535)
		return -1;
	*port = (unsigned short)p;
	return 0;
}

/* A socket of our own: never 0, 1 or 2, where a stray write to stdio
 * would land on the network. */
static int
http_socket(int family)
{
	int fd, hi;

	if ((fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 || fd > 2)
		return fd;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return hi;
}

/* TCP_NODELAY is set here because accepted sockets inherit it (Linux):
 * with Nagle on, an answer of several segments waits for the client's
 * delayed ACK (40 ms) before its last segment leaves. */
int
http_listen(const char *hostport, char **err)
{
	struct evutil_addrinfo	 hints, *ai = NULL;
	char			 host[256], port_s[8];
	unsigned short		 port;
	int			 fd = -1, on = 1, rc;

	if (http_hostport(hostport, host, sizeof host, &port) == -1) {
		xasprintf(err, "--listen %s: expected HOST:PORT", hostport);
		return -1;
	}
	snprintf(port_s, sizeof port_s, "%u", port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
	if ((rc = evutil_getaddrinfo(host, port_s, &hints, &ai)) != 0) {
		xasprintf(err, "cannot listen on %s: %s", hostport,
		    evutil_gai_strerror(rc));
		return -1;
	}
	if ((fd = http_socket(ai->ai_family)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 128) == -1)
		goto fail;
	evutil_freeaddrinfo(ai);
	return fd;
fail:
	rc = errno;	/* before close() and malloc() may change it */
	if (fd != -1)
		close(fd);
	evutil_freeaddrinfo(ai);
	xasprintf(err, "cannot listen on %s: %s", hostport, strerror(rc));
	return -1;
}

int
http_start(struct nadzord *ctx, const char *hostport, char **err)
{
	struct timeval	 tv = { ctx->conf.idle_timeout, 0 };
	struct timeval	 sweep = { 0, HTTP_SWEEP_MS * 1000 };

	if (ctx->listen_fd <= 0 &&
	    (ctx->listen_fd = http_listen(hostport, err)) == -1)
		return -1;
	if ((ctx->http = evhttp_new(ctx->base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_headers_size(ctx->http, ctx->conf.max_headers);
	evhttp_set_max_body_size(ctx->http, ctx->conf.max_batch);
	evhttp_set_timeout_tv(ctx->http, &tv);
	evhttp_set_allowed_methods(ctx->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST);
	evhttp_set_default_content_type(ctx->http, "application/json");
	evhttp_set_bevcb(ctx->http, conn_new, ctx);
	LIST_INIT(&ctx->conns);
	ctx->ev_sweep = event_new(ctx->base, -1, EV_PERSIST, conn_sweep, ctx);
	event_add(ctx->ev_sweep, &sweep);
	evhttp_set_gencb(ctx->http, http_route, ctx);
	/* The server owns the socket from here: closed when it stops accepting. */
	if ((ctx->bound = evhttp_accept_socket_with_handle(ctx->http,
	    ctx->listen_fd)) == NULL)
		fatalx("cannot accept on the socket of %s", hostport);
	return 0;
}

/* 1 when every answer written has left for the network. */
int
http_drained(struct nadzord *ctx)
{
	struct conn		*c;
	bufferevent_event_cb	 ecb;

	LIST_FOREACH(c, &ctx->conns, entry) {
		bufferevent_getcb(c->bev, NULL, NULL, &ecb, NULL);
		if (ecb != NULL &&
		    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			return 0;
	}
	return 1;
}

void
http_stop_accepting(struct nadzord *ctx)
{
	if (ctx->bound != NULL) {
		evhttp_del_accept_socket(ctx->http, ctx->bound);
		ctx->bound = NULL;
	}
}

/* Free the server, then the references we held on its connections. */
void
http_free(struct nadzord *ctx)
{
	struct conn *c;

	if (ctx->http != NULL)
		evhttp_free(ctx->http);
	ctx->http = NULL;
	if (ctx->ev_sweep != NULL)
		event_free(ctx->ev_sweep);
	ctx->ev_sweep = NULL;
	while ((c = LIST_FIRST(&ctx->conns)) != NULL)
		conn_release(ctx, c);
}
