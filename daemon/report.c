/* report.c - the Department's analyses: one XML document of the figures, its data hash */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sodium.h>

#include "log.h"
#include "record.h"
#include "report.h"
#include "report-figures.h"
#include "submission.h"
#include "tz.h"

/*
 * The figures (report-figures.c) are a few hundred at most (ids times
 * regions), counted for the period and its АППГ; here they become the
 * document, its data hash, and what changed since a submission.
 */

/* A value as the document writes it: whole numbers as such, minutes to
 * one decimal.  The data hash and the comparison with a submission use
 * this text, so a value is "the same" exactly when it reads the same. */
static const char *
fig_value(double v, char buf[32])
{
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		snprintf(buf, 32, "%.0f", v);
	else
		snprintf(buf, 32, "%.1f", v);
	return buf;
}

static void
put_value(struct evbuffer *b, const char *attr, double v)
{
	char buf[32];

	evbuffer_add_printf(b, " %s=\"%s\"", attr, fig_value(v, buf));
}

/* Text for an attribute: ids and regions come from checked enumerations,
 * but nothing reaches the document unescaped. */
static void
put_attr(struct evbuffer *b, const char *attr, const char *v)
{
	evbuffer_add_printf(b, " %s=\"", attr);
	for (; *v != '\0'; v++) {
		switch (*v) {
		case '&': evbuffer_add_printf(b, "&amp;"); break;
		case '<': evbuffer_add_printf(b, "&lt;"); break;
		case '"': evbuffer_add_printf(b, "&quot;"); break;
		default: evbuffer_add(b, v, 1);
		}
	}
	evbuffer_add(b, "\"", 1);
}

/* One figure with its АППГ and change ("change-pct" absent when the АППГ
 * is 0: a percentage of nothing means nothing). */
static void
put_figure(struct evbuffer *b, const struct figure *f, const char *indent)
{
	evbuffer_add_printf(b, "%s<figure", indent);
	put_attr(b, "id", f->id);
	put_value(b, "current", f->v[0]);
	put_value(b, "previous", f->v[1]);
	put_value(b, "change", f->v[0] - f->v[1]);
	if (f->v[1] != 0)
		evbuffer_add_printf(b, " change-pct=\"%.1f\"",
		    100.0 * (f->v[0] - f->v[1]) / f->v[1]);
	evbuffer_add_printf(b, "/>\n");
}

/* qsort: strings by their bytes. */
static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A section: its own figures, then one row per region in code order. */
static void
put_section(struct evbuffer *b, const struct figures *fs, enum section s)
{
	const char	**regs = xcalloc(fs->n + 1, sizeof *regs);
	size_t		 i, j, n = 0;

	evbuffer_add_printf(b, " <section id=\"%s\">\n", report_sections[s].id);
	for (i = 0; i < fs->n; i++) {
		if (fs->f[i].section != s)
			continue;
		if (fs->f[i].region[0] == '\0') {
			put_figure(b, &fs->f[i], "  ");
			continue;
		}
		for (j = 0; j < n && strcmp(regs[j], fs->f[i].region) != 0; j++)
			;
		if (j == n)
			regs[n++] = fs->f[i].region;
	}
	qsort(regs, n, sizeof *regs, strp_cmp);
	for (j = 0; j < n; j++) {
		evbuffer_add_printf(b, "  <row");
		put_attr(b, "key", regs[j]);
		evbuffer_add_printf(b, ">\n");
		for (i = 0; i < fs->n; i++)
			if (fs->f[i].section == s &&
			    strcmp(fs->f[i].region, regs[j]) == 0)
				put_figure(b, &fs->f[i], "   ");
		evbuffer_add_printf(b, "  </row>\n");
	}
	evbuffer_add_printf(b, " </section>\n");
	free(regs);
}

/* An instant as an attribute, in RFC 3339 UTC. */
static void
put_time(struct evbuffer *b, const char *attr, int64_t t)
{
	char	s[32];

	rfc3339_format(t, 0, s, sizeof s);
	put_attr(b, attr, s);
}

void
report_scope_name(const struct report_scope *sc, char *buf, size_t len)
{
	size_t	i, o = 0;

	snprintf(buf, len, "%s", sc->nregions ? "" : "all");
	for (i = 0; i < sc->nregions && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "",
		    sc->regions[i]);
}

/* The SHA-256 of the figures: sorted lines, so neither the order queries
 * return rows in nor the layout of the document can change it. */
