/* notify.c - the notifier: a thread that owns libnotify, fed by a queue */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib.h>
#include <jansson.h>
#include <libnotify/notify.h>

#include "client.h"
#include "i18n.h"
#include "log.h"
#include "notify.h"
#include "record.h"

#define FIELD_MAX	200	/* characters of one field from outside */
#define SHOW_TRIES	3	/* attempts at a show that fails transiently */
#define RETRY_MS	500	/* first pause before another attempt, doubling */
#define LINES_MAX	8	/* lines of a body */

enum kind { K_WARNING, K_BREACH, K_ESCALATION };

/* The catalogue's ids of a summary's first words, by kind.  Every word a
 * person reads is in the gettext catalogues (reports/po), as the reports'
 * are; the language is taken once, before the thread starts. */
static const char *const summary_ids[] = {
	"alert.warning", "alert.breach", "alert.escalation"
};

/* One queued alert: it stays at the head until shown or printed. */
struct pending {
	struct pending	*next;
	json_t		*alert;
	int		 tries;
};

struct notifier {
	struct client		*cl;
	const char		*lang;		/* ru, kk or en */
	pthread_t		 thread;
	int			 wake[2];	/* a byte per post wakes the thread */

	/* stdout, and abandoned (written holding both locks, out first).
	 * The reader never takes it: a stdout nobody reads cannot stop it. */
	pthread_mutex_t		 out;
	int			 abandoned;	/* notifier_stop gave up and printed
						 * the queue: stdout is no longer
						 * ours, nor are its entries */
	pthread_mutex_t		 lock;		/* guards the fields below */
	pthread_cond_t		 ended;		/* signalled when finished is set */
	struct pending		*head, **tail;
	int			 stopping;	/* show what is queued, then end */
	int			 finished;	/* the thread has ended */

	/* The thread's own. */
	int			 desktop;	/* 0: print on stdout */
	int			 announced;	/* said "no desktop" once */
	int			 initted;	/* notify_init was called */
	int			 actions;	/* the server has buttons */
	int			 markup;	/* the server reads body markup */
	int			 quit;
	GMainContext		*ctx;
	GSource			*retry;		/* armed after a failed show */
	GList			*shown;		/* kept alive for their button */
};

/* What the Acknowledge button needs. */
struct ack {
	struct notifier	*n;
	long long	 id;
};

/* An alert in words: the summary and the body's lines. */
struct text {
	enum kind	 kind;
	char		*summary;
	char		*line[LINES_MAX + 1];	/* and a NULL for g_strjoinv */
	int		 n;
};

/* A field from outside made safe to show: valid UTF-8, no control or
 * bidirectional-override characters (they could fake lines or reorder what
 * is read), at most max characters, cut on a character boundary. */
static char *
text_clean(const char *s, long max)
{
	GString		*o = g_string_new(NULL);
	char		*v = g_utf8_make_valid(s, -1);
	const char	*p;
	gunichar	 c;
	long		 n;

	for (p = v, n = 0; *p != '\0'; p = g_utf8_next_char(p), n++) {
		if (n == max) {
			g_string_append(o, "…");
			break;
		}
		c = g_utf8_get_char(p);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0) ||
		    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
			c = ' ';
		g_string_append_unichar(o, c);
	}
	g_free(v);
	return g_string_free(o, FALSE);
}

/* Add "label: value" to the body; the value is cleaned and, for a server
 * that reads markup, escaped (the body is the one place markup is read). */
static void
text_add(struct text *t, const char *label, const char *value, int markup)
{
	char *v, *e;

	if (t->n == LINES_MAX || value == NULL || *value == '\0')
		return;
	v = text_clean(value, FIELD_MAX);
	e = markup ? g_markup_escape_text(v, -1) : g_strdup(v);
	t->line[t->n++] = g_strdup_printf("%s: %s", label, e);
	g_free(e);
	g_free(v);
}

