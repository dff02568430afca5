/* gen-reports.c - make bench: ten years of facts at a hundred times the national volume */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

/*
 * Writes N records (incidents, placements, special regimes, NPM violations
 * and the actions that answer their duties) with their categories, persons,
 * measures, findings and obligations straight into a nadzord database whose
 * schema nadzord has already made, as if ten years (2016-2025) had been
 * ingested.  The rows are what ingest.c and obligation.c write; the audit
 * chain is not (reports never read it).  Deterministic: the same version and
 * N give the same figures, so bench files are cached by GEN_VERSION.
 *
 * Two passes: the first draws only the structure (kinds, duties, actions) to
 * learn how many cases make N records; the second spreads that many cases
 * evenly (with 4% growth a year) over the ten years and writes them.  The
 * structure, the times and the details draw from separate generators so the
 * two passes agree.
 */
#define GEN_VERSION	1

#define T_START		1451584800LL	/* 2016-01-01 00:00 +06:00 */
#define T_END		1767207600LL	/* 2026-01-01 00:00 +05:00 */
#define GROWTH		0.4		/* the last year 40% above the first */

enum { R_STRUCT, R_TIME, R_DETAIL, R_COUNT };

struct gen {
	sqlite3		*db;
	int		 dry;
	uint64_t	 rng[R_COUNT];
	long long	 records, ncases;
	long long	 id, oid, fid;		/* last record, obligation, finding */
	int		 seq[20][5];		/* refs per region and kind */
	int		 user[20];		/* submitter per region */
	sqlite3_stmt	*ins_record, *ins_category, *ins_person, *ins_measure,
			*ins_finding, *ins_obligation;
	char		 xml[8192];
};

/* ISO codes, offices and weights (inmates, roughly) of the 20 regions. */
static const struct region {
	const char	*code;
	const char	*office;
	int		 weight;
	int		 zone;		/* 0 Almaty, 1 west (+5), 2 Qyzylorda */
} regions[20] = {
	{ "KZ-10", "Прокуратура области Абай", 4, 0 },
	{ "KZ-11", "Прокуратура Акмолинской области", 6, 0 },
	{ "KZ-15", "Прокуратура Актюбинской области", 5, 1 },
	{ "KZ-19", "Прокуратура Алматинской области", 7, 0 },
	{ "KZ-23", "Прокуратура Атырауской области", 3, 1 },
	{ "KZ-27", "Прокуратура Западно-Казахстанской области", 4, 1 },
	{ "KZ-31", "Прокуратура Жамбылской области", 6, 0 },
	{ "KZ-33", "Прокуратура области Жетісу", 3, 0 },
	{ "KZ-35", "Прокуратура Карагандинской области", 11, 0 },
	{ "KZ-39", "Прокуратура Костанайской области", 5, 0 },
	{ "KZ-43", "Прокуратура Кызылординской области", 4, 2 },
	{ "KZ-47", "Прокуратура Мангистауской области", 3, 1 },
	{ "KZ-55", "Прокуратура Павлодарской области", 6, 0 },
	{ "KZ-59", "Прокуратура Северо-Казахстанской области", 4, 0 },
	{ "KZ-61", "Прокуратура Туркестанской области", 7, 0 },
	{ "KZ-62", "Прокуратура области Ұлытау", 2, 0 },
	{ "KZ-63", "Прокуратура Восточно-Казахстанской области", 7, 0 },
	{ "KZ-71", "Прокуратура г. Астаны", 5, 0 },
	{ "KZ-75", "Прокуратура г. Алматы", 8, 0 },
	{ "KZ-79", "Прокуратура г. Шымкента", 4, 0 },
};

/* A weighted choice: names and their weights, NULL-terminated. */
struct choice {
	const char	*name;
	int		 weight;
};

static const struct choice facility_incident[] = { { "uis", 40 },
	{ "si-uis", 22 }, { "si-knb", 2 }, { "ivs", 20 }, { "spec", 9 },
	{ "guardhouse", 7 }, { NULL, 0 } };
static const struct choice categories[] = { { "self-harm", 30 },
	{ "work-refusal", 9 }, { "hunger-strike", 12 },
	{ "group-disobedience", 5 }, { "escape-attempt", 4 }, { "escape", 1 },
	{ "special-means", 12 }, { "physical-force", 10 }, { "torture", 2 },
	{ "impermissible-measures", 2 }, { "suicide", 2 },
	{ "violent-death", 1 }, { "disaster", 1 }, { "hostage-taking", 1 },
	{ "pogrom", 1 }, { "mass-riot", 1 }, { "weapon", 1 },
	{ "staff-offence", 3 }, { NULL, 0 } };
static const struct choice roles[] = { { "participant", 55 },
	{ "organizer", 6 }, { "victim", 12 }, { "staff", 10 },
	{ "witness", 10 }, { "other", 4 }, { NULL, 3 } };
static const struct choice statuses[] = { { "convict", 52 },
	{ "accused", 18 }, { "suspect", 8 }, { "detained", 10 },
	{ "arrested", 6 }, { NULL, 6 } };
static const struct choice sexes[] = { { "m", 88 }, { "f", 10 },
	{ NULL, 2 } };
static const struct choice channels[] = { { "phone", 70 },
	{ "electronic", 20 }, { "fax", 5 }, { "in-person", 5 }, { NULL, 0 } };

