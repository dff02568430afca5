/* fuzz-http.c - libFuzzer target: any bytes as one connection to a real nadzord */

#include <sys/socket.h>

#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "log.h"
#include "nadzord.h"
#include "readfile.h"
#include "store.h"
#include "token.h"
#include "user.h"

/*
 * The whole daemon runs in this process as nadzord_setup builds it: a
 * database in a directory of its own, the rules of rules/ (make fuzz runs
 * from the top of the tree), the parser, writer and report threads, the
 * scheduler and the HTTP server on a loopback port.  An input is the bytes
 * one client sends on one connection: they are written, the write side is
 * shut once the server has nothing more to say, and the loop runs until
 * the server has closed the connection and every job it queued (a parse,
 * a group commit, a report) has been answered.  Then what came back must
 * be HTTP/1.x answers with statuses nadzord gives, a request whose head
 * holds a NUL must not have been served, and every so often a fresh GET
 * /healthz must answer 200, no descriptor may have leaked and no
 * connection or job be left over.
 *
 * NADZOR_FUZZ_TMP names where the database directory goes (/dev/shm by
 * default: every commit is fsync'ed); NADZOR_FUZZ_LOG=1 shows the daemon's
 * log; NADZOR_FUZZ_VERBOSE=1 shows each input's answers, for replaying a
 * crash: build/fuzz/fuzz-http -runs=0 crash-...
 */
#define RULES		"rules"
#define DATA		"tests/data"
#define EXCHANGE_MS	5000	/* neither closed nor answered by then: a hang */
#define QUIET_PASSES	2	/* loop passes with nothing happening */
#define HEALTH_EVERY	16	/* inputs between two /healthz checks */
#define SETTLE_EVERY	2048	/* inputs between descriptor counts */
#define SETTLE_MS	300	/* over HTTP_SWEEP_MS: closed connections let go */
#define MAX_RECORDS	2000	/* beyond, start again on a fresh database */
#define MAX_ANSWER	(4 << 20)	/* bytes of answers kept per input */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Users whose tokens the dictionary and the seed corpus know. */
static const struct fuzz_user {
	const char	*login;
	enum role	 role;
	const char	*region;	/* NULL: the whole country */
	const char	*token;
} fuzz_users[] = {
	{ "region75", ROLE_REGION, "KZ-75", "fuzz-region-75" },
	{ "district43", ROLE_DISTRICT, "KZ-43", "fuzz-district-43" },
	{ "head", ROLE_HEAD, NULL, "fuzz-head" },
	{ "analyst", ROLE_ANALYST, NULL, "fuzz-analyst" },
};

/* The statuses nadzord and libevent answer with; anything else is a bug
 * (a 503 says the database failed, which nothing here provokes). */
static const int fuzz_statuses[] = {
	100, 200, 201, 400, 401, 403, 404, 405, 409, 411, 413, 415, 417, 429,
	501,
};

/* One client connection: the bytes to send, what came back. */
struct exchange {
	int		 fd;
	const uint8_t	*data;
	size_t		 len, off;
	int		 shut;		/* shut the write side once quiet */
	int		 eof;		/* the server closed or reset */
	int		 timedout;
	struct evbuffer	*in;
	struct event	*rev, *wev, *timer;
};

static struct {
	struct nadzord	 ctx;
	int		 up;
	char		 dir[PATH_MAX];
	unsigned short	 port;
	unsigned long	 runs;
	int		 fds;		/* open once started */
	FILE		*err;		/* the real stderr */
	int		 verbose;	/* show every input's answers */
} fz;

/* Give up: the setup or an invariant is broken.  libFuzzer keeps the
 * input; the database is left in its directory to be looked at. */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz-http: ", fz.err);
	vfprintf(fz.err, fmt, ap);
	fprintf(fz.err, " (database in %s)\n", fz.dir);
	fflush(fz.err);
	va_end(ap);
	abort();
}

/* Hide the daemon's log lines (one per refused NUL or login flood) from
 * libFuzzer's output, which keeps its own handle on the real stderr;
 * NADZOR_FUZZ_LOG=1 shows them.  Sanitizer reports write to fd 2. */
