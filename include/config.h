/* config.h - nadzord's settings: limits and paths, from flags and a file */
#ifndef NADZOR_CONFIG_H
#define NADZOR_CONFIG_H

#include <stddef.h>

struct config {
	char	*db;			/* --db */
	char	*listen;		/* --listen HOST:PORT */
	char	*rules;			/* --rules DIR */
	int	 foreground;
	char	*user;			/* started as root: become this user */
	/* Limits (all set explicitly: libevent has none by default). */
	size_t	 max_record;		/* bytes of one record */
	size_t	 max_batch;		/* bytes of a <batch> body */
	size_t	 max_headers;		/* bytes of all request headers */
	int	 max_conns;		/* open connections */
	int	 idle_timeout;		/* seconds a connection may stay silent */
	int	 request_timeout;	/* seconds from a request's first byte to its end */
	int	 auth_failures;		/* failed logins per second before 429 */
	int	 parser_threads;	/* threads validating records */
	char	*alert_hook;		/* a command run for each alert, or NULL */
	int	 alert_hook_timeout;	/* seconds before it is killed */
	int	 alert_hook_backoff;	/* seconds before the first retry */
	size_t	 events_max_queue;	/* bytes a watcher may leave unread */
	int	 list_timeout_ms;	/* an obligation list read longer: 503 */
};

void	config_defaults(struct config *);
/* Read "key value" lines; -1 and *err naming the file and line. */
int	config_load(struct config *, const char *path, char **err);
void	config_free(struct config *);

#endif
