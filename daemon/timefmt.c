/* timefmt.c - RFC 3339 instants with an explicit offset, to and from epoch seconds */

#include <stdint.h>
#include <string.h>

#include "record.h"
#include "tz.h"

#define MAXOFF		(14 * 3600)		/* the widest offset in use, +14:00 */
#define MINTIME		(-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define MAXTIME		(253402300799LL)	/* 9999-12-31T23:59:59Z */

/* Days in a month of a year, leap years included. */
static int
month_days(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Read exactly n ASCII digits; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
	int	v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* The offset part: "Z" or +hh:mm / -hh:mm, and nothing after it. */
static int
parse_offset(const char *s, int *off)
{
	int	hh, mm, sign;

	if (s[0] == 'Z' && s[1] == '\0') {
		*off = 0;
		return 0;
	}
	if (s[0] != '+' && s[0] != '-')
		return -1;
	sign = s[0] == '-' ? -1 : 1;
	if ((hh = digits(s + 1, 2)) == -1 || s[3] != ':' ||
	    (mm = digits(s + 4, 2)) == -1 || s[6] != '\0')
		return -1;
	if (mm > 59 || hh * 3600 + mm * 60 > MAXOFF)
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm), strictly: the fraction
 * (at most nanoseconds) is accepted but does not reach the epoch value. */
int
rfc3339_parse(const char *s, int64_t *t, int *utcoff)
{
	int	y, mo, d, h, mi, sec, off, n;

	if (s == NULL || strnlen(s, 64) < 20)
		return -1;
	if ((y = digits(s, 4)) == -1 || s[4] != '-' ||
	    (mo = digits(s + 5, 2)) == -1 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) == -1 || s[10] != 'T' ||
	    (h = digits(s + 11, 2)) == -1 || s[13] != ':' ||
	    (mi = digits(s + 14, 2)) == -1 || s[16] != ':' ||
	    (sec = digits(s + 17, 2)) == -1)
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return -1;
	s += 19;
	if (*s == '.') {
		for (n = 0, s++; *s >= '0' && *s <= '9'; s++)
			n++;
		if (n < 1 || n > 9)
			return -1;
	}
	if (parse_offset(s, &off) == -1)
		return -1;
	*t = tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	if (utcoff != NULL)
		*utcoff = off;
	return 0;
}

/* n decimal digits of v at p, zero-padded: snprintf's "%0*d" without its
 * format parsing, which lists of thousands of times notice. */
static char *
put_digits(char *p, int v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/* Epoch seconds to local time at utcoff, with that offset ("Z" for 0).
 * An offset with seconds (old LMT zones) is cut to whole minutes so the
 * local time and the offset written agree; an instant outside years
 * 1-9999 or an offset over 14 hours gives "" (a caller's bug, not input). */
void
rfc3339_format(int64_t t, int utcoff, char *buf, size_t len)
{
	int64_t	 local, days, secs;
	int	 y, m, d, off;
	char	 out[32], *p = out;

	if (len == 0)
		return;
	buf[0] = '\0';
	off = utcoff / 60 * 60;
	if (t < MINTIME || t > MAXTIME || off > MAXOFF || off < -MAXOFF)
		return;
	local = t + off;
	days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	secs = local - days * 86400;
	tz_civil_from_days(days, &y, &m, &d);
	p = put_digits(p, y, 4);	/* years 1 to 9999 */
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, (int)(secs / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (int)(secs / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (int)(secs % 60), 2);
	if (off == 0)
		*p++ = 'Z';
	else {
		*p++ = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		p = put_digits(p, off / 3600, 2);
		*p++ = ':';
		p = put_digits(p, off / 60 % 60, 2);
	}
	*p = '\0';
	/* As snprintf: cut to the buffer, always terminated. */
	if ((size_t)(p - out) >= len)
		out[len - 1] = '\0';
	memcpy(buf, out, strlen(out) + 1);
}