static void
fuzz_quiet(void)
{
	FILE *f;

	fz.err = stderr;
	if (getenv("NADZOR_FUZZ_LOG") != NULL)
		return;
	if ((f = fopen("/dev/null", "w")) == NULL)
		die("cannot open /dev/null");
	stderr = f;
}

/* Sockets and files open in this process; with show, what each is.
 * (Pipes are left out: the sanitizers keep two to llvm-symbolizer once
 * they have had something to symbolize.) */
static int
fuzz_fds(int show)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[PATH_MAX], to[PATH_MAX];
	ssize_t		 n;
	int		 count = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		die("cannot read /proc/self/fd");
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		if ((n = readlink(path, to, sizeof to - 1)) <= 0)
			continue;
		to[n] = '\0';
		if (strncmp(to, "pipe:", 5) == 0)
			continue;
		count++;
		if (show)
			fprintf(fz.err, "fuzz-http: fd %s: %s\n", e->d_name, to);
	}
	closedir(d);
	return count;
}

/* The client's socket is readable: keep what the server sent. */
static void
x_read(evutil_socket_t fd, short what, void *arg)
{
	struct exchange	*x = arg;
	char		 buf[16384];
	ssize_t		 n;

	(void)what;
	for (;;) {
		if ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
			if (evbuffer_get_length(x->in) < MAX_ANSWER)
				evbuffer_add(x->in, buf, (size_t)n);
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		x->eof = 1;	/* EOF, or reset: either way it is over */
		event_del(x->rev);
		return;
	}
}

/* Writable: send what is left of the input. */
static void
x_write(evutil_socket_t fd, short what, void *arg)
{
	struct exchange	*x = arg;
	ssize_t		 n;

	(void)what;
	while (x->off < x->len) {
		n = send(fd, x->data + x->off, x->len - x->off, MSG_NOSIGNAL);
		if (n > 0)
			x->off += (size_t)n;
		else if (n == -1 && errno == EAGAIN)
			return;
		else if (n == -1 && errno != EINTR)
			x->off = x->len;	/* the server has gone */
	}
	event_del(x->wev);
}

/* The exchange has run out of time. */
static void
x_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct exchange *x = arg;

	(void)fd;
	(void)what;
	x->timedout = 1;
}

/* Connect to nadzord and queue data; the loop does the rest. */
static void
x_open(struct exchange *x, const uint8_t *data, size_t len, int shut)
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { EXCHANGE_MS / 1000,
				     (EXCHANGE_MS % 1000) * 1000 };

	memset(x, 0, sizeof *x);
	x->data = data;
	x->len = len;
	x->shut = shut;
	x->in = evbuffer_new();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(fz.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	x->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd == -1 || (connect(x->fd, (struct sockaddr *)&sin,
	    sizeof sin) == -1 && errno != EINPROGRESS))
		die("cannot connect to port %u: %s", fz.port, strerror(errno));
	x->rev = event_new(fz.ctx.base, x->fd, EV_READ | EV_PERSIST, x_read, x);
	x->wev = event_new(fz.ctx.base, x->fd, EV_WRITE | EV_PERSIST, x_write,
	    x);
	x->timer = evtimer_new(fz.ctx.base, x_timeout, x);
	event_add(x->rev, NULL);
	event_add(x->wev, NULL);
	evtimer_add(x->timer, &tv);
}

/*
 * Run the loop until the server has gone quiet: all sent, no job in
 * flight, nothing active and nothing new come back for QUIET_PASSES
 * passes.  Only then may the client shut its write side: libevent reads
 * EOF while it writes an answer and drops the connection, so answers to
 * pipelined requests, and those of jobs still in flight, would be lost.
 */
static void
x_quiet(struct exchange *x)
{
	size_t	got;
	int	quiet = 0;

	while (!x->timedout && !x->eof && quiet < QUIET_PASSES) {
		got = evbuffer_get_length(x->in);
		event_base_loop(fz.ctx.base, fz.ctx.inflight > 0 ||
		    x->off < x->len ? EVLOOP_ONCE : EVLOOP_NONBLOCK);
		if (fz.ctx.inflight == 0 && x->off == x->len &&
		    evbuffer_get_length(x->in) == got &&
		    event_base_get_num_events(fz.ctx.base,
		    EVENT_BASE_COUNT_ACTIVE) == 0)
			quiet++;
		else
			quiet = 0;
	}
}

