/* nadzord.c - the daemon: flags, detaching, signals, clean shutdown */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "events.h"
#include "http.h"
#include "log.h"
#include "law.h"
#include "nadzord.h"
#include "privdrop.h"
#include "scheduler.h"
#include "sdnotify.h"
#include "store.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: nadzord --db PATH --listen HOST:PORT [--rules DIR]"
	    " [--config FILE] [--foreground]\n"
	    "  --db PATH         the SQLite database (created on first start)\n"
	    "  --listen H:P      address to serve HTTP on (default 127.0.0.1:8470)\n"
	    "  --rules DIR       rule sets and calendars (default rules)\n"
	    "  --config FILE     limits, as 'key value' lines (see README)\n"
	    "  --foreground      stay attached and log to stderr\n"
	    "SIGTERM: finish what is in flight and stop. SIGHUP: reload rules.\n");
}

/* Parse flags into c; exits on bad usage with a one-line reason. */
static void
parse_flags(int argc, char **argv, struct config *c)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "rules", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char	*err = NULL, *conffile = NULL;
	int	 ch;

	while ((ch = getopt_long(argc, argv, "d:l:r:c:fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': free(c->db); c->db = xstrdup(optarg); break;
		case 'l': free(c->listen); c->listen = xstrdup(optarg); break;
		case 'r': free(c->rules); c->rules = xstrdup(optarg); break;
		case 'c': conffile = optarg; break;
		case 'f': c->foreground = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nadzord: unexpected argument '%s'\n", argv[optind]);
		exit(2);
	}
	if (c->db == NULL)
		c->db = xstrdup("nadzor.db");
	if (c->listen == NULL)
		c->listen = xstrdup("127.0.0.1:8470");
	if (c->rules == NULL)
		c->rules = xstrdup("rules");
	if (conffile != NULL && config_load(c, conffile, &err) == -1) {
		fprintf(stderr, "%snadzord: %s\n", log_prefix(LOG_ERR), err);
		exit(1);
	}
}

#define STOP_CHECK_MS	20
#define STOP_GRACE_MS	10000	/* a client that will not read its answer */

/* While stopping: leave once every queued job is answered and every answer
 * has left for the network (or the grace is over). */
static void
on_stop_check(evutil_socket_t fd, short what, void *arg)
{
	struct nadzord *ctx = arg;

	(void)fd;
	(void)what;
	if ((ctx->inflight == 0 && http_drained(ctx)) ||
	    now_ms() - ctx->stop_started > STOP_GRACE_MS)
		event_base_loopexit(ctx->base, NULL);
}

/* SIGTERM/SIGINT: stop accepting, answer what is queued, then leave; a
 * second signal leaves at once. */
static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	struct nadzord	*ctx = arg;
	struct timeval	 tv = { 0, STOP_CHECK_MS * 1000 };

	(void)what;
	if (ctx->stopping) {
		log_warnx("signal %d again: stopping now", (int)sig);
		event_base_loopbreak(ctx->base);
		return;
	}
	log_info("signal %d: finishing %d queued jobs, then stopping",
	    (int)sig, ctx->inflight);
	sdnotify(SDNOTIFY_STOPPING, "finishing %d queued jobs", ctx->inflight);
	ctx->stopping = 1;
	ctx->stop_started = now_ms();
	http_stop_accepting(ctx);
	events_stop(ctx);	/* watchers reconnect to the next nadzord */
	ctx->ev_stop = event_new(ctx->base, -1, EV_PERSIST, on_stop_check, ctx);
	event_add(ctx->ev_stop, &tv);
}

/* SIGHUP: read rules and calendar again.  A broken file leaves the law
 * in force untouched; a good one replaces it and open duties are
 * recomputed (met and late ones never change). */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct nadzord	*ctx = arg;
	struct law	*law;
	char		*err = NULL;

	(void)sig;
	(void)what;
	sdnotify(SDNOTIFY_RELOADING, "reloading rules from %s",
	    ctx->conf.rules);
	if ((law = law_load(ctx->conf.rules, &err)) == NULL) {
		log_warnx("SIGHUP: %s; the rules in force stay", err);
		sdnotify(SDNOTIFY_READY, "reload failed, the rules in force "
		    "stay: %s", err);
		free(err);
		return;
	}
	law_swap(ctx->laws, law);
	log_info("SIGHUP: rules and calendar reloaded from %s", ctx->conf.rules);
	sched_law_changed(ctx);
	sdnotify(SDNOTIFY_READY, "serving; rules reloaded from %s",
	    ctx->conf.rules);
}

