/* listcache.h - obligation lists as rendered, kept until the database changes */
#ifndef NADZOR_LISTCACHE_H
#define NADZOR_LISTCACHE_H

#include <stddef.h>

struct evbuffer;

/*
 * The body of GET /api/v1/obligations depends only on the rows stored, on
 * the law in force (each time is written in its region's offset) and on
 * the caller's scope and query: nothing in it is computed from the clock
 * (a duty turns overdue when the scheduler writes it so, through the
 * writer).  A body rendered once is therefore sent again, byte for byte,
 * until the writer commits a change a list may show (writer_generation:
 * not a /healthz probe, nor an audit entry of a read) or another law is
 * put in force (its digest).  The key is the caller's scope (role and
 * regions) and the normalized query, never the token: every request is
 * authenticated before the cache is asked.
 *
 * A new generation or law drops every entry at once; beyond the bounds
 * below the least recently used go first.  Bodies are handed out by
 * reference, counted, so an entry dropped while an answer still holds it
 * is freed when that answer has been written.  Loop thread only.
 */
#define LISTCACHE_ENTRIES	64
#define LISTCACHE_BYTES		(32 * 1024 * 1024)
#define LISTCACHE_ENTRY_MAX	(4 * 1024 * 1024)	/* larger: not kept */

struct listcache;

struct listcache	*listcache_new(void);
/* Drop every entry; bodies still being written are freed after. */
void			 listcache_free(struct listcache *);

/* The body kept under key appended to out (not copied), 0; -1 if none was
 * rendered at generation gen under the law of that digest. */
int	listcache_get(struct listcache *, unsigned long long gen,
	    const unsigned char law[32], const void *key, size_t keylen,
	    struct evbuffer *out);
/* Keep a copy of body (left as it is) under key: rendered under that law
 * from a read transaction begun after writer_generation() gave gen. */
void	listcache_put(struct listcache *, unsigned long long gen,
	    const unsigned char law[32], const void *key, size_t keylen,
	    struct evbuffer *body);
/* Entries kept now, and answers sent from one so far: for /healthz, which
 * shows the cache at work. */
void	listcache_stats(struct listcache *, size_t *kept,
	    unsigned long long *served);

#endif