/* Run the loop until the server has closed the connection and answered
 * every job it queued, or until the time is up. */
static void
x_run(struct exchange *x)
{
	if (x->shut) {
		x_quiet(x);
		shutdown(x->fd, SHUT_WR);
	}
	while (!x->timedout && (!x->eof || fz.ctx.inflight > 0))
		event_base_loop(fz.ctx.base, EVLOOP_ONCE);
	if (fz.ctx.inflight < 0)
		die("%d jobs in flight: one was answered twice", fz.ctx.inflight);
}

/* Close the client's side and free the exchange (not its answers). */
static void
x_close(struct exchange *x)
{
	event_free(x->rev);
	event_free(x->wev);
	event_free(x->timer);
	close(x->fd);
}

/* 1 if the answer's status is one nadzord or libevent gives. */
static int
status_known(int status)
{
	size_t i;

	for (i = 0; i < sizeof fuzz_statuses / sizeof fuzz_statuses[0]; i++)
		if (fuzz_statuses[i] == status)
			return 1;
	return 0;
}

/* A header line "Name: value" of the answer at h (up to eol): note the
 * framing it gives; -1 if it is not a header line. */
static int
header_parse(const char *h, const char *eol, long *clen, int *chunked)
{
	const char	*colon = memchr(h, ':', (size_t)(eol - h));
	size_t		 n;

	if (colon == NULL || colon == h)
		return -1;
	n = (size_t)(colon - h);
	for (colon++; colon < eol && *colon == ' '; colon++)
		;
	if (n == 14 && strncasecmp(h, "Content-Length", n) == 0)
		*clen = strtol(colon, NULL, 10);
	else if (n == 17 && strncasecmp(h, "Transfer-Encoding", n) == 0)
		*chunked = eol - colon == 7 && strncmp(colon, "chunked", 7) == 0;
	return 0;
}

/* The bytes of a chunked body at p: 0 if it is cut short, die if it is
 * malformed. */
static size_t
chunked_len(const char *p, size_t n)
{
	const char	*q = p, *end = p + n, *eol;
	char		*e;
	long		 size;

	for (;;) {
		if ((eol = memmem(q, (size_t)(end - q), "\r\n", 2)) == NULL)
			return 0;
		size = strtol(q, &e, 16);
		if (e != eol || e == q || size < 0)
			die("a malformed chunk size: '%.*s'", (int)(eol - q < 40 ?
			    eol - q : 40), q);
		if (size > end - eol - 4)
			return 0;
		q = eol + 2 + size;
		if (memcmp(q, "\r\n", 2) != 0)
			die("a chunk longer than its size");
		q += 2;
		if (size == 0)
			return (size_t)(q - p);
	}
}

/* The length of the answer at p, its status in *status; 0 if it is cut
 * short (the last may be: libevent drops what it has not written when it
 * reads the client's EOF); die if it is not an HTTP/1.x answer. */
static size_t
answer_parse(const char *p, size_t n, int *status)
{
	const char	*end, *line, *eol;
	size_t		 head, blen;
	long		 clen = -1;
	int		 chunked = 0;

	if (n < 13 || (memcmp(p, "HTTP/1.1 ", 9) != 0 &&
	    memcmp(p, "HTTP/1.0 ", 9) != 0) || p[12] != ' ' ||
	    strspn(p + 9, "0123456789") != 3)
		die("not an HTTP/1.x status line: '%.*s'", (int)(n < 80 ? n : 80),
		    p);
	*status = atoi(p + 9);
	if (!status_known(*status))
		die("unexpected status %d: '%.*s'", *status,
		    (int)(n < 400 ? n : 400), p);
	if ((end = memmem(p, n, "\r\n\r\n", 4)) == NULL)
		return 0;
	line = (const char *)memmem(p, n, "\r\n", 2) + 2;
	for (; line < end + 2; line = eol + 2) {
		eol = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
		if (header_parse(line, eol, &clen, &chunked) == -1)
			die("a malformed header line: '%.*s'",
			    (int)(eol - line < 200 ? eol - line : 200), line);
	}
	head = (size_t)(end + 4 - p);
	p += head;
	n -= head;
	if (*status < 200)
		blen = 0;
	else if (chunked) {
		if ((blen = chunked_len(p, n)) == 0)
			return 0;
	} else if (clen >= 0) {
		if ((size_t)clen > n)
			return 0;
		blen = (size_t)clen;
	} else if (n == 0 || (n >= 5 && memcmp(p, "HTTP/", 5) == 0))
		blen = 0;	/* HEAD: no body, and no length for it */
	else
		blen = n;	/* HTTP/1.0 without keep-alive: up to the close */
	return head + blen;
}

