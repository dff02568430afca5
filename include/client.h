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
/* cmd-report.c: the fetched report XML written in format and lang. */
int	report_write(FILE *, struct evbuffer *, const char *format,
	    const char *lang);
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
/* GET path and hand the JSON answer to the caller (json_decref it);
 * NULL and the exit code in *rc on failure. */
json_t		*fetch_json(struct client *, const char *path, int *rc);

/* Print a command's usage to stderr (or stdout for --help) and return
 * EXIT_USAGE. */
int	cmd_usage(const char *name, int to_stdout);
/* 1 if argv holds --help or -h (before "--"). */
int	cmd_wants_help(int argc, char **argv);

/*
 * One HTTP request to the daemon: body may be NULL.  The answer's status
 * goes in *status and its body in out.  0 if an answer came, -1 (and a
 * message on stderr) if the daemon could not be reached.
 */
int	fetch(struct client *, const char *method, const char *path,
	    const char *ctype, const void *body, size_t len, int *status,
	    struct evbuffer *out);
/* Host, port and path prefix (no trailing '/') of an http:// base URL;
 * -1 if it is not one. */
int	fetch_url(const char *url, char *host, size_t hlen, int *port,
	    char *prefix, size_t plen);
/* The exit code for an HTTP status. */
int	fetch_exit_code(int status);
/* The "error" string of a JSON error body, or the body itself (static). */
const char	*fetch_error_text(struct evbuffer *);

#endif
