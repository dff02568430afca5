/* ingest.h - storing validated records: idempotent by (region, ref), all or nothing */
#ifndef NADZOR_INGEST_H
#define NADZOR_INGEST_H

#include <stdint.h>

struct law;
struct record_set;
struct schedvec;
struct store;

struct ingest_result {
	long long	id;
	int		created;	/* 0: the same record was already stored */
};

/*
 * Store every record of set inside the caller's transaction, with an audit
 * entry for each new one.  A record whose (region, ref) is stored with other
 * content refuses the whole set (409).  Returns a WJOB_* code; *status is
 * the HTTP status and *msg (malloc'd) why, when refused or failed.
 */
int	ingest_store(struct store *, const struct record_set *,
	    const char *actor, long long user_id, struct ingest_result *,
	    int *status, char **msg);

/* The same, and the duties the law attaches to each new record (role: the
 * submitter's); obligations to arm go in sv.  law may be NULL: none. */
int	ingest_store_law(struct store *, const struct record_set *,
	    const char *actor, long long user_id, const char *role,
	    const struct law *, int64_t now, struct ingest_result *,
	    struct schedvec *sv, int *status, char **msg);

#endif