/* Check every answer the server sent; the statuses of the final ones
 * (not 1xx) in st, their number returned. */
static size_t
answers_check(struct evbuffer *in, int *st, size_t max)
{
	size_t		 n = evbuffer_get_length(in), len, count = 0;
	const char	*p = (const char *)evbuffer_pullup(in, -1);
	int		 status;

	while (n > 0) {
		len = answer_parse(p, n, &status);
		if (status >= 200 && count < max)
			st[count++] = status;
		if (len == 0)
			break;
		p += len;
		n -= len;
	}
	return count;
}

/* With NADZOR_FUZZ_VERBOSE: the statuses and the start of the answers. */
static void
answers_show(struct evbuffer *in, const int *st, size_t n)
{
	size_t i, len = evbuffer_get_length(in);

	fprintf(fz.err, "fuzz-http: %zu answers:", n);
	for (i = 0; i < n; i++)
		fprintf(fz.err, " %d", st[i]);
	fprintf(fz.err, " (%zu bytes): %.*s\n", len, (int)(len < 300 ? len : 300),
	    (const char *)evbuffer_pullup(in, -1));
}

/* The value of a Content-Length line of length n at p, or -1. */
static long
request_clen(const uint8_t *p, size_t n)
{
	if (n < 15 || strncasecmp((const char *)p, "Content-Length:", 15) != 0)
		return -1;
	for (p += 15, n -= 15; n > 0 && *p == ' '; p++, n--)
		;
	return n > 0 && *p >= '0' && *p <= '9' ? atol((const char *)p) : -1;
}

/*
 * The first request of data whose head holds a NUL, framed as libevent
 * frames requests (lines end in LF, a CR before it optional; a body of
 * Content-Length bytes), or -1.  nadzord must close the connection before
 * such a request is parsed (libevent cuts header values at a NUL).  Stops
 * at a Transfer-Encoding, which nadzord refuses and closes on.
 */
static int
nul_request(const uint8_t *p, size_t n)
{
	const uint8_t	*eol;
	size_t		 len;
	long		 clen, body;
	int		 k, nul, te;

	for (k = 0; n > 0; k++) {
		nul = te = 0;
		body = 0;
		for (;;) {
			if ((eol = memchr(p, '\n', n)) == NULL)
				return -1;	/* not whole: never parsed */
			len = (size_t)(eol - p);
			nul |= memchr(p, '\0', len) != NULL;
			te |= len >= 18 && strncasecmp((const char *)p,
			    "Transfer-Encoding:", 18) == 0;
			if ((clen = request_clen(p, len)) >= 0)
				body = clen;
			n -= len + 1;
			p = eol + 1;
			if (len == 0 || (len == 1 && eol[-1] == '\r'))
				break;
		}
		if (nul)
			return k;
		if (te || (size_t)body > n)
			return -1;
		p += body;
		n -= (size_t)body;
	}
	return -1;
}

/* One exchange from start to end; the answers are the caller's. */
static struct evbuffer *
exchange(const uint8_t *data, size_t len, int shut, int *timedout)
{
	struct exchange x;

	x_open(&x, data, len, shut);
	x_run(&x);
	x_close(&x);
	*timedout = x.timedout;
	return x.in;
}

