/* log.c - to stderr, the journal or syslog; fatal() for broken invariants */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

/* The one piece of process-wide state: where log lines go, set once at
 * start; on stderr, whether each line carries its priority for journald. */
static int log_stderr = 1;
static int log_journal;

/* 1 if stderr is the stream systemd connected to the journal: JOURNAL_STREAM
 * names its device and inode (sd-daemon(3)).  A child that inherited the
 * variable but not the stream keeps the plain format. */
static int
log_is_journal(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;
	char			 end;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
	    fstat(2, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* Choose the destination before anything else is logged. */
void
log_init(const char *progname, int to_stderr)
{
	log_stderr = to_stderr;
	log_journal = to_stderr && log_is_journal();
	if (!to_stderr)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* "<N>" before a line printed to stderr directly, when stderr is the
 * journal's; else "". */
const char *
log_prefix(int pri)
{
	static const char *const pfx[] = {
		"<0>", "<1>", "<2>", "<3>", "<4>", "<5>", "<6>", "<7>",
	};

	return log_journal && pri >= 0 && pri <= 7 ? pfx[pri] : "";
}

/* Write one line; newlines and control characters from outside are escaped
 * so a field in a record cannot forge a log line. */
static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char	 buf[2048], out[4096];
	size_t	 i, o = 0;

	vsnprintf(buf, sizeof buf, fmt, ap);
	for (i = 0; buf[i] != '\0' && o + 5 < sizeof out; i++) {
		unsigned char c = buf[i];
		if (c < 0x20 || c == 0x7f)
			o += snprintf(out + o, sizeof out - o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o] = '\0';
	if (log_stderr)
		fprintf(stderr, "%s%s%s%s\n", log_prefix(pri), out,
		    suffix ? ": " : "", suffix ? suffix : "");
	else
		syslog(pri, "%s%s%s", out, suffix ? ": " : "",
		    suffix ? suffix : "");
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

/* A warning with the current errno spelled out. */
void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

/* Debug lines only when NADZOR_DEBUG is set: cheap to leave in. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (getenv("NADZOR_DEBUG") == NULL)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	abort();
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("malloc %zu", n);
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		fatal("calloc %zu x %zu", n, sz);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		fatal("realloc %zu", n);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		fatal("strndup");
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int	n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n == -1)
		fatal("vasprintf");
	return n;
}
