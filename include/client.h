/* client.h - the nadzor command: its command table and what commands share */
#ifndef NADZOR_CLIENT_H
#define NADZOR_CLIENT_H

#include <stddef.h>
#include <stdio.h>

struct evbuffer;

/* Exit codes scripts can rely on (README lists them). */
#define EXIT_OK		0
#define EXIT_REFUSED	1	/* the daemon refused the input: 400, 409, 413, 415 */
#define EXIT_USAGE	2
#define EXIT_DENIED	3	/* 401, 403 */
#define EXIT_NOTFOUND	4	/* 404 */
#define EXIT_UNAVAIL	5	/* cannot connect, 5xx, 429 */

struct client {
	const char	*url;		/* --url or NADZOR_URL */
	const char	*token;		/* --token or NADZOR_TOKEN */
	const char	*db;		/* --db, for commands on the file */
};

struct cmd {
	const char	*name;
	const char	*usage;		/* arguments after the name */
	const char	*help;		/* one line */
	int		(*exec)(struct client *, int argc, char **argv);
};

/* The command table lives in nadzor.c; one file per command. */
int	cmd_submit(struct client *, int, char **);
int	cmd_record(struct client *, int, char **);
int	cmd_user(struct client *, int, char **);
int	cmd_audit(struct client *, int, char **);
int	cmd_obligations(struct client *, int, char **);
int	cmd_explain(struct client *, int, char **);
int	cmd_waive(struct client *, int, char **);
int	cmd_alerts(struct client *, int, char **);
int	cmd_watch(struct client *, int, char **);
int	cmd_ack(struct client *, int, char **);
int	cmd_report(struct client *, int, char **);

/* A report as the command line asks for it (cmd-report.c). */
struct report_req {
	const char	*kind, *period, *region;	/* region may be NULL */
	const char	*format, *lang;
	const char	*output;			/* NULL: stdout */
	const char	*reason;	/* --resubmit: why a correction */
};
/* cmd-report.c: the fetched report XML rendered in format and lang, in
 * memory: 0 with *out (free it) and *len, or -1, said on stderr. */
int	report_render(struct evbuffer *, const char *format, const char *lang,
	    char **out, size_t *len);
/* cmd-report.c: bytes to FILE (NULL: stdout), all or nothing: a regular
 * FILE is replaced whole (FILE.tmp renamed over it), never left half
 * written.  EXIT_OK, or EXIT_REFUSED said on stderr. */
int	report_output(const char *output, const void *, size_t len);
/* report-submit.c: frozen reports.  A notice on stderr when the report
 * was submitted, with what changed since; the rendered report submitted,
 * then written out; "report submitted [ID]" (argv[0] is "submitted"). */
void	report_since_notice(struct evbuffer *report);
int	report_submit(struct client *, const struct report_req *,
	    struct evbuffer *report);
int	report_submitted(struct client *, int argc, char **argv);

/* json-read.c: the daemon's JSON answers (jansson). */
typedef struct json_t json_t;
json_t		*json_answer(struct evbuffer *);	/* NULL + message */
const char	*json_s(json_t *, const char *key);	/* "" if absent */
/* "2025-03-20T03:40:00+05:00" as "2025-03-20 03:40 +05:00". */
void		 local_time(const char *rfc3339, char *buf, size_t len);
/* Time from now to an RFC 3339 instant: "1h 05m", "-2d 03h". */
void		 time_left(const char *rfc3339, char *buf, size_t len);
/* GET path: EXIT_OK and the JSON answer in *j (json_decref it), else the
 * exit code, said on stderr as fetch_ok says it, and *j NULL. */
int		 fetch_json(struct client *, const char *path, json_t **j);

/* Print a command's usage to stderr (or stdout for --help) and return
 * EXIT_USAGE. */
int	cmd_usage(const char *name, int to_stdout);
/* 1 if argv holds --help or -h (before "--"). */
int	cmd_wants_help(int argc, char **argv);

/* Host, port and path prefix (no trailing '/') of an http:// base URL;
 * -1 if it is not one. */
int	fetch_url(const char *url, char *host, size_t hlen, int *port,
	    char *prefix, size_t plen);
/* The exit code for an HTTP status. */
int	fetch_exit_code(int status);
/* Add the headers every request to the daemon carries: Host (as given),
 * User-Agent, and the token's Authorization. */
struct evkeyvalq;
void	fetch_headers(struct client *, struct evkeyvalq *, const char *host);

/* A request's body, for fetch_ok. */
struct fetch_body {
	const char	*ctype;		/* its Content-Type */
	const void	*p;
	size_t		 len;
};
/* How fetch_ok says a refusal. */
#define FETCH_STATUS	0x1	/* "nadzor: WHAT: refused (409): why" */
#define FETCH_OWN_404	0x2	/* nothing for a 404: the caller says it */
/*
 * One request that must be answered 2xx (body may be NULL): EXIT_OK with
 * the answer's body in out; else the exit code, the reason already said on
 * stderr: fetch's message when no answer came, or "nadzor: WHAT: why" with
 * the daemon's words, WHAT from fmt (NULL: "nadzor: why").
 */
int	fetch_ok(struct client *, const char *method, const char *path,
	    const struct fetch_body *body, struct evbuffer *out, int flags,
	    const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* The "error" string of a JSON error body, or the body itself (static). */
const char	*fetch_error_text(struct evbuffer *);

#endif