/* A request with Connection: close must get one answer, of status want. */
static void
expect(const char *what, const char *req, int want)
{
	struct evbuffer	*in;
	int		 st[2], timedout;

	in = exchange((const uint8_t *)req, strlen(req), 0, &timedout);
	if (timedout || answers_check(in, st, 2) != 1 || st[0] != want)
		die("%s: want one %d answer, got %s'%.*s'", what, want,
		    timedout ? "(a hang) " : "",
		    (int)(evbuffer_get_length(in) < 400 ?
		    evbuffer_get_length(in) : 400),
		    (const char *)evbuffer_pullup(in, -1));
	evbuffer_free(in);
}

/* POST a sample record as region75 (created, or stored already). */
static void
post_sample(const char *name)
{
	char	 path[PATH_MAX], *body, *req;
	size_t	 len;
	int	 n;

	snprintf(path, sizeof path, "%s/%s", DATA, name);
	if (readfile(path, 1 << 20, &body, &len) != READFILE_OK)
		die("cannot read %s (run from the top of the tree)", path);
	n = asprintf(&req, "POST /api/v1/records HTTP/1.1\r\nHost: fuzz\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: application/xml\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
	    fuzz_users[0].token, len, (int)len, body);
	if (n == -1)
		die("asprintf");
	expect(name, req, 201);
	free(req);
	free(body);
}

/* Add the users, then give each the token the corpus knows. */
static void
users_add(struct store *st)
{
	const struct fuzz_user	*u;
	unsigned char		 hash[TOKEN_HASHLEN];
	char			 regions[1][16], token[TOKEN_LEN], *err = NULL;
	sqlite3_stmt		*s;
	size_t			 i;

	for (i = 0; i < sizeof fuzz_users / sizeof fuzz_users[0]; i++) {
		u = &fuzz_users[i];
		if (u->region != NULL)
			snprintf(regions[0], sizeof regions[0], "%s", u->region);
		if (user_add(st, "fuzz", u->login, u->role, regions,
		    u->region != NULL, token, &err) == -1)
			die("%s", err);
		token_hash(u->token, strlen(u->token), hash);
		s = store_stmt(st, "UPDATE user SET token_hash = ? WHERE"
		    " login = ?");
		sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
		store_bind_text(s, 2, u->login);
		if (sqlite3_step(s) != SQLITE_DONE)
			die("cannot set a token: %s", store_errmsg(st));
		sqlite3_reset(s);
	}
}

/* The port the server was given (it listens on port 0). */
static unsigned short
bound_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;

	if (getsockname(evhttp_bound_socket_get_fd(fz.ctx.bound),
	    (struct sockaddr *)&sin, &len) == -1)
		die("getsockname: %s", strerror(errno));
	return ntohs(sin.sin_port);
}

/* Run the loop for SETTLE_MS and until no job is in flight. */
static void
settle(void)
{
	struct timeval tv = { 0, SETTLE_MS * 1000 };

	event_base_loopexit(fz.ctx.base, &tv);
	event_base_dispatch(fz.ctx.base);
	while (fz.ctx.inflight > 0)
		event_base_loop(fz.ctx.base, EVLOOP_ONCE);
}

/* A fresh database with the users and the sample records, and nadzord
 * serving it. */
static void
fuzz_start(void)
{
	struct store	*st;
	char		 db[PATH_MAX], *err = NULL;

	snprintf(db, sizeof db, "%s/nadzor.db", fz.dir);
	if ((st = store_open(db, 0, &err)) == NULL)
		die("%s", err);
	users_add(st);
	store_close(st);
	memset(&fz.ctx, 0, sizeof fz.ctx);
	config_defaults(&fz.ctx.conf);
	fz.ctx.conf.db = xstrdup(db);
	fz.ctx.conf.listen = xstrdup("127.0.0.1:0");
	fz.ctx.conf.rules = xstrdup(RULES);
	fz.ctx.conf.foreground = 1;
	if (nadzord_setup(&fz.ctx, &err) == -1)
		die("cannot start nadzord: %s", err);
	fz.port = bound_port();
	fz.up = 1;
	post_sample("incident.xml");
	post_sample("placement.xml");
	post_sample("action.xml");
	settle();
	fz.fds = fuzz_fds(0);
}

