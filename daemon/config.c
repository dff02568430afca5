/* config.c - nadzord's settings: defaults, then "key value" lines from a file */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->max_record = 1 << 20;		/* 1 MiB */
	c->max_batch = 4 << 20;			/* 4 MiB */
	c->max_headers = 16 << 10;		/* 16 KiB */
	c->max_conns = 1024;
	c->idle_timeout = 30;
	c->request_timeout = 20;
	c->auth_failures = 50;
	c->parser_threads = 2;
	c->alert_hook_timeout = 10;
	c->alert_hook_backoff = 5;
	c->events_max_queue = 1 << 20;
	/* A list of 10,000 rows of a region, read from a cold page cache of
	 * a 4 GB file, takes 200 ms: this stops a plan that walks the table
	 * (seconds), not a large list read for the first time. */
	c->list_timeout_ms = 500;
}

void
config_free(struct config *c)
{
	free(c->db);
	free(c->listen);
	free(c->rules);
	free(c->alert_hook);
	free(c->user);
}

struct config_key {
	const char	*name;
	size_t		 off;
	int		 is_size;	/* size_t, else int */
	long long	 min, max;
};

#define CK(f, sz, lo, hi) { #f, offsetof(struct config, f), sz, lo, hi }
static const struct config_key keys[] = {
	CK(max_record, 1, 1024, 64LL << 20),
	CK(max_batch, 1, 1024, 256LL << 20),
	CK(max_headers, 1, 1024, 1 << 20),
	CK(max_conns, 0, 1, 100000),
	CK(idle_timeout, 0, 1, 3600),
	CK(request_timeout, 0, 1, 3600),
	CK(auth_failures, 0, 1, 1000000),
	CK(parser_threads, 0, 1, 64),
	CK(alert_hook_timeout, 0, 1, 3600),
	CK(alert_hook_backoff, 0, 1, 3600),
	CK(events_max_queue, 1, 4096, 1LL << 30),
	CK(list_timeout_ms, 0, 1, 60000),
};

/* Set one key from its text; a sentence in *err if it is wrong. */
static int
config_set(struct config *c, const char *k, const char *v, char **err)
{
	const struct config_key	*ck;
	char			*end;
	long long		 n;
	size_t			 i;

	/* The hook is a path, run without a shell: no arguments, no quoting. */
	if (strcmp(k, "alert_hook") == 0) {
		if (v[0] != '/' || access(v, X_OK) == -1) {
			xasprintf(err, "alert_hook %s: give the absolute path of an "
			    "executable", v);
			return -1;
		}
		free(c->alert_hook);
		c->alert_hook = xstrdup(v);
		return 0;
	}
	/* Checked at start-up, and only when started as root (privdrop.c). */
	if (strcmp(k, "user") == 0) {
		free(c->user);
		c->user = xstrdup(v);
		return 0;
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		ck = &keys[i];
		if (strcmp(k, ck->name) != 0)
			continue;
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0' || n < ck->min || n > ck->max) {
			xasprintf(err, "%s must be a number from %lld to %lld",
			    k, ck->min, ck->max);
			return -1;
		}
		if (ck->is_size)
			*(size_t *)((char *)c + ck->off) = (size_t)n;
		else
			*(int *)((char *)c + ck->off) = (int)n;
		return 0;
	}
	xasprintf(err, "unknown setting '%s'", k);
	return -1;
}

int
config_load(struct config *c, const char *path, char **err)
{
	FILE	*f;
	char	 line[512], k[64], v[256], *why = NULL;
	int	 lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(err, "cannot open config %s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (sscanf(line, " %63s %255s", k, v) != 2) {
			xasprintf(err, "%s:%d: expected 'key value'", path, lineno);
			rc = -1;
		} else if (config_set(c, k, v, &why) == -1) {
			xasprintf(err, "%s:%d: %s", path, lineno, why);
			free(why);
			rc = -1;
		}
	}
	fclose(f);
	if (rc == 0 && c->max_record > c->max_batch) {
		xasprintf(err, "%s: max_record is larger than max_batch", path);
		rc = -1;
	}
	return rc;
}
