/* tz.c - TZif files (RFC 8536) read into offsets, for local time without TZ */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "readfile.h"
#include "tz.h"

#define DAY		INT64_C(86400)
#define MAXFILE		(256 * 1024)	/* the largest system zone is 4 KiB */
#define MAXOFF		(26 * 3600)	/* wider than any offset ever used */
#define HEADER		44	/* "TZif", version, 15 unused, 6 counts */

/*
 * A zone as segments: from at[i] (inclusive) until at[i + 1] the clock is
 * off[i] seconds east of UTC.  at[0] is INT64_MIN: before the first
 * transition time type 0 rules (RFC 8536, 3.2).
 */
struct tz {
	char		 name[TZ_NAMEMAX + 1];
	int64_t		*at;
	int32_t		*off;
	size_t		 n;
};

/* The six counts of a TZif header, in the file's order. */
struct counts {
	uint32_t	isut, isstd, leap, time, type, chars;
};

/* A big-endian 32-bit unsigned integer. */
static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A big-endian 64-bit two's complement integer. */
static int64_t
be64(const unsigned char *p)
{
	uint64_t	u = (uint64_t)be32(p) << 32 | be32(p + 4);
	int64_t		v;

	/* Through memcpy: converting a large uint64_t to int64_t directly
	 * is implementation-defined. */
	memcpy(&v, &u, sizeof(v));
	return v;
}

/* Floor division: -1 / DAY is day -1, not day 0. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* An ASCII letter (isalpha() would follow the locale). */
static int
is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* ------------------------------------------------------------------ */
/* Dates                                                               */

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); the month is first brought into 1..12. */
int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe, mm = m - 1;

	y += floor_div(mm, 12);
	mm -= floor_div(mm, 12) * 12;
	m = (int)mm + 1;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of tz_days_from_civil. */
void
tz_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* ------------------------------------------------------------------ */
/* Names and files                                                     */

/* A name quoted in an error: printable ASCII only, so it cannot forge
 * a log line, and cut short. */
static void
quote_name(char *dst, size_t size, const char *name)
{
	size_t	i;

	for (i = 0; name[i] != '\0' && i + 1 < size; i++)
		dst[i] = name[i] > 0x20 && name[i] < 0x7f ? name[i] : '?';
	dst[i] = '\0';
}

/* Whether a zone name can only name a file under TZ_DIR. */
static int
check_name(const char *name, char **err)
{
	char	q[TZ_NAMEMAX + 1];
	size_t	i, len = strnlen(name, TZ_NAMEMAX + 1);

	quote_name(q, sizeof(q), name);
	if (len == 0) {
		*err = xstrdup("a time zone name is empty");
		return -1;
	}
	if (len > TZ_NAMEMAX) {
		xasprintf(err, "time zone name '%s...' is longer than %d bytes",
		    q, TZ_NAMEMAX);
		return -1;
	}
	if (name[0] == '/' || strstr(name, "..") != NULL) {
		xasprintf(err, "time zone name '%s' is refused: a name is "
		    "relative to %s and has no '..'", q, TZ_DIR);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (is_alpha(name[i]) || strchr("_/+-", name[i]) != NULL)
			continue;
		xasprintf(err, "time zone name '%s' is refused: only letters, "
		    "'_', '/', '+' and '-' are allowed", q);
		return -1;
	}
	if (strstr(name, "//") != NULL || name[len - 1] == '/') {
		xasprintf(err, "time zone name '%s' has an empty part", q);
		return -1;
	}
	return 0;
}

