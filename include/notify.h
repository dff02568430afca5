/* notify.h - alerts on the officer's desktop: a thread that owns libnotify */
#ifndef NADZOR_NOTIFY_H
#define NADZOR_NOTIFY_H

struct client;
struct notifier;
typedef struct json_t json_t;

/*
 * The notifier is a thread of its own with its own GMainContext: libnotify's
 * calls are synchronous D-Bus calls that block 25 s on a hung server, so
 * nothing else may wait on them.  Alerts reach it through a queue; each
 * stays queued until it is shown (or printed).  With no session bus or no
 * notification service it says so once on stderr and prints each alert as
 * one line on stdout instead.
 */

/* Start the thread.  Its words are the gettext catalogues' in the language
 * taken with i18n_use() before; lang (ru, kk or en) picks the rule's title.
 * desktop 0 (--no-notify): print on stdout only.  The client is used for
 * the Acknowledge action and must outlive the notifier, as must lang. */
struct notifier	*notifier_start(struct client *, const char *lang,
		    int desktop);

/* Queue one alert (the daemon's JSON object; the notifier takes the
 * reference).  Never waits on D-Bus: a mutex held for a list append and a
 * write to a pipe. */
void		 notifier_post(struct notifier *, json_t *);

/* Stop: give the thread up to wait_ms to show what is queued, then print
 * on stdout whatever is still not shown, so no alert is lost.  0 if the
 * thread finished, -1 if it is stuck in D-Bus (it is left to the exit). */
int		 notifier_stop(struct notifier *, int wait_ms);

#endif
