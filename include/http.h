/* http.h - the HTTP server: limits, connection cap, routing, answers */
#ifndef NADZOR_HTTP_H
#define NADZOR_HTTP_H

#include <stdarg.h>

struct evbuffer;
struct wjob;
struct sqlite3_stmt;
struct evhttp_request;
struct nadzord;
struct user;

/* Bind and listen on HOST:PORT, before privileges are dropped (a port
 * below 1024 needs root): a socket above 2, or -1 and *err. */
int	http_listen(const char *hostport, char **err);
/* Set every limit and start serving on ctx->listen_fd (bound here from
 * hostport if it is 0); -1 and *err on failure. */
int	http_start(struct nadzord *, const char *hostport, char **err);
/* Stop accepting new connections (shutdown begins). */
void	http_stop_accepting(struct nadzord *);
void	http_free(struct nadzord *);
/* 1 when no answer is still waiting to be written. */
int	http_drained(struct nadzord *);

/* The caller's user from the bearer token; on failure answers 401/429 and
 * returns -1. */
int	http_auth(struct nadzord *, struct evhttp_request *, struct user *);

/* Answers.  The body is consumed. */
void	http_reply(struct evhttp_request *, int status, const char *ctype,
	    struct evbuffer *body);
/* {"error": "..."} with status; the text is escaped. */
void	http_error(struct evhttp_request *, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Limit a query to the caller's regions: " AND col IN (?, ...)" appended
 * to sql (nothing for a national user), then the regions bound from
 * parameter index first on. */
void	http_scope_sql(struct evbuffer *sql, const struct user *,
	    const char *col);
void	http_scope_bind(struct sqlite3_stmt *, int first, const struct user *);

/* The path without the query. */
const char	*http_path(struct evhttp_request *);
/* An id at the start of rest (the path after a route's prefix), *after
 * pointing past its digits; -1 if it is not 1 to 18 digits. */
long long	 http_path_id(const char *rest, const char **after);
/* The query string parsed once into q (evhttp_find_header reads it; the
 * caller clears it), refusing what would otherwise pass unnoticed: a bad
 * %-escape, a pair that is not key=value, a key not in allowed (NULL
 * terminated), a key given twice.  -1 after answering 400 naming what is
 * wrong (q is empty then). */
struct evkeyvalq;
int		 http_params(struct evhttp_request *,
		    const char *const *allowed, struct evkeyvalq *q);

/* Handlers, one file each. */
void	api_records_post(struct nadzord *, struct evhttp_request *);
void	api_records_get(struct nadzord *, struct evhttp_request *, const char *id);
void	api_records_find(struct nadzord *, struct evhttp_request *);
void	api_health(struct nadzord *, struct evhttp_request *);
void	api_obligations_list(struct nadzord *, struct evhttp_request *);
void	api_obligations_get(struct nadzord *, struct evhttp_request *,
	    const char *id);
void	api_obligations_post(struct nadzord *, struct evhttp_request *,
	    const char *rest);
void	api_alerts_list(struct nadzord *, struct evhttp_request *);
void	api_alerts_post(struct nadzord *, struct evhttp_request *,
	    const char *rest);
/* Acknowledge one alert, or all of an obligation's (obligation = 1). */
void	api_ack(struct nadzord *, struct evhttp_request *, long long id,
	    int obligation);
void	api_events(struct nadzord *, struct evhttp_request *);
/* The reporting thread and its read connection. */
int	api_reports_start(struct nadzord *, char **err);
void	api_reports_stop(struct nadzord *);
void	api_reports_get(struct nadzord *, struct evhttp_request *,
	    const char *rest);
/* KIND/PERIOD of rest and region (?region=, or NULL), checked against u:
 * the period and scope of a report, or -1 once answered 404, 403 or 400. */
struct report_period;
struct report_scope;
/* Queue a report computation for the reporting thread, or answer 503
 * when REPORT_MAXQUEUED already wait; -1 then.  Its done callback calls
 * api_reports_dequeued. */
int	api_reports_queue(struct nadzord *, struct evhttp_request *,
	    struct wjob *);
void	api_reports_dequeued(struct nadzord *);
int	api_reports_target(struct nadzord *, struct evhttp_request *,
	    const char *rest, const char *region, const struct user *,
	    struct report_period *, struct report_scope *);
/* Submitted reports: POST .../{kind}/{period}/submissions, and
 * GET /api/v1/reports/submitted[/{id}[/data]]. */
void	api_submissions_post(struct nadzord *, struct evhttp_request *,
	    const char *rest);
void	api_submissions_list(struct nadzord *, struct evhttp_request *);
void	api_submissions_get(struct nadzord *, struct evhttp_request *,
	    const char *rest);

/* The columns and joins of an alert as api_alert_json writes it. */
#define ALERT_COLUMNS "a.id, a.obligation, a.kind, a.recipient, a.at, a.due," \
	" o.rule, o.region, r.ref, o.period, a.acked_by, o.ruleset, o.item," \
	" o.starts, o.due"
#define ALERT_FROM " FROM alert a JOIN obligation o ON o.id = a.obligation" \
	" LEFT JOIN record r ON r.id = o.record"
struct law;
void	api_alert_json(struct evbuffer *, struct sqlite3_stmt *,
	    const struct law *);

#endif