/* The whole zone file, at most MAXFILE bytes; the caller frees *buf. */
static int
read_file(const char *name, const char *path, unsigned char **buf,
    size_t *len, char **err)
{
	char eb[128];

	switch (readfile(path, MAXFILE, (char **)buf, len)) {
	case READFILE_OK:
		return 0;
	case READFILE_NOTREG:
		xasprintf(err, "time zone '%s': %s is not a file", name, path);
		break;
	case READFILE_TOOBIG:
		xasprintf(err, "time zone '%s': %s is larger than any zone "
		    "file (%d bytes)", name, path, MAXFILE);
		break;
	default:
		xasprintf(err, "time zone '%s': %s: %s", name, path,
		    strerror_r(errno, eb, sizeof(eb)));
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* TZif                                                                */

/* Read a header at p; its version byte, or -1 if it is not a header. */
static int
header(const unsigned char *p, size_t avail, struct counts *c)
{
	if (avail < HEADER || memcmp(p, "TZif", 4) != 0)
		return -1;
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	return p[4];
}

/* Bytes of the data block after a header, times of tsize bytes; SIZE_MAX
 * if a count is absurd (each is bounded by the file: the sum cannot wrap). */
static size_t
block_len(const struct counts *c, size_t tsize)
{
	if (c->isut > MAXFILE || c->isstd > MAXFILE || c->leap > MAXFILE ||
	    c->time > MAXFILE || c->type > MAXFILE || c->chars > MAXFILE)
		return SIZE_MAX;
	return (size_t)c->time * tsize + c->time + (size_t)c->type * 6 +
	    c->chars + (size_t)c->leap * (tsize + 4) + c->isstd + c->isut;
}

/* A POSIX TZ offset "[+-]hh[:mm[:ss]]" at *s, as seconds WEST of UTC. */
static int
posix_offset(const char **s, int32_t *west)
{
	const char	*p = *s;
	int		 sign = 1, part[3] = { 0, 0, 0 }, i, n;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (i = 0; i < 3; i++) {
		if (i > 0 && *p++ != ':')
			return -1;
		for (n = 0; n < 3 && *p >= '0' && *p <= '9'; n++)
			part[i] = part[i] * 10 + (*p++ - '0');
		if (n == 0 || (i > 0 && part[i] > 59) || part[0] > 24)
			return -1;
		if (*p != ':')
			break;
	}
	*west = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	*s = p;
	return 0;
}

/*
 * The footer's TZ string when it is a fixed offset: a name ("UTC",
 * "<+05>") and an offset, nothing after ("<+05>-5" is UTC+5: POSIX counts
 * west).  0 with *east set if so; -1 for anything else, DST rules
 * included: then the last transition stays in force.
 */
static int
footer_fixed(const char *s, int32_t *east)
{
	const char	*p = s;
	int32_t		 west;

	if (*p == '<') {
		while (*++p != '>')
			if (!is_alpha(*p) && (*p == '\0' ||
			    strchr("+-0123456789", *p) == NULL))
				return -1;
		if (p - s < 4)
			return -1;
		p++;
	} else {
		while (is_alpha(*p))
			p++;
		if (p - s < 3)
			return -1;
	}
	if (posix_offset(&p, &west) == -1 || *p != '\0')
		return -1;
	*east = -west;
	return 0;
}

/* Check the version 2 data block at d (c counts) and fill z from it. */
static int
load_block(struct tz *z, const unsigned char *d, const struct counts *c,
    const char *footer, char **err)
{
	const unsigned char	*idx = d + (size_t)c->time * 8;
	const unsigned char	*types = idx + c->time;
	int32_t			 utoff, last;
	size_t			 i;

	for (i = 0; i < c->type; i++) {
		utoff = (int32_t)be32(types + i * 6);
		if (utoff < -MAXOFF || utoff > MAXOFF || types[i * 6 + 4] > 1 ||
		    types[i * 6 + 5] >= c->chars) {
			xasprintf(err, "time zone '%s': time type %zu is "
			    "invalid", z->name, i);
			return -1;
		}
	}
	z->n = 1 + c->time + 1;		/* room for a footer segment */
	z->at = xcalloc(z->n, sizeof(*z->at));
	z->off = xcalloc(z->n, sizeof(*z->off));
	z->at[0] = INT64_MIN;
	z->off[0] = (int32_t)be32(types);
	for (i = 0; i < c->time; i++) {
		z->at[i + 1] = be64(d + i * 8);
		if (idx[i] >= c->type || z->at[i + 1] == INT64_MIN ||
		    (i > 0 && z->at[i + 1] <= z->at[i])) {
			xasprintf(err, "time zone '%s': transition %zu is "
			    "invalid or out of order", z->name, i);
			return -1;
		}
		z->off[i + 1] = (int32_t)be32(types + idx[i] * 6);
	}
	z->n = 1 + c->time;
	/* After the last transition the footer rules (RFC 8536, 3.3); with
	 * no transition at all it rules everywhere. */
	if (footer_fixed(footer, &utoff) == -1)
		return 0;
	last = z->off[z->n - 1];
	if (c->time == 0)
		z->off[0] = utoff;
	else if (utoff != last && z->at[z->n - 1] < INT64_MAX) {
		z->at[z->n] = z->at[z->n - 1] + 1;
		z->off[z->n++] = utoff;
	}
	return 0;
}

/* Parse a whole TZif file of version 2 or later into z. */
static int
parse(struct tz *z, const unsigned char *b, size_t len, char **err)
{
	struct counts	 c;
	size_t		 pos, need;
	const char	*nl;
	char		 footer[128];
	int		 v;

	if ((v = header(b, len, &c)) == -1) {
		xasprintf(err, "time zone '%s': not a TZif file", z->name);
		return -1;
	}
	if (v < '2' || v > '9') {
		xasprintf(err, "time zone '%s': TZif version %s; version 2 or "
		    "later (64-bit times) is needed", z->name,
		    v == 0 ? "1" : "unknown");
		return -1;
	}
	/* Skip the version 1 block: its 32-bit times end in 2038. */
	if ((need = block_len(&c, 4)) > len - HEADER)
		goto truncated;
	pos = HEADER + need;
	if (header(b + pos, len - pos, &c) != v)
		goto truncated;
	pos += HEADER;
	if (c.type == 0 || c.type > 256 || c.chars == 0 ||
	    (c.isstd != 0 && c.isstd != c.type) ||
	    (c.isut != 0 && c.isut != c.type)) {
		xasprintf(err, "time zone '%s': the TZif header is invalid",
		    z->name);
		return -1;
	}
	if (c.leap != 0) {
		xasprintf(err, "time zone '%s' counts leap seconds; use the "
		    "zone without them", z->name);
		return -1;
	}
	if ((need = block_len(&c, 8)) > len - pos)
		goto truncated;
	/* The footer: "\n" TZ string "\n". */
	footer[0] = '\0';
	if (pos + need < len) {
		if (b[pos + need] != '\n' || (nl = memchr(b + pos + need + 1,
		    '\n', len - pos - need - 1)) == NULL ||
		    nl - (const char *)(b + pos + need + 1) >=
		    (ptrdiff_t)sizeof(footer))
			goto truncated;
		memcpy(footer, b + pos + need + 1,
		    nl - (const char *)(b + pos + need + 1));
		footer[nl - (const char *)(b + pos + need + 1)] = '\0';
	}
	return load_block(z, b + pos, &c, footer, err);
truncated:
	xasprintf(err, "time zone '%s': the TZif file is truncated or "
	    "malformed", z->name);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Interface                                                           */

/* Load a zone by name from TZ_DIR. */
struct tz *
tz_load(const char *name, char **err)
{
	struct tz	*z = NULL;
	unsigned char	*buf = NULL;
	size_t		 len;
	char		*path = NULL;

	if (check_name(name, err) == -1)
		goto fail;
	xasprintf(&path, "%s/%s", TZ_DIR, name);
	if (read_file(name, path, &buf, &len, err) == -1)
		goto fail;
	z = xcalloc(1, sizeof(*z));
	memcpy(z->name, name, strlen(name) + 1);
	if (parse(z, buf, len, err) == -1)
		goto fail;
	free(buf);
	free(path);
	return z;
fail:
	tz_free(z);
	free(buf);
	free(path);
	return NULL;
}

/* Free a zone no thread uses any more. */
void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->at);
	free(z->off);
	free(z);
}

/* The name the zone was loaded by. */
const char *
tz_name(const struct tz *z)
{
	return z->name;
}

/* The segment in force at t: the last with at[i] <= t. */
static size_t
segment(const struct tz *z, int64_t t)
{
	size_t	lo = 0, hi = z->n, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Seconds east of UTC at an instant. */
int
tz_offset(const struct tz *z, int64_t utc)
{
	return z->off[segment(z, utc)];
}

/*
 * Every offset is under MAXOFF, so the instants that can show wall time
 * L lie within L +- 2 days: only the segments there are tried.
 */
int64_t
tz_local_to_utc(const struct tz *z, int y, int m, int d, int hh, int mm,
    int ss)
{
	int64_t	L, t, best = INT64_MAX;
	size_t	i, lo;

	L = tz_days_from_civil(y, m, d) * DAY + (int64_t)hh * 3600 +
	    (int64_t)mm * 60 + ss;
	lo = segment(z, L - 2 * DAY);
	for (i = lo; i < z->n && (i == lo || z->at[i] <= L + 2 * DAY); i++) {
		t = L - z->off[i];
		if (t >= z->at[i] && (i + 1 == z->n || t < z->at[i + 1]) &&
		    t < best)
			best = t;	/* an overlap keeps the earlier */
	}
	if (best != INT64_MAX)
		return best;
	/* A gap: the clock jumped from before L to after it at at[i]. */
	for (i = lo + 1; i < z->n && z->at[i] <= L + 2 * DAY; i++)
		if (z->at[i] + z->off[i - 1] <= L && L < z->at[i] + z->off[i])
			return z->at[i];
	return L - tz_offset(z, L);	/* no sane zone gets here */
}

/* The local date at an instant. */
void
tz_local_date(const struct tz *z, int64_t utc, int *y, int *m, int *d)
{
	int64_t	local;

	if (__builtin_add_overflow(utc, (int64_t)tz_offset(z, utc), &local))
		local = utc;	/* the end of time: no calendar anyway */
	tz_civil_from_days(floor_div(local, DAY), y, m, d);
}
