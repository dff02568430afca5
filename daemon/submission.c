/* submission.c - submitted reports: stored once, never changed, versioned by correction */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "log.h"
#include "record.h"
#include "store.h"
#include "submission.h"
#include "workq.h"

/* Submissions are few: their statements are prepared each time rather
 * than kept in a connection's bounded cache. */

static const struct {
	const char	*format;
	const char	*ctype;
} formats[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "xml", "application/xml; charset=utf-8" },
	{ "pdf", "application/pdf" },
};

int
submission_format_valid(const char *format)
{
	return submission_ctype(format) != NULL;
}

const char *
submission_ctype(const char *format)
{
	size_t i;

	for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(formats[i].format, format) == 0)
			return formats[i].ctype;
	return NULL;
}

int
submission_visible(const struct user *u, const char *scope)
{
	char		 region[16];
	const char	*p = scope;
	size_t		 n;

	if (strcmp(scope, "all") == 0)
		return u->nregions == 0 && !role_needs_region(u->role);
	while (*p != '\0') {
		n = strcspn(p, " ");
		if (n == 0 || n >= sizeof region)
			return 0;
		memcpy(region, p, n);
		region[n] = '\0';
		if (!user_sees_region(u, region))
			return 0;
		p += n + (p[n] == ' ');
	}
	return p != scope;
}

/* Copy a text column into a fixed buffer. */
static void
col_text(sqlite3_stmt *s, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

int
submission_latest(struct store *st, const char *kind, const char *period,
    const char *scope, struct submission *sub)
{
	sqlite3_stmt	*s;
	int		 rc;

	memset(sub, 0, sizeof *sub);
	if (sqlite3_prepare_v2(store_db(st), "SELECT s.id, s.version, s.format, s.lang, u.login,"
	    " s.submitted_by, s.submitted_at, s.data_sha256, s.document_sha256,"
	    " s.data_xml FROM submission s JOIN user u ON u.id = s.submitted_by"
	    " WHERE s.kind = ? AND s.period = ? AND s.scope = ?"
	    " ORDER BY s.version DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK)
		return -1;
	store_bind_text(s, 1, kind);
	store_bind_text(s, 2, period);
	store_bind_text(s, 3, scope);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sub->id = sqlite3_column_int64(s, 0);
		sub->version = sqlite3_column_int(s, 1);
		col_text(s, 2, sub->format, sizeof sub->format);
		col_text(s, 3, sub->lang, sizeof sub->lang);
		col_text(s, 4, sub->by, sizeof sub->by);
		sub->by_id = sqlite3_column_int64(s, 5);
		sub->at = sqlite3_column_int64(s, 6);
		col_text(s, 7, sub->data_sha256, sizeof sub->data_sha256);
		col_text(s, 8, sub->doc_sha256, sizeof sub->doc_sha256);
		sub->datalen = (size_t)sqlite3_column_bytes(s, 9);
		sub->data = xmalloc(sub->datalen + 1);
		memcpy(sub->data, sqlite3_column_text(s, 9), sub->datalen);
		sub->data[sub->datalen] = '\0';
	}
	sqlite3_finalize(s);
	snprintf(sub->kind, sizeof sub->kind, "%s", kind);
	snprintf(sub->period, sizeof sub->period, "%s", period);
	snprintf(sub->scope, sizeof sub->scope, "%s", scope);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : -1;
}

/* 409 unless s may be the next version: a first one without a reason, a
 * correction of an existing one with its reason. */
static int
submission_next(struct store *st, struct submission *s, int *status,
    char **msg)
{
	struct submission	 last;
	char			 at[32];
	int			 rc;

	if ((rc = submission_latest(st, s->kind, s->period, s->scope,
	    &last)) == -1)
		return WJOB_FAILED;
	s->version = rc == 0 ? last.version + 1 : 1;
	if (rc == 0 && s->reason == NULL) {
		*status = 409;
		rfc3339_format(last.at, 0, at, sizeof at);
		xasprintf(msg, "%s %s (%s) was submitted already: #%lld, version "
		    "%d, on %s by %s; a correction is a new version and needs "
		    "its reason (nadzor report ... --submit --resubmit REASON)",
		    s->kind, s->period, s->scope, last.id, last.version,
		    at, last.by);
	} else if (rc == 1 && s->reason != NULL) {
		*status = 409;
		xasprintf(msg, "%s %s (%s) has not been submitted: there is "
		    "nothing to correct; submit it without a reason", s->kind,
		    s->period, s->scope);
	}
	submission_clear(&last);
	return *status == 409 ? WJOB_REFUSED : WJOB_OK;
}

/* The audit entry: what was submitted, and both hashes, so the history
 * vouches for the stored row even if someone bypasses the triggers. */
static int
submission_audit(struct store *st, const struct submission *s)
{
	char	 obj[48], *detail;
	int	 rc;

	snprintf(obj, sizeof obj, "submission %lld", s->id);
	xasprintf(&detail, "%s %s (%s) version %d, %s %s, data-sha256 %s, "
	    "document-sha256 %s%s%s", s->kind, s->period, s->scope, s->version,
	    s->format, s->lang, s->data_sha256, s->doc_sha256,
	    s->reason ? "; reason: " : "", s->reason ? s->reason : "");
	rc = audit_append(st, s->by, "report.submit", obj, detail);
	free(detail);
	return rc;
}

int
submission_store(struct store *st, struct submission *s, int *status,
    char **msg)
{
	unsigned char	 md[crypto_hash_sha256_BYTES];
	sqlite3_stmt	*stmt;
	int		 rc;

	*status = 0;
	if ((rc = submission_next(st, s, status, msg)) != WJOB_OK)
		return rc;
	crypto_hash_sha256(md, s->doc, s->doclen);
	sodium_bin2hex(s->doc_sha256, sizeof s->doc_sha256, md, sizeof md);
	s->at = now_s();
	if (sqlite3_prepare_v2(store_db(st), "INSERT INTO submission (kind, period, scope,"
	    " version, reason, format, lang, submitted_by, submitted_at,"
	    " data_sha256, document_sha256, data_xml, document) VALUES"
	    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &stmt, NULL) !=
	    SQLITE_OK)
		return WJOB_FAILED;
	store_bind_text(stmt, 1, s->kind);
	store_bind_text(stmt, 2, s->period);
	store_bind_text(stmt, 3, s->scope);
	sqlite3_bind_int(stmt, 4, s->version);
	store_bind_text(stmt, 5, s->reason);
	store_bind_text(stmt, 6, s->format);
	store_bind_text(stmt, 7, s->lang);
	sqlite3_bind_int64(stmt, 8, s->by_id);
	sqlite3_bind_int64(stmt, 9, s->at);
	store_bind_text(stmt, 10, s->data_sha256);
	store_bind_text(stmt, 11, s->doc_sha256);
	sqlite3_bind_text(stmt, 12, s->data, (int)s->datalen, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 13, s->doc, (int)s->doclen, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return WJOB_FAILED;
	s->id = sqlite3_last_insert_rowid(store_db(st));
	if (submission_audit(st, s) == -1)
		return WJOB_FAILED;
	*status = 201;
	return WJOB_OK;
}

void
submission_clear(struct submission *s)
{
	free(s->reason);
	free(s->data);
	free(s->doc);
	s->reason = NULL;
	s->data = NULL;
	s->doc = NULL;
}
