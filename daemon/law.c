/* law.c - what is in force: rule sets, the calendar and zones, swapped whole on SIGHUP */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "calendar.h"
#include "law.h"
#include "log.h"
#include "rules.h"
#include "tz.h"

#define LAW_DEFAULT_ZONE	"Asia/Almaty"

struct law_zone {
	char		 name[64];
	struct tz	*tz;
};

struct law_holder {
	pthread_mutex_t	 lock;
	struct law	*law;
};

/* The first calendar file of dir (calendar-*.xml). */
static char *
law_calendar_path(const char *dir, char **err)
{
	struct dirent	*de;
	DIR		*d;
	char		*path = NULL, best[256] = "";

	if ((d = opendir(dir)) == NULL) {
		xasprintf(err, "cannot read rules directory %s", dir);
		return NULL;
	}
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "calendar-", 9) == 0 &&
		    strcmp(de->d_name + strlen(de->d_name) - 4, ".xml") == 0 &&
		    (best[0] == '\0' || strcmp(de->d_name, best) < 0))
			snprintf(best, sizeof best, "%s", de->d_name);
	closedir(d);
	if (best[0] == '\0')
		xasprintf(err, "%s holds no calendar (calendar-*.xml)", dir);
	else
		xasprintf(&path, "%s/%s", dir, best);
	return path;
}

/* Load the zone of every region once: computations then never touch the
 * file system or the process's TZ. */
static int
law_load_zones(struct law *law, char **err)
{
	const char	**codes, *name;
	size_t		 n, i, j;

	n = calendar_regions(law->cal, &codes);
	law->zones = xcalloc(n + 1, sizeof *law->zones);
	for (i = 0; i <= n; i++) {
		name = i < n ? calendar_region_tz(law->cal, codes[i]) :
		    LAW_DEFAULT_ZONE;
		for (j = 0; j < law->nzones; j++)
			if (strcmp(law->zones[j].name, name) == 0)
				break;
		if (j < law->nzones)
			continue;
		snprintf(law->zones[j].name, sizeof law->zones[j].name, "%s", name);
		if ((law->zones[j].tz = tz_load(name, err)) == NULL)
			return -1;
		law->nzones++;
	}
	return 0;
}

struct law *
law_load(const char *dir, char **err)
{
	crypto_hash_sha256_state	 h;
	struct law			*law = xcalloc(1, sizeof *law);
	char				*cpath = NULL;

	*err = NULL;
	if ((law->book = rulebook_load(dir, err)) == NULL ||
	    (cpath = law_calendar_path(dir, err)) == NULL ||
	    (law->cal = calendar_load(cpath, err)) == NULL ||
	    law_load_zones(law, err) == -1)
		goto fail;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, law->book->digest, sizeof law->book->digest);
	crypto_hash_sha256_update(&h, calendar_digest(law->cal), 32);
	crypto_hash_sha256_final(&h, law->digest);
	free(cpath);
	return law;
fail:
	free(cpath);
	law_free(law);
	return NULL;
}

void
law_free(struct law *law)
{
	size_t i;

	if (law == NULL)
		return;
	for (i = 0; i < law->nzones; i++)
		tz_free(law->zones[i].tz);
	free(law->zones);
	if (law->cal != NULL)
		calendar_free(law->cal);
	if (law->book != NULL)
		rulebook_free(law->book);
	free(law);
}

const struct tz *
law_zone(const struct law *law, const char *region)
{
	const char	*name = calendar_region_tz(law->cal, region);
	size_t		 i;

	if (name == NULL)
		name = LAW_DEFAULT_ZONE;
	for (i = 0; i < law->nzones; i++)
		if (strcmp(law->zones[i].name, name) == 0)
			return law->zones[i].tz;
	fatalx("law: zone %s of region %s was not loaded", name, region);
}

const struct ruleset *
law_set_at(const struct law *law, int64_t t)
{
	return rulebook_at(law->book, t);
}

const struct rule *
law_rule(const struct law *law, const char *set, const char *id,
    const char *item)
{
	const struct ruleset	*rs;
	size_t			 i, j;

	for (i = 0; i < law->book->nsets; i++) {
		rs = &law->book->sets[i];
		if (strcmp(rs->id, set) != 0)
			continue;
		for (j = 0; j < rs->nrules; j++)
			if (strcmp(rs->rules[j].id, id) == 0 &&
			    strcmp(rs->rules[j].item, item) == 0)
				return &rs->rules[j];
	}
	return NULL;
}

const struct rule *
law_rule_for(const struct law *law, const char *set, const char *id,
    const char *item, int64_t starts)
{
	const struct rule	*r;
	const struct ruleset	*rs;
	size_t			 i;

	if ((r = law_rule(law, set, id, item)) != NULL)
		return r;
	if ((rs = law_set_at(law, starts)) == NULL)
		return NULL;
	for (i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0 &&
		    strcmp(rs->rules[i].item, item) == 0)
			return &rs->rules[i];
	return NULL;
}

struct law_holder *
law_holder_new(struct law *law)
{
	struct law_holder *h = xcalloc(1, sizeof *h);

	pthread_mutex_init(&h->lock, NULL);
	law->refs = 1;
	h->law = law;
	return h;
}

struct law *
law_acquire(struct law_holder *h)
{
	struct law *law;

	pthread_mutex_lock(&h->lock);
	law = h->law;
	law->refs++;
	pthread_mutex_unlock(&h->lock);
	return law;
}

void
law_release(struct law_holder *h, struct law *law)
{
	int last;

	pthread_mutex_lock(&h->lock);
	last = --law->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (last)
		law_free(law);
}

void
law_swap(struct law_holder *h, struct law *law)
{
	struct law *old;

	law->refs = 1;
	pthread_mutex_lock(&h->lock);
	old = h->law;
	h->law = law;
	pthread_mutex_unlock(&h->lock);
	law_release(h, old);
}

void
law_holder_free(struct law_holder *h)
{
	if (h == NULL)
		return;
	law_release(h, h->law);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
