/* log.h - logging and fatal errors, in the manner of OpenSMTPD's log.c */
#ifndef NADZOR_LOG_H
#define NADZOR_LOG_H

#include <stdarg.h>

/* Where log lines go: stderr (foreground, client) or syslog (daemon).
 * On a stderr that systemd connected to the journal (JOURNAL_STREAM),
 * each line starts with its syslog priority, "<3>" for LOG_ERR. */
void	log_init(const char *progname, int to_stderr);
/* That "<N>" for a line written to stderr directly, or "". */
const char	*log_prefix(int pri);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Broken invariants only: never for input from outside. */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Allocation that cannot fail: running out of memory is an invariant broken. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

#endif
