/* submission.h - submitted reports: frozen documents beside the data they show */
#ifndef NADZOR_SUBMISSION_H
#define NADZOR_SUBMISSION_H

#include <stddef.h>

#include "report.h"
#include "user.h"

struct store;

#define SUBMISSION_REASONMAX	2000	/* bytes of a correction's reason */

/*
 * A report as it was submitted: the document the client rendered (stored
 * byte for byte), the report XML the daemon computed at that moment from
 * the same figures, and the SHA-256 of each.  (kind, period, scope) names
 * the report; each submission of it is a version, the first with no
 * reason, every later one a correction with the reason given.  Rows never
 * change (triggers refuse UPDATE and DELETE).
 */
struct submission {
	long long	 id;
	int		 version;
	char		 kind[12];
	char		 period[12];
	char		 scope[REPORT_SCOPEMAX];
	char		 format[8];		/* html, csv, xml, pdf */
	char		 lang[8];
	char		*reason;		/* NULL for version 1 */
	char		 by[USER_LOGINMAX + 1];	/* the submitter's login */
	long long	 by_id;
	long long	 at;			/* seconds, UTC */
	char		 data_sha256[REPORT_SHA256HEX];
	char		 doc_sha256[REPORT_SHA256HEX];
	char		*data;			/* the report XML */
	size_t		 datalen;
	unsigned char	*doc;			/* the document */
	size_t		 doclen;
};

/* 1 if format is one a submitted document may have. */
int	submission_format_valid(const char *);
/* The Content-Type a document of that format is served with. */
const char	*submission_ctype(const char *format);

/* 1 if u sees every region of scope (a national one: national users only). */
int	submission_visible(const struct user *, const char *scope);

/* The latest version of (kind, period, scope), with its data XML (no
 * document): 0 found, 1 none, -1 the database cannot be read. */
int	submission_latest(struct store *, const char *kind, const char *period,
	    const char *scope, struct submission *);

/*
 * Writer thread, inside the group's transaction: store s as the next
 * version of its report, with an audit entry, filling s->id, s->version,
 * s->at and s->doc_sha256.  A first version needs no reason and a later
 * one must give one: else WJOB_REFUSED with *status 409 and *msg naming
 * the existing submission.  WJOB_OK, or WJOB_FAILED if storage failed.
 */
int	submission_store(struct store *, struct submission *, int *status,
	    char **msg);

/* Free what s holds (not s). */
void	submission_clear(struct submission *);

#endif