static const char *const surnames[] = { "Серіков", "Жумабаев", "Ахметов",
	"Иванов", "Нурланов", "Касымов", "Петров", "Омаров", "Сейтжанов",
	"Кузнецов", "Абдрахманов", "Тлеубаев", "Смирнов", "Бекмуханов",
	"Искаков", "Ким", "Садыков", "Мусин", "Оспанов", "Попов" };
static const char *const given[] = { "Айдос", "Ерлан", "Нурлан", "Сергей",
	"Данияр", "Асхат", "Алексей", "Бауыржан", "Тимур", "Марат", "Руслан",
	"Дмитрий", "Ержан", "Канат", "Виктор", "Арман" };
static const char *const articles[] = { "УК 188 ч.2", "УК 190 ч.3",
	"УК 293 ч.1", "УК 99 ч.1", "УК 106 ч.2", "УК 200 ч.2", "УК 297 ч.1" };
static const char *const circumstances[] = {
	"Во время ночного обхода обнаружен порез предплечья.",
	"Осуждённый отказался от приёма пищи, заявив о несогласии с приговором.",
	"При выводе на прогулку оказал неповиновение законным требованиям.",
	"Сотрудниками применены специальные средства при пресечении драки.",
	"В ходе обыска камеры обнаружены запрещённые предметы." };

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t
rnd(struct gen *g, int which)
{
	uint64_t z = (g->rng[which] += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
unif(struct gen *g, int which)
{
	return (rnd(g, which) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi]. */
static long long
between(struct gen *g, int which, long long lo, long long hi)
{
	return lo + (long long)(rnd(g, which) % (uint64_t)(hi - lo + 1));
}

static int
percent(struct gen *g, int which, int pct)
{
	return (int)(rnd(g, which) % 100) < pct;
}

static const char *
pick(struct gen *g, int which, const struct choice *c)
{
	int	total = 0, x, i;

	for (i = 0; c[i].name != NULL || c[i].weight != 0; i++)
		total += c[i].weight;
	x = (int)(rnd(g, which) % (uint64_t)total);
	for (i = 0; x >= c[i].weight; i++)
		x -= c[i].weight;
	return c[i].name;
}

static int
pick_region(struct gen *g)
{
	int	total = 0, x, i;

	for (i = 0; i < 20; i++)
		total += regions[i].weight;
	x = (int)(rnd(g, R_STRUCT) % (uint64_t)total);
	for (i = 0; x >= regions[i].weight; i++)
		x -= regions[i].weight;
	return i;
}

/* The region's offset at t (the tz database's Asia/Almaty, Asia/Aqtobe and
 * the like, Asia/Qyzylorda): all of Kazakhstan +5 since 1 March 2024. */
static int
utcoff(int region, int64_t t)
{
	switch (regions[region].zone) {
	case 1:
		return 5 * 3600;
	case 2:
		return t < 1545328800LL ? 6 * 3600 : 5 * 3600;
	default:
		return t < 1709229600LL ? 6 * 3600 : 5 * 3600;
	}
}

/* An instant as the sender writes it, in the region's offset. */
static char *
instant(int region, int64_t t, char *buf, size_t len)
{
	int		off = utcoff(region, t);
	time_t		local = (time_t)(t + off);
	struct tm	tm;

	gmtime_r(&local, &tm);
	/* Unsigned and reduced so the compiler sees the width. */
	snprintf(buf, len, "%04u-%02u-%02uT%02u:%02u:%02u+%02u:00",
	    (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)(tm.tm_mon + 1) % 100,
	    (unsigned)tm.tm_mday % 100, (unsigned)tm.tm_hour % 100,
	    (unsigned)tm.tm_min % 100, (unsigned)tm.tm_sec % 100,
	    (unsigned)(off / 3600) % 100);
	return buf;
}

/* The local date of t, YYYY-MM-DD. */
static char *
local_day(int region, int64_t t, char *buf, size_t len)
{
	instant(region, t, buf, len);
	buf[10] = '\0';
	return buf;
}

/* ---------------------------------------------------------------- rows */

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static void
bind_time(sqlite3_stmt *s, int i, int64_t t)
{
	if (t == 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, t);
}

static void
step(struct gen *g, sqlite3_stmt *s)
{
	if (sqlite3_step(s) != SQLITE_DONE) {
		fprintf(stderr, "gen-reports: %s\n", sqlite3_errmsg(g->db));
		exit(1);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* The columns of a record row (ingest_row) besides its id and XML. */
struct rec {
	const char	*kind, *facility_kind, *cell, *target, *rule, *outcome;
	char		 ref[64], facility_code[32];
	int		 region, term_days;
	int64_t		 occurred, received, decided, placed, established, done;
};

/* Insert one record with g->xml as its text; its id. */
static long long
put_record(struct gen *g, const struct rec *r)
{
	sqlite3_stmt	*s = g->ins_record;
	unsigned char	 digest[crypto_hash_sha256_BYTES];
	int64_t		 event = r->done ? r->done : r->received ? r->received :
			    r->placed ? r->placed : r->established;
	size_t		 len = strlen(g->xml);

	g->records++;
	if (g->dry)
		return ++g->id;
	crypto_hash_sha256(digest, (const unsigned char *)g->xml, len);
	bind_text(s, 1, r->kind);
	bind_text(s, 2, r->ref);
	bind_text(s, 3, regions[r->region].code);
	bind_text(s, 4, regions[r->region].office);
	bind_text(s, 5, r->facility_kind);
	bind_text(s, 6, r->facility_kind ? r->facility_code : NULL);
	bind_time(s, 7, r->occurred);
	bind_time(s, 8, r->received);
	bind_time(s, 9, r->decided);
	bind_time(s, 10, r->placed);
	bind_time(s, 11, r->established);
	bind_time(s, 12, r->done);
	sqlite3_bind_int(s, 13, utcoff(r->region, r->occurred ? r->occurred :
	    r->decided ? r->decided : event));
	bind_text(s, 14, r->cell);
	if (r->term_days > 0)
		sqlite3_bind_int(s, 15, r->term_days);
	bind_text(s, 16, r->target);
	bind_text(s, 17, r->rule);
	bind_text(s, 18, r->outcome);
	sqlite3_bind_int(s, 19, g->user[r->region]);
	sqlite3_bind_int64(s, 20, event + between(g, R_DETAIL, 5, 900));
	sqlite3_bind_blob(s, 21, digest, sizeof digest, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 22, g->xml, (int)len, SQLITE_STATIC);
	step(g, s);
	return ++g->id;
}

static void
put_category(struct gen *g, long long id, const char *category)
{
	if (g->dry)
		return;
	sqlite3_bind_int64(g->ins_category, 1, id);
	bind_text(g->ins_category, 2, category);
	step(g, g->ins_category);
}

/* A person as the facts table holds it (and the XML shows it). */
struct person {
	const char	*role, *status, *sex, *article;
	char		 name[128], iin[16], born[16];
	int		 on_register;
};

static void
put_person(struct gen *g, long long id, int seq, const struct person *p)
{
	sqlite3_stmt *s = g->ins_person;

	if (g->dry)
		return;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, seq);
	bind_text(s, 3, p->role);
	bind_text(s, 4, p->name);
	bind_text(s, 5, p->iin[0] ? p->iin : NULL);
	bind_text(s, 6, p->status);
	bind_text(s, 7, p->article);
	if (p->on_register >= 0)
		sqlite3_bind_int(s, 8, p->on_register);
	bind_text(s, 9, p->born[0] ? p->born : NULL);
	bind_text(s, 10, p->sex);
	step(g, s);
}

static void
put_measure(struct gen *g, long long id, int seq, const char *kind,
    const char *date)
{
	if (g->dry)
		return;
	sqlite3_bind_int64(g->ins_measure, 1, id);
	sqlite3_bind_int(g->ins_measure, 2, seq);
	bind_text(g->ins_measure, 3, kind);
	bind_text(g->ins_measure, 4, date);
	step(g, g->ins_measure);
}

/* The reporting delay finding of an incident (obligation.c finding_delay). */
static void
put_finding(struct gen *g, long long id, int64_t d)
{
	char text[128];

	if (g->dry)
		return;
	snprintf(text, sizeof text, "the office learned of it %lldh %02lldm "
	    "after it happened", (long long)(d / 3600),
	    (long long)(d / 60 % 60));
	sqlite3_bind_int64(g->ins_finding, 1, id);
	sqlite3_bind_int64(g->ins_finding, 2, d);
	bind_text(g->ins_finding, 3, text);
	step(g, g->ins_finding);
}

/* ------------------------------------------------------------- duties */

/* A duty of order No. 7 as obligation.c derives it. */
struct rule {
	const char	*id, *item, *actor, *start, *term;
	int64_t		 seconds;	/* 0: no term */
	int		 needs_outcome;
	int		 met, late, overdue, waived;	/* percent; rest open */
	const struct choice *outcomes;
};

static const struct choice out_review[] = { { "lawful", 88 },
	{ "unlawful", 12 }, { NULL, 0 } };
static const struct choice out_conclusion[] = { { "lawful", 82 },
	{ "unlawful", 18 }, { NULL, 0 } };
static const struct choice out_torture[] = { { "grounds", 30 },
	{ "no-grounds", 70 }, { NULL, 0 } };

static const struct rule
    r_call = { "call-1h", "23", "region", "received", "1 hour", 3600, 0,
	80, 11, 6, 3, NULL },
    r_report = { "report-3h", "17, 4.4", "region", "received", "3 hours",
	3 * 3600, 0, 72, 16, 9, 3, NULL },
    r_review34 = { "review-48h", "34", "district", "decided", "48 hours",
	48 * 3600, 1, 84, 9, 5, 2, out_review },
    r_review258 = { "review-48h", "25.8", "district", "placed", "48 hours",
	48 * 3600, 1, 84, 9, 5, 2, out_review },
    r_conclusion = { "conclusion", "20, 32.2", "district", "received",
	"no term", 0, 1, 88, 0, 0, 4, out_conclusion },
    r_torture = { "torture-check", "20, 44", "district", "received",
	"no term", 0, 1, 85, 0, 0, 5, out_torture },
    r_regime = { "regime-1h", "16.5", "region", "received", "1 hour", 3600,
	0, 85, 10, 5, 0, NULL },
    r_court = { "court-3wd", "32.3", "district", "established",
	"3 working days", 3 * 86400, 0, 80, 12, 6, 2, NULL };

/* The state a duty ended in; structure, so both passes agree. */
static const char *
duty_state(struct gen *g, const struct rule *r)
{
	int x = (int)(rnd(g, R_STRUCT) % 100);

	if ((x -= r->met) < 0)
		return "met";
	if ((x -= r->late) < 0)
		return "late";
	if ((x -= r->overdue) < 0)
		return "overdue";
	if ((x -= r->waived) < 0)
		return "waived";
	return "open";
}

/* When the answering action was done: in time for met, after for late. */
static int64_t
done_at(struct gen *g, const struct rule *r, const char *state,
    int64_t starts)
{
	if (r->seconds == 0)
		return starts + between(g, R_TIME, 3600, 30 * 86400);
	if (strcmp(state, "met") == 0)
		return starts + (int64_t)(r->seconds * (0.1 + 0.85 *
		    unif(g, R_TIME)));
	return starts + r->seconds + between(g, R_TIME, 60, 3 * r->seconds);
}

static void
put_obligation(struct gen *g, const struct rule *r, long long record,
    int person, int region, int64_t starts, const char *state, int64_t done,
    long long done_by)
{
	sqlite3_stmt	*s = g->ins_obligation;
	char		 key[96], explain[512], a[32], b[32];
	int64_t		 due = r->seconds ? starts + r->seconds : 0;

	if (g->dry)
		return;
	if (person >= 0)
		snprintf(key, sizeof key, "%s/%s/r%lld/p%d", r->id,
		    regions[region].code, record, person);
	else
		snprintf(key, sizeof key, "%s/%s/r%lld", r->id,
		    regions[region].code, record);
	if (due)
		snprintf(explain, sizeof explain, "The term is %s from %.16s: "
		    "due %.16s.", r->term, instant(region, starts, a, sizeof a),
		    instant(region, due, b, sizeof b));
	else
		snprintf(explain, sizeof explain, "The Instruction sets no term "
		    "(п. %s): tracked from %.16s, never late.", r->item,
		    instant(region, starts, a, sizeof a));
	bind_text(s, 1, key);
	bind_text(s, 2, r->id);
	bind_text(s, 3, r->item);
	sqlite3_bind_int(s, 4, r->needs_outcome);
	sqlite3_bind_int64(s, 5, record);
	if (person >= 0)
		sqlite3_bind_int(s, 6, person);
	bind_text(s, 7, regions[region].code);
	bind_text(s, 8, r->actor);
	bind_text(s, 9, r->start);
	sqlite3_bind_int64(s, 10, starts);
	bind_time(s, 11, due);
	bind_text(s, 12, r->term);
	bind_text(s, 13, explain);
	bind_text(s, 14, state);
	bind_time(s, 15, done);
	if (done_by > 0)
		sqlite3_bind_int64(s, 16, done_by);
	bind_text(s, 17, strcmp(state, "waived") == 0 ? "the person was "
	    "transferred before the term" : NULL);
	bind_text(s, 18, strcmp(state, "waived") == 0 ? "bench-head" : NULL);
	sqlite3_bind_int(s, 19, strcmp(state, "overdue") == 0 ? 4 : 0);
	sqlite3_bind_int64(s, 20, starts + between(g, R_DETAIL, 1, 900));
	step(g, s);
}

/* The measures an action reports, by what it found. */
static int
action_measures(struct gen *g, const struct rule *r, const char *outcome,
    const char **m)
{
	int n = 0;

	if (outcome == NULL)
		return 0;
	if (strcmp(outcome, "unlawful") == 0) {
		if (strcmp(r->id, "review-48h") == 0 && percent(g, R_STRUCT, 60))
			m[n++] = "release";
		if (percent(g, R_STRUCT, 55))
			m[n++] = "representation";
		if (percent(g, R_STRUCT, 25))
			m[n++] = "protest";
		if (percent(g, R_STRUCT, 35))
			m[n++] = "disciplinary";
		if (percent(g, R_STRUCT, 10))
			m[n++] = "erdr";
	} else if (strcmp(outcome, "grounds") == 0) {
		if (percent(g, R_STRUCT, 90))
			m[n++] = "erdr";
		if (percent(g, R_STRUCT, 20))
			m[n++] = "court";
	} else if (strcmp(outcome, "lawful") == 0 && percent(g, R_STRUCT, 3))
		m[n++] = "warning";
	if (strcmp(r->id, "court-3wd") == 0)
		m[n++] = "court";
	return n;
}

/* The action record answering a duty, with its measures; its id. */
static long long
put_action(struct gen *g, const struct rule *r, const struct rec *target,
    int64_t done, int n)
{
	struct rec	 a;
	const char	*m[8];
	char		 t[32], day[16];
	int		 i, nm, o = 0;

	memset(&a, 0, sizeof a);
	a.kind = "action";
	a.region = target->region;
	a.target = target->ref;
	a.rule = r->id;
	a.done = done;
	a.outcome = r->outcomes ? pick(g, R_STRUCT, r->outcomes) : NULL;
	snprintf(a.ref, sizeof a.ref, "%.48s-A%d", target->ref, n % 100);
	nm = action_measures(g, r, a.outcome, m);
	if (!g->dry) {
		o = snprintf(g->xml, sizeof g->xml, "<action xmlns=\"urn:nadzor:"
		    "record:1\" record=\"%s\" rule=\"%s\"><ref>%s</ref><region>%s"
		    "</region><office>%s</office><done>%s</done><by>Помощник "
		    "прокурора %s</by><to>Зональный сотрудник Департамента</to>"
		    "<channel>%s</channel><number>%s-%lld</number>", a.target,
		    a.rule, a.ref, regions[a.region].code,
		    regions[a.region].office, instant(a.region, done, t,
		    sizeof t), surnames[between(g, R_DETAIL, 0, 19)],
		    pick(g, R_DETAIL, channels), regions[a.region].code + 3,
		    between(g, R_DETAIL, 1000, 99999));
		if (a.outcome != NULL)
			o += snprintf(g->xml + o, sizeof g->xml - o, "<outcome>%s"
			    "</outcome>", a.outcome);
		for (i = 0; i < nm; i++)
			o += snprintf(g->xml + o, sizeof g->xml - o, "<measure "
			    "date=\"%s\" kind=\"%s\">Меры приняты</measure>",
			    local_day(a.region, done, day, sizeof day), m[i]);
		snprintf(g->xml + o, sizeof g->xml - o, "</action>");
	}
	put_record(g, &a);
	for (i = 0; i < nm; i++)
		put_measure(g, g->id, i, m[i], local_day(a.region, done, day,
		    sizeof day));
	return g->id;
}

/* One duty of a record: its end state, the action if one answered it. */
static void
duty(struct gen *g, const struct rule *r, const struct rec *rec,
    long long id, int person, int64_t starts, int *nactions)
{
	const char	*state = duty_state(g, r);
	int64_t		 done = 0;
	long long	 by = 0;

	if (strcmp(state, "met") == 0 || strcmp(state, "late") == 0) {
		done = done_at(g, r, state, starts);
		by = put_action(g, r, rec, done, ++*nactions);
	} else if (strcmp(state, "waived") == 0)
		done = starts + between(g, R_TIME, 600, 86400);
	put_obligation(g, r, id, person, rec->region, starts, state, done, by);
}

/* ------------------------------------------------------------- records */

/* A person held at t, of the given role and status (NULL: drawn). */
static void
person_draw(struct gen *g, int64_t t, const char *role, int incident,
    struct person *p)
{
	time_t		tt;
	struct tm	tm;
	int		age;

	memset(p, 0, sizeof p[0]);
	p->role = incident ? role : NULL;
	p->status = role != NULL && strcmp(role, "staff") == 0 ? "staff" :
	    pick(g, R_DETAIL, statuses);
	p->sex = pick(g, R_DETAIL, sexes);
	snprintf(p->name, sizeof p->name, "%s %s", surnames[between(g,
	    R_DETAIL, 0, 19)], given[between(g, R_DETAIL, 0, 15)]);
	p->on_register = -1;
	if (p->status != NULL && strcmp(p->status, "staff") != 0) {
		p->article = articles[between(g, R_DETAIL, 0, 6)];
		p->on_register = percent(g, R_DETAIL, 15);
	}
	if (percent(g, R_DETAIL, 4))
		return;
	age = percent(g, R_DETAIL, 2) ? (int)between(g, R_DETAIL, 14, 17) :
	    percent(g, R_DETAIL, 31) ? (int)between(g, R_DETAIL, 18, 29) :
	    percent(g, R_DETAIL, 73) ? (int)between(g, R_DETAIL, 30, 49) :
	    (int)between(g, R_DETAIL, 50, 75);
	tt = (time_t)(t - (int64_t)(age + unif(g, R_DETAIL)) * 31556952LL);
	gmtime_r(&tt, &tm);
	snprintf(p->born, sizeof p->born, "%04u-%02u-%02u",
	    (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)(tm.tm_mon + 1) % 100,
	    (unsigned)tm.tm_mday % 100);
	/* Century and sex digit 3/4 (1900s) or 5/6 (2000s); no check digit. */
	if (!percent(g, R_DETAIL, 8))
		snprintf(p->iin, sizeof p->iin, "%02u%02u%02u%u%05u",
		    (unsigned)tm.tm_year % 100, (unsigned)(tm.tm_mon + 1) % 100,
		    (unsigned)tm.tm_mday % 100, (tm.tm_year >= 100 ? 5u : 3u) +
		    (p->sex != NULL && *p->sex == 'f'),
		    (unsigned)between(g, R_DETAIL, 0, 99999));
}

/* A person as the XML shows it. */
static int
person_xml(char *b, size_t len, const struct person *p, const char *elem)
{
	int o;

	o = snprintf(b, len, "<%s%s%s%s><name>%s</name>", elem,
	    p->role ? " role=\"" : "", p->role ? p->role : "", p->role ? "\"" :
	    "", p->name);
	if (p->iin[0])
		o += snprintf(b + o, len - o, "<iin>%s</iin>", p->iin);
	if (p->status)
		o += snprintf(b + o, len - o, "<status>%s</status>", p->status);
	if (p->article)
		o += snprintf(b + o, len - o, "<articles>%s</articles>",
		    p->article);
	if (p->on_register >= 0)
		o += snprintf(b + o, len - o, "<on-register>%s</on-register>",
		    p->on_register ? "true" : "false");
	if (p->born[0])
		o += snprintf(b + o, len - o, "<born>%s</born>", p->born);
	if (p->sex)
		o += snprintf(b + o, len - o, "<sex>%s</sex>", p->sex);
	return o + snprintf(b + o, len - o, "</%s>", elem);
}

/* How long the office took to learn of it: mostly minutes, some days. */
static int64_t
delay_draw(struct gen *g)
{
	int x = (int)between(g, R_TIME, 0, 99);

	if (x < 70)
		return between(g, R_TIME, 300, 3600);
	if (x < 90)
		return between(g, R_TIME, 3600, 6 * 3600);
	if (x < 98)
		return between(g, R_TIME, 6 * 3600, 48 * 3600);
	return between(g, R_TIME, 2 * 86400, 30 * 86400);
}

static void
facility_code(struct gen *g, struct rec *r)
{
	char	up[16];
	size_t	i;

	for (i = 0; r->facility_kind[i] != '\0' && i < sizeof up - 1; i++)
		up[i] = r->facility_kind[i] >= 'a' && r->facility_kind[i] <= 'z' ?
		    r->facility_kind[i] - 32 : r->facility_kind[i];
	up[i] = '\0';
	snprintf(r->facility_code, sizeof r->facility_code, "%s-%s-%02lld", up,
	    regions[r->region].code + 3, between(g, R_DETAIL, 1, 30));
}

static void
next_ref(struct gen *g, struct rec *r, int kind, const char *prefix,
    int64_t t)
{
	time_t		tt = (time_t)(t + utcoff(r->region, t));
	struct tm	tm;

	gmtime_r(&tt, &tm);
	snprintf(r->ref, sizeof r->ref, "%s-%d-%07d", prefix, tm.tm_year + 1900,
	    ++g->seq[r->region][kind]);
}

/* An incident at t, its facts and duties, and the actions that answered. */
static void
incident(struct gen *g, int64_t t)
{
	struct rec	 r;
	struct person	 p[6];
	const char	*cat[3];
	char		 a[32], b[32];
	int		 ncat, np, i, j, o, na = 0, force = 0, torture = 0;
	long long	 id;

	memset(&r, 0, sizeof r);
	r.kind = "incident";
	r.region = pick_region(g);
	r.facility_kind = pick(g, R_STRUCT, facility_incident);
	r.occurred = t;
	r.received = t + delay_draw(g);
	ncat = percent(g, R_STRUCT, 75) ? 1 : percent(g, R_STRUCT, 80) ? 2 : 3;
	for (i = 0; i < ncat; i++) {
		do {
			cat[i] = pick(g, R_STRUCT, categories);
			for (j = 0; j < i && strcmp(cat[j], cat[i]) != 0; j++)
				;
		} while (j < i);
		force |= strcmp(cat[i], "special-means") == 0 ||
		    strcmp(cat[i], "physical-force") == 0;
		torture |= strcmp(cat[i], "torture") == 0 ||
		    strcmp(cat[i], "impermissible-measures") == 0;
	}
	np = percent(g, R_STRUCT, 5) ? 0 : percent(g, R_STRUCT, 68) ? 1 :
	    percent(g, R_STRUCT, 60) ? 2 : percent(g, R_STRUCT, 65) ? 3 :
	    (int)between(g, R_STRUCT, 4, 6);
	for (i = 0; i < np; i++)
		person_draw(g, t, pick(g, R_DETAIL, roles), 1, &p[i]);
	next_ref(g, &r, 0, "I", t);
	facility_code(g, &r);
	if (!g->dry) {
		o = snprintf(g->xml, sizeof g->xml, "<incident xmlns=\"urn:nadzor:"
		    "record:1\"><ref>%s</ref><region>%s</region><office>%s"
		    "</office><facility code=\"%s\" kind=\"%s\">Учреждение %s"
		    "</facility>", r.ref, regions[r.region].code,
		    regions[r.region].office, r.facility_code, r.facility_kind,
		    r.facility_code);
		for (i = 0; i < ncat; i++)
			o += snprintf(g->xml + o, sizeof g->xml - o, "<category>%s"
			    "</category>", cat[i]);
		o += snprintf(g->xml + o, sizeof g->xml - o, "<occurred>%s"
		    "</occurred><received>%s</received><place>камера %lld, "
		    "корпус %lld</place><circumstances>%s</circumstances>"
		    "<causes>Несогласие с решением суда</causes><aims>Привлечь "
		    "внимание администрации</aims><methods>Не установлены"
		    "</methods><instruments>Не применялись</instruments>",
		    instant(r.region, r.occurred, a, sizeof a),
		    instant(r.region, r.received, b, sizeof b),
		    between(g, R_DETAIL, 1, 60), between(g, R_DETAIL, 1, 6),
		    circumstances[between(g, R_DETAIL, 0, 4)]);
		if (np > 0) {
			o += snprintf(g->xml + o, sizeof g->xml - o,
			    "<participants count=\"%d\">", np);
			for (i = 0; i < np; i++)
				o += person_xml(g->xml + o, sizeof g->xml - o,
				    &p[i], "person");
			o += snprintf(g->xml + o, sizeof g->xml - o,
			    "</participants>");
		}
		snprintf(g->xml + o, sizeof g->xml - o, "</incident>");
	}
	id = put_record(g, &r);
	for (i = 0; i < ncat; i++)
		put_category(g, id, cat[i]);
	for (i = 0; i < np; i++)
		put_person(g, id, i, &p[i]);
	put_finding(g, id, r.received - r.occurred);
	duty(g, &r_call, &r, id, -1, r.received, &na);
	duty(g, &r_report, &r, id, -1, r.received, &na);
	for (i = 0; force && i < (np ? np : 1); i++)
		duty(g, &r_conclusion, &r, id, np ? i : -1, r.received, &na);
	if (torture)
		duty(g, &r_torture, &r, id, -1, r.received, &na);
}

/* A placement in a punishment or solitary cell, and its 48-hour review. */
static void
placement(struct gen *g, int64_t t)
{
	struct rec	 r;
	struct person	 p;
	const struct rule *rule = NULL;
	char		 a[32], b[32];
	int		 o, na = 0;
	long long	 id;

	memset(&r, 0, sizeof r);
	r.kind = "placement";
	r.region = pick_region(g);
	o = (int)between(g, R_STRUCT, 0, 99);
	r.facility_kind = o < 68 ? "uis" : o < 95 ? "si-uis" : "si-knb";
	if (strcmp(r.facility_kind, "uis") == 0) {
		r.cell = percent(g, R_STRUCT, 75) ? "dizo" : "ok";
		rule = &r_review34;
	} else {
		r.cell = percent(g, R_STRUCT, 80) ? "ok" : "dizo";
		rule = strcmp(r.cell, "ok") == 0 ? &r_review258 : NULL;
	}
	r.decided = t;
	r.placed = t + between(g, R_TIME, 600, 4 * 3600);
	r.term_days = (int)between(g, R_DETAIL, 1, 15);
	person_draw(g, t, NULL, 0, &p);
	p.status = strcmp(r.facility_kind, "uis") == 0 ? "convict" :
	    percent(g, R_DETAIL, 70) ? "accused" : "suspect";
	next_ref(g, &r, 1, "P", t);
	facility_code(g, &r);
	if (!g->dry) {
		o = snprintf(g->xml, sizeof g->xml, "<placement xmlns=\"urn:nadzor:"
		    "record:1\"><ref>%s</ref><region>%s</region><office>%s"
		    "</office><facility code=\"%s\" kind=\"%s\">Учреждение %s"
		    "</facility><cell>%s</cell>", r.ref, regions[r.region].code,
		    regions[r.region].office, r.facility_code, r.facility_kind,
		    r.facility_code, r.cell);
		o += person_xml(g->xml + o, sizeof g->xml - o, &p, "person");
		snprintf(g->xml + o, sizeof g->xml - o, "<decided>%s</decided>"
		    "<placed>%s</placed><term-days>%d</term-days><grounds>"
		    "Нарушение распорядка дня</grounds></placement>",
		    instant(r.region, r.decided, a, sizeof a),
		    instant(r.region, r.placed, b, sizeof b), r.term_days);
	}
	id = put_record(g, &r);
	put_person(g, id, 0, &p);
	if (rule != NULL)
		duty(g, rule, &r, id, -1, rule == &r_review34 ? r.decided :
		    r.placed, &na);
}

/* A special regime (received) or an NPM violation (established). */
static void
other(struct gen *g, int64_t t, int npm)
{
	struct rec	 r;
	char		 a[32];
	int		 na = 0;
	long long	 id;

	memset(&r, 0, sizeof r);
	r.region = pick_region(g);
	r.facility_kind = "uis";
	next_ref(g, &r, npm ? 3 : 2, npm ? "NPM" : "SR", t);
	facility_code(g, &r);
	if (npm) {
		r.kind = "npm-violation";
		r.established = t;
	} else {
		r.kind = "special-regime";
		r.received = t;
	}
	if (!g->dry)
		snprintf(g->xml, sizeof g->xml, "<%s xmlns=\"urn:nadzor:record:1\">"
		    "<ref>%s</ref><region>%s</region><office>%s</office>"
		    "<facility code=\"%s\" kind=\"uis\">Учреждение %s</facility>"
		    "<%s>%s</%s><%s>%s</%s></%s>", r.kind, r.ref,
		    regions[r.region].code, regions[r.region].office,
		    r.facility_code, r.facility_code, npm ? "established" :
		    "received", instant(r.region, t, a, sizeof a), npm ?
		    "established" : "received", npm ? "description" : "measures",
		    npm ? "Участнику НПМ отказано в доступе в учреждение" :
		    "Введён режим особых условий", npm ? "description" :
		    "measures", r.kind);
	id = put_record(g, &r);
	duty(g, npm ? &r_court : &r_regime, &r, id, -1, t, &na);
}

/* The time of case k of n: evenly spread, the density growing linearly. */
static int64_t
case_time(struct gen *g, long long k)
{
	double f = (k + unif(g, R_TIME)) / (double)g->ncases, x;

	x = (-1 + sqrt(1 + 2 * GROWTH * f * (1 + GROWTH / 2))) / GROWTH;
	return T_START + (int64_t)(x * (double)(T_END - T_START));
}

/* One case: a record of the kind drawn, and all that follows from it. */
static void
one_case(struct gen *g, long long k)
{
	int64_t	t = case_time(g, k);
	int	x = (int)between(g, R_STRUCT, 0, 99);

	if (x < 55)
		incident(g, t);
	else if (x < 93)
		placement(g, t);
	else
		other(g, t, x >= 97);
}

/* Cases until N records; their number. */
static long long
count_cases(long long n)
{
	struct gen	g;
	long long	k;

	memset(&g, 0, sizeof g);
	g.dry = 1;
	g.ncases = 1;
	g.rng[R_STRUCT] = 0x6e61647a6f72ULL;
	for (k = 0; g.records < n; k++)
		one_case(&g, k);
	return k;
}

/* ------------------------------------------------------------- set up */

static void
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "gen-reports: %s: %s\n", sql, msg);
		exit(1);
	}
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "gen-reports: %s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
	return s;
}

/* The records already there (none, unless nadzord wrote some). */
static long long
last_id(sqlite3 *db)
{
	sqlite3_stmt	*s = prepare(db, "SELECT coalesce(max(id), 0) FROM record");
	long long	 id = 0;

	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return id;
}

/* One region user per region submits its records, as in life. */
static void
region_users(struct gen *g)
{
	sqlite3_stmt	*u, *ur;
	char		 login[32];
	int		 i;

	u = prepare(g->db, "INSERT INTO user (login, role, created) VALUES"
	    " (?, 'region', ?)");
	ur = prepare(g->db, "INSERT INTO user_region (user, region) VALUES"
	    " (?, ?)");
	for (i = 0; i < 20; i++) {
		snprintf(login, sizeof login, "bench-%s", regions[i].code);
		bind_text(u, 1, login);
		sqlite3_bind_int64(u, 2, T_START - 86400);
		step(g, u);
		g->user[i] = (int)sqlite3_last_insert_rowid(g->db);
		sqlite3_bind_int(ur, 1, g->user[i]);
		bind_text(ur, 2, regions[i].code);
		step(g, ur);
	}
	sqlite3_finalize(u);
	sqlite3_finalize(ur);
}

static void
prepare_all(struct gen *g)
{
	g->ins_record = prepare(g->db, "INSERT INTO record (kind, ref, region,"
	    " office, facility_kind, facility_code, occurred, received, decided,"
	    " placed, established, done, utcoff, cell, term_days, target, rule,"
	    " outcome, participants, submitted_by, stored, digest, xml) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
	    " ?16, ?17, ?18, NULL, ?19, ?20, ?21, ?22)");
	g->ins_category = prepare(g->db, "INSERT INTO record_category (record,"
	    " category) VALUES (?, ?)");
	g->ins_person = prepare(g->db, "INSERT INTO person (record, seq, role,"
	    " name, iin, status, articles, on_register, born, sex) VALUES"
	    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	g->ins_measure = prepare(g->db, "INSERT INTO measure (record, seq, kind,"
	    " date) VALUES (?, ?, ?, ?)");
	g->ins_finding = prepare(g->db, "INSERT INTO finding (record, kind,"
	    " seconds, text) VALUES (?, 'reporting-delay', ?, ?)");
	g->ins_obligation = prepare(g->db, "INSERT INTO obligation (key, rule,"
	    " item, ruleset, ruleset_version, action, needs_outcome, record,"
	    " person, region, actor, start_event, starts, due, term, explain,"
	    " state, done, done_by, waived_reason, waived_by, next_at, step,"
	    " created) VALUES (?1, ?2, ?3, 'order-7-2015', '1', ?2, ?4, ?5, ?6,"
	    " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, NULL, ?19,"
	    " ?20)");
}

static void
finalize_all(struct gen *g)
{
	sqlite3_finalize(g->ins_record);
	sqlite3_finalize(g->ins_category);
	sqlite3_finalize(g->ins_person);
	sqlite3_finalize(g->ins_measure);
	sqlite3_finalize(g->ins_finding);
	sqlite3_finalize(g->ins_obligation);
}

int
main(int argc, char **argv)
{
	struct gen	g;
	long long	n, k;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("%d\n", GEN_VERSION);
		return 0;
	}
	if (argc != 3 || (n = atoll(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench-gen-reports DB N | --version\n");
		return 2;
	}
	if (sodium_init() == -1)
		return 1;
	memset(&g, 0, sizeof g);
	g.ncases = count_cases(n);
	g.rng[R_STRUCT] = 0x6e61647a6f72ULL;
	g.rng[R_TIME] = 0x74696d65ULL;
	g.rng[R_DETAIL] = 0x64657461696cULL;
	if (sqlite3_open(argv[1], &g.db) != SQLITE_OK)
		return 1;
	/* A file nobody reads until we are done: no journal, no syncs; a
	 * large cache keeps the indexes' pages in memory while they fill. */
	exec(g.db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    " PRAGMA cache_size=-1000000; PRAGMA temp_store=MEMORY;"
	    " PRAGMA foreign_keys=OFF; BEGIN");
	region_users(&g);
	g.id = last_id(g.db);
	prepare_all(&g);
	for (k = 0; k < g.ncases; k++)
		one_case(&g, k);
	finalize_all(&g);
	/* No ANALYZE: nadzord never runs it, so the planner sees what it
	 * sees in use. */
	exec(g.db, "COMMIT; PRAGMA journal_mode=WAL");
	sqlite3_close(g.db);
	printf("%lld records in %lld cases\n", g.records, g.ncases);
	return 0;
}
