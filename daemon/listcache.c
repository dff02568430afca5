/* listcache.c - obligation lists as rendered, kept until the database changes */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "listcache.h"
#include "log.h"
#include "store.h"

struct lentry {
	TAILQ_ENTRY(lentry)	 entry;		/* most recently used first */
	uint64_t		 hash;		/* of the key: most keys differ in it */
	unsigned char		*key;
	size_t			 keylen;
	char			*body;
	size_t			 len;
	int			 refs;		/* the cache's, one per answer */
};

struct listcache {
	TAILQ_HEAD(lentries, lentry) entries;
	size_t			 n;
	size_t			 bytes;
	unsigned long long	 gen;		/* what every entry was read at */
	unsigned char		 law[32];	/* and rendered under */
	unsigned long long	 served;	/* answers sent from an entry */
};

/* Let go of an entry: freed when neither the cache nor an answer holds it. */
static void
lentry_unref(struct lentry *e)
{
	if (--e->refs > 0)
		return;
	free(e->key);
	free(e->body);
	free(e);
}

/* libevent is done with a body it was lent (written, or the connection
 * went away). */
static void
lentry_written(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	lentry_unref(arg);
}

/* Take an entry out of the cache. */
static void
lc_drop(struct listcache *c, struct lentry *e)
{
	TAILQ_REMOVE(&c->entries, e, entry);
	c->n--;
	c->bytes -= e->len + e->keylen;
	lentry_unref(e);
}

/* Drop everything if the database or the law has changed since the
 * entries were made: they could only ever be served stale. */
static void
lc_epoch(struct listcache *c, unsigned long long gen,
    const unsigned char law[32])
{
	if (gen == c->gen && memcmp(law, c->law, sizeof c->law) == 0)
		return;
	while (!TAILQ_EMPTY(&c->entries))
		lc_drop(c, TAILQ_FIRST(&c->entries));
	c->gen = gen;
	memcpy(c->law, law, sizeof c->law);
}

/* The entry of key, or NULL. */
static struct lentry *
lc_find(struct listcache *c, uint64_t h, const void *key, size_t keylen)
{
	struct lentry *e;

	TAILQ_FOREACH(e, &c->entries, entry)
		if (e->hash == h && e->keylen == keylen &&
		    memcmp(e->key, key, keylen) == 0)
			return e;
	return NULL;
}

struct listcache *
listcache_new(void)
{
	struct listcache *c = xcalloc(1, sizeof *c);

	TAILQ_INIT(&c->entries);
	return c;
}

void
listcache_free(struct listcache *c)
{
	if (c == NULL)
		return;
	while (!TAILQ_EMPTY(&c->entries))
		lc_drop(c, TAILQ_FIRST(&c->entries));
	free(c);
}

int
listcache_get(struct listcache *c, unsigned long long gen,
    const unsigned char law[32], const void *key, size_t keylen,
    struct evbuffer *out)
{
	struct lentry *e;

	lc_epoch(c, gen, law);
	if ((e = lc_find(c, store_hash(key, keylen), key, keylen)) == NULL)
		return -1;
	e->refs++;
	if (evbuffer_add_reference(out, e->body, e->len, lentry_written,
	    e) == -1) {
		e->refs--;
		return -1;
	}
	TAILQ_REMOVE(&c->entries, e, entry);
	TAILQ_INSERT_HEAD(&c->entries, e, entry);
	c->served++;
	return 0;
}

void
listcache_stats(struct listcache *c, size_t *kept, unsigned long long *served)
{
	*kept = c->n;
	*served = c->served;
}

void
listcache_put(struct listcache *c, unsigned long long gen,
    const unsigned char law[32], const void *key, size_t keylen,
    struct evbuffer *body)
{
	struct lentry	*e;
	size_t		 len = evbuffer_get_length(body);
	uint64_t	 h = store_hash(key, keylen);

	/* Read before a change the cache has already seen: old already. */
	if (gen < c->gen || len == 0 || len + keylen > LISTCACHE_ENTRY_MAX)
		return;
	lc_epoch(c, gen, law);
	if ((e = lc_find(c, h, key, keylen)) != NULL)
		lc_drop(c, e);
	while (!TAILQ_EMPTY(&c->entries) && (c->n + 1 > LISTCACHE_ENTRIES ||
	    c->bytes + len + keylen > LISTCACHE_BYTES))
		lc_drop(c, TAILQ_LAST(&c->entries, lentries));
	e = xcalloc(1, sizeof *e);
	e->hash = h;
	e->key = xmalloc(keylen);
	memcpy(e->key, key, keylen);
	e->keylen = keylen;
	e->body = xmalloc(len);
	evbuffer_copyout(body, e->body, len);
	e->len = len;
	e->refs = 1;
	TAILQ_INSERT_HEAD(&c->entries, e, entry);
	c->n++;
	c->bytes += len + keylen;
}
