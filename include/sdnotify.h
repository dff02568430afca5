/* sdnotify.h - telling systemd the daemon's state (sd_notify, Type=notify) */
#ifndef NADZOR_SDNOTIFY_H
#define NADZOR_SDNOTIFY_H

enum sdnotify_state {
	SDNOTIFY_READY,		/* listening, database open, loop running;
				 * again after a reload, good or refused */
	SDNOTIFY_RELOADING,	/* SIGHUP: rules being read again */
	SDNOTIFY_STOPPING,	/* SIGTERM: finishing what is in flight */
};

/* Send the state and a STATUS= line from fmt in one datagram to
 * $NOTIFY_SOCKET; nothing when the variable is unset (not started by
 * systemd).  A failed send is logged: systemd would time the service out. */
void	sdnotify(enum sdnotify_state, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