/* The loop runs: tell systemd, if it started us, that nadzord serves. */
static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct nadzord *ctx = arg;

	(void)fd;
	(void)what;
	sdnotify(SDNOTIFY_READY, "serving http://%s, database %s",
	    ctx->conf.listen, ctx->conf.db);
}

/* Detach, but let the parent exit non-zero with the child's reason if
 * start-up fails after the fork.  Returns the pipe to report on. */
static int
detach(void)
{
	int	 p[2];
	char	 buf[512];
	ssize_t	 n;
	pid_t	 pid;

	if (pipe(p) == -1 || (pid = fork()) == -1) {
		fprintf(stderr, "nadzord: cannot detach: %s\n", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		n = read(p[0], buf, sizeof buf - 1);
		if (n > 0 && strncmp(buf, "ok", 2) == 0)
			exit(0);
		buf[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "nadzord: %s\n", n > 0 ? buf : "start-up failed");
		exit(1);
	}
	close(p[0]);
	setsid();
	return p[1];
}

/* Report start-up to the parent (or stderr) and stop on failure. */
static void
started(int fd, const char *err)
{
	ssize_t n;

	if (err != NULL) {
		if (fd != -1)
			n = write(fd, err, strlen(err));
		fprintf(stderr, "%snadzord: %s\n", log_prefix(LOG_ERR), err);
		exit(1);
	}
	if (fd != -1) {
		n = write(fd, "ok", 2);
		close(fd);
	}
	(void)n;	/* the parent sees EOF if the pipe broke */
}

/* Quiet the standard descriptors once detached: logs go to syslog. */
static void
quiet_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd == -1)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/* The signals nadzord answers: stop on SIGTERM/SIGINT, reload on SIGHUP. */
static void
signals_start(struct nadzord *ctx)
{
	ctx->ev_term = evsignal_new(ctx->base, SIGTERM, on_term, ctx);
	ctx->ev_int = evsignal_new(ctx->base, SIGINT, on_term, ctx);
	ctx->ev_hup = evsignal_new(ctx->base, SIGHUP, on_hup, ctx);
	evsignal_add(ctx->ev_term, NULL);
	evsignal_add(ctx->ev_int, NULL);
	evsignal_add(ctx->ev_hup, NULL);
}

int
main(int argc, char **argv)
{
	struct nadzord	 ctx;
	struct store	*st;
	char		*err = NULL;
	int		 fd = -1;

	memset(&ctx, 0, sizeof ctx);
	log_init("nadzord", 1);
	config_defaults(&ctx.conf);
	parse_flags(argc, argv, &ctx.conf);

	/* Bind while still root (a port below 1024), then, if root, become
	 * the dedicated user: before the database is made, before any thread. */
	if ((ctx.listen_fd = http_listen(ctx.conf.listen, &err)) == -1 ||
	    privdrop(&ctx.conf, &err) == -1)
		started(-1, err);
	/* Create and migrate the database before forking: no connection may
	 * cross a fork, and a bad file is reported to the caller directly. */
	if ((st = store_open(ctx.conf.db, 0, &err)) == NULL)
		started(-1, err);
	store_close(st);
	if (!ctx.conf.foreground)
		fd = detach();
	if (nadzord_setup(&ctx, &err) == -1)
		started(fd, err);
	signals_start(&ctx);
	printf("nadzord: listening on http://%s (database %s, rules %s)\n",
	    ctx.conf.listen, ctx.conf.db, ctx.conf.rules);
	fflush(stdout);
	started(fd, NULL);
	if (!ctx.conf.foreground) {
		quiet_stdio();
		log_init("nadzord", 0);
	}
	event_base_once(ctx.base, -1, EV_TIMEOUT, on_ready, &ctx, NULL);
	event_base_dispatch(ctx.base);
	log_info("stopped");
	nadzord_teardown(&ctx);
	return 0;
}