/* "Осталось: 1 ч 05 мин" or "Просрочено на: 2 дн 03 ч", from now. */
static void
text_left(struct text *t, const char *due)
{
	int64_t		 at;
	long long	 d;
	char		 buf[128];
	const char	*label = i18n_label("alert.left");

	if (rfc3339_parse(due, &at, NULL) == -1)
		return;
	d = (long long)(at - time(NULL));
	if (d < 0) {
		label = i18n_label("alert.overdue");
		d = -d;
	}
	if (d >= 86400)
		snprintf(buf, sizeof buf, "%lld %s %02lld %s", d / 86400,
		    i18n_label("alert.unit-day"), d / 3600 % 24,
		    i18n_label("alert.unit-hour"));
	else
		snprintf(buf, sizeof buf, "%lld %s %02lld %s", d / 3600,
		    i18n_label("alert.unit-hour"), d / 60 % 60,
		    i18n_label("alert.unit-min"));
	text_add(t, label, buf, 0);
}

/* The rule's title in the language, else in any language the alert has. */
static const char *
text_title(json_t *a, const char *lang)
{
	char		 key[16];
	const char	*keys[] = { key, "title_ru", "title_en", "title_kk",
			    "rule" };
	size_t		 i;

	snprintf(key, sizeof key, "title_%s", lang);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (*json_s(a, keys[i]) != '\0')
			return json_s(a, keys[i]);
	return "?";
}

/* The duty's due time, "" if unknown.  An alert's own "due" is when the
 * alert itself fell due (a warning's is before the duty's, an
 * escalation's after): only a breach's is the duty's too. */
static const char *
text_due(json_t *a)
{
	const char *d = json_s(a, "obligation_due");

	if (*d == '\0' && strcmp(json_s(a, "kind"), "breach") == 0)
		d = json_s(a, "due");
	return d;
}

/* An alert in words, in the language taken. */
static void
text_build(struct text *t, json_t *a, const char *lang, int markup)
{
	const char	*kind = json_s(a, "kind"), *due = text_due(a);
	char		 when[64], no[128], *title;

	memset(t, 0, sizeof *t);
	t->kind = strcmp(kind, "breach") == 0 ? K_BREACH :
	    strcmp(kind, "escalation") == 0 ? K_ESCALATION : K_WARNING;
	title = text_clean(text_title(a, lang), FIELD_MAX);
	t->summary = g_strdup_printf("%s: %s",
	    i18n_label(summary_ids[t->kind]), title);
	g_free(title);
	text_add(t, i18n_label("alert.record"), json_s(a, "record"), markup);
	text_add(t, i18n_label("alert.period"), json_s(a, "period"), markup);
	text_add(t, i18n_label("alert.facility"), json_s(a, "facility"),
	    markup);
	text_add(t, i18n_label("alert.region"), json_s(a, "region"), markup);
	if (*due != '\0') {
		local_time(due, when, sizeof when);
		text_add(t, i18n_label("alert.due"), when, markup);
		text_left(t, due);
	}
	i18n_fill(i18n_label("alert.number"),
	    (long long)json_integer_value(json_object_get(a, "id")), 0, no,
	    sizeof no);
	if (t->n < LINES_MAX)
		t->line[t->n++] = g_strdup(no);
}

static void
text_free(struct text *t)
{
	int i;

	g_free(t->summary);
	for (i = 0; i < t->n; i++)
		g_free(t->line[i]);
}

/* The body's lines joined by sep. */
static char *
text_join(struct text *t, const char *sep)
{
	t->line[t->n] = NULL;
	return g_strjoinv(sep, t->line);
}

/* One alert as one line on stdout (no desktop); the caller holds out, so
 * lines from the thread and from notifier_stop never interleave. */
static void
print_alert(const char *lang, json_t *a)
{
	struct text	 t;
	char		*body;

	text_build(&t, a, lang, 0);
	body = text_join(&t, "; ");
	printf("%s — %s\n", t.summary, body);
	fflush(stdout);
	g_free(body);
	text_free(&t);
}

/* Print one alert unless notifier_stop has taken stdout over. */
static void
notifier_print(struct notifier *n, struct pending *p)
{
	pthread_mutex_lock(&n->out);
	if (!n->abandoned)
		print_alert(n->lang, p->alert);
	pthread_mutex_unlock(&n->out);
}

/* From now on print on stdout; say why, once. */
static void
notifier_fallback(struct notifier *n, const char *why)
{
	n->desktop = 0;
	if (n->announced++)
		return;
	fprintf(stderr, "nadzor: no desktop notification service (%s); "
	    "printing alerts here\n", why);
}

/* The Acknowledge button: tell the daemon.  This runs on the notifier's
 * thread; fetch_ok() blocks, but on an event base of its own. */
