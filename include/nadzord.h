/* nadzord.h - the daemon's one context: everything mutable lives here */
#ifndef NADZOR_NADZORD_H
#define NADZOR_NADZORD_H

#include <sys/queue.h>

#include "config.h"

struct event;
struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct record_schema;
struct store;
struct writer;
struct workq;
struct law_holder;
struct sched;
struct events;
struct hook;
struct conn;
struct listcache;

struct nadzord {
	struct config			 conf;
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	int				 listen_fd;	/* bound early (> 2), or 0 */
	struct store			*reader;	/* the loop's read-only connection */
	struct listcache		*lists;		/* obligation lists rendered */
	struct writer			*writer;
	struct workq			*parsers;	/* records are validated here */
	struct workq			*reporter;	/* analyses are computed here */
	int				 reports_queued;	/* and wait there */
	struct store			*report_db;	/* its read connection */
	struct store			*report_prev;	/* and one for the АППГ */
	struct law_holder		*laws;		/* rules and calendar in force */
	struct sched			*sched;
	struct events			*events;	/* open alert streams */
	struct hook			*hook;		/* the exec hook, if set */
	struct record_schema		*schema;
	struct event			*ev_term, *ev_int, *ev_hup;
	LIST_HEAD(, conn)		 conns;		/* open HTTP connections */
	int				 nconns;
	struct event			*ev_sweep;	/* closes and deadlines */
	int				 inflight;	/* jobs queued, not yet answered */
	int				 stopping;
	long long			 stop_started;	/* ms */
	struct event			*ev_stop;	/* drains, then exits */
	long long			 authfail_sec;	/* login flood window */
	int				 authfail_n;
};

/* A job has been answered: on shutdown, the last one ends the loop. */
void	nadzord_job_done(struct nadzord *);

/* Start every part from ctx->conf (database migrated already), serving
 * HTTP at the end; -1 and *err on the first failure.  Signals are the
 * caller's.  Teardown frees it all, ctx->conf included. */
int	nadzord_setup(struct nadzord *, char **err);
void	nadzord_teardown(struct nadzord *);

#endif
