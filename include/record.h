/* record.h - records from offices: parse, validate against the schema, describe */
#ifndef NADZOR_RECORD_H
#define NADZOR_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define RECORD_NOTIME		INT64_MIN	/* a time the record does not carry */
#define RECORD_SKEW		300		/* seconds a time may lie in the future */
#define RECORD_DIGEST_LEN	32		/* SHA-256 of the canonical form */

enum record_kind {
	RK_INCIDENT,
	RK_PLACEMENT,
	RK_SPECIAL_REGIME,
	RK_NPM_VIOLATION,
	RK_ACTION,
};

/* A person named in a record: participant of an incident, placed person. */
struct record_person {
	char		*role;		/* role attribute, or NULL */
	char		*name;
	char		*iin;		/* 12 digits, check digit verified; or NULL */
	char		*status;	/* convict, accused, ... or NULL */
	char		*articles;
	int		 on_register;	/* -1 unknown, 0, 1 */
	char		*born;		/* YYYY-MM-DD or NULL */
	char		*sex;		/* "m", "f" or NULL */
};

/* A measure taken, from an <action>. */
struct record_measure {
	char		*kind;		/* representation, protest, ... */
	char		*date;		/* YYYY-MM-DD or NULL */
};

/* One validated record: the facts the store keeps as columns, plus the
 * canonical XML (exclusive C14N of the record element) and its digest. */
struct record {
	enum record_kind	 kind;
	char			*ref;
	char			*region;
	char			*office;
	char			*facility_kind;
	char			*facility_code;
	char			*facility_name;
	char			**categories;
	size_t			 ncategories;
	/* Instants in seconds since the epoch (UTC); RECORD_NOTIME if absent. */
	int64_t			 occurred;
	int64_t			 received;
	int64_t			 decided;
	int64_t			 placed;
	int64_t			 established;
	int64_t			 done;
	/* The UTC offset, in seconds, each record's first time was written with. */
	int			 utcoff;
	char			*cell;		/* placement: dizo | ok */
	int			 term_days;	/* placement; -1 if absent */
	char			*target;	/* action: record attribute (a ref) */
	char			*rule;		/* action: rule attribute */
	char			*channel;
	char			*outcome;
	int			 participants;	/* incident: count attribute; -1 if absent */
	struct record_person	*persons;
	size_t			 npersons;
	struct record_measure	*measures;
	size_t			 nmeasures;
	unsigned		 parts;		/* RECORD_PART_* present, non-empty */
	char			*xml;		/* canonical XML, NUL-terminated */
	size_t			 xmllen;
	unsigned char		 digest[RECORD_DIGEST_LEN];
};

/* The free-text parts of an incident that п. 17 requires of a special
 * report; kept as presence bits, the text itself lives in the XML. */
#define RECORD_PART_PLACE		0x01
#define RECORD_PART_CIRCUMSTANCES	0x02
#define RECORD_PART_CAUSES		0x04
#define RECORD_PART_AIMS		0x08
#define RECORD_PART_METHODS		0x10
#define RECORD_PART_INSTRUMENTS		0x20

/* What one POST body held: one record, or every record of a <batch>. */
struct record_set {
	struct record	*v;
	size_t		 n;
};

/* Why a document was refused: the element (local name, or "" for the
 * document itself), its line, and a sentence for the sender. */
struct record_error {
	char		 element[64];
	int		 line;
	char		 reason[512];
};

/* Load the embedded schema once; -1 and *err set if it does not compile. */
struct record_schema	*record_schema_load(char **err);
void			 record_schema_free(struct record_schema *);

/*
 * Parse and validate a document: well-formed UTF-8, no DOCTYPE, valid
 * against the schema, then the checks a schema cannot express (offsets,
 * order of times, the future, IIN check digits).  "now" is seconds since
 * the epoch.  0 on success with *out filled; -1 with *err filled and
 * nothing allocated.
 */
int	record_parse(struct record_schema *, const char *buf, size_t len,
	    int64_t now, struct record_set *out, struct record_error *err);
void	record_set_free(struct record_set *);

const char	*record_kind_name(enum record_kind);
int		 record_kind_from_name(const char *);	/* -1 if unknown */

/* The IIN check of domain.md: 1 if the 12 digits are a valid IIN. */
int	iin_valid(const char *);

/* xs:dateTime with an explicit offset ("Z" or +hh:mm) to epoch seconds;
 * -1 if malformed or without offset.  *utcoff gets the offset if not NULL. */
int	rfc3339_parse(const char *, int64_t *, int *utcoff);
/* Epoch seconds to RFC 3339 with the given offset; buf of 32 bytes. */
void	rfc3339_format(int64_t, int utcoff, char *buf, size_t len);

#endif