static void
notifier_ack(NotifyNotification *nn, char *action, gpointer arg)
{
	struct ack	*k = arg;
	struct evbuffer	*out = evbuffer_new();
	char		 path[64];

	(void)nn;
	(void)action;
	snprintf(path, sizeof path, "/api/v1/alerts/%lld/ack", k->id);
	if (fetch_ok(k->n->cl, "POST", path, NULL, out, FETCH_STATUS,
	    "alert %lld not acknowledged", k->id) == EXIT_OK)
		fprintf(stderr, "nadzor: alert %lld acknowledged\n", k->id);
	evbuffer_free(out);
}

/* The server closed a notification: its button is gone, let it go.
 * (libnotify holds a reference while it emits "closed".) */
static void
notifier_closed(NotifyNotification *nn, gpointer arg)
{
	struct notifier *n = arg;

	n->shown = g_list_remove(n->shown, nn);
	g_object_unref(nn);
}

/* Show one alert on the desktop; FALSE and *err if the server did not. */
static gboolean
notifier_show(struct notifier *n, struct pending *p, GError **err)
{
	NotifyNotification	*nn;
	json_t			*a = p->alert;
	struct text		 t;
	struct ack		*k;
	char			*body;
	gboolean		 ok;

	text_build(&t, a, n->lang, n->markup);
	body = text_join(&t, "\n");
	nn = notify_notification_new(t.summary, body, t.kind == K_WARNING ?
	    "dialog-warning" : "dialog-error");
	notify_notification_set_urgency(nn, t.kind == K_WARNING ?
	    NOTIFY_URGENCY_NORMAL : NOTIFY_URGENCY_CRITICAL);
	if (n->actions) {
		k = g_new(struct ack, 1);
		k->n = n;
		k->id = (long long)json_integer_value(json_object_get(a, "id"));
		notify_notification_add_action(nn, "ack", i18n_label("alert.ack"),
		    notifier_ack, k, g_free);
	}
	if ((ok = notify_notification_show(nn, err)) && n->actions) {
		n->shown = g_list_prepend(n->shown, nn);
		g_signal_connect(nn, "closed", G_CALLBACK(notifier_closed), n);
	} else
		g_object_unref(nn);
	g_free(body);
	text_free(&t);
	return ok;
}

/* Errors that say there is nobody to show to: no point in trying again. */
static int
error_is_final(const GError *e)
{
	if (e->domain == G_DBUS_ERROR)
		return e->code == G_DBUS_ERROR_SERVICE_UNKNOWN ||
		    e->code == G_DBUS_ERROR_NAME_HAS_NO_OWNER ||
		    e->code == G_DBUS_ERROR_NO_REPLY ||
		    e->code == G_DBUS_ERROR_TIMEOUT ||
		    e->code == G_DBUS_ERROR_TIMED_OUT ||
		    e->code == G_DBUS_ERROR_DISCONNECTED ||
		    e->code == G_DBUS_ERROR_NO_SERVER;
	return e->domain == G_IO_ERROR;
}

/* Show or print one alert: 0 done, -1 try again later (it stays queued). */
static int
notifier_deliver(struct notifier *n, struct pending *p)
{
	GError *err = NULL;

	if (n->desktop && notifier_show(n, p, &err))
		return 0;
	if (err != NULL) {
		if (!error_is_final(err) && ++p->tries < SHOW_TRIES) {
			g_error_free(err);
			return -1;
		}
		g_dbus_error_strip_remote_error(err);
		notifier_fallback(n, err->message);
		g_error_free(err);
	}
	notifier_print(n, p);
	return 0;
}

static void	notifier_drain(struct notifier *);

/* The pause after a failed show is over. */
static gboolean
notifier_retry(gpointer arg)
{
	struct notifier *n = arg;

	g_source_unref(n->retry);
	n->retry = NULL;
	notifier_drain(n);
	return G_SOURCE_REMOVE;
}

/* Wait before showing the head again: RETRY_MS, doubling per attempt. */
static void
notifier_arm_retry(struct notifier *n, int tries)
{
	n->retry = g_timeout_source_new(RETRY_MS << (tries - 1));
	g_source_set_callback(n->retry, notifier_retry, n, NULL);
	g_source_attach(n->retry, n->ctx);
}