/* Stop nadzord and remove its database. */
static void
fuzz_stop(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[PATH_MAX];

	if (!fz.up)
		return;
	fz.up = 0;
	nadzord_teardown(&fz.ctx);
	if ((d = opendir(fz.dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", fz.dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

/* At exit: stop cleanly (LeakSanitizer then checks the teardown too). */
static void
fuzz_exit(void)
{
	fuzz_stop();
	rmdir(fz.dir);
}

/* Records stored so far. */
static long long
records(void)
{
	sqlite3_stmt	*s = store_stmt(fz.ctx.reader, "SELECT count(*) FROM record");
	long long	 n = -1;

	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* Every SETTLE_EVERY inputs: nothing left over once the server has had
 * time to let closed connections go, and a fresh database when the old
 * one has grown. */
static void
check_settled(void)
{
	long long	n;
	int		fds;

	settle();
	if (fz.ctx.nconns != 0)
		die("%d connections still open after %d ms with no client",
		    fz.ctx.nconns, SETTLE_MS);
	if ((fds = fuzz_fds(0)) != fz.fds) {
		fuzz_fds(1);
		die("%d descriptors open, %d after start-up", fds, fz.fds);
	}
	if ((n = records()) > MAX_RECORDS) {
		fprintf(fz.err, "fuzz-http: %lld records stored, starting again "
		    "on a fresh database\n", n);
		fuzz_stop();
		fuzz_start();
	}
}

/*
 * libFuzzer's leak check after an input that allocated more than it freed
 * runs LeakSanitizer over the whole heap, and a daemon keeps memory across
 * inputs (connections let go by the sweep, the scheduler's heap, statement
 * caches): it would run for nearly every input, dividing the speed by
 * three.  So it is off unless asked for; LeakSanitizer still checks the
 * heap at exit, after the teardown, which is where leaks show.
 */
static void
fuzz_flags(int *argc, char ***argv)
{
	static char	 flag[] = "-detect_leaks=0";
	char		**v;
	int		 i;

	v = xcalloc((size_t)*argc + 2, sizeof *v);
	v[0] = (*argv)[0];
	v[1] = flag;	/* first, so that a flag given later wins */
	for (i = 1; i < *argc; i++)
		v[i + 1] = (*argv)[i];
	*argv = v;
	(*argc)++;
}

/* Once: the directory, the daemon in it, and the way out. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("NADZOR_FUZZ_TMP");

	fuzz_flags(argc, argv);
	fuzz_quiet();
	fz.verbose = getenv("NADZOR_FUZZ_VERBOSE") != NULL;
	if (tmp == NULL)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fz.dir, sizeof fz.dir, "%s/nadzor-fuzz-XXXXXX", tmp);
	if (mkdtemp(fz.dir) == NULL)
		die("mkdtemp %s: %s", fz.dir, strerror(errno));
	fuzz_start();
	atexit(fuzz_exit);
	return 0;
}

/*
 * One connection.  The sanitizers judge the daemon's code on its threads;
 * here, what came back must be HTTP answers, and the daemon must go on
 * answering, with nothing leaked.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer	*in;
	int		 st[64], timedout, k;
	size_t		 n;

	in = exchange(data, size, 1, &timedout);
	if (timedout)
		die("the connection neither ended nor went quiet within %d ms "
		    "(%d jobs in flight)", EXCHANGE_MS, fz.ctx.inflight);
	n = answers_check(in, st, sizeof st / sizeof st[0]);
	if (fz.verbose)
		answers_show(in, st, n);
	evbuffer_free(in);
	if ((k = nul_request(data, size)) != -1 && (size_t)k < n &&
	    st[k] < 300)
		die("request %d has a NUL in its head, yet was answered %d",
		    k + 1, st[k]);
	if (++fz.runs % HEALTH_EVERY == 0)
		expect("GET /healthz", "GET /healthz HTTP/1.1\r\nHost: fuzz\r\n"
		    "Connection: close\r\n\r\n", 200);
	if (fz.runs % SETTLE_EVERY == 0)
		check_settled();
	return 0;
}
