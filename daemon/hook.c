/* hook.c - the exec hook: a command run for each alert, off the loop, retried */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "hook.h"
#include "log.h"
#include "nadzord.h"
#include "record.h"
#include "store.h"
#include "workq.h"
#include "writer.h"

/*
 * Every alert written while a hook is configured gets a row in
 * hook_delivery in the same transaction.  A tick (and every commit of new
 * alerts) picks due rows, worker threads run the command with the alert's
 * fields in its environment, and the writer records the outcome: done, or
 * the next try after a doubling back-off.  A hook that fails or hangs
 * costs a worker thread its timeout, never the event loop or ingest.
 */
#define HOOK_ENV	12
#define HOOK_BATCH	16

struct hook_job {
	struct wjob	 w;
	struct nadzord	*ctx;
	long long	 alert;
	int		 attempts;
	char		*env[HOOK_ENV];
	int		 ok;
	char		 why[256];
};

struct hook {
	struct workq	*wq;
	struct event	*tick;
	long long	*busy;		/* alerts being delivered now */
	size_t		 nbusy;
};

int
hook_run(const char *path, char *const envp[], int timeout, char *why,
    size_t len)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, all;
	struct timespec			 pause = { 0, 20 * 1000 * 1000 };
	char				*argv[] = { (char *)path, NULL };
	long				 waited = 0;
	pid_t				 pid, r;
	int				 status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* No descriptor of the daemon (database, sockets) reaches the hook. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(&pid, path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		snprintf(why, len, "cannot run %s: %s", path, strerror(rc));
		return -1;
	}
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 &&
	    waited < timeout * 1000L) {
		nanosleep(&pause, NULL);
		waited += 20;
	}
	if (r == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(why, len, "killed after %d s", timeout);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(why, len, "exited %d", WEXITSTATUS(status));
	else
		snprintf(why, len, "killed by signal %d", WTERMSIG(status));
	return -1;
}

/* Worker thread: run the hook once. */
static int
hook_apply(struct store *unused, struct wjob *w)
{
	struct hook_job *j = (struct hook_job *)w;

	(void)unused;
	j->ok = hook_run(j->ctx->conf.alert_hook, j->env,
	    j->ctx->conf.alert_hook_timeout, j->why, sizeof j->why) == 0;
	return WJOB_OK;
}

/* Writer thread: record the outcome of an attempt. */
static int
hook_record(struct store *st, struct wjob *w)
{
	struct hook_job	*j = (struct hook_job *)w;
	sqlite3_stmt	*s;
	long long	 wait = j->ctx->conf.alert_hook_backoff;
	int		 i, rc;

	for (i = 0; i < j->attempts && wait < HOOK_MAXWAIT; i++)
		wait *= 2;
	s = store_stmt(st, "UPDATE hook_delivery SET attempts = attempts + 1,"
	    " done = CASE WHEN ?2 THEN ?3 END, next_try = ?3 + ?4, last_error ="
	    " ?5 WHERE alert = ?1");
	sqlite3_bind_int64(s, 1, j->alert);
	sqlite3_bind_int(s, 2, j->ok);
	sqlite3_bind_int64(s, 3, now_s());
	sqlite3_bind_int64(s, 4, wait < HOOK_MAXWAIT ? wait : HOOK_MAXWAIT);
	store_bind_text(s, 5, j->ok ? NULL : j->why);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	w->status = 200;
	return rc == SQLITE_DONE ? WJOB_OK : WJOB_FAILED;
}

/* Forget an alert as in flight. */
static void
hook_unbusy(struct hook *h, long long alert)
{
	size_t i;

	for (i = 0; i < h->nbusy; i++)
		if (h->busy[i] == alert) {
			h->busy[i] = h->busy[--h->nbusy];
			return;
		}
}

static void
hook_free_job(struct hook_job *j)
{
	size_t i;

	for (i = 0; i < HOOK_ENV; i++)
		free(j->env[i]);
	free(j->w.msg);
	free(j);
}

/* Loop: the outcome is on disk; the alert may be picked again. */
static void
hook_recorded(struct wjob *w)
{
	struct hook_job *j = (struct hook_job *)w;

	if (j->ctx->hook != NULL)	/* NULL once stopping */
		hook_unbusy(j->ctx->hook, j->alert);
	nadzord_job_done(j->ctx);
	hook_free_job(j);
}