/* Show what is queued, in order; the lock is never held across D-Bus. */
static void
notifier_drain(struct notifier *n)
{
	struct pending *p;

	while (n->retry == NULL) {
		pthread_mutex_lock(&n->lock);
		if ((p = n->head) == NULL || n->abandoned) {
			n->quit = n->stopping || n->abandoned;
			pthread_mutex_unlock(&n->lock);
			return;
		}
		pthread_mutex_unlock(&n->lock);
		if (notifier_deliver(n, p) == -1) {
			notifier_arm_retry(n, p->tries);
			return;
		}
		pthread_mutex_lock(&n->lock);
		if (!n->abandoned) {	/* else notifier_stop printed it */
			if ((n->head = p->next) == NULL)
				n->tail = &n->head;
			json_decref(p->alert);
			free(p);
		}
		pthread_mutex_unlock(&n->lock);
	}
}

/* A post (or the stop) was signalled on the pipe. */
static gboolean
notifier_wake(gint fd, GIOCondition cond, gpointer arg)
{
	char buf[256];

	(void)cond;
	while (read(fd, buf, sizeof buf) > 0)
		;
	notifier_drain(arg);
	return G_SOURCE_CONTINUE;
}

/* Is there a session bus, without letting GLib autolaunch one (it would
 * with DISPLAY set and outlive us)? */
static const char *
notifier_no_bus(void)
{
	const char	*rt = getenv("XDG_RUNTIME_DIR");
	char		 path[512];

	if (getenv("DBUS_SESSION_BUS_ADDRESS") != NULL)
		return NULL;
	snprintf(path, sizeof path, "%s/bus", rt ? rt : "");
	if (rt != NULL && access(path, F_OK) == 0)
		return NULL;
	return "no session bus: DBUS_SESSION_BUS_ADDRESS is not set";
}

/* Learn the server's capabilities from its list. */
static void
notifier_caps(struct notifier *n)
{
	GList *caps, *l;

	notify_init("nadzor");
	n->initted = 1;
	if ((caps = notify_get_server_caps()) == NULL) {
		notifier_fallback(n, "it gave no capabilities");
		return;
	}
	for (l = caps; l != NULL; l = l->next) {
		if (strcmp(l->data, "actions") == 0)
			n->actions = 1;
		else if (strcmp(l->data, "body-markup") == 0)
			n->markup = 1;
	}
	g_list_free_full(caps, g_free);
}

/* Is a notification service there?  Asked directly, so that the reason
 * can be told when it is not (libnotify keeps it to itself). */
static void
notifier_probe(struct notifier *n)
{
	GDBusConnection	*bus;
	GVariant	*v = NULL;
	GError		*err = NULL;
	const char	*why, *name, *vendor, *version, *spec;

	if ((why = notifier_no_bus()) != NULL) {
		notifier_fallback(n, why);
		return;
	}
	if ((bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err)) != NULL) {
		v = g_dbus_connection_call_sync(bus,
		    "org.freedesktop.Notifications",
		    "/org/freedesktop/Notifications",
		    "org.freedesktop.Notifications", "GetServerInformation",
		    NULL, G_VARIANT_TYPE("(ssss)"), G_DBUS_CALL_FLAGS_NONE, -1,
		    NULL, &err);
		g_object_unref(bus);
	}
	if (v == NULL) {
		g_dbus_error_strip_remote_error(err);
		notifier_fallback(n, err->message);
		g_error_free(err);
		return;
	}
	g_variant_get(v, "(&s&s&s&s)", &name, &vendor, &version, &spec);
	fprintf(stderr, "nadzor: alerts go to the desktop (%s %s)\n", name,
	    version);
	g_variant_unref(v);
	notifier_caps(n);
}

/* The thread: its own main context (libnotify's signals, the Acknowledge
 * button, arrive there), the probe, then alerts as they are queued. */
