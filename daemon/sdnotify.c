/* sdnotify.c - readiness, reload and stop told to systemd (Type=notify) */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "sdnotify.h"

void
sdnotify(enum sdnotify_state state, const char *fmt, ...)
{
	static const char *const names[] = {
		[SDNOTIFY_READY] = "READY=1",
		[SDNOTIFY_RELOADING] = "RELOADING=1",
		[SDNOTIFY_STOPPING] = "STOPPING=1",
	};
	struct timespec	 ts;
	char		 status[512], extra[64] = "";
	va_list		 ap;
	int		 rc;

	va_start(ap, fmt);
	vsnprintf(status, sizeof status, fmt, ap);
	va_end(ap);
	status[strcspn(status, "\n")] = '\0';
	/* The monotonic time of the request, as systemd.service(5) asks of
	 * Type=notify-reload (systemd 252 has none and ignores it). */
	if (state == SDNOTIFY_RELOADING) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(extra, sizeof extra, "\nMONOTONIC_USEC=%llu",
		    (unsigned long long)ts.tv_sec * 1000000ULL +
		    (unsigned long long)ts.tv_nsec / 1000ULL);
	}
	rc = sd_notifyf(0, "%s%s\nSTATUS=%s", names[state], extra, status);
	if (rc < 0)
		log_warnx("cannot tell systemd %s: %s", names[state],
		    strerror(-rc));
}