static void
report_hash(const struct figures *fs, const struct report_period *p,
    const char *scope, char hex[REPORT_SHA256HEX])
{
	crypto_hash_sha256_state h;
	unsigned char		 md[crypto_hash_sha256_BYTES];
	char			**lines = xcalloc(fs->n + 1, sizeof *lines);
	char			*head, cur[32], prev[32];
	size_t			 i;

	for (i = 0; i < fs->n; i++)
		xasprintf(&lines[i], "%s\t%s\t%s\t%s\t%s\n",
		    report_sections[fs->f[i].section].id, fs->f[i].region, fs->f[i].id,
		    fig_value(fs->f[i].v[0], cur), fig_value(fs->f[i].v[1], prev));
	qsort(lines, fs->n, sizeof *lines, strp_cmp);
	xasprintf(&head, "nadzor-report-data 1\n%s\t%s\t%s\n", p->kind, p->name,
	    scope);
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)head, strlen(head));
	for (i = 0; i < fs->n; i++) {
		crypto_hash_sha256_update(&h, (const unsigned char *)lines[i],
		    strlen(lines[i]));
		free(lines[i]);
	}
	crypto_hash_sha256_final(&h, md);
	sodium_bin2hex(hex, REPORT_SHA256HEX, md, sizeof md);
	free(head);
	free(lines);
}

/* 1 if n is an element of that local name. */
static int
is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* One figure of a submitted report's data, into old. */
static void
since_figure(struct figures *old, enum section s, const char *key,
    xmlNodePtr n)
{
	xmlChar		*id = xmlGetProp(n, (const xmlChar *)"id");
	xmlChar		*cur = xmlGetProp(n, (const xmlChar *)"current");
	xmlChar		*prev = xmlGetProp(n, (const xmlChar *)"previous");
	struct figure	*f;

	if (id != NULL) {
		f = fig_get(old, s, key, (const char *)id);
		f->v[0] = cur ? strtod((const char *)cur, NULL) : 0;
		f->v[1] = prev ? strtod((const char *)prev, NULL) : 0;
	}
	xmlFree(id);
	xmlFree(cur);
	xmlFree(prev);
}

/* The figures of one <section> of the submitted data. */
static void
since_section(struct figures *old, xmlNodePtr sec)
{
	xmlChar		*id = xmlGetProp(sec, (const xmlChar *)"id"), *key;
	xmlNodePtr	 n, c;
	size_t		 s;

	for (s = 0; id != NULL && s < S_COUNT; s++)
		if (strcmp(report_sections[s].id, (const char *)id) == 0)
			break;
	xmlFree(id);
	for (n = sec->children; s < S_COUNT && n != NULL; n = n->next) {
		if (is_elem(n, "figure"))
			since_figure(old, (enum section)s, "", n);
		if (!is_elem(n, "row"))
			continue;
		key = xmlGetProp(n, (const xmlChar *)"key");
		for (c = n->children; c != NULL; c = c->next)
			if (is_elem(c, "figure"))
				since_figure(old, (enum section)s,
				    key ? (const char *)key : "", c);
		xmlFree(key);
	}
}

/* A submitted report's figures, read back from the data XML it stored. */
static int
since_load(const struct submission *sub, struct figures *old)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, n;

	doc = xmlReadMemory(sub->data, (int)sub->datalen, "submitted.xml", NULL,
	    XML_PARSE_NONET);
	if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL) {
		xmlFreeDoc(doc);
		return -1;
	}
	for (n = root->children; n != NULL; n = n->next)
		if (is_elem(n, "section"))
			since_section(old, n);
	xmlFreeDoc(doc);
	return 0;
}

/* A value that no longer reads as it was submitted; 1 if written. */
static size_t
put_changed(struct evbuffer *b, const struct figure *f, const char *column,
    double was, double now)
{
	char	w[32], n[32];

	if (strcmp(fig_value(was, w), fig_value(now, n)) == 0)
		return 0;
	evbuffer_add_printf(b, "  <changed");
	put_attr(b, "section", report_sections[f->section].id);
	if (f->region[0] != '\0')
		put_attr(b, "key", f->region);
	put_attr(b, "id", f->id);
	put_attr(b, "column", column);
	put_attr(b, "submitted", w);
	put_attr(b, "now", n);
	evbuffer_add_printf(b, "/>\n");
	return 1;
}

/* Both values of a figure against the submitted ones. */
static size_t
put_changes(struct evbuffer *b, const struct figure *f, const double was[2],
    const double now[2])
{
	return put_changed(b, f, "current", was[0], now[0]) +
	    put_changed(b, f, "previous", was[1], now[1]);
}

/* <since-submission>: every value that differs from the submitted data,
 * section by section; a figure on one side only counts as 0 on the other. */