static void *
notifier_main(void *arg)
{
	struct notifier	*n = arg;
	GSource		*wake;

	n->ctx = g_main_context_new();
	g_main_context_push_thread_default(n->ctx);
	wake = g_unix_fd_source_new(n->wake[0], G_IO_IN);
	g_source_set_callback(wake, G_SOURCE_FUNC(notifier_wake), n, NULL);
	g_source_attach(wake, n->ctx);
	if (n->desktop)
		notifier_probe(n);
	notifier_drain(n);
	while (!n->quit)
		g_main_context_iteration(n->ctx, TRUE);
	g_list_free_full(n->shown, g_object_unref);
	if (n->initted)
		notify_uninit();
	/* GDBus frees what a dropped signal subscription held from an idle
	 * source on the subscriber's context, this one: let them run. */
	while (g_main_context_iteration(n->ctx, FALSE))
		;
	if (n->retry != NULL) {
		g_source_destroy(n->retry);
		g_source_unref(n->retry);
	}
	g_source_destroy(wake);
	g_source_unref(wake);
	g_main_context_pop_thread_default(n->ctx);
	g_main_context_unref(n->ctx);
	pthread_mutex_lock(&n->lock);
	n->finished = 1;
	pthread_cond_broadcast(&n->ended);
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

struct notifier *
notifier_start(struct client *cl, const char *lang, int desktop)
{
	struct notifier		*n = xcalloc(1, sizeof *n);
	pthread_condattr_t	 ca;
	sigset_t		 all, old;

	n->cl = cl;
	n->lang = lang;
	n->desktop = desktop;
	n->tail = &n->head;
	if (pipe2(n->wake, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("pipe2");
	pthread_mutex_init(&n->out, NULL);
	pthread_mutex_init(&n->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->ended, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals are for the reader's event loop, never this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if ((errno = pthread_create(&n->thread, NULL, notifier_main, n)) != 0)
		fatal("pthread_create");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return n;
}

/* Wake the thread; a full pipe is already a wake-up. */
static void
notifier_nudge(struct notifier *n)
{
	if (write(n->wake[1], "", 1) == -1 && errno != EAGAIN)
		log_warn("notifier: write");
}

void
notifier_post(struct notifier *n, json_t *a)
{
	struct pending *p = xcalloc(1, sizeof *p);

	p->alert = a;
	pthread_mutex_lock(&n->lock);
	*n->tail = p;
	n->tail = &p->next;
	pthread_mutex_unlock(&n->lock);
	notifier_nudge(n);
}

/* The thread is stuck in D-Bus: print what it has not shown, so nothing is
 * lost.  The queue stays the thread's (it may be using the head), but once
 * abandoned is set it frees none of it, so a copy of the list stays valid.
 * 0 if the thread has finished after all (nothing to abandon). */
static int
notifier_abandon(struct notifier *n)
{
	struct pending	*p, **v;
	size_t		 i, count = 0;

	pthread_mutex_lock(&n->out);
	pthread_mutex_lock(&n->lock);
	if (n->finished) {
		pthread_mutex_unlock(&n->lock);
		pthread_mutex_unlock(&n->out);
		return 0;
	}
	n->abandoned = 1;
	for (p = n->head; p != NULL; p = p->next)
		count++;
	v = xcalloc(count + 1, sizeof *v);
	for (p = n->head, i = 0; p != NULL; p = p->next, i++)
		v[i] = p;
	pthread_mutex_unlock(&n->lock);
	for (i = 0; i < count; i++)
		print_alert(n->lang, v[i]->alert);
	pthread_mutex_unlock(&n->out);
	if (count > 0)
		fprintf(stderr, "nadzor: the notification service does not "
		    "answer; %zu alert%s printed here\n", count,
		    count == 1 ? "" : "s");
	free(v);
	return -1;
}

int
notifier_stop(struct notifier *n, int wait_ms)
{
	struct timespec	 until;
	struct pending	*p;
	int		 finished;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&n->lock);
	n->stopping = 1;
	pthread_mutex_unlock(&n->lock);
	notifier_nudge(n);
	pthread_mutex_lock(&n->lock);
	while (!n->finished &&
	    pthread_cond_timedwait(&n->ended, &n->lock, &until) == 0)
		;
	finished = n->finished;
	pthread_mutex_unlock(&n->lock);
	if (!finished && notifier_abandon(n) == -1)
		return -1;
	pthread_join(n->thread, NULL);
	while ((p = n->head) != NULL) {
		n->head = p->next;
		json_decref(p->alert);
		free(p);
	}
	close(n->wake[0]);
	close(n->wake[1]);
	pthread_cond_destroy(&n->ended);
	pthread_mutex_destroy(&n->lock);
	pthread_mutex_destroy(&n->out);
	free(n);
	return 0;
}