/* Loop: the hook ran; write down how it went. */
static void
hook_ran(struct wjob *w)
{
	struct hook_job *j = (struct hook_job *)w;

	if (!j->ok)
		log_warnx("hook for alert %lld (attempt %d): %s; will retry",
		    j->alert, j->attempts + 1, j->why);
	w->apply = hook_record;
	w->done = hook_recorded;
	w->keeps_lists = 1;		/* its delivery row only */
	writer_submit(j->ctx->writer, w);
}

/* The environment of one alert's hook, from a row of the pass query. */
static void
hook_env(struct hook_job *j, sqlite3_stmt *s)
{
	static const char *names[] = { "NADZOR_ALERT_ID", "NADZOR_ALERT_KIND",
	    "NADZOR_ALERT_RECIPIENT", "NADZOR_OBLIGATION", "NADZOR_RULE",
	    "NADZOR_REGION", "NADZOR_RECORD", "NADZOR_PERIOD", "NADZOR_DUE",
	    "NADZOR_ATTEMPT" };
	char	due[40];
	int	i;

	rfc3339_format(sqlite3_column_int64(s, 8), 0, due, sizeof due);
	xasprintf(&j->env[0], "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	for (i = 0; i < 10; i++) {
		const char *v = i == 8 ? due : i == 9 ? NULL :
		    (const char *)sqlite3_column_text(s, i);

		if (i == 9)
			xasprintf(&j->env[i + 1], "%s=%d", names[i], j->attempts + 1);
		else
			xasprintf(&j->env[i + 1], "%s=%s", names[i], v ? v : "");
	}
}

/* 1 if the alert is being delivered already. */
static int
hook_busy(struct hook *h, long long alert)
{
	size_t i;

	for (i = 0; i < h->nbusy; i++)
		if (h->busy[i] == alert)
			return 1;
	return 0;
}

/* The tick: hand due deliveries to the workers. */
static void
hook_pass(evutil_socket_t fd, short what, void *arg)
{
	struct nadzord	*ctx = arg;
	struct hook	*h = ctx->hook;
	struct hook_job	*j;
	sqlite3_stmt	*s;

	(void)fd;
	(void)what;
	if (ctx->stopping)
		return;
	s = store_stmt(ctx->reader, "SELECT a.id, a.kind, a.recipient,"
	    " a.obligation, o.rule, o.region, r.ref, o.period, a.due, d.attempts"
	    " FROM hook_delivery d JOIN alert a ON a.id = d.alert JOIN obligation"
	    " o ON o.id = a.obligation LEFT JOIN record r ON r.id = o.record"
	    " WHERE d.done IS NULL AND d.next_try <= ? ORDER BY d.next_try"
	    " LIMIT ?");
	sqlite3_bind_int64(s, 1, now_s());
	sqlite3_bind_int(s, 2, HOOK_BATCH);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (hook_busy(h, sqlite3_column_int64(s, 0)))
			continue;
		j = xcalloc(1, sizeof *j);
		j->ctx = ctx;
		j->alert = sqlite3_column_int64(s, 0);
		j->attempts = sqlite3_column_int(s, 9);
		hook_env(j, s);
		h->busy = xrealloc(h->busy, (h->nbusy + 1) * sizeof *h->busy);
		h->busy[h->nbusy++] = j->alert;
		j->w.apply = hook_apply;
		j->w.done = hook_ran;
		ctx->inflight++;
		workq_submit(h->wq, &j->w);
	}
	sqlite3_reset(s);
}

void
hook_kick(struct nadzord *ctx)
{
	if (ctx->hook != NULL)
		event_active(ctx->hook->tick, EV_TIMEOUT, 0);
}

void
hook_start(struct nadzord *ctx)
{
	struct timeval tv = { 1, 0 };

	if (ctx->conf.alert_hook == NULL)
		return;
	ctx->hook = xcalloc(1, sizeof *ctx->hook);
	ctx->hook->wq = workq_start(ctx->base, "nadzord-hook", HOOK_THREADS, 1, workq_run_each,
	    NULL);
	ctx->hook->tick = event_new(ctx->base, -1, EV_PERSIST, hook_pass, ctx);
	event_add(ctx->hook->tick, &tv);
	log_info("alerts are also handed to %s", ctx->conf.alert_hook);
}

/* Before the writer stops: running hooks finish (or time out) and their
 * outcomes go to the writer, which records them as it drains. */
void
hook_stop(struct nadzord *ctx)
{
	struct hook *h = ctx->hook;

	if (h == NULL)
		return;
	ctx->hook = NULL;
	workq_stop(h->wq);
	event_free(h->tick);
	free(h->busy);
	free(h);
}