static int
put_since(struct evbuffer *out, const struct figures *fs,
    const struct submission *sub)
{
	static const double	 zero[2] = { 0, 0 };
	struct figures		 old;
	struct figure		*o;
	struct evbuffer		*ch = evbuffer_new();
	size_t			 s, i, n = 0;

	memset(&old, 0, sizeof old);
	if (since_load(sub, &old) == -1) {
		evbuffer_free(ch);
		figures_free(&old);
		return -1;
	}
	for (s = 0; s < S_COUNT; s++)
		for (i = 0; i < fs->n; i++) {
			if (fs->f[i].section != s)
				continue;
			if ((o = fig_find(&old, (enum section)s, fs->f[i].region,
			    fs->f[i].id)) != NULL)
				o->seen = 1;
			n += put_changes(ch, &fs->f[i], o ? o->v : zero,
			    fs->f[i].v);
		}
	for (i = 0; i < old.n; i++)
		if (!old.f[i].seen)
			n += put_changes(ch, &old.f[i], old.f[i].v, zero);
	evbuffer_add_printf(out, " <since-submission id=\"%lld\" version=\"%d\"",
	    sub->id, sub->version);
	put_time(out, "at", sub->at);
	put_attr(out, "by", sub->by);
	put_attr(out, "format", sub->format);
	put_attr(out, "data-sha256", sub->data_sha256);
	evbuffer_add_printf(out, " changed=\"%zu\">\n", n);
	evbuffer_add_buffer(out, ch);
	evbuffer_add_printf(out, " </since-submission>\n");
	evbuffer_free(ch);
	figures_free(&old);
	return 0;
}

int
report_xml(struct store *st, struct store *prev,
    const struct report_period *p, const struct report_scope *sc,
    int64_t generated, const struct submission *since, struct evbuffer *out,
    char sha256[REPORT_SHA256HEX], char **err)
{
	struct figures	 fs;
	char		 scope[REPORT_SCOPEMAX], hash[REPORT_SHA256HEX];
	size_t		 i;
	int		 rc = -1;

	memset(&fs, 0, sizeof fs);
	if (report_figures(st, prev, p, sc, &fs, err) == -1)
		goto fail;
	report_scope_name(sc, scope, sizeof scope);
	report_hash(&fs, p, scope, hash);
	evbuffer_add_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<report xmlns=\"" REPORT_NS "\"");
	put_attr(out, "kind", p->kind);
	put_attr(out, "period", p->name);
	put_time(out, "from", p->from);
	put_time(out, "to", p->to);
	put_attr(out, "previous", p->prev);
	put_time(out, "previous-from", p->prev_from);
	put_time(out, "previous-to", p->prev_to);
	put_time(out, "generated", generated);
	put_attr(out, "scope", scope);
	put_attr(out, "data-sha256", hash);
	evbuffer_add_printf(out, ">\n");
	for (i = 0; i < S_COUNT; i++)
		put_section(out, &fs, (enum section)i);
	if (since != NULL && put_since(out, &fs, since) == -1) {
		xasprintf(err, "cannot read the data of submission %lld",
		    since->id);
		goto fail;
	}
	evbuffer_add_printf(out, "</report>\n");
	if (sha256 != NULL)
		memcpy(sha256, hash, sizeof hash);
	rc = 0;
fail:
	figures_free(&fs);
	return rc;
}

/* "2025", "2025-03", "2025-Q1", "2025-H2": the first month and how many;
 * -1 if the name does not fit the kind. */
static int
period_months(const char *kind, const char *s, int *y, int *m, int *n)
{
	size_t	len = strlen(s);
	int	k;

	if ((len != 4 && len != 7) || strspn(s, "0123456789") != 4)
		return -1;
	*y = atoi(s);
	if (*y < 2000 || *y > 2100)
		return -1;
	if (len == 4) {
		*m = 1;
		*n = 12;
		return strcmp(kind, "annual") == 0 ? 0 : -1;
	}
	if (s[4] != '-' || !isdigit((unsigned char)s[6]))
		return -1;
	k = s[6] - '0';
	if (strcmp(kind, "monthly") == 0 && isdigit((unsigned char)s[5])) {
		*m = (s[5] - '0') * 10 + k;
		*n = 1;
		return *m >= 1 && *m <= 12 ? 0 : -1;
	}
	if (strcmp(kind, "quarterly") == 0 && s[5] == 'Q' && k >= 1 && k <= 4) {
		*m = 3 * k - 2;
		*n = 3;
		return 0;
	}
	if (strcmp(kind, "halfyear") == 0 && s[5] == 'H' && k >= 1 && k <= 2) {
		*m = 6 * k - 5;
		*n = 6;
		return 0;
	}
	return -1;
}

int
report_period(const char *kind, const char *period, const struct tz *tz,
    struct report_period *p)
{
	int y, m, n;

	memset(p, 0, sizeof *p);
	if (period_months(kind, period, &y, &m, &n) == -1)
		return -1;
	snprintf(p->kind, sizeof p->kind, "%s", kind);
	snprintf(p->name, sizeof p->name, "%s", period);
	snprintf(p->prev, sizeof p->prev, "%04d%s", y - 1, period + 4);
	/* Local midnights; month 13 carries into January. */
	p->from = tz_local_to_utc(tz, y, m, 1, 0, 0, 0);
	p->to = tz_local_to_utc(tz, y, m + n, 1, 0, 0, 0);
	p->prev_from = tz_local_to_utc(tz, y - 1, m, 1, 0, 0, 0);
	p->prev_to = tz_local_to_utc(tz, y - 1, m + n, 1, 0, 0, 0);
	return 0;
}
