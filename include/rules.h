/* rules.h - rule sets as data: which obligations a record or a period creates */
#ifndef NADZOR_RULES_H
#define NADZOR_RULES_H

#include <stddef.h>
#include <stdint.h>

/*
 * A rule set is one XML file in rules/ (namespace urn:nadzor:rules:1,
 * schema rules/ruleset.xsd), e.g. rules/order-7-2015.xml:
 *
 * <ruleset id="order-7-2015" version="1" valid-from="2015-01-06"
 *     valid-until="..." (optional, exclusive)>
 *   <title>...</title>
 *   <rule id="call-1h" item="23">
 *     <title lang="ru">...</title> <title lang="en">...</title>
 *     <trigger kind="incident">            kind: a record kind, or
 *                                          period="month|quarter|halfyear|year"
 *       <category>special-means</category>*   any of these (none: any)
 *       <facility>si-uis</facility>*          any of these (none: any)
 *       <cell>ok</cell>*                      any of these (none: any)
 *       <submitter role="district"/>?         only records logged by that role
 *     </trigger>
 *     <start event="received"/>   received|placed|decided|established|
 *                                 occurred|period-start|period-end
 *     <term hours="1"/> | <term working-days="3"/> | <term none="true"/> |
 *     <term day-of-month="30"/> (of the period's own month, clamped to its
 *         last day) | <term day-of-next-month="5"/> (after the period ends)
 *     <per>record</per> | <per>person</per>
 *     <actor role="region"/>            who must act
 *     <notify role="department"/>*      who is told (warnings, breach)
 *     <escalate role="head" after-minutes="15"/>?  unacknowledged breach
 *     <warn percent="50"/>* <warn minutes-before="15"/>* <warn days-before="1"/>*
 *     <fulfil action="call-1h">
 *       <outcome/>?                     the action must carry an outcome
 *       <requires part="place"/>*       content the record itself must hold
 *     </fulfil>
 *   </rule>
 * </ruleset>
 *
 * Several <rule> elements may share an id when their triggers exclude each
 * other (review-48h: п. 25.8 for remand in an SI's solitary cell, п. 34 for a
 * convict's punishment cell); "item" tells them apart in explanations.
 */

enum rule_start {
	START_RECEIVED,
	START_PLACED,
	START_DECIDED,
	START_ESTABLISHED,
	START_OCCURRED,
	START_PERIOD_START,
	START_PERIOD_END,
};

enum rule_term {
	TERM_NONE,		/* no term in the law: tracked, never late */
	TERM_HOURS,		/* on the clock, nights and holidays included */
	TERM_WORKING_DAYS,	/* from the day after; ends 24:00 local */
	TERM_DAY_OF_MONTH,	/* day N of the period's month (clamped) */
	TERM_DAY_OF_NEXT_MONTH,	/* day N of the month after the period */
};

enum rule_period {
	PERIOD_NONE,		/* triggered by a record */
	PERIOD_MONTH,
	PERIOD_QUARTER,
	PERIOD_HALFYEAR,
	PERIOD_YEAR,
};

#define RULE_MAXWARN	4
#define RULE_MAXLIST	24

struct rule {
	char		 id[32];
	char		 item[32];		/* "23", "25.8", "34" */
	char		 title_ru[256];
	char		 title_kk[256];
	char		 title_en[256];
	/* Trigger. */
	int		 kind;			/* enum record_kind, or -1 */
	enum rule_period period;
	char		 categories[RULE_MAXLIST][32];
	size_t		 ncategories;
	char		 facilities[RULE_MAXLIST][16];
	size_t		 nfacilities;
	char		 cells[4][8];
	size_t		 ncells;
	char		 submitter[16];		/* a role name, or "" */
	/* Clock. */
	enum rule_start	 start;
	enum rule_term	 term;
	int		 amount;		/* hours, days or day of month */
	int		 per_person;
	/* People. */
	char		 actor[16];
	char		 notify[4][16];
	size_t		 nnotify;
	char		 escalate[16];		/* role, or "" */
	int		 escalate_after;	/* minutes */
	/* Warnings before the due time. */
	int		 warn_percent[RULE_MAXWARN];
	size_t		 nwarn_percent;
	int		 warn_minutes[RULE_MAXWARN];	/* before due */
	size_t		 nwarn_minutes;
	int		 warn_days[RULE_MAXWARN];	/* before due */
	size_t		 nwarn_days;
	/* Fulfilment. */
	char		 action[32];		/* the action's rule attribute */
	int		 needs_outcome;
	char		 requires[RULE_MAXLIST][32];	/* parts, see rules_parts */
	size_t		 nrequires;
};

struct ruleset {
	char		 id[64];
	char		 version[16];
	char		 title[256];
	char		 file[256];		/* base name, for explanations */
	/* Validity in dates (YYYY-MM-DD, Asia/Almaty midnight); until is
	 * exclusive and "" when open-ended. */
	char		 valid_from[11];
	char		 valid_until[11];
	int64_t		 from_utc, until_utc;	/* INT64_MAX when open-ended */
	struct rule	*rules;
	size_t		 nrules;
	unsigned char	 digest[32];		/* SHA-256 of the file */
};

/* Every rule set of a directory. */
struct rulebook {
	struct ruleset	*sets;
	size_t		 nsets;
	unsigned char	 digest[32];		/* over all files: a change shows */
};

/*
 * Load every *.xml rule set of dir (files whose root is <ruleset>),
 * validated against dir/ruleset.xsd.  NULL with *err naming the file,
 * line, element and reason; the caller keeps the old book in force.
 * Overlapping validity of two sets, a bad role, kind, category, facility
 * kind or part name, and two rules of one id whose triggers can both match
 * are errors too.
 */
struct rulebook	*rulebook_load(const char *dir, char **err);
void		 rulebook_free(struct rulebook *);

/* The set in force at an instant (from <= t < until), or NULL. */
const struct ruleset	*rulebook_at(const struct rulebook *, int64_t t);

/*
 * One rule set at a time, for rulebook_load and the fuzzer.  The schema is
 * a ruleset.xsd, compiled once (NULL with *err if it does not load, holds
 * an import or include, or does not compile) and only read afterwards, so
 * threads may share it.  ruleset_parse takes a file's bytes and its base
 * name (quoted in errors, kept in ->file): 0 with *out filled and its
 * digest set, every check of rulebook_load that concerns one set made;
 * -1 with *err a sentence naming the file, line, element and reason, and
 * nothing left to free.  from_utc and until_utc are left 0 and INT64_MAX:
 * rulebook_load sets them, with the zone.  ruleset_clear frees what a
 * parsed set holds.
 */
struct rules_schema	*rules_schema_load(const char *path, char **err);
void			 rules_schema_free(struct rules_schema *);
int			 ruleset_parse(const struct rules_schema *,
			    const char *name, const char *buf, size_t len,
			    struct ruleset *out, char **err);
void			 ruleset_clear(struct ruleset *);

/* The rule ids of the contract (order No. 7's set defines all of them). */
extern const char *const rules_contract_ids[];

/*
 * Content parts a <requires> may name, checked against a stored record:
 * occurred, place, circumstances, causes, aims, methods, instruments,
 * participants, person-name, person-articles, person-on-register.
 */
extern const char *const rules_parts[];

#endif
