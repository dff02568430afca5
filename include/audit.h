/* audit.h - the append-only, hash-chained history of who did what */
#ifndef NADZOR_AUDIT_H
#define NADZOR_AUDIT_H

#include <stdio.h>

struct store;

/*
 * Append one entry inside the caller's write transaction: the chain is only
 * consistent because appends are serialised by SQLite's write lock.
 * actor: a login, or "local:USER" for the command line.  0 or -1.
 */
int	audit_append(struct store *, const char *actor, const char *action,
	    const char *object, const char *detail);

/* Walk the chain; 0 if whole, else the id of the first broken entry, with
 * a sentence in why (a buffer of whylen). -1 if the table cannot be read. */
long long	audit_verify(struct store *, long long *count, char *why,
		    size_t whylen);

/* The actor name for commands run on the database file directly. */
void	audit_local_actor(char *buf, size_t len);

#endif
