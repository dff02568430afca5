/* test-listcache.c - the cache of rendered lists: epochs, bounds, bodies lent */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "listcache.h"
#include "log.h"
#include "unit.h"

static const unsigned char law1[32] = { 1 }, law2[32] = { 2 };

/* Put the text body under the text key. */
static void
put(struct listcache *c, unsigned long long gen, const unsigned char *law,
    const char *key, const char *body)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, body, strlen(body));
	listcache_put(c, gen, law, key, strlen(key), b);
	evbuffer_free(b);
}

/* 1 if key is kept at gen under law with exactly body. */
static int
has(struct listcache *c, unsigned long long gen, const unsigned char *law,
    const char *key, const char *body)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	int		 r;

	r = listcache_get(c, gen, law, key, strlen(key), b) == 0;
	len = evbuffer_get_length(b);
	if (r)
		r = len == strlen(body) &&
		    memcmp(evbuffer_pullup(b, -1), body, len) == 0;
	evbuffer_free(b);
	return r;
}

/* A new generation or law drops everything; a body read before a change
 * the cache has seen is not kept. */
static void
test_epochs(void)
{
	struct listcache *c = listcache_new();

	put(c, 1, law1, "a", "[1]");
	ok(has(c, 1, law1, "a", "[1]"), "kept");
	ok(!has(c, 1, law1, "b", "[1]"), "another key");
	ok(!has(c, 1, law2, "a", "[1]"), "another law");
	put(c, 1, law1, "a", "[1]");
	ok(!has(c, 2, law1, "a", "[1]"), "a new generation");
	put(c, 1, law1, "a", "[old]");
	ok(!has(c, 2, law1, "a", "[old]"), "read before the change: not kept");
	put(c, 2, law1, "a", "[2]");
	put(c, 2, law1, "a", "[2b]");
	ok(has(c, 2, law1, "a", "[2b]"), "put again replaces");
	listcache_free(c);
}

/* At most LISTCACHE_ENTRIES, the least recently used out first; a body
 * over LISTCACHE_ENTRY_MAX is not kept. */
static void
test_bounds(void)
{
	struct listcache	*c = listcache_new();
	struct evbuffer		*b;
	char			 key[16], *big;
	int			 i, kept = 0;

	for (i = 0; i < LISTCACHE_ENTRIES; i++) {
		snprintf(key, sizeof key, "k%d", i);
		put(c, 1, law1, key, key);
	}
	ok(has(c, 1, law1, "k0", "k0"), "k0 used: now the most recent");
	put(c, 1, law1, "new", "new");
	ok(has(c, 1, law1, "k0", "k0") && !has(c, 1, law1, "k1", "k1") &&
	    has(c, 1, law1, "new", "new"), "the least recently used went");
	for (i = 0; i < LISTCACHE_ENTRIES + 10; i++) {
		snprintf(key, sizeof key, "k%d", i);
		kept += has(c, 1, law1, key, key);
	}
	ok(kept == LISTCACHE_ENTRIES - 1, "bounded: %d", kept);
	big = xcalloc(1, LISTCACHE_ENTRY_MAX + 1);
	memset(big, 'x', LISTCACHE_ENTRY_MAX);
	put(c, 1, law1, "big", big);
	b = evbuffer_new();
	ok(listcache_get(c, 1, law1, "big", 3, b) == -1, "too big to keep");
	evbuffer_free(b);
	free(big);
	listcache_free(c);
}

/* A body lent to an answer outlives its entry, and the cache. */
static void
test_lent(void)
{
	struct listcache	*c = listcache_new();
	struct evbuffer		*out = evbuffer_new(), *out2 = evbuffer_new();

	put(c, 1, law1, "a", "[lent]");
	ok(listcache_get(c, 1, law1, "a", 1, out) == 0, "lent");
	ok(listcache_get(c, 1, law1, "a", 1, out2) == 0, "lent twice");
	ok(!has(c, 2, law1, "a", "[lent]"), "dropped while lent");
	ok(evbuffer_get_length(out) == 6 &&
	    memcmp(evbuffer_pullup(out, -1), "[lent]", 6) == 0, "still readable");
	evbuffer_free(out);
	listcache_free(c);
	ok(memcmp(evbuffer_pullup(out2, -1), "[lent]", 6) == 0,
	    "readable after the cache is freed");
	evbuffer_free(out2);
}

/* The counts /healthz shows: entries kept, answers sent from one; a miss
 * is not an answer sent, a new generation empties the cache. */
static void
test_stats(void)
{
	struct listcache	*c = listcache_new();
	unsigned long long	 served;
	size_t			 kept;

	listcache_stats(c, &kept, &served);
	ok(kept == 0 && served == 0, "empty: %zu, %llu", kept, served);
	put(c, 1, law1, "a", "[1]");
	put(c, 1, law1, "b", "[2]");
	ok(has(c, 1, law1, "a", "[1]") && has(c, 1, law1, "a", "[1]") &&
	    !has(c, 1, law1, "c", "[3]"), "two hits, a miss");
	listcache_stats(c, &kept, &served);
	ok(kept == 2 && served == 2, "kept %zu, served %llu", kept, served);
	ok(!has(c, 2, law1, "a", "[1]"), "a new generation");
	listcache_stats(c, &kept, &served);
	ok(kept == 0 && served == 2, "kept %zu, served %llu", kept, served);
	listcache_free(c);
}

int
main(void)
{
	log_init("test-listcache", 1);
	test_epochs();
	test_bounds();
	test_lent();
	test_stats();
	return unit_done();
}
